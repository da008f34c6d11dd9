//! Facilities with their pools, and owners' reservations of pool capacity.

use super::{path_id, submit};
use crate::extract::{Body, IdemHeader};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller, seq_problem};
use crate::views::{FacilityView, PoolView, ReservationView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use megawatt_api::Page;
use megawatt_api::{CreateFacility, CreateReservation};
use megawatt_engine::Engine;
use megawatt_engine::command::{Command, PoolSpec};
use megawatt_engine::event::Event;
use megawatt_engine::ids::{FacilityId, PoolId, ReservationId};
use megawatt_engine::units::{Hour, Window};
use std::sync::Arc;

/// Builds a window from a start and either an end or a length.
pub fn window(start: &str, end: Option<&str>, hours: Option<u32>) -> Result<Window, Problem> {
    let start =
        crate::parse::hour(start).map_err(|e| Problem::invalid("start", format!("start: {e}")))?;
    let end = match (end, hours) {
        (Some(e), None) => {
            crate::parse::hour(e).map_err(|e| Problem::invalid("end", format!("end: {e}")))?
        }
        (None, Some(h)) => Hour(
            start
                .0
                .checked_add(h)
                .ok_or_else(|| Problem::invalid("hours", "hours: too many"))?,
        ),
        _ => return Err(Problem::invalid("end", "give exactly one of end and hours")),
    };
    Ok(Window { start, end })
}

fn view(
    e: &Engine,
    f: &megawatt_engine::entities::Facility,
    now: Hour,
    caller: Caller,
) -> FacilityView {
    let private = caller.operator || caller.id == f.owner;
    let horizon = Window {
        start: now,
        end: Hour(now.0.saturating_add(720)),
    };
    FacilityView {
        id: f.id.to_string(),
        owner: f.owner.to_string(),
        name: f.name.clone(),
        region: e.region_name(f.region).to_string(),
        power_kw: f.power_kw,
        pools: f
            .pools
            .iter()
            .filter_map(|p| e.pool(*p))
            .map(|p| PoolView {
                id: p.id.to_string(),
                model: e.model(p.model).id.clone(),
                gpus: p.gpus,
                peak_used_gpus_30d: private.then(|| p.used.max_over(horizon)),
            })
            .collect(),
        reliability_30d: crate::views::reliability(e.facility_reliability(f.id, e.last_tick())),
    }
}

fn now_hour() -> Hour {
    Hour::containing(crate::sequencer::now_ms())
}

/// Register a facility with its pools (provider).
#[utoipa::path(post, path = "/v1/facilities", tag = "facilities", request_body = CreateFacility,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = FacilityView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<CreateFacility>,
) -> Result<(StatusCode, Json<FacilityView>), Problem> {
    let b = &body.value;
    let cmd = Command::CreateFacility {
        name: b.name.clone(),
        region: b.region.clone(),
        power_kw: b.power_kw,
        pools: b
            .pools
            .iter()
            .map(|p| PoolSpec {
                model: p.model.clone(),
                gpus: p.gpus,
            })
            .collect(),
    };
    if crate::dry_run::active() {
        let now = now_hour();
        let v = crate::dry_run::simulate(&state, caller.id, cmd, move |e, ev| match ev.first() {
            Some(Event::FacilityCreated(f)) => e.facility(f.id).map(|f| view(e, f, now, caller)),
            _ => None,
        })
        .await?;
        let v = v.ok_or_else(|| Problem::unavailable("unexpected outcome"))?;
        return Ok((StatusCode::OK, Json(v)));
    }
    let events = submit(&state, caller, cmd, body.idem(idem)).await?;
    let Some(Event::FacilityCreated(f)) = events.first() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    let id = f.id;
    let v = state
        .seq
        .query(move |e| e.facility(id).map(|f| view(e, f, now_hour(), caller)))
        .await
        .map_err(seq_problem)?
        .ok_or_else(|| Problem::not_found("facility vanished"))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Every facility on the exchange, with its pools, by id, a page at a time (`after`,
/// `limit`).
#[utoipa::path(get, path = "/v1/facilities", tag = "facilities", params(super::AfterQuery),
    responses((status = 200, body = Page<FacilityView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    crate::extract::Q(q): crate::extract::Q<super::AfterQuery>,
) -> Result<Json<Page<FacilityView>>, Problem> {
    let (after, limit) = q.parse(FacilityId::PREFIX)?;
    let v = state
        .seq
        .query(move |e| {
            let now = now_hour();
            e.facilities()
                .filter(|f| f.id.0 > after)
                .take(limit + 1)
                .map(|f| (f.id.0, view(e, f, now, caller)))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(seq_problem)?;
    Ok(Json(super::after_page(v, limit, |n| {
        FacilityId(n).to_string()
    })))
}

/// One facility.
#[utoipa::path(get, path = "/v1/facilities/{id}", tag = "facilities",
    params(("id" = String, Path, description = "Facility id, e.g. fac-1")),
    responses((status = 200, body = FacilityView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<FacilityView>, Problem> {
    let id = FacilityId(path_id(&raw, FacilityId::PREFIX, "facility")?);
    state
        .seq
        .query(move |e| e.facility(id).map(|f| view(e, f, now_hour(), caller)))
        .await
        .map_err(seq_problem)?
        .map(Json)
        .ok_or_else(|| Problem::unknown("facility", format!("no facility {raw}")))
}

/// Reserve capacity of a pool you own (internal use, maintenance).
#[utoipa::path(post, path = "/v1/reservations", tag = "facilities", request_body = CreateReservation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = ReservationView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn reserve(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<CreateReservation>,
) -> Result<(StatusCode, Json<ReservationView>), Problem> {
    let b = &body.value;
    let pool = crate::parse::id(&b.pool, PoolId::PREFIX)
        .map(PoolId)
        .ok_or_else(|| {
            Problem::invalid(
                "pool",
                format!("pool: {:?} is not a pool id like pool-3", b.pool),
            )
        })?;
    let w = window(&b.start, b.end.as_deref(), b.hours)?;
    let cmd = Command::Reserve {
        pool,
        gpus: b.gpus,
        window: w,
    };
    let end = if b.end.is_some() { "end" } else { "hours" };
    let names = [
        ("window.start", "start"),
        ("window.end", end),
        ("window", "start"),
    ];
    let events = submit(&state, caller, cmd, body.idem(idem))
        .await
        .map_err(|p| p.renamed(&names))?;
    let Some(Event::Reserved(r)) = events.first() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    Ok((
        StatusCode::CREATED,
        Json(ReservationView {
            id: r.id.to_string(),
            pool: r.pool.to_string(),
            gpus: r.gpus,
            start: r.window.start.to_string(),
            end: r.window.end.to_string(),
        }),
    ))
}

/// Your live reservations (the operator sees all).
#[utoipa::path(get, path = "/v1/reservations", tag = "facilities",
    responses((status = 200, body = Page<ReservationView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn reservations(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Page<ReservationView>>, Problem> {
    let v = state
        .seq
        .query(move |e| {
            e.reservations()
                .filter(|r| caller.operator || r.owner == caller.id)
                .take(crate::limits::PAGE_ITEMS_MAX)
                .map(|r| ReservationView {
                    id: r.id.to_string(),
                    pool: r.pool.to_string(),
                    gpus: r.gpus,
                    start: r.window.start.to_string(),
                    end: r.window.end.to_string(),
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(seq_problem)?;
    Ok(Json(Page::whole(v)))
}

/// Give a reservation's capacity back.
#[utoipa::path(post, path = "/v1/reservations/{id}/release", tag = "facilities",
    params(("id" = String, Path, description = "Reservation id, e.g. res-1"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 204), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn release(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<super::Empty>,
) -> Result<StatusCode, Problem> {
    let id = ReservationId(path_id(&raw, ReservationId::PREFIX, "reservation")?);
    submit(
        &state,
        caller,
        Command::Release { reservation: id },
        body.idem(idem),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
