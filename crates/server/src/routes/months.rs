//! When months close: how long after its end a month's usage reports stay open before
//! its close issues its invoices and credits (`GET /v1/month-close`,
//! `POST /v1/admin/month-close`).

use super::submit;
use crate::extract::{Body, IdemHeader};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use axum::Json;
use axum::extract::State;
use megawatt_api::{MonthCloseBody, MonthCloseView};
use megawatt_engine::Engine;
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_engine::units::Hour;
use std::sync::Arc;

/// The view of the engine's month close.
fn view(e: &Engine) -> MonthCloseView {
    let open = e.usage_open_from();
    let grace = u32::from(e.month_close_grace_hours());
    MonthCloseView {
        grace_hours: e.month_close_grace_hours(),
        open_from: open.to_string(),
        closes_at: Hour(open.next_month_start().0.saturating_add(grace)).to_string(),
    }
}

/// When months close: the grace after a month's end during which its reports are
/// still taken and corrected, the first hour still open, and when its month closes.
#[utoipa::path(get, path = "/v1/month-close", tag = "usage",
    responses((status = 200, body = MonthCloseView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn month_close(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
) -> Result<Json<MonthCloseView>, Problem> {
    let v = state
        .seq
        .query(view)
        .await
        .map_err(crate::state::seq_problem)?;
    Ok(Json(v))
}

/// Operator: how long after its end a month closes, 0 to 168 hours. A month already
/// past its new grace closes at the next tick.
#[utoipa::path(post, path = "/v1/admin/month-close", tag = "usage", request_body = MonthCloseBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = MonthCloseView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn set_month_close(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<MonthCloseBody>,
) -> Result<Json<MonthCloseView>, Problem> {
    let idem = body.idem(idem);
    let cmd = Command::SetMonthCloseGrace {
        hours: body.value.grace_hours,
    };
    if crate::dry_run::active() {
        let answer = |e: &Engine, _: &[Event]| view(e);
        return Ok(Json(
            crate::dry_run::simulate(&state, caller.id, cmd, answer).await?,
        ));
    }
    submit(&state, caller, cmd, idem).await?;
    month_close(State(state), caller).await
}
