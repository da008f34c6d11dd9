//! Delivery over real HTTP, on both backends: refunds of prepaid hours that will not be
//! delivered (`docs/market-rules.md`, "Refunds"): the named bug, an exchange fill
//! terminated for `non_delivery` before it starts, now returns the buyer's money, and a
//! resold child ended with its parent is refunded by its reseller; a termination for
//! the buyer's breach refunds nothing. Ends with an audit of the store.

mod common;

use common::{Backend, TestServer, day, ok, problem};
use serde_json::{Value, json};

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

fn usage_reports_in_batches(backend: Backend) {
    use megawatt_engine::units::Hour;
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (lab_id, lab) = s.participant("Lab", &["buyer"]);
    let (_, stranger) = s.participant("Stranger", &["buyer"]);
    let pool = s.pool(&prov, 100);
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let start = Hour(now.0 + 2);
    let at = |h: u32| Hour(start.0 + h).to_string();
    let order = |key: &str, side: &str| {
        let pool_or_model = if side == "sell" {
            json!({ "side": "sell", "pool": pool })
        } else {
            json!({ "side": "buy", "model": "h100-sxm" })
        };
        let mut body = pool_or_model;
        for (k, v) in [
            ("gpus", json!(8)),
            ("start", json!(at(0))),
            ("hours", json!(48)),
            ("price", json!("2.00")),
        ] {
            body[k] = v;
        }
        ok(s.post("/v1/orders", key, body), 201)
    };
    order(&prov, "sell");
    let c = order(&lab, "buy")["contracts"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tick = |h: Hour| {
        let r = s.post(
            "/v1/admin/clock",
            &s.operator,
            json!({ "hour": h.to_string() }),
        );
        assert_eq!(r.status, 200, "{:?}", r.body);
    };
    tick(Hour(start.0 + 5));
    let rec = |h: u32, gpus: u32| json!({ "contract": c, "hour": at(h), "gpus": gpus });
    let post =
        |key: &str, records: Vec<Value>| s.post("/v1/usage", key, json!({ "records": records }));
    let mut metered = rec(2, 6);
    metered["energy_wh"] = json!(4_200);
    let r = ok(post(&prov, vec![rec(0, 8), rec(1, 8), metered]), 200);
    assert_eq!(r, json!({ "records": 3, "delivered": 3, "used": 0 }));
    let r = ok(post(&lab, vec![rec(0, 5)]), 200);
    assert_eq!(r, json!({ "records": 1, "delivered": 0, "used": 1 }));
    // Bad batches are refused whole, naming the record and its field.
    problem(
        &post(&prov, vec![rec(3, 8), rec(5, 8)]),
        422,
        "usage_hour_not_ended",
        "records[1].hour",
    );
    let r = post(&prov, vec![rec(3, 8), rec(4, 9)]);
    problem(&r, 422, "usage_above_contracted", "records[1].gpus");
    assert_eq!(r.body["pointer"], "/records/1/gpus");
    let bad_id = json!({ "contract": "ctr-x", "hour": at(3), "gpus": 1 });
    problem(
        &post(&prov, vec![rec(3, 8), bad_id]),
        422,
        "invalid_field",
        "records[1].contract",
    );
    problem(
        &post(&stranger, vec![rec(3, 8)]),
        404,
        "unknown_contract",
        "records[0].contract",
    );
    problem(
        &post(&prov, vec![rec(3, 8), rec(3, 7)]),
        422,
        "duplicate_record",
        "records[1].hour",
    );
    // A body far above the usual 64 KB limit is read: 10,001 records are refused by
    // the engine's bound, not by the body's.
    let many: Vec<Value> = (0..10_001).map(|_| rec(3, 8)).collect();
    problem(&post(&prov, many), 422, "quantity_too_large", "records");
    // A correction replaces the hour's report.
    ok(post(&prov, vec![rec(2, 8)]), 200);
    let usage = ok(s.get(&format!("/v1/contracts/{c}/usage"), &lab), 200);
    let items: Vec<(String, String, u64)> = usage["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["hour"].as_str().unwrap().into(),
                i["side"].as_str().unwrap().into(),
                i["gpus"].as_u64().unwrap(),
            )
        })
        .collect();
    let row = |h: u32, side: &str, g: u64| (at(h), side.to_string(), g);
    assert_eq!(
        items,
        [
            row(0, "buyer", 5),
            row(0, "seller", 8),
            row(1, "seller", 8),
            row(2, "seller", 8)
        ],
        "nothing of the refused batches; the correction in place"
    );
    assert_eq!(
        usage["items"][3].get("energy_wh"),
        None,
        "the correction has no energy"
    );
    assert_eq!(
        s.get(&format!("/v1/contracts/{c}/usage"), &stranger).status,
        404
    );
    let r = s.get(
        &format!("/v1/contracts/{c}/usage?from={}&to={}", at(0), at(800)),
        &lab,
    );
    problem(&r, 422, "window_too_long", "to");
    let r = s.get(
        &format!("/v1/contracts/{c}/usage?from={}&to={}", at(5), at(5)),
        &lab,
    );
    problem(&r, 422, "window_empty", "to");
    // An outage: 3 GPUs short in hour 3, all 8 in hour 4: 11 GPU-hours.
    ok(post(&prov, vec![rec(3, 5), rec(4, 0)]), 200);
    // Once every month of the contract has closed, its reports are final, and the
    // buyer was credited exactly the price of what was not delivered.
    tick(Hour(Hour(start.0 + 48).next_month_start().0 + 1));
    problem(
        &post(&prov, vec![rec(3, 8)]),
        409,
        "month_closed",
        "records[0].hour",
    );
    let invoices = ok(s.get("/v1/invoices", &lab), 200);
    let credited: i64 = invoices["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["charge"] == "delivery_credit")
        .map(|i| {
            assert_eq!(
                (&i["payee"], &i["status"]),
                (&json!(lab_id), &json!("paid")),
                "{i:?}"
            );
            i["amount"]["micros"].as_i64().unwrap()
        })
        .sum();
    assert_eq!(credited, 11 * 2_000_000, "{invoices:?}");
    let s = s.restart();
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

fn the_operator_sets_the_delivery_terms_of_fills(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let pool = s.pool(&prov, 100);
    let first = ok(s.get("/v1/delivery-terms", &lab), 200);
    assert_eq!(
        first,
        json!({ "availability_target_bps": 10_000, "unreported": "delivered", "pro_rata": true, "tiers": [] })
    );
    let tiered = json!({ "availability_target_bps": 9_900, "unreported": "not_delivered", "pro_rata": false,
        "tiers": [{ "below_bps": 9_900, "credit_bps": 1_000 }, { "below_bps": 9_500, "credit_bps": 2_500 }] });
    let set = |key: &str, body: &Value| s.post("/v1/admin/delivery-terms", key, body.clone());
    problem(&set(&lab, &tiered), 403, "not_permitted", "actor");
    let mut bad = tiered.clone();
    bad["tiers"][1]["below_bps"] = json!(9_950);
    problem(&set(&s.operator, &bad), 422, "out_of_range", "tiers");
    let mut bad = tiered.clone();
    bad["unreported"] = json!("sometimes");
    problem(&set(&s.operator, &bad), 422, "invalid_field", "unreported");
    assert_eq!(ok(set(&s.operator, &tiered), 200), tiered);
    assert_eq!(ok(s.get("/v1/delivery-terms", &lab), 200), tiered);
    // New fills carry them; the contract shows them, also after a restart.
    let start = day(1);
    let o = |side: &str, key: &str| {
        let mut b =
            json!({ "side": side, "gpus": 4, "start": start, "hours": 24, "price": "2.00" });
        if side == "sell" {
            b["pool"] = json!(pool);
        } else {
            b["model"] = json!("h100-sxm");
        }
        ok(s.post("/v1/orders", key, b), 201)
    };
    o("sell", &prov);
    let c = o("buy", &lab)["contracts"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let s = s.restart();
    assert_eq!(
        ok(s.get(&format!("/v1/contracts/{c}"), &lab), 200)["delivery"],
        tiered
    );
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

/// A term lease quoted with delivery terms, short of them in its month, is billed net:
/// the month's invoice has the usage line, a credit line and the evidence, reconciled
/// here against a computation of its own; the FOCUS export carries the credit as a
/// `Credit` row the FinOps Foundation's validator accepts. Bad delivery terms in a
/// quote are refused naming the field.
fn a_term_lease_short_of_its_delivery_terms_is_credited_on_its_invoice(backend: Backend) {
    use megawatt_engine::units::Hour;
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, prov) = s.participant("Owner", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let pool = s.pool(&prov, 100);
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    // 48 hours inside one month, so that one invoice bills them.
    let mut start = Hour(now.0 + 4);
    if Hour(start.0 + 48).month_start() != start.month_start() {
        start = Hour(start.0 + 48).month_start();
    }
    let at = |h: u32| Hour(start.0 + h).to_string();
    let rfq = ok(
        s.post(
            "/v1/rfqs",
            &lab,
            json!({ "gpus": [{ "model": "h100-sxm", "gpus": 8 }], "start": at(0), "hours": 48,
                "deadline": Hour(now.0 + 2).to_string() }),
        ),
        201,
    );
    let quotes = format!("/v1/rfqs/{}/quotes", rfq["id"].as_str().unwrap());
    let sla = json!({ "availability_target_bps": 9_900, "unreported": "delivered", "pro_rata": true,
        "tiers": [{ "below_bps": 9_500, "credit_bps": 1_000 }] });
    let quote = |delivery: &Value| {
        s.post(
            &quotes,
            &prov,
            json!({ "lines": [{ "pool": pool, "gpus": 8 }], "price": "2.00",
                "expires": Hour(now.0 + 2).to_string(), "delivery": delivery }),
        )
    };
    let mut bad = sla.clone();
    bad["tiers"][0]["credit_bps"] = json!(0);
    problem(&quote(&bad), 422, "out_of_range", "delivery.tiers");
    let mut bad = sla.clone();
    bad["unreported"] = json!("never");
    problem(&quote(&bad), 422, "invalid_field", "delivery.unreported");
    let q = ok(quote(&sla), 201);
    assert_eq!(q["delivery"], sla, "the quote shows what it promises");
    let accept = format!("/v1/quotes/{}/accept", q["id"].as_str().unwrap());
    let c = ok(s.post(&accept, &lab, json!({})), 201);
    assert_eq!(c["delivery"], sla, "the contract carries the quote's terms");
    let c = c["id"].as_str().unwrap().to_string();
    let tick = |h: Hour| {
        let r = s.post(
            "/v1/admin/clock",
            &s.operator,
            json!({ "hour": h.to_string() }),
        );
        assert_eq!(r.status, 200, "{:?}", r.body);
    };
    tick(Hour(start.0 + 48));
    // All 8 GPUs down for hours 10 and 11: 16 of 384 GPU-hours (95.83%), above the
    // 95% tier: pro-rata only.
    let records: Vec<Value> = (0..48)
        .map(|h| json!({ "contract": c, "hour": at(h), "gpus": if h == 10 || h == 11 { 0 } else { 8 } }))
        .collect();
    ok(
        s.post("/v1/usage", &prov, json!({ "records": records })),
        200,
    );
    tick(Hour(Hour(start.0 + 48).next_month_start().0 + 1));
    let invoices = ok(s.get("/v1/invoices", &lab), 200);
    let inv = invoices["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["contract"] == json!(c) && i["charge"] == "usage")
        .expect("the month's invoice")
        .clone();
    // Independently: 8 GPUs x 48 h at $2.00, less 16 GPU-hours at $2.00.
    let (charge, credit) = (8 * 48 * 2_000_000i64, 16 * 2_000_000i64);
    let micros = |v: &Value| v["micros"].as_i64().unwrap();
    assert_eq!(
        (
            micros(&inv["charged"]),
            micros(&inv["credited"]),
            micros(&inv["amount"])
        ),
        (charge, credit, charge - credit),
        "{inv:?}"
    );
    let lines: Vec<(bool, u64, i64)> = inv["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["credit"].as_bool().unwrap(),
                l["gpu_hours"].as_u64().unwrap(),
                micros(&l["amount"]),
            )
        })
        .collect();
    assert_eq!(lines, [(false, 384, charge), (true, 16, -credit)]);
    let d = &inv["delivery_credit"];
    assert_eq!(
        (
            &d["contracted_gpu_hours"],
            &d["delivered_gpu_hours"],
            &d["availability_bps"]
        ),
        (&json!(384), &json!(368), &json!(9_583)),
        "{d:?}"
    );
    assert_eq!((micros(&d["pro_rata"]), micros(&d["tier"])), (credit, 0));
    let id = inv["id"].as_str().unwrap();
    let one = ok(s.get(&format!("/v1/invoices/{id}"), &lab), 200);
    assert_eq!(one, inv, "the invoice shows the same alone");
    // The FOCUS export of the month: the usage row and a Credit row, adding up to the net.
    let month = start.to_string()[..7].to_string();
    let csv = s.get(&format!("/v1/billing/focus?month={month}"), &lab);
    assert_eq!(csv.status, 200);
    let text = csv.body.as_str().unwrap().to_string();
    let credit_rows: Vec<&str> = text.lines().filter(|l| l.contains(",Credit,")).collect();
    assert_eq!(credit_rows.len(), 1, "{text}");
    assert!(credit_rows[0].starts_with("-32.000000,"), "{text}");
    common::focus::validate(&text);
    let s = s.restart();
    assert_eq!(ok(s.get(&format!("/v1/invoices/{id}"), &lab), 200), inv);
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

/// The operator sets how long after its end a month closes; anyone may read it, with
/// the first hour whose reports are still taken; it survives a restart.
fn the_operator_sets_when_months_close(backend: Backend) {
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let shown = ok(s.get("/v1/month-close", &lab), 200);
    assert_eq!(shown["grace_hours"], 0, "{shown}");
    let set = |key: &str, hours: u64| {
        s.post(
            "/v1/admin/month-close",
            key,
            json!({ "grace_hours": hours }),
        )
    };
    problem(&set(&lab, 6), 403, "not_permitted", "actor");
    problem(&set(&s.operator, 169), 422, "out_of_range", "grace_hours");
    problem(
        &set(&s.operator, 70_000),
        422,
        "invalid_field",
        "grace_hours",
    );
    let set = ok(set(&s.operator, 6), 200);
    let open = set["open_from"].as_str().unwrap().to_string();
    assert_eq!(set["grace_hours"], 6, "{set}");
    // It closes six hours after the end of the month of `open_from`.
    let closes = set["closes_at"].as_str().unwrap();
    assert!(
        closes.ends_with("T06:00:00Z") && closes[..7] > open[..7],
        "{set}"
    );
    let s = s.restart();
    assert_eq!(ok(s.get("/v1/month-close", &lab), 200), set);
}

on_both_backends!(
    the_operator_sets_when_months_close,
    refunds_of_what_will_not_be_delivered,
    usage_reports_in_batches,
    the_operator_sets_the_delivery_terms_of_fills,
    a_term_lease_short_of_its_delivery_terms_is_credited_on_its_invoice
);
