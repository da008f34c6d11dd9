//! The handlers of the HTTP API under `/v1`, one module per resource, and what every
//! handler shares (submitting a
//! command and turning its outcome into events or a problem; pagination).

pub mod admin;
pub mod batch;
pub mod billing;
pub mod candles;
pub mod contracts;
pub mod depth;
pub mod facilities;
pub mod follow;
pub mod keys;
pub mod live;
pub mod market;
pub mod money;
pub mod months;
pub mod ops;
pub mod orders;
pub mod plans;
pub mod portfolio;
pub mod positions;
pub mod prices;
pub mod procurements;
pub mod rfqs;
pub mod search;
pub mod stored_plans;
pub mod usage;
pub mod utilization;
pub mod webhooks;

use crate::limits::{PAGE_ITEMS_DEFAULT, PAGE_ITEMS_MAX};
use crate::problem::Problem;
use crate::sequencer::Idem;
use crate::state::{AppState, Caller, seq_problem};
use megawatt_api::Empty;
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_store::Outcome;
use serde::Deserialize;
use utoipa::IntoParams;

/// Submits a command for the caller; the events if accepted, the problem if not.
pub async fn submit(
    state: &AppState,
    caller: Caller,
    command: Command,
    idem: Option<Idem>,
) -> Result<Vec<Event>, Problem> {
    if crate::dry_run::active() {
        let events = |_: &megawatt_engine::Engine, ev: &[Event]| ev.to_vec();
        return crate::dry_run::simulate(state, caller.id, command, events).await;
    }
    let outcome = state.seq.submit(caller.id, command, idem).await;
    events_of(outcome.map_err(seq_problem)?)
}

/// The events of an accepted command, or the problem of its rejection.
pub fn events_of(outcome: Outcome) -> Result<Vec<Event>, Problem> {
    match outcome {
        Outcome::Accepted { events, .. } => Ok(events),
        Outcome::Rejected {
            rule,
            field,
            detail,
        } => Err(Problem::rejection(&rule, &field, &detail)),
        Outcome::Unreadable { seq } => Err(unreadable_answer(seq)),
    }
}

/// The problem for a retry whose stored answer this version cannot read.
pub fn unreadable_answer(seq: Option<u64>) -> Problem {
    let done = seq.map_or_else(String::new, |s| format!(" (journal position {s})"));
    Problem::new(
        axum::http::StatusCode::CONFLICT,
        "idempotency_answer_unreadable",
        format!(
            "Idempotency-Key: the request with this key was carried out{done} before the exchange was upgraded, and its stored answer has a shape this version cannot read; read the result (the resource's GET) instead of retrying"
        ),
    )
    .field("Idempotency-Key")
}

/// Cursor pagination: `before` (an id from a previous page's `next`) and `limit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Return items older than this id (from the previous page's `next`).
    pub before: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

/// The answer of a list: each record shown with `view`, the cursor written as an id.
pub fn page<R, V>(
    page: &megawatt_store::reader::Page<R>,
    view: impl Fn(&R) -> V,
    id: impl Fn(u64) -> String,
) -> axum::Json<megawatt_api::Page<V>> {
    axum::Json(megawatt_api::Page {
        items: page.rows.iter().map(view).collect(),
        next: page.next.map(id),
    })
}

/// Paging of a list by id, oldest first (the directory, facilities): `after`, the `next`
/// of the previous page, and `limit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AfterQuery {
    /// Return items after this id (from the previous page's `next`).
    pub after: Option<String>,
    /// Items per page, 1 to 1000 (default 1000).
    pub limit: Option<usize>,
}

impl AfterQuery {
    /// The cursor (0: from the start) and the page size, checked.
    pub fn parse(&self, prefix: &str) -> Result<(u64, usize), Problem> {
        let after = match &self.after {
            None => 0,
            Some(s) => crate::parse::id(s, prefix).ok_or_else(|| {
                Problem::invalid(
                    "after",
                    format!("after: {s:?} is not a cursor from a previous page"),
                )
            })?,
        };
        let limit = self.limit.unwrap_or(PAGE_ITEMS_MAX);
        if !(1..=PAGE_ITEMS_MAX).contains(&limit) {
            return Err(Problem::invalid(
                "limit",
                format!("limit: {limit} must be between 1 and {PAGE_ITEMS_MAX}"),
            ));
        }
        Ok((after, limit))
    }
}

/// A page of the items (id, item) of a list by id after a cursor: at most `limit`, and
/// `next` (written by `id`) when more remain.
pub fn after_page<T>(
    mut items: Vec<(u64, T)>,
    limit: usize,
    id: impl Fn(u64) -> String,
) -> megawatt_api::Page<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    let next = more.then(|| items.last().map(|(n, _)| id(*n))).flatten();
    megawatt_api::Page {
        items: items.into_iter().map(|(_, t)| t).collect(),
        next,
    }
}

/// A list's cursor (`before`, an id with `prefix`) as a number and its page size, checked.
pub fn paging(
    before: &Option<String>,
    limit: Option<usize>,
    prefix: &str,
) -> Result<(Option<u64>, usize), Problem> {
    PageQuery {
        before: before.clone(),
        limit,
    }
    .parse(prefix)
}

impl PageQuery {
    /// The cursor as a number and the page size, checked.
    pub fn parse(&self, prefix: &str) -> Result<(Option<u64>, usize), Problem> {
        let before = match &self.before {
            None => None,
            Some(s) => Some(crate::parse::id(s, prefix).ok_or_else(|| {
                Problem::invalid(
                    "before",
                    format!("before: {s:?} is not a cursor from a previous page"),
                )
            })?),
        };
        let limit = self.limit.unwrap_or(PAGE_ITEMS_DEFAULT);
        if !(1..=PAGE_ITEMS_MAX).contains(&limit) {
            return Err(Problem::invalid(
                "limit",
                format!("limit: {limit} must be between 1 and {PAGE_ITEMS_MAX}"),
            ));
        }
        Ok((before, limit))
    }
}

/// An hour the request names in `field` (a body field or a query parameter), parsed
/// strictly; a bad one is `invalid_field` naming `field`.
pub fn hour_field(field: &str, raw: &str) -> Result<megawatt_engine::units::Hour, Problem> {
    crate::parse::hour(raw).map_err(|e| Problem::invalid(field, format!("{field}: {e}")))
}

/// An id field of a request (`fac-1`, or its digits), made into its type by `make`;
/// `invalid_field` naming `field` when it is not one.
pub fn id_field<T>(
    raw: &str,
    prefix: &str,
    field: &'static str,
    make: fn(u64) -> T,
) -> Result<T, Problem> {
    crate::parse::id(raw, prefix).map(make).ok_or_else(|| {
        Problem::invalid(
            field,
            format!("{field}: {raw:?} is not an id like {prefix}-1"),
        )
    })
}

/// The market's clock: the moment a command sent now would carry, the later of real
/// time and the engine's clock as of the last commit (a manual clock may be moved
/// ahead of real time). Read from the sequencer's counters: no request to it.
pub fn market_ms(state: &AppState) -> u64 {
    let clock = state
        .seq
        .stats
        .clock_ms
        .load(std::sync::atomic::Ordering::Acquire);
    crate::sequencer::now_ms().max(clock)
}

/// The market's clock as an hour ([`market_ms`]).
pub fn market_hour(state: &AppState) -> megawatt_engine::units::Hour {
    megawatt_engine::units::Hour::containing(market_ms(state))
}

/// A price per GPU-hour given as `price` (USD) or `price_micros`, exactly one of them.
pub fn price_of(usd: &Option<String>, micros: Option<i64>) -> Result<i64, Problem> {
    match (usd, micros) {
        (Some(p), None) => {
            crate::parse::usd(p).map_err(|e| Problem::invalid("price", format!("price: {e}")))
        }
        (None, Some(m)) => Ok(m),
        _ => Err(Problem::invalid(
            "price",
            "give exactly one of price (USD) and price_micros",
        )),
    }
}

/// Parses a path id like `ord-17`; a malformed one is simply not found.
pub fn path_id(raw: &str, prefix: &str, what: &str) -> Result<u64, Problem> {
    crate::parse::id(raw, prefix)
        .ok_or_else(|| Problem::unknown(&what.to_lowercase(), format!("no {what} {raw}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_whose_stored_answer_cannot_be_read_is_told_so_naming_the_key() {
        let p = events_of(Outcome::Unreadable { seq: Some(7) }).unwrap_err();
        assert_eq!(
            (p.status, p.code.as_str()),
            (409, "idempotency_answer_unreadable")
        );
        assert_eq!(p.field.as_deref(), Some("Idempotency-Key"));
        assert!(p.detail.contains("journal position 7"), "{}", p.detail);
        let p = events_of(Outcome::Unreadable { seq: None }).unwrap_err();
        assert!(!p.detail.contains("position"), "{}", p.detail);
    }
}
