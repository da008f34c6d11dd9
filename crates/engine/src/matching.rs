//! Continuous matching with price-time priority. Trades happen at the resting order's
//! price. Every fill covers the bid's whole window and takes a sub-window and a
//! sub-quantity of an ask; every fill becomes a trade and a firm contract.
//!
//! * An incoming bid is planned first, reading only: non-colocated bids take the
//!   cheapest compatible asks in price-time order; colocated bids are filled from the
//!   single pool that fills them at the lowest total cost (ties: the pool whose earliest
//!   order is earliest). All-or-none bids get everything or nothing.
//! * An incoming ask fills resting bids it can satisfy on its own, best price first.

use crate::contract::{Contract, ContractLine, Origin, Pricing, Terms, Trade};
use crate::engine::{Ctx, Engine};
use crate::event::{CloseReason, Event};
use crate::ids::{ContractId, FacilityId, OrderId, PoolId, TradeId, take};
use crate::limits::MAX_FILLS_PER_ORDER;
use crate::order::{AskEntry, AskSource, Bid, BidEntry, Book, Order, OrderKind, Side};
use crate::place::{ask_of, bid_of};
use crate::units::Hour;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::ops::Bound;

/// A resting ask as a scan of the book meets it: (price, id, entry).
pub(crate) type Candidate<'a> = (i64, OrderId, &'a AskEntry);

/// One planned fill of an incoming bid: GPUs from a resting ask at its price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fill {
    pub(crate) ask: OrderId,
    pub(crate) gpus: u32,
    pub(crate) price_micros: i64,
}

/// What one pool could give a colocated bid so far.
struct PoolPlan {
    pool: PoolId,
    /// GPUs still missing.
    remaining: u32,
    cost_micros: i64,
    /// Lowest order id among its fills (for ties).
    earliest: OrderId,
    /// Fills so far (at most [`MAX_FILLS_PER_ORDER`]).
    fill_count: usize,
}

/// Plans of a colocated bid, one per pool met, with their fills; allocation-free for
/// the common case of a few pools, indexed by a map once many pools are met.
#[derive(Default)]
struct Plans {
    plans: SmallVec<[PoolPlan; 8]>,
    /// (plan index, fill), in the order planned.
    fills: SmallVec<[(usize, Fill); 16]>,
    index: FxHashMap<PoolId, usize>,
}

/// Plans past this many are found through `Plans::index` instead of a linear search.
const LINEAR_PLANS: usize = 4;

impl Plans {
    /// The plan of `pool`, created on first use.
    #[inline]
    fn of(&mut self, pool: PoolId, want: u32) -> usize {
        if self.plans.len() <= LINEAR_PLANS {
            if let Some(i) = self.plans.iter().position(|p| p.pool == pool) {
                return i;
            }
        } else {
            if self.index.is_empty() {
                self.index = self
                    .plans
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.pool, i))
                    .collect();
            }
            if let Some(&i) = self.index.get(&pool) {
                return i;
            }
        }
        self.plans.push(PoolPlan {
            pool,
            remaining: want,
            cost_micros: 0,
            earliest: OrderId(u64::MAX),
            fill_count: 0,
        });
        let i = self.plans.len() - 1;
        if !self.index.is_empty() {
            self.index.insert(pool, i);
        }
        i
    }

    /// The fills of plan `i`, in the order planned.
    fn take(self, i: usize) -> Vec<Fill> {
        self.fills
            .into_iter()
            .filter(|&(p, _)| p == i)
            .map(|(_, f)| f)
            .collect()
    }
}

/// GPUs a fill of `want` GPUs may take from an ask with `avail` GPUs free over the
/// bid's window, honouring the ask's minimum fill (0: none).
fn take_from(avail: u32, want: u32, min_fill: u32) -> u32 {
    let take = avail.min(want);
    if take < min_fill { 0 } else { take }
}

impl Engine {
    /// Resting asks of the bid's model at or below its limit that may fill it, in
    /// priority order, read from the book alone (no order lookups on this path).
    fn candidate_asks<'a>(
        &'a self,
        bid_order: &'a Order,
        bid: &'a Bid,
        now: Hour,
    ) -> impl Iterator<Item = Candidate<'a>> + 'a {
        let book = &self.books[usize::from(bid_order.model.0)];
        self.candidates_in(book.asks.up_to(bid_order.price_micros), bid_order, bid, now)
    }

    /// The asks of `asks` (in priority order) that may fill the bid: `candidate_asks`'s
    /// filter, for a scan that starts elsewhere in the book.
    pub(crate) fn candidates_in<'a>(
        &'a self,
        asks: impl Iterator<Item = Candidate<'a>> + 'a,
        bid_order: &'a Order,
        bid: &'a Bid,
        now: Hour,
    ) -> impl Iterator<Item = Candidate<'a>> + 'a {
        let wanted = BidEntry::of(bid_order, bid);
        let min = bid.min_reliability_bps;
        asks.filter(move |(_, _, entry)| {
            entry.deadline > now
                && wanted.accepts(entry)
                && self.meets_reliability(FacilityId(u64::from(entry.facility)), min, now)
        })
    }

    /// What the ask in `entry` can give the bid, capped at `want`: its floor when that
    /// suffices, else its availability over the bid's window, read from the slab.
    fn avail_for(&self, bid_order: &Order, entry: &AskEntry, want: u32) -> u32 {
        if entry.avail_floor >= want {
            return want;
        }
        self.books[usize::from(bid_order.model.0)].avail_over(entry, bid_order.window)
    }

    /// Plans the fills of an incoming bid; changes nothing.
    /// Resting orders whose deadline has come (`now` ≥ deadline) no longer trade, even
    /// before the tick that removes them.
    pub(crate) fn plan_bid(&self, bid_order: &Order, all_or_none: bool, now: Hour) -> Vec<Fill> {
        let bid = bid_of(bid_order);
        let candidates = self.candidate_asks(bid_order, bid, now);
        self.plan_from(candidates, (bid_order, bid), all_or_none, now)
    }

    /// Plans the fills of a bid from `candidates`: the asks that may fill it, in
    /// priority order, as `candidate_asks` gives them (the flexible-start search gives
    /// the same asks from its own scan).
    pub(crate) fn plan_from<'a>(
        &'a self,
        candidates: impl Iterator<Item = Candidate<'a>>,
        (bid_order, bid): (&Order, &Bid),
        all_or_none: bool,
        now: Hour,
    ) -> Vec<Fill> {
        if bid.colocate {
            self.plan_colocated(candidates, bid_order, bid, (all_or_none, now))
        } else {
            self.plan_spread(candidates, bid_order, bid, all_or_none)
        }
    }

    /// Non-colocated: the cheapest asks first, from any pools.
    fn plan_spread<'a>(
        &'a self,
        candidates: impl Iterator<Item = Candidate<'a>>,
        bid_order: &Order,
        bid: &Bid,
        all_or_none: bool,
    ) -> Vec<Fill> {
        let mut remaining = bid.remaining_gpus;
        let mut fills = Vec::new();
        for (price, ask, entry) in candidates {
            let avail = self.avail_for(bid_order, entry, remaining);
            let take = take_from(avail, remaining, entry.min_fill_gpus);
            if take == 0 {
                continue;
            }
            fills.push(Fill {
                ask,
                gpus: take,
                price_micros: price,
            });
            remaining -= take;
            if remaining == 0 || fills.len() == MAX_FILLS_PER_ORDER {
                break;
            }
        }
        if all_or_none && remaining > 0 {
            fills.clear();
        }
        fills
    }

    /// Colocated: per pool, the cheapest asks first; then the pool that fills the bid
    /// at the lowest total cost (or, for a partial bid no pool can fill, the pool that
    /// fills the most).
    fn plan_colocated<'a>(
        &'a self,
        candidates: impl Iterator<Item = Candidate<'a>>,
        bid_order: &Order,
        bid: &Bid,
        (all_or_none, now): (bool, Hour),
    ) -> Vec<Fill> {
        let want = bid.remaining_gpus;
        let mut p = Plans::default();
        let mut best: Option<usize> = None;
        for (price, ask, entry) in candidates {
            let i = p.of(entry.pool_id(), want);
            if self.extend(&mut p, i, bid_order, price, ask, entry) {
                // The first complete plan. No pool met from here on can beat it: all its
                // GPUs cost at most this price, a new pool's cost at least this much, and
                // at an equal cost the new pool's orders come later. So only the pools
                // already met can still win, each with its own remaining asks.
                best = Some(self.finish_pools(&mut p, i, bid_order, bid, (price, ask), now));
                break;
            }
        }
        let chosen = match best {
            Some(b) => Some(b),
            None if all_or_none => None,
            None => (0..p.plans.len())
                .filter(|&i| p.plans[i].fill_count > 0)
                .min_by_key(|&i| {
                    let plan = &p.plans[i];
                    (plan.remaining, plan.cost_micros, plan.earliest)
                }),
        };
        chosen.map_or_else(Vec::new, |i| p.take(i))
    }

    /// Adds what the ask in `entry` can give to plan `i`; true when that completes it.
    /// Costs never exceed the bid's notional, which placement checked fits in i64.
    fn extend(
        &self,
        p: &mut Plans,
        i: usize,
        bid_order: &Order,
        price: i64,
        ask: OrderId,
        entry: &AskEntry,
    ) -> bool {
        let plan = &mut p.plans[i];
        if plan.remaining == 0 || plan.fill_count == MAX_FILLS_PER_ORDER {
            return false;
        }
        let avail = self.avail_for(bid_order, entry, plan.remaining);
        let take = take_from(avail, plan.remaining, entry.min_fill_gpus);
        if take == 0 {
            return false;
        }
        plan.cost_micros += i64::from(take) * price * i64::from(bid_order.window.hours());
        plan.remaining -= take;
        plan.earliest = plan.earliest.min(ask);
        plan.fill_count += 1;
        p.fills.push((
            i,
            Fill {
                ask,
                gpus: take,
                price_micros: price,
            },
        ));
        plan.remaining == 0
    }

    /// Given complete plan `best`, found at scan position `from` (price, ask), lets every
    /// incomplete plan continue on its own pool's asks after that position, in the same
    /// order a full scan would, while it can still beat or tie the best; returns the
    /// best complete plan.
    fn finish_pools(
        &self,
        p: &mut Plans,
        best: usize,
        bid_order: &Order,
        bid: &Bid,
        from: (i64, OrderId),
        now: Hour,
    ) -> usize {
        let hours = i64::from(bid_order.window.hours());
        let wanted = BidEntry::of(bid_order, bid);
        let book = &self.books[usize::from(bid_order.model.0)];
        let mut best = best;
        for j in 0..p.plans.len() {
            let q = &p.plans[j];
            // Complete, or unable to beat the best even at the current price: skip
            // without searching the pool's asks.
            if q.remaining == 0
                || q.cost_micros + i64::from(q.remaining) * from.0 * hours
                    > p.plans[best].cost_micros
            {
                continue;
            }
            let pool = p.plans[j].pool.0 as u32;
            let range = (
                Bound::Excluded((pool, from.0, from.1)),
                Bound::Included((pool, bid_order.price_micros, OrderId(u64::MAX))),
            );
            for &(_, price, ask) in book.ask_by_pool.range(range) {
                let q = &p.plans[j];
                if q.cost_micros + i64::from(q.remaining) * price * hours
                    > p.plans[best].cost_micros
                {
                    break;
                }
                let entry = book.asks.get(price, ask).expect("an indexed ask rests");
                if entry.deadline <= now || !wanted.accepts(entry) {
                    continue;
                }
                if self.extend(p, j, bid_order, price, ask, entry) {
                    if better(&p.plans[j], &p.plans[best]) {
                        best = j;
                    }
                    break;
                }
            }
        }
        best
    }

    /// Fills resting bids with an incoming ask (already in `orders`, not on the book),
    /// best bid first; each bid is filled by this ask alone.
    pub(crate) fn match_incoming_ask(
        &mut self,
        ctx: &Ctx,
        ask_id: OrderId,
        events: &mut Vec<Event>,
    ) {
        let ask_order = &self.orders[&ask_id];
        let ask = ask_of(ask_order);
        let offer = Book::ask_entry(ask_order, ask, u32::MAX);
        let mut avail = ask.avail.clone();
        let mut fills: Vec<(OrderId, u32, i64)> = Vec::new();
        let reliability = self.facility_reliability(ask.facility, ctx.now).bps();
        let reliable = |min: u16| min == 0 || reliability.is_some_and(|r| r >= min);
        let bids = &self.books[usize::from(ask_order.model.0)].bids;
        for (neg_price, bid_id, bid) in bids.up_to(-ask_order.price_micros).filter(|(_, _, b)| {
            b.deadline > ctx.now && b.accepts(&offer) && reliable(b.min_reliability_bps)
        }) {
            let free = avail.min_over(bid.window);
            let want = bid.remaining_gpus;
            let take = if bid.partial || free >= want {
                take_from(free, want, offer.min_fill_gpus)
            } else {
                0
            };
            if take == 0 {
                continue;
            }
            avail.sub(bid.window, take);
            fills.push((bid_id, take, -neg_price));
            if avail.is_zero() || fills.len() == MAX_FILLS_PER_ORDER {
                break;
            }
        }
        for (bid_id, gpus, price) in fills {
            self.execute_fill(ctx, bid_id, ask_id, gpus, price, Side::Sell, events);
            if bid_of(&self.orders[&bid_id]).remaining_gpus == 0 {
                self.close_order(bid_id, CloseReason::Filled, true, events);
            }
        }
    }

    /// Executes one fill: the bid gets `gpus` GPUs for its whole window from the ask,
    /// as a trade and a firm contract. The pool's capacity in use does not change: it
    /// moves from encumbered (the ask) to committed (the contract).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn execute_fill(
        &mut self,
        ctx: &Ctx,
        bid_id: OrderId,
        ask_id: OrderId,
        gpus: u32,
        price_micros: i64,
        aggressor: Side,
        events: &mut Vec<Event>,
    ) {
        let bid_order = self.orders.get_mut(&bid_id).expect("live bid");
        let (window, buyer, bid_fees) = (bid_order.window, bid_order.owner, bid_order.fees);
        let OrderKind::Bid(bid) = &mut bid_order.kind else {
            unreachable!("{bid_id} is a bid")
        };
        debug_assert!(price_micros <= bid_order.price_micros);
        bid.remaining_gpus -= gpus;
        let ask_order = self.orders.get_mut(&ask_id).expect("live ask");
        debug_assert!(price_micros >= ask_order.price_micros);
        let (seller, model, ask_fees) = (ask_order.owner, ask_order.model, ask_order.fees);
        let OrderKind::Ask(ask) = &mut ask_order.kind else {
            unreachable!("{ask_id} is an ask")
        };
        ask.avail.sub(window, gpus);
        let (pool, source, region) = (ask.pool, ask.source, ask.region);
        let trade_id = TradeId(take(&mut self.ids.trade));
        let contract_id = ContractId(take(&mut self.ids.contract));
        let origin = match source {
            AskSource::Pool(_) => Origin::Trade(trade_id),
            AskSource::Contract { contract, line } => Origin::Resale {
                parent: contract,
                line,
                trade: trade_id,
            },
        };
        let mut contract = Contract::new(
            contract_id,
            (buyer, seller),
            smallvec::smallvec![ContractLine { pool, gpus, window }],
            (Pricing::PerGpuHour { price_micros }, Terms::exchange()),
            origin,
            ctx.time_ms,
        );
        contract.delivery = self.delivery_defaults.clone();
        if contract.delivery.unreported == crate::delivery::Unreported::NotDelivered
            && contract.delivery.credits()
        {
            self.strict_delivery.insert(contract_id);
        }
        if let AskSource::Contract {
            contract: parent, ..
        } = source
        {
            // The fill moves GPU-hours from listed to resold: the parent's holding is
            // unchanged; the child is recorded.
            let parent = self.contracts.get_mut(&parent).expect("parent of a resale");
            parent.children.push(contract_id);
            contract.depth = parent.depth + 1;
        }
        let trade = Trade {
            id: trade_id,
            bid: bid_id,
            ask: ask_id,
            buyer,
            seller,
            pool,
            model,
            gpus,
            window,
            price_micros,
            aggressor,
            contract: contract_id,
            time_ms: ctx.time_ms,
        };
        events.push(Event::Trade(trade.clone()));
        self.market.record(crate::index::Print {
            trade: trade_id,
            time_ms: ctx.time_ms,
            model,
            region,
            seller,
            gpus,
            window,
            price_micros,
        });
        self.add_contract(contract, events);
        // The resting order's owner is the maker, the incoming one's the taker.
        let (maker, taker) = match aggressor {
            Side::Buy => ((seller, ask_fees), (buyer, bid_fees)),
            Side::Sell => ((buyer, bid_fees), (seller, ask_fees)),
        };
        self.settle(ctx, &trade, maker, taker, events);
        let resting = match aggressor {
            Side::Buy => ask_id,
            Side::Sell => {
                self.reserve_for_bid(bid_id, true);
                bid_id
            }
        };
        self.sync_entry(resting);
    }

    /// Brings a resting order's book entry up to date with the order.
    pub(crate) fn sync_entry(&mut self, id: OrderId) {
        let order = &self.orders[&id];
        self.books[usize::from(order.model.0)].update(order);
    }
}

/// True when complete plan `a` beats complete plan `b`: lower cost, then earlier order.
fn better(a: &PoolPlan, b: &PoolPlan) -> bool {
    (a.cost_micros, a.earliest) < (b.cost_micros, b.earliest)
}
