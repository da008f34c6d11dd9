//! The words answers use for states and reasons (an order's `status`, a closed order's
//! `reason`, a contract's or a quote's `status`, an invoice's `charge`, a transfer's
//! `kind`), written into the document as `enum`s
//! with each value's meaning, from the engine's own lists; and `format: date-time` on
//! the times answers carry.

use megawatt_engine::contract::ContractStatus;
use megawatt_engine::delivery::Unreported;
use megawatt_engine::event::{CloseReason, QuoteEnd};
use megawatt_engine::invoice::Charge;
use megawatt_engine::money::TransferKind;
use serde_json::{Value, json};

/// The times of answers, by property name.
const TIMES: [&str; 14] = [
    "start",
    "end",
    "ends",
    "effective",
    "due",
    "created",
    "at",
    "expires",
    "deadline",
    "hour",
    "issued",
    "good_till",
    "from",
    "to",
];

fn open() -> (String, String) {
    ("open".into(), "still open".into())
}

/// The values and meanings of a property, by schema and property.
fn words(schema: &str, property: &str) -> Option<Vec<(String, String)>> {
    let closes = || CloseReason::ALL.map(|r| (r.as_str().to_string(), r.meaning().to_string()));
    Some(match (schema, property) {
        ("OrderView", "status") => std::iter::once(open()).chain(closes()).collect(),
        ("MarketEvent", "reason") => closes().into_iter().collect(),
        ("ContractView", "status") => ContractStatus::ALL
            .map(|c| (c.as_str().to_string(), c.meaning().to_string()))
            .into_iter()
            .collect(),
        ("InvoiceView", "charge") => Charge::ALL
            .map(|c| (c.as_str().to_string(), c.meaning().to_string()))
            .into_iter()
            .collect(),
        ("TransferView", "kind") => TransferKind::ALL
            .map(|k| (k.as_str().to_string(), k.meaning().to_string()))
            .into_iter()
            .collect(),
        ("DeliveryTermsView", "unreported") => [Unreported::Delivered, Unreported::NotDelivered]
            .map(|u| (u.as_str().to_string(), u.meaning().to_string()))
            .into_iter()
            .collect(),
        ("QuoteView", "status") => std::iter::once(open())
            .chain(QuoteEnd::ALL.map(|q| (q.as_str().to_string(), q.meaning().to_string())))
            .collect(),
        _ => return None,
    })
}

/// Writes the words and formats into one object schema's properties (and into those
/// of its `oneOf` variants, as a tagged enum's are).
fn schema(name: &str, s: &mut Value, request: bool) {
    for v in s
        .get_mut("oneOf")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        schema(name, v, request);
    }
    let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (prop, p) in props.iter_mut() {
        if let Some(list) = words(name, prop) {
            let table: Vec<String> = list.iter().map(|(w, m)| format!("`{w}`: {m}")).collect();
            p["enum"] = json!(list.iter().map(|(w, _)| w).collect::<Vec<_>>());
            let before = p["description"].as_str().unwrap_or_default().to_string();
            p["description"] = json!(format!("{before}\n\n{}", table.join("; ")));
        }
        let string = match &p["type"] {
            Value::String(t) => t == "string",
            Value::Array(ts) => ts.iter().any(|t| t == "string"),
            _ => false,
        };
        if !request && string && TIMES.contains(&prop.as_str()) {
            p["format"] = json!("date-time");
        }
    }
}

/// Writes the words and formats into the document; `requests` are the schemas requests
/// send (their times keep the pattern, not the format).
pub fn apply(doc: &mut Value, requests: &std::collections::BTreeSet<String>) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, s) in schemas.iter_mut() {
            schema(name, s, requests.contains(name));
        }
    }
}
