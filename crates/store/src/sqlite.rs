//! The embedded default store: one SQLite file in WAL mode. [`SqliteStore`] is the
//! single writer (the sequencer's); [`Reader`]s serve the API's queries from their own
//! connections, concurrently with writes.

use crate::tables::{self, Delta, SCHEMA, SCHEMA_VERSION};
use crate::{Batch, IdempotencyRecord, Outcome, Snapshot, Store, StoreError};
use megawatt_engine::Engine;
use megawatt_engine::command::{Command, Envelope};
use megawatt_engine::ids::ParticipantId;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// The checksum of a journal record: CRC-32 of its sequence number, time, actor and
/// encoded command.
pub fn checksum(seq: u64, time_ms: u64, actor: u64, command: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&seq.to_le_bytes());
    h.update(&time_ms.to_le_bytes());
    h.update(&actor.to_le_bytes());
    h.update(command);
    h.finalize()
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).expect("stored integers fit in i64")
}

/// The writer of a SQLite store.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`. Refuses a file that is not a
    /// Megawatt store or was written by a newer version.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)
            .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
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
        };
        // Check before changing anything: a store this version cannot use stays as it was.
        if has_meta {
            store.check_version()?;
        }
        store.conn.pragma_update(None, "journal_mode", "WAL")?;
        store.conn.pragma_update(None, "synchronous", "FULL")?;
        // 64 MiB of page cache for the writer. The writer checkpoints the WAL itself
        // (SQLite's automatic checkpoints), which keeps the WAL bounded under sustained
        // writes; after a checkpoint the WAL file is truncated back to 64 MiB at most.
        store.conn.pragma_update(None, "cache_size", -65_536)?;
        store
            .conn
            .pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        if !has_meta {
            store.create()?;
        }
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
        let tx = self.conn.transaction()?;
        for v in from..SCHEMA_VERSION {
            tx.execute_batch(tables::MIGRATIONS[(v - 1) as usize])?;
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
    conn.execute_batch(SCHEMA)?;
    conn.execute(
        "INSERT INTO meta VALUES ('schema_version', ?1), ('format', 'megawatt')",
        params![SCHEMA_VERSION.to_string()],
    )?;
    tables::write_sqlite(conn, &Delta::genesis())?;
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
        let seq = seq as u64;
        let valid = i64::from(checksum(seq, 0, 0, &state)) == sum;
        out.push((Snapshot { seq, state }, valid));
    }
    Ok(out)
}

/// The valid snapshots of database `db`, oldest first; a damaged one is skipped with a
/// log line on stderr (recovery then starts from an older one, or from the journal).
pub fn read_snapshots(conn: &Connection, db: &str) -> Result<Vec<Snapshot>, StoreError> {
    let mut out = Vec::new();
    for (snap, valid) in snapshot_rows(conn, db)? {
        if valid {
            out.push(snap);
        } else {
            eprintln!(
                "megawatt: snapshot at seq {} fails its checksum; it is ignored",
                snap.seq
            );
        }
    }
    Ok(out)
}

/// Reads the journal of database `db` (`main`, or an attached name) after position
/// `after`, in sequence, checking that sequence numbers have no gaps and that every
/// checksum matches.
pub fn read_journal(
    conn: &Connection,
    db: &str,
    after: u64,
) -> Result<Vec<(u64, Envelope)>, StoreError> {
    let sql = format!(
        "SELECT seq, time_ms, actor, command, checksum FROM {db}.journal WHERE seq > ?1 ORDER BY seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([i64_of(after)])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let (seq, time_ms, actor): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let blob: Vec<u8> = row.get(3)?;
        let sum: i64 = row.get(4)?;
        let (seq, time_ms, actor) = (seq as u64, time_ms as u64, actor as u64);
        let expected = after + out.len() as u64 + 1;
        if seq != expected {
            return Err(StoreError(format!(
                "journal: expected seq {expected}, found {seq}"
            )));
        }
        if i64::from(checksum(seq, time_ms, actor, &blob)) != sum {
            return Err(StoreError(format!(
                "journal: record {seq} fails its checksum"
            )));
        }
        let command: Command = postcard::from_bytes(&blob)
            .map_err(|e| StoreError(format!("journal: record {seq} cannot be decoded: {e}")))?;
        out.push((
            seq,
            Envelope {
                time_ms,
                actor: ParticipantId(actor),
                command,
            },
        ));
    }
    Ok(out)
}

impl Store for SqliteStore {
    fn journal(&mut self, after: u64) -> Result<Vec<(u64, Envelope)>, StoreError> {
        read_journal(&self.conn, "main", after)
    }

    fn snapshots(&mut self) -> Result<Vec<Snapshot>, StoreError> {
        read_snapshots(&self.conn, "main")
    }

    fn commit(&mut self, batch: &Batch, engine: &Engine) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
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
                delta.event(engine, a.seq, env.time_ms, e);
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
                params![tables::SNAPSHOTS_KEPT],
            )?;
        }
        for k in &batch.keys {
            tx.prepare_cached("INSERT INTO api_keys VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![
                    &k.hash[..],
                    k.participant.0,
                    k.prefix,
                    i64_of(k.created_ms)
                ])?;
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
        let outcome = Outcome::from_bytes(&outcome)
            .ok_or_else(|| StoreError("idempotency: malformed stored outcome".into()))?;
        Ok(Some(IdempotencyRecord {
            participant,
            key: key.to_string(),
            request_hash,
            outcome,
            created_ms: created_ms as u64,
        }))
    }

    fn keys(&mut self) -> Result<Vec<([u8; 32], ParticipantId)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT hash, participant FROM api_keys")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (hash, p) = row?;
            let hash: [u8; 32] = hash
                .try_into()
                .map_err(|_| StoreError("api_keys: malformed hash".into()))?;
            out.push((hash, ParticipantId(p as u64)));
        }
        Ok(out)
    }
}

/// A read-only connection for the API's queries.
pub struct Reader {
    conn: Connection,
}

/// One page of rows and the cursor of the next page, if any.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The rows, newest first.
    pub rows: Vec<T>,
    /// Pass as `before` to get the next page.
    pub next: Option<u64>,
}

/// An order as the history table holds it.
#[derive(Clone, Debug)]
pub struct OrderRow {
    /// Order id.
    pub id: u64,
    /// Owner.
    pub owner: u64,
    /// `buy` or `sell`.
    pub side: String,
    /// Model id.
    pub model: String,
    /// Ask: its pool.
    pub pool: Option<u64>,
    /// Bid: region filter.
    pub region: Option<String>,
    /// Ask: its facility; bid: facility filter.
    pub facility: Option<u64>,
    /// GPUs (after reductions).
    pub gpus: u32,
    /// Window start hour.
    pub start_hour: u32,
    /// Window end hour.
    pub end_hour: u32,
    /// Price (ask) or limit (bid), micro-USD per GPU-hour.
    pub price_micros: i64,
    /// `gtc`, `ioc`, `fok`, `gtd`.
    pub tif: String,
    /// GTD expiry hour.
    pub gtd_until_hour: Option<u32>,
    /// Ask: minimum fill.
    pub min_fill_gpus: Option<u32>,
    /// Bid: colocate.
    pub colocate: Option<bool>,
    /// Bid: partial fills allowed.
    pub partial: Option<bool>,
    /// GPU-hours traded so far.
    pub filled_gpu_hours: u64,
    /// `open` or how it closed.
    pub status: String,
    /// When placed.
    pub placed_ms: u64,
}

/// A trade as the table holds it.
#[derive(Clone, Debug)]
pub struct TradeRow {
    /// Trade id.
    pub id: u64,
    /// Bid.
    pub bid: u64,
    /// Ask.
    pub ask: u64,
    /// Buyer.
    pub buyer: u64,
    /// Seller.
    pub seller: u64,
    /// Pool.
    pub pool: u64,
    /// Model id.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
    /// Window start hour.
    pub start_hour: u32,
    /// Window end hour.
    pub end_hour: u32,
    /// Price, micro-USD per GPU-hour.
    pub price_micros: i64,
    /// `buy` or `sell`.
    pub aggressor: String,
    /// Contract made.
    pub contract: u64,
    /// When.
    pub time_ms: u64,
}

/// A contract as the tables hold it.
#[derive(Clone, Debug)]
pub struct ContractRow {
    /// Contract id.
    pub id: u64,
    /// Buyer.
    pub buyer: u64,
    /// Seller.
    pub seller: u64,
    /// `per_gpu_hour` or `monthly_fee`.
    pub pricing: String,
    /// Per GPU-hour price.
    pub price_micros: Option<i64>,
    /// Monthly fee.
    pub monthly_fee_micros: Option<i64>,
    /// First hour.
    pub start_hour: u32,
    /// End hour.
    pub end_hour: u32,
    /// Buyer's notice, hours (None: may not give notice).
    pub buyer_notice_hours: Option<u32>,
    /// Seller's notice, hours.
    pub seller_notice_hours: Option<u32>,
    /// Early-termination fee.
    pub early_termination_fee_micros: i64,
    /// The trade that made it.
    pub origin_trade: Option<u64>,
    /// `pending`, `active`, `expired`.
    pub status: String,
    /// When made.
    pub created_ms: u64,
    /// Lines: (pool, gpus, start hour, end hour).
    pub lines: Vec<(u64, u32, u32, u32)>,
}

/// Who may see a row: everyone's rows (operator), or one participant's.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Every row.
    All,
    /// Rows where this participant is a party.
    Party(ParticipantId),
}

const ORDER_COLUMNS: &str = "id, owner, side, model, pool, region, facility, gpus, start_hour, end_hour, \
    price_micros, tif, gtd_until_hour, min_fill_gpus, colocate, partial, filled_gpu_hours, status, placed_ms";

fn order_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok(OrderRow {
        id: r.get(0)?,
        owner: r.get(1)?,
        side: r.get(2)?,
        model: r.get(3)?,
        pool: r.get(4)?,
        region: r.get(5)?,
        facility: r.get(6)?,
        gpus: r.get(7)?,
        start_hour: r.get(8)?,
        end_hour: r.get(9)?,
        price_micros: r.get(10)?,
        tif: r.get(11)?,
        gtd_until_hour: r.get(12)?,
        min_fill_gpus: r.get(13)?,
        colocate: r.get(14)?,
        partial: r.get(15)?,
        filled_gpu_hours: r.get(16)?,
        status: r.get(17)?,
        placed_ms: r.get(18)?,
    })
}

const TRADE_COLUMNS: &str = "id, bid, ask, buyer, seller, pool, model, gpus, start_hour, end_hour, \
    price_micros, aggressor, contract, time_ms";

fn trade_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TradeRow> {
    Ok(TradeRow {
        id: r.get(0)?,
        bid: r.get(1)?,
        ask: r.get(2)?,
        buyer: r.get(3)?,
        seller: r.get(4)?,
        pool: r.get(5)?,
        model: r.get(6)?,
        gpus: r.get(7)?,
        start_hour: r.get(8)?,
        end_hour: r.get(9)?,
        price_micros: r.get(10)?,
        aggressor: r.get(11)?,
        contract: r.get(12)?,
        time_ms: r.get(13)?,
    })
}

const CONTRACT_COLUMNS: &str = "id, buyer, seller, pricing, price_micros, monthly_fee_micros, start_hour, \
    end_hour, buyer_notice_hours, seller_notice_hours, early_termination_fee_micros, origin_trade, status, created_ms";

fn contract_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ContractRow> {
    Ok(ContractRow {
        id: r.get(0)?,
        buyer: r.get(1)?,
        seller: r.get(2)?,
        pricing: r.get(3)?,
        price_micros: r.get(4)?,
        monthly_fee_micros: r.get(5)?,
        start_hour: r.get(6)?,
        end_hour: r.get(7)?,
        buyer_notice_hours: r.get(8)?,
        seller_notice_hours: r.get(9)?,
        early_termination_fee_micros: r.get(10)?,
        origin_trade: r.get(11)?,
        status: r.get(12)?,
        created_ms: r.get(13)?,
        lines: Vec::new(),
    })
}

/// Turns `limit + 1` fetched rows into a page.
fn page<T>(mut rows: Vec<T>, limit: usize, id: impl Fn(&T) -> u64) -> Page<T> {
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(&id)
    } else {
        None
    };
    Page { rows, next }
}

impl Reader {
    /// Opens a read-only connection to the store at `path`.
    pub fn open(path: &Path) -> Result<Reader, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Reader { conn })
    }

    /// One order.
    pub fn order(&self, id: u64) -> Result<Option<OrderRow>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], order_row)
            .optional()?)
    }

    /// Orders, newest first, before `before` (an order id), optionally only open ones.
    pub fn orders(
        &self,
        scope: Scope,
        open_only: bool,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Page<OrderRow>, StoreError> {
        let owner = match scope {
            Scope::All => None,
            Scope::Party(p) => Some(p.0),
        };
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE (?1 IS NULL OR owner = ?1) AND id < ?2 \
             AND (?3 = 0 OR status = 'open') ORDER BY id DESC LIMIT ?4"
        );
        let rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(
                params![
                    owner,
                    i64_of(before.unwrap_or(i64::MAX as u64)),
                    open_only,
                    limit + 1
                ],
                order_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page(rows, limit, |o| o.id))
    }

    /// Trades, newest first, where the participant is a party (or all), optionally of
    /// one model.
    pub fn trades(
        &self,
        scope: Scope,
        model: Option<&str>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Page<TradeRow>, StoreError> {
        let party = match scope {
            Scope::All => None,
            Scope::Party(p) => Some(p.0),
        };
        let sql = format!(
            "SELECT {TRADE_COLUMNS} FROM trades WHERE (?1 IS NULL OR buyer = ?1 OR seller = ?1) \
             AND (?2 IS NULL OR model = ?2) AND id < ?3 ORDER BY id DESC LIMIT ?4"
        );
        let rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(
                params![
                    party,
                    model,
                    i64_of(before.unwrap_or(i64::MAX as u64)),
                    limit + 1
                ],
                trade_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page(rows, limit, |t| t.id))
    }

    /// One contract with its lines.
    pub fn contract(&self, id: u64) -> Result<Option<ContractRow>, StoreError> {
        let sql = format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id = ?1");
        let Some(mut c) = self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], contract_row)
            .optional()?
        else {
            return Ok(None);
        };
        c.lines = self.lines(id)?;
        Ok(Some(c))
    }

    fn lines(&self, contract: u64) -> Result<Vec<(u64, u32, u32, u32)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT pool, gpus, start_hour, end_hour FROM contract_lines WHERE contract = ?1 ORDER BY line",
            )?
            .query_map([contract], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// Contracts, newest first, where the participant is a party (or all).
    pub fn contracts(
        &self,
        scope: Scope,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Page<ContractRow>, StoreError> {
        let party = match scope {
            Scope::All => None,
            Scope::Party(p) => Some(p.0),
        };
        let sql = format!(
            "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE (?1 IS NULL OR buyer = ?1 OR seller = ?1) \
             AND id < ?2 ORDER BY id DESC LIMIT ?3"
        );
        let mut rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(
                params![party, i64_of(before.unwrap_or(i64::MAX as u64)), limit + 1],
                contract_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        for c in &mut rows {
            c.lines = self.lines(c.id)?;
        }
        Ok(page(rows, limit, |c| c.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Applied;
    use megawatt_engine::OPERATOR;
    use megawatt_engine::entities::Roles;

    #[test]
    fn journal_round_trips_and_detects_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mw.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let mut engine = Engine::new();
        let env = Envelope {
            time_ms: 5,
            actor: OPERATOR,
            command: Command::CreateParticipant {
                name: "lab".into(),
                roles: Roles {
                    buyer: true,
                    ..Roles::default()
                },
            },
        };
        let mut events = Vec::new();
        engine.apply(&env, &mut events).unwrap();
        let batch = Batch {
            applied: vec![Applied {
                seq: 1,
                envelope: env.clone(),
                events,
            }],
            ..Batch::default()
        };
        store.commit(&batch, &engine).unwrap();
        assert_eq!(store.journal(0).unwrap(), vec![(1, env)]);
        drop(store);
        // Reopening checks the version; flipping a byte of the command fails the checksum.
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .conn
            .execute(
                "UPDATE journal SET command = CAST(X'07' || substr(command, 2) AS BLOB)",
                [],
            )
            .unwrap();
        let err = store.journal(0).unwrap_err();
        assert!(err.0.contains("record 1 fails its checksum"), "{err}");
    }

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

    fn participant_batch(engine: &mut Engine, seq: u64) -> Batch {
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
            snapshot: Some(Snapshot {
                seq,
                state: engine.snapshot(),
            }),
            ..Batch::default()
        }
    }

    #[test]
    fn snapshots_are_kept_two_deep_and_a_damaged_one_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("mw.db")).unwrap();
        let mut engine = Engine::new();
        let mut states = Vec::new();
        for seq in 1..=3 {
            let batch = participant_batch(&mut engine, seq);
            states.push(batch.snapshot.clone().unwrap());
            store.commit(&batch, &engine).unwrap();
        }
        let kept: Vec<u64> = read_snapshots(&store.conn, "main")
            .unwrap()
            .iter()
            .map(|s| s.seq)
            .collect();
        assert_eq!(kept, vec![2, 3]);
        assert_eq!(store.snapshots().unwrap().pop(), Some(states[2].clone()));
        store
            .conn
            .execute(
                "UPDATE snapshots SET state = CAST(X'00' || state AS BLOB) WHERE seq = 3",
                [],
            )
            .unwrap();
        assert_eq!(
            store.snapshots().unwrap().pop(),
            Some(states[1].clone()),
            "falls back to the older one"
        );
        assert_eq!(store.journal(2).unwrap().len(), 1, "the tail after it");
    }

    #[test]
    fn a_version_1_store_is_migrated_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mw.db");
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "DROP TABLE snapshots; DROP TABLE idempotency; \
             CREATE TABLE idempotency (participant INTEGER NOT NULL, key TEXT NOT NULL, \
             request_hash BLOB NOT NULL, outcome BLOB NOT NULL, PRIMARY KEY (participant, key)); \
             UPDATE meta SET value = '1' WHERE key = 'schema_version';",
        )
        .unwrap();
        drop(c);
        let mut store = SqliteStore::open(&path).unwrap();
        let v: String = store
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION.to_string());
        assert_eq!(store.snapshots().unwrap().pop(), None);
        assert_eq!(store.idempotency(OPERATOR, "k", 0).unwrap(), None);
    }

    #[test]
    fn the_wal_stays_bounded_under_sustained_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mw.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let mut engine = Engine::new();
        let mut seq = 0;
        for _ in 0..40 {
            let mut batch = Batch::default();
            for _ in 0..1_000 {
                seq += 1;
                let env = Envelope {
                    time_ms: seq,
                    actor: OPERATOR,
                    command: Command::CreateParticipant {
                        name: "x".repeat(100),
                        roles: Roles {
                            buyer: true,
                            ..Roles::default()
                        },
                    },
                };
                let mut events = Vec::new();
                engine.apply(&env, &mut events).unwrap();
                batch.applied.push(Applied {
                    seq,
                    envelope: env,
                    events,
                });
            }
            store.commit(&batch, &engine).unwrap();
        }
        let db = std::fs::metadata(&path).unwrap().len();
        let wal = std::fs::metadata(dir.path().join("mw.db-wal")).map_or(0, |m| m.len());
        assert!(db > 5_000_000, "the test wrote real data: {db} bytes");
        assert!(
            wal < 72 * 1024 * 1024 && wal < db,
            "WAL of {wal} bytes next to a {db}-byte database"
        );
    }

    #[test]
    fn idempotency_answers_are_kept_for_their_time_to_live_then_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("mw.db")).unwrap();
        let engine = Engine::new();
        let record = IdempotencyRecord {
            participant: OPERATOR,
            key: "k".into(),
            request_hash: [7; 32],
            outcome: Outcome::Rejected {
                rule: "zero_gpus".into(),
                field: "gpus".into(),
                detail: "d".into(),
            },
            created_ms: 1_000,
        };
        let batch = Batch {
            idempotency: vec![record.clone()],
            ..Batch::default()
        };
        store.commit(&batch, &engine).unwrap();
        assert_eq!(
            store.idempotency(OPERATOR, "k", 1_000).unwrap(),
            Some(record.clone())
        );
        assert_eq!(
            store.idempotency(OPERATOR, "k", 1_001).unwrap(),
            None,
            "too old to count"
        );
        let forget = Batch {
            forget_idempotency_before: Some(999),
            ..Batch::default()
        };
        store.commit(&forget, &engine).unwrap();
        assert_eq!(store.idempotency(OPERATOR, "k", 0).unwrap(), Some(record));
        let forget = Batch {
            forget_idempotency_before: Some(1_001),
            ..Batch::default()
        };
        store.commit(&forget, &engine).unwrap();
        assert_eq!(
            store.idempotency(OPERATOR, "k", 0).unwrap(),
            None,
            "forgotten"
        );
    }
}
