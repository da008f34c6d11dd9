//! The forward curve, methodology version 1 (docs/index-methodology.md): a price per
//! GPU model for delivery in each coming week and month, each point from the prints of
//! blocks delivering in its period, else from the book's best bid and ask for windows
//! in it, else interpolated between its neighbours. Vocabulary and the gap rule only;
//! `prices.rs` gathers what each period observed.

use crate::ids::ModelIdx;
use crate::units::{Hour, div_half_even};
use serde::{Deserialize, Serialize};

/// Weekly points: the current week and the 26 after it.
pub const CURVE_WEEKS: u32 = 27;
/// Monthly points: the current month and the 6 after it.
pub const CURVE_MONTHS: u32 = 7;
/// A period's prints give its point when there are at least this many of them.
pub const CURVE_MIN_PRINTS: u32 = 2;
/// The prints a point reads: those traded in the trailing 7 days.
pub const CURVE_WINDOW_HOURS: u32 = 168;

/// Weeks (from Monday 00:00 UTC) or calendar months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PeriodKind {
    /// Monday 00:00 UTC to the next.
    Week,
    /// The 1st 00:00 UTC to the next.
    Month,
}

impl PeriodKind {
    /// Both, in order.
    pub const ALL: [PeriodKind; 2] = [PeriodKind::Week, PeriodKind::Month];

    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
        }
    }

    /// The period of this kind containing `h`: (first hour, end).
    pub fn of(self, h: Hour) -> (Hour, Hour) {
        match self {
            PeriodKind::Week => {
                let start = h.week_start();
                (start, Hour(start.0.saturating_add(7 * 24)))
            }
            PeriodKind::Month => (h.month_start(), h.next_month_start()),
        }
    }

    /// The curve's periods of this kind as of `at`: the one containing it first.
    pub fn periods(self, at: Hour) -> Vec<(Hour, Hour)> {
        let count = match self {
            PeriodKind::Week => CURVE_WEEKS,
            PeriodKind::Month => CURVE_MONTHS,
        };
        let mut out = Vec::with_capacity(count as usize);
        let mut p = self.of(at);
        for _ in 0..count {
            out.push(p);
            p = self.of(p.1);
        }
        out
    }
}

/// Where a point's price comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// The trimmed GPU-hour-weighted mean of the period's prints.
    Prints,
    /// The book: the mid of the best bid and ask, or the one side there is.
    Book,
    /// Between the nearest points with a source, linearly; beyond the last (or before
    /// the first) held flat.
    Interpolated,
}

impl Source {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Prints => "prints",
            Source::Book => "book",
            Source::Interpolated => "interpolated",
        }
    }
}

/// What one period observed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// Trimmed mean of its prints, with their count and GPU-hours.
    pub prints: Option<(i64, u32, u64)>,
    /// Best resting bid for a window starting in it.
    pub best_bid_micros: Option<i64>,
    /// Best resting ask with GPUs free in it.
    pub best_ask_micros: Option<i64>,
}

impl Observed {
    /// Its own price and source, if it has one.
    fn own(&self) -> Option<(i64, Source)> {
        if let Some((price, n, _)) = self.prints
            && n >= CURVE_MIN_PRINTS
        {
            return Some((price, Source::Prints));
        }
        let book = match (self.best_bid_micros, self.best_ask_micros) {
            (Some(b), Some(a)) => div_half_even(i128::from(b) + i128::from(a), 2) as i64,
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => return None,
        };
        Some((book, Source::Book))
    }
}

/// One point of the curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Week or month.
    pub kind: PeriodKind,
    /// The period's first hour.
    pub start: Hour,
    /// The period's end.
    pub end: Hour,
    /// Price per GPU-hour, micro-USD.
    pub price_micros: i64,
    /// Where it comes from.
    pub source: Source,
    /// Prints of the period in the window (whatever the source).
    pub prints: u32,
    /// Their GPU-hours.
    pub gpu_hours: u64,
    /// The book's best bid for the period.
    pub best_bid_micros: Option<i64>,
    /// The book's best ask for the period.
    pub best_ask_micros: Option<i64>,
}

/// A model's curve as of a tick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Curve {
    /// GPU model.
    pub model: ModelIdx,
    /// The tick's hour.
    pub at: Hour,
    /// The methodology.
    pub version: u16,
    /// Weeks, then months; empty when the model has nothing to price from (a curve
    /// published before is withdrawn).
    pub points: Vec<CurvePoint>,
}

/// The points of one kind: each period's own price, gaps interpolated between the
/// nearest priced periods (by period count, rounded half to even) and held flat beyond
/// them. Empty when no period has a price of its own.
pub fn points(kind: PeriodKind, periods: &[(Hour, Hour)], seen: &[Observed]) -> Vec<CurvePoint> {
    debug_assert_eq!(periods.len(), seen.len());
    let own: Vec<Option<(i64, Source)>> = seen.iter().map(Observed::own).collect();
    let known: Vec<(usize, i64)> = own
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.map(|(p, _)| (i, p)))
        .collect();
    if known.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(periods.len());
    for (i, (&(start, end), obs)) in periods.iter().zip(seen).enumerate() {
        let (price_micros, source) =
            own[i].unwrap_or_else(|| (fill(&known, i), Source::Interpolated));
        let (prints, gpu_hours) = obs.prints.map_or((0, 0), |(_, n, gh)| (n, gh));
        out.push(CurvePoint {
            kind,
            start,
            end,
            price_micros,
            source,
            prints,
            gpu_hours,
            best_bid_micros: obs.best_bid_micros,
            best_ask_micros: obs.best_ask_micros,
        });
    }
    out
}

/// The price of gap `i` from the priced periods `known` (ascending, not empty).
fn fill(known: &[(usize, i64)], i: usize) -> i64 {
    let after = known.partition_point(|&(k, _)| k < i);
    match (after.checked_sub(1).map(|b| known[b]), known.get(after)) {
        (Some((a, pa)), Some(&(b, pb))) => {
            let step = i128::from(pb) - i128::from(pa);
            let offset = div_half_even(step * (i - a) as i128, (b - a) as i128);
            (i128::from(pa) + offset) as i64
        }
        (Some((_, p)), None) | (None, Some(&(_, p))) => p,
        (None, None) => unreachable!("known is not empty"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periods(n: u32) -> Vec<(Hour, Hour)> {
        (0..n)
            .map(|i| (Hour(i * 168), Hour((i + 1) * 168)))
            .collect()
    }

    #[test]
    fn each_point_says_its_source() {
        let seen = [
            Observed {
                prints: Some((2_000_000, 2, 100)),
                best_bid_micros: Some(1),
                best_ask_micros: None,
            },
            // One print is too few: the book prices it (the mid).
            Observed {
                prints: Some((9_000_000, 1, 10)),
                best_bid_micros: Some(2_100_000),
                best_ask_micros: Some(2_300_001),
            },
            Observed::default(),
            Observed {
                best_ask_micros: Some(2_600_000),
                ..Observed::default()
            },
        ];
        let p = points(PeriodKind::Week, &periods(4), &seen);
        let got: Vec<(i64, Source)> = p.iter().map(|p| (p.price_micros, p.source)).collect();
        assert_eq!(
            got,
            [
                (2_000_000, Source::Prints),
                (2_200_000, Source::Book),
                (2_400_000, Source::Interpolated),
                (2_600_000, Source::Book),
            ]
        );
        assert_eq!((p[1].prints, p[1].gpu_hours), (1, 10));
    }

    #[test]
    fn gaps_are_interpolated_inside_and_held_flat_outside() {
        let mut seen = [Observed::default(); 7];
        seen[2].best_ask_micros = Some(1_000_000);
        seen[5].best_ask_micros = Some(2_000_000);
        let p = points(PeriodKind::Week, &periods(7), &seen);
        let prices: Vec<i64> = p.iter().map(|p| p.price_micros).collect();
        assert_eq!(
            prices,
            [
                1_000_000, 1_000_000, 1_000_000, 1_333_333, 1_666_667, 2_000_000, 2_000_000
            ]
        );
        assert_eq!(p[0].source, Source::Interpolated);
        assert_eq!(p[6].source, Source::Interpolated);
        assert!(points(PeriodKind::Week, &periods(3), &[Observed::default(); 3]).is_empty());
    }

    #[test]
    fn periods_follow_the_calendar() {
        // 2027-01-04 (a Monday) 10:00 UTC.
        let at = Hour(499_392 + 10);
        let weeks = PeriodKind::Week.periods(at);
        assert_eq!(weeks.len(), CURVE_WEEKS as usize);
        assert_eq!(weeks[0], (Hour(499_392), Hour(499_392 + 168)));
        assert_eq!(weeks[26].1, Hour(499_392 + 27 * 168));
        let months = PeriodKind::Month.periods(at);
        assert_eq!(months[0].0, at.month_start());
        assert!(months.windows(2).all(|w| w[0].1 == w[1].0));
        assert_eq!(months.len(), CURVE_MONTHS as usize);
    }
}
