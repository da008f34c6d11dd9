//! # megawatt-store
//!
//! Durable storage for the exchange: the **journal** (every accepted command, in
//! sequence, checksummed) from which the engine's state is recovered, and the **query
//! tables** (participants, facilities, orders, trades, contracts, …) that people and
//! the API read. Both are written in one transaction per batch, so the tables never
//! disagree with the journal.
//!
//! The write path is the [`Store`] trait, with two backends: [`sqlite`] (the embedded
//! default) and [`pg`] (PostgreSQL). Reads go through [`reader::Reader`], over either.
//! The schema is documented in `docs/storage.md`.

pub mod audit;
mod backfill;
mod convert;
pub mod decode;
pub mod limits;
pub mod outbox;
pub mod outcome;
pub mod pg;
pub mod reader;
pub mod rows;
pub mod schema;
pub mod sqlite;
pub mod tables;
pub mod wal;

use megawatt_engine::catalog::Names;
use megawatt_engine::command::Envelope;
use megawatt_engine::event::Event;
use megawatt_engine::ids::ParticipantId;
use std::fmt;
use std::sync::Arc;

pub use outcome::Outcome;

/// One accepted command with its sequence number and the events it produced.
#[derive(Clone, Debug)]
pub struct Applied {
    /// Position in the journal (1, 2, 3, …; no gaps).
    pub seq: u64,
    /// The command as stamped by the sequencer.
    pub envelope: Envelope,
    /// What it did.
    pub events: Vec<Event>,
}

/// The answer to a request made with an `Idempotency-Key`, kept so that a retry gets it
/// again instead of acting twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Who made the request.
    pub participant: ParticipantId,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request (method, path, body), to refuse a reuse with another body.
    pub request_hash: [u8; 32],
    /// What the first request got.
    pub outcome: Outcome,
    /// When it was answered, ms since the epoch (records are forgotten after a while).
    pub created_ms: u64,
}

/// A new API key: only its hash is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewKey {
    /// SHA-256 of the key.
    pub hash: [u8; 32],
    /// Its owner.
    pub participant: ParticipantId,
    /// The first characters of the key, to recognise it in lists.
    pub prefix: String,
    /// When it was made, ms since the epoch.
    pub created_ms: u64,
    /// What it may do: scope names by commas (`read,usage:report`), `*` for everything.
    pub scopes: String,
}

/// An API key as stored, not revoked: what the server loads at its start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    /// SHA-256 of the key.
    pub hash: [u8; 32],
    /// Its owner.
    pub participant: ParticipantId,
    /// The first characters of the key.
    pub prefix: String,
    /// Its scopes, as [`NewKey::scopes`].
    pub scopes: String,
}

/// A key revoked: the participant's key of that prefix stops working.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedKey {
    /// Its owner.
    pub participant: ParticipantId,
    /// Its prefix.
    pub prefix: String,
    /// When, ms since the epoch.
    pub revoked_ms: u64,
}

/// What one commit writes, in one transaction.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Accepted commands, in sequence.
    pub applied: Vec<Applied>,
    /// Answers to remember for idempotent retries.
    pub idempotency: Vec<IdempotencyRecord>,
    /// API keys created.
    pub keys: Vec<NewKey>,
    /// API keys revoked.
    pub revoked_keys: Vec<RevokedKey>,
    /// A snapshot of the engine's state as of journal position `seq`, to store.
    pub snapshot: Option<Snapshot>,
    /// Forget idempotency records answered before this time (ms since the epoch).
    pub forget_idempotency_before: Option<u64>,
    /// What the indexes in the events mean: names taken no earlier than the last
    /// command applied (shared between batches until the catalog grows).
    pub names: Arc<Names>,
    /// The events as published, for the event log.
    pub feed: Vec<outbox::FeedRow>,
    /// Forget the logged events of commands up to this journal position (the log's
    /// window moves on).
    pub forget_feed_through: Option<u64>,
    /// Webhook endpoints registered, changed or deleted, and delivery attempts.
    pub webhooks: Vec<outbox::WebhookWrite>,
}

/// The engine's state (postcard bytes) as of a journal position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The journal position the state includes (every record up to it).
    pub seq: u64,
    /// `Engine::snapshot()` bytes.
    pub state: Vec<u8>,
}

impl Batch {
    /// The batch with the names of `engine` (which must have applied its commands):
    /// for tools and tests that build batches themselves.
    pub fn named(mut self, engine: &megawatt_engine::Engine) -> Batch {
        self.names = Arc::new(engine.names());
        self
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty()
            && self.idempotency.is_empty()
            && self.keys.is_empty()
            && self.revoked_keys.is_empty()
            && self.snapshot.is_none()
            && self.forget_idempotency_before.is_none()
            && self.feed.is_empty()
            && self.forget_feed_through.is_none()
            && self.webhooks.is_empty()
    }
}

/// A storage failure. The message names what failed.
#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(format!("sqlite: {e}"))
    }
}

/// Where a store lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database URL.
    Postgres(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(&pg::describe(url)),
        }
    }
}

/// How a writer opens a store.
pub struct OpenOptions<'a> {
    /// The writer's name, shown to another server that finds the store taken.
    pub name: String,
    /// What to do when another writer holds a PostgreSQL store.
    pub if_locked: pg::IfLocked,
    /// Called once if this writer waits for the lock, with the holder's name.
    pub waiting: &'a mut dyn FnMut(&str),
}

/// Opens the writer of the store at `location` (creating or migrating its schema).
pub fn open(location: &Location, options: OpenOptions<'_>) -> Result<Box<dyn Store>, StoreError> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(sqlite::SqliteStore::open(path)?),
        Location::Postgres(url) => Box::new(pg::PgStore::open(
            url,
            &options.name,
            options.if_locked,
            options.waiting,
        )?),
    })
}

/// The write side of a store: recovery and group commit.
pub trait Store: Send {
    /// The journal after position `after` (0: all), in sequence, each record's checksum
    /// verified.
    fn journal(&mut self, after: u64) -> Result<Vec<(u64, Envelope)>, StoreError>;

    /// The journal after position `after`, streamed to `sink` in chunks as it is read
    /// (so recovery can apply one chunk while the next is read and decoded); stops
    /// early when `sink` returns false.
    fn journal_chunks(
        &mut self,
        after: u64,
        sink: &mut dyn FnMut(Vec<(u64, Envelope)>) -> bool,
    ) -> Result<(), StoreError>;

    /// The snapshots whose checksum is valid, oldest first (damaged ones are skipped).
    fn snapshots(&mut self) -> Result<Vec<Snapshot>, StoreError>;

    /// Writes a batch (journal records, query tables, idempotency records, keys) in one
    /// transaction and makes it durable (fsync) before returning.
    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError>;

    /// The stored answer for an idempotency key, if any answered at or after
    /// `not_before_ms`.
    fn idempotency(
        &mut self,
        participant: ParticipantId,
        key: &str,
        not_before_ms: u64,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Every API key not revoked.
    fn keys(&mut self) -> Result<Vec<StoredKey>, StoreError>;
}

/// The checksum of a journal record: CRC-32 of its sequence number, time, actor and
/// encoded command. (A snapshot's is that of its sequence number and state, with time
/// and actor 0.)
pub fn checksum(seq: u64, time_ms: u64, actor: u64, command: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&seq.to_le_bytes());
    h.update(&time_ms.to_le_bytes());
    h.update(&actor.to_le_bytes());
    h.update(command);
    h.finalize()
}

/// Checks one journal record as read from a store (the position it should have, its
/// checksum) and decodes it. The error names the sequence number.
pub fn check_record(
    expected: u64,
    seq: i64,
    time_ms: i64,
    actor: i64,
    command: &[u8],
    sum: i64,
) -> Result<(u64, Envelope), StoreError> {
    let (seq, time_ms, actor) = (seq as u64, time_ms as u64, actor as u64);
    if seq != expected {
        return Err(StoreError(format!(
            "journal: expected seq {expected}, found {seq}"
        )));
    }
    if i64::from(checksum(seq, time_ms, actor, command)) != sum {
        return Err(StoreError(format!(
            "journal: record {seq} fails its checksum"
        )));
    }
    let command = postcard::from_bytes(command)
        .map_err(|e| StoreError(format!("journal: record {seq} cannot be decoded: {e}")))?;
    let envelope = Envelope {
        time_ms,
        actor: ParticipantId(actor),
        command,
    };
    Ok((seq, envelope))
}

/// Checks journal records as a backend reads them and hands them on in chunks of
/// [`limits::JOURNAL_CHUNK_RECORDS`].
pub(crate) struct Chunker<'a> {
    chunk: Vec<(u64, Envelope)>,
    expected: u64,
    sink: &'a mut dyn FnMut(Vec<(u64, Envelope)>) -> bool,
}

impl<'a> Chunker<'a> {
    /// Records after position `after` go to `sink`.
    pub(crate) fn new(
        after: u64,
        sink: &'a mut dyn FnMut(Vec<(u64, Envelope)>) -> bool,
    ) -> Chunker<'a> {
        Chunker {
            chunk: Vec::with_capacity(limits::JOURNAL_CHUNK_RECORDS),
            expected: after + 1,
            sink,
        }
    }

    /// Checks and keeps one record; false when the sink wants no more.
    pub(crate) fn push(
        &mut self,
        seq: i64,
        time_ms: i64,
        actor: i64,
        command: &[u8],
        sum: i64,
    ) -> Result<bool, StoreError> {
        let record = check_record(self.expected, seq, time_ms, actor, command, sum)?;
        self.chunk.push(record);
        self.expected += 1;
        if self.chunk.len() < limits::JOURNAL_CHUNK_RECORDS {
            return Ok(true);
        }
        let full = std::mem::replace(
            &mut self.chunk,
            Vec::with_capacity(limits::JOURNAL_CHUNK_RECORDS),
        );
        Ok((self.sink)(full))
    }

    /// Hands on the last, partial chunk.
    pub(crate) fn finish(self) {
        if !self.chunk.is_empty() {
            (self.sink)(self.chunk);
        }
    }
}

/// A stored snapshot, with whether its checksum matches.
pub fn check_snapshot(seq: i64, state: Vec<u8>, sum: i64) -> (Snapshot, bool) {
    let seq = seq as u64;
    let valid = i64::from(checksum(seq, 0, 0, &state)) == sum;
    (Snapshot { seq, state }, valid)
}

/// The valid snapshots among `rows`; a damaged one is skipped with a log line on stderr
/// (recovery then starts from an older one, or from the journal).
pub fn valid_snapshots(rows: Vec<(Snapshot, bool)>) -> Vec<Snapshot> {
    let mut out = Vec::new();
    for (snap, valid) in rows {
        if valid {
            out.push(snap);
        } else {
            eprintln!(
                "megawatt: snapshot at seq {} fails its checksum; it is ignored",
                snap.seq
            );
        }
    }
    out
}
