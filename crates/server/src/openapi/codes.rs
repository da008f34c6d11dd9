//! The problem codes each operation can answer, written into the document as one
//! response per status whose `code` is an enum of them (described with their meanings
//! from the catalog). Each operation's own list is kept by hand beside the handlers'
//! rules; it is checked twice: the server's integration tests refuse any problem whose
//! code the document does not list for its operation and status, and schemathesis'
//! response-schema check does the same for every request it sends.
//!
//! Left out on purpose: `clock_went_backwards` (the sequencer stamps each command with
//! at least the engine's clock, so HTTP cannot reach it), `unknown_participant` for the
//! caller itself (a key exists only for a participant that exists), and `not_found` /
//! `method_not_allowed`, which belong to no operation (no route matched).

use crate::problem;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Every operation: a `Dry-Run` header that is not a boolean, and the exchange busy.
const EVERY: [&str; 2] = ["malformed_request", "unavailable"];

/// Every operation that takes a key (declares the bearer scheme).
const KEYED: [&str; 3] = ["unauthorized", "rate_limited", "insufficient_scope"];

/// Every POST that reads a JSON body (all but `webhooks_enable`).
const BODY: [&str; 5] = [
    "unsupported_media_type",
    "body_too_large",
    "unknown_field",
    "missing_field",
    "invalid_field",
];

/// POSTs that read no body.
const NO_BODY: [&str; 1] = ["webhooks_enable"];

/// What placing an order may be refused by (`POST /v1/orders`; a batch, for its
/// orders' shape and its size, names the same codes).
#[rustfmt::skip]
const PLACE: [&str; 24] = [
    "not_permitted", "unknown_model", "unknown_region", "unknown_facility",
    "unknown_pool", "not_owner", "unknown_contract", "contract_not_in_force",
    "out_of_range", "resale_exceeds_holding", "zero_gpus", "quantity_too_large",
    "window_empty", "window_too_long", "window_in_past", "price_not_positive",
    "overflow", "invalid_time_in_force", "invalid_min_fill", "limit_reached",
    "insufficient_capacity", "insufficient_funds", "no_feasible_start",
    "idempotency_key_reused",
];

/// Each operation's own codes, by operationId, beside the ones every operation shares
/// ([`codes`] adds those); the comment says what it asks the engine to do.
#[rustfmt::skip]
const OPERATION_CODES: &[(&str, &[&str])] = &[
    // participants / models / admin (routes/admin.rs)
    // POST /v1/participants: Command::AdmitParticipant.
    ("participants_create_participant", &[
        "not_permitted", "already_exists", "invalid_name", "invalid_roles", "limit_reached",
        "idempotency_key_reused",
    ]),
    // GET /v1/participants?after&limit: no command.
    ("participants_list_participants", &[
        "unknown_field", "invalid_field",
    ]),
    // POST /v1/keys: no command.
    ("participants_create_key", &[
        "not_permitted", "dry_run_unsupported", "unknown_participant", "key_already_issued",
        "idempotency_key_reused", "limit_reached",
    ]),
    // GET /v1/keys?participant: no command.
    ("participants_list_keys", &["not_permitted", "unknown_field", "invalid_field"]),
    // POST /v1/keys/{prefix}/revoke: no command.
    ("participants_revoke_key", &["unknown_key", "ambiguous_key", "dry_run_unsupported"]),
    // GET /v1/me: no command.
    ("participants_me", &[]),
    // GET /v1/models: no command.
    ("models_list_models", &[]),
    // POST /v1/models: Command::AddModel.
    ("models_create_model", &[
        "not_permitted", "invalid_name", "already_exists", "out_of_range", "limit_reached",
        "idempotency_key_reused",
    ]),
    // POST /v1/admin/clock: Command::Tick.
    ("admin_clock", &["not_permitted", "clock_not_manual", "invalid_tick"]),

    // facilities (routes/facilities.rs, engine admin.rs)
    // POST /v1/facilities: Command::CreateFacility.
    ("facilities_create", &[
        "not_permitted", "invalid_name", "out_of_range", "already_exists", "unknown_model",
        "zero_gpus", "quantity_too_large", "power_exceeded", "limit_reached",
        "idempotency_key_reused",
    ]),
    // GET /v1/facilities?after&limit: no command.
    ("facilities_list", &["unknown_field", "invalid_field"]),
    // GET /v1/facilities/{id}: no command.
    ("facilities_show", &["unknown_facility"]),
    // POST /v1/reservations: Command::Reserve.
    ("facilities_reserve", &[
        "unknown_pool", "not_owner", "zero_gpus", "quantity_too_large", "window_empty",
        "window_too_long", "window_in_past", "limit_reached", "insufficient_capacity",
        "idempotency_key_reused",
    ]),
    // GET /v1/reservations: no command.
    ("facilities_reservations", &[]),
    // POST /v1/reservations/{id}/release: Command::Release.
    ("facilities_release", &["unknown_reservation", "idempotency_key_reused"]),

    // orders (routes/orders.rs, engine place.rs)
    // POST /v1/orders: Command::PlaceAsk, Command::PlaceBid.
    ("orders_place", &PLACE),
    // POST /v1/orders/batch: Command::PlaceOrders (engine planning.rs): each order's own
    // refusal is in the answer; the problem is the batch's (its shape, its size).
    ("orders_batch", &PLACE),
    // GET /v1/orders?open&before&limit: no command.
    ("orders_list", &["unknown_field", "invalid_field"]),
    // GET /v1/orders/{id}: no command.
    ("orders_show", &["unknown_order"]),
    // POST /v1/orders/{id}/cancel: Command::Cancel.
    ("orders_cancel", &["unknown_order", "idempotency_key_reused"]),
    // POST /v1/orders/{id}/reduce: Command::Reduce.
    ("orders_reduce", &["unknown_order", "invalid_reduce", "idempotency_key_reused"]),

    // market (routes/market.rs)
    // GET /v1/trades?mine&model&region&delivery_from&delivery_to&before&limit.
    ("market_trades", &["unknown_field", "invalid_field", "unknown_model", "unknown_region", "window_empty"]),
    // GET /v1/book?model: no command.
    ("market_book", &[
        "missing_field", "unknown_field", "invalid_field", "unknown_model",
    ]),
    // GET /v1/candles: no command.
    ("market_candles", &[
        "missing_field", "unknown_field", "invalid_field", "unknown_model", "unknown_region",
        "window_empty", "window_too_long",
    ]),
    // GET /v1/index?model&region&span&from&to: no command.
    ("market_index", &[
        "missing_field", "unknown_field", "invalid_field", "unknown_model", "unknown_region",
        "window_empty", "window_too_long",
    ]),
    // GET /v1/curve?model&at: no command.
    ("market_curve", &["missing_field", "unknown_field", "invalid_field", "unknown_model"]),
    // GET /v1/search: no command (Engine::search on the sequencer's state).
    ("market_search", &[
        "missing_field", "unknown_field", "invalid_field", "unknown_model", "unknown_region",
        "unknown_facility", "zero_gpus", "quantity_too_large", "window_empty",
        "window_too_long", "window_in_past", "price_not_positive", "overflow", "out_of_range",
    ]),
    // GET /v1/depth?model&by: no command.
    ("market_depth_by_period", &[
        "missing_field", "unknown_field", "invalid_field", "unknown_model",
    ]),
    // GET /v1/events?after: no command.
    ("market_events", &["unknown_field", "invalid_field"]),

    // contracts (routes/contracts.rs, engine lifecycle.rs)
    // GET /v1/contracts?before&limit.
    ("contracts_list", &["unknown_field", "invalid_field"]),
    // GET /v1/contracts/{id}: no command.
    ("contracts_show", &["unknown_contract"]),
    // GET /v1/contracts/{id}/exit-cost?party&at: no command (engine positions::exit_cost).
    ("contracts_exit_cost", &["unknown_contract", "unknown_field", "invalid_field"]),
    // GET /v1/positions, /v1/positions/contracts, /v1/positions/exposure: no command
    // (engine portfolio::position, exposure::exposures / largest).
    ("positions_positions", &[
        "unknown_participant", "unknown_field", "invalid_field", "quantity_too_large",
    ]),
    ("positions_position_contracts", &[
        "unknown_participant", "unknown_field", "invalid_field", "quantity_too_large",
    ]),
    ("positions_exposure", &[
        "unknown_participant", "unknown_field", "invalid_field", "quantity_too_large",
    ]),
    // POST /v1/positions/plan: no command (engine plan::compare, plan::propose).
    ("positions_plan", &[
        "invalid_field", "out_of_range", "unknown_model", "zero_gpus", "duplicate_record",
        "price_not_positive", "quantity_too_large",
    ]),
    // POST /v1/plans: Command::UploadPlan (engine planning.rs, plan::demand).
    ("positions_upload", &[
        "invalid_field", "out_of_range", "unknown_model", "zero_gpus", "duplicate_record",
        "price_not_positive", "limit_reached", "idempotency_key_reused",
    ]),
    // GET /v1/plans?before&limit: no command.
    ("positions_list", &["unknown_field", "invalid_field"]),
    // GET /v1/plans/{id}: no command (engine plan::compare, plan::propose).
    ("positions_show", &["unknown_plan", "quantity_too_large"]),
    // POST /v1/plans/{id}/apply: Command::ApplyPlan (engine planning.rs); each order's
    // own refusal is in the answer, not the problem.
    ("positions_apply", &[
        "unknown_plan", "not_owner", "plan_applied", "quantity_too_large",
        "idempotency_key_reused",
    ]),
    // POST /v1/contracts/{id}/notice: Command::GiveNotice.
    ("contracts_notice", &[
        "unknown_contract", "contract_not_in_force", "no_right_of_notice", "notice_past_end",
        "idempotency_key_reused",
    ]),
    // POST /v1/contracts/{id}/terminate: Command::TerminateForCause.
    ("contracts_terminate", &[
        "unknown_contract", "contract_not_in_force", "cause_not_allowed", "nothing_overdue",
        "invalid_name", "idempotency_key_reused",
    ]),

    // usage (routes/usage.rs, engine metering.rs)
    // POST /v1/usage: Command::ReportUsage.
    ("usage_report", &[
        "invalid_field", "quantity_too_large", "unknown_contract", "out_of_range",
        "usage_hour_not_ended", "month_closed", "line_not_in_force", "usage_above_contracted",
        "duplicate_record", "idempotency_key_reused",
    ]),
    // GET /v1/contracts/{id}/usage?from&to: no command.
    ("usage_contract_usage", &[
        "unknown_field", "invalid_field", "unknown_contract", "window_empty", "window_too_long",
    ]),
    // GET /v1/utilization: no command.
    ("usage_utilization", &[
        "unknown_field", "invalid_field", "not_permitted", "unknown_contract", "window_empty",
        "window_too_long", "quantity_too_large",
    ]),
    // GET /v1/delivery-terms: no command.
    ("usage_delivery_terms", &[]),
    // POST /v1/admin/delivery-terms: Command::SetDeliveryDefaults.
    ("usage_set_delivery_terms", &[
        "not_permitted", "invalid_field", "out_of_range", "idempotency_key_reused",
    ]),
    // GET /v1/month-close: no command.
    ("usage_month_close", &[]),
    // POST /v1/admin/month-close: Command::SetMonthCloseGrace.
    ("usage_set_month_close", &["not_permitted", "out_of_range", "idempotency_key_reused"]),

    // standing procurements (routes/procurements.rs, engine procure.rs)
    // POST /v1/procurements: Command::CreateProcurement.
    ("procurements_create", &[
        "not_permitted", "unknown_model", "unknown_region", "zero_gpus", "quantity_too_large",
        "out_of_range", "price_not_positive", "overflow", "insufficient_funds",
        "limit_reached", "idempotency_key_reused",
    ]),
    // GET /v1/procurements?live&before&limit: no command.
    ("procurements_list", &["unknown_field", "invalid_field"]),
    // GET /v1/procurements/{id}: no command.
    ("procurements_show", &["unknown_procurement"]),
    // POST /v1/procurements/{id}/pause: Command::PauseProcurement.
    ("procurements_pause", &["unknown_procurement", "procurement_state", "idempotency_key_reused"]),
    // POST /v1/procurements/{id}/resume: Command::ResumeProcurement.
    ("procurements_resume", &["unknown_procurement", "procurement_state", "idempotency_key_reused"]),
    // POST /v1/procurements/{id}/cancel: Command::CancelProcurement.
    ("procurements_cancel", &["unknown_procurement", "idempotency_key_reused"]),

    // rfqs and quotes (routes/rfqs.rs, engine rfq.rs, quote_rules.rs)
    // POST /v1/rfqs: Command::CreateRfq.
    ("rfqs_create", &[
        "not_permitted", "out_of_range", "unknown_model", "zero_gpus", "quantity_too_large",
        "already_exists", "window_empty", "window_too_long", "window_in_past",
        "invalid_deadline", "unknown_region", "unknown_facility", "unknown_participant",
        "limit_reached", "idempotency_key_reused",
    ]),
    // GET /v1/rfqs?open&before&limit: no command.
    ("rfqs_list", &["unknown_field", "invalid_field"]),
    // GET /v1/rfqs/{id}: no command.
    ("rfqs_show", &["unknown_rfq"]),
    // POST /v1/rfqs/{id}/cancel: Command::CancelRfq.
    ("rfqs_cancel", &["unknown_rfq", "idempotency_key_reused"]),
    // POST /v1/rfqs/{id}/quotes: Command::SubmitQuote.
    ("rfqs_quote", &[
        "not_permitted", "unknown_rfq", "rfq_closed", "invalid_deadline", "limit_reached",
        "out_of_range", "unknown_pool", "not_owner", "zero_gpus", "quantity_too_large",
        "already_exists", "quote_unmet", "insufficient_capacity", "price_not_positive",
        "overflow", "idempotency_key_reused",
    ]),
    // GET /v1/rfqs/{id}/quotes: no command.
    ("rfqs_quotes", &["unknown_rfq"]),
    // GET /v1/quotes/{id}: no command.
    ("rfqs_show_quote", &["unknown_quote"]),
    // POST /v1/quotes/{id}/withdraw: Command::WithdrawQuote.
    ("rfqs_withdraw", &["unknown_quote", "idempotency_key_reused"]),
    // POST /v1/quotes/{id}/accept: Command::AcceptQuote.
    ("rfqs_accept", &[
        "unknown_quote", "not_permitted", "rfq_closed", "quote_expired", "insufficient_funds",
        "idempotency_key_reused",
    ]),

    // money (routes/money.rs, engine ledger.rs)
    // GET /v1/balances?participant.
    ("money_balance", &[
        "unknown_field", "invalid_field", "not_permitted",
        "unknown_participant",
    ]),
    // GET /v1/transfers?participant&before&limit&from&to: no command.
    ("money_transfers", &["unknown_field", "invalid_field", "not_permitted"]),
    // POST /v1/admin/deposits: Command::Deposit.
    ("money_deposit", &[
        "not_permitted", "unknown_participant", "amount_not_positive", "overflow",
        "invalid_name", "idempotency_key_reused",
    ]),
    // POST /v1/admin/withdrawals: Command::Withdraw.
    ("money_withdraw", &[
        "not_permitted", "unknown_participant", "amount_not_positive", "overflow",
        "invalid_name", "insufficient_funds", "idempotency_key_reused",
    ]),
    // POST /v1/admin/credit-limits: Command::SetCreditLimit.
    ("money_credit_limit", &[
        "not_permitted", "unknown_participant", "out_of_range", "insufficient_funds",
        "overflow", "idempotency_key_reused",
    ]),
    // GET /v1/fees: no command.
    ("money_fees", &[]),
    // POST /v1/admin/fees: Command::SetFees.
    ("money_set_fees", &["not_permitted", "out_of_range", "idempotency_key_reused"]),
    // GET /v1/invoices?participant&before&limit: no command.
    ("money_invoices", &["unknown_field", "invalid_field", "not_permitted"]),
    // GET /v1/invoices/{id}: no command.
    ("money_show_invoice", &["unknown_invoice"]),
    // GET /v1/billing/focus?month&participant: no command.
    ("money_focus", &["unknown_field", "invalid_field", "not_permitted"]),

    // webhooks (routes/webhooks.rs, webhooks/mod.rs, webhooks/address.rs)
    // No engine commands: the webhook registry is the server's own.
    ("webhooks_types", &[]),
    // POST /v1/webhooks.
    ("webhooks_create", &[
        "dry_run_unsupported", "invalid_webhook_url", "webhook_address_not_allowed",
        "no_event_types", "unknown_event_type", "duplicate_event_type",
        "invalid_description", "description_too_long", "too_many_webhooks",
    ]),
    // GET /v1/webhooks: no command.
    ("webhooks_list", &[]),
    // GET /v1/webhooks/{id}: no command.
    ("webhooks_show", &["unknown_webhook"]),
    // DELETE /v1/webhooks/{id}.
    ("webhooks_delete", &["dry_run_unsupported", "unknown_webhook"]),
    // POST /v1/webhooks/{id}/enable.
    ("webhooks_enable", &["dry_run_unsupported", "unknown_webhook"]),
    // GET /v1/webhooks/{id}/attempts?before&limit.
    ("webhooks_attempts", &[
        "unknown_field", "invalid_field", "unknown_webhook",
    ]),
    // POST /v1/webhooks/{id}/redeliver.
    ("webhooks_redeliver", &[
        "dry_run_unsupported", "unknown_webhook", "unknown_event", "event_type_not_subscribed",
    ]),

    // ops (routes/ops.rs)
    // GET /healthz.
    ("ops_healthz", &[]),
    ("ops_metrics", &[]),
];

/// The codes `operation` can answer (its method and whether it takes a key decide the
/// shared ones), or `None` for an operation the table does not know.
pub fn codes(operation: &str, post: bool, keyed: bool) -> Option<Vec<&'static str>> {
    let own = OPERATION_CODES.iter().find(|(id, _)| *id == operation)?.1;
    let mut all: Vec<&'static str> = EVERY.to_vec();
    if keyed {
        all.extend(KEYED);
    }
    if post && !NO_BODY.contains(&operation) {
        all.extend(BODY);
    }
    all.extend(own.iter().copied());
    // A retry's stored answer may be one an older version wrote, in another shape.
    if own.contains(&"idempotency_key_reused") {
        all.push("idempotency_answer_unreadable");
    }
    all.sort_unstable();
    all.dedup();
    Some(all)
}

/// The operations the table lists (a test checks they are the document's).
pub fn operations() -> impl Iterator<Item = &'static str> {
    OPERATION_CODES.iter().map(|(id, _)| *id)
}

/// Replaces each operation's `4XX` and `503` answers with one answer per status its
/// codes have. Panics on an operation the table does not know or a code not in the
/// catalog (the document's tests make the document, so neither can ship).
pub fn apply(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            let keyed = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let codes = codes(&id, method == "post", keyed)
                .unwrap_or_else(|| panic!("{id}: no list of problem codes"));
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            responses.retain(|status, _| !status.starts_with('4') && !status.starts_with('5'));
            let mut by_status: BTreeMap<u16, Vec<(&str, &str)>> = BTreeMap::new();
            for code in codes {
                let (status, meaning) = problem::describe(code)
                    .unwrap_or_else(|| panic!("{id}: {code} is not in the catalog"));
                by_status.entry(status).or_default().push((code, meaning));
            }
            for (status, codes) in by_status {
                responses.insert(status.to_string(), answer(&codes));
            }
        }
    }
}

/// The answer of one status: its codes with their meanings, and a schema that allows
/// only them.
fn answer(codes: &[(&str, &str)]) -> Value {
    let mut description = String::from("Refused (nothing was changed), with one of these codes:");
    for (code, meaning) in codes {
        description.push_str(&format!("\n- `{code}`: {meaning}"));
    }
    let codes: Vec<&str> = codes.iter().map(|(code, _)| *code).collect();
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "allOf": [
            { "$ref": "#/components/schemas/Problem" },
            { "type": "object", "properties": { "code": { "enum": codes } } },
        ] } } },
    })
}
