//! The engine's record of the market's prints for price discovery: every print of the
//! trailing week, in trade order, aggregated into the index's [`Ladder`]s (per series,
//! and per delivery period for the curve) as prints enter and leave the windows, so a
//! tick reads only each ladder's tails. State and its bookkeeping only: `prices.rs`
//! publishes from it.

use crate::curve::{CURVE_WINDOW_HOURS, Curve, PeriodKind};
use crate::ids::{ModelIdx, RegionIdx};
use crate::index::{DAILY_WINDOW_HOURS, HOURLY_WINDOW_HOURS, Ladder, Print, Span};
use crate::units::Hour;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// The longest window anything reads: prints older than this leave.
const KEPT_HOURS: u32 = DAILY_WINDOW_HOURS;
const _: () = assert!(HOURLY_WINDOW_HOURS <= KEPT_HOURS && CURVE_WINDOW_HOURS == KEPT_HOURS);

/// The ladder of one series: span, model, and region (`None`: every region).
pub(crate) type SeriesKey = (Span, ModelIdx, Option<RegionIdx>);

/// The market's prints and what the index and curve keep of them. The prints are bounded
/// by the window: each is also a contract the engine keeps, and leaves here after
/// [`KEPT_HOURS`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketData {
    /// The methodology in force (0: nothing is published).
    pub(crate) version: u16,
    /// Prints of the trailing [`KEPT_HOURS`], in trade order.
    pub(crate) prints: VecDeque<Print>,
    /// How many of the newest prints are in the hourly window.
    in_hourly: usize,
    /// Prompt prints by series.
    pub(crate) ladders: BTreeMap<SeriesKey, Ladder>,
    /// Prints by the period their delivery starts in.
    pub(crate) by_delivery: BTreeMap<(ModelIdx, PeriodKind, Hour), Ladder>,
    /// Each model's last published curve.
    pub(crate) curves: BTreeMap<ModelIdx, Curve>,
}

impl MarketData {
    /// Records a new print in every window.
    pub(crate) fn record(&mut self, p: Print) {
        if p.is_prompt() {
            for span in Span::ALL {
                for region in [None, Some(p.region)] {
                    self.ladders
                        .entry((span, p.model, region))
                        .or_default()
                        .add(&p);
                }
            }
        }
        for kind in PeriodKind::ALL {
            let start = kind.of(p.window.start).0;
            self.by_delivery
                .entry((p.model, kind, start))
                .or_default()
                .add(&p);
        }
        self.prints.push_back(p);
        self.in_hourly += 1;
    }

    /// The invariants of the windows (`invariants::check`): prints in trade order, the
    /// hourly ones among them, and every ladder what its prints add up to, as if built
    /// afresh and aged at the last tick.
    pub(crate) fn check(&self, last_tick: Hour) -> Result<(), String> {
        let ordered = self.prints.iter().zip(self.prints.iter().skip(1));
        if !ordered
            .into_iter()
            .all(|(a, b)| a.trade < b.trade && a.time_ms <= b.time_ms)
        {
            return Err("the index's prints are not in trade order".into());
        }
        let mut rebuilt = MarketData {
            version: self.version,
            curves: self.curves.clone(),
            ..MarketData::default()
        };
        self.prints.iter().for_each(|p| rebuilt.record(*p));
        rebuilt.age(last_tick);
        if rebuilt != *self {
            return Err(format!(
                "the index's windows ({} prints, {} in the hourly window) differ from their prints'",
                self.prints.len(),
                self.in_hourly
            ));
        }
        Ok(())
    }

    /// Takes out of each window the prints that traded before its start as of `hour`.
    pub(crate) fn age(&mut self, hour: Hour) {
        let from = |hours: u32| Hour(hour.0.saturating_sub(hours)).start_ms();
        let hourly_from = from(HOURLY_WINDOW_HOURS);
        while self.in_hourly > 0 {
            let p = self.prints[self.prints.len() - self.in_hourly];
            if p.time_ms >= hourly_from {
                break;
            }
            if p.is_prompt() {
                for region in [None, Some(p.region)] {
                    unladder(&mut self.ladders, (Span::Hour, p.model, region), &p);
                }
            }
            self.in_hourly -= 1;
        }
        let kept_from = from(KEPT_HOURS);
        while let Some(&p) = self.prints.front() {
            if p.time_ms >= kept_from {
                break;
            }
            debug_assert!(self.prints.len() > self.in_hourly);
            if p.is_prompt() {
                for region in [None, Some(p.region)] {
                    unladder(&mut self.ladders, (Span::Day, p.model, region), &p);
                }
            }
            for kind in PeriodKind::ALL {
                let key = (p.model, kind, kind.of(p.window.start).0);
                let ladder = self.by_delivery.get_mut(&key).expect("a print's period");
                ladder.remove(&p);
                if ladder.is_empty() {
                    self.by_delivery.remove(&key);
                }
            }
            self.prints.pop_front();
        }
    }
}

/// Removes a print from the ladder of `key`, and the ladder once empty.
fn unladder(ladders: &mut BTreeMap<SeriesKey, Ladder>, key: SeriesKey, p: &Print) {
    let ladder = ladders.get_mut(&key).expect("a print's ladder");
    ladder.remove(p);
    if ladder.is_empty() {
        ladders.remove(&key);
    }
}
