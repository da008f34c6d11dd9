//! Flexible-start buying: the search for the best starts of "G GPUs for H hours, any
//! start in a range" on the live book, changing nothing, and the flexible bid, which
//! fills at the cheapest feasible start (ties to the earliest) as a plain IOC or FOK bid
//! for that window, or is refused with the best price found.
//!
//! A start's plan is exactly the plan a plain bid for its window would get
//! (`Engine::plan_bid`); [`Engine::search_brute_force`] plans every start that way and
//! is the definition. The fast search bounds every start's cost from below, reading the
//! book once, a price level at a time: the cheapest G GPUs the asks that could serve
//! the window could give, each ask at the most it has free at any hour (its entry's
//! `avail_ceiling`; ignoring minimum fills, the fill bound and colocation, so no plan
//! can cost less). It plans exactly only the starts whose bound could still beat the
//! best found, and stops at the first level where none can: the same answer as the
//! brute force. An exact plan reads its candidate asks from what the scan has already
//! met (those that serve its start, in the book's order), then from the book above the
//! last level read: the asks a plain bid's own read of the book would meet, in the same
//! order, so the same plan.

use crate::command::{BidSpec, FlexBidSpec};
use crate::engine::{Ctx, Engine, Role, check_gpus, check_price};
use crate::event::Event;
use crate::flex::{PlannedFill, SearchSpec, StartPlan};
use crate::ids::{FacilityId, ModelIdx, OrderId, ParticipantId, RegionIdx};
use crate::limits::{MAX_FLEX_START_HOURS, MAX_PRICE_MICROS, MAX_SEARCH_RESULTS};
use crate::matching::Candidate;
use crate::order::{Bid, Order, OrderKind, TimeInForce};
use crate::reject::{Rejection, Rule, reject};
use crate::units::{Hour, MAX_WINDOW_HOURS, Window, usd_string};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What the search's scan of the book has read so far: every ask it met that may
/// serve some start, in priority order, and the last price level read whole. A
/// start's exact plan reads its candidates from here, then from the book above.
struct Scan<'a> {
    /// Each with the first and last start it may serve (hours), read without the entry.
    seen: Vec<(u32, u32, Candidate<'a>)>,
    /// The last price level read whole (`i64::MIN`: none yet).
    read_to_micros: i64,
}

/// A search checked against the state.
struct Resolved {
    model: ModelIdx,
    region: Option<RegionIdx>,
    /// The highest price per GPU-hour a fill may have.
    limit_micros: i64,
}

impl Engine {
    /// The best `results` feasible starts of `spec` for `buyer` (at most
    /// [`MAX_SEARCH_RESULTS`]), cheapest first, ties to the earliest; changes nothing.
    pub fn search(
        &self,
        buyer: ParticipantId,
        spec: &SearchSpec,
        now: Hour,
        results: usize,
    ) -> Result<Vec<StartPlan>, Rejection> {
        let r = self.check_search(spec, now)?;
        Ok(self.best_starts(buyer, spec, &r, now, results.min(MAX_SEARCH_RESULTS)))
    }

    /// The same answer as [`Engine::search`], by planning every start as a plain bid:
    /// the definition, for tests and the benchmark.
    pub fn search_brute_force(
        &self,
        buyer: ParticipantId,
        spec: &SearchSpec,
        now: Hour,
        results: usize,
    ) -> Result<Vec<StartPlan>, Rejection> {
        let r = self.check_search(spec, now)?;
        let mut all: Vec<StartPlan> = spec
            .starts()
            .filter_map(|s| self.plan_start(buyer, spec, &r, (s, now), None))
            .collect();
        all.sort_by_key(StartPlan::rank);
        all.truncate(results.min(MAX_SEARCH_RESULTS));
        Ok(all)
    }

    /// Checks a search's fields (named as the command names them) and resolves them.
    fn check_search(&self, spec: &SearchSpec, now: Hour) -> Result<Resolved, Rejection> {
        let (model, _) = self.known_model(&spec.model, "model")?;
        let region = self.resolve_filters(&spec.region, spec.facility)?;
        check_gpus(spec.gpus, "gpus")?;
        if spec.hours == 0 {
            return reject(
                Rule::WindowEmpty,
                "hours",
                "a block is at least 1 hour long",
            );
        }
        if spec.hours > MAX_WINDOW_HOURS {
            let detail = format!("{} hours is longer than {MAX_WINDOW_HOURS}", spec.hours);
            return reject(Rule::WindowTooLong, "hours", detail);
        }
        let (from, until) = (spec.start_from, spec.start_until);
        if until < from {
            let detail = format!("the latest start {until} is before the earliest {from}");
            return reject(Rule::WindowEmpty, "start_until", detail);
        }
        if from <= now {
            let detail = format!(
                "the earliest start {from} is not after the current hour {now}; the earliest possible is {}",
                Hour(now.0.saturating_add(1))
            );
            return reject(Rule::WindowInPast, "start_from", detail);
        }
        let starts = u64::from(until.0 - from.0) + 1;
        if starts > u64::from(MAX_FLEX_START_HOURS) {
            let detail = format!(
                "{starts} starts from {from} to {until}; a range holds at most {MAX_FLEX_START_HOURS} (31 days)"
            );
            return reject(Rule::WindowTooLong, "start_until", detail);
        }
        if until.0.checked_add(spec.hours).is_none() {
            return reject(
                Rule::Overflow,
                "hours",
                "the last start's block ends after the end of time",
            );
        }
        // Without a limit: the highest price whose notional still fits in micro-USD.
        let notional_units = i64::from(spec.gpus) * i64::from(spec.hours);
        let limit_micros = spec
            .limit_price_micros
            .unwrap_or((i64::MAX / notional_units).min(MAX_PRICE_MICROS));
        check_price(
            limit_micros,
            spec.gpus,
            &spec.window_at(from),
            "limit_price_micros",
        )?;
        if spec.min_reliability_bps > 10_000 {
            let detail = format!(
                "a reliability is 0 to 10,000 basis points, not {}",
                spec.min_reliability_bps
            );
            return reject(Rule::OutOfRange, "min_reliability_bps", detail);
        }
        Ok(Resolved {
            model,
            region,
            limit_micros,
        })
    }

    /// A bid for one start, as matching plans it (never placed).
    fn probe(&self, buyer: ParticipantId, spec: &SearchSpec, r: &Resolved, start: Hour) -> Order {
        Order {
            id: OrderId(u64::MAX),
            owner: buyer,
            model: r.model,
            window: spec.window_at(start),
            price_micros: r.limit_micros,
            tif: TimeInForce::Fok,
            placed_ms: self.clock_ms,
            fees: self.fees,
            kind: OrderKind::Bid(Bid {
                region: r.region,
                facility: spec.facility,
                gpus: spec.gpus,
                remaining_gpus: spec.gpus,
                colocate: spec.colocate,
                partial: false,
                reserved_micros: 0,
                min_reliability_bps: spec.min_reliability_bps,
            }),
        }
    }

    /// The plan of one start, if it fills every GPU: a plain bid's plan, its candidate
    /// asks read from `scan` and the book above it when given (the same asks, in the
    /// same order, as the bid's own read of the book), else from the book.
    fn plan_start(
        &self,
        buyer: ParticipantId,
        spec: &SearchSpec,
        r: &Resolved,
        (start, now): (Hour, Hour),
        scan: Option<&Scan<'_>>,
    ) -> Option<StartPlan> {
        let probe = self.probe(buyer, spec, r, start);
        let fills = match scan {
            None => self.plan_bid(&probe, true, now),
            Some(scan) => {
                let OrderKind::Bid(bid) = &probe.kind else {
                    unreachable!("a probe is a bid")
                };
                let above = self.books[usize::from(r.model.0)]
                    .asks
                    .between(scan.read_to_micros, r.limit_micros);
                let serving = scan
                    .seen
                    .iter()
                    .filter(|s| s.0 <= start.0 && start.0 <= s.1);
                let asks = serving.map(|s| s.2).chain(above);
                let candidates = self.candidates_in(asks, &probe, bid, now);
                self.plan_from(candidates, (&probe, bid), true, now)
            }
        };
        if fills.is_empty() {
            return None;
        }
        let mut plan = StartPlan {
            window: probe.window,
            cost_micros: 0,
            gpus: 0,
            fills: Vec::with_capacity(fills.len()),
        };
        for f in fills {
            let OrderKind::Ask(a) = &self.orders[&f.ask].kind else {
                unreachable!("{} is an ask", f.ask)
            };
            plan.cost_micros += i64::from(f.gpus) * f.price_micros * i64::from(spec.hours);
            plan.gpus += f.gpus;
            plan.fills.push(PlannedFill {
                pool: a.pool,
                facility: a.facility,
                gpus: f.gpus,
                price_micros: f.price_micros,
            });
        }
        Some(plan)
    }

    /// The best `k` starts. The book's asks are read once, a price level at a time:
    /// each level gives every start the GPUs its asks could serve it (a difference
    /// array over the starts each ask's window covers, at the most the ask has free at
    /// any hour), and a start's bound grows by what it takes at the level's price. A
    /// start whose bound is complete is planned exactly once its bound could still beat
    /// the `k`-th best found; the scan stops when no start's bound (at the next level's
    /// price for what it still misses) can.
    fn best_starts(
        &self,
        buyer: ParticipantId,
        spec: &SearchSpec,
        r: &Resolved,
        now: Hour,
        k: usize,
    ) -> Vec<StartPlan> {
        if k == 0 {
            return Vec::new();
        }
        let (from, hours) = (spec.start_from.0, spec.hours);
        let n = (spec.start_until.0 - from + 1) as usize;
        let mut need = vec![u64::from(spec.gpus); n];
        // The starts whose bound is not complete, pruned as they complete.
        let mut open: Vec<u32> = (0..n as u32).collect();
        let mut bound = vec![0i128; n];
        // Zero between levels: each level clears what it wrote.
        let mut diff = vec![0i64; n + 1];
        let mut ready = BinaryHeap::new();
        let mut found: Vec<StartPlan> = Vec::new();
        let mut scan = Scan {
            seen: Vec::with_capacity(256),
            read_to_micros: i64::MIN,
        };
        let book = &self.books[usize::from(r.model.0)];
        let mut asks = book
            .asks
            .up_to(r.limit_micros)
            .filter(|(_, _, e)| self.may_serve(buyer, spec, r, e, now))
            .peekable();
        while let Some(&(price, _, _)) = asks.peek() {
            // The starts this level's asks serve, [first, last]: only they are swept.
            let (mut first, mut last) = (n, 0);
            while let Some(ask) = asks.next_if(|a| a.0 == price) {
                let e = ask.2;
                let lo = e.window.start.0.max(from);
                let hi = (e.window.end.0 - hours).min(spec.start_until.0);
                if lo <= hi {
                    scan.seen.push((lo, hi, ask));
                    let (lo, hi) = ((lo - from) as usize, (hi - from) as usize);
                    diff[lo] += i64::from(e.avail_ceiling);
                    diff[hi + 1] -= i64::from(e.avail_ceiling);
                    (first, last) = (first.min(lo), last.max(hi));
                }
            }
            let mut supply = 0i64;
            for i in first..=last {
                supply += diff[i];
                diff[i] = 0;
                if need[i] == 0 || supply <= 0 {
                    continue;
                }
                let take = need[i].min(supply as u64);
                bound[i] += i128::from(take) * i128::from(price) * i128::from(hours);
                need[i] -= take;
                if need[i] == 0 {
                    ready.push(Reverse((bound[i], Hour(from + i as u32))));
                }
            }
            if first <= last {
                diff[last + 1] = 0;
            }
            scan.read_to_micros = price;
            self.plan_ready(&mut ready, &mut found, (buyer, spec, r, now), (k, &scan));
            let next = asks.peek().map(|a| a.0);
            if found.len() >= k
                && next.is_some_and(|p| {
                    open.retain(|&i| need[i as usize] > 0);
                    !any_may_beat(&open, (&need, &bound), (from, hours, p), &found[k - 1])
                })
            {
                break;
            }
        }
        self.plan_ready(&mut ready, &mut found, (buyer, spec, r, now), (k, &scan));
        found
    }

    /// Plans exactly the starts whose complete bound could still beat the `k`-th best
    /// found (every one while fewer than `k` are found), keeping the best `k`.
    fn plan_ready(
        &self,
        ready: &mut BinaryHeap<Reverse<(i128, Hour)>>,
        found: &mut Vec<StartPlan>,
        (buyer, spec, r, now): (ParticipantId, &SearchSpec, &Resolved, Hour),
        (k, scan): (usize, &Scan<'_>),
    ) {
        while let Some(&Reverse((b, start))) = ready.peek() {
            if found.len() >= k {
                let (cost, at) = found[k - 1].rank();
                if (b, start) > (i128::from(cost), at) {
                    break;
                }
            }
            ready.pop();
            if let Some(plan) = self.plan_start(buyer, spec, r, (start, now), Some(scan)) {
                debug_assert!(i128::from(plan.cost_micros) >= b, "a bound above its plan");
                let at = found.partition_point(|p| p.rank() < plan.rank());
                found.insert(at, plan);
                found.truncate(k);
            }
        }
    }

    /// Whether the resting ask in `e` may fill a bid of `buyer` as `spec` filters.
    fn may_serve(
        &self,
        buyer: ParticipantId,
        spec: &SearchSpec,
        r: &Resolved,
        e: &crate::order::AskEntry,
        now: Hour,
    ) -> bool {
        // Whether its window covers some start's first, then the rest (checked first:
        // most asks the scan meets are for other weeks).
        e.window.start <= spec.start_until
            && e.window.end.0 >= spec.start_from.0 + spec.hours
            && e.deadline > now
            && u64::from(e.owner) != buyer.0
            && r.region.is_none_or(|x| x == e.region)
            && spec.facility.is_none_or(|f| f.0 == u64::from(e.facility))
            && self.meets_reliability(
                FacilityId(u64::from(e.facility)),
                spec.min_reliability_bps,
                now,
            )
    }

    /// A buyer's flexible bid: a plain IOC or FOK bid for the window of the cheapest
    /// feasible start (ties to the earliest). An IOC bid no start fills whole takes the
    /// start that fills the most GPUs (then the cheapest, then the earliest), in part.
    /// Refused, naming the best price found, when no start fills.
    pub(crate) fn place_flexible_bid(
        &mut self,
        ctx: &Ctx,
        spec: &FlexBidSpec,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Buyer, "only buyers place bids")?;
        if !matches!(spec.tif, TimeInForce::Ioc | TimeInForce::Fok) {
            return reject(
                Rule::InvalidTimeInForce,
                "tif",
                "a flexible bid is IOC or FOK: it fills at its best start at once, or not at all",
            );
        }
        let search = spec.search();
        let r = self.check_search(&search, ctx.now)?;
        let best = self.best_starts(ctx.actor, &search, &r, ctx.now, 1);
        let window = match best.first() {
            Some(plan) => plan.window,
            None if spec.tif == TimeInForce::Ioc => self
                .most_filled_start(ctx.actor, &search, &r, ctx.now)
                .ok_or_else(|| self.no_feasible_start(ctx.actor, &search, ctx.now))?,
            None => return Err(self.no_feasible_start(ctx.actor, &search, ctx.now)),
        };
        let bid = BidSpec {
            model: spec.model.clone(),
            region: spec.region.clone(),
            facility: spec.facility,
            gpus: spec.gpus,
            window,
            limit_price_micros: spec.limit_price_micros,
            colocate: spec.colocate,
            partial: spec.tif == TimeInForce::Ioc,
            tif: spec.tif,
            min_reliability_bps: spec.min_reliability_bps,
        };
        self.place_bid(ctx, &bid, events)
    }

    /// The window of the start whose partial plan fills the most GPUs (then costs the
    /// least, then starts first), if any start fills any.
    fn most_filled_start(
        &self,
        buyer: ParticipantId,
        spec: &SearchSpec,
        r: &Resolved,
        now: Hour,
    ) -> Option<Window> {
        let mut best: Option<(u32, i64, Hour)> = None;
        for start in spec.starts() {
            let probe = self.probe(buyer, spec, r, start);
            let fills = self.plan_bid(&probe, false, now);
            let gpus: u32 = fills.iter().map(|f| f.gpus).sum();
            let cost: i64 = fills
                .iter()
                .map(|f| i64::from(f.gpus) * f.price_micros * i64::from(spec.hours))
                .sum();
            let better = best.is_none_or(|(g, c, _)| (gpus, -cost) > (g, -c));
            if gpus > 0 && better {
                best = Some((gpus, cost, start));
            }
        }
        best.map(|(_, _, start)| spec.window_at(start))
    }

    /// The refusal of a flexible bid no start fills within its limit, with the best
    /// price found at any price.
    fn no_feasible_start(&self, buyer: ParticipantId, spec: &SearchSpec, now: Hour) -> Rejection {
        let any_price = SearchSpec {
            limit_price_micros: None,
            ..spec.clone()
        };
        let (from, until) = (spec.start_from, spec.start_until);
        let what = format!(
            "no start from {from} to {until} fills {} GPUs for {} hours",
            spec.gpus, spec.hours
        );
        let limit = spec.limit_price_micros.map_or(String::new(), |l| {
            format!(" at or below ${} per GPU-hour", usd_string(l))
        });
        match self
            .search(buyer, &any_price, now, 1)
            .ok()
            .and_then(|v| v.into_iter().next())
        {
            Some(best) => Rejection::new(
                Rule::NoFeasibleStart,
                "limit_price_micros",
                format!(
                    "{what}{limit}; the best start, {}, averages ${} per GPU-hour",
                    best.window.start,
                    usd_string(best.average_price_micros())
                ),
            ),
            None => Rejection::new(
                Rule::NoFeasibleStart,
                "gpus",
                format!("{what}{limit}; none does at any price on the book now"),
            ),
        }
    }
}

/// Whether a start not yet complete (of `open`) could still beat (or tie, earlier) the
/// `k`-th best `kth`: its bound so far, plus what it misses at `price` (the next
/// level's), at most the `k`-th's cost.
fn any_may_beat(
    open: &[u32],
    (need, bound): (&[u64], &[i128]),
    (from, hours, price): (u32, u32, i64),
    kth: &StartPlan,
) -> bool {
    let (cost, at) = kth.rank();
    open.iter().any(|&i| {
        let (n, b) = (need[i as usize], bound[i as usize]);
        let least = b + i128::from(n) * i128::from(price) * i128::from(hours);
        n > 0 && (least, Hour(from + i)) <= (i128::from(cost), at)
    })
}
