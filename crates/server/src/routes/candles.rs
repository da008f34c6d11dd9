//! Candles of the tape (`GET /v1/candles`): a model's prints summed per hour or day,
//! of trade time or of delivery.

use super::hour_field;
use crate::extract::Q;
use crate::limits::CANDLES_MAX;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views;
use axum::Json;
use axum::extract::State;
use megawatt_api::{CandleView, CandlesView};
use megawatt_engine::Rule;
use megawatt_engine::units::Hour;
use megawatt_store::reader::{Candle, CandleQuery};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Which candles.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CandlesQuery {
    /// GPU model id, e.g. `h100-sxm`.
    pub model: String,
    /// Only prints from facilities in this region.
    pub region: Option<String>,
    /// `hour` or `day` (the default).
    pub interval: Option<String>,
    /// `trade` (by trade time, the default) or `delivery` (by the start of the prints'
    /// windows).
    pub by: Option<String>,
    /// The first interval's start (default: 30 intervals before `to` when it is given;
    /// else 29 intervals before the current one by trade time, the current one by
    /// delivery).
    pub from: Option<String>,
    /// The end of the range (default: 30 intervals after `from`), at most 2,000
    /// intervals after it; the last interval ends there.
    pub to: Option<String>,
}

/// The interval's hours, and whether by delivery, from the query's words.
fn shape(q: &CandlesQuery) -> Result<(u32, bool), Problem> {
    let step = match q.interval.as_deref().unwrap_or("day") {
        "day" => 24,
        "hour" => 1,
        raw => {
            let detail = format!("interval: {raw:?} is not hour or day");
            return Err(Problem::invalid("interval", detail));
        }
    };
    let by_delivery = match q.by.as_deref().unwrap_or("trade") {
        "trade" => false,
        "delivery" => true,
        raw => {
            let detail = format!("by: {raw:?} is not trade or delivery");
            return Err(Problem::invalid("by", detail));
        }
    };
    Ok((step, by_delivery))
}

/// The range of the query, checked: `from` before `to`, at most [`CANDLES_MAX`]
/// intervals.
fn range(
    q: &CandlesQuery,
    (step, by_delivery): (u32, bool),
    now: Hour,
) -> Result<(Hour, Hour), Problem> {
    let current = Hour(now.0 / step * step);
    let given = |field: &str, raw: &Option<String>| {
        raw.as_deref().map(|v| hour_field(field, v)).transpose()
    };
    let (from, to) = (given("from", &q.from)?, given("to", &q.to)?);
    let from = match (from, to) {
        (Some(from), _) => from,
        (None, Some(to)) => Hour(to.0.saturating_sub(30 * step)),
        (None, None) if by_delivery => current,
        (None, None) => Hour(current.0.saturating_sub(29 * step)),
    };
    let to = to.unwrap_or(Hour(from.0.saturating_add(30 * step)));
    if to <= from {
        let detail = format!("the range ends at {to}, not after its start {from}");
        return Err(Problem::rule(Rule::WindowEmpty, "to", &detail));
    }
    let intervals = (to.0 - from.0).div_ceil(step);
    if intervals > CANDLES_MAX {
        let detail = format!("{intervals} intervals from {from} to {to}; at most {CANDLES_MAX}");
        return Err(Problem::rule(Rule::WindowTooLong, "to", &detail));
    }
    Ok((from, to))
}

fn candle(c: &Candle, step: u32, to: Hour) -> CandleView {
    CandleView {
        start: c.start.to_string(),
        end: Hour(c.start.0.saturating_add(step)).min(to).to_string(),
        open: views::money(c.open_micros),
        high: views::money(c.high_micros),
        low: views::money(c.low_micros),
        close: views::money(c.close_micros),
        gpu_hours: c.gpu_hours,
        prints: c.prints,
    }
}

/// Candles of the public tape: a model's prints (optionally of a region) summed per
/// hour or day of trade time, or of delivery (the start of their windows): the first,
/// highest, lowest and last price, GPU-hours and prints. Intervals start at `from`;
/// those with no print are left out.
#[utoipa::path(get, path = "/v1/candles", tag = "market", params(CandlesQuery),
    responses((status = 200, body = CandlesView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn candles(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    Q(q): Q<CandlesQuery>,
) -> Result<Json<CandlesView>, Problem> {
    super::market::known(&state, Some(&q.model), q.region.as_deref())?;
    let (step, by_delivery) = shape(&q)?;
    // The market's clock (a manual clock may have moved it ahead of real time), when a
    // default needs it.
    let now = if q.from.is_none() && q.to.is_none() {
        super::market_hour(&state)
    } else {
        Hour::containing(crate::sequencer::now_ms())
    };
    let (from, to) = range(&q, (step, by_delivery), now)?;
    let query = CandleQuery {
        model: q.model.clone(),
        region: q.region.clone(),
        by_delivery,
        from,
        to,
        step_hours: step,
    };
    let rows = state.read(move |r| r.candles(&query)).await?;
    Ok(Json(CandlesView {
        model: q.model,
        region: q.region,
        interval: if step == 1 { "hour" } else { "day" }.into(),
        by: if by_delivery { "delivery" } else { "trade" }.into(),
        from: from.to_string(),
        to: to.to_string(),
        candles: rows.iter().map(|c| candle(c, step, to)).collect(),
    }))
}
