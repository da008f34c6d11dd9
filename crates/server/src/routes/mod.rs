//! The HTTP API under `/v1`: the router, and what every handler shares (submitting a
//! command and turning its outcome into events or a problem; pagination).

pub mod admin;
pub mod billing;
pub mod contracts;
pub mod facilities;
pub mod market;
pub mod money;
pub mod ops;
pub mod orders;
pub mod rfqs;

use crate::problem::Problem;
use crate::sequencer::Idem;
use crate::state::{AppState, Caller, seq_problem};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_store::Outcome;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Largest request body, bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Default page size.
pub const DEFAULT_PAGE: usize = 100;
/// Largest page size.
pub const MAX_PAGE: usize = 1_000;

/// The whole API.
pub fn router(state: Arc<AppState>) -> Router {
    let v1 = Router::new()
        .route(
            "/participants",
            post(admin::create_participant).get(admin::list_participants),
        )
        .route("/keys", post(admin::create_key))
        .route("/me", get(admin::me))
        .route("/models", get(admin::list_models).post(admin::create_model))
        .route(
            "/facilities",
            get(facilities::list).post(facilities::create),
        )
        .route("/facilities/{id}", get(facilities::show))
        .route(
            "/reservations",
            post(facilities::reserve).get(facilities::reservations),
        )
        .route("/reservations/{id}/release", post(facilities::release))
        .route("/orders", get(orders::list).post(orders::place))
        .route("/orders/{id}", get(orders::show))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/orders/{id}/reduce", post(orders::reduce))
        .route("/trades", get(market::trades))
        .route("/book", get(market::book))
        .route("/events", get(market::events))
        .route("/contracts", get(contracts::list))
        .route("/contracts/{id}", get(contracts::show))
        .route("/contracts/{id}/notice", post(contracts::notice))
        .route("/contracts/{id}/terminate", post(contracts::terminate))
        .route("/rfqs", get(rfqs::list).post(rfqs::create))
        .route("/rfqs/{id}", get(rfqs::show))
        .route("/rfqs/{id}/cancel", post(rfqs::cancel))
        .route("/rfqs/{id}/quotes", get(rfqs::quotes).post(rfqs::quote))
        .route("/quotes/{id}", get(rfqs::show_quote))
        .route("/quotes/{id}/accept", post(rfqs::accept))
        .route("/quotes/{id}/withdraw", post(rfqs::withdraw))
        .route("/balances", get(money::balance))
        .route("/transfers", get(money::transfers))
        .route("/admin/deposits", post(money::deposit))
        .route("/admin/withdrawals", post(money::withdraw))
        .route("/admin/credit-limits", post(money::credit_limit))
        .route("/fees", get(money::fees))
        .route("/invoices", get(billing::invoices))
        .route("/invoices/{id}", get(billing::show_invoice))
        .route("/billing/focus", get(billing::focus))
        .route("/admin/clock", post(admin::clock))
        .route("/admin/fees", post(money::set_fees))
        .route("/openapi.json", get(ops::openapi));
    Router::new()
        .nest("/v1", v1)
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::count,
        ))
        .with_state(state)
}

/// Submits a command for the caller; the events if accepted, the problem if not.
pub async fn submit(
    state: &AppState,
    caller: Caller,
    command: Command,
    idem: Option<Idem>,
) -> Result<Vec<Event>, Problem> {
    match state
        .seq
        .submit(caller.id, command, idem)
        .await
        .map_err(seq_problem)?
    {
        Outcome::Accepted { events, .. } => Ok(events),
        Outcome::Rejected {
            rule,
            field,
            detail,
        } => Err(Problem::rejection(&rule, &field, &detail)),
    }
}

/// Cursor pagination: `before` (an id from a previous page's `next`) and `limit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Return items older than this id (from the previous page's `next`).
    pub before: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

impl PageQuery {
    /// The cursor as a number and the page size, checked.
    pub fn parse(&self, prefix: &str) -> Result<(Option<u64>, usize), Problem> {
        let before = match &self.before {
            None => None,
            Some(s) => Some(crate::parse::id(s, prefix).ok_or_else(|| {
                Problem::invalid(
                    "before",
                    format!("before: {s:?} is not a cursor from a previous page"),
                )
            })?),
        };
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Problem::invalid(
                "limit",
                format!("limit: {limit} must be between 1 and {MAX_PAGE}"),
            ));
        }
        Ok((before, limit))
    }
}

/// An empty JSON object (the body of actions like cancel); any field is refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// Parses a path id like `ord-17`; a malformed one is simply not found.
pub fn path_id(raw: &str, prefix: &str, what: &str) -> Result<u64, Problem> {
    crate::parse::id(raw, prefix).ok_or_else(|| Problem::not_found(format!("no {what} {raw}")))
}
