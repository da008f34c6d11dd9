//! What people type: durations (`24h`, `7d`, `3mo`), starts (`now`, `+2d`, RFC 3339,
//! with or without seconds) and the hour they mean.

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

/// Parses a start: `now` (the next hour), `+N<unit>` (that long after the next hour),
/// or an RFC 3339 time on an hour (`2027-01-04T09:00Z` or `2027-01-04T09:00:00Z`).
pub fn start(s: &str, now_ms: u64) -> Result<Hour, String> {
    if s == "now" {
        return Ok(next_hour(now_ms));
    }
    if let Some(d) = s.strip_prefix('+') {
        return after(next_hour(now_ms), d).map_err(|e| format!("start {s:?}: {e}"));
    }
    let full = if s.len() == 17 && s.ends_with('Z') {
        format!("{}:00Z", &s[..16])
    } else {
        s.to_string()
    };
    megawatt_server::parse::hour(&full).map_err(|e| format!("start: {e}; or use 'now' or '+2d'"))
}

/// The hour `d` after `from`: `d` is a number and a unit, `h` (hours), `d` (days),
/// `w` (weeks) or `mo` (calendar months: same day and hour, clamped to the month's end).
pub fn after(from: Hour, d: &str) -> Result<Hour, String> {
    let unit_at = d
        .find(|c: char| !c.is_ascii_digit())
        .ok_or("a duration needs a unit: h, d, w or mo")?;
    let (num, unit) = d.split_at(unit_at);
    let n: u32 = num
        .parse()
        .map_err(|_| format!("{d:?} is not a duration like 24h, 7d, 2w or 3mo"))?;
    let hours = match unit {
        "h" => Some(n),
        "d" => n.checked_mul(24),
        "w" => n.checked_mul(168),
        "mo" => return add_months(from, n),
        _ => return Err(format!("{d:?}: unit must be h, d, w or mo")),
    };
    hours
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
        for bad in ["", "24", "h", "2y", "-1d", "1.5h", "99999999999h"] {
            assert!(after(t, bad).is_err(), "{bad}");
        }
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
        assert!(start("2027-02-01T09:30Z", now).is_err());
        assert!(start("tomorrow", now).is_err());
    }
}
