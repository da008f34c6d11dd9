//! Usage reports as the table holds them: the latest record of each contract line, hour
//! and side.

use super::*;
use megawatt_engine::units::Hour;
use megawatt_engine::usage::Reporter;

/// One usage report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageRow {
    /// The contract line, from 0.
    pub line: u16,
    /// The hour.
    pub hour: Hour,
    /// Who reported: the seller (GPUs delivered) or the buyer (GPUs used).
    pub side: Reporter,
    /// GPUs delivered or used.
    pub gpus: u32,
    /// Energy, watt-hours, when metered.
    pub energy_wh: Option<u64>,
}

fn usage_row(r: &dyn Get) -> Result<UsageRow, StoreError> {
    let side = string(r, 2)?;
    Ok(UsageRow {
        line: u16::try_from(small(r, 0)?).map_err(|_| corrupt("usage_reports.line", 0))?,
        hour: Hour(small(r, 1)?),
        side: Reporter::parse(&side).ok_or_else(|| corrupt("usage_reports.side", &side))?,
        gpus: small(r, 3)?,
        energy_wh: opt_big(r, 4)?,
    })
}

impl Reader {
    /// The usage reports of contract `contract` for the hours `[from, to)`, by hour,
    /// line and side; at most `limit`.
    pub fn usage_reports(
        &mut self,
        contract: u64,
        (from, to): (Hour, Hour),
        limit: usize,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let sql = format!(
            "SELECT line, hour, side, gpus, energy_wh FROM usage_reports \
             WHERE contract = $1 AND hour >= $2 AND hour < $3 \
             ORDER BY hour, line, side LIMIT {limit}"
        );
        let params = [
            Val::I(Some(contract as i64)),
            Val::I(Some(i64::from(from.0))),
            Val::I(Some(i64::from(to.0))),
        ];
        self.db.rows(&sql, &params, usage_row)
    }
}
