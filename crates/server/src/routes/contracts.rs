//! Contracts: your own (the operator sees all); notice and termination for cause.

use super::{PageQuery, path_id, submit};
use crate::extract::{Body, IdemHeader, Q};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{self, ContractView, Page};
use axum::Json;
use axum::extract::{Path, State};
use megawatt_api::{CauseName, GiveNotice, Terminate};
use megawatt_engine::command::Command;
use megawatt_engine::contract::Cause;
use megawatt_engine::ids::ContractId;
use std::sync::Arc;

/// Your contracts, newest first.
#[utoipa::path(get, path = "/v1/contracts", tag = "contracts", params(PageQuery),
    responses((status = 200, body = Page<ContractView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<PageQuery>,
) -> Result<Json<Page<ContractView>>, Problem> {
    let (before, limit) = q.parse(ContractId::PREFIX)?;
    let scope = caller.scope();
    let page = state
        .read(move |r| r.contracts(scope, before, limit))
        .await?;
    // The remaining commitment is counted from the market's clock (a manual clock may
    // be ahead of real time), as a notice sent now would be.
    let now = super::market_hour(&state);
    Ok(super::page(
        &page,
        |c| views::contract(c, now),
        |n| ContractId(n).to_string(),
    ))
}

/// The record of contract `raw` if the caller is a party (or the operator); else not
/// found.
pub(crate) async fn party_contract(
    state: &Arc<AppState>,
    caller: Caller,
    raw: &str,
) -> Result<megawatt_engine::contract::ContractRecord, Problem> {
    let id = path_id(raw, ContractId::PREFIX, "contract")?;
    match state.read(move |r| r.contract(id)).await? {
        Some(c) if caller.operator || c.buyer == caller.id || c.seller == caller.id => Ok(c),
        _ => Err(Problem::unknown("contract", format!("no contract {raw}"))),
    }
}

/// The contract `raw` if the caller is a party (or the operator); else not found.
async fn visible(
    state: &Arc<AppState>,
    caller: Caller,
    raw: &str,
) -> Result<ContractView, Problem> {
    let c = party_contract(state, caller, raw).await?;
    Ok(views::contract(&c, super::market_hour(state)))
}

/// One of your contracts (anyone else's is not found), with its terms, notice or
/// termination, run-rate per year and remaining commitment.
#[utoipa::path(get, path = "/v1/contracts/{id}", tag = "contracts",
    params(("id" = String, Path, description = "Contract id, e.g. ctr-9")),
    responses((status = 200, body = ContractView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<ContractView>, Problem> {
    Ok(Json(visible(&state, caller, &raw).await?))
}

/// Give notice of termination for convenience under your notice period: the contract
/// ends at the first hour boundary after now plus your notice (never later than its
/// end), the capacity after that goes back at once, and the early-termination fee is
/// due from you. A party without a right of notice is refused (409
/// `no_right_of_notice`).
#[utoipa::path(post, path = "/v1/contracts/{id}/notice", tag = "contracts", request_body = GiveNotice,
    params(("id" = String, Path, description = "Contract id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = ContractView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn notice(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
    idem: IdemHeader,
    body: Body<GiveNotice>,
) -> Result<Json<ContractView>, Problem> {
    let id = path_id(&raw, ContractId::PREFIX, "contract")?;
    let cmd = Command::GiveNotice {
        contract: ContractId(id),
    };
    if crate::dry_run::active() {
        return tried(&state, caller, cmd, ContractId(id)).await;
    }
    submit(&state, caller, cmd, body.idem(idem)).await?;
    Ok(Json(visible(&state, caller, &raw).await?))
}

/// The engine's cause of a cause named in a request.
pub fn cause(c: CauseName) -> Cause {
    match c {
        CauseName::AcceptableUse => Cause::AcceptableUse,
        CauseName::NonPayment => Cause::NonPayment,
        CauseName::NonDelivery => Cause::NonDelivery,
    }
}

/// Terminate for one of the causes the contract allows, with a written reason: the
/// contract ends at the next hour boundary and its capacity after that goes back.
/// A cause the contract does not allow, or not for you, is refused (409
/// `cause_not_allowed`).
#[utoipa::path(post, path = "/v1/contracts/{id}/terminate", tag = "contracts", request_body = Terminate,
    params(("id" = String, Path, description = "Contract id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = ContractView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn terminate(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
    idem: IdemHeader,
    body: Body<Terminate>,
) -> Result<Json<ContractView>, Problem> {
    let id = path_id(&raw, ContractId::PREFIX, "contract")?;
    let idem = body.idem(idem);
    let cmd = Command::TerminateForCause {
        contract: ContractId(id),
        cause: cause(body.value.cause),
        reason: body.value.reason,
    };
    if crate::dry_run::active() {
        return tried(&state, caller, cmd, ContractId(id)).await;
    }
    submit(&state, caller, cmd, idem).await?;
    Ok(Json(visible(&state, caller, &raw).await?))
}

/// A dry run of notice or termination: the contract as it would be after `cmd`.
async fn tried(
    state: &AppState,
    caller: Caller,
    cmd: Command,
    id: ContractId,
) -> Result<Json<ContractView>, Problem> {
    let view = crate::dry_run::simulate(state, caller.id, cmd, move |e, _| {
        let now = megawatt_engine::units::Hour::containing(e.clock_ms());
        e.contract(id).map(|c| views::new_contract(c, now))
    })
    .await?;
    view.map(Json)
        .ok_or_else(|| Problem::unavailable("unexpected outcome"))
}
