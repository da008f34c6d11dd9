//! Flexible-start search (`GET /v1/search`): the best starts of "G GPUs for H hours,
//! any start in a range" on the live book, computed by the engine on the sequencer's
//! state and changing nothing.

use super::hour_field;
use crate::extract::Q;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller, seq_problem};
use crate::views;
use axum::Json;
use axum::extract::State;
use megawatt_api::{PlannedFillView, SearchView, StartView};
use megawatt_engine::flex::{SearchSpec, StartPlan};
use megawatt_engine::ids::FacilityId;
use megawatt_engine::limits::MAX_SEARCH_RESULTS;
use megawatt_engine::units::Hour;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::IntoParams;

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// GPU model id, e.g. `h100-sxm`.
    pub model: String,
    /// GPUs wanted over the whole window.
    pub gpus: u32,
    /// Hours wanted.
    pub hours: u32,
    /// The earliest start, RFC 3339 on an hour after the current hour.
    pub start_from: String,
    /// The latest start (inclusive), at most 743 hours after `start_from`.
    pub start_until: String,
    /// Only from this region.
    pub region: Option<String>,
    /// Only from this facility, e.g. `fac-1`.
    pub facility: Option<String>,
    /// Every GPU from one pool (default true).
    pub colocate: Option<bool>,
    /// Only facilities at least this reliable over 30 days, basis points.
    #[param(maximum = 10000)]
    pub min_reliability_bps: Option<u16>,
    /// Highest price per GPU-hour in USD, e.g. `2.50` (default: any).
    pub max_price: Option<String>,
    /// How many starts, 1 to 20 (default 5).
    pub limit: Option<usize>,
}

fn spec_of(q: &SearchQuery) -> Result<SearchSpec, Problem> {
    let facility = q
        .facility
        .as_deref()
        .map(|raw| super::id_field(raw, FacilityId::PREFIX, "facility", FacilityId))
        .transpose()?;
    let limit_price_micros = match &q.max_price {
        None => None,
        Some(p) => Some(
            crate::parse::usd(p)
                .map_err(|e| Problem::invalid("max_price", format!("max_price: {e}")))?,
        ),
    };
    Ok(SearchSpec {
        model: q.model.clone(),
        region: q.region.clone(),
        facility,
        gpus: q.gpus,
        hours: q.hours,
        start_from: hour_field("start_from", &q.start_from)?,
        start_until: hour_field("start_until", &q.start_until)?,
        limit_price_micros,
        colocate: q.colocate.unwrap_or(true),
        min_reliability_bps: q.min_reliability_bps.unwrap_or(0),
    })
}

fn start_view(
    p: &StartPlan,
    regions: &BTreeMap<megawatt_engine::ids::PoolId, String>,
) -> StartView {
    StartView {
        start: p.window.start.to_string(),
        end: p.window.end.to_string(),
        cost: views::money(p.cost_micros),
        average_price: views::money(p.average_price_micros()),
        fills: p
            .fills
            .iter()
            .map(|f| PlannedFillView {
                pool: f.pool.to_string(),
                facility: f.facility.to_string(),
                region: regions.get(&f.pool).cloned().unwrap_or_default(),
                gpus: f.gpus,
                price: views::money(f.price_micros),
            })
            .collect(),
    }
}

/// The best starts (cheapest first, ties to the earliest) of G GPUs of a model for H
/// hours, any start from `start_from` to `start_until`, with their total cost, average
/// price per GPU-hour and where they would fill, from the live book: exactly what a
/// plain bid for each start's window would fill now (not counting your own asks).
/// Changes nothing; a flexible-start bid (`POST /v1/orders` with `start_until`) takes
/// the first.
#[utoipa::path(get, path = "/v1/search", tag = "market", params(SearchQuery),
    responses((status = 200, body = SearchView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn search(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<SearchQuery>,
) -> Result<Json<SearchView>, Problem> {
    let spec = spec_of(&q)?;
    let limit = q.limit.unwrap_or(5);
    if !(1..=MAX_SEARCH_RESULTS).contains(&limit) {
        let detail = format!("limit: {limit} is not from 1 to {MAX_SEARCH_RESULTS}");
        return Err(Problem::invalid("limit", detail));
    }
    let buyer = caller.id;
    let query = spec.clone();
    let found = state
        .seq
        .query(move |e| {
            let now = Hour::containing(crate::sequencer::now_ms().max(e.clock_ms()));
            e.search(buyer, &query, now, limit)
        })
        .await
        .map_err(seq_problem)?
        .map_err(|r| {
            Problem::rejection(r.rule.code(), r.field, &r.detail)
                .renamed(&[("limit_price_micros", "max_price")])
        })?;
    let pools = found
        .iter()
        .flat_map(|p| p.fills.iter().map(|f| f.pool))
        .collect();
    let regions = state.pool_regions(pools).await?;
    Ok(Json(SearchView {
        model: spec.model,
        gpus: spec.gpus,
        hours: spec.hours,
        start_from: spec.start_from.to_string(),
        start_until: spec.start_until.to_string(),
        starts: found.iter().map(|p| start_view(p, &regions)).collect(),
    }))
}
