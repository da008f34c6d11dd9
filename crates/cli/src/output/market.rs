//! Tables of the market's answers: participants, keys, facilities, reservations,
//! orders, trades, the book.

use super::{opt, t, table, usd};
use megawatt_api::{
    BookView, FacilityView, KeyView, LevelView, OrderView, ParticipantView, PlacedView,
    ReservationView, TradeView,
};

/// A participant just admitted.
pub fn participant(p: &ParticipantView) {
    println!(
        "created participant {} ({}) roles: {}",
        p.id,
        p.name,
        p.roles.join(", ")
    );
}

/// A key just made.
pub fn key(k: &KeyView) {
    println!(
        "key for {} (shown once):\n  MW_TOKEN={}",
        k.participant, k.key
    );
}

/// A reservation just made.
pub fn reservation(r: &ReservationView) {
    println!(
        "reserved {}: {} GPUs of {} from {} to {}",
        r.id,
        r.gpus,
        r.pool,
        t(&r.start),
        t(&r.end)
    );
}

/// One facility with its pools.
pub fn facility(f: &FacilityView) {
    println!(
        "{} {} ({}), owner {}, {} kW",
        f.id, f.name, f.region, f.owner, f.power_kw
    );
    let rows: Vec<Vec<String>> = f
        .pools
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                p.model.clone(),
                p.gpus.to_string(),
                opt(&p.peak_used_gpus_30d),
            ]
        })
        .collect();
    table(&["pool", "model", "gpus", "peak used (30d)"], &rows);
}

/// Facilities, one per row.
pub fn facilities(fs: &[FacilityView]) {
    let rows: Vec<Vec<String>> = fs
        .iter()
        .map(|f| {
            let pools: Vec<String> = f
                .pools
                .iter()
                .map(|p| format!("{} {}={}", p.id, p.model, p.gpus))
                .collect();
            vec![
                f.id.clone(),
                f.name.clone(),
                f.region.clone(),
                f.owner.clone(),
                f.power_kw.to_string(),
                pools.join(", "),
            ]
        })
        .collect();
    table(
        &["id", "name", "region", "owner", "power kw", "pools"],
        &rows,
    );
}

/// An order just placed, and the trades it made.
pub fn placed(v: &PlacedView) {
    let o = &v.order;
    println!(
        "{} {} {} GPUs {} -> {} at {}: {}",
        o.id,
        o.side,
        o.gpus,
        t(&o.start),
        t(&o.end),
        usd(&o.price),
        o.status
    );
    if !v.trades.is_empty() {
        let trades: Vec<Vec<String>> = v.trades.iter().map(trade_row).collect();
        table(&TRADE_HEADERS, &trades);
    }
}

/// An order just cancelled.
pub fn cancelled(o: &OrderView) {
    println!("cancelled {}", o.id);
}

/// The book of a model: asks, then bids.
pub fn book(v: &BookView) {
    let level = |l: &LevelView| {
        vec![
            usd(&l.price),
            l.gpus.to_string(),
            t(&l.start),
            t(&l.end),
            l.orders.to_string(),
        ]
    };
    let headers = ["price/h", "gpus", "start", "end", "orders"];
    println!("{} asks (cheapest first)", v.model);
    table(&headers, &v.asks.iter().map(level).collect::<Vec<_>>());
    println!("\n{} bids (highest first)", v.model);
    table(&headers, &v.bids.iter().map(level).collect::<Vec<_>>());
}

/// One order as a row.
pub fn order_row(o: &OrderView) -> Vec<String> {
    let what = match (&o.contract, &o.pool) {
        (Some(c), _) => format!("{c} line {}", opt(&o.line)),
        (None, Some(p)) if o.side == "sell" => p.clone(),
        _ => o.model.clone(),
    };
    vec![
        o.id.clone(),
        o.side.clone(),
        what,
        o.gpus.to_string(),
        t(&o.start),
        t(&o.end),
        usd(&o.price),
        o.time_in_force.clone(),
        o.status.clone(),
        o.filled_gpu_hours.to_string(),
    ]
}

/// Headers of [`order_row`].
pub const ORDER_HEADERS: [&str; 10] = [
    "id",
    "side",
    "model/pool",
    "gpus",
    "start",
    "end",
    "price/h",
    "tif",
    "status",
    "filled gpu-h",
];

/// One trade as a row.
pub fn trade_row(x: &TradeView) -> Vec<String> {
    vec![
        x.id.clone(),
        x.model.clone(),
        x.gpus.to_string(),
        t(&x.start),
        t(&x.end),
        usd(&x.price),
        usd(&x.notional),
        opt(&x.buyer),
        opt(&x.seller),
    ]
}

/// Headers of [`trade_row`].
pub const TRADE_HEADERS: [&str; 9] = [
    "id", "model", "gpus", "start", "end", "price/h", "notional", "buyer", "seller",
];
