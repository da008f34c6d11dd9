//! Strict parsing of what clients send: RFC 3339 times that must fall on an hour, USD
//! decimal amounts, and ids like `ord-17`. Each error says what was expected.

use megawatt_engine::units::{Hour, days_from_civil};

/// Parses an RFC 3339 time (`2027-01-04T09:00:00Z`, offsets allowed) that falls exactly
/// on an hour boundary.
pub fn hour(s: &str) -> Result<Hour, String> {
    let bad = || format!("{s:?} is not an RFC 3339 time like 2027-01-04T09:00:00Z");
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let part = s.get(r).ok_or_else(bad)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse::<i64>().map_err(|_| bad())
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    let mut fraction_zero = true;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        fraction_zero = frac[..digits].bytes().all(|c| c == b'0');
        rest = &frac[digits..];
    }
    let offset_min: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && rest.is_ascii()
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':' =>
        {
            let digits = |r: &str| -> Result<i64, String> {
                if r.bytes().all(|c| c.is_ascii_digit()) {
                    r.parse().map_err(|_| bad())
                } else {
                    Err(bad())
                }
            };
            let (oh, om) = (digits(&rest[1..3])?, digits(&rest[4..6])?);
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let sign = if rest.as_bytes()[0] == b'-' { -1 } else { 1 };
            sign * (oh * 60 + om)
        }
        _ => return Err(bad()),
    };
    let days_in = |y: i64, m: i64| -> i64 {
        match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in(year, month)
        || hh > 23
        || mm > 59
        || ss > 59
    {
        return Err(bad());
    }
    let total_min =
        days_from_civil(year, month as u32, day as u32) * 1440 + hh * 60 + mm - offset_min;
    if ss != 0 || !fraction_zero || total_min % 60 != 0 {
        return Err(format!(
            "{s:?} is not on an hour boundary; the market's grain is one hour (e.g. 2027-01-04T09:00:00Z)"
        ));
    }
    let h = total_min.div_euclid(60);
    u32::try_from(h)
        .map(Hour)
        .map_err(|_| format!("{s:?} is outside the market's calendar (1970 to 490,000 AD)"))
}

/// Parses a USD amount written as a decimal (`"2.5"`, `"2.115000"`, at most six
/// decimals) into micro-USD ([`megawatt_engine::units::usd_micros`]). Negative amounts
/// are refused.
pub fn usd(s: &str) -> Result<i64, String> {
    megawatt_engine::units::usd_micros(s).ok_or_else(|| {
        format!(
            "{s:?} is not a USD amount like \"2.50\" (digits, optional '.', at most 6 decimals)"
        )
    })
}

/// Parses an id shown as `prefix-N` (or just `N`).
pub fn id(s: &str, prefix: &str) -> Option<u64> {
    let digits = s
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_must_be_rfc3339_on_the_hour() {
        let h = hour("2027-01-04T09:00:00Z").unwrap();
        assert_eq!(h.to_string(), "2027-01-04T09:00:00Z");
        assert_eq!(hour("2027-01-04T10:00:00+01:00").unwrap(), h);
        assert_eq!(hour("2027-01-04T04:30:00-04:30").unwrap(), h);
        assert_eq!(hour("2027-01-04T09:00:00.000Z").unwrap(), h);
        assert!(
            hour("2027-01-04T09:30:00Z")
                .unwrap_err()
                .contains("hour boundary")
        );
        assert!(
            hour("2027-01-04T09:00:01Z")
                .unwrap_err()
                .contains("hour boundary")
        );
        assert!(
            hour("2027-01-04T09:00:00.5Z")
                .unwrap_err()
                .contains("hour boundary")
        );
        for bad in [
            "",
            "2027-01-04",
            "2027-01-04T09:00:00é00000",
            "2027-01-04T09:00:00+0é:00",
            "2027-13-01T00:00:00Z",
            "2027-02-29T00:00:00Z",
            "2027-01-04 09:00:00Z",
            "2027-01-04T09:00:00",
            "yyyy-01-04T09:00:00Z",
            "2027-01-04T24:00:00Z",
        ] {
            assert!(hour(bad).unwrap_err().contains("RFC 3339"), "{bad}");
        }
        assert!(hour("2028-02-29T00:00:00Z").is_ok());
    }

    #[test]
    fn usd_amounts_are_exact() {
        assert_eq!(usd("2.5"), Ok(2_500_000));
        assert_eq!(usd("2.115000"), Ok(2_115_000));
        assert_eq!(usd("0.000001"), Ok(1));
        assert_eq!(usd("1250000000"), Ok(1_250_000_000_000_000));
        for bad in [
            "",
            "-1",
            "1.",
            ".5",
            "1.0000001",
            "1e3",
            "abc",
            "1,5",
            "99999999999999",
        ] {
            assert!(usd(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_with_or_without_prefix() {
        assert_eq!(id("ord-17", "ord"), Some(17));
        assert_eq!(id("17", "ord"), Some(17));
        assert_eq!(id("ctr-17", "ord"), None);
        assert_eq!(id("ord-", "ord"), None);
        assert_eq!(id("ord-99999999999999999999", "ord"), None);
    }
}
