//! `mw audit`: proves on demand that a store is sound. Replays the whole journal from
//! the first command into a new engine, checks every engine invariant after every
//! command (or every N), checks that every snapshot equals the replayed state at its
//! sequence number, and checks that the query tables agree with the replay: the
//! events of the replay are written into an in-memory copy of the schema by the same
//! code that writes the store, and every table is compared row for row. Every value of
//! the index is recomputed from the prints of the tape by the methodology's definition
//! (`index::reference`), apart from the engine's running windows.
//!
//! Everything is read in one read-only transaction (SQLite: an attached read-only
//! connection; PostgreSQL: a repeatable-read, read-only transaction, the expected rows
//! going into temporary tables of the audit's own session), so a live server's store is
//! audited at one consistent point without being disturbed.

use crate::tables::{Delta, Table, write_sqlite};
use crate::{Location, Snapshot, StoreError};
use megawatt_engine::command::Envelope;
use megawatt_engine::event::Event;
use megawatt_engine::index::{self, Print};
use megawatt_engine::units::Hour;
use megawatt_engine::{Engine, invariants};
use rusqlite::Connection;
use std::path::Path;

/// What an audit found.
#[derive(Debug, Default)]
pub struct Report {
    /// Journal records replayed.
    pub commands: u64,
    /// Trades made by the replay.
    pub trades: u64,
    /// Contracts in the replayed state.
    pub contracts: u64,
    /// Orders live at the end.
    pub live_orders: u64,
    /// Invariant checks made.
    pub checks: u64,
    /// Snapshots compared with the replay.
    pub snapshots: u64,
    /// Values of the index recomputed from the prints.
    pub index_values: u64,
    /// Violations, each with the sequence number it was found at (0: not tied to one).
    pub violations: Vec<(u64, String)>,
    /// Number of violations (may exceed the list).
    pub violation_count: u64,
}

impl Report {
    fn violation(&mut self, seq: u64, what: String) {
        self.violation_count += 1;
        if self.violations.len() < crate::limits::AUDIT_LISTED_MAX {
            self.violations.push((seq, what));
        }
    }
}

/// What an audit needs of a backend: the store's records, and a place to write the rows
/// the replay expects and compare them with the store's.
trait Audited {
    /// The journal, each record checked.
    fn journal(&mut self) -> Result<Vec<(u64, Envelope)>, StoreError>;
    /// Every snapshot with whether its checksum matches.
    fn snapshot_rows(&mut self) -> Result<Vec<(Snapshot, bool)>, StoreError>;
    /// Writes rows the replay expects.
    fn expect(&mut self, delta: &Delta) -> Result<(), StoreError>;
    /// (expected rows missing from the store, store rows not expected) of a table.
    fn differences(&mut self, table: &str) -> Result<(i64, i64), StoreError>;
    /// Ends the read transaction.
    fn finish(&mut self) -> Result<(), StoreError>;
}

struct SqliteAudit(Connection);

impl SqliteAudit {
    fn open(path: &Path) -> Result<SqliteAudit, StoreError> {
        if !path.exists() {
            return Err(StoreError(format!("{} does not exist", path.display())));
        }
        let conn = Connection::open_in_memory()?;
        let uri = format!("file:{}?mode=ro", path.display());
        conn.execute("ATTACH DATABASE ?1 AS live", [&uri])
            .map_err(|e| StoreError(format!("cannot open {} read-only: {e}", path.display())))?;
        // One read transaction: the journal and the tables are read at the same point.
        conn.execute_batch("BEGIN")?;
        let has_meta: bool = conn.query_row(
            "SELECT count(*) > 0 FROM live.sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get(0),
        )?;
        if !has_meta {
            return Err(StoreError(format!(
                "{} is not a Megawatt store",
                path.display()
            )));
        }
        crate::sqlite::create_schema(&conn)?;
        Ok(SqliteAudit(conn))
    }
}

impl Audited for SqliteAudit {
    fn journal(&mut self) -> Result<Vec<(u64, Envelope)>, StoreError> {
        crate::sqlite::read_journal(&self.0, "live", 0)
    }
    fn snapshot_rows(&mut self) -> Result<Vec<(Snapshot, bool)>, StoreError> {
        crate::sqlite::snapshot_rows(&self.0, "live")
    }
    fn expect(&mut self, delta: &Delta) -> Result<(), StoreError> {
        Ok(write_sqlite(&self.0, delta)?)
    }
    fn differences(&mut self, table: &str) -> Result<(i64, i64), StoreError> {
        let count = |a: &str, b: &str| -> Result<i64, StoreError> {
            let sql = format!(
                "SELECT count(*) FROM (SELECT * FROM {a}.{table} EXCEPT SELECT * FROM {b}.{table})"
            );
            Ok(self.0.query_row(&sql, [], |r| r.get(0))?)
        };
        Ok((count("main", "live")?, count("live", "main")?))
    }
    fn finish(&mut self) -> Result<(), StoreError> {
        Ok(self.0.execute_batch("COMMIT")?)
    }
}

struct PgAudit {
    client: postgres::Client,
    stmts: crate::pg::Statements,
    /// The store's schema (the connection's current one), quoted.
    schema: String,
}

impl PgAudit {
    fn open(url: &str) -> Result<PgAudit, StoreError> {
        let mut client = crate::pg::connect(url, "mw audit")?;
        let found: bool = client
            .query_one(
                "SELECT count(*) > 0 FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = 'meta'",
                &[],
            )?
            .get(0);
        if !found {
            return Err(StoreError(format!(
                "{} is not a Megawatt store",
                crate::pg::describe(url)
            )));
        }
        // The expected rows go into temporary tables of this session, named like the
        // store's (a session's temporary tables come first in the search path).
        let schema: String = client.query_one("SELECT current_schema()", &[])?.get(0);
        let schema = format!("\"{}\"", schema.replace('"', "\"\""));
        let mut ddl = String::new();
        for table in Table::ALL {
            let t = table.name();
            // A table whose rows are replaced needs its key for `ON CONFLICT`.
            let keyed = if table.replaced_on().is_some() {
                " INCLUDING INDEXES"
            } else {
                ""
            };
            ddl.push_str(&format!(
                "CREATE TEMPORARY TABLE {t} (LIKE {schema}.{t}{keyed});"
            ));
        }
        client.batch_execute(&ddl)?;
        let mut stmts = crate::pg::Statements::default();
        crate::pg::write_delta(&mut client, &mut stmts, &Delta::genesis())?;
        client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        Ok(PgAudit {
            client,
            stmts,
            schema,
        })
    }
}

impl Audited for PgAudit {
    fn journal(&mut self) -> Result<Vec<(u64, Envelope)>, StoreError> {
        crate::pg::read_journal(&mut self.client, 0)
    }
    fn snapshot_rows(&mut self) -> Result<Vec<(Snapshot, bool)>, StoreError> {
        crate::pg::snapshot_rows(&mut self.client)
    }
    fn expect(&mut self, delta: &Delta) -> Result<(), StoreError> {
        crate::pg::write_delta(&mut self.client, &mut self.stmts, delta)
    }
    fn differences(&mut self, table: &str) -> Result<(i64, i64), StoreError> {
        let store = self.schema.clone();
        let mut count = |a: &str, b: &str| -> Result<i64, StoreError> {
            let sql = format!(
                "SELECT count(*) FROM (SELECT * FROM {a}.{table} EXCEPT SELECT * FROM {b}.{table}) d"
            );
            Ok(self.client.query_one(&sql, &[])?.get(0))
        };
        Ok((count("pg_temp", &store)?, count(&store, "pg_temp")?))
    }
    fn finish(&mut self) -> Result<(), StoreError> {
        Ok(self.client.batch_execute("COMMIT")?)
    }
}

/// Audits the store at `location`, checking the invariants every `every` commands (1:
/// after every command) and at the end.
pub fn audit(location: &Location, every: u64) -> Result<Report, StoreError> {
    let mut backend: Box<dyn Audited> = match location {
        Location::Sqlite(path) => Box::new(SqliteAudit::open(path)?),
        Location::Postgres(url) => Box::new(PgAudit::open(url)?),
    };
    let mut report = Report::default();
    let journal = match backend.journal() {
        Ok(j) => j,
        Err(e) => {
            report.violation(0, e.0);
            return Ok(report);
        }
    };
    let mut snapshots = std::collections::BTreeMap::new();
    for (snap, valid) in backend.snapshot_rows()? {
        if valid {
            snapshots.insert(snap.seq, snap.state);
        } else {
            report.violation(snap.seq, "snapshot fails its checksum".to_string());
        }
    }
    let engine = replay(
        backend.as_mut(),
        &journal,
        every.max(1),
        &snapshots,
        &mut report,
    )?;
    if let Some((&seq, _)) = snapshots.range(journal.len() as u64 + 1..).next() {
        report.violation(seq, "snapshot is past the end of the journal".to_string());
    }
    report.contracts = engine.contracts().count() as u64;
    report.live_orders = engine.live_orders() as u64;
    for table in Table::ALL {
        let (missing, extra) = backend.differences(table.name())?;
        if missing > 0 || extra > 0 {
            report.violation(
                0,
                format!("table {}: {missing} rows of the replay are missing or differ in the store; {extra} rows of the store are not in the replay", table.name()),
            );
        }
    }
    backend.finish()?;
    Ok(report)
}

/// Replays the journal, checking invariants and writing the expected tables.
fn replay(
    backend: &mut dyn Audited,
    journal: &[(u64, Envelope)],
    every: u64,
    snapshots: &std::collections::BTreeMap<u64, Vec<u8>>,
    report: &mut Report,
) -> Result<Engine, StoreError> {
    let mut engine = Engine::new();
    let mut events = Vec::new();
    let mut delta = Delta::default();
    let mut names = engine.names();
    let mut prints = Vec::new();
    for (seq, env) in journal {
        events.clear();
        if let Err(r) = engine.apply(env, &mut events) {
            report.violation(
                *seq,
                format!("the journal's command is rejected on replay: {r}"),
            );
            continue;
        }
        report.commands += 1;
        report.trades += events
            .iter()
            .filter(|e| matches!(e, Event::Trade(_)))
            .count() as u64;
        if !engine.names_current(&names) {
            names = engine.names();
        }
        for e in &events {
            delta.event(&names, *seq, env.time_ms, e);
            recompute_index(&engine, e, &mut prints, *seq, report);
        }
        if report
            .commands
            .is_multiple_of(crate::limits::AUDIT_FLUSH_EVERY_COMMANDS)
        {
            backend.expect(&std::mem::take(&mut delta))?;
        }
        if let Some(state) = snapshots.get(seq) {
            report.snapshots += 1;
            if engine.snapshot() != *state {
                report.violation(*seq, "snapshot differs from the replayed state".to_string());
            }
        }
        if report.commands.is_multiple_of(every) || *seq == journal.len() as u64 {
            report.checks += 1;
            if let Err(v) = invariants::check(&engine) {
                report.violation(*seq, format!("invariant broken: {v}"));
            }
        }
    }
    backend.expect(&delta)?;
    Ok(engine)
}

/// Keeps the tape's prints, and recomputes each published value of the index from them.
fn recompute_index(
    engine: &Engine,
    e: &Event,
    prints: &mut Vec<Print>,
    seq: u64,
    report: &mut Report,
) {
    match e {
        Event::Trade(t) => prints.push(Print {
            trade: t.id,
            time_ms: t.time_ms,
            model: t.model,
            region: engine.pool_region(t.pool).expect("a trade's pool"),
            seller: t.seller,
            gpus: t.gpus,
            window: t.window,
            price_micros: t.price_micros,
        }),
        Event::IndexPublished(v) => {
            report.index_values += 1;
            let from_ms = Hour(v.at.0.saturating_sub(v.span.window_hours())).start_ms();
            let first = prints.partition_point(|p| p.time_ms < from_ms);
            let key = (v.model, v.region, v.span);
            let again = index::reference(&prints[first..], key, v.at, v.through_trade, v.version);
            if again != *v {
                report.violation(
                    seq,
                    format!("an index value does not recompute from its prints: published {v:?}, recomputed {again:?}"),
                );
            }
            // Later values' windows start later: the prints before the longest window
            // of this one are never read again.
            if v.span == index::Span::Day {
                prints.drain(..first);
            }
        }
        _ => {}
    }
}
