//! Positions as the API shows them: what leaving a contract would cost a party
//! (`GET /v1/contracts/{id}/exit-cost`).

use crate::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What leaving a contract by notice would cost one party, had it given notice at a
/// moment; every figure is the engine's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExitCostView {
    /// The contract.
    pub contract: String,
    /// Who would leave: `buyer` or `seller`.
    pub party: String,
    /// The moment notice would be given.
    pub at: String,
    /// Whether that party can leave by notice then.
    pub can_exit: bool,
    /// Why not, when it cannot: `no_right_of_notice` (its terms give it none),
    /// `contract_not_in_force` (notice given, terminated or ended: see `ends`),
    /// `notice_past_end` (notice then would take effect at or after the end),
    /// `overflow` (its figures do not fit in micro-USD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The contract's end as it stands.
    pub ends: String,
    /// What the contract is worth from the moment to its end as it stands (absent only
    /// when it does not fit in micro-USD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_term: Option<Money>,
    /// The notice its terms require of that party, hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_hours: Option<u32>,
    /// The first hour the contract would no longer hold (also given with
    /// `notice_past_end`: when notice would take effect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    /// The early-termination fee the leaving party would pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<Money>,
    /// What the contract is still worth from the moment to `effective`: billed (or,
    /// prepaid, kept) until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_effective: Option<Money>,
    /// What it is worth from `effective` to its end: what leaving cuts off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_off: Option<Money>,
    /// For the buyer: what leaving saves against the full term, the fee paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_saving: Option<Money>,
}

/// GPU-hours and money of one month, or of a ladder in total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MonthView {
    /// The month, `YYYY-MM` (UTC); absent for a total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// GPU-hours.
    pub gpu_hours: u64,
    /// Their worth at the contracts' (or the offers') prices.
    pub value: Money,
}

/// A commitment ladder: month by month, and in total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LadderView {
    /// Every month, earliest first.
    pub months: Vec<MonthView>,
    /// All the months added up.
    pub total: MonthView,
}

/// One group's ladder: a model, region, facility or counterparty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupLadderView {
    /// The model or region name, the facility id (`fac-1`) or the participant id.
    pub key: String,
    /// A facility's or participant's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its ladder.
    pub ladder: LadderView,
}

/// Exit costs added up over the contracts a side could leave by notice now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExitTotalsView {
    /// Contracts it could leave.
    pub contracts: u32,
    /// Their early-termination fees.
    pub fees: Money,
    /// What they are worth until notice would take effect.
    pub until_effective: Money,
    /// What leaving them all would cut off.
    pub cut_off: Money,
}

/// Marks added up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MarkTotalsView {
    /// Contracts marked to their model's curve.
    pub marked: u32,
    /// Contracts with no curve to mark them by.
    pub unmarked: u32,
    /// The marked contracts' remaining value at their prices.
    pub contract_value: Money,
    /// The same GPU-hours at the curve.
    pub curve_value: Money,
    /// Unrealized gain (negative: loss).
    pub pnl: Money,
}

/// One side of a participant's position: as buyer (spend) or as seller (revenue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SideView {
    /// Contracts on this side holding hours from the month of `as_of` on.
    pub contracts: u32,
    /// What they commit from `as_of` on.
    pub committed: LadderView,
    /// The same by model.
    pub by_model: Vec<GroupLadderView>,
    /// By region.
    pub by_region: Vec<GroupLadderView>,
    /// By facility.
    pub by_facility: Vec<GroupLadderView>,
    /// By the other party.
    pub by_counterparty: Vec<GroupLadderView>,
    /// What resting orders and open quotes could add (not committed).
    pub potential: LadderView,
    /// What this side's contracts are worth over the whole month of `as_of`.
    pub this_month: Money,
    /// A year of the contracts in force at `as_of`, at their full size.
    pub annualized: Money,
    /// Invoiced this calendar year up to `as_of`, net of refunds and delivery credits.
    pub billed_ytd: Money,
    /// Exit costs, added up (each contract's: `GET /v1/positions/contracts`).
    pub exits: ExitTotalsView,
    /// Marks against the forward curve, added up.
    pub marks: MarkTotalsView,
}

/// A forward curve a position was marked by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CurveUsedView {
    /// The model.
    pub model: String,
    /// When the curve was published (`GET /v1/curve?model=&at=` shows its points).
    pub at: String,
    /// Its points.
    pub points: u32,
}

/// A participant's position at a moment (`GET /v1/positions`); every figure is the
/// engine's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PositionView {
    /// Whose (absent: the whole market's, the operator's view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    /// The moment (default: now on the market's clock).
    pub as_of: String,
    /// As buyer.
    pub buyer: SideView,
    /// As seller.
    pub seller: SideView,
    /// The curves in force at `as_of` that marked its contracts.
    pub curves: Vec<CurveUsedView>,
}

/// What leaving one contract by notice at the moment would cost its holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExitSummaryView {
    /// The notice its terms require, hours.
    pub notice_hours: u32,
    /// The first hour it would no longer hold.
    pub effective: String,
    /// The early-termination fee.
    pub fee: Money,
    /// What it is worth until then.
    pub until_effective: Money,
    /// What leaving cuts off.
    pub cut_off: Money,
}

/// One contract marked to its model's forward curve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MarkView {
    /// GPU-hours marked (those it holds from the moment on).
    pub gpu_hours: u64,
    /// Of those, after the curve's last period (valued at its last price).
    pub beyond_curve_gpu_hours: u64,
    /// GPU-hours of its lines whose model has no curve, left out (with their share of
    /// the contract's value).
    pub unmarked_gpu_hours: u64,
    /// Their worth at the contract's price.
    pub contract_value: Money,
    /// At the curve.
    pub curve_value: Money,
    /// The holder's unrealized gain (negative: loss).
    pub pnl: Money,
    /// How many of the curve's periods priced its hours.
    pub periods_used: u32,
}

/// One contract in a position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractPositionView {
    /// The contract.
    pub contract: String,
    /// The participant's side: `buyer` or `seller`.
    pub side: String,
    /// The other party.
    pub counterparty: String,
    /// Its status at the moment.
    pub status: String,
    /// Its end as it stood at the moment.
    pub ends: String,
    /// Its first line's model.
    pub model: String,
    /// Its facility's region.
    pub region: String,
    /// Its facility.
    pub facility: String,
    /// GPU-hours it holds from the moment on.
    pub remaining_gpu_hours: u64,
    /// Their worth at its price.
    pub remaining: Money,
    /// What leaving it now would cost this side (absent: see `exit_reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<ExitSummaryView>,
    /// Why this side cannot leave it by notice: `no_right_of_notice`,
    /// `contract_not_in_force`, `notice_past_end` or `overflow`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_reason: Option<String>,
    /// Its mark (absent: see `unmarked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<MarkView>,
    /// Why it has no mark: `no_curve` or `overflow`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmarked: Option<String>,
}

/// A page of a position's contracts, by id then side (`GET /v1/positions/contracts`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractPositionsPage {
    /// Whose (absent: the whole market's, the operator's view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    /// The moment.
    pub as_of: String,
    /// The contracts.
    pub contracts: Vec<ContractPositionView>,
    /// Pass as `after` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// What a participant is exposed to one counterparty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExposureView {
    /// The counterparty.
    pub counterparty: String,
    /// Its name.
    pub name: String,
    /// Unpaid invoices it owes you.
    pub owed: Money,
    /// What its contracts with you are still worth from the moment on.
    pub committed: Money,
    /// `owed` + `committed`.
    pub total: Money,
    /// GPU-hours those contracts hold from the moment on.
    pub gpu_hours: u64,
    /// Those GPU-hours as a share of all you hold on this side, basis points.
    pub share_bps: u16,
}

/// One pair's exposure in the market (the operator's view).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PairExposureView {
    /// Who is owed (the seller).
    pub creditor: String,
    /// Its name.
    pub creditor_name: String,
    /// Who owes (the buyer).
    pub debtor: String,
    /// Its name.
    pub debtor_name: String,
    /// Unpaid invoices.
    pub owed: Money,
    /// What the debtor's contracts from the creditor are still worth.
    pub committed: Money,
    /// `owed` + `committed`.
    pub total: Money,
    /// GPU-hours those contracts hold from the moment on.
    pub gpu_hours: u64,
}

/// Counterparty exposure at a moment (`GET /v1/positions/exposure`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExposuresView {
    /// Whose (absent: the whole market, for the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    /// The moment.
    pub as_of: String,
    /// As seller, to each buyer (credit risk), largest total first.
    pub to_buyers: Vec<ExposureView>,
    /// As buyer, to each provider (concentration), largest share first.
    pub to_providers: Vec<ExposureView>,
    /// The market's largest exposures between pairs (the operator, without
    /// `participant`), largest first.
    pub largest: Vec<PairExposureView>,
}
