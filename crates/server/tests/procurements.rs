//! Standing procurement over HTTP on both backends, on a manual clock: a procurement
//! created with `POST /v1/procurements` buys its due hours at the next tick, each bid
//! naming it (on the order and in the procurement's answer); paused it buys nothing,
//! resumed it buys again, cancelled it ends with what it bought still held; it shows
//! where it stands (held, short, worst case) and survives a restart; bad procurements
//! are refused naming the request's fields, and others' procurements do not exist.

mod common;

use common::{Backend, TestServer, ok, problem};
use megawatt_engine::units::Hour;
use serde_json::json;

fn tick(s: &TestServer, h: Hour) {
    let body = json!({ "hour": h.to_string() });
    ok(s.post("/v1/admin/clock", &s.operator, body), 200);
}

fn standing_procurement(backend: Backend) {
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let pool = s.pool(&prov, 64);
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let t = Hour(now.0 + 2);
    tick(&s, t);
    let h = |n: u32| Hour(t.0 + n).to_string();
    // Asks of 8 GPUs at $2.00 starting at each of the next six hours.
    for k in 1..=6 {
        let ask = json!({ "side": "sell", "pool": pool, "gpus": 8, "start": h(k), "hours": 100, "price": "2.00" });
        ok(s.post("/v1/orders", &prov, ask), 201);
    }
    let body = json!({ "model": "h100-sxm", "gpus": 8, "hours": 48, "lookahead_hours": 3, "price": "2.50" });
    let created = ok(s.post("/v1/procurements", &lab, body.clone()), 201);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "active");
    assert_eq!(created["start"], json!(h(1)));
    assert_eq!(created["end"], json!(h(49)));
    assert_eq!(created["standing"]["due_short_gpu_hours"], 24);
    assert_eq!(
        created["standing"]["worst_case"]["micros"],
        8 * 48 * 2_500_000i64
    );
    assert_eq!(created["bids"], json!([]));
    // The next tick buys hours 1 to 3: three IOC bids, each naming the procurement.
    tick(&s, Hour(t.0 + 1));
    let shown = ok(s.get(&format!("/v1/procurements/{id}"), &lab), 200);
    let bids = shown["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 3, "{shown}");
    assert!(bids.iter().all(|b| b["procurement"] == json!(id)
        && b["time_in_force"] == "ioc"
        && b["status"] == "filled"));
    assert_eq!(shown["bought_gpu_hours"], 24);
    assert_eq!(shown["standing"]["held_gpus"], 8);
    let order = bids[0]["id"].as_str().unwrap();
    let o = ok(s.get(&format!("/v1/orders/{order}"), &lab), 200);
    assert_eq!(o["procurement"], json!(id));
    // Paused, the next tick buys nothing; resumed, the one after buys the new hours.
    let paused = ok(
        s.post(&format!("/v1/procurements/{id}/pause"), &lab, json!({})),
        200,
    );
    assert_eq!(paused["status"], "paused");
    let again = s.post(&format!("/v1/procurements/{id}/pause"), &lab, json!({}));
    problem(&again, 409, "procurement_state", "procurement");
    tick(&s, Hour(t.0 + 2));
    let shown = ok(s.get(&format!("/v1/procurements/{id}"), &lab), 200);
    assert_eq!(shown["bids"].as_array().unwrap().len(), 3);
    ok(
        s.post(&format!("/v1/procurements/{id}/resume"), &lab, json!({})),
        200,
    );
    tick(&s, Hour(t.0 + 3));
    let shown = ok(s.get(&format!("/v1/procurements/{id}"), &lab), 200);
    // Hours 4 and 5 entered the lookahead (hour 3 was bought at the first tick).
    assert_eq!(shown["bids"].as_array().unwrap().len(), 5, "{shown}");
    // Nobody else sees it.
    let (_, other) = s.participant("Other", &["buyer"]);
    let r = s.get(&format!("/v1/procurements/{id}"), &other);
    assert_eq!(
        (r.status, &r.body["code"]),
        (404, &json!("unknown_procurement"))
    );
    let r = s.post(&format!("/v1/procurements/{id}/cancel"), &other, json!({}));
    problem(&r, 404, "unknown_procurement", "procurement");
    let list = ok(s.get("/v1/procurements", &other), 200);
    assert_eq!(list["items"], json!([]));
    // Across a restart it stands as it was.
    let s = s.restart();
    let list = ok(s.get("/v1/procurements?live=true", &lab), 200);
    assert_eq!(list["items"][0]["id"], json!(id));
    assert_eq!(list["items"][0]["bought_gpu_hours"], 40);
    let cancelled = ok(
        s.post(&format!("/v1/procurements/{id}/cancel"), &lab, json!({})),
        200,
    );
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled.get("standing").is_none());
    let live = ok(s.get("/v1/procurements?live=true", &lab), 200);
    assert_eq!(live["items"], json!([]));
    let contracts = ok(s.get("/v1/contracts", &lab), 200);
    assert_eq!(contracts["items"].as_array().unwrap().len(), 5);
    // Bad procurements, each named as the request spelled it.
    let bad = |change: serde_json::Value| {
        let mut b = body.clone();
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        s.post("/v1/procurements", &lab, b)
    };
    problem(&bad(json!({ "gpus": 0 })), 422, "zero_gpus", "gpus");
    problem(
        &bad(json!({ "hours": 9_000 })),
        422,
        "out_of_range",
        "hours",
    );
    problem(
        &bad(json!({ "lookahead_hours": 1, "block_hours": 2 })),
        422,
        "out_of_range",
        "lookahead_hours",
    );
    problem(
        &bad(json!({ "model": "h900" })),
        404,
        "unknown_model",
        "model",
    );
    problem(
        &bad(json!({ "region": "mars" })),
        404,
        "unknown_region",
        "region",
    );
    problem(
        &bad(json!({ "price": "0" })),
        422,
        "price_not_positive",
        "price",
    );
    problem(
        &bad(json!({ "price_micros": 1 })),
        422,
        "invalid_field",
        "price",
    );
    // A worst case beyond the buyer's funds: 10,000 GPUs for 8,000 hours at $50.
    let huge = json!({ "gpus": 10_000, "hours": 8_000, "price": "50" });
    problem(&bad(huge), 409, "insufficient_funds", "price");
}

on_both_backends!(standing_procurement);
