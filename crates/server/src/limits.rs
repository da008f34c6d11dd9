//! Every bound, queue and period of the server, named with its unit.

use megawatt_engine::units::MS_PER_HOUR;

/// Most requests waiting for the sequencer; beyond, callers get "busy".
pub const COMMANDS_QUEUE_LEN: usize = 16_384;
/// Most commands in one batch (one commit).
pub const BATCH_COMMANDS_MAX: usize = 4_096;
/// Batches the snapshot replica may fall behind by.
pub const REPLICA_QUEUE_BATCHES: usize = 256;
/// How long an idempotency key's answer is remembered, ms (24 hours).
pub const IDEMPOTENCY_TTL_MS: u64 = 24 * MS_PER_HOUR;
/// Longest `Idempotency-Key` accepted, bytes.
pub const IDEMPOTENCY_KEY_BYTES_MAX: usize = 255;
/// Market-data events buffered for `/v1/events` subscribers; a subscriber further
/// behind misses events (and is told so).
pub const EVENTS_QUEUE_LEN: usize = 4_096;
/// Market-data events kept for clients that reconnect with `Last-Event-ID`; one that
/// missed more is told to read the state again (`gap`).
pub const EVENTS_KEPT: usize = 10_000;
/// Read connections kept open for the API's queries.
pub const READER_CONNECTIONS: usize = 4;
/// Snapshots are taken every this many accepted commands unless configured otherwise.
pub const SNAPSHOT_EVERY_COMMANDS_DEFAULT: u64 = 100_000;
/// Largest request body, bytes.
pub const BODY_BYTES_MAX: usize = 64 * 1024;
/// Items of a page when the request names no `limit`.
pub const PAGE_ITEMS_DEFAULT: usize = 100;
/// Most items of a page.
pub const PAGE_ITEMS_MAX: usize = 1_000;
/// Most price levels returned per side of the book.
pub const BOOK_LEVELS_MAX: usize = 200;
/// Dry runs answered at once: each clones the engine on the sequencer thread, so they
/// are few; another waits for none and is answered 503 with `Retry-After`.
pub const DRY_RUNS_IN_FLIGHT_MAX: usize = 2;
