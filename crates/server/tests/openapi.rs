//! The OpenAPI document: every parameter declared where it is sent, operation ids
//! unique, and (with `MW_OPENAPI_VALIDATOR`, which `.ci/run` sets) valid by
//! `openapi-spec-validator`.

use serde_json::Value;

fn document() -> Value {
    megawatt_server::openapi::document()
}

/// Every operation of the document, with its path and method.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            out.push((path.clone(), method.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn parameters_are_declared_where_they_are_sent_and_ids_are_unique() {
    let doc = document();
    let ops = operations(&doc);
    assert!(ops.len() > 40, "{} operations", ops.len());
    let mut ids = std::collections::BTreeSet::new();
    for (path, method, op) in &ops {
        let id = op["operationId"].as_str().unwrap_or_default().to_string();
        assert!(
            ids.insert(id.clone()),
            "operationId {id:?} twice ({method} {path})"
        );
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or_default();
            match p["in"].as_str() {
                Some("path") => assert!(
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: {name} is declared in the path but is not in it"
                ),
                Some("query" | "header") => {}
                other => panic!("{method} {path}: {name} in {other:?}"),
            }
        }
    }
}

#[test]
fn responses_say_what_they_are() {
    let doc = document();
    for (path, method, op) in operations(&doc) {
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.contains_key("503"),
            "{method} {path} may answer 503"
        );
        for (status, r) in responses {
            assert!(
                r["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{method} {path} {status} has no description"
            );
            if status.starts_with('4') || status.starts_with('5') {
                assert!(
                    r["content"].get("application/problem+json").is_some(),
                    "{method} {path} {status} is a problem: {r}"
                );
            }
        }
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["name"] == "limit" {
                // Pages hold 1 to 1,000 items; a search reports 1 to 20 starts.
                let most = if path == "/v1/search" { 20 } else { 1000 };
                assert_eq!(
                    (
                        p["schema"]["minimum"].as_u64(),
                        p["schema"]["maximum"].as_u64()
                    ),
                    (Some(1), Some(most)),
                    "{path}"
                );
            }
        }
    }
    let events = &doc["paths"]["/v1/events"]["get"]["responses"]["200"]["content"];
    assert!(events.get("text/event-stream").is_some(), "{events}");
}

#[test]
fn the_document_passes_openapi_spec_validator() {
    let Ok(dir) = std::env::var("MW_OPENAPI_VALIDATOR") else {
        eprintln!("skipped OpenAPI validation: MW_OPENAPI_VALIDATOR is not set (.ci/run sets it)");
        return;
    };
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), document().to_string()).unwrap();
    let out = std::process::Command::new(format!("{dir}/bin/openapi-spec-validator"))
        .arg(file.path())
        .output()
        .expect("openapi-spec-validator runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.trim_end().ends_with("OK"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every link names an operation of the document, with the `id` parameter it fills; the
/// request schemas say their exactly-one rules and their patterns.
#[test]
fn links_lead_to_operations_and_request_shapes_are_said() {
    let doc = megawatt_server::openapi::document();
    let mut ops = std::collections::BTreeMap::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let params: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            ops.insert(op["operationId"].as_str().unwrap().to_string(), params);
        }
    }
    let mut links = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for answer in op["responses"].as_object().unwrap().values() {
                for link in answer["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|l| l.values())
                {
                    let target = link["operationId"].as_str().unwrap();
                    let params = ops
                        .get(target)
                        .unwrap_or_else(|| panic!("no operation {target}"));
                    for name in link["parameters"].as_object().unwrap().keys() {
                        assert!(params.contains(name), "{target} has no parameter {name}");
                    }
                    links += 1;
                }
            }
        }
    }
    assert!(links >= 20, "{links} links");
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["PlaceOrder"]["allOf"]
            .as_array()
            .is_some_and(|a| a.len() >= 3)
    );
    assert!(schemas["CreateReservation"]["allOf"][0]["oneOf"].is_array());
    assert!(schemas["PlaceOrder"]["properties"]["start"]["pattern"].is_string());
    assert!(schemas["MoveMoney"]["properties"]["amount"]["pattern"].is_string());
    // Answers are not narrowed (an order may start on the 31st), and say their format.
    let start = &schemas["OrderView"]["properties"]["start"];
    assert!(
        start.is_object() && start.get("pattern").is_none(),
        "{start}"
    );
}

/// Every request body has an example (read into its type when the document is made).
#[test]
fn every_request_body_has_an_example() {
    let doc = megawatt_server::openapi::document();
    let mut bodies = 0;
    for (path, method, op) in operations(&doc) {
        let Some(body) = op.pointer("/requestBody/content/application~1json") else {
            continue;
        };
        assert!(
            body.get("example").is_some(),
            "{method} {path} has no example"
        );
        bodies += 1;
    }
    assert!(bodies >= 20, "{bodies} request bodies");
}

/// Every answer has an example (read into its type and written back the same when the
/// document is made): JSON bodies, the event stream, the metrics and the FOCUS export.
#[test]
fn every_answer_has_an_example() {
    let doc = megawatt_server::openapi::document();
    let mut answers = 0;
    let mut missing = Vec::new();
    for (path, method, op) in operations(&doc) {
        for (status, r) in op["responses"].as_object().expect("responses") {
            if !status.starts_with('2') {
                continue;
            }
            for (media, content) in r["content"].as_object().into_iter().flatten() {
                answers += 1;
                if content.get("example").is_none() {
                    missing.push(format!("{method} {path} {status} {media}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "answers without an example: {missing:#?}"
    );
    assert!(answers >= 40, "{answers} answers");
}

/// Each operation answers its refusals by status, each status with the codes it may
/// carry (an enum on `code`): the table names exactly the document's operations, and a
/// code is answered at its catalog status.
#[test]
fn every_operation_lists_its_problem_codes() {
    let doc = document();
    let ops = operations(&doc);
    let ids: std::collections::BTreeSet<String> = ops
        .iter()
        .map(|(_, _, op)| op["operationId"].as_str().unwrap().to_string())
        .collect();
    let listed: std::collections::BTreeSet<String> = megawatt_server::openapi::codes::operations()
        .map(String::from)
        .collect();
    assert_eq!(
        ids, listed,
        "the table of codes names the document's operations"
    );
    let enum_at = |op: &Value, status: &str| -> Vec<String> {
        let schema = &op["responses"][status]["content"]["application/problem+json"]["schema"];
        let codes = schema["allOf"][1]["properties"]["code"]["enum"].as_array();
        codes
            .into_iter()
            .flatten()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    };
    for (path, method, op) in &ops {
        let responses = op["responses"].as_object().unwrap();
        assert!(
            !responses.contains_key("4XX"),
            "{method} {path} still says 4XX"
        );
        for status in responses.keys().filter(|s| !s.starts_with('2')) {
            let codes = enum_at(op, status);
            assert!(!codes.is_empty(), "{method} {path} {status} lists no codes");
            for code in &codes {
                let (at, _) = megawatt_server::problem::describe(code).unwrap();
                assert_eq!(at.to_string(), *status, "{method} {path}: {code}");
                assert!(
                    responses[status]["description"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("`{code}`")),
                    "{method} {path} {status} does not say what {code} means"
                );
            }
        }
    }
    let place = &doc["paths"]["/v1/orders"]["post"];
    assert!(enum_at(place, "409").contains(&"insufficient_funds".to_string()));
    assert!(enum_at(place, "422").contains(&"window_in_past".to_string()));
    assert!(enum_at(place, "401").contains(&"unauthorized".to_string()));
    let health = &doc["paths"]["/healthz"]["get"];
    assert!(
        health["responses"].get("401").is_none(),
        "/healthz takes no key"
    );
}
