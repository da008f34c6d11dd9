//! Money over real HTTP, on both backends: the operator's deposits, withdrawals and
//! credit limits; balances and transfers seen only by their owner (and the operator);
//! refusals with their rule; the store audited at the end (the `transfers` table agrees
//! with the journal's replay).

mod common;

use common::{Backend, TestServer};
use serde_json::{Value, json};

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
    assert_eq!(r.body["amount"]["micros"], json!(1_250_000_500_000i64));
    // An amount of nothing: its own rule, named as the request spelled it.
    for (body, field) in [
        (
            json!({ "participant": lab_id, "amount_micros": 0, "reference": "zero" }),
            "amount_micros",
        ),
        (
            json!({ "participant": lab_id, "amount": "0", "reference": "zero" }),
            "amount",
        ),
    ] {
        let r = s.post("/v1/admin/deposits", &s.operator, body);
        assert_eq!(
            (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
            (422, Some("amount_not_positive"), Some(field)),
            "{:?}",
            r.body
        );
    }
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
    assert_eq!(r.body["credit_limit"]["micros"], json!(500_000_000_000i64));
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
        (b["balance"]["micros"].clone(), b["balance"]["usd"].clone()),
        (json!(1_000_000_000_000i64), json!("1000000.000000"))
    );
    assert_eq!(
        s.get("/v1/balances", &other).body["balance"]["micros"],
        json!(0)
    );
    let r = s.get(&format!("/v1/balances?participant={lab_id}"), &other);
    assert_eq!(r.status, 403);
    assert_eq!(
        s.get(&format!("/v1/balances?participant={lab_id}"), &s.operator)
            .body["balance"]["micros"],
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
    assert_eq!(lab_balance["balance"]["micros"], json!(0));
    let prov_balance = s.get("/v1/balances", &prov).body;
    assert_eq!(
        prov_balance["balance"]["micros"],
        json!(200_000_000 - 200_000)
    );
    // Also the placed order's answer lists the money it moved for the buyer.
    let moved: Vec<&str> = r.body["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(moved, ["trade", "fee"], "{:?}", r.body["transfers"]);
    // The operator reads the exchange's own accounts: fees earned, money from outside.
    let fees = s.get("/v1/balances?participant=fees", &s.operator).body;
    assert_eq!(
        fees["balance"]["micros"],
        json!(200_000 + 500_000),
        "{fees:?}"
    );
    let external = s.get("/v1/balances?participant=external", &s.operator).body;
    assert!(
        external["balance"]["micros"].as_i64().unwrap() < 0,
        "{external:?}"
    );
    let fee_transfers = s.get("/v1/transfers?participant=fees", &s.operator).body;
    assert_eq!(
        fee_transfers["items"].as_array().map(Vec::len),
        Some(2),
        "{fee_transfers:?}"
    );
    let r = s.get("/v1/balances?participant=fees", &lab);
    assert!(
        matches!(r.status, 403 | 422),
        "a participant may not: {:?}",
        r.body
    );
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
                t["amount"]["micros"]
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
    assert_eq!(inv["amount"]["micros"], json!(2_500_000_000i64));
    assert_eq!(
        s.get("/v1/invoices", &prov).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.get("/v1/invoices", &other).body["items"], json!([]));
    // One invoice: its parties and the operator see it, with its fee line; no one else.
    let path = format!("/v1/invoices/{}", inv["id"].as_str().unwrap());
    for key in [&lab, &prov, &s.operator] {
        let one = s.get(&path, key);
        assert_eq!(one.status, 200, "{:?}", one.body);
        assert_eq!(
            one.body["lines"][0]["amount"]["micros"],
            json!(2_500_000_000i64)
        );
        assert!(
            one.body["lines"][0].get("line").is_none(),
            "a fee line has no index"
        );
    }
    assert_eq!(s.get(&path, &other).status, 404);
    assert_eq!(s.get("/v1/invoices/inv-999", &lab).status, 404);
    assert_eq!(s.get("/v1/invoices/ctr-1", &lab).status, 404);
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

/// Every item of a paged list (operator's view).
fn all(s: &TestServer, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &next {
            Some(n) => format!("{path}{sep}limit=1000&before={n}"),
            None => format!("{path}{sep}limit=1000"),
        };
        let r = s.get(&url, &s.operator);
        assert_eq!(r.status, 200, "{:?}", r.body);
        items.extend(r.body["items"].as_array().unwrap().iter().cloned());
        match r.body["next"].as_str() {
            Some(n) => next = Some(n.to_string()),
            None => return items,
        }
    }
}

/// `fee` x `hours` / `month_hours`, rounded half to even: the rule, computed here
/// independently of the engine.
fn prorate(fee: i64, hours: i64, month_hours: i64) -> i64 {
    let (q, r) = (
        i128::from(fee) * i128::from(hours) / i128::from(month_hours),
        i128::from(fee) * i128::from(hours) % i128::from(month_hours),
    );
    let up = 2 * r > i128::from(month_hours) || (2 * r == i128::from(month_hours) && q % 2 == 1);
    i64::try_from(q).unwrap() + i64::from(up)
}

fn overlap(a: (u32, u32), b: (u32, u32)) -> i64 {
    i64::from(a.1.min(b.1).saturating_sub(a.0.max(b.0)))
}

fn hour_of(t: &Value) -> u32 {
    let t = t.as_str().unwrap();
    let days = megawatt_engine::units::days_from_civil(
        t[0..4].parse().unwrap(),
        t[5..7].parse().unwrap(),
        t[8..10].parse().unwrap(),
    );
    u32::try_from(days * 24).unwrap() + t[11..13].parse::<u32>().unwrap()
}

/// A year of month closes on a manual clock, over HTTP: a two-line monthly-fee lease
/// starting mid-month and ended by notice (with its fee), and a per-GPU-hour contract
/// whose buyer stops paying, is terminated for non-payment once an invoice is overdue,
/// and pays up later. Every invoice is recomputed here and matched to the micro-dollar;
/// every paid invoice has exactly one transfer and every unpaid none; balances equal
/// the sum of each account's transfers; a month's FOCUS export adds up to its invoices
/// and passes the FinOps Foundation's validator.
fn a_year_of_month_closes_reconciles_to_the_micro_dollar(backend: Backend) {
    use megawatt_engine::units::Hour;
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (prov_id, prov) = s.participant("Owner", &["provider"]);
    let (lab_id, lab) = s.participant("Lab", &["buyer"]);
    let (lab2_id, lab2) = s.participant_unfunded("Lab Two", &["buyer"]);
    let f = s.post(
        "/v1/facilities",
        &prov,
        json!({ "name": "Site", "region": "us-east", "power_kw": 100_000,
                "pools": [{ "model": "h100-sxm", "gpus": 100 }, { "model": "h200", "gpus": 50 }] }),
    );
    assert_eq!(f.status, 201, "{:?}", f.body);
    let pools = [&f.body["pools"][0]["id"], &f.body["pools"][1]["id"]];
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let months: Vec<u32> = std::iter::successors(Some(Hour(now.0 + 72).next_month_start()), |m| {
        Some(m.next_month_start())
    })
    .take(14)
    .map(|h| h.0)
    .collect();
    let at = |h: u32| Hour(h).to_string();
    let tick = |h: u32| {
        let r = s.post("/v1/admin/clock", &s.operator, json!({ "hour": at(h) }));
        assert_eq!(r.status, 200, "{:?}", r.body);
    };
    let deal = |key: &str, gpus: Value, start: u32, hours: u32, pricing: Value| {
        let rfq = s.post(
            "/v1/rfqs",
            key,
            json!({ "gpus": gpus, "start": at(start), "hours": hours, "deadline": at(now.0 + 24) }),
        );
        assert_eq!(rfq.status, 201, "{:?}", rfq.body);
        let mut quote = pricing;
        quote["expires"] = json!(at(now.0 + 24));
        let q = s.post(
            &format!("/v1/rfqs/{}/quotes", rfq.body["id"].as_str().unwrap()),
            &prov,
            quote,
        );
        assert_eq!(q.status, 201, "{:?}", q.body);
        let c = s.post(
            &format!("/v1/quotes/{}/accept", q.body["id"].as_str().unwrap()),
            key,
            json!({}),
        );
        assert_eq!(c.status, 201, "{:?}", c.body);
        c.body["id"].as_str().unwrap().to_string()
    };
    // A: 8 H100 + 4 H200 at $30,000 a month from mid-month for 300 days, 24 hours'
    // notice for the buyer, a $2,500 fee.
    let a_start = months[0] + 14 * 24;
    let a = deal(
        &lab,
        json!([{ "model": "h100-sxm", "gpus": 8 }, { "model": "h200", "gpus": 4 }]),
        a_start,
        300 * 24,
        json!({ "lines": [{ "pool": pools[0], "gpus": 8 }, { "pool": pools[1], "gpus": 4 }],
                "monthly_fee": "30000", "buyer_notice_hours": 24, "early_termination_fee": "2500" }),
    );
    // B: 5 H100 at $2.10 an hour for a year; its buyer has only the first month.
    let first_month = 5 * 2_100_000 * i64::from(months[1] - months[0]);
    let d = s.post(
        "/v1/admin/deposits",
        &s.operator,
        json!({ "participant": lab2_id, "amount_micros": first_month, "reference": "wire 1" }),
    );
    assert_eq!(d.status, 201, "{:?}", d.body);
    let b = deal(
        &lab2,
        json!([{ "model": "h100-sxm", "gpus": 5 }]),
        months[0],
        365 * 24,
        json!({ "lines": [{ "pool": pools[0], "gpus": 5 }], "price": "2.10", "payment_days": 15 }),
    );
    let shown = s.get(&format!("/v1/contracts/{b}"), &lab2).body;
    assert_eq!(shown["terms"]["payment_days"], 15);
    // Months 1 and 2 close: B's second invoice stays open. At its due hour it is
    // overdue, and the seller terminates B for non-payment.
    tick(months[1]);
    let early = s.post(
        &format!("/v1/contracts/{b}/terminate"),
        &prov,
        json!({ "cause": "non_payment", "reason": "not yet" }),
    );
    assert_eq!(
        (early.status, early.body["code"].as_str()),
        (409, Some("nothing_overdue"))
    );
    tick(months[2]);
    let open: Vec<Value> = all(&s, "/v1/invoices")
        .into_iter()
        .filter(|i| i["status"] == "open")
        .collect();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["contract"].as_str(), Some(b.as_str()));
    let owed = open[0]["amount"]["micros"].as_i64().unwrap();
    let bal = |p: &str| {
        s.get(&format!("/v1/balances?participant={p}"), &s.operator)
            .body
    };
    assert_eq!(bal(&lab2_id)["owed"]["micros"].as_i64(), Some(owed));
    assert_eq!(bal(&prov_id)["receivable"]["micros"].as_i64(), Some(owed));
    let due = hour_of(&open[0]["due"]);
    assert_eq!(due, months[2] + 15 * 24, "B pays within 15 days");
    tick(due);
    let cut = s.post(
        &format!("/v1/contracts/{b}/terminate"),
        &prov,
        json!({ "cause": "non_payment", "reason": "invoice overdue" }),
    );
    assert_eq!(cut.status, 200, "{:?}", cut.body);
    let b_end = due + 1;
    // Notice on A in the sixth month, mid-day. On a manual clock every command after a
    // tick is stamped exactly on the tick's hour, and notice runs from the moment it is
    // given: A ends exactly 24 hours later (not an hour after that).
    let notice_hour = months[5] + 10 * 24 + 5;
    tick(notice_hour);
    let n = s.post(&format!("/v1/contracts/{a}/notice"), &lab, json!({}));
    assert_eq!(n.status, 200, "{:?}", n.body);
    let a_end = notice_hour + 24;
    assert_eq!(hour_of(&n.body["ends"]), a_end);
    for &m in &months[3..] {
        if m > notice_hour {
            tick(m);
        }
    }
    // Lab Two pays up: its open invoices are paid, oldest first.
    let d = s.post(
        "/v1/admin/deposits",
        &s.operator,
        json!({ "participant": lab2_id, "amount": "100000", "reference": "wire 2" }),
    );
    assert_eq!(d.status, 201, "{:?}", d.body);

    // Every invoice, recomputed.
    let mut expected = std::collections::BTreeMap::new();
    for w in months.windows(2) {
        let (m, hours) = ((w[0], w[1]), i64::from(w[1] - w[0]));
        let a_hours = overlap((a_start, a_end), m);
        if a_hours > 0 {
            let from = a_start.max(m.0);
            expected.insert(
                (a.clone(), "usage", from),
                prorate(30_000_000_000, a_hours, hours),
            );
        }
        let b_hours = overlap((months[0], b_end), m);
        if b_hours > 0 {
            expected.insert((b.clone(), "usage", m.0), 5 * b_hours * 2_100_000);
        }
    }
    expected.insert((a.clone(), "early_termination_fee", a_end), 2_500_000_000);
    let invoices = all(&s, "/v1/invoices");
    let got: std::collections::BTreeMap<_, _> = invoices
        .iter()
        .map(|i| {
            let charge = if i["charge"] == "usage" {
                "usage"
            } else {
                "early_termination_fee"
            };
            let key = (
                i["contract"].as_str().unwrap().to_string(),
                charge,
                hour_of(&i["period_start"]),
            );
            (key, i["amount"]["micros"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(
        got.len(),
        invoices.len(),
        "one invoice per contract, charge and period"
    );
    assert_eq!(got, expected);
    assert!(
        invoices.iter().all(|i| i["status"] == "paid"),
        "{invoices:?}"
    );
    // Each invoice's lines add up to it; A's usage has one line per contract line.
    for i in &invoices {
        let lines = i["lines"].as_array().unwrap();
        let sum: i64 = lines
            .iter()
            .map(|l| l["amount"]["micros"].as_i64().unwrap())
            .sum();
        assert_eq!(Some(sum), i["amount"]["micros"].as_i64(), "{i:?}");
        let want = match (i["contract"].as_str() == Some(a.as_str()), &i["charge"]) {
            (true, c) if c == "usage" => 2,
            _ => 1,
        };
        assert_eq!(lines.len(), want, "{i:?}");
    }
    assert_eq!(bal(&lab2_id)["owed"]["micros"].as_i64(), Some(0));

    // Every paid invoice has exactly one transfer, from payer to payee, of its amount.
    let transfers = all(&s, "/v1/transfers");
    for i in &invoices {
        let paid: Vec<&Value> = transfers
            .iter()
            .filter(|t| t["kind"] == "invoice" && t["reference"] == i["id"])
            .collect();
        assert_eq!(paid.len(), 1, "{i:?}");
        assert_eq!(
            (
                &paid[0]["debit"],
                &paid[0]["credit"],
                &paid[0]["amount"]["micros"]
            ),
            (&i["payer"], &i["payee"], &i["amount"]["micros"])
        );
    }
    // Balances are the sum of each account's transfers, and all of them sum to zero.
    let mut derived: std::collections::BTreeMap<String, i64> = Default::default();
    for t in &transfers {
        let amount = t["amount"]["micros"].as_i64().unwrap();
        *derived
            .entry(t["debit"].as_str().unwrap().into())
            .or_default() -= amount;
        *derived
            .entry(t["credit"].as_str().unwrap().into())
            .or_default() += amount;
    }
    assert_eq!(derived.values().sum::<i64>(), 0);
    for p in [&prov_id, &lab_id, &lab2_id] {
        let bal = s.get(&format!("/v1/balances?participant={p}"), &s.operator);
        assert_eq!(
            bal.body["balance"]["micros"].as_i64(),
            derived.get(p.as_str()).copied(),
            "{p}"
        );
    }
    let billed: i64 = expected.values().sum();
    assert_eq!(
        derived[prov_id.as_str()],
        billed,
        "the seller received every invoice"
    );

    // A month's FOCUS export: Lab's rows add up to its invoices of that month.
    let focus_month = Hour(months[2]).to_string()[..7].to_string();
    let csv = s.get(&format!("/v1/billing/focus?month={focus_month}"), &lab);
    assert_eq!(csv.status, 200, "{:?}", csv.body);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    let text = csv.body.as_str().unwrap().to_string();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "one row per line of A:\n{text}");
    let cost: i64 = rows
        .iter()
        .map(|r| megawatt_server::parse::usd(r.split(',').next().unwrap()).unwrap())
        .sum();
    assert_eq!(cost, expected[&(a.clone(), "usage", months[2])]);
    common::focus::validate(&text);
    // The notice month has A's usage and its fee; Lab Two sees only its own.
    let notice_month = Hour(months[5]).to_string()[..7].to_string();
    let text = s
        .get(&format!("/v1/billing/focus?month={notice_month}"), &lab)
        .body;
    let text = text.as_str().unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.contains(",Purchase,") && text.contains("2500.000000"),
        "{text}"
    );
    common::focus::validate(text);
    let theirs = s
        .get(&format!("/v1/billing/focus?month={notice_month}"), &lab2)
        .body;
    assert_eq!(
        theirs.as_str().unwrap().lines().count(),
        1,
        "B has ended: a header only"
    );
    let report = megawatt_store::audit::audit(&s.store, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
}

/// The FOCUS export refuses what it cannot do, with the field at fault.
fn focus_export_refuses_bad_requests(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, lab) = s.participant("Lab", &["buyer"]);
    for bad in [
        "2027-13",
        "2027-1",
        "27-01",
        "1969-12",
        "x",
        "2027-01-01",
        "2027-+1",
        "+027-01",
        "2027-00",
    ] {
        let r = s.get(&format!("/v1/billing/focus?month={bad}"), &lab);
        assert_eq!(
            (r.status, r.body["field"].as_str()),
            (422, Some("month")),
            "{bad}"
        );
    }
    // Without a month: the last month closed (the one before the clock's), as CSV.
    let r = s.get("/v1/billing/focus", &lab);
    assert_eq!(r.status, 200, "{:?}", r.body);
    let header = r.body.as_str().unwrap().lines().next().unwrap_or_default();
    assert!(header.starts_with("BilledCost,"), "{header}");
    assert_eq!(
        header.split(',').count(),
        43,
        "42 FOCUS 1.0 columns and ChargeType"
    );
    let r = s.get("/v1/billing/focus?month=2027-01&participant=p-1", &lab);
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("not_permitted"))
    );
    let r = s.get(
        "/v1/billing/focus?month=2027-01&participant=nobody",
        &s.operator,
    );
    assert_eq!(r.status, 422, "{:?}", r.body);
    // A month without charges: the header only.
    let r = s.get("/v1/billing/focus?month=2027-01", &lab);
    assert_eq!(r.status, 200);
    assert_eq!(r.body.as_str().unwrap().lines().count(), 1);
    // The clock follows real time unless the server was started with a manual clock.
    let r = s.post(
        "/v1/admin/clock",
        &s.operator,
        json!({ "hour": "2030-01-01T00:00:00Z" }),
    );
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("clock_not_manual"))
    );
}

/// Only the operator ticks a manual clock, and never backwards.
fn a_manual_clock_moves_only_forward_and_only_for_the_operator(backend: Backend) {
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let r = s.post(
        "/v1/admin/clock",
        &lab,
        json!({ "hour": "2040-01-01T00:00:00Z" }),
    );
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("not_permitted"))
    );
    let r = s.post(
        "/v1/admin/clock",
        &s.operator,
        json!({ "hour": "2040-01-01T00:00:00Z" }),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = s.post(
        "/v1/admin/clock",
        &s.operator,
        json!({ "hour": "2039-01-01T00:00:00Z" }),
    );
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (422, Some("invalid_tick"))
    );
    let r = s.post(
        "/v1/admin/clock",
        &s.operator,
        json!({ "hour": "2040-01-01T00:30:00Z" }),
    );
    assert_eq!(r.status, 422, "{:?}", r.body);
    // A restart keeps the market's time.
    let s = s.restart();
    let r = s.post(
        "/v1/admin/clock",
        &s.operator,
        json!({ "hour": "2039-06-01T00:00:00Z" }),
    );
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (422, Some("invalid_tick"))
    );
}

on_both_backends!(
    deposits_withdrawals_and_credit,
    trades_settle_with_fees_and_bids_need_money,
    notice_invoices_its_fee_to_the_parties_only,
    a_year_of_month_closes_reconciles_to_the_micro_dollar,
    focus_export_refuses_bad_requests,
    a_manual_clock_moves_only_forward_and_only_for_the_operator
);
