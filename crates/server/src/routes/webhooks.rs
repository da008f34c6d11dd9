//! Webhooks: register endpoints for your account events, list and delete them, enable
//! one that was disabled, read its delivery log, redeliver an event. Deliveries
//! themselves are [`crate::webhooks`]'.

use super::PageQuery;
use crate::extract::Body;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{self, Page};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use megawatt_api::{
    ACCOUNT_EVENT_TYPES, CreateWebhook, EventType, Redeliver, Webhook, WebhookAttempt,
    WebhookCreated,
};
use megawatt_store::outbox::{AttemptRow, WebhookRow};
use std::sync::Arc;

/// An endpoint as shown (never its secret).
fn view(row: &WebhookRow) -> Webhook {
    Webhook {
        id: row.id.clone(),
        url: row.url.clone(),
        events: row.events.clone(),
        description: row.description.clone(),
        status: if row.state.enabled {
            "enabled"
        } else {
            "disabled"
        }
        .into(),
        disabled_reason: row.state.disabled_reason.clone(),
        failures: row.state.failures,
        cursor: cursor(row.state.cursor),
        created: views::instant(row.created_ms),
    }
}

/// A cursor as an event id (`17.2`, or `17` for "after all of 17").
fn cursor((seq, n): (u64, u32)) -> String {
    if n == u32::MAX {
        seq.to_string()
    } else {
        crate::feed::event_id((seq, n))
    }
}

/// An attempt as shown.
fn attempt(a: &AttemptRow) -> WebhookAttempt {
    WebhookAttempt {
        event: crate::feed::event_id(a.event),
        kind: a.kind.clone(),
        attempt: a.attempt,
        manual: a.manual,
        at: views::instant(a.at_ms),
        outcome: if a.delivered() { "delivered" } else { "failed" }.into(),
        status: a.status,
        error: a.error.clone(),
        duration_ms: a.duration_ms,
    }
}

/// The account event types a webhook can receive, with what each means.
#[utoipa::path(get, path = "/v1/webhooks/types", tag = "webhooks",
    responses((status = 200, body = Page<EventType>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn types(_caller: Caller) -> Json<Page<EventType>> {
    Json(megawatt_api::Page::whole(
        ACCOUNT_EVENT_TYPES
            .iter()
            .map(|(name, meaning)| EventType {
                name: (*name).into(),
                meaning: (*meaning).into(),
            })
            .collect(),
    ))
}

/// Register an endpoint: the server POSTs each of your events of the types named,
/// signed with the secret in the answer (shown only here), from the next command on.
/// See docs/webhooks.md for the payload, the signature and the retries.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = CreateWebhook,
    responses((status = 201, body = WebhookCreated), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body<CreateWebhook>,
) -> Result<(StatusCode, Json<WebhookCreated>), Problem> {
    crate::dry_run::unsupported("registering a webhook")?;
    let row = state.webhooks.create(caller.id, body.value).await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated {
            webhook: view(&row),
            secret: row.secret.clone(),
        }),
    ))
}

/// Your endpoints (at most 16, so in one page).
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Page<Webhook>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list(State(state): State<Arc<AppState>>, caller: Caller) -> Json<Page<Webhook>> {
    let rows = state.webhooks.list(caller.id);
    Json(megawatt_api::Page::whole(rows.iter().map(view).collect()))
}

/// One of your endpoints.
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id, e.g. wh-3f9c2a71d0b4e58a")),
    responses((status = 200, body = Webhook), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Webhook>, Problem> {
    Ok(Json(view(&state.webhooks.get(caller.id, &id)?)))
}

/// Delete one of your endpoints and its delivery log; deliveries to it stop.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    crate::dry_run::unsupported("deleting a webhook")?;
    state.webhooks.delete(caller.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable one of your endpoints again (after it was disabled by a run of failures):
/// its failures are forgotten and deliveries go on from its cursor.
#[utoipa::path(post, path = "/v1/webhooks/{id}/enable", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, body = Webhook), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn enable(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Webhook>, Problem> {
    crate::dry_run::unsupported("enabling a webhook")?;
    Ok(Json(view(&state.webhooks.enable(caller.id, &id).await?)))
}

/// One of your endpoints' delivery attempts, newest first: the event, the answer (or
/// the error), how long it took.
#[utoipa::path(get, path = "/v1/webhooks/{id}/attempts", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id"), PageQuery),
    responses((status = 200, body = Page<WebhookAttempt>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn attempts(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    crate::extract::Q(q): crate::extract::Q<PageQuery>,
) -> Result<Json<Page<WebhookAttempt>>, Problem> {
    let (before, limit) = q.parse("att")?;
    let page = state
        .webhooks
        .attempts(caller.id, &id, before, limit)
        .await?;
    Ok(super::page(&page, attempt, |n| format!("att-{n}")))
}

/// Deliver one of your logged events to one of your endpoints again, now, whatever its
/// status; the answer is the attempt (logged as manual; the cursor does not move).
#[utoipa::path(post, path = "/v1/webhooks/{id}/redeliver", tag = "webhooks", request_body = Redeliver,
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, body = WebhookAttempt), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn redeliver(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Body<Redeliver>,
) -> Result<Json<WebhookAttempt>, Problem> {
    crate::dry_run::unsupported("redelivering an event")?;
    let a = state
        .webhooks
        .redeliver(caller.id, &id, &body.value.event)
        .await?;
    Ok(Json(attempt(&a)))
}
