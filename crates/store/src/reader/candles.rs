//! Candles of the tape: a model's prints summed per interval of trade time or of
//! delivery (first, highest, lowest and last price, GPU-hours, prints), one query for
//! both backends.

use super::*;
use megawatt_engine::units::Hour;

/// Which candles: a model (and a region), intervals of `step_hours` from `from` to `to`,
/// by the prints' trade time or by the start of their delivery windows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandleQuery {
    /// The GPU model.
    pub model: String,
    /// Only from facilities in this region.
    pub region: Option<String>,
    /// By delivery (the window's start) rather than by trade time.
    pub by_delivery: bool,
    /// The first interval's start.
    pub from: Hour,
    /// The end of the last interval.
    pub to: Hour,
    /// Hours in an interval (1 or 24).
    pub step_hours: u32,
}

/// One interval's prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candle {
    /// The interval's first hour.
    pub start: Hour,
    /// Its first print's price (by trade id), micro-USD per GPU-hour.
    pub open_micros: i64,
    /// Its highest.
    pub high_micros: i64,
    /// Its lowest.
    pub low_micros: i64,
    /// Its last print's price.
    pub close_micros: i64,
    /// GPUs times hours of its prints.
    pub gpu_hours: u64,
    /// Its prints.
    pub prints: u64,
}

impl Reader {
    /// The candles of `q`, earliest first; intervals with no print are left out.
    pub fn candles(&mut self, q: &CandleQuery) -> Result<Vec<Candle>, StoreError> {
        // By trade time the bounds are milliseconds; by delivery, hours.
        let (column, from, step, to) = if q.by_delivery {
            let h = |h: Hour| i64::from(h.0);
            ("start_hour", h(q.from), i64::from(q.step_hours), h(q.to))
        } else {
            let ms = |h: Hour| i64::try_from(h.start_ms()).unwrap_or(i64::MAX);
            let step = ms(Hour(q.step_hours));
            ("time_ms", ms(q.from), step, ms(q.to))
        };
        let sql = format!(
            "SELECT g.b, g.hi, g.lo, g.vol, g.n, o.price_micros, c.price_micros FROM \
             (SELECT ({column} - $1) / $2 AS b, MAX(price_micros) AS hi, MIN(price_micros) AS lo, \
                 CAST(SUM(gpus * (end_hour - start_hour)) AS BIGINT) AS vol, COUNT(*) AS n, \
                 MIN(id) AS f, MAX(id) AS l \
              FROM trades WHERE {column} >= $1 AND {column} < $3 AND model = $4 \
                AND (CAST($5 AS TEXT) IS NULL OR pool IN \
                  (SELECT p.id FROM pools p JOIN facilities f ON f.id = p.facility WHERE f.region = $5)) \
              GROUP BY b) g \
             JOIN trades o ON o.id = g.f JOIN trades c ON c.id = g.l ORDER BY g.b"
        );
        let params = [
            Val::I(Some(from)),
            Val::I(Some(step)),
            Val::I(Some(to)),
            Val::T(Some(q.model.clone())),
            Val::T(q.region.clone()),
        ];
        let rows = self.db.rows(&sql, &params, candle_row)?;
        let start = |n: u32| Hour(q.from.0.saturating_add(n.saturating_mul(q.step_hours)));
        Ok(rows
            .into_iter()
            .map(|(n, c)| Candle {
                start: start(n),
                ..c
            })
            .collect())
    }
}

/// A row of [`Reader::candles`]: the interval's number from the first, and its candle
/// (its start filled in by the caller).
fn candle_row(r: &dyn Get) -> Result<(u32, Candle), StoreError> {
    Ok((
        small(r, 0)?,
        Candle {
            start: Hour(0),
            high_micros: signed(r, 1)?,
            low_micros: signed(r, 2)?,
            gpu_hours: big(r, 3)?,
            prints: big(r, 4)?,
            open_micros: signed(r, 5)?,
            close_micros: signed(r, 6)?,
        },
    ))
}
