//! Public market data: the view of engine events that every participant may see
//! (no parties), published on the `/v1/events` stream only after the commit.

use megawatt_engine::catalog::Names;
use megawatt_engine::contract::Trade;
use megawatt_engine::event::Event;
use megawatt_engine::order::{Order, OrderKind};
use megawatt_engine::units::usd_string;
use serde::Serialize;
use utoipa::ToSchema;

/// One public market event.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MarketEvent {
    /// A trade, without its parties.
    Trade {
        /// Journal sequence number of the command that caused it.
        seq: u64,
        /// Trade id.
        id: String,
        /// GPU model.
        model: String,
        /// GPUs.
        gpus: u32,
        /// Window start, RFC 3339.
        start: String,
        /// Window end, RFC 3339.
        end: String,
        /// Price per GPU-hour, micro-USD.
        price_micros: i64,
        /// Price per GPU-hour, USD.
        price_usd: String,
        /// Side of the incoming order.
        aggressor: String,
    },
    /// An order arrived (it may trade at once, see the following events).
    Order {
        /// Journal sequence number.
        seq: u64,
        /// Order id.
        id: String,
        /// `buy` or `sell`.
        side: String,
        /// GPU model.
        model: String,
        /// GPUs.
        gpus: u32,
        /// Window start.
        start: String,
        /// Window end.
        end: String,
        /// Price (sell) or limit (buy) per GPU-hour, micro-USD.
        price_micros: i64,
        /// The same in USD.
        price_usd: String,
    },
    /// An order left the book.
    Closed {
        /// Journal sequence number.
        seq: u64,
        /// Order id.
        id: String,
        /// Why.
        reason: String,
    },
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
        price_micros: o.price_micros,
        price_usd: usd_string(o.price_micros),
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
        price_micros: t.price_micros,
        price_usd: usd_string(t.price_micros),
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
