//! Orders in a batch (`POST /v1/orders/batch`): each order read as `POST /v1/orders`
//! reads it (a body that is not a batch of orders is refused whole, naming
//! `orders[i].field`, before anything is placed), all placed by one `PlaceOrders`
//! command, each on its own: placed, with the answer `POST /v1/orders` would give, or
//! refused by its rule, naming the field as the order spelled it. One Idempotency-Key
//! covers the batch.

use super::orders::{command, placed, request_names};
use super::submit;
use crate::extract::{Body, IdemHeader};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use axum::Json;
use axum::extract::State;
use megawatt_api::{
    BatchOrderView, BatchPlacedView, OrderRefusalView, PlaceOrder, PlaceOrderBatch,
};
use megawatt_engine::Rule;
use megawatt_engine::command::{Command, PlannedOrder};
use megawatt_engine::event::{Event, PlanOutcome};
use megawatt_engine::limits::MAX_BATCH_ORDERS;
use std::sync::Arc;

/// Place a batch of 1 to 1,000 orders, each as `POST /v1/orders` takes it, in order,
/// each on its own: placed (its state after matching, trades, contracts and money, as
/// `POST /v1/orders` answers) or refused (its rule's `code`, and the `field` as the
/// order spelled it, `orders[3].price`), the others standing. An order that is not an
/// order (a field its side may not have, a price that is not one) refuses the whole
/// batch, naming it, before anything is placed. One Idempotency-Key for the batch.
#[utoipa::path(post, path = "/v1/orders/batch", tag = "orders", request_body = PlaceOrderBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = BatchPlacedView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn batch(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<PlaceOrderBatch>,
) -> Result<Json<BatchPlacedView>, Problem> {
    let items = &body.value.orders;
    if items.is_empty() || items.len() > MAX_BATCH_ORDERS {
        let detail = format!(
            "{} orders; a batch has 1 to {MAX_BATCH_ORDERS}",
            items.len()
        );
        return Err(Problem::rule(Rule::OutOfRange, "orders", &detail));
    }
    let mut orders = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        documented(item).map_err(|p| within(p, i))?;
        let planned = match command(item).map_err(|p| within(p, i))? {
            Command::PlaceBid(b) => PlannedOrder::Bid(b),
            Command::PlaceAsk(a) => PlannedOrder::Ask(a),
            Command::PlaceFlexibleBid(f) => PlannedOrder::FlexibleBid(f),
            _ => return Err(Problem::unavailable("unexpected order")),
        };
        orders.push(planned);
    }
    let events = submit(
        &state,
        caller,
        Command::PlaceOrders { orders },
        body.idem(idem),
    )
    .await?;
    let Some((Event::OrdersPlaced { orders: done }, rest)) = events.split_last() else {
        return Err(Problem::unavailable("unexpected outcome"));
    };
    let mut segments = segments(rest).into_iter();
    let mut answers = Vec::with_capacity(done.len());
    for (i, ((_, outcome), item)) in done.iter().zip(items).enumerate() {
        answers.push(match outcome {
            PlanOutcome::Placed(_) => {
                let own = segments.next().unwrap_or(&[]);
                BatchOrderView {
                    placed: Some(placed(&state, own).await?),
                    refused: None,
                }
            }
            PlanOutcome::Refused {
                rule,
                field,
                detail,
            } => {
                let names = request_names(item);
                let spelled = names
                    .iter()
                    .find(|(engine, _)| engine == field)
                    .map_or(field.as_str(), |(_, request)| request);
                BatchOrderView {
                    placed: None,
                    refused: Some(OrderRefusalView {
                        code: rule.clone(),
                        field: format!("orders[{i}].{spelled}"),
                        detail: format!("orders[{i}].{spelled}: {detail}"),
                    }),
                }
            }
        });
    }
    Ok(Json(BatchPlacedView { orders: answers }))
}

/// What the document says of an order that reading it does not check: integers within
/// `int32` (`out_of_range`) and a model id's shape (`unknown_model`: no model has it). A single order outside them is refused by the engine
/// (`POST /v1/orders` answers that refusal); in a batch it would be one order's refusal
/// in a `200`, so the batch is refused whole instead, as the document promises.
fn documented(o: &PlaceOrder) -> Result<(), Problem> {
    let max = u32::try_from(i32::MAX).unwrap_or(u32::MAX);
    for (field, v) in [
        ("gpus", Some(o.gpus)),
        ("hours", o.hours),
        ("min_fill_gpus", o.min_fill_gpus),
    ] {
        if let Some(v) = v.filter(|v| *v > max) {
            let detail = format!("{v} is above {max}, the largest the API takes");
            return Err(Problem::rule(Rule::OutOfRange, field, &detail));
        }
    }
    if let Some(m) = o
        .model
        .as_deref()
        .filter(|m| !megawatt_engine::catalog::is_valid_slug(m))
    {
        // A name no model can have is no model, as the engine answers a single order.
        let detail = format!("no model {m:?}");
        return Err(Problem::rule(Rule::UnknownModel, "model", &detail));
    }
    Ok(())
}

/// Each placed order's events, in order: from its `OrderAccepted` to the next one's (a
/// refused order has none; placing one order accepts no other).
fn segments(events: &[Event]) -> Vec<&[Event]> {
    let starts: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Event::OrderAccepted(_)))
        .map(|(i, _)| i)
        .collect();
    let ends = starts.iter().skip(1).copied().chain([events.len()]);
    starts
        .iter()
        .zip(ends)
        .map(|(&s, e)| &events[s..e])
        .collect()
}

/// A problem of order `i`, its field named within the batch (`orders[i].price`).
fn within(mut p: Problem, i: usize) -> Problem {
    let prefix = format!("orders[{i}]");
    let field = p.field.clone().unwrap_or_default();
    let spelled = if field.is_empty() {
        prefix
    } else {
        format!("{prefix}.{field}")
    };
    if let Some(rest) = p.detail.strip_prefix(&format!("{field}: ")) {
        p.detail = format!("{spelled}: {rest}");
    } else {
        p.detail = format!("{spelled}: {}", p.detail);
    }
    p.field(spelled)
}
