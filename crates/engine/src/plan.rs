//! A capacity plan against what a participant holds, as pure functions: its demand per
//! model and period (weeks or UTC months, at most `MAX_PLAN_MONTHS` ahead) compared with
//! the GPUs it holds at every hour of each period (`compare`), and a proposal that
//! closes the gaps (`propose`): bids at the forward curve (or a limit given) for a
//! shortfall, a draft RFQ when the shortfall is facility-scale, resale asks (or, for a
//! provider, asks from its pools) for a surplus. The rules are in `docs/positions.md`
//! ("Capacity plans").

use crate::command::PlanSpec;
use crate::curve::PeriodKind;
use crate::ids::{ContractId, PoolId};
use crate::limits::{MAX_PLAN_MONTHS, MAX_PLAN_ROWS};
use crate::reject::{Rejection, Rule};
use crate::units::{Hour, Window, notional_micros};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One row of demand: `gpus` of `model` needed at every hour of `[start, end)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Demand {
    /// The model's name.
    pub model: String,
    /// The period's first hour.
    pub start: Hour,
    /// The first hour after it.
    pub end: Hour,
    /// GPUs needed.
    pub gpus: u32,
}

impl Demand {
    /// A plan's row as demand: its GPUs over the whole `kind` period holding its start.
    pub fn of(kind: PeriodKind, row: &crate::command::PlanRowSpec) -> Demand {
        let (start, end) = kind.of(row.start);
        Demand {
            model: row.model.clone(),
            start,
            end,
            gpus: row.gpus,
        }
    }
}

/// The first hour after the furthest a plan made at `now` may reach: the start of the
/// month `MAX_PLAN_MONTHS` after `now`'s.
pub fn horizon(now: Hour) -> Hour {
    let mut h = now.month_start();
    for _ in 0..MAX_PLAN_MONTHS {
        h = h.next_month_start();
    }
    h
}

/// A plan's rows as demand, each checked: 1 to `MAX_PLAN_ROWS` rows; each a known
/// model (`known`), a period's first hour from `now`'s period to the [`horizon`], some
/// GPUs, once per model and period. A refusal names the row (`rows[3].start`).
pub fn demand(
    spec: &PlanSpec,
    now: Hour,
    known: impl Fn(&str) -> bool,
) -> Result<Vec<Demand>, Rejection> {
    let n = spec.rows.len();
    if n == 0 || n > MAX_PLAN_ROWS {
        let detail = format!("{n} rows; a plan has 1 to {MAX_PLAN_ROWS}");
        return Err(Rejection::new(Rule::OutOfRange, "rows", detail));
    }
    let kind = spec.period;
    let (first, last) = (kind.of(now).0, horizon(now));
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    for (i, row) in spec.rows.iter().enumerate() {
        let refuse = |rule, field, detail: String| Err(Rejection::new(rule, field, detail).at(i));
        let (start, end) = kind.of(row.start);
        if start != row.start {
            let what = match kind {
                PeriodKind::Week => "a Monday",
                PeriodKind::Month => "the 1st of a month",
            };
            let detail = format!("{} is not {what}, 00:00 UTC", row.start);
            return refuse(Rule::OutOfRange, "rows.start", detail);
        }
        if start < first || end > last {
            let detail = format!(
                "{start} is not from the current {} to {MAX_PLAN_MONTHS} months ahead",
                kind.as_str()
            );
            return refuse(Rule::OutOfRange, "rows.start", detail);
        }
        if !known(&row.model) {
            return refuse(
                Rule::UnknownModel,
                "rows.model",
                format!("no model {:?}", row.model),
            );
        }
        if row.gpus == 0 {
            return refuse(Rule::ZeroGpus, "rows.gpus", "0 GPUs".to_string());
        }
        if !seen.insert((row.model.as_str(), start)) {
            let detail = format!("{} at {start} is in the plan twice", row.model);
            return refuse(Rule::DuplicateRecord, "rows.start", detail);
        }
        out.push(Demand::of(kind, row));
    }
    Ok(out)
}

/// The demand that can still be met from `now` on: rows whose period has ended are
/// left out, and the current period counts from the next hour.
pub fn ahead(demand: Vec<Demand>, now: Hour) -> Vec<Demand> {
    let next = Hour(now.0.saturating_add(1));
    demand
        .into_iter()
        .filter(|d| d.end > next)
        .map(|d| Demand {
            start: d.start.max(next),
            ..d
        })
        .collect()
}

/// What the engine keeps of a stored plan (`planning.rs`): whose it is and whether it
/// was applied (its rows live in the server's tables, from `Event::PlanUploaded`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanState {
    /// Who uploaded it.
    pub owner: crate::ids::ParticipantId,
    /// Whether its orders were placed.
    pub applied: bool,
}

/// Where held capacity comes from, and so how a surplus of it could be sold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// A line of a contract the participant bought (resold by a resale ask).
    Bought(ContractId, u16),
    /// A pool the participant owns (sold by an ask from the pool).
    Pool(PoolId),
    /// Taken from what is held: a contract it sold (a resale, or a provider's sale) or a
    /// resting ask of its own.
    Taken,
    /// Bid for: a resting bid's open GPUs, counted against a shortfall so that a plan
    /// does not bid twice for what is already bid for (never held, never sold from).
    Bidding,
}

/// GPUs of a model held (or, `Taken`, taken from what is held) over a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Supply<'a> {
    /// The model's name.
    pub model: &'a str,
    /// When.
    pub window: Window,
    /// How many.
    pub gpus: u32,
    /// Where from.
    pub source: Source,
}

impl Supply<'_> {
    /// Whether an ask could sell from it (a bought line or an owned pool).
    fn sellable(&self) -> bool {
        matches!(self.source, Source::Bought(..) | Source::Pool(_))
    }
}

/// One period of demand against what is held in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    /// The demand row.
    pub demand: Demand,
    /// The fewest GPUs held at any hour of the period (what it can count on).
    pub held_min_gpus: u32,
    /// The most held at any hour of it.
    pub held_max_gpus: u32,
    /// The fewest held or bid for (resting bids' open GPUs added) at any hour of it.
    pub covered_min_gpus: u32,
}

impl Gap {
    /// GPUs short at the period's leanest hour, counting what resting bids would add
    /// (0 when covered): a plan does not bid again for what is bid for.
    pub fn shortfall_gpus(&self) -> u32 {
        self.demand.gpus.saturating_sub(self.covered_min_gpus)
    }

    /// GPUs resting bids would add at the period's leanest hour, beyond what is held.
    pub fn bidding_gpus(&self) -> u32 {
        self.covered_min_gpus.saturating_sub(self.held_min_gpus)
    }

    /// GPUs spare at every hour of the period (0 when none), of what is held: bids not
    /// yet filled are never sold.
    pub fn surplus_gpus(&self) -> u32 {
        self.held_min_gpus.saturating_sub(self.demand.gpus)
    }
}

/// What is held of one model from hour to hour: each breakpoint's hour and the level
/// from it on, in hour order (0 before the first), made once for every row of the model.
struct Levels(Vec<(Hour, i64)>);

impl Levels {
    /// The levels of `model`, resting bids counted or not.
    fn of(supply: &[Supply<'_>], model: &str, bids: bool) -> Levels {
        let mut deltas: Vec<(Hour, i64)> = Vec::new();
        let counted = |s: &&Supply<'_>| s.model == model && (bids || s.source != Source::Bidding);
        for s in supply.iter().filter(counted) {
            if s.window.start >= s.window.end {
                continue;
            }
            let g = i64::from(s.gpus) * if s.source == Source::Taken { -1 } else { 1 };
            deltas.push((s.window.start, g));
            deltas.push((s.window.end, -g));
        }
        // Deltas at one hour add up whatever their order.
        deltas.sort_unstable_by_key(|d| d.0);
        let mut levels: Vec<(Hour, i64)> = Vec::with_capacity(deltas.len());
        let mut level = 0i64;
        for (h, d) in deltas {
            level += d;
            match levels.last_mut() {
                Some(last) if last.0 == h => last.1 = level,
                _ => levels.push((h, level)),
            }
        }
        Levels(levels)
    }

    /// The fewest and most held at any hour of `[start, end)`, never below 0.
    fn range(&self, start: Hour, end: Hour) -> (u32, u32) {
        let i = self.0.partition_point(|p| p.0 <= start);
        let first = if i == 0 { 0 } else { self.0[i - 1].1 };
        let (mut lo, mut hi) = (first, first);
        for &(h, level) in &self.0[i..] {
            if h >= end {
                break;
            }
            lo = lo.min(level);
            hi = hi.max(level);
        }
        let clamp = |x: i64| u32::try_from(x.max(0)).unwrap_or(u32::MAX);
        (clamp(lo), clamp(hi))
    }
}

/// Each demand row against what `supply` holds in its period.
pub fn compare(demand: &[Demand], supply: &[Supply<'_>]) -> Vec<Gap> {
    let mut levels: BTreeMap<&str, (Levels, Levels)> = BTreeMap::new();
    for d in demand {
        levels.entry(d.model.as_str()).or_insert_with(|| {
            let held = Levels::of(supply, &d.model, false);
            (held, Levels::of(supply, &d.model, true))
        });
    }
    demand
        .iter()
        .map(|d| {
            let (held, covered) = &levels[d.model.as_str()];
            let (held_min_gpus, held_max_gpus) = held.range(d.start, d.end);
            Gap {
                demand: d.clone(),
                held_min_gpus,
                held_max_gpus,
                covered_min_gpus: covered.range(d.start, d.end).0,
            }
        })
        .collect()
}

/// A bid the proposal would place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposedBid {
    /// The model.
    pub model: String,
    /// GPUs, over the whole window.
    pub gpus: u32,
    /// The period short.
    pub window: Window,
    /// Its limit per GPU-hour: the curve's over the window, or the limit given.
    pub price_micros: i64,
    /// GPUs x hours x price: the most it would cost.
    pub cost_micros: i64,
}

/// A shortfall too large for the book: an RFQ to draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RfqDraft {
    /// The model.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
    /// The period.
    pub window: Window,
}

/// An ask the proposal would place for a surplus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposedAsk {
    /// The model.
    pub model: String,
    /// What it sells from: a bought contract's line (a resale) or an owned pool.
    pub source: Source,
    /// GPUs over the whole window.
    pub gpus: u32,
    /// The period spare.
    pub window: Window,
    /// Its price per GPU-hour: the curve's over the window.
    pub price_micros: i64,
    /// GPUs x hours x price: what it would bring if all sold.
    pub value_micros: i64,
}

/// What the proposal closes the gaps with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proposal {
    /// Bids for shortfalls below facility scale.
    pub bids: Vec<ProposedBid>,
    /// RFQs for facility-scale shortfalls.
    pub rfqs: Vec<RfqDraft>,
    /// Asks for surpluses.
    pub asks: Vec<ProposedAsk>,
    /// Gaps it cannot price (no curve for the model and no limit given), by index into
    /// the gaps.
    pub unpriced: Vec<usize>,
    /// Surplus GPUs it found nothing to sell from (none of it held on one line or pool
    /// for the whole period), by gap index and GPUs.
    pub unsold: Vec<(usize, u32)>,
    /// What the bids would cost at most, in total.
    pub cost_micros: i64,
    /// What the asks would bring if all sold, in total.
    pub value_micros: i64,
}

/// How the proposal is made.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// A bid's limit in place of the curve's price (micro-USD per GPU-hour).
    pub limit_micros: Option<i64>,
    /// A shortfall of at least this many GPUs is drafted as an RFQ, not bid for.
    pub facility_scale_gpus: u32,
}

/// The proposal closing `gaps`, with `supply`'s lines and pools to sell a surplus from
/// and `price` the curve's price of a model over a window (`None`: no curve). `None` on
/// overflow.
pub fn propose(
    gaps: &[Gap],
    supply: &[Supply<'_>],
    price: impl Fn(&str, Window) -> Option<i64>,
    rules: Rules,
) -> Option<Proposal> {
    let mut p = Proposal::default();
    for (i, g) in gaps.iter().enumerate() {
        let Ok(window) = Window::new(g.demand.start, g.demand.end) else {
            continue;
        };
        let model = g.demand.model.clone();
        let short = g.shortfall_gpus();
        if short >= rules.facility_scale_gpus && short > 0 {
            p.rfqs.push(RfqDraft {
                model,
                gpus: short,
                window,
            });
            continue;
        }
        let quote = || {
            rules
                .limit_micros
                .or_else(|| price(&g.demand.model, window))
        };
        if short > 0 {
            let Some(price_micros) = quote() else {
                p.unpriced.push(i);
                continue;
            };
            let cost_micros = notional_micros(price_micros, short, window.hours())?;
            p.cost_micros = p.cost_micros.checked_add(cost_micros)?;
            p.bids.push(ProposedBid {
                model,
                gpus: short,
                window,
                price_micros,
                cost_micros,
            });
            continue;
        }
        let spare = g.surplus_gpus();
        if spare == 0 {
            continue;
        }
        let Some(price_micros) = price(&g.demand.model, window) else {
            p.unpriced.push(i);
            continue;
        };
        let left = sell_from(
            &mut p,
            supply,
            (&g.demand.model, window, spare),
            price_micros,
        )?;
        if left > 0 {
            p.unsold.push((i, left));
        }
    }
    Some(p)
}

/// Asks for `spare` GPUs of `model` over `window` from the lines and pools that hold it
/// for the whole window, largest first; the GPUs left unsold. `None` on overflow.
fn sell_from(
    p: &mut Proposal,
    supply: &[Supply<'_>],
    (model, window, mut spare): (&str, Window, u32),
    price_micros: i64,
) -> Option<u32> {
    let mut sources: Vec<&Supply<'_>> = supply
        .iter()
        .filter(|s| s.model == model && s.sellable() && s.window.covers(&window))
        .collect();
    sources.sort_by_key(|s| (std::cmp::Reverse(s.gpus), s.source));
    for s in sources {
        if spare == 0 {
            break;
        }
        let gpus = spare.min(s.gpus);
        let value_micros = notional_micros(price_micros, gpus, window.hours())?;
        p.value_micros = p.value_micros.checked_add(value_micros)?;
        p.asks.push(ProposedAsk {
            model: model.to_string(),
            source: s.source,
            gpus,
            window,
            price_micros,
            value_micros,
        });
        spare -= gpus;
    }
    Some(spare)
}
