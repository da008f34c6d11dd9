//! Exact units of the market: hours, half-open windows of hours, and micro-USD money.
//!
//! Nothing here is floating point. Every operation that can overflow is checked and
//! reports the overflow to its caller, who turns it into a rejection.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Milliseconds in one hour.
pub const MS_PER_HOUR: u64 = 3_600_000;

/// The longest window the market accepts: ten years of hours.
pub const MAX_WINDOW_HOURS: u32 = 87_600;

/// One micro-USD is a millionth of a dollar; this many make a dollar.
pub const MICROS_PER_USD: i64 = 1_000_000;
/// Hours in a year of run-rate (365 days; run-rates are quoted per such year).
pub const HOURS_PER_YEAR: u32 = 8_760;

/// An hour on the market's clock: whole hours since 1970-01-01T00:00Z (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hour(pub u32);

impl Hour {
    /// The hour that contains the instant `time_ms` (milliseconds since the epoch).
    /// Saturates at the largest representable hour.
    pub fn containing(time_ms: u64) -> Hour {
        Hour(u32::try_from(time_ms / MS_PER_HOUR).unwrap_or(u32::MAX))
    }

    /// The first hour boundary at or after the instant `time_ms`: the hour starting
    /// then if `time_ms` is on a boundary, else the next. Saturates.
    pub fn at_or_after(time_ms: u64) -> Hour {
        Hour::containing(time_ms.saturating_add(MS_PER_HOUR - 1))
    }

    /// Milliseconds since the epoch at the start of this hour.
    pub fn start_ms(self) -> u64 {
        u64::from(self.0) * MS_PER_HOUR
    }

    /// The first hour of the UTC calendar month containing this hour.
    pub fn month_start(self) -> Hour {
        let (y, m, _) = civil_from_days(i64::from(self.0 / 24));
        Hour::from_days(days_from_civil(y, m, 1))
    }

    /// The first hour of the UTC calendar year containing this hour.
    pub fn year_start(self) -> Hour {
        let (y, _, _) = civil_from_days(i64::from(self.0 / 24));
        Hour::from_days(days_from_civil(y, 1, 1))
    }

    /// The first hour of the next UTC calendar month.
    pub fn next_month_start(self) -> Hour {
        let (y, m, _) = civil_from_days(i64::from(self.0 / 24));
        let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        Hour::from_days(days_from_civil(y, m, 1))
    }

    /// The first hour of the week (Monday 00:00 UTC, as ISO 8601 weeks) containing
    /// this hour (the epoch's first days, a Thursday to a Sunday, belong to no earlier
    /// week here: their week starts at the epoch).
    pub fn week_start(self) -> Hour {
        // 1970-01-01 was a Thursday: day 4 is the first Monday.
        let day = self.0 / 24;
        Hour(day.saturating_sub((day + 3) % 7) * 24)
    }

    fn from_days(days: i64) -> Hour {
        Hour(u32::try_from(days.saturating_mul(24)).unwrap_or(u32::MAX))
    }
}

/// Divides `n` by `d` (> 0), rounding to the nearest integer, half to even.
pub fn div_half_even(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// A monthly fee prorated over the hours of `[from, to)`: for each UTC calendar month,
/// fee x hours of the month in the window / hours in the month, rounded to the
/// micro-dollar, half to even (so a whole month is the fee exactly). `None` on overflow.
pub fn prorated_fee_micros(fee_micros: i64, from: Hour, to: Hour) -> Option<i64> {
    let mut total: i64 = 0;
    let mut h = from;
    while h < to {
        let (start, next) = (h.month_start(), h.next_month_start());
        let upto = next.min(to);
        let part = div_half_even(
            i128::from(fee_micros) * i128::from(upto.0 - h.0),
            i128::from(next.0 - start.0),
        );
        total = total.checked_add(i64::try_from(part).ok()?)?;
        h = upto;
    }
    Some(total)
}

impl fmt::Display for Hour {
    /// Formats as RFC 3339 UTC, e.g. `2027-01-04T09:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = i64::from(self.0 / 24);
        let hour = self.0 % 24;
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{hour:02}:00:00Z")
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
/// Howard Hinnant's `civil_from_days`, exact for every `u32` hour.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Converts a proleptic Gregorian date to days since 1970-01-01 (inverse of
/// [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if month > 2 { month - 3 } else { month + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A half-open window of hours `[start, end)`. A valid window is non-empty and at most
/// [`MAX_WINDOW_HOURS`] long; [`Window::new`] is the only checked constructor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Window {
    /// First hour inside the window.
    pub start: Hour,
    /// First hour after the window.
    pub end: Hour,
}

/// Why a pair of hours is not a valid window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowError {
    /// `end <= start`.
    Empty,
    /// Longer than [`MAX_WINDOW_HOURS`].
    TooLong,
}

impl Window {
    /// A checked window `[start, end)`.
    pub fn new(start: Hour, end: Hour) -> Result<Window, WindowError> {
        let w = Window { start, end };
        w.validate()?;
        Ok(w)
    }

    /// Checks that the window is non-empty and not too long.
    pub fn validate(&self) -> Result<(), WindowError> {
        if self.end <= self.start {
            return Err(WindowError::Empty);
        }
        if self.end.0 - self.start.0 > MAX_WINDOW_HOURS {
            return Err(WindowError::TooLong);
        }
        Ok(())
    }

    /// Number of hours in the window (zero for an invalid, inverted window).
    pub fn hours(&self) -> u32 {
        self.end.0.saturating_sub(self.start.0)
    }

    /// True when `other` lies entirely inside this window.
    pub fn covers(&self, other: &Window) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// True when the window contains hour `h`.
    pub fn contains(&self, h: Hour) -> bool {
        self.start <= h && h < self.end
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.start, self.end)
    }
}

/// The notional value of `gpus` GPUs for `hours` hours at `price_micros` per GPU-hour,
/// in micro-USD; `None` on overflow of `i64`.
pub fn notional_micros(price_micros: i64, gpus: u32, hours: u32) -> Option<i64> {
    price_micros
        .checked_mul(i64::from(gpus))?
        .checked_mul(i64::from(hours))
}

/// Megawatts written as a decimal (`300`, `12.5`: digits, an optional `.` and at most
/// three decimals) in kW. `None` for anything else or on overflow.
pub fn kw_from_mw(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || whole.is_empty() || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}").parse().ok()?
    };
    whole.checked_mul(1_000)?.checked_add(frac)
}

/// A USD amount written as a decimal (`"2.5"`, `"2.115000"`: digits, an optional `.`
/// and at most six decimals, at most 13 whole digits) in micro-USD: the inverse of
/// [`usd_string`] for amounts that are not negative. `None` for anything else.
pub fn usd_micros(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |d: &str| d.bytes().all(|c| c.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 13
        || frac.len() > 6
        || !digits(whole)
        || !digits(frac)
        || (s.contains('.') && frac.is_empty())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac_micros: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    whole.checked_mul(MICROS_PER_USD)?.checked_add(frac_micros)
}

/// Formats micro-USD as a decimal USD string with six decimals, e.g. `"2.115000"`.
pub fn usd_string(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    let per = MICROS_PER_USD.unsigned_abs();
    format!("{sign}{}.{:06}", abs / per, abs % per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_rules() {
        assert_eq!(Window::new(Hour(5), Hour(5)), Err(WindowError::Empty));
        assert_eq!(Window::new(Hour(6), Hour(5)), Err(WindowError::Empty));
        assert!(Window::new(Hour(0), Hour(MAX_WINDOW_HOURS)).is_ok());
        assert_eq!(
            Window::new(Hour(0), Hour(MAX_WINDOW_HOURS + 1)),
            Err(WindowError::TooLong)
        );
        let w = Window::new(Hour(10), Hour(20)).unwrap();
        assert_eq!(w.hours(), 10);
        assert!(w.covers(&Window::new(Hour(10), Hour(20)).unwrap()));
        assert!(w.covers(&Window::new(Hour(12), Hour(13)).unwrap()));
        assert!(!w.covers(&Window::new(Hour(9), Hour(13)).unwrap()));
        assert!(!w.covers(&Window::new(Hour(19), Hour(21)).unwrap()));
        assert!(w.contains(Hour(10)) && !w.contains(Hour(20)));
    }

    #[test]
    fn hour_formats_as_rfc3339() {
        assert_eq!(Hour(0).to_string(), "1970-01-01T00:00:00Z");
        // 2026-06-01T00:00Z
        let h = Hour(u32::try_from(days_from_civil(2026, 6, 1) * 24).unwrap());
        assert_eq!(h.to_string(), "2026-06-01T00:00:00Z");
        assert_eq!(Hour(h.0 + 33).to_string(), "2026-06-02T09:00:00Z");
        assert_eq!(Hour::containing(h.start_ms() + MS_PER_HOUR - 1), h);
        // Leap day round trip.
        let d = days_from_civil(2028, 2, 29);
        assert_eq!(civil_from_days(d), (2028, 2, 29));
        assert_eq!(civil_from_days(d + 1), (2028, 3, 1));
    }

    #[test]
    fn weeks_start_on_monday_at_midnight_utc() {
        let day = |y, m, d| Hour(u32::try_from(days_from_civil(y, m, d) * 24).unwrap());
        let monday = day(2026, 11, 30);
        // A Thursday afternoon, the Monday itself, and the Sunday's last hour.
        for h in [
            Hour(day(2026, 12, 3).0 + 15),
            monday,
            Hour(day(2026, 12, 7).0 - 1),
        ] {
            assert_eq!(h.week_start(), monday, "{h}");
        }
        assert_eq!(day(2026, 12, 7).week_start(), day(2026, 12, 7));
        assert_eq!(Hour(30).week_start(), Hour(0), "the epoch's first days");
    }

    #[test]
    fn months_prorate_exactly_half_to_even() {
        let h = |y, m, d| Hour(u32::try_from(days_from_civil(y, m, d) * 24).unwrap());
        let fee = 1_250_000_000_000_000; // $1.25bn
        // A full month bills the fee exactly, whatever its length.
        for (y, m) in [(2026, 2), (2028, 2), (2026, 4), (2026, 7)] {
            let start = h(y, m, 1);
            assert_eq!(start.month_start(), start);
            assert_eq!(
                prorated_fee_micros(fee, start, start.next_month_start()),
                Some(fee)
            );
        }
        // Half of a 30-day month; one hour of a 31-day month (744 hours): rounded half to even.
        assert_eq!(
            prorated_fee_micros(fee, h(2026, 6, 1), h(2026, 6, 16)),
            Some(fee / 2)
        );
        assert_eq!(
            prorated_fee_micros(744, h(2026, 7, 1), Hour(h(2026, 7, 1).0 + 1)),
            Some(1)
        );
        assert_eq!(
            prorated_fee_micros(372, h(2026, 7, 1), Hour(h(2026, 7, 1).0 + 1)),
            Some(0),
            "0.5 rounds to even 0"
        );
        assert_eq!(
            prorated_fee_micros(1_116, h(2026, 7, 1), Hour(h(2026, 7, 1).0 + 1)),
            Some(2),
            "1.5 rounds to even 2"
        );
        // Three years of a fee: 36 fees.
        assert_eq!(
            prorated_fee_micros(fee, h(2026, 6, 1), h(2029, 6, 1)),
            Some(36 * fee)
        );
        assert_eq!(div_half_even(-3, 2), -2);
    }

    #[test]
    fn money_is_exact_and_checked() {
        assert_eq!(notional_micros(2_115_000, 64, 24), Some(3_248_640_000));
        assert_eq!(notional_micros(i64::MAX, 2, 1), None);
        assert_eq!(usd_string(2_115_000), "2.115000");
        assert_eq!(usd_string(-1), "-0.000001");
        assert_eq!(usd_string(i64::MIN), "-9223372036854.775808");
    }
}
