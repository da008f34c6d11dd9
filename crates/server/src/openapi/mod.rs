//! The OpenAPI 3.1 document, generated from the handlers' annotations and the request
//! and response types; `shapes` writes in what the annotations cannot say of the
//! requests' shapes, `words` the meanings of the answers' states and their times'
//! format, `examples` an example of every request body, `answers` of every answer,
//! `codes` the problem codes of each operation.

mod answers;
mod answers_positions;
pub mod codes;
mod examples;
mod shapes;
mod words;

use crate::routes::{
    admin, batch, billing, candles, contracts, depth, facilities, keys, market, money, months, ops,
    orders, plans, portfolio, positions, prices, procurements, rfqs, search, stored_plans, usage,
    utilization, webhooks,
};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Megawatt", description = "An exchange and contract ledger for AI compute capacity.", version = "1"),
    paths(
        admin::create_participant, admin::list_participants, keys::create_key, keys::list_keys,
        keys::revoke_key, admin::me,
        admin::list_models, admin::create_model,
        facilities::create, facilities::list, facilities::show, facilities::reserve, facilities::reservations, facilities::release,
        orders::place, batch::batch, orders::list, orders::show, orders::cancel, orders::reduce,
        market::trades, market::book, market::events, depth::depth_by_period,
        candles::candles,
        prices::index,
        prices::curve,
        search::search,
        procurements::create, procurements::list, procurements::show, procurements::pause,
        procurements::resume, procurements::cancel,
        contracts::list, contracts::show, positions::exit_cost, portfolio::positions, portfolio::position_contracts, portfolio::exposure, plans::plan,
        stored_plans::upload, stored_plans::list, stored_plans::show, stored_plans::apply, contracts::notice, contracts::terminate,
        usage::report, usage::contract_usage, usage::delivery_terms, usage::set_delivery_terms,
        months::month_close, months::set_month_close,
        utilization::utilization,
        rfqs::create, rfqs::list, rfqs::show, rfqs::cancel, rfqs::quote, rfqs::quotes,
        rfqs::show_quote, rfqs::withdraw, rfqs::accept,
        money::balance, money::transfers, money::deposit, money::withdraw, money::credit_limit,
        money::fees, money::set_fees, billing::invoices, billing::show_invoice, billing::focus, admin::clock,
        webhooks::types, webhooks::create, webhooks::list, webhooks::show, webhooks::delete,
        webhooks::enable, webhooks::attempts, webhooks::redeliver,
        ops::healthz, ops::metrics,
    ),
    modifiers(&Bearer, &OperationIds)
)]
pub struct ApiDoc;

/// Declares the bearer-key security scheme.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Gives every operation an id unique in the document, `<tag>_<handler>`
/// (`facilities_list`, `orders_list`): handlers of different modules share names.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                let tag = op.tags.as_ref().and_then(|t| t.first()).cloned();
                if let (Some(tag), Some(id)) = (tag, op.operation_id.as_mut())
                    && !id.starts_with(&format!("{tag}_"))
                {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}

/// What an answer of a status means, where the handler's annotation says nothing.
fn description(status: &str) -> &'static str {
    match status {
        "200" => "Done: the answer",
        "201" => "Made: the answer",
        "204" => "Done; nothing to answer",
        _ => "See the operation's description",
    }
}

/// The document as served: the generated one, with what the annotations cannot say
/// written in. `/v1/events` is `text/event-stream`; every response has a description;
/// page sizes are bounded (1 to `PAGE_ITEMS_MAX`); refusals are `application/problem+json`
/// with each operation's codes per status (`codes`).
pub fn document() -> serde_json::Value {
    use serde_json::{Value, json};
    let json = ApiDoc::openapi().to_json().unwrap_or_default();
    let mut doc: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, r) in responses.iter_mut() {
                if r["description"].as_str().is_none_or(str::is_empty) {
                    r["description"] = json!(description(status));
                }
                if (status.as_str(), path.as_str()) == ("200", "/v1/events")
                    && let Some(content) = r.get_mut("content").and_then(Value::as_object_mut)
                    && let Some(body) = content.remove("application/json")
                {
                    content.insert("text/event-stream".into(), body);
                }
            }
            let params = op.get_mut("parameters").and_then(Value::as_array_mut);
            for p in params.into_iter().flatten() {
                if p["name"] == "limit" {
                    let most = match path.as_str() {
                        "/v1/search" => megawatt_engine::limits::MAX_SEARCH_RESULTS,
                        _ => crate::limits::PAGE_ITEMS_MAX,
                    };
                    p["schema"]["minimum"] = json!(1);
                    p["schema"]["maximum"] = json!(most);
                }
            }
        }
    }
    shapes::apply(&mut doc);
    let requests = shapes::request_schemas(&doc);
    words::apply(&mut doc, &requests);
    examples::apply(&mut doc);
    answers::apply(&mut doc);
    codes::apply(&mut doc);
    doc
}

/// `GET /v1/openapi.json`: the OpenAPI 3.1 document of this API, generated from the code
/// (once: it depends on nothing but the code).
pub async fn serve() -> axum::response::Response {
    use axum::response::IntoResponse;
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let json = JSON.get_or_init(|| serde_json::to_string_pretty(&document()).unwrap_or_default());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json.as_str(),
    )
        .into_response()
}
