//! What a batch of engine events changes in the query tables, netted per row into a
//! [`Delta`] that each backend writes in its batch's transaction: a row inserted and
//! updated in the same batch is written once, in its final state. Rows are the
//! per-table structs of [`crate::rows`], built from the events and the batch's
//! [`Names`] alone (no engine, [`crate::convert`]), so the store and the audit's replay
//! write the same rows; later changes name the columns they set.

use crate::convert;
pub use crate::rows::Val;
use crate::rows::{self, Row};
pub use crate::schema::{SCHEMA_VERSION, TABLES, Table, pg_sql};
use megawatt_engine::Engine;
use megawatt_engine::catalog::Names;
use megawatt_engine::contract::{ContractStatus, ForCause, Notice};
use megawatt_engine::event::{Event, ReservationEnd, RfqEnd};
use megawatt_engine::invoice::InvoiceStatus;
use megawatt_engine::usage::{Reporter, UsageRecord};
use std::collections::BTreeMap;

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
    /// New rows per table (indexed like [`Table::ALL`]), in event order, each complete,
    /// with its values in [`Table::columns`] order.
    pub inserts: [Vec<Vec<Val>>; TABLES],
    /// Changes to orders written before this delta, by id.
    pub orders: BTreeMap<u64, OrderUpdate>,
    /// New values of columns (by position) of rows written before this delta, by
    /// (table, id); the last value set wins.
    pub sets: BTreeMap<(Table, u64), BTreeMap<usize, Val>>,
    /// Where each row inserted by this delta sits in `inserts`, by (table, id), for
    /// tables whose rows later events change.
    fresh: BTreeMap<(Table, u64), usize>,
    /// Where each usage report of this delta sits in `inserts`, by (contract, line,
    /// hour, side): a correction in the same delta replaces it (one row per key, as
    /// `ON CONFLICT` needs).
    usage_at: BTreeMap<(u64, u16, u32, &'static str), usize>,
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
            d.insert(rows::Model {
                idx: i as u64,
                id: m.id.clone(),
                name: m.name.clone(),
                watts_per_gpu: m.watts_per_gpu,
            });
        }
        for p in engine.participants() {
            d.insert(convert::participant(p, 0));
        }
        d
    }

    /// Adds a new row; rows of tables that later events change are remembered by id.
    fn insert<R: Row>(&mut self, row: R) {
        let values = row.values();
        let rows = &mut self.inserts[R::TABLE as usize];
        if R::TABLE.is_updated()
            && let Val::I(Some(id)) = values[0]
        {
            self.fresh.insert((R::TABLE, id as u64), rows.len());
        }
        rows.push(values);
    }

    /// Adds a usage report, replacing one of the same key added before.
    fn usage(&mut self, r: &UsageRecord, side: Reporter, seq: u64) {
        let row = rows::UsageReport {
            contract: r.contract.0,
            line: r.line,
            hour: r.hour.0,
            side: side.as_str().to_string(),
            gpus: r.gpus,
            energy_wh: r.energy_wh,
            seq,
        };
        let out = &mut self.inserts[Table::UsageReports as usize];
        match self
            .usage_at
            .entry((r.contract.0, r.line, r.hour.0, side.as_str()))
        {
            std::collections::btree_map::Entry::Occupied(at) => out[*at.get()] = row.values(),
            std::collections::btree_map::Entry::Vacant(at) => {
                at.insert(out.len());
                out.push(row.values());
            }
        }
    }

    /// Adds rows of a table that no later event changes (migrations' backfills).
    pub(crate) fn append<R: Row>(&mut self, rows: impl IntoIterator<Item = R>) {
        let out = &mut self.inserts[R::TABLE as usize];
        out.extend(rows.into_iter().map(Row::values));
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

    /// Applies `change` to order `id`: to its row if this delta inserted it, else to
    /// its net update.
    fn order(&mut self, id: u64, change: impl Fn(OrderChange<'_>)) {
        match self.fresh_row(Table::Orders, id) {
            Some(row) => change(OrderChange::Row(row)),
            None => change(OrderChange::Update(self.orders.entry(id).or_default())),
        }
    }

    /// Records what one event (of the command at journal position `seq`, stamped
    /// `time_ms`) changes.
    pub fn event(&mut self, names: &Names, seq: u64, time_ms: u64, event: &Event) {
        match event {
            Event::ParticipantCreated(p) => self.insert(convert::participant(p, time_ms)),
            Event::ModelAdded { model } => {
                let m = names.model(*model);
                self.insert(rows::Model {
                    idx: u64::from(model.0),
                    id: m.id.clone(),
                    name: m.name.clone(),
                    watts_per_gpu: m.watts_per_gpu,
                });
            }
            Event::FacilityCreated(f) => self.insert(rows::Facility {
                id: f.id.0,
                owner: f.owner.0,
                name: f.name.clone(),
                region: names.region(f.region).into(),
                power_kw: f.power_kw,
                created_ms: time_ms,
            }),
            Event::PoolCreated {
                pool,
                facility,
                model,
                gpus,
            } => self.insert(rows::Pool {
                id: pool.0,
                facility: facility.0,
                model: names.model_id(*model).into(),
                gpus: *gpus,
            }),
            Event::Reserved(r) => self.insert(convert::reservation(r)),
            Event::ReservationEnded {
                reservation,
                reason,
            } => {
                let status = match reason {
                    ReservationEnd::Released => "released",
                    ReservationEnd::Elapsed => "elapsed",
                };
                self.set(Table::Reservations, reservation.0, "status", status.into());
            }
            Event::OrderAccepted(o) => self.insert(convert::order(names, o)),
            Event::OrderReduced { order, by_gpus } => {
                let by = i64::from(*by_gpus);
                self.order(order.0, |o| o.reduce(by));
            }
            Event::OrderClosed { order, reason } => {
                let (status, seq) = (reason.as_str(), seq as i64);
                self.order(order.0, |o| o.close(status, seq));
            }
            Event::Trade(t) => {
                self.insert(convert::trade(names, t));
                let gpu_hours = i64::from(t.gpus) * i64::from(t.window.hours());
                for order in [t.bid.0, t.ask.0] {
                    self.order(order, |o| o.fill(gpu_hours));
                }
            }
            Event::ContractCreated(c) => {
                self.insert(convert::contract(c, time_ms));
                let lines = c.lines.iter().enumerate();
                self.append(lines.map(|(i, l)| convert::contract_line(c.id.0, i, l)));
            }
            Event::ContractStarted { contract } => {
                self.set(
                    Table::Contracts,
                    contract.0,
                    "status",
                    ContractStatus::Active.as_str().into(),
                );
            }
            Event::ContractExpired { contract } => {
                self.set(
                    Table::Contracts,
                    contract.0,
                    "status",
                    ContractStatus::Expired.as_str().into(),
                );
            }
            Event::ContractTerminated {
                contract,
                for_cause,
            } => {
                if !for_cause {
                    self.set(
                        Table::Contracts,
                        contract.0,
                        "status",
                        ContractStatus::Terminated.as_str().into(),
                    );
                }
            }
            Event::NoticeGiven { contract, notice } => self.notice(contract.0, notice),
            Event::TerminatedForCause {
                contract,
                termination,
            } => self.for_cause(contract.0, termination),
            Event::RfqCreated(r) => {
                let (row, items, invited) = convert::rfq(names, r, time_ms);
                self.insert(row);
                self.append(items);
                self.append(invited);
            }
            Event::RfqClosed { rfq, reason } => {
                self.set(Table::Rfqs, rfq.0, "status", reason.as_str().into());
                self.set(Table::Rfqs, rfq.0, "closed_seq", seq.into());
                if let RfqEnd::Accepted(q) = reason {
                    self.set(Table::Rfqs, rfq.0, "accepted_quote", q.0.into());
                }
            }
            Event::QuoteSubmitted(q) => {
                let (row, lines) = convert::quote(q, time_ms);
                self.insert(row);
                self.append(lines);
            }
            Event::QuoteClosed { quote, reason } => {
                self.set(Table::Quotes, quote.0, "status", reason.as_str().into());
                self.set(Table::Quotes, quote.0, "closed_seq", seq.into());
            }
            Event::Transfer(t) => self.insert(convert::transfer(t, seq)),
            // The fees in force live in the engine's state (GET /v1/admin/fees); the
            // journal holds every change.
            Event::FeesSet(_) => {}
            // A notice to the parties (the event log keeps it); no table changes.
            Event::ContractEndingSoon { .. } => {}
            Event::InvoiceIssued(i) => self.insert(convert::invoice(i)),
            Event::DeliveryCredited {
                contract,
                invoice,
                delivery: d,
            } => self.insert(rows::DeliveryCredit {
                invoice: invoice.0,
                contract: contract.0,
                period_start_hour: d.period.start.0,
                period_end_hour: d.period.end.0,
                contracted_gpu_hours: d.contracted_gpu_hours,
                delivered_gpu_hours: d.delivered_gpu_hours,
                unreported_gpu_hours: d.unreported_gpu_hours,
                availability_bps: d.availability_bps,
                charge_micros: d.charge_micros,
                pro_rata_micros: d.pro_rata_micros,
                tier_micros: d.tier_micros,
                credit_micros: d.credit_micros,
                seq,
            }),
            // The engine holds the terms of new fills; each contract records its own.
            Event::DeliveryDefaultsSet(_) | Event::MonthCloseGraceSet { .. } => {}
            Event::UsageReported {
                delivered, used, ..
            } => {
                for r in delivered {
                    self.usage(r, Reporter::Seller, seq);
                }
                for r in used {
                    self.usage(r, Reporter::Buyer, seq);
                }
            }
            Event::IndexMethodologySet { .. } => {}
            Event::IndexPublished(v) => self.insert(convert::index_value(names, v, seq)),
            Event::CurvePublished(c) => {
                let (curve, points) = convert::curve(names, c, seq);
                self.insert(curve);
                self.append(points);
            }
            Event::ProcurementCreated(p) => self.insert(convert::procurement(names, p)),
            Event::ProcurementPaused { procurement } => {
                self.set(
                    Table::Procurements,
                    procurement.0,
                    "status",
                    "paused".into(),
                );
            }
            Event::ProcurementResumed { procurement } => {
                self.set(
                    Table::Procurements,
                    procurement.0,
                    "status",
                    "active".into(),
                );
            }
            Event::ProcurementBid { procurement, order } => {
                self.set(Table::Orders, order.0, "procurement", procurement.0.into());
            }
            Event::ProcurementEnded {
                procurement,
                reason,
            } => {
                let id = procurement.0;
                self.set(Table::Procurements, id, "status", reason.as_str().into());
                self.set(Table::Procurements, id, "ended_seq", seq.into());
            }
            Event::PlanUploaded { plan, owner, spec } => {
                let (row, demand) = convert::plan((*plan, *owner), spec, (seq, time_ms));
                self.insert(row);
                self.append(demand);
            }
            // Each order of a batch is written from its own events.
            Event::OrdersPlaced { .. } => {}
            Event::PlanApplied { plan, orders } => {
                self.set(Table::Plans, plan.0, "applied_ms", time_ms.into());
                self.set(Table::Plans, plan.0, "applied_seq", seq.into());
                for (_, outcome) in orders {
                    if let megawatt_engine::event::PlanOutcome::Placed(order) = outcome {
                        self.set(Table::Orders, order.0, "plan", plan.0.into());
                    }
                }
                let rows = orders.iter().enumerate();
                self.append(rows.map(|(i, o)| convert::plan_order(*plan, i, o)));
            }
            Event::InvoiceBilled { invoice, lines } => {
                self.insert(convert::invoice(invoice));
                let lines = lines.iter().enumerate();
                self.append(lines.map(|(i, l)| convert::invoice_line(invoice.id, i, l)));
            }
            Event::InvoicePaid { invoice } => {
                self.set(
                    Table::Invoices,
                    invoice.0,
                    "status",
                    InvoiceStatus::Paid.as_str().into(),
                );
                self.set(Table::Invoices, invoice.0, "paid_seq", seq.into());
            }
            Event::InvoiceOverdue { invoice } => {
                self.set(
                    Table::Invoices,
                    invoice.0,
                    "status",
                    InvoiceStatus::Overdue.as_str().into(),
                );
            }
            Event::CreditLimitSet {
                participant,
                limit_micros,
            } => {
                let (t, id) = (Table::Participants, participant.0);
                self.set(t, id, "credit_limit_micros", (*limit_micros).into());
            }
        }
    }

    fn notice(&mut self, id: u64, n: &Notice) {
        let t = Table::Contracts;
        self.set(t, id, "status", ContractStatus::NoticeGiven.as_str().into());
        self.set(t, id, "ends_hour", n.effective.0.into());
        self.set(t, id, "ends_at", n.effective.to_string().into());
        self.set(t, id, "notice_by", n.by.0.into());
        self.set(t, id, "notice_ms", n.given_ms.into());
        self.set(t, id, "notice_effective_hour", n.effective.0.into());
        self.set(t, id, "notice_fee_micros", n.fee_micros.into());
        let via = n.via_parent.map(|p| p.0);
        self.set(t, id, "notice_via_parent", via.into());
    }

    fn for_cause(&mut self, id: u64, f: &ForCause) {
        let t = Table::Contracts;
        self.set(
            t,
            id,
            "status",
            ContractStatus::TerminatedForCause.as_str().into(),
        );
        self.set(t, id, "ends_hour", f.effective.0.into());
        self.set(t, id, "ends_at", f.effective.to_string().into());
        self.set(t, id, "cause", f.cause.as_str().into());
        self.set(t, id, "cause_by", f.by.0.into());
        self.set(t, id, "cause_reason", f.reason.clone().into());
        self.set(t, id, "cause_ms", f.given_ms.into());
    }
}

/// Positions of the `orders` columns that fills, reductions and closes change, taken
/// from the row struct's field names when this compiles.
const ORDER_GPUS: usize = rows::position(<rows::Order as Row>::COLUMNS, "gpus");
const ORDER_FILLED: usize = rows::position(<rows::Order as Row>::COLUMNS, "filled_gpu_hours");
const ORDER_STATUS: usize = rows::position(<rows::Order as Row>::COLUMNS, "status");
const ORDER_CLOSED_SEQ: usize = rows::position(<rows::Order as Row>::COLUMNS, "closed_seq");

/// A change of an order: its row, inserted by this delta, or its net update.
enum OrderChange<'a> {
    Row(&'a mut Vec<Val>),
    Update(&'a mut OrderUpdate),
}

impl OrderChange<'_> {
    fn add(row: &mut [Val], column: usize, by: i64) {
        if let Val::I(Some(v)) = &mut row[column] {
            *v += by;
        }
    }

    fn reduce(self, by_gpus: i64) {
        match self {
            OrderChange::Row(row) => Self::add(row, ORDER_GPUS, -by_gpus),
            OrderChange::Update(u) => u.reduced_gpus += by_gpus,
        }
    }

    fn fill(self, gpu_hours: i64) {
        match self {
            OrderChange::Row(row) => Self::add(row, ORDER_FILLED, gpu_hours),
            OrderChange::Update(u) => u.filled_gpu_hours += gpu_hours,
        }
    }

    fn close(self, status: &'static str, seq: i64) {
        match self {
            OrderChange::Row(row) => {
                row[ORDER_STATUS] = status.into();
                row[ORDER_CLOSED_SEQ] = seq.into();
            }
            OrderChange::Update(u) => u.closed = Some((status, seq)),
        }
    }
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
        if rows.is_empty() {
            continue;
        }
        let columns = table.columns();
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}){}",
            table.name(),
            columns.join(", "),
            marks.join(", "),
            on_conflict(table)
        );
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

/// What an insert into `table` does with a row whose key is there already: for tables
/// whose rows are replaced ([`Table::replaced_on`]), ` ON CONFLICT (key) DO UPDATE` of
/// every other column; else nothing (a duplicate is an error). Same text on both
/// backends.
pub fn on_conflict(table: Table) -> String {
    let Some(key) = table.replaced_on() else {
        return String::new();
    };
    let sets: Vec<String> = table
        .columns()
        .iter()
        .filter(|c| !key.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        key.join(", "),
        sets.join(", ")
    )
}

/// The names of the columns an update sets, in position order.
pub fn update_columns(table: Table, cols: &BTreeMap<usize, Val>) -> Vec<&'static str> {
    cols.keys().map(|&i| table.column_name(i)).collect()
}
