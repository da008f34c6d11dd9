//! The schema of a store, written for SQLite ([`pg_sql`] translates it for PostgreSQL),
//! its migrations, and the query tables with their columns in order.
//!
//! A new store is made as the first version's schema followed by every migration, so a
//! migrated store and a new one have exactly the same layout.

/// The version this code writes. A store with a higher version is refused.
pub const SCHEMA_VERSION: i64 = 20;

/// The schema of version 1, which every store starts from. Times are hours since the
/// epoch (`*_hour`) next to RFC 3339 text (`*_at`) for people; money is integer
/// micro-USD (`*_micros`).
pub const SCHEMA_V1: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    seq       INTEGER PRIMARY KEY,
    time_ms   INTEGER NOT NULL,
    actor     INTEGER NOT NULL,
    command   BLOB    NOT NULL,
    checksum  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    provider INTEGER NOT NULL, buyer INTEGER NOT NULL, operator INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    hash BLOB PRIMARY KEY, participant INTEGER NOT NULL, prefix TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS models (
    idx INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, watts_per_gpu INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS facilities (
    id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, name TEXT NOT NULL, region TEXT NOT NULL,
    power_kw INTEGER NOT NULL, created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pools (
    id INTEGER PRIMARY KEY, facility INTEGER NOT NULL, model TEXT NOT NULL, gpus INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY, pool INTEGER NOT NULL, owner INTEGER NOT NULL, gpus INTEGER NOT NULL,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, side TEXT NOT NULL, model TEXT NOT NULL,
    pool INTEGER, region TEXT, facility INTEGER,
    gpus INTEGER NOT NULL, start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL,
    start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    price_micros INTEGER NOT NULL, tif TEXT NOT NULL, gtd_until_hour INTEGER,
    min_fill_gpus INTEGER, colocate INTEGER, partial INTEGER,
    filled_gpu_hours INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL, placed_ms INTEGER NOT NULL, closed_seq INTEGER
);
CREATE INDEX IF NOT EXISTS orders_by_owner ON orders (owner, id);
CREATE TABLE IF NOT EXISTS trades (
    id INTEGER PRIMARY KEY, bid INTEGER NOT NULL, ask INTEGER NOT NULL,
    buyer INTEGER NOT NULL, seller INTEGER NOT NULL, pool INTEGER NOT NULL, model TEXT NOT NULL,
    gpus INTEGER NOT NULL, start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL,
    start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    price_micros INTEGER NOT NULL, aggressor TEXT NOT NULL, contract INTEGER NOT NULL,
    time_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_by_buyer ON trades (buyer, id);
CREATE INDEX IF NOT EXISTS trades_by_seller ON trades (seller, id);
CREATE TABLE IF NOT EXISTS contracts (
    id INTEGER PRIMARY KEY, buyer INTEGER NOT NULL, seller INTEGER NOT NULL,
    pricing TEXT NOT NULL, price_micros INTEGER, monthly_fee_micros INTEGER,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    buyer_notice_hours INTEGER, seller_notice_hours INTEGER, early_termination_fee_micros INTEGER NOT NULL,
    origin_trade INTEGER, status TEXT NOT NULL, created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS contracts_by_buyer ON contracts (buyer, id);
CREATE INDEX IF NOT EXISTS contracts_by_seller ON contracts (seller, id);
CREATE TABLE IF NOT EXISTS contract_lines (
    contract INTEGER NOT NULL, line INTEGER NOT NULL, pool INTEGER NOT NULL, gpus INTEGER NOT NULL,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, PRIMARY KEY (contract, line)
);
CREATE TABLE IF NOT EXISTS idempotency (
    participant INTEGER NOT NULL, key TEXT NOT NULL, request_hash BLOB NOT NULL,
    outcome BLOB NOT NULL, PRIMARY KEY (participant, key)
);
"#;

/// The tables of term deals (schema version 4), in the schema and in the migration.
const DEALS: &str = r#"
CREATE TABLE IF NOT EXISTS rfqs (
    id INTEGER PRIMARY KEY, buyer INTEGER NOT NULL, kind TEXT NOT NULL,
    power_kw INTEGER, min_power_kw INTEGER,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL,
    region TEXT, facility INTEGER,
    max_buyer_notice_hours INTEGER, min_seller_notice_hours INTEGER,
    max_early_termination_fee_micros INTEGER, required_causes TEXT NOT NULL,
    deadline_hour INTEGER NOT NULL, deadline_at TEXT NOT NULL,
    status TEXT NOT NULL, accepted_quote INTEGER, created_ms INTEGER NOT NULL, closed_seq INTEGER
);
CREATE INDEX IF NOT EXISTS rfqs_by_buyer ON rfqs (buyer, id);
CREATE TABLE IF NOT EXISTS rfq_items (
    rfq INTEGER NOT NULL, model TEXT NOT NULL, gpus INTEGER NOT NULL, PRIMARY KEY (rfq, model)
);
CREATE TABLE IF NOT EXISTS rfq_invited (
    rfq INTEGER NOT NULL, participant INTEGER NOT NULL, PRIMARY KEY (rfq, participant)
);
CREATE TABLE IF NOT EXISTS quotes (
    id INTEGER PRIMARY KEY, rfq INTEGER NOT NULL, provider INTEGER NOT NULL, facility INTEGER NOT NULL,
    pricing TEXT NOT NULL, price_micros INTEGER, monthly_fee_micros INTEGER,
    buyer_notice_hours INTEGER, seller_notice_hours INTEGER, early_termination_fee_micros INTEGER NOT NULL,
    for_cause_allowed TEXT NOT NULL, expires_hour INTEGER NOT NULL, expires_at TEXT NOT NULL,
    status TEXT NOT NULL, created_ms INTEGER NOT NULL, closed_seq INTEGER
);
CREATE INDEX IF NOT EXISTS quotes_by_rfq ON quotes (rfq, id);
CREATE TABLE IF NOT EXISTS quote_lines (
    quote INTEGER NOT NULL, line INTEGER NOT NULL, pool INTEGER NOT NULL, gpus INTEGER NOT NULL,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, PRIMARY KEY (quote, line)
);
"#;

/// The ledger (schema version 5).
const LEDGER: &str = r#"
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY, debit TEXT NOT NULL, credit TEXT NOT NULL, amount_micros INTEGER NOT NULL,
    kind TEXT NOT NULL, reference TEXT NOT NULL, time_ms INTEGER NOT NULL, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_by_debit ON transfers (debit, id);
CREATE INDEX IF NOT EXISTS transfers_by_credit ON transfers (credit, id);
ALTER TABLE participants ADD COLUMN credit_limit_micros INTEGER NOT NULL DEFAULT 0;
"#;

/// Invoices (schema version 6).
const INVOICES: &str = r#"
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY, contract INTEGER NOT NULL, payer INTEGER NOT NULL, payee INTEGER NOT NULL,
    charge TEXT NOT NULL, period_start_hour INTEGER NOT NULL, period_end_hour INTEGER NOT NULL,
    period_start_at TEXT NOT NULL, period_end_at TEXT NOT NULL, amount_micros INTEGER NOT NULL,
    issued_ms INTEGER NOT NULL, due_hour INTEGER NOT NULL, due_at TEXT NOT NULL,
    status TEXT NOT NULL, paid_seq INTEGER
);
CREATE INDEX IF NOT EXISTS invoices_by_payer ON invoices (payer, id);
CREATE INDEX IF NOT EXISTS invoices_by_payee ON invoices (payee, id);
"#;

/// Payment terms on contracts and quotes (schema version 7). The engine's state gained
/// them too, so snapshots of the older layout are dropped: the first start replays the
/// journal, whose old quote records decode as `SubmitQuoteV1` (30 days).
const PAYMENT_TERMS: &str = r#"
ALTER TABLE contracts ADD COLUMN payment_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE quotes ADD COLUMN payment_days INTEGER NOT NULL DEFAULT 30;
DELETE FROM snapshots;
"#;

/// RFQs that ask for payment terms (schema version 8). The engine's RFQs gained the
/// field too, so snapshots of the older layout are dropped; old RFQ records decode as
/// `CreateRfqV1` (no requirement).
const RFQ_PAYMENT_TERMS: &str = r#"
ALTER TABLE rfqs ADD COLUMN min_payment_days INTEGER;
DELETE FROM snapshots;
"#;

/// Invoice lines (schema version 9): each contract line's share of an invoice, as the
/// engine computed it when it issued the invoice. The migration also fills them in for
/// the invoices issued before (`backfill`), from the same engine function.
pub const INVOICE_LINES: &str = r#"
CREATE TABLE IF NOT EXISTS invoice_lines (
    invoice INTEGER NOT NULL, line_no INTEGER NOT NULL, contract_line INTEGER, pool INTEGER NOT NULL,
    gpus INTEGER NOT NULL, gpu_hours INTEGER, amount_micros INTEGER NOT NULL,
    PRIMARY KEY (invoice, line_no)
);
"#;

/// The whole schema of a new store: version 1 and every migration.
pub fn schema() -> String {
    let mut s = SCHEMA_V1.to_string();
    for m in migrations() {
        s.push_str(&m);
        s.push('\n');
    }
    s
}

/// Version 10: the event log (events as published, kept for a window of commands;
/// `events_floor` in `meta` is the journal position after which every event is kept:
/// a migrated store starts its log at its journal's end) and webhook endpoints with
/// their attempt log.
pub const OUTBOX: &str = r#"
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER NOT NULL, n INTEGER NOT NULL, audience INTEGER, kind TEXT NOT NULL,
    time_ms INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (seq, n)
);
CREATE INDEX IF NOT EXISTS events_by_audience ON events (audience, seq, n) WHERE audience IS NOT NULL;
INSERT INTO meta VALUES ('events_floor', (SELECT CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM journal))
    ON CONFLICT (key) DO NOTHING;
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY, participant INTEGER NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL,
    description TEXT, secret TEXT NOT NULL, status TEXT NOT NULL, disabled_reason TEXT,
    failures INTEGER NOT NULL, cursor_seq INTEGER NOT NULL, cursor_n INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    webhook TEXT NOT NULL, id INTEGER NOT NULL, event_seq INTEGER NOT NULL, event_n INTEGER NOT NULL,
    kind TEXT NOT NULL, attempt INTEGER NOT NULL, manual INTEGER NOT NULL, at_ms INTEGER NOT NULL,
    status INTEGER, error TEXT, duration_ms INTEGER NOT NULL,
    PRIMARY KEY (webhook, id)
);
"#;

/// Version 11: delivery. Contracts' delivery terms (fills made before it get the
/// exchange's first defaults, as a replay gives them; term contracts none); delivery
/// credits with their evidence; usage reports, the latest of each contract line, hour and side
/// (a correction replaces its row); hours as integers only, to keep a month of hourly
/// reports small. The engine's state gained refunds and delivery reports, so snapshots
/// of the older layout are dropped: the first start replays the journal.
const DELIVERY: &str = r#"
CREATE TABLE IF NOT EXISTS usage_reports (
    contract INTEGER NOT NULL, line INTEGER NOT NULL, hour INTEGER NOT NULL, side TEXT NOT NULL,
    gpus INTEGER NOT NULL, energy_wh INTEGER, seq INTEGER NOT NULL,
    PRIMARY KEY (contract, line, hour, side)
);
CREATE TABLE IF NOT EXISTS delivery_credits (
    invoice INTEGER PRIMARY KEY, contract INTEGER NOT NULL, period_start_hour INTEGER NOT NULL,
    period_end_hour INTEGER NOT NULL, contracted_gpu_hours INTEGER NOT NULL,
    delivered_gpu_hours INTEGER NOT NULL, unreported_gpu_hours INTEGER NOT NULL,
    availability_bps INTEGER NOT NULL, charge_micros INTEGER NOT NULL,
    pro_rata_micros INTEGER NOT NULL, tier_micros INTEGER NOT NULL, credit_micros INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_credits_by_contract ON delivery_credits (contract, invoice);
DELETE FROM snapshots;
"#;

/// The four columns of delivery terms (`decode::delivery_at` reads them), added to
/// `table`: contracts in version 11, quotes in 12.
fn delivery_columns(table: &str) -> String {
    [
        "delivery_target_bps INTEGER NOT NULL DEFAULT 0",
        "delivery_unreported TEXT NOT NULL DEFAULT 'delivered'",
        "delivery_pro_rata INTEGER NOT NULL DEFAULT 0",
        "delivery_tiers TEXT NOT NULL DEFAULT ''",
    ]
    .map(|c| format!("ALTER TABLE {table} ADD COLUMN {c};\n"))
    .concat()
}

/// Version 12: quotes carry delivery terms (those made before it promise none, as a
/// replay gives them); the engine's state gained them, so snapshots are dropped.
const QUOTE_DELIVERY: &str = "DELETE FROM snapshots;";

/// Version 13: API keys have scopes (older keys may do everything: `*`) and may be
/// revoked.
const KEY_SCOPES: &str = r#"
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '*';
ALTER TABLE api_keys ADD COLUMN revoked_ms INTEGER;
"#;

/// Version 14: bids may ask for a minimum reliability of the facilities they fill
/// from (older bids asked for none); the engine keeps reliability, so snapshots are
/// dropped.
const BID_RELIABILITY: &str = r#"
ALTER TABLE orders ADD COLUMN min_reliability_bps INTEGER;
DELETE FROM snapshots;
"#;

/// Version 15: the engine keeps which months have closed (they may close a grace after
/// their end), so snapshots are dropped.
const MONTH_CLOSE: &str = "DELETE FROM snapshots;";

/// Version 16: the tape is read by model and trade time (candles) or delivery start
/// (candles by delivery, the tape's delivery filter), newest first.
const TAPE_INDEXES: &str =
    "CREATE INDEX IF NOT EXISTS trades_by_model_time ON trades (model, time_ms);
CREATE INDEX IF NOT EXISTS trades_by_model_start ON trades (model, start_hour);
CREATE INDEX IF NOT EXISTS trades_by_model ON trades (model, id);";

/// Version 17: the index and the forward curve, published at ticks once a methodology
/// is in force (none before: older journals replay publishing nothing until the
/// command that put one in force); the engine keeps the trailing week's prints, so
/// snapshots are dropped.
const PRICES: &str = r#"
CREATE TABLE IF NOT EXISTS index_values (
    model TEXT NOT NULL, region TEXT, span TEXT NOT NULL, at_hour INTEGER NOT NULL,
    at TEXT NOT NULL, version INTEGER NOT NULL, price_micros INTEGER, unpublished TEXT,
    prints INTEGER NOT NULL, gpu_hours INTEGER NOT NULL, sellers INTEGER NOT NULL,
    through_trade INTEGER NOT NULL, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS index_values_by_series ON index_values (model, span, at_hour);
CREATE TABLE IF NOT EXISTS curves (
    model TEXT NOT NULL, at_hour INTEGER NOT NULL, at TEXT NOT NULL, version INTEGER NOT NULL,
    points INTEGER NOT NULL, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS curves_by_model ON curves (model, at_hour);
CREATE TABLE IF NOT EXISTS curve_points (
    model TEXT NOT NULL, at_hour INTEGER NOT NULL, kind TEXT NOT NULL,
    period_start_hour INTEGER NOT NULL, period_end_hour INTEGER NOT NULL,
    period_start_at TEXT NOT NULL, period_end_at TEXT NOT NULL, price_micros INTEGER NOT NULL,
    source TEXT NOT NULL, prints INTEGER NOT NULL, gpu_hours INTEGER NOT NULL,
    best_bid_micros INTEGER, best_ask_micros INTEGER
);
CREATE INDEX IF NOT EXISTS curve_points_by_curve ON curve_points (model, at_hour);
DELETE FROM snapshots;
"#;

/// Version 18: standing procurements, and on each order the procurement that placed
/// it (none before); the engine keeps live procurements, so snapshots are dropped.
const PROCUREMENTS: &str = r#"
CREATE TABLE IF NOT EXISTS procurements (
    id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, model TEXT NOT NULL, region TEXT,
    gpus INTEGER NOT NULL, start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL,
    start_at TEXT NOT NULL, end_at TEXT NOT NULL, lookahead_hours INTEGER NOT NULL,
    block_hours INTEGER NOT NULL, limit_price_micros INTEGER NOT NULL, status TEXT NOT NULL,
    created_ms INTEGER NOT NULL, ended_seq INTEGER
);
CREATE INDEX IF NOT EXISTS procurements_by_owner ON procurements (owner, id);
ALTER TABLE orders ADD COLUMN procurement INTEGER;
CREATE INDEX IF NOT EXISTS orders_by_procurement ON orders (procurement, id);
DELETE FROM snapshots;
"#;

/// Version 19: the engine's book keeps each resting ask's most GPUs free at any hour
/// of its window (the flexible-start search's bound), so snapshots are dropped.
const ASK_CEILING: &str = "DELETE FROM snapshots;";

/// Version 20: stored capacity plans (their rows, and each order an apply placed or
/// refused), and on each order the plan that placed it (none before); the engine keeps
/// the plans' owners, so snapshots are dropped.
const PLANS: &str = r#"
CREATE TABLE IF NOT EXISTS plans (
    id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, period TEXT NOT NULL,
    limit_price_micros INTEGER, rows INTEGER NOT NULL, uploaded_ms INTEGER NOT NULL,
    seq INTEGER NOT NULL, applied_ms INTEGER, applied_seq INTEGER
);
CREATE INDEX IF NOT EXISTS plans_by_owner ON plans (owner, id);
CREATE TABLE IF NOT EXISTS plan_rows (
    plan INTEGER NOT NULL, row_index INTEGER NOT NULL, model TEXT NOT NULL,
    start_hour INTEGER NOT NULL, start_at TEXT NOT NULL, gpus INTEGER NOT NULL,
    PRIMARY KEY (plan, row_index)
);
CREATE TABLE IF NOT EXISTS plan_orders (
    plan INTEGER NOT NULL, order_index INTEGER NOT NULL, side TEXT NOT NULL, model TEXT,
    pool INTEGER, contract INTEGER, contract_line INTEGER, gpus INTEGER NOT NULL,
    start_hour INTEGER NOT NULL, end_hour INTEGER NOT NULL, price_micros INTEGER NOT NULL,
    order_id INTEGER, rule TEXT, field TEXT, detail TEXT, PRIMARY KEY (plan, order_index)
);
ALTER TABLE orders ADD COLUMN plan INTEGER;
CREATE INDEX IF NOT EXISTS orders_by_plan ON orders (plan, id);
DELETE FROM snapshots;
"#;

/// Stores a new API key (parameters: hash, participant, prefix, created_ms, scopes).
pub(crate) const INSERT_KEY: &str = "INSERT INTO api_keys (hash, participant, prefix, created_ms, scopes) VALUES ($1, $2, $3, $4, $5)";

/// Revokes a participant's key (parameters: revoked_ms, participant, prefix).
pub(crate) const REVOKE_KEY: &str = "UPDATE api_keys SET revoked_ms = $1 \
     WHERE participant = $2 AND prefix = $3 AND revoked_ms IS NULL";

/// The keys not revoked: hash, participant, prefix, scopes.
pub(crate) const LIVE_KEYS: &str =
    "SELECT hash, participant, prefix, scopes FROM api_keys WHERE revoked_ms IS NULL";

/// A stored key hash, checked to be one.
pub(crate) fn key_hash(bytes: &[u8]) -> Result<[u8; 32], crate::StoreError> {
    bytes
        .try_into()
        .map_err(|_| crate::StoreError("api_keys: malformed hash".into()))
}

/// The delivery terms fills made before version 11 get: the engine's first defaults
/// (`DeliveryTerms::exchange`), as a replay gives them.
fn delivery_of_old_fills() -> String {
    let t = megawatt_engine::delivery::DeliveryTerms::exchange();
    format!(
        "UPDATE contracts SET delivery_target_bps = {}, delivery_unreported = '{}', \
         delivery_pro_rata = {}, delivery_tiers = '{}' WHERE origin_quote IS NULL;",
        t.availability_target_bps,
        t.unreported.as_str(),
        i32::from(t.pro_rata),
        t.tiers_text()
    )
}

/// Migrations from each older schema version to the next, in order: `migrations()[v - 1]`
/// takes version `v` to `v + 1`.
pub fn migrations() -> [String; 19] {
    [
        "CREATE TABLE IF NOT EXISTS snapshots (
            seq INTEGER PRIMARY KEY, state BLOB NOT NULL, checksum INTEGER NOT NULL, created_ms INTEGER NOT NULL
        );"
        .to_string(),
        "ALTER TABLE idempotency ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;".to_string(),
        format!(
            "ALTER TABLE orders ADD COLUMN contract INTEGER;
             ALTER TABLE orders ADD COLUMN contract_line INTEGER;
             {}
             UPDATE contracts SET ends_hour = end_hour, ends_at = end_at,
                 for_cause_allowed = 'acceptable_use,non_payment,non_delivery';
             {DEALS}",
            [
                "origin_quote INTEGER",
                "parent INTEGER",
                "parent_line INTEGER",
                "ends_hour INTEGER",
                "ends_at TEXT",
                "for_cause_allowed TEXT",
                "notice_by INTEGER",
                "notice_ms INTEGER",
                "notice_effective_hour INTEGER",
                "notice_fee_micros INTEGER",
                "notice_via_parent INTEGER",
                "cause TEXT",
                "cause_by INTEGER",
                "cause_reason TEXT",
                "cause_ms INTEGER",
            ]
            .map(|c| format!("ALTER TABLE contracts ADD COLUMN {c};"))
            .join("\n")
        ),
        LEDGER.to_string(),
        INVOICES.to_string(),
        PAYMENT_TERMS.to_string(),
        RFQ_PAYMENT_TERMS.to_string(),
        INVOICE_LINES.to_string(),
        OUTBOX.to_string(),
        format!(
            "{DELIVERY}{}{}",
            delivery_columns("contracts"),
            delivery_of_old_fills()
        ),
        format!("{}{QUOTE_DELIVERY}", delivery_columns("quotes")),
        KEY_SCOPES.to_string(),
        BID_RELIABILITY.to_string(),
        MONTH_CLOSE.to_string(),
        TAPE_INDEXES.to_string(),
        PRICES.to_string(),
        PROCUREMENTS.to_string(),
        ASK_CEILING.to_string(),
        PLANS.to_string(),
    ]
}

/// Translates schema text written for SQLite into PostgreSQL's dialect: 64-bit integers
/// and byte strings.
pub fn pg_sql(sqlite: &str) -> String {
    sqlite.replace("INTEGER", "BIGINT").replace("BLOB", "BYTEA")
}

/// The query tables, in the order a batch writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    /// `participants`.
    Participants,
    /// `models`.
    Models,
    /// `facilities`.
    Facilities,
    /// `pools`.
    Pools,
    /// `reservations`.
    Reservations,
    /// `orders`.
    Orders,
    /// `trades`.
    Trades,
    /// `contracts`.
    Contracts,
    /// `contract_lines`.
    ContractLines,
    /// `rfqs`.
    Rfqs,
    /// `rfq_items`.
    RfqItems,
    /// `rfq_invited`.
    RfqInvited,
    /// `quotes`.
    Quotes,
    /// `quote_lines`.
    QuoteLines,
    /// `transfers`.
    Transfers,
    /// `invoices`.
    Invoices,
    /// `invoice_lines`.
    InvoiceLines,
    /// `delivery_credits`.
    DeliveryCredits,
    /// `usage_reports`.
    UsageReports,
    /// `index_values`.
    IndexValues,
    /// `curves`.
    Curves,
    /// `curve_points`.
    CurvePoints,
    /// `procurements`.
    Procurements,
    /// `plans`.
    Plans,
    /// `plan_rows`.
    PlanRows,
    /// `plan_orders`.
    PlanOrders,
}

/// Number of query tables.
pub const TABLES: usize = 26;

impl Table {
    /// Every query table.
    pub const ALL: [Table; TABLES] = [
        Table::Participants,
        Table::Models,
        Table::Facilities,
        Table::Pools,
        Table::Reservations,
        Table::Orders,
        Table::Trades,
        Table::Contracts,
        Table::ContractLines,
        Table::Rfqs,
        Table::RfqItems,
        Table::RfqInvited,
        Table::Quotes,
        Table::QuoteLines,
        Table::Transfers,
        Table::Invoices,
        Table::InvoiceLines,
        Table::DeliveryCredits,
        Table::UsageReports,
        Table::IndexValues,
        Table::Curves,
        Table::CurvePoints,
        Table::Procurements,
        Table::Plans,
        Table::PlanRows,
        Table::PlanOrders,
    ];

    /// Its SQL name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Participants => "participants",
            Table::Models => "models",
            Table::Facilities => "facilities",
            Table::Pools => "pools",
            Table::Reservations => "reservations",
            Table::Orders => "orders",
            Table::Trades => "trades",
            Table::Contracts => "contracts",
            Table::ContractLines => "contract_lines",
            Table::Rfqs => "rfqs",
            Table::RfqItems => "rfq_items",
            Table::RfqInvited => "rfq_invited",
            Table::Quotes => "quotes",
            Table::QuoteLines => "quote_lines",
            Table::Transfers => "transfers",
            Table::Invoices => "invoices",
            Table::InvoiceLines => "invoice_lines",
            Table::DeliveryCredits => "delivery_credits",
            Table::UsageReports => "usage_reports",
            Table::IndexValues => "index_values",
            Table::Curves => "curves",
            Table::CurvePoints => "curve_points",
            Table::Procurements => "procurements",
            Table::Plans => "plans",
            Table::PlanRows => "plan_rows",
            Table::PlanOrders => "plan_orders",
        }
    }
}
