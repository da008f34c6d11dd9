//! Invoices (`GET /v1/invoices`, `GET /v1/invoices/{id}`) with their lines, and the
//! FOCUS billing export (`GET /v1/billing/focus`): a month's charges as CSV in the
//! FinOps Foundation's FOCUS 1.0, your own as payer (the operator: anyone's, or all).

use crate::extract::Q;
use crate::focus;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::{self, Page};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use megawatt_api::{InvoiceLineView, InvoiceView};
use megawatt_engine::ids::InvoiceId;
use megawatt_engine::units::{Hour, days_from_civil};
use megawatt_store::limits::EXPORT_INVOICES_MAX;
use megawatt_store::reader::InvoiceRecord;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// Which month, and whose charges.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FocusQuery {
    /// The month, `YYYY-MM` (UTC); default: the last month closed, the one before the
    /// market clock's month.
    pub month: Option<String>,
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

/// The month before the first one still open: the last one closed and invoiced (in a
/// month's close grace, the month before last).
async fn last_closed_month(state: &AppState) -> Result<(Hour, Hour), Problem> {
    let this = state
        .seq
        .query(|e| e.usage_open_from())
        .await
        .map_err(crate::state::seq_problem)?;
    Ok((Hour(this.0.saturating_sub(1)).month_start(), this))
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
    Q(q): Q<FocusQuery>,
) -> Result<Response, Problem> {
    let period = match &q.month {
        Some(m) => month(m)?,
        None => last_closed_month(&state).await?,
    };
    let (y, m, _) = megawatt_engine::units::civil_from_days(i64::from(period.0.0 / 24));
    let party = match (&q.participant, caller.operator) {
        (None, true) => None,
        _ => Some(super::money::who(caller, &q.participant)?),
    };
    let charges = state
        .read(move |r| focus::charges(r, party, period))
        .await?
        .ok_or_else(|| {
            Problem::invalid(
                "month",
                format!(
                    "month: more than {EXPORT_INVOICES_MAX} invoices; export one payer at a time (participant=)"
                ),
            )
        })?;
    let name = format!("attachment; filename=\"megawatt-focus-{y:04}-{m:02}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        focus::csv(&charges),
    )
        .into_response())
}

/// Paging of invoices.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InvoiceQuery {
    /// Operator only: this participant's, as payer or payee (default: all).
    pub participant: Option<String>,
    /// Cursor from a previous page.
    pub before: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

/// Invoices you pay or are paid (the operator: all), newest first.
#[utoipa::path(get, path = "/v1/invoices", tag = "money", params(InvoiceQuery),
    responses((status = 200, body = Page<InvoiceView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn invoices(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<InvoiceQuery>,
) -> Result<Json<Page<InvoiceView>>, Problem> {
    let (before, limit) = super::paging(&q.before, q.limit, InvoiceId::PREFIX)?;
    let party = match (&q.participant, caller.operator) {
        (None, true) => None,
        _ => Some(super::money::who(caller, &q.participant)?),
    };
    let page = state
        .read(move |r| r.invoices(party, before, limit))
        .await?;
    Ok(super::page(&page, invoice_view, |n| {
        InvoiceId(n).to_string()
    }))
}

/// One invoice you pay or are paid (the operator: any), with its lines; anyone
/// else's is not found.
#[utoipa::path(get, path = "/v1/invoices/{id}", tag = "money",
    params(("id" = String, Path, description = "Invoice id, e.g. inv-4")),
    responses((status = 200, body = InvoiceView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn show_invoice(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<InvoiceView>, Problem> {
    let id = super::path_id(&raw, InvoiceId::PREFIX, "invoice")?;
    let found = state.read(move |r| r.invoice(id)).await?;
    let party = |r: &InvoiceRecord| {
        caller.operator || r.invoice.payer == caller.id || r.invoice.payee == caller.id
    };
    match found {
        Some(i) if party(&i) => Ok(Json(invoice_view(&i))),
        _ => Err(Problem::unknown(
            "invoice",
            format!("no invoice {}", InvoiceId(id)),
        )),
    }
}

/// An invoice as shown.
fn invoice_view(record: &InvoiceRecord) -> InvoiceView {
    let i = &record.invoice;
    let (charged, credited) = megawatt_engine::invoice::charged_and_credited(&record.lines);
    InvoiceView {
        id: i.id.to_string(),
        contract: i.contract.to_string(),
        payer: i.payer.to_string(),
        payee: i.payee.to_string(),
        charge: i.charge.as_str().into(),
        period_start: i.period.start.to_string(),
        period_end: i.period.end.to_string(),
        amount: views::money(i.amount_micros),
        charged: views::money(charged),
        credited: views::money(credited),
        due: i.due.to_string(),
        status: record.status.as_str().into(),
        lines: record
            .lines
            .iter()
            .map(|l| InvoiceLineView {
                line: l.line.map(usize::from),
                pool: l.pool.to_string(),
                gpus: l.gpus,
                gpu_hours: l.gpu_hours,
                amount: views::money(l.amount_micros),
                credit: l.amount_micros < 0,
            })
            .collect(),
        delivery_credit: record.credit.as_ref().map(views::delivery_credit),
    }
}
