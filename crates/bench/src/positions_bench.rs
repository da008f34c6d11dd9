//! The positions benchmark. The real server on a temporary SQLite store (a manual
//! clock), where one lab holds 10,000 contracts: 9,800 exchange fills of 1 to 8 H100
//! from 10 providers' asks, starting over the next 30 months and lasting a day to three
//! months, and 200 term leases (RFQ, quote, accepted; a monthly fee, 90 days' notice
//! either side), so every exit cost is computed. A tick then publishes the H100 forward
//! curve from the fills. Timed: the lab's full position (`GET /v1/positions`: ladders,
//! run-rate, invoiced this year, every exit cost and mark), one request at a time, and
//! the first page of 1,000 contract rows. Then the engine benchmark's command stream,
//! applied in this process with no queries and with position queries running beside it
//! on the server, alternately: the rate the write path keeps while positions are read.
//! `plan_ms`: a 36-month plan (H100 by month) against the same holdings, a dry run
//! (`POST /v1/positions/plan`), median of the same number of requests.

use crate::http_bench::{Conn, config, participant};
use crate::rng::Rng;
use crate::stats::{median, per_mille};
use megawatt_engine::Engine;
use megawatt_engine::units::Hour;
use megawatt_server::start;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// Contracts the lab holds.
const CONTRACTS: usize = 10_000;
/// Of those, term leases.
const LEASES: usize = 200;
/// Providers selling to it.
const PROVIDERS: usize = 10;
/// Connections placing the bids.
const CONNECTIONS: usize = 8;
/// Timed position requests.
const QUERIES: usize = 60;
/// Commands of the engine stream applied beside the queries.
const ENGINE_COMMANDS: usize = 400_000;
/// Passes of the stream (alone, then beside), alternating.
const ENGINE_ROUNDS: usize = 3;

fn body(v: &Value) -> String {
    v.to_string()
}

async fn call(c: &mut Conn, method: &str, path: &str, token: &str, b: Option<Value>) -> Value {
    let text = b.as_ref().map(body);
    let (status, out) = c.call(method, path, Some(token), text.as_deref()).await;
    let v: Value = serde_json::from_slice(&out).unwrap_or(Value::Null);
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {v}"
    );
    v
}

/// Ten providers, each with a pool of 1,000,000 H100 and an ask of 900,000 of them
/// (the rest free to quote), provider `i`'s from `3i` months on to 33 months ahead and
/// the later the cheaper, so that fills spread over them by start: (token, pool).
async fn providers(c: &mut Conn, operator: &str, from: Hour) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..PROVIDERS {
        let (_, token) = participant(c, operator, &format!("provider-{i}"), "provider").await;
        let f = json!({ "name": format!("site-{i}"), "region": if i % 2 == 0 { "us-east" } else { "eu-west" },
            "power_kw": 100_000_000, "pools": [{ "model": "h100-sxm", "gpus": 1_000_000 }] });
        let pool = call(c, "POST", "/v1/facilities", &token, Some(f)).await["pools"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let price = format!("2.{:02}", 60 - i * 5);
        let start = Hour(from.0 + (i as u32) * 3 * 730);
        let ask = json!({ "side": "sell", "pool": pool, "gpus": 900_000, "start": start.to_string(),
            "hours": 33 * 730 - (i as u32) * 3 * 730, "price": price });
        call(c, "POST", "/v1/orders", &token, Some(ask)).await;
        out.push((token, pool));
    }
    out
}

/// `n` bids of the lab, each filled by an ask: 1 to 8 GPUs, a random start over 30
/// months, a day to 90 days long.
async fn fills(addr: std::net::SocketAddr, lab: String, from: Hour, n: usize, seed: u64) {
    let mut c = Conn::open(addr).await;
    let mut rng = Rng::new(seed);
    for _ in 0..n {
        let start = Hour(from.0 + 1 + rng.below(30 * 730) as u32);
        let hours = 24 * (1 + rng.below(90) as u32);
        let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 1 + rng.below(8),
            "start": start.to_string(), "hours": hours, "price": "3.00", "time_in_force": "ioc" });
        let v = call(&mut c, "POST", "/v1/orders", &lab, Some(bid)).await;
        assert!(
            !v["trades"].as_array().is_none_or(Vec::is_empty),
            "a fill: {v}"
        );
    }
}

/// A term lease: the lab's RFQ, a provider's quote, accepted.
async fn lease(c: &mut Conn, lab: &str, (token, pool): &(String, String), from: Hour, i: usize) {
    let start = Hour(from.0 + 24 * (10 + i as u32 % 300));
    let rfq = json!({ "gpus": [{ "model": "h100-sxm", "gpus": 16 }], "start": start.to_string(),
        "hours": 24 * 365, "max_buyer_notice_hours": 2_160, "deadline": Hour(start.0 - 48).to_string() });
    let id = call(c, "POST", "/v1/rfqs", lab, Some(rfq)).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let quote = json!({ "lines": [{ "pool": pool, "gpus": 16 }], "monthly_fee": "25000",
        "buyer_notice_hours": 2_160, "seller_notice_hours": 2_160,
        "expires": Hour(start.0 - 49).to_string() });
    let q = call(
        c,
        "POST",
        &format!("/v1/rfqs/{id}/quotes"),
        token,
        Some(quote),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        c,
        "POST",
        &format!("/v1/quotes/{q}/accept"),
        lab,
        Some(json!({})),
    )
    .await;
}

/// `QUERIES` timed requests of `path`, one at a time: latencies in µs, and the last
/// answer.
async fn timed(c: &mut Conn, path: &str, token: &str) -> (Vec<u64>, Value) {
    let mut lat = Vec::with_capacity(QUERIES);
    let mut last = Value::Null;
    for _ in 0..QUERIES {
        let t0 = Instant::now();
        last = call(c, "GET", path, token, None).await;
        lat.push(t0.elapsed().as_micros() as u64);
    }
    lat.sort_unstable();
    (lat, last)
}

/// `QUERIES` timed dry runs of a 36-month plan (H100 per month, from the current one)
/// against the lab's holdings: latencies in µs.
async fn timed_plan(c: &mut Conn, token: &str) -> Vec<u64> {
    let mut month = Hour::containing(megawatt_server::sequencer::now_ms()).month_start();
    let mut rows = Vec::new();
    for i in 0..36 {
        rows.push(json!({ "model": "h100-sxm", "start": month.to_string(), "gpus": 20 + 10 * i }));
        month = month.next_month_start();
    }
    let body = json!({ "period": "month", "rows": rows });
    let mut lat = Vec::with_capacity(QUERIES);
    for _ in 0..QUERIES {
        let t0 = Instant::now();
        let v = call(c, "POST", "/v1/positions/plan", token, Some(body.clone())).await;
        lat.push(t0.elapsed().as_micros() as u64);
        assert_eq!(v["periods"].as_array().map_or(0, Vec::len), 36, "{v}");
    }
    lat.sort_unstable();
    lat
}

/// The engine stream's rate (commands per second), applied from a new engine.
fn engine_rate(stream: &[megawatt_engine::command::Envelope]) -> f64 {
    let mut e = Engine::new();
    let mut events = Vec::with_capacity(64);
    let t0 = Instant::now();
    for env in stream {
        events.clear();
        let _ = e.apply(env, &mut events);
    }
    stream.len() as f64 / t0.elapsed().as_secs_f64()
}

/// Runs the benchmark and returns its JSON line.
pub fn run(seed: u64) -> String {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (running, lab, built_s) = rt.block_on(async {
        let running = start(config(dir.path(), true))
            .await
            .expect("server starts");
        let operator = running
            .first_start
            .operator_key
            .clone()
            .expect("operator key");
        let addr = running.addr;
        let mut c = Conn::open(addr).await;
        let (lab_id, lab) = participant(&mut c, &operator, "lab", "buyer").await;
        let deposit =
            json!({ "participant": lab_id, "amount": "100000000000", "reference": "bench" });
        call(
            &mut c,
            "POST",
            "/v1/admin/deposits",
            &operator,
            Some(deposit),
        )
        .await;
        let from = Hour(Hour::containing(megawatt_server::sequencer::now_ms()).0 + 2);
        let t0 = Instant::now();
        let sellers = providers(&mut c, &operator, from).await;
        let each = (CONTRACTS - LEASES) / CONNECTIONS;
        let tasks: Vec<_> = (0..CONNECTIONS)
            .map(|i| tokio::spawn(fills(addr, lab.clone(), from, each, seed + i as u64)))
            .collect();
        for t in tasks {
            t.await.expect("fills");
        }
        for i in 0..LEASES {
            lease(&mut c, &lab, &sellers[i % PROVIDERS], from, i).await;
        }
        // A tick publishes the curve from the fills' prints.
        let tick = json!({ "hour": Hour(from.0 - 1).to_string() });
        call(&mut c, "POST", "/v1/admin/clock", &operator, Some(tick)).await;
        (running, lab, t0.elapsed().as_secs_f64())
    });
    let addr = running.addr;
    let (full, page, answer, plan) = rt.block_on(async {
        let mut c = Conn::open(addr).await;
        let (full, answer) = timed(&mut c, "/v1/positions", &lab).await;
        let (page, _) = timed(&mut c, "/v1/positions/contracts?limit=1000", &lab).await;
        (full, page, answer, timed_plan(&mut c, &lab).await)
    });
    let buyer = &answer["buyer"];
    assert_eq!(
        buyer["contracts"], CONTRACTS,
        "the lab's contracts: {buyer}"
    );
    // The engine's rate alone and with position queries beside it, alternately.
    let stream = crate::engine_bench::accepted_stream(seed, ENGINE_COMMANDS);
    let (mut alone, mut beside) = (Vec::new(), Vec::new());
    let queries = Arc::new(AtomicUsize::new(0));
    for _ in 0..ENGINE_ROUNDS {
        alone.push(engine_rate(&stream));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, n, token) = (stop.clone(), queries.clone(), lab.clone());
        let load = rt.spawn(async move {
            let mut c = Conn::open(addr).await;
            while !s.load(Ordering::Relaxed) {
                call(&mut c, "GET", "/v1/positions", &token, None).await;
                n.fetch_add(1, Ordering::Relaxed);
            }
        });
        beside.push(engine_rate(&stream));
        stop.store(true, Ordering::Relaxed);
        rt.block_on(load).expect("queries");
    }
    let (alone, beside) = (median(alone), median(beside));
    rt.block_on(running.shutdown()).expect("clean shutdown");
    let ms = |v: &[u64], p| per_mille(v, p) as f64 / 1000.0;
    json!({
        "bench": "positions",
        "seed": seed,
        "contracts": CONTRACTS,
        "leases": LEASES,
        "providers": PROVIDERS,
        "setup_s": (built_s * 10.0).round() / 10.0,
        "queries": QUERIES,
        "position_p50_ms": ms(&full, 500),
        "position_p99_ms": ms(&full, 990),
        "contracts_page_1000_p99_ms": ms(&page, 990),
        "ladder_months": buyer["committed"]["months"].as_array().map_or(0, Vec::len),
        "exits": buyer["exits"]["contracts"],
        "marked": buyer["marks"]["marked"],
        "plan_ms": ms(&plan, 500),
        "plan_p99_ms": ms(&plan, 990),
        "engine_commands": ENGINE_COMMANDS,
        "engine_commands_per_sec_alone": alone.round(),
        "engine_commands_per_sec_beside_queries": beside.round(),
        "engine_ratio_beside_vs_alone": (beside / alone * 1000.0).round() / 1000.0,
        "position_queries_beside": queries.load(Ordering::Relaxed),
    })
    .to_string()
}
