//! Stored capacity plans (`/v1/plans`): upload one (journaled, its rows checked by the
//! engine's `plan::demand`), list them, show one (not yet applied: against your
//! position now, with the proposal apply would place), and apply it once: the proposal
//! is made as `POST /v1/positions/plan` makes it, and its orders are placed by one
//! `ApplyPlan` command, each naming the plan. A second apply places nothing and answers
//! what the first placed. A plan is visible to its owner and the operator only.

use super::plans::{ask_view, bid_view, plan_view, propose_for, rfq_view, spec_of};
use super::{Empty, PageQuery, path_id, submit};
use crate::extract::{Body, IdemHeader, Q};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{self, Page, money};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use megawatt_api::{
    OrderRefusalView, PlanAppliedView, PlanOrderView, PlanRow, PlanUploadBody, ProposedOrderView,
    StoredPlanView,
};
use megawatt_engine::command::{AskSpec, BidSpec, Command, PlanRowSpec, PlannedOrder};
use megawatt_engine::event::{Event, PlanOutcome};
use megawatt_engine::ids::{ContractId, OrderId, PlanId};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::plan::{self, Demand, Proposal, Source};
use megawatt_store::reader::{PlanOrderOutcome, PlanOrderRecord, PlanRecord, Scope};
use std::collections::BTreeMap;
use std::sync::Arc;

fn scope(caller: Caller) -> Scope {
    if caller.operator {
        Scope::All
    } else {
        Scope::Party(caller.id)
    }
}

/// Store a capacity plan: GPUs of each model needed per week or month, at most 36
/// months ahead, checked row by row (`rows[i].start`, `rows[i].model`, ...). Show it
/// against your position at any time (`GET /v1/plans/{id}`) and apply it once.
#[utoipa::path(post, path = "/v1/plans", tag = "positions", request_body = PlanUploadBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = StoredPlanView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<PlanUploadBody>,
) -> Result<(StatusCode, Json<StoredPlanView>), Problem> {
    let b = &body.value;
    let spec = spec_of(&b.period, &b.rows, b.limit.as_deref())?;
    let events = submit(&state, caller, Command::UploadPlan(spec), body.idem(idem)).await?;
    let Some(Event::PlanUploaded { plan, owner, spec }) = events.last() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    if crate::dry_run::active() {
        let record = PlanRecord {
            id: *plan,
            owner: *owner,
            period: spec.period,
            limit_price_micros: spec.limit_price_micros,
            rows: spec.rows.len(),
            uploaded_ms: super::market_ms(&state),
            applied_ms: None,
        };
        return Ok((StatusCode::OK, Json(view(&record, &spec.rows, &[]))));
    }
    let shown = detail(&state, caller, plan.0, &plan.to_string()).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// Your plans, newest first (the operator's: everyone's); rows are shown by
/// `GET /v1/plans/{id}`.
#[utoipa::path(get, path = "/v1/plans", tag = "positions", params(PageQuery),
    responses((status = 200, body = Page<StoredPlanView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<PageQuery>,
) -> Result<Json<Page<StoredPlanView>>, Problem> {
    let (before, limit) = super::paging(&q.before, q.limit, PlanId::PREFIX)?;
    let scope = scope(caller);
    let page = state.read(move |r| r.plans(scope, before, limit)).await?;
    Ok(Json(Page {
        items: page.rows.iter().map(|p| view(p, &[], &[])).collect(),
        next: page.next.map(|n| PlanId(n).to_string()),
    }))
}

/// One of your plans with its rows; applied, the orders it placed or refused (with
/// their status now); not yet applied, the plan against your position now and the
/// proposal apply would place.
#[utoipa::path(get, path = "/v1/plans/{id}", tag = "positions",
    params(("id" = String, Path, description = "Plan id, e.g. pln-1")),
    responses((status = 200, body = StoredPlanView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<StoredPlanView>, Problem> {
    let id = path_id(&raw, PlanId::PREFIX, "plan")?;
    let (record, rows) = read(&state, caller, id, &raw).await?;
    if record.applied_ms.is_some() {
        let orders = state.read(move |r| r.plan_orders(id)).await?;
        return Ok(Json(view(&record, &rows, &orders)));
    }
    let mut shown = view(&record, &rows, &[]);
    let at_ms = super::market_ms(&state);
    let (gaps, proposal) = proposal(&state, &record, &rows, at_ms).await?;
    let spec = megawatt_engine::command::PlanSpec {
        period: record.period,
        rows,
        limit_price_micros: record.limit_price_micros,
    };
    shown.proposal = Some(plan_view(record.owner, at_ms, &spec, &gaps, &proposal));
    Ok(Json(shown))
}

/// Apply your plan: its proposal, made now as `GET /v1/plans/{id}` shows it, placed by
/// one command. Bids are GTC, partial fills allowed from any pool, at the curve's price
/// over their period (or the plan's limit); asks are GTC resales of your contracts'
/// lines or asks from your pools. Each order is placed or refused on its own (a refusal
/// changes nothing and says why); every placed order names the plan. A plan is applied
/// once: applying it again places nothing and answers what was placed. RFQ drafts are
/// listed, not opened.
#[utoipa::path(post, path = "/v1/plans/{id}/apply", tag = "positions", request_body = Empty,
    params(("id" = String, Path, description = "Plan id, e.g. pln-1"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = PlanAppliedView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn apply(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
    idem: IdemHeader,
    body: Body<Empty>,
) -> Result<Json<PlanAppliedView>, Problem> {
    let id = path_id(&raw, PlanId::PREFIX, "plan")?;
    let (record, rows) = read(&state, caller, id, &raw).await?;
    if record.owner != caller.id {
        return Err(Problem::rule(
            megawatt_engine::Rule::NotOwner,
            "plan",
            &format!("plan {raw} is {}'s to apply", record.owner),
        ));
    }
    if let Some(ms) = record.applied_ms {
        let orders = state.read(move |r| r.plan_orders(id)).await?;
        return Ok(Json(PlanAppliedView {
            plan: raw,
            applied_at: views::instant(ms),
            applied_now: false,
            orders: orders.iter().map(stored_order).collect(),
            rfqs: Vec::new(),
        }));
    }
    let at_ms = super::market_ms(&state);
    let (_, proposal) = proposal(&state, &record, &rows, at_ms).await?;
    let (orders, asked) = planned(&proposal);
    let cmd = Command::ApplyPlan {
        plan: PlanId(id),
        orders,
    };
    // Past `MAX_PLAN_ORDERS` the engine refuses the command's `orders`: the plan's.
    let events = submit(&state, caller, cmd, body.idem(idem))
        .await
        .map_err(|p| p.renamed(&[("orders", "plan")]))?;
    let Some(Event::PlanApplied { orders: done, .. }) = events.last() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    let closed = closes(&events);
    let applied_ms = if crate::dry_run::active() {
        None
    } else {
        let scope = scope(caller);
        state
            .read(move |r| r.plan(scope, id))
            .await?
            .and_then(|p| p.applied_ms)
    };
    let applied_ms = applied_ms.unwrap_or(at_ms);
    Ok(Json(PlanAppliedView {
        plan: raw,
        applied_at: views::instant(applied_ms),
        applied_now: true,
        orders: done
            .iter()
            .zip(asked)
            .map(|((_, outcome), order)| applied_order(order, outcome, &closed))
            .collect(),
        rfqs: proposal.rfqs.iter().map(rfq_view).collect(),
    }))
}

/// The plan and its rows, if the caller may see it.
async fn read(
    state: &Arc<AppState>,
    caller: Caller,
    id: u64,
    raw: &str,
) -> Result<(PlanRecord, Vec<PlanRowSpec>), Problem> {
    let scope = scope(caller);
    let found = state
        .read(move |r| {
            let Some(p) = r.plan(scope, id)? else {
                return Ok(None);
            };
            Ok(Some((p, r.plan_rows(id)?)))
        })
        .await?;
    found.ok_or_else(|| Problem::unknown("plan", format!("plan: no plan {raw}")).field("plan"))
}

/// The stored plan as shown, with its rows and applied orders (no proposal).
async fn detail(
    state: &Arc<AppState>,
    caller: Caller,
    id: u64,
    raw: &str,
) -> Result<StoredPlanView, Problem> {
    let (record, rows) = read(state, caller, id, raw).await?;
    let orders = if record.applied_ms.is_some() {
        state.read(move |r| r.plan_orders(id)).await?
    } else {
        Vec::new()
    };
    Ok(view(&record, &rows, &orders))
}

/// The plan's proposal against its owner's position at `at_ms`.
async fn proposal(
    state: &Arc<AppState>,
    record: &PlanRecord,
    rows: &[PlanRowSpec],
    at_ms: u64,
) -> Result<(Vec<plan::Gap>, Proposal), Problem> {
    let demand = rows.iter().map(|r| Demand::of(record.period, r)).collect();
    let limit = record.limit_price_micros;
    propose_for(state, record.owner, (at_ms, true), demand, limit).await
}

/// The proposal's orders as the engine places them, beside how each is shown.
fn planned(p: &Proposal) -> (Vec<PlannedOrder>, Vec<ProposedOrderView>) {
    let bids = p.bids.iter().map(|b| {
        let spec = BidSpec {
            model: b.model.clone(),
            region: None,
            facility: None,
            gpus: b.gpus,
            window: b.window,
            limit_price_micros: b.price_micros,
            colocate: false,
            partial: true,
            tif: TimeInForce::Gtc,
            min_reliability_bps: 0,
        };
        (PlannedOrder::Bid(spec), bid_view(b))
    });
    let asks = p.asks.iter().filter_map(|a| {
        let source = match a.source {
            Source::Bought(contract, line) => AskSource::Contract { contract, line },
            Source::Pool(pool) => AskSource::Pool(pool),
            Source::Taken | Source::Bidding => return None,
        };
        let spec = AskSpec {
            source,
            gpus: a.gpus,
            window: a.window,
            price_micros: a.price_micros,
            tif: TimeInForce::Gtc,
            min_fill_gpus: 1,
        };
        Some((PlannedOrder::Ask(spec), ask_view(a)))
    });
    bids.chain(asks).unzip()
}

/// Each order's close in the events, by order.
fn closes(events: &[Event]) -> BTreeMap<OrderId, String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::OrderClosed { order, reason } => Some((*order, reason.as_str().into())),
            _ => None,
        })
        .collect()
}

fn applied_order(
    order: ProposedOrderView,
    outcome: &PlanOutcome,
    closed: &BTreeMap<OrderId, String>,
) -> PlanOrderView {
    match outcome {
        PlanOutcome::Placed(id) => {
            let status = closed.get(id).map_or("open", String::as_str);
            order_view(order, Ok((*id, status)))
        }
        PlanOutcome::Refused {
            rule,
            field,
            detail,
        } => order_view(order, Err((rule, field, detail))),
    }
}

fn stored_order(o: &PlanOrderRecord) -> PlanOrderView {
    // The engine's checked figure: an order the proposal made fits in micro-USD (the
    // proposal refused one that did not), so the fallback is never shown.
    let notional =
        megawatt_engine::units::notional_micros(o.price_micros, o.gpus, o.window.hours());
    let order = ProposedOrderView {
        side: o.side.as_str().into(),
        model: o.model.clone(),
        contract: o.contract.map(|(c, _)| ContractId::to_string(&c)),
        line: o.contract.map(|(_, l)| l),
        pool: o.pool.map(|p| p.to_string()),
        gpus: o.gpus,
        start: o.window.start.to_string(),
        hours: o.window.hours(),
        price: money(o.price_micros),
        notional: money(notional.unwrap_or(0)),
    };
    match &o.outcome {
        PlanOrderOutcome::Placed {
            order: id, status, ..
        } => order_view(order, Ok((*id, status.as_str()))),
        PlanOrderOutcome::Refused {
            code,
            field,
            detail,
        } => order_view(order, Err((code, field, detail))),
    }
}

/// An order of a plan with what became of it: placed (its id and status) or refused
/// (the rule's code, the field, the sentence).
fn order_view(
    order: ProposedOrderView,
    outcome: Result<(OrderId, &str), (&str, &str, &str)>,
) -> PlanOrderView {
    match outcome {
        Ok((id, status)) => PlanOrderView {
            order,
            placed: Some(id.to_string()),
            status: Some(status.to_string()),
            refused: None,
        },
        Err((code, field, detail)) => PlanOrderView {
            order,
            placed: None,
            status: None,
            refused: Some(OrderRefusalView {
                code: code.into(),
                field: field.into(),
                detail: detail.into(),
            }),
        },
    }
}

fn view(p: &PlanRecord, rows: &[PlanRowSpec], orders: &[PlanOrderRecord]) -> StoredPlanView {
    StoredPlanView {
        id: p.id.to_string(),
        participant: p.owner.to_string(),
        period: p.period.as_str().into(),
        limit: p.limit_price_micros.map(money),
        uploaded_at: views::instant(p.uploaded_ms),
        applied_at: p.applied_ms.map(views::instant),
        rows: rows
            .iter()
            .map(|r| PlanRow {
                model: r.model.clone(),
                start: r.start.to_string(),
                gpus: r.gpus,
            })
            .collect(),
        orders: orders.iter().map(stored_order).collect(),
        proposal: None,
    }
}
