//! The feed: what `/v1/events` and the webhooks send. After each command the sequencer
//! renders its events ([`render`]): the public view every participant may see
//! ([`public`]: orders, trades without parties) and each party's own account events
//! ([`account`]: fills, contract changes, invoices, quotes). The rows go into the
//! command's batch (the store's event log, in the journal's transaction) and, once
//! durable, onto the live channel. Each has an id `seq.n`: the journal position of its
//! command and its rank among that command's rows; ids grow with time.

pub mod account;
pub mod public;

use megawatt_engine::Engine;
use megawatt_engine::catalog::Names;
use megawatt_engine::event::Event;
use megawatt_engine::ids::ParticipantId;
pub use megawatt_store::outbox::FeedRow;
use std::sync::Arc;
use tokio::sync::broadcast;

/// An event id (`17.1`) as `(seq, n)`; `17` alone is `(17, u32::MAX)`: after all of 17.
pub fn parse_id(raw: &str) -> Option<(u64, u32)> {
    match raw.split_once('.') {
        Some((s, n)) => Some((s.parse().ok()?, n.parse().ok()?)),
        None => Some((raw.parse().ok()?, u32::MAX)),
    }
}

/// A row's id: `seq.n`.
pub fn id(row: &FeedRow) -> String {
    event_id(position(row))
}

/// The id of the event at `(seq, n)`: `seq.n`.
pub fn event_id((seq, n): (u64, u32)) -> String {
    format!("{seq}.{n}")
}

/// A row's place in the feed's order.
pub fn position(row: &FeedRow) -> (u64, u32) {
    (row.seq, row.n)
}

/// Whether `viewer` (none: anyone) may see a row: public rows, and its own.
pub fn visible(row: &FeedRow, viewer: Option<ParticipantId>) -> bool {
    row.audience.is_none() || row.audience == viewer
}

/// The rows of one command's events, in order: each event's public view (if any), then
/// its account events (one per party it concerns). `engine` is the state right after
/// the command; `names` are no older.
pub fn render(
    engine: &Engine,
    names: &Names,
    seq: u64,
    time_ms: u64,
    events: &[Event],
) -> Vec<FeedRow> {
    let mut rows = Vec::new();
    let mut push = |audience: Option<ParticipantId>, kind: &str, body: String| {
        let n = rows.len() as u32;
        rows.push(FeedRow {
            seq,
            n,
            audience,
            kind: kind.to_string(),
            time_ms,
            body,
        });
    };
    for e in events {
        let region = match e {
            Event::Trade(t) => engine.pool_region(t.pool).map(|r| names.region(r)),
            _ => None,
        };
        if let Some(m) = public::public(names, seq, e, region.unwrap_or_default()) {
            push(None, m.kind(), to_json(&m));
        }
        for (party, a) in account::account(engine, names, e, events) {
            push(Some(party), a.kind(), to_json(&a));
        }
    }
    rows
}

/// Each model's best bid and ask as last published (`None`: none published yet).
pub type Tops = Vec<Option<(Option<i64>, Option<i64>)>>;

/// A `top` row for every model whose best bid or ask differs from what `last` holds,
/// after a command that placed, reduced, filled or closed orders (`events`); `last` is
/// brought up to date. After a restart `last` starts empty, so each model's first
/// change is published even if the top is the one before the restart.
pub fn top_changes(
    engine: &Engine,
    names: &Names,
    (seq, time_ms): (u64, u64),
    events: &[Event],
    (last, rows): (&mut Tops, &mut Vec<FeedRow>),
) {
    let moved = events.iter().any(|e| {
        matches!(
            e,
            Event::OrderAccepted(_)
                | Event::OrderClosed { .. }
                | Event::OrderReduced { .. }
                | Event::Trade(_)
        )
    });
    if !moved {
        return;
    }
    last.resize(names.models.len(), None);
    for (i, seen) in last.iter_mut().enumerate() {
        let book = engine.book(megawatt_engine::ids::ModelIdx(i as u16));
        let top = (book.bids.best().map(|k| -k), book.asks.best());
        if *seen == Some(top) || (seen.is_none() && top == (None, None)) {
            continue;
        }
        *seen = Some(top);
        let m = public::top(names, seq, i, top);
        rows.push(FeedRow {
            seq,
            n: rows.len() as u32,
            audience: None,
            kind: m.kind().to_string(),
            time_ms,
            body: to_json(&m),
        });
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("API types serialize")
}

/// The live channel: rows published after their commit, to every subscriber.
#[derive(Debug)]
pub struct Feed {
    live: broadcast::Sender<Arc<FeedRow>>,
}

impl Feed {
    /// A feed with no subscribers yet.
    pub fn new() -> Arc<Feed> {
        Arc::new(Feed {
            live: broadcast::channel(crate::limits::EVENTS_QUEUE_LEN).0,
        })
    }

    /// Sends a committed row to every subscriber.
    pub fn publish(&self, row: Arc<FeedRow>) {
        let _ = self.live.send(row);
    }

    /// A subscription to what is published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<FeedRow>> {
        self.live.subscribe()
    }
}
