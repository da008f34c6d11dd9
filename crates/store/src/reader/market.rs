//! Orders and trades as the history tables hold them.

use super::*;

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

impl Reader {
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
}
