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
