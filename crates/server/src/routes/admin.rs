//! Participants and the model catalog (operator), and `GET /v1/me`.

use super::submit;
use crate::extract::{Body, IdemHeader};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller, seq_problem};
use crate::views::{self, MeView, ModelView, ParticipantView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use megawatt_api::ClockView;
use megawatt_api::Page;
use megawatt_api::{ClockBody, CreateModel, CreateParticipant, RoleName};
use megawatt_engine::command::Command;
use megawatt_engine::entities::Roles;
use megawatt_engine::event::Event;
use megawatt_engine::ids::ParticipantId;
use std::sync::Arc;

fn require_operator(caller: Caller) -> Result<(), Problem> {
    if caller.operator {
        Ok(())
    } else {
        Err(Problem::forbidden("only the operator may do this"))
    }
}

/// Admit a participant (operator).
#[utoipa::path(post, path = "/v1/participants", tag = "participants", request_body = CreateParticipant,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = ParticipantView), (status = "4XX", body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn create_participant(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<CreateParticipant>,
) -> Result<(StatusCode, Json<ParticipantView>), Problem> {
    require_operator(caller)?;
    let b = &body.value;
    let roles = Roles {
        provider: b.roles.contains(&RoleName::Provider),
        buyer: b.roles.contains(&RoleName::Buyer),
        operator: b.roles.contains(&RoleName::Operator),
    };
    let cmd = Command::AdmitParticipant {
        name: b.name.clone(),
        roles,
    };
    let events = submit(&state, caller, cmd, body.idem(idem)).await?;
    let Some(Event::ParticipantCreated(p)) = events.first() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    Ok((StatusCode::CREATED, Json(views::participant(p))))
}

/// The exchange's directory: every participant's id, name and roles, by id, a page at a
/// time (`after`, `limit`). Names are public, as an exchange's member list is; who
/// traded with whom is not (the public tape has no parties).
#[utoipa::path(get, path = "/v1/participants", tag = "participants", params(super::AfterQuery),
    responses((status = 200, body = Page<ParticipantView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list_participants(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    crate::extract::Q(q): crate::extract::Q<super::AfterQuery>,
) -> Result<Json<Page<ParticipantView>>, Problem> {
    let (after, limit) = q.parse(ParticipantId::PREFIX)?;
    let list = state
        .seq
        .query(move |e| {
            e.participants()
                .filter(|p| p.id.0 > after)
                .take(limit + 1)
                .map(|p| (p.id.0, views::participant(p)))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(seq_problem)?;
    let page = super::after_page(list, limit, |n| ParticipantId(n).to_string());
    Ok(Json(page))
}

/// Who am I.
#[utoipa::path(get, path = "/v1/me", tag = "participants",
    responses((status = 200, body = MeView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn me(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<MeView>, Problem> {
    let p = state
        .seq
        .query(move |e| e.participant(caller.id).map(views::participant))
        .await
        .map_err(seq_problem)?
        .ok_or_else(|| Problem::unknown("participant", "no such participant"))?;
    Ok(Json(MeView { participant: p }))
}

/// The GPU model catalog.
#[utoipa::path(get, path = "/v1/models", tag = "models",
    responses((status = 200, body = Page<ModelView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list_models(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
) -> Result<Json<Page<ModelView>>, Problem> {
    let list = state
        .seq
        .query(|e| {
            e.models()
                .iter()
                .map(|m| ModelView {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    watts_per_gpu: m.watts_per_gpu,
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(seq_problem)?;
    Ok(Json(Page::whole(list)))
}

/// Add a GPU model (operator).
#[utoipa::path(post, path = "/v1/models", tag = "models", request_body = CreateModel,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = ModelView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn create_model(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<CreateModel>,
) -> Result<(StatusCode, Json<ModelView>), Problem> {
    let b = &body.value;
    let cmd = Command::AddModel {
        id: b.id.clone(),
        name: b.name.clone(),
        watts_per_gpu: b.watts_per_gpu,
    };
    submit(&state, caller, cmd, body.idem(idem)).await?;
    let view = ModelView {
        id: b.id.clone(),
        name: b.name.clone(),
        watts_per_gpu: b.watts_per_gpu,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Operator, on a server started with `--manual-clock` only: ticks the market to an
/// hour (later than real time if wanted): orders expire, contracts start and end, and
/// every month closed on the way is invoiced, as if the time had passed.
#[utoipa::path(post, path = "/v1/admin/clock", tag = "admin", request_body = ClockBody,
    responses((status = 200, body = ClockView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn clock(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body<ClockBody>,
) -> Result<Json<ClockView>, Problem> {
    // The role first: a participant learns nothing of the server's mode.
    require_operator(caller)?;
    if !state.manual_clock {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "clock_not_manual",
            "the clock follows real time; only a server started with --manual-clock can be ticked",
        )
        .field("hour"));
    }
    let hour = crate::parse::hour(&body.value.hour)
        .map_err(|e| Problem::invalid("hour", format!("hour: {e}")))?;
    let events = submit(&state, caller, Command::Tick { hour }, None).await?;
    Ok(Json(ClockView {
        hour: hour.to_string(),
        events: events.len(),
    }))
}
