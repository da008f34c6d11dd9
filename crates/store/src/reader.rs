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
    price_micros, tif, gtd_until_hour, min_fill_gpus, colocate, partial, filled_gpu_hours, status, placed_ms";

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
    end_hour, buyer_notice_hours, seller_notice_hours, early_termination_fee_micros, origin_trade, status, created_ms";

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
    })
}

fn line_row(r: &dyn Get) -> Result<(u64, u32, u32, u32), StoreError> {
    Ok((big(r, 0)?, small(r, 1)?, small(r, 2)?, small(r, 3)?))
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

impl Reader {
    /// Opens a read connection to the store at `location`.
    pub fn open(location: &Location) -> Result<Reader, StoreError> {
        let db = match location {
            Location::Sqlite(path) => {
                let conn = rusqlite::Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
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
}
