//! Standing procurements as the history table holds them.

use super::*;
use crate::decode::{corrupt, window_at};
use megawatt_engine::ids::ProcurementId;
use megawatt_engine::units::Window;

/// A procurement as the table holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcurementRecord {
    /// Its id.
    pub id: ProcurementId,
    /// The buyer.
    pub owner: ParticipantId,
    /// GPU model id.
    pub model: String,
    /// Its region filter.
    pub region: Option<String>,
    /// GPUs kept held.
    pub gpus: u32,
    /// The hours it keeps GPUs held.
    pub period: Window,
    /// How far ahead it buys, hours.
    pub lookahead_hours: u32,
    /// The blocks it buys, hours.
    pub block_hours: u32,
    /// Its limit per GPU-hour, micro-USD.
    pub limit_price_micros: i64,
    /// `active`, `paused`, `completed` or `cancelled`.
    pub status: String,
    /// When created, ms since the epoch.
    pub created_ms: u64,
    /// GPU-hours its bids bought.
    pub bought_gpu_hours: u64,
}

impl ProcurementRecord {
    /// The record of a procurement just created (nothing bought yet).
    pub fn of(
        names: &megawatt_engine::catalog::Names,
        p: &megawatt_engine::procurement::Procurement,
    ) -> ProcurementRecord {
        let row = crate::convert::procurement(names, p);
        ProcurementRecord {
            id: p.id,
            owner: p.owner,
            model: row.model,
            region: row.region,
            gpus: p.gpus,
            period: p.period,
            lookahead_hours: p.lookahead_hours,
            block_hours: p.block_hours,
            limit_price_micros: p.limit_price_micros,
            status: row.status,
            created_ms: p.created_ms,
            bought_gpu_hours: 0,
        }
    }
}

const COLUMNS: &str = "id, owner, model, region, gpus, start_hour, end_hour, lookahead_hours, \
    block_hours, limit_price_micros, status, created_ms, \
    (SELECT CAST(COALESCE(SUM(o.filled_gpu_hours), 0) AS BIGINT) FROM orders o \
     WHERE o.procurement = procurements.id)";

const STATUSES: [&str; 4] = ["active", "paused", "completed", "cancelled"];

fn record(r: &dyn Get) -> Result<ProcurementRecord, StoreError> {
    let status = string(r, 10)?;
    if !STATUSES.contains(&status.as_str()) {
        return Err(corrupt("procurements.status", &status));
    }
    Ok(ProcurementRecord {
        id: ProcurementId(big(r, 0)?),
        owner: ParticipantId(big(r, 1)?),
        model: string(r, 2)?,
        region: r.text(3)?,
        gpus: small(r, 4)?,
        period: window_at(r, 5)?,
        lookahead_hours: small(r, 7)?,
        block_hours: small(r, 8)?,
        limit_price_micros: signed(r, 9)?,
        status,
        created_ms: big(r, 11)?,
        bought_gpu_hours: big(r, 12)?,
    })
}

impl Reader {
    /// One procurement, if the scope may see it.
    pub fn procurement(
        &mut self,
        scope: Scope,
        procurement: u64,
    ) -> Result<Option<ProcurementRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM procurements WHERE id = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR owner = $2)"
        );
        Ok(self
            .db
            .rows(&sql, &[id(procurement), party(scope)], record)?
            .pop())
    }

    /// Procurements, newest first, before `before` (an id), optionally only live ones.
    pub fn procurements(
        &mut self,
        scope: Scope,
        live_only: bool,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<ProcurementRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM procurements WHERE (CAST($1 AS BIGINT) IS NULL OR owner = $1) \
             AND id < $2 AND (CAST($3 AS BIGINT) = 0 OR status IN ('active', 'paused')) \
             ORDER BY id DESC LIMIT $4"
        );
        let params = [
            party(scope),
            before(before_id),
            Val::I(Some(i64::from(live_only))),
            limit(max),
        ];
        Ok(page(self.db.rows(&sql, &params, record)?, max, |p| p.id.0))
    }
}
