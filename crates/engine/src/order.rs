//! Orders of the continuous market and the per-model order book that ranks them.

use crate::ids::{FacilityId, ModelIdx, OrderId, ParticipantId, PoolId, RegionIdx};
use crate::step::StepFn;
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A bid.
    Buy,
    /// An ask.
    Sell,
}

/// How long an order may rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    /// Good till cancelled (or until its window starts).
    Gtc,
    /// Immediate or cancel: fill what can be filled now, cancel the rest (bids only).
    Ioc,
    /// Fill or kill: fill the whole quantity now or nothing (bids only).
    Fok,
    /// Good till the start of hour `until` (or until its window starts, if earlier).
    Gtd {
        /// The hour at which the order expires.
        until: Hour,
    },
}

/// What backs an ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AskSource {
    /// A pool the seller owns.
    Pool(PoolId),
    // Resale asks backed by a contract the seller holds arrive with term deals.
}

/// A live order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Its id (ids grow with time, so they also give time priority).
    pub id: OrderId,
    /// Who placed it.
    pub owner: ParticipantId,
    /// GPU model.
    pub model: ModelIdx,
    /// Hours offered (ask) or wanted (bid).
    pub window: Window,
    /// Ask: price per GPU-hour. Bid: limit price per GPU-hour. Micro-USD, positive.
    pub price_micros: i64,
    /// Time in force.
    pub tif: TimeInForce,
    /// When it was placed (the sequencer's timestamp), ms since the epoch.
    pub placed_ms: u64,
    /// Side-specific part.
    pub kind: OrderKind,
}

/// The side-specific part of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// A sell order.
    Ask(Ask),
    /// A buy order.
    Bid(Bid),
}

/// A sell order's own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ask {
    /// What backs it.
    pub source: AskSource,
    /// The pool its GPUs come from.
    pub pool: PoolId,
    /// The pool's facility (for facility filters).
    pub facility: FacilityId,
    /// The pool's region (for region filters).
    pub region: RegionIdx,
    /// GPUs offered over the whole window when placed, less reductions.
    pub gpus: u32,
    /// Smallest number of GPUs one fill may take.
    pub min_fill_gpus: u32,
    /// GPUs still available at each hour of the window. Encumbers the pool.
    pub avail: StepFn,
}

/// A buy order's own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    /// Only asks from this region.
    pub region: Option<RegionIdx>,
    /// Only asks from this facility.
    pub facility: Option<FacilityId>,
    /// GPUs wanted, less reductions.
    pub gpus: u32,
    /// GPUs still wanted (each fill covers the bid's whole window).
    pub remaining_gpus: u32,
    /// Every GPU of a fill comes from one pool.
    pub colocate: bool,
    /// Fills of fewer than `remaining_gpus` GPUs are allowed.
    pub partial: bool,
}

impl Order {
    /// The side of the order.
    pub fn side(&self) -> Side {
        match self.kind {
            OrderKind::Ask(_) => Side::Sell,
            OrderKind::Bid(_) => Side::Buy,
        }
    }

    /// The hour at which a resting order leaves the book by itself: its window's start,
    /// or its GTD expiry if earlier.
    pub fn deadline(&self) -> Hour {
        match self.tif {
            TimeInForce::Gtd { until } => until.min(self.window.start),
            _ => self.window.start,
        }
    }
}

/// What matching needs to know of a resting ask without looking the order up: always
/// equal to [`Ask::entry`] of the order (kept so by `Engine::sync_entry`, checked by the
/// invariants).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskEntry {
    /// The seller.
    pub owner: ParticipantId,
    /// Hours offered.
    pub window: Window,
    /// The pool its GPUs come from.
    pub pool: PoolId,
    /// The pool's facility.
    pub facility: FacilityId,
    /// The pool's region.
    pub region: RegionIdx,
    /// Smallest number of GPUs one fill may take.
    pub min_fill_gpus: u32,
    /// GPUs still available at each hour.
    pub avail: StepFn,
}

/// What matching needs to know of a resting bid without looking the order up: always
/// equal to [`Bid::entry`] of the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidEntry {
    /// The buyer.
    pub owner: ParticipantId,
    /// Hours wanted.
    pub window: Window,
    /// Region filter.
    pub region: Option<RegionIdx>,
    /// Facility filter.
    pub facility: Option<FacilityId>,
    /// GPUs still wanted.
    pub remaining_gpus: u32,
    /// Fills of fewer than `remaining_gpus` allowed.
    pub partial: bool,
}

impl BidEntry {
    /// True when an ask described by `ask` may fill this bid: different owners, the
    /// bid's filters pass, and the ask's window covers the bid's.
    pub fn accepts(&self, ask: &AskEntry) -> bool {
        // Non-short-circuit `&`: one unpredictable branch instead of four.
        (self.owner != ask.owner)
            & self.region.is_none_or(|r| r == ask.region)
            & self.facility.is_none_or(|f| f == ask.facility)
            & (ask.window.start <= self.window.start)
            & (self.window.end <= ask.window.end)
    }
}

/// The resting orders of one GPU model, in priority order, each with what matching
/// needs to filter it (so a scan touches only the book, not the order map).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Book {
    /// Asks by (price ascending, id ascending).
    pub asks: BTreeMap<(i64, OrderId), AskEntry>,
    /// Bids by (negated price ascending = price descending, id ascending).
    pub bids: BTreeMap<(i64, OrderId), BidEntry>,
}

impl Book {
    /// The key that ranks an order on its side of the book.
    pub fn key(order: &Order) -> (i64, OrderId) {
        match order.kind {
            OrderKind::Ask(_) => (order.price_micros, order.id),
            OrderKind::Bid(_) => (-order.price_micros, order.id),
        }
    }

    /// Adds a resting order.
    pub fn insert(&mut self, order: &Order) {
        let key = Book::key(order);
        let old = match &order.kind {
            OrderKind::Ask(a) => self.asks.insert(key, a.entry(order)).is_some(),
            OrderKind::Bid(b) => self.bids.insert(key, b.entry(order)).is_some(),
        };
        debug_assert!(!old, "order {} already in the book", order.id);
    }

    /// Removes a resting order.
    pub fn remove(&mut self, order: &Order) {
        let key = Book::key(order);
        let found = match order.kind {
            OrderKind::Ask(_) => self.asks.remove(&key).is_some(),
            OrderKind::Bid(_) => self.bids.remove(&key).is_some(),
        };
        debug_assert!(found, "order {} not in the book", order.id);
    }

    /// Replaces the entry of a resting order with one built from its current state.
    pub fn update(&mut self, order: &Order) {
        let key = Book::key(order);
        match &order.kind {
            OrderKind::Ask(a) => {
                if let Some(e) = self.asks.get_mut(&key) {
                    *e = a.entry(order);
                }
            }
            OrderKind::Bid(b) => {
                if let Some(e) = self.bids.get_mut(&key) {
                    *e = b.entry(order);
                }
            }
        }
    }

    /// Lowest ask price, if any.
    pub fn best_ask(&self) -> Option<i64> {
        self.asks.first_key_value().map(|(k, _)| k.0)
    }

    /// Highest bid price, if any.
    pub fn best_bid(&self) -> Option<i64> {
        self.bids.first_key_value().map(|(k, _)| -k.0)
    }
}

impl Ask {
    /// The book entry of this ask.
    pub fn entry(&self, order: &Order) -> AskEntry {
        AskEntry {
            owner: order.owner,
            window: order.window,
            pool: self.pool,
            facility: self.facility,
            region: self.region,
            min_fill_gpus: self.min_fill_gpus,
            avail: self.avail.clone(),
        }
    }
}

impl Bid {
    /// The book entry of this bid.
    pub fn entry(&self, order: &Order) -> BidEntry {
        BidEntry {
            owner: order.owner,
            window: order.window,
            region: self.region,
            facility: self.facility,
            remaining_gpus: self.remaining_gpus,
            partial: self.partial,
        }
    }
}
