//! Scoped API keys over real HTTP, on both backends (`docs/api.md`, "Keys and
//! scopes"): a metering agent's key reports usage and nothing else, a read-only key
//! reads, each refusal a 403 naming the scope; keys are listed by prefix and revoked
//! (an open event stream ends), and both survive a restart.

mod common;

use common::{Backend, Resp, TestServer, ok};
use megawatt_engine::units::Hour;
use serde_json::{Value, json};

/// `r` is a 403 `insufficient_scope` whose detail names `needs`.
fn lacks(r: &Resp, needs: &str) {
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("insufficient_scope")),
        "{:?}",
        r.body
    );
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains(needs), "{detail}");
}

fn scoped_keys_do_only_what_their_scopes_allow(backend: Backend) {
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (prov_id, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let pool = s.pool(&prov, 100);
    let start = Hour(Hour::containing(megawatt_server::sequencer::now_ms()).0 + 2);
    let order = |key: &str, side: &str, place: (&str, &str)| {
        let body = json!({ "side": side, place.0: place.1, "gpus": 8, "start": start.to_string(),
            "hours": 4, "price": "2.00" });
        s.post("/v1/orders", key, body)
    };
    ok(order(&prov, "sell", ("pool", &pool)), 201);
    let placed = ok(order(&lab, "buy", ("model", "h100-sxm")), 201);
    let c = placed["contracts"][0]["id"].as_str().unwrap().to_string();
    let tick = json!({ "hour": Hour(start.0 + 4).to_string() });
    ok(s.post("/v1/admin/clock", &s.operator, tick), 200);

    // The provider makes its metering agent a key that reports usage, and nothing else.
    let agent = ok(
        s.post("/v1/keys", &prov, json!({ "scopes": ["usage:report"] })),
        201,
    );
    assert_eq!(
        (&agent["participant"], &agent["scopes"]),
        (&json!(prov_id), &json!(["usage:report"]))
    );
    let (agent_prefix, agent) = (
        agent["prefix"].as_str().unwrap().to_string(),
        agent["key"].as_str().unwrap().to_string(),
    );
    let report = json!({ "records": [{ "contract": c, "hour": start.to_string(), "gpus": 8 }] });
    let r = ok(s.post("/v1/usage", &agent, report.clone()), 200);
    assert_eq!(r["delivered"], 1);
    lacks(
        &order(&agent, "sell", ("pool", &pool)),
        "needs the scope trade",
    );
    lacks(&s.get("/v1/orders", &agent), "needs the scope read");
    lacks(&s.get(&format!("/v1/contracts/{c}/usage"), &agent), "read");
    lacks(
        &s.post("/v1/keys", &agent, json!({ "scopes": ["usage:report"] })),
        "every scope",
    );
    // A read-only key reads, and changes nothing.
    let reader = ok(s.post("/v1/keys", &lab, json!({ "scopes": ["read"] })), 201);
    let reader = reader["key"].as_str().unwrap().to_string();
    let usage = ok(s.get(&format!("/v1/contracts/{c}/usage"), &reader), 200);
    assert_eq!(usage["items"].as_array().unwrap().len(), 1);
    lacks(
        &s.post("/v1/usage", &reader, report.clone()),
        "usage:report",
    );
    lacks(&order(&reader, "buy", ("model", "h100-sxm")), "trade");
    // Only the operator makes keys for others; a key names only scopes there are.
    let r = s.post("/v1/keys", &lab, json!({ "participant": prov_id }));
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("not_permitted"))
    );
    let r = s.post("/v1/keys", &lab, json!({ "scopes": ["admin"] }));
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = s.post("/v1/keys", &lab, json!({ "scopes": [] }));
    assert_eq!((r.status, r.body["field"].as_str()), (422, Some("scopes")));
    // Lists: yours (the operator: everyone's), prefixes and scopes, never keys.
    let mine = ok(s.get("/v1/keys", &prov), 200);
    let listed: Vec<(String, Value)> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["prefix"].as_str().unwrap().to_string(),
                k["scopes"].clone(),
            )
        })
        .collect();
    assert_eq!(listed.len(), 2, "{mine:?}");
    assert_eq!(listed[0], (agent_prefix.clone(), json!(["usage:report"])));
    assert_eq!(listed[1].1, json!(["*"]));
    assert!(
        !mine.to_string().contains(&agent),
        "a list never shows a key"
    );
    let all = ok(s.get("/v1/keys", &s.operator), 200);
    assert!(all["items"].as_array().unwrap().len() >= 5);
    let r = s.get(&format!("/v1/keys?participant={prov_id}"), &lab);
    assert_eq!(r.status, 403, "{:?}", r.body);
    // A read key's event stream hears the market, and ends once the key is revoked.
    let stream_key = ok(s.post("/v1/keys", &lab, json!({ "scopes": ["read"] })), 201);
    let (stream_prefix, stream_key) = (
        stream_key["prefix"].as_str().unwrap().to_string(),
        stream_key["key"].as_str().unwrap().to_string(),
    );
    let rx = common::sse::subscribe(&s, &stream_key, None);
    let later = Hour(start.0 + 24).to_string();
    let ask = |s: &TestServer| {
        let body = json!({ "side": "sell", "pool": pool, "gpus": 1, "start": later, "hours": 1, "price": "9.00" });
        ok(s.post("/v1/orders", &prov, body), 201)
    };
    ask(&s);
    // The ask's events: the order, then the book's new top (its last).
    assert!(!common::sse::until(&rx, |e| e.kind == "top").is_empty());
    ok(
        s.post(&format!("/v1/keys/{stream_prefix}/revoke"), &lab, json!({})),
        200,
    );
    ask(&s);
    let mut after = Vec::new();
    let ended = loop {
        match rx.recv_timeout(std::time::Duration::from_secs(10)) {
            Ok(line) => after.push(line),
            Err(e) => break e,
        }
    };
    assert_eq!(
        ended,
        std::sync::mpsc::RecvTimeoutError::Disconnected,
        "{after:?}"
    );
    assert!(!after.iter().any(|l| l.starts_with("data: ")), "{after:?}");
    // Revoked by its prefix: refused from then on, also after a restart.
    let r = s.post(&format!("/v1/keys/{agent_prefix}/revoke"), &lab, json!({}));
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (404, Some("unknown_key")),
        "another's key is not found"
    );
    let revoked = ok(
        s.post(&format!("/v1/keys/{agent_prefix}/revoke"), &prov, json!({})),
        200,
    );
    assert_eq!(revoked["participant"], json!(prov_id));
    assert!(revoked["revoked"].is_string(), "{revoked:?}");
    assert_eq!(s.post("/v1/usage", &agent, report.clone()).status, 401);
    let s = s.restart();
    assert_eq!(s.post("/v1/usage", &agent, report.clone()).status, 401);
    lacks(&s.post("/v1/usage", &reader, report), "usage:report");
    assert_eq!(s.get("/v1/orders", &reader).status, 200);
}

on_both_backends!(scoped_keys_do_only_what_their_scopes_allow);
