//! Human-readable tables of the server's answers, read as the types of `megawatt-api`
//! (`--json` prints the same answers as JSON). This module holds the shared pieces:
//! tables, amounts, times, pages; its children print one kind of answer each.

mod contracts;
mod ids;
mod market;
mod money;
mod names;
mod prices;
mod webhooks;

pub use contracts::*;
pub use ids::Ids;
pub use market::*;
pub use money::*;
pub use names::{know, who, who_opt};
pub use prices::*;
pub use webhooks::*;

use megawatt_api::{Money, Page};
use serde::Serialize;

/// How answers are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Tables and lines for people.
    Table,
    /// The answer as JSON (`--json`).
    Json,
    /// Only its ids (`--quiet`).
    Quiet,
}

/// Prints an answer as `mode` says: with `print` for people.
pub fn show<T: Serialize + Ids>(mode: Mode, answer: &T, print: impl FnOnce(&T)) {
    match mode {
        Mode::Json => println!(
            "{}",
            serde_json::to_string_pretty(answer).unwrap_or_default()
        ),
        Mode::Quiet => {
            for id in answer.ids() {
                println!("{id}");
            }
        }
        Mode::Table => print(answer),
    }
}

/// Prints rows under headers, each column as wide as its widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(&headers.iter().map(|h| h.to_uppercase()).collect::<Vec<_>>());
    for r in rows {
        line(r);
    }
    if rows.is_empty() {
        println!("(none)");
    }
}

/// An optional value as text ("" when absent).
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

/// Basis points as a percentage with two places: `9875` is `98.75%`.
pub fn pct(bps: u16) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

/// Optional basis points as a percentage, `-` when absent.
pub fn pct_opt(bps: Option<u16>) -> String {
    bps.map_or("-".into(), pct)
}

/// An RFC 3339 hour, shorter but still marked UTC: `2027-01-04 09:00Z`.
pub fn t(x: &str) -> String {
    x.strip_suffix(":00:00Z")
        .map(|p| format!("{}:00Z", p.replace('T', " ")))
        .unwrap_or_else(|| x.to_string())
}

/// An amount with a dollar sign and thousands separators: `$1,250,000,000.000000`.
pub fn usd(m: &Money) -> String {
    grouped_usd(&m.usd)
}

/// An optional amount ("" when absent).
pub fn usd_opt(m: &Option<Money>) -> String {
    m.as_ref().map(usd).unwrap_or_default()
}

/// `1234.500000` as `$1,234.50`: cents, and the finer digits only where they are not
/// zero (`2.115000` is `$2.115`, `0.000001` is `$0.000001`).
fn grouped_usd(x: &str) -> String {
    if x.is_empty() {
        return String::new();
    }
    let (sign, rest) = x.strip_prefix('-').map_or(("", x), |r| ("-", r));
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let cut = frac.trim_end_matches('0').len().max(2);
    let frac = &format!("{frac:0<2}")[..cut];
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let dot = if frac.is_empty() { "" } else { "." };
    format!("{sign}${grouped}{dot}{frac}")
}

/// Hours as days where they divide evenly: `90 days (2160 h)`.
pub fn notice(hours: Option<u32>) -> String {
    match hours {
        None => "none (firm)".into(),
        Some(h) if h % 24 == 0 => format!("{} days ({h} h)", h / 24),
        Some(h) => format!("{h} h"),
    }
}

/// Where the next page of a list by id starts, if there is one.
pub fn more_after(next: &Option<String>) {
    if let Some(next) = next {
        println!("(more: --after {next})");
    }
}

/// Prints the items of a page and where the next page starts.
pub fn page<T>(p: &Page<T>, headers: &[&str], row: impl Fn(&T) -> Vec<String>) {
    let rows: Vec<Vec<String>> = p.items.iter().map(row).collect();
    table(headers, &rows);
    if let Some(next) = &p.next {
        println!("(more: --before {next})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_amounts_read_well() {
        let m = |usd: &str| Money {
            micros: 0,
            usd: usd.into(),
        };
        assert_eq!(usd(&m("1250000000.000000")), "$1,250,000,000.00");
        assert_eq!(usd(&m("2.500000")), "$2.50");
        assert_eq!(usd(&m("2.115000")), "$2.115");
        assert_eq!(usd(&m("0.000001")), "$0.000001");
        assert_eq!(usd(&m("-1234.5")), "-$1,234.50");
        assert_eq!(usd(&m("999")), "$999.00");
        assert_eq!(usd_opt(&None), "");
    }

    #[test]
    fn times_and_notice_read_well() {
        assert_eq!(t("2027-01-04T09:00:00Z"), "2027-01-04 09:00Z");
        assert_eq!(t("2027-01-04T09:30:00Z"), "2027-01-04T09:30:00Z");
        assert_eq!(notice(Some(2_160)), "90 days (2160 h)");
        assert_eq!(notice(Some(36)), "36 h");
        assert_eq!(notice(None), "none (firm)");
    }
}
