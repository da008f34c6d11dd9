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
    short_time(s(v, key))
}

/// An RFC 3339 hour without the trailing ":00:00Z" noise.
fn short_time(x: String) -> String {
    x.strip_suffix(":00:00Z")
        .map(|p| format!("{}:00", p.replace('T', " ")))
        .unwrap_or(x)
}

/// A USD amount with a dollar sign and thousands separators: `$1,250,000,000.000000`.
pub fn usd(v: &Value, key: &str) -> String {
    grouped_usd(&s(v, key))
}

/// A micro-USD field, read as `$1,234.500000`.
pub fn usd_micros(v: &Value, key: &str) -> String {
    grouped_usd(&megawatt_engine::units::usd_string(
        v[key].as_i64().unwrap_or(0),
    ))
}

/// `1234.5` as `$1,234.5`.
fn grouped_usd(x: &str) -> String {
    if x.is_empty() {
        return String::new();
    }
    let (sign, rest) = x.strip_prefix('-').map_or(("", x), |r| ("-", r));
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, ""));
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
    let what = if o["contract"].is_string() {
        format!("{} line {}", s(o, "contract"), s(o, "line"))
    } else if o["side"] == "sell" {
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

/// Hours as days where they divide evenly: `90 days (2160 h)`.
fn notice(v: &Value) -> String {
    match v.as_u64() {
        None => "none (firm)".into(),
        Some(h) if h % 24 == 0 => format!("{} days ({h} h)", h / 24),
        Some(h) => format!("{h} h"),
    }
}

/// One contract in full: parties, price, dates, terms, what it is worth.
pub fn contract(c: &Value) {
    println!(
        "{}  {}  buyer {}  seller {}",
        s(c, "id"),
        s(c, "status"),
        s(c, "buyer"),
        s(c, "seller")
    );
    let price = if c["monthly_fee_usd"].is_string() {
        format!("{} per month", usd(c, "monthly_fee_usd"))
    } else {
        format!("{} per GPU-hour", usd(c, "price_usd"))
    };
    println!("  price           {price}");
    println!("  term            {} -> {}", t(c, "start"), t(c, "end"));
    if c["ends"] != c["end"] {
        println!("  ends early at   {}", t(c, "ends"));
    }
    let terms = &c["terms"];
    println!("  buyer notice    {}", notice(&terms["buyer_notice_hours"]));
    println!(
        "  seller notice   {}",
        notice(&terms["seller_notice_hours"])
    );
    println!(
        "  early-termination fee  {}",
        usd(terms, "early_termination_fee_usd")
    );
    let causes: Vec<String> = terms["for_cause"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    println!("  for cause       {}", causes.join(", "));
    println!("  payment terms   {} days", s(terms, "payment_days"));
    println!("  run-rate/year   {}", usd(c, "run_rate_per_year_usd"));
    println!("  remaining       {}", usd(c, "remaining_commitment_usd"));
    let o = &c["origin"];
    let from = [
        ("trade", "trade"),
        ("quote", "quote"),
        ("parent", "resale of"),
    ]
    .iter()
    .filter(|(k, _)| o[*k].is_string())
    .map(|(k, label)| format!("{label} {}", s(o, k)))
    .collect::<Vec<_>>()
    .join(", ");
    println!("  origin          {} ({from})", s(o, "kind"));
    if c["notice"].is_object() {
        let n = &c["notice"];
        let via = if n["via_parent"].is_string() {
            format!(" (its parent {} ends)", s(n, "via_parent"))
        } else {
            String::new()
        };
        println!(
            "  notice          by {} at {}, effective {}, fee {}{via}",
            s(n, "by"),
            t(n, "given_at"),
            t(n, "effective"),
            usd(n, "fee_usd")
        );
    }
    if c["termination"].is_object() {
        let x = &c["termination"];
        println!(
            "  terminated      for {} by {} at {}: {}",
            s(x, "cause"),
            s(x, "by"),
            t(x, "at"),
            s(x, "reason")
        );
    }
    let rows: Vec<Vec<String>> = c["lines"]
        .as_array()
        .map(|ls| {
            ls.iter()
                .map(|l| vec![s(l, "pool"), s(l, "gpus"), t(l, "start"), t(l, "end")])
                .collect()
        })
        .unwrap_or_default();
    table(&["pool", "gpus", "start", "end"], &rows);
}

/// What an RFQ asks for, in a few words.
fn wants(r: &Value) -> String {
    if let Some(kw) = r["power_kw"].as_u64() {
        let frac = format!("{:03}", kw % 1_000);
        let frac = frac.trim_end_matches('0');
        let dot = if frac.is_empty() { "" } else { "." };
        return format!("{}{dot}{frac} MW", kw / 1_000);
    }
    r["gpus"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| format!("{}={}", s(i, "model"), s(i, "gpus")))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// One RFQ.
pub fn rfq(r: &Value) {
    println!(
        "{}  {}  buyer {}",
        s(r, "id"),
        s(r, "status"),
        s(r, "buyer")
    );
    println!("  wants           {}", wants(r));
    println!("  term            {} -> {}", t(r, "start"), t(r, "end"));
    println!("  deadline        {}", t(r, "deadline"));
    let terms = &r["terms"];
    if terms["max_buyer_notice_hours"].is_u64() {
        println!(
            "  buyer may leave on at most {}",
            notice(&terms["max_buyer_notice_hours"])
        );
    }
    if let Some(days) = terms["min_payment_days"].as_u64() {
        println!("  payment terms of at least {days} days");
    }
    if let Some(q) = r["accepted_quote"].as_str() {
        println!("  accepted        {q}");
    }
}

/// One RFQ as a row.
pub fn rfq_row(r: &Value) -> Vec<String> {
    vec![
        s(r, "id"),
        s(r, "status"),
        s(r, "buyer"),
        wants(r),
        t(r, "start"),
        t(r, "end"),
        t(r, "deadline"),
    ]
}

/// Headers of [`rfq_row`].
pub const RFQ_HEADERS: [&str; 7] = ["id", "status", "buyer", "wants", "start", "end", "deadline"];

/// Quotes as a table.
pub fn quotes(v: &Value) {
    let rows: Vec<Vec<String>> = v
        .as_array()
        .map(|qs| {
            qs.iter()
                .map(|q| {
                    let gpus: u64 = q["lines"]
                        .as_array()
                        .map_or(0, |l| l.iter().filter_map(|x| x["gpus"].as_u64()).sum());
                    let price = if q["monthly_fee_usd"].is_string() {
                        format!("{}/month", usd(q, "monthly_fee_usd"))
                    } else {
                        format!("{}/GPU-h", usd(q, "price_usd"))
                    };
                    vec![
                        s(q, "id"),
                        s(q, "status"),
                        s(q, "provider"),
                        s(q, "facility"),
                        gpus.to_string(),
                        price,
                        notice(&q["terms"]["buyer_notice_hours"]),
                        t(q, "expires"),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    table(
        &[
            "quote",
            "status",
            "provider",
            "facility",
            "gpus",
            "price",
            "buyer notice",
            "expires",
        ],
        &rows,
    );
}

/// A balance.
pub fn balance(b: &Value) {
    println!(
        "{}  balance {}  credit limit {}  available {}",
        s(b, "participant"),
        usd(b, "balance_usd"),
        usd(b, "credit_limit_usd"),
        usd(b, "available_usd")
    );
    println!(
        "  open bids reserve {}  owed (payable) {}  owed to it (receivable) {}",
        usd_micros(b, "open_bids_micros"),
        usd_micros(b, "owed_micros"),
        usd_micros(b, "receivable_micros")
    );
}

/// A statement: the balance, invoices payable and receivable, and the period's
/// transfers.
pub fn statement(v: &Value) {
    balance(&v["balance"]);
    let me = &v["balance"]["participant"];
    let invoices = v["invoices"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (title, side) in [("you pay", "payer"), ("you are paid", "payee")] {
        let rows: Vec<&Value> = invoices.iter().filter(|i| &i[side] == me).collect();
        let unpaid = rows.iter().filter(|i| i["status"] != "paid").count();
        println!(
            "\nInvoices {title} (latest {}, {unpaid} unpaid):",
            rows.len()
        );
        let rows: Vec<Vec<String>> = rows.into_iter().map(invoice_row).collect();
        table(&INVOICE_HEADERS, &rows);
    }
    println!("\nTransfers:");
    page(&v["transfers"], &TRANSFER_HEADERS, transfer_row);
}

/// One transfer as a row.
pub fn transfer_row(t: &Value) -> Vec<String> {
    let ms = t["time_ms"].as_u64().unwrap_or(0);
    vec![
        s(t, "id"),
        short_time(megawatt_engine::units::Hour::containing(ms).to_string()),
        s(t, "kind"),
        s(t, "debit"),
        s(t, "credit"),
        usd(t, "amount_usd"),
        s(t, "reference"),
    ]
}

/// Headers of [`transfer_row`].
pub const TRANSFER_HEADERS: [&str; 7] = [
    "id",
    "hour",
    "kind",
    "debit",
    "credit",
    "amount",
    "reference",
];

/// One invoice as a row.
pub fn invoice_row(i: &Value) -> Vec<String> {
    vec![
        s(i, "id"),
        s(i, "contract"),
        s(i, "charge"),
        format!("{} -> {}", t(i, "period_start"), t(i, "period_end")),
        usd(i, "amount_usd"),
        s(i, "payer"),
        s(i, "payee"),
        t(i, "due"),
        s(i, "status"),
    ]
}

/// One invoice, with its lines.
pub fn invoice(i: &Value) {
    println!(
        "{}  {} of {}  {}  {}",
        s(i, "id"),
        s(i, "charge"),
        s(i, "contract"),
        usd(i, "amount_usd"),
        s(i, "status")
    );
    println!("  payer -> payee   {} -> {}", s(i, "payer"), s(i, "payee"));
    println!(
        "  period          {} -> {}",
        t(i, "period_start"),
        t(i, "period_end")
    );
    println!("  due             {}", t(i, "due"));
    let rows: Vec<Vec<String>> = i["lines"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| {
                    vec![
                        l["line"].as_u64().map_or("fee".into(), |n| n.to_string()),
                        s(l, "pool"),
                        s(l, "gpus"),
                        s(l, "gpu_hours"),
                        usd(l, "amount_usd"),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    table(&["line", "pool", "gpus", "gpu-hours", "amount"], &rows);
}

/// Headers of [`invoice_row`].
pub const INVOICE_HEADERS: [&str; 9] = [
    "id", "contract", "charge", "period", "amount", "payer", "payee", "due", "status",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn usd_amounts_read_well() {
        let v = json!({ "a": "1250000000.000000", "b": "2.500000", "c": "-1234.5", "d": "999" });
        assert_eq!(usd(&v, "a"), "$1,250,000,000.000000");
        assert_eq!(usd(&v, "b"), "$2.500000");
        assert_eq!(usd(&v, "c"), "-$1,234.5");
        assert_eq!(usd(&v, "d"), "$999");
        assert_eq!(usd(&v, "missing"), "");
    }
}
