//! Delivery: usage reports (request and answer) and the reports of a contract.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One usage record: GPUs of one contract line in one hour. As the contract's seller,
/// GPUs delivered (up and usable by the buyer); as its buyer, GPUs used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageRecordBody {
    /// The contract, e.g. `ctr-9`.
    pub contract: String,
    /// Its line, from 0 (default 0).
    #[serde(default)]
    #[schema(maximum = 65535)]
    pub line: u16,
    /// The hour (its start, RFC 3339 on an hour boundary); it must have ended.
    pub hour: String,
    /// GPUs delivered (seller) or used (buyer): at most the line's.
    pub gpus: u32,
    /// Energy drawn in the hour, watt-hours (kWh x 1,000), when metered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_wh: Option<u64>,
}

/// A batch of usage records: all accepted, or none (the refusal names the first bad
/// record, `records[3].hour`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageReport {
    /// 1 to 10,000 records; each (contract, line, hour) at most once.
    pub records: Vec<UsageRecordBody>,
}

/// What a usage report did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageAccepted {
    /// Records accepted (all of the batch).
    pub records: usize,
    /// Of them, as the seller: GPUs delivered.
    pub delivered: usize,
    /// Of them, as the buyer: GPUs used.
    pub used: usize,
}

/// One usage report of a contract, as it stands (a correction replaces it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageView {
    /// The contract line, from 0.
    pub line: u16,
    /// The hour.
    pub hour: String,
    /// `seller` (GPUs delivered) or `buyer` (GPUs used).
    pub side: String,
    /// GPUs.
    pub gpus: u32,
    /// Energy, watt-hours, when metered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_wh: Option<u64>,
}

/// The usage reports of a contract over a range of hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractUsage {
    /// The contract.
    pub contract: String,
    /// First hour of the range.
    pub from: String,
    /// End of the range.
    pub to: String,
    /// The reports, by hour, line and side (seller first).
    pub items: Vec<UsageView>,
}

/// The evidence of a delivery credit: a contract's month measured against its delivery
/// terms (`docs/market-rules.md`, "Delivery credits").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryCreditView {
    /// First hour of the month the contract held.
    pub period_start: String,
    /// End of those hours.
    pub period_end: String,
    /// GPU-hours contracted in them.
    pub contracted_gpu_hours: u64,
    /// Of them, reported delivered (or unreported and counted delivered by the terms).
    pub delivered_gpu_hours: u64,
    /// Of them, with no delivery report.
    pub unreported_gpu_hours: u64,
    /// Delivered ÷ contracted, basis points, rounded down.
    #[schema(maximum = 10000)]
    pub availability_bps: u16,
    /// What the month's hours were charged.
    pub charge: crate::Money,
    /// The pro-rata part: undelivered GPU-hours at the price.
    pub pro_rata: crate::Money,
    /// The tier's part: its share of the charge.
    pub tier: crate::Money,
    /// The credit: the parts' sum, at most the charge.
    pub credit: crate::Money,
}

/// When months close (`GET /v1/month-close`): a month's usage reports may be sent and
/// corrected until it closes, `grace_hours` after its end (at the first tick then);
/// the close issues its invoices and credits, and its reports are final.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthCloseView {
    /// Hours after its end a month closes, 0 to 168.
    #[schema(maximum = 168)]
    pub grace_hours: u16,
    /// The first hour whose reports are still taken: the start of the earliest month not
    /// closed.
    pub open_from: String,
    /// When that month closes: its end plus the grace.
    pub closes_at: String,
}

/// The body of `POST /v1/admin/month-close`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthCloseBody {
    /// Hours after its end a month closes, 0 to 168.
    #[schema(maximum = 168)]
    pub grace_hours: u16,
}
