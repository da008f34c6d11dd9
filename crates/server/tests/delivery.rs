//! Delivery over real HTTP, on both backends: refunds of prepaid hours that will not be
//! delivered (`docs/market-rules.md`, "Refunds"): the named bug, an exchange fill
//! terminated for `non_delivery` before it starts, now returns the buyer's money, and a
//! resold child ended with its parent is refunded by its reseller; a termination for
//! the buyer's breach refunds nothing. Ends with an audit of the store.

mod common;

use common::{Backend, Resp, TestServer, day};
use serde_json::{Value, json};

fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{:?}", r.body);
    r.body
}

/// What the harness deposits for a buyer, micro-USD ($1bn).
const FUNDS: i64 = 1_000_000_000_000_000;

fn refunds_of_what_will_not_be_delivered(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (prov_id, prov) = s.participant("Neocloud", &["provider"]);
    let (lab_id, lab) = s.participant("Lab", &["buyer"]);
    let (second_id, second) = s.participant("Second", &["buyer"]);
    let pool = s.pool(&prov, 100);
    let start = day(1);
    let buy = |key: &str, body: Value| {
        let r = ok(s.post("/v1/orders", key, body), 201);
        r["contracts"][0]["id"].as_str().unwrap().to_string()
    };
    let sell = |key: &str, body: Value| ok(s.post("/v1/orders", key, body), 201);
    let terminate = |key: &str, c: &str, cause: &str| {
        let path = format!("/v1/contracts/{c}/terminate");
        ok(
            s.post(&path, key, json!({ "cause": cause, "reason": "stated" })),
            200,
        )
    };
    sell(
        &prov,
        json!({ "side": "sell", "pool": pool, "gpus": 100, "start": start, "hours": 24, "price": "2.50" }),
    );
    let fill = json!({ "side": "buy", "model": "h100-sxm", "gpus": 64, "start": start, "hours": 24, "price": "2.50" });
    let c1 = buy(&lab, fill);
    let paid = 64 * 24 * 2_500_000i64;
    let balance = |id: &str| {
        s.get(&format!("/v1/balances?participant={id}"), &s.operator)
            .body["balance"]["micros"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(balance(&lab_id), FUNDS - paid);
    // The named bug: paid at the trade, terminated for non-delivery before it starts.
    let r = terminate(&lab, &c1, "non_delivery");
    assert_eq!(r["status"], "terminated_for_cause", "{r:?}");
    assert_eq!(balance(&lab_id), FUNDS, "the buyer has its money back");
    assert_eq!(balance(&prov_id), 0);
    let refund = s.get("/v1/invoices", &lab).body["items"][0].clone();
    assert_eq!(
        (
            &refund["charge"],
            &refund["payer"],
            &refund["payee"],
            &refund["status"]
        ),
        (
            &json!("refund"),
            &json!(prov_id),
            &json!(lab_id),
            &json!("paid")
        ),
        "{refund:?}"
    );
    assert_eq!(refund["amount"]["micros"], json!(paid));
    assert_eq!(
        refund["lines"][0]["gpu_hours"],
        json!(64 * 24),
        "{refund:?}"
    );
    assert_eq!(refund["period_start"], json!(start));
    let kinds: Vec<Value> = s.get("/v1/transfers", &lab).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].clone())
        .collect();
    assert!(kinds.contains(&json!("refund")), "{kinds:?}");
    // A resold child ended with its parent: the reseller refunds its buyer.
    let c2 = buy(
        &lab,
        json!({ "side": "buy", "model": "h100-sxm", "gpus": 36, "start": start, "hours": 24, "price": "2.50" }),
    );
    sell(
        &lab,
        json!({ "side": "sell", "contract": c2, "gpus": 10, "start": start, "hours": 24, "price": "3.00" }),
    );
    let child = buy(
        &second,
        json!({ "side": "buy", "model": "h100-sxm", "gpus": 10, "start": start, "hours": 24, "price": "3.00" }),
    );
    assert_eq!(balance(&second_id), FUNDS - 10 * 24 * 3_000_000);
    terminate(&lab, &c2, "non_delivery");
    assert_eq!(balance(&second_id), FUNDS, "the child's buyer is whole");
    assert_eq!(balance(&lab_id), FUNDS, "the reseller too");
    let child_view = ok(s.get(&format!("/v1/contracts/{child}"), &second), 200);
    assert_eq!(child_view["status"], "notice_given", "{child_view:?}");
    // A termination for the buyer's breach refunds nothing.
    sell(
        &prov,
        json!({ "side": "sell", "pool": pool, "gpus": 8, "start": start, "hours": 24, "price": "2.50" }),
    );
    let c3 = buy(
        &second,
        json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": start, "hours": 24, "price": "2.50" }),
    );
    terminate(&prov, &c3, "acceptable_use");
    assert_eq!(balance(&second_id), FUNDS - 8 * 24 * 2_500_000);
    let s = s.restart();
    assert_eq!(
        s.get("/v1/invoices", &second).body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["charge"] == "refund")
            .count(),
        1,
        "one refund for the child, none for the breach"
    );
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

on_both_backends!(refunds_of_what_will_not_be_delivered);
