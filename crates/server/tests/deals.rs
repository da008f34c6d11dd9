//! Term deals over real HTTP, on both backends: the whole RFQ → quote → accept → notice
//! flow, termination for cause, resale with a child ended by its parent, and every
//! party trying to act where it has no right (403/404/409/422 with the rule named).
//! Ends with an audit of the store (tables agree with the journal's replay).

mod common;

use common::{Backend, Resp, TestServer, day, ok};
use serde_json::json;

fn problem(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(r.body["code"], code, "{:?}", r.body);
}

/// Hours from now to the start of day `d` (as `day` counts).
fn hour_of(rfc: &str) -> u32 {
    let t = megawatt_engine::units::Hour::containing(megawatt_server::sequencer::now_ms());
    // RFC 3339 on the hour: compare through the server's own parser.
    let h = megawatt_server::parse::hour(rfc).unwrap();
    h.0 - t.0
}

fn rfq_quote_accept_notice(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, prov) = s.participant("Colossus Compute", &["provider"]);
    let (_, prov2) = s.participant("Other Cloud", &["provider"]);
    let (_, lab) = s.participant("Frontier Lab", &["buyer"]);
    let (_, other) = s.participant("Other Lab", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    let pool2 = s.pool(&prov2, 1_000);
    let start = day(2);
    // The lab asks for 600 H100 for 30 days, able to leave on at most 10 days' notice.
    let rfq = ok(
        s.post(
            "/v1/rfqs",
            &lab,
            json!({ "gpus": [{ "model": "h100-sxm", "gpus": 600 }], "start": start, "hours": 720,
                    "max_buyer_notice_hours": 240, "for_cause": ["non_delivery"], "min_payment_days": 20,
                    "deadline": day(1) }),
        ),
        201,
    );
    assert_eq!(rfq["terms"]["min_payment_days"], 20);
    let rfq_id = rfq["id"].as_str().unwrap().to_string();
    assert_eq!(rfq["status"], "open");
    // Visible to providers and the buyer; not to another buyer.
    ok(s.get(&format!("/v1/rfqs/{rfq_id}"), &prov), 200);
    problem(
        &s.get(&format!("/v1/rfqs/{rfq_id}"), &other),
        404,
        "unknown_rfq",
    );
    assert_eq!(s.get("/v1/rfqs", &other).body["items"], json!([]));
    // Quotes that miss the RFQ's hard requirements are refused with the reason.
    let quote = |key: &str, pool: &str, gpus: u32, notice: Option<u32>| {
        let mut body = json!({ "lines": [{ "pool": pool, "gpus": gpus }], "monthly_fee": "1000000",
                               "seller_notice_hours": 240, "expires": day(1) });
        if let Some(n) = notice {
            body["buyer_notice_hours"] = json!(n);
        }
        s.post(&format!("/v1/rfqs/{rfq_id}/quotes"), key, body)
    };
    problem(&quote(&prov, &pool, 500, Some(240)), 422, "quote_unmet");
    let r = quote(&prov, &pool, 600, None);
    problem(&r, 422, "quote_unmet");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("buyer_notice_hours")
    );
    problem(&quote(&prov, &pool2, 600, Some(240)), 403, "not_owner");
    problem(&quote(&lab, &pool, 600, Some(240)), 403, "not_permitted");
    let mut net_200 = json!({ "lines": [{ "pool": pool, "gpus": 600 }], "monthly_fee": "1000000",
                              "buyer_notice_hours": 240, "payment_days": 200, "expires": day(1) });
    let r = s.post(&format!("/v1/rfqs/{rfq_id}/quotes"), &prov, net_200.clone());
    problem(&r, 422, "out_of_range");
    assert_eq!(r.body["field"], "payment_days", "as the request spelled it");
    net_200["payment_days"] = json!(15);
    let r = s.post(&format!("/v1/rfqs/{rfq_id}/quotes"), &prov, net_200.clone());
    problem(&r, 422, "quote_unmet");
    assert_eq!(r.body["field"], "payment_days", "as the request spelled it");
    net_200["payment_days"] = json!(-1);
    let r = s.post(&format!("/v1/rfqs/{rfq_id}/quotes"), &prov, net_200);
    problem(&r, 422, "invalid_field");
    assert_eq!(r.body["field"], "payment_days");
    // Two firm quotes; each encumbers its capacity.
    let q1 = ok(quote(&prov, &pool, 600, Some(240)), 201);
    let q2 = ok(quote(&prov2, &pool2, 600, Some(120)), 201);
    let (q1, q2) = (
        q1["id"].as_str().unwrap().to_string(),
        q2["id"].as_str().unwrap().to_string(),
    );
    let big_ask = |gpus: u32| {
        s.post(
            "/v1/orders",
            &prov,
            json!({ "side": "sell", "pool": pool, "gpus": gpus, "start": start, "hours": 24, "price": "2.00" }),
        )
    };
    problem(&big_ask(500), 409, "insufficient_capacity");
    // Each party sees what it may: the buyer both quotes, a provider its own.
    assert_eq!(
        s.get(&format!("/v1/rfqs/{rfq_id}/quotes"), &lab).body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        s.get(&format!("/v1/rfqs/{rfq_id}/quotes"), &prov2).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    problem(
        &s.get(&format!("/v1/quotes/{q1}"), &prov2),
        404,
        "unknown_quote",
    );
    // Only the RFQ's buyer accepts.
    problem(
        &s.post(&format!("/v1/quotes/{q1}/accept"), &other, json!({})),
        404,
        "unknown_quote",
    );
    problem(
        &s.post(&format!("/v1/quotes/{q1}/accept"), &prov, json!({})),
        403,
        "not_permitted",
    );
    problem(
        &s.post(&format!("/v1/quotes/{q1}/withdraw"), &prov2, json!({})),
        404,
        "unknown_quote",
    );
    let c = ok(
        s.post(&format!("/v1/quotes/{q1}/accept"), &lab, json!({})),
        201,
    );
    let cid = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["origin"]["kind"], "quote");
    assert_eq!(c["origin"]["quote"], json!(q1));
    assert_eq!(c["status"], "pending");
    assert_eq!(c["monthly_fee"]["micros"], json!(1_000_000_000_000i64));
    assert_eq!(
        c["run_rate_per_year"]["micros"],
        json!(12_000_000_000_000i64)
    );
    assert_eq!(c["terms"]["buyer_notice_hours"], 240);
    assert_eq!(
        c["terms"]["for_cause"],
        json!(["acceptable_use", "non_payment", "non_delivery"])
    );
    // The answer is megawatt-api's ContractView, field for field: it reads back into
    // the type and writes the same JSON again.
    let typed: megawatt_api::ContractView =
        serde_json::from_value(c.clone()).expect("a ContractView");
    assert_eq!(serde_json::to_value(&typed).unwrap(), c);
    assert_eq!(
        typed.run_rate_per_year.as_ref().map(|m| m.micros),
        Some(12_000_000_000_000)
    );
    let rfq = s.get(&format!("/v1/rfqs/{rfq_id}"), &lab).body;
    let typed: megawatt_api::RfqView = serde_json::from_value(rfq.clone()).expect("an RfqView");
    assert_eq!(serde_json::to_value(&typed).unwrap(), rfq);
    let page = s.get("/v1/contracts", &lab).body;
    let typed: megawatt_api::Page<megawatt_api::ContractView> =
        serde_json::from_value(page.clone()).expect("a page of contracts");
    assert_eq!(serde_json::to_value(&typed).unwrap(), page);
    // The other quote is released, the RFQ closed; the capacity stays encumbered as
    // committed, so the pool still cannot sell it.
    assert_eq!(
        s.get(&format!("/v1/quotes/{q2}"), &prov2).body["status"],
        "released"
    );
    assert_eq!(
        s.get(&format!("/v1/rfqs/{rfq_id}"), &lab).body["status"],
        "accepted"
    );
    problem(
        &s.post(&format!("/v1/quotes/{q2}/accept"), &lab, json!({})),
        404,
        "unknown_quote",
    );
    problem(&big_ask(500), 409, "insufficient_capacity");
    exit_costs(&s, &cid, (&lab, &prov, &other), &start);
    // Notice: strangers are not told the contract exists; the buyer may give notice.
    problem(
        &s.post(&format!("/v1/contracts/{cid}/notice"), &other, json!({})),
        404,
        "unknown_contract",
    );
    let before_ms = megawatt_server::sequencer::now_ms();
    let n = ok(
        s.post(&format!("/v1/contracts/{cid}/notice"), &lab, json!({})),
        200,
    );
    let after_ms = megawatt_server::sequencer::now_ms();
    assert_eq!(n["status"], "notice_given");
    assert_eq!(
        n["notice"]["by"],
        s.get("/v1/me", &lab).body["participant"]["id"]
    );
    let ends = n["ends"].as_str().unwrap().to_string();
    assert_eq!(n["notice"]["effective"], json!(ends));
    // On the real clock too, notice runs from the moment it was given: 240 hours after
    // it, rounded up to an hour boundary.
    let at = |ms: u64| {
        megawatt_engine::units::Hour::at_or_after(ms + 240 * megawatt_engine::units::MS_PER_HOUR)
    };
    let effective = megawatt_server::parse::hour(&ends).unwrap();
    assert!(
        at(before_ms) <= effective && effective <= at(after_ms),
        "{ends} is 240 hours after the notice, rounded up"
    );
    assert!(
        hour_of(&ends) <= 241 + 1,
        "ends after the notice period: {ends}"
    );
    assert!(
        ends.as_str() < n["end"].as_str().unwrap(),
        "earlier than the original end"
    );
    problem(
        &s.post(&format!("/v1/contracts/{cid}/notice"), &prov, json!({})),
        409,
        "contract_not_in_force",
    );
    // The capacity after the effective end is free again at once.
    ok(
        s.post(
            "/v1/orders",
            &prov,
            json!({ "side": "sell", "pool": pool, "gpus": 1_000, "start": ends, "hours": 24, "price": "2.00" }),
        ),
        201,
    );
    // Once notice is given, neither side can leave again.
    let after = ok(s.get(&format!("/v1/contracts/{cid}/exit-cost"), &prov), 200);
    assert_eq!(after["can_exit"], false);
    assert_eq!(after["reason"], "contract_not_in_force");
    assert_eq!(after["ends"], json!(ends));
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

/// What leaving the $1m-a-month contract `cid` (600 GPUs for 720 hours from `start`,
/// 240 hours' notice either side) would cost, a day into it: the engine's prorated
/// fee to the micro-dollar, for each side; refusals name their field.
fn exit_costs(s: &TestServer, cid: &str, (lab, prov, other): (&str, &str, &str), start: &str) {
    use megawatt_engine::units::{Hour, prorated_fee_micros};
    let begin = megawatt_server::parse::hour(start).unwrap();
    let (at, end) = (Hour(begin.0 + 24), Hour(begin.0 + 720));
    let path = format!("/v1/contracts/{cid}/exit-cost?at={at}");
    let x = ok(s.get(&path, lab), 200);
    let fee =
        |from: Hour, to: Hour| json!(prorated_fee_micros(1_000_000_000_000, from, to).unwrap());
    let effective = Hour(at.0 + 240);
    assert_eq!(x["party"], "buyer", "the caller's side: {x}");
    assert_eq!(x["can_exit"], true);
    assert_eq!(x["notice_hours"], 240);
    assert_eq!(x["effective"], json!(effective.to_string()));
    assert_eq!(x["until_effective"]["micros"], fee(at, effective));
    assert_eq!(x["cut_off"]["micros"], fee(effective, end));
    assert_eq!(x["buyer_saving"]["micros"], fee(effective, end), "no fee");
    assert_eq!(x["remaining_term"]["micros"], fee(at, end));
    let typed: megawatt_api::ExitCostView = serde_json::from_value(x.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), x);
    // The seller's side: the same notice, no saving shown.
    let y = ok(s.get(&path, prov), 200);
    assert_eq!(y["party"], "seller");
    assert_eq!(y["cut_off"], x["cut_off"]);
    assert!(y.get("buyer_saving").is_none(), "{y}");
    let z = ok(s.get(&format!("{path}&party=seller"), lab), 200);
    assert_eq!(
        z, y,
        "the buyer asking for the seller's exit sees the seller's"
    );
    // The operator sees any contract's; its default is the buyer's side.
    let o = ok(s.get(&path, &s.operator), 200);
    assert_eq!(o, x);
    // Notice given within 240 hours of the end takes effect too late to end it early.
    let late = Hour(end.0 - 100);
    let w = ok(
        s.get(&format!("/v1/contracts/{cid}/exit-cost?at={late}"), lab),
        200,
    );
    assert_eq!(w["can_exit"], false);
    assert_eq!(w["reason"], "notice_past_end");
    assert_eq!(w["effective"], json!(Hour(late.0 + 240).to_string()));
    // Refusals: a stranger, a bad party, a bad time, an unknown field.
    problem(&s.get(&path, other), 404, "unknown_contract");
    let r = s.get(&format!("{path}&party=broker"), lab);
    problem(&r, 422, "invalid_field");
    assert_eq!(r.body["field"], "party");
    let r = s.get(&format!("/v1/contracts/{cid}/exit-cost?at=soon"), lab);
    problem(&r, 422, "invalid_field");
    assert_eq!(r.body["field"], "at");
    problem(
        &s.get(&format!("{path}&as_of=1"), lab),
        422,
        "unknown_field",
    );
}

fn termination_for_cause_and_resale(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, a) = s.participant("Lab A", &["buyer"]);
    let (_, b) = s.participant("Lab B", &["buyer"]);
    let pool = s.pool(&prov, 100);
    let start = day(1);
    let trade = |key: &str, gpus: u32| {
        ok(
            s.post(
                "/v1/orders",
                &prov,
                json!({ "side": "sell", "pool": pool, "gpus": gpus, "start": start, "hours": 48, "price": "2.00" }),
            ),
            201,
        );
        let r = ok(
            s.post(
                "/v1/orders",
                key,
                json!({ "side": "buy", "model": "h100-sxm", "gpus": gpus, "start": start, "hours": 48, "price": "2.00" }),
            ),
            201,
        );
        r["contracts"][0]["id"].as_str().unwrap().to_string()
    };
    let c1 = trade(&a, 10);
    // Exchange fills are firm: no notice; causes by the right party only.
    problem(
        &s.post(&format!("/v1/contracts/{c1}/notice"), &a, json!({})),
        409,
        "no_right_of_notice",
    );
    let terminate = |key: &str, c: &str, cause: &str| {
        s.post(
            &format!("/v1/contracts/{c}/terminate"),
            key,
            json!({ "cause": cause, "reason": "GPUs were never delivered" }),
        )
    };
    problem(
        &terminate(&prov, &c1, "non_delivery"),
        409,
        "cause_not_allowed",
    );
    problem(&terminate(&a, &c1, "non_payment"), 409, "cause_not_allowed");
    // A fill settled at the trade: nothing is overdue, so non-payment is refused.
    problem(
        &terminate(&prov, &c1, "non_payment"),
        409,
        "nothing_overdue",
    );
    problem(&terminate(&b, &c1, "non_delivery"), 404, "unknown_contract");
    // A body written with megawatt-api's request type is the body the server reads.
    let body = megawatt_api::Terminate {
        cause: megawatt_api::CauseName::NonDelivery,
        reason: "  ".into(),
    };
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({ "cause": "non_delivery", "reason": "  " })
    );
    let r = s.post(
        &format!("/v1/contracts/{c1}/terminate"),
        &a,
        serde_json::to_value(&body).unwrap(),
    );
    problem(&r, 422, "invalid_name");
    // Resale: A lists part of what it holds; more than it holds is refused.
    let c2 = trade(&a, 20);
    let resell = |key: &str, gpus: u32| {
        s.post(
            "/v1/orders",
            key,
            json!({ "side": "sell", "contract": c2, "gpus": gpus, "start": start, "hours": 24, "price": "3.00" }),
        )
    };
    problem(&resell(&a, 21), 409, "resale_exceeds_holding");
    problem(&resell(&b, 5), 404, "unknown_contract");
    let ask = ok(resell(&a, 8), 201);
    assert_eq!(ask["order"]["contract"], json!(c2));
    problem(&resell(&a, 13), 409, "resale_exceeds_holding");
    let fill = ok(
        s.post(
            "/v1/orders",
            &b,
            json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": start, "hours": 24, "price": "3.00" }),
        ),
        201,
    );
    let child = fill["contracts"][0].clone();
    assert_eq!(child["origin"]["kind"], "resale");
    assert_eq!(child["origin"]["parent"], json!(c2));
    let child_id = child["id"].as_str().unwrap().to_string();
    // The parent ends for cause: its child ends with it, and the reseller sees why.
    let t = ok(terminate(&a, &c2, "non_delivery"), 200);
    assert_eq!(t["status"], "terminated_for_cause");
    assert_eq!(t["termination"]["cause"], "non_delivery");
    assert_eq!(t["termination"]["reason"], "GPUs were never delivered");
    let ch = ok(s.get(&format!("/v1/contracts/{child_id}"), &a), 200);
    assert_eq!(ch["status"], "notice_given");
    assert_eq!(ch["notice"]["via_parent"], json!(c2));
    // The parent now ends before the child would start: the child holds nothing.
    assert!(t["ends"].as_str().unwrap() <= ch["start"].as_str().unwrap());
    assert_eq!(ch["ends"], ch["start"]);
    problem(
        &terminate(&a, &c2, "non_delivery"),
        409,
        "contract_not_in_force",
    );
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

on_both_backends!(rfq_quote_accept_notice, termination_for_cause_and_resale);
