//! The public view of engine events, that every participant may see (no parties):
//! orders arriving and leaving, trades, the top of each book, the index and the curve as
//! the ticks publish them.

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

/// A model's (by index) best bid and ask.
pub fn top(
    names: &Names,
    seq: u64,
    model: usize,
    (bid, ask): (Option<i64>, Option<i64>),
) -> MarketEvent {
    MarketEvent::Top {
        seq,
        model: names.models[model].id.clone(),
        best_bid: bid.map(crate::views::money),
        best_ask: ask.map(crate::views::money),
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
        Event::IndexPublished(v) => Some(MarketEvent::Index {
            seq,
            model: names.model_id(v.model).to_string(),
            region: v.region.map(|r| names.region(r).to_string()),
            span: v.span.as_str().into(),
            value: crate::views::index_value(v),
        }),
        Event::CurvePublished(c) => Some(MarketEvent::Curve {
            seq,
            model: names.model_id(c.model).to_string(),
            at: c.at.to_string(),
            points: c.points.len(),
        }),
        _ => None,
    }
}
