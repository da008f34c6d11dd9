//! Orders of the continuous market and the per-model order book that ranks them.

use crate::ids::{ContractId, FacilityId, ModelIdx, OrderId, ParticipantId, PoolId, RegionIdx};
use crate::levels::Side as Levels;
use crate::step::StepFn;
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A bid.
    Buy,
    /// An ask.
    Sell,
}

impl Side {
    /// `buy` or `sell`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }

    /// The side named `s` ([`Side::as_str`]).
    pub fn parse(s: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Both sides.
    pub const ALL: [Side; 2] = [Side::Buy, Side::Sell];
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

impl TimeInForce {
    /// `gtc`, `ioc`, `fok` or `gtd`.
    pub fn name(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "gtc",
            TimeInForce::Ioc => "ioc",
            TimeInForce::Fok => "fok",
            TimeInForce::Gtd { .. } => "gtd",
        }
    }

    /// The time in force named `name` ([`TimeInForce::name`]), with its expiry hour
    /// for `gtd`.
    pub fn from_parts(name: &str, until: Option<Hour>) -> Option<TimeInForce> {
        Some(match (name, until) {
            ("gtc", _) => TimeInForce::Gtc,
            ("ioc", _) => TimeInForce::Ioc,
            ("fok", _) => TimeInForce::Fok,
            ("gtd", Some(until)) => TimeInForce::Gtd { until },
            _ => return None,
        })
    }

    /// The expiry hour of a `gtd` order.
    pub fn until(self) -> Option<Hour> {
        match self {
            TimeInForce::Gtd { until } => Some(until),
            _ => None,
        }
    }
}

/// What backs an ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AskSource {
    /// A pool the seller owns.
    Pool(PoolId),
    /// A line of a contract the seller holds as buyer (resale).
    Contract {
        /// The contract.
        contract: ContractId,
        /// Its line (index from 0).
        line: u16,
    },
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
    /// The fees in force when it was placed (charged on its fills).
    pub fees: crate::money::FeeRates,
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
    /// What its remaining GPUs can cost while it rests, micro-USD (0 otherwise).
    pub reserved_micros: i64,
    /// Only facilities at least this reliable, basis points (0: any).
    pub min_reliability_bps: u16,
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

/// A compact id for book entries: every id kind the book stores is bounded well below
/// `u32::MAX` by [`crate::limits`] (participants, facilities, and so pools).
fn small(raw: u64) -> u32 {
    u32::try_from(raw).expect("ids in the book are bounded by the limits")
}

/// What matching needs to filter a resting ask, in 44 bytes so that a scan over the
/// book touches as little memory as possible. Its availability lives in the book's
/// slab at `slot`. Always equal to what [`Book::insert`] builds from the order (kept
/// so by [`Book::update`], checked by the invariants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskEntry {
    /// Hours offered.
    pub window: Window,
    /// The seller (raw id).
    pub owner: u32,
    /// The pool's facility (raw id).
    pub facility: u32,
    /// The pool (raw id).
    pub pool: u32,
    /// Smallest number of GPUs one fill may take.
    pub min_fill_gpus: u32,
    /// Fewest GPUs available at any hour of its window: a lower bound of what it can
    /// give any bid, so that most fills need not read the slab.
    pub avail_floor: u32,
    /// Most GPUs available at any hour of its window: an upper bound of what it can
    /// give any bid, for the flexible-start search's bounds without reading the slab.
    pub avail_ceiling: u32,
    /// The pool's region.
    pub region: RegionIdx,
    /// Index of its availability in [`Book::ask_avail`].
    pub slot: u32,
    /// When it leaves the book ([`Order::deadline`]): from that hour on it no longer
    /// trades, even before the tick that removes it.
    pub deadline: Hour,
}

const _: () = assert!(std::mem::size_of::<AskEntry>() == 44);

impl AskEntry {
    /// The pool as an id.
    pub fn pool_id(&self) -> PoolId {
        PoolId(u64::from(self.pool))
    }
}

/// What matching needs to know of a resting bid without looking the order up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidEntry {
    /// Hours wanted.
    pub window: Window,
    /// The buyer (raw id).
    pub owner: u32,
    /// Facility filter (raw id).
    pub facility: Option<u32>,
    /// Region filter.
    pub region: Option<RegionIdx>,
    /// GPUs still wanted.
    pub remaining_gpus: u32,
    /// Fills of fewer than `remaining_gpus` allowed.
    pub partial: bool,
    /// When it leaves the book ([`Order::deadline`]).
    pub deadline: Hour,
    /// Only facilities at least this reliable, basis points (0: any).
    pub min_reliability_bps: u16,
}

impl BidEntry {
    /// The entry of a bid.
    pub fn of(order: &Order, bid: &Bid) -> BidEntry {
        BidEntry {
            window: order.window,
            owner: small(order.owner.0),
            facility: bid.facility.map(|f| small(f.0)),
            region: bid.region,
            remaining_gpus: bid.remaining_gpus,
            partial: bid.partial,
            deadline: order.deadline(),
            min_reliability_bps: bid.min_reliability_bps,
        }
    }

    /// True when an ask described by `ask` may fill this bid: different owners, the
    /// bid's filters pass, and the ask's window covers the bid's.
    pub fn accepts(&self, ask: &AskEntry) -> bool {
        // Non-short-circuit `&`: one unpredictable branch instead of five.
        (self.owner != ask.owner)
            & self.region.is_none_or(|r| r == ask.region)
            & self.facility.is_none_or(|f| f == ask.facility)
            & (ask.window.start <= self.window.start)
            & (self.window.end <= ask.window.end)
    }
}

/// The resting orders of one GPU model, in priority order, each with what matching
/// needs to filter it, so that a scan touches only the book, never the order map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Book {
    /// Asks by price ascending, then time.
    pub asks: Levels<AskEntry>,
    /// Bids by price descending (keyed by the negated price), then time.
    pub bids: Levels<BidEntry>,
    /// Slab of the resting asks' availability (a copy of [`Ask::avail`]), by slot.
    pub ask_avail: Vec<StepFn>,
    /// Free slots of `ask_avail` (zero functions), reused last-freed first.
    pub free_slots: Vec<u32>,
    /// The resting asks by (pool, price, id): each pool's asks in priority order.
    pub ask_by_pool: BTreeSet<(u32, i64, OrderId)>,
}

impl Book {
    /// The key of an order's price level on its side (asks: price; bids: −price).
    pub fn key(order: &Order) -> i64 {
        match order.kind {
            OrderKind::Ask(_) => order.price_micros,
            OrderKind::Bid(_) => -order.price_micros,
        }
    }

    /// The entry an ask gets, in slot `slot`.
    pub fn ask_entry(order: &Order, ask: &Ask, slot: u32) -> AskEntry {
        AskEntry {
            window: order.window,
            owner: small(order.owner.0),
            facility: small(ask.facility.0),
            pool: small(ask.pool.0),
            min_fill_gpus: ask.min_fill_gpus,
            avail_floor: ask.avail.min_over(order.window),
            avail_ceiling: ask.avail.max_over(order.window),
            region: ask.region,
            slot,
            deadline: order.deadline(),
        }
    }

    /// Adds a resting order.
    pub fn insert(&mut self, order: &Order) {
        let key = Book::key(order);
        match &order.kind {
            OrderKind::Ask(a) => {
                let slot = match self.free_slots.pop() {
                    Some(slot) => {
                        self.ask_avail[slot as usize] = a.avail.clone();
                        slot
                    }
                    None => {
                        self.ask_avail.push(a.avail.clone());
                        small(self.ask_avail.len() as u64 - 1)
                    }
                };
                self.asks
                    .insert(key, order.id, Book::ask_entry(order, a, slot));
                self.ask_by_pool.insert((small(a.pool.0), key, order.id));
            }
            OrderKind::Bid(b) => self.bids.insert(key, order.id, BidEntry::of(order, b)),
        }
    }

    /// Removes a resting order.
    pub fn remove(&mut self, order: &Order) {
        let key = Book::key(order);
        let found = match order.kind {
            OrderKind::Ask(_) => match self.asks.remove(key, order.id) {
                Some(e) => {
                    self.ask_avail[e.slot as usize] = StepFn::new();
                    self.free_slots.push(e.slot);
                    self.ask_by_pool.remove(&(e.pool, key, order.id))
                }
                None => false,
            },
            OrderKind::Bid(_) => self.bids.remove(key, order.id).is_some(),
        };
        debug_assert!(found, "order {} not in the book", order.id);
    }

    /// Brings a resting order's entry up to date with the order.
    pub fn update(&mut self, order: &Order) {
        let key = Book::key(order);
        match &order.kind {
            OrderKind::Ask(a) => {
                if let Some(e) = self.asks.get_mut(key, order.id) {
                    *e = Book::ask_entry(order, a, e.slot);
                    self.ask_avail[e.slot as usize] = a.avail.clone();
                }
            }
            OrderKind::Bid(b) => {
                if let Some(e) = self.bids.get_mut(key, order.id) {
                    *e = BidEntry::of(order, b);
                }
            }
        }
    }

    /// GPUs the ask in `entry` has free at every hour of `window` (inside its own).
    pub fn avail_over(&self, entry: &AskEntry, window: Window) -> u32 {
        self.ask_avail[entry.slot as usize].min_over(window)
    }

    /// True when the book holds exactly this order, with an up-to-date entry.
    pub fn holds(&self, order: &Order) -> bool {
        let key = Book::key(order);
        match &order.kind {
            OrderKind::Ask(a) => self.asks.get(key, order.id).is_some_and(|e| {
                *e == Book::ask_entry(order, a, e.slot)
                    && self.ask_avail.get(e.slot as usize) == Some(&a.avail)
            }),
            OrderKind::Bid(b) => self.bids.get(key, order.id) == Some(&BidEntry::of(order, b)),
        }
    }
}
