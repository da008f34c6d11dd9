//! What the annotations of the request types cannot say, written into the document so
//! that a schema-valid request is never refused for its shape: the patterns of times,
//! USD amounts, ids, cursors and the `Idempotency-Key` header, and the rules of "exactly
//! one of" (`end` or `hours`, `price` or `price_micros`, …) and of an order's side, as
//! JSON Schema `oneOf`. A refusal of a schema-valid request is then a named rule of the
//! market (`window_in_past`, `insufficient_funds`, …), never `invalid_field`.

use megawatt_engine::ids::{
    ContractId, FacilityId, InvoiceId, OrderId, ParticipantId, PlanId, PoolId, ProcurementId,
    RfqId, TradeId, TransferId,
};
use serde_json::{Value, json};

/// An RFC 3339 time on a UTC hour, 1970 to 2399 (the server also takes offsets, zero
/// fractions and 29 February; the document names the plain form of every other day).
const HOUR: &str = "^(19[7-9][0-9]|2[0-3][0-9]{2})-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)T([01][0-9]|2[0-3]):00:00Z$";
/// A USD amount: digits, and at most six decimals.
const USD: &str = "^[0-9]{1,12}(\\.[0-9]{1,6})?$";
/// A GPU model's id.
const MODEL: &str = "^[a-z0-9][a-z0-9-]{0,31}$";
/// A month.
const MONTH: &str = "^(19[7-9][0-9]|2[0-3][0-9]{2})-(0[1-9]|1[0-2])$";

/// An id of `prefix`: `ord-17` (the digits alone are taken too).
fn id(prefix: &str) -> String {
    format!("^({prefix}-)?[0-9]{{1,18}}$")
}

/// The pattern of a request body's string property, by name.
fn property_pattern(name: &str) -> Option<String> {
    Some(match name {
        "start" | "start_until" | "end" | "good_till" | "deadline" | "expires" | "hour"
        | "as_of" => HOUR.into(),
        "price"
        | "monthly_fee"
        | "amount"
        | "limit"
        | "early_termination_fee"
        | "max_early_termination_fee" => USD.into(),
        "model" => MODEL.into(),
        "period" => "^(week|month)$".into(),
        "participant" | "invited" => id(ParticipantId::PREFIX),
        "pool" => id(PoolId::PREFIX),
        "facility" => id(FacilityId::PREFIX),
        "contract" => id(ContractId::PREFIX),
        "event" => "^[0-9]{1,19}\\.[0-9]{1,9}$".into(),
        "url" => "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?$".into(),
        _ => return None,
    })
}

/// The cursor prefix of a list's `before` or `after`, by path.
fn cursor_prefix(path: &str) -> Option<&'static str> {
    Some(match path {
        "/v1/orders" => OrderId::PREFIX,
        "/v1/trades" => TradeId::PREFIX,
        "/v1/contracts" | "/v1/positions/contracts" => ContractId::PREFIX,
        "/v1/rfqs" => RfqId::PREFIX,
        "/v1/procurements" => ProcurementId::PREFIX,
        "/v1/plans" => PlanId::PREFIX,
        "/v1/transfers" => TransferId::PREFIX,
        "/v1/invoices" => InvoiceId::PREFIX,
        "/v1/participants" => ParticipantId::PREFIX,
        "/v1/facilities" => FacilityId::PREFIX,
        "/v1/webhooks/{id}/attempts" => "att",
        _ => return None,
    })
}

/// The pattern of a query parameter, by path and name.
fn parameter_pattern(path: &str, name: &str) -> Option<String> {
    Some(match name {
        "before" | "after" if path == "/v1/events" => "^[0-9]{1,19}(\\.[0-9]{1,9})?$".into(),
        "before" | "after" => id(cursor_prefix(path)?),
        "from" | "to" | "delivery_from" | "delivery_to" | "start_from" | "start_until"
        | "as_of" => HOUR.into(),
        "as" if path == "/v1/utilization" => "^(buyer|seller)$".into(),
        "by" if path == "/v1/utilization" => "^(day|month)$".into(),
        "by" if path == "/v1/depth" => "^(week|month)$".into(),
        "by" if path == "/v1/candles" => "^(trade|delivery)$".into(),
        "interval" if path == "/v1/candles" => "^(hour|day)$".into(),
        "span" if path == "/v1/index" => "^(hour|day)$".into(),
        "at" if path == "/v1/curve" || path == "/v1/contracts/{id}/exit-cost" => HOUR.into(),
        "party" if path == "/v1/contracts/{id}/exit-cost" => "^(buyer|seller)$".into(),
        "contract" if path == "/v1/utilization" => id(ContractId::PREFIX),
        "facility" if path == "/v1/utilization" || path == "/v1/search" => id(FacilityId::PREFIX),
        "max_price" => USD.into(),
        "pool" if path == "/v1/utilization" => id(PoolId::PREFIX),
        "month" => MONTH.into(),
        "model" => MODEL.into(),
        "participant" if path == "/v1/balances" || path == "/v1/transfers" => {
            format!("^((p-)?[0-9]{{1,18}}|{}|{})$", "fees", "external")
        }
        "participant" | "invited" => id(ParticipantId::PREFIX),
        "Idempotency-Key" => "^[!-~]{1,255}$".into(),
        _ => return None,
    })
}

/// These properties are present and not null (the server reads a null as absent).
fn given(names: &[&str]) -> Value {
    let props: serde_json::Map<String, Value> = names
        .iter()
        .map(|n| ((*n).to_string(), json!({ "not": { "type": "null" } })))
        .collect();
    json!({ "required": names, "properties": props })
}

/// Exactly one of the groups of properties is given.
fn exactly_one(groups: &[&[&str]]) -> Value {
    json!({ "oneOf": groups.iter().map(|g| given(g)).collect::<Vec<_>>() })
}

/// At most one of these properties is given.
fn at_most_one(a: &str, b: &str) -> Value {
    json!({ "not": given(&[a, b]) })
}

/// None of these properties is given.
fn none_of(names: &[&str]) -> Value {
    json!({ "not": { "anyOf": names.iter().map(|n| given(&[n])).collect::<Vec<_>>() } })
}

/// The rules of one request schema that span properties.
fn spanning(schema: &str) -> Vec<Value> {
    let window = exactly_one(&[&["end"], &["hours"]]);
    match schema {
        "CreateReservation" => vec![window],
        "MoveMoney" => vec![exactly_one(&[&["amount"], &["amount_micros"]])],
        "CreateProcurement" => vec![exactly_one(&[&["price"], &["price_micros"]])],
        "SetCreditLimit" => vec![exactly_one(&[&["limit"], &["limit_micros"]])],
        "CreateRfq" => vec![
            window,
            exactly_one(&[&["gpus"], &["power_kw"]]),
            json!({ "anyOf": [none_of(&["min_power_kw"]), given(&["power_kw"])] }),
            at_most_one(
                "max_early_termination_fee",
                "max_early_termination_fee_micros",
            ),
        ],
        "SubmitQuote" => vec![
            exactly_one(&[
                &["price"],
                &["price_micros"],
                &["monthly_fee"],
                &["monthly_fee_micros"],
            ]),
            at_most_one("early_termination_fee", "early_termination_fee_micros"),
        ],
        "PlaceOrder" => {
            let buy = json!({ "allOf": [
                { "properties": { "side": { "const": "buy" } } },
                given(&["model"]),
                none_of(&["pool", "contract", "line", "min_fill_gpus"]),
            ] });
            let sell = json!({ "allOf": [
                { "properties": { "side": { "const": "sell" } } },
                // From a pool, or a resale of a contract's line.
                json!({ "oneOf": [
                    { "allOf": [given(&["pool"]), none_of(&["contract", "line"])] },
                    { "allOf": [given(&["contract", "line"]), none_of(&["pool"])] },
                ] }),
                none_of(&["model", "region", "facility", "colocate", "partial", "min_reliability_bps"]),
            ] });
            // `good_till` exactly when `time_in_force` is `gtd`.
            let gtd = json!({ "oneOf": [
                { "allOf": [given(&["good_till"]), { "properties": { "time_in_force": { "const": "gtd" } }, "required": ["time_in_force"] }] },
                { "allOf": [none_of(&["good_till"]), { "not": { "properties": { "time_in_force": { "const": "gtd" } }, "required": ["time_in_force"] } }] },
            ] });
            // A flexible start (`start_until`): a buy with `hours`, IOC or FOK (or none:
            // FOK), neither `partial` nor `good_till`.
            let flexible = json!({ "oneOf": [
                none_of(&["start_until"]),
                { "allOf": [
                    given(&["start_until", "hours"]),
                    { "properties": { "side": { "const": "buy" } } },
                    none_of(&["partial", "good_till", "end"]),
                    { "properties": { "time_in_force": { "enum": ["ioc", "fok"] } } },
                ] },
            ] });
            vec![
                window,
                exactly_one(&[&["price"], &["price_micros"]]),
                json!({ "oneOf": [buy, sell] }),
                gtd,
                flexible,
            ]
        }
        _ => Vec::new(),
    }
}

/// The schemas that requests send: those a request body refers to, and those they
/// refer to in turn.
pub fn request_schemas(doc: &Value) -> std::collections::BTreeSet<String> {
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                    out.push(r.trim_start_matches("#/components/schemas/").to_string());
                }
                o.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut todo = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            refs(&op["requestBody"], &mut todo);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            refs(&doc["components"]["schemas"][&name], &mut todo);
        }
    }
    seen
}

/// The links between operations (OpenAPI `links`), so that a tool can follow what one
/// answer makes to the operations on it: (path, method, status) → (name, the target's
/// operationId, its `id` taken from the answer).
const LINKS: [(&str, &str, &str, &str, &str, &str); 28] = [
    (
        "/v1/orders",
        "post",
        "201",
        "ShowOrder",
        "orders_show",
        "$response.body#/order/id",
    ),
    (
        "/v1/orders",
        "post",
        "201",
        "CancelOrder",
        "orders_cancel",
        "$response.body#/order/id",
    ),
    (
        "/v1/orders",
        "post",
        "201",
        "ReduceOrder",
        "orders_reduce",
        "$response.body#/order/id",
    ),
    (
        "/v1/orders",
        "get",
        "200",
        "ShowOrder",
        "orders_show",
        "$response.body#/items/0/id",
    ),
    (
        "/v1/facilities",
        "post",
        "201",
        "ShowFacility",
        "facilities_show",
        "$response.body#/id",
    ),
    (
        "/v1/facilities",
        "get",
        "200",
        "ShowFacility",
        "facilities_show",
        "$response.body#/items/0/id",
    ),
    (
        "/v1/reservations",
        "post",
        "201",
        "Release",
        "facilities_release",
        "$response.body#/id",
    ),
    (
        "/v1/plans",
        "post",
        "201",
        "ShowPlan",
        "positions_show",
        "$response.body#/id",
    ),
    (
        "/v1/plans",
        "post",
        "201",
        "ApplyPlan",
        "positions_apply",
        "$response.body#/id",
    ),
    (
        "/v1/procurements",
        "post",
        "201",
        "ShowProcurement",
        "procurements_show",
        "$response.body#/id",
    ),
    (
        "/v1/procurements",
        "post",
        "201",
        "PauseProcurement",
        "procurements_pause",
        "$response.body#/id",
    ),
    (
        "/v1/procurements",
        "post",
        "201",
        "CancelProcurement",
        "procurements_cancel",
        "$response.body#/id",
    ),
    (
        "/v1/rfqs",
        "post",
        "201",
        "ShowRfq",
        "rfqs_show",
        "$response.body#/id",
    ),
    (
        "/v1/rfqs",
        "post",
        "201",
        "CancelRfq",
        "rfqs_cancel",
        "$response.body#/id",
    ),
    (
        "/v1/rfqs",
        "post",
        "201",
        "Quote",
        "rfqs_quote",
        "$response.body#/id",
    ),
    (
        "/v1/rfqs",
        "post",
        "201",
        "Quotes",
        "rfqs_quotes",
        "$response.body#/id",
    ),
    (
        "/v1/rfqs/{id}/quotes",
        "post",
        "201",
        "ShowQuote",
        "rfqs_show_quote",
        "$response.body#/id",
    ),
    (
        "/v1/rfqs/{id}/quotes",
        "post",
        "201",
        "Accept",
        "rfqs_accept",
        "$response.body#/id",
    ),
    (
        "/v1/rfqs/{id}/quotes",
        "post",
        "201",
        "Withdraw",
        "rfqs_withdraw",
        "$response.body#/id",
    ),
    (
        "/v1/contracts",
        "get",
        "200",
        "ShowContract",
        "contracts_show",
        "$response.body#/items/0/id",
    ),
    (
        "/v1/contracts",
        "get",
        "200",
        "Notice",
        "contracts_notice",
        "$response.body#/items/0/id",
    ),
    (
        "/v1/contracts",
        "get",
        "200",
        "ExitCost",
        "contracts_exit_cost",
        "$response.body#/items/0/id",
    ),
    (
        "/v1/invoices",
        "get",
        "200",
        "ShowInvoice",
        "money_show_invoice",
        "$response.body#/items/0/id",
    ),
    (
        "/v1/webhooks",
        "post",
        "201",
        "ShowWebhook",
        "webhooks_show",
        "$response.body#/id",
    ),
    (
        "/v1/webhooks",
        "post",
        "201",
        "DeleteWebhook",
        "webhooks_delete",
        "$response.body#/id",
    ),
    (
        "/v1/webhooks",
        "post",
        "201",
        "EnableWebhook",
        "webhooks_enable",
        "$response.body#/id",
    ),
    (
        "/v1/webhooks",
        "post",
        "201",
        "Attempts",
        "webhooks_attempts",
        "$response.body#/id",
    ),
    (
        "/v1/webhooks",
        "get",
        "200",
        "ShowWebhook",
        "webhooks_show",
        "$response.body#/items/0/id",
    ),
];

/// Writes the links into the answers they start from.
fn links(doc: &mut Value) {
    for (path, method, status, name, target, id) in LINKS {
        let at = format!(
            "/paths/{}/{method}/responses/{status}",
            path.replace('~', "~0").replace('/', "~1")
        );
        if let Some(answer) = doc.pointer_mut(&at) {
            answer["links"][name] = json!({ "operationId": target, "parameters": { "id": id } });
        }
    }
}

/// Writes the patterns, rules and links into the document.
pub fn apply(doc: &mut Value) {
    links(doc);
    let requests = request_schemas(doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut().filter(|(n, _)| requests.contains(*n)) {
            let rules = spanning(name);
            if !rules.is_empty() {
                schema["allOf"] = Value::Array(rules);
            }
            if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                for (prop, s) in props.iter_mut() {
                    pattern_strings(s, property_pattern(prop));
                    bound_integers(s);
                }
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            optional_empty_body(op);
            let params = op.get_mut("parameters").and_then(Value::as_array_mut);
            for p in params.into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default().to_string();
                if let Some(s) = p.get_mut("schema") {
                    pattern_strings(s, parameter_pattern(path, &name));
                    bound_integers(s);
                }
            }
        }
    }
}

/// An action's empty body (`Empty`) may be left out: the server reads no body as `{}`.
fn optional_empty_body(op: &mut Value) {
    let empty = op
        .pointer("/requestBody/content/application~1json/schema/$ref")
        .and_then(Value::as_str)
        == Some("#/components/schemas/Empty");
    if empty {
        op["requestBody"]["required"] = json!(false);
    }
}

/// True when the schema's type is `ty` (or a list of types with it, as a nullable one).
fn is_type(s: &Value, ty: &str) -> bool {
    match &s["type"] {
        Value::String(t) => t == ty,
        Value::Array(ts) => ts.iter().any(|t| t == ty),
        _ => false,
    }
}

/// Gives an integer schema (or the integers of an array) the bounds of the Rust type it
/// is read into, where the generator says none: `int32` with a minimum of 0 is a `u32`
/// (a `u16` says its own maximum), `int64` with 0 a `u64`, `int64` alone an `i64`.
fn bound_integers(s: &mut Value) {
    let is_integer = match &s["type"] {
        Value::String(t) => t == "integer",
        Value::Array(ts) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    if !is_integer {
        if is_type(s, "array") {
            bound_integers(&mut s["items"]);
        }
        return;
    }
    let unsigned = s["minimum"] == json!(0);
    let (min, max): (Value, Value) = match (s["format"].as_str(), unsigned) {
        (Some("int32"), true) => (json!(0), json!(u32::MAX)),
        (Some("int32"), false) => (json!(i32::MIN), json!(i32::MAX)),
        (Some("int64"), true) => (json!(0), json!(u64::MAX)),
        (Some("int64"), false) => (json!(i64::MIN), json!(i64::MAX)),
        _ => return,
    };
    if s.get("minimum").is_none() {
        s["minimum"] = min;
    }
    if s.get("maximum").is_none() {
        s["maximum"] = max;
    }
}

/// Gives a string schema (or the strings of an array, or of a nullable type) the
/// pattern.
fn pattern_strings(s: &mut Value, pattern: Option<String>) {
    let Some(pattern) = pattern else { return };
    let is_string = match &s["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_string {
        s["pattern"] = json!(pattern);
    } else if is_type(s, "array") {
        pattern_strings(&mut s["items"], Some(pattern));
    }
}
