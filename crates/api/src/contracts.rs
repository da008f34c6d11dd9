//! A contract as the API shows it: lines, terms, origin, notice, termination and the
//! engine's money figures.

use crate::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a contract or a quote is priced: per GPU-hour, or a fee per calendar month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PricingView {
    /// `per_gpu_hour` or `monthly_fee`.
    pub pricing: String,
    /// Per GPU-hour price (`per_gpu_hour`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
    /// Monthly fee for the whole contract (`monthly_fee`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_fee: Option<Money>,
}

/// One line of a contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineView {
    /// Pool.
    pub pool: String,
    /// GPUs.
    pub gpus: u32,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
}

/// The terms of a contract (or of a quote).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TermsView {
    /// Notice the buyer must give to leave, hours; absent: it may not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_notice_hours: Option<u32>,
    /// Notice the seller must give to leave, hours; absent: it may not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_notice_hours: Option<u32>,
    /// Fee due from the party giving notice.
    pub early_termination_fee: Money,
    /// True when neither party may leave for convenience.
    pub firm: bool,
    /// Causes for which the contract may be terminated: `acceptable_use` and
    /// `non_payment` (by the seller), `non_delivery` (by the buyer).
    pub for_cause: Vec<String>,
    /// Days the buyer has to pay each invoice.
    pub payment_days: u16,
}

/// Where a contract came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OriginView {
    /// `trade`, `quote` or `resale`.
    pub kind: String,
    /// The trade (a fill, or the fill of a resale ask).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade: Option<String>,
    /// The accepted quote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// For a resale: the contract the GPU-hours are carved from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// For a resale: the parent's line (from 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_line: Option<u32>,
}

/// Notice given on a contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoticeView {
    /// The party that gave it.
    pub by: String,
    /// When, RFC 3339.
    pub given_at: String,
    /// The first hour the contract no longer holds.
    pub effective: String,
    /// Early-termination fee due from `by`.
    pub fee: Money,
    /// Set when the contract ends because the contract it was resold from ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_parent: Option<String>,
}

/// A termination for cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TerminationView {
    /// `acceptable_use`, `non_payment` or `non_delivery`.
    pub cause: String,
    /// The party that terminated.
    pub by: String,
    /// Its written reason.
    pub reason: String,
    /// When, RFC 3339.
    pub at: String,
}

/// A contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractView {
    /// Id, e.g. `ctr-9`.
    pub id: String,
    /// Buyer.
    pub buyer: String,
    /// Seller.
    pub seller: String,
    /// `pending`, `active`, `expired`, `notice_given`, `terminated` or
    /// `terminated_for_cause`.
    pub status: String,
    /// How it is priced, flattened into the object (`pricing`, `price`, `monthly_fee`).
    #[serde(flatten)]
    pub pricing: PricingView,
    /// First hour.
    pub start: String,
    /// End as agreed.
    pub end: String,
    /// The first hour it no longer holds: `end`, or earlier after notice or
    /// termination.
    pub ends: String,
    /// The GPU-hours agreed.
    pub lines: Vec<LineView>,
    /// Total value of a per-GPU-hour contract over its lines as agreed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notional: Option<Money>,
    /// A year at full size: 12 monthly fees, or GPUs x 8,760 hours x price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_rate_per_year: Option<Money>,
    /// What the buyer is still committed to pay, from the current hour to `ends`
    /// (monthly fees prorated by the hours of each calendar month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_commitment: Option<Money>,
    /// Terms.
    pub terms: TermsView,
    /// What it promises of delivery, and how a shortfall is credited.
    pub delivery: DeliveryTermsView,
    /// Where it came from.
    pub origin: OriginView,
    /// The trade that made it (also in `origin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_trade: Option<String>,
    /// Notice given, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeView>,
    /// Termination for cause, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination: Option<TerminationView>,
}

/// A contract's delivery terms (`docs/market-rules.md`, "Delivery credits"); also the
/// operator's terms for new fills (`POST /v1/admin/delivery-terms`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryTermsView {
    /// A month at or above this availability (delivered ÷ contracted GPU-hours), basis
    /// points, earns no credit.
    #[schema(maximum = 65535)]
    pub availability_target_bps: u16,
    /// How hours with no delivery report count: `delivered` or `not_delivered`.
    pub unreported: String,
    /// Below the target, every undelivered GPU-hour is credited at the contract's price.
    pub pro_rata: bool,
    /// Below the target, the highest tier that applies credits its share of the month.
    pub tiers: Vec<CreditTierView>,
}

/// A tier of delivery credit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditTierView {
    /// Applies when availability is below this, basis points.
    #[schema(maximum = 65535)]
    pub below_bps: u16,
    /// Credit, basis points of the month's charge.
    #[schema(maximum = 65535)]
    pub credit_bps: u16,
}
