//! Orders: place (buy or sell, a buy maybe with a flexible start), list your own, show,
//! cancel, reduce.

use super::facilities::window;
use super::{Empty, path_id, submit};
use crate::extract::{Body, IdemHeader, Q};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{self, OrderView, Page, PlacedView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use megawatt_api::{PlaceOrder, ReduceOrder, SideName, TifName};
use megawatt_engine::command::{AskSpec, BidSpec, Command, FlexBidSpec};
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ContractId, FacilityId, OrderId, PoolId};
use megawatt_engine::order::{AskSource, OrderKind, TimeInForce};
use megawatt_engine::units::Hour;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

fn refuse_for(side: &str, field: &'static str, present: bool) -> Result<(), Problem> {
    if present {
        return Err(Problem::invalid(
            field,
            format!("{field}: not allowed on a {side} order"),
        ));
    }
    Ok(())
}

fn price(b: &PlaceOrder) -> Result<i64, Problem> {
    super::price_of(&b.price, b.price_micros)
}

fn tif(b: &PlaceOrder) -> Result<TimeInForce, Problem> {
    match (b.time_in_force.unwrap_or(TifName::Gtc), &b.good_till) {
        (TifName::Gtd, Some(t)) => crate::parse::hour(t)
            .map(|until| TimeInForce::Gtd { until })
            .map_err(|e| Problem::invalid("good_till", format!("good_till: {e}"))),
        (TifName::Gtd, None) => Err(Problem::missing(
            "good_till",
            "good_till: required with time_in_force gtd",
        )),
        (_, Some(_)) => Err(Problem::invalid(
            "good_till",
            "good_till: only with time_in_force gtd",
        )),
        (TifName::Gtc, None) => Ok(TimeInForce::Gtc),
        (TifName::Ioc, None) => Ok(TimeInForce::Ioc),
        (TifName::Fok, None) => Ok(TimeInForce::Fok),
    }
}

/// What backs a sell order: a pool, or a line of a held contract (resale).
fn ask_source(b: &PlaceOrder) -> Result<AskSource, Problem> {
    match (&b.pool, &b.contract) {
        (Some(raw), None) => {
            refuse_for("pool-backed sell", "line", b.line.is_some())?;
            let pool = crate::parse::id(raw, PoolId::PREFIX)
                .map(PoolId)
                .ok_or_else(|| {
                    Problem::invalid(
                        "pool",
                        format!("pool: {raw:?} is not a pool id like pool-3"),
                    )
                })?;
            Ok(AskSource::Pool(pool))
        }
        (None, Some(raw)) => {
            let contract = crate::parse::id(raw, ContractId::PREFIX)
                .map(ContractId)
                .ok_or_else(|| {
                    Problem::invalid(
                        "contract",
                        format!("contract: {raw:?} is not a contract id like ctr-9"),
                    )
                })?;
            Ok(AskSource::Contract {
                contract,
                line: b.line.unwrap_or(0),
            })
        }
        _ => Err(Problem::invalid(
            "pool",
            "give exactly one of pool (sell from a pool) and contract (resell a contract)",
        )),
    }
}

/// A buy's facility filter, parsed.
fn facility(b: &PlaceOrder) -> Result<Option<FacilityId>, Problem> {
    let Some(raw) = &b.facility else {
        return Ok(None);
    };
    super::id_field(raw, FacilityId::PREFIX, "facility", FacilityId).map(Some)
}

/// A flexible-start bid: any start from `start` to `until`, for `hours`, IOC or FOK.
fn flexible(b: &PlaceOrder, until: &str) -> Result<Command, Problem> {
    if b.side != SideName::Buy {
        return Err(Problem::invalid(
            "start_until",
            "start_until: only on a buy order",
        ));
    }
    refuse_for("flexible-start", "end", b.end.is_some())?;
    for (field, present) in [
        ("pool", b.pool.is_some()),
        ("contract", b.contract.is_some()),
        ("line", b.line.is_some()),
        ("min_fill_gpus", b.min_fill_gpus.is_some()),
        ("partial", b.partial.is_some()),
        ("good_till", b.good_till.is_some()),
    ] {
        refuse_for("flexible-start buy", field, present)?;
    }
    let hours = b
        .hours
        .ok_or_else(|| Problem::missing("hours", "hours: required with start_until"))?;
    let tif = match b.time_in_force.unwrap_or(TifName::Fok) {
        TifName::Ioc => TimeInForce::Ioc,
        TifName::Fok => TimeInForce::Fok,
        _ => {
            let detail = "time_in_force: a flexible-start bid is ioc or fok";
            return Err(Problem::invalid("time_in_force", detail));
        }
    };
    let model = b
        .model
        .clone()
        .ok_or_else(|| Problem::missing("model", "model: required to buy"))?;
    Ok(Command::PlaceFlexibleBid(FlexBidSpec {
        model,
        region: b.region.clone(),
        facility: facility(b)?,
        gpus: b.gpus,
        hours,
        start_from: super::hour_field("start", &b.start)?,
        start_until: super::hour_field("start_until", until)?,
        limit_price_micros: price(b)?,
        colocate: b.colocate.unwrap_or(true),
        tif,
        min_reliability_bps: b.min_reliability_bps.unwrap_or(0),
    }))
}

/// Turns a request into the engine command, checking the fields each side allows.
pub(super) fn command(b: &PlaceOrder) -> Result<Command, Problem> {
    if let Some(until) = &b.start_until {
        return flexible(b, until);
    }
    let window = window(&b.start, b.end.as_deref(), b.hours)?;
    let (price, tif) = (price(b)?, tif(b)?);
    match b.side {
        SideName::Sell => {
            refuse_for("sell", "model", b.model.is_some())?;
            refuse_for("sell", "colocate", b.colocate.is_some())?;
            refuse_for("sell", "partial", b.partial.is_some())?;
            refuse_for("sell", "region", b.region.is_some())?;
            refuse_for("sell", "facility", b.facility.is_some())?;
            refuse_for(
                "sell",
                "min_reliability_bps",
                b.min_reliability_bps.is_some(),
            )?;
            Ok(Command::PlaceAsk(AskSpec {
                source: ask_source(b)?,
                gpus: b.gpus,
                window,
                price_micros: price,
                tif,
                min_fill_gpus: b.min_fill_gpus.unwrap_or(1),
            }))
        }
        SideName::Buy => {
            refuse_for("buy", "pool", b.pool.is_some())?;
            refuse_for("buy", "contract", b.contract.is_some())?;
            refuse_for("buy", "line", b.line.is_some())?;
            refuse_for("buy", "min_fill_gpus", b.min_fill_gpus.is_some())?;
            let model = b
                .model
                .clone()
                .ok_or_else(|| Problem::missing("model", "model: required to buy"))?;
            Ok(Command::PlaceBid(BidSpec {
                model,
                region: b.region.clone(),
                facility: facility(b)?,
                gpus: b.gpus,
                window,
                limit_price_micros: price,
                colocate: b.colocate.unwrap_or(true),
                partial: b.partial.unwrap_or(false),
                tif,
                min_reliability_bps: b.min_reliability_bps.unwrap_or(0),
            }))
        }
    }
}

/// The view of a placement, rendered from its events alone (so a retry gets the same).
pub(super) async fn placed(state: &AppState, events: &[Event]) -> Result<PlacedView, Problem> {
    let Some(Event::OrderAccepted(order)) = events.first() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    let model = state.model_name(order.model);
    let region = match &order.kind {
        OrderKind::Bid(b) => b.region.map(|r| state.region_name(r)),
        OrderKind::Ask(_) => None,
    };
    let mut trades = Vec::new();
    let mut contracts = Vec::new();
    let mut transfers = Vec::new();
    let mut status = "open";
    let owner = megawatt_engine::money::Account::Participant(order.owner);
    let mut filled = 0u64;
    let pools = events.iter().filter_map(|e| match e {
        Event::Trade(t) => Some(t.pool),
        _ => None,
    });
    let regions = state.pool_regions(pools.collect()).await?;
    for e in events {
        match e {
            Event::Trade(t) => {
                filled += u64::from(t.gpus) * u64::from(t.window.hours());
                let region = regions.get(&t.pool).map_or("", String::as_str);
                trades.push(views::trade_of(t, &model, region));
            }
            Event::ContractCreated(c) => {
                contracts.push(views::new_contract(c, Hour::containing(c.created_ms)));
            }
            Event::Transfer(t) if t.debit == owner || t.credit == owner => {
                transfers.push(views::transfer(t));
            }
            Event::OrderClosed { order: id, reason } if *id == order.id => status = reason.as_str(),
            _ => {}
        }
    }
    let order = views::order_of(order, &model, region.as_deref(), status, filled);
    Ok(PlacedView {
        order,
        trades,
        contracts,
        transfers,
    })
}

/// Place an order. It matches at once; what the response shows is its state after
/// matching, with the trades and contracts it made.
#[utoipa::path(post, path = "/v1/orders", tag = "orders", request_body = PlaceOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = PlacedView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn place(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<PlaceOrder>,
) -> Result<(StatusCode, Json<PlacedView>), Problem> {
    let cmd = command(&body.value)?;
    let names = request_names(&body.value);
    let events = submit(&state, caller, cmd, body.idem(idem))
        .await
        .map_err(|p| p.renamed(&names))?;
    Ok((StatusCode::CREATED, Json(placed(&state, &events).await?)))
}

/// The engine's names of an order's fields, and the request's (`window.end` is `end`
/// or `hours`, the price `price` or `price_micros`, as the request gave them).
pub(super) fn request_names(b: &PlaceOrder) -> [(&'static str, &'static str); 10] {
    let price = if b.price.is_some() {
        "price"
    } else {
        "price_micros"
    };
    let end = if b.end.is_some() { "end" } else { "hours" };
    [
        ("limit_price_micros", price),
        ("price_micros", price),
        ("window.start", "start"),
        ("start_from", "start"),
        ("window.end", end),
        ("window", "start"),
        ("tif", "time_in_force"),
        ("tif.until", "good_till"),
        ("source.contract", "contract"),
        ("source.pool", "pool"),
    ]
}

/// Filters of the order list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// Only open orders.
    pub open: Option<bool>,
    /// Cursor from a previous page.
    pub before: Option<String>,
    /// Page size, 1 to 1000.
    pub limit: Option<usize>,
}

/// Your orders, newest first (the operator sees all).
#[utoipa::path(get, path = "/v1/orders", tag = "orders", params(OrderQuery),
    responses((status = 200, body = Page<OrderView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<OrderQuery>,
) -> Result<Json<Page<OrderView>>, Problem> {
    let (before, limit) = super::paging(&q.before, q.limit, OrderId::PREFIX)?;
    let scope = caller.scope();
    let open = q.open.unwrap_or(false);
    let page = state
        .read(move |r| r.orders(scope, open, before, limit))
        .await?;
    Ok(super::page(&page, views::order, |n| OrderId(n).to_string()))
}

/// One of your orders (anyone else's is not found).
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders",
    params(("id" = String, Path, description = "Order id, e.g. ord-17")),
    responses((status = 200, body = OrderView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<OrderView>, Problem> {
    let id = path_id(&raw, OrderId::PREFIX, "order")?;
    let row = state.read(move |r| r.order(id)).await?;
    match row {
        Some(o) if caller.operator || o.owner == caller.id => Ok(Json(views::order(&o))),
        _ => Err(Problem::unknown("order", format!("no order {raw}"))),
    }
}

/// Cancel one of your live orders; its capacity is released at once.
#[utoipa::path(post, path = "/v1/orders/{id}/cancel", tag = "orders",
    params(("id" = String, Path, description = "Order id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 204), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<Empty>,
) -> Result<StatusCode, Problem> {
    let id = OrderId(path_id(&raw, OrderId::PREFIX, "order")?);
    submit(
        &state,
        caller,
        Command::Cancel { order: id },
        body.idem(idem),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reduce one of your live orders by some GPUs.
#[utoipa::path(post, path = "/v1/orders/{id}/reduce", tag = "orders", request_body = ReduceOrder,
    params(("id" = String, Path, description = "Order id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 204), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn reduce(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    Path(raw): Path<String>,
    body: Body<ReduceOrder>,
) -> Result<StatusCode, Problem> {
    let id = OrderId(path_id(&raw, OrderId::PREFIX, "order")?);
    let cmd = Command::Reduce {
        order: id,
        by_gpus: body.value.by_gpus,
    };
    submit(&state, caller, cmd, body.idem(idem)).await?;
    Ok(StatusCode::NO_CONTENT)
}
