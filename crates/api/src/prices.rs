//! The published prices: the Megawatt index (`GET /v1/index`) and the forward curve
//! (`GET /v1/curve`), each value with the methodology and the volume behind it.

use crate::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A series of the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IndexView {
    /// GPU model.
    pub model: String,
    /// The region's series, or absent: every region's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `hour` (every tick, the trailing 24 hours) or `day` (each day's first tick, the
    /// trailing 7 days).
    pub span: String,
    /// The first tick of the range.
    pub from: String,
    /// The range's end.
    pub to: String,
    /// Where the methodology is written down.
    pub methodology: String,
    /// The ticks of the range that had prints in their window, earliest first (a tick
    /// with none has no value).
    pub values: Vec<IndexValueView>,
}

/// One value of the index at a tick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IndexValueView {
    /// The tick: the window is the prints traded in the `span` before it.
    pub at: String,
    /// The methodology it was computed by.
    pub methodology_version: u16,
    /// The value per GPU-hour, when published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
    /// Why it was not published: `too_few_prints`, `too_few_sellers` or
    /// `too_little_volume`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unpublished: Option<String>,
    /// Prints in the window.
    pub prints: u32,
    /// Their GPU-hours.
    pub gpu_hours: u64,
    /// Their distinct sellers.
    pub sellers: u32,
    /// The newest trade the window could hold (`trd-N`): with the window's start, which
    /// prints of the tape it was computed from.
    pub through_trade: String,
}

/// A model's forward curve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CurveView {
    /// GPU model.
    pub model: String,
    /// The tick that published it; absent when the model has no curve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The methodology it was computed by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methodology_version: Option<u16>,
    /// Where the methodology is written down.
    pub methodology: String,
    /// Weeks (from Monday 00:00 UTC: the current one and 26 more), then months (the
    /// current one and 6 more).
    pub points: Vec<CurvePointView>,
}

/// One period of the curve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CurvePointView {
    /// `week` or `month`.
    pub period: String,
    /// The period's start.
    pub start: String,
    /// Its end.
    pub end: String,
    /// Price per GPU-hour for delivery in it.
    pub price: Money,
    /// `prints` (the period's prints of the trailing 7 days), `book` (the mid of the
    /// best bid and ask for it, or the one side there is) or `interpolated` (between the
    /// nearest points with a source; held flat beyond them).
    pub source: String,
    /// Prints delivering in the period, traded in the trailing 7 days.
    pub prints: u32,
    /// Their GPU-hours.
    pub gpu_hours: u64,
    /// The book's best bid for a window starting in the period, at the tick.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_bid: Option<Money>,
    /// The book's best ask with GPUs free in the period, at the tick.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_ask: Option<Money>,
}
