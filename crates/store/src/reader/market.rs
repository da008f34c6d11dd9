//! Orders and trades as the history tables hold them, in the engine's types.

use super::*;
use crate::decode::{corrupt, window_at};
use megawatt_engine::contract::Trade;
use megawatt_engine::event::{CloseReason, Status};
use megawatt_engine::ids::{ContractId, FacilityId, OrderId, PoolId, ProcurementId, TradeId};
use megawatt_engine::order::{Side, TimeInForce};
use megawatt_engine::units::{Hour, Window, notional_micros};

/// An order as the history table holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRecord {
    /// Order id.
    pub id: OrderId,
    /// Owner.
    pub owner: ParticipantId,
    /// Buy or sell.
    pub side: Side,
    /// GPU model id.
    pub model: String,
    /// The pool of an ask.
    pub pool: Option<PoolId>,
    /// A bid's region filter.
    pub region: Option<String>,
    /// An ask's facility, or a bid's facility filter.
    pub facility: Option<FacilityId>,
    /// GPUs (after reductions).
    pub gpus: u32,
    /// Hours.
    pub window: Window,
    /// Price or limit per GPU-hour.
    pub price_micros: i64,
    /// Time in force (with a GTD order's expiry).
    pub tif: TimeInForce,
    /// An ask's minimum fill.
    pub min_fill_gpus: Option<u32>,
    /// A bid's colocation.
    pub colocate: Option<bool>,
    /// A bid's partial fills.
    pub partial: Option<bool>,
    /// GPU-hours traded so far.
    pub filled_gpu_hours: u64,
    /// Open, or how it closed.
    pub status: Status<CloseReason>,
    /// When placed, ms since the epoch.
    pub placed_ms: u64,
    /// A resale ask's contract and line.
    pub contract: Option<(ContractId, u16)>,
    /// A bid's minimum reliability of the facilities it fills from, if it asks one.
    pub min_reliability_bps: Option<u16>,
    /// The standing procurement that placed the bid, if one did.
    pub procurement: Option<ProcurementId>,
    /// The capacity plan whose apply placed the order, if one did.
    pub plan: Option<megawatt_engine::ids::PlanId>,
}

/// Which trades a tape shows: of a model, a region, and delivered in part between two
/// hours (each `None`: any).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TradeFilter {
    /// Only this GPU model.
    pub model: Option<String>,
    /// Only from facilities in this region.
    pub region: Option<String>,
    /// Only trades whose window ends after this hour.
    pub delivery_from: Option<Hour>,
    /// Only trades whose window starts before this hour.
    pub delivery_to: Option<Hour>,
}

/// A trade as the table holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradeRecord {
    /// Trade id.
    pub id: TradeId,
    /// The bid filled.
    pub bid: OrderId,
    /// The ask filled.
    pub ask: OrderId,
    /// Buyer.
    pub buyer: ParticipantId,
    /// Seller.
    pub seller: ParticipantId,
    /// Pool the GPUs come from.
    pub pool: PoolId,
    /// GPU model id.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
    /// Hours.
    pub window: Window,
    /// Price per GPU-hour.
    pub price_micros: i64,
    /// The side of the incoming order.
    pub aggressor: Side,
    /// The contract it made.
    pub contract: ContractId,
    /// When, ms since the epoch.
    pub time_ms: u64,
    /// The region of the facility the GPUs come from.
    pub region: String,
}

impl TradeRecord {
    /// A trade from an engine event, with its model's id and its facility's region.
    pub fn of(t: &Trade, model: &str, region: &str) -> TradeRecord {
        TradeRecord {
            id: t.id,
            bid: t.bid,
            ask: t.ask,
            buyer: t.buyer,
            seller: t.seller,
            pool: t.pool,
            model: model.to_string(),
            gpus: t.gpus,
            window: t.window,
            price_micros: t.price_micros,
            aggressor: t.aggressor,
            contract: t.contract,
            time_ms: t.time_ms,
            region: region.to_string(),
        }
    }

    /// price x GPUs x hours, micro-USD (`None` on overflow, which the engine's checks
    /// exclude for any trade it made).
    pub fn notional_micros(&self) -> Option<i64> {
        notional_micros(self.price_micros, self.gpus, self.window.hours())
    }
}

/// The columns [`order_record`] reads, in order.
const ORDER_COLUMNS: &str = "id, owner, side, model, pool, region, facility, gpus, start_hour, end_hour, \
    price_micros, tif, gtd_until_hour, min_fill_gpus, colocate, partial, filled_gpu_hours, status, placed_ms, \
    contract, contract_line, min_reliability_bps, procurement, plan";

fn order_record(r: &dyn Get) -> Result<OrderRecord, StoreError> {
    let side = string(r, 2)?;
    let tif = string(r, 11)?;
    let until = opt_small(r, 12)?.map(Hour);
    let status = string(r, 17)?;
    let contract = match (opt_big(r, 19)?, opt_small(r, 20)?) {
        (Some(c), Some(l)) => Some((
            ContractId(c),
            u16::try_from(l).map_err(|_| corrupt("orders.contract_line", l))?,
        )),
        _ => None,
    };
    Ok(OrderRecord {
        id: OrderId(big(r, 0)?),
        owner: ParticipantId(big(r, 1)?),
        side: Side::parse(&side).ok_or_else(|| corrupt("orders.side", &side))?,
        model: string(r, 3)?,
        pool: opt_big(r, 4)?.map(PoolId),
        region: r.text(5)?,
        facility: opt_big(r, 6)?.map(FacilityId),
        gpus: small(r, 7)?,
        window: window_at(r, 8)?,
        price_micros: signed(r, 10)?,
        tif: TimeInForce::from_parts(&tif, until)
            .ok_or_else(|| corrupt("orders.tif, gtd_until_hour", &tif))?,
        min_fill_gpus: opt_small(r, 13)?,
        colocate: opt_bool(r, 14)?,
        partial: opt_bool(r, 15)?,
        filled_gpu_hours: big(r, 16)?,
        status: Status::<CloseReason>::parse(&status)
            .ok_or_else(|| corrupt("orders.status", &status))?,
        placed_ms: big(r, 18)?,
        contract,
        min_reliability_bps: opt_small(r, 21)?
            .map(|m| u16::try_from(m).map_err(|_| corrupt("orders.min_reliability_bps", m)))
            .transpose()?,
        procurement: opt_big(r, 22)?.map(ProcurementId),
        plan: opt_big(r, 23)?.map(megawatt_engine::ids::PlanId),
    })
}

/// The columns [`trade_record`] reads, in order.
const TRADE_COLUMNS: &str = "id, bid, ask, buyer, seller, pool, model, gpus, start_hour, end_hour, \
    price_micros, aggressor, contract, time_ms, \
    (SELECT f.region FROM pools p JOIN facilities f ON f.id = p.facility WHERE p.id = trades.pool)";

fn trade_record(r: &dyn Get) -> Result<TradeRecord, StoreError> {
    let aggressor = string(r, 11)?;
    Ok(TradeRecord {
        id: TradeId(big(r, 0)?),
        bid: OrderId(big(r, 1)?),
        ask: OrderId(big(r, 2)?),
        buyer: ParticipantId(big(r, 3)?),
        seller: ParticipantId(big(r, 4)?),
        pool: PoolId(big(r, 5)?),
        model: string(r, 6)?,
        gpus: small(r, 7)?,
        window: window_at(r, 8)?,
        price_micros: signed(r, 10)?,
        aggressor: Side::parse(&aggressor)
            .ok_or_else(|| corrupt("trades.aggressor", &aggressor))?,
        contract: ContractId(big(r, 12)?),
        time_ms: big(r, 13)?,
        region: string(r, 14)?,
    })
}

impl Reader {
    /// One order.
    pub fn order(&mut self, order: u64) -> Result<Option<OrderRecord>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        Ok(self.db.rows(&sql, &[id(order)], order_record)?.pop())
    }

    /// Orders, newest first, before `before` (an order id), optionally only open ones.
    pub fn orders(
        &mut self,
        scope: Scope,
        open_only: bool,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<OrderRecord>, StoreError> {
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
        Ok(page(self.db.rows(&sql, &params, order_record)?, max, |o| {
            o.id.0
        }))
    }

    /// The bids a procurement placed, newest first, before `before` (an order id).
    pub fn procurement_bids(
        &mut self,
        procurement: u64,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<OrderRecord>, StoreError> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE procurement = $1 AND id < $2 \
             ORDER BY id DESC LIMIT $3"
        );
        let params = [id(procurement), before(before_id), limit(max)];
        Ok(page(self.db.rows(&sql, &params, order_record)?, max, |o| {
            o.id.0
        }))
    }

    /// Trades, newest first, where the participant is a party (or all), of the trades
    /// `filter` lets through.
    pub fn trades(
        &mut self,
        scope: Scope,
        filter: &TradeFilter,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<TradeRecord>, StoreError> {
        let sql = format!(
            "SELECT {TRADE_COLUMNS} FROM trades WHERE (CAST($1 AS BIGINT) IS NULL OR buyer = $1 OR seller = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR model = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR pool IN \
                 (SELECT p.id FROM pools p JOIN facilities f ON f.id = p.facility WHERE f.region = $3)) \
             AND (CAST($4 AS BIGINT) IS NULL OR end_hour > $4) \
             AND (CAST($5 AS BIGINT) IS NULL OR start_hour < $5) \
             AND id < $6 ORDER BY id DESC LIMIT $7"
        );
        let hour = |h: Option<Hour>| Val::I(h.map(|h| i64::from(h.0)));
        let params = [
            party(scope),
            Val::T(filter.model.clone()),
            Val::T(filter.region.clone()),
            hour(filter.delivery_from),
            hour(filter.delivery_to),
            before(before_id),
            limit(max),
        ];
        Ok(page(self.db.rows(&sql, &params, trade_record)?, max, |t| {
            t.id.0
        }))
    }
}
