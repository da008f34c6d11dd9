//! Capacity plans as the API takes and shows them (`POST /v1/positions/plan`): demand
//! per model and period, compared with what is held, and the proposal that closes the
//! gaps, a dry run.

use crate::{Money, OrderRefusalView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A capacity plan: GPUs of each model needed per week or month, at most 36 months
/// ahead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// `week` (periods start on Mondays, 00:00 UTC) or `month` (the 1st, 00:00 UTC).
    pub period: String,
    /// The demand, one row per model and period (1 to 4,096 rows).
    pub rows: Vec<PlanRow>,
    /// A bid's limit per GPU-hour, USD, in place of the forward curve's price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// The moment to plan from (an hour; default now on the market's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// GPUs of a model needed at every hour of one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRow {
    /// The model, e.g. `h100-sxm`.
    pub model: String,
    /// The period's first hour, RFC 3339: a Monday or the 1st of a month, 00:00 UTC.
    pub start: String,
    /// GPUs needed.
    pub gpus: u32,
}

/// One period of the plan against what is held in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanPeriodView {
    /// The model.
    pub model: String,
    /// The period's first hour.
    pub start: String,
    /// The first hour after it.
    pub end: String,
    /// GPUs needed.
    pub demand_gpus: u32,
    /// The fewest GPUs held at any hour of it (bought, less resold and listed; for a
    /// provider, its pools less what is sold and listed).
    pub held_min_gpus: u32,
    /// The most held at any hour of it.
    pub held_max_gpus: u32,
    /// GPUs your resting bids would add at its leanest hour (counted against the
    /// shortfall, never sold).
    pub bidding_gpus: u32,
    /// GPUs short at its leanest hour, net of what resting bids would add.
    pub shortfall_gpus: u32,
    /// GPUs spare at every hour of it.
    pub surplus_gpus: u32,
}

/// An order the proposal would place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProposedOrderView {
    /// `buy` or `sell`.
    pub side: String,
    /// The model.
    pub model: String,
    /// For a resale ask: the contract and line it sells from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// The line of `contract`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u16>,
    /// For a provider's ask: the pool it sells from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// GPUs over the whole window.
    pub gpus: u32,
    /// The window's first hour.
    pub start: String,
    /// Its hours.
    pub hours: u32,
    /// The price per GPU-hour: the curve's over the window, or the limit given.
    pub price: Money,
    /// GPUs x hours x price.
    pub notional: Money,
}

/// A facility-scale shortfall: an RFQ to make (`POST /v1/rfqs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RfqDraftView {
    /// The model.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
    /// The period's first hour.
    pub start: String,
    /// Its hours.
    pub hours: u32,
}

/// The proposal: what would close the plan's gaps, placed by no one yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProposalView {
    /// Bids for the shortfalls and asks for the surpluses.
    pub orders: Vec<ProposedOrderView>,
    /// RFQs for facility-scale shortfalls (4,096 GPUs or more in a period).
    pub rfqs: Vec<RfqDraftView>,
    /// What the bids would cost at most.
    pub cost: Money,
    /// What the asks would bring if all sold.
    pub value: Money,
    /// Periods it could not price (no forward curve for the model and no `limit`):
    /// `model@start`.
    pub unpriced: Vec<String>,
    /// Surplus left unsold (nothing held it on one line or pool for the whole period):
    /// `model@start: N GPUs`.
    pub unsold: Vec<String>,
}

/// A plan against a participant's position, and its proposal (`POST /v1/positions/plan`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanView {
    /// Whose.
    pub participant: String,
    /// The moment held capacity is counted at.
    pub as_of: String,
    /// `week` or `month`.
    pub period: String,
    /// Each period of demand against what is held, in the plan's order.
    pub periods: Vec<PlanPeriodView>,
    /// What would close the gaps.
    pub proposal: ProposalView,
}

/// Store a capacity plan (`POST /v1/plans`), to show against your position at any time
/// and to apply once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanUploadBody {
    /// `week` or `month`, as in [`PlanBody`].
    pub period: String,
    /// The demand, one row per model and period (1 to 4,096 rows).
    pub rows: Vec<PlanRow>,
    /// A bid's limit per GPU-hour, USD, in place of the forward curve's price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// A stored plan (`GET /v1/plans/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StoredPlanView {
    /// Its id, e.g. `pln-1`.
    pub id: String,
    /// Whose.
    pub participant: String,
    /// `week` or `month`.
    pub period: String,
    /// A bid's limit per GPU-hour in place of the curve's, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Money>,
    /// When it was uploaded.
    pub uploaded_at: String,
    /// When it was applied; absent until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_at: Option<String>,
    /// The demand rows (empty in a list).
    pub rows: Vec<PlanRow>,
    /// The orders its apply placed or refused (empty until applied).
    pub orders: Vec<PlanOrderView>,
    /// Not yet applied: the plan against your position now, and what apply would place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<PlanView>,
}

/// One order a plan's apply placed or refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanOrderView {
    /// What was asked: side, model, source, GPUs, window and price.
    #[serde(flatten)]
    pub order: ProposedOrderView,
    /// Placed: the order's id, e.g. `ord-7` (its bids and asks name the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed: Option<String>,
    /// Placed: the order's status (`open`, `filled`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Refused: why (the rule's code, the field and a sentence); nothing of it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<OrderRefusalView>,
}

/// What `POST /v1/plans/{id}/apply` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanAppliedView {
    /// The plan.
    pub plan: String,
    /// When it was applied.
    pub applied_at: String,
    /// False when this call found it applied already and placed nothing.
    pub applied_now: bool,
    /// Each order placed or refused, in the proposal's order.
    pub orders: Vec<PlanOrderView>,
    /// Facility-scale shortfalls: RFQs to make yourself (`mw rfq create`), which an apply
    /// does not open (an RFQ's terms are yours to set). Empty when `applied_now` is false.
    pub rfqs: Vec<RfqDraftView>,
}
