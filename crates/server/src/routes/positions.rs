//! Positions: what leaving a contract would cost a party, had it given notice at a
//! moment (`GET /v1/contracts/{id}/exit-cost`), read from the read model's record and
//! computed by the engine's `positions::exit_cost`; nothing here computes money.

use crate::extract::Q;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{ExitCostView, money};
use axum::Json;
use axum::extract::{Path, State};
use megawatt_engine::contract::ContractRecord;
use megawatt_engine::positions::{NoExit, Party};
use megawatt_engine::units::Hour;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Whose exit, and when.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExitCostQuery {
    /// Who would leave: `buyer` or `seller` (default: your side of the contract; the
    /// operator's default is the buyer).
    pub party: Option<String>,
    /// When notice would be given: an hour, RFC 3339 (default: now on the market's
    /// clock, the moment a notice sent now would carry).
    pub at: Option<String>,
}

/// What leaving one of your contracts by notice would cost you (or, with `party`, the
/// other side): the effective end, the early-termination fee, what is still worth
/// paying until then and what leaving cuts off. Computed on the contract as it stands
/// now; a party that cannot leave is told why (`can_exit` false with a `reason`), not
/// refused.
#[utoipa::path(get, path = "/v1/contracts/{id}/exit-cost", tag = "contracts",
    params(("id" = String, Path, description = "Contract id, e.g. ctr-1"), ExitCostQuery),
    responses((status = 200, body = ExitCostView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn exit_cost(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
    Q(q): Q<ExitCostQuery>,
) -> Result<Json<ExitCostView>, Problem> {
    let c = super::contracts::party_contract(&state, caller, &raw).await?;
    let party = match q.party.as_deref() {
        Some(raw) => Party::parse(raw).ok_or_else(|| {
            Problem::invalid("party", format!("party: {raw:?} is not buyer or seller"))
        })?,
        None if c.seller == caller.id && !caller.operator => Party::Seller,
        None => Party::Buyer,
    };
    let at_ms = match q.at.as_deref() {
        Some(raw) => crate::parse::hour(raw)
            .map_err(|e| Problem::invalid("at", format!("at: {e}")))?
            .start_ms(),
        None => super::market_ms(&state),
    };
    Ok(Json(view(&c, party, at_ms)))
}

/// The exit cost as shown: the engine's figures, formatted.
fn view(c: &ContractRecord, party: Party, at_ms: u64) -> ExitCostView {
    let e = c.economics();
    let remaining = e.value_micros(Hour::containing(at_ms), c.ends);
    let mut v = ExitCostView {
        contract: c.id.to_string(),
        party: party.as_str().into(),
        at: crate::views::instant(at_ms),
        can_exit: false,
        reason: None,
        ends: c.ends.to_string(),
        remaining_term: remaining.map(money),
        notice_hours: None,
        effective: None,
        fee: None,
        until_effective: None,
        cut_off: None,
        buyer_saving: None,
    };
    match megawatt_engine::positions::exit_cost(&e, &c.terms, party, (at_ms, c.status)) {
        Ok(x) => {
            v.can_exit = true;
            v.notice_hours = Some(x.notice_hours);
            v.effective = Some(x.effective.to_string());
            v.fee = Some(money(x.fee_micros));
            v.until_effective = Some(money(x.until_effective_micros));
            v.cut_off = Some(money(x.cut_off_micros));
            if party == Party::Buyer {
                v.buyer_saving = x.buyer_saving_micros().map(money);
            }
        }
        Err(n) => {
            v.reason = Some(crate::views::positions::no_exit_reason(n).into());
            if let NoExit::PastEnd { effective } = n {
                v.effective = Some(effective.to_string());
            }
        }
    }
    v
}
