//! Dry runs: a request sent with `Dry-Run: true` is answered with what it would do: the
//! command is applied to a copy of the engine, on the sequencer thread between batches,
//! and the answer is made from that copy. Nothing is journaled, changed, published or
//! remembered for idempotency; the answer says `Dry-Run: true` and is `200`, never
//! `201`, since nothing was created. Ids in it are the ones the command would get.
//!
//! Creating an API key cannot be tried: a key is made outside the engine and shown
//! once, so a tried one would be a key that does not work. That route refuses a dry run
//! (`dry_run_unsupported`). Cancelling an RFQ and withdrawing a quote answer the
//! recorded RFQ or quote with the status the copy gives it.

use crate::problem::Problem;
use crate::state::{AppState, seq_problem};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use megawatt_engine::Engine;
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_engine::ids::ParticipantId;

/// The request header that asks for a dry run.
pub const HEADER: &str = "dry-run";

tokio::task_local! {
    static DRY_RUN: bool;
}

/// Dry runs in flight ([`crate::limits::DRY_RUNS_IN_FLIGHT_MAX`]).
static IN_FLIGHT: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(crate::limits::DRY_RUNS_IN_FLIGHT_MAX);

/// True while a dry-run request is being answered.
pub fn active() -> bool {
    DRY_RUN.try_with(|d| *d).unwrap_or(false)
}

/// The layer: reads `Dry-Run` (`true`/`false`, `1`/`0`), answers the request inside a
/// dry run when asked, and marks the answer.
pub async fn layer(req: Request, next: Next) -> Response {
    let on = match req.headers().get(HEADER).map(HeaderValue::to_str) {
        None | Some(Ok("false" | "0")) => false,
        Some(Ok("true" | "1")) => true,
        Some(_) => {
            return Problem::bad_request("Dry-Run must be true or false")
                .field("Dry-Run")
                .into_response();
        }
    };
    if !on {
        return next.run(req).await;
    }
    let mut resp = DRY_RUN.scope(true, next.run(req)).await;
    if resp.status() == StatusCode::CREATED {
        *resp.status_mut() = StatusCode::OK;
    }
    resp.headers_mut()
        .insert(HEADER, HeaderValue::from_static("true"));
    resp
}

/// Applies `command` from `actor` to a copy of the engine, as the sequencer would now,
/// and hands the copy and the events to `read`; a refusal is the same problem the
/// real command would get.
pub async fn simulate<R: Send + 'static>(
    state: &AppState,
    actor: ParticipantId,
    command: Command,
    read: impl FnOnce(&Engine, &[Event]) -> R + Send + 'static,
) -> Result<R, Problem> {
    let _permit = IN_FLIGHT
        .try_acquire()
        .map_err(|_| Problem::unavailable("too many dry runs at once; retry shortly"))?;
    let manual_clock = state.manual_clock;
    let outcome = state
        .seq
        .query(move |e| {
            let mut copy = e.clone();
            let envelope = crate::sequencer::envelope(e, manual_clock, actor, command, None);
            let mut events = Vec::new();
            copy.apply(&envelope, &mut events)
                .map(|()| read(&copy, &events))
        })
        .await
        .map_err(seq_problem)?;
    outcome.map_err(|r| Problem::engine(&r))
}

/// The refusal of a dry run by a route that cannot answer one; `what` names the action.
pub fn unsupported(what: &str) -> Result<(), Problem> {
    if !active() {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::BAD_REQUEST,
        "dry_run_unsupported",
        format!("Dry-Run: {what} cannot be tried without doing it; send it without Dry-Run"),
    )
    .field("Dry-Run"))
}
