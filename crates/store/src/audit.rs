//! `mw audit`: proves on demand that a store is sound. Replays the whole journal from
//! the first command into a new engine, checks every engine invariant after every
//! command (or every N), checks that every snapshot equals the replayed state at its
//! sequence number, and checks that the query tables agree with the replay: the
//! events of the replay are written into an in-memory copy of the schema by the same
//! code that writes the store, and every table is compared row for row.
//!
//! Everything is read in one read transaction of an attached, read-only connection, so
//! a live server's store is audited at one consistent point without being disturbed.

use crate::StoreError;
use crate::sqlite::{create_schema, read_journal, snapshot_rows};
use crate::tables::{Delta, write_sqlite};
use megawatt_engine::event::Event;
use megawatt_engine::{Engine, invariants};
use rusqlite::Connection;
use std::path::Path;

/// The query tables compared with the replay.
pub const TABLES: [&str; 9] = [
    "participants",
    "models",
    "facilities",
    "pools",
    "reservations",
    "orders",
    "trades",
    "contracts",
    "contract_lines",
];

/// Most violations listed in a report (all are counted).
pub const MAX_LISTED: usize = 100;

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
    /// Violations, each with the sequence number it was found at (0: not tied to one).
    pub violations: Vec<(u64, String)>,
    /// Number of violations (may exceed the list).
    pub violation_count: u64,
}

impl Report {
    fn violation(&mut self, seq: u64, what: String) {
        self.violation_count += 1;
        if self.violations.len() < MAX_LISTED {
            self.violations.push((seq, what));
        }
    }
}

/// Audits the store at `path`, checking the invariants every `every` commands (1: after
/// every command) and at the end.
pub fn audit(path: &Path, every: u64) -> Result<Report, StoreError> {
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
    create_schema(&conn)?;
    let mut report = Report::default();
    let journal = match read_journal(&conn, "live", 0) {
        Ok(j) => j,
        Err(e) => {
            report.violation(0, e.0);
            return Ok(report);
        }
    };
    let mut snapshots = std::collections::BTreeMap::new();
    for (snap, valid) in snapshot_rows(&conn, "live")? {
        if valid {
            snapshots.insert(snap.seq, snap.state);
        } else {
            report.violation(snap.seq, "snapshot fails its checksum".to_string());
        }
    }
    let engine = replay(&conn, &journal, every.max(1), &snapshots, &mut report)?;
    if let Some((&seq, _)) = snapshots.range(journal.len() as u64 + 1..).next() {
        report.violation(seq, "snapshot is past the end of the journal".to_string());
    }
    report.contracts = engine.contracts().count() as u64;
    report.live_orders = engine.live_orders() as u64;
    compare_tables(&conn, &mut report)?;
    conn.execute_batch("COMMIT")?;
    Ok(report)
}

/// Replays the journal, checking invariants and writing the expected tables.
fn replay(
    conn: &Connection,
    journal: &[(u64, megawatt_engine::Envelope)],
    every: u64,
    snapshots: &std::collections::BTreeMap<u64, Vec<u8>>,
    report: &mut Report,
) -> Result<Engine, StoreError> {
    let mut engine = Engine::new();
    let mut events = Vec::new();
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
        let mut delta = Delta::default();
        for e in &events {
            delta.event(&engine, *seq, env.time_ms, e);
        }
        write_sqlite(conn, &delta)?;
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
    Ok(engine)
}

/// Compares every query table of the store with the one the replay wrote.
fn compare_tables(conn: &Connection, report: &mut Report) -> Result<(), StoreError> {
    for table in TABLES {
        let count =
            |sql: &str| -> Result<i64, StoreError> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
        let missing = count(&format!(
            "SELECT count(*) FROM (SELECT * FROM main.{table} EXCEPT SELECT * FROM live.{table})"
        ))?;
        let extra = count(&format!(
            "SELECT count(*) FROM (SELECT * FROM live.{table} EXCEPT SELECT * FROM main.{table})"
        ))?;
        if missing > 0 || extra > 0 {
            report.violation(
                0,
                format!("table {table}: {missing} rows of the replay are missing or differ in the store; {extra} rows of the store are not in the replay"),
            );
        }
    }
    Ok(())
}
