//! Limits on everything: every count, size and quantity the engine accepts is bounded,
//! and hitting a bound is a clear rejection (`Rule::LimitReached` and friends).

/// Longest participant or facility name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Most participants on one exchange.
pub const MAX_PARTICIPANTS: usize = 1_000_000;
/// Most facilities on one exchange (keeps facility and pool ids within `u32`).
pub const MAX_FACILITIES: usize = 1_000_000;
/// Most facilities one participant owns.
pub const MAX_FACILITIES_PER_OWNER: u32 = 10_000;
/// Most live orders one participant has at once.
pub const MAX_OPEN_ORDERS_PER_PARTICIPANT: u32 = 100_000;
/// Most live reservations on one pool.
pub const MAX_RESERVATIONS_PER_POOL: u32 = 10_000;
/// Most GPUs in one pool, order, reservation or fill.
pub const MAX_GPUS: u32 = 10_000_000;
/// Most power of one facility, in kW (100 GW).
pub const MAX_POWER_KW: u64 = 100_000_000;
/// Highest price per GPU-hour, in micro-USD ($1,000,000 per GPU-hour).
pub const MAX_PRICE_MICROS: i64 = 1_000_000_000_000;
/// Most fills (trades) one incoming order makes. What a capped order could not fill is
/// handled by its time in force, as if no more liquidity were there.
pub const MAX_FILLS_PER_ORDER: usize = 1_000;
/// The most models the catalog holds.
pub const MAX_MODELS: usize = 256;
/// Highest accepted server power per GPU, in watts (a sanity ceiling).
pub const MAX_WATTS_PER_GPU: u32 = 100_000;
/// Most distinct regions.
pub const MAX_REGIONS: usize = 4_096;
/// Most open RFQs one buyer has at once.
pub const MAX_OPEN_RFQS_PER_BUYER: u32 = 1_000;
/// Most quotes one RFQ receives.
pub const MAX_QUOTES_PER_RFQ: usize = 100;
/// Most lines of one quote or contract (several pools of one facility).
pub const MAX_LINES: usize = 64;
/// Most models (or providers invited) named by one RFQ.
pub const MAX_RFQ_ITEMS: usize = 64;
/// Longest written reason (termination for cause), in bytes.
pub const MAX_REASON_BYTES: usize = 1_000;
/// How deep resale goes: a resold contract's child may be resold, and so on, this many
/// times (bounds the work of ending a contract with its descendants).
pub const MAX_RESALE_DEPTH: u8 = 4;
/// Most live resale asks backed by one contract. (Its children are not capped: each is
/// a contract made by a fill, so the list grows only as the contract table does.)
pub const MAX_RESALE_ASKS_PER_CONTRACT: usize = 1_000;
/// Most days an invoice may give its payer (payment terms).
pub const MAX_PAYMENT_DAYS: u16 = 180;
/// Payment terms of contracts that do not name theirs, days.
pub const DEFAULT_PAYMENT_DAYS: u16 = 30;
/// Highest fee (monthly fee, early-termination fee), in micro-USD ($100 billion).
pub const MAX_FEE_MICROS: i64 = 100_000_000_000_000_000;
/// Largest single amount of money (a deposit, a withdrawal, a credit limit), in
/// micro-USD ($100 billion).
pub const MAX_MONEY_MICROS: i64 = 100_000_000_000_000_000;
/// Largest balance of any account, either sign, in micro-USD ($1 trillion): far from
/// `i64`'s range, so sums of balances never overflow.
pub const MAX_BALANCE_MICROS: i64 = 1_000_000_000_000_000_000;
/// Highest exchange fee, in basis points of a trade's notional (10%).
pub const MAX_FEE_BPS: u16 = 1_000;
/// Most records of one usage report (a batch, all or nothing).
pub const MAX_USAGE_RECORDS_PER_BATCH: usize = 10_000;
/// Longest a month may stay open for reports after its end, hours (a week).
pub const MAX_MONTH_CLOSE_GRACE_HOURS: u16 = 7 * 24;
/// Most credit tiers of one contract's delivery terms.
pub const MAX_CREDIT_TIERS: usize = 4;
/// Most candidate starts of a flexible-start search or bid (31 days of hourly starts).
pub const MAX_FLEX_START_HOURS: u32 = 744;
/// Most starts one search reports.
pub const MAX_SEARCH_RESULTS: usize = 20;
/// Most live standing procurements on one exchange (bounds a tick's procurement work).
pub const MAX_LIVE_PROCUREMENTS: usize = 1_000;
/// Most live standing procurements of one participant.
pub const MAX_PROCUREMENTS_PER_PARTICIPANT: usize = 16;
/// Longest period of a procurement, hours (a leap year).
pub const MAX_PROCUREMENT_HOURS: u32 = 8_784;
/// Farthest a procurement buys ahead, hours (31 days).
pub const MAX_PROCUREMENT_LOOKAHEAD_HOURS: u32 = 744;
/// Most bids one procurement places at one tick (what is still short waits for the next).
pub const MAX_PROCUREMENT_BIDS_PER_TICK: u32 = 32;
/// Most pieces of shortfall one procurement tries at one tick (each a plan of the book).
pub const MAX_PROCUREMENT_TRIES_PER_TICK: u32 = 64;
/// Most months of one contract's commitment ladder: every month a contract can span. A
/// contract's lines are windows of at most `units::MAX_WINDOW_HOURS` (3,650 days), and
/// 120 calendar months hold at least 3,652 days, so a window touches at most 121.
pub const MAX_LADDER_MONTHS: usize = 121;
/// How far ahead a capacity plan may reach, months.
pub const MAX_PLAN_MONTHS: u32 = 36;
/// Most rows (a model's demand in one week or month) of one capacity plan: 157 weeks of
/// 26 models.
pub const MAX_PLAN_ROWS: usize = 4_096;
/// Most plans one participant stores (applied ones included: they keep their orders'
/// names).
pub const MAX_PLANS_PER_PARTICIPANT: usize = 1_024;
/// Most plans the exchange stores.
pub const MAX_PLANS: usize = 100_000;
/// Most orders one plan's apply places: a bid for each row, and asks from several
/// lines or pools for some.
pub const MAX_PLAN_ORDERS: usize = 8_192;
/// Most orders one batch (`PlaceOrders`, `POST /v1/orders/batch`) places.
pub const MAX_BATCH_ORDERS: usize = 1_000;
/// A shortfall of at least this many GPUs in one period is facility-scale: a plan
/// drafts an RFQ for it rather than bidding on the book.
pub const PLAN_FACILITY_SCALE_GPUS: u32 = 4_096;
/// Most contracts one procurement keeps track of (it stops buying at this bound).
pub const MAX_PROCUREMENT_CONTRACTS: usize = 4_096;
