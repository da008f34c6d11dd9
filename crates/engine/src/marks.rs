//! Mark-to-market: a contract's remaining GPU-hours valued at its model's forward curve,
//! against what the contract itself is worth over those hours. The difference is the
//! holder's unrealized gain or loss: a buyer gains when the curve is above what it pays,
//! a seller when it is below. Pure integer arithmetic; the rules are in
//! `docs/positions.md` ("Mark-to-market").

use crate::curve::PeriodKind;
use crate::economics::Economics;
use crate::positions::Party;
use crate::units::{Hour, Window};

/// One stretch of hours the curve prices, at one price per GPU-hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// First hour.
    pub start: Hour,
    /// First hour after.
    pub end: Hour,
    /// The curve's price, micro-USD per GPU-hour.
    pub price_micros: i64,
}

/// A model's forward curve as stretches of hours to value at: its weekly points, then
/// its monthly points from the end of the last week on (where a week and a month
/// overlap, the week's nearer price is used). Hours before the first stretch are valued
/// at its price, and hours after the last at the last's (held flat, as the curve holds
/// it between priced periods).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkCurve {
    /// The hour the curve was published.
    pub at: Hour,
    /// Ascending, not overlapping, at least one.
    pub segments: Vec<Segment>,
}

/// A contract marked to the curve over the hours it holds from an hour on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    /// GPU-hours marked.
    pub gpu_hours: u64,
    /// Of those, the hours after the curve's last period (valued at its last price).
    pub beyond_curve_gpu_hours: u64,
    /// What the contract is worth over those hours at its own price.
    pub contract_value_micros: i64,
    /// What they are worth at the curve.
    pub curve_value_micros: i64,
    /// The holder's unrealized gain (negative: loss): for the buyer the curve's value
    /// less the contract's, for the seller the contract's less the curve's.
    pub pnl_micros: i64,
    /// GPU-hours of lines whose model has no curve, left out of the mark (their share
    /// of the contract's value too).
    pub unmarked_gpu_hours: u64,
    /// How many of the curve's stretches priced its hours (of a contract of several
    /// models, the most any line used).
    pub segments_used: u32,
}

/// Why a contract has no mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmarked {
    /// Its model has no forward curve (nothing has traded or rested to price one).
    NoCurve,
    /// Its figures do not fit in micro-USD.
    Overflow,
}

impl Unmarked {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Unmarked::NoCurve => "no_curve",
            Unmarked::Overflow => "overflow",
        }
    }
}

impl MarkCurve {
    /// The stretches to value at, from a curve's points (kind, start, end, price) as
    /// published: weeks first, then months from the last week's end. `None` if there
    /// are no points.
    pub fn new(
        at: Hour,
        points: impl IntoIterator<Item = (PeriodKind, Hour, Hour, i64)>,
    ) -> Option<MarkCurve> {
        let (mut weeks, mut months): (Vec<Segment>, Vec<Segment>) = (Vec::new(), Vec::new());
        for (kind, start, end, price_micros) in points {
            if start >= end {
                continue;
            }
            let s = Segment {
                start,
                end,
                price_micros,
            };
            match kind {
                PeriodKind::Week => weeks.push(s),
                PeriodKind::Month => months.push(s),
            }
        }
        weeks.sort_by_key(|s| s.start);
        months.sort_by_key(|s| s.start);
        let mut segments: Vec<Segment> = Vec::with_capacity(weeks.len() + months.len());
        for s in weeks.into_iter().chain(months) {
            let from = segments.last().map_or(s.start, |l| l.end.max(s.start));
            if from < s.end {
                segments.push(Segment { start: from, ..s });
            }
        }
        (!segments.is_empty()).then_some(MarkCurve { at, segments })
    }

    /// The curve's price over `w`: each hour at its stretch's price (before the first
    /// at the first's, after the last at the last's), averaged over the hours and
    /// rounded down. `None` if the curve has no stretches or the sum does not fit.
    pub fn price_over(&self, w: Window) -> Option<i64> {
        let (first, last) = (self.segments.first()?, self.segments.last()?);
        let span =
            |s: Hour, e: Hour| i128::from(e.0.min(w.end.0).saturating_sub(s.0.max(w.start.0)));
        let mut sum = span(Hour(0), first.start) * i128::from(first.price_micros);
        for seg in &self.segments {
            sum += span(seg.start, seg.end) * i128::from(seg.price_micros);
        }
        sum += span(last.end, Hour(u32::MAX)) * i128::from(last.price_micros);
        i64::try_from(sum / i128::from(w.hours().max(1))).ok()
    }

    /// The contract whose economics are `e`, marked over the hours it holds from
    /// `from` on, for the holder on `side`, every line at this curve.
    pub fn mark(&self, e: &Economics<'_>, from: Hour, side: Party) -> Result<Mark, Unmarked> {
        mark_lines(e, from, side, |_| Some(self))
    }

    /// Line `i` of `e` from `from` on at this curve: (GPU-hours, of them beyond the
    /// curve, their value at it, stretches used).
    fn line_value(&self, e: &Economics<'_>, i: usize, from: Hour) -> (u64, u64, i128, u32) {
        let (Some(first), Some(last), Some(held)) =
            (self.segments.first(), self.segments.last(), e.held(i))
        else {
            return (0, 0, 0, 0);
        };
        let gpus = u64::from(e.lines[i].gpus);
        let (lo, hi) = (held.start.max(from), held.end);
        let mut value: i128 = 0;
        let mut at = |s: Hour, t: Hour, price: i64| -> u64 {
            let h = u64::from(t.min(hi).0.saturating_sub(s.max(lo).0)) * gpus;
            value += i128::from(h) * i128::from(price);
            h
        };
        // Before the curve's first stretch, at its price; then each stretch; then after
        // the last, held flat.
        let mut hours = at(Hour(0), first.start, first.price_micros);
        let mut used = 0;
        let first_used = self.segments.partition_point(|s| s.end <= lo);
        for seg in &self.segments[first_used..] {
            if seg.start >= hi {
                break;
            }
            let h = at(seg.start, seg.end, seg.price_micros);
            hours += h;
            used += u32::from(h > 0);
        }
        let beyond = at(last.end, Hour(u32::MAX), last.price_micros);
        (hours + beyond, beyond, value, used)
    }
}

/// The contract whose economics are `e`, marked over the hours it holds from `from` on
/// for the holder on `side`, each line at the curve of its model (`curve_of(i)` for
/// line `i`): a contract of several models (a facility lease of H100, H200 and GB200
/// pools) is valued model by model. Lines whose model has no curve are left out, with
/// their share of the contract's value (in proportion to GPU-hours, rounded down):
/// `unmarked_gpu_hours` says how much; `NoCurve` if no line holding hours has one.
pub fn mark_lines<'c>(
    e: &Economics<'_>,
    from: Hour,
    side: Party,
    curve_of: impl Fn(usize) -> Option<&'c MarkCurve>,
) -> Result<Mark, Unmarked> {
    let mut m = Mark::default();
    let mut curve: i128 = 0;
    for i in 0..e.lines.len() {
        let Some(held) = e.held(i) else { continue };
        if held.end <= from {
            continue;
        }
        let Some(c) = curve_of(i) else {
            let hours = u64::from(held.end.0.saturating_sub(held.start.max(from).0));
            m.unmarked_gpu_hours += hours * u64::from(e.lines[i].gpus);
            continue;
        };
        let (hours, beyond, value, used) = c.line_value(e, i, from);
        m.gpu_hours += hours;
        m.beyond_curve_gpu_hours += beyond;
        m.segments_used = m.segments_used.max(used);
        curve += value;
    }
    if m.gpu_hours == 0 && m.unmarked_gpu_hours > 0 {
        return Err(Unmarked::NoCurve);
    }
    m.curve_value_micros = i64::try_from(curve).map_err(|_| Unmarked::Overflow)?;
    let whole = e.value_micros(from, e.ends).ok_or(Unmarked::Overflow)?;
    let all = m.gpu_hours + m.unmarked_gpu_hours;
    let share = i128::from(whole) * i128::from(m.gpu_hours) / i128::from(all.max(1));
    m.contract_value_micros = if m.unmarked_gpu_hours == 0 {
        whole
    } else {
        i64::try_from(share).map_err(|_| Unmarked::Overflow)?
    };
    m.pnl_micros = match side {
        Party::Buyer => m.curve_value_micros.checked_sub(m.contract_value_micros),
        Party::Seller => m.contract_value_micros.checked_sub(m.curve_value_micros),
    }
    .ok_or(Unmarked::Overflow)?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Pricing;
    use crate::economics::tests::line;

    fn curve() -> MarkCurve {
        // Weeks of 168 hours from hour 0 and 168 at $2 and $3; a month from 0 to 720 at
        // $4 (its first 336 hours are the weeks').
        MarkCurve::new(
            Hour(0),
            [
                (PeriodKind::Month, Hour(0), Hour(720), 4),
                (PeriodKind::Week, Hour(168), Hour(336), 3),
                (PeriodKind::Week, Hour(0), Hour(168), 2),
            ],
        )
        .unwrap()
    }

    #[test]
    fn weeks_come_first_and_months_from_the_last_weeks_end() {
        let c = curve();
        let spans: Vec<_> = c
            .segments
            .iter()
            .map(|s| (s.start.0, s.end.0, s.price_micros))
            .collect();
        assert_eq!(spans, [(0, 168, 2), (168, 336, 3), (336, 720, 4)]);
        assert_eq!(MarkCurve::new(Hour(0), []), None);
    }

    #[test]
    fn a_price_over_a_window_weighs_each_stretch_by_its_hours() {
        let c = curve();
        let w = |s, e| Window::new(Hour(s), Hour(e)).unwrap();
        assert_eq!(c.price_over(w(0, 168)), Some(2));
        // 18 hours at 2 and 2 at 3: 42 / 20, rounded down.
        assert_eq!(c.price_over(w(150, 170)), Some(2));
        assert_eq!(c.price_over(w(160, 176)), Some((8 * 2 + 8 * 3) / 16));
        // Beyond the last stretch, held flat.
        assert_eq!(c.price_over(w(900, 1_000)), Some(4));
    }

    #[test]
    fn a_contract_is_valued_stretch_by_stretch_and_flat_beyond() {
        // 10 GPUs over hours 100..800 at 3 per GPU-hour, marked from hour 150.
        let lines = [line(1, 10, 100, 800)];
        let e = Economics {
            lines: &lines,
            pricing: Pricing::PerGpuHour { price_micros: 3 },
            ends: Hour(800),
        };
        let m = curve().mark(&e, Hour(150), Party::Buyer).unwrap();
        let curve_value = 10 * (18 * 2 + 168 * 3 + 384 * 4 + 80 * 4);
        assert_eq!(m.gpu_hours, 10 * 650);
        assert_eq!(m.beyond_curve_gpu_hours, 10 * 80);
        assert_eq!(m.segments_used, 3);
        assert_eq!(m.curve_value_micros, curve_value);
        assert_eq!(m.contract_value_micros, 3 * 10 * 650);
        assert_eq!(m.pnl_micros, curve_value - 3 * 10 * 650);
        let s = curve().mark(&e, Hour(150), Party::Seller).unwrap();
        assert_eq!(s.pnl_micros, -m.pnl_micros);
        // Cut short by notice at hour 160: only its ten hours left.
        let cut = Economics {
            ends: Hour(160),
            ..e
        };
        let m = curve().mark(&cut, Hour(150), Party::Buyer).unwrap();
        assert_eq!(
            (m.gpu_hours, m.curve_value_micros, m.segments_used),
            (100, 200, 1)
        );
    }
}
