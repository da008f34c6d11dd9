//! The journal benchmark: the engine benchmark's market, from genesis, written through
//! the real journal path (`Store::commit`: journal records, query tables, one
//! transaction and one fsync per batch) in batches the size a loaded server forms, on
//! SQLite or on a scratch database of a PostgreSQL server. In the same run, the ceiling:
//! the same backend and settings inserting rows of the same size, one transaction per
//! batch, into a bare table (SQLite: a prepared insert a row; PostgreSQL: one `unnest`
//! insert a batch, as the journal path does). Then recovery: the whole journal replayed
//! into a new engine, as a start without snapshots does, and with a snapshot near the end.

use crate::engine_bench::accepted_stream;
use crate::stats::per_mille;
use megawatt_engine::Engine;
use megawatt_engine::event::Event;
use megawatt_store::pg::{IfLocked, ScratchDb};
use megawatt_store::{Applied, Batch, Location, OpenOptions, Snapshot, Store};
use rusqlite::{Connection, params};
use std::path::Path;
use std::time::Instant;

/// Commands per commit (a loaded server's group commits are of this order).
const BATCH: usize = 512;

/// Writes the stream through the store; returns (commands, per-batch commit µs, bytes of
/// the commands' records).
fn durable(
    store: &mut dyn Store,
    envs: &[megawatt_engine::Envelope],
) -> (usize, Vec<u64>, Vec<usize>) {
    let mut engine = Engine::new();
    let mut names = std::sync::Arc::new(engine.names());
    let mut lat = Vec::new();
    let mut sizes = Vec::with_capacity(envs.len());
    for (b, chunk) in envs.chunks(BATCH).enumerate() {
        let mut batch = Batch::default();
        for (i, env) in chunk.iter().enumerate() {
            let mut events: Vec<Event> = Vec::new();
            engine
                .apply(env, &mut events)
                .expect("an accepted stream replays");
            sizes.push(postcard::to_allocvec(&env.command).expect("encode").len());
            batch.applied.push(Applied {
                seq: (b * BATCH + i + 1) as u64,
                envelope: env.clone(),
                events,
            });
        }
        // As the sequencer does: names are taken again only when the catalog grew.
        if !engine.names_current(&names) {
            names = std::sync::Arc::new(engine.names());
        }
        batch.names = names.clone();
        let t0 = Instant::now();
        store.commit(&batch).expect("commit");
        lat.push(t0.elapsed().as_micros() as u64);
    }
    (envs.len(), lat, sizes)
}

/// Opens the store under test.
fn open(location: &Location) -> Box<dyn Store> {
    let options = OpenOptions {
        name: "megawatt-bench".into(),
        if_locked: IfLocked::Refuse,
        waiting: &mut |_| {},
    };
    megawatt_store::open(location, options).expect("store")
}

/// The PostgreSQL ceiling: bare inserts of rows of the given sizes, one `unnest`
/// statement and one transaction per batch.
fn raw_pg(url: &str, sizes: &[usize]) -> f64 {
    let mut c = megawatt_store::pg::connect(url, "megawatt-bench raw").expect("raw db");
    c.batch_execute("CREATE TABLE raw (seq BIGINT PRIMARY KEY, payload BYTEA NOT NULL, checksum BIGINT NOT NULL)")
        .expect("table");
    let payload = vec![7u8; sizes.iter().copied().max().unwrap_or(0)];
    let stmt = c
        .prepare("INSERT INTO raw SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[])")
        .expect("stmt");
    let t0 = Instant::now();
    for (b, chunk) in sizes.chunks(BATCH).enumerate() {
        let seqs: Vec<i64> = (0..chunk.len()).map(|i| (b * BATCH + i) as i64).collect();
        let blobs: Vec<&[u8]> = chunk.iter().map(|&n| &payload[..n]).collect();
        let sums: Vec<i64> = (0..chunk.len()).map(|i| i as i64).collect();
        let mut tx = c.transaction().expect("tx");
        tx.execute(&stmt, &[&seqs, &blobs, &sums]).expect("insert");
        tx.commit().expect("commit");
    }
    sizes.len() as f64 / t0.elapsed().as_secs_f64()
}

/// The SQLite ceiling: bare inserts of rows of the given sizes, same pragmas and batching.
fn raw(path: &Path, sizes: &[usize]) -> f64 {
    let mut conn = Connection::open(path).expect("raw db");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    conn.execute("CREATE TABLE raw (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL, checksum INTEGER NOT NULL)", [])
        .expect("table");
    let payload = vec![7u8; sizes.iter().copied().max().unwrap_or(0)];
    let t0 = Instant::now();
    for (b, chunk) in sizes.chunks(BATCH).enumerate() {
        let tx = conn.transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO raw VALUES (?1, ?2, ?3)")
                .expect("stmt");
            for (i, &n) in chunk.iter().enumerate() {
                stmt.execute(params![(b * BATCH + i) as i64, &payload[..n], i as i64])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    sizes.len() as f64 / t0.elapsed().as_secs_f64()
}

/// Runs the benchmark and returns its JSON line.
pub fn run(opts: crate::Opts, journal: &crate::JournalOpts) -> String {
    let envs = accepted_stream(opts.seed, opts.commands);
    let dir = tempfile::tempdir().expect("temp dir");
    let scratch = journal
        .database_url
        .as_ref()
        .map(|url| ScratchDb::create(url, "mw_bench").expect("a scratch database"));
    let location = match &scratch {
        Some(db) => Location::Postgres(db.url.clone()),
        None => Location::Sqlite(dir.path().join("journal.db")),
    };
    let mut store = open(&location);
    let (n, mut lat, sizes) = durable(store.as_mut(), &envs);
    drop(store);
    let commit_secs = lat.iter().sum::<u64>() as f64 / 1e6;
    let durable_per_sec = n as f64 / commit_secs;
    lat.sort_unstable();
    let raw_per_sec = match &scratch {
        Some(db) => raw_pg(&db.url, &sizes),
        None => raw(&dir.path().join("raw.db"), &sizes),
    };
    // Recovery without a snapshot: the whole journal.
    let mut store = open(&location);
    let t0 = Instant::now();
    let (engine, rec) = megawatt_server::sequencer::recover(store.as_mut()).expect("recover");
    let replay_secs = t0.elapsed().as_secs_f64();
    assert_eq!(rec.last_seq, n as u64);
    // With a snapshot 90% of the way: restore it and replay the rest.
    let at = (n * 9 / 10) as u64;
    let mut partial = Engine::new();
    let mut events = Vec::new();
    for env in &envs[..at as usize] {
        events.clear();
        partial.apply(env, &mut events).expect("replay");
    }
    let batch = Batch {
        snapshot: Some(Snapshot {
            seq: at,
            state: partial.snapshot(),
        }),
        ..Batch::default()
    };
    store.commit(&batch).expect("snapshot");
    let t0 = Instant::now();
    let (again, rec2) = megawatt_server::sequencer::recover(store.as_mut()).expect("recover");
    let snap_secs = t0.elapsed().as_secs_f64();
    assert!(
        again.snapshot() == engine.snapshot() && rec2.snapshot_seq == at,
        "both recoveries agree"
    );
    let avg_bytes = sizes.iter().sum::<usize>() as f64 / sizes.len().max(1) as f64;
    serde_json::json!({
        "bench": "journal",
        "backend": if scratch.is_some() { "postgres" } else { "sqlite" },
        "seed": opts.seed,
        "commands": n,
        "batch": BATCH,
        "avg_command_bytes": avg_bytes.round(),
        "durable_commands_per_sec": durable_per_sec.round(),
        "p50_commit_us": per_mille(&lat, 500),
        "p99_commit_us": per_mille(&lat, 990),
        "raw_inserts_per_sec": raw_per_sec.round(),
        "ratio_vs_raw": (durable_per_sec / raw_per_sec * 1000.0).round() / 1000.0,
        "replay_commands_per_sec": (n as f64 / replay_secs).round(),
        "recovery_ms_without_snapshot": (replay_secs * 1000.0).round(),
        "recovery_ms_with_snapshot_at_90pct": (snap_secs * 1000.0).round(),
    })
    .to_string()
}
