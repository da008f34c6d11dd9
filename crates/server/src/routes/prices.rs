//! The published prices (`GET /v1/index`, `GET /v1/curve`): what the ticks computed
//! and the store keeps, never recomputed here (docs/index-methodology.md).

use super::hour_field;
use crate::extract::Q;
use crate::limits::INDEX_TICKS_MAX;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views;
use axum::Json;
use axum::extract::State;
use megawatt_api::{CurvePointView, CurveView, IndexView};
use megawatt_engine::Rule;
use megawatt_engine::index::Span;
use megawatt_engine::units::Hour;
use megawatt_store::reader::{CurvePointRecord, IndexQuery};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Where the methodology is written down.
const METHODOLOGY: &str = "docs/index-methodology.md";

/// Which values of the index.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IndexQueryParams {
    /// GPU model id, e.g. `h100-sxm`.
    pub model: String,
    /// One region's series (default: every region's).
    pub region: Option<String>,
    /// `hour` (the default: every tick, over the trailing 24 hours) or `day` (each
    /// day's first tick, over the trailing 7 days).
    pub span: Option<String>,
    /// The first tick (default: 48 hours, or 30 days, before `to`).
    pub from: Option<String>,
    /// The end of the range (default: the hour after the market's clock, whether or not
    /// `from` is given), at most 2,000 hours (or days) after `from`.
    pub to: Option<String>,
}

/// The range of ticks asked for, checked.
async fn range(
    state: &AppState,
    q: &IndexQueryParams,
    span: Span,
) -> Result<(Hour, Hour), Problem> {
    let step = if span == Span::Hour { 1 } else { 24 };
    let given = |field: &str, raw: &Option<String>| {
        raw.as_deref().map(|v| hour_field(field, v)).transpose()
    };
    let (from, to) = (given("from", &q.from)?, given("to", &q.to)?);
    let to = match to {
        Some(to) => to,
        None => Hour(super::market_hour(state).0.saturating_add(1)),
    };
    let default_back = if span == Span::Hour { 48 } else { 30 * 24 };
    let from = from.unwrap_or(Hour(to.0.saturating_sub(default_back)));
    if to <= from {
        let detail = format!("the range ends at {to}, not after its start {from}");
        return Err(Problem::rule(Rule::WindowEmpty, "to", &detail));
    }
    let ticks = (to.0 - from.0).div_ceil(step);
    if ticks > INDEX_TICKS_MAX {
        let detail = format!("{ticks} ticks from {from} to {to}; at most {INDEX_TICKS_MAX}");
        return Err(Problem::rule(Rule::WindowTooLong, "to", &detail));
    }
    Ok((from, to))
}

/// The Megawatt index of a GPU model (of every region, or of one): per tick, the
/// GPU-hour-weighted price of the prompt prints of the trailing window after trimming
/// 5% of GPU-hours from each tail, published when at least 3 prints of 2 sellers and
/// 100 GPU-hours are behind it (else the value says why not). Computed by the engine
/// at the tick; each value names its methodology and the prints behind it.
#[utoipa::path(get, path = "/v1/index", tag = "market", params(IndexQueryParams),
    responses((status = 200, body = IndexView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn index(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    Q(q): Q<IndexQueryParams>,
) -> Result<Json<IndexView>, Problem> {
    super::market::known(&state, Some(&q.model), q.region.as_deref())?;
    let raw = q.span.as_deref().unwrap_or("hour");
    let span = Span::parse(raw)
        .ok_or_else(|| Problem::invalid("span", format!("span: {raw:?} is not hour or day")))?;
    let (from, to) = range(&state, &q, span).await?;
    let query = IndexQuery {
        model: q.model.clone(),
        region: q.region.clone(),
        span: span.as_str().into(),
        from,
        to,
    };
    let rows = state.read(move |r| r.index_values(&query)).await?;
    Ok(Json(IndexView {
        model: q.model,
        region: q.region,
        span: span.as_str().into(),
        from: from.to_string(),
        to: to.to_string(),
        methodology: METHODOLOGY.into(),
        values: rows.iter().map(views::index_record).collect(),
    }))
}

/// Which curve.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CurveQuery {
    /// GPU model id, e.g. `h100-sxm`.
    pub model: String,
    /// The curve in force at this time (default: now): the last one published at or
    /// before it.
    pub at: Option<String>,
}

fn point_view(p: &CurvePointRecord) -> CurvePointView {
    CurvePointView {
        period: p.kind.clone(),
        start: p.start.to_string(),
        end: p.end.to_string(),
        price: views::money(p.price_micros),
        source: p.source.clone(),
        prints: p.prints,
        gpu_hours: p.gpu_hours,
        best_bid: p.best_bid_micros.map(views::money),
        best_ask: p.best_ask_micros.map(views::money),
    }
}

/// The forward curve of a GPU model: a price for delivery in each week (the current
/// one and 26 more) and month (the current one and 6 more), each from the prints of
/// blocks delivering in it, else the book's best bid and ask for it, else interpolated
/// between its neighbours, with its source. Published by the engine at the ticks where
/// it changed; no points when the model has nothing to price it from.
#[utoipa::path(get, path = "/v1/curve", tag = "market", params(CurveQuery),
    responses((status = 200, body = CurveView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn curve(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    Q(q): Q<CurveQuery>,
) -> Result<Json<CurveView>, Problem> {
    super::market::known(&state, Some(&q.model), None)?;
    let at = match q.at.as_deref() {
        Some(raw) => hour_field("at", raw)?,
        None => super::market_hour(&state),
    };
    let model = q.model.clone();
    let found = state.read(move |r| r.curve(&model, at)).await?;
    Ok(Json(CurveView {
        model: q.model,
        at: found.as_ref().map(|c| c.at.to_string()),
        methodology_version: found.as_ref().map(|c| c.version),
        methodology: METHODOLOGY.into(),
        points: found.map_or_else(Vec::new, |c| c.points.iter().map(point_view).collect()),
    }))
}
