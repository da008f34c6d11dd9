//! Price discovery at the tick: from the trailing week's prints the engine keeps
//! ([`crate::market_data`]), each tick publishes the index values ([`crate::index`])
//! and each model's forward curve ([`crate::curve`]) once a methodology is in force
//! (`SetIndexMethodology`). The prints are kept from the first trade on, so a
//! methodology put in force later publishes over full windows at once.

use crate::curve::{self, Curve, Observed, PeriodKind};
use crate::engine::{Ctx, Engine, Role};
use crate::event::Event;
use crate::ids::{ModelIdx, TradeId};
use crate::index::{self, IndexValue, Ladder, Span};
use crate::market_data::SeriesKey;
use crate::order::Book;
use crate::reject::{Rejection, Rule, reject};
use crate::units::{Hour, Window};

/// The value of one series' ladder at `at`.
fn value_of(key: SeriesKey, ladder: &Ladder, at: (Hour, TradeId), version: u16) -> IndexValue {
    let (span, model, region) = key;
    IndexValue::of((model, region, span), at, version, ladder.volume(), || {
        ladder.trimmed_mean()
    })
}

impl Engine {
    /// At the tick of `hour` (after `last_tick`): ages the windows, then publishes the
    /// hourly values, the daily ones at a day's first tick, and every curve that changed.
    pub(crate) fn publish_prices(&mut self, hour: Hour, events: &mut Vec<Event>) {
        self.market.age(hour);
        let version = self.market.version;
        if version == 0 || hour <= self.last_tick {
            return;
        }
        let through = TradeId(self.ids.trade - 1);
        let new_day = hour.0 / 24 != self.last_tick.0 / 24;
        for (&key, ladder) in &self.market.ladders {
            if key.0 == Span::Hour || new_day {
                let v = value_of(key, ladder, (hour, through), version);
                events.push(Event::IndexPublished(v));
            }
        }
        for model in 0..self.books.len() {
            let model = ModelIdx(model as u16);
            let curve = self.curve_of(model, hour, version);
            let last = self.market.curves.get(&model);
            let changed = match last {
                Some(c) => c.points != curve.points || c.version != version,
                None => !curve.points.is_empty(),
            };
            if changed {
                events.push(Event::CurvePublished(curve.clone()));
                self.market.curves.insert(model, curve);
            }
        }
    }

    /// A model's curve as of `at`.
    fn curve_of(&self, model: ModelIdx, at: Hour, version: u16) -> Curve {
        let book = &self.books[usize::from(model.0)];
        let mut points = Vec::new();
        for kind in PeriodKind::ALL {
            let periods = kind.periods(at);
            let mut seen = book_sides(book, &periods, at);
            for (obs, &(start, _)) in seen.iter_mut().zip(&periods) {
                if let Some(l) = self.market.by_delivery.get(&(model, kind, start)) {
                    let (n, _, gh) = l.volume();
                    obs.prints = l.trimmed_mean().map(|p| (p, n, gh));
                }
            }
            points.extend(curve::points(kind, &periods, &seen));
        }
        Curve {
            model,
            at,
            version,
            points,
        }
    }

    /// Operator: puts index methodology `version` in force from this command on.
    pub(crate) fn set_index_methodology(
        &mut self,
        ctx: &Ctx,
        version: u16,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(
            Role::Operator,
            "only the operator sets the index methodology",
        )?;
        if version == 0 || version > index::METHODOLOGY_VERSION {
            return reject(
                Rule::OutOfRange,
                "version",
                format!(
                    "index methodology {version} is not one this engine knows (1 to {})",
                    index::METHODOLOGY_VERSION
                ),
            );
        }
        if version <= self.market.version {
            return reject(
                Rule::OutOfRange,
                "version",
                format!(
                    "index methodology {} is in force: a methodology is only ever replaced by a newer one",
                    self.market.version
                ),
            );
        }
        // Validated: now change.
        self.market.version = version;
        events.push(Event::IndexMethodologySet { version });
        Ok(())
    }

    /// The prompt prints of the trailing week (the daily windows').
    pub fn week_prompt_prints(&self) -> u64 {
        self.market.week_prompt_prints()
    }

    /// The index methodology in force (0: none, nothing published).
    pub fn index_methodology(&self) -> u16 {
        self.market.version
    }

    /// A model's last published curve.
    pub fn curve(&self, model: ModelIdx) -> Option<&Curve> {
        self.market.curves.get(&model)
    }
}

/// Each period's best bid (a resting bid whose window starts in it) and best ask (a
/// resting ask with GPUs free at some hour of it, not only of its window), as of `now`.
fn book_sides(book: &Book, periods: &[(Hour, Hour)], now: Hour) -> Vec<Observed> {
    let mut seen = vec![Observed::default(); periods.len()];
    let mut asks_missing = periods.len();
    for (price, _, e) in book.asks.iter() {
        if asks_missing == 0 {
            break;
        }
        if e.deadline <= now {
            continue;
        }
        let avail = &book.ask_avail[e.slot as usize];
        let first = periods.partition_point(|p| p.1 <= e.window.start);
        for (i, p) in periods.iter().enumerate().skip(first) {
            if p.0 >= e.window.end {
                break;
            }
            let overlap = Window {
                start: p.0.max(e.window.start),
                end: p.1.min(e.window.end),
            };
            if seen[i].best_ask_micros.is_none() && avail.max_over(overlap) > 0 {
                seen[i].best_ask_micros = Some(price);
                asks_missing -= 1;
            }
        }
    }
    for (key, _, e) in book.bids.iter() {
        if e.deadline <= now {
            continue;
        }
        let i = periods.partition_point(|p| p.1 <= e.window.start);
        if let Some(p) = periods.get(i)
            && p.0 <= e.window.start
            && seen[i].best_bid_micros.is_none()
        {
            seen[i].best_bid_micros = Some(-key);
        }
    }
    seen
}
