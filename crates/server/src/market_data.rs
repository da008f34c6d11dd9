//! Public market data: the view of engine events that every participant may see
//! (no parties), published on the `/v1/events` stream only after the commit, each with
//! an id, and the latest of them kept for clients that reconnect (`Last-Event-ID`).

pub use megawatt_api::MarketEvent;
use megawatt_engine::catalog::Names;
use megawatt_engine::contract::Trade;
use megawatt_engine::event::Event;
use megawatt_engine::order::{Order, OrderKind};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// A market event with its place in the market's history: the journal sequence number
/// of the command that made it, and its rank among that command's public events. Its
/// id is `seq.n` (`17.0`, `17.1`); ids grow with time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The command's journal sequence number.
    pub seq: u64,
    /// Its rank among the command's public events.
    pub n: u32,
    /// The event.
    pub event: MarketEvent,
}

impl Published {
    /// `seq.n`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.seq, self.n)
    }
}

/// An event id (`17.1`) as `(seq, n)`; `17` alone is `(17, u32::MAX)`: after all of 17.
pub fn parse_id(raw: &str) -> Option<(u64, u32)> {
    match raw.split_once('.') {
        Some((s, n)) => Some((s.parse().ok()?, n.parse().ok()?)),
        None => Some((raw.parse().ok()?, u32::MAX)),
    }
}

/// The feed: the live channel, and the latest [`crate::limits::EVENTS_KEPT`] events
/// since the server started, for a client that reconnects with the id of the last
/// event it saw.
#[derive(Debug)]
pub struct Feed {
    live: broadcast::Sender<Published>,
    kept: Mutex<Kept>,
}

/// The kept events, and the floor: every event after it is kept.
#[derive(Debug)]
struct Kept {
    events: VecDeque<Published>,
    floor: (u64, u32),
}

/// Events after a cursor that the feed no longer keeps (or never had: before this
/// server started): the client must read the state again.
#[derive(Debug, PartialEq, Eq)]
pub struct Gap;

impl Feed {
    /// An empty feed for a server whose journal ends at `start_seq`: events of later
    /// commands are kept (up to the bound); earlier ones it never had.
    pub fn new(start_seq: u64) -> Arc<Feed> {
        Arc::new(Feed {
            live: broadcast::channel(crate::limits::EVENTS_QUEUE_LEN).0,
            kept: Mutex::new(Kept {
                events: VecDeque::new(),
                floor: (start_seq, u32::MAX),
            }),
        })
    }

    /// Keeps an event (forgetting the oldest beyond the bound) and sends it live.
    pub fn publish(&self, p: Published) {
        {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            if kept.events.len() == crate::limits::EVENTS_KEPT
                && let Some(old) = kept.events.pop_front()
            {
                kept.floor = (old.seq, old.n);
            }
            kept.events.push_back(p.clone());
        }
        let _ = self.live.send(p);
    }

    /// A subscription to what is published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.live.subscribe()
    }

    /// The kept events after `after`, oldest first; a [`Gap`] when some of the events
    /// after it are not kept.
    pub fn since(&self, after: (u64, u32)) -> Result<Vec<Published>, Gap> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if after < kept.floor {
            return Err(Gap);
        }
        Ok(kept
            .events
            .iter()
            .filter(|p| (p.seq, p.n) > after)
            .cloned()
            .collect())
    }
}

fn order_event(names: &Names, seq: u64, o: &Order) -> MarketEvent {
    let gpus = match &o.kind {
        OrderKind::Ask(a) => a.gpus,
        OrderKind::Bid(b) => b.gpus,
    };
    MarketEvent::Order {
        seq,
        id: o.id.to_string(),
        side: o.side().as_str().into(),
        model: names.model_id(o.model).to_string(),
        gpus,
        start: o.window.start.to_string(),
        end: o.window.end.to_string(),
        price: crate::views::money(o.price_micros),
    }
}

fn trade_event(names: &Names, seq: u64, t: &Trade) -> MarketEvent {
    MarketEvent::Trade {
        seq,
        id: t.id.to_string(),
        model: names.model_id(t.model).to_string(),
        gpus: t.gpus,
        start: t.window.start.to_string(),
        end: t.window.end.to_string(),
        price: crate::views::money(t.price_micros),
        aggressor: t.aggressor.as_str().into(),
    }
}

/// The public view of an event, if it has one (`names` taken no earlier than the event).
pub fn public(names: &Names, seq: u64, e: &Event) -> Option<MarketEvent> {
    match e {
        Event::OrderAccepted(o) => Some(order_event(names, seq, o)),
        Event::Trade(t) => Some(trade_event(names, seq, t)),
        Event::OrderClosed { order, reason } => Some(MarketEvent::Closed {
            seq,
            id: order.to_string(),
            reason: reason.as_str().into(),
        }),
        _ => None,
    }
}
