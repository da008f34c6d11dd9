//! The published index and forward curves, as the ticks wrote them: a series of index
//! values over a range of ticks, and a model's curve as of an hour.

use super::*;
use megawatt_engine::units::Hour;

/// Which index values: a model's series (of every region, or one), hourly or daily,
/// ticks in `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexQuery {
    /// The GPU model.
    pub model: String,
    /// One region's series, or (`None`) every region's.
    pub region: Option<String>,
    /// `hour` or `day`.
    pub span: String,
    /// The first tick.
    pub from: Hour,
    /// After the last tick.
    pub to: Hour,
}

/// One published value (or a withheld one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexRecord {
    /// The tick.
    pub at: Hour,
    /// The methodology.
    pub version: u16,
    /// The value, micro-USD per GPU-hour, if published.
    pub price_micros: Option<i64>,
    /// Why not, if not.
    pub unpublished: Option<String>,
    /// Prints behind it.
    pub prints: u32,
    /// Their GPU-hours.
    pub gpu_hours: u64,
    /// Their distinct sellers.
    pub sellers: u32,
    /// The newest trade its window could hold.
    pub through_trade: u64,
}

/// A curve as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurveRecord {
    /// The tick that published it.
    pub at: Hour,
    /// The methodology.
    pub version: u16,
    /// Weeks, then months.
    pub points: Vec<CurvePointRecord>,
}

/// One point of a curve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurvePointRecord {
    /// `week` or `month`.
    pub kind: String,
    /// The period's first hour.
    pub start: Hour,
    /// Its end.
    pub end: Hour,
    /// Price per GPU-hour, micro-USD.
    pub price_micros: i64,
    /// `prints`, `book` or `interpolated`.
    pub source: String,
    /// Prints of the period.
    pub prints: u32,
    /// Their GPU-hours.
    pub gpu_hours: u64,
    /// Best bid for the period.
    pub best_bid_micros: Option<i64>,
    /// Best ask for the period.
    pub best_ask_micros: Option<i64>,
}

impl IndexRecord {
    /// A value as a tick published it.
    pub fn of(v: &megawatt_engine::index::IndexValue) -> IndexRecord {
        IndexRecord {
            at: v.at,
            version: v.version,
            price_micros: v.price_micros,
            unpublished: v.unpublished.map(|u| u.as_str().to_string()),
            prints: v.prints,
            gpu_hours: v.gpu_hours,
            sellers: v.sellers,
            through_trade: v.through_trade.0,
        }
    }
}

fn version(r: &dyn Get, i: usize) -> Result<u16, StoreError> {
    u16::try_from(small(r, i)?).map_err(|_| corrupt("methodology version", small(r, i)))
}

fn opt_signed(r: &dyn Get, i: usize) -> Result<Option<i64>, StoreError> {
    r.int(i)
}

fn index_row(r: &dyn Get) -> Result<IndexRecord, StoreError> {
    Ok(IndexRecord {
        at: Hour(small(r, 0)?),
        version: version(r, 1)?,
        price_micros: opt_signed(r, 2)?,
        unpublished: r.text(3)?,
        prints: small(r, 4)?,
        gpu_hours: big(r, 5)?,
        sellers: small(r, 6)?,
        through_trade: big(r, 7)?,
    })
}

fn point_row(r: &dyn Get) -> Result<CurvePointRecord, StoreError> {
    Ok(CurvePointRecord {
        kind: string(r, 0)?,
        start: Hour(small(r, 1)?),
        end: Hour(small(r, 2)?),
        price_micros: signed(r, 3)?,
        source: string(r, 4)?,
        prints: small(r, 5)?,
        gpu_hours: big(r, 6)?,
        best_bid_micros: opt_signed(r, 7)?,
        best_ask_micros: opt_signed(r, 8)?,
    })
}

impl Reader {
    /// The values of `q`, earliest first (the caller bounds the range).
    pub fn index_values(&mut self, q: &IndexQuery) -> Result<Vec<IndexRecord>, StoreError> {
        let sql = "SELECT at_hour, version, price_micros, unpublished, prints, gpu_hours, \
             sellers, through_trade FROM index_values \
             WHERE model = $1 AND span = $2 AND at_hour >= $3 AND at_hour < $4 \
               AND ((CAST($5 AS TEXT) IS NULL AND region IS NULL) OR region = $5) \
             ORDER BY at_hour";
        let params = [
            Val::T(Some(q.model.clone())),
            Val::T(Some(q.span.clone())),
            Val::I(Some(i64::from(q.from.0))),
            Val::I(Some(i64::from(q.to.0))),
            Val::T(q.region.clone()),
        ];
        self.db.rows(sql, &params, index_row)
    }

    /// A model's curve in force at `at`: the last one published at or before it (none if
    /// none was, or the last was withdrawn).
    pub fn curve(&mut self, model: &str, at: Hour) -> Result<Option<CurveRecord>, StoreError> {
        let params = [
            Val::T(Some(model.to_string())),
            Val::I(Some(i64::from(at.0))),
        ];
        let head = self.db.rows(
            "SELECT at_hour, version FROM curves WHERE model = $1 AND at_hour <= $2 \
             ORDER BY at_hour DESC, seq DESC LIMIT 1",
            &params,
            |r| Ok((Hour(small(r, 0)?), version(r, 1)?)),
        )?;
        let Some((at, version)) = head.into_iter().next() else {
            return Ok(None);
        };
        let points = self.db.rows(
            "SELECT kind, period_start_hour, period_end_hour, price_micros, source, prints, \
                 gpu_hours, best_bid_micros, best_ask_micros FROM curve_points \
             WHERE model = $1 AND at_hour = $2 \
             ORDER BY CASE kind WHEN 'week' THEN 0 ELSE 1 END, period_start_hour",
            &[
                Val::T(Some(model.to_string())),
                Val::I(Some(i64::from(at.0))),
            ],
            point_row,
        )?;
        if points.is_empty() {
            return Ok(None);
        }
        Ok(Some(CurveRecord {
            at,
            version,
            points,
        }))
    }
}
