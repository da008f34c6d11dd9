//! Every bound and period of the store, named with its unit.

/// Journal records per chunk when the journal is streamed (recovery, audit).
pub const JOURNAL_CHUNK_RECORDS: usize = 4_096;
/// Snapshots kept in the store (older ones are deleted as new ones land).
pub const SNAPSHOTS_KEPT: i64 = 2;
/// Most violations an audit report lists (all are counted).
pub const AUDIT_LISTED_MAX: usize = 100;
/// Commands an audit replays between two writes of the expected rows.
pub const AUDIT_FLUSH_EVERY_COMMANDS: u64 = 4_096;
/// The most invoices one billing export reads.
pub const EXPORT_INVOICES_MAX: usize = 100_000;
/// How often the SQLite checkpoint thread runs a passive checkpoint, ms.
pub const CHECKPOINT_EVERY_MS: u64 = 50;
/// Pages of WAL after which the SQLite writer checkpoints itself (64 MiB of pages).
pub const WAL_AUTOCHECKPOINT_PAGES: i64 = 16_384;
/// Size a SQLite WAL file is truncated back to after a checkpoint, bytes (72 MiB).
pub const WAL_SIZE_LIMIT_BYTES: i64 = 72 * 1024 * 1024;
/// Page cache of the SQLite writer, KiB (64 MiB).
pub const WRITER_CACHE_KIB: i64 = 65_536;
/// How long a SQLite connection waits for a lock before it reports busy, seconds.
pub const SQLITE_BUSY_TIMEOUT_SECS: u64 = 5;
/// How long a PostgreSQL server that is not a standby waits for the writer lock before
/// it refuses to start (long enough for a killed writer's session to end), seconds.
pub const PG_LOCK_GRACE_SECS: u64 = 3;
/// How long a PostgreSQL connection attempt may take before the database counts as
/// unreachable, seconds.
pub const PG_CONNECT_TIMEOUT_SECS: u64 = 5;
/// Delivery attempts kept in each webhook endpoint's log (older ones are deleted as new
/// ones land).
pub const WEBHOOK_ATTEMPTS_KEPT: u64 = 1_000;
