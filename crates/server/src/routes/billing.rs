//! The FOCUS billing export (`GET /v1/billing/focus`): a month's charges as CSV in the
//! FinOps Foundation's FOCUS 1.0, your own as payer (the operator: anyone's, or all).

use crate::focus;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use megawatt_engine::ids::ParticipantId;
use megawatt_engine::units::{Hour, days_from_civil};
use megawatt_store::reader::MAX_EXPORT_INVOICES;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Which month, and whose charges.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FocusQuery {
    /// The month, `YYYY-MM` (UTC).
    pub month: String,
    /// Operator only: this payer's charges (default: everyone's).
    pub participant: Option<String>,
}

/// A month `YYYY-MM` as its first hour and the next month's first hour.
pub fn month(raw: &str) -> Result<(Hour, Hour), Problem> {
    let bad = || {
        Problem::invalid(
            "month",
            format!("month: {raw:?} is not a month like 2027-01 between 1970-01 and 2400-12"),
        )
    };
    let b = raw.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
        return Err(bad());
    }
    let (Ok(y), Ok(m)) = (raw[..4].parse::<i64>(), raw[5..].parse::<u32>()) else {
        return Err(bad());
    };
    if !(1970..=2400).contains(&y) || !(1..=12).contains(&m) {
        return Err(bad());
    }
    let hour = |y, m| u32::try_from(days_from_civil(y, m, 1) * 24).map(Hour);
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    match (hour(y, m), hour(next.0, next.1)) {
        (Ok(start), Ok(end)) => Ok((start, end)),
        _ => Err(bad()),
    }
}

/// A month's charges as FOCUS 1.0 CSV: one row per contract line and charge. Usage is
/// invoiced in arrears at the month's close, so a month still open shows only the
/// early-termination fees invoiced so far.
#[utoipa::path(get, path = "/v1/billing/focus", tag = "money", params(FocusQuery),
    responses((status = 200, content_type = "text/csv", description = "FOCUS 1.0 CSV"),
        (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn focus(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    crate::extract::Q(q): crate::extract::Q<FocusQuery>,
) -> Result<Response, Problem> {
    let period = month(&q.month)?;
    let party = match (&q.participant, caller.operator) {
        (None, true) => None,
        (None, false) => Some(caller.id),
        (Some(_), false) => {
            return Err(Problem::rule(
                megawatt_engine::Rule::NotPermitted,
                "participant",
                "only the operator exports other participants' charges",
            ));
        }
        (Some(raw), true) => Some(
            crate::parse::id(raw, ParticipantId::PREFIX)
                .map(ParticipantId)
                .ok_or_else(|| {
                    Problem::invalid(
                        "participant",
                        format!("participant: {raw:?} is not a participant id like p-3"),
                    )
                })?,
        ),
    };
    let charges = state
        .read(move |r| focus::charges(r, party, period))
        .await?
        .ok_or_else(|| {
            Problem::invalid(
                "month",
                format!(
                    "month: more than {MAX_EXPORT_INVOICES} invoices; export one payer at a time (participant=)"
                ),
            )
        })?;
    let name = format!("attachment; filename=\"megawatt-focus-{}.csv\"", q.month);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        focus::csv(&charges),
    )
        .into_response())
}
