//! Standing procurements' behaviour: creating one (its worst case must fit the buyer's
//! funds), pausing, resuming and cancelling it, and running every live one at a tick:
//! for each due block (`procurement.rs`), what its own contracts do not hold is bought
//! with IOC bids at its limit, within the owner's funds, each named by an
//! [`Event::ProcurementBid`]. A piece of shortfall the book cannot fill at all is not
//! bid for (no empty orders); it is tried again at the next tick.

use crate::command::{BidSpec, ProcurementSpec};
use crate::engine::{Ctx, Engine, Role, check_gpus, check_price};
use crate::event::Event;
use crate::ids::{ProcurementId, take};
use crate::limits::{
    MAX_LIVE_PROCUREMENTS, MAX_PROCUREMENT_BIDS_PER_TICK, MAX_PROCUREMENT_CONTRACTS,
    MAX_PROCUREMENT_HOURS, MAX_PROCUREMENT_LOOKAHEAD_HOURS, MAX_PROCUREMENT_TRIES_PER_TICK,
    MAX_PROCUREMENTS_PER_PARTICIPANT,
};

/// Most contracts one bid adds to a procurement's list (one per fill).
const MAX_FILLS: usize = crate::limits::MAX_FILLS_PER_ORDER;
use crate::order::{Bid, Order, OrderKind, TimeInForce};
use crate::procurement::{
    Procurement, ProcurementEnd, ProcurementStatus, gpu_hours, shortfall, worst_case_micros,
};
use crate::reject::{Rejection, Rule, reject};
use crate::step::StepFn;
use crate::units::{Hour, Window};

/// Checks that `value` of `field` is 1 to `max` hours.
fn check_hours(value: u32, max: u32, field: &'static str) -> Result<(), Rejection> {
    if value == 0 || value > max {
        return reject(
            Rule::OutOfRange,
            field,
            format!("{field} is 1 to {max} hours, not {value}"),
        );
    }
    Ok(())
}

impl Engine {
    /// A live procurement.
    pub fn procurement(&self, id: ProcurementId) -> Option<&Procurement> {
        self.procurements.get(&id)
    }

    /// All live procurements, by id.
    pub fn procurements(&self) -> impl Iterator<Item = &Procurement> {
        self.procurements.values()
    }

    /// The GPUs a live procurement's own contracts hold, by hour.
    pub fn procured_gpus(&self, id: ProcurementId) -> Option<StepFn> {
        self.procurements.get(&id).map(|p| self.procured(p))
    }

    /// Where a live procurement stands before the next tick.
    pub fn procurement_status(&self, id: ProcurementId) -> Option<ProcurementStatus> {
        let p = self.procurements.get(&id)?;
        let next = Hour(Hour::containing(self.clock_ms).0 + 1);
        let held = self.procured(p);
        let due = p.due_shortfall(&held, next);
        let short = p
            .remaining(next)
            .map_or(0, |rest| gpu_hours(&shortfall(&held, rest, p.gpus)));
        Some(ProcurementStatus {
            held_gpus: held.value_at(next),
            due_short_gpu_hours: gpu_hours(&due),
            short_gpu_hours: short,
            worst_case_micros: self.procurement_worst_case(p, next).unwrap_or(i64::MAX),
        })
    }

    pub(crate) fn create_procurement(
        &mut self,
        ctx: &Ctx,
        spec: &ProcurementSpec,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Buyer, "only buyers procure")?;
        let (model, _) = self.known_model(&spec.model, "model")?;
        let region = self.resolve_filters(&spec.region, None)?;
        check_gpus(spec.gpus, "gpus")?;
        check_hours(spec.hours, MAX_PROCUREMENT_HOURS, "hours")?;
        check_hours(spec.block_hours, spec.hours, "block_hours")?;
        let lookahead_max = MAX_PROCUREMENT_LOOKAHEAD_HOURS.max(spec.block_hours);
        check_hours(spec.lookahead_hours, lookahead_max, "lookahead_hours")?;
        if spec.lookahead_hours < spec.block_hours {
            return reject(
                Rule::OutOfRange,
                "lookahead_hours",
                format!(
                    "lookahead_hours ({}) must be at least block_hours ({}): a block is bought once it all lies within the lookahead",
                    spec.lookahead_hours, spec.block_hours
                ),
            );
        }
        let start = Hour(ctx.now.0 + 1);
        let period = Window {
            start,
            end: Hour(start.0.saturating_add(spec.hours)),
        };
        check_price(
            spec.limit_price_micros,
            spec.gpus,
            &period,
            "limit_price_micros",
        )?;
        self.check_procurement_limits(ctx)?;
        let gpu_hours = u64::from(spec.gpus) * u64::from(spec.hours);
        let worst = worst_case_micros(spec.limit_price_micros, gpu_hours, self.fees);
        let others = self.procurements_worst_case(ctx.actor, start);
        let Some(total) = worst.zip(others).and_then(|(w, o)| w.checked_add(o)) else {
            return reject(
                Rule::Overflow,
                "limit_price_micros",
                "the procurement's worst case (limit x GPUs x hours, with fees) is above the largest amount of money",
            );
        };
        let available = self.available(ctx.actor);
        if total > available {
            return reject(
                Rule::InsufficientFunds,
                "limit_price_micros",
                format!(
                    "the worst case of {} GPUs for {} hours at {} micro-USD, fees included, is {} micro-USD, and {} of the buyer's live procurements may still cost up to {} more; {} has {available} available",
                    spec.gpus,
                    spec.hours,
                    spec.limit_price_micros,
                    worst.unwrap_or(0),
                    self.procurements_of(ctx.actor).count(),
                    others.unwrap_or(0),
                    ctx.actor
                ),
            );
        }
        // Validated: now change.
        let p = Procurement {
            id: ProcurementId(take(&mut self.ids.procurement)),
            owner: ctx.actor,
            model,
            region,
            gpus: spec.gpus,
            period,
            lookahead_hours: spec.lookahead_hours,
            block_hours: spec.block_hours,
            limit_price_micros: spec.limit_price_micros,
            paused: false,
            created_ms: ctx.time_ms,
            contracts: Vec::new(),
        };
        events.push(Event::ProcurementCreated(p.clone()));
        self.procurements.insert(p.id, p);
        Ok(())
    }

    /// Refuses a new procurement beyond the exchange's or the actor's bound.
    fn check_procurement_limits(&self, ctx: &Ctx) -> Result<(), Rejection> {
        let own = self.procurements_of(ctx.actor).count();
        if own >= MAX_PROCUREMENTS_PER_PARTICIPANT {
            return reject(
                Rule::LimitReached,
                "actor",
                format!(
                    "{} has {own} live procurements, the most a participant may have",
                    ctx.actor
                ),
            );
        }
        if self.procurements.len() >= MAX_LIVE_PROCUREMENTS {
            return reject(
                Rule::LimitReached,
                "actor",
                format!("the exchange runs {MAX_LIVE_PROCUREMENTS} procurements, its most"),
            );
        }
        Ok(())
    }

    /// The live procurements of `owner`, by id.
    fn procurements_of(
        &self,
        owner: crate::ids::ParticipantId,
    ) -> impl Iterator<Item = &Procurement> + '_ {
        self.procurements.values().filter(move |p| p.owner == owner)
    }

    /// What the live procurements of `owner` may still cost from `next` on: each one's
    /// shortfall over the rest of its period at its limit, fees included
    /// ([`worst_case_micros`]). Paused ones count: they may be resumed. `None` on
    /// overflow.
    fn procurements_worst_case(&self, owner: crate::ids::ParticipantId, next: Hour) -> Option<i64> {
        let mut total: i64 = 0;
        for p in self.procurements_of(owner) {
            total = total.checked_add(self.procurement_worst_case(p, next)?)?;
        }
        Some(total)
    }

    /// What one procurement may still cost from `next` on (`None` on overflow).
    pub(crate) fn procurement_worst_case(&self, p: &Procurement, next: Hour) -> Option<i64> {
        let Some(rest) = p.remaining(next) else {
            return Some(0);
        };
        let short = shortfall(&self.procured(p), rest, p.gpus);
        worst_case_micros(p.limit_price_micros, gpu_hours(&short), self.fees)
    }

    /// The GPUs a procurement's own contracts hold, by hour: each open contract's lines
    /// over the hours they still hold, less what the buyer listed or resold of them.
    pub(crate) fn procured(&self, p: &Procurement) -> StepFn {
        let mut held = StepFn::new();
        for id in &p.contracts {
            let c = &self.contracts[id];
            if !c.open {
                continue;
            }
            for (i, line) in c.lines.iter().enumerate() {
                let Some(w) = c.held(i) else { continue };
                held.add(w, line.gpus);
                if let Some(resold) = c.resold.get(i) {
                    for (rw, g) in resold.segments() {
                        let cut = Window {
                            start: rw.start.max(w.start),
                            end: rw.end.min(w.end),
                        };
                        if cut.start < cut.end {
                            held.sub(cut, g.min(line.gpus));
                        }
                    }
                }
            }
        }
        held
    }

    /// The live procurement `id` if the actor may act on it.
    fn own_procurement(&self, ctx: &Ctx, id: ProcurementId) -> Result<&Procurement, Rejection> {
        let owner = self.procurements.get(&id).map(|p| p.owner);
        ctx.require_owner(
            owner,
            (Rule::UnknownProcurement, "procurement"),
            format_args!("live procurement {id}"),
        )?;
        Ok(&self.procurements[&id])
    }

    /// Pauses (`paused`) or resumes (`!paused`) a procurement.
    pub(crate) fn pause_procurement(
        &mut self,
        ctx: &Ctx,
        id: ProcurementId,
        paused: bool,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let p = self.own_procurement(ctx, id)?;
        if p.paused == paused {
            let state = if paused { "paused" } else { "not paused" };
            return reject(
                Rule::ProcurementState,
                "procurement",
                format!("procurement {id} is {state} already"),
            );
        }
        // Validated: now change.
        self.procurements.get_mut(&id).expect("checked").paused = paused;
        events.push(if paused {
            Event::ProcurementPaused { procurement: id }
        } else {
            Event::ProcurementResumed { procurement: id }
        });
        Ok(())
    }

    pub(crate) fn cancel_procurement(
        &mut self,
        ctx: &Ctx,
        id: ProcurementId,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        self.own_procurement(ctx, id)?;
        self.end_procurement(id, ProcurementEnd::Cancelled, events);
        Ok(())
    }

    fn end_procurement(
        &mut self,
        id: ProcurementId,
        reason: ProcurementEnd,
        events: &mut Vec<Event>,
    ) {
        self.procurements.remove(&id).expect("live procurement");
        events.push(Event::ProcurementEnded {
            procurement: id,
            reason,
        });
    }

    /// At a tick: every live procurement, by id, ends if its period has no hour left to
    /// buy, else (unless paused) buys what its due blocks are short of.
    pub(crate) fn run_procurements(&mut self, ctx: &Ctx, events: &mut Vec<Event>) {
        let next = Hour(ctx.now.0 + 1);
        let ids: Vec<ProcurementId> = self.procurements.keys().copied().collect();
        for id in ids {
            let p = &self.procurements[&id];
            if p.remaining(next).is_none() {
                self.end_procurement(id, ProcurementEnd::Completed, events);
                continue;
            }
            if p.paused {
                continue;
            }
            self.prune_procured(id, next);
            self.buy_shortfall(ctx, id, events);
        }
    }

    /// Forgets the procurement's contracts that hold nothing from `next` on.
    fn prune_procured(&mut self, id: ProcurementId, next: Hour) {
        let mut list = std::mem::take(&mut self.procurements.get_mut(&id).expect("live").contracts);
        list.retain(|c| {
            let c = &self.contracts[c];
            c.open && c.ends > next
        });
        self.procurements.get_mut(&id).expect("live").contracts = list;
    }

    /// One procurement's buying at a tick: each piece of shortfall of its due blocks,
    /// in hour order, gets an IOC bid for what the owner's funds cover, if the book
    /// would fill any of it; at most [`MAX_PROCUREMENT_TRIES_PER_TICK`] pieces tried and
    /// [`MAX_PROCUREMENT_BIDS_PER_TICK`] bids placed.
    fn buy_shortfall(&mut self, ctx: &Ctx, id: ProcurementId, events: &mut Vec<Event>) {
        let p = &self.procurements[&id];
        let next = Hour(ctx.now.0 + 1);
        let held = self.procured(p);
        let mut pieces = p.due_shortfall(&held, next);
        pieces.truncate(MAX_PROCUREMENT_TRIES_PER_TICK as usize);
        let Some(owner) = self.participants.get(&p.owner) else {
            return;
        };
        let owner_ctx = Ctx {
            actor: p.owner,
            roles: owner.roles,
            ..*ctx
        };
        let mut bids = 0;
        for (window, short) in pieces {
            let p = &self.procurements[&id];
            if bids == MAX_PROCUREMENT_BIDS_PER_TICK
                || p.contracts.len() >= MAX_PROCUREMENT_CONTRACTS
            {
                return;
            }
            let Some(unit) =
                crate::money::unit_cost_micros(p.limit_price_micros, window.hours(), self.fees)
            else {
                return;
            };
            let afford = self.available(p.owner).max(0) / unit;
            let gpus = u32::try_from(afford).unwrap_or(u32::MAX).min(short);
            if gpus == 0 {
                return; // Out of funds: nothing more this tick.
            }
            let probe = self.procurement_probe(p, window, gpus);
            if self.plan_bid(&probe, false, ctx.now).is_empty() {
                continue;
            }
            if self.place_procured_bid(&owner_ctx, id, window, gpus, events) {
                bids += 1;
            }
        }
    }

    /// A procurement's bid for `gpus` over `window`, as matching plans it (never placed).
    fn procurement_probe(&self, p: &Procurement, window: Window, gpus: u32) -> Order {
        Order {
            id: crate::ids::OrderId(u64::MAX),
            owner: p.owner,
            model: p.model,
            window,
            price_micros: p.limit_price_micros,
            tif: TimeInForce::Ioc,
            placed_ms: self.clock_ms,
            fees: self.fees,
            kind: OrderKind::Bid(Bid {
                region: p.region,
                facility: None,
                gpus,
                remaining_gpus: gpus,
                colocate: false,
                partial: true,
                reserved_micros: 0,
                min_reliability_bps: 0,
            }),
        }
    }

    /// Places the procurement's IOC bid as a plain bid of its owner, names it by an
    /// [`Event::ProcurementBid`] right after its acceptance, and keeps the contracts
    /// its fills made. False if the bid was refused (nothing changed then).
    fn place_procured_bid(
        &mut self,
        owner_ctx: &Ctx,
        id: ProcurementId,
        window: Window,
        gpus: u32,
        events: &mut Vec<Event>,
    ) -> bool {
        let p = &self.procurements[&id];
        let spec = BidSpec {
            model: self.models[usize::from(p.model.0)].id.clone(),
            region: p.region.map(|r| self.regions[usize::from(r.0)].clone()),
            facility: None,
            gpus,
            window,
            limit_price_micros: p.limit_price_micros,
            colocate: false,
            partial: true,
            tif: TimeInForce::Ioc,
            min_reliability_bps: 0,
        };
        let mut own = Vec::new();
        if self.place_bid(owner_ctx, &spec, &mut own).is_err() {
            debug_assert!(own.is_empty(), "a refused bid emits nothing");
            return false;
        }
        let mut own = own.into_iter();
        let Some(Event::OrderAccepted(accepted)) = own.next() else {
            unreachable!("a placed bid's first event is its acceptance");
        };
        let order = accepted.id;
        events.push(Event::OrderAccepted(accepted));
        events.push(Event::ProcurementBid {
            procurement: id,
            order,
        });
        let at = events.len();
        events.extend(own);
        let made: Vec<_> = events[at..]
            .iter()
            .filter_map(|e| match e {
                Event::ContractCreated(c) if c.buyer == owner_ctx.actor => Some(c.id),
                _ => None,
            })
            .collect();
        let p = self.procurements.get_mut(&id).expect("live");
        p.contracts.extend(made);
        true
    }
}

impl Engine {
    /// The procurements' invariants: within the bounds, each one's owner a participant,
    /// its shape as created validated it, and its contracts its owner's, each once.
    pub(crate) fn check_procurements(&self) -> Result<(), String> {
        if self.procurements.len() > MAX_LIVE_PROCUREMENTS {
            return Err(format!("{} live procurements", self.procurements.len()));
        }
        let mut per_owner = std::collections::BTreeMap::new();
        for (id, p) in &self.procurements {
            let n = per_owner.entry(p.owner).or_insert(0usize);
            *n += 1;
            if *n > MAX_PROCUREMENTS_PER_PARTICIPANT || self.participants.get(&p.owner).is_none() {
                return Err(format!(
                    "procurement {id}: owner {} over its bound or unknown",
                    p.owner
                ));
            }
            let shaped = p.id == *id
                && p.period.start < p.period.end
                && (1..=p.lookahead_hours).contains(&p.block_hours)
                && p.gpus > 0
                && p.limit_price_micros > 0;
            if !shaped {
                return Err(format!("procurement {id} is malformed: {p:?}"));
            }
            let mine = p
                .contracts
                .iter()
                .all(|c| self.contracts.get(c).is_some_and(|c| c.buyer == p.owner));
            let once = p.contracts.windows(2).all(|w| w[0] < w[1]);
            if !mine || !once || p.contracts.len() > MAX_PROCUREMENT_CONTRACTS + MAX_FILLS {
                return Err(format!("procurement {id}: contracts {:?}", p.contracts));
            }
        }
        Ok(())
    }
}
