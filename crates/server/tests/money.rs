//! Money over real HTTP, on both backends: the operator's deposits, withdrawals and
//! credit limits; balances and transfers seen only by their owner (and the operator);
//! refusals with their rule; the store audited at the end (the `transfers` table agrees
//! with the journal's replay).

mod common;

use common::{Backend, TestServer};
use serde_json::json;

fn deposits_withdrawals_and_credit(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (lab_id, lab) = s.participant_unfunded("Lab", &["buyer"]);
    let (other_id, other) = s.participant_unfunded("Other", &["buyer"]);
    let r = s.post(
        "/v1/admin/deposits",
        &s.operator,
        json!({ "participant": lab_id, "amount": "1250000.50", "reference": "wire 2026-11-30/1" }),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (r.body["debit"].as_str(), r.body["credit"].as_str()),
        (Some("external"), Some(lab_id.as_str()))
    );
    assert_eq!(r.body["amount_micros"], json!(1_250_000_500_000i64));
    // Only the operator moves money.
    let r = s.post(
        "/v1/admin/deposits",
        &lab,
        json!({ "participant": lab_id, "amount": "1", "reference": "x" }),
    );
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("not_permitted"))
    );
    // No withdrawal beyond the balance, credit or not.
    let r = s.post(
        "/v1/admin/credit-limits",
        &s.operator,
        json!({ "participant": lab_id, "limit": "500000" }),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["credit_limit_micros"], json!(500_000_000_000i64));
    let r = s.post(
        "/v1/admin/withdrawals",
        &s.operator,
        json!({ "participant": lab_id, "amount": "1250001", "reference": "out" }),
    );
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("insufficient_funds")),
        "{:?}",
        r.body
    );
    let r = s.post(
        "/v1/admin/withdrawals",
        &s.operator,
        json!({ "participant": lab_id, "amount_micros": 250_000_500_000i64, "reference": "out" }),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    let bad = s.post(
        "/v1/admin/deposits",
        &s.operator,
        json!({ "participant": lab_id, "amount": "-3", "reference": "x" }),
    );
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    // Each sees its own money; the operator anyone's.
    let b = s.get("/v1/balances", &lab).body;
    assert_eq!(
        (b["balance_micros"].clone(), b["balance_usd"].clone()),
        (json!(1_000_000_000_000i64), json!("1000000.000000"))
    );
    assert_eq!(
        s.get("/v1/balances", &other).body["balance_micros"],
        json!(0)
    );
    let r = s.get(&format!("/v1/balances?participant={lab_id}"), &other);
    assert_eq!(r.status, 403);
    assert_eq!(
        s.get(&format!("/v1/balances?participant={lab_id}"), &s.operator)
            .body["balance_micros"],
        json!(1_000_000_000_000i64)
    );
    assert_eq!(
        s.get("/v1/transfers", &lab).body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(s.get("/v1/transfers", &other).body["items"], json!([]));
    assert_eq!(
        s.get("/v1/transfers", &s.operator).body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let _ = other_id;
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

fn trades_settle_with_fees_and_bids_need_money(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (prov_id, prov) = s.participant("Neocloud", &["provider"]);
    let (lab_id, lab) = s.participant_unfunded("Lab", &["buyer"]);
    let pool = s.pool(&prov, 100);
    let fees = s.post(
        "/v1/admin/fees",
        &s.operator,
        json!({ "maker_bps": 10, "taker_bps": 25 }),
    );
    assert_eq!(fees.status, 200, "{:?}", fees.body);
    assert_eq!(
        s.get("/v1/fees", &lab).body,
        json!({ "maker_bps": 10, "taker_bps": 25 })
    );
    let start = common::day(1);
    let ask = json!({ "side": "sell", "pool": pool, "gpus": 10, "start": start, "hours": 10, "price": "2.00" });
    assert_eq!(s.post("/v1/orders", &prov, ask).status, 201);
    let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 10, "start": start, "hours": 10, "price": "2.00" });
    // $200 of GPU-hours and a 25 bps taker fee: $200.50 needed, nothing available.
    let r = s.post("/v1/orders", &lab, bid.clone());
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("insufficient_funds")),
        "{:?}",
        r.body
    );
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("needs 200500000"),
        "{:?}",
        r.body
    );
    let dep = json!({ "participant": lab_id, "amount": "200.50", "reference": "wire" });
    assert_eq!(s.post("/v1/admin/deposits", &s.operator, dep).status, 201);
    let r = s.post("/v1/orders", &lab, bid);
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["order"]["status"], "filled");
    // The buyer paid the seller at once; both paid their fee to the exchange.
    let lab_balance = s.get("/v1/balances", &lab).body;
    assert_eq!(lab_balance["balance_micros"], json!(0));
    let prov_balance = s.get("/v1/balances", &prov).body;
    assert_eq!(prov_balance["balance_micros"], json!(200_000_000 - 200_000));
    let kinds: Vec<String> = s.get("/v1/transfers", &s.operator).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {} {} {}",
                t["kind"].as_str().unwrap(),
                t["debit"].as_str().unwrap(),
                t["credit"].as_str().unwrap(),
                t["amount_micros"]
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            format!("fee {lab_id} fees 500000"),
            format!("fee {prov_id} fees 200000"),
            format!("trade {lab_id} {prov_id} 200000000"),
            format!("deposit external {lab_id} 200500000"),
        ]
    );
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

fn notice_invoices_its_fee_to_the_parties_only(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (prov_id, prov) = s.participant("Owner", &["provider"]);
    let (lab_id, lab) = s.participant("Lab", &["buyer"]);
    let (_, other) = s.participant("Other", &["buyer"]);
    let pool = s.pool(&prov, 100);
    let rfq = s.post(
        "/v1/rfqs",
        &lab,
        json!({ "gpus": [{ "model": "h100-sxm", "gpus": 10 }], "start": common::day(3), "hours": 720, "deadline": common::day(1) }),
    );
    assert_eq!(rfq.status, 201, "{:?}", rfq.body);
    let q = s.post(
        &format!("/v1/rfqs/{}/quotes", rfq.body["id"].as_str().unwrap()),
        &prov,
        json!({ "lines": [{ "pool": pool, "gpus": 10 }], "monthly_fee": "30000", "buyer_notice_hours": 24,
                "early_termination_fee": "2500", "expires": common::day(1) }),
    );
    assert_eq!(q.status, 201, "{:?}", q.body);
    let c = s.post(
        &format!("/v1/quotes/{}/accept", q.body["id"].as_str().unwrap()),
        &lab,
        json!({}),
    );
    assert_eq!(c.status, 201, "{:?}", c.body);
    let n = s.post(
        &format!("/v1/contracts/{}/notice", c.body["id"].as_str().unwrap()),
        &lab,
        json!({}),
    );
    assert_eq!(n.status, 200, "{:?}", n.body);
    let invoices = s.get("/v1/invoices", &lab).body["items"].clone();
    assert_eq!(invoices.as_array().unwrap().len(), 1, "{invoices:?}");
    let inv = &invoices[0];
    assert_eq!(
        (
            inv["charge"].as_str(),
            inv["payer"].as_str(),
            inv["payee"].as_str(),
            inv["status"].as_str()
        ),
        (
            Some("early_termination_fee"),
            Some(lab_id.as_str()),
            Some(prov_id.as_str()),
            Some("paid")
        )
    );
    assert_eq!(inv["amount_micros"], json!(2_500_000_000i64));
    assert_eq!(
        s.get("/v1/invoices", &prov).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.get("/v1/invoices", &other).body["items"], json!([]));
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

on_both_backends!(
    deposits_withdrawals_and_credit,
    trades_settle_with_fees_and_bids_need_money,
    notice_invoices_its_fee_to_the_parties_only
);
