//! Every bound, queue and period of the server, named with its unit.

use megawatt_engine::units::MS_PER_HOUR;

/// Most requests waiting for the sequencer; beyond, callers get "busy".
pub const COMMANDS_QUEUE_LEN: usize = 16_384;
/// Most commands in one batch (one commit).
pub const BATCH_COMMANDS_MAX: usize = 4_096;
/// Batches the snapshot replica may fall behind by.
pub const REPLICA_QUEUE_BATCHES: usize = 256;
/// Reads of the snapshot replica's engine at once (positions now); one more is
/// answered from the read model instead.
pub const REPLICA_QUERIES_MAX: usize = 4;
/// How long an idempotency key's answer is remembered, ms (24 hours).
pub const IDEMPOTENCY_TTL_MS: u64 = 24 * MS_PER_HOUR;
/// Longest `Idempotency-Key` accepted, bytes.
pub const IDEMPOTENCY_KEY_BYTES_MAX: usize = 255;
/// Events buffered for each `/v1/events` subscriber and webhook dispatcher; one further
/// behind reads the rest from the store's event log.
pub const EVENTS_QUEUE_LEN: usize = 4_096;
/// The store's event log keeps the events of the latest this many commands (and up to
/// [`EVENTS_PRUNE_EVERY_COMMANDS`] more): a client that reconnects with `Last-Event-ID`
/// or a webhook that was down resumes within it; one that missed more gets a `gap`.
pub const EVENTS_WINDOW_COMMANDS: u64 = 100_000;
/// The event log forgets what fell out of its window each time the journal passes a
/// multiple of this many commands.
pub const EVENTS_PRUNE_EVERY_COMMANDS: u64 = 1_000;
/// Events read from the log at a time when a stream or a webhook catches up.
pub const EVENTS_REPLAY_PAGE: usize = 1_000;
/// Webhook endpoints per participant.
pub const WEBHOOKS_PER_PARTICIPANT_MAX: usize = 16;
/// Longest webhook URL, bytes.
pub const WEBHOOK_URL_BYTES_MAX: usize = 2_048;
/// Longest webhook description, bytes.
pub const WEBHOOK_DESCRIPTION_BYTES_MAX: usize = 256;
/// Failed attempts in a row after which an endpoint is disabled (with the reason):
/// with the backoff below, about 16.5 hours of retries.
pub const WEBHOOK_FAILURES_MAX: u32 = 18;
/// The first retry's delay, ms; each later one doubles it, up to the ceiling.
pub const WEBHOOK_RETRY_BASE_MS_DEFAULT: u64 = 1_000;
/// The largest first-retry delay an operator may set, ms (an hour).
pub const WEBHOOK_RETRY_BASE_MS_MAX: u64 = MS_PER_HOUR;
/// The longest delay between two attempts, ms (4 hours).
pub const WEBHOOK_RETRY_CEILING_MS: u64 = 4 * MS_PER_HOUR;
/// How long one delivery may take (connect, send, answer), ms.
pub const WEBHOOK_TIMEOUT_MS: u64 = 10_000;
/// Deliveries in flight at once, over all endpoints (each holds a blocking thread).
pub const WEBHOOK_DELIVERIES_IN_FLIGHT_MAX: usize = 32;
/// Deliveries in flight at once for one participant's endpoints (so that one
/// participant's slow endpoints cannot hold every slot).
pub const WEBHOOK_DELIVERIES_PER_PARTICIPANT_MAX: usize = 4;
/// Webhook writes (attempts, cursors) waiting for the sequencer; beyond it, deliveries
/// wait until the queue drains.
pub const WEBHOOK_WRITES_QUEUED_MAX: usize = 10_000;
/// How much of an endpoint's answer is read and logged, bytes.
pub const WEBHOOK_ANSWER_BYTES_MAX: u64 = 1_024;
/// Deliveries a receiver should accept: a signature older than this is a replay,
/// seconds (the documented tolerance; [`crate::webhooks::sign::verify`] applies it).
pub const WEBHOOK_SIGNATURE_TOLERANCE_SECS: u64 = 300;
/// Read connections kept open for the API's queries.
pub const READER_CONNECTIONS: usize = 4;
/// Snapshots are taken every this many accepted commands unless configured otherwise.
pub const SNAPSHOT_EVERY_COMMANDS_DEFAULT: u64 = 100_000;
/// On a new store, a month closes this many hours after its end unless configured
/// otherwise: an hourly meter has six hours to report the month's last hours.
pub const MONTH_CLOSE_GRACE_HOURS_DEFAULT: u16 = 6;
/// Largest request body, bytes.
pub const BODY_BYTES_MAX: usize = 64 * 1024;
/// Largest usage report body, bytes: 10,000 records of about 100 bytes each.
pub const USAGE_BODY_BYTES_MAX: usize = 2 * 1024 * 1024;
/// Largest body of a capacity plan (`/v1/plans`, `/v1/positions/plan`): 4,096 rows of
/// about 80 bytes, with room.
pub const PLAN_BODY_BYTES_MAX: usize = 1024 * 1024;
/// Largest body of a batch of orders (`/v1/orders/batch`): 1,000 orders of about 250
/// bytes, with room.
pub const BATCH_BODY_BYTES_MAX: usize = 1024 * 1024;
/// Longest range of hours one read of a contract's usage covers (31 days).
pub const USAGE_RANGE_HOURS_MAX: u32 = 31 * 24;
/// Most usage reports one read of a contract's usage returns.
pub const USAGE_ROWS_MAX: usize = 20_000;
/// Items of a page when the request names no `limit`.
pub const PAGE_ITEMS_DEFAULT: usize = 100;
/// Most items of a page.
pub const PAGE_ITEMS_MAX: usize = 1_000;
/// Most price levels returned per side of the book.
pub const BOOK_LEVELS_MAX: usize = 200;
/// Most levels returned per side of the book's depth by delivery period.
pub const DEPTH_LEVELS_MAX: usize = 1_000;
/// Most candles in one answer (83 days of hours, 5 years of days).
pub const CANDLES_MAX: u32 = 2_000;
/// Most ticks one index answer covers (83 days of hourly values, 5 years of daily).
pub const INDEX_TICKS_MAX: u32 = 2_000;
/// Most facilities a book lists with their reliability (by id).
pub const BOOK_FACILITIES_MAX: usize = 200;
/// Dry runs answered at once: each clones the engine on the sequencer thread, so they
/// are few; another waits for none and is answered 503 with `Retry-After`.
pub const DRY_RUNS_IN_FLIGHT_MAX: usize = 2;

/// Most live API keys one participant has.
pub const KEYS_PER_PARTICIPANT_MAX: usize = 100;
/// Most keys one list answers (newest first).
pub const KEYS_LISTED_MAX: usize = 1_000;
/// Characters of a key shown as its prefix: `mw_` and 12 hex digits (48 bits, so two
/// live keys of one participant practically never share one). Keys made before kept 10.
pub const KEY_PREFIX_CHARS: usize = 15;

/// Most days a day-by-day utilization view covers.
pub const UTILIZATION_DAYS_MAX: u32 = 92;
/// Most months a month-by-month utilization view covers.
pub const UTILIZATION_MONTHS_MAX: u32 = 24;
/// Most contract lines one utilization view sums (beyond: name a contract, facility or
/// pool).
pub const UTILIZATION_LINES_MAX: usize = 100_000;
/// Most contracts one position or exposure view reads (a participant's, or for the
/// operator's market view every contract holding hours from the moment on).
pub const POSITION_CONTRACTS_MAX: usize = 50_000;
/// Most open orders, and most open quotes, one position reads.
pub const POSITION_OFFERS_MAX: usize = 100_000;
/// Most invoices one position (this year's) or exposure view (unpaid) reads.
pub const POSITION_INVOICES_MAX: usize = 500_000;
/// Pairs in the operator's view of the market's largest exposures.
pub const EXPOSURE_LARGEST: usize = 20;
