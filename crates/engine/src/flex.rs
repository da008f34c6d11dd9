//! Flexible-start buying: what a search for "G GPUs for H hours, any start in a range"
//! asks ([`SearchSpec`]) and what it finds for each feasible start ([`StartPlan`]).
//! Vocabulary only; `search.rs` searches and places flexible bids.

use crate::ids::{FacilityId, PoolId};
use crate::units::{Hour, Window, div_half_even};
use serde::{Deserialize, Serialize};

/// What a flexible-start search or bid asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchSpec {
    /// GPU model id.
    pub model: String,
    /// Only asks from this region.
    pub region: Option<String>,
    /// Only asks from this facility.
    pub facility: Option<FacilityId>,
    /// GPUs wanted over the whole window.
    pub gpus: u32,
    /// Hours wanted.
    pub hours: u32,
    /// The earliest start.
    pub start_from: Hour,
    /// The latest start (inclusive).
    pub start_until: Hour,
    /// Highest price per GPU-hour, micro-USD (`None`: any price, for a search).
    pub limit_price_micros: Option<i64>,
    /// Every GPU from one pool.
    pub colocate: bool,
    /// Only facilities at least this reliable over 30 days, basis points (0: any).
    pub min_reliability_bps: u16,
}

impl SearchSpec {
    /// The window of a start.
    pub fn window_at(&self, start: Hour) -> Window {
        Window {
            start,
            end: Hour(start.0.saturating_add(self.hours)),
        }
    }

    /// The candidate starts, in order.
    pub fn starts(&self) -> impl Iterator<Item = Hour> + use<> {
        (self.start_from.0..=self.start_until.0).map(Hour)
    }
}

/// One fill a start would make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFill {
    /// The pool the GPUs come from.
    pub pool: PoolId,
    /// Its facility.
    pub facility: FacilityId,
    /// GPUs.
    pub gpus: u32,
    /// The resting ask's price per GPU-hour, micro-USD.
    pub price_micros: i64,
}

/// A feasible start: its window, what it would cost in all, and where it would fill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartPlan {
    /// The window.
    pub window: Window,
    /// Price x GPUs x hours of its fills, micro-USD (before fees).
    pub cost_micros: i64,
    /// GPUs its fills give (the search's GPUs when complete).
    pub gpus: u32,
    /// The fills, in the order they would be made.
    pub fills: Vec<PlannedFill>,
}

impl StartPlan {
    /// The average price per GPU-hour, micro-USD, rounded half to even.
    pub fn average_price_micros(&self) -> i64 {
        let gpu_hours = i128::from(self.gpus) * i128::from(self.window.hours());
        if gpu_hours == 0 {
            return 0;
        }
        div_half_even(i128::from(self.cost_micros), gpu_hours) as i64
    }

    /// The order of the best: the cheapest, ties to the earliest start.
    pub fn rank(&self) -> (i64, Hour) {
        (self.cost_micros, self.window.start)
    }
}
