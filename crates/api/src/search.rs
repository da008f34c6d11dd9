//! Flexible-start search (`GET /v1/search`): the best starts of "G GPUs for H hours,
//! any start in a range" on the live book, each with its cost and where it would fill.

use crate::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a search found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SearchView {
    /// GPU model.
    pub model: String,
    /// GPUs wanted.
    pub gpus: u32,
    /// Hours wanted.
    pub hours: u32,
    /// The earliest start searched.
    pub start_from: String,
    /// The latest start searched.
    pub start_until: String,
    /// The feasible starts, cheapest first, ties to the earliest (at most `limit`); none
    /// when no start fills every GPU within the price.
    pub starts: Vec<StartView>,
}

/// One feasible start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StartView {
    /// Window start.
    pub start: String,
    /// Window end.
    pub end: String,
    /// Price x GPUs x hours of its fills (before fees).
    pub cost: Money,
    /// The cost per GPU-hour.
    pub average_price: Money,
    /// Where it would fill, in the order a bid for the window would fill.
    pub fills: Vec<PlannedFillView>,
}

/// One fill a start would make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlannedFillView {
    /// The pool, e.g. `pool-3`.
    pub pool: String,
    /// Its facility.
    pub facility: String,
    /// Its region.
    pub region: String,
    /// GPUs.
    pub gpus: u32,
    /// The ask's price per GPU-hour.
    pub price: Money,
}
