//! Examples of the position answers, in `answers`' story: `p-3` holds 64 H100 from
//! `p-2` for a day at $2.50 a GPU-hour, asked at 12:00 of its first day (21 hours
//! left), marked at a curve of $2.40.

use super::answers::{exact, usd};
use megawatt_api as api;
use megawatt_engine::units::{HOURS_PER_YEAR, notional_micros};
use serde_json::{Value, json};

const PRICE_MICROS: i64 = 2_500_000;
const CURVE_MICROS: i64 = 2_400_000;
const AS_OF: &str = "2027-01-04T12:00:00Z";

fn value(price: i64, hours: u32) -> i64 {
    notional_micros(price, 64, hours).unwrap_or_default()
}

fn month(gpu_hours: u64, micros: i64, name: Option<&str>) -> Value {
    let mut m = json!({ "gpu_hours": gpu_hours, "value": usd(micros) });
    if let Some(n) = name {
        m["month"] = json!(n);
    }
    m
}

fn ladder(gpu_hours: u64, micros: i64) -> Value {
    let months: Vec<Value> = if gpu_hours == 0 {
        Vec::new()
    } else {
        vec![month(gpu_hours, micros, Some("2027-01"))]
    };
    json!({ "months": months, "total": month(gpu_hours, micros, None) })
}

fn side(held: bool) -> Value {
    let (h, left) = if held {
        (64 * 21, value(PRICE_MICROS, 21))
    } else {
        (0, 0)
    };
    let group = |key: &str, name: Option<&str>| {
        let mut g = json!({ "key": key, "ladder": ladder(h, left) });
        if let Some(n) = name {
            g["name"] = json!(n);
        }
        g
    };
    let groups = |key: &str, name: Option<&str>| -> Vec<Value> {
        if held {
            vec![group(key, name)]
        } else {
            Vec::new()
        }
    };
    let curve = if held { value(CURVE_MICROS, 21) } else { 0 };
    json!({
        "contracts": u32::from(held),
        "committed": ladder(h, left),
        "by_model": groups("h100-sxm", None),
        "by_region": groups("us-east", None),
        "by_facility": groups("fac-1", Some("Ashburn 1")),
        "by_counterparty": groups("p-2", Some("Helix Cloud")),
        "potential": ladder(0, 0),
        "this_month": usd(if held { value(PRICE_MICROS, 24) } else { 0 }),
        "annualized": usd(if held { value(PRICE_MICROS, HOURS_PER_YEAR) } else { 0 }),
        "billed_ytd": usd(0),
        "exits": { "contracts": 0, "fees": usd(0), "until_effective": usd(0), "cut_off": usd(0) },
        "marks": { "marked": u32::from(held), "unmarked": 0, "contract_value": usd(left),
            "curve_value": usd(curve), "pnl": usd(curve - left) },
    })
}

fn contract_row() -> Value {
    let (left, curve) = (value(PRICE_MICROS, 21), value(CURVE_MICROS, 21));
    json!({ "contract": "ctr-9", "side": "buyer", "counterparty": "p-2", "status": "active",
        "ends": "2027-01-05T09:00:00Z", "model": "h100-sxm", "region": "us-east",
        "facility": "fac-1", "remaining_gpu_hours": 64 * 21, "remaining": usd(left),
        "exit_reason": "no_right_of_notice",
        "mark": { "gpu_hours": 64 * 21, "beyond_curve_gpu_hours": 0, "unmarked_gpu_hours": 0, "contract_value": usd(left),
            "curve_value": usd(curve), "pnl": usd(curve - left), "periods_used": 1 } })
}

/// A bid a plan's apply placed: 64 H100 for February at the plan's $2.50 limit.
fn planned_bid() -> Value {
    json!({ "side": "buy", "model": "h100-sxm", "gpus": 64, "start": "2027-02-01T00:00:00Z",
        "hours": 672, "price": usd(2_500_000), "notional": usd(value(2_500_000, 672)),
        "placed": "ord-41", "status": "open" })
}

/// The examples of `GET /v1/positions`, `/v1/positions/contracts` and
/// `/v1/positions/exposure`.
pub(super) fn examples() -> Vec<(&'static str, Value)> {
    let left = value(PRICE_MICROS, 21);
    vec![
        (
            "PositionView",
            exact::<api::PositionView>(json!({ "participant": "p-3", "as_of": AS_OF,
                "buyer": side(true), "seller": side(false),
                "curves": [{ "model": "h100-sxm", "at": "2027-01-04T00:00:00Z", "points": 34 }] })),
        ),
        (
            "ContractPositionsPage",
            exact::<api::ContractPositionsPage>(json!({ "participant": "p-3", "as_of": AS_OF,
                "contracts": [contract_row()] })),
        ),
        (
            "PlanView",
            // p-3 holds 64 H100 through February and March; it needs 128 in February
            // (a bid for 64 at the curve) and 32 in March (32 to resell from ctr-9).
            exact::<api::PlanView>(
                json!({ "participant": "p-3", "as_of": AS_OF, "period": "month",
                "periods": [
                    { "model": "h100-sxm", "start": "2027-02-01T00:00:00Z", "end": "2027-03-01T00:00:00Z",
                      "demand_gpus": 128, "held_min_gpus": 64, "held_max_gpus": 64, "bidding_gpus": 0,
                      "shortfall_gpus": 64, "surplus_gpus": 0 },
                    { "model": "h100-sxm", "start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z",
                      "demand_gpus": 32, "held_min_gpus": 64, "held_max_gpus": 64, "bidding_gpus": 0,
                      "shortfall_gpus": 0, "surplus_gpus": 32 } ],
                "proposal": { "orders": [
                    { "side": "buy", "model": "h100-sxm", "gpus": 64, "start": "2027-02-01T00:00:00Z",
                      "hours": 672, "price": usd(CURVE_MICROS), "notional": usd(value(CURVE_MICROS, 672)) },
                    { "side": "sell", "model": "h100-sxm", "contract": "ctr-9", "line": 0, "gpus": 32,
                      "start": "2027-03-01T00:00:00Z", "hours": 744, "price": usd(CURVE_MICROS),
                      "notional": usd(value(CURVE_MICROS, 744) / 2) } ],
                  "rfqs": [], "cost": usd(value(CURVE_MICROS, 672)), "value": usd(value(CURVE_MICROS, 744) / 2),
                  "unpriced": [], "unsold": [] } }),
            ),
        ),
        (
            "StoredPlanView",
            exact::<api::StoredPlanView>(json!({ "id": "pln-1", "participant": "p-3",
                "period": "month", "limit": usd(2_500_000), "uploaded_at": "2027-01-04T09:12:00Z",
                "applied_at": "2027-01-04T09:30:00Z",
                "rows": [{ "model": "h100-sxm", "start": "2027-02-01T00:00:00Z", "gpus": 128 }],
                "orders": [planned_bid()] })),
        ),
        (
            "PlanAppliedView",
            exact::<api::PlanAppliedView>(json!({ "plan": "pln-1",
                "applied_at": "2027-01-04T09:30:00Z", "applied_now": true,
                "orders": [planned_bid()], "rfqs": [] })),
        ),
        (
            "ExposuresView",
            exact::<api::ExposuresView>(json!({ "participant": "p-3", "as_of": AS_OF,
                "to_buyers": [], "to_providers": [{ "counterparty": "p-2", "name": "Helix Cloud",
                    "owed": usd(0), "committed": usd(left), "total": usd(left),
                    "gpu_hours": 64 * 21, "share_bps": 10_000 }], "largest": [] })),
        ),
    ]
}
