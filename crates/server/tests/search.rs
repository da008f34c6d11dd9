//! Flexible-start buying over HTTP on both backends: `GET /v1/search` reports the
//! cheapest starts (ties to the earliest) with their cost, average price and fills, not
//! counting the caller's own asks and changing nothing; `POST /v1/orders` with
//! `start_until` fills at the best start, or is refused with `no_feasible_start` naming
//! the best price; bad ranges are refused naming the request's fields; each change of
//! the book's best ask is on the event stream.

mod common;

use common::sse::{subscribe, until};
use common::{Backend, TestServer, ok, problem};
use megawatt_engine::units::Hour;
use serde_json::json;

fn flexible_start_search_and_bid(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let pool = s.pool(&prov, 64);
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let h = |n: u32| Hour(now.0 + n).to_string();
    let ask = |start: u32, hours: u32, price: &str| {
        let body = json!({ "side": "sell", "pool": pool, "gpus": 16, "start": h(start), "hours": hours, "price": price });
        ok(s.post("/v1/orders", &prov, body), 201);
    };
    ask(10, 90, "2.00");
    ask(30, 30, "1.50");
    // Each change of the book's top is on the event stream.
    let tops = until(&subscribe(&s, &lab, Some("0")), |e| {
        e.kind == "top" && e.data["best_ask"]["usd"] == "1.500000"
    });
    let asks: Vec<&serde_json::Value> = tops
        .iter()
        .filter(|e| e.kind == "top")
        .map(|e| &e.data["best_ask"]["usd"])
        .collect();
    assert_eq!(asks, [&json!("2.000000"), &json!("1.500000")]);
    let q = format!(
        "/v1/search?model=h100-sxm&gpus=16&hours=24&start_from={}&start_until={}&limit=3",
        h(1),
        h(60)
    );
    let found = ok(s.get(&q, &lab), 200);
    let starts: Vec<(String, String)> = found["starts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"].as_str().unwrap().into(),
                p["average_price"]["usd"].as_str().unwrap().into(),
            )
        })
        .collect();
    let cheap = |n: u32| (h(n), "1.500000".to_string());
    assert_eq!(starts, [cheap(30), cheap(31), cheap(32)], "{found}");
    assert_eq!(found["starts"][0]["cost"]["micros"], 16 * 24 * 1_500_000);
    assert_eq!(found["starts"][0]["fills"][0]["pool"], json!(pool));
    assert_eq!(found["starts"][0]["fills"][0]["region"], "us-east");
    // The provider's own asks are not for it to buy.
    assert_eq!(ok(s.get(&q, &prov), 200)["starts"], json!([]));
    // The flexible bid takes the best start.
    let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 16, "start": h(1),
        "start_until": h(60), "hours": 24, "price": "2.00" });
    let placed = ok(s.post("/v1/orders", &lab, bid.clone()), 201);
    assert_eq!(placed["trades"][0]["start"], json!(h(30)), "{placed}");
    assert_eq!(placed["trades"][0]["price"]["usd"], "1.500000");
    assert_eq!(placed["order"]["status"], "filled");
    // Now the best is the $2.00 ask's earliest start; at $1.60 nothing fills.
    let mut cheap_bid = bid.clone();
    cheap_bid["price"] = json!("1.60");
    let r = s.post("/v1/orders", &lab, cheap_bid);
    problem(&r, 409, "no_feasible_start", "price");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("averages $2.000000"),
        "{:?}",
        r.body
    );
    // Bad requests, each named as the request spelled it.
    let bad = |change: serde_json::Value| {
        let mut b = bid.clone();
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        s.post("/v1/orders", &lab, b)
    };
    problem(
        &bad(json!({ "start_until": h(0) })),
        422,
        "window_empty",
        "start_until",
    );
    problem(
        &bad(json!({ "start": h(0), "start_until": h(5) })),
        422,
        "window_in_past",
        "start",
    );
    problem(
        &bad(json!({ "start_until": h(800) })),
        422,
        "window_too_long",
        "start_until",
    );
    problem(
        &bad(json!({ "time_in_force": "gtc" })),
        422,
        "invalid_field",
        "time_in_force",
    );
    problem(
        &bad(json!({ "hours": null })),
        422,
        "missing_field",
        "hours",
    );
    problem(
        &bad(json!({ "side": "sell", "pool": pool, "model": null })),
        422,
        "invalid_field",
        "start_until",
    );
    let q = |extra: &str| {
        s.get(
            &format!(
                "/v1/search?model=h100-sxm&gpus=16&hours=24&start_from={}&start_until={}{extra}",
                h(1),
                h(60)
            ),
            &lab,
        )
    };
    problem(&q("&limit=21"), 422, "invalid_field", "limit");
    problem(&q("&max_price=0"), 422, "price_not_positive", "max_price");
    problem(&q("&region=mars"), 404, "unknown_region", "region");
    problem(
        &s.get("/v1/search?model=h100-sxm&gpus=16&hours=24", &lab),
        422,
        "missing_field",
        "start_from",
    );
}

on_both_backends!(flexible_start_search_and_bid);
