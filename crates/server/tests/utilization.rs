//! Utilization and delivery views over real HTTP, on both backends (`docs/api.md`,
//! "Utilization"): two days of a fill, reported by its seller (a short outage, energy
//! metered on the first day) and its buyer (GPUs used on the first day), seen by day as
//! buyer and as seller and by month with the month's credit, each figure checked
//! against a computation of its own; bad requests refused naming the field.

mod common;

use common::{Backend, TestServer, ok, problem};
use serde_json::{Value, json};

fn utilization_by_day_and_month_reconciles(backend: Backend) {
    use megawatt_engine::units::Hour;
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, lab) = s.participant("Lab", &["buyer"]);
    let (_, stranger) = s.participant("Stranger", &["buyer"]);
    let pool = s.pool(&prov, 100);
    // Two whole UTC days, inside one month.
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    let mut start = Hour((now.0 / 24 + 1) * 24);
    if Hour(start.0 + 48).month_start() != start.month_start() {
        start = Hour(start.0 + 48).month_start();
    }
    let at = |h: u32| Hour(start.0 + h).to_string();
    let order = |key: &str, side: &str, place: (&str, &str)| {
        let body = json!({ "side": side, place.0: place.1, "gpus": 8, "start": at(0),
            "hours": 48, "price": "2.00" });
        ok(s.post("/v1/orders", key, body), 201)
    };
    order(&prov, "sell", ("pool", &pool));
    let c = order(&lab, "buy", ("model", "h100-sxm"))["contracts"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tick = |h: Hour| {
        ok(
            s.post(
                "/v1/admin/clock",
                &s.operator,
                json!({ "hour": h.to_string() }),
            ),
            200,
        )
    };
    tick(Hour(start.0 + 48));
    // Delivered: 6 of 8 GPUs in hours 5 and 6 (4 GPU-hours short), 700 Wh a GPU
    // metered on day one. Used: 5 GPUs in each hour of day one.
    let delivered: Vec<Value> = (0..48)
        .map(|h| {
            let gpus = if h == 5 || h == 6 { 6 } else { 8 };
            let mut r = json!({ "contract": c, "hour": at(h), "gpus": gpus });
            if h < 24 {
                r["energy_wh"] = json!(gpus * 700);
            }
            r
        })
        .collect();
    ok(
        s.post("/v1/usage", &prov, json!({ "records": delivered })),
        200,
    );
    let used: Vec<Value> = (0..24)
        .map(|h| json!({ "contract": c, "hour": at(h), "gpus": 5 }))
        .collect();
    ok(s.post("/v1/usage", &lab, json!({ "records": used })), 200);

    let days = format!("/v1/utilization?from={}&to={}", at(0), at(48));
    let view = ok(s.get(&days, &lab), 200);
    assert_eq!((&view["as"], &view["by"]), (&json!("buyer"), &json!("day")));
    assert!(view["note"].as_str().unwrap().contains("resell"));
    let rows = view["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{view:?}");
    // Independently: 8 GPUs x 24 h a day; day one 4 GPU-hours short, 5 GPUs used.
    let day_one = json!({ "start": at(0), "end": at(24), "contracted_gpu_hours": 192,
        "delivery_reported_gpu_hours": 192, "delivered_gpu_hours": 188, "unreported_gpu_hours": 0,
        "availability_bps": 188 * 10_000 / 192, "use_reported_gpu_hours": 192,
        "used_gpu_hours": 120, "idle_gpu_hours": 72, "utilization_bps": 120 * 10_000 / 192,
        "energy_wh": 188 * 700, "wh_per_gpu_hour": 700 });
    assert_eq!(rows[0], day_one);
    let day_two = json!({ "start": at(24), "end": at(48), "contracted_gpu_hours": 192,
        "delivery_reported_gpu_hours": 192, "delivered_gpu_hours": 192, "unreported_gpu_hours": 0,
        "availability_bps": 10_000, "use_reported_gpu_hours": 0, "used_gpu_hours": 0,
        "idle_gpu_hours": 0 });
    assert_eq!(rows[1], day_two);
    // The seller sees the same contract's figures; a stranger has none of it.
    let seller = ok(s.get(&format!("{days}&as=seller"), &prov), 200);
    assert_eq!(seller["rows"], view["rows"]);
    let theirs = ok(s.get(&days, &stranger), 200);
    assert_eq!(theirs["rows"][0]["contracted_gpu_hours"], 0);
    problem(
        &s.get(&format!("{days}&contract={c}"), &stranger),
        404,
        "unknown_contract",
        "contract",
    );
    // By month, once the month has closed: the day figures summed, and the credit of
    // the 4 GPU-hours not delivered at $2.00.
    tick(Hour(Hour(start.0 + 48).next_month_start().0 + 1));
    let month = start.month_start();
    let by_month = format!(
        "/v1/utilization?by=month&from={month}&to={}",
        month.next_month_start()
    );
    let m = ok(s.get(&by_month, &lab), 200);
    let row = &m["rows"][0];
    assert_eq!(m["rows"].as_array().unwrap().len(), 1, "{m:?}");
    assert_eq!(
        (&row["contracted_gpu_hours"], &row["delivered_gpu_hours"]),
        (&json!(384), &json!(380))
    );
    assert_eq!(row["credits"]["micros"], 4 * 2_000_000);
    // Bad requests name their field.
    problem(
        &s.get("/v1/utilization?as=owner", &lab),
        422,
        "invalid_field",
        "as",
    );
    problem(
        &s.get(
            &format!("/v1/utilization?from={}&to={}", at(48), at(0)),
            &lab,
        ),
        422,
        "window_empty",
        "to",
    );
    problem(
        &s.get(
            &format!(
                "/v1/utilization?from={}&to={}",
                at(0),
                Hour(start.0 + 24 * 100)
            ),
            &lab,
        ),
        422,
        "window_too_long",
        "to",
    );
    let r = s.get("/v1/utilization?participant=p-1", &lab);
    assert_eq!(r.status, 403, "{:?}", r.body);
}

on_both_backends!(utilization_by_day_and_month_reconciles);
