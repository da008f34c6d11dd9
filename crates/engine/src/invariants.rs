//! The invariants of the state, checked from scratch: recomputes everything the engine
//! maintains incrementally and compares. Used by the property tests after every
//! command, and by audits. Slow by design (linear in the state); never on a hot path.

use crate::contract::ContractStatus;
use crate::engine::Engine;
use crate::ids::{OrderId, ParticipantId, PoolId};
use crate::order::OrderKind;
use crate::step::StepFn;
use crate::units::Hour;
use std::collections::{BTreeMap, BTreeSet};

/// Capacity of one pool broken down by what holds it, recomputed from the entities.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolUse {
    /// Held by live contracts.
    pub committed: StepFn,
    /// Offered by live asks.
    pub encumbered: StepFn,
    /// Kept by the owner.
    pub reserved: StepFn,
}

/// Recomputes committed, encumbered and reserved capacity for every pool.
pub fn pool_use(e: &Engine) -> BTreeMap<PoolId, PoolUse> {
    let mut out: BTreeMap<PoolId, PoolUse> =
        e.pools.keys().map(|id| (id, PoolUse::default())).collect();
    for c in e.contracts.values().filter(|c| c.is_live()) {
        for l in &c.lines {
            out.get_mut(&l.pool)
                .expect("pool")
                .committed
                .add(l.window, l.gpus);
        }
    }
    for o in e.orders.sorted() {
        if let OrderKind::Ask(a) = &o.kind {
            let u = out.get_mut(&a.pool).expect("pool");
            for (w, g) in a.avail.segments() {
                u.encumbered.add(w, g);
            }
        }
    }
    for r in e.reservations.values() {
        out.get_mut(&r.pool)
            .expect("pool")
            .reserved
            .add(r.window, r.gpus);
    }
    out
}

/// True when `id` is in the schedule's bucket for `hour`.
fn scheduled<T: PartialEq>(buckets: &BTreeMap<Hour, Vec<T>>, hour: Hour, id: &T) -> bool {
    buckets.get(&hour).is_some_and(|b| b.contains(id))
}

/// Checks every invariant; returns the first violation found, described.
pub fn check(e: &Engine) -> Result<(), String> {
    check_capacity(e)?;
    check_orders(e)?;
    check_contracts(e)?;
    check_reservations(e)
}

/// For every pool and hour: committed + encumbered + reserved == used <= gpus.
fn check_capacity(e: &Engine) -> Result<(), String> {
    for (id, u) in pool_use(e) {
        let pool = &e.pools[&id];
        let mut total = StepFn::new();
        for part in [&u.committed, &u.encumbered, &u.reserved] {
            for (w, g) in part.segments() {
                total.add(w, g);
            }
        }
        if total != pool.used {
            return Err(format!(
                "pool {id}: used {:?} != committed + encumbered + reserved {:?}",
                pool.used, total
            ));
        }
        if !pool.used.is_canonical() {
            return Err(format!("pool {id}: step function not canonical"));
        }
        if let Some((w, g)) = pool.used.segments().find(|&(_, g)| g > pool.gpus) {
            return Err(format!(
                "pool {id}: {g} GPUs in use over {w} but it has {}",
                pool.gpus
            ));
        }
    }
    Ok(())
}

/// Live orders: well-formed, on their book exactly once, scheduled, and counted.
fn check_orders(e: &Engine) -> Result<(), String> {
    let mut counts: BTreeMap<ParticipantId, u32> = BTreeMap::new();
    let mut in_books: BTreeSet<OrderId> = BTreeSet::new();
    for (m, book) in e.books.iter().enumerate() {
        if !book.asks.is_well_formed() || !book.bids.is_well_formed() {
            return Err(format!("book of model {m}: levels malformed"));
        }
        let ids = book
            .asks
            .iter()
            .map(|(_, id, _)| id)
            .chain(book.bids.iter().map(|(_, id, _)| id));
        for id in ids {
            let Some(o) = e.orders.get(&id) else {
                return Err(format!("book of model {m} holds closed order {id}"));
            };
            if usize::from(o.model.0) != m || !in_books.insert(id) {
                return Err(format!("order {id} misfiled in the books"));
            }
        }
    }
    for o in e.orders.sorted() {
        let id = &o.id;
        if !in_books.contains(id) {
            return Err(format!("live order {id} is not on the book"));
        }
        if !e.books[usize::from(o.model.0)].holds(o) {
            return Err(format!(
                "order {id}: book entry missing, misplaced or stale"
            ));
        }
        if !scheduled(&e.schedule.order_deadlines, o.deadline(), id) {
            return Err(format!("order {id} has no deadline scheduled"));
        }
        if o.deadline() <= e.last_tick {
            return Err(format!("order {id} outlived its deadline {}", o.deadline()));
        }
        *counts.entry(o.owner).or_default() += 1;
        match &o.kind {
            OrderKind::Ask(a) => {
                if a.avail.is_zero() || !a.avail.is_canonical() {
                    return Err(format!("ask {id}: empty or malformed availability"));
                }
                let outside = a
                    .avail
                    .segments()
                    .any(|(w, g)| !o.window.covers(&w) || g > a.gpus);
                if outside || a.min_fill_gpus == 0 || a.min_fill_gpus > a.gpus {
                    return Err(format!(
                        "ask {id}: availability outside its window or above its GPUs"
                    ));
                }
            }
            OrderKind::Bid(b) => {
                if b.remaining_gpus == 0 || b.remaining_gpus > b.gpus {
                    return Err(format!(
                        "bid {id}: remaining {} of {}",
                        b.remaining_gpus, b.gpus
                    ));
                }
            }
        }
    }
    for (m, book) in e.books.iter().enumerate() {
        let by_pool: BTreeSet<(u32, i64, OrderId)> =
            book.asks.iter().map(|(p, id, a)| (a.pool, p, id)).collect();
        if by_pool != book.ask_by_pool {
            return Err(format!("book of model {m}: per-pool index out of step"));
        }
        let mut slots: Vec<u32> = book.asks.iter().map(|(_, _, a)| a.slot).collect();
        slots.extend(&book.free_slots);
        slots.sort_unstable();
        let whole = slots.iter().enumerate().all(|(i, &s)| s as usize == i);
        let free_zero = book
            .free_slots
            .iter()
            .all(|&s| book.ask_avail[s as usize].is_zero());
        if !whole || slots.len() != book.ask_avail.len() || !free_zero {
            return Err(format!("book of model {m}: availability slab out of step"));
        }
    }
    for p in e.participants.values() {
        if p.open_orders != counts.get(&p.id).copied().unwrap_or(0) {
            return Err(format!("participant {}: open order count is off", p.id));
        }
    }
    Ok(())
}

/// Contracts: status agrees with the last tick and the schedule.
fn check_contracts(e: &Engine) -> Result<(), String> {
    let t = e.last_tick;
    for (id, c) in e.contracts.iter() {
        if c.lines.is_empty()
            || c.lines
                .iter()
                .any(|l| l.gpus == 0 || l.window.start >= l.window.end)
        {
            return Err(format!("contract {id}: malformed lines"));
        }
        let want = if c.end() <= t {
            ContractStatus::Expired
        } else if c.start() <= t {
            ContractStatus::Active
        } else {
            ContractStatus::Pending
        };
        if c.status != want {
            return Err(format!(
                "contract {id}: status {:?}, expected {want:?} at tick {t}",
                c.status
            ));
        }
        let starts = scheduled(&e.schedule.contract_starts, c.start(), &id);
        let ends = scheduled(&e.schedule.contract_ends, c.end(), &id);
        if (c.status == ContractStatus::Pending && !starts) || (c.is_live() && !ends) {
            return Err(format!("contract {id}: schedule disagrees with status"));
        }
    }
    Ok(())
}

/// Reservations: scheduled to end, not past, counted on their pool.
fn check_reservations(e: &Engine) -> Result<(), String> {
    let mut per_pool: BTreeMap<PoolId, u32> = BTreeMap::new();
    for (id, r) in &e.reservations {
        if !e.schedule.reservation_ends.contains(&(r.window.end, *id))
            || r.window.end <= e.last_tick
        {
            return Err(format!(
                "reservation {id}: not scheduled, or outlived its window"
            ));
        }
        *per_pool.entry(r.pool).or_default() += 1;
    }
    if e.schedule.reservation_ends.len() != e.reservations.len() {
        return Err("reservation ends scheduled for ended reservations".to_string());
    }
    for p in e.pools.values() {
        if p.reservations != per_pool.get(&p.id).copied().unwrap_or(0) {
            return Err(format!("pool {}: reservation count is off", p.id));
        }
    }
    Ok(())
}
