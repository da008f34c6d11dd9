//! Public market data over HTTP on both backends: the tape (`GET /v1/trades`), every
//! print with its model, region, GPUs, window and price and no parties, filtered by
//! model, region and delivery period, and on the event stream, the same after a
//! restart; the book's depth by delivery week and month (`GET /v1/depth`). Bad filters
//! are refused naming the field.

mod common;

use common::sse::{subscribe, until};
use common::{Backend, TestServer, problem};
use serde_json::{Value, json};

/// The ids of the trades a tape query answers.
fn ids(s: &TestServer, key: &str, query: &str) -> Vec<String> {
    let r = s.get(&format!("/v1/trades{query}"), key);
    assert_eq!(r.status, 200, "{query}: {:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

/// A provider's pool of 64 H100 in `region`.
fn pool_in(s: &TestServer, key: &str, region: &str) -> String {
    let body = json!({ "name": format!("Site {region}"), "region": region, "power_kw": 1_000,
        "pools": [{ "model": "h100-sxm", "gpus": 64 }] });
    let r = s.post("/v1/facilities", key, body);
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["pools"][0]["id"].as_str().unwrap().to_string()
}

/// A print: `pool` sells 8 GPUs for a day from `start`, and the buyer takes them.
fn print(s: &TestServer, (prov, lab): (&str, &str), pool: &str, start: &str) -> Value {
    let ask = json!({ "side": "sell", "pool": pool, "gpus": 8, "start": start, "hours": 24, "price": "2.00" });
    assert_eq!(s.post("/v1/orders", prov, ask).status, 201);
    let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": start, "hours": 24, "price": "2.00" });
    let r = s.post("/v1/orders", lab, bid);
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["trades"][0].clone()
}

fn the_tape_filters_by_model_region_and_delivery_period(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let east = pool_in(&s, &prov, "us-east");
    let west = pool_in(&s, &prov, "us-west");
    // Midnights from one reading of the clock (as `common::day`, but a test that runs
    // across midnight keeps them).
    use megawatt_engine::units::Hour;
    let first = Hour::containing(megawatt_server::sequencer::now_ms()).0 / 24 + 1;
    let day = |n: u32| Hour((first + n) * 24).to_string();
    let fill = print(&s, (&prov, &lab), &east, &day(1));
    assert_eq!(
        fill["region"], "us-east",
        "the fill names its region: {fill}"
    );
    let a = fill["id"].as_str().unwrap().to_string();
    let b = print(&s, (&prov, &lab), &west, &day(3))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = print(&s, (&prov, &lab), &east, &day(5))["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The public tape: newest first, regions shown, no parties.
    let tape = s.get("/v1/trades", &lab);
    let first = &tape.body["items"][0];
    assert_eq!(
        (&first["region"], first.get("buyer")),
        (&json!("us-east"), None)
    );
    assert_eq!(ids(&s, &lab, ""), vec![c.clone(), b.clone(), a.clone()]);
    assert_eq!(ids(&s, &lab, "?region=us-west"), vec![b.clone()]);
    assert_eq!(
        ids(&s, &lab, "?region=us-east&model=h100-sxm"),
        vec![c.clone(), a.clone()]
    );
    // Delivered in part in [day 2, day 4): only the print of day 3; a window that ends
    // at the period's start is not in it, one that starts at its end neither.
    let q = format!("?delivery_from={}&delivery_to={}", day(2), day(4));
    assert_eq!(ids(&s, &lab, &q), vec![b.clone()]);
    let q = format!("?delivery_from={}&delivery_to={}", day(2), day(3));
    assert!(ids(&s, &lab, &q).is_empty());
    let q = format!("?delivery_from={}", day(3));
    assert_eq!(ids(&s, &lab, &q), vec![c.clone(), b.clone()]);
    let q = format!("?delivery_to={}&region=us-east", day(3));
    assert_eq!(ids(&s, &lab, &q), vec![a.clone()]);
    // Bad filters, each named.
    problem(
        &s.get("/v1/trades?region=mars", &lab),
        404,
        "unknown_region",
        "region",
    );
    problem(
        &s.get("/v1/trades?model=h900", &lab),
        404,
        "unknown_model",
        "model",
    );
    let q = format!("/v1/trades?delivery_from={}&delivery_to={}", day(4), day(4));
    problem(&s.get(&q, &lab), 422, "window_empty", "delivery_to");
    let q = "/v1/trades?delivery_from=2027-01-04T09:30:00Z";
    problem(&s.get(q, &lab), 422, "invalid_field", "delivery_from");
    // The prints on the event stream carry their regions too.
    let stream = until(&subscribe(&s, &lab, Some("0")), |e| {
        e.kind == "trade" && e.data["id"] == json!(c)
    });
    let regions: Vec<&Value> = stream
        .iter()
        .filter(|e| e.kind == "trade")
        .map(|e| &e.data["region"])
        .collect();
    assert_eq!(
        regions,
        [&json!("us-east"), &json!("us-west"), &json!("us-east")]
    );
    let s = s.restart();
    assert_eq!(ids(&s, &lab, "?region=us-west"), vec![b.clone()]);
}

/// The book by delivery period: orders summed by the week (or month) their windows start
/// in and their price.
fn the_depth_sums_the_book_by_delivery_period(backend: Backend) {
    use megawatt_engine::units::Hour;
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let pool = pool_in(&s, &prov, "us-east");
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    // The Monday of next week (at least 9 hours ahead of the first ask's start, on any
    // day), and the one after; the first week's asks start on its Monday, so a month
    // never starts between them.
    let (w1, w2) = {
        let w1 = Hour(now.0 + 7 * 24).week_start();
        (w1, Hour(w1.0 + 7 * 24))
    };
    let at = |h: Hour, plus: u32| Hour(h.0 + plus).to_string();
    let order = |key: &str, side: &str, start: String, price: &str, gpus: u32| {
        let mut b =
            json!({ "side": side, "gpus": gpus, "start": start, "hours": 24, "price": price });
        if side == "sell" {
            b["pool"] = json!(pool);
        } else {
            b["model"] = json!("h100-sxm");
        }
        let r = s.post("/v1/orders", key, b);
        assert_eq!(r.status, 201, "{:?}", r.body);
    };
    order(&prov, "sell", at(w1, 9), "2.00", 8);
    order(&prov, "sell", at(w1, 10), "2.00", 8);
    order(&prov, "sell", at(w2, 9), "1.50", 8);
    order(&lab, "buy", at(w2, 0), "1.00", 4);
    let level = |period: Hour, end: Hour, price: &str, gpus: u64, orders: u32| {
        json!({ "period_start": period.to_string(), "period_end": end.to_string(),
            "price": { "micros": megawatt_engine::units::usd_micros(price).unwrap(), "usd": format!("{price}0000") },
            "gpus": gpus, "gpu_hours": gpus * 24, "orders": orders })
    };
    let r = s.get("/v1/depth?model=h100-sxm", &lab);
    assert_eq!(r.status, 200, "{:?}", r.body);
    let w3 = Hour(w2.0 + 7 * 24);
    assert_eq!(
        r.body,
        json!({ "model": "h100-sxm", "by": "week", "truncated": false,
            "asks": [level(w1, w2, "2.00", 16, 2), level(w2, w3, "1.50", 8, 1)],
            "bids": [level(w2, w3, "1.00", 4, 1)] })
    );
    // By month: one month, or two, as the calendar falls.
    let (m1, m2) = (w1.month_start(), w2.month_start());
    let asks = if m1 == m2 {
        vec![
            level(m1, m1.next_month_start(), "1.50", 8, 1),
            level(m1, m1.next_month_start(), "2.00", 16, 2),
        ]
    } else {
        vec![
            level(m1, m2, "2.00", 16, 2),
            level(m2, m2.next_month_start(), "1.50", 8, 1),
        ]
    };
    let r = s.get("/v1/depth?model=h100-sxm&by=month", &lab);
    assert_eq!(r.body["asks"], json!(asks), "{:?}", r.body);
    problem(
        &s.get("/v1/depth?model=h100-sxm&by=day", &lab),
        422,
        "invalid_field",
        "by",
    );
    problem(
        &s.get("/v1/depth?model=h900", &lab),
        404,
        "unknown_model",
        "model",
    );
}

/// Candles: the prints per interval of trade time (on a manual clock moved ahead, every
/// command is stamped at the clock's hour, so the three prints share one hour) and of
/// delivery.
fn candles_sum_the_tape_per_interval(backend: Backend) {
    use megawatt_engine::units::Hour;
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let pool = pool_in(&s, &prov, "us-east");
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let h = Hour((now.0 / 24 + 2) * 24 + 5);
    let r = s.post(
        "/v1/admin/clock",
        &s.operator,
        json!({ "hour": h.to_string() }),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let day = |d: u32| Hour((h.0 / 24 + d) * 24);
    for (d, price) in [(1, "2.00"), (3, "2.50"), (5, "1.50")] {
        let start = day(d).to_string();
        let ask = json!({ "side": "sell", "pool": pool, "gpus": 8, "start": start, "hours": 24, "price": price });
        assert_eq!(s.post("/v1/orders", &prov, ask).status, 201);
        let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": start, "hours": 24, "price": price });
        assert_eq!(s.post("/v1/orders", &lab, bid).status, 201);
    }
    let usd = |p: &str| json!({ "micros": megawatt_engine::units::usd_micros(p).unwrap(), "usd": format!("{p}0000") });
    let q = format!(
        "/v1/candles?model=h100-sxm&interval=hour&from={}",
        Hour(h.0 - 2)
    );
    let r = s.get(&q, &lab);
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["candles"],
        json!([{ "start": h.to_string(), "end": Hour(h.0 + 1).to_string(),
            "open": usd("2.00"), "high": usd("2.50"), "low": usd("1.50"), "close": usd("1.50"),
            "gpu_hours": 3 * 8 * 24, "prints": 3 }]),
        "{:?}",
        r.body
    );
    // By delivery, a day each, from the first delivery day.
    let q = format!("/v1/candles?model=h100-sxm&by=delivery&from={}", day(0));
    let r = s.get(&q, &lab);
    let starts: Vec<&Value> = r.body["candles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["start"])
        .collect();
    assert_eq!(
        starts,
        [
            &json!(day(1).to_string()),
            &json!(day(3).to_string()),
            &json!(day(5).to_string())
        ]
    );
    assert_eq!(r.body["candles"][1]["open"], usd("2.50"));
    problem(
        &s.get(&format!("{q}&region=mars"), &lab),
        404,
        "unknown_region",
        "region",
    );
    // A print in another region is in the model's candles, not in us-east's.
    let west = pool_in(&s, &prov, "us-west");
    let start = day(1).to_string();
    let ask = json!({ "side": "sell", "pool": west, "gpus": 8, "start": start, "hours": 24, "price": "9.00" });
    assert_eq!(s.post("/v1/orders", &prov, ask).status, 201);
    let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": start, "hours": 24, "price": "9.00" });
    assert_eq!(s.post("/v1/orders", &lab, bid).status, 201);
    let high = |q: &str| s.get(q, &lab).body["candles"][0]["high"].clone();
    assert_eq!(high(&q), usd("9.00"));
    assert_eq!(high(&format!("{q}&region=us-east")), usd("2.00"));
    let bad = |q: &str| s.get(&format!("/v1/candles?model=h100-sxm&{q}"), &lab);
    problem(&bad("interval=week"), 422, "invalid_field", "interval");
    problem(&bad("by=print"), 422, "invalid_field", "by");
    let (a, b) = (day(1).to_string(), day(0).to_string());
    problem(&bad(&format!("from={a}&to={b}")), 422, "window_empty", "to");
    let far = Hour(day(1).0 + 2_001).to_string();
    problem(
        &bad(&format!("interval=hour&from={a}&to={far}")),
        422,
        "window_too_long",
        "to",
    );
}

on_both_backends!(
    the_tape_filters_by_model_region_and_delivery_period,
    the_depth_sums_the_book_by_delivery_period,
    candles_sum_the_tape_per_interval
);
