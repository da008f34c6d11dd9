//! Tables of the market's answers: participants, keys, facilities, reservations,
//! orders, trades, the book.

use super::Mode;
use super::{opt, t, table, usd, who, who_opt};
use megawatt_api::{
    AccountEvent, BookView, FacilityView, KeyView, LevelView, MarketEvent, MeView, ModelView,
    OrderView, ParticipantView, PlacedView, ReservationView, StreamEvent, TradeView,
};

/// A participant just admitted.
pub fn participant(p: &ParticipantView) {
    println!(
        "created participant {} ({}) roles: {}",
        p.id,
        p.name,
        p.roles.join(", ")
    );
}

/// A key just made.
pub fn key(k: &KeyView) {
    println!(
        "key {} for {} (shown once), scopes {}:\n  MW_TOKEN={}",
        k.prefix,
        k.participant,
        k.scopes.join(","),
        k.key
    );
}

/// API keys, a row each.
pub fn keys(ks: &[megawatt_api::KeyInfoView]) {
    let rows: Vec<Vec<String>> = ks
        .iter()
        .map(|k| {
            vec![
                k.prefix.clone(),
                k.participant.clone(),
                k.scopes.join(","),
                super::t(&k.created),
                k.revoked.as_deref().map_or("-".into(), super::t),
            ]
        })
        .collect();
    super::table(
        &["prefix", "participant", "scopes", "created", "revoked"],
        &rows,
    );
}

/// A reservation just made.
pub fn reservation(r: &ReservationView) {
    println!(
        "reserved {}: {} GPUs of {} from {} to {}",
        r.id,
        r.gpus,
        r.pool,
        t(&r.start),
        t(&r.end)
    );
}

/// One facility with its pools.
pub fn facility(f: &FacilityView) {
    println!(
        "{} {} ({}), owner {}, {} kW",
        f.id,
        f.name,
        f.region,
        who(&f.owner),
        f.power_kw
    );
    println!(
        "  reliability (30 days) {}",
        reliability(&f.reliability_30d)
    );
    let rows: Vec<Vec<String>> = f
        .pools
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                p.model.clone(),
                p.gpus.to_string(),
                opt(&p.peak_used_gpus_30d),
            ]
        })
        .collect();
    table(&["pool", "model", "gpus", "peak used (30d)"], &rows);
}

/// Facilities, one per row.
pub fn facilities(fs: &[FacilityView]) {
    let rows: Vec<Vec<String>> = fs
        .iter()
        .map(|f| {
            let pools: Vec<String> = f
                .pools
                .iter()
                .map(|p| format!("{} {}={}", p.id, p.model, p.gpus))
                .collect();
            vec![
                f.id.clone(),
                f.name.clone(),
                f.region.clone(),
                who(&f.owner),
                f.power_kw.to_string(),
                super::pct_opt(f.reliability_30d.reliability_bps),
                pools.join(", "),
            ]
        })
        .collect();
    table(
        &[
            "id",
            "name",
            "region",
            "owner",
            "power kw",
            "reliability 30d",
            "pools",
        ],
        &rows,
    );
}

/// An order just placed, and the trades it made.
pub fn placed(v: &PlacedView) {
    let o = &v.order;
    println!(
        "{} {} {} GPUs {} -> {} at {}: {}",
        o.id,
        o.side,
        o.gpus,
        t(&o.start),
        t(&o.end),
        usd(&o.price),
        o.status
    );
    if !v.trades.is_empty() {
        let trades: Vec<Vec<String>> = v.trades.iter().map(trade_row).collect();
        table(&TRADE_HEADERS, &trades);
    }
    for c in &v.contracts {
        let gpus: u64 = c.lines.iter().map(|l| u64::from(l.gpus)).sum();
        println!(
            "contract {}: {gpus} GPUs from {} to {}, {} from {}",
            c.id,
            t(&c.start),
            t(&c.end),
            super::usd_opt(&c.notional),
            who(&c.seller)
        );
    }
    for x in &v.transfers {
        println!(
            "  {} {}: {} -> {} ({})",
            x.kind,
            usd(&x.amount),
            who(&x.debit),
            who(&x.credit),
            x.reference
        );
    }
}

/// An order just cancelled.
pub fn cancelled(o: &OrderView) {
    println!("cancelled {}", o.id);
}

/// The book of a model: asks, then bids.
pub fn book(v: &BookView) {
    let level = |l: &LevelView| {
        vec![
            usd(&l.price),
            l.gpus.to_string(),
            t(&l.start),
            t(&l.end),
            l.orders.to_string(),
        ]
    };
    let headers = ["price/h", "gpus", "start", "end", "orders"];
    println!("{} asks (cheapest first)", v.model);
    table(&headers, &v.asks.iter().map(level).collect::<Vec<_>>());
    println!("\n{} bids (highest first)", v.model);
    table(&headers, &v.bids.iter().map(level).collect::<Vec<_>>());
    if !v.facilities.is_empty() {
        println!("\nfacilities of the asks: reliability over the last 30 days");
        let rows: Vec<Vec<String>> = v
            .facilities
            .iter()
            .map(|f| {
                vec![
                    f.facility.clone(),
                    who(&f.provider),
                    reliability(&f.reliability_30d),
                ]
            })
            .collect();
        table(&["facility", "provider", "reliability"], &rows);
    }
}

/// Candles, a row each.
pub fn candles(v: &megawatt_api::CandlesView) {
    println!(
        "{} candles by {} of {}, {} to {}",
        v.model,
        v.interval,
        v.by,
        t(&v.from),
        t(&v.to)
    );
    let rows: Vec<Vec<String>> = v
        .candles
        .iter()
        .map(|c| {
            vec![
                t(&c.start),
                usd(&c.open),
                usd(&c.high),
                usd(&c.low),
                usd(&c.close),
                c.gpu_hours.to_string(),
                c.prints.to_string(),
            ]
        })
        .collect();
    let headers = [
        "start",
        "open",
        "high",
        "low",
        "close",
        "gpu-hours",
        "prints",
    ];
    table(&headers, &rows);
}

/// The book by delivery period: a table per side, a row per period and price.
pub fn depth(v: &megawatt_api::DepthView) {
    let level = |l: &megawatt_api::DepthLevelView| {
        vec![
            t(&l.period_start),
            usd(&l.price),
            l.gpus.to_string(),
            l.gpu_hours.to_string(),
            l.orders.to_string(),
        ]
    };
    let headers = [v.by.as_str(), "price/h", "gpus", "gpu-hours", "orders"];
    println!("{} asks by {} of delivery (cheapest first)", v.model, v.by);
    table(&headers, &v.asks.iter().map(level).collect::<Vec<_>>());
    println!("\n{} bids by {} of delivery (highest first)", v.model, v.by);
    table(&headers, &v.bids.iter().map(level).collect::<Vec<_>>());
}

/// Reliability in words: `99.50% of 1440 GPU-hours reported`, or `no reports`.
fn reliability(r: &megawatt_api::ReliabilityView) -> String {
    match r.reliability_bps {
        Some(b) => format!(
            "{} of {} GPU-hours reported",
            super::pct(b),
            r.reported_gpu_hours
        ),
        None => "no reports".into(),
    }
}

/// One order as a row.
pub fn order_row(o: &OrderView) -> Vec<String> {
    let what = match (&o.contract, &o.pool) {
        (Some(c), _) => format!("{c} line {}", opt(&o.line)),
        (None, Some(p)) if o.side == "sell" => p.clone(),
        _ => o.model.clone(),
    };
    vec![
        o.id.clone(),
        o.side.clone(),
        what,
        o.gpus.to_string(),
        t(&o.start),
        t(&o.end),
        usd(&o.price),
        o.time_in_force.clone(),
        o.status.clone(),
        o.filled_gpu_hours.to_string(),
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
pub fn trade_row(x: &TradeView) -> Vec<String> {
    vec![
        x.id.clone(),
        x.model.clone(),
        x.region.clone(),
        x.gpus.to_string(),
        t(&x.start),
        t(&x.end),
        usd(&x.price),
        usd(&x.notional),
        who_opt(&x.buyer),
        who_opt(&x.seller),
    ]
}

/// A page of trades: with the parties' columns when the trades are yours (the public
/// tape has no parties, so no empty columns for them).
pub fn trades(p: &megawatt_api::Page<TradeView>) {
    if p.items.iter().any(|t| t.buyer.is_some()) {
        super::page(p, &TRADE_HEADERS, trade_row);
    } else {
        let public = TRADE_HEADERS.len() - 2;
        super::page(p, &TRADE_HEADERS[..public], |t| {
            let mut row = trade_row(t);
            row.truncate(public);
            row
        });
    }
}

/// Headers of [`trade_row`].
pub const TRADE_HEADERS: [&str; 10] = [
    "id", "model", "region", "gpus", "start", "end", "price/h", "notional", "buyer", "seller",
];

/// The directory.
pub fn participants(ps: &[ParticipantView]) {
    let rows: Vec<Vec<String>> = ps
        .iter()
        .map(|p| vec![p.id.clone(), p.name.clone(), p.roles.join(", ")])
        .collect();
    table(&["id", "name", "roles"], &rows);
}

/// The catalog's models.
pub fn models(ms: &[ModelView]) {
    let rows: Vec<Vec<String>> = ms
        .iter()
        .map(|m| vec![m.id.clone(), m.name.clone(), m.watts_per_gpu.to_string()])
        .collect();
    table(&["model", "name", "watts per gpu"], &rows);
}

/// Who the caller is.
pub fn me(m: &MeView) {
    let p = &m.participant;
    println!("{} ({}), roles: {}", p.name, p.id, p.roles.join(", "));
}

/// One order in full.
pub fn order(o: &OrderView) {
    table(&ORDER_HEADERS, &[order_row(o)]);
    if let Some(g) = &o.good_till {
        println!("good till {}", t(g));
    }
}

/// Reservations, one per row.
pub fn reservations(rs: &[ReservationView]) {
    let rows: Vec<Vec<String>> = rs
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.pool.clone(),
                r.gpus.to_string(),
                t(&r.start),
                t(&r.end),
            ]
        })
        .collect();
    table(&["id", "pool", "gpus", "start", "end"], &rows);
}

/// One event of the stream, as `mode` says: a line for people (after its id), a JSON
/// line, or the id of what it is about (`ord-17`, `trd-4`, `ctr-9`).
pub fn event(mode: Mode, id: &str, e: &StreamEvent) {
    let line = match e {
        StreamEvent::Market(m) => market_event(mode, m),
        StreamEvent::Account(a) => account_event(mode, a),
    };
    match mode {
        Mode::Table => println!("{id:<10} {line}"),
        _ => println!("{line}"),
    }
}

/// One of your account events as a line (or its subject's id, or JSON).
fn account_event(mode: Mode, e: &AccountEvent) -> String {
    use AccountEvent as A;
    let (subject, text) = match e {
        A::Fill {
            trade,
            order,
            side,
            contract,
            model,
            gpus,
            start,
            end,
            price,
        } => (
            trade,
            format!(
                "your {order} ({side}) filled: {model} {gpus} GPUs {} -> {} at {}, {contract}",
                t(start),
                t(end),
                usd(price)
            ),
        ),
        A::ContractPending {
            contract,
            role,
            start,
            end,
        } => (
            contract,
            format!(
                "{contract} made (you are the {role}): {} -> {}",
                t(start),
                t(end)
            ),
        ),
        A::ContractStarted { contract, role } => {
            (contract, format!("{contract} started (you are the {role})"))
        }
        A::ContractEndingSoon { contract, ends, .. } => {
            (contract, format!("{contract} ends {}", t(ends)))
        }
        A::ContractEnded { contract, how, .. } => (contract, format!("{contract} ended: {how}")),
        A::ContractNotice {
            contract,
            by,
            effective,
            fee,
            ..
        } => (
            contract,
            format!(
                "notice on {contract} by {by}: ends {}, fee {}",
                t(effective),
                usd(fee)
            ),
        ),
        A::ContractTermination {
            contract,
            by,
            cause,
            effective,
            ..
        } => (
            contract,
            format!(
                "{contract} terminated for {cause} by {by}: ends {}",
                t(effective)
            ),
        ),
        A::InvoiceIssued {
            invoice,
            role,
            amount,
            due,
            ..
        } => (
            invoice,
            format!("{invoice} issued ({role}): {} due {}", usd(amount), t(due)),
        ),
        A::InvoiceOverdue { invoice, role } => (invoice, format!("{invoice} overdue ({role})")),
        A::InvoicePaid { invoice, role } => (invoice, format!("{invoice} paid ({role})")),
        A::QuoteReceived {
            rfq,
            quote,
            expires,
        } => (
            quote,
            format!("{quote} received on your {rfq}, expires {}", t(expires)),
        ),
        A::RfqAwarded {
            rfq,
            quote,
            contract,
        } => (
            contract,
            format!("{rfq} awarded to your {quote}: {contract}"),
        ),
    };
    match mode {
        Mode::Json => serde_json::to_string(e).unwrap_or_default(),
        Mode::Quiet => subject.clone(),
        _ => format!("{:<20} {text}", e.kind()),
    }
}

/// A public market event as a line (or its id, or JSON).
fn market_event(mode: Mode, e: &MarketEvent) -> String {
    match (mode, e) {
        (Mode::Json, e) => serde_json::to_string(e).unwrap_or_default(),
        (Mode::Quiet, MarketEvent::Trade { id, .. })
        | (Mode::Quiet, MarketEvent::Order { id, .. })
        | (Mode::Quiet, MarketEvent::Closed { id, .. }) => id.clone(),
        (
            _,
            MarketEvent::Trade {
                id,
                model,
                region,
                gpus,
                start,
                end,
                price,
                aggressor,
                ..
            },
        ) => format!(
            "trade  {id} {model} {region} {gpus} GPUs {} -> {} at {} ({aggressor} came in)",
            t(start),
            t(end),
            usd(price)
        ),
        (
            _,
            MarketEvent::Order {
                id,
                side,
                model,
                gpus,
                start,
                end,
                price,
                ..
            },
        ) => format!(
            "order  {id} {side} {model} {gpus} GPUs {} -> {} at {}",
            t(start),
            t(end),
            usd(price)
        ),
        (_, MarketEvent::Closed { id, reason, .. }) => format!("closed {id}: {reason}"),
        (mode, e) => super::price_event(mode, e),
    }
}
