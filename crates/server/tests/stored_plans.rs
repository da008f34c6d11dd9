//! Stored capacity plans over real HTTP, on both backends (`/v1/plans`): a plan
//! uploaded, shown against the lab's position with the proposal, applied once (a bid
//! filled at once, a resale ask resting, each naming the plan), applied again placing
//! nothing; visible to its owner and the operator only, applied by its owner only; bad
//! uploads refused naming their field; a provider's plan lists what its pool holds
//! beyond its own demand.

mod common;

use common::{Backend, TestServer, ok, problem};
use megawatt_engine::units::Hour;
use serde_json::json;

fn stored_plans(backend: Backend) {
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (lab_id, lab) = s.participant("Frontier Lab", &["buyer"]);
    let (_, other) = s.participant("Stranger", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let monday = Hour(Hour(now.0 + 48).week_start().0 + 168);
    let next = Hour(monday.0 + 168);
    let ask = |start: Hour, gpus: u32| json!({ "side": "sell", "pool": pool, "gpus": gpus, "start": start.to_string(), "hours": 168, "price": "2.00" });
    ok(s.post("/v1/orders", &prov, ask(monday, 100)), 201);
    ok(s.post("/v1/orders", &prov, ask(next, 30)), 201);
    let buy = json!({ "side": "buy", "model": "h100-sxm", "gpus": 64, "start": monday.to_string(), "hours": 168, "price": "2.00" });
    let contract = ok(s.post("/v1/orders", &lab, buy), 201)["contracts"][0]["id"].clone();
    // A tick publishes the H100 curve from the fill (resale asks are priced at it).
    let tick = json!({ "hour": Hour(now.0 + 1).to_string() });
    ok(s.post("/v1/admin/clock", &s.operator, tick), 200);
    let row = |start: Hour, gpus: u32| json!({ "model": "h100-sxm", "start": start.to_string(), "gpus": gpus });
    let body =
        json!({ "period": "week", "limit": "2.50", "rows": [row(monday, 10), row(next, 20)] });

    let up = ok(s.post("/v1/plans", &lab, body), 201);
    let typed: megawatt_api::StoredPlanView = serde_json::from_value(up.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), up);
    let id = up["id"].as_str().unwrap().to_string();
    assert_eq!(
        (up["participant"].clone(), up["rows"][1].clone()),
        (json!(lab_id), row(next, 20))
    );
    assert_eq!(up["limit"]["micros"], json!(2_500_000));
    assert!(up.get("applied_at").is_none(), "{up}");
    let path = format!("/v1/plans/{id}");
    let apply_path = format!("{path}/apply");

    // Shown before applying: the plan against the position, and the proposal.
    let shown = ok(s.get(&path, &lab), 200);
    let proposal = &shown["proposal"]["proposal"]["orders"];
    let sides: Vec<_> = proposal
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["side"].clone(), o["gpus"].clone()))
        .collect();
    assert_eq!(
        sides,
        vec![(json!("buy"), json!(20)), (json!("sell"), json!(54))]
    );
    // Nobody else sees it or applies it; the operator sees it but may not apply it.
    problem(&s.get(&path, &other), 404, "unknown_plan", "plan");
    problem(
        &s.post(&apply_path, &other, json!({})),
        404,
        "unknown_plan",
        "plan",
    );
    ok(s.get(&path, &s.operator), 200);
    problem(
        &s.post(&apply_path, &s.operator, json!({})),
        403,
        "not_owner",
        "plan",
    );
    let listed = ok(s.get("/v1/plans", &other), 200);
    assert_eq!(listed["items"], json!([]));

    // Applied: the bid fills from the 30 GPUs asked next week; the resale ask rests.
    let a = ok(s.post(&apply_path, &lab, json!({})), 200);
    let typed: megawatt_api::PlanAppliedView = serde_json::from_value(a.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), a);
    assert_eq!(a["applied_now"], json!(true));
    let (bid, resale) = (&a["orders"][0], &a["orders"][1]);
    assert_eq!(
        (
            bid["side"].clone(),
            bid["status"].clone(),
            bid["price"]["micros"].clone()
        ),
        (json!("buy"), json!("filled"), json!(2_500_000)),
        "{a}"
    );
    assert_eq!(
        (resale["contract"].clone(), resale["status"].clone()),
        (contract, json!("open")),
        "{a}"
    );
    for o in [bid, resale] {
        let order = ok(
            s.get(
                &format!("/v1/orders/{}", o["placed"].as_str().unwrap()),
                &lab,
            ),
            200,
        );
        assert_eq!(order["plan"], json!(id), "{order}");
    }
    let orders_after = ok(s.get("/v1/orders", &lab), 200);

    // Applied again: nothing placed, the same orders answered.
    let again = ok(s.post(&apply_path, &lab, json!({})), 200);
    assert_eq!(again["applied_now"], json!(false));
    let placed = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["placed"].clone())
            .collect()
    };
    assert_eq!(placed(&again), placed(&a));
    assert_eq!(ok(s.get("/v1/orders", &lab), 200), orders_after);
    let shown = ok(s.get(&path, &lab), 200);
    assert!(
        shown["applied_at"].is_string() && shown.get("proposal").is_none(),
        "{shown}"
    );
    assert_eq!(placed(&shown), placed(&a));
    assert_eq!(shown["orders"][0]["status"], json!("filled"));
    let mine = ok(s.get("/v1/plans", &lab), 200);
    assert_eq!(mine["items"][0]["id"], json!(id));

    // A provider's plan is its own demand: what its pool holds beyond it is listed from
    // the pool, naming the plan.
    let later = Hour(next.0 + 168);
    let own = json!({ "period": "week", "rows": [row(later, 900)] });
    let pid = ok(s.post("/v1/plans", &prov, own), 201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pa = ok(
        s.post(&format!("/v1/plans/{pid}/apply"), &prov, json!({})),
        200,
    );
    let listed = &pa["orders"][0];
    assert_eq!(
        (
            listed["side"].clone(),
            listed["pool"].clone(),
            listed["gpus"].clone(),
            listed["status"].clone()
        ),
        (json!("sell"), json!(pool), json!(100), json!("open")),
        "{pa}"
    );
    assert_eq!(pa["orders"].as_array().map(Vec::len), Some(1));

    // Bad uploads, named as the body spells them; nothing stored.
    let bad = |rows: serde_json::Value, limit: &str| {
        s.post(
            "/v1/plans",
            &lab,
            json!({ "period": "week", "rows": rows, "limit": limit }),
        )
    };
    let soon = json!([{ "model": "h100-sxm", "start": "soon", "gpus": 1 }]);
    problem(&bad(soon, "2.00"), 422, "invalid_field", "rows[0].start");
    problem(
        &bad(json!([row(monday, 1)]), "0"),
        422,
        "price_not_positive",
        "limit",
    );
    let nope = json!([row(monday, 1), { "model": "x999", "start": monday.to_string(), "gpus": 1 }]);
    problem(&bad(nope, "2.00"), 404, "unknown_model", "rows[1].model");
    problem(
        &bad(json!([row(Hour(monday.0 + 1), 1)]), "2.00"),
        422,
        "out_of_range",
        "rows[0].start",
    );
    assert_eq!(
        ok(s.get("/v1/plans", &lab), 200)["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    problem(
        &s.get("/v1/plans/pln-99", &lab),
        404,
        "unknown_plan",
        "plan",
    );
}

on_both_backends!(stored_plans);
