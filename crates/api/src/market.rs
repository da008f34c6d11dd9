//! Orders and trades as the API shows them.

use crate::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    /// Id, e.g. `ord-17`.
    pub id: String,
    /// Who placed it.
    pub owner: String,
    /// `buy` or `sell`.
    pub side: String,
    /// GPU model.
    pub model: String,
    /// Sell: the pool offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Sell: the pool's facility. Buy: the facility filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// Resale: the contract offered from, and its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// Resale: the contract's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u16>,
    /// Buy: the region filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// GPUs offered or wanted (after reductions).
    pub gpus: u32,
    /// Window start, RFC 3339.
    pub start: String,
    /// Window end, RFC 3339.
    pub end: String,
    /// Window length in hours.
    pub hours: u32,
    /// Sell: price; buy: limit; per GPU-hour.
    pub price: Money,
    /// `gtc`, `ioc`, `fok` or `gtd`.
    pub time_in_force: String,
    /// GTD: when it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub good_till: Option<String>,
    /// Sell: smallest fill, GPUs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_fill_gpus: Option<u32>,
    /// Buy: all GPUs of a fill from one pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colocate: Option<bool>,
    /// Buy: fills of fewer GPUs allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<bool>,
    /// Buy: only from facilities at least this reliable over the last 30 days, basis
    /// points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_reliability_bps: Option<u16>,
    /// GPU-hours traded so far.
    pub filled_gpu_hours: u64,
    /// Buy: the standing procurement that placed it, e.g. `prc-2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procurement: Option<String>,
    /// The capacity plan whose apply placed it, e.g. `pln-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// `open`, `filled`, `cancelled`, `expired`, `window_started`, `ioc_remainder`, `killed`.
    pub status: String,
}

/// A trade. Parties (`buyer`, `seller`, orders, pool, contract) appear only in the
/// caller's own trades.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TradeView {
    /// Id, e.g. `trd-4`.
    pub id: String,
    /// GPU model.
    pub model: String,
    /// The region of the facility the GPUs come from.
    pub region: String,
    /// GPUs.
    pub gpus: u32,
    /// Window start.
    pub start: String,
    /// Window end.
    pub end: String,
    /// Hours.
    pub hours: u32,
    /// Price per GPU-hour.
    pub price: Money,
    /// price × GPUs × hours.
    pub notional: Money,
    /// Side of the incoming order.
    pub aggressor: String,
    /// When, ms since the epoch.
    pub time_ms: u64,
    /// Buyer (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer: Option<String>,
    /// Seller (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller: Option<String>,
    /// Bid filled (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bid: Option<String>,
    /// Ask filled (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask: Option<String>,
    /// Pool the GPUs come from (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Contract made (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
}

/// The book's depth by delivery period (`GET /v1/depth`): for the windows starting in
/// each week (Monday 00:00 UTC) or month, the GPUs and GPU-hours resting at each price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DepthView {
    /// GPU model.
    pub model: String,
    /// `week` or `month`.
    pub by: String,
    /// A side had more levels than an answer holds (1,000): its best-priced are shown.
    pub truncated: bool,
    /// Asks, by period (earliest first), then cheapest first.
    pub asks: Vec<DepthLevelView>,
    /// Bids, by period (earliest first), then highest first.
    pub bids: Vec<DepthLevelView>,
}

/// The orders at one price whose windows start in one period, summed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DepthLevelView {
    /// First hour of the period.
    pub period_start: String,
    /// End of the period.
    pub period_end: String,
    /// Price per GPU-hour.
    pub price: Money,
    /// GPUs: asks, the most still offered at any hour of each window; bids, still wanted.
    pub gpus: u64,
    /// Each order's GPUs times its window's hours (for asks, the most offered at any
    /// hour, so an upper bound of what could be bought).
    pub gpu_hours: u64,
    /// Number of orders.
    pub orders: u32,
}

/// Candles of the tape (`GET /v1/candles`): a model's prints summed per hour or day of
/// trade time, or of delivery (the start of their windows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CandlesView {
    /// GPU model.
    pub model: String,
    /// Only prints from facilities in this region, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `hour` or `day`.
    pub interval: String,
    /// `trade` (by trade time) or `delivery` (by the start of the windows).
    pub by: String,
    /// The first interval's start.
    pub from: String,
    /// The range's end (where the last interval ends, if it is cut short).
    pub to: String,
    /// The intervals with prints, earliest first (those with none are left out).
    pub candles: Vec<CandleView>,
}

/// One interval's prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CandleView {
    /// The interval's start.
    pub start: String,
    /// Its end.
    pub end: String,
    /// The first print's price (by trade id) per GPU-hour.
    pub open: Money,
    /// The highest.
    pub high: Money,
    /// The lowest.
    pub low: Money,
    /// The last print's.
    pub close: Money,
    /// GPUs times hours of the prints.
    pub gpu_hours: u64,
    /// Number of prints.
    pub prints: u64,
}
