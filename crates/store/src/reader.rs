//! The read side of a store, for the API's queries: one [`Reader`] per connection, over
//! SQLite (a read-only connection beside the writer's, in WAL mode) or PostgreSQL. The
//! queries are written once, in SQL both accept (`$n` parameters, `CAST`), and rows are
//! read through [`Get`], so the two backends cannot drift apart.

use crate::tables::Val;
use crate::{Location, StoreError};
use megawatt_engine::ids::ParticipantId;
use rusqlite::OpenFlags;
use std::collections::BTreeMap;

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
    /// Resale: the contract offered from.
    pub contract: Option<u64>,
    /// Resale: its line.
    pub contract_line: Option<u16>,
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
    /// Days the buyer has to pay each invoice.
    pub payment_days: u16,
    /// The trade that made it.
    pub origin_trade: Option<u64>,
    /// `pending`, `active`, `expired`, `notice_given`, `terminated`,
    /// `terminated_for_cause`.
    pub status: String,
    /// When made.
    pub created_ms: u64,
    /// Lines: (pool, gpus, start hour, end hour).
    pub lines: Vec<(u64, u32, u32, u32)>,
    /// The quote that made it.
    pub origin_quote: Option<u64>,
    /// The contract it was resold from, and that contract's line.
    pub parent: Option<(u64, u32)>,
    /// The first hour it no longer holds (its end, or earlier after notice or
    /// termination).
    pub ends_hour: u32,
    /// Causes allowing termination, comma-separated.
    pub for_cause_allowed: String,
    /// Notice given: (by, when ms, effective hour, fee micro-USD, via parent contract).
    pub notice: Option<(u64, u64, u32, i64, Option<u64>)>,
    /// Termination for cause: (cause, by, reason, when ms).
    pub cause: Option<(String, u64, String, u64)>,
}

/// An RFQ as the tables hold it.
#[derive(Clone, Debug)]
pub struct RfqRow {
    /// RFQ id.
    pub id: u64,
    /// The buyer.
    pub buyer: u64,
    /// `gpus` or `power`.
    pub kind: String,
    /// Power wanted, kW (power RFQs).
    pub power_kw: Option<u64>,
    /// Least power, kW (power RFQs).
    pub min_power_kw: Option<u64>,
    /// Window start hour.
    pub start_hour: u32,
    /// Window end hour.
    pub end_hour: u32,
    /// Region filter.
    pub region: Option<String>,
    /// Facility filter.
    pub facility: Option<u64>,
    /// Longest acceptable buyer notice.
    pub max_buyer_notice_hours: Option<u32>,
    /// Shortest acceptable seller notice.
    pub min_seller_notice_hours: Option<u32>,
    /// Highest acceptable early-termination fee.
    pub max_early_termination_fee_micros: Option<i64>,
    /// Causes required, comma-separated.
    pub required_causes: String,
    /// Least payment terms accepted, days.
    pub min_payment_days: Option<u16>,
    /// Deadline hour.
    pub deadline_hour: u32,
    /// `open`, `accepted`, `cancelled`, `expired`.
    pub status: String,
    /// The accepted quote.
    pub accepted_quote: Option<u64>,
    /// When made.
    pub created_ms: u64,
    /// GPUs per model (GPU RFQs).
    pub items: Vec<(String, u32)>,
    /// Providers invited (empty: all).
    pub invited: Vec<u64>,
}

/// A quote as the tables hold it.
#[derive(Clone, Debug)]
pub struct QuoteRow {
    /// Quote id.
    pub id: u64,
    /// Its RFQ.
    pub rfq: u64,
    /// The provider.
    pub provider: u64,
    /// The facility.
    pub facility: u64,
    /// `per_gpu_hour` or `monthly_fee`.
    pub pricing: String,
    /// Price per GPU-hour.
    pub price_micros: Option<i64>,
    /// Monthly fee.
    pub monthly_fee_micros: Option<i64>,
    /// Buyer's notice.
    pub buyer_notice_hours: Option<u32>,
    /// Seller's notice.
    pub seller_notice_hours: Option<u32>,
    /// Early-termination fee.
    pub early_termination_fee_micros: i64,
    /// Causes allowing termination, comma-separated.
    pub for_cause_allowed: String,
    /// Days the buyer would have to pay each invoice.
    pub payment_days: u16,
    /// Expiry hour.
    pub expires_hour: u32,
    /// `open`, `accepted`, `withdrawn`, `expired`, `released`.
    pub status: String,
    /// When made.
    pub created_ms: u64,
    /// Lines: (pool, gpus, start hour, end hour).
    pub lines: Vec<(u64, u32, u32, u32)>,
}

/// A transfer as the table holds it.
#[derive(Clone, Debug)]
pub struct TransferRow {
    /// Transfer id.
    pub id: u64,
    /// The account debited (`external`, `fees`, `p-3`).
    pub debit: String,
    /// The account credited.
    pub credit: String,
    /// Amount, micro-USD.
    pub amount_micros: i64,
    /// `deposit`, `withdrawal`, …
    pub kind: String,
    /// What caused it.
    pub reference: String,
    /// When.
    pub time_ms: u64,
}

/// An invoice as the table holds it.
#[derive(Clone, Debug)]
pub struct InvoiceRow {
    /// Invoice id.
    pub id: u64,
    /// The contract billed.
    pub contract: u64,
    /// Who pays.
    pub payer: u64,
    /// Who is paid.
    pub payee: u64,
    /// `usage` or `early_termination_fee`.
    pub charge: String,
    /// First hour billed.
    pub period_start_hour: u32,
    /// First hour after the period.
    pub period_end_hour: u32,
    /// Amount, micro-USD.
    pub amount_micros: i64,
    /// When issued.
    pub issued_ms: u64,
    /// Due hour.
    pub due_hour: u32,
    /// `open`, `paid` or `overdue`.
    pub status: String,
}

/// Who may see an RFQ: the operator (all), or a participant: its own RFQs, and as a
/// provider the open RFQs that invite it and those it has quoted on.
#[derive(Clone, Copy, Debug)]
pub enum RfqScope {
    /// Every RFQ.
    All,
    /// What this participant may see (`provider`: whether it is one).
    Participant(ParticipantId, bool),
}

/// Who may see a row: everyone's rows (operator), or one participant's.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Every row.
    All,
    /// Rows where this participant is a party.
    Party(ParticipantId),
}

/// Reads the columns of one result row, whatever the backend.
pub trait Get {
    /// Column `i` as an integer (booleans are 0 or 1), or NULL.
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    /// Column `i` as text, or NULL.
    fn text(&self, i: usize) -> Result<Option<String>, StoreError>;
}

impl Get for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }
}

impl Get for postgres::Row {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(i)?)
    }
}

fn null(i: usize) -> StoreError {
    StoreError(format!("unexpected NULL in column {i}"))
}

fn big(r: &dyn Get, i: usize) -> Result<u64, StoreError> {
    let v = r.int(i)?.ok_or_else(|| null(i))?;
    u64::try_from(v).map_err(|_| StoreError(format!("column {i}: {v} is out of range")))
}

fn small(r: &dyn Get, i: usize) -> Result<u32, StoreError> {
    let v = big(r, i)?;
    u32::try_from(v).map_err(|_| StoreError(format!("column {i}: {v} is out of range")))
}

fn opt_big(r: &dyn Get, i: usize) -> Result<Option<u64>, StoreError> {
    Ok(match r.int(i)? {
        None => None,
        Some(_) => Some(big(r, i)?),
    })
}

fn opt_small(r: &dyn Get, i: usize) -> Result<Option<u32>, StoreError> {
    Ok(match r.int(i)? {
        None => None,
        Some(_) => Some(small(r, i)?),
    })
}

fn signed(r: &dyn Get, i: usize) -> Result<i64, StoreError> {
    r.int(i)?.ok_or_else(|| null(i))
}

fn string(r: &dyn Get, i: usize) -> Result<String, StoreError> {
    r.text(i)?.ok_or_else(|| null(i))
}

fn opt_bool(r: &dyn Get, i: usize) -> Result<Option<bool>, StoreError> {
    Ok(r.int(i)?.map(|v| v != 0))
}

const ORDER_COLUMNS: &str = "id, owner, side, model, pool, region, facility, gpus, start_hour, end_hour, \
    price_micros, tif, gtd_until_hour, min_fill_gpus, colocate, partial, filled_gpu_hours, status, placed_ms, \
    contract, contract_line";

fn order_row(r: &dyn Get) -> Result<OrderRow, StoreError> {
    Ok(OrderRow {
        id: big(r, 0)?,
        owner: big(r, 1)?,
        side: string(r, 2)?,
        model: string(r, 3)?,
        pool: opt_big(r, 4)?,
        region: r.text(5)?,
        facility: opt_big(r, 6)?,
        gpus: small(r, 7)?,
        start_hour: small(r, 8)?,
        end_hour: small(r, 9)?,
        price_micros: signed(r, 10)?,
        tif: string(r, 11)?,
        gtd_until_hour: opt_small(r, 12)?,
        min_fill_gpus: opt_small(r, 13)?,
        colocate: opt_bool(r, 14)?,
        partial: opt_bool(r, 15)?,
        filled_gpu_hours: big(r, 16)?,
        status: string(r, 17)?,
        placed_ms: big(r, 18)?,
        contract: opt_big(r, 19)?,
        contract_line: opt_small(r, 20)?.map(|l| l as u16),
    })
}

const TRADE_COLUMNS: &str = "id, bid, ask, buyer, seller, pool, model, gpus, start_hour, end_hour, \
    price_micros, aggressor, contract, time_ms";

fn trade_row(r: &dyn Get) -> Result<TradeRow, StoreError> {
    Ok(TradeRow {
        id: big(r, 0)?,
        bid: big(r, 1)?,
        ask: big(r, 2)?,
        buyer: big(r, 3)?,
        seller: big(r, 4)?,
        pool: big(r, 5)?,
        model: string(r, 6)?,
        gpus: small(r, 7)?,
        start_hour: small(r, 8)?,
        end_hour: small(r, 9)?,
        price_micros: signed(r, 10)?,
        aggressor: string(r, 11)?,
        contract: big(r, 12)?,
        time_ms: big(r, 13)?,
    })
}

const CONTRACT_COLUMNS: &str = "id, buyer, seller, pricing, price_micros, monthly_fee_micros, start_hour, \
    end_hour, buyer_notice_hours, seller_notice_hours, early_termination_fee_micros, origin_trade, status, created_ms, \
    origin_quote, parent, parent_line, ends_hour, for_cause_allowed, notice_by, notice_ms, notice_effective_hour, \
    notice_fee_micros, notice_via_parent, cause, cause_by, cause_reason, cause_ms, payment_days";

fn contract_row(r: &dyn Get) -> Result<ContractRow, StoreError> {
    Ok(ContractRow {
        id: big(r, 0)?,
        buyer: big(r, 1)?,
        seller: big(r, 2)?,
        pricing: string(r, 3)?,
        price_micros: r.int(4)?,
        monthly_fee_micros: r.int(5)?,
        start_hour: small(r, 6)?,
        end_hour: small(r, 7)?,
        buyer_notice_hours: opt_small(r, 8)?,
        seller_notice_hours: opt_small(r, 9)?,
        early_termination_fee_micros: signed(r, 10)?,
        origin_trade: opt_big(r, 11)?,
        status: string(r, 12)?,
        created_ms: big(r, 13)?,
        lines: Vec::new(),
        origin_quote: opt_big(r, 14)?,
        parent: match opt_big(r, 15)? {
            Some(p) => Some((p, small(r, 16)?)),
            None => None,
        },
        ends_hour: small(r, 17)?,
        for_cause_allowed: r.text(18)?.unwrap_or_default(),
        notice: match opt_big(r, 19)? {
            Some(by) => Some((
                by,
                big(r, 20)?,
                small(r, 21)?,
                signed(r, 22)?,
                opt_big(r, 23)?,
            )),
            None => None,
        },
        cause: match r.text(24)? {
            Some(cause) => Some((cause, big(r, 25)?, string(r, 26)?, big(r, 27)?)),
            None => None,
        },
        payment_days: days(r, 28)?,
    })
}

const RFQ_COLUMNS: &str = "id, buyer, kind, power_kw, min_power_kw, start_hour, end_hour, region, facility, \
    max_buyer_notice_hours, min_seller_notice_hours, max_early_termination_fee_micros, required_causes, \
    deadline_hour, status, accepted_quote, created_ms, min_payment_days";

fn rfq_row(r: &dyn Get) -> Result<RfqRow, StoreError> {
    Ok(RfqRow {
        id: big(r, 0)?,
        buyer: big(r, 1)?,
        kind: string(r, 2)?,
        power_kw: opt_big(r, 3)?,
        min_power_kw: opt_big(r, 4)?,
        start_hour: small(r, 5)?,
        end_hour: small(r, 6)?,
        region: r.text(7)?,
        facility: opt_big(r, 8)?,
        max_buyer_notice_hours: opt_small(r, 9)?,
        min_seller_notice_hours: opt_small(r, 10)?,
        max_early_termination_fee_micros: r.int(11)?,
        required_causes: string(r, 12)?,
        deadline_hour: small(r, 13)?,
        status: string(r, 14)?,
        accepted_quote: opt_big(r, 15)?,
        created_ms: big(r, 16)?,
        min_payment_days: match opt_small(r, 17)? {
            Some(d) => Some(
                u16::try_from(d)
                    .map_err(|_| StoreError("column 17: payment days out of range".into()))?,
            ),
            None => None,
        },
        items: Vec::new(),
        invited: Vec::new(),
    })
}

const QUOTE_COLUMNS: &str = "q.id, q.rfq, q.provider, q.facility, q.pricing, q.price_micros, q.monthly_fee_micros, \
    q.buyer_notice_hours, q.seller_notice_hours, q.early_termination_fee_micros, q.for_cause_allowed, \
    q.expires_hour, q.status, q.created_ms, q.payment_days";

fn quote_row(r: &dyn Get) -> Result<QuoteRow, StoreError> {
    Ok(QuoteRow {
        id: big(r, 0)?,
        rfq: big(r, 1)?,
        provider: big(r, 2)?,
        facility: big(r, 3)?,
        pricing: string(r, 4)?,
        price_micros: r.int(5)?,
        monthly_fee_micros: r.int(6)?,
        buyer_notice_hours: opt_small(r, 7)?,
        seller_notice_hours: opt_small(r, 8)?,
        early_termination_fee_micros: signed(r, 9)?,
        for_cause_allowed: string(r, 10)?,
        expires_hour: small(r, 11)?,
        status: string(r, 12)?,
        created_ms: big(r, 13)?,
        lines: Vec::new(),
        payment_days: days(r, 14)?,
    })
}

/// Payment terms, days.
fn days(r: &dyn Get, i: usize) -> Result<u16, StoreError> {
    u16::try_from(small(r, i)?)
        .map_err(|_| StoreError(format!("column {i}: payment days out of range")))
}

/// The visibility condition of RFQs (`r`) for a scope, with its two parameters.
const RFQ_VISIBLE: &str = "(CAST($1 AS BIGINT) IS NULL OR r.buyer = $1 OR (CAST($2 AS BIGINT) = 1 AND \
    ((r.status = 'open' AND (NOT EXISTS (SELECT 1 FROM rfq_invited i WHERE i.rfq = r.id) \
      OR EXISTS (SELECT 1 FROM rfq_invited i WHERE i.rfq = r.id AND i.participant = $1))) \
     OR EXISTS (SELECT 1 FROM quotes qq WHERE qq.rfq = r.id AND qq.provider = $1))))";

fn rfq_scope(scope: RfqScope) -> [Val; 2] {
    match scope {
        RfqScope::All => [Val::I(None), Val::I(Some(0))],
        RfqScope::Participant(p, provider) => {
            [Val::I(Some(p.0 as i64)), Val::I(Some(i64::from(provider)))]
        }
    }
}

fn line_row(r: &dyn Get) -> Result<(u64, u32, u32, u32), StoreError> {
    line_row_at(r, 0)
}

/// A contract line (pool, GPUs, start and end hour) from four columns from `at` on.
fn line_row_at(r: &dyn Get, at: usize) -> Result<(u64, u32, u32, u32), StoreError> {
    Ok((
        big(r, at)?,
        small(r, at + 1)?,
        small(r, at + 2)?,
        small(r, at + 3)?,
    ))
}

/// The invoices of a month (parameters: [`month_params`]): usage billed for its hours
/// and fees issued in it, of one payer or of all.
const MONTH_INVOICES: &str = "(CAST($1 AS BIGINT) IS NULL OR payer = $1) AND ( \
    (charge = 'usage' AND period_start_hour >= $2 AND period_start_hour < $3) OR \
    (charge <> 'usage' AND issued_ms >= $4 AND issued_ms < $5))";

/// The parameters of [`MONTH_INVOICES`].
fn month_params(party: Option<ParticipantId>, (start, end): (u32, u32)) -> [Val; 5] {
    let ms = |h: u32| Val::I(Some(i64::from(h) * 3_600_000));
    [
        Val::I(party.map(|p| p.0 as i64)),
        Val::I(Some(i64::from(start))),
        Val::I(Some(i64::from(end))),
        ms(start),
        ms(end),
    ]
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

/// A connection of either backend.
enum Db {
    Sqlite(rusqlite::Connection),
    Postgres {
        client: Box<crate::pg::Conn>,
        stmts: BTreeMap<String, postgres::Statement>,
    },
}

type RowFn<T> = fn(&dyn Get) -> Result<T, StoreError>;

impl Db {
    /// Runs `sql` (statements are prepared once per connection) with `params`, mapping
    /// each row with `f`.
    fn rows<T>(&mut self, sql: &str, params: &[Val], f: RowFn<T>) -> Result<Vec<T>, StoreError> {
        match self {
            Db::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(f(row)?);
                }
                Ok(out)
            }
            Db::Postgres { client, stmts } => {
                let stmt = match stmts.get(sql) {
                    Some(s) => s.clone(),
                    None => {
                        let s = client.prepare(sql)?;
                        stmts.insert(sql.to_string(), s.clone());
                        s
                    }
                };
                let args: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                    .iter()
                    .map(|v| match v {
                        Val::I(i) => i as &(dyn postgres::types::ToSql + Sync),
                        Val::T(t) => t,
                        Val::B(b) => b,
                    })
                    .collect();
                client.query(&stmt, &args)?.iter().map(|r| f(r)).collect()
            }
        }
    }
}

/// A read connection for the API's queries.
pub struct Reader {
    db: Db,
}

fn party(scope: Scope) -> Val {
    Val::I(match scope {
        Scope::All => None,
        Scope::Party(p) => Some(p.0 as i64),
    })
}

fn before(id: Option<u64>) -> Val {
    Val::I(Some(id.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64)))
}

fn limit(n: usize) -> Val {
    Val::I(Some(n as i64 + 1))
}

fn id(v: u64) -> Val {
    Val::I(Some(v.min(i64::MAX as u64) as i64))
}

/// The columns [`invoice_row`] reads, in order.
const INVOICE_COLUMNS: &str = "id, contract, payer, payee, charge, period_start_hour, \
     period_end_hour, amount_micros, issued_ms, due_hour, status";

/// An invoice from the columns of [`INVOICE_COLUMNS`].
fn invoice_row(r: &dyn Get) -> Result<InvoiceRow, StoreError> {
    Ok(InvoiceRow {
        id: big(r, 0)?,
        contract: big(r, 1)?,
        payer: big(r, 2)?,
        payee: big(r, 3)?,
        charge: string(r, 4)?,
        period_start_hour: small(r, 5)?,
        period_end_hour: small(r, 6)?,
        amount_micros: signed(r, 7)?,
        issued_ms: big(r, 8)?,
        due_hour: small(r, 9)?,
        status: string(r, 10)?,
    })
}

impl Reader {
    /// Opens a read connection to the store at `location`.
    pub fn open(location: &Location) -> Result<Reader, StoreError> {
        let db = match location {
            Location::Sqlite(path) => {
                let conn = rusqlite::Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(
                    crate::limits::SQLITE_BUSY_TIMEOUT_SECS,
                ))?;
                Db::Sqlite(conn)
            }
            Location::Postgres(url) => Db::Postgres {
                client: Box::new(crate::pg::Conn::new(crate::pg::connect(
                    url,
                    "mw serve (reader)",
                )?)),
                stmts: BTreeMap::new(),
            },
        };
        Ok(Reader { db })
    }

    /// One order.
    pub fn order(&mut self, order: u64) -> Result<Option<OrderRow>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        Ok(self.db.rows(&sql, &[id(order)], order_row)?.pop())
    }

    /// Orders, newest first, before `before` (an order id), optionally only open ones.
    pub fn orders(
        &mut self,
        scope: Scope,
        open_only: bool,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<OrderRow>, StoreError> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE (CAST($1 AS BIGINT) IS NULL OR owner = $1) \
             AND id < $2 AND (CAST($3 AS BIGINT) = 0 OR status = 'open') ORDER BY id DESC LIMIT $4"
        );
        let params = [
            party(scope),
            before(before_id),
            Val::I(Some(i64::from(open_only))),
            limit(max),
        ];
        Ok(page(self.db.rows(&sql, &params, order_row)?, max, |o| o.id))
    }

    /// Trades, newest first, where the participant is a party (or all), optionally of
    /// one model.
    pub fn trades(
        &mut self,
        scope: Scope,
        model: Option<&str>,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<TradeRow>, StoreError> {
        let sql = format!(
            "SELECT {TRADE_COLUMNS} FROM trades WHERE (CAST($1 AS BIGINT) IS NULL OR buyer = $1 OR seller = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR model = $2) AND id < $3 ORDER BY id DESC LIMIT $4"
        );
        let params = [
            party(scope),
            Val::T(model.map(str::to_string)),
            before(before_id),
            limit(max),
        ];
        Ok(page(self.db.rows(&sql, &params, trade_row)?, max, |t| t.id))
    }

    /// One contract with its lines.
    pub fn contract(&mut self, contract: u64) -> Result<Option<ContractRow>, StoreError> {
        let sql = format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id = $1");
        let Some(mut c) = self.db.rows(&sql, &[id(contract)], contract_row)?.pop() else {
            return Ok(None);
        };
        c.lines = self.lines(contract)?;
        Ok(Some(c))
    }

    fn lines(&mut self, contract: u64) -> Result<Vec<(u64, u32, u32, u32)>, StoreError> {
        self.db.rows(
            "SELECT pool, gpus, start_hour, end_hour FROM contract_lines WHERE contract = $1 ORDER BY line",
            &[id(contract)],
            line_row,
        )
    }

    /// Contracts, newest first, where the participant is a party (or all).
    pub fn contracts(
        &mut self,
        scope: Scope,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<ContractRow>, StoreError> {
        let sql = format!(
            "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE (CAST($1 AS BIGINT) IS NULL OR buyer = $1 OR seller = $1) \
             AND id < $2 ORDER BY id DESC LIMIT $3"
        );
        let mut rows = self.db.rows(
            &sql,
            &[party(scope), before(before_id), limit(max)],
            contract_row,
        )?;
        for c in &mut rows {
            c.lines = self.lines(c.id)?;
        }
        Ok(page(rows, max, |c| c.id))
    }

    /// One RFQ if the scope may see it, with its items and invitations.
    pub fn rfq(&mut self, scope: RfqScope, rfq: u64) -> Result<Option<RfqRow>, StoreError> {
        let sql = format!("SELECT {RFQ_COLUMNS} FROM rfqs r WHERE {RFQ_VISIBLE} AND r.id = $3");
        let [a, b] = rfq_scope(scope);
        let Some(mut row) = self.db.rows(&sql, &[a, b, id(rfq)], rfq_row)?.pop() else {
            return Ok(None);
        };
        self.rfq_details(&mut row)?;
        Ok(Some(row))
    }

    fn rfq_details(&mut self, row: &mut RfqRow) -> Result<(), StoreError> {
        row.items = self.db.rows(
            "SELECT model, gpus FROM rfq_items WHERE rfq = $1 ORDER BY model",
            &[id(row.id)],
            |r| Ok((string(r, 0)?, small(r, 1)?)),
        )?;
        row.invited = self.db.rows(
            "SELECT participant FROM rfq_invited WHERE rfq = $1 ORDER BY participant",
            &[id(row.id)],
            |r| big(r, 0),
        )?;
        Ok(())
    }

    /// RFQs the scope may see, newest first, optionally only open ones.
    pub fn rfqs(
        &mut self,
        scope: RfqScope,
        open_only: bool,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<RfqRow>, StoreError> {
        let sql = format!(
            "SELECT {RFQ_COLUMNS} FROM rfqs r WHERE {RFQ_VISIBLE} AND r.id < $3 \
             AND (CAST($4 AS BIGINT) = 0 OR r.status = 'open') ORDER BY r.id DESC LIMIT $5"
        );
        let [a, b] = rfq_scope(scope);
        let params = [
            a,
            b,
            before(before_id),
            Val::I(Some(i64::from(open_only))),
            limit(max),
        ];
        let mut rows = self.db.rows(&sql, &params, rfq_row)?;
        for r in &mut rows {
            self.rfq_details(r)?;
        }
        Ok(page(rows, max, |r| r.id))
    }

    /// The quotes of an RFQ that `party` may see (the RFQ's buyer sees all; a provider
    /// its own; `None`: the operator, all), oldest first, with their lines.
    pub fn quotes(
        &mut self,
        rfq: u64,
        party: Option<ParticipantId>,
    ) -> Result<Vec<QuoteRow>, StoreError> {
        let sql = format!(
            "SELECT {QUOTE_COLUMNS} FROM quotes q JOIN rfqs r ON r.id = q.rfq WHERE q.rfq = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR r.buyer = $2 OR q.provider = $2) ORDER BY q.id"
        );
        let mut rows = self.db.rows(
            &sql,
            &[id(rfq), Val::I(party.map(|p| p.0 as i64))],
            quote_row,
        )?;
        for q in &mut rows {
            q.lines = self.quote_lines(q.id)?;
        }
        Ok(rows)
    }

    /// One quote if `party` may see it (`None`: the operator).
    pub fn quote(
        &mut self,
        quote: u64,
        party: Option<ParticipantId>,
    ) -> Result<Option<QuoteRow>, StoreError> {
        let sql = format!(
            "SELECT {QUOTE_COLUMNS} FROM quotes q JOIN rfqs r ON r.id = q.rfq WHERE q.id = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR r.buyer = $2 OR q.provider = $2)"
        );
        let Some(mut q) = self
            .db
            .rows(
                &sql,
                &[id(quote), Val::I(party.map(|p| p.0 as i64))],
                quote_row,
            )?
            .pop()
        else {
            return Ok(None);
        };
        q.lines = self.quote_lines(q.id)?;
        Ok(Some(q))
    }

    fn quote_lines(&mut self, quote: u64) -> Result<Vec<(u64, u32, u32, u32)>, StoreError> {
        self.db.rows(
            "SELECT pool, gpus, start_hour, end_hour FROM quote_lines WHERE quote = $1 ORDER BY line",
            &[id(quote)],
            line_row,
        )
    }

    /// Transfers touching `account` (`None`: all), newest first, before `before`, and
    /// at or after `from_ms` and before `to_ms`.
    pub fn transfers(
        &mut self,
        account: Option<String>,
        (from_ms, to_ms): (u64, u64),
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<TransferRow>, StoreError> {
        let sql = "SELECT id, debit, credit, amount_micros, kind, reference, time_ms FROM transfers \
             WHERE (CAST($1 AS TEXT) IS NULL OR debit = $1 OR credit = $1) AND id < $2 \
             AND time_ms >= $3 AND time_ms < $4 ORDER BY id DESC LIMIT $5";
        let params = [
            Val::T(account),
            before(before_id),
            id(from_ms),
            id(to_ms),
            limit(max),
        ];
        let rows = self.db.rows(sql, &params, |r| {
            Ok(TransferRow {
                id: big(r, 0)?,
                debit: string(r, 1)?,
                credit: string(r, 2)?,
                amount_micros: signed(r, 3)?,
                kind: string(r, 4)?,
                reference: string(r, 5)?,
                time_ms: big(r, 6)?,
            })
        })?;
        Ok(page(rows, max, |t| t.id))
    }

    /// Invoices where `party` pays or is paid (`None`: all), newest first.
    pub fn invoices(
        &mut self,
        party: Option<ParticipantId>,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<InvoiceRow>, StoreError> {
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices \
             WHERE (CAST($1 AS BIGINT) IS NULL OR payer = $1 OR payee = $1) AND id < $2 \
             ORDER BY id DESC LIMIT $3"
        );
        let params = [
            Val::I(party.map(|p| p.0 as i64)),
            before(before_id),
            limit(max),
        ];
        let rows = self.db.rows(&sql, &params, invoice_row)?;
        Ok(page(rows, max, |i| i.id))
    }

    /// One invoice.
    pub fn invoice(&mut self, invoice: u64) -> Result<Option<InvoiceRow>, StoreError> {
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = $1");
        Ok(self.db.rows(&sql, &[id(invoice)], invoice_row)?.pop())
    }

    /// The invoices of a month that `party` pays (`None`: everyone's), oldest first:
    /// usage billed for hours of `[start, end)` and fees issued in it; at most
    /// [`crate::limits::EXPORT_INVOICES_MAX`] + 1, so a caller can tell that there are too many.
    pub fn month_invoices(
        &mut self,
        party: Option<ParticipantId>,
        month: (u32, u32),
    ) -> Result<Vec<InvoiceRow>, StoreError> {
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE {MONTH_INVOICES} ORDER BY id LIMIT {}",
            crate::limits::EXPORT_INVOICES_MAX + 1
        );
        self.db.rows(&sql, &month_params(party, month), invoice_row)
    }

    /// The contracts billed by [`Reader::month_invoices`], with their lines, by id: two
    /// queries for the whole month rather than two per invoice.
    pub fn month_contracts(
        &mut self,
        party: Option<ParticipantId>,
        month: (u32, u32),
    ) -> Result<BTreeMap<u64, ContractRow>, StoreError> {
        let billed = format!("SELECT contract FROM invoices WHERE {MONTH_INVOICES}");
        let params = month_params(party, month);
        let sql = format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id IN ({billed})");
        let mut contracts: BTreeMap<u64, ContractRow> = self
            .db
            .rows(&sql, &params, contract_row)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let sql = format!(
            "SELECT contract, pool, gpus, start_hour, end_hour FROM contract_lines \
             WHERE contract IN ({billed}) ORDER BY contract, line"
        );
        let lines = self
            .db
            .rows(&sql, &params, |r| Ok((big(r, 0)?, line_row_at(r, 1)?)))?;
        for (contract, line) in lines {
            if let Some(c) = contracts.get_mut(&contract) {
                c.lines.push(line);
            }
        }
        Ok(contracts)
    }

    /// A participant's name.
    pub fn participant_name(&mut self, p: u64) -> Result<String, StoreError> {
        let rows = self.db.rows(
            "SELECT name FROM participants WHERE id = $1",
            &[id(p)],
            |r| string(r, 0),
        )?;
        Ok(rows.into_iter().next().unwrap_or_default())
    }

    /// A pool's model and its facility's region.
    pub fn pool_place(&mut self, pool: u64) -> Result<(String, String), StoreError> {
        let rows = self.db.rows(
            "SELECT p.model, f.region FROM pools p JOIN facilities f ON f.id = p.facility WHERE p.id = $1",
            &[id(pool)],
            |r| Ok((string(r, 0)?, string(r, 1)?)),
        )?;
        Ok(rows.into_iter().next().unwrap_or_default())
    }
}
