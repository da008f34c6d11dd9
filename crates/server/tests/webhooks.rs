//! Webhooks over real HTTP, on both backends: a participant's account events reach its
//! endpoint signed, in order, with stable ids; failures are retried and, after the
//! bounded run, the endpoint is disabled with the reason, and enabling it delivers the
//! same event again; redelivery and the attempt log; every refusal names its rule and
//! field and changes nothing; internal addresses are refused unless allowed.

mod common;

use common::receiver::{Delivery, WebhookReceiver};
use common::{Backend, TestServer, day, problem};
use megawatt_server::limits::{WEBHOOK_FAILURES_MAX, WEBHOOK_SIGNATURE_TOLERANCE_SECS};
use megawatt_server::webhooks::sign;
use serde_json::{Value, json};

struct Market {
    s: TestServer,
    prov: String,
    pool: String,
    buyer: String,
    other: String,
}

fn market(backend: Backend) -> Option<Market> {
    let s = TestServer::start(backend)?;
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, buyer) = s.participant("Lab A", &["buyer"]);
    let (_, other) = s.participant("Lab B", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    Some(Market {
        s,
        prov,
        pool,
        buyer,
        other,
    })
}

/// A fill: an ask of the provider's, then a bid of `key` that takes `gpus` of it.
fn trade(m: &Market, key: &str, gpus: u32) {
    let ask = json!({ "side": "sell", "pool": m.pool, "gpus": gpus, "start": day(1), "hours": 24, "price": "2.00" });
    assert_eq!(m.s.post("/v1/orders", &m.prov, ask).status, 201);
    let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": gpus, "start": day(1), "hours": 24, "price": "2.00" });
    let r = m.s.post("/v1/orders", key, bid);
    assert_eq!(r.body["order"]["status"], "filled", "{:?}", r.body);
}

fn register(m: &Market, key: &str, url: &str, events: &[&str]) -> (String, String) {
    let r = m.s.post(
        "/v1/webhooks",
        key,
        json!({ "url": url, "events": events, "description": "test" }),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "enabled");
    let secret = r.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (r.body["id"].as_str().unwrap().to_string(), secret)
}

/// Checks a delivery's signature and headers; its payload.
fn verified(d: &Delivery, secret: &str, webhook: &str) -> Value {
    let now = megawatt_server::sequencer::now_ms() / 1000;
    let header = d.header("megawatt-signature");
    assert_eq!(
        sign::verify(
            secret,
            header,
            d.body.as_bytes(),
            now,
            WEBHOOK_SIGNATURE_TOLERANCE_SECS
        ),
        Ok(()),
        "signature {header:?} over {:?}",
        d.body
    );
    assert_eq!(
        sign::verify("whsec_wrong", header, d.body.as_bytes(), now, 300),
        Err(sign::Invalid::Mismatch)
    );
    let p = d.json();
    assert_eq!(d.header("megawatt-event-id"), p["id"].as_str().unwrap());
    assert_eq!(d.header("megawatt-event-type"), p["type"].as_str().unwrap());
    assert_eq!(d.header("megawatt-webhook-id"), webhook);
    assert_eq!(d.header("content-type"), "application/json");
    assert_eq!(p["type"], p["data"]["type"], "{p}");
    p
}

fn id_of(p: &Value) -> (u64, u32) {
    cursor_of(&p["id"])
}

/// An event id or cursor (`17.2`; `17`: after all of 17) as `(seq, n)`.
fn cursor_of(v: &Value) -> (u64, u32) {
    let raw = v.as_str().unwrap();
    match raw.split_once('.') {
        Some((s, n)) => (s.parse().unwrap(), n.parse().unwrap()),
        None => (raw.parse().unwrap(), u32::MAX),
    }
}

fn deliveries_are_signed_ordered_and_only_yours(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let r = WebhookReceiver::start(200);
    let (hook, secret) = register(&m, &m.buyer, &r.url, &["fill", "contract.pending"]);
    let theirs = WebhookReceiver::start(200);
    let (other_hook, other_secret) = register(&m, &m.other, &theirs.url, &["fill"]);
    trade(&m, &m.buyer, 10);
    let first = r.next();
    assert_eq!(first.header("megawatt-delivery-attempt"), "1");
    let fill = verified(&first, &secret, &hook);
    let pending = verified(&r.next(), &secret, &hook);
    assert_eq!(fill["type"], "fill");
    assert_eq!(fill["data"]["side"], "buy");
    assert_eq!(fill["data"]["gpus"], 10);
    assert_eq!(pending["type"], "contract.pending");
    assert_eq!(pending["data"]["contract"], fill["data"]["contract"]);
    assert_eq!(pending["data"]["role"], "buyer");
    assert!(id_of(&fill) < id_of(&pending), "in order");
    // The other buyer's endpoint gets its own fill first, not the first buyer's.
    trade(&m, &m.other, 5);
    let own = verified(&theirs.next(), &other_secret, &other_hook);
    assert_eq!(
        (own["type"].as_str(), own["data"]["gpus"].as_u64()),
        (Some("fill"), Some(5))
    );
    // The endpoint's cursor is past what it got; the log has both attempts, delivered.
    let w = wait_for(&m, &hook, |w| cursor_of(&w["cursor"]) >= id_of(&pending));
    assert_eq!(w["cursor"], pending["id"], "{w}");
    assert_eq!(w["failures"], 0);
    assert!(w.get("secret").is_none(), "the secret is shown only once");
    // The log is written through the sequencer just after the answers: wait for both.
    let log = wait_until(|| {
        let log =
            m.s.get(&format!("/v1/webhooks/{hook}/attempts"), &m.buyer)
                .body;
        (log["items"].as_array().map(Vec::len) == Some(2)).then_some(log)
    });
    let items = log["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|a| a["outcome"] == "delivered" && a["status"] == 200)
    );
    assert_eq!(items[0]["event"], pending["id"], "newest first");
    // Redelivery: the same event, the same id, logged as manual.
    let again = m.s.post(
        &format!("/v1/webhooks/{hook}/redeliver"),
        &m.buyer,
        json!({ "event": fill["id"] }),
    );
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        (
            again.body["manual"].as_bool(),
            again.body["outcome"].as_str()
        ),
        (Some(true), Some("delivered"))
    );
    let redelivered = verified(&r.next(), &secret, &hook);
    assert_eq!(redelivered, fill, "the same payload, for deduplication");
    // Deleted: gone from the list, and its log with it.
    let del = m.s.call(
        "DELETE",
        &format!("/v1/webhooks/{hook}"),
        Some(&m.buyer),
        None,
        &[],
    );
    assert_eq!(del.status, 204, "{:?}", del.body);
    let list = m.s.get("/v1/webhooks", &m.buyer).body;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
    let gone = m.s.get(&format!("/v1/webhooks/{hook}"), &m.buyer);
    assert_eq!(
        (gone.status, gone.body["code"].as_str()),
        (404, Some("unknown_webhook"))
    );
}

fn failures_are_retried_then_the_endpoint_is_disabled_and_enabling_resumes(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let r = WebhookReceiver::start(500);
    // An answer with a NUL in it (which PostgreSQL's text refuses) is logged escaped;
    // the exchange goes on.
    r.answer_body("no\0thanks");
    let (hook, secret) = register(&m, &m.buyer, &r.url, &["fill"]);
    trade(&m, &m.buyer, 10);
    let mut ids = Vec::new();
    for attempt in 1..=WEBHOOK_FAILURES_MAX {
        let d = r.next();
        assert_eq!(d.header("megawatt-delivery-attempt"), attempt.to_string());
        ids.push(verified(&d, &secret, &hook)["id"].clone());
    }
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "the same event each time: {ids:?}"
    );
    // The last failure disables it, with the reason (the state lands just after the
    // last answer: wait for it, within a bound).
    let w = wait_for(&m, &hook, |w| w["status"] == "disabled");
    let reason = w["disabled_reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("{WEBHOOK_FAILURES_MAX} failed attempts"))
            && reason.contains("answered 500"),
        "{reason}"
    );
    // The log is written through the sequencer just after: wait for its last attempt.
    let log = wait_until(|| {
        let log =
            m.s.get(
                &format!("/v1/webhooks/{hook}/attempts?limit=1000"),
                &m.buyer,
            )
            .body;
        (log["items"].as_array().map(Vec::len) == Some(WEBHOOK_FAILURES_MAX as usize))
            .then_some(log)
    });
    let items = log["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|a| a["outcome"] == "failed" && a["status"] == 500),
        "{log}"
    );
    // Enabled again, with the endpoint fixed: the same event is delivered, as attempt 1.
    r.answer(200);
    let e =
        m.s.post(&format!("/v1/webhooks/{hook}/enable"), &m.buyer, json!({}));
    assert_eq!(
        (e.status, e.body["status"].as_str()),
        (200, Some("enabled")),
        "{:?}",
        e.body
    );
    let d = r.next();
    assert_eq!(verified(&d, &secret, &hook)["id"], ids[0]);
    assert_eq!(d.header("megawatt-delivery-attempt"), "1");
    // The cursor passes it (and the buyer's later events the endpoint does not take).
    let delivered = cursor_of(&ids[0]);
    let w = wait_for(&m, &hook, |w| cursor_of(&w["cursor"]) >= delivered);
    assert_eq!(w["failures"], 0);
}

/// The endpoint once `done` holds of it, read every 20 ms for at most 15 s (a state
/// written just after the receiver answered).
fn wait_for(m: &Market, hook: &str, done: impl Fn(&Value) -> bool) -> Value {
    wait_until(|| {
        let w = m.s.get(&format!("/v1/webhooks/{hook}"), &m.buyer).body;
        done(&w).then_some(w)
    })
}

/// The first `Some` of `read`, tried every 20 ms for at most 15 s.
fn wait_until(read: impl Fn() -> Option<Value>) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if let Some(v) = read() {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "it never came to be");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn bad_requests_name_the_rule_and_field_and_change_nothing(backend: Backend) {
    let Some(m) = market(backend) else { return };
    let s = &m.s;
    let create = |body: Value| s.post("/v1/webhooks", &m.buyer, body);
    let url = "http://127.0.0.1:9/hook";
    problem(
        &create(json!({ "url": "ftp://x.example/", "events": ["fill"] })),
        422,
        "invalid_webhook_url",
        "url",
    );
    problem(
        &create(json!({ "url": "https://u:p@x.example/", "events": ["fill"] })),
        422,
        "invalid_webhook_url",
        "url",
    );
    problem(
        &create(json!({ "url": url, "events": [] })),
        422,
        "no_event_types",
        "events",
    );
    problem(
        &create(json!({ "url": url, "events": ["fill", "trade"] })),
        422,
        "unknown_event_type",
        "events[1]",
    );
    // The field also as a JSON pointer into the body; a query's field has none.
    let r = create(json!({ "url": url, "events": ["fill", "trade"] }));
    assert_eq!(r.body["pointer"], "/events/1", "{:?}", r.body);
    assert_eq!(create(json!({ "url": url })).body["pointer"], "/events");
    let q = s.get("/v1/webhooks/wh-x/attempts?limit=0", &m.buyer);
    assert!(q.body.get("pointer").is_none(), "{:?}", q.body);
    // Nor does the thing the path names, though the request has a body.
    let path = s.post("/v1/orders/ord-999/cancel", &m.buyer, json!({}));
    assert_eq!(path.body["field"], "order", "{:?}", path.body);
    assert!(path.body.get("pointer").is_none(), "{:?}", path.body);
    problem(
        &create(json!({ "url": url, "events": ["fill", "fill"] })),
        422,
        "duplicate_event_type",
        "events[1]",
    );
    problem(
        &create(json!({ "url": url, "events": ["fill"], "description": "a\u{0}b" })),
        422,
        "invalid_description",
        "description",
    );
    problem(
        &create(json!({ "url": url, "events": ["fill"], "description": "x".repeat(257) })),
        422,
        "description_too_long",
        "description",
    );
    problem(
        &create(json!({ "url": url })),
        422,
        "missing_field",
        "events",
    );
    problem(
        &create(json!({ "url": url, "events": ["fill"], "secret": "mine" })),
        422,
        "unknown_field",
        "secret",
    );
    let dry = s.call(
        "POST",
        "/v1/webhooks",
        Some(&m.buyer),
        Some(&json!({ "url": url, "events": ["fill"] }).to_string()),
        &[("Dry-Run", "true")],
    );
    assert_eq!(
        (dry.status, dry.body["code"].as_str()),
        (400, Some("dry_run_unsupported"))
    );
    let none = s.get("/v1/webhooks", &m.buyer).body;
    assert_eq!(
        none["items"].as_array().map(Vec::len),
        Some(0),
        "nothing was registered: {none}"
    );
    // Another's endpoint is unknown to you, for every operation.
    let (hook, _) = register(&m, &m.other, url, &["fill"]);
    for r in [
        s.get(&format!("/v1/webhooks/{hook}"), &m.buyer),
        s.call(
            "DELETE",
            &format!("/v1/webhooks/{hook}"),
            Some(&m.buyer),
            None,
            &[],
        ),
        s.post(&format!("/v1/webhooks/{hook}/enable"), &m.buyer, json!({})),
        s.get(&format!("/v1/webhooks/{hook}/attempts"), &m.buyer),
        s.post(
            &format!("/v1/webhooks/{hook}/redeliver"),
            &m.buyer,
            json!({ "event": "1.0" }),
        ),
    ] {
        problem(&r, 404, "unknown_webhook", "id");
    }
    assert_eq!(
        s.get(&format!("/v1/webhooks/{hook}"), &m.other).status,
        200,
        "still there"
    );
    // Redelivery of what is not in the log, not yours, or not of the endpoint's types.
    let redeliver = |event: &str| {
        s.post(
            &format!("/v1/webhooks/{hook}/redeliver"),
            &m.other,
            json!({ "event": event }),
        )
    };
    problem(&redeliver("x"), 422, "invalid_field", "event");
    problem(&redeliver("999999.0"), 404, "unknown_event", "event");
    trade(&m, &m.buyer, 4);
    trade(&m, &m.other, 4);
    let pending = first_event_of(&m, &m.other, "contract.pending");
    problem(
        &redeliver(&pending),
        422,
        "event_type_not_subscribed",
        "event",
    );
    let buyers_fill = first_event_of(&m, &m.buyer, "fill");
    problem(&redeliver(&buyers_fill), 404, "unknown_event", "event");
    // At most 16 endpoints each.
    for _ in 1..16 {
        register(&m, &m.other, url, &["fill"]);
    }
    problem(
        &create_as(&m, &m.other, url),
        409,
        "too_many_webhooks",
        "url",
    );
    // The types, with their meanings.
    let types = s.get("/v1/webhooks/types", &m.buyer).body;
    let names: Vec<&str> = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for t in [
        "fill",
        "contract.started",
        "contract.ending_soon",
        "invoice.overdue",
        "rfq.awarded",
    ] {
        assert!(names.contains(&t), "{names:?}");
    }
}

fn create_as(m: &Market, key: &str, url: &str) -> common::Resp {
    m.s.post(
        "/v1/webhooks",
        key,
        json!({ "url": url, "events": ["fill"] }),
    )
}

/// The id of `key`'s first event of type `kind`, read from the stream's replay.
fn first_event_of(m: &Market, key: &str, kind: &str) -> String {
    let rx = common::sse::subscribe(&m.s, key, Some("0"));
    common::sse::until(&rx, |e| e.kind == kind)
        .last()
        .unwrap()
        .id
        .clone()
}

fn internal_addresses_are_refused_unless_allowed(backend: Backend) {
    let Some(s) = TestServer::start_guarded(backend) else {
        return;
    };
    let (_, key) = s.participant("Lab", &["buyer"]);
    for url in [
        "http://127.0.0.1:8080/",
        "http://localhost/x",
        "http://169.254.169.254/",
        "http://[::1]/",
        "https://10.1.2.3/",
    ] {
        let r = s.post(
            "/v1/webhooks",
            &key,
            json!({ "url": url, "events": ["fill"] }),
        );
        problem(&r, 422, "webhook_address_not_allowed", "url");
    }
    let ok = s.post(
        "/v1/webhooks",
        &key,
        json!({ "url": "https://hooks.example.com/mw", "events": ["fill"] }),
    );
    assert_eq!(ok.status, 201, "{:?}", ok.body);
}

on_both_backends!(
    deliveries_are_signed_ordered_and_only_yours,
    failures_are_retried_then_the_endpoint_is_disabled_and_enabling_resumes,
    bad_requests_name_the_rule_and_field_and_change_nothing,
    internal_addresses_are_refused_unless_allowed,
);
