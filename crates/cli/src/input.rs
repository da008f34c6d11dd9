//! What people type: durations (`24h`, `90m`, `1.5d`, `2w`, `3mo`), starts (`now`,
//! `+2d`, `tomorrow`, `monday`, `2027-01-04`, RFC 3339 with or without seconds) and the
//! hour they mean.

use crate::args::WindowArgs;
use crate::client::Failure;
use megawatt_engine::units::{Hour, MS_PER_HOUR, civil_from_days, days_from_civil};

/// The hour after the current one: the earliest start the market accepts.
pub fn next_hour(now_ms: u64) -> Hour {
    Hour((now_ms / MS_PER_HOUR) as u32 + 1)
}

/// The clock of the machine, ms since the epoch.
pub fn now_ms() -> u64 {
    megawatt_server::sequencer::now_ms()
}

/// The window of a command: start and end as RFC 3339.
pub fn window(w: &WindowArgs) -> Result<(String, String), Failure> {
    let start = start(&w.start, now_ms()).map_err(Failure::usage)?;
    let end = after(start, &w.duration).map_err(|e| Failure::usage(format!("duration: {e}")))?;
    Ok((start.to_string(), end.to_string()))
}

/// A range of starts `A..B` (each read as [`start`]), inclusive.
pub fn start_range(raw: &str) -> Result<(Hour, Hour), Failure> {
    let (a, b) = raw.split_once("..").ok_or_else(|| {
        Failure::usage(format!(
            "--start-between {raw:?}: give A..B, e.g. 2027-01-04..2027-01-11"
        ))
    })?;
    let now = now_ms();
    let from = start(a, now).map_err(|e| Failure::usage(format!("--start-between: {e}")))?;
    let until = start(b, now).map_err(|e| Failure::usage(format!("--start-between: {e}")))?;
    Ok((from, until))
}

/// The hours of a duration starting at `from`.
pub fn hours_from(from: Hour, duration: &str) -> Result<u32, Failure> {
    let end = after(from, duration).map_err(|e| Failure::usage(format!("duration: {e}")))?;
    Ok(end.0 - from.0)
}

/// A time given as `+1d` (after the next hour) or RFC 3339, as RFC 3339.
pub fn good_till(raw: &Option<String>) -> Result<Option<String>, Failure> {
    raw.as_ref()
        .map(|g| {
            let h = if let Some(d) = g.strip_prefix('+') {
                after(next_hour(now_ms()), d).map_err(Failure::usage)?
            } else {
                start(g, now_ms()).map_err(Failure::usage)?
            };
            Ok(h.to_string())
        })
        .transpose()
}

/// An optional start argument (`--from`, `--to`) read as [`start`], written as the
/// server reads times.
pub fn start_arg(v: &Option<String>) -> Result<Option<String>, Failure> {
    v.as_deref()
        .map(|v| start(v, now_ms()).map(|h| h.to_string()))
        .transpose()
        .map_err(Failure::usage)
}

/// Parses a start:
/// - `now`: the next hour (the earliest a window may start);
/// - `+N<unit>`: that long after the next hour (`+2d`, `+36h`, `+1.5d`);
/// - `tomorrow`, or a weekday (`monday`, `mon`): midnight UTC of that day (a weekday
///   is the next one after today);
/// - a date, `2027-01-04`: midnight UTC that day;
/// - RFC 3339 on an hour: `2027-01-04T09:00Z`, `2027-01-04T09:00:00Z`, `…+02:00`.
///
/// A time off the hour is refused, naming the hour it would round up to.
pub fn start(s: &str, now_ms: u64) -> Result<Hour, String> {
    let today = i64::from(Hour::containing(now_ms).0 / 24);
    let lower = s.to_ascii_lowercase();
    if lower == "now" {
        return Ok(next_hour(now_ms));
    }
    if let Some(d) = s.strip_prefix('+') {
        return after(next_hour(now_ms), d).map_err(|e| format!("start {s:?}: {e}"));
    }
    if lower == "tomorrow" {
        return Ok(midnight(today + 1));
    }
    if let Some(wd) = weekday(&lower) {
        // 1970-01-01 was a Thursday (3 days after a Monday).
        let ahead = (wd - (today + 3).rem_euclid(7)).rem_euclid(7);
        return Ok(midnight(today + if ahead == 0 { 7 } else { ahead }));
    }
    if s.len() == 10 && s.as_bytes().get(4) == Some(&b'-') {
        return megawatt_server::parse::hour(&format!("{s}T00:00:00Z"))
            .map_err(|e| format!("start: {e}"));
    }
    let full = if s.len() == 17 && s.ends_with('Z') {
        format!("{}:00Z", &s[..16])
    } else {
        s.to_string()
    };
    megawatt_server::parse::hour(&full).map_err(|e| match rounded_up(&full) {
        Some(up) => format!(
            "start {s:?} is not on an hour: the market trades whole hours; it would round up to {up} (write that, or 'now', '+2d', 'tomorrow', a date)"
        ),
        None => format!("start: {e}; or use 'now', '+2d', 'tomorrow', 'monday' or a date"),
    })
}

/// Midnight UTC, `days` after 1970-01-01.
fn midnight(days: i64) -> Hour {
    Hour(u32::try_from(days.max(0) * 24).unwrap_or(u32::MAX))
}

/// A weekday's name or its first three letters: Monday is 0.
fn weekday(s: &str) -> Option<i64> {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    DAYS.iter()
        .position(|d| s == *d || (s.len() == 3 && d.starts_with(s)))
        .map(|i| i as i64)
}

/// For a UTC time `YYYY-MM-DDTHH:MM:SS[.f]Z` off the hour: the next hour, as RFC 3339.
fn rounded_up(full: &str) -> Option<Hour> {
    let minutes_ok = |r: std::ops::Range<usize>| {
        full.get(r)
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|m| m < 60)
    };
    if !minutes_ok(14..16) || !minutes_ok(17..19) {
        return None;
    }
    let on_hour = format!("{}:00:00Z", full.get(..13)?);
    let hour = megawatt_server::parse::hour(&on_hour).ok()?;
    full.ends_with('Z').then_some(Hour(hour.0 + 1))
}

/// The hour `d` after `from`: `d` is a number and a unit: `m` (minutes, whole hours of
/// them), `h`, `d`, `w`, or `mo` (calendar months: same day and hour, clamped to the
/// month's end). Decimals are fine where they make whole hours (`1.5d`, `0.5w`; not `0.1d`).
pub fn after(from: Hour, d: &str) -> Result<Hour, String> {
    let unit_at = d
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .ok_or("a duration needs a unit: m, h, d, w or mo")?;
    let (num, unit) = d.split_at(unit_at);
    let bad = || format!("{d:?} is not a duration like 24h, 90m, 1.5d, 2w or 3mo");
    // The number as an integer over a power of ten: `1.5` is 15 / 10.
    let (whole, frac) = match num.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return Err(bad()),
        None => (num, ""),
    };
    if whole.is_empty() || frac.len() > 6 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let scale = 10u64.pow(frac.len() as u32);
    let scaled: u64 = format!("{whole}{frac}").parse().map_err(|_| bad())?;
    let minutes_per_unit: u64 = match unit {
        "m" => 1,
        "h" => 60,
        "d" => 60 * 24,
        "w" => 60 * 24 * 7,
        "mo" if frac.is_empty() => {
            return add_months(from, u32::try_from(scaled).map_err(|_| bad())?);
        }
        "mo" => {
            return Err(format!(
                "{d:?}: give whole months (months differ in length)"
            ));
        }
        _ => return Err(format!("{d:?}: unit must be m, h, d, w or mo")),
    };
    let minutes = scaled
        .checked_mul(minutes_per_unit)
        .ok_or_else(|| format!("{d:?} is too long"))?;
    if minutes % (scale * 60) != 0 {
        let hours = minutes / scale / 60;
        return Err(format!(
            "{d:?} is not a whole number of hours: the market trades whole hours (use {}h or {}h)",
            hours,
            hours + 1
        ));
    }
    u32::try_from(minutes / scale / 60)
        .ok()
        .and_then(|h| from.0.checked_add(h))
        .map(Hour)
        .ok_or_else(|| format!("{d:?} is too long"))
}

fn add_months(from: Hour, n: u32) -> Result<Hour, String> {
    let (y, m, d) = civil_from_days(i64::from(from.0 / 24));
    let total = y * 12 + i64::from(m - 1) + i64::from(n);
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let last = days_from_civil(
        if nm == 12 { ny + 1 } else { ny },
        if nm == 12 { 1 } else { nm + 1 },
        1,
    ) - 1;
    let day = d.min(civil_from_days(last).2);
    let days = days_from_civil(ny, nm, day);
    u32::try_from(days * 24 + i64::from(from.0 % 24))
        .map(Hour)
        .map_err(|_| "too far in the future".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Hour {
        megawatt_server::parse::hour(s).unwrap()
    }

    #[test]
    fn durations() {
        let t = h("2027-01-31T09:00:00Z");
        assert_eq!(after(t, "24h").unwrap(), h("2027-02-01T09:00:00Z"));
        assert_eq!(after(t, "7d").unwrap(), h("2027-02-07T09:00:00Z"));
        assert_eq!(after(t, "1w").unwrap(), h("2027-02-07T09:00:00Z"));
        assert_eq!(after(t, "1mo").unwrap(), h("2027-02-28T09:00:00Z"));
        assert_eq!(after(t, "3mo").unwrap(), h("2027-04-30T09:00:00Z"));
        assert_eq!(
            after(h("2027-11-15T00:00:00Z"), "2mo").unwrap(),
            h("2028-01-15T00:00:00Z")
        );
        assert_eq!(after(t, "120m").unwrap(), h("2027-01-31T11:00:00Z"));
        assert_eq!(after(t, "1.5d").unwrap(), h("2027-02-01T21:00:00Z"));
        assert_eq!(after(t, "0.25d").unwrap(), h("2027-01-31T15:00:00Z"));
        for bad in [
            "",
            "24",
            "h",
            "2y",
            "-1d",
            "1.5h",
            "90m",
            "0.1d",
            "1.5mo",
            ".5d",
            "1.d",
            "99999999999h",
        ] {
            assert!(after(t, bad).is_err(), "{bad}");
        }
        let e = after(t, "90m").unwrap_err();
        assert!(
            e.contains("whole number of hours") && e.contains("1h or 2h"),
            "{e}"
        );
    }

    #[test]
    fn starts() {
        let now = h("2027-01-04T09:00:00Z").start_ms() + 1_000;
        assert_eq!(start("now", now).unwrap(), h("2027-01-04T10:00:00Z"));
        assert_eq!(start("+2d", now).unwrap(), h("2027-01-06T10:00:00Z"));
        assert_eq!(
            start("2027-02-01T09:00Z", now).unwrap(),
            h("2027-02-01T09:00:00Z")
        );
        assert_eq!(
            start("2027-02-01T09:00:00Z", now).unwrap(),
            h("2027-02-01T09:00:00Z")
        );
        let e = start("2027-02-01T09:30Z", now).unwrap_err();
        assert!(e.contains("round up to 2027-02-01T10:00:00Z"), "{e}");
        // 2027-01-04 is a Monday.
        assert_eq!(start("tomorrow", now).unwrap(), h("2027-01-05T00:00:00Z"));
        assert_eq!(start("Tuesday", now).unwrap(), h("2027-01-05T00:00:00Z"));
        assert_eq!(start("mon", now).unwrap(), h("2027-01-11T00:00:00Z"));
        assert_eq!(start("sunday", now).unwrap(), h("2027-01-10T00:00:00Z"));
        assert_eq!(start("2027-03-01", now).unwrap(), h("2027-03-01T00:00:00Z"));
        assert_eq!(start("+1.5d", now).unwrap(), h("2027-01-05T22:00:00Z"));
        let e = start("2027-02-01T09:75Z", now).unwrap_err();
        assert!(!e.contains("round up"), "09:75 is no time: {e}");
        for bad in ["someday", "2027-13-01", "2027-02-01T09:00", "mo"] {
            assert!(start(bad, now).is_err(), "{bad}");
        }
    }
}
