//! The book's depth by delivery period (`GET /v1/depth`): the GPUs and GPU-hours
//! resting at each price for the windows that start in each week or month, so that a
//! cheap ask for next month does not pass for this week's (a plain ladder of prices
//! hides the windows).

use crate::extract::Q;
use crate::limits::DEPTH_LEVELS_MAX;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views;
use axum::Json;
use axum::extract::State;
use megawatt_api::{DepthLevelView, DepthView};
use megawatt_engine::order::Book;
use megawatt_engine::units::Hour;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::IntoParams;

/// Which depth.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DepthQuery {
    /// GPU model id, e.g. `h100-sxm`.
    pub model: String,
    /// The delivery period windows are grouped by: `week` (from Monday 00:00 UTC, the
    /// default) or `month`.
    pub by: Option<String>,
}

/// A delivery period: weeks or months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Period {
    Week,
    Month,
}

impl Period {
    fn parse(raw: Option<&str>) -> Option<Period> {
        match raw.unwrap_or("week") {
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The period containing `h`: its first hour and its end.
    fn of(self, h: Hour) -> (Hour, Hour) {
        match self {
            Period::Week => {
                let start = h.week_start();
                (start, Hour(start.0.saturating_add(7 * 24)))
            }
            Period::Month => (h.month_start(), h.next_month_start()),
        }
    }
}

/// Summed levels: (period start, price key) -> (period end, GPUs, GPU-hours, orders),
/// at most [`DEPTH_LEVELS_MAX`] of them, in key order.
type Levels = BTreeMap<(Hour, i64), (Hour, u64, u64, u32)>;

/// One side's levels as its orders are added, best price first: once the bound is
/// reached no level is started, and the walk ends at the first worse price.
#[derive(Default)]
struct Side {
    levels: Levels,
    /// The price key at which the bound was reached.
    full_at: Option<i64>,
}

impl Side {
    /// Adds an order of `gpus` over `hours` hours at `key`; false once the side is
    /// full and `key`'s price is past the last one kept (stop walking the book).
    fn add(&mut self, (key, end): ((Hour, i64), Hour), gpus: u64, hours: u32) -> bool {
        if self.full_at.is_some_and(|p| key.1 > p) {
            return false;
        }
        if self.full_at.is_some() && !self.levels.contains_key(&key) {
            return true;
        }
        let l = self.levels.entry(key).or_insert((end, 0, 0, 0));
        l.1 = l.1.saturating_add(gpus);
        l.2 = l.2.saturating_add(gpus.saturating_mul(u64::from(hours)));
        l.3 = l.3.saturating_add(1);
        if self.levels.len() >= DEPTH_LEVELS_MAX {
            self.full_at.get_or_insert(key.1);
        }
        true
    }
}

fn rows(levels: Levels, price: impl Fn(i64) -> i64) -> Vec<DepthLevelView> {
    levels
        .into_iter()
        .map(
            |((start, key), (end, gpus, gpu_hours, orders))| DepthLevelView {
                period_start: start.to_string(),
                period_end: end.to_string(),
                price: views::money(price(key)),
                gpus,
                gpu_hours,
                orders,
            },
        )
        .collect()
}

/// The depth of `book` by `period`: asks by the most GPUs still offered at any hour of
/// their windows, bids by the GPUs still wanted.
fn depth(model: String, book: &Book, period: Period) -> DepthView {
    let (mut asks, mut bids) = (Side::default(), Side::default());
    for (p, _, e) in book.asks.iter() {
        let gpus = u64::from(book.ask_avail[e.slot as usize].max_over(e.window));
        let (start, end) = period.of(e.window.start);
        if !asks.add(((start, p), end), gpus, e.window.hours()) {
            break;
        }
    }
    // Bids are kept by their negated price, so the highest comes first.
    for (p, _, e) in book.bids.iter() {
        let (start, end) = period.of(e.window.start);
        let gpus = u64::from(e.remaining_gpus);
        if !bids.add(((start, p), end), gpus, e.window.hours()) {
            break;
        }
    }
    DepthView {
        model,
        by: period.as_str().into(),
        truncated: asks.full_at.is_some() || bids.full_at.is_some(),
        asks: rows(asks.levels, |p| p),
        bids: rows(bids.levels, |p| -p),
    }
}

/// The book of a model by delivery period: for the windows starting in each week
/// (Monday 00:00 UTC) or month, the GPUs and GPU-hours resting at each price (public).
#[utoipa::path(get, path = "/v1/depth", tag = "market", params(DepthQuery),
    responses((status = 200, body = DepthView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn depth_by_period(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    Q(q): Q<DepthQuery>,
) -> Result<Json<DepthView>, Problem> {
    let period = Period::parse(q.by.as_deref()).ok_or_else(|| {
        let raw = q.by.clone().unwrap_or_default();
        Problem::invalid("by", format!("by: {raw:?} is not week or month"))
    })?;
    let view = move |_: &_, model, book: &Book| depth(model, book, period);
    super::market::on_book(&state, q.model, view)
        .await
        .map(Json)
}
