//! The embedded default store: one SQLite file in WAL mode. [`SqliteStore`] is the
//! single writer (the sequencer's); [`Reader`]s serve the API's queries from their own
//! connections, concurrently with writes.

use crate::limits::{
    CHECKPOINT_EVERY_MS, SNAPSHOTS_KEPT, SQLITE_BUSY_TIMEOUT_SECS, WAL_AUTOCHECKPOINT_PAGES,
    WAL_SIZE_LIMIT_BYTES, WRITER_CACHE_KIB,
};
use crate::schema::{self, SCHEMA_VERSION};
use crate::tables::{self, Delta};
use crate::{Batch, IdempotencyRecord, Outcome, Snapshot, Store, StoreError, checksum};
use megawatt_engine::command::Envelope;
use megawatt_engine::ids::ParticipantId;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).expect("stored integers fit in i64")
}

/// The writer of a SQLite store.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Checkpoints the WAL off the commit path (stops when the store is dropped).
    _checkpointer: Option<Checkpointer>,
    /// The writer's lock on the file (dropped after `conn`, as fields drop in order:
    /// closing a descriptor of the file while SQLite holds its own locks on it would
    /// release those).
    _lock: std::fs::File,
}

/// Takes the writer's lock on the database file (an exclusive `flock`, independent of
/// SQLite's own locks), creating the file if missing. Another process holding it is a
/// server already writing this store.
fn writer_lock(path: &Path) -> Result<std::fs::File, StoreError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError(format!(
            "{} is already served by another mw serve, which holds the writer lock on it; stop that server first",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(StoreError(format!("cannot lock {}: {e}", path.display())))
        }
    }
}

/// A thread that checkpoints the WAL every [`CHECKPOINT_EVERY_MS`] ms, passively (it never
/// waits for, or blocks, the writer or readers), on its own connection. A checkpoint
/// that fails other than by being busy is kept in `failed`, and the writer's next
/// commit stops the store with it (fail-stop: an unwritable database file must not
/// let the WAL grow until the disk is full).
struct Checkpointer {
    state: std::sync::Arc<CheckpointState>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the checkpoint thread shares with the writer.
#[derive(Default)]
struct CheckpointState {
    stop: std::sync::atomic::AtomicBool,
    /// Checkpoints run.
    passes: std::sync::atomic::AtomicU64,
    /// The first failure, if any.
    failed: std::sync::Mutex<Option<String>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open(path)?;
        // The connection that checkpoints fsyncs the database file: explicitly FULL.
        conn.pragma_update(None, "synchronous", "FULL")?;
        let state = std::sync::Arc::new(CheckpointState::default());
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || Checkpointer::run(&conn, &shared))
            .map_err(|e| StoreError(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            state,
            thread: Some(thread),
        })
    }

    fn run(conn: &Connection, state: &CheckpointState) {
        use std::sync::atomic::Ordering;
        loop {
            std::thread::park_timeout(std::time::Duration::from_millis(CHECKPOINT_EVERY_MS));
            if state.stop.load(Ordering::Relaxed) {
                return;
            }
            // A passive checkpoint that meets the writer or a reader reports it in its
            // row (busy), not as an error; an error is the database file failing.
            match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                Ok(()) => {
                    state.passes.fetch_add(1, Ordering::Release);
                }
                Err(e) => {
                    let mut failed = state.failed.lock().expect("checkpoint state");
                    failed.get_or_insert_with(|| format!("checkpointing the WAL failed: {e}"));
                    return;
                }
            }
        }
    }

    /// The checkpoint thread's failure, if it failed.
    fn failure(&self) -> Option<String> {
        self.state.failed.lock().expect("checkpoint state").clone()
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.state
            .stop
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for SqliteStore {
    /// The checkpoint thread stops first, so that the writer's connection, the last to
    /// close, makes the final checkpoint (with its FULL sync), before the file lock goes.
    fn drop(&mut self) {
        self._checkpointer = None;
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`. Refuses a file that is not a
    /// Megawatt store or was written by a newer version.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let lock = writer_lock(path)?;
        // Before SQLite opens the file and discards a torn WAL tail: say what it cuts.
        match crate::wal::torn_tail(path) {
            Ok(Some(t)) => eprintln!(
                "megawatt: the write-ahead log of {} ends with {} frames ({} bytes) of a transaction that never committed (cut by a crash); they are discarded: no command in them was acknowledged",
                path.display(),
                t.frames,
                t.bytes
            ),
            Ok(None) => {}
            Err(e) => eprintln!(
                "megawatt: cannot read the write-ahead log of {}: {e}",
                path.display()
            ),
        }
        let conn = Connection::open(path)
            .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(SQLITE_BUSY_TIMEOUT_SECS))?;
        // Every statement of the commit path stays prepared (the default cache of 16
        // is smaller than the set of statements the query tables use).
        conn.set_prepared_statement_cache_capacity(64);
        let foreign: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name NOT IN \
                 (SELECT name FROM sqlite_master WHERE name = 'meta')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| StoreError(format!("{} is not a SQLite database: {e}", path.display())))?;
        let has_meta: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get(0),
        )?;
        if foreign && !has_meta {
            return Err(StoreError(format!(
                "{} is a SQLite database but not a Megawatt store (no meta table); refusing to touch it",
                path.display()
            )));
        }
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            _checkpointer: None,
            _lock: lock,
        };
        // Check before changing anything: a store this version cannot use stays as it was.
        if has_meta {
            store.check_version()?;
        }
        store.conn.pragma_update(None, "journal_mode", "WAL")?;
        store.conn.pragma_update(None, "synchronous", "FULL")?;
        // 64 MiB of page cache for the writer. A thread of its own checkpoints the WAL
        // (copies committed pages into the database file) so that commits do not; the
        // writer checkpoints itself only if the WAL passes 16,384 pages (64 MiB of page
        // data, ~64.4 MiB of frames), and after a checkpoint the WAL file is truncated
        // back to 72 MiB at most (so it is not cut and regrown at every restart).
        store
            .conn
            .pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        store
            .conn
            .pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        store
            .conn
            .pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT_BYTES)?;
        if !has_meta {
            store.create()?;
        }
        store._checkpointer = Some(Checkpointer::start(path)?);
        Ok(store)
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_version(&mut self) -> Result<(), StoreError> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match v.and_then(|v| v.parse::<i64>().ok()) {
            Some(v) if v == SCHEMA_VERSION => Ok(()),
            Some(v) if v > SCHEMA_VERSION => Err(StoreError(format!(
                "{} was written by a newer Megawatt (schema {v}; this one knows {SCHEMA_VERSION}); upgrade mw",
                self.path.display()
            ))),
            Some(v) if v >= 1 => self.migrate(v),
            _ => Err(StoreError(format!(
                "{} has no valid schema version",
                self.path.display()
            ))),
        }
    }

    /// Migrates an older schema, one version at a time, in one transaction.
    fn migrate(&mut self, from: i64) -> Result<(), StoreError> {
        let mut tx = self.conn.transaction()?;
        for v in from..SCHEMA_VERSION {
            tx.execute_batch(&schema::migrations()[(v - 1) as usize])?;
        }
        if from < 9 {
            let lines = crate::backfill::invoice_lines(&mut tx)?;
            tables::write_sqlite(&tx, &lines)?;
        }
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
            params![SCHEMA_VERSION.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Creates the schema and the rows of the genesis state.
    fn create(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        create_schema(&tx)?;
        tx.commit()?;
        Ok(())
    }
}

/// Creates the schema, the meta rows, and the rows of the genesis state (the default
/// models and the operator) on `conn`.
pub fn create_schema(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(&schema::schema())?;
    conn.execute(
        "INSERT INTO meta VALUES ('schema_version', ?1), ('format', 'megawatt')",
        params![SCHEMA_VERSION.to_string()],
    )?;
    tables::write_sqlite(conn, &Delta::genesis())?;
    Ok(())
}

/// Writes a batch's event log rows and webhook changes on `tx`.
fn write_outbox(tx: &Connection, batch: &Batch) -> Result<(), StoreError> {
    if !batch.feed.is_empty() {
        let (table, columns) = crate::outbox::FEED_TABLE;
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        for row in &batch.feed {
            stmt.execute(rusqlite::params_from_iter(row.values().iter()))?;
        }
    }
    for (sql, values) in crate::outbox::statements(&batch.webhooks, batch.forget_feed_through) {
        tx.prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(values.iter()))?;
    }
    Ok(())
}

/// Every snapshot of database `db`, oldest first, with whether its checksum matches.
pub fn snapshot_rows(conn: &Connection, db: &str) -> Result<Vec<(Snapshot, bool)>, StoreError> {
    let sql = format!("SELECT seq, state, checksum FROM {db}.snapshots ORDER BY seq");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, state, sum) = row?;
        out.push(crate::check_snapshot(seq, state, sum));
    }
    Ok(out)
}

/// The valid snapshots of database `db`, oldest first; a damaged one is skipped with a
/// log line on stderr (recovery then starts from an older one, or from the journal).
pub fn read_snapshots(conn: &Connection, db: &str) -> Result<Vec<Snapshot>, StoreError> {
    Ok(crate::valid_snapshots(snapshot_rows(conn, db)?))
}

/// Reads the journal of database `db` (`main`, or an attached name) after position
/// `after`, in sequence, checking that sequence numbers have no gaps and that every
/// checksum matches.
pub fn read_journal(
    conn: &Connection,
    db: &str,
    after: u64,
) -> Result<Vec<(u64, Envelope)>, StoreError> {
    let mut out = Vec::new();
    read_journal_chunks(conn, db, after, &mut |chunk| {
        out.extend(chunk);
        true
    })?;
    Ok(out)
}

/// Like [`read_journal`], handing the records to `sink` in chunks of
/// [`crate::limits::JOURNAL_CHUNK_RECORDS`] as they are read; stops early when `sink` returns false.
pub fn read_journal_chunks(
    conn: &Connection,
    db: &str,
    after: u64,
    sink: &mut dyn FnMut(Vec<(u64, Envelope)>) -> bool,
) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT seq, time_ms, actor, command, checksum FROM {db}.journal WHERE seq > ?1 ORDER BY seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([i64_of(after)])?;
    let mut chunks = crate::Chunker::new(after, sink);
    while let Some(row) = rows.next()? {
        let command = row
            .get_ref(3)?
            .as_blob()
            .map_err(|e| StoreError(format!("journal: {e}")))?;
        if !chunks.push(row.get(0)?, row.get(1)?, row.get(2)?, command, row.get(4)?)? {
            return Ok(());
        }
    }
    chunks.finish();
    Ok(())
}

impl Store for SqliteStore {
    fn journal(&mut self, after: u64) -> Result<Vec<(u64, Envelope)>, StoreError> {
        read_journal(&self.conn, "main", after)
    }

    fn journal_chunks(
        &mut self,
        after: u64,
        sink: &mut dyn FnMut(Vec<(u64, Envelope)>) -> bool,
    ) -> Result<(), StoreError> {
        read_journal_chunks(&self.conn, "main", after, sink)
    }

    fn snapshots(&mut self) -> Result<Vec<Snapshot>, StoreError> {
        read_snapshots(&self.conn, "main")
    }

    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        if let Some(failure) = self._checkpointer.as_ref().and_then(Checkpointer::failure) {
            return Err(StoreError(failure));
        }
        let tx = self.conn.transaction()?;
        let mut delta = Delta::default();
        for a in &batch.applied {
            let blob = postcard::to_allocvec(&a.envelope.command).expect("encode");
            let env = &a.envelope;
            let sum = checksum(a.seq, env.time_ms, env.actor.0, &blob);
            tx.prepare_cached("INSERT INTO journal VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![
                    i64_of(a.seq),
                    i64_of(env.time_ms),
                    i64_of(env.actor.0),
                    blob,
                    i64::from(sum)
                ])?;
            for e in &a.events {
                delta.event(&batch.names, a.seq, env.time_ms, e);
            }
        }
        tables::write_sqlite(&tx, &delta)?;
        for r in &batch.idempotency {
            tx.prepare_cached("INSERT OR REPLACE INTO idempotency VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![
                    r.participant.0,
                    r.key,
                    &r.request_hash[..],
                    r.outcome.to_bytes(),
                    i64_of(r.created_ms)
                ])?;
        }
        if let Some(before) = batch.forget_idempotency_before {
            tx.execute(
                "DELETE FROM idempotency WHERE created_ms < ?1",
                params![i64_of(before)],
            )?;
        }
        if let Some(snap) = &batch.snapshot {
            let sum = checksum(snap.seq, 0, 0, &snap.state);
            tx.prepare_cached("INSERT OR REPLACE INTO snapshots VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![
                    i64_of(snap.seq),
                    snap.state,
                    i64::from(sum),
                    i64_of(batch.applied.last().map_or(0, |a| a.envelope.time_ms))
                ])?;
            tx.execute(
                "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?1)",
                params![SNAPSHOTS_KEPT],
            )?;
        }
        write_outbox(&tx, batch)?;
        for k in &batch.keys {
            tx.prepare_cached(crate::schema::INSERT_KEY)?
                .execute(params![
                    &k.hash[..],
                    k.participant.0,
                    k.prefix,
                    i64_of(k.created_ms),
                    k.scopes
                ])?;
        }
        for k in &batch.revoked_keys {
            tx.prepare_cached(crate::schema::REVOKE_KEY)?
                .execute(params![i64_of(k.revoked_ms), k.participant.0, k.prefix])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn idempotency(
        &mut self,
        participant: ParticipantId,
        key: &str,
        not_before_ms: u64,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row: Option<(Vec<u8>, Vec<u8>, i64)> = self
            .conn
            .prepare_cached(
                "SELECT request_hash, outcome, created_ms FROM idempotency \
                 WHERE participant = ?1 AND key = ?2 AND created_ms >= ?3",
            )?
            .query_row(params![participant.0, key, i64_of(not_before_ms)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((hash, outcome, created_ms)) = row else {
            return Ok(None);
        };
        let request_hash: [u8; 32] = hash
            .try_into()
            .map_err(|_| StoreError("idempotency: malformed request hash".into()))?;
        let outcome = Outcome::from_stored(&outcome);
        Ok(Some(IdempotencyRecord {
            participant,
            key: key.to_string(),
            request_hash,
            outcome,
            created_ms: created_ms as u64,
        }))
    }

    fn keys(&mut self) -> Result<Vec<crate::StoredKey>, StoreError> {
        let mut stmt = self.conn.prepare(crate::schema::LIVE_KEYS)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (hash, p, prefix, scopes) = row?;
            out.push(crate::StoredKey {
                hash: crate::schema::key_hash(&hash)?,
                participant: ParticipantId(p as u64),
                prefix,
                scopes,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Applied;
    use megawatt_engine::command::Command;
    use megawatt_engine::entities::Roles;
    use megawatt_engine::{Engine, OPERATOR};

    #[test]
    fn refuses_foreign_and_newer_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let c = Connection::open(&path).unwrap();
        c.execute("CREATE TABLE invoices (id INTEGER)", []).unwrap();
        drop(c);
        let err = SqliteStore::open(&path).err().unwrap();
        assert!(err.0.contains("not a Megawatt store"), "{err}");
        let path = dir.path().join("newer.db");
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
        drop(c);
        let before = std::fs::read(&path).unwrap();
        let err = SqliteStore::open(&path).err().unwrap();
        assert!(err.0.contains("newer Megawatt"), "{err}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "a refused store is not modified"
        );
        let path = dir.path().join("notes.txt");
        std::fs::write(
            &path,
            "not a database at all, just some words.\n".repeat(100),
        )
        .unwrap();
        let before = std::fs::read(&path).unwrap();
        let err = SqliteStore::open(&path).err().unwrap();
        assert!(err.0.contains("not a SQLite database"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    /// A batch admitting 1,000 participants with long names (`ch` repeated), numbered on
    /// from `seq`.
    fn participants_batch(engine: &mut Engine, seq: &mut u64, ch: &str) -> Batch {
        let mut batch = Batch::default();
        for _ in 0..1_000 {
            *seq += 1;
            let env = Envelope {
                time_ms: *seq,
                actor: OPERATOR,
                command: Command::CreateParticipant {
                    name: ch.repeat(120),
                    roles: Roles {
                        buyer: true,
                        ..Roles::default()
                    },
                },
            };
            let mut events = Vec::new();
            engine.apply(&env, &mut events).unwrap();
            batch.applied.push(Applied {
                seq: *seq,
                envelope: env,
                events,
            });
        }
        batch.named(engine)
    }

    /// More than the writer's own bound (64 MiB) goes through the WAL: checkpoints (the
    /// background thread's, or the writer's at the bound) keep the file under it.
    #[test]
    fn the_wal_stays_bounded_under_sustained_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mw.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let mut engine = Engine::new();
        let mut seq = 0;
        let mut largest_wal = 0;
        for _ in 0..320 {
            let batch = participants_batch(&mut engine, &mut seq, "x");
            store.commit(&batch).unwrap();
            let wal = std::fs::metadata(dir.path().join("mw.db-wal")).map_or(0, |m| m.len());
            largest_wal = largest_wal.max(wal);
        }
        let db = std::fs::metadata(&path).unwrap().len();
        assert!(
            db > 80 * 1024 * 1024,
            "more than the bound went through the WAL into the database: {db} bytes"
        );
        assert!(
            largest_wal < 72 * 1024 * 1024,
            "a WAL of {largest_wal} bytes next to a {db}-byte database"
        );
    }

    fn participant(engine: &mut Engine, seq: u64) -> Batch {
        let env = Envelope {
            time_ms: seq,
            actor: OPERATOR,
            command: Command::CreateParticipant {
                name: format!("p{seq}"),
                roles: Roles {
                    buyer: true,
                    ..Roles::default()
                },
            },
        };
        let mut events = Vec::new();
        engine.apply(&env, &mut events).unwrap();
        Batch {
            applied: vec![Applied {
                seq,
                envelope: env,
                events,
            }],
            ..Batch::default()
        }
    }

    #[test]
    fn a_second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mw.db");
        let first = SqliteStore::open(&path).unwrap();
        let err = SqliteStore::open(&path).err().unwrap();
        assert!(
            err.0.contains("already served by another mw serve"),
            "{err}"
        );
        drop(first);
        SqliteStore::open(&path).expect("free again once the writer is gone");
    }

    /// The checkpoint thread alone (the writer's own checkpoints off) keeps the WAL to
    /// about a batch: after each commit the test waits for two of the thread's passes
    /// (the second starts after the commit), never for a length of time.
    #[test]
    fn the_checkpoint_thread_keeps_the_wal_small() {
        use std::sync::atomic::Ordering;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mw.db");
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .conn
            .pragma_update(None, "wal_autocheckpoint", 0)
            .unwrap();
        let mut engine = Engine::new();
        let mut seq = 0;
        let mut largest_wal = 0;
        for _ in 0..20 {
            let batch = participants_batch(&mut engine, &mut seq, "y");
            store.commit(&batch).unwrap();
            let wal = std::fs::metadata(dir.path().join("mw.db-wal")).map_or(0, |m| m.len());
            largest_wal = largest_wal.max(wal);
            let state = &store._checkpointer.as_ref().unwrap().state;
            let target = state.passes.load(Ordering::Acquire) + 2;
            let give_up = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while state.passes.load(Ordering::Acquire) < target {
                assert!(
                    std::time::Instant::now() < give_up,
                    "the checkpoint thread stalled"
                );
                std::thread::yield_now();
            }
        }
        let db = std::fs::metadata(&path).unwrap().len();
        assert!(db > 5_000_000, "the data reached the database: {db} bytes");
        assert!(
            largest_wal < 3_000_000,
            "a WAL of {largest_wal} bytes: the thread did not keep up"
        );
    }

    #[test]
    fn a_torn_wal_tail_is_found_and_cut_and_committed_batches_survive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mw.db");
        let mut store = SqliteStore::open(&path).unwrap();
        // As at a crash, nothing checkpoints the WAL behind the test's back.
        store._checkpointer = None;
        let mut engine = Engine::new();
        for seq in 1..=3 {
            store
                .commit(&participant(&mut engine, seq).named(&engine))
                .unwrap();
        }
        // The state a crash leaves: the files as they are, the WAL not checkpointed;
        // then the last transaction's commit frame written only in part.
        let crashed = dir.path().join("crashed.db");
        std::fs::copy(&path, &crashed).unwrap();
        let mut wal = std::fs::read(dir.path().join("mw.db-wal")).unwrap();
        std::mem::forget(store);
        assert_eq!(crate::wal::scan(&wal), None, "every batch committed");
        wal.truncate(wal.len() - 1_000);
        std::fs::write(dir.path().join("crashed.db-wal"), &wal).unwrap();
        let torn = crate::wal::torn_tail(&crashed)
            .unwrap()
            .expect("a torn tail");
        assert!(torn.frames >= 1 && torn.bytes > 0, "{torn:?}");
        let mut store = SqliteStore::open(&crashed).unwrap();
        let seqs: Vec<u64> = store.journal(0).unwrap().iter().map(|r| r.0).collect();
        assert_eq!(
            seqs,
            vec![1, 2],
            "the torn last batch is gone, the others intact"
        );
    }
}
