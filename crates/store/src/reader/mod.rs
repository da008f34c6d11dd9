//! The read side of a store, for the API's queries: one [`Reader`] per connection, over
//! SQLite (a read-only connection beside the writer's, in WAL mode) or PostgreSQL. The
//! queries are written once, in SQL both accept (`$n` parameters, `CAST`), and rows are
//! read through [`Get`], so the two backends cannot drift apart.

pub use crate::decode::Get;
use crate::decode::*;
use crate::tables::Val;
use crate::{Location, StoreError};
use megawatt_engine::ids::ParticipantId;
use rusqlite::OpenFlags;
use std::collections::BTreeMap;

mod candles;
mod contracts;
mod deals;
mod feed;
mod keys;
mod market;
mod money;
mod plans;
mod positions;
mod prices;
mod procurements;
mod usage;
mod utilization;

pub use candles::{Candle, CandleQuery};
pub use deals::{Asked, QuoteRecord, RfqRecord};
pub use feed::Audience;
pub use keys::KeyRecord;
pub use market::{OrderRecord, TradeFilter, TradeRecord};
pub use money::InvoiceRecord;
pub use plans::{PlanOrderOutcome, PlanOrderRecord, PlanRecord};
pub use prices::{CurvePointRecord, CurveRecord, IndexQuery, IndexRecord};
pub use procurements::ProcurementRecord;
pub use usage::UsageRow;
pub use utilization::{DayUse, UseScope, Utilization};

/// One page of rows and the cursor of the next page, if any.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The rows, newest first.
    pub rows: Vec<T>,
    /// Pass as `before` to get the next page.
    pub next: Option<u64>,
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
                client
                    .query(&stmt, &crate::pg::args(params))?
                    .iter()
                    .map(|r| f(r))
                    .collect()
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
