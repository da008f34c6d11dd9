//! Standing procurements (`/v1/procurements`): "keep N GPUs of a model held for the
//! next H hours, buying at most D hours ahead, at most price P".

use crate::{Money, OrderView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Create a standing procurement: from the next hour, for `hours` hours, the engine
/// keeps `gpus` GPUs of `model` held, buying at each tick, with IOC bids at `price`,
/// the blocks of `block_hours` that end within `lookahead_hours` and that its own
/// contracts do not hold. Its worst case (GPUs x hours x limit, fees included) and the
/// rest of your live procurements' must fit your funds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProcurement {
    /// GPU model id.
    pub model: String,
    /// Only from this region.
    pub region: Option<String>,
    /// GPUs to keep held, 1 to 10,000,000.
    pub gpus: u32,
    /// Hours from the next hour, 1 to 8,784.
    pub hours: u32,
    /// How far ahead it buys, hours: block_hours to 744 (default 24).
    pub lookahead_hours: Option<u32>,
    /// The length of the blocks it buys, hours, 1 to `hours` (default 1).
    pub block_hours: Option<u32>,
    /// Highest price per GPU-hour in USD, e.g. `"2.50"` (or give `price_micros`).
    pub price: Option<String>,
    /// The same in micro-USD.
    pub price_micros: Option<i64>,
}

/// A standing procurement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProcurementView {
    /// Id, e.g. `prc-2`.
    pub id: String,
    /// The buyer.
    pub owner: String,
    /// GPU model.
    pub model: String,
    /// The region filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// GPUs kept held.
    pub gpus: u32,
    /// First hour held, RFC 3339.
    pub start: String,
    /// End of the last hour held, RFC 3339.
    pub end: String,
    /// Hours of the period.
    pub hours: u32,
    /// How far ahead it buys, hours.
    pub lookahead_hours: u32,
    /// The blocks it buys, hours.
    pub block_hours: u32,
    /// Highest price per GPU-hour.
    pub price: Money,
    /// `active`, `paused`, `completed` or `cancelled`.
    pub status: String,
    /// GPU-hours its bids bought.
    pub bought_gpu_hours: u64,
    /// A live procurement: where it stands before the next tick.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standing: Option<ProcurementStanding>,
    /// When it was created, ms since the epoch.
    pub created_ms: u64,
}

/// Where a live procurement stands before the next tick (the engine's figures).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProcurementStanding {
    /// GPUs its contracts hold in the next hour.
    pub held_gpus: u32,
    /// GPU-hours its due blocks are short of: what the next tick tries to buy.
    pub due_short_gpu_hours: u64,
    /// GPU-hours the rest of its period is short of.
    pub short_gpu_hours: u64,
    /// The most the rest can still cost at its limit, fees included.
    pub worst_case: Money,
}

/// A procurement with the bids it placed, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProcurementDetail {
    /// The procurement.
    #[serde(flatten)]
    pub procurement: ProcurementView,
    /// Its most recent bids (at most 100; `GET /v1/orders/{id}` shows each).
    pub bids: Vec<OrderView>,
}
