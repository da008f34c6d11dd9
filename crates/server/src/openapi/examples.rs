//! An example of every request body, as the API's own types: each is read into its
//! type when the document is made (a test makes the document, so an example that no
//! longer reads fails it), then written into the schema and the request bodies that
//! use it. schemathesis sends them (its examples phase).

use megawatt_api as api;
use serde_json::{Value, json};

/// `value`, once it reads as a `T`: an example the server would read.
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Value {
    if let Err(e) = serde_json::from_value::<T>(value.clone()) {
        panic!(
            "the example {value} is not a {}: {e}",
            std::any::type_name::<T>()
        );
    }
    value
}

/// The example of each request schema, by name.
fn examples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "CreateParticipant",
            typed::<api::CreateParticipant>(json!({ "name": "Orbital Labs", "roles": ["buyer"] })),
        ),
        (
            "CreateKey",
            typed::<api::CreateKey>(json!({ "participant": "p-8", "scopes": ["usage:report"] })),
        ),
        (
            "CreateModel",
            typed::<api::CreateModel>(
                json!({ "id": "b300", "name": "NVIDIA B300", "watts_per_gpu": 1700 }),
            ),
        ),
        (
            "ClockBody",
            typed::<api::ClockBody>(json!({ "hour": "2027-01-04T09:00:00Z" })),
        ),
        ("GiveNotice", typed::<api::GiveNotice>(json!({}))),
        (
            "DeliveryTermsView",
            typed::<api::DeliveryTermsView>(json!({ "availability_target_bps": 9_900,
                "unreported": "delivered", "pro_rata": false,
                "tiers": [{ "below_bps": 9_900, "credit_bps": 1_000 },
                    { "below_bps": 9_500, "credit_bps": 2_500 }] })),
        ),
        (
            "MonthCloseBody",
            typed::<api::MonthCloseBody>(json!({ "grace_hours": 6 })),
        ),
        (
            "UsageReport",
            typed::<api::UsageReport>(json!({ "records": [
                { "contract": "ctr-11", "line": 0, "hour": "2027-01-04T09:00:00Z", "gpus": 600,
                    "energy_wh": 600_000 },
                { "contract": "ctr-11", "line": 0, "hour": "2027-01-04T10:00:00Z", "gpus": 512 }] })),
        ),
        ("Empty", typed::<api::Empty>(json!({}))),
        (
            "Terminate",
            typed::<api::Terminate>(
                json!({ "cause": "non_delivery", "reason": "racks never powered on" }),
            ),
        ),
        (
            "CreateFacility",
            typed::<api::CreateFacility>(json!({
            "name": "Neo Austin", "region": "us-south", "power_kw": 6000,
            "pools": [{ "model": "h100-sxm", "gpus": 1024 }] })),
        ),
        (
            "CreateReservation",
            typed::<api::CreateReservation>(json!({
            "pool": "pool-3", "gpus": 256, "start": "2027-01-04T00:00:00Z", "hours": 168 })),
        ),
        (
            "MoveMoney",
            typed::<api::MoveMoney>(json!({
            "participant": "p-3", "amount": "1250000.00", "reference": "wire 4411" })),
        ),
        (
            "SetCreditLimit",
            typed::<api::SetCreditLimit>(json!({ "participant": "p-3", "limit": "250000" })),
        ),
        (
            "FeesView",
            typed::<api::FeesView>(json!({ "maker_bps": 5, "taker_bps": 20 })),
        ),
        (
            "PlaceOrder",
            typed::<api::PlaceOrder>(json!({
            "side": "buy", "model": "h100-sxm", "gpus": 64, "start": "2027-01-04T09:00:00Z",
            "hours": 24, "price": "2.50" })),
        ),
        (
            "PlaceOrderBatch",
            typed::<api::PlaceOrderBatch>(json!({ "orders": [
                { "side": "buy", "model": "h100-sxm", "gpus": 64, "start": "2027-01-04T09:00:00Z",
                  "hours": 24, "price": "2.50" },
                { "side": "sell", "pool": "pool-2", "gpus": 128, "start": "2027-01-05T00:00:00Z",
                  "hours": 48, "price": "2.60" } ] })),
        ),
        (
            "CreateProcurement",
            typed::<api::CreateProcurement>(json!({
            "model": "h100-sxm", "gpus": 64, "hours": 720, "lookahead_hours": 24,
            "block_hours": 1, "price": "2.50" })),
        ),
        (
            "ReduceOrder",
            typed::<api::ReduceOrder>(json!({ "by_gpus": 32 })),
        ),
        (
            "CreateRfq",
            typed::<api::CreateRfq>(json!({
            "gpus": [{ "model": "h100-sxm", "gpus": 600 }], "start": "2027-02-01T00:00:00Z",
            "hours": 720, "max_buyer_notice_hours": 240, "for_cause": ["non_delivery"],
            "deadline": "2027-01-20T00:00:00Z" })),
        ),
        (
            "SubmitQuote",
            typed::<api::SubmitQuote>(json!({
            "lines": [{ "pool": "pool-1", "gpus": 600 }], "monthly_fee": "1000000",
            "buyer_notice_hours": 240, "seller_notice_hours": 240, "expires": "2027-01-19T00:00:00Z",
            "delivery": { "availability_target_bps": 9_900, "unreported": "delivered",
                "pro_rata": true, "tiers": [] } })),
        ),
        (
            "PlanBody",
            typed::<api::PlanBody>(json!({ "period": "month", "rows": [
                { "model": "h100-sxm", "start": "2027-02-01T00:00:00Z", "gpus": 128 },
                { "model": "h100-sxm", "start": "2027-03-01T00:00:00Z", "gpus": 32 } ] })),
        ),
        (
            "PlanUploadBody",
            typed::<api::PlanUploadBody>(json!({ "period": "month", "limit": "2.50", "rows": [
                { "model": "h100-sxm", "start": "2027-02-01T00:00:00Z", "gpus": 128 },
                { "model": "h100-sxm", "start": "2027-03-01T00:00:00Z", "gpus": 32 } ] })),
        ),
        (
            "CreateWebhook",
            typed::<api::CreateWebhook>(json!({
            "url": "https://hooks.example.com/megawatt", "events": ["fill", "contract.started"],
            "description": "provisioning" })),
        ),
        (
            "Redeliver",
            typed::<api::Redeliver>(json!({ "event": "1742.3" })),
        ),
    ]
}

/// Writes the examples into their schemas and into the request bodies that use them
/// (a body whose schema has none gets none; a test checks that none lacks one).
pub fn apply(doc: &mut Value) {
    let all = examples();
    let find = |name: &str| all.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            let Some(body) = op.pointer_mut("/requestBody/content/application~1json") else {
                continue;
            };
            let name = body["schema"]["$ref"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches("#/components/schemas/")
                .to_string();
            if let Some(example) = find(&name) {
                body["example"] = example;
            }
        }
    }
    for (name, example) in all {
        if let Some(s) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            s["examples"] = json!([example]);
        }
    }
}
