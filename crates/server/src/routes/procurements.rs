//! Standing procurements: create, list, show (with the bids placed), pause, resume and
//! cancel. A procurement is visible to its buyer and the operator; anyone else is told
//! it does not exist. A live one shows where it stands before the next tick, from the
//! engine (`Engine::procurement_status`).

use super::{Empty, path_id, submit};
use crate::extract::{Body, IdemHeader, Q};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{self, Page, money};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use megawatt_api::{CreateProcurement, ProcurementDetail, ProcurementStanding, ProcurementView};
use megawatt_engine::command::{Command, ProcurementSpec};
use megawatt_engine::event::Event;
use megawatt_engine::ids::ProcurementId;
use megawatt_engine::procurement::ProcurementStatus;
use megawatt_store::reader::{ProcurementRecord, Scope};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Lookahead of a procurement that names none, hours.
const DEFAULT_LOOKAHEAD_HOURS: u32 = 24;
/// Most bids a procurement's answer lists.
const BIDS_SHOWN: usize = 100;

fn spec(b: &CreateProcurement) -> Result<ProcurementSpec, Problem> {
    let limit = super::price_of(&b.price, b.price_micros)?;
    Ok(ProcurementSpec {
        model: b.model.clone(),
        region: b.region.clone(),
        gpus: b.gpus,
        hours: b.hours,
        lookahead_hours: b.lookahead_hours.unwrap_or(DEFAULT_LOOKAHEAD_HOURS),
        block_hours: b.block_hours.unwrap_or(1),
        limit_price_micros: limit,
    })
}

fn scope(caller: Caller) -> Scope {
    if caller.operator {
        Scope::All
    } else {
        Scope::Party(caller.id)
    }
}

fn standing(s: ProcurementStatus) -> ProcurementStanding {
    ProcurementStanding {
        held_gpus: s.held_gpus,
        due_short_gpu_hours: s.due_short_gpu_hours,
        short_gpu_hours: s.short_gpu_hours,
        worst_case: money(s.worst_case_micros),
    }
}

fn view(r: &ProcurementRecord, status: Option<ProcurementStatus>) -> ProcurementView {
    ProcurementView {
        id: r.id.to_string(),
        owner: r.owner.to_string(),
        model: r.model.clone(),
        region: r.region.clone(),
        gpus: r.gpus,
        start: r.period.start.to_string(),
        end: r.period.end.to_string(),
        hours: r.period.hours(),
        lookahead_hours: r.lookahead_hours,
        block_hours: r.block_hours,
        price: money(r.limit_price_micros),
        status: r.status.clone(),
        bought_gpu_hours: r.bought_gpu_hours,
        standing: status.map(standing),
        created_ms: r.created_ms,
    }
}

/// The engine's standing of the live procurements `ids`.
async fn statuses(
    state: &AppState,
    ids: Vec<ProcurementId>,
) -> Result<Vec<Option<ProcurementStatus>>, Problem> {
    state
        .seq
        .query(move |e| ids.iter().map(|id| e.procurement_status(*id)).collect())
        .await
        .map_err(crate::state::seq_problem)
}

/// The procurement as the caller may see it, with its recent bids.
async fn detail(
    state: &Arc<AppState>,
    caller: Caller,
    id: u64,
    raw: &str,
) -> Result<ProcurementDetail, Problem> {
    let scope = scope(caller);
    let (row, bids) = state
        .read(move |r| {
            let row = r.procurement(scope, id)?;
            let bids = r.procurement_bids(id, None, BIDS_SHOWN)?;
            Ok((row, bids))
        })
        .await?;
    let Some(row) = row else {
        return Err(Problem::unknown(
            "procurement",
            format!("no procurement {raw}"),
        ));
    };
    let status = statuses(state, vec![row.id]).await?.pop().flatten();
    Ok(ProcurementDetail {
        procurement: view(&row, status),
        bids: bids.rows.iter().map(views::order).collect(),
    })
}

/// Create a standing procurement: from the next hour, keep `gpus` GPUs of `model` held
/// for `hours` hours, buying at each tick what is missing, at most `lookahead_hours`
/// ahead, in blocks of `block_hours`, at most `price` per GPU-hour, within your funds.
/// Refused (`insufficient_funds`, naming `price_micros`) when its worst case and your
/// other live procurements' pass your funds.
#[utoipa::path(post, path = "/v1/procurements", tag = "procurements", request_body = CreateProcurement,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = ProcurementDetail), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<CreateProcurement>,
) -> Result<(StatusCode, Json<ProcurementDetail>), Problem> {
    let cmd = Command::CreateProcurement(spec(&body.value)?);
    let names = [("limit_price_micros", price_field(&body.value))];
    let events = submit(&state, caller, cmd, body.idem(idem))
        .await
        .map_err(|p| p.renamed(&names))?;
    let Some(Event::ProcurementCreated(p)) = events.first() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    if crate::dry_run::active() {
        let names = state
            .seq
            .query(|e| e.names())
            .await
            .map_err(crate::state::seq_problem)?;
        let row = megawatt_store::reader::ProcurementRecord::of(&names, p);
        let detail = ProcurementDetail {
            procurement: view(&row, None),
            bids: Vec::new(),
        };
        return Ok((StatusCode::OK, Json(detail)));
    }
    let raw = p.id.to_string();
    Ok((
        StatusCode::CREATED,
        Json(detail(&state, caller, p.id.0, &raw).await?),
    ))
}

/// The request's name of the limit: `price` or `price_micros`, as given.
fn price_field(b: &CreateProcurement) -> &'static str {
    if b.price.is_some() {
        "price"
    } else {
        "price_micros"
    }
}

/// Filters of the procurement list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProcurementQuery {
    /// Only live (active or paused) procurements (default false).
    pub live: Option<bool>,
    /// Cursor from a previous page.
    pub before: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

/// Your procurements, newest first (the operator's: everyone's).
#[utoipa::path(get, path = "/v1/procurements", tag = "procurements", params(ProcurementQuery),
    responses((status = 200, body = Page<ProcurementView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<ProcurementQuery>,
) -> Result<Json<Page<ProcurementView>>, Problem> {
    let (before, limit) = super::paging(&q.before, q.limit, ProcurementId::PREFIX)?;
    let scope = scope(caller);
    let live = q.live.unwrap_or(false);
    let page = state
        .read(move |r| r.procurements(scope, live, before, limit))
        .await?;
    let ids = page.rows.iter().map(|r| r.id).collect();
    let status = statuses(&state, ids).await?;
    Ok(Json(Page {
        items: page
            .rows
            .iter()
            .zip(status)
            .map(|(r, s)| view(r, s))
            .collect(),
        next: page.next.map(|n| ProcurementId(n).to_string()),
    }))
}

/// One of your procurements, with its most recent bids.
#[utoipa::path(get, path = "/v1/procurements/{id}", tag = "procurements",
    params(("id" = String, Path, description = "Procurement id, e.g. prc-2")),
    responses((status = 200, body = ProcurementDetail), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<ProcurementDetail>, Problem> {
    let id = path_id(&raw, ProcurementId::PREFIX, "procurement")?;
    Ok(Json(detail(&state, caller, id, &raw).await?))
}

/// Submits a pause, resume or cancel and answers the procurement as it then stands.
async fn change(
    state: Arc<AppState>,
    caller: Caller,
    raw: String,
    idem: Option<crate::sequencer::Idem>,
    command: impl FnOnce(ProcurementId) -> Command,
) -> Result<Json<ProcurementDetail>, Problem> {
    let id = path_id(&raw, ProcurementId::PREFIX, "procurement")?;
    let events = submit(&state, caller, command(ProcurementId(id)), idem).await?;
    let mut d = detail(&state, caller, id, &raw).await?;
    if crate::dry_run::active() {
        // The store is as it was: the status is the one the events would give.
        for e in &events {
            d.procurement.status = match e {
                Event::ProcurementPaused { .. } => "paused".into(),
                Event::ProcurementResumed { .. } => "active".into(),
                Event::ProcurementEnded { reason, .. } => reason.as_str().into(),
                _ => continue,
            };
        }
    }
    Ok(Json(d))
}

/// Pause your procurement: ticks buy nothing for it until it is resumed.
#[utoipa::path(post, path = "/v1/procurements/{id}/pause", tag = "procurements", request_body = Empty,
    params(("id" = String, Path, description = "Procurement id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = ProcurementDetail), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn pause(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<Empty>,
) -> Result<Json<ProcurementDetail>, Problem> {
    let idem = body.idem(idem);
    change(state, caller, raw, idem, |procurement| {
        Command::PauseProcurement { procurement }
    })
    .await
}

/// Resume your paused procurement: it buys again from the next tick.
#[utoipa::path(post, path = "/v1/procurements/{id}/resume", tag = "procurements", request_body = Empty,
    params(("id" = String, Path, description = "Procurement id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = ProcurementDetail), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn resume(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<Empty>,
) -> Result<Json<ProcurementDetail>, Problem> {
    let idem = body.idem(idem);
    change(state, caller, raw, idem, |procurement| {
        Command::ResumeProcurement { procurement }
    })
    .await
}

/// Cancel your procurement: it ends; what it bought stays bought.
#[utoipa::path(post, path = "/v1/procurements/{id}/cancel", tag = "procurements", request_body = Empty,
    params(("id" = String, Path, description = "Procurement id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = ProcurementDetail), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<Empty>,
) -> Result<Json<ProcurementDetail>, Problem> {
    let idem = body.idem(idem);
    change(state, caller, raw, idem, |procurement| {
        Command::CancelProcurement { procurement }
    })
    .await
}
