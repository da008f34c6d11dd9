//! The Megawatt index, methodology version 1 (docs/index-methodology.md): which prints
//! count, over which trailing window, the trimmed GPU-hour-weighted mean, and the
//! minimum-volume rule that decides whether a value is published. Vocabulary and pure
//! arithmetic only: the engine keeps the prints and their [`Ladder`]s (`prices.rs`), and
//! [`reference`] is the definition that the audit and the property tests recompute every
//! published value with, from the prints alone.

use crate::ids::{ModelIdx, ParticipantId, RegionIdx, TradeId};
use crate::units::{Hour, Window, div_half_even};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The newest methodology, the one `SetIndexMethodology` may put in force.
pub const METHODOLOGY_VERSION: u16 = 1;
/// The hourly index: prints of the trailing 24 hours.
pub const HOURLY_WINDOW_HOURS: u32 = 24;
/// The daily index: prints of the trailing 7 days, published at the day's first tick.
pub const DAILY_WINDOW_HOURS: u32 = 168;
/// A print counts for the index when its delivery starts within this many hours of the
/// hour it traded in (the prompt market; later deliveries are the forward curve's).
pub const PROMPT_HOURS: u32 = 168;
/// GPU-hours trimmed from each tail, basis points of the window's GPU-hours.
pub const TRIM_BPS: u64 = 500;
/// Fewest prints behind a published value.
pub const MIN_PRINTS: u32 = 3;
/// Fewest distinct sellers behind a published value.
pub const MIN_SELLERS: u32 = 2;
/// Fewest GPU-hours behind a published value.
pub const MIN_GPU_HOURS: u64 = 100;

/// One print of the tape, as the index and the curve read it: no buyer, no ids of
/// orders or contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Print {
    /// The trade.
    pub trade: TradeId,
    /// When it traded, ms since the epoch.
    pub time_ms: u64,
    /// GPU model.
    pub model: ModelIdx,
    /// The region of the pool it delivers from.
    pub region: RegionIdx,
    /// The seller (distinct sellers are counted, never shown).
    pub seller: ParticipantId,
    /// GPUs traded.
    pub gpus: u32,
    /// Delivery window.
    pub window: Window,
    /// Price per GPU-hour, micro-USD.
    pub price_micros: i64,
}

impl Print {
    /// GPUs x hours.
    pub fn gpu_hours(&self) -> u64 {
        u64::from(self.gpus) * u64::from(self.window.hours())
    }

    /// True when it counts for the index: delivery starts within [`PROMPT_HOURS`] of
    /// the hour it traded in.
    pub fn is_prompt(&self) -> bool {
        let traded = Hour::containing(self.time_ms).0;
        self.window.start.0 <= traded.saturating_add(PROMPT_HOURS)
    }
}

/// The index's two series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Span {
    /// Every tick: the trailing [`HOURLY_WINDOW_HOURS`].
    Hour,
    /// The first tick of each UTC day: the trailing [`DAILY_WINDOW_HOURS`].
    Day,
}

impl Span {
    /// Both, in order.
    pub const ALL: [Span; 2] = [Span::Hour, Span::Day];

    /// Its window, hours.
    pub fn window_hours(self) -> u32 {
        match self {
            Span::Hour => HOURLY_WINDOW_HOURS,
            Span::Day => DAILY_WINDOW_HOURS,
        }
    }

    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Hour => "hour",
            Span::Day => "day",
        }
    }

    /// The span named `s`.
    pub fn parse(s: &str) -> Option<Span> {
        Span::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Why a value was not published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unpublished {
    /// Fewer than [`MIN_PRINTS`] prints.
    TooFewPrints,
    /// Fewer than [`MIN_SELLERS`] sellers.
    TooFewSellers,
    /// Fewer than [`MIN_GPU_HOURS`] GPU-hours.
    TooLittleVolume,
}

impl Unpublished {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Unpublished::TooFewPrints => "too_few_prints",
            Unpublished::TooFewSellers => "too_few_sellers",
            Unpublished::TooLittleVolume => "too_little_volume",
        }
    }

    /// The rule, for people.
    pub fn meaning(self) -> String {
        match self {
            Unpublished::TooFewPrints => format!("fewer than {MIN_PRINTS} prints in the window"),
            Unpublished::TooFewSellers => {
                format!("fewer than {MIN_SELLERS} sellers in the window")
            }
            Unpublished::TooLittleVolume => {
                format!("fewer than {MIN_GPU_HOURS} GPU-hours in the window")
            }
        }
    }
}

/// One value of the index: a model's (or a model's in one region), at a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexValue {
    /// GPU model.
    pub model: ModelIdx,
    /// The region, or `None` for every region.
    pub region: Option<RegionIdx>,
    /// Which series.
    pub span: Span,
    /// The tick's hour: the window is the prints traded from `at - window` on.
    pub at: Hour,
    /// The methodology it was computed by.
    pub version: u16,
    /// The value, micro-USD per GPU-hour, when published.
    pub price_micros: Option<i64>,
    /// Why it was not published.
    pub unpublished: Option<Unpublished>,
    /// Prints in the window.
    pub prints: u32,
    /// Their GPU-hours.
    pub gpu_hours: u64,
    /// Their distinct sellers.
    pub sellers: u32,
    /// The newest trade the window could hold: every trade made before the tick.
    pub through_trade: TradeId,
}

impl IndexValue {
    /// The value of series `key` at tick `at` whose window holds `volume` (prints,
    /// distinct sellers, GPU-hours): published, with the trimmed mean `mean` gives, when
    /// the minimum volume is met; else withheld, saying why.
    pub fn of(
        key: (ModelIdx, Option<RegionIdx>, Span),
        (at, through_trade): (Hour, TradeId),
        version: u16,
        (prints, sellers, gpu_hours): (u32, u32, u64),
        mean: impl FnOnce() -> Option<i64>,
    ) -> IndexValue {
        let (model, region, span) = key;
        let unpublished = volume_rule(prints, sellers, gpu_hours);
        IndexValue {
            model,
            region,
            span,
            at,
            version,
            price_micros: if unpublished.is_none() { mean() } else { None },
            unpublished,
            prints,
            gpu_hours,
            sellers,
            through_trade,
        }
    }
}

/// The minimum-volume rule: why a window of `prints` prints, `sellers` sellers and
/// `gpu_hours` GPU-hours is not published, if it is not.
pub fn volume_rule(prints: u32, sellers: u32, gpu_hours: u64) -> Option<Unpublished> {
    if prints < MIN_PRINTS {
        Some(Unpublished::TooFewPrints)
    } else if sellers < MIN_SELLERS {
        Some(Unpublished::TooFewSellers)
    } else if gpu_hours < MIN_GPU_HOURS {
        Some(Unpublished::TooLittleVolume)
    } else {
        None
    }
}

/// GPU-hours trimmed from each tail of a window of `gpu_hours`.
pub fn trim_of(gpu_hours: u64) -> u64 {
    gpu_hours.saturating_mul(TRIM_BPS) / 10_000
}

/// Price x GPU-hours of the first `trim` GPU-hours of `levels` (price, GPU-hours).
fn tail_micros<'a>(levels: impl Iterator<Item = (&'a i64, &'a u64)>, trim: u64) -> i128 {
    let (mut left, mut sum) = (trim, 0i128);
    for (&price, &gh) in levels {
        if left == 0 {
            break;
        }
        let take = gh.min(left);
        sum += i128::from(price) * i128::from(take);
        left -= take;
    }
    sum
}

/// Prints aggregated by price: what the trimmed mean needs, kept as prints enter and
/// leave a window, so a tick reads only the tails.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ladder {
    /// GPU-hours by price.
    levels: BTreeMap<i64, u64>,
    /// Sum of price x GPU-hours.
    sum_micros: i128,
    gpu_hours: u64,
    prints: u32,
    /// Prints by seller.
    sellers: BTreeMap<ParticipantId, u32>,
}

impl Ladder {
    /// Adds a print.
    pub fn add(&mut self, p: &Print) {
        let gh = p.gpu_hours();
        *self.levels.entry(p.price_micros).or_default() += gh;
        self.sum_micros += i128::from(p.price_micros) * i128::from(gh);
        self.gpu_hours += gh;
        self.prints += 1;
        *self.sellers.entry(p.seller).or_default() += 1;
    }

    /// Adds every print of `other`.
    pub fn merge(&mut self, other: &Ladder) {
        for (&price, &gh) in &other.levels {
            *self.levels.entry(price).or_default() += gh;
        }
        for (&seller, &n) in &other.sellers {
            *self.sellers.entry(seller).or_default() += n;
        }
        self.sum_micros += other.sum_micros;
        self.gpu_hours += other.gpu_hours;
        self.prints += other.prints;
    }

    /// Takes out every print of `other`, added before.
    pub fn subtract(&mut self, other: &Ladder) {
        for (&price, &gh) in &other.levels {
            let level = self.levels.get_mut(&price).expect("prints added before");
            *level -= gh;
            if *level == 0 {
                self.levels.remove(&price);
            }
        }
        for (&seller, &n) in &other.sellers {
            let count = self
                .sellers
                .get_mut(&seller)
                .expect("a seller added before");
            *count -= n;
            if *count == 0 {
                self.sellers.remove(&seller);
            }
        }
        self.sum_micros -= other.sum_micros;
        self.gpu_hours -= other.gpu_hours;
        self.prints -= other.prints;
    }

    /// True when it holds no print.
    pub fn is_empty(&self) -> bool {
        self.prints == 0
    }

    /// (prints, distinct sellers, GPU-hours).
    pub fn volume(&self) -> (u32, u32, u64) {
        (self.prints, self.sellers.len() as u32, self.gpu_hours)
    }

    /// The GPU-hour-weighted mean price after trimming [`trim_of`] GPU-hours from each
    /// tail, rounded half to even; `None` when empty.
    pub fn trimmed_mean(&self) -> Option<i64> {
        if self.gpu_hours == 0 {
            return None;
        }
        let trim = trim_of(self.gpu_hours);
        let low = tail_micros(self.levels.iter(), trim);
        let high = tail_micros(self.levels.iter().rev(), trim);
        let kept = self.gpu_hours - 2 * trim;
        let mean = div_half_even(self.sum_micros - low - high, i128::from(kept));
        Some(i64::try_from(mean).expect("a mean of prices is a price"))
    }
}

/// The value of one window, recomputed from scratch: the prints of `model` (in
/// `region` if given) with trade ids up to `through`, traded at or after the start of
/// hour `at - span's window`, that count for the index. The definition every published
/// value must equal (the engine's [`Ladder`]s are its fast path).
pub fn reference(
    prints: &[Print],
    key: (ModelIdx, Option<RegionIdx>, Span),
    at: Hour,
    through: TradeId,
    version: u16,
) -> IndexValue {
    let (model, region, span) = key;
    let from_ms = Hour(at.0.saturating_sub(span.window_hours())).start_ms();
    let mut kept: Vec<(i64, u64)> = Vec::new();
    let mut sellers = BTreeSet::new();
    for p in prints {
        let in_window = p.trade <= through && p.time_ms >= from_ms;
        if in_window && p.model == model && region.is_none_or(|r| r == p.region) && p.is_prompt() {
            kept.push((p.price_micros, p.gpu_hours()));
            sellers.insert(p.seller);
        }
    }
    kept.sort_unstable();
    let gpu_hours: u64 = kept.iter().map(|k| k.1).sum();
    let volume = (kept.len() as u32, sellers.len() as u32, gpu_hours);
    IndexValue::of(key, (at, through), version, volume, || {
        let trim = trim_of(gpu_hours);
        let all: i128 = kept
            .iter()
            .map(|&(p, g)| i128::from(p) * i128::from(g))
            .sum();
        let low = tail_micros(kept.iter().map(|(p, g)| (p, g)), trim);
        let high = tail_micros(kept.iter().rev().map(|(p, g)| (p, g)), trim);
        let mean = div_half_even(all - low - high, i128::from(gpu_hours - 2 * trim));
        Some(i64::try_from(mean).expect("a mean of prices is a price"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(trade: u64, seller: u64, gpus: u32, price: i64) -> Print {
        let start = Hour(1000);
        Print {
            trade: TradeId(trade),
            time_ms: Hour(999).start_ms(),
            model: ModelIdx(0),
            region: RegionIdx(0),
            seller: ParticipantId(seller),
            gpus,
            window: Window::new(start, Hour(1010)).unwrap(),
            price_micros: price,
        }
    }

    fn value(prints: &[Print]) -> IndexValue {
        reference(
            prints,
            (ModelIdx(0), None, Span::Hour),
            Hour(1000),
            TradeId(u64::MAX),
            1,
        )
    }

    #[test]
    fn the_tails_are_trimmed_by_gpu_hours() {
        // 10 prints of 10 GPUs x 10 h = 1,000 GPU-hours: 50 trimmed from each end, so
        // the 1 $ print (100 GPU-hours) keeps 50 and the 100 $ one keeps 50.
        let mut prints: Vec<Print> = (1..=8).map(|i| print(i, i % 2, 10, 2_000_000)).collect();
        prints.push(print(9, 3, 10, 1_000_000));
        prints.push(print(10, 4, 10, 100_000_000));
        let v = value(&prints);
        // (800 x 2 + 50 x 1 + 50 x 100) / 900 = 7.388888.. $, rounded to the micro-dollar.
        let expected = 7_388_889;
        assert_eq!(v.price_micros, Some(expected));
        assert_eq!((v.prints, v.sellers, v.gpu_hours), (10, 4, 1000));
        let mut ladder = Ladder::default();
        prints.iter().for_each(|p| ladder.add(p));
        assert_eq!(ladder.trimmed_mean(), Some(expected));
    }

    #[test]
    fn the_minimum_volume_rule_withholds_thin_windows() {
        let two = [print(1, 1, 10, 2_000_000), print(2, 2, 10, 2_000_000)];
        assert_eq!(value(&two).unpublished, Some(Unpublished::TooFewPrints));
        assert_eq!(value(&two).price_micros, None);
        let one_seller: Vec<Print> = (1..=3).map(|i| print(i, 7, 10, 2_000_000)).collect();
        assert_eq!(
            value(&one_seller).unpublished,
            Some(Unpublished::TooFewSellers)
        );
        // 3 prints of 1 GPU x 10 h = 30 GPU-hours.
        let small: Vec<Print> = (1..=3).map(|i| print(i, i, 1, 2_000_000)).collect();
        assert_eq!(
            value(&small).unpublished,
            Some(Unpublished::TooLittleVolume)
        );
        assert_eq!(value(&[]).prints, 0);
    }

    #[test]
    fn a_window_holds_only_its_prints() {
        let mut late = print(2, 2, 10, 9_000_000);
        late.window = Window::new(Hour(2000), Hour(2010)).unwrap();
        let mut old = print(3, 3, 10, 9_000_000);
        old.time_ms = Hour(970).start_ms();
        let after = print(4, 4, 10, 9_000_000);
        let prints = [print(1, 1, 10, 2_000_000), late, old, after];
        let v = reference(
            &prints,
            (ModelIdx(0), None, Span::Hour),
            Hour(1000),
            TradeId(3),
            1,
        );
        // Not prompt, older than 24 h, after the tick: only the first print counts.
        assert_eq!((v.prints, v.gpu_hours), (1, 100));
    }

    #[test]
    fn a_ladder_forgets_what_leaves_it() {
        let (a, b) = (print(1, 1, 10, 2_000_000), print(2, 2, 20, 3_000_000));
        let (mut only_a, mut only_b) = (Ladder::default(), Ladder::default());
        only_a.add(&a);
        only_b.add(&b);
        let mut ladder = only_a.clone();
        ladder.merge(&only_b);
        ladder.subtract(&only_a);
        assert_eq!(ladder, only_b);
        ladder.subtract(&only_b);
        assert_eq!(ladder, Ladder::default());
    }
}
