//! The PostgreSQL store: the same journal, snapshots and query tables as SQLite, in one
//! database. [`PgStore`] is the single writer: it holds a session-level advisory lock
//! for as long as its connection lives, so a second server can neither write nor start
//! (unless it waits as a standby, and takes over when the lock is freed by the writer's
//! death). Batches are written with one `unnest` statement per table, so a commit is a
//! handful of round trips whatever its size.

use crate::limits::{PG_CONNECT_TIMEOUT_SECS, PG_LOCK_GRACE_SECS};
use crate::schema::{self, SCHEMA_VERSION, Table};
use crate::tables::{self, Delta, Val};
use crate::{Batch, IdempotencyRecord, Outcome, Snapshot, Store, StoreError, checksum};
use megawatt_engine::command::Envelope;
use megawatt_engine::ids::ParticipantId;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Statement};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

/// The advisory lock a writer holds (the bytes of "megawatt").
pub const WRITER_LOCK: i64 = 0x6d65_6761_7761_7474;

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => StoreError(format!("postgres: {}: {}", db.code().code(), db.message())),
            None => StoreError(format!("postgres: {e}")),
        }
    }
}

/// The database URL as people may see it: no password.
pub fn describe(url: &str) -> String {
    let Ok(c) = postgres::Config::from_str(url) else {
        return "an invalid PostgreSQL URL".to_string();
    };
    let host = match c.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    let user = c.get_user().unwrap_or("");
    let db = c.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{db}")
}

/// Connects to `url`, naming the session `app` (seen in `pg_stat_activity`). An
/// unreachable database or a malformed URL gives one clear error.
pub fn connect(url: &str, app: &str) -> Result<Client, StoreError> {
    let mut config = postgres::Config::from_str(url)
        .map_err(|e| StoreError(format!("invalid PostgreSQL URL: {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(PG_CONNECT_TIMEOUT_SECS));
    }
    config.application_name(app);
    config
        .connect(NoTls)
        .map_err(|e| StoreError(format!("cannot reach PostgreSQL at {}: {e}", describe(url))))
}

/// A connection that may be dropped anywhere: the synchronous client runs a small
/// runtime of its own, which must not be entered from an async task, so closing it is
/// handed to a short-lived thread.
pub struct Conn(Option<Client>);

impl Conn {
    /// Wraps a connected client.
    pub fn new(client: Client) -> Conn {
        Conn(Some(client))
    }
}

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.0.as_ref().expect("a live connection")
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("a live connection")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            let _ = std::thread::Builder::new()
                .name("pg-close".into())
                .spawn(move || drop(client));
        }
    }
}

/// What the database holds: nothing of ours yet, a Megawatt store of some version.
fn schema_version(c: &mut Client, url: &str) -> Result<Option<i64>, StoreError> {
    let row = c.query_one(
        "SELECT count(*), count(*) FILTER (WHERE table_name = 'meta') \
         FROM information_schema.tables WHERE table_schema = current_schema()",
        &[],
    )?;
    let (tables, meta): (i64, i64) = (row.get(0), row.get(1));
    if meta == 0 {
        if tables > 0 {
            return Err(StoreError(format!(
                "{} holds other tables and is not a Megawatt store (no meta table); refusing to touch it",
                describe(url)
            )));
        }
        return Ok(None);
    }
    let v: Option<String> = c
        .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
        .map(|r| r.get(0));
    match v.and_then(|v| v.parse::<i64>().ok()) {
        Some(v) if v > SCHEMA_VERSION => Err(StoreError(format!(
            "{} was written by a newer Megawatt (schema {v}; this one knows {SCHEMA_VERSION}); upgrade mw",
            describe(url)
        ))),
        Some(v) if v >= 1 => Ok(Some(v)),
        _ => Err(StoreError(format!(
            "{} has no valid schema version",
            describe(url)
        ))),
    }
}

/// Creates the schema (with the genesis rows), or migrates an older one, in one
/// transaction.
fn prepare_schema(c: &mut Client, url: &str) -> Result<(), StoreError> {
    let version = schema_version(c, url)?;
    let mut tx = c.transaction()?;
    match version {
        None => {
            tx.batch_execute(&tables::pg_sql(&schema::schema()))?;
            tx.execute(
                "INSERT INTO meta VALUES ('schema_version', $1), ('format', 'megawatt')",
                &[&SCHEMA_VERSION.to_string()],
            )?;
            write_delta(&mut tx, &mut Statements::default(), &Delta::genesis())?;
        }
        Some(v) if v < SCHEMA_VERSION => {
            for m in &schema::migrations()[(v - 1) as usize..] {
                tx.batch_execute(&tables::pg_sql(m))?;
            }
            if v < 9 {
                let lines = crate::backfill::invoice_lines(&mut tx)?;
                write_delta(&mut tx, &mut Statements::default(), &lines)?;
            }
            tx.execute(
                "UPDATE meta SET value = $1 WHERE key = 'schema_version'",
                &[&SCHEMA_VERSION.to_string()],
            )?;
        }
        Some(_) => {}
    }
    tx.commit()?;
    Ok(())
}

/// The session holding the writer lock, described for an error message.
fn lock_holder(c: &mut Client) -> Result<String, StoreError> {
    let row = c.query_opt(
        "SELECT a.pid, a.application_name, COALESCE(host(a.client_addr), 'a local socket'), \
         to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1",
        &[&(WRITER_LOCK >> 32), &(WRITER_LOCK & 0xffff_ffff)],
    )?;
    Ok(match row {
        Some(r) => format!(
            "\"{}\" (PostgreSQL backend pid {}, connected from {} since {})",
            r.get::<_, String>(1),
            r.get::<_, i32>(0),
            r.get::<_, String>(2),
            r.get::<_, String>(3)
        ),
        None => "another session (it has just let go; try again)".to_string(),
    })
}

/// Prepared statements by SQL text, prepared once per connection.
#[derive(Default)]
pub struct Statements(BTreeMap<String, Statement>);

impl Statements {
    fn get(&mut self, c: &mut impl GenericClient, sql: String) -> Result<Statement, StoreError> {
        if let Some(s) = self.0.get(&sql) {
            return Ok(s.clone());
        }
        let s = c.prepare(&sql)?;
        self.0.insert(sql, s.clone());
        Ok(s)
    }
}

/// One column of a table's new rows, as a PostgreSQL array, with its array type.
fn column<'a>(rows: &'a [Vec<Val>], j: usize) -> (Box<dyn ToSql + Sync + 'a>, &'static str) {
    match &rows[0][j] {
        Val::I(_) => {
            let v: Vec<Option<i64>> = rows
                .iter()
                .map(|r| match &r[j] {
                    Val::I(v) => *v,
                    _ => None,
                })
                .collect();
            (Box::new(v), "bigint[]")
        }
        Val::T(_) => {
            let v: Vec<Option<&str>> = rows
                .iter()
                .map(|r| match &r[j] {
                    Val::T(v) => v.as_deref(),
                    _ => None,
                })
                .collect();
            (Box::new(v), "text[]")
        }
        Val::B(_) => {
            let v: Vec<&[u8]> = rows
                .iter()
                .map(|r| match &r[j] {
                    Val::B(v) => v.as_slice(),
                    _ => &[],
                })
                .collect();
            (Box::new(v), "bytea[]")
        }
    }
}

/// Inserts `rows` into `table` with one statement (`unnest` of one array per column).
fn insert_rows(
    c: &mut impl GenericClient,
    stmts: &mut Statements,
    (table, columns): (&str, &[&str]),
    rows: &[Vec<Val>],
) -> Result<(), StoreError> {
    insert_rows_then(c, stmts, (table, columns), rows, "")
}

/// Inserts the rows of a query table (replacing those with a key already there, for
/// the tables whose rows are replaced: `tables::on_conflict`).
fn insert_table(
    c: &mut impl GenericClient,
    stmts: &mut Statements,
    table: Table,
    rows: &[Vec<Val>],
) -> Result<(), StoreError> {
    let then = crate::tables::on_conflict(table);
    insert_rows_then(c, stmts, (table.name(), table.columns()), rows, &then)
}

/// [`insert_rows`] with `then` after the statement (an `ON CONFLICT` clause).
fn insert_rows_then(
    c: &mut impl GenericClient,
    stmts: &mut Statements,
    (table, columns): (&str, &[&str]),
    rows: &[Vec<Val>],
    then: &str,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let cols: Vec<_> = (0..rows[0].len()).map(|j| column(rows, j)).collect();
    let args: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| format!("${}::{ty}", i + 1))
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT * FROM unnest({}){then}",
        columns.join(", "),
        args.join(", ")
    );
    let stmt = stmts.get(c, sql)?;
    let params: Vec<&(dyn ToSql + Sync)> = cols.iter().map(|(v, _)| v.as_ref()).collect();
    c.execute(&stmt, &params)?;
    Ok(())
}

/// The parameters of a statement, as PostgreSQL binds them.
pub(crate) fn args(values: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|v| match v {
            Val::I(i) => i as &(dyn ToSql + Sync),
            Val::T(t) => t,
            Val::B(b) => b,
        })
        .collect()
}

/// Writes a batch's event log rows (one statement) and webhook changes.
fn write_outbox(
    c: &mut impl GenericClient,
    stmts: &mut Statements,
    batch: &Batch,
) -> Result<(), StoreError> {
    let rows: Vec<Vec<Val>> = batch.feed.iter().map(|r| r.values()).collect();
    insert_rows(c, stmts, crate::outbox::FEED_TABLE, &rows)?;
    for (sql, values) in crate::outbox::statements(&batch.webhooks, batch.forget_feed_through) {
        let stmt = stmts.get(c, sql.to_string())?;
        c.execute(&stmt, &args(&values))?;
    }
    Ok(())
}

/// Writes a delta into the query tables: one statement per table with new rows, and
/// one per kind of update.
pub fn write_delta(
    c: &mut impl GenericClient,
    stmts: &mut Statements,
    delta: &Delta,
) -> Result<(), StoreError> {
    for table in Table::ALL {
        let rows = &delta.inserts[table as usize];
        insert_table(c, stmts, table, rows)?;
    }
    if !delta.orders.is_empty() {
        let stmt = stmts.get(
            c,
            "UPDATE orders o SET gpus = o.gpus - u.reduced, \
             filled_gpu_hours = o.filled_gpu_hours + u.filled, \
             status = COALESCE(u.status, o.status), closed_seq = COALESCE(u.closed_seq, o.closed_seq) \
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[]) \
             AS u(id, reduced, filled, status, closed_seq) WHERE o.id = u.id"
                .to_string(),
        )?;
        let ids: Vec<i64> = delta.orders.keys().map(|&id| id as i64).collect();
        let reduced: Vec<i64> = delta.orders.values().map(|u| u.reduced_gpus).collect();
        let filled: Vec<i64> = delta.orders.values().map(|u| u.filled_gpu_hours).collect();
        let status: Vec<Option<&str>> = delta
            .orders
            .values()
            .map(|u| u.closed.map(|c| c.0))
            .collect();
        let closed: Vec<Option<i64>> = delta
            .orders
            .values()
            .map(|u| u.closed.map(|c| c.1))
            .collect();
        c.execute(&stmt, &[&ids, &reduced, &filled, &status, &closed])?;
    }
    // Column updates, grouped by table and set of columns: one statement a group.
    let mut groups: BTreeMap<(Table, Vec<usize>), Vec<Vec<Val>>> = BTreeMap::new();
    for ((table, id), cols) in &delta.sets {
        let mut row = vec![Val::I(Some(*id as i64))];
        row.extend(cols.values().cloned());
        groups
            .entry((*table, cols.keys().copied().collect()))
            .or_default()
            .push(row);
    }
    for ((table, positions), rows) in groups {
        let names: Vec<&str> = positions.iter().map(|&i| table.column_name(i)).collect();
        let cols: Vec<_> = (0..rows[0].len()).map(|j| column(&rows, j)).collect();
        let args: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, (_, ty))| format!("${}::{ty}", i + 1))
            .collect();
        let assigns: Vec<String> = names.iter().map(|n| format!("{n} = u.{n}")).collect();
        let sql = format!(
            "UPDATE {t} t SET {} FROM unnest({}) AS u(id, {}) WHERE t.id = u.id",
            assigns.join(", "),
            args.join(", "),
            names.join(", "),
            t = table.name()
        );
        let stmt = stmts.get(c, sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = cols.iter().map(|(v, _)| v.as_ref()).collect();
        c.execute(&stmt, &params)?;
    }
    Ok(())
}

/// Reads the journal after position `after`, in sequence, each record checked
/// (position and checksum) and decoded.
pub fn read_journal(c: &mut Client, after: u64) -> Result<Vec<(u64, Envelope)>, StoreError> {
    let mut out = Vec::new();
    read_journal_chunks(c, after, &mut |chunk| {
        out.extend(chunk);
        true
    })?;
    Ok(out)
}

/// Like [`read_journal`], streaming: records go to `sink` in chunks of
/// [`crate::limits::JOURNAL_CHUNK_RECORDS`] as they arrive; stops early when `sink` returns false.
pub fn read_journal_chunks(
    c: &mut Client,
    after: u64,
    sink: &mut dyn FnMut(Vec<(u64, Envelope)>) -> bool,
) -> Result<(), StoreError> {
    let after_i = after as i64;
    let mut rows = c.query_raw(
        "SELECT seq, time_ms, actor, command, checksum FROM journal WHERE seq > $1 ORDER BY seq",
        [&after_i as &(dyn ToSql + Sync)],
    )?;
    let mut chunks = crate::Chunker::new(after, sink);
    while let Some(row) = rows.next()? {
        let command = row.get::<_, &[u8]>(3);
        if !chunks.push(row.get(0), row.get(1), row.get(2), command, row.get(4))? {
            return Ok(());
        }
    }
    chunks.finish();
    Ok(())
}

/// Every snapshot, oldest first, with whether its checksum matches.
pub fn snapshot_rows(c: &mut Client) -> Result<Vec<(Snapshot, bool)>, StoreError> {
    Ok(c.query(
        "SELECT seq, state, checksum FROM snapshots ORDER BY seq",
        &[],
    )?
    .into_iter()
    .map(|r| crate::check_snapshot(r.get(0), r.get(1), r.get(2)))
    .collect())
}

/// The writer of a PostgreSQL store.
pub struct PgStore {
    client: Conn,
    stmts: Statements,
}

/// What a server does when another one holds the writer lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfLocked {
    /// Refuse to start, naming the holder.
    Refuse,
    /// Wait for the lock (a standby), calling back once with the holder's name.
    Wait,
}

impl PgStore {
    /// Connects as `name` (shown to a second server that finds the lock held), takes the
    /// writer lock (or refuses, or waits), then creates or migrates the schema. Refuses
    /// a database that is not a Megawatt store or was written by a newer version,
    /// without changing it.
    pub fn open(
        url: &str,
        name: &str,
        if_locked: IfLocked,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<PgStore, StoreError> {
        let mut client = connect(url, name)?;
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&WRITER_LOCK])?
            .get(0);
        if !got {
            let holder = lock_holder(&mut client)?;
            if if_locked == IfLocked::Wait {
                waiting(&holder);
            }
            // A writer that has just died may still hold the lock for a moment, until
            // its backend notices the closed socket: a non-standby waits that long.
            let timeout = match if_locked {
                IfLocked::Refuse => PG_LOCK_GRACE_SECS,
                IfLocked::Wait => 0,
            };
            client.batch_execute(&format!("SET lock_timeout = '{timeout}s'"))?;
            match client.execute("SELECT pg_advisory_lock($1)", &[&WRITER_LOCK]) {
                Ok(_) => client.batch_execute("RESET lock_timeout")?,
                Err(e) if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) => {
                    let holder = lock_holder(&mut client)?;
                    return Err(StoreError(format!(
                        "{} is already served by {holder}, which holds the writer lock; stop it, or start this server with --standby to take over when it stops",
                        describe(url)
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        prepare_schema(&mut client, url)?;
        Ok(PgStore {
            client: Conn::new(client),
            stmts: Statements::default(),
        })
    }

    fn write_journal(
        tx: &mut postgres::Transaction<'_>,
        stmts: &mut Statements,
        batch: &Batch,
    ) -> Result<(), StoreError> {
        if batch.applied.is_empty() {
            return Ok(());
        }
        let rows: Vec<Vec<Val>> = batch
            .applied
            .iter()
            .map(|a| {
                let blob = postcard::to_allocvec(&a.envelope.command).expect("encode");
                let env = &a.envelope;
                let sum = checksum(a.seq, env.time_ms, env.actor.0, &blob);
                vec![
                    Val::I(Some(a.seq as i64)),
                    Val::I(Some(env.time_ms as i64)),
                    Val::I(Some(env.actor.0 as i64)),
                    Val::B(blob),
                    Val::I(Some(i64::from(sum))),
                ]
            })
            .collect();
        let columns = ["seq", "time_ms", "actor", "command", "checksum"];
        insert_rows(tx, stmts, ("journal", &columns), &rows)
    }

    fn write_idempotency(
        tx: &mut postgres::Transaction<'_>,
        stmts: &mut Statements,
        batch: &Batch,
    ) -> Result<(), StoreError> {
        // One row per key (the last answer wins), as ON CONFLICT needs.
        let mut latest = BTreeMap::new();
        for r in &batch.idempotency {
            latest.insert((r.participant.0, r.key.as_str()), r);
        }
        if !latest.is_empty() {
            let stmt = stmts.get(
                tx,
                "INSERT INTO idempotency SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::bytea[], $5::bigint[]) \
                 ON CONFLICT (participant, key) DO UPDATE SET request_hash = excluded.request_hash, \
                 outcome = excluded.outcome, created_ms = excluded.created_ms"
                    .to_string(),
            )?;
            let p: Vec<i64> = latest.values().map(|r| r.participant.0 as i64).collect();
            let k: Vec<&str> = latest.values().map(|r| r.key.as_str()).collect();
            let h: Vec<&[u8]> = latest.values().map(|r| &r.request_hash[..]).collect();
            let o: Vec<Vec<u8>> = latest.values().map(|r| r.outcome.to_bytes()).collect();
            let t: Vec<i64> = latest.values().map(|r| r.created_ms as i64).collect();
            tx.execute(&stmt, &[&p, &k, &h, &o, &t])?;
        }
        if let Some(before) = batch.forget_idempotency_before {
            tx.execute(
                "DELETE FROM idempotency WHERE created_ms < $1",
                &[&(before as i64)],
            )?;
        }
        Ok(())
    }

    fn write_snapshot(tx: &mut postgres::Transaction<'_>, batch: &Batch) -> Result<(), StoreError> {
        let Some(snap) = &batch.snapshot else {
            return Ok(());
        };
        let sum = i64::from(checksum(snap.seq, 0, 0, &snap.state));
        let created = batch.applied.last().map_or(0, |a| a.envelope.time_ms) as i64;
        tx.execute(
            "INSERT INTO snapshots VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO UPDATE \
             SET state = excluded.state, checksum = excluded.checksum, created_ms = excluded.created_ms",
            &[&(snap.seq as i64), &snap.state, &sum, &created],
        )?;
        tx.execute(
            "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT $1)",
            &[&crate::limits::SNAPSHOTS_KEPT],
        )?;
        Ok(())
    }
}

impl Store for PgStore {
    fn journal(&mut self, after: u64) -> Result<Vec<(u64, Envelope)>, StoreError> {
        read_journal(&mut self.client, after)
    }

    fn journal_chunks(
        &mut self,
        after: u64,
        sink: &mut dyn FnMut(Vec<(u64, Envelope)>) -> bool,
    ) -> Result<(), StoreError> {
        read_journal_chunks(&mut self.client, after, sink)
    }

    fn snapshots(&mut self) -> Result<Vec<Snapshot>, StoreError> {
        Ok(crate::valid_snapshots(snapshot_rows(&mut self.client)?))
    }

    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut delta = Delta::default();
        for a in &batch.applied {
            for e in &a.events {
                delta.event(&batch.names, a.seq, a.envelope.time_ms, e);
            }
        }
        let mut tx = self.client.transaction()?;
        PgStore::write_journal(&mut tx, &mut self.stmts, batch)?;
        write_delta(&mut tx, &mut self.stmts, &delta)?;
        PgStore::write_idempotency(&mut tx, &mut self.stmts, batch)?;
        PgStore::write_snapshot(&mut tx, batch)?;
        write_outbox(&mut tx, &mut self.stmts, batch)?;
        for k in &batch.keys {
            let (p, at) = (k.participant.0 as i64, k.created_ms as i64);
            let values: [&(dyn ToSql + Sync); 5] = [&&k.hash[..], &p, &k.prefix, &at, &k.scopes];
            tx.execute(schema::INSERT_KEY, &values)?;
        }
        for k in &batch.revoked_keys {
            let (at, p) = (k.revoked_ms as i64, k.participant.0 as i64);
            tx.execute(schema::REVOKE_KEY, &[&at, &p, &k.prefix])?;
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
        let row = self.client.query_opt(
            "SELECT request_hash, outcome, created_ms FROM idempotency \
             WHERE participant = $1 AND key = $2 AND created_ms >= $3",
            &[&(participant.0 as i64), &key, &(not_before_ms as i64)],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let request_hash: [u8; 32] = row
            .get::<_, &[u8]>(0)
            .try_into()
            .map_err(|_| StoreError("idempotency: malformed request hash".into()))?;
        let outcome = Outcome::from_stored(row.get::<_, &[u8]>(1));
        Ok(Some(IdempotencyRecord {
            participant,
            key: key.to_string(),
            request_hash,
            outcome,
            created_ms: row.get::<_, i64>(2) as u64,
        }))
    }

    fn keys(&mut self) -> Result<Vec<crate::StoredKey>, StoreError> {
        let rows = self.client.query(schema::LIVE_KEYS, &[])?;
        rows.iter()
            .map(|r| {
                Ok(crate::StoredKey {
                    hash: schema::key_hash(r.get::<_, &[u8]>(0))?,
                    participant: ParticipantId(r.get::<_, i64>(1) as u64),
                    prefix: r.get(2),
                    scopes: r.get(3),
                })
            })
            .collect()
    }
}

/// A new, empty database on the server `base_url` names, dropped (with any sessions
/// still on it) when this is dropped. For test suites and benchmarks.
pub struct ScratchDb {
    /// The new database's URL.
    pub url: String,
    base_url: String,
    name: String,
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        // key=value form: a later key wins.
        return format!("{url} dbname={db}");
    };
    let scheme = &url[..url.len() - rest.len()];
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{scheme}{authority}/{db}{query}")
}

impl ScratchDb {
    /// Creates a database named `{prefix}_{pid}_{n}` on the server of `base_url`.
    pub fn create(base_url: &str, prefix: &str) -> Result<ScratchDb, StoreError> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("{prefix}_{}_{n}_{nanos}", std::process::id());
        let base = base_url.to_string();
        let sql = format!("CREATE DATABASE {name}");
        on_own_thread(move || {
            connect(&base, "mw scratch")?
                .batch_execute(&sql)
                .map_err(StoreError::from)
        })?;
        Ok(ScratchDb {
            url: with_database(base_url, &name),
            base_url: base_url.to_string(),
            name,
        })
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let (base, sql) = (
            self.base_url.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        let _ = on_own_thread(move || {
            connect(&base, "mw scratch")?
                .batch_execute(&sql)
                .map_err(StoreError::from)
        });
    }
}

/// Runs blocking client work on a thread of its own (safe from any context).
fn on_own_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    std::thread::spawn(f)
        .join()
        .unwrap_or_else(|_| Err(StoreError("a database thread panicked".into())))
}

/// The PostgreSQL server test suites use: `MW_TEST_DATABASE_URL`, or this machine's
/// local server when unset. `None` when the variable is `skip` (tests on PostgreSQL
/// then say that they skip, and why).
pub fn test_base_url() -> Option<String> {
    match std::env::var("MW_TEST_DATABASE_URL") {
        Ok(v) if v == "skip" => None,
        Ok(v) if !v.is_empty() => Some(v),
        _ => Some("postgres://postgres@127.0.0.1:5432/test".to_string()),
    }
}
