//! Orders in a batch over real HTTP, on both backends (`POST /v1/orders/batch`): each
//! placed or refused on its own (a fill, a refusal naming `orders[1].pool`, a resting
//! bid); a batch with an order that is not an order refused whole, nothing placed; an
//! empty batch, or one outside the document's bounds, refused; one Idempotency-Key for the batch, its retry answered the same.

mod common;

use common::{Backend, TestServer, day, ok, problem};
use serde_json::json;

fn batches(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Frontier Lab", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    let start = day(2);
    let sell = json!({ "side": "sell", "pool": pool, "gpus": 100, "start": start, "hours": 24, "price": "2.00" });
    ok(s.post("/v1/orders", &prov, sell), 201);
    let buy = |gpus: u32, price: &str| json!({ "side": "buy", "model": "h100-sxm", "gpus": gpus, "start": start, "hours": 24, "price": price });
    let not_mine = json!({ "side": "sell", "pool": pool, "gpus": 1, "start": start, "hours": 24, "price": "3.00" });
    let body = json!({ "orders": [buy(64, "2.00"), not_mine, buy(8, "1.00")] });
    let before = ok(s.get("/v1/orders", &lab), 200);

    let key = [("Idempotency-Key", "batch-1")];
    let text = body.to_string();
    let r = s.call("POST", "/v1/orders/batch", Some(&lab), Some(&text), &key);
    assert_eq!(r.status, 200, "{:?}", r.body);
    let typed: megawatt_api::BatchPlacedView = serde_json::from_value(r.body.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), r.body);
    let o = &r.body["orders"];
    assert_eq!(o.as_array().map(Vec::len), Some(3));
    assert_eq!(o[0]["placed"]["order"]["status"], "filled", "{o}");
    assert_eq!(o[0]["placed"]["trades"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        o[0]["placed"]["contracts"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        (
            o[1]["refused"]["code"].clone(),
            o[1]["refused"]["field"].clone()
        ),
        (json!("not_owner"), json!("orders[1].pool")),
        "{o}"
    );
    assert!(o[1].get("placed").is_none());
    assert_eq!(o[2]["placed"]["order"]["status"], "open", "{o}");
    assert_eq!(o[2]["placed"]["trades"], json!([]));
    let after = ok(s.get("/v1/orders", &lab), 200);
    let count = |v: &serde_json::Value| v["items"].as_array().map_or(0, Vec::len);
    assert_eq!(count(&after), count(&before) + 2);

    // The same key and body: the same answer, nothing placed again.
    let again = s.call("POST", "/v1/orders/batch", Some(&lab), Some(&text), &key);
    assert_eq!((again.status, &again.body), (200, &r.body));
    assert_eq!(ok(s.get("/v1/orders", &lab), 200), after);

    // An order that is not an order refuses the whole batch, naming it; nothing placed.
    let bad = json!({ "orders": [buy(1, "2.00"), { "side": "buy", "model": "h100-sxm", "gpus": 1, "start": start, "hours": 24, "price": "2.00", "pool": pool }] });
    problem(
        &s.post("/v1/orders/batch", &lab, bad),
        422,
        "invalid_field",
        "orders[1].pool",
    );
    let priced = json!({ "orders": [buy(1, "two")] });
    problem(
        &s.post("/v1/orders/batch", &lab, priced),
        422,
        "invalid_field",
        "orders[0].price",
    );
    problem(
        &s.post("/v1/orders/batch", &lab, json!({ "orders": [] })),
        422,
        "out_of_range",
        "orders",
    );
    // What the document bounds is refused whole too, not as one order's refusal.
    let huge = json!({ "orders": [buy(2_147_483_648, "2.00")] });
    problem(
        &s.post("/v1/orders/batch", &lab, huge),
        422,
        "out_of_range",
        "orders[0].gpus",
    );
    let shapeless = json!({ "orders": [{ "side": "buy", "model": "H100", "gpus": 1, "start": start, "hours": 24, "price": "2.00" }] });
    problem(
        &s.post("/v1/orders/batch", &lab, shapeless),
        404,
        "unknown_model",
        "orders[0].model",
    );
    assert_eq!(ok(s.get("/v1/orders", &lab), 200), after);
}

on_both_backends!(batches);
