//! The whole HTTP application: every route of the API under `/v1`, the operational
//! routes beside it, and the layers every request passes (body limit, counters).

use crate::limits::{
    BATCH_BODY_BYTES_MAX, BODY_BYTES_MAX, PLAN_BODY_BYTES_MAX, USAGE_BODY_BYTES_MAX,
};
use crate::openapi;
use crate::routes::{
    admin, batch, billing, candles, contracts, depth, facilities, keys, market, money, months, ops,
    orders, plans, portfolio, positions, prices, procurements, rfqs, search, stored_plans, usage,
    utilization, webhooks,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::sync::Arc;

/// The whole API.
pub fn router(state: Arc<AppState>) -> Router {
    let v1 = Router::new()
        .route(
            "/participants",
            post(admin::create_participant).get(admin::list_participants),
        )
        .route("/keys", post(keys::create_key).get(keys::list_keys))
        .route("/keys/{prefix}/revoke", post(keys::revoke_key))
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
        .route(
            "/orders/batch",
            post(batch::batch).layer(DefaultBodyLimit::max(BATCH_BODY_BYTES_MAX)),
        )
        .route("/orders/{id}", get(orders::show))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/orders/{id}/reduce", post(orders::reduce))
        .route("/trades", get(market::trades))
        .route("/book", get(market::book))
        .route("/depth", get(depth::depth_by_period))
        .route("/candles", get(candles::candles))
        .route("/index", get(prices::index))
        .route("/curve", get(prices::curve))
        .route("/search", get(search::search))
        .route("/events", get(market::events))
        .route("/contracts", get(contracts::list))
        .route("/contracts/{id}", get(contracts::show))
        .route("/contracts/{id}/exit-cost", get(positions::exit_cost))
        .route("/contracts/{id}/notice", post(contracts::notice))
        .route("/contracts/{id}/terminate", post(contracts::terminate))
        .route("/contracts/{id}/usage", get(usage::contract_usage))
        .route("/positions", get(portfolio::positions))
        .route("/positions/contracts", get(portfolio::position_contracts))
        .route("/positions/exposure", get(portfolio::exposure))
        .route(
            "/positions/plan",
            post(plans::plan).layer(DefaultBodyLimit::max(PLAN_BODY_BYTES_MAX)),
        )
        .route(
            "/plans",
            get(stored_plans::list)
                .post(stored_plans::upload)
                .layer(DefaultBodyLimit::max(PLAN_BODY_BYTES_MAX)),
        )
        .route("/plans/{id}", get(stored_plans::show))
        .route("/plans/{id}/apply", post(stored_plans::apply))
        .route("/utilization", get(utilization::utilization))
        .route("/delivery-terms", get(usage::delivery_terms))
        .route("/admin/delivery-terms", post(usage::set_delivery_terms))
        .route("/month-close", get(months::month_close))
        .route("/admin/month-close", post(months::set_month_close))
        .route(
            "/usage",
            post(usage::report).layer(DefaultBodyLimit::max(USAGE_BODY_BYTES_MAX)),
        )
        .route(
            "/procurements",
            get(procurements::list).post(procurements::create),
        )
        .route("/procurements/{id}", get(procurements::show))
        .route("/procurements/{id}/pause", post(procurements::pause))
        .route("/procurements/{id}/resume", post(procurements::resume))
        .route("/procurements/{id}/cancel", post(procurements::cancel))
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
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/types", get(webhooks::types))
        .route(
            "/webhooks/{id}",
            get(webhooks::show).delete(webhooks::delete),
        )
        .route("/webhooks/{id}/enable", post(webhooks::enable))
        .route("/webhooks/{id}/attempts", get(webhooks::attempts))
        .route("/webhooks/{id}/redeliver", post(webhooks::redeliver))
        .route("/admin/clock", post(admin::clock))
        .route("/admin/fees", post(money::set_fees))
        .route("/openapi.json", get(openapi::serve));
    Router::new()
        .nest("/v1", v1)
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn(crate::dry_run::layer))
        .layer(axum::middleware::from_fn(crate::problem::layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::count,
        ))
        .with_state(state)
}
