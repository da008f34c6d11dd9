//! # megawatt-store
//!
//! Durable storage for the exchange: the **journal** (every accepted command, in
//! sequence, checksummed) from which the engine's state is recovered, and the **query
//! tables** (participants, facilities, orders, trades, contracts, …) that people and
//! the API read. Both are written in one transaction per batch, so the tables never
//! disagree with the journal.
//!
//! The write path is the [`Store`] trait (SQLite today, PostgreSQL later); reads go
//! through [`sqlite::Reader`]. The schema is documented in `docs/storage.md`.

pub mod audit;
pub mod outcome;
pub mod sqlite;
mod tables;

use megawatt_engine::command::Envelope;
use megawatt_engine::event::Event;
use megawatt_engine::ids::ParticipantId;
use std::fmt;

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
    /// A snapshot of the engine's state as of journal position `seq`, to store.
    pub snapshot: Option<Snapshot>,
    /// Forget idempotency records answered before this time (ms since the epoch).
    pub forget_idempotency_before: Option<u64>,
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
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty()
            && self.idempotency.is_empty()
            && self.keys.is_empty()
            && self.snapshot.is_none()
            && self.forget_idempotency_before.is_none()
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

/// The write side of a store: recovery and group commit.
pub trait Store: Send {
    /// The journal after position `after` (0: all), in sequence, each record's checksum
    /// verified.
    fn journal(&mut self, after: u64) -> Result<Vec<(u64, Envelope)>, StoreError>;

    /// The snapshots whose checksum is valid, oldest first (damaged ones are skipped).
    fn snapshots(&mut self) -> Result<Vec<Snapshot>, StoreError>;

    /// Writes a batch (journal records, query tables, idempotency records, keys) in one
    /// transaction and makes it durable (fsync) before returning.
    fn commit(&mut self, batch: &Batch, engine: &megawatt_engine::Engine)
    -> Result<(), StoreError>;

    /// The stored answer for an idempotency key, if any answered at or after
    /// `not_before_ms`.
    fn idempotency(
        &mut self,
        participant: ParticipantId,
        key: &str,
        not_before_ms: u64,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// All API keys: (hash, participant).
    fn keys(&mut self) -> Result<Vec<([u8; 32], ParticipantId)>, StoreError>;
}
