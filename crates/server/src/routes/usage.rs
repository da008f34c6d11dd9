//! Delivery: usage reports in batches (`POST /v1/usage`, all or nothing: the engine's
//! `metering.rs`), the reports of a contract (`GET /v1/contracts/{id}/usage`), and the
//! delivery terms of new fills (`GET /v1/delivery-terms`, the operator's
//! `POST /v1/admin/delivery-terms`).

use super::{hour_field, submit};
use crate::extract::{Body, IdemHeader, Q};
use crate::limits::{USAGE_RANGE_HOURS_MAX, USAGE_ROWS_MAX};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use axum::Json;
use axum::extract::{Path, State};
use megawatt_api::{ContractUsage, DeliveryTermsView, UsageAccepted, UsageReport, UsageView};
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_engine::ids::ContractId;
use megawatt_engine::units::Hour;
use megawatt_engine::usage::UsageRecord;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// The engine's records of a report, each field parsed (a bad one is a 422 naming
/// `records[i].field`).
fn records(body: UsageReport) -> Result<Vec<UsageRecord>, Problem> {
    let mut out = Vec::with_capacity(body.records.len());
    for (i, r) in body.records.into_iter().enumerate() {
        let field = |f: &str| format!("records[{i}].{f}");
        let contract = crate::parse::id(&r.contract, ContractId::PREFIX).ok_or_else(|| {
            let f = field("contract");
            Problem::invalid(
                &f,
                format!("{f}: {:?} is not a contract id like ctr-9", r.contract),
            )
        })?;
        let hour = hour_field(&field("hour"), &r.hour)?;
        out.push(UsageRecord {
            contract: ContractId(contract),
            line: r.line,
            hour,
            gpus: r.gpus,
            energy_wh: r.energy_wh,
        });
    }
    Ok(out)
}

/// Report usage of your contracts' lines, hour by hour: as a contract's seller the GPUs
/// delivered (up and usable by the buyer), as its buyer the GPUs used, optionally with
/// the energy drawn. 1 to 10,000 records, all accepted or none: a bad record refuses
/// the batch, naming it (`records[3].hour`) and its rule. A record replaces an earlier
/// one of the same line, hour and side until the hour's month closes (then
/// `month_closed`).
#[utoipa::path(post, path = "/v1/usage", tag = "usage", request_body = UsageReport,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = UsageAccepted), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<UsageReport>,
) -> Result<Json<UsageAccepted>, Problem> {
    let idem = body.idem(idem);
    let cmd = Command::ReportUsage {
        records: records(body.value)?,
    };
    let events = submit(&state, caller, cmd, idem).await?;
    let (delivered, used) = events
        .iter()
        .find_map(|e| match e {
            Event::UsageReported {
                delivered, used, ..
            } => Some((delivered.len(), used.len())),
            _ => None,
        })
        .unwrap_or_default();
    Ok(Json(UsageAccepted {
        records: delivered + used,
        delivered,
        used,
    }))
}

/// The hours of a contract's usage.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// From this hour (RFC 3339 on an hour; default: the contract's start).
    pub from: Option<String>,
    /// Until this hour (exclusive; default and at most 31 days after `from`).
    pub to: Option<String>,
}

/// The usage reports of one of your contracts (the operator: any), seller's and
/// buyer's, by hour, over at most 31 days. When a range holds more than 20,000
/// reports, the answer stops at an hour boundary and says so in its `to`: ask again
/// from there.
#[utoipa::path(get, path = "/v1/contracts/{id}/usage", tag = "usage", params(("id" = String, Path, description = "Contract id"), UsageQuery),
    responses((status = 200, body = ContractUsage), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn contract_usage(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
    Q(q): Q<UsageQuery>,
) -> Result<Json<ContractUsage>, Problem> {
    let c = super::contracts::party_contract(&state, caller, &raw).await?;
    let id = c.id.0;
    let at = |raw: &Option<String>, field: &str| {
        raw.as_deref().map(|t| hour_field(field, t)).transpose()
    };
    let from = at(&q.from, "from")?.unwrap_or(c.start());
    let longest = Hour(from.0.saturating_add(USAGE_RANGE_HOURS_MAX));
    let to = at(&q.to, "to")?.unwrap_or(longest);
    if to <= from {
        let detail = format!("the range ends at {to}, not after its start {from}");
        return Err(Problem::rule(
            megawatt_engine::Rule::WindowEmpty,
            "to",
            &detail,
        ));
    }
    if to > longest {
        let detail = format!(
            "a range is at most {USAGE_RANGE_HOURS_MAX} hours; from {from} it ends by {longest}"
        );
        return Err(Problem::rule(
            megawatt_engine::Rule::WindowTooLong,
            "to",
            &detail,
        ));
    }
    let mut rows = state
        .read(move |r| r.usage_reports(id, (from, to), USAGE_ROWS_MAX + 1))
        .await?;
    let mut to = to;
    if rows.len() > USAGE_ROWS_MAX {
        // Stop before the last hour fetched, which may be incomplete.
        let last = rows[USAGE_ROWS_MAX].hour;
        rows.retain(|r| r.hour < last);
        to = last;
    }
    let items = rows
        .into_iter()
        .map(|r| UsageView {
            line: r.line,
            hour: r.hour.to_string(),
            side: r.side.as_str().to_string(),
            gpus: r.gpus,
            energy_wh: r.energy_wh,
        })
        .collect();
    Ok(Json(ContractUsage {
        contract: raw,
        from: from.to_string(),
        to: to.to_string(),
        items,
    }))
}

/// The delivery terms that new exchange fills and resales get (contracts keep the
/// terms they were made with).
#[utoipa::path(get, path = "/v1/delivery-terms", tag = "usage",
    responses((status = 200, body = DeliveryTermsView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn delivery_terms(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
) -> Result<Json<DeliveryTermsView>, Problem> {
    let terms = state
        .seq
        .query(|e| e.delivery_defaults().clone())
        .await
        .map_err(crate::state::seq_problem)?;
    Ok(Json(crate::views::delivery(&terms)))
}

/// Operator: the delivery terms of exchange fills and resales made from now on: an
/// availability target (0 to 10,000 basis points), how unreported hours count
/// (`delivered` or `not_delivered`), pro-rata credits, and up to 4 tiers (thresholds
/// descending).
#[utoipa::path(post, path = "/v1/admin/delivery-terms", tag = "usage", request_body = DeliveryTermsView,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = DeliveryTermsView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn set_delivery_terms(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<DeliveryTermsView>,
) -> Result<Json<DeliveryTermsView>, Problem> {
    let idem = body.idem(idem);
    let cmd = Command::SetDeliveryDefaults(delivery_terms_of(&body.value, "unreported")?);
    if crate::dry_run::active() {
        let view = |e: &megawatt_engine::Engine, _: &[Event]| {
            crate::views::delivery(e.delivery_defaults())
        };
        return Ok(Json(
            crate::dry_run::simulate(&state, caller.id, cmd, view).await?,
        ));
    }
    submit(&state, caller, cmd, idem).await?;
    delivery_terms(State(state), caller).await
}

/// The delivery terms a request gives (`unreported`: the field naming how unreported
/// hours count, as the request spells it); the engine checks the rest.
pub(crate) fn delivery_terms_of(
    v: &DeliveryTermsView,
    unreported: &'static str,
) -> Result<megawatt_engine::delivery::DeliveryTerms, Problem> {
    use megawatt_engine::delivery::{CreditTier, DeliveryTerms, Unreported};
    let rule = Unreported::parse(&v.unreported).ok_or_else(|| {
        Problem::invalid(
            unreported,
            format!(
                "{unreported}: {:?} is not delivered or not_delivered",
                v.unreported
            ),
        )
    })?;
    Ok(DeliveryTerms {
        availability_target_bps: v.availability_target_bps,
        unreported: rule,
        pro_rata: v.pro_rata,
        tiers: v
            .tiers
            .iter()
            .map(|t| CreditTier {
                below_bps: t.below_bps,
                credit_bps: t.credit_bps,
            })
            .collect(),
    })
}
