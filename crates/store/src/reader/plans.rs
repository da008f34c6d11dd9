//! Stored capacity plans as the tables hold them: the plan, its demand rows, and each
//! order its apply placed (with the order's status now) or refused.

use super::*;
use crate::decode::corrupt;
use megawatt_engine::command::PlanRowSpec;
use megawatt_engine::curve::PeriodKind;
use megawatt_engine::event::{CloseReason, Status};
use megawatt_engine::ids::{ContractId, OrderId, PlanId, PoolId};
use megawatt_engine::order::Side;
use megawatt_engine::units::{Hour, Window};

/// A plan as the table holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRecord {
    /// Its id.
    pub id: PlanId,
    /// Who uploaded it.
    pub owner: ParticipantId,
    /// Weeks or months.
    pub period: PeriodKind,
    /// A bid's limit in place of the curve's, micro-USD per GPU-hour.
    pub limit_price_micros: Option<i64>,
    /// How many demand rows it has.
    pub rows: usize,
    /// When uploaded, ms since the epoch.
    pub uploaded_ms: u64,
    /// When applied, if it was.
    pub applied_ms: Option<u64>,
}

/// One order of an applied plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanOrderRecord {
    /// Buy or sell.
    pub side: Side,
    /// Its model (an ask's: its pool's or contract line's).
    pub model: String,
    /// An ask's pool.
    pub pool: Option<PoolId>,
    /// A resale ask's contract and line.
    pub contract: Option<(ContractId, u16)>,
    /// GPUs.
    pub gpus: u32,
    /// Hours.
    pub window: Window,
    /// Limit (bid) or price (ask) per GPU-hour, micro-USD.
    pub price_micros: i64,
    /// Placed or refused.
    pub outcome: PlanOrderOutcome,
}

/// What became of one order of an applied plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanOrderOutcome {
    /// Placed as `order`, which now stands at `status` with `filled_gpu_hours` traded.
    Placed {
        /// The order.
        order: OrderId,
        /// Its status now.
        status: Status<CloseReason>,
        /// GPU-hours it traded.
        filled_gpu_hours: u64,
    },
    /// Refused, nothing changed.
    Refused {
        /// The rule's code.
        code: String,
        /// The field at fault.
        field: String,
        /// A sentence naming the values.
        detail: String,
    },
}

const COLUMNS: &str = "id, owner, period, limit_price_micros, rows, uploaded_ms, applied_ms";

fn record(r: &dyn Get) -> Result<PlanRecord, StoreError> {
    let period = string(r, 2)?;
    let period = PeriodKind::ALL
        .into_iter()
        .find(|k| k.as_str() == period)
        .ok_or_else(|| corrupt("plans.period", &period))?;
    Ok(PlanRecord {
        id: PlanId(big(r, 0)?),
        owner: ParticipantId(big(r, 1)?),
        period,
        limit_price_micros: r.int(3)?,
        rows: usize::try_from(big(r, 4)?).map_err(|_| corrupt("plans.rows", "size"))?,
        uploaded_ms: big(r, 5)?,
        applied_ms: opt_big(r, 6)?,
    })
}

const ORDER_COLUMNS: &str = "po.side, COALESCE(po.model, (SELECT p.model FROM pools p WHERE p.id = \
    COALESCE(po.pool, (SELECT cl.pool FROM contract_lines cl WHERE cl.contract = po.contract \
    AND cl.line = po.contract_line)))), po.pool, po.contract, po.contract_line, po.gpus, \
    po.start_hour, po.end_hour, po.price_micros, po.order_id, o.status, o.filled_gpu_hours, \
    po.rule, po.field, po.detail";

fn order(r: &dyn Get) -> Result<PlanOrderRecord, StoreError> {
    let side = string(r, 0)?;
    let contract = match (opt_big(r, 3)?, opt_small(r, 4)?) {
        (Some(c), Some(l)) => Some((
            ContractId(c),
            u16::try_from(l).map_err(|_| corrupt("plan_orders.contract_line", l))?,
        )),
        _ => None,
    };
    let outcome = match opt_big(r, 9)? {
        Some(o) => {
            let status = string(r, 10)?;
            let status = Status::<CloseReason>::parse(&status)
                .ok_or_else(|| corrupt("orders.status", &status))?;
            PlanOrderOutcome::Placed {
                order: OrderId(o),
                status,
                filled_gpu_hours: big(r, 11)?,
            }
        }
        None => PlanOrderOutcome::Refused {
            code: string(r, 12)?,
            field: string(r, 13)?,
            detail: string(r, 14)?,
        },
    };
    Ok(PlanOrderRecord {
        side: Side::parse(&side).ok_or_else(|| corrupt("plan_orders.side", &side))?,
        model: r.text(1)?.unwrap_or_default(),
        pool: opt_big(r, 2)?.map(PoolId),
        contract,
        gpus: small(r, 5)?,
        window: Window {
            start: Hour(small(r, 6)?),
            end: Hour(small(r, 7)?),
        },
        price_micros: signed(r, 8)?,
        outcome,
    })
}

impl Reader {
    /// One plan, if the scope may see it.
    pub fn plan(&mut self, scope: Scope, plan: u64) -> Result<Option<PlanRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM plans WHERE id = $1 AND (CAST($2 AS BIGINT) IS NULL OR owner = $2)"
        );
        Ok(self.db.rows(&sql, &[id(plan), party(scope)], record)?.pop())
    }

    /// A plan's demand rows, in the order uploaded.
    pub fn plan_rows(&mut self, plan: u64) -> Result<Vec<PlanRowSpec>, StoreError> {
        let sql =
            "SELECT model, start_hour, gpus FROM plan_rows WHERE plan = $1 ORDER BY row_index";
        self.db.rows(sql, &[id(plan)], |r| {
            Ok(PlanRowSpec {
                model: string(r, 0)?,
                start: Hour(small(r, 1)?),
                gpus: small(r, 2)?,
            })
        })
    }

    /// The orders a plan's apply placed or refused, in the order it placed them.
    pub fn plan_orders(&mut self, plan: u64) -> Result<Vec<PlanOrderRecord>, StoreError> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM plan_orders po LEFT JOIN orders o ON o.id = po.order_id \
             WHERE po.plan = $1 ORDER BY po.order_index"
        );
        self.db.rows(&sql, &[id(plan)], order)
    }

    /// Plans, newest first, before `before` (an id).
    pub fn plans(
        &mut self,
        scope: Scope,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<PlanRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM plans WHERE (CAST($1 AS BIGINT) IS NULL OR owner = $1) \
             AND id < $2 ORDER BY id DESC LIMIT $3"
        );
        let params = [party(scope), before(before_id), limit(max)];
        Ok(page(self.db.rows(&sql, &params, record)?, max, |p| p.id.0))
    }
}
