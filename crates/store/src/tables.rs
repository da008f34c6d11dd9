//! What a batch of engine events changes in the query tables, netted per row into a
//! [`Delta`] that each backend writes in its batch's transaction: a row inserted and
//! updated in the same batch is written once, in its final state. Rows are built from
//! the events and the batch's [`Names`] alone (no engine), so the store and the
//! audit's replay write the same rows.

pub use crate::schema::{SCHEMA_VERSION, TABLES, Table, pg_sql};
use megawatt_engine::Engine;
use megawatt_engine::catalog::Names;
use megawatt_engine::contract::{Contract, ForCause, Notice, Origin, Pricing, Terms, Trade};
use megawatt_engine::deal::{Need, Quote, Rfq};
use megawatt_engine::event::{Event, ReservationEnd};
use megawatt_engine::order::{AskSource, Order, OrderKind, TimeInForce};
use std::collections::BTreeMap;

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

/// Column positions of `orders` that updates touch.
mod col {
    pub const ORDER_GPUS: usize = 7;
    pub const ORDER_FILLED: usize = 18;
    pub const ORDER_STATUS: usize = 19;
    pub const ORDER_CLOSED_SEQ: usize = 21;
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
    pub inserts: [Vec<Vec<Val>>; TABLES],
    /// Changes to orders written before this delta, by id.
    pub orders: BTreeMap<u64, OrderUpdate>,
    /// New values of columns (by position) of rows written before this delta, by
    /// (table, id); the last value set wins.
    pub sets: BTreeMap<(Table, u64), BTreeMap<usize, Val>>,
    /// Where each row inserted by this delta sits in `inserts`, by (table, id).
    fresh: BTreeMap<(Table, u64), usize>,
}

impl Delta {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.inserts.iter().all(Vec::is_empty) && self.orders.is_empty() && self.sets.is_empty()
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

    /// Sets column `name` of the row of `table` with this id: in the row if this delta
    /// inserted it, else as an update.
    fn set(&mut self, table: Table, id: u64, name: &str, v: Val) {
        let col = table.column(name);
        match self.fresh_row(table, id) {
            Some(row) => row[col] = v,
            None => {
                self.sets.entry((table, id)).or_default().insert(col, v);
            }
        }
    }

    fn add_to(row: &mut [Val], col: usize, by: i64) {
        if let Val::I(Some(v)) = &mut row[col] {
            *v += by;
        }
    }

    /// Adds rows of a table that no later event changes (migrations' backfills).
    pub(crate) fn append(&mut self, table: Table, rows: impl IntoIterator<Item = Vec<Val>>) {
        self.inserts[table as usize].extend(rows);
    }

    /// Records what one event (of the command at journal position `seq`, stamped
    /// `time_ms`) changes.
    pub fn event(&mut self, names: &Names, seq: u64, time_ms: u64, event: &Event) {
        match event {
            Event::ParticipantCreated(p) => {
                self.insert(Table::Participants, participant_row(p, time_ms));
            }
            Event::ModelAdded { model } => {
                let m = names.model(*model);
                let row = vec![
                    int(model.0),
                    text(&m.id),
                    text(&m.name),
                    int(m.watts_per_gpu),
                ];
                self.insert(Table::Models, row);
            }
            Event::FacilityCreated(f) => {
                let region = names.region(f.region);
                let row = vec![
                    int(f.id.0),
                    int(f.owner.0),
                    text(&f.name),
                    text(region),
                    int(f.power_kw),
                    int(time_ms),
                ];
                self.insert(Table::Facilities, row);
            }
            Event::PoolCreated {
                pool,
                facility,
                model,
                gpus,
            } => {
                let row = vec![
                    int(pool.0),
                    int(facility.0),
                    text(names.model_id(*model)),
                    int(*gpus),
                ];
                self.insert(Table::Pools, row);
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
                self.set(Table::Reservations, reservation.0, "status", text(status));
            }
            Event::OrderAccepted(o) => {
                let row = order_row(names, o);
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
                let row = trade_row(names, t);
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
            Event::ContractStarted { contract } => {
                self.set(Table::Contracts, contract.0, "status", text("active"));
            }
            Event::ContractExpired { contract } => {
                self.set(Table::Contracts, contract.0, "status", text("expired"));
            }
            Event::ContractTerminated {
                contract,
                for_cause,
            } => {
                if !for_cause {
                    self.set(Table::Contracts, contract.0, "status", text("terminated"));
                }
            }
            Event::NoticeGiven { contract, notice } => self.notice(contract.0, notice),
            Event::TerminatedForCause {
                contract,
                termination,
            } => self.for_cause(contract.0, termination),
            Event::RfqCreated(r) => self.rfq(names, r, time_ms),
            Event::RfqClosed { rfq, reason } => {
                self.set(Table::Rfqs, rfq.0, "status", text(reason.as_str()));
                self.set(Table::Rfqs, rfq.0, "closed_seq", int(seq));
                if let megawatt_engine::event::RfqEnd::Accepted(q) = reason {
                    self.set(Table::Rfqs, rfq.0, "accepted_quote", int(q.0));
                }
            }
            Event::QuoteSubmitted(q) => self.quote(q, time_ms),
            Event::Transfer(t) => {
                let row = vec![
                    int(t.id.0),
                    text(t.debit.to_string()),
                    text(t.credit.to_string()),
                    int(t.amount_micros),
                    text(t.kind.as_str()),
                    text(&t.reference),
                    int(t.time_ms),
                    int(seq),
                ];
                self.insert(Table::Transfers, row);
            }
            // The fees in force live in the engine's state (GET /v1/admin/fees); the
            // journal holds every change.
            Event::FeesSet(_) => {}
            Event::InvoiceIssued(i) => {
                let row = vec![
                    int(i.id.0),
                    int(i.contract.0),
                    int(i.payer.0),
                    int(i.payee.0),
                    text(i.charge.as_str()),
                    int(i.period.start.0),
                    int(i.period.end.0),
                    text(i.period.start.to_string()),
                    text(i.period.end.to_string()),
                    int(i.amount_micros),
                    int(i.issued_ms),
                    int(i.due.0),
                    text(i.due.to_string()),
                    text("open"),
                    Val::I(None),
                ];
                self.insert(Table::Invoices, row);
            }
            Event::InvoiceLines { invoice, lines } => {
                for (i, l) in lines.iter().enumerate() {
                    self.inserts[Table::InvoiceLines as usize]
                        .push(invoice_line_row(*invoice, i, l));
                }
            }
            Event::InvoicePaid { invoice } => {
                self.set(Table::Invoices, invoice.0, "status", text("paid"));
                self.set(Table::Invoices, invoice.0, "paid_seq", int(seq));
            }
            Event::InvoiceOverdue { invoice } => {
                self.set(Table::Invoices, invoice.0, "status", text("overdue"));
            }
            Event::CreditLimitSet {
                participant,
                limit_micros,
            } => {
                self.set(
                    Table::Participants,
                    participant.0,
                    "credit_limit_micros",
                    int(*limit_micros),
                );
            }
            Event::QuoteClosed { quote, reason } => {
                self.set(Table::Quotes, quote.0, "status", text(reason.as_str()));
                self.set(Table::Quotes, quote.0, "closed_seq", int(seq));
            }
        }
    }

    fn notice(&mut self, id: u64, n: &Notice) {
        let t = Table::Contracts;
        self.set(t, id, "status", text("notice_given"));
        self.set(t, id, "ends_hour", int(n.effective.0));
        self.set(t, id, "ends_at", text(n.effective.to_string()));
        self.set(t, id, "notice_by", int(n.by.0));
        self.set(t, id, "notice_ms", int(n.given_ms));
        self.set(t, id, "notice_effective_hour", int(n.effective.0));
        self.set(t, id, "notice_fee_micros", int(n.fee_micros));
        self.set(
            t,
            id,
            "notice_via_parent",
            opt_int(n.via_parent.map(|p| p.0)),
        );
    }

    fn for_cause(&mut self, id: u64, f: &ForCause) {
        let t = Table::Contracts;
        self.set(t, id, "status", text("terminated_for_cause"));
        self.set(t, id, "ends_hour", int(f.effective.0));
        self.set(t, id, "ends_at", text(f.effective.to_string()));
        self.set(t, id, "cause", text(f.cause.as_str()));
        self.set(t, id, "cause_by", int(f.by.0));
        self.set(t, id, "cause_reason", text(&f.reason));
        self.set(t, id, "cause_ms", int(f.given_ms));
    }

    fn rfq(&mut self, names: &Names, r: &Rfq, time_ms: u64) {
        let (kind, power, min_power) = match &r.need {
            Need::Gpus(items) => {
                for (m, gpus) in items {
                    let row = vec![int(r.id.0), text(names.model_id(*m)), int(*gpus)];
                    self.inserts[Table::RfqItems as usize].push(row);
                }
                ("gpus", None, None)
            }
            Need::Power {
                power_kw,
                min_power_kw,
            } => ("power", Some(*power_kw), Some(*min_power_kw)),
        };
        for p in &r.invited {
            self.inserts[Table::RfqInvited as usize].push(vec![int(r.id.0), int(p.0)]);
        }
        let (w, t) = (r.window, &r.terms);
        let row = vec![
            int(r.id.0),
            int(r.buyer.0),
            text(kind),
            opt_int(power),
            opt_int(min_power),
            int(w.start.0),
            int(w.end.0),
            text(w.start.to_string()),
            text(w.end.to_string()),
            Val::T(r.region.map(|x| names.region(x).to_string())),
            opt_int(r.facility.map(|f| f.0)),
            opt_int(t.max_buyer_notice_hours),
            opt_int(t.min_seller_notice_hours),
            opt_int(t.max_early_termination_fee_micros),
            text(t.causes.to_text()),
            int(r.deadline.0),
            text(r.deadline.to_string()),
            text("open"),
            Val::I(None),
            int(time_ms),
            Val::I(None),
            opt_int(t.min_payment_days),
        ];
        self.insert(Table::Rfqs, row);
    }

    fn quote(&mut self, q: &Quote, time_ms: u64) {
        let (pricing, price, fee) = pricing_cols(&q.pricing);
        let t = &q.terms;
        let row = vec![
            int(q.id.0),
            int(q.rfq.0),
            int(q.provider.0),
            int(q.facility.0),
            text(pricing),
            opt_int(price),
            opt_int(fee),
            opt_int(t.buyer_notice_hours),
            opt_int(t.seller_notice_hours),
            int(t.early_termination_fee_micros),
            text(t.for_cause.to_text()),
            int(q.expires.0),
            text(q.expires.to_string()),
            text("open"),
            int(time_ms),
            Val::I(None),
            int(t.payment_days),
        ];
        self.insert(Table::Quotes, row);
        for (i, l) in q.lines.iter().enumerate() {
            let row = vec![
                int(q.id.0),
                int(i as i64),
                int(l.pool.0),
                int(l.gpus),
                int(l.window.start.0),
                int(l.window.end.0),
            ];
            self.inserts[Table::QuoteLines as usize].push(row);
        }
    }
}

/// (kind, price per GPU-hour, monthly fee) of a pricing.
fn pricing_cols(p: &Pricing) -> (&'static str, Option<i64>, Option<i64>) {
    (p.kind(), p.price_micros(), p.fee_micros())
}

/// The row of line `i` of an invoice.
pub(crate) fn invoice_line_row(
    invoice: megawatt_engine::ids::InvoiceId,
    i: usize,
    l: &megawatt_engine::invoice::InvoiceLine,
) -> Vec<Val> {
    vec![
        int(invoice.0),
        int(i),
        opt_int(l.line),
        int(l.pool.0),
        int(l.gpus),
        opt_int(l.gpu_hours),
        int(l.amount_micros),
    ]
}

fn participant_row(p: &megawatt_engine::entities::Participant, time_ms: u64) -> Vec<Val> {
    vec![
        int(p.id.0),
        text(&p.name),
        int(p.roles.provider),
        int(p.roles.buyer),
        int(p.roles.operator),
        int(time_ms),
        int(0),
    ]
}

fn order_row(names: &Names, o: &Order) -> Vec<Val> {
    let (contract, line) = match &o.kind {
        OrderKind::Ask(a) => match a.source {
            AskSource::Contract { contract, line } => (Some(contract), Some(line)),
            AskSource::Pool(_) => (None, None),
        },
        OrderKind::Bid(_) => (None, None),
    };
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
            b.region.map(|r| names.region(r).to_string()),
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
        text(names.model_id(o.model)),
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
        opt_int(contract.map(|c| c.0)),
        opt_int(line),
    ]
}

fn trade_row(names: &Names, t: &Trade) -> Vec<Val> {
    let w = t.window;
    vec![
        int(t.id.0),
        int(t.bid.0),
        int(t.ask.0),
        int(t.buyer.0),
        int(t.seller.0),
        int(t.pool.0),
        text(names.model_id(t.model)),
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
    let (pricing, price, fee) = pricing_cols(&c.pricing);
    let (trade, quote, parent, line) = match c.origin {
        Origin::Trade(t) => (Some(t.0), None, None, None),
        Origin::Quote(q) => (None, Some(q.0), None, None),
        Origin::Resale {
            parent,
            line,
            trade,
        } => (Some(trade.0), None, Some(parent.0), Some(line)),
    };
    let t: &Terms = &c.terms;
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
        opt_int(t.buyer_notice_hours),
        opt_int(t.seller_notice_hours),
        int(t.early_termination_fee_micros),
        opt_int(trade),
        text("pending"),
        int(time_ms),
        opt_int(quote),
        opt_int(parent),
        opt_int(line),
        int(c.ends.0),
        text(c.ends.to_string()),
        text(t.for_cause.to_text()),
        Val::I(None),
        Val::I(None),
        Val::I(None),
        Val::I(None),
        Val::I(None),
        Val::T(None),
        Val::I(None),
        Val::T(None),
        Val::I(None),
        int(t.payment_days),
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
    for ((table, id), cols) in &delta.sets {
        let names = update_columns(*table, cols);
        let assigns: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        let sql = format!(
            "UPDATE {} SET {} WHERE id = ?1",
            table.name(),
            assigns.join(", ")
        );
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![id];
        params.extend(cols.values().map(|v| v as &dyn rusqlite::ToSql));
        tx.prepare_cached(&sql)?.execute(params.as_slice())?;
    }
    Ok(())
}

/// The names of the columns an update sets, in position order.
pub fn update_columns(table: Table, cols: &BTreeMap<usize, Val>) -> Vec<&'static str> {
    cols.keys().map(|&i| table.column_name(i)).collect()
}
