//! Views of orders, trades and values of the index.

use super::*;
use megawatt_engine::contract::Trade;
use megawatt_engine::index::IndexValue;
use megawatt_engine::order::{Order, OrderKind, TimeInForce};
use megawatt_store::reader::{IndexRecord, OrderRecord, TradeRecord};

fn tif_view(tif: TimeInForce) -> (String, Option<String>) {
    let until = match tif {
        TimeInForce::Gtd { until } => Some(until.to_string()),
        _ => None,
    };
    (tif.name().to_string(), until)
}

/// The view of an order as the engine accepted it, with its status and fills so far.
pub fn order_of(
    o: &Order,
    model: &str,
    region: Option<&str>,
    status: &str,
    filled_gpu_hours: u64,
) -> OrderView {
    let (time_in_force, good_till) = tif_view(o.tif);
    let mut v = OrderView {
        id: o.id.to_string(),
        owner: o.owner.to_string(),
        side: String::new(),
        model: model.to_string(),
        pool: None,
        facility: None,
        contract: None,
        line: None,
        region: region.map(str::to_string),
        gpus: 0,
        start: o.window.start.to_string(),
        end: o.window.end.to_string(),
        hours: o.window.hours(),
        price: money(o.price_micros),
        time_in_force,
        good_till,
        min_fill_gpus: None,
        colocate: None,
        partial: None,
        min_reliability_bps: None,
        filled_gpu_hours,
        procurement: None,
        plan: None,
        status: status.to_string(),
    };
    match &o.kind {
        OrderKind::Ask(a) => {
            v.side = o.side().as_str().into();
            v.pool = Some(a.pool.to_string());
            v.facility = Some(a.facility.to_string());
            if let megawatt_engine::order::AskSource::Contract { contract, line } = a.source {
                v.contract = Some(contract.to_string());
                v.line = Some(line);
            }
            v.gpus = a.gpus;
            v.min_fill_gpus = Some(a.min_fill_gpus);
        }
        OrderKind::Bid(b) => {
            v.side = o.side().as_str().into();
            v.facility = b.facility.map(|f| f.to_string());
            v.gpus = b.gpus;
            v.colocate = Some(b.colocate);
            v.partial = Some(b.partial);
            v.min_reliability_bps = Some(b.min_reliability_bps).filter(|&m| m > 0);
        }
    }
    v
}

/// The view of an order from the history table.
pub fn order(r: &OrderRecord) -> OrderView {
    let (time_in_force, good_till) = tif_view(r.tif);
    OrderView {
        id: r.id.to_string(),
        owner: r.owner.to_string(),
        side: r.side.as_str().into(),
        model: r.model.clone(),
        pool: r.pool.map(|p| p.to_string()),
        facility: r.facility.map(|f| f.to_string()),
        contract: r.contract.map(|(c, _)| c.to_string()),
        line: r.contract.map(|(_, l)| l),
        region: r.region.clone(),
        gpus: r.gpus,
        start: r.window.start.to_string(),
        end: r.window.end.to_string(),
        hours: r.window.hours(),
        price: money(r.price_micros),
        time_in_force,
        good_till,
        min_fill_gpus: r.min_fill_gpus,
        colocate: r.colocate,
        partial: r.partial,
        min_reliability_bps: r.min_reliability_bps,
        filled_gpu_hours: r.filled_gpu_hours,
        procurement: r.procurement.map(|p| p.to_string()),
        plan: r.plan.map(|p| p.to_string()),
        status: r.status.as_str().into(),
    }
}
/// A trade from the table; `parties` adds who and which orders.
pub fn trade(t: &TradeRecord, parties: bool) -> TradeView {
    // The engine checked price x GPUs x hours when the order was placed.
    let notional = t.notional_micros().unwrap_or(i64::MAX);
    TradeView {
        id: t.id.to_string(),
        model: t.model.clone(),
        region: t.region.clone(),
        gpus: t.gpus,
        start: t.window.start.to_string(),
        end: t.window.end.to_string(),
        hours: t.window.hours(),
        price: money(t.price_micros),
        notional: money(notional),
        aggressor: t.aggressor.as_str().into(),
        time_ms: t.time_ms,
        buyer: parties.then(|| t.buyer.to_string()),
        seller: parties.then(|| t.seller.to_string()),
        bid: parties.then(|| t.bid.to_string()),
        ask: parties.then(|| t.ask.to_string()),
        pool: parties.then(|| t.pool.to_string()),
        contract: parties.then(|| t.contract.to_string()),
    }
}

/// A trade from an engine event (always the caller's own).
pub fn trade_of(t: &Trade, model: &str, region: &str) -> TradeView {
    trade(&TradeRecord::of(t, model, region), true)
}

/// A value of the index as the store keeps it.
pub fn index_record(r: &IndexRecord) -> IndexValueView {
    IndexValueView {
        at: r.at.to_string(),
        methodology_version: r.version,
        price: r.price_micros.map(money),
        unpublished: r.unpublished.clone(),
        prints: r.prints,
        gpu_hours: r.gpu_hours,
        sellers: r.sellers,
        through_trade: format!("trd-{}", r.through_trade),
    }
}

/// A value of the index as a tick published it.
pub fn index_value(v: &IndexValue) -> IndexValueView {
    index_record(&IndexRecord::of(v))
}
