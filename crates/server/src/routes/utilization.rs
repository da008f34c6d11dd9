//! Utilization and delivery views (`GET /v1/utilization`, `docs/api.md`,
//! "Utilization"): a participant's contracts as buyer or seller, or one contract,
//! facility or pool, by day or month, from the store's contract lines and usage
//! reports (`reader/utilization.rs`).

use crate::extract::Q;
use crate::limits::{UTILIZATION_DAYS_MAX, UTILIZATION_LINES_MAX, UTILIZATION_MONTHS_MAX};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller, seq_problem};
use crate::views;
use axum::Json;
use axum::extract::State;
use megawatt_api::{UtilizationRow, UtilizationView};
use megawatt_engine::delivery::availability_bps;
use megawatt_engine::ids::{ContractId, FacilityId, ParticipantId, PoolId};
use megawatt_engine::positions::Party;
use megawatt_engine::units::Hour;
use megawatt_store::reader::{DayUse, UseScope};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// What to show.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UtilizationQuery {
    /// `buyer` (default: the contracts you buy) or `seller` (those you sell).
    #[serde(rename = "as")]
    #[param(rename = "as")]
    pub side: Option<String>,
    /// `day` (default) or `month`.
    pub by: Option<String>,
    /// From this hour, rounded down to its day or month (default: 30 days, or 12
    /// months, before `to`).
    pub from: Option<String>,
    /// Until this hour, rounded up to its day or month (default: now); at most 92
    /// days, or 24 months, after `from`.
    pub to: Option<String>,
    /// Only this contract of yours.
    pub contract: Option<String>,
    /// Only lines at this facility.
    pub facility: Option<String>,
    /// Only lines of this pool.
    pub pool: Option<String>,
    /// The operator: this participant's contracts (else everyone's).
    pub participant: Option<String>,
}

/// The note every view carries.
pub const NOTE: &str = "contracted: GPU-hours the contracts held; delivered and availability: the sellers' reports (unreported hours apart); used and utilization: the buyers' reports; idle: GPU-hours reported and not used, capacity a buyer paid for and could resell (mw sell --contract CTR --line N, or POST /v1/orders with side sell, contract and line)";

/// Utilization and delivery of your contracts (as buyer or seller; the operator:
/// everyone's or one participant's), or of one contract, facility or pool, by day or
/// month: GPU-hours contracted, delivered, used, unreported and idle, availability and
/// utilization, energy per GPU-hour where metered, and the month's delivery credits.
#[utoipa::path(get, path = "/v1/utilization", tag = "usage", params(UtilizationQuery),
    responses((status = 200, body = UtilizationView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn utilization(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<UtilizationQuery>,
) -> Result<Json<UtilizationView>, Problem> {
    let monthly = match q.by.as_deref() {
        None | Some("day") => false,
        Some("month") => true,
        Some(other) => {
            return Err(Problem::invalid(
                "by",
                format!("by: {other:?} is not day or month"),
            ));
        }
    };
    let now = state
        .seq
        .query(|e| e.last_tick())
        .await
        .map_err(seq_problem)?;
    let (from, to) = range(&q, monthly, now)?;
    let (side, scope) = scope(&state, caller, &q).await?;
    // Hours that have ended: reports can only be of those.
    let until = to.min(now);
    let found = state
        .read(move |r| r.utilization(scope, (from, to), until, UTILIZATION_LINES_MAX))
        .await?;
    let Some(u) = found else {
        // The side (`as`) chose more lines than a view sums.
        let detail = format!(
            "as: more than {UTILIZATION_LINES_MAX} contract lines: name a contract, facility or pool"
        );
        return Err(Problem::rule(
            megawatt_engine::Rule::QuantityTooLarge,
            "as",
            &detail,
        ));
    };
    let rows = if monthly {
        by_month(&u.days, &u.credits)
    } else {
        u.days
            .iter()
            .map(|d| row(day_span(d.day), &[*d], None))
            .collect()
    };
    Ok(Json(UtilizationView {
        side: side.into(),
        by: if monthly { "month" } else { "day" }.into(),
        from: from.to_string(),
        to: to.to_string(),
        note: NOTE.into(),
        rows,
    }))
}

/// The range asked, on day (or month) boundaries, checked against its bound.
fn range(q: &UtilizationQuery, monthly: bool, now: Hour) -> Result<(Hour, Hour), Problem> {
    let at = |raw: &Option<String>, field: &str| {
        raw.as_deref()
            .map(|t| super::hour_field(field, t))
            .transpose()
    };
    let floor = |h: Hour| {
        if monthly {
            h.month_start()
        } else {
            Hour(h.0 / 24 * 24)
        }
    };
    let ceil = |h: Hour| {
        let f = floor(h);
        if f == h {
            h
        } else if monthly {
            f.next_month_start()
        } else {
            Hour(f.0 + 24)
        }
    };
    let to = ceil(at(&q.to, "to")?.unwrap_or(now));
    let from = match at(&q.from, "from")? {
        Some(h) => floor(h),
        None if monthly => {
            let mut m = to;
            for _ in 0..12 {
                m = Hour(m.0.saturating_sub(1)).month_start();
            }
            m
        }
        None => Hour(to.0.saturating_sub(30 * 24)),
    };
    if to <= from {
        return Err(Problem::rejection(
            "window_empty",
            "to",
            "to: not after from",
        ));
    }
    let (days, most) = (
        (to.0 - from.0) / 24,
        if monthly {
            UTILIZATION_MONTHS_MAX * 31
        } else {
            UTILIZATION_DAYS_MAX
        },
    );
    if days > most {
        let what = if monthly {
            format!("{UTILIZATION_MONTHS_MAX} months")
        } else {
            format!("{UTILIZATION_DAYS_MAX} days")
        };
        return Err(Problem::rejection(
            "window_too_long",
            "to",
            &format!("to: at most {what} after from"),
        ));
    }
    Ok((from, to))
}

/// Whose contracts: `as` buyer or seller of the caller (the operator: of
/// `participant`, or everyone's), narrowed to a contract, facility or pool.
async fn scope(
    state: &Arc<AppState>,
    caller: Caller,
    q: &UtilizationQuery,
) -> Result<(&'static str, UseScope), Problem> {
    let id = |raw: &Option<String>, prefix: &str, field: &str| {
        raw.as_deref()
            .map(|r| {
                crate::parse::id(r, prefix).ok_or_else(|| {
                    Problem::invalid(field, format!("{field}: {r:?} is not a {prefix}- id"))
                })
            })
            .transpose()
    };
    let whose = match (caller.operator, id(&q.participant, "p", "participant")?) {
        (true, p) => p.map(ParticipantId),
        (false, None) => Some(caller.id),
        (false, Some(_)) => {
            return Err(Problem::forbidden(
                "only the operator views another participant's contracts",
            ));
        }
    };
    let seller_side = match q.side.as_deref() {
        None => false,
        Some(raw) => {
            let party = Party::parse(raw).ok_or_else(|| {
                Problem::invalid("as", format!("as: {raw:?} is not buyer or seller"))
            })?;
            party == Party::Seller
        }
    };
    let (side, buyer, seller) = match (whose, seller_side) {
        (None, _) => ("all", None, None),
        (Some(p), false) => ("buyer", Some(p), None),
        (Some(p), true) => ("seller", None, Some(p)),
    };
    let contract = id(&q.contract, ContractId::PREFIX, "contract")?.map(ContractId);
    if let (Some(raw), false) = (&q.contract, caller.operator) {
        super::contracts::party_contract(state, caller, raw)
            .await
            .map_err(|p| p.field("contract"))?;
    }
    let scope = UseScope {
        buyer,
        seller,
        contract,
        facility: id(&q.facility, FacilityId::PREFIX, "facility")?.map(FacilityId),
        pool: id(&q.pool, PoolId::PREFIX, "pool")?.map(PoolId),
    };
    Ok((side, scope))
}

/// The hours of day `day`.
fn day_span(day: u32) -> (Hour, Hour) {
    (Hour(day * 24), Hour(day * 24 + 24))
}

/// The days folded into their months, each with its credits.
fn by_month(days: &[DayUse], credits: &[(Hour, i64)]) -> Vec<UtilizationRow> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let start = Hour(days[i].day * 24).month_start();
        let end = start.next_month_start();
        let n = days[i..].iter().take_while(|d| d.day * 24 < end.0).count();
        let credit = credits
            .iter()
            .find(|(m, _)| *m == start)
            .map_or(0, |(_, c)| *c);
        out.push(row((start, end), &days[i..i + n], Some(credit)));
        i += n;
    }
    out
}

/// One row from its days' figures.
fn row((start, end): (Hour, Hour), days: &[DayUse], credits: Option<i64>) -> UtilizationRow {
    let mut t = DayUse::default();
    for d in days {
        t.add(d);
    }
    let share = |of: u64, part: u64| (of > 0).then(|| availability_bps(of, part));
    UtilizationRow {
        start: start.to_string(),
        end: end.to_string(),
        contracted_gpu_hours: t.contracted_gpu_hours,
        delivery_reported_gpu_hours: t.delivery_reported_gpu_hours,
        delivered_gpu_hours: t.delivered_gpu_hours,
        unreported_gpu_hours: t
            .contracted_gpu_hours
            .saturating_sub(t.delivery_reported_gpu_hours),
        availability_bps: share(t.delivery_reported_gpu_hours, t.delivered_gpu_hours),
        use_reported_gpu_hours: t.use_reported_gpu_hours,
        used_gpu_hours: t.used_gpu_hours,
        idle_gpu_hours: t.use_reported_gpu_hours - t.used_gpu_hours.min(t.use_reported_gpu_hours),
        utilization_bps: share(t.use_reported_gpu_hours, t.used_gpu_hours),
        energy_wh: (t.metered_gpu_hours > 0).then_some(t.energy_wh),
        wh_per_gpu_hour: (t.metered_gpu_hours > 0).then(|| t.energy_wh / t.metered_gpu_hours),
        credits: credits.map(views::money),
    }
}
