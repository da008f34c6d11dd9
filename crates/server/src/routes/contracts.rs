//! Contracts: your own (the operator sees all).

use super::{PageQuery, path_id};
use crate::extract::Q;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{ContractView, Page};
use axum::Json;
use axum::extract::{Path, State};
use megawatt_engine::ids::ContractId;
use megawatt_store::reader::Scope;
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
    let scope = if caller.operator {
        Scope::All
    } else {
        Scope::Party(caller.id)
    };
    let page = state
        .read(move |r| r.contracts(scope, before, limit))
        .await?;
    Ok(Json(Page {
        items: page.rows.iter().map(ContractView::from_row).collect(),
        next: page.next.map(|n| ContractId(n).to_string()),
    }))
}

/// One of your contracts (anyone else's is not found).
#[utoipa::path(get, path = "/v1/contracts/{id}", tag = "contracts",
    params(("id" = String, Path, description = "Contract id, e.g. ctr-9")),
    responses((status = 200, body = ContractView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<ContractView>, Problem> {
    let id = path_id(&raw, ContractId::PREFIX, "contract")?;
    let row = state.read(move |r| r.contract(id)).await?;
    match row {
        Some(c) if caller.operator || c.buyer == caller.id.0 || c.seller == caller.id.0 => {
            Ok(Json(ContractView::from_row(&c)))
        }
        _ => Err(Problem::not_found(format!("no contract {raw}"))),
    }
}
