//! A participant's whole position as of an hour, as one pure function of the records it
//! holds: its commitment ladder as buyer and as seller (in total and by model, region,
//! facility and counterparty), what its resting orders and open quotes could add, its
//! run-rate this month and annualized, what it was billed this year, and every
//! contract's exit cost and mark against the forward curve. The server reads the
//! records and formats this; it computes none of these figures (`docs/positions.md`).

use crate::contract::{ContractRecord, ContractStatus};
use crate::economics::Economics;
use crate::ids::{ContractId, ParticipantId};
use crate::invoice::{Charge, Invoice};
use crate::marks::{Mark, MarkCurve, Unmarked, mark_lines};
use crate::positions::{CommitmentLadder, ExitCost, MonthCommitment, NoExit, Party, exit_cost};
use crate::units::Hour;
use std::collections::BTreeMap;

/// Where a pool's capacity is: its model, its facility and that facility's region.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The model's name.
    pub model: String,
    /// The region's name.
    pub region: String,
    /// The facility's id.
    pub facility: u64,
}

/// A contract as one participant holds it.
#[derive(Clone, Copy, Debug)]
pub struct Holding<'a> {
    /// The contract as the read model holds it now.
    pub contract: &'a ContractRecord,
    /// The participant's side of it.
    pub side: Party,
}

impl Holding<'_> {
    /// The other party.
    pub fn counterparty(&self) -> ParticipantId {
        match self.side {
            Party::Buyer => self.contract.seller,
            Party::Seller => self.contract.buyer,
        }
    }
}

/// How a contract stood at a moment: its end and status then, as far as its record
/// tells (a notice or termination given later is set aside).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The first hour it no longer held, as it stood.
    pub ends: Hour,
    /// Its status then.
    pub status: ContractStatus,
}

/// How `c` stood at `at_ms`: `None` if it was not yet made.
pub fn standing(c: &ContractRecord, at_ms: u64) -> Option<Standing> {
    if c.created_ms > at_ms {
        return None;
    }
    let now = Hour::containing(at_ms);
    let notice = c.notice.as_ref().filter(|n| n.given_ms <= at_ms);
    let cause = c.for_cause.as_ref().filter(|f| f.given_ms <= at_ms);
    let ends = if c.notice.is_none() && c.for_cause.is_none() {
        c.ends
    } else {
        let end = c.end();
        let end = notice.map_or(end, |n| end.min(n.effective));
        cause.map_or(end, |f| end.min(f.effective))
    };
    let status = match (cause, notice) {
        (Some(_), _) => ContractStatus::TerminatedForCause,
        (None, Some(_)) if now >= ends => ContractStatus::Terminated,
        (None, Some(_)) => ContractStatus::NoticeGiven,
        (None, None) if now >= ends => ContractStatus::Expired,
        (None, None) if now < c.start() => ContractStatus::Pending,
        (None, None) => ContractStatus::Active,
    };
    Some(Standing { ends, status })
}

/// Something not yet a contract that could become one: a resting order's unfilled part
/// or an open quote.
#[derive(Clone, Copy, Debug)]
pub struct Offer<'a> {
    /// The side the participant would be on.
    pub side: Party,
    /// Its lines and price, as if it were a contract to its end.
    pub economics: Economics<'a>,
    /// Of its GPU-hours, how many are still open, and of how many (an order partly
    /// filled: its months are scaled by the ratio; a quote: all of them).
    pub open_gpu_hours: (u64, u64),
}

/// A ladder in total and by where and with whom.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ladders {
    /// Everything.
    pub total: CommitmentLadder,
    /// By model name.
    pub by_model: BTreeMap<String, CommitmentLadder>,
    /// By region name.
    pub by_region: BTreeMap<String, CommitmentLadder>,
    /// By facility id.
    pub by_facility: BTreeMap<u64, CommitmentLadder>,
    /// By the other party.
    pub by_counterparty: BTreeMap<ParticipantId, CommitmentLadder>,
}

/// Exit costs added up over the contracts a side could leave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExitTotals {
    /// Contracts that side could leave by notice now.
    pub contracts: u32,
    /// Their early-termination fees.
    pub fee_micros: i64,
    /// What they are worth until their notice would take effect.
    pub until_effective_micros: i64,
    /// What leaving them all would cut off.
    pub cut_off_micros: i64,
}

/// Marks added up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkTotals {
    /// Contracts marked.
    pub marked: u32,
    /// Contracts with something left to hold but no mark (no curve for their model).
    pub unmarked: u32,
    /// The marked contracts' remaining value at their prices.
    pub contract_value_micros: i64,
    /// The same hours at the curve.
    pub curve_value_micros: i64,
    /// Unrealized gain (negative: loss) in total.
    pub pnl_micros: i64,
}

/// One side's position: as buyer (spend) or as seller (revenue).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SideBook {
    /// Contracts on this side holding hours from the month of the moment on.
    pub contracts: u32,
    /// What they commit from the moment on, month by month.
    pub committed: Ladders,
    /// What resting orders and open quotes could add, month by month.
    pub potential: CommitmentLadder,
    /// What this side's contracts are worth over the whole month of the moment.
    pub this_month_micros: i64,
    /// A year of the contracts in force at the moment, at their full size.
    pub annualized_micros: i64,
    /// What was invoiced this calendar year up to the moment, net of refunds and
    /// delivery credits.
    pub billed_ytd_micros: i64,
    /// Exit costs of the contracts this side could leave.
    pub exits: ExitTotals,
    /// Marks of this side's contracts.
    pub marks: MarkTotals,
}

/// One contract in a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContractPosition {
    /// The contract.
    pub contract: ContractId,
    /// The participant's side.
    pub side: Party,
    /// How it stood at the moment.
    pub standing: Standing,
    /// GPU-hours and value it holds from the moment on.
    pub remaining: MonthCommitment,
    /// What leaving it by notice at the moment would cost this side.
    pub exit: Result<ExitCost, NoExit>,
    /// Its mark against its model's curve.
    pub mark: Result<Mark, Unmarked>,
}

/// A participant's position at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// The hour of the moment.
    pub as_of: Hour,
    /// As buyer.
    pub buyer: SideBook,
    /// As seller.
    pub seller: SideBook,
    /// Every contract holding hours from the month of the moment on, by id then side.
    pub contracts: Vec<ContractPosition>,
}

/// What a position is computed from.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// Whose position (`None`: the whole market's, every contract counted on each side
    /// and every invoice as both spend and revenue).
    pub participant: Option<ParticipantId>,
    /// The moment, ms since the epoch.
    pub at_ms: u64,
    /// Its contracts (any the read model holds; those not yet made at the moment or
    /// ended before its month are left out).
    pub holdings: &'a [Holding<'a>],
    /// Its resting orders and open quotes.
    pub offers: &'a [Offer<'a>],
    /// Invoices it pays or is paid (those issued this year up to the moment count).
    pub invoices: &'a [Invoice],
    /// Forward curves in force at the moment, by model name.
    pub curves: &'a BTreeMap<String, MarkCurve>,
    /// Where each pool is, by pool id: a line's model is its pool's; a contract's
    /// region and facility are its first line's (a contract's lines are in one
    /// facility).
    pub places: &'a BTreeMap<u64, Place>,
}

/// Where `pool` is (a pool the places do not know: nowhere, an empty model).
fn place_of(places: &BTreeMap<u64, Place>, pool: crate::ids::PoolId) -> &Place {
    static NOWHERE: Place = Place {
        model: String::new(),
        region: String::new(),
        facility: 0,
    };
    places.get(&pool.0).unwrap_or(&NOWHERE)
}

/// A position's figures do not fit in micro-USD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

/// The position of `i.participant` at `i.at_ms`.
pub fn position(i: &Inputs<'_>) -> Result<Position, Overflow> {
    let as_of = Hour::containing(i.at_ms);
    let month = (as_of.month_start(), as_of.next_month_start());
    let mut p = Position {
        as_of,
        buyer: SideBook::default(),
        seller: SideBook::default(),
        contracts: Vec::new(),
    };
    for h in i.holdings {
        let Some(standing) = standing(h.contract, i.at_ms) else {
            continue;
        };
        if standing.ends <= month.0 {
            continue;
        }
        let e = Economics {
            ends: standing.ends,
            ..h.contract.economics()
        };
        let row = contract_row(h, standing, &e, (i.at_ms, as_of), (i.curves, i.places))?;
        let book = side_book(&mut p, h.side);
        hold(book, h, &e, (as_of, month), i.places)?;
        total_exit(&mut book.exits, &row.exit)?;
        total_mark(&mut book.marks, &row)?;
        p.contracts.push(row);
    }
    p.contracts.sort_by_key(|c| (c.contract, c.side));
    for o in i.offers {
        let ladder = offer_ladder(o, as_of).ok_or(Overflow)?;
        side_book(&mut p, o.side)
            .potential
            .add(&ladder)
            .ok_or(Overflow)?;
    }
    let year = (as_of.year_start().start_ms(), i.at_ms);
    let (spend, revenue) = billed(i.invoices, i.participant, year).ok_or(Overflow)?;
    p.buyer.billed_ytd_micros = spend;
    p.seller.billed_ytd_micros = revenue;
    Ok(p)
}

fn side_book(p: &mut Position, side: Party) -> &mut SideBook {
    match side {
        Party::Buyer => &mut p.buyer,
        Party::Seller => &mut p.seller,
    }
}

/// One contract's row: what it holds from the moment, its exit cost and its mark.
fn contract_row(
    h: &Holding<'_>,
    standing: Standing,
    e: &Economics<'_>,
    (at_ms, as_of): (u64, Hour),
    (curves, places): (&BTreeMap<String, MarkCurve>, &BTreeMap<u64, Place>),
) -> Result<ContractPosition, Overflow> {
    let remaining = MonthCommitment {
        gpu_hours: e.gpu_hours(as_of, standing.ends),
        value_micros: e.value_micros(as_of, standing.ends).ok_or(Overflow)?,
    };
    let exit = exit_cost(e, &h.contract.terms, h.side, (at_ms, standing.status));
    let mark = if remaining.gpu_hours == 0 {
        Ok(Mark::default())
    } else {
        let lines = &h.contract.lines;
        mark_lines(e, as_of, h.side, |l| {
            curves.get(&place_of(places, lines[l].pool).model)
        })
    };
    Ok(ContractPosition {
        contract: h.contract.id,
        side: h.side,
        standing,
        remaining,
        exit,
        mark,
    })
}

/// Adds a contract's commitments to its side's book.
fn hold(
    book: &mut SideBook,
    h: &Holding<'_>,
    e: &Economics<'_>,
    (as_of, month): (Hour, (Hour, Hour)),
    places: &BTreeMap<u64, Place>,
) -> Result<(), Overflow> {
    let ladder = e.ladder(as_of).ok_or(Overflow)?;
    let lines = &h.contract.lines;
    let first = place_of(places, lines[0].pool);
    let c = &mut book.committed;
    c.total.add(&ladder).ok_or(Overflow)?;
    if lines
        .iter()
        .all(|l| place_of(places, l.pool).model == first.model)
    {
        add_to(&mut c.by_model, &first.model, &ladder)?;
    } else {
        for (model, part) in by_model(e, &ladder, as_of, |i| {
            &place_of(places, lines[i].pool).model
        })? {
            add_to(&mut c.by_model, &model.to_string(), &part)?;
        }
    }
    add_to(&mut c.by_region, &first.region, &ladder)?;
    add_to(&mut c.by_facility, &first.facility, &ladder)?;
    add_to(&mut c.by_counterparty, &h.counterparty(), &ladder)?;
    book.contracts += 1;
    let this_month = e.value_micros(month.0, month.1).ok_or(Overflow)?;
    book.this_month_micros = book
        .this_month_micros
        .checked_add(this_month)
        .ok_or(Overflow)?;
    if e.start() <= as_of && as_of < e.ends {
        let year = e.run_rate_per_year_micros().ok_or(Overflow)?;
        book.annualized_micros = book.annualized_micros.checked_add(year).ok_or(Overflow)?;
    }
    Ok(())
}

/// A ladder of a contract of several models split by model: each month's GPU-hours
/// line by line, and its value in proportion to them (rounded down, the remainder to
/// the model holding most of the month's GPU-hours, the first by name among equals), so
/// that the parts add up to the ladder exactly.
fn by_model<'m>(
    e: &Economics<'_>,
    ladder: &CommitmentLadder,
    from: Hour,
    model_of: impl Fn(usize) -> &'m str,
) -> Result<BTreeMap<&'m str, CommitmentLadder>, Overflow> {
    let mut out: BTreeMap<&str, CommitmentLadder> = BTreeMap::new();
    for (&month, total) in &ladder.months {
        let (s, t) = (month.max(from), month.next_month_start());
        let mut hours: BTreeMap<&str, u64> = BTreeMap::new();
        for i in 0..e.lines.len() {
            let Some(w) = e.held(i) else { continue };
            let h = u64::from(w.end.min(t).0.saturating_sub(w.start.max(s).0))
                * u64::from(e.lines[i].gpus);
            *hours.entry(model_of(i)).or_default() += h;
        }
        let all = total.gpu_hours.max(1);
        let mut given = 0i64;
        let top = hours
            .iter()
            .max_by_key(|(m, h)| (**h, std::cmp::Reverse(**m)))
            .map(|(m, _)| *m);
        for (&model, &h) in &hours {
            let share = i128::from(total.value_micros) * i128::from(h) / i128::from(all);
            let value_micros = i64::try_from(share).map_err(|_| Overflow)?;
            given = given.checked_add(value_micros).ok_or(Overflow)?;
            out.entry(model).or_default().months.insert(
                month,
                MonthCommitment {
                    gpu_hours: h,
                    value_micros,
                },
            );
        }
        if let Some(m) = top
            .and_then(|t| out.get_mut(t))
            .and_then(|l| l.months.get_mut(&month))
        {
            m.value_micros = m
                .value_micros
                .checked_add(total.value_micros - given)
                .ok_or(Overflow)?;
        }
    }
    for l in out.values_mut() {
        l.months
            .retain(|_, m| m.gpu_hours > 0 || m.value_micros != 0);
    }
    Ok(out)
}

/// Adds `l` to the group `k`'s ladder (a new group starts as `l`; its key is copied
/// only then).
fn add_to<K: Ord + Clone>(
    m: &mut BTreeMap<K, CommitmentLadder>,
    k: &K,
    l: &CommitmentLadder,
) -> Result<(), Overflow> {
    match m.get_mut(k) {
        Some(sum) => sum.add(l).ok_or(Overflow),
        None => {
            m.insert(k.clone(), l.clone());
            Ok(())
        }
    }
}

fn total_exit(t: &mut ExitTotals, exit: &Result<ExitCost, NoExit>) -> Result<(), Overflow> {
    let Ok(x) = exit else { return Ok(()) };
    t.contracts += 1;
    t.fee_micros = t.fee_micros.checked_add(x.fee_micros).ok_or(Overflow)?;
    t.until_effective_micros = t
        .until_effective_micros
        .checked_add(x.until_effective_micros)
        .ok_or(Overflow)?;
    t.cut_off_micros = t
        .cut_off_micros
        .checked_add(x.cut_off_micros)
        .ok_or(Overflow)?;
    Ok(())
}

fn total_mark(t: &mut MarkTotals, row: &ContractPosition) -> Result<(), Overflow> {
    match row.mark {
        Ok(m) => {
            t.marked += 1;
            let add = |a: i64, b: i64| a.checked_add(b).ok_or(Overflow);
            t.contract_value_micros = add(t.contract_value_micros, m.contract_value_micros)?;
            t.curve_value_micros = add(t.curve_value_micros, m.curve_value_micros)?;
            t.pnl_micros = add(t.pnl_micros, m.pnl_micros)?;
        }
        Err(_) => t.unmarked += 1,
    }
    Ok(())
}

/// What an offer could add from `from` on: its ladder, each month scaled by the share
/// of its GPU-hours still open (rounded down). `None` on overflow.
pub fn offer_ladder(o: &Offer<'_>, from: Hour) -> Option<CommitmentLadder> {
    let mut l = o.economics.ladder(from)?;
    let (open, total) = o.open_gpu_hours;
    if open >= total {
        return Some(l);
    }
    for m in l.months.values_mut() {
        let scale = |x: i128| x * i128::from(open) / i128::from(total.max(1));
        m.gpu_hours = u64::try_from(scale(i128::from(m.gpu_hours))).ok()?;
        m.value_micros = i64::try_from(scale(i128::from(m.value_micros))).ok()?;
    }
    l.months.retain(|_, m| m.gpu_hours > 0);
    Some(l)
}

/// What `p` was invoiced (as payer: spend) and invoiced others (as payee: revenue) by
/// invoices issued in `[from_ms, to_ms]`: usage and fees, less refunds and delivery
/// credits (which return money the other way). `p` `None`: the whole market, where
/// every invoice is someone's spend and someone's revenue. `None` on overflow.
pub fn billed(
    invoices: &[Invoice],
    p: Option<ParticipantId>,
    (from_ms, to_ms): (u64, u64),
) -> Option<(i64, i64)> {
    let is = |x: ParticipantId| p.is_none_or(|p| p == x);
    let (mut spend, mut revenue) = (0i64, 0i64);
    for inv in invoices
        .iter()
        .filter(|v| (from_ms..=to_ms).contains(&v.issued_ms))
    {
        let returned = matches!(inv.charge, Charge::Refund | Charge::DeliveryCredit);
        let a = inv.amount_micros;
        // A charge counts for its payer's spend and its payee's revenue; a refund or
        // credit (paid by the seller to the buyer) takes from both.
        if returned {
            if is(inv.payee) {
                spend = spend.checked_sub(a)?;
            }
            if is(inv.payer) {
                revenue = revenue.checked_sub(a)?;
            }
        } else {
            if is(inv.payer) {
                spend = spend.checked_add(a)?;
            }
            if is(inv.payee) {
                revenue = revenue.checked_add(a)?;
            }
        }
    }
    Some((spend, revenue))
}
