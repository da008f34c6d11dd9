//! Human-readable tables of the server's JSON answers (`--json` prints them as they
//! came).

use serde_json::Value;

/// Prints rows under headers, each column as wide as its widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        line(r.clone());
    }
    if rows.is_empty() {
        println!("(none)");
    }
}

/// A field as text ("" when absent).
pub fn s(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Null => String::new(),
        Value::String(x) => x.clone(),
        other => other.to_string(),
    }
}

/// A time without the trailing ":00:00Z" noise: `2027-01-04 09:00`.
pub fn t(v: &Value, key: &str) -> String {
    let x = s(v, key);
    x.strip_suffix(":00:00Z")
        .map(|p| format!("{}:00", p.replace('T', " ")))
        .unwrap_or(x)
}

/// A USD amount with a dollar sign.
pub fn usd(v: &Value, key: &str) -> String {
    let x = s(v, key);
    if x.is_empty() { x } else { format!("${x}") }
}

/// Prints `items` of a page and where the next page starts.
pub fn page(v: &Value, headers: &[&str], row: impl Fn(&Value) -> Vec<String>) {
    let rows: Vec<Vec<String>> = v["items"]
        .as_array()
        .map(|a| a.iter().map(&row).collect())
        .unwrap_or_default();
    table(headers, &rows);
    if let Some(next) = v["next"].as_str() {
        println!("(more: --before {next})");
    }
}

/// One order as a row.
pub fn order_row(o: &Value) -> Vec<String> {
    let what = if o["side"] == "sell" {
        s(o, "pool")
    } else {
        s(o, "model")
    };
    vec![
        s(o, "id"),
        s(o, "side"),
        what,
        s(o, "gpus"),
        t(o, "start"),
        t(o, "end"),
        usd(o, "price_usd"),
        s(o, "time_in_force"),
        s(o, "status"),
        s(o, "filled_gpu_hours"),
    ]
}

/// Headers of [`order_row`].
pub const ORDER_HEADERS: [&str; 10] = [
    "id",
    "side",
    "model/pool",
    "gpus",
    "start",
    "end",
    "price/h",
    "tif",
    "status",
    "filled gpu-h",
];

/// One trade as a row.
pub fn trade_row(x: &Value) -> Vec<String> {
    vec![
        s(x, "id"),
        s(x, "model"),
        s(x, "gpus"),
        t(x, "start"),
        t(x, "end"),
        usd(x, "price_usd"),
        usd(x, "notional_usd"),
        s(x, "buyer"),
        s(x, "seller"),
    ]
}

/// Headers of [`trade_row`].
pub const TRADE_HEADERS: [&str; 9] = [
    "id", "model", "gpus", "start", "end", "price/h", "notional", "buyer", "seller",
];

/// One contract as a row.
pub fn contract_row(c: &Value) -> Vec<String> {
    let gpus: u64 = c["lines"]
        .as_array()
        .map_or(0, |l| l.iter().filter_map(|x| x["gpus"].as_u64()).sum());
    vec![
        s(c, "id"),
        s(c, "status"),
        s(c, "buyer"),
        s(c, "seller"),
        gpus.to_string(),
        t(c, "start"),
        t(c, "end"),
        usd(c, "price_usd"),
        usd(c, "notional_usd"),
        if c["terms"]["firm"] == true {
            "firm".into()
        } else {
            "notice".into()
        },
    ]
}

/// Headers of [`contract_row`].
pub const CONTRACT_HEADERS: [&str; 10] = [
    "id", "status", "buyer", "seller", "gpus", "start", "end", "price/h", "value", "terms",
];
