//! The published prices over HTTP on both backends, on a manual clock: the index
//! (`GET /v1/index`) at a tick, recomputed here from the prints by the methodology's
//! rules (prompt prints only, 5% of GPU-hours trimmed from each tail, the minimum
//! volume of a region with two prints), the daily value at the day's first tick; the
//! forward curve (`GET /v1/curve`) with a point from prints, one from the book, the
//! gaps interpolated or held flat; both on the event stream; `mw audit` recomputing
//! every value; and bad queries refused naming their field.

mod common;

use common::sse::{subscribe, until};
use common::{Backend, TestServer, ok, problem};
use megawatt_engine::units::{Hour, div_half_even};
use serde_json::{Value, json};

/// A pool of 64 H100 of a new provider in `region`: (provider's key, pool id).
fn provider_in(s: &TestServer, name: &str, region: &str) -> (String, String) {
    let (_, key) = s.participant(name, &["provider"]);
    let body = json!({ "name": format!("{name} site"), "region": region, "power_kw": 1_000,
        "pools": [{ "model": "h100-sxm", "gpus": 64 }] });
    let pool = ok(s.post("/v1/facilities", &key, body), 201)["pools"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (key, pool)
}

/// Moves the manual clock to `h` (a tick).
fn tick(s: &TestServer, h: Hour) {
    ok(
        s.post(
            "/v1/admin/clock",
            &s.operator,
            json!({ "hour": h.to_string() }),
        ),
        200,
    );
}

fn usd(micros: i64) -> Value {
    json!({ "micros": micros, "usd": megawatt_engine::units::usd_string(micros) })
}

fn the_index_and_curve_are_published_at_the_tick(backend: Backend) {
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let sellers = [
        provider_in(&s, "Alpha", "us-east"),
        provider_in(&s, "Beta", "us-east"),
        provider_in(&s, "Gamma", "us-west"),
    ];
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let h = Hour((now.0 / 24 + 2) * 24 + 5);
    tick(&s, h);
    let d = Hour((h.0 / 24 + 1) * 24);
    let trade = |(key, pool): &(String, String), start: Hour, price: &str| {
        let ask = json!({ "side": "sell", "pool": pool, "gpus": 8, "start": start.to_string(), "hours": 24, "price": price });
        ok(s.post("/v1/orders", key, ask), 201);
        let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": start.to_string(), "hours": 24, "price": price });
        let r = ok(s.post("/v1/orders", &lab, bid), 201);
        assert_eq!(r["trades"].as_array().unwrap().len(), 1, "{r}");
    };
    // Three prompt prints delivering tomorrow, from three sellers.
    trade(&sellers[0], d, "2.00");
    trade(&sellers[1], d, "2.50");
    trade(&sellers[2], d, "3.50");
    // A block five weeks later: on the curve, not in the index (not prompt).
    let week = d.week_start();
    let far = Hour(week.0 + 5 * 168);
    trade(&sellers[1], far, "2.80");
    // Ten weeks on, the book: an ask at 4.00 and a bid at 1.00.
    let book_week = Hour(week.0 + 10 * 168);
    let ask = json!({ "side": "sell", "pool": sellers[0].1, "gpus": 8, "start": book_week.to_string(), "hours": 24, "price": "4.00" });
    ok(s.post("/v1/orders", &sellers[0].0, ask), 201);
    let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": book_week.to_string(), "hours": 24, "price": "1.00" });
    ok(s.post("/v1/orders", &lab, bid), 201);
    // Before the tick: no curve yet.
    let curve = ok(s.get("/v1/curve?model=h100-sxm", &lab), 200);
    assert_eq!((curve.get("at"), &curve["points"]), (None, &json!([])));
    let stream = subscribe(&s, &lab, None);
    tick(&s, Hour(h.0 + 1));

    // The index, recomputed: 576 GPU-hours, 28 trimmed from each tail.
    let (gh, trim) = (3 * 192_i64, 3 * 192 * 500 / 10_000);
    let kept = (192 - trim) * 2_000_000 + 192 * 2_500_000 + (192 - trim) * 3_500_000;
    let expected = div_half_even(i128::from(kept), i128::from(gh - 2 * trim)) as i64;
    assert_eq!(expected, 2_657_692);
    let at = Hour(h.0 + 1).to_string();
    let index = ok(s.get("/v1/index?model=h100-sxm", &lab), 200);
    assert_eq!(index["methodology"], "docs/index-methodology.md");
    assert_eq!(
        index["values"],
        json!([{ "at": at, "methodology_version": 1, "price": usd(expected), "prints": 3,
            "gpu_hours": gh, "sellers": 3, "through_trade": "trd-4" }]),
        "{index}"
    );
    // us-east had two prints: too few, so its value is withheld, saying why.
    let east = ok(s.get("/v1/index?model=h100-sxm&region=us-east", &lab), 200);
    assert_eq!(east["values"][0]["unpublished"], "too_few_prints", "{east}");
    assert_eq!(east["values"][0].get("price"), None);
    assert_eq!(east["values"][0]["prints"], 2);

    // The curve: tomorrow's week from its prints, the book's week from its mid, the far
    // block's week (one print is too few) interpolated between them, later weeks held.
    let curve = ok(s.get("/v1/curve?model=h100-sxm", &lab), 200);
    assert_eq!(curve["at"], json!(at), "{curve}");
    let points = curve["points"].as_array().unwrap();
    let weeks: Vec<&Value> = points.iter().filter(|p| p["period"] == "week").collect();
    assert_eq!(weeks.len(), 27);
    assert_eq!(points.len(), 27 + 7);
    let of = |start: Hour| {
        weeks
            .iter()
            .find(|p| p["start"] == json!(start.to_string()))
            .unwrap_or_else(|| panic!("no point for {start}: {curve}"))
    };
    let p = of(week);
    assert_eq!(
        (&p["source"], &p["price"], &p["prints"]),
        (&json!("prints"), &usd(expected), &json!(3))
    );
    let p = of(book_week);
    assert_eq!(
        (&p["source"], &p["price"]),
        (&json!("book"), &usd(2_500_000))
    );
    assert_eq!(
        (&p["best_bid"], &p["best_ask"]),
        (&usd(1_000_000), &usd(4_000_000))
    );
    let p = of(far);
    let between = expected + div_half_even(i128::from(2_500_000 - expected) * 5, 10) as i64;
    assert_eq!(
        (&p["source"], &p["price"], &p["prints"]),
        (&json!("interpolated"), &usd(between), &json!(1))
    );
    let last = weeks.last().unwrap();
    assert_eq!(
        (&last["source"], &last["price"]),
        (&json!("interpolated"), &usd(2_500_000))
    );

    // Both on the event stream.
    let sent = until(&stream, |e| e.kind == "curve");
    let first = sent
        .iter()
        .find(|e| e.kind == "index")
        .expect("an index event");
    assert_eq!(first.data["model"], "h100-sxm");
    assert_eq!(
        first.data["value"]["price"],
        usd(expected),
        "{:?}",
        first.data
    );

    // The day's first tick publishes the daily value, over the trailing 7 days.
    tick(&s, d);
    let q = format!("/v1/index?model=h100-sxm&span=day&to={}", Hour(d.0 + 1));
    let daily = ok(s.get(&q, &lab), 200);
    assert_eq!(daily["values"][0]["at"], json!(d.to_string()), "{daily}");
    assert_eq!(daily["values"][0]["price"], usd(expected));
    // A curve that did not change is not published again; the one in force is.
    let later = ok(
        s.get(&format!("/v1/curve?model=h100-sxm&at={at}"), &lab),
        200,
    );
    assert_eq!(later["at"], json!(at));

    // Every published value recomputes from the prints of the tape.
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
    assert!(report.index_values >= 4, "{report:?}");

    // Bad queries, each named.
    let bad = |q: &str| s.get(q, &lab);
    problem(&bad("/v1/index?model=h900"), 404, "unknown_model", "model");
    problem(
        &bad("/v1/index?model=h100-sxm&region=mars"),
        404,
        "unknown_region",
        "region",
    );
    problem(
        &bad("/v1/index?model=h100-sxm&span=week"),
        422,
        "invalid_field",
        "span",
    );
    let (a, b) = (d.to_string(), h.to_string());
    problem(
        &bad(&format!("/v1/index?model=h100-sxm&from={a}&to={b}")),
        422,
        "window_empty",
        "to",
    );
    let far_to = Hour(h.0 + 2_001).to_string();
    problem(
        &bad(&format!("/v1/index?model=h100-sxm&from={b}&to={far_to}")),
        422,
        "window_too_long",
        "to",
    );
    problem(&bad("/v1/index"), 422, "missing_field", "model");
    problem(
        &bad("/v1/curve?model=h100-sxm&at=soon"),
        422,
        "invalid_field",
        "at",
    );
    problem(&bad("/v1/curve?model=h900"), 404, "unknown_model", "model");
}

on_both_backends!(the_index_and_curve_are_published_at_the_tick);
