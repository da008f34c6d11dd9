//! The OpenAPI 3.1 document, generated from the handlers' annotations and the request
//! and response types.

use crate::routes::{admin, billing, contracts, facilities, market, money, ops, orders, rfqs};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Megawatt", description = "An exchange and contract ledger for AI compute capacity.", version = "1"),
    paths(
        admin::create_participant, admin::list_participants, admin::create_key, admin::me,
        admin::list_models, admin::create_model,
        facilities::create, facilities::list, facilities::show, facilities::reserve, facilities::reservations, facilities::release,
        orders::place, orders::list, orders::show, orders::cancel, orders::reduce,
        market::trades, market::book, market::events,
        contracts::list, contracts::show, contracts::notice, contracts::terminate,
        rfqs::create, rfqs::list, rfqs::show, rfqs::cancel, rfqs::quote, rfqs::quotes,
        rfqs::show_quote, rfqs::withdraw, rfqs::accept,
        money::balance, money::transfers, money::deposit, money::withdraw, money::credit_limit,
        money::fees, money::set_fees, billing::invoices, billing::show_invoice, billing::focus, admin::clock,
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

/// `GET /v1/openapi.json`: the OpenAPI 3.1 document of this API, generated from the code.
pub async fn serve() -> axum::response::Response {
    use axum::response::IntoResponse;
    let json = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response()
}
