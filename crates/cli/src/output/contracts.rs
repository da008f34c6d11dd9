//! Tables of term deals: contracts with their terms and money, RFQs, quotes.

use super::{notice, t, table, usd, usd_opt, who};
use megawatt_api::{ContractView, LineView, PricingView, QuoteView, RfqView};
use serde::Serialize;

/// The price of a contract or quote: per GPU-hour, or per month.
fn price(p: &PricingView) -> String {
    match (&p.price, &p.monthly_fee) {
        (_, Some(fee)) => format!("{} per month", usd(fee)),
        (Some(p), None) => format!("{} per GPU-hour", usd(p)),
        (None, None) => String::new(),
    }
}

/// GPUs over all lines.
fn gpus(lines: &[LineView]) -> u64 {
    lines.iter().map(|l| u64::from(l.gpus)).sum()
}

/// One contract as a row.
pub fn contract_row(c: &ContractView) -> Vec<String> {
    vec![
        c.id.clone(),
        c.status.clone(),
        who(&c.buyer),
        who(&c.seller),
        gpus(&c.lines).to_string(),
        t(&c.start),
        t(&c.end),
        usd_opt(&c.pricing.price),
        usd_opt(&c.notional),
        if c.terms.firm { "firm" } else { "notice" }.into(),
    ]
}

/// Headers of [`contract_row`].
pub const CONTRACT_HEADERS: [&str; 10] = [
    "id", "status", "buyer", "seller", "gpus", "start", "end", "price/h", "value", "terms",
];

/// One contract in full: parties, price, dates, terms, what it is worth.
pub fn contract(c: &ContractView) {
    println!(
        "{}  {}  buyer {}  seller {}",
        c.id,
        c.status,
        who(&c.buyer),
        who(&c.seller)
    );
    println!("  price           {}", price(&c.pricing));
    println!("  term            {} -> {}", t(&c.start), t(&c.end));
    if c.ends != c.end {
        println!("  ends early at   {}", t(&c.ends));
    }
    let terms = &c.terms;
    println!("  buyer notice    {}", notice(terms.buyer_notice_hours));
    println!("  seller notice   {}", notice(terms.seller_notice_hours));
    println!(
        "  early-termination fee  {}",
        usd(&terms.early_termination_fee)
    );
    println!("  for cause       {}", terms.for_cause.join(", "));
    println!("  payment terms   {} days", terms.payment_days);
    println!("  delivery        {}", delivery(&c.delivery));
    println!("  run-rate/year   {}", usd_opt(&c.run_rate_per_year));
    println!("  remaining       {}", usd_opt(&c.remaining_commitment));
    let o = &c.origin;
    let from = [
        ("trade", &o.trade),
        ("quote", &o.quote),
        ("resale of", &o.parent),
    ]
    .iter()
    .filter_map(|(label, id)| id.as_ref().map(|id| format!("{label} {id}")))
    .collect::<Vec<_>>()
    .join(", ");
    println!("  origin          {} ({from})", o.kind);
    if let Some(n) = &c.notice {
        let via = n
            .via_parent
            .as_ref()
            .map_or(String::new(), |p| format!(" (its parent {p} ends)"));
        println!(
            "  notice          by {} at {}, effective {}, fee {}{via}",
            who(&n.by),
            t(&n.given_at),
            t(&n.effective),
            usd(&n.fee)
        );
    }
    if let Some(x) = &c.termination {
        println!(
            "  terminated      for {} by {} at {}: {}",
            x.cause,
            who(&x.by),
            t(&x.at),
            x.reason
        );
    }
    let rows: Vec<Vec<String>> = c
        .lines
        .iter()
        .map(|l| vec![l.pool.clone(), l.gpus.to_string(), t(&l.start), t(&l.end)])
        .collect();
    table(&["pool", "gpus", "start", "end"], &rows);
}

/// What an RFQ asks for, in a few words.
fn wants(r: &RfqView) -> String {
    if let Some(kw) = r.power_kw {
        let frac = format!("{:03}", kw % 1_000);
        let frac = frac.trim_end_matches('0');
        let dot = if frac.is_empty() { "" } else { "." };
        return format!("{}{dot}{frac} MW", kw / 1_000);
    }
    r.gpus
        .iter()
        .map(|i| format!("{}={}", i.model, i.gpus))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One RFQ.
pub fn rfq(r: &RfqView) {
    println!("{}  {}  buyer {}", r.id, r.status, who(&r.buyer));
    println!("  wants           {}", wants(r));
    println!("  term            {} -> {}", t(&r.start), t(&r.end));
    println!("  deadline        {}", t(&r.deadline));
    let terms = &r.terms;
    if terms.max_buyer_notice_hours.is_some() {
        println!(
            "  buyer may leave on at most {}",
            notice(terms.max_buyer_notice_hours)
        );
    }
    if let Some(days) = terms.min_payment_days {
        println!("  payment terms of at least {days} days");
    }
    if let Some(q) = &r.accepted_quote {
        println!("  accepted        {q}");
    }
}

/// One RFQ as a row.
pub fn rfq_row(r: &RfqView) -> Vec<String> {
    vec![
        r.id.clone(),
        r.status.clone(),
        who(&r.buyer),
        wants(r),
        t(&r.start),
        t(&r.end),
        t(&r.deadline),
    ]
}

/// Headers of [`rfq_row`].
pub const RFQ_HEADERS: [&str; 7] = ["id", "status", "buyer", "wants", "start", "end", "deadline"];

/// Quotes as a table.
pub fn quotes(qs: &[QuoteView]) {
    let rows: Vec<Vec<String>> = qs
        .iter()
        .map(|q| {
            let price = match (&q.pricing.price, &q.pricing.monthly_fee) {
                (_, Some(fee)) => format!("{}/month", usd(fee)),
                (p, None) => format!("{}/GPU-h", usd_opt(p)),
            };
            vec![
                q.id.clone(),
                q.status.clone(),
                who(&q.provider),
                q.facility.clone(),
                gpus(&q.lines).to_string(),
                price,
                notice(q.terms.buyer_notice_hours),
                t(&q.expires),
            ]
        })
        .collect();
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

/// One quote just submitted or withdrawn.
pub fn quote(q: &QuoteView) {
    quotes(std::slice::from_ref(q));
    println!("delivery: {}", delivery(&q.delivery));
}

/// An RFQ and the quotes on it the caller may see (two answers, shown as one).
#[derive(Serialize)]
pub struct RfqAndQuotes {
    /// The RFQ.
    pub rfq: RfqView,
    /// Its quotes.
    pub quotes: Vec<QuoteView>,
}

/// An RFQ and its quotes.
pub fn rfq_and_quotes(v: &RfqAndQuotes) {
    rfq(&v.rfq);
    println!();
    quotes(&v.quotes);
}

/// A contract's usage reports, hour by hour.
pub fn contract_usage(u: &megawatt_api::ContractUsage) {
    println!(
        "{}: usage from {} to {}",
        u.contract,
        super::t(&u.from),
        super::t(&u.to)
    );
    let rows: Vec<Vec<String>> = u
        .items
        .iter()
        .map(|r| {
            vec![
                super::t(&r.hour),
                r.line.to_string(),
                r.side.clone(),
                r.gpus.to_string(),
                super::opt(&r.energy_wh),
            ]
        })
        .collect();
    super::table(&["hour", "line", "side", "gpus", "energy_wh"], &rows);
}

/// A utilization view: a row per day or month, and what the figures mean.
pub fn utilization(u: &megawatt_api::UtilizationView) {
    println!(
        "utilization as {}, by {}, {} to {}",
        u.side,
        u.by,
        super::t(&u.from),
        super::t(&u.to)
    );
    let rows: Vec<Vec<String>> = u
        .rows
        .iter()
        .map(|r| {
            vec![
                super::t(&r.start),
                r.contracted_gpu_hours.to_string(),
                r.delivered_gpu_hours.to_string(),
                r.unreported_gpu_hours.to_string(),
                super::pct_opt(r.availability_bps),
                r.used_gpu_hours.to_string(),
                r.idle_gpu_hours.to_string(),
                super::pct_opt(r.utilization_bps),
                super::opt(&r.wh_per_gpu_hour),
                r.credits.as_ref().map_or("-".into(), super::usd),
            ]
        })
        .collect();
    super::table(
        &[
            "from",
            "contracted",
            "delivered",
            "unreported",
            "avail",
            "used",
            "idle",
            "util",
            "Wh/GPU-h",
            "credits",
        ],
        &rows,
    );
    println!("{}", u.note);
}

/// When months close, in a line.
pub fn month_close(v: &megawatt_api::MonthCloseView) {
    println!(
        "months close {} h after their end: reports are taken from {}; that month closes at {}",
        v.grace_hours,
        t(&v.open_from),
        t(&v.closes_at)
    );
}

/// The delivery terms of new fills, in a line.
pub fn delivery_terms(d: &megawatt_api::DeliveryTermsView) {
    println!("delivery terms of new fills: {}", delivery(d));
}

/// Delivery terms in a line: `credits below 99.00%: pro-rata, 10.00% below 99.00%; …`.
fn delivery(d: &megawatt_api::DeliveryTermsView) -> String {
    let pct = super::pct;
    let mut rules = Vec::new();
    if d.pro_rata {
        rules.push("pro-rata".to_string());
    }
    for t in &d.tiers {
        rules.push(format!("{} below {}", pct(t.credit_bps), pct(t.below_bps)));
    }
    if d.availability_target_bps == 0 || rules.is_empty() {
        return "no credits".into();
    }
    let unreported = if d.unreported == "not_delivered" {
        "unreported hours count as not delivered"
    } else {
        "unreported hours count as delivered"
    };
    format!(
        "credits below {}: {}; {unreported}",
        pct(d.availability_target_bps),
        rules.join(", ")
    )
}
