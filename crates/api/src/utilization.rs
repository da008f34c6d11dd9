//! Utilization and delivery views (`GET /v1/utilization`).

use crate::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Utilization and delivery of a participant's contracts (as buyer or seller), or of one
/// contract, facility or pool, by day or month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UtilizationView {
    /// `buyer` (contracts you buy) or `seller` (contracts you sell); `all` for the
    /// operator's view of everyone's.
    #[serde(rename = "as")]
    pub side: String,
    /// `day` or `month`.
    pub by: String,
    /// First hour covered.
    pub from: String,
    /// End of the hours covered (at most the exchange's clock).
    pub to: String,
    /// What the figures mean, and what idle capacity is worth to a buyer.
    pub note: String,
    /// One row per day or month, in order.
    pub rows: Vec<UtilizationRow>,
}

/// One day's or month's utilization and delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UtilizationRow {
    /// Start of the period.
    pub start: String,
    /// End of the period.
    pub end: String,
    /// GPU-hours the contracts held.
    pub contracted_gpu_hours: u64,
    /// Of them, those whose delivery the seller reported.
    pub delivery_reported_gpu_hours: u64,
    /// GPUs delivered in those hours, summed.
    pub delivered_gpu_hours: u64,
    /// Contracted GPU-hours with no delivery report.
    pub unreported_gpu_hours: u64,
    /// Delivered ÷ reported, basis points rounded down (absent: nothing reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_bps: Option<u16>,
    /// Of the contracted GPU-hours, those whose use the buyer reported.
    pub use_reported_gpu_hours: u64,
    /// GPUs used in those hours, summed.
    pub used_gpu_hours: u64,
    /// Reported hours' GPU-hours not used: capacity a buyer paid for and left idle,
    /// which it could resell (`mw sell --contract`).
    pub idle_gpu_hours: u64,
    /// Used ÷ use-reported GPU-hours, basis points rounded down (absent: nothing
    /// reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization_bps: Option<u16>,
    /// Energy metered by the seller, watt-hours (absent: none metered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_wh: Option<u64>,
    /// Energy per GPU-hour delivered where metered, watt-hours, rounded down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wh_per_gpu_hour: Option<u64>,
    /// Delivery credits issued for the month (month rows, when no facility or pool is
    /// named: a credit is a whole contract's month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<Money>,
}
