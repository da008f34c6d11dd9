//! The usage benchmark. In the engine: 100,000 exchange fills of 1 to 8 H100 over one
//! whole 31-day month, and the month of hourly delivery reports of every line (74.4 M
//! records, in batches of 10,000; a tenth of the lines with a four-hour outage of half
//! their GPUs), timed batch by batch; the engine's memory for them (the growth of the
//! resident set while they are applied, and their share of a snapshot); then the month close that credits the
//! shortfalls (ticked on copies of the state, so the close is timed several times). The
//! same again with 100,000 term leases (RFQ, quote, accepted; per GPU-hour, pro-rata
//! delivery terms) in place of the fills, whose month close bills each lease and puts
//! the tenth's credits on their invoices: that close is `month_close_ms_p50`.
//! Over HTTP: the real server on SQLite, a manual clock, 1,000 fills, and their hourly
//! delivery reports pushed as `POST /v1/usage` batches of 10,000 records by 4
//! connections, each durable before its answer.

use crate::http_bench::Conn;
use crate::memory;
use crate::rng::Rng;
use crate::stats::per_mille;
use megawatt_engine::command::{
    AskSpec, BidSpec, Command, Envelope, PoolSpec, QuoteLineSpec, QuoteSpec, RfqSpec, RfqWants,
};
use megawatt_engine::contract::{Pricing, Terms};
use megawatt_engine::delivery::DeliveryTerms;
use megawatt_engine::entities::Roles;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ContractId, ParticipantId};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::{Hour, Window, days_from_civil};
use megawatt_engine::usage::UsageRecord;
use megawatt_engine::{Engine, OPERATOR};
use std::time::{Duration, Instant};

/// Contract lines reported on in the engine.
const LINES: usize = 100_000;
/// Records per report.
const BATCH: usize = 10_000;
/// Copies of the state whose month close is timed.
const CLOSES: usize = 5;
/// Fills made over HTTP.
const HTTP_CONTRACTS: usize = 1_000;
/// Hours of each HTTP fill reported.
const HTTP_HOURS: u32 = 600;
/// Connections pushing reports over HTTP.
const HTTP_CONNECTIONS: usize = 4;
/// $2.00 per GPU-hour.
const PRICE: i64 = 2_000_000;

fn apply(e: &mut Engine, time_ms: u64, actor: ParticipantId, command: Command) -> Vec<Event> {
    let mut events = Vec::new();
    let env = Envelope {
        time_ms,
        actor,
        command,
    };
    e.apply(&env, &mut events).expect("accepted");
    events
}

fn admit(e: &mut Engine, t: u64, name: String, provider: bool) -> ParticipantId {
    let roles = Roles {
        provider,
        buyer: !provider,
        ..Roles::default()
    };
    match &apply(e, t, OPERATOR, Command::CreateParticipant { name, roles })[0] {
        Event::ParticipantCreated(p) => p.id,
        _ => unreachable!(),
    }
}

/// January 2027: 744 hours.
fn month() -> Window {
    let start = Hour(u32::try_from(days_from_civil(2027, 1, 1) * 24).expect("fits"));
    Window {
        start,
        end: start.next_month_start(),
    }
}

/// The contracts of a benchmark market.
#[derive(Clone, Copy, PartialEq)]
enum Deals {
    /// Exchange fills, paid at the trade.
    Fills,
    /// Term leases, billed at the month close.
    Leases,
}

/// A market of `LINES` fills or leases over the whole month: (engine, seller,
/// contracts with their GPUs).
fn market(rng: &mut Rng, deals: Deals) -> (Engine, ParticipantId, Vec<(ContractId, u32)>) {
    let m = month();
    let t = Hour(m.start.0 - 48).start_ms() + 1;
    let mut e = Engine::new();
    // The exchange's clock, as a server ticks it: the close closes one month, not
    // every month since the epoch.
    let now = Hour::containing(t);
    apply(&mut e, t, OPERATOR, Command::Tick { hour: now });
    let seller = admit(&mut e, t, "neocloud".into(), true);
    let buyers: Vec<ParticipantId> = (0..100)
        .map(|i| admit(&mut e, t, format!("lab-{i}"), false))
        .collect();
    for &b in &buyers {
        let funds = Command::Deposit {
            participant: b,
            amount_micros: 90_000_000_000_000,
            reference: "funds".into(),
        };
        apply(&mut e, t, OPERATOR, funds);
    }
    let pools = vec![PoolSpec {
        model: "h100-sxm".into(),
        gpus: 1_000_000,
    }];
    let facility = Command::CreateFacility {
        name: "site".into(),
        region: "us-south".into(),
        power_kw: 100_000_000,
        pools,
    };
    let pool = match &apply(&mut e, t, seller, facility)[0] {
        Event::FacilityCreated(f) => f.pools[0],
        _ => unreachable!(),
    };
    let mut contracts = Vec::with_capacity(LINES);
    for i in 0..LINES {
        let gpus = 1 + rng.below(8) as u32;
        let buyer = buyers[i % buyers.len()];
        if deals == Deals::Leases {
            contracts.push((lease(&mut e, t, (seller, buyer), (pool, gpus)), gpus));
            continue;
        }
        let ask = AskSpec {
            source: AskSource::Pool(pool),
            gpus,
            window: m,
            price_micros: PRICE,
            tif: TimeInForce::Gtc,
            min_fill_gpus: 1,
        };
        apply(&mut e, t, seller, Command::PlaceAsk(ask));
        let bid = BidSpec {
            model: "h100-sxm".into(),
            region: None,
            facility: None,
            gpus,
            window: m,
            limit_price_micros: PRICE,
            colocate: true,
            partial: false,
            tif: TimeInForce::Ioc,
            min_reliability_bps: 0,
        };
        let ev = apply(&mut e, t, buyer, Command::PlaceBid(bid));
        let c = ev
            .iter()
            .find_map(|x| match x {
                Event::ContractCreated(c) => Some(c.id),
                _ => None,
            })
            .expect("filled");
        contracts.push((c, gpus));
    }
    (e, seller, contracts)
}

/// A lease of `gpus` of `pool` over the month from `seller` to `buyer` at `PRICE` a
/// GPU-hour, every undelivered GPU-hour credited: an RFQ, a quote, accepted.
fn lease(
    e: &mut Engine,
    t: u64,
    (seller, buyer): (ParticipantId, ParticipantId),
    (pool, gpus): (megawatt_engine::ids::PoolId, u32),
) -> ContractId {
    let m = month();
    let rfq = RfqSpec {
        wants: RfqWants::Gpus(vec![("h100-sxm".into(), gpus)]),
        window: m,
        region: None,
        facility: None,
        terms: Default::default(),
        deadline: Hour(m.start.0 - 1),
        invited: Vec::new(),
    };
    let rfq = match &apply(e, t, buyer, Command::CreateRfq(rfq))[0] {
        Event::RfqCreated(r) => r.id,
        _ => unreachable!(),
    };
    let quote = QuoteSpec {
        rfq,
        lines: vec![QuoteLineSpec { pool, gpus }],
        pricing: Pricing::PerGpuHour {
            price_micros: PRICE,
        },
        terms: Terms::exchange(),
        expires: Hour(m.start.0 - 1),
        delivery: DeliveryTerms::exchange(),
    };
    let quote = match &apply(e, t, seller, Command::SubmitQuote(quote))[0] {
        Event::QuoteSubmitted(q) => q.id,
        _ => unreachable!(),
    };
    apply(e, t, buyer, Command::AcceptQuote { quote })
        .iter()
        .find_map(|x| match x {
            Event::ContractCreated(c) => Some(c.id),
            _ => None,
        })
        .expect("accepted")
}

/// Delivered GPUs of a line in hour `h` of the month: a tenth of the lines lose half
/// their GPUs for hours 100..104.
fn delivered(i: usize, gpus: u32, h: u32) -> u32 {
    if i.is_multiple_of(10) && (100..104).contains(&h) {
        gpus / 2
    } else {
        gpus
    }
}

/// What the engine part measures.
struct EngineFigures {
    records: u64,
    records_per_sec: f64,
    bytes_per_line_month: f64,
    snapshot_bytes_per_line_month: f64,
    close_ms: Vec<u64>,
    credits: usize,
}

fn engine_part(seed: u64, deals: Deals) -> EngineFigures {
    let mut rng = Rng::new(seed);
    let (mut e, seller, contracts) = market(&mut rng, deals);
    let m = month();
    // Every hour of the month has ended; the month is not closed (no tick yet).
    let t = m.end.start_ms() + 1;
    let hours = m.end.0 - m.start.0;
    let (before, snap_before) = (memory::resident_bytes(), e.snapshot().len());
    let (mut applied, mut busy) = (0u64, Duration::ZERO);
    let mut batch = Vec::with_capacity(BATCH);
    let mut events = Vec::new();
    for (i, &(contract, gpus)) in contracts.iter().enumerate() {
        for h in 0..hours {
            batch.push(UsageRecord {
                contract,
                line: 0,
                hour: Hour(m.start.0 + h),
                gpus: delivered(i, gpus, h),
                energy_wh: None,
            });
            if batch.len() == BATCH || (i + 1 == contracts.len() && h + 1 == hours) {
                let records = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                applied += records.len() as u64;
                let env = Envelope {
                    time_ms: t,
                    actor: seller,
                    command: Command::ReportUsage { records },
                };
                events.clear();
                let t0 = Instant::now();
                e.apply(&env, &mut events).expect("reports accepted");
                busy += t0.elapsed();
            }
        }
    }
    let bytes = memory::resident_bytes().saturating_sub(before);
    let snapshot_bytes = e.snapshot().len().saturating_sub(snap_before);
    let mut close_ms = Vec::new();
    let mut credits = 0;
    for _ in 0..CLOSES {
        let mut copy = e.clone();
        let env = Envelope {
            time_ms: t,
            actor: OPERATOR,
            command: Command::Tick { hour: m.end },
        };
        events.clear();
        let t0 = Instant::now();
        copy.apply(&env, &mut events).expect("tick");
        close_ms.push(t0.elapsed().as_micros() as u64);
        credits = events
            .iter()
            .filter(|x| matches!(x, Event::DeliveryCredited { .. }))
            .count();
        assert_eq!(credits, LINES / 10, "a tenth of the lines are credited");
    }
    close_ms.sort_unstable();
    EngineFigures {
        records: applied,
        records_per_sec: applied as f64 / busy.as_secs_f64(),
        bytes_per_line_month: bytes as f64 / LINES as f64,
        snapshot_bytes_per_line_month: snapshot_bytes as f64 / LINES as f64,
        close_ms,
        credits,
    }
}

/// The HTTP part: (records, records per second, p50 and p99 ms per batch).
fn http_part() -> (u64, f64, f64, f64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = crate::http_bench::config(dir.path(), true);
        let running = megawatt_server::start(config).await.expect("server starts");
        let addr = running.addr;
        let operator = running
            .first_start
            .operator_key
            .clone()
            .expect("operator key");
        let (seller, contracts, start) = http_market(addr, &operator).await;
        // The reports: every hour of every contract, split over the connections.
        let mut bodies: Vec<Vec<String>> = vec![Vec::new(); HTTP_CONNECTIONS];
        let mut records = Vec::with_capacity(BATCH);
        let mut n = 0;
        for c in &contracts {
            for h in 0..HTTP_HOURS {
                let hour = Hour(start.0 + h).to_string();
                records.push(format!(r#"{{"contract":"{c}","hour":"{hour}","gpus":8}}"#));
                if records.len() == BATCH {
                    bodies[n % HTTP_CONNECTIONS]
                        .push(format!(r#"{{"records":[{}]}}"#, records.join(",")));
                    records.clear();
                    n += 1;
                }
            }
        }
        let t0 = Instant::now();
        let tasks: Vec<_> = bodies
            .into_iter()
            .map(|mine| {
                let seller = seller.clone();
                tokio::spawn(async move {
                    let mut c = Conn::open(addr).await;
                    let mut lat = Vec::new();
                    for body in mine {
                        let t = Instant::now();
                        let (status, answer) = c
                            .call("POST", "/v1/usage", Some(&seller), Some(&body))
                            .await;
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
                        lat.push(t.elapsed().as_micros() as u64);
                    }
                    lat
                })
            })
            .collect();
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await.expect("pusher"));
        }
        let secs = t0.elapsed().as_secs_f64();
        lat.sort_unstable();
        running.shutdown().await.expect("clean shutdown");
        let records = (lat.len() * BATCH) as u64;
        (
            records,
            records as f64 / secs,
            per_mille(&lat, 500) as f64 / 1000.0,
            per_mille(&lat, 990) as f64 / 1000.0,
        )
    })
}

/// The HTTP market: a seller, `HTTP_CONTRACTS` fills of 8 GPUs over `HTTP_HOURS` hours
/// from the next month's start, and the clock ticked to their last hour's end.
async fn http_market(addr: std::net::SocketAddr, operator: &str) -> (String, Vec<String>, Hour) {
    let mut c = Conn::open(addr).await;
    let (seller, buyer) = (
        crate::http_bench::participant(&mut c, operator, "seller", "provider").await,
        crate::http_bench::participant(&mut c, operator, "buyer", "buyer").await,
    );
    let deposit =
        serde_json::json!({ "participant": buyer.0, "amount": "1000000000", "reference": "funds" });
    c.call(
        "POST",
        "/v1/admin/deposits",
        Some(operator),
        Some(&deposit.to_string()),
    )
    .await;
    let f = serde_json::json!({ "name": "site", "region": "us-east", "power_kw": 100_000_000,
        "pools": [{ "model": "h100-sxm", "gpus": 1_000_000 }] });
    let (_, body) = c
        .call(
            "POST",
            "/v1/facilities",
            Some(&seller.1),
            Some(&f.to_string()),
        )
        .await;
    let pool = serde_json::from_slice::<serde_json::Value>(&body).expect("json")["pools"][0]["id"]
        .as_str()
        .expect("pool")
        .to_string();
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let start = now.next_month_start();
    let order = |side: &str| {
        let mut o = serde_json::json!({ "gpus": 8, "start": start.to_string(), "hours": HTTP_HOURS, "price": "2.00", "side": side });
        if side == "sell" {
            o["pool"] = serde_json::json!(pool);
        } else {
            o["model"] = serde_json::json!("h100-sxm");
        }
        o.to_string()
    };
    let mut contracts = Vec::with_capacity(HTTP_CONTRACTS);
    for _ in 0..HTTP_CONTRACTS {
        c.call("POST", "/v1/orders", Some(&seller.1), Some(&order("sell")))
            .await;
        let (status, body) = c
            .call("POST", "/v1/orders", Some(&buyer.1), Some(&order("buy")))
            .await;
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        contracts.push(
            v["contracts"][0]["id"]
                .as_str()
                .expect("contract")
                .to_string(),
        );
    }
    let tick = serde_json::json!({ "hour": Hour(start.0 + HTTP_HOURS).to_string() });
    let (status, _) = c
        .call(
            "POST",
            "/v1/admin/clock",
            Some(operator),
            Some(&tick.to_string()),
        )
        .await;
    assert_eq!(status, 200);
    (seller.1, contracts, start)
}

/// Runs the benchmark and returns its JSON line.
pub fn run(opts: crate::Opts) -> String {
    let engine = engine_part(opts.seed, Deals::Fills);
    let leases = engine_part(opts.seed, Deals::Leases);
    let (http_records, http_rate, http_p50, http_p99) = http_part();
    serde_json::json!({
        "bench": "usage",
        "seed": opts.seed,
        "engine_lines": LINES,
        "engine_records": engine.records,
        "engine_records_per_sec": engine.records_per_sec.round(),
        "usage_bytes_per_line_month": engine.bytes_per_line_month.round(),
        "engine_usage_mib": (engine.bytes_per_line_month * LINES as f64 / 1_048_576.0).round(),
        "snapshot_bytes_per_line_month": engine.snapshot_bytes_per_line_month.round(),
        "month_close_contracts": LINES,
        "month_close_credits": leases.credits,
        "month_close_ms_p50": per_mille(&leases.close_ms, 500) as f64 / 1000.0,
        "month_close_ms_max": leases.close_ms.last().copied().unwrap_or(0) as f64 / 1000.0,
        "month_close_fills_credits": engine.credits,
        "month_close_fills_ms_p50": per_mille(&engine.close_ms, 500) as f64 / 1000.0,
        "month_close_fills_ms_max": engine.close_ms.last().copied().unwrap_or(0) as f64 / 1000.0,
        "http_records": http_records,
        "http_records_per_sec": http_rate.round(),
        "http_batch_ms_p50": http_p50,
        "http_batch_ms_p99": http_p99,
    })
    .to_string()
}
