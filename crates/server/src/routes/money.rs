//! Money: balances and transfers (your own; the operator sees all), and the operator's
//! deposits, withdrawals and credit limits.

use super::submit;
use crate::extract::{Body, IdemHeader, Q};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller, seq_problem};
use crate::views::{self, Page};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use megawatt_api::{BalanceView, FeesView, TransferView};
use megawatt_api::{MoveMoney, SetCreditLimit};
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ParticipantId, TransferId};
use megawatt_engine::money::Account;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Whose balance.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BalanceQuery {
    /// Operator only: this participant (`p-3`), or the exchange's own accounts `fees`
    /// and `external` (default: you).
    pub participant: Option<String>,
}

/// Whose transfers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WhoQuery {
    /// Operator only: this participant (default: you).
    pub participant: Option<String>,
    /// Transfers: cursor from a previous page.
    pub before: Option<String>,
    /// Transfers: page size, 1 to 1000 (default 100).
    pub limit: Option<usize>,
    /// Transfers: from this time (RFC 3339 on an hour; default: the beginning).
    pub from: Option<String>,
    /// Transfers: until this time (exclusive; default: now and on).
    pub to: Option<String>,
}

/// The participant a query is about: the caller, or for the operator any participant.
pub(crate) fn who(caller: Caller, raw: &Option<String>) -> Result<ParticipantId, Problem> {
    match raw {
        None => Ok(caller.id),
        Some(_) if !caller.operator => Err(Problem::rule(
            megawatt_engine::Rule::NotPermitted,
            "participant",
            "only the operator sees other participants' money",
        )),
        Some(raw) => parse_participant(raw, "participant"),
    }
}

fn parse_participant(raw: &str, field: &'static str) -> Result<ParticipantId, Problem> {
    crate::parse::id(raw, ParticipantId::PREFIX)
        .map(ParticipantId)
        .ok_or_else(|| {
            Problem::invalid(
                field,
                format!("{field}: {raw:?} is not a participant id like p-3"),
            )
        })
}

/// Your balance and credit limit (the operator: any participant's, and the exchange's
/// own accounts: `participant=fees`, its fee revenue, and `participant=external`, the
/// money that came in from outside less what went out, below zero).
#[utoipa::path(get, path = "/v1/balances", tag = "money", params(BalanceQuery),
    responses((status = 200, body = BalanceView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn balance(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<BalanceQuery>,
) -> Result<Json<BalanceView>, Problem> {
    if let (true, Some(a @ (Account::Fees | Account::External))) = (
        caller.operator,
        q.participant.as_deref().and_then(Account::parse),
    ) {
        let micros = state
            .seq
            .query(move |e| e.balance(a))
            .await
            .map_err(seq_problem)?;
        return Ok(Json(views::account_balance(a, micros)));
    }
    let p = who(caller, &q.participant)?;
    let view = state
        .seq
        .query(move |e| {
            e.participant(p)?;
            Some(views::balance(p, &e.funds(p)))
        })
        .await
        .map_err(seq_problem)?;
    view.map(Json)
        .ok_or_else(|| Problem::unknown("participant", format!("no participant {p}")))
}

/// Transfers touching your account, newest first (the operator: anyone's, the
/// exchange's own `fees` or `external` account's, or all).
#[utoipa::path(get, path = "/v1/transfers", tag = "money", params(WhoQuery),
    responses((status = 200, body = Page<TransferView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn transfers(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<WhoQuery>,
) -> Result<Json<Page<TransferView>>, Problem> {
    let (before, limit) = super::paging(&q.before, q.limit, TransferId::PREFIX)?;
    let own = |raw: &str| matches!(Account::parse(raw), Some(Account::Fees | Account::External));
    let account = match (&q.participant, caller.operator) {
        (None, true) => None,
        (Some(raw), true) if own(raw) => Some(raw.clone()),
        _ => Some(who(caller, &q.participant)?.to_string()),
    };
    let bound = |raw: &Option<String>, field: &'static str, default: u64| match raw {
        None => Ok(default),
        Some(t) => crate::parse::hour(t)
            .map(|h| h.start_ms())
            .map_err(|e| Problem::invalid(field, format!("{field}: {e}"))),
    };
    let range = (
        bound(&q.from, "from", 0)?,
        bound(&q.to, "to", i64::MAX as u64)?,
    );
    let page = state
        .read(move |r| r.transfers(account, range, before, limit))
        .await?;
    Ok(super::page(&page, views::transfer, |n| {
        TransferId(n).to_string()
    }))
}

fn amount(b: &MoveMoney) -> Result<i64, Problem> {
    match (&b.amount, b.amount_micros) {
        (Some(a), None) => {
            crate::parse::usd(a).map_err(|e| Problem::invalid("amount", format!("amount: {e}")))
        }
        (None, Some(m)) => Ok(m),
        _ => Err(Problem::invalid(
            "amount",
            "give exactly one of amount (USD) and amount_micros",
        )),
    }
}

async fn move_money(
    state: &AppState,
    caller: Caller,
    idem: IdemHeader,
    body: Body<MoveMoney>,
    command: fn(ParticipantId, i64, String) -> Command,
) -> Result<(StatusCode, Json<TransferView>), Problem> {
    let b = &body.value;
    let cmd = command(
        parse_participant(&b.participant, "participant")?,
        amount(b)?,
        b.reference.clone(),
    );
    // The amount is named as the request gave it.
    let field = if b.amount.is_some() {
        "amount"
    } else {
        "amount_micros"
    };
    let events = submit(state, caller, cmd, body.idem(idem))
        .await
        .map_err(|p| p.renamed(&[("amount_micros", field)]))?;
    match events.first() {
        Some(Event::Transfer(t)) => Ok((StatusCode::CREATED, Json(views::transfer(t)))),
        _ => Err(Problem::unavailable("unexpected outcome")),
    }
}

/// Operator: record money a participant paid in.
#[utoipa::path(post, path = "/v1/admin/deposits", tag = "money", request_body = MoveMoney,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = TransferView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn deposit(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<MoveMoney>,
) -> Result<(StatusCode, Json<TransferView>), Problem> {
    let command = |participant, amount_micros, reference| Command::Deposit {
        participant,
        amount_micros,
        reference,
    };
    move_money(&state, caller, idem, body, command).await
}

/// Operator: record money a participant takes out (at most its balance; credit does not
/// count).
#[utoipa::path(post, path = "/v1/admin/withdrawals", tag = "money", request_body = MoveMoney,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = TransferView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<MoveMoney>,
) -> Result<(StatusCode, Json<TransferView>), Problem> {
    let command = |participant, amount_micros, reference| Command::Withdraw {
        participant,
        amount_micros,
        reference,
    };
    move_money(&state, caller, idem, body, command).await
}

/// Operator: set how far a participant's balance may go below zero.
#[utoipa::path(post, path = "/v1/admin/credit-limits", tag = "money", request_body = SetCreditLimit,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = BalanceView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn credit_limit(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<SetCreditLimit>,
) -> Result<Json<BalanceView>, Problem> {
    let b = &body.value;
    let limit = match (&b.limit, b.limit_micros) {
        (Some(a), None) => {
            crate::parse::usd(a).map_err(|e| Problem::invalid("limit", format!("limit: {e}")))?
        }
        (None, Some(m)) => m,
        _ => {
            return Err(Problem::invalid(
                "limit",
                "give exactly one of limit (USD) and limit_micros",
            ));
        }
    };
    let p = parse_participant(&b.participant, "participant")?;
    let cmd = Command::SetCreditLimit {
        participant: p,
        limit_micros: limit,
    };
    if crate::dry_run::active() {
        let funds = move |e: &megawatt_engine::Engine, _: &[Event]| views::balance(p, &e.funds(p));
        return Ok(Json(
            crate::dry_run::simulate(&state, caller.id, cmd, funds).await?,
        ));
    }
    submit(&state, caller, cmd, body.idem(idem)).await?;
    let q = BalanceQuery {
        participant: Some(p.to_string()),
    };
    balance(State(state), caller, Q(q)).await
}

/// The fees in force (orders keep the fees in force when they were placed).
#[utoipa::path(get, path = "/v1/fees", tag = "money",
    responses((status = 200, body = FeesView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn fees(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
) -> Result<Json<FeesView>, Problem> {
    let f = state.seq.query(|e| e.fees()).await.map_err(seq_problem)?;
    Ok(Json(FeesView {
        maker_bps: f.maker_bps,
        taker_bps: f.taker_bps,
    }))
}

/// Operator: set the maker and taker fees (0 to 1,000 basis points) for orders placed
/// from now on.
#[utoipa::path(post, path = "/v1/admin/fees", tag = "money", request_body = FeesView,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = FeesView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn set_fees(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<FeesView>,
) -> Result<Json<FeesView>, Problem> {
    let rates = megawatt_engine::money::FeeRates {
        maker_bps: body.value.maker_bps,
        taker_bps: body.value.taker_bps,
    };
    if crate::dry_run::active() {
        let fees = |e: &megawatt_engine::Engine, _: &[Event]| {
            let f = e.fees();
            FeesView {
                maker_bps: f.maker_bps,
                taker_bps: f.taker_bps,
            }
        };
        let cmd = Command::SetFees(rates);
        return Ok(Json(
            crate::dry_run::simulate(&state, caller.id, cmd, fees).await?,
        ));
    }
    submit(&state, caller, Command::SetFees(rates), body.idem(idem)).await?;
    fees(State(state), caller).await
}
