//! Market data: trades (your own with parties, or the public tape without), the order
//! book of a model, and the server-sent-events stream of public events.

use crate::extract::Q;
use crate::limits::BOOK_LEVELS_MAX;
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller, seq_problem};
use crate::views::{self, BookView, LevelView, Page, TradeView};
use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::Stream;
use megawatt_api::StreamEvent;
use megawatt_engine::Rule;
use megawatt_engine::ids::TradeId;
use megawatt_engine::order::Book;
use megawatt_engine::units::Window;
use megawatt_store::reader::{Scope, TradeFilter};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use utoipa::IntoParams;

/// Filters of the trade list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TradeQuery {
    /// `true`: only your trades, with parties. Default: the public tape, without parties.
    pub mine: Option<bool>,
    /// Only this model.
    pub model: Option<String>,
    /// Only from facilities in this region, e.g. `us-east`.
    pub region: Option<String>,
    /// Only trades delivered in part at or after this hour (their window ends after it).
    pub delivery_from: Option<String>,
    /// Only trades delivered in part before this hour (their window starts before it).
    pub delivery_to: Option<String>,
    /// Cursor from a previous page.
    pub before: Option<String>,
    /// Page size, 1 to 1000.
    pub limit: Option<usize>,
}

/// Trades, newest first: the public tape (no parties), or yours with `mine=true`.
#[utoipa::path(get, path = "/v1/trades", tag = "market", params(TradeQuery),
    responses((status = 200, body = Page<TradeView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn trades(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<TradeQuery>,
) -> Result<Json<Page<TradeView>>, Problem> {
    let (before, limit) = super::paging(&q.before, q.limit, TradeId::PREFIX)?;
    let mine = q.mine.unwrap_or(false);
    let scope = if mine && !caller.operator {
        Scope::Party(caller.id)
    } else {
        Scope::All
    };
    let filter = trade_filter(&state, q)?;
    let page = state
        .read(move |r| r.trades(scope, &filter, before, limit))
        .await?;
    Ok(super::page(
        &page,
        |t| views::trade(t, mine),
        |n| TradeId(n).to_string(),
    ))
}

/// Refuses a `model` the catalog does not have and a `region` no facility is in.
pub(super) fn known(
    state: &AppState,
    model: Option<&str>,
    region: Option<&str>,
) -> Result<(), Problem> {
    let names = state.seq.names();
    if let Some(m) = model
        && !names.models.iter().any(|x| x.id == m)
    {
        let detail = format!("model: no GPU model {m:?} in the catalog");
        return Err(Problem::unknown("model", detail).field("model"));
    }
    if let Some(r) = region
        && !names.regions.iter().any(|x| x == r)
    {
        let detail = format!("region: no facility is in a region {r:?}");
        return Err(Problem::rule(Rule::UnknownRegion, "region", &detail));
    }
    Ok(())
}

/// The tape's filter a query asks for: a model and a region the market knows, and a
/// delivery period that is not empty.
fn trade_filter(state: &AppState, q: TradeQuery) -> Result<TradeFilter, Problem> {
    known(state, q.model.as_deref(), q.region.as_deref())?;
    let hour = |field: &str, raw: &Option<String>| {
        raw.as_deref()
            .map(|v| super::hour_field(field, v))
            .transpose()
    };
    let (from, to) = (
        hour("delivery_from", &q.delivery_from)?,
        hour("delivery_to", &q.delivery_to)?,
    );
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        let detail = format!("the delivery period ends at {to}, not after its start {from}");
        return Err(Problem::rule(Rule::WindowEmpty, "delivery_to", &detail));
    }
    Ok(TradeFilter {
        model: q.model,
        region: q.region,
        delivery_from: from,
        delivery_to: to,
    })
}

/// Which book.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BookQuery {
    /// GPU model id, e.g. `h100-sxm`.
    pub model: String,
}

fn levels(rows: impl Iterator<Item = (i64, Window, u64)>) -> Vec<LevelView> {
    let mut agg: BTreeMap<(i64, Window), (u64, u32)> = BTreeMap::new();
    let mut order = Vec::new();
    for (price, w, gpus) in rows {
        let e = agg.entry((price, w)).or_insert_with(|| {
            order.push((price, w));
            (0, 0)
        });
        e.0 += gpus;
        e.1 += 1;
    }
    order
        .into_iter()
        .take(BOOK_LEVELS_MAX)
        .map(|k| {
            let (gpus, orders) = agg[&k];
            LevelView {
                price: views::money(k.0),
                start: k.1.start.to_string(),
                end: k.1.end.to_string(),
                gpus,
                orders,
            }
        })
        .collect()
}

fn book_view(e: &megawatt_engine::Engine, model: String, book: &Book) -> BookView {
    let asks = book.asks.iter().map(|(p, _, e)| {
        let most = book.ask_avail[e.slot as usize].max_over(e.window);
        (p, e.window, u64::from(most))
    });
    let bids = book
        .bids
        .iter()
        .map(|(p, _, e)| (-p, e.window, u64::from(e.remaining_gpus)));
    let now = e.last_tick();
    let ids: std::collections::BTreeSet<u32> =
        book.asks.iter().map(|(_, _, a)| a.facility).collect();
    let facilities = ids
        .into_iter()
        .take(crate::limits::BOOK_FACILITIES_MAX)
        .filter_map(|f| e.facility(megawatt_engine::ids::FacilityId(u64::from(f))))
        .map(|f| megawatt_api::BookFacilityView {
            facility: f.id.to_string(),
            provider: f.owner.to_string(),
            reliability_30d: views::reliability(e.facility_reliability(f.id, now)),
        })
        .collect();
    BookView {
        model,
        asks: levels(asks),
        bids: levels(bids),
        facilities,
    }
}

/// The order book of a model, aggregated by price and window (public).
#[utoipa::path(get, path = "/v1/book", tag = "market", params(BookQuery),
    responses((status = 200, body = BookView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn book(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    Q(q): Q<BookQuery>,
) -> Result<Json<BookView>, Problem> {
    on_book(&state, q.model, book_view).await.map(Json)
}

/// `view` of the book of `model` (its id), or `unknown_model`.
pub(super) async fn on_book<R: Send + 'static>(
    state: &AppState,
    model: String,
    view: impl FnOnce(&megawatt_engine::Engine, String, &Book) -> R + Send + 'static,
) -> Result<R, Problem> {
    let found = state
        .seq
        .query(move |e| {
            let idx = e.model_by_id(&model).map(|(idx, _)| idx);
            idx.map(|idx| view(e, model, e.book(idx)))
        })
        .await
        .map_err(seq_problem)?;
    found.ok_or_else(|| {
        Problem::unknown("model", "model: no such GPU model in the catalog").field("model")
    })
}

/// Where a reconnecting client resumes: after this event id (or send `Last-Event-ID`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// The id of the last event seen (`17.1`); the same as the `Last-Event-ID` header.
    pub after: Option<String>,
}

/// Public market events (orders arriving and leaving, trades without parties) and the
/// caller's own account events (fills, contracts, notices, invoices, quotes: see
/// `GET /v1/webhooks/types`), as server-sent events, each published after its commit,
/// each with an id (`seq.n`: the journal position of its command, and its rank among
/// that command's events). A client that reconnects with `Last-Event-ID` (or `?after=`)
/// first gets what it missed, from the store's event log (the events of the latest
/// `EVENTS_WINDOW_COMMANDS` commands, across restarts), then the live stream; if it
/// missed more than the log keeps, it gets a `gap` event and should read the state
/// again. A client that falls behind the live stream is caught up from the log.
#[utoipa::path(get, path = "/v1/events", tag = "market", params(EventsQuery),
    responses((status = 200, description = "text/event-stream of MarketEvent and AccountEvent", body = StreamEvent), (status = "4XX", body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Q(q): Q<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, Problem> {
    let header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let cursor = match q.after.or(header) {
        None => None,
        Some(raw) => Some(crate::feed::parse_id(&raw).ok_or_else(|| {
            Problem::invalid(
                "after",
                format!("after: {raw:?} is not an event id like 17.1"),
            )
        })?),
    };
    // Subscribe first, then read the log: nothing falls between the two, and what both
    // hold is sent once (live events at or before the last one sent are skipped).
    let live = state.market.subscribe();
    let floor = match cursor {
        Some(_) => state.read(|r| r.events_floor()).await?,
        None => 0,
    };
    let follow =
        super::follow::Follow::new(state.clone(), (caller.id, caller.key), live, cursor, floor);
    // The stream ends when the server shuts down, so that graceful shutdown never waits
    // on a subscriber.
    let mut stopping = state.stopping.clone();
    let stop = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    Ok(
        Sse::new(futures_util::StreamExt::take_until(follow.stream(), stop))
            .keep_alive(KeepAlive::default()),
    )
}
