//! The invariants of the state, checked from scratch: recomputes everything the engine
//! maintains incrementally and compares. Used by the property tests after every
//! command, and by audits. Slow by design (linear in the state); never on a hot path.

use crate::contract::{Contract, ContractStatus};
use crate::engine::Engine;
use crate::ids::{ContractId, OrderId, ParticipantId, PoolId};
use crate::order::{AskSource, OrderKind};
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
    // Resold children hold GPU-hours of their parent's line, not of the pool.
    for c in e
        .contracts
        .values()
        .filter(|c| c.is_live() && c.parent().is_none())
    {
        for (i, l) in c.lines.iter().enumerate() {
            if let Some(w) = c.held(i) {
                out.get_mut(&l.pool).expect("pool").committed.add(w, l.gpus);
            }
        }
    }
    for o in e.orders.sorted() {
        if let OrderKind::Ask(a) = &o.kind
            && let AskSource::Pool(_) = a.source
        {
            let u = out.get_mut(&a.pool).expect("pool");
            for (w, g) in a.avail.segments() {
                u.encumbered.add(w, g);
            }
        }
    }
    for q in e.quotes.values() {
        for l in &q.lines {
            out.get_mut(&l.pool)
                .expect("pool")
                .encumbered
                .add(l.window, l.gpus);
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
    check_resale(e)?;
    check_deals(e)?;
    check_money(e)?;
    check_delivery(e)?;
    e.market.check(e.last_tick)?;
    e.check_procurements()?;
    e.check_plans()?;
    check_reservations(e)
}

/// Delivery reports: kept only for open months, of existing contract lines, each hour
/// reported within the month and the line's window, short hours below the line's GPUs.
fn check_delivery(e: &Engine) -> Result<(), String> {
    // A month closes only after its end: the first open month is a month's start, not
    // after the month of the last tick.
    let open = e.closed_to;
    if e.close_grace_hours > crate::limits::MAX_MONTH_CLOSE_GRACE_HOURS {
        return Err(format!(
            "a month close grace of {} hours",
            e.close_grace_hours
        ));
    }
    if open != open.month_start() || open > e.last_tick.month_start() {
        return Err(format!(
            "the first open month {open} is not a month at or before the last tick's {}",
            e.last_tick
        ));
    }
    for (&(f, day), t) in &e.reliability {
        if e.facilities.get(&f).is_none() || t.delivered_gpu_hours > t.reported_gpu_hours {
            return Err(format!(
                "facility {f} day {day}: delivered {} of {} reported GPU-hours",
                t.delivered_gpu_hours, t.reported_gpu_hours
            ));
        }
    }
    for id in &e.strict_delivery {
        let strict = e
            .contracts
            .get(id)
            .is_some_and(|c| c.delivery.unreported == crate::delivery::Unreported::NotDelivered);
        if !strict {
            return Err(format!(
                "contract {id} is strict about delivery but its terms are not"
            ));
        }
    }
    for (&(month, id, line), m) in &e.delivery {
        let Some(l) = e
            .contracts
            .get(&id)
            .and_then(|c| c.lines.get(usize::from(line)))
        else {
            return Err(format!("delivery of {id} line {line}: no such line"));
        };
        if month != month.month_start() || month < e.usage_open_from() {
            return Err(format!(
                "delivery of {id} line {line}: month {month} is not open"
            ));
        }
        let hours = month.next_month_start().0 - month.0;
        for h in 0..crate::usage::MAX_MONTH_HOURS as u16 {
            let at = Hour(month.0 + u32::from(h));
            if m.is_reported(h) && (u32::from(h) >= hours || !l.window.contains(at)) {
                return Err(format!("delivery of {id} line {line}: {at} is outside it"));
            }
        }
        if m.short_hours()
            .iter()
            .any(|&(h, d)| d >= l.gpus || !m.is_reported(h))
        {
            return Err(format!(
                "delivery of {id} line {line}: a short hour is not short"
            ));
        }
    }
    Ok(())
}

/// Money: every balance within range, the sum of all balances zero, no participant
/// below minus its credit limit, every participant account a participant's.
fn check_money(e: &Engine) -> Result<(), String> {
    use crate::money::Account;
    let mut sum: i128 = 0;
    for (account, balance) in &e.balances {
        sum += i128::from(*balance);
        // Deposits keep `external` within the bound and all credit limits together stay
        // within it, so what anyone can hold or owe is within twice the bound.
        if balance.abs() > 2 * crate::limits::MAX_BALANCE_MICROS {
            return Err(format!("account {account}: balance {balance} out of range"));
        }
        if let Account::Participant(p) = account {
            if e.participants.get(p).is_none() {
                return Err(format!("account {account} belongs to nobody"));
            }
            if *balance < -e.credit_limit(*p) {
                return Err(format!(
                    "account {account}: balance {balance} below its credit limit"
                ));
            }
        }
    }
    if sum != 0 {
        return Err(format!("balances sum to {sum}, not zero"));
    }
    // Each resting bid reserves what its remaining GPUs can cost; a participant's
    // exposure is the sum, and it can always pay: balance + credit - exposure >= 0.
    let mut exposure: BTreeMap<ParticipantId, i64> = BTreeMap::new();
    for o in e.orders.sorted() {
        if let OrderKind::Bid(b) = &o.kind {
            let want = crate::money::unit_cost_micros(o.price_micros, o.window.hours(), o.fees)
                .and_then(|u| u.checked_mul(i64::from(b.remaining_gpus)));
            if Some(b.reserved_micros) != want {
                return Err(format!(
                    "bid {}: reserves {} but can cost {want:?}",
                    o.id, b.reserved_micros
                ));
            }
            *exposure.entry(o.owner).or_default() += b.reserved_micros;
        }
    }
    for p in e.participants.values() {
        if p.exposure_micros != exposure.get(&p.id).copied().unwrap_or(0) {
            return Err(format!("participant {}: exposure is off", p.id));
        }
        // Unpaid invoices are owed, not committed: what is committed never exceeds
        // balance + credit.
        if e.available(p.id) + e.owed(p.id) < 0 {
            return Err(format!(
                "participant {}: commits more than it can pay",
                p.id
            ));
        }
        let owed: i64 = e
            .invoices
            .values()
            .filter(|i| i.payer == p.id)
            .map(|i| i.amount_micros)
            .sum();
        if p.owed_micros != owed {
            return Err(format!(
                "participant {}: owes {} but its invoices say {owed}",
                p.id, p.owed_micros
            ));
        }
        let receivable: i64 = e
            .invoices
            .values()
            .filter(|i| i.payee == p.id)
            .map(|i| i.amount_micros)
            .sum();
        if p.receivable_micros != receivable {
            return Err(format!(
                "participant {}: is owed {} but its invoices say {receivable}",
                p.id, p.receivable_micros
            ));
        }
    }
    for (id, inv) in &e.invoices {
        if inv.amount_micros <= 0
            || (!inv.overdue && !scheduled(&e.schedule.invoice_dues, inv.due, id))
        {
            return Err(format!("invoice {id}: empty, or unpaid and not scheduled"));
        }
        if inv.overdue != (inv.due <= e.last_tick) {
            return Err(format!(
                "invoice {id}: overdue flag disagrees with its due date"
            ));
        }
    }
    for id in &e.billing {
        if !matches!(e.contracts[id].origin, crate::contract::Origin::Quote(_)) {
            return Err(format!(
                "contract {id} is billed but is not a term contract"
            ));
        }
    }
    if e.total_credit_micros != e.credit_limits.values().sum::<i64>() {
        return Err("the sum of credit limits is off".to_string());
    }
    Ok(())
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

/// The status a contract must have at tick `t`, from its dates, notice and
/// termination.
fn expected_status(c: &Contract, t: Hour) -> ContractStatus {
    if c.for_cause.is_some() {
        ContractStatus::TerminatedForCause
    } else if c.ends <= t {
        if c.notice.is_some() || c.ends < c.end() {
            ContractStatus::Terminated
        } else {
            ContractStatus::Expired
        }
    } else if c.notice.is_some() {
        ContractStatus::NoticeGiven
    } else if c.start() <= t {
        ContractStatus::Active
    } else {
        ContractStatus::Pending
    }
}

/// Contracts: status agrees with the last tick, notice, termination and the schedule.
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
        if c.open != (c.ends > t) || c.ends > c.end() {
            return Err(format!(
                "contract {id}: open {} with end {} at tick {t}",
                c.open, c.ends
            ));
        }
        let want = expected_status(c, t);
        if c.status != want {
            return Err(format!(
                "contract {id}: status {:?}, expected {want:?} at tick {t}",
                c.status
            ));
        }
        check_refunded(c)?;
        let starts = scheduled(&e.schedule.contract_starts, c.start(), &id);
        let ends = scheduled(&e.schedule.contract_ends, c.ends, &id);
        if (c.open && c.start() > t && !starts) || (c.is_live() && !ends) {
            return Err(format!("contract {id}: schedule disagrees with status"));
        }
    }
    Ok(())
}

/// Refunds: only a prepaid contract refunds, and never more than what its buyer paid
/// for the hours after its end (each hour is refunded at most once).
fn check_refunded(c: &Contract) -> Result<(), String> {
    let as_made = crate::economics::Economics {
        ends: c.end(),
        ..c.economics()
    };
    let after_end = as_made.value_micros(c.ends, c.end()).unwrap_or(i64::MAX);
    let ceiling = if c.is_prepaid() { after_end } else { 0 };
    if !(0..=ceiling).contains(&c.refunded_micros) {
        return Err(format!(
            "contract {}: refunded {} of at most {ceiling}",
            c.id, c.refunded_micros
        ));
    }
    // Credits are for hours it held, each month once: at most what they are worth.
    let ceiling = c.value_micros(c.start(), c.end()).unwrap_or(i64::MAX);
    if !(0..=ceiling).contains(&c.credited_micros) {
        return Err(format!(
            "contract {}: credited {} of at most {ceiling}",
            c.id, c.credited_micros
        ));
    }
    Ok(())
}

/// Resale: each contract's resale holding per line equals what its live resale asks
/// offer plus what its live children hold, within the hours it holds and its GPUs; a
/// child's line lies in its parent's line. So a GPU-hour is held by two contracts only
/// as a parent and its own resold child.
fn check_resale(e: &Engine) -> Result<(), String> {
    let mut expected: BTreeMap<(ContractId, usize), StepFn> = BTreeMap::new();
    let mut asks: BTreeSet<(ContractId, OrderId)> = BTreeSet::new();
    for o in e.orders.sorted() {
        if let OrderKind::Ask(a) = &o.kind
            && let AskSource::Contract { contract, line } = a.source
        {
            asks.insert((contract, o.id));
            let f = expected.entry((contract, usize::from(line))).or_default();
            for (w, g) in a.avail.segments() {
                f.add(w, g);
            }
        }
    }
    if asks != e.resale_asks {
        return Err("resale ask index out of step".to_string());
    }
    for (id, c) in e.contracts.iter() {
        let Some((parent, i)) = crate::lifecycle::resale_parent(&c.origin) else {
            continue;
        };
        let p = &e.contracts[&parent];
        let (pl, l) = (p.lines[i], c.lines[0]);
        if c.lines.len() != 1
            || l.pool != pl.pool
            || !pl.window.covers(&l.window)
            || !p.children.contains(&id)
            || c.depth != p.depth + 1
        {
            return Err(format!(
                "contract {id}: not carved from line {i} of its parent {parent}"
            ));
        }
        if c.is_live()
            && let Some(w) = c.held(0)
        {
            expected.entry((parent, i)).or_default().add(w, l.gpus);
        }
    }
    for (id, c) in e.contracts.iter() {
        if !c.resold.is_empty() && c.resold.len() != c.lines.len() {
            return Err(format!(
                "contract {id}: resale holding has the wrong number of lines"
            ));
        }
        for (i, r) in c.resold.iter().enumerate() {
            let want = expected.remove(&(id, i)).unwrap_or_default();
            if *r != want || !r.is_canonical() {
                return Err(format!(
                    "contract {id} line {i}: resale holding {r:?} != listed + resold {want:?}"
                ));
            }
            let held = c.held(i);
            let outside = r
                .segments()
                .any(|(w, g)| g > c.lines[i].gpus || !held.is_some_and(|h| h.covers(&w)));
            if outside {
                return Err(format!(
                    "contract {id} line {i}: resold beyond what it holds"
                ));
            }
        }
    }
    match expected.into_iter().find(|(_, f)| !f.is_zero()) {
        Some(((id, i), _)) => Err(format!(
            "contract {id} line {i}: resold without a resale holding"
        )),
        None => Ok(()),
    }
}

/// RFQs and quotes: linked both ways, scheduled, not past their times, counted.
fn check_deals(e: &Engine) -> Result<(), String> {
    let t = e.last_tick;
    let mut open: BTreeMap<ParticipantId, u32> = BTreeMap::new();
    for (id, r) in &e.rfqs {
        *open.entry(r.buyer).or_default() += 1;
        if r.deadline <= t || !scheduled(&e.schedule.rfq_deadlines, r.deadline, id) {
            return Err(format!("rfq {id}: past its deadline or not scheduled"));
        }
        if r.quotes
            .iter()
            .any(|q| e.quotes.get(q).is_none_or(|q| q.rfq != *id))
        {
            return Err(format!(
                "rfq {id}: lists a quote that is not its own live quote"
            ));
        }
    }
    for (id, q) in &e.quotes {
        let Some(r) = e.rfqs.get(&q.rfq) else {
            return Err(format!("quote {id}: its RFQ is closed"));
        };
        if !r.quotes.contains(id)
            || q.expires > r.deadline
            || q.expires <= t
            || !scheduled(&e.schedule.quote_expiries, q.expires, id)
        {
            return Err(format!(
                "quote {id}: unlisted, past its expiry or not scheduled"
            ));
        }
        if q.lines
            .iter()
            .any(|l| l.window != r.window || e.pools[&l.pool].owner != q.provider)
        {
            return Err(format!(
                "quote {id}: a line outside the RFQ's window or not the provider's"
            ));
        }
    }
    for p in e.participants.values() {
        if p.open_rfqs != open.get(&p.id).copied().unwrap_or(0) {
            return Err(format!("participant {}: open RFQ count is off", p.id));
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
