//! The engine's record of the market's prints for price discovery: the prints of the
//! trailing week aggregated by trade hour into buckets of [`Ladder`]s (per index series,
//! and per delivery period for the curve), and the windows' ladders, kept as the sums of
//! their hours' buckets: a print is added at its fill, and an hour leaves a window as one
//! bucket, so a tick does work in price levels, never in prints. State and its
//! bookkeeping only: `prices.rs` publishes from it.

use crate::curve::{CURVE_WINDOW_HOURS, Curve, PeriodKind};
use crate::ids::{ModelIdx, RegionIdx};
use crate::index::{DAILY_WINDOW_HOURS, HOURLY_WINDOW_HOURS, Ladder, Print, Span};
use crate::units::Hour;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// The longest window anything reads: hours older than this leave.
const KEPT_HOURS: u32 = DAILY_WINDOW_HOURS;
const _: () = assert!(HOURLY_WINDOW_HOURS <= KEPT_HOURS && CURVE_WINDOW_HOURS == KEPT_HOURS);

/// The ladder of one series: span, model, and region (`None`: every region).
pub(crate) type SeriesKey = (Span, ModelIdx, Option<RegionIdx>);

/// The prints of one delivery period of a model.
pub(crate) type PeriodKey = (ModelIdx, PeriodKind, Hour);

/// The prints of one trade hour.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Bucket {
    /// Prompt prints by model and region (`None`: every region).
    series: BTreeMap<(ModelIdx, Option<RegionIdx>), Ladder>,
    /// Every print by the period its delivery starts in.
    delivery: BTreeMap<PeriodKey, Ladder>,
}

/// The market's prints and what the index and curve keep of them, bounded by the week:
/// at most [`KEPT_HOURS`] buckets, each of at most models x (regions + 1) + models x 2
/// ladders, of at most one level per distinct price.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketData {
    /// The methodology in force (0: nothing is published).
    pub(crate) version: u16,
    /// The buckets of the trade hours of the trailing [`KEPT_HOURS`] with prints, oldest
    /// first.
    hours: VecDeque<(Hour, Bucket)>,
    /// How many of the newest buckets are not yet in the windows (made since the last
    /// tick: a fill adds its print to its bucket only, the tick merges the bucket).
    unmerged: usize,
    /// How many of the newest merged buckets are in the hourly window.
    in_hourly: usize,
    /// Each series' window: the sum of its buckets.
    pub(crate) ladders: BTreeMap<SeriesKey, Ladder>,
    /// Each delivery period's prints of the week: the sum of the buckets.
    pub(crate) by_delivery: BTreeMap<PeriodKey, Ladder>,
    /// Each model's last published curve.
    pub(crate) curves: BTreeMap<ModelIdx, Curve>,
}

/// Adds `ladder` to the entry of `key`.
fn merge_into<K: Ord>(map: &mut BTreeMap<K, Ladder>, key: K, ladder: &Ladder) {
    map.entry(key).or_default().merge(ladder);
}

/// Takes `ladder` out of the entry of `key`, and the entry once empty.
fn subtract_from<K: Ord>(map: &mut BTreeMap<K, Ladder>, key: K, ladder: &Ladder) {
    let entry = map
        .get_mut(&key)
        .expect("a bucket's ladder is in its window");
    entry.subtract(ladder);
    if entry.is_empty() {
        map.remove(&key);
    }
}

impl MarketData {
    /// Records a new print (prints come in trade order) in its hour's bucket; the next
    /// tick merges the bucket into the windows. A print of an hour whose bucket a tick
    /// has merged already (a tick that came late in its hour) goes into the windows too.
    pub(crate) fn record(&mut self, p: Print) {
        let hour = Hour::containing(p.time_ms);
        if self.hours.back().is_none_or(|(h, _)| *h < hour) {
            self.hours.push_back((hour, Bucket::default()));
            self.unmerged += 1;
        }
        let merged = self.unmerged == 0;
        let (_, bucket) = self.hours.back_mut().expect("the print's hour");
        if p.is_prompt() {
            for region in [None, Some(p.region)] {
                bucket.series.entry((p.model, region)).or_default().add(&p);
                for span in Span::ALL.into_iter().filter(|_| merged) {
                    self.ladders
                        .entry((span, p.model, region))
                        .or_default()
                        .add(&p);
                }
            }
        }
        for kind in PeriodKind::ALL {
            let key = (p.model, kind, kind.of(p.window.start).0);
            bucket.delivery.entry(key).or_default().add(&p);
            if merged {
                self.by_delivery.entry(key).or_default().add(&p);
            }
        }
    }

    /// Adds the buckets made since the last tick to the windows.
    fn merge_new(&mut self) {
        let first = self.hours.len() - self.unmerged;
        for (_, bucket) in self.hours.iter().skip(first) {
            for (&(model, region), ladder) in &bucket.series {
                for span in Span::ALL {
                    merge_into(&mut self.ladders, (span, model, region), ladder);
                }
            }
            for (&key, ladder) in &bucket.delivery {
                merge_into(&mut self.by_delivery, key, ladder);
            }
        }
        self.in_hourly += self.unmerged;
        self.unmerged = 0;
    }

    /// At a tick: merges the new buckets, then takes out of each window the hours
    /// before its start as of `hour`.
    pub(crate) fn age(&mut self, hour: Hour) {
        self.merge_new();
        let from = |hours: u32| Hour(hour.0.saturating_sub(hours));
        let hourly_from = from(HOURLY_WINDOW_HOURS);
        while self.in_hourly > 0 {
            let (h, bucket) = &self.hours[self.hours.len() - self.in_hourly];
            if *h >= hourly_from {
                break;
            }
            for (&(model, region), ladder) in &bucket.series {
                subtract_from(&mut self.ladders, (Span::Hour, model, region), ladder);
            }
            self.in_hourly -= 1;
        }
        let kept_from = from(KEPT_HOURS);
        while self.hours.front().is_some_and(|(h, _)| *h < kept_from) {
            debug_assert!(self.hours.len() > self.in_hourly);
            let (_, bucket) = self.hours.pop_front().expect("an hour");
            for (&(model, region), ladder) in &bucket.series {
                subtract_from(&mut self.ladders, (Span::Day, model, region), ladder);
            }
            for (&key, ladder) in &bucket.delivery {
                subtract_from(&mut self.by_delivery, key, ladder);
            }
        }
    }

    /// Prints in the daily windows of every region (the week's prompt prints).
    pub fn week_prompt_prints(&self) -> u64 {
        let all = self
            .ladders
            .iter()
            .filter(|((s, _, r), _)| *s == Span::Day && r.is_none());
        all.map(|(_, l)| u64::from(l.volume().0)).sum()
    }

    /// The invariants of the windows (`invariants::check`): buckets in hour order, the
    /// merged ones within the week as of the last tick (the hourly ones within its 24
    /// hours, the newest merged), the unmerged ones after it; every window's ladder the
    /// sum of its merged buckets.
    pub(crate) fn check(&self, last_tick: Hour) -> Result<(), String> {
        let ordered = self.hours.iter().zip(self.hours.iter().skip(1));
        let n = self.hours.len();
        if !ordered.into_iter().all(|(a, b)| a.0 < b.0) || self.unmerged + self.in_hourly > n {
            return Err("the index's hours are not in order".into());
        }
        let merged = n - self.unmerged;
        let floor = |hours: u32| Hour(last_tick.0.saturating_sub(hours));
        for (i, (h, _)) in self.hours.iter().enumerate() {
            let late = i >= merged && *h < last_tick;
            let hourly = i < merged && i >= merged - self.in_hourly;
            let stale = i < merged
                && (*h < floor(KEPT_HOURS) || (hourly && *h < floor(HOURLY_WINDOW_HOURS)));
            if late || stale || (i < merged - self.in_hourly && *h >= floor(HOURLY_WINDOW_HOURS)) {
                return Err(format!("the index's bucket of {h} is out of its windows"));
            }
        }
        let mut rebuilt = MarketData {
            version: self.version,
            curves: self.curves.clone(),
            hours: self.hours.clone(),
            unmerged: self.unmerged,
            in_hourly: self.in_hourly,
            ..MarketData::default()
        };
        for (i, (_, bucket)) in self.hours.iter().enumerate().take(merged) {
            let hourly = i >= merged - self.in_hourly;
            for (&(model, region), ladder) in &bucket.series {
                merge_into(&mut rebuilt.ladders, (Span::Day, model, region), ladder);
                if hourly {
                    merge_into(&mut rebuilt.ladders, (Span::Hour, model, region), ladder);
                }
            }
            for (&key, ladder) in &bucket.delivery {
                merge_into(&mut rebuilt.by_delivery, key, ladder);
            }
        }
        if rebuilt != *self {
            return Err(format!(
                "the index's windows ({} hours, {} in the hourly window, {} not merged) are not the sums of their hours",
                n, self.in_hourly, self.unmerged
            ));
        }
        Ok(())
    }
}
