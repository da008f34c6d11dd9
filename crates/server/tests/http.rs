//! Integration tests over real HTTP against the real server, each run twice: on a
//! temporary SQLite file and on a new PostgreSQL database. The README walk-through,
//! every class of bad input, cross-participant access, idempotent retries, and a
//! restart that keeps everything acknowledged.

mod common;

use common::{Backend, TestServer, day};
use serde_json::{Value, json};

/// A market with a provider (pool of 1,000 H100) and two buyers.
struct Market {
    s: TestServer,
    prov: String,
    pool: String,
    a: String,
    b: String,
}

fn market(backend: Backend) -> Option<Market> {
    let s = TestServer::start(backend)?;
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, a) = s.participant("Lab A", &["buyer"]);
    let (_, b) = s.participant("Lab B", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    Some(Market {
        s,
        prov,
        pool,
        a,
        b,
    })
}

fn sell(m: &Market, gpus: u32, price: &str) -> Value {
    let r = m.s.post(
        "/v1/orders",
        &m.prov,
        json!({ "side": "sell", "pool": m.pool, "gpus": gpus, "start": day(1), "hours": 48, "price": price }),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

fn buy(m: &Market, key: &str, gpus: u32, price: &str) -> Value {
    let r = m.s.post(
        "/v1/orders",
        key,
        json!({ "side": "buy", "model": "h100-sxm", "gpus": gpus, "start": day(1), "hours": 24, "price": price }),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

fn count_orders(s: &TestServer) -> usize {
    s.get("/v1/orders?limit=1000", &s.operator).body["items"]
        .as_array()
        .unwrap()
        .len()
}

fn walkthrough(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let s = &m.s;
    assert_eq!(s.call("GET", "/healthz", None, None, &[]).status, 200);
    let models = s.get("/v1/models", &m.a);
    assert!(
        models.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == "h100-sxm" && x["watts_per_gpu"] == 1275)
    );
    let ask = sell(&m, 100, "2.00");
    assert_eq!(ask["order"]["status"], "open");
    let placed = buy(&m, &m.a, 64, "2.50");
    assert_eq!(placed["order"]["status"], "filled");
    let t = &placed["trades"][0];
    assert_eq!(
        (
            t["gpus"].as_u64(),
            t["price"]["micros"].as_i64(),
            t["price"]["usd"].as_str()
        ),
        (Some(64), Some(2_000_000), Some("2.000000"))
    );
    assert_eq!(t["notional"]["micros"].as_i64(), Some(2_000_000 * 64 * 24));
    assert_eq!(placed["contracts"][0]["terms"]["firm"], true);
    // The book shows what is left of the ask; the public tape has no parties.
    let book = s.get("/v1/book?model=h100-sxm", &m.b);
    assert_eq!(book.body["asks"][0]["gpus"], 100);
    assert_eq!(book.body["asks"][0]["price"]["usd"], "2.000000");
    let tape = s.get("/v1/trades", &m.b);
    assert_eq!(tape.body["items"].as_array().unwrap().len(), 1);
    assert!(tape.body["items"][0].get("buyer").is_none());
    let mine = s.get("/v1/trades?mine=true", &m.a);
    assert_eq!(mine.body["items"][0]["buyer"], placed["order"]["owner"]);
    let contracts = s.get("/v1/contracts", &m.a);
    assert_eq!(contracts.body["items"][0]["status"], "pending");
    assert_eq!(contracts.body["items"][0]["lines"][0]["gpus"], 64);
    let id = ask["order"]["id"].as_str().unwrap();
    let got = s.get(&format!("/v1/orders/{id}"), &m.prov);
    assert_eq!(got.body["filled_gpu_hours"], 64 * 24);
    assert_eq!(
        s.post(&format!("/v1/orders/{id}/cancel"), &m.prov, json!({}))
            .status,
        204
    );
    assert_eq!(
        s.get(&format!("/v1/orders/{id}"), &m.prov).body["status"],
        "cancelled"
    );
    let metrics = s.call("GET", "/metrics", None, None, &[]);
    assert!(
        metrics
            .body
            .as_str()
            .unwrap()
            .contains("megawatt_commands_accepted_total")
    );
    let doc = s.call("GET", "/v1/openapi.json", None, None, &[]);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc.body["paths"]["/v1/orders"]["post"].is_object());
    for (path, method) in [
        ("/v1/rfqs", "post"),
        ("/v1/rfqs/{id}/quotes", "post"),
        ("/v1/quotes/{id}/accept", "post"),
        ("/v1/contracts/{id}/notice", "post"),
        ("/v1/contracts/{id}/terminate", "post"),
    ] {
        assert!(
            doc.body["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    let schemas = &doc.body["components"]["schemas"];
    assert!(schemas["CreateRfq"].is_object() && schemas["SubmitQuote"].is_object());
}

/// Asserts a problem+json answer with a status, a code and a detail naming `field`.
fn problem(r: &common::Resp, status: u16, code: &str, field: &str) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(r.body["code"], code, "{:?}", r.body);
    assert_eq!(r.body["type"], format!("urn:megawatt:problem:{code}"));
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains(field),
        "detail {detail:?} should name {field}"
    );
}

fn bad_input_gets_a_4xx_problem_and_changes_nothing(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let s = &m.s;
    sell(&m, 100, "2.00");
    let before = count_orders(s);
    let raw = |body: &str| s.call("POST", "/v1/orders", Some(&m.a), Some(body), &[]);
    problem(
        &raw("{\"side\": \"buy\", "),
        400,
        "malformed_request",
        "EOF",
    );
    let base = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": day(1), "hours": 24, "price": "2.50" });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        raw(&b.to_string())
    };
    // The JSON layer's refusals name the field too, one code per situation.
    let shape = |r: &common::Resp, code: &str, field: &str, says: &str| {
        problem(r, 422, code, says);
        assert_eq!(r.body["field"], field, "{:?}", r.body);
    };
    shape(
        &with("colour", json!("red")),
        "unknown_field",
        "colour",
        "colour",
    );
    shape(
        &with("gpus", json!("eight")),
        "invalid_field",
        "gpus",
        "invalid type",
    );
    shape(&with("gpus", json!(-8)), "invalid_field", "gpus", "-8");
    shape(
        &with("gpus", json!(-8)),
        "invalid_field",
        "gpus",
        "a whole number",
    );
    let mut no_side = base.clone();
    no_side.as_object_mut().unwrap().remove("side");
    shape(&raw(&no_side.to_string()), "missing_field", "side", "side");
    let mut no_model = base.clone();
    no_model.as_object_mut().unwrap().remove("model");
    shape(
        &raw(&no_model.to_string()),
        "missing_field",
        "model",
        "model",
    );
    // A whole number written as a float is read as the whole number, even one a fast
    // float parser misreads (2219687446729995.0 as ...995.2): refused by the market's
    // rule (above the price ceiling), not for its shape.
    let big = r#"{"side": "buy", "model": "h100-sxm", "gpus": 8, "start": "DAY", "hours": 24, "price_micros": 2219687446729995.0}"#
        .replace("DAY", &day(1));
    problem(&raw(&big), 422, "overflow", "price_micros");
    problem(&with("gpus", json!(0)), 422, "zero_gpus", "gpus");
    problem(
        &with("gpus", json!(20_000_000)),
        422,
        "quantity_too_large",
        "gpus",
    );
    problem(
        &with("start", json!("2027-01-04T09:30:00Z")),
        422,
        "invalid_field",
        "hour boundary",
    );
    problem(
        &with("start", json!("2020-01-04T09:00:00Z")),
        422,
        "window_in_past",
        "start:",
    );
    problem(&with("start", json!("soon")), 422, "invalid_field", "start");
    problem(
        &with("hours", json!(100_000)),
        422,
        "window_too_long",
        "hours:",
    );
    problem(&with("price", json!("-1")), 422, "invalid_field", "price");
    // Named as the request spelled it: `price`, not the engine's `limit_price_micros`.
    let big = with("price", json!("5000000"));
    problem(&big, 422, "overflow", "price:");
    assert_eq!(big.body["field"], "price");
    let mut micros = base.clone();
    micros.as_object_mut().unwrap().remove("price");
    micros["price_micros"] = json!(0);
    let zero = raw(&micros.to_string());
    problem(&zero, 422, "price_not_positive", "price_micros:");
    assert_eq!(zero.body["field"], "price_micros");
    let mut past = base.clone();
    past["start"] = json!("2020-01-04T09:00:00Z");
    assert_eq!(raw(&past.to_string()).body["field"], "start");
    problem(
        &with("price", json!("9999999999999")),
        422,
        "invalid_field",
        "price",
    );
    problem(
        &with("model", json!("tpu-v9")),
        404,
        "unknown_model",
        "model",
    );
    problem(
        &with("facility", json!("fac-999")),
        404,
        "unknown_facility",
        "facility",
    );
    problem(&with("pool", json!("pool-1")), 422, "invalid_field", "pool");
    let mut sell_body = json!({ "side": "sell", "pool": m.pool, "gpus": 2_000, "start": day(1), "hours": 24, "price": "1" });
    problem(
        &s.post("/v1/orders", &m.prov, sell_body.clone()),
        409,
        "insufficient_capacity",
        "gpus",
    );
    sell_body["pool"] = json!("pool-77");
    problem(
        &s.post("/v1/orders", &m.prov, sell_body.clone()),
        404,
        "unknown_pool",
        "pool",
    );
    sell_body["pool"] = json!(m.pool);
    problem(
        &s.post("/v1/orders", &m.a, sell_body),
        403,
        "not_owner",
        "pool:",
    );
    let big = format!(
        "{{\"side\": \"buy\", \"model\": \"{}\"}}",
        "x".repeat(100_000)
    );
    problem(&raw(&big), 413, "body_too_large", "");
    problem(
        &s.get("/v1/orders/ord-99999", &m.a),
        404,
        "unknown_order",
        "ord-99999",
    );
    problem(
        &s.get("/v1/orders/banana", &m.a),
        404,
        "unknown_order",
        "banana",
    );
    problem(
        &s.post("/v1/orders/ord-99999/cancel", &m.a, json!({})),
        404,
        "unknown_order",
        "order",
    );
    problem(
        &s.get("/v1/orders?limit=0", &m.a),
        422,
        "invalid_field",
        "limit",
    );
    problem(&s.get("/v1/nothing", &m.a), 404, "not_found", "/v1/nothing");
    problem(
        &s.get("/v1/orders?limit=abc", &m.a),
        422,
        "invalid_field",
        "limit",
    );
    problem(
        &s.get("/v1/orders?colour=red", &m.a),
        422,
        "unknown_field",
        "colour",
    );
    problem(&s.get("/v1/book", &m.a), 422, "missing_field", "model");
    problem(
        &s.call("DELETE", "/v1/orders", Some(&m.a), None, &[]),
        405,
        "method_not_allowed",
        "DELETE",
    );
    problem(
        &s.call("GET", "/v1/orders", None, None, &[]),
        401,
        "unauthorized",
        "Bearer",
    );
    problem(
        &s.call("GET", "/v1/orders", Some("mw_wrong"), None, &[]),
        401,
        "unauthorized",
        "unknown",
    );
    problem(
        &s.post(
            "/v1/participants",
            &m.a,
            json!({ "name": "x", "roles": ["buyer"] }),
        ),
        403,
        "not_permitted",
        "operator",
    );
    // The same code as the engine's for the same situation, and the scheme's case is
    // free: `bearer` is `Bearer`.
    let r = s.call(
        "GET",
        "/v1/me",
        None,
        None,
        &[("Authorization", &format!("bearer {}", m.a))],
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let tick = s.post(
        "/v1/admin/clock",
        &m.a,
        json!({ "hour": "2030-01-01T00:00:00Z" }),
    );
    assert_eq!(
        (tick.status, tick.body["code"].as_str()),
        (403, Some("not_permitted")),
        "a participant learns nothing of the clock's mode: {:?}",
        tick.body
    );
    // The directory comes a page at a time, by id.
    let first = s.get("/v1/participants?limit=1", &m.a).body;
    assert_eq!(
        (first["items"][0]["id"].as_str(), first["next"].as_str()),
        (Some("p-1"), Some("p-1"))
    );
    let second = s.get("/v1/participants?after=p-1&limit=1", &m.a).body;
    assert_eq!(second["items"][0]["id"], "p-2");
    problem(
        &s.get("/v1/participants?after=x", &m.a),
        422,
        "invalid_field",
        "after",
    );
    // The directory of names is every participant's to read.
    let dir = s.get("/v1/participants", &m.a);
    assert_eq!(dir.status, 200, "{:?}", dir.body);
    let names: Vec<&str> = dir.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.len() >= 2 && names.iter().all(|n| !n.is_empty()),
        "{names:?}"
    );
    problem(
        &s.post(
            "/v1/participants",
            &s.operator,
            json!({ "name": "x", "roles": ["king"] }),
        ),
        422,
        "invalid_field",
        "king",
    );
    assert_eq!(
        count_orders(s),
        before,
        "no rejected request may change anything"
    );
}

fn participants_see_and_act_on_their_own_orders_and_contracts_only(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let s = &m.s;
    sell(&m, 100, "2.00");
    let placed = buy(&m, &m.a, 10, "2.00");
    let resting = s.post(
        "/v1/orders",
        &m.a,
        json!({ "side": "buy", "model": "h100-sxm", "gpus": 10, "start": day(5), "hours": 24, "price": "1.00" }),
    );
    let id = resting.body["order"]["id"].as_str().unwrap().to_string();
    let contract = placed["contracts"][0]["id"].as_str().unwrap().to_string();
    // B cannot see, cancel, reduce or list A's order or contract: 404s, as for ids that do not exist.
    problem(
        &s.get(&format!("/v1/orders/{id}"), &m.b),
        404,
        "unknown_order",
        &id,
    );
    problem(
        &s.post(&format!("/v1/orders/{id}/cancel"), &m.b, json!({})),
        404,
        "unknown_order",
        "order",
    );
    problem(
        &s.post(
            &format!("/v1/orders/{id}/reduce"),
            &m.b,
            json!({ "by_gpus": 1 }),
        ),
        404,
        "unknown_order",
        "order",
    );
    problem(
        &s.get(&format!("/v1/contracts/{contract}"), &m.b),
        404,
        "unknown_contract",
        &contract,
    );
    assert_eq!(
        s.get("/v1/orders", &m.b).body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.get("/v1/contracts", &m.b).body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.get("/v1/trades?mine=true", &m.b).body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // The order is still there for A, and the seller sees its side of the contract.
    assert_eq!(
        s.get(&format!("/v1/orders/{id}"), &m.a).body["status"],
        "open"
    );
    assert_eq!(
        s.get(&format!("/v1/contracts/{contract}"), &m.prov).status,
        200
    );
    assert_eq!(
        s.get(&format!("/v1/contracts/{contract}"), &s.operator)
            .status,
        200
    );
}

fn idempotent_retries_act_once(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let s = &m.s;
    sell(&m, 100, "2.00");
    let body = json!({ "side": "buy", "model": "h100-sxm", "gpus": 10, "start": day(1), "hours": 24, "price": "2.00" }).to_string();
    let post = |b: &str, key: &str| {
        s.call(
            "POST",
            "/v1/orders",
            Some(&m.a),
            Some(b),
            &[("Idempotency-Key", key)],
        )
    };
    let first = post(&body, "retry-1");
    let again = post(&body, "retry-1");
    assert_eq!(first.status, 201);
    assert_eq!(again.status, 201);
    assert_eq!(first.body, again.body, "a retry returns the first result");
    assert_eq!(
        s.get("/v1/trades?mine=true", &m.a).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "and does not act twice"
    );
    let other = body.replace("\"gpus\":10", "\"gpus\":11");
    problem(
        &post(&other, "retry-1"),
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
    );
    // A rejected request is remembered too.
    let bad = body.replace("\"gpus\":10", "\"gpus\":0");
    let r1 = post(&bad, "retry-2");
    let r2 = post(&bad, "retry-2");
    assert_eq!((r1.status, r2.status), (422, 422));
    assert_eq!(r1.body, r2.body);
    // A key creation is not repeated by a retry: keys are secrets shown only once.
    let kb = json!({ "participant": "p-3" }).to_string();
    let key = |b: &str| {
        s.call(
            "POST",
            "/v1/keys",
            Some(&s.operator),
            Some(b),
            &[("Idempotency-Key", "key-1")],
        )
    };
    let k1 = key(&kb);
    assert_eq!(k1.status, 201);
    problem(&key(&kb), 409, "key_already_issued", "shown only once");
    problem(
        &key(&json!({ "participant": "p-4" }).to_string()),
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
    );
    assert_eq!(
        s.get("/v1/me", k1.body["key"].as_str().unwrap()).status,
        200,
        "the first key works"
    );
    // Keys are per participant: B may use the same key for its own request.
    let b = s.call(
        "POST",
        "/v1/orders",
        Some(&m.b),
        Some(&body),
        &[("Idempotency-Key", "retry-1")],
    );
    assert_eq!(b.status, 201);
    assert_ne!(b.body["order"]["id"], first.body["order"]["id"]);
}

fn a_restart_keeps_every_acknowledged_order_trade_and_contract(backend: Backend) {
    let Some(m) = market(backend) else { return };
    sell(&m, 100, "2.00");
    let placed = buy(&m, &m.a, 10, "2.00");
    let resting = buy(&m, &m.b, 500, "1.50");
    let orders = m.s.get("/v1/orders?limit=1000", &m.s.operator).body;
    let trades = m.s.get("/v1/trades?mine=true", &m.a).body;
    let contracts = m.s.get("/v1/contracts", &m.s.operator).body;
    let book = m.s.get("/v1/book?model=h100-sxm", &m.a).body;
    let Market { s, a, b, prov, .. } = m;
    let s = s.restart();
    // The test servers snapshot every 7 commands: the restart restored a snapshot and
    // replayed only the journal after it.
    let r = s.recovery();
    assert!(
        r.snapshot_seq > 0 && r.snapshot_seq + r.replayed == r.last_seq,
        "{r:?}"
    );
    assert_eq!(s.get("/v1/orders?limit=1000", &s.operator).body, orders);
    assert_eq!(s.get("/v1/trades?mine=true", &a).body, trades);
    assert_eq!(s.get("/v1/contracts", &s.operator).body, contracts);
    assert_eq!(
        s.get("/v1/book?model=h100-sxm", &a).body,
        book,
        "the engine state is recovered"
    );
    assert_eq!(placed["order"]["status"], "filled");
    let id = resting["order"]["id"].as_str().unwrap();
    assert_eq!(
        s.get(&format!("/v1/orders/{id}"), &b).body["status"],
        "open"
    );
    // Keys survive, and trading goes on where it stopped: ids continue.
    let next = s.post(
        "/v1/orders",
        &prov,
        json!({ "side": "sell", "pool": "pool-1", "gpus": 500, "start": day(1), "hours": 48, "price": "1.50" }),
    );
    assert_eq!(next.status, 201, "{:?}", next.body);
    assert_eq!(
        next.body["trades"][0]["bid"],
        json!(id),
        "the recovered resting bid trades"
    );
    // The store is sound: replay, invariants after every command, tables.
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
    assert_eq!(report.trades, 2);
    assert!(
        report.snapshots >= 1,
        "the snapshot equals the replayed state"
    );
}

fn reservations_are_listed_for_their_owner_only(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let s = &m.s;
    let r = s.post(
        "/v1/reservations",
        &m.prov,
        json!({ "pool": m.pool, "gpus": 100, "start": day(2), "hours": 24 }),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        s.get("/v1/reservations", &m.prov).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.get("/v1/reservations", &m.a).body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let id = r.body["id"].as_str().unwrap();
    problem(
        &s.post(&format!("/v1/reservations/{id}/release"), &m.a, json!({})),
        404,
        "unknown_reservation",
        "reservation",
    );
    assert_eq!(
        s.post(
            &format!("/v1/reservations/{id}/release"),
            &m.prov,
            json!({})
        )
        .status,
        204
    );
    assert_eq!(
        s.get("/v1/reservations", &m.prov).body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

fn the_rate_limit_answers_429_with_retry_after(backend: Backend) {
    let Some(s) = TestServer::start_limited(backend, 2) else {
        return;
    };
    let statuses: Vec<u16> = (0..10)
        .map(|_| s.get("/v1/me", &s.operator).status)
        .collect();
    assert_eq!(statuses[0], 200);
    assert!(statuses.contains(&429), "{statuses:?}");
    let r = s.get("/v1/me", &s.operator);
    if r.status == 429 {
        problem(&r, 429, "rate_limited", "slow down");
    }
}

/// The lines of `/v1/events` as they come, after a "connected" line.
fn subscribe(m: &Market, last_event_id: Option<&str>) -> std::sync::mpsc::Receiver<String> {
    common::sse::subscribe(&m.s, &m.b, last_event_id)
}

/// Events until a trade: (id, type) each.
fn until_trade(rx: &std::sync::mpsc::Receiver<String>) -> Vec<(String, String)> {
    let (mut saw, mut id) = (Vec::new(), String::new());
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(10)) {
        if let Some(i) = line.strip_prefix("id: ") {
            id = i.to_string();
        }
        if let Some(data) = line.strip_prefix("data: ") {
            let v: Value = serde_json::from_str(data).unwrap();
            saw.push((id.clone(), v["type"].as_str().unwrap().to_string()));
            if v["type"] == "trade" {
                assert_eq!(v["gpus"], 10);
                assert!(v.get("buyer").is_none(), "public data has no parties");
                break;
            }
        }
    }
    saw
}

fn market_data_streams_after_commit(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let rx = subscribe(&m, None);
    sell(&m, 100, "2.00");
    buy(&m, &m.a, 10, "2.00");
    let saw = until_trade(&rx);
    assert_eq!(
        saw.last().map(|(_, t)| t.as_str()),
        Some("trade"),
        "{saw:?}"
    );
    assert!(saw.iter().any(|(_, t)| t == "order"));
    // Every event has an id; reconnecting after the first gets the rest, at once.
    assert!(saw.iter().all(|(id, _)| id.contains('.')), "{saw:?}");
    let again = until_trade(&subscribe(&m, Some(&saw[0].0)));
    assert_eq!(again, saw[1..].to_vec(), "what was missed, in order, once");
    // Before what this server keeps: a gap, then live.
    let rx = subscribe(&m, Some("0.0"));
    let gap = (0..3).find_map(|_| {
        let line = rx.recv_timeout(std::time::Duration::from_secs(10)).ok()?;
        (line == "event: gap").then_some(line)
    });
    assert!(gap.is_some(), "a gap is said");
    problem(
        &m.s.get("/v1/events?after=x", &m.b),
        422,
        "invalid_field",
        "after",
    );
}

/// `Dry-Run: true` answers what the request would do, from a copy of the engine, and
/// changes nothing: no journal record, no trade, no idempotency record; a refusal is
/// the real one; routes that cannot try say so.
fn a_dry_run_answers_what_would_happen_and_changes_nothing(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let s = &m.s;
    sell(&m, 100, "2.00");
    let seq = || s.call("GET", "/healthz", None, None, &[]).body["seq"].as_u64();
    let before = seq();
    let order = json!({ "side": "buy", "model": "h100-sxm", "gpus": 64, "start": day(1), "hours": 24, "price": "2.50" });
    let dry = |key: &str, path: &str, body: &Value| {
        s.call(
            "POST",
            path,
            Some(key),
            Some(&body.to_string()),
            &[("Dry-Run", "true"), ("Idempotency-Key", "k1")],
        )
    };
    let tried = dry(&m.a, "/v1/orders", &order);
    assert_eq!(
        (tried.status, tried.dry_run),
        (200, true),
        "{:?}",
        tried.body
    );
    assert_eq!(tried.body["order"]["status"], "filled");
    assert_eq!(
        tried.body["contracts"][0]["notional"]["micros"].as_i64(),
        Some(2_000_000 * 64 * 24)
    );
    assert_eq!(seq(), before, "nothing journaled");
    assert_eq!(
        s.get("/v1/trades", &m.a).body["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    // The real order, with the same idempotency key: it is new, and does what was tried.
    let r = s.call(
        "POST",
        "/v1/orders",
        Some(&m.a),
        Some(&order.to_string()),
        &[("Idempotency-Key", "k1")],
    );
    assert_eq!((r.status, r.dry_run), (201, false), "{:?}", r.body);
    assert_eq!(r.body["order"]["id"], tried.body["order"]["id"]);
    for k in ["id", "gpus", "price", "notional", "contract"] {
        assert_eq!(r.body["trades"][0][k], tried.body["trades"][0][k], "{k}");
    }
    // Refusals are the real ones.
    let mut zero = order.clone();
    zero["price"] = json!("0");
    problem(
        &dry(&m.a, "/v1/orders", &zero),
        422,
        "price_not_positive",
        "price",
    );
    let ctr = r.body["contracts"][0]["id"].as_str().unwrap().to_string();
    let notice = dry(&m.a, &format!("/v1/contracts/{ctr}/notice"), &json!({}));
    assert_eq!(
        (notice.status, notice.body["code"].as_str()),
        (409, Some("no_right_of_notice"))
    );
    // What cannot be tried says so; a Dry-Run that is neither true nor false is refused.
    let rfq = json!({ "gpus": [{ "model": "h100-sxm", "gpus": 1 }], "start": day(3), "hours": 24, "deadline": day(2) });
    let tried = dry(&m.a, "/v1/rfqs", &rfq);
    assert_eq!(
        (tried.status, tried.dry_run),
        (200, true),
        "{:?}",
        tried.body
    );
    assert_eq!(tried.body["status"], "open");
    assert_eq!(tried.body["gpus"][0]["model"], "h100-sxm");
    assert_eq!(
        s.get("/v1/rfqs", &m.a).body["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    // A real RFQ; a tried cancel answers it cancelled, and it stays open.
    let real = s.post("/v1/rfqs", &m.a, rfq.clone());
    assert_eq!(real.status, 201, "{:?}", real.body);
    let id = real.body["id"].as_str().unwrap().to_string();
    let tried = dry(&m.a, &format!("/v1/rfqs/{id}/cancel"), &json!({}));
    assert_eq!(
        (tried.status, tried.body["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(
        s.get(&format!("/v1/rfqs/{id}"), &m.a).body["status"],
        "open"
    );
    let key = json!({ "participant": "p-2" });
    problem(
        &dry(&s.operator, "/v1/keys", &key),
        400,
        "dry_run_unsupported",
        "Dry-Run",
    );
    let odd = s.call(
        "POST",
        "/v1/orders",
        Some(&m.a),
        Some(&order.to_string()),
        &[("Dry-Run", "maybe")],
    );
    problem(&odd, 400, "malformed_request", "Dry-Run");
    assert_eq!(
        seq(),
        before.map(|n| n + 2),
        "only the real order and RFQ were journaled"
    );
}

/// `/metrics` parses as Prometheus text, with latency histograms per route, method and
/// status, commit and batch histograms, the queue's depth, the build, and the process.
fn metrics_parse_and_say_what_they_measure(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let s = &m.s;
    sell(&m, 10, "2.00");
    let text = s.call("GET", "/metrics", None, None, &[]).body;
    let text = text.as_str().expect("text");
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text");
    let has = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .any(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
    };
    let post = [
        ("route", "/v1/orders"),
        ("method", "POST"),
        ("status", "201"),
    ];
    assert!(
        has("megawatt_http_request_duration_seconds_count", &post),
        "{text}"
    );
    let buckets = scrape.samples.iter().find_map(|x| match &x.value {
        prometheus_parse::Value::Histogram(b)
            if x.metric == "megawatt_http_request_duration_seconds" =>
        {
            Some(b)
        }
        _ => None,
    });
    let buckets = buckets.expect("a latency histogram");
    assert!(
        buckets.iter().any(|b| b.less_than.is_infinite()),
        "{buckets:?}"
    );
    for name in [
        "megawatt_commit_duration_seconds_count",
        "megawatt_batch_commands_count",
        "megawatt_sequencer_queue_depth",
        "megawatt_build_info",
        "megawatt_commands_accepted_total",
        "megawatt_webhook_backlog_events",
        "megawatt_webhooks_disabled_total",
    ] {
        assert!(has(name, &[]), "{name} in {text}");
    }
    assert!(
        has(
            "megawatt_webhook_deliveries_total",
            &[("outcome", "failed")]
        ),
        "{text}"
    );
    assert!(
        has("megawatt_webhook_endpoints", &[("status", "enabled")]),
        "{text}"
    );
    // The Grafana dashboard in docs/ asks only for what the server exports.
    let base = |n: &str| {
        ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|s| n.strip_suffix(s))
            .unwrap_or(n)
            .to_string()
    };
    let exported: std::collections::BTreeSet<String> =
        scrape.samples.iter().map(|x| base(&x.metric)).collect();
    let dashboard = include_str!("../../../docs/grafana-dashboard.json");
    let asked: std::collections::BTreeSet<String> = dashboard
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("megawatt_") || w.starts_with("process_"))
        .map(base)
        .collect();
    assert!(asked.len() > 10, "{asked:?}");
    // So does the example of `/metrics` in the OpenAPI document, which parses too.
    let doc = megawatt_server::openapi::document();
    let example = doc
        .pointer("/paths/~1metrics/get/responses/200/content/text~1plain/example")
        .and_then(serde_json::Value::as_str)
        .expect("an example of /metrics");
    let example = prometheus_parse::Scrape::parse(example.lines().map(|l| Ok(l.to_string())))
        .expect("the example is Prometheus text");
    let shown: std::collections::BTreeSet<String> =
        example.samples.iter().map(|x| base(&x.metric)).collect();
    assert!(shown.len() >= 3, "{shown:?}");
    let unknown: Vec<&String> = shown.difference(&exported).collect();
    assert!(
        unknown.is_empty(),
        "the example shows {unknown:?}, not exported"
    );
    for (name, help) in &example.docs {
        assert_eq!(
            scrape.docs.get(name),
            Some(help),
            "the example's help of {name}"
        );
    }
    let missing: Vec<&String> = asked.difference(&exported).collect();
    assert!(
        missing.is_empty(),
        "the dashboard asks for {missing:?}, not exported"
    );
    for (name, doc) in &scrape.docs {
        assert!(!doc.is_empty(), "{name} has no help");
    }
    assert_eq!(
        scrape
            .docs
            .get("megawatt_commit_seconds_total")
            .map(String::as_str),
        Some("Time spent committing batches, seconds.")
    );
}

on_both_backends!(
    metrics_parse_and_say_what_they_measure,
    walkthrough,
    a_dry_run_answers_what_would_happen_and_changes_nothing,
    bad_input_gets_a_4xx_problem_and_changes_nothing,
    participants_see_and_act_on_their_own_orders_and_contracts_only,
    idempotent_retries_act_once,
    a_restart_keeps_every_acknowledged_order_trade_and_contract,
    reservations_are_listed_for_their_owner_only,
    the_rate_limit_answers_429_with_retry_after,
    market_data_streams_after_commit,
);
