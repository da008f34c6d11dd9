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
