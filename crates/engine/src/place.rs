//! Order entry: placing asks and bids (validation, then matching, then resting or
//! closing by time in force), cancelling and reducing live orders.

use crate::command::{AskSpec, BidSpec};
use crate::engine::{Ctx, Engine, Role, check_free, check_gpus, check_price, check_window};
use crate::event::{CloseReason, Event};
use crate::ids::{ContractId, OrderId, PoolId, take};
use crate::lifecycle::resale_source;
use crate::limits::{
    MAX_OPEN_ORDERS_PER_PARTICIPANT, MAX_RESALE_ASKS_PER_CONTRACT, MAX_RESALE_DEPTH,
};
use crate::order::{Ask, AskSource, Bid, Order, OrderKind, Side, TimeInForce};
use crate::reject::{Rejection, Rule, reject};
use crate::step::StepFn;
use crate::units::{Hour, Window};

/// Checks a time in force: asks take GTC or GTD, bids any; GTD must expire after now.
fn check_tif(tif: TimeInForce, side: Side, now: Hour) -> Result<(), Rejection> {
    match tif {
        TimeInForce::Ioc | TimeInForce::Fok if side == Side::Sell => reject(
            Rule::InvalidTimeInForce,
            "tif",
            "asks rest on the book: their time in force is GTC or GTD, not IOC or FOK",
        ),
        TimeInForce::Gtd { until } if until <= now => reject(
            Rule::InvalidTimeInForce,
            "tif.until",
            format!("GTD expiry {until} is not after the current hour {now}"),
        ),
        _ => Ok(()),
    }
}

impl Engine {
    /// Checks that the actor may have one more live order.
    fn check_order_limit(&self, ctx: &Ctx) -> Result<(), Rejection> {
        let p = self.participants.get(&ctx.actor).expect("actor exists");
        if p.open_orders >= MAX_OPEN_ORDERS_PER_PARTICIPANT {
            return reject(
                Rule::LimitReached,
                "actor",
                format!(
                    "{} has {} live orders, the most a participant may have",
                    ctx.actor, p.open_orders
                ),
            );
        }
        Ok(())
    }

    /// Checks that the actor may list `gpus` of line `line` of contract `id` over
    /// `window` for resale: it is the contract's buyer, the contract is in force and
    /// holds those hours, and they are not already listed or resold. Returns the pool.
    fn check_resale(
        &self,
        ctx: &Ctx,
        (id, line): (ContractId, u16),
        gpus: u32,
        window: &Window,
    ) -> Result<PoolId, Rejection> {
        let c = match self.contracts.get(&id) {
            Some(c) if c.buyer == ctx.actor => c,
            _ => {
                return reject(
                    Rule::UnknownContract,
                    "source.contract",
                    format!("no contract {id} held by you"),
                );
            }
        };
        if !c.open || c.for_cause.is_some() {
            return reject(
                Rule::ContractNotInForce,
                "source.contract",
                format!("contract {id} is {}", c.status.as_str()),
            );
        }
        let listed = self
            .resale_asks
            .range((id, OrderId(0))..=(id, OrderId(u64::MAX)))
            .count();
        if c.depth >= MAX_RESALE_DEPTH || listed >= MAX_RESALE_ASKS_PER_CONTRACT {
            return reject(
                Rule::LimitReached,
                "source.contract",
                format!(
                    "contract {id} cannot be resold further: it is {} resales deep (at most {MAX_RESALE_DEPTH}) and has {listed} live resale asks (at most {MAX_RESALE_ASKS_PER_CONTRACT})",
                    c.depth
                ),
            );
        }
        let i = usize::from(line);
        let Some(l) = c.lines.get(i) else {
            return reject(
                Rule::OutOfRange,
                "source.line",
                format!(
                    "contract {id} has {} lines; line {line} does not exist",
                    c.lines.len()
                ),
            );
        };
        let held = c.held(i);
        if !held.is_some_and(|h| h.start <= window.start && window.end <= h.end) {
            return reject(
                Rule::ResaleExceedsHolding,
                "window",
                format!(
                    "contract {id} line {line} holds {}; {window} is outside it",
                    held.map_or("no hours".to_string(), |h| h.to_string())
                ),
            );
        }
        let taken = c.resold.get(i).map_or(0, |r| r.max_over(*window));
        if u64::from(taken) + u64::from(gpus) > u64::from(l.gpus) {
            return reject(
                Rule::ResaleExceedsHolding,
                "gpus",
                format!(
                    "contract {id} line {line} holds {} GPUs, of which {taken} are already listed or resold over {window}; {gpus} more cannot be",
                    l.gpus
                ),
            );
        }
        Ok(l.pool)
    }

    pub(crate) fn place_ask(
        &mut self,
        ctx: &Ctx,
        spec: &AskSpec,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let (pool_id, resale) = match spec.source {
            AskSource::Pool(p) => {
                self.owned_pool(ctx, p, "source.pool")?;
                (p, None)
            }
            AskSource::Contract { contract, line } => {
                check_gpus(spec.gpus, "gpus")?;
                check_window(&spec.window, ctx.now)?;
                let p = self.check_resale(ctx, (contract, line), spec.gpus, &spec.window)?;
                (p, Some((contract, usize::from(line))))
            }
        };
        let pool = &self.pools[&pool_id];
        check_gpus(spec.gpus, "gpus")?;
        check_window(&spec.window, ctx.now)?;
        check_price(spec.price_micros, spec.gpus, &spec.window, "price_micros")?;
        check_tif(spec.tif, Side::Sell, ctx.now)?;
        if spec.min_fill_gpus == 0 || spec.min_fill_gpus > spec.gpus {
            return reject(
                Rule::InvalidMinFill,
                "min_fill_gpus",
                format!(
                    "minimum fill {} must be between 1 and the ask's {} GPUs",
                    spec.min_fill_gpus, spec.gpus
                ),
            );
        }
        self.check_order_limit(ctx)?;
        if resale.is_none() {
            check_free(pool, spec.gpus, &spec.window, "gpus")?;
        }
        let (model, facility, region) = (pool.model, pool.facility, pool.region);
        // Validated: now change.
        let order = Order {
            id: OrderId(take(&mut self.ids.order)),
            owner: ctx.actor,
            model,
            window: spec.window,
            price_micros: spec.price_micros,
            tif: spec.tif,
            placed_ms: ctx.time_ms,
            fees: self.fees,
            kind: OrderKind::Ask(Ask {
                source: spec.source,
                pool: pool_id,
                facility,
                region,
                gpus: spec.gpus,
                min_fill_gpus: spec.min_fill_gpus,
                avail: StepFn::constant(spec.window, spec.gpus),
            }),
        };
        let id = order.id;
        match resale {
            None => self
                .pools
                .get_mut(&pool_id)
                .expect("checked above")
                .used
                .add(spec.window, spec.gpus),
            Some((contract, line)) => {
                let c = self.contracts.get_mut(&contract).expect("checked above");
                if c.resold.is_empty() {
                    c.resold = vec![StepFn::new(); c.lines.len()];
                }
                c.resold[line].add(spec.window, spec.gpus);
                self.resale_asks.insert((contract, id));
            }
        }
        events.push(Event::OrderAccepted(order.clone()));
        self.orders.insert(order);
        self.match_incoming_ask(ctx, id, events);
        if ask_of(&self.orders[&id]).avail.is_zero() {
            self.close_order(id, CloseReason::Filled, false, events);
        } else {
            self.rest(id);
        }
        Ok(())
    }

    pub(crate) fn place_bid(
        &mut self,
        ctx: &Ctx,
        spec: &BidSpec,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Buyer, "only buyers place bids")?;
        let (model, _) = self.known_model(&spec.model, "model")?;
        let region = self.resolve_filters(&spec.region, spec.facility)?;
        check_gpus(spec.gpus, "gpus")?;
        check_window(&spec.window, ctx.now)?;
        check_price(
            spec.limit_price_micros,
            spec.gpus,
            &spec.window,
            "limit_price_micros",
        )?;
        check_tif(spec.tif, Side::Buy, ctx.now)?;
        if spec.min_reliability_bps > 10_000 {
            return reject(
                Rule::OutOfRange,
                "min_reliability_bps",
                format!(
                    "a reliability is 0 to 10,000 basis points, not {}",
                    spec.min_reliability_bps
                ),
            );
        }
        if matches!(spec.tif, TimeInForce::Gtc | TimeInForce::Gtd { .. }) {
            // Only an order that may rest counts against the limit.
            self.check_order_limit(ctx)?;
        }
        // The buyer must be able to pay for all it bids for, fees included.
        let cost =
            crate::money::unit_cost_micros(spec.limit_price_micros, spec.window.hours(), self.fees)
                .and_then(|u| u.checked_mul(i64::from(spec.gpus)))
                .filter(|c| *c <= crate::limits::MAX_MONEY_MICROS);
        let Some(cost) = cost else {
            return reject(
                Rule::Overflow,
                "limit_price_micros",
                "the bid's cost (limit x GPUs x hours, with fees) is above the largest amount of money",
            );
        };
        self.check_funds(ctx.actor, cost, "limit_price_micros")?;
        // Validated: now change.
        let order = Order {
            id: OrderId(take(&mut self.ids.order)),
            owner: ctx.actor,
            model,
            window: spec.window,
            price_micros: spec.limit_price_micros,
            tif: spec.tif,
            placed_ms: ctx.time_ms,
            fees: self.fees,
            kind: OrderKind::Bid(Bid {
                region,
                facility: spec.facility,
                gpus: spec.gpus,
                remaining_gpus: spec.gpus,
                colocate: spec.colocate,
                partial: spec.partial,
                reserved_micros: 0,
                min_reliability_bps: spec.min_reliability_bps,
            }),
        };
        let id = order.id;
        events.push(Event::OrderAccepted(order.clone()));
        let all_or_none = !spec.partial || spec.tif == TimeInForce::Fok;
        let fills = self.plan_bid(&order, all_or_none, ctx.now);
        let filled_any = !fills.is_empty();
        self.orders.insert(order);
        for fill in fills {
            self.execute_fill(
                ctx,
                id,
                fill.ask,
                fill.gpus,
                fill.price_micros,
                Side::Buy,
                events,
            );
            if ask_of(&self.orders[&fill.ask]).avail.is_zero() {
                self.close_order(fill.ask, CloseReason::Filled, true, events);
            }
        }
        let remaining = bid_of(&self.orders[&id]).remaining_gpus;
        let outcome = match spec.tif {
            _ if remaining == 0 => Some(CloseReason::Filled),
            TimeInForce::Ioc if all_or_none && !filled_any => Some(CloseReason::Killed),
            TimeInForce::Ioc => Some(CloseReason::IocRemainder),
            TimeInForce::Fok => Some(CloseReason::Killed),
            TimeInForce::Gtc | TimeInForce::Gtd { .. } => None,
        };
        match outcome {
            Some(reason) => self.close_order(id, reason, false, events),
            None => self.rest(id),
        }
        Ok(())
    }

    /// Puts an incoming order (already in `orders`) on the book.
    fn rest(&mut self, id: OrderId) {
        self.reserve_for_bid(id, true);
        let order = &self.orders[&id];
        self.books[usize::from(order.model.0)].insert(order);
        self.schedule
            .order_deadlines
            .entry(order.deadline())
            .or_default()
            .push(id);
        self.participants
            .get_mut(&order.owner)
            .expect("owner exists")
            .open_orders += 1;
    }

    /// Removes a live order: from the book if it rested, gives an ask's remaining
    /// capacity back to its pool, and records why it closed.
    pub(crate) fn close_order(
        &mut self,
        id: OrderId,
        reason: CloseReason,
        resting: bool,
        events: &mut Vec<Event>,
    ) {
        self.reserve_for_bid(id, false);
        let order = self.orders.remove(&id).expect("live order");
        if resting {
            // Its deadline entry stays; the tick skips closed orders.
            self.books[usize::from(order.model.0)].remove(&order);
            self.participants
                .get_mut(&order.owner)
                .expect("owner exists")
                .open_orders -= 1;
        }
        if let OrderKind::Ask(ask) = &order.kind {
            if let Some((contract, _)) = resale_source(&order.kind) {
                self.resale_asks.remove(&(contract, id));
            }
            let held = self.ask_holding(ask.source);
            for (window, gpus) in ask.avail.segments() {
                held.sub(window, gpus);
            }
        }
        events.push(Event::OrderClosed { order: id, reason });
    }

    /// The live order `id` if the actor may act on it (its owner, or the operator).
    /// Anyone else is told it does not exist.
    fn own_order(&self, ctx: &Ctx, id: OrderId) -> Result<&Order, Rejection> {
        let owner = self.orders.get(&id).map(|o| o.owner);
        ctx.require_owner(
            owner,
            (Rule::UnknownOrder, "order"),
            format_args!("live order {id}"),
        )?;
        Ok(&self.orders[&id])
    }

    pub(crate) fn cancel(
        &mut self,
        ctx: &Ctx,
        id: OrderId,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        self.own_order(ctx, id)?;
        self.close_order(id, CloseReason::Cancelled, true, events);
        Ok(())
    }

    pub(crate) fn reduce(
        &mut self,
        ctx: &Ctx,
        id: OrderId,
        by_gpus: u32,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let order = self.own_order(ctx, id)?;
        let (gpus, floor) = match &order.kind {
            OrderKind::Ask(a) => (a.gpus, a.min_fill_gpus),
            OrderKind::Bid(b) => (b.remaining_gpus, 1),
        };
        if by_gpus == 0 || gpus.saturating_sub(by_gpus) < floor {
            return reject(
                Rule::InvalidReduce,
                "by_gpus",
                format!(
                    "reducing {gpus} GPUs by {by_gpus} must take off at least 1 and leave at least {floor} (the minimum fill); cancel the order instead"
                ),
            );
        }
        let mut order = self.orders.remove(&id).expect("checked above");
        let emptied = match &mut order.kind {
            OrderKind::Bid(b) => {
                b.gpus -= by_gpus;
                b.remaining_gpus -= by_gpus;
                false
            }
            OrderKind::Ask(a) => {
                a.gpus -= by_gpus;
                release_from_ask(&mut a.avail, self.ask_holding(a.source), by_gpus);
                a.avail.is_zero()
            }
        };
        self.orders.insert(order);
        self.reserve_for_bid(id, true);
        self.sync_entry(id);
        events.push(Event::OrderReduced { order: id, by_gpus });
        if emptied {
            self.close_order(id, CloseReason::Cancelled, true, events);
        }
        Ok(())
    }
}

impl Engine {
    /// What an ask's availability encumbers: its pool's use, or for a resale ask its
    /// contract line's resale holding.
    fn ask_holding(&mut self, source: AskSource) -> &mut StepFn {
        match source {
            AskSource::Pool(pool) => &mut self.pools.get_mut(&pool).expect("pool of an ask").used,
            AskSource::Contract { contract, line } => {
                &mut self
                    .contracts
                    .get_mut(&contract)
                    .expect("contract of a resale ask")
                    .resold[usize::from(line)]
            }
        }
    }
}

/// Lowers an ask's availability by `by_gpus` at every hour (not below zero) and gives
/// what it no longer offers back to the pool.
fn release_from_ask(avail: &mut StepFn, used: &mut StepFn, by_gpus: u32) {
    let pieces: Vec<(Window, u32)> = avail.segments().collect();
    for (window, gpus) in pieces {
        let release = gpus.min(by_gpus);
        avail.sub(window, release);
        used.sub(window, release);
    }
}

/// The ask part of an order known to be an ask.
pub(crate) fn ask_of(order: &Order) -> &Ask {
    match &order.kind {
        OrderKind::Ask(a) => a,
        OrderKind::Bid(_) => unreachable!("order {} is a bid", order.id),
    }
}

/// The bid part of an order known to be a bid.
pub(crate) fn bid_of(order: &Order) -> &Bid {
    match &order.kind {
        OrderKind::Bid(b) => b,
        OrderKind::Ask(_) => unreachable!("order {} is an ask", order.id),
    }
}
