//! The schema of a SQLite store, and the writes that keep the query tables in step
//! with the engine's events (one statement or two per event, in the batch's
//! transaction).

use megawatt_engine::Engine;
use megawatt_engine::contract::{Contract, Pricing, Trade};
use megawatt_engine::event::{Event, ReservationEnd};
use megawatt_engine::order::{Order, OrderKind, TimeInForce};
use rusqlite::{Connection, params};

/// The version this code writes. A store with a higher version is refused.
pub const SCHEMA_VERSION: i64 = 3;

/// The whole schema. Times are hours since the epoch (`*_hour`) next to RFC 3339 text
/// (`*_at`) for people; money is integer micro-USD (`*_micros`).
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    seq       INTEGER PRIMARY KEY,
    time_ms   INTEGER NOT NULL,
    actor     INTEGER NOT NULL,
    command   BLOB    NOT NULL,
    checksum  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    seq INTEGER PRIMARY KEY, state BLOB NOT NULL, checksum INTEGER NOT NULL, created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    provider INTEGER NOT NULL, buyer INTEGER NOT NULL, operator INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    hash BLOB PRIMARY KEY, participant INTEGER NOT NULL, prefix TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS models (
    idx INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, watts_per_gpu INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS facilities (
    id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL,
    power_kw INTEGER NOT NULL, created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pools (
    id INTEGER PRIMARY KEY, facility INTEGER NOT NULL, model TEXT NOT NULL, gpus INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY, pool INTEGER NOT NULL, owner INTEGER NOT NULL, gpus INTEGER NOT NULL,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, side TEXT NOT NULL, model TEXT NOT NULL,
    pool INTEGER, region TEXT, facility INTEGER,
    gpus INTEGER NOT NULL, start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL,
    start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    price_micros INTEGER NOT NULL, tif TEXT NOT NULL, gtd_until_hour INTEGER,
    min_fill_gpus INTEGER, colocate INTEGER, partial INTEGER,
    filled_gpu_hours INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL, placed_ms INTEGER NOT NULL, closed_seq INTEGER
);
CREATE INDEX IF NOT EXISTS orders_by_owner ON orders (owner, id);
CREATE TABLE IF NOT EXISTS trades (
    id INTEGER PRIMARY KEY, bid INTEGER NOT NULL, ask INTEGER NOT NULL,
    buyer INTEGER NOT NULL, seller INTEGER NOT NULL, pool INTEGER NOT NULL, model TEXT NOT NULL,
    gpus INTEGER NOT NULL, start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL,
    start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    price_micros INTEGER NOT NULL, aggressor TEXT NOT NULL, contract INTEGER NOT NULL,
    time_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_by_buyer ON trades (buyer, id);
CREATE INDEX IF NOT EXISTS trades_by_seller ON trades (seller, id);
CREATE TABLE IF NOT EXISTS contracts (
    id INTEGER PRIMARY KEY, buyer INTEGER NOT NULL, seller INTEGER NOT NULL,
    pricing TEXT NOT NULL, price_micros INTEGER, monthly_fee_micros INTEGER,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    buyer_notice_hours INTEGER, seller_notice_hours INTEGER, early_termination_fee_micros INTEGER NOT NULL,
    origin_trade INTEGER, status TEXT NOT NULL, created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS contracts_by_buyer ON contracts (buyer, id);
CREATE INDEX IF NOT EXISTS contracts_by_seller ON contracts (seller, id);
CREATE TABLE IF NOT EXISTS contract_lines (
    contract INTEGER NOT NULL, line INTEGER NOT NULL, pool INTEGER NOT NULL, gpus INTEGER NOT NULL,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, PRIMARY KEY (contract, line)
);
CREATE TABLE IF NOT EXISTS idempotency (
    participant INTEGER NOT NULL, key TEXT NOT NULL, request_hash BLOB NOT NULL,
    outcome BLOB NOT NULL, created_ms INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (participant, key)
);
"#;

/// Migrations from each older schema version to the next, in order: `MIGRATIONS[v - 1]`
/// takes version `v` to `v + 1`.
pub const MIGRATIONS: [&str; 2] = ["CREATE TABLE IF NOT EXISTS snapshots (
    seq INTEGER PRIMARY KEY, state BLOB NOT NULL, checksum INTEGER NOT NULL, created_ms INTEGER NOT NULL
);",
    "ALTER TABLE idempotency ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;",
];

/// Snapshots kept in the store (older ones are deleted as new ones land).
pub const SNAPSHOTS_KEPT: i64 = 2;

/// Writes what one event changes in the query tables.
pub fn apply_event(
    tx: &Connection,
    engine: &Engine,
    seq: u64,
    time_ms: u64,
    event: &Event,
) -> rusqlite::Result<()> {
    match event {
        Event::ParticipantCreated(p) => {
            tx.prepare_cached("INSERT INTO participants VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![
                    p.id.0,
                    p.name,
                    p.roles.provider,
                    p.roles.buyer,
                    p.roles.operator,
                    time_ms
                ])?;
        }
        Event::ModelAdded { model } => {
            let m = engine.model(*model);
            tx.prepare_cached("INSERT INTO models VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![model.0, m.id, m.name, m.watts_per_gpu])?;
        }
        Event::FacilityCreated(f) => {
            tx.prepare_cached("INSERT INTO facilities VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![
                    f.id.0,
                    f.owner.0,
                    f.name,
                    engine.region_name(f.region),
                    f.power_kw,
                    time_ms
                ])?;
            for id in &f.pools {
                let pool = engine.pool(*id).expect("pool of a new facility");
                tx.prepare_cached("INSERT INTO pools VALUES (?1, ?2, ?3, ?4)")?
                    .execute(params![
                        id.0,
                        f.id.0,
                        engine.model(pool.model).id,
                        pool.gpus
                    ])?;
            }
        }
        Event::Reserved(r) => {
            tx.prepare_cached(
                "INSERT INTO reservations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'active')",
            )?
            .execute(params![
                r.id.0,
                r.pool.0,
                r.owner.0,
                r.gpus,
                r.window.start.0,
                r.window.end.0,
                r.window.start.to_string(),
                r.window.end.to_string()
            ])?;
        }
        Event::ReservationEnded {
            reservation,
            reason,
        } => {
            let status = match reason {
                ReservationEnd::Released => "released",
                ReservationEnd::Elapsed => "elapsed",
            };
            tx.prepare_cached("UPDATE reservations SET status = ?2 WHERE id = ?1")?
                .execute(params![reservation.0, status])?;
        }
        Event::OrderAccepted(o) => insert_order(tx, engine, o)?,
        Event::OrderReduced { order, by_gpus } => {
            tx.prepare_cached("UPDATE orders SET gpus = gpus - ?2 WHERE id = ?1")?
                .execute(params![order.0, by_gpus])?;
        }
        Event::OrderClosed { order, reason } => {
            tx.prepare_cached("UPDATE orders SET status = ?2, closed_seq = ?3 WHERE id = ?1")?
                .execute(params![order.0, reason.as_str(), seq])?;
        }
        Event::Trade(t) => insert_trade(tx, engine, t)?,
        Event::ContractCreated(c) => insert_contract(tx, c, time_ms)?,
        Event::ContractStarted { contract } => {
            tx.prepare_cached("UPDATE contracts SET status = 'active' WHERE id = ?1")?
                .execute(params![contract.0])?;
        }
        Event::ContractExpired { contract } => {
            tx.prepare_cached("UPDATE contracts SET status = 'expired' WHERE id = ?1")?
                .execute(params![contract.0])?;
        }
    }
    Ok(())
}

fn insert_order(tx: &Connection, engine: &Engine, o: &Order) -> rusqlite::Result<()> {
    let gtd = match o.tif {
        TimeInForce::Gtd { until } => Some(until.0),
        _ => None,
    };
    let (side, gpus, pool, region, facility, min_fill, colocate, partial) = match &o.kind {
        OrderKind::Ask(a) => (
            "sell",
            a.gpus,
            Some(a.pool.0),
            None,
            Some(a.facility.0),
            Some(a.min_fill_gpus),
            None,
            None,
        ),
        OrderKind::Bid(b) => (
            "buy",
            b.gpus,
            None,
            b.region.map(|r| engine.region_name(r).to_string()),
            b.facility.map(|f| f.0),
            None,
            Some(b.colocate),
            Some(b.partial),
        ),
    };
    tx.prepare_cached(
        "INSERT INTO orders (id, owner, side, model, pool, region, facility, gpus, start_hour, end_hour, \
         start_at, end_at, price_micros, tif, gtd_until_hour, min_fill_gpus, colocate, partial, status, placed_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, 'open', ?19)",
    )?
    .execute(params![
        o.id.0,
        o.owner.0,
        side,
        engine.model(o.model).id,
        pool,
        region,
        facility,
        gpus,
        o.window.start.0,
        o.window.end.0,
        o.window.start.to_string(),
        o.window.end.to_string(),
        o.price_micros,
        o.tif.name(),
        gtd,
        min_fill,
        colocate,
        partial,
        o.placed_ms
    ])?;
    Ok(())
}

fn insert_trade(tx: &Connection, engine: &Engine, t: &Trade) -> rusqlite::Result<()> {
    let aggressor = t.aggressor.as_str();
    tx.prepare_cached("INSERT INTO trades VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)")?
        .execute(params![
            t.id.0,
            t.bid.0,
            t.ask.0,
            t.buyer.0,
            t.seller.0,
            t.pool.0,
            engine.model(t.model).id,
            t.gpus,
            t.window.start.0,
            t.window.end.0,
            t.window.start.to_string(),
            t.window.end.to_string(),
            t.price_micros,
            aggressor,
            t.contract.0,
            t.time_ms
        ])?;
    let gpu_hours = u64::from(t.gpus) * u64::from(t.window.hours());
    let mut filled = tx.prepare_cached(
        "UPDATE orders SET filled_gpu_hours = filled_gpu_hours + ?2 WHERE id = ?1",
    )?;
    filled.execute(params![t.bid.0, gpu_hours])?;
    filled.execute(params![t.ask.0, gpu_hours])?;
    Ok(())
}

fn insert_contract(tx: &Connection, c: &Contract, time_ms: u64) -> rusqlite::Result<()> {
    let (pricing, price, fee) = match c.pricing {
        Pricing::PerGpuHour { price_micros } => ("per_gpu_hour", Some(price_micros), None),
        Pricing::MonthlyFee { fee_micros } => ("monthly_fee", None, Some(fee_micros)),
    };
    let megawatt_engine::contract::Origin::Trade(trade) = c.origin;
    tx.prepare_cached(
        "INSERT INTO contracts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'pending', ?15)",
    )?
    .execute(params![
        c.id.0,
        c.buyer.0,
        c.seller.0,
        pricing,
        price,
        fee,
        c.start().0,
        c.end().0,
        c.start().to_string(),
        c.end().to_string(),
        c.terms.buyer_notice_hours,
        c.terms.seller_notice_hours,
        c.terms.early_termination_fee_micros,
        trade.0,
        time_ms
    ])?;
    for (i, l) in c.lines.iter().enumerate() {
        tx.prepare_cached("INSERT INTO contract_lines VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
            .execute(params![
                c.id.0,
                i,
                l.pool.0,
                l.gpus,
                l.window.start.0,
                l.window.end.0
            ])?;
    }
    Ok(())
}
