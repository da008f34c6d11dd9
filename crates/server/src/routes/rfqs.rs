//! Term deals: RFQs (create, list, show, cancel), quotes (submit, list, show, withdraw)
//! and acceptance. An RFQ is visible to its buyer, to the providers it invites (every
//! provider when it invites none) while open, to providers that quoted on it, and to
//! the operator; a quote to the RFQ's buyer, its provider and the operator. Anyone else
//! is told it does not exist.

use super::facilities::window;
use super::{Empty, path_id, submit};
use crate::extract::{Body, IdemHeader, Q};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{self, ContractView, Page, QuoteView, RfqView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use megawatt_api::{CauseName, CreateRfq, SubmitQuote};
use megawatt_engine::command::{Command, QuoteLineSpec, QuoteSpec, RfqSpec, RfqWants, WantedTerms};
use megawatt_engine::contract::{Causes, Pricing, Terms};
use megawatt_engine::event::Event;
use megawatt_engine::ids::{FacilityId, ParticipantId, PoolId, QuoteId, RfqId};
use megawatt_engine::units::Hour;
use megawatt_store::reader::{QuoteRecord, RfqRecord, RfqScope};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

fn usd(
    field: &'static str,
    usd: &Option<String>,
    micros: Option<i64>,
) -> Result<Option<i64>, Problem> {
    match (usd, micros) {
        (None, None) => Ok(None),
        (Some(s), None) => crate::parse::usd(s)
            .map(Some)
            .map_err(|e| Problem::invalid(field, format!("{field}: {e}"))),
        (None, Some(m)) => Ok(Some(m)),
        (Some(_), Some(_)) => Err(Problem::invalid(
            field,
            format!("{field}: give it in USD or in micro-USD, not both"),
        )),
    }
}

fn causes(list: &Option<Vec<CauseName>>, default: Causes) -> Causes {
    match list {
        None => default,
        Some(l) => Causes {
            acceptable_use: l.contains(&CauseName::AcceptableUse),
            non_payment: l.contains(&CauseName::NonPayment),
            non_delivery: l.contains(&CauseName::NonDelivery),
        },
    }
}

use super::hour_field as hour;

fn rfq_command(b: &CreateRfq) -> Result<Command, Problem> {
    let wants = match (&b.gpus, b.power_kw) {
        (Some(items), None) => {
            if b.min_power_kw.is_some() {
                return Err(Problem::invalid(
                    "min_power_kw",
                    "min_power_kw: only with power_kw",
                ));
            }
            RfqWants::Gpus(items.iter().map(|i| (i.model.clone(), i.gpus)).collect())
        }
        (None, Some(kw)) => RfqWants::Power {
            power_kw: kw,
            min_power_kw: b.min_power_kw.unwrap_or_else(|| kw - kw / 10),
        },
        _ => {
            return Err(Problem::invalid(
                "gpus",
                "give exactly one of gpus (per model) and power_kw",
            ));
        }
    };
    let facility = match &b.facility {
        None => None,
        Some(raw) => Some(super::id_field(
            raw,
            FacilityId::PREFIX,
            "facility",
            FacilityId,
        )?),
    };
    let invited = b
        .invited
        .iter()
        .flatten()
        .map(|raw| super::id_field(raw, ParticipantId::PREFIX, "invited", ParticipantId))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Command::CreateRfq(RfqSpec {
        wants,
        window: window(&b.start, b.end.as_deref(), b.hours)?,
        region: b.region.clone(),
        facility,
        terms: WantedTerms {
            max_buyer_notice_hours: b.max_buyer_notice_hours,
            min_seller_notice_hours: b.min_seller_notice_hours,
            max_early_termination_fee_micros: usd(
                "max_early_termination_fee",
                &b.max_early_termination_fee,
                b.max_early_termination_fee_micros,
            )?,
            causes: causes(&b.for_cause, Causes::default()),
            min_payment_days: b.min_payment_days,
        },
        deadline: hour("deadline", &b.deadline)?,
        invited,
    }))
}

fn quote_command(rfq: RfqId, b: &SubmitQuote) -> Result<Command, Problem> {
    let price = usd("price", &b.price, b.price_micros)?;
    let fee = usd("monthly_fee", &b.monthly_fee, b.monthly_fee_micros)?;
    let pricing = match (price, fee) {
        (Some(p), None) => Pricing::PerGpuHour { price_micros: p },
        (None, Some(f)) => Pricing::MonthlyFee { fee_micros: f },
        _ => {
            return Err(Problem::invalid(
                "price",
                "give exactly one of price (per GPU-hour) and monthly_fee",
            ));
        }
    };
    let lines = b
        .lines
        .iter()
        .map(|l| {
            Ok(QuoteLineSpec {
                pool: super::id_field(&l.pool, PoolId::PREFIX, "lines.pool", PoolId)?,
                gpus: l.gpus,
            })
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    let terms = Terms {
        buyer_notice_hours: b.buyer_notice_hours,
        seller_notice_hours: b.seller_notice_hours,
        early_termination_fee_micros: usd(
            "early_termination_fee",
            &b.early_termination_fee,
            b.early_termination_fee_micros,
        )?
        .unwrap_or(0),
        for_cause: causes(&b.for_cause, Terms::exchange().for_cause),
        payment_days: b
            .payment_days
            .unwrap_or(megawatt_engine::limits::DEFAULT_PAYMENT_DAYS),
    };
    Ok(Command::SubmitQuote(QuoteSpec {
        rfq,
        lines,
        pricing,
        terms,
        expires: hour("expires", &b.expires)?,
        delivery: match &b.delivery {
            Some(d) => super::usage::delivery_terms_of(d, "delivery.unreported")?,
            None => megawatt_engine::delivery::DeliveryTerms::none(),
        },
    }))
}

/// What the caller may see of RFQs.
fn scope(caller: Caller, provider: bool) -> RfqScope {
    if caller.operator {
        RfqScope::All
    } else {
        RfqScope::Participant(caller.id, provider)
    }
}

/// Whether the caller is a provider (from the engine).
async fn is_provider(state: &AppState, caller: Caller) -> Result<bool, Problem> {
    state
        .seq
        .query(move |e| e.participant(caller.id).is_some_and(|p| p.roles.provider))
        .await
        .map_err(crate::state::seq_problem)
}

/// An RFQ as the caller may see it; not found otherwise.
async fn rfq_view(
    state: &Arc<AppState>,
    caller: Caller,
    id: u64,
    raw: &str,
) -> Result<RfqView, Problem> {
    let scope = scope(caller, is_provider(state, caller).await?);
    match state.read(move |r| r.rfq(scope, id)).await? {
        Some(row) => Ok(views::rfq(&row)),
        None => Err(Problem::unknown("rfq", format!("no RFQ {raw}"))),
    }
}

/// Ask providers for firm quotes for a term deal.
#[utoipa::path(post, path = "/v1/rfqs", tag = "rfqs", request_body = CreateRfq,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = RfqView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<CreateRfq>,
) -> Result<(StatusCode, Json<RfqView>), Problem> {
    let cmd = rfq_command(&body.value)?;
    let names = rfq_names(&body.value);
    if crate::dry_run::active() {
        let view = tried(&state, caller, cmd, &names, |e, ev| match ev.first() {
            Some(Event::RfqCreated(r)) => Some(views::rfq(&RfqRecord::open(r, &e.names()))),
            _ => None,
        });
        return Ok((StatusCode::OK, Json(view.await?)));
    }
    let events = submit(&state, caller, cmd, body.idem(idem))
        .await
        .map_err(|p| p.renamed(&names))?;
    let Some(Event::RfqCreated(r)) = events.first() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    let id = r.id.0;
    Ok((
        StatusCode::CREATED,
        Json(rfq_view(&state, caller, id, &r.id.to_string()).await?),
    ))
}

/// Filters of the RFQ list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RfqQuery {
    /// Only open RFQs (default false).
    pub open: Option<bool>,
    /// Cursor from a previous page.
    pub before: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

/// RFQs you may see, newest first: your own, and as a provider the open ones that
/// invite you and those you quoted on.
#[utoipa::path(get, path = "/v1/rfqs", tag = "rfqs", params(RfqQuery),
    responses((status = 200, body = Page<RfqView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<RfqQuery>,
) -> Result<Json<Page<RfqView>>, Problem> {
    let (before, limit) = super::paging(&q.before, q.limit, RfqId::PREFIX)?;
    let scope = scope(caller, is_provider(&state, caller).await?);
    let open = q.open.unwrap_or(false);
    let page = state
        .read(move |r| r.rfqs(scope, open, before, limit))
        .await?;
    Ok(super::page(&page, views::rfq, |n| RfqId(n).to_string()))
}

/// One RFQ.
#[utoipa::path(get, path = "/v1/rfqs/{id}", tag = "rfqs",
    params(("id" = String, Path, description = "RFQ id, e.g. rfq-3")),
    responses((status = 200, body = RfqView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<RfqView>, Problem> {
    let id = path_id(&raw, RfqId::PREFIX, "RFQ")?;
    Ok(Json(rfq_view(&state, caller, id, &raw).await?))
}

/// Cancel your open RFQ; its quotes are released.
#[utoipa::path(post, path = "/v1/rfqs/{id}/cancel", tag = "rfqs", request_body = Empty,
    params(("id" = String, Path, description = "RFQ id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = RfqView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<Empty>,
) -> Result<Json<RfqView>, Problem> {
    let id = path_id(&raw, RfqId::PREFIX, "RFQ")?;
    let cmd = Command::CancelRfq { rfq: RfqId(id) };
    if crate::dry_run::active() {
        // The RFQ as recorded, with the status the cancel would give it.
        let status = tried(&state, caller, cmd, &[], move |_, ev| {
            ev.iter().find_map(|e| match e {
                Event::RfqClosed { rfq, reason } if rfq.0 == id => Some(closed(*reason)),
                _ => None,
            })
        });
        let status = status.await?;
        let view = rfq_view(&state, caller, id, &raw).await?;
        return Ok(Json(RfqView { status, ..view }));
    }
    submit(&state, caller, cmd, body.idem(idem)).await?;
    Ok(Json(rfq_view(&state, caller, id, &raw).await?))
}

/// Answer an RFQ with a firm quote: it encumbers the capacity offered until it is
/// accepted, withdrawn, released or expires. A quote that misses the RFQ's hard
/// requirements is refused with the reason (422 `quote_unmet`).
#[utoipa::path(post, path = "/v1/rfqs/{id}/quotes", tag = "rfqs", request_body = SubmitQuote,
    params(("id" = String, Path, description = "RFQ id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = QuoteView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn quote(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<SubmitQuote>,
) -> Result<(StatusCode, Json<QuoteView>), Problem> {
    let rfq = RfqId(path_id(&raw, RfqId::PREFIX, "RFQ")?);
    let cmd = quote_command(rfq, &body.value)?;
    let names = quote_names(&body.value);
    if crate::dry_run::active() {
        let view = tried(&state, caller, cmd, &names, |_, ev| match ev.first() {
            Some(Event::QuoteSubmitted(q)) => Some(views::quote(&QuoteRecord::open(q))),
            _ => None,
        });
        return Ok((StatusCode::OK, Json(view.await?)));
    }
    let events = submit(&state, caller, cmd, body.idem(idem))
        .await
        .map_err(|p| p.renamed(&names))?;
    let Some(Event::QuoteSubmitted(q)) = events.first() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    let (id, party) = (q.id.0, Some(caller.id));
    let row = state.read(move |r| r.quote(id, party)).await?;
    let row = row.ok_or_else(|| Problem::unavailable("the quote is not readable yet; retry"))?;
    Ok((StatusCode::CREATED, Json(views::quote(&row))))
}

/// The quotes of an RFQ you may see: all of them for its buyer, your own for a provider.
#[utoipa::path(get, path = "/v1/rfqs/{id}/quotes", tag = "rfqs",
    params(("id" = String, Path, description = "RFQ id")),
    responses((status = 200, body = Page<QuoteView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn quotes(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Page<QuoteView>>, Problem> {
    let id = path_id(&raw, RfqId::PREFIX, "RFQ")?;
    rfq_view(&state, caller, id, &raw).await?;
    let party = (!caller.operator).then_some(caller.id);
    let rows = state.read(move |r| r.quotes(id, party)).await?;
    Ok(Json(Page::whole(rows.iter().map(views::quote).collect())))
}

async fn quote_view(
    state: &Arc<AppState>,
    caller: Caller,
    raw: &str,
) -> Result<QuoteView, Problem> {
    let id = path_id(raw, QuoteId::PREFIX, "quote")?;
    let party = (!caller.operator).then_some(caller.id);
    match state.read(move |r| r.quote(id, party)).await? {
        Some(q) => Ok(views::quote(&q)),
        None => Err(Problem::unknown("quote", format!("no quote {raw}"))),
    }
}

/// One quote (the RFQ's buyer, its provider, or the operator).
#[utoipa::path(get, path = "/v1/quotes/{id}", tag = "rfqs",
    params(("id" = String, Path, description = "Quote id, e.g. qt-4")),
    responses((status = 200, body = QuoteView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show_quote(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<QuoteView>, Problem> {
    Ok(Json(quote_view(&state, caller, &raw).await?))
}

/// Withdraw your open quote; its capacity is released.
#[utoipa::path(post, path = "/v1/quotes/{id}/withdraw", tag = "rfqs", request_body = Empty,
    params(("id" = String, Path, description = "Quote id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = QuoteView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<Empty>,
) -> Result<Json<QuoteView>, Problem> {
    let id = path_id(&raw, QuoteId::PREFIX, "quote")?;
    let cmd = Command::WithdrawQuote { quote: QuoteId(id) };
    if crate::dry_run::active() {
        // The quote as recorded, with the status the withdrawal would give it.
        let status = tried(&state, caller, cmd, &[], move |_, ev| {
            ev.iter().find_map(|e| match e {
                Event::QuoteClosed { quote, reason } if quote.0 == id => Some(closed(*reason)),
                _ => None,
            })
        });
        let status = status.await?;
        let view = quote_view(&state, caller, &raw).await?;
        return Ok(Json(QuoteView { status, ..view }));
    }
    submit(&state, caller, cmd, body.idem(idem)).await?;
    Ok(Json(quote_view(&state, caller, &raw).await?))
}

/// Accept a quote on your RFQ before its deadline and expiry: the contract is made
/// with the quote's lines, pricing and terms; the RFQ's other quotes are released.
#[utoipa::path(post, path = "/v1/quotes/{id}/accept", tag = "rfqs", request_body = Empty,
    params(("id" = String, Path, description = "Quote id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = ContractView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn accept(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<Empty>,
) -> Result<(StatusCode, Json<ContractView>), Problem> {
    let id = path_id(&raw, QuoteId::PREFIX, "quote")?;
    let cmd = Command::AcceptQuote { quote: QuoteId(id) };
    let events = submit(&state, caller, cmd, body.idem(idem)).await?;
    let contract = events.iter().find_map(|e| match e {
        Event::ContractCreated(c) => Some(c),
        _ => None,
    });
    let c = contract.ok_or_else(|| Problem::unavailable("unexpected outcome"))?;
    let view = views::new_contract(c, Hour::containing(c.created_ms));
    Ok((StatusCode::CREATED, Json(view)))
}

/// The engine's names of an RFQ's fields, and the request's (flat terms, `gpus` for
/// what it wants, the window's end as `end` or `hours`, a fee in USD or micro-USD).
fn rfq_names(b: &CreateRfq) -> [(&'static str, &'static str); 12] {
    let end = if b.end.is_some() { "end" } else { "hours" };
    let fee = if b.max_early_termination_fee.is_some() {
        "max_early_termination_fee"
    } else {
        "max_early_termination_fee_micros"
    };
    [
        ("window.start", "start"),
        ("window.end", end),
        ("window", "start"),
        ("wants.gpus", "gpus"),
        ("wants.gpus.model", "gpus.model"),
        ("wants.gpus.gpus", "gpus.gpus"),
        ("wants.power_kw", "power_kw"),
        ("terms.max_buyer_notice_hours", "max_buyer_notice_hours"),
        ("terms.min_seller_notice_hours", "min_seller_notice_hours"),
        ("terms.max_early_termination_fee_micros", fee),
        ("terms.for_cause", "for_cause"),
        ("terms.min_payment_days", "min_payment_days"),
    ]
}

/// The engine's names of a quote's fields, and the request's (flat terms; prices in USD
/// or micro-USD, as given).
fn quote_names(b: &SubmitQuote) -> [(&'static str, &'static str); 7] {
    let given = |usd: bool, a: &'static str, b: &'static str| if usd { a } else { b };
    [
        ("terms.buyer_notice_hours", "buyer_notice_hours"),
        ("terms.seller_notice_hours", "seller_notice_hours"),
        (
            "terms.early_termination_fee_micros",
            given(
                b.early_termination_fee.is_some(),
                "early_termination_fee",
                "early_termination_fee_micros",
            ),
        ),
        ("terms.payment_days", "payment_days"),
        ("terms.for_cause", "for_cause"),
        (
            "pricing.fee_micros",
            given(b.monthly_fee.is_some(), "monthly_fee", "monthly_fee_micros"),
        ),
        (
            "pricing.price_micros",
            given(b.price.is_some(), "price", "price_micros"),
        ),
    ]
}

/// A dry run of `cmd`, answered with what `read` finds in the copy of the engine after
/// it (refusals named as the request spelled them, by `names`).
async fn tried<V: Send + 'static>(
    state: &AppState,
    caller: Caller,
    cmd: Command,
    names: &[(&str, &str)],
    read: impl FnOnce(&megawatt_engine::Engine, &[Event]) -> Option<V> + Send + 'static,
) -> Result<V, Problem> {
    crate::dry_run::simulate(state, caller.id, cmd, read)
        .await
        .map_err(|p| p.renamed(names))?
        .ok_or_else(|| Problem::unavailable("unexpected outcome"))
}

/// The status label of something closed for `reason`.
fn closed<E: megawatt_engine::event::Ending>(reason: E) -> String {
    megawatt_engine::event::Status::Closed(reason)
        .as_str()
        .into()
}
