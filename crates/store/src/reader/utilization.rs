//! Utilization and delivery over a range of days, from the contract lines and the usage
//! reports (`docs/api.md`, "Utilization"): per UTC day, the GPU-hours contracted, those
//! whose delivery was reported and delivered, those whose use was reported and used,
//! and the energy metered; and the delivery credits of each month. GPU-hours only: the
//! credits are the engine's own amounts, summed as issued.

use super::*;
use megawatt_engine::ids::{ContractId, FacilityId, PoolId};
use megawatt_engine::units::Hour;

/// Which contracts, as whose party.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UseScope {
    /// Contracts this participant buys (`None`: any buyer).
    pub buyer: Option<ParticipantId>,
    /// Contracts this participant sells (`None`: any seller).
    pub seller: Option<ParticipantId>,
    /// Only this contract.
    pub contract: Option<ContractId>,
    /// Only lines at this facility.
    pub facility: Option<FacilityId>,
    /// Only lines of this pool.
    pub pool: Option<PoolId>,
}

/// One UTC day's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayUse {
    /// Days since the epoch.
    pub day: u32,
    /// GPU-hours the contracts held in the day (within the range).
    pub contracted_gpu_hours: u64,
    /// Of them, those whose delivery the seller reported.
    pub delivery_reported_gpu_hours: u64,
    /// GPUs delivered in those hours, summed.
    pub delivered_gpu_hours: u64,
    /// Of the contracted GPU-hours, those whose use the buyer reported.
    pub use_reported_gpu_hours: u64,
    /// GPUs used in those hours, summed.
    pub used_gpu_hours: u64,
    /// Energy metered, watt-hours (seller's reports).
    pub energy_wh: u64,
    /// GPU-hours delivered in the hours whose energy was metered.
    pub metered_gpu_hours: u64,
}

impl DayUse {
    /// Adds `other`'s figures (its day aside).
    pub fn add(&mut self, other: &DayUse) {
        self.contracted_gpu_hours += other.contracted_gpu_hours;
        self.delivery_reported_gpu_hours += other.delivery_reported_gpu_hours;
        self.delivered_gpu_hours += other.delivered_gpu_hours;
        self.use_reported_gpu_hours += other.use_reported_gpu_hours;
        self.used_gpu_hours += other.used_gpu_hours;
        self.energy_wh += other.energy_wh;
        self.metered_gpu_hours += other.metered_gpu_hours;
    }
}

/// Days of figures, and credits by the month they credit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Utilization {
    /// Every day of the range, in order.
    pub days: Vec<DayUse>,
    /// (month start, credits issued for it, micro-USD), by month; only when the scope
    /// names no facility or pool (a credit is a whole contract's month).
    pub credits: Vec<(Hour, i64)>,
}

/// The contract lines (`cl`, of contracts `c`, in pools `p`) a scope selects, by its
/// parameters `$1` to `$5` (SQLite numbers `$n` parameters by first appearance, so
/// every statement names them in order, then `$6` and `$7`).
const SCOPE: &str = "(CAST($1 AS BIGINT) IS NULL OR c.buyer = $1) AND (CAST($2 AS BIGINT) IS NULL OR c.seller = $2) \
    AND (CAST($3 AS BIGINT) IS NULL OR c.id = $3) AND (CAST($4 AS BIGINT) IS NULL OR p.facility = $4) \
    AND (CAST($5 AS BIGINT) IS NULL OR cl.pool = $5)";

/// The joins under [`SCOPE`], from the contract lines.
const LINES: &str =
    "contract_lines cl JOIN contracts c ON c.id = cl.contract JOIN pools p ON p.id = cl.pool";

fn params(s: UseScope, (from, to): (Hour, Hour)) -> [Val; 7] {
    let id = |v: Option<u64>| Val::I(v.map(|x| x as i64));
    [
        id(s.buyer.map(|p| p.0)),
        id(s.seller.map(|p| p.0)),
        id(s.contract.map(|c| c.0)),
        id(s.facility.map(|f| f.0)),
        id(s.pool.map(|p| p.0)),
        Val::I(Some(i64::from(from.0))),
        Val::I(Some(i64::from(to.0))),
    ]
}

impl Reader {
    /// The figures of the days of `[from, to)` (whole days, `from` and `to` on day
    /// boundaries) for the contracts of `scope`, contracted hours counted until
    /// `until`; `None` when the scope selects more than `max_lines` contract lines.
    pub fn utilization(
        &mut self,
        scope: UseScope,
        (from, to): (Hour, Hour),
        until: Hour,
        max_lines: usize,
    ) -> Result<Option<Utilization>, StoreError> {
        let p = params(scope, (from, to));
        let sql = format!(
            "SELECT cl.gpus, cl.start_hour, cl.end_hour, c.ends_hour FROM {LINES} WHERE {SCOPE} \
             AND cl.end_hour > $6 AND c.ends_hour > $6 AND cl.start_hour < $7 LIMIT {}",
            max_lines + 1
        );
        let lines = self.db.rows(&sql, &p, |r| {
            Ok((small(r, 0)?, small(r, 1)?, small(r, 2)?, small(r, 3)?))
        })?;
        if lines.len() > max_lines {
            return Ok(None);
        }
        let (first, last) = (from.0 / 24, to.0 / 24);
        let mut days: Vec<DayUse> = (first..last)
            .map(|day| DayUse {
                day,
                ..DayUse::default()
            })
            .collect();
        for (gpus, start, end, ends) in lines {
            let (s, e) = (start.max(from.0), end.min(ends).min(to.0).min(until.0));
            let mut h = s;
            while h < e {
                let day_end = (h / 24 + 1) * 24;
                let upto = e.min(day_end);
                days[(h / 24 - first) as usize].contracted_gpu_hours +=
                    u64::from(gpus) * u64::from(upto - h);
                h = upto;
            }
        }
        let sql = format!(
            "SELECT u.hour / 24, u.side, CAST(SUM(cl.gpus) AS BIGINT), CAST(SUM(u.gpus) AS BIGINT), \
             CAST(SUM(COALESCE(u.energy_wh, 0)) AS BIGINT), \
             CAST(SUM(CASE WHEN u.energy_wh IS NULL THEN 0 ELSE u.gpus END) AS BIGINT) \
             FROM usage_reports u JOIN contract_lines cl ON cl.contract = u.contract AND cl.line = u.line \
             JOIN contracts c ON c.id = cl.contract JOIN pools p ON p.id = cl.pool \
             WHERE {SCOPE} AND u.hour >= $6 AND u.hour < $7 \
             GROUP BY u.hour / 24, u.side ORDER BY 1, 2"
        );
        let sums = self.db.rows(&sql, &p, |r| {
            Ok((
                small(r, 0)?,
                string(r, 1)?,
                [big(r, 2)?, big(r, 3)?, big(r, 4)?, big(r, 5)?],
            ))
        })?;
        for (day, side, [reported, gpus, wh, metered]) in sums {
            let Some(d) = day
                .checked_sub(first)
                .and_then(|i| days.get_mut(i as usize))
            else {
                continue;
            };
            if side == "seller" {
                d.delivery_reported_gpu_hours += reported;
                d.delivered_gpu_hours += gpus;
                d.energy_wh += wh;
                d.metered_gpu_hours += metered;
            } else {
                d.use_reported_gpu_hours += reported;
                d.used_gpu_hours += gpus;
            }
        }
        let credits = if scope.facility.is_none() && scope.pool.is_none() {
            let sql = "SELECT d.period_start_hour, CAST(SUM(d.credit_micros) AS BIGINT) \
                 FROM delivery_credits d JOIN contracts c ON c.id = d.contract \
                 WHERE (CAST($1 AS BIGINT) IS NULL OR c.buyer = $1) AND (CAST($2 AS BIGINT) IS NULL OR c.seller = $2) \
                 AND (CAST($3 AS BIGINT) IS NULL OR c.id = $3) \
                 AND CAST($4 AS BIGINT) IS NULL AND CAST($5 AS BIGINT) IS NULL \
                 AND d.period_start_hour >= $6 AND d.period_start_hour < $7 \
                 GROUP BY d.period_start_hour ORDER BY 1";
            let rows = self
                .db
                .rows(sql, &p, |r| Ok((Hour(small(r, 0)?), signed(r, 1)?)))?;
            // A month's credits, whatever hour of it their contract began.
            let mut by_month: BTreeMap<Hour, i64> = BTreeMap::new();
            for (h, c) in rows {
                *by_month.entry(h.month_start()).or_default() += c;
            }
            by_month.into_iter().collect()
        } else {
            Vec::new()
        };
        Ok(Some(Utilization { days, credits }))
    }
}
