//! The schema of a store (written for SQLite; [`pg_sql`] translates it for PostgreSQL),
//! and what a batch of engine events changes in the query tables, netted per row into a
//! [`Delta`] that each backend writes in its batch's transaction: a row inserted and
//! updated in the same batch is written once, in its final state.

use megawatt_engine::Engine;
use megawatt_engine::contract::{Contract, Pricing, Trade};
use megawatt_engine::event::{Event, ReservationEnd};
use megawatt_engine::order::{Order, OrderKind, TimeInForce};
use std::collections::BTreeMap;

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

/// Translates schema text written for SQLite into PostgreSQL's dialect: 64-bit integers
/// and byte strings.
pub fn pg_sql(sqlite: &str) -> String {
    sqlite.replace("INTEGER", "BIGINT").replace("BLOB", "BYTEA")
}

/// One column value, typed so that both backends bind it exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    /// An integer (booleans are 0 or 1), or NULL.
    I(Option<i64>),
    /// Text, or NULL.
    T(Option<String>),
    /// Bytes.
    B(Vec<u8>),
}

fn int(v: impl TryInto<i64>) -> Val {
    Val::I(Some(v.try_into().ok().expect("stored integers fit in i64")))
}

fn opt_int<T: TryInto<i64>>(v: Option<T>) -> Val {
    Val::I(v.map(|v| v.try_into().ok().expect("stored integers fit in i64")))
}

fn text(v: impl Into<String>) -> Val {
    Val::T(Some(v.into()))
}

/// The query tables, in the order a batch writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    /// `participants`.
    Participants,
    /// `models`.
    Models,
    /// `facilities`.
    Facilities,
    /// `pools`.
    Pools,
    /// `reservations`.
    Reservations,
    /// `orders`.
    Orders,
    /// `trades`.
    Trades,
    /// `contracts`.
    Contracts,
    /// `contract_lines`.
    ContractLines,
}

impl Table {
    /// Every query table.
    pub const ALL: [Table; 9] = [
        Table::Participants,
        Table::Models,
        Table::Facilities,
        Table::Pools,
        Table::Reservations,
        Table::Orders,
        Table::Trades,
        Table::Contracts,
        Table::ContractLines,
    ];

    /// Its SQL name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Participants => "participants",
            Table::Models => "models",
            Table::Facilities => "facilities",
            Table::Pools => "pools",
            Table::Reservations => "reservations",
            Table::Orders => "orders",
            Table::Trades => "trades",
            Table::Contracts => "contracts",
            Table::ContractLines => "contract_lines",
        }
    }
}

/// Column positions that updates touch.
mod col {
    pub const RESERVATION_STATUS: usize = 8;
    pub const ORDER_GPUS: usize = 7;
    pub const ORDER_FILLED: usize = 18;
    pub const ORDER_STATUS: usize = 19;
    pub const ORDER_CLOSED_SEQ: usize = 21;
    pub const CONTRACT_STATUS: usize = 14;
}

/// The net change of an order written before this batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderUpdate {
    /// GPUs taken off.
    pub reduced_gpus: i64,
    /// GPU-hours traded.
    pub filled_gpu_hours: i64,
    /// How it closed, and at which journal position.
    pub closed: Option<(&'static str, i64)>,
}

/// What a run of events changes in the query tables, netted per row.
#[derive(Clone, Debug, Default)]
pub struct Delta {
    /// New rows per table (indexed like [`Table::ALL`]), in event order, each complete.
    pub inserts: [Vec<Vec<Val>>; 9],
    /// Changes to orders written before this delta, by id.
    pub orders: BTreeMap<u64, OrderUpdate>,
    /// New status of reservations written before this delta, by id.
    pub reservation_status: BTreeMap<u64, &'static str>,
    /// New status of contracts written before this delta, by id.
    pub contract_status: BTreeMap<u64, &'static str>,
    /// Where each row inserted by this delta sits in `inserts`, by (table, id).
    fresh: BTreeMap<(Table, u64), usize>,
}

impl Delta {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.inserts.iter().all(Vec::is_empty)
            && self.orders.is_empty()
            && self.reservation_status.is_empty()
            && self.contract_status.is_empty()
    }

    /// The rows of the genesis state: the default models and the operator.
    pub fn genesis() -> Delta {
        let engine = Engine::new();
        let mut d = Delta::default();
        for (i, m) in engine.models().iter().enumerate() {
            d.insert(
                Table::Models,
                vec![
                    int(i as i64),
                    text(&m.id),
                    text(&m.name),
                    int(m.watts_per_gpu),
                ],
            );
        }
        for p in engine.participants() {
            d.insert(Table::Participants, participant_row(p, 0));
        }
        d
    }

    fn insert(&mut self, table: Table, row: Vec<Val>) {
        let rows = &mut self.inserts[table as usize];
        if let Val::I(Some(id)) = row[0] {
            self.fresh.insert((table, id as u64), rows.len());
        }
        rows.push(row);
    }

    /// The row inserted by this delta into `table` with this id, if any.
    fn fresh_row(&mut self, table: Table, id: u64) -> Option<&mut Vec<Val>> {
        let i = *self.fresh.get(&(table, id))?;
        Some(&mut self.inserts[table as usize][i])
    }

    fn add_to(row: &mut [Val], col: usize, by: i64) {
        if let Val::I(Some(v)) = &mut row[col] {
            *v += by;
        }
    }

    /// Records what one event (of the command at journal position `seq`, stamped
    /// `time_ms`) changes.
    pub fn event(&mut self, engine: &Engine, seq: u64, time_ms: u64, event: &Event) {
        match event {
            Event::ParticipantCreated(p) => {
                self.insert(Table::Participants, participant_row(p, time_ms));
            }
            Event::ModelAdded { model } => {
                let m = engine.model(*model);
                let row = vec![
                    int(model.0),
                    text(&m.id),
                    text(&m.name),
                    int(m.watts_per_gpu),
                ];
                self.insert(Table::Models, row);
            }
            Event::FacilityCreated(f) => {
                let region = engine.region_name(f.region);
                let row = vec![
                    int(f.id.0),
                    int(f.owner.0),
                    text(&f.name),
                    text(region),
                    int(f.power_kw),
                    int(time_ms),
                ];
                self.insert(Table::Facilities, row);
                for id in &f.pools {
                    let pool = engine.pool(*id).expect("pool of a new facility");
                    let model = &engine.model(pool.model).id;
                    self.insert(
                        Table::Pools,
                        vec![int(id.0), int(f.id.0), text(model), int(pool.gpus)],
                    );
                }
            }
            Event::Reserved(r) => {
                let w = r.window;
                let row = vec![
                    int(r.id.0),
                    int(r.pool.0),
                    int(r.owner.0),
                    int(r.gpus),
                    int(w.start.0),
                    int(w.end.0),
                    text(w.start.to_string()),
                    text(w.end.to_string()),
                    text("active"),
                ];
                self.insert(Table::Reservations, row);
            }
            Event::ReservationEnded {
                reservation,
                reason,
            } => {
                let status = match reason {
                    ReservationEnd::Released => "released",
                    ReservationEnd::Elapsed => "elapsed",
                };
                match self.fresh_row(Table::Reservations, reservation.0) {
                    Some(row) => row[col::RESERVATION_STATUS] = text(status),
                    None => {
                        self.reservation_status.insert(reservation.0, status);
                    }
                }
            }
            Event::OrderAccepted(o) => {
                let row = order_row(engine, o);
                self.insert(Table::Orders, row);
            }
            Event::OrderReduced { order, by_gpus } => {
                let by = i64::from(*by_gpus);
                match self.fresh_row(Table::Orders, order.0) {
                    Some(row) => Delta::add_to(row, col::ORDER_GPUS, -by),
                    None => self.orders.entry(order.0).or_default().reduced_gpus += by,
                }
            }
            Event::OrderClosed { order, reason } => {
                let (status, seq) = (reason.as_str(), seq as i64);
                match self.fresh_row(Table::Orders, order.0) {
                    Some(row) => {
                        row[col::ORDER_STATUS] = text(status);
                        row[col::ORDER_CLOSED_SEQ] = int(seq);
                    }
                    None => self.orders.entry(order.0).or_default().closed = Some((status, seq)),
                }
            }
            Event::Trade(t) => {
                let row = trade_row(engine, t);
                self.insert(Table::Trades, row);
                let gpu_hours = i64::from(t.gpus) * i64::from(t.window.hours());
                for order in [t.bid.0, t.ask.0] {
                    match self.fresh_row(Table::Orders, order) {
                        Some(row) => Delta::add_to(row, col::ORDER_FILLED, gpu_hours),
                        None => self.orders.entry(order).or_default().filled_gpu_hours += gpu_hours,
                    }
                }
            }
            Event::ContractCreated(c) => {
                self.insert(Table::Contracts, contract_row(c, time_ms));
                for (i, l) in c.lines.iter().enumerate() {
                    let row = vec![
                        int(c.id.0),
                        int(i as i64),
                        int(l.pool.0),
                        int(l.gpus),
                        int(l.window.start.0),
                        int(l.window.end.0),
                    ];
                    self.inserts[Table::ContractLines as usize].push(row);
                }
            }
            Event::ContractStarted { contract } => self.contract_status(contract.0, "active"),
            Event::ContractExpired { contract } => self.contract_status(contract.0, "expired"),
        }
    }

    fn contract_status(&mut self, id: u64, status: &'static str) {
        match self.fresh_row(Table::Contracts, id) {
            Some(row) => row[col::CONTRACT_STATUS] = text(status),
            None => {
                self.contract_status.insert(id, status);
            }
        }
    }
}

fn participant_row(p: &megawatt_engine::entities::Participant, time_ms: u64) -> Vec<Val> {
    vec![
        int(p.id.0),
        text(&p.name),
        int(p.roles.provider),
        int(p.roles.buyer),
        int(p.roles.operator),
        int(time_ms),
    ]
}

fn order_row(engine: &Engine, o: &Order) -> Vec<Val> {
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
    let w = o.window;
    vec![
        int(o.id.0),
        int(o.owner.0),
        text(side),
        text(&engine.model(o.model).id),
        opt_int(pool),
        Val::T(region),
        opt_int(facility),
        int(gpus),
        int(w.start.0),
        int(w.end.0),
        text(w.start.to_string()),
        text(w.end.to_string()),
        int(o.price_micros),
        text(o.tif.name()),
        opt_int(gtd),
        opt_int(min_fill),
        opt_int(colocate),
        opt_int(partial),
        int(0),
        text("open"),
        int(o.placed_ms),
        Val::I(None),
    ]
}

fn trade_row(engine: &Engine, t: &Trade) -> Vec<Val> {
    let w = t.window;
    vec![
        int(t.id.0),
        int(t.bid.0),
        int(t.ask.0),
        int(t.buyer.0),
        int(t.seller.0),
        int(t.pool.0),
        text(&engine.model(t.model).id),
        int(t.gpus),
        int(w.start.0),
        int(w.end.0),
        text(w.start.to_string()),
        text(w.end.to_string()),
        int(t.price_micros),
        text(t.aggressor.as_str()),
        int(t.contract.0),
        int(t.time_ms),
    ]
}

fn contract_row(c: &Contract, time_ms: u64) -> Vec<Val> {
    let (pricing, price, fee) = match c.pricing {
        Pricing::PerGpuHour { price_micros } => ("per_gpu_hour", Some(price_micros), None),
        Pricing::MonthlyFee { fee_micros } => ("monthly_fee", None, Some(fee_micros)),
    };
    let megawatt_engine::contract::Origin::Trade(trade) = c.origin;
    vec![
        int(c.id.0),
        int(c.buyer.0),
        int(c.seller.0),
        text(pricing),
        opt_int(price),
        opt_int(fee),
        int(c.start().0),
        int(c.end().0),
        text(c.start().to_string()),
        text(c.end().to_string()),
        opt_int(c.terms.buyer_notice_hours),
        opt_int(c.terms.seller_notice_hours),
        int(c.terms.early_termination_fee_micros),
        int(trade.0),
        text("pending"),
        int(time_ms),
    ]
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Val::I(v) => v.to_sql(),
            Val::T(v) => v.to_sql(),
            Val::B(v) => v.to_sql(),
        }
    }
}

/// Writes a delta into SQLite's query tables on `tx` (a row a statement: SQLite has no
/// round trips to save).
pub fn write_sqlite(tx: &rusqlite::Connection, delta: &Delta) -> rusqlite::Result<()> {
    use rusqlite::params;
    for table in Table::ALL {
        let rows = &delta.inserts[table as usize];
        let Some(first) = rows.first() else { continue };
        let marks: Vec<String> = (1..=first.len()).map(|i| format!("?{i}")).collect();
        let sql = format!("INSERT INTO {} VALUES ({})", table.name(), marks.join(", "));
        let mut stmt = tx.prepare_cached(&sql)?;
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(row.iter()))?;
        }
    }
    let mut stmt = tx.prepare_cached(
        "UPDATE orders SET gpus = gpus - ?2, filled_gpu_hours = filled_gpu_hours + ?3, \
         status = COALESCE(?4, status), closed_seq = COALESCE(?5, closed_seq) WHERE id = ?1",
    )?;
    for (id, u) in &delta.orders {
        let (status, closed) = (u.closed.map(|c| c.0), u.closed.map(|c| c.1));
        stmt.execute(params![
            *id as i64,
            u.reduced_gpus,
            u.filled_gpu_hours,
            status,
            closed
        ])?;
    }
    for (table, changes) in [
        ("reservations", &delta.reservation_status),
        ("contracts", &delta.contract_status),
    ] {
        let sql = format!("UPDATE {table} SET status = ?2 WHERE id = ?1");
        let mut stmt = tx.prepare_cached(&sql)?;
        for (id, status) in changes {
            stmt.execute(params![*id as i64, status])?;
        }
    }
    Ok(())
}
