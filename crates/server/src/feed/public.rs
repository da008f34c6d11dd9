//! The public view of engine events, that every participant may see (no parties):
//! orders arriving and leaving, trades.

pub use megawatt_api::MarketEvent;
use megawatt_engine::catalog::Names;
use megawatt_engine::contract::Trade;
use megawatt_engine::event::Event;
use megawatt_engine::order::{Order, OrderKind};

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

fn trade_event(names: &Names, seq: u64, t: &Trade, region: &str) -> MarketEvent {
    MarketEvent::Trade {
        seq,
        id: t.id.to_string(),
        model: names.model_id(t.model).to_string(),
        region: region.to_string(),
        gpus: t.gpus,
        start: t.window.start.to_string(),
        end: t.window.end.to_string(),
        price: crate::views::money(t.price_micros),
        aggressor: t.aggressor.as_str().into(),
    }
}

/// The public view of an event, if it has one (`names` taken no earlier than the event;
/// `region`: a trade's, the region of its pool's facility).
pub fn public(names: &Names, seq: u64, e: &Event, region: &str) -> Option<MarketEvent> {
    match e {
        Event::OrderAccepted(o) => Some(order_event(names, seq, o)),
        Event::Trade(t) => Some(trade_event(names, seq, t, region)),
        Event::OrderClosed { order, reason } => Some(MarketEvent::Closed {
            seq,
            id: order.to_string(),
            reason: reason.as_str().into(),
        }),
        _ => None,
    }
}
