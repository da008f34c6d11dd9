//! Positions over real HTTP, on both backends (`GET /v1/positions`,
//! `/v1/positions/contracts`, `/v1/positions/exposure`): a fill and a resting bid seen
//! from each side, as of an hour; nobody sees another participant's position (404),
//! the operator sees anyone's, the whole market's and its largest exposures; bad
//! queries are refused naming their field.

mod common;

use common::{Backend, TestServer, day, ok, problem};
use megawatt_engine::contract::{ContractLine, Pricing};
use megawatt_engine::economics::Economics;
use megawatt_engine::ids::PoolId;
use megawatt_engine::units::{HOURS_PER_YEAR, Hour, Window};
use serde_json::{Value, json};

const PRICE: i64 = 2_000_000;

fn positions(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (prov_id, prov) = s.participant("Neocloud", &["provider"]);
    let (lab_id, lab) = s.participant("Frontier Lab", &["buyer"]);
    let (_, other) = s.participant("Stranger", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    let start = day(2);
    let sell = json!({ "side": "sell", "pool": pool, "gpus": 100, "start": start, "hours": 48, "price": "2.00" });
    ok(s.post("/v1/orders", &prov, sell), 201);
    let buy = json!({ "side": "buy", "model": "h100-sxm", "gpus": 64, "start": start, "hours": 48, "price": "2.00" });
    ok(s.post("/v1/orders", &lab, buy), 201);
    // A resting bid nobody meets: what the lab could add.
    let later = day(9);
    let rest = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": later, "hours": 24, "price": "1.00" });
    ok(s.post("/v1/orders", &lab, rest), 201);

    // As of the contract's second hour: 47 hours of 64 GPUs left.
    let begin = megawatt_server::parse::hour(&start).unwrap();
    let as_of = Hour(begin.0 + 1);
    let q = format!("/v1/positions?as_of={as_of}");
    let p = ok(s.get(&q, &lab), 200);
    let typed: megawatt_api::PositionView = serde_json::from_value(p.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), p);
    assert_eq!(p["participant"], json!(lab_id));
    assert_eq!(p["as_of"], json!(as_of.to_string()));
    let b = &p["buyer"];
    assert_eq!(b["contracts"], 1);
    assert_eq!(b["committed"]["total"]["gpu_hours"], 64 * 47);
    assert_eq!(
        b["committed"]["total"]["value"]["micros"],
        json!(64 * 47 * PRICE)
    );
    assert_eq!(b["by_counterparty"][0]["key"], json!(prov_id));
    assert_eq!(b["by_counterparty"][0]["name"], "Neocloud");
    assert_eq!(b["by_model"][0]["key"], "h100-sxm");
    assert_eq!(b["by_region"][0]["key"], "us-east");
    assert_eq!(b["by_facility"][0]["ladder"], b["committed"]);
    assert_eq!(b["potential"]["total"]["gpu_hours"], 8 * 24);
    assert_eq!(
        b["potential"]["total"]["value"]["micros"],
        json!(8 * 24 * 1_000_000)
    );
    assert_eq!(
        b["annualized"]["micros"],
        json!(64 * i64::from(HOURS_PER_YEAR) * PRICE)
    );
    assert_eq!(b["this_month"]["micros"], json!(this_month(begin, as_of)));
    assert_eq!(
        b["exits"]["contracts"], 0,
        "an exchange fill has no right of notice"
    );
    assert_eq!(p["seller"]["contracts"], 0);
    let months: u64 = b["committed"]["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["gpu_hours"].as_u64().unwrap())
        .sum();
    assert_eq!(months, 64 * 47, "the months add up to the total");

    // Each contract: no right of notice, and marked only where a curve exists.
    let rows = ok(
        s.get(&format!("/v1/positions/contracts?as_of={as_of}"), &lab),
        200,
    );
    let row = &rows["contracts"][0];
    assert_eq!(rows["contracts"].as_array().unwrap().len(), 1);
    assert_eq!(row["side"], "buyer");
    assert_eq!(row["counterparty"], json!(prov_id));
    assert_eq!(row["remaining_gpu_hours"], 64 * 47);
    assert_eq!(row["exit_reason"], "no_right_of_notice");
    marked_where_a_curve_is(&p, row);

    // The seller sees the other side; before the contract was made, nothing.
    let sp = ok(s.get(&q, &prov), 200);
    assert_eq!(sp["seller"]["contracts"], 1);
    assert_eq!(sp["seller"]["committed"], b["committed"]);
    assert_eq!(sp["seller"]["by_counterparty"][0]["key"], json!(lab_id));
    assert_eq!(sp["buyer"]["contracts"], 0);
    let past = ok(s.get("/v1/positions?as_of=2020-01-01T00:00:00Z", &lab), 200);
    assert_eq!(past["buyer"]["contracts"], 0);

    // Exposure: the lab holds all its capacity from the neocloud; the neocloud is
    // owed the rest of the contract by the lab (paid at the trade: nothing invoiced).
    let x = ok(
        s.get(&format!("/v1/positions/exposure?as_of={as_of}"), &lab),
        200,
    );
    assert_eq!(x["to_providers"][0]["counterparty"], json!(prov_id));
    assert_eq!(x["to_providers"][0]["share_bps"], 10_000);
    assert_eq!(x["to_buyers"], json!([]));
    let y = ok(
        s.get(&format!("/v1/positions/exposure?as_of={as_of}"), &prov),
        200,
    );
    assert_eq!(y["to_buyers"][0]["counterparty"], json!(lab_id));
    assert_eq!(
        y["to_buyers"][0]["committed"]["micros"],
        json!(64 * 47 * PRICE)
    );

    // Visibility: another's position is not found; the operator names whose.
    let theirs = format!("/v1/positions?participant={lab_id}");
    problem(
        &s.get(&theirs, &other),
        404,
        "unknown_participant",
        "participant",
    );
    problem(
        &s.get(
            &format!("/v1/positions/contracts?participant={lab_id}"),
            &other,
        ),
        404,
        "unknown_participant",
        "participant",
    );
    problem(
        &s.get(
            &format!("/v1/positions/exposure?participant={lab_id}"),
            &prov,
        ),
        404,
        "unknown_participant",
        "participant",
    );
    let own = ok(s.get(&format!("{theirs}&as_of={as_of}"), &lab), 200);
    assert_eq!(own, p, "naming yourself is the same as naming no one");
    let op = ok(s.get(&format!("{theirs}&as_of={as_of}"), &s.operator), 200);
    assert_eq!(
        op, p,
        "the operator sees the lab's position as the lab does"
    );
    // The operator naming no one sees the whole market: each contract on both sides.
    let market = ok(
        s.get(&format!("/v1/positions?as_of={as_of}"), &s.operator),
        200,
    );
    assert!(market.get("participant").is_none(), "{market}");
    assert_eq!(market["buyer"]["committed"], b["committed"]);
    assert_eq!(market["seller"]["committed"], b["committed"]);
    problem(
        &s.get("/v1/positions?participant=p-999", &s.operator),
        404,
        "unknown_participant",
        "participant",
    );
    let m = ok(
        s.get(
            &format!("/v1/positions/exposure?as_of={as_of}"),
            &s.operator,
        ),
        200,
    );
    assert_eq!(m["largest"][0]["creditor"], json!(prov_id));
    assert_eq!(m["largest"][0]["debtor"], json!(lab_id));
    assert_eq!(
        m["largest"][0]["committed"]["micros"],
        json!(64 * 47 * PRICE)
    );
    let stranger = ok(s.get("/v1/positions", &other), 200);
    assert_eq!(stranger["buyer"]["contracts"], 0);

    // Now (from the snapshot replica's engine) and at the next hour (from the read
    // model) the position agrees on everything ahead: the contract starts in two days.
    let now = ok(s.get("/v1/positions", &lab), 200);
    let next = Hour(Hour::containing(megawatt_server::sequencer::now_ms()).0 + 1);
    let ahead = ok(s.get(&format!("/v1/positions?as_of={next}"), &lab), 200);
    for side in ["buyer", "seller"] {
        let (a, b) = (&now[side], &ahead[side]);
        for f in ["contracts", "exits", "marks"] {
            assert_eq!(a[f], b[f], "{side}.{f}");
        }
        for f in ["committed", "potential"] {
            assert_eq!(a[f]["total"], b[f]["total"], "{side}.{f}");
        }
        assert_eq!(
            a["by_counterparty"].as_array().map(Vec::len),
            b["by_counterparty"].as_array().map(Vec::len)
        );
    }
    assert_eq!(now["buyer"]["contracts"], 1);
    assert_eq!(now["buyer"]["potential"]["total"]["gpu_hours"], 8 * 24);
    assert_eq!(now["buyer"]["by_counterparty"][0]["name"], "Neocloud");
    assert_eq!(now["curves"], ahead["curves"]);

    // Refusals name their field.
    problem(
        &s.get("/v1/positions?as_of=soon", &lab),
        422,
        "invalid_field",
        "as_of",
    );
    problem(
        &s.get("/v1/positions?participant=lab", &lab),
        422,
        "invalid_field",
        "participant",
    );
    problem(
        &s.get("/v1/positions/contracts?limit=0", &lab),
        422,
        "invalid_field",
        "limit",
    );
    problem(
        &s.get("/v1/positions/contracts?after=x", &lab),
        422,
        "invalid_field",
        "after",
    );
    problem(
        &s.get("/v1/positions?at=1", &lab),
        422,
        "unknown_field",
        "at",
    );
}

/// The engine's value of the contract's hours in the month of `as_of`.
fn this_month(begin: Hour, as_of: Hour) -> i64 {
    let lines = [ContractLine {
        pool: PoolId(1),
        gpus: 64,
        window: Window::new(begin, Hour(begin.0 + 48)).unwrap(),
    }];
    let e = Economics {
        lines: &lines,
        pricing: Pricing::PerGpuHour {
            price_micros: PRICE,
        },
        ends: Hour(begin.0 + 48),
    };
    e.value_micros(as_of.month_start(), as_of.next_month_start())
        .unwrap()
}

/// A contract is marked when its model has a curve at the moment, and says `no_curve`
/// when it has none.
fn marked_where_a_curve_is(p: &Value, row: &Value) {
    if p["curves"].as_array().unwrap().is_empty() {
        assert_eq!(row["unmarked"], "no_curve");
        assert_eq!(p["buyer"]["marks"]["unmarked"], 1);
    } else {
        assert_eq!(row["mark"]["gpu_hours"], 64 * 47);
        assert_eq!(p["buyer"]["marks"]["marked"], 1);
    }
}

/// A capacity plan over HTTP, a dry run: the lab holds 64 H100 for one week; it needs
/// 10 that week (54 spare, resold from its contract) and 20 the next (a bid at the
/// curve the tick published); nothing is placed; bad rows are refused naming them.
fn plans(backend: Backend) {
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (lab_id, lab) = s.participant("Frontier Lab", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let monday = Hour(Hour(now.0 + 48).week_start().0 + 168);
    let next = Hour(monday.0 + 168);
    let sell = json!({ "side": "sell", "pool": pool, "gpus": 100, "start": monday.to_string(), "hours": 168, "price": "2.00" });
    ok(s.post("/v1/orders", &prov, sell), 201);
    let buy = json!({ "side": "buy", "model": "h100-sxm", "gpus": 64, "start": monday.to_string(), "hours": 168, "price": "2.00" });
    let placed = ok(s.post("/v1/orders", &lab, buy), 201);
    let contract = placed["contracts"][0]["id"].clone();
    // A tick publishes the H100 curve from the fill.
    let tick = json!({ "hour": Hour(now.0 + 1).to_string() });
    ok(s.post("/v1/admin/clock", &s.operator, tick), 200);
    let orders_before = s.get("/v1/orders", &lab).body;
    let row = |start: Hour, gpus: u32| json!({ "model": "h100-sxm", "start": start.to_string(), "gpus": gpus });
    let body = json!({ "period": "week", "rows": [row(monday, 10), row(next, 20)] });
    let v = ok(s.post("/v1/positions/plan", &lab, body.clone()), 200);
    let typed: megawatt_api::PlanView = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), v);
    assert_eq!(v["participant"], json!(lab_id));
    let (p0, p1) = (&v["periods"][0], &v["periods"][1]);
    assert_eq!(
        (p0["held_min_gpus"].as_u64(), p0["surplus_gpus"].as_u64()),
        (Some(64), Some(54))
    );
    assert_eq!(
        (p1["held_min_gpus"].as_u64(), p1["shortfall_gpus"].as_u64()),
        (Some(0), Some(20))
    );
    let orders = v["proposal"]["orders"].as_array().unwrap();
    let bid = orders.iter().find(|o| o["side"] == "buy").expect("a bid");
    let price = bid["price"]["micros"].as_i64().unwrap();
    assert!(price > 0, "priced at the curve: {bid}");
    assert_eq!(
        (
            bid["gpus"].as_u64(),
            bid["start"].clone(),
            bid["hours"].as_u64()
        ),
        (Some(20), json!(next.to_string()), Some(168))
    );
    assert_eq!(bid["notional"]["micros"], json!(20 * 168 * price));
    assert_eq!(v["proposal"]["cost"], bid["notional"]);
    let ask = orders
        .iter()
        .find(|o| o["side"] == "sell")
        .expect("a resale ask");
    assert_eq!(
        (
            ask["contract"].clone(),
            ask["line"].as_u64(),
            ask["gpus"].as_u64()
        ),
        (contract, Some(0), Some(54))
    );
    assert_eq!(v["proposal"]["unpriced"], json!([]));
    // A limit replaces the curve's price for bids.
    let mut limited = body.clone();
    limited["limit"] = json!("9.00");
    let l = ok(s.post("/v1/positions/plan", &lab, limited), 200);
    let lbid = l["proposal"]["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["side"] == "buy")
        .cloned()
        .unwrap();
    assert_eq!(lbid["price"]["micros"], json!(9_000_000));
    // A dry run: nothing was placed.
    assert_eq!(s.get("/v1/orders", &lab).body, orders_before);
    // Refusals name the field as the request spelled it.
    let bad = |rows: Value, period: &str| {
        s.post(
            "/v1/positions/plan",
            &lab,
            json!({ "period": period, "rows": rows }),
        )
    };
    problem(
        &bad(json!([row(monday, 10)]), "fortnight"),
        422,
        "invalid_field",
        "period",
    );
    problem(
        &bad(json!([row(Hour(monday.0 + 1), 10)]), "week"),
        422,
        "out_of_range",
        "rows[0].start",
    );
    problem(
        &bad(json!([row(Hour(monday.0 - 14 * 24), 10)]), "week"),
        422,
        "out_of_range",
        "rows[0].start",
    );
    problem(
        &bad(
            json!([row(Hour(monday.0 + 40 * 30 * 24).week_start(), 10)]),
            "week",
        ),
        422,
        "out_of_range",
        "rows[0].start",
    );
    problem(
        &bad(
            json!([{ "model": "x999", "start": monday.to_string(), "gpus": 1 }]),
            "week",
        ),
        404,
        "unknown_model",
        "rows[0].model",
    );
    problem(
        &bad(json!([row(monday, 0)]), "week"),
        422,
        "zero_gpus",
        "rows[0].gpus",
    );
    problem(
        &bad(json!([row(monday, 1), row(monday, 2)]), "week"),
        422,
        "duplicate_record",
        "rows[1].start",
    );
    problem(&bad(json!([]), "week"), 422, "out_of_range", "rows");
    problem(
        &bad(
            json!([{ "model": "h100-sxm", "start": "soon", "gpus": 1 }]),
            "week",
        ),
        422,
        "invalid_field",
        "rows[0].start",
    );
}

on_both_backends!(positions, plans);
