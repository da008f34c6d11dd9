//! Every bound of the `mw` client, named with its unit.

/// The largest answer read, bytes (a FOCUS export of 100,000 invoices fits).
pub const ANSWER_BYTES_MAX: u64 = 1 << 30;
/// How long one request may take in all, seconds.
pub const REQUEST_TIMEOUT_SECS: u64 = 30;
/// The longest line of the event stream read, bytes (an event is a few hundred).
pub const EVENT_LINE_BYTES_MAX: usize = 64 * 1024;
/// Most price levels of the book a quote-first buy tries (each a dry run).
pub const QUOTE_LEVELS_MAX: usize = 10;
/// Most usage records sent in one request (the exchange's bound on a batch).
pub const USAGE_BATCH_RECORDS: usize = 10_000;
/// The largest plan file read, bytes (4,096 rows of CSV or JSON fit many times over).
pub const PLAN_FILE_BYTES_MAX: u64 = 4 * 1024 * 1024;
/// The furthest a relative plan start (`M+N`) is read, months: one past the furthest
/// a plan reaches, so a start beyond is sent and the exchange refuses it by name.
pub const PLAN_MONTHS_AHEAD_MAX: u32 = megawatt_engine::limits::MAX_PLAN_MONTHS + 1;
