//! RFC 9457 problem details: every error the API returns is `application/problem+json`
//! with a stable `type`, a `title`, the HTTP `status`, and a `detail` that names the
//! field and the rule.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use megawatt_engine::Rule;

/// A problem, boxed so that `Result<_, Problem>` stays small on the happy path.
#[derive(Clone, Debug)]
pub struct Problem(pub Box<ProblemBody>);

impl std::ops::Deref for Problem {
    type Target = ProblemBody;
    fn deref(&self) -> &ProblemBody {
        &self.0
    }
}

impl std::ops::DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut ProblemBody {
        &mut self.0
    }
}

pub use megawatt_api::ProblemBody;

impl Problem {
    /// A problem with a code, status and detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem(Box::new(ProblemBody {
            type_: format!("urn:megawatt:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
            field: None,
            pointer: None,
            retry_after: None,
        }))
    }

    /// The same problem, naming a field.
    pub fn field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }

    /// 400: the request cannot be read (syntax, shape, types, unknown fields).
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "malformed_request", detail)
    }

    /// 422: a field's value is not acceptable.
    pub fn invalid(field: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail).field(field)
    }

    /// 422: a field the request must have is absent (`missing_field`), as when the JSON
    /// layer finds a required field missing.
    pub fn missing(field: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "missing_field", detail).field(field)
    }

    /// 404 `unknown_<what>` (`unknown_order`, `unknown_contract`, …): the same code the
    /// engine's rules answer for a thing that does not exist or is not the caller's.
    pub fn unknown(what: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, &format!("unknown_{what}"), detail)
    }

    /// 404: nothing there (or nothing the caller may see).
    pub fn not_found(what: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// 403: the caller may not do this.
    /// One code for every "you may not" (`not_permitted`, as the engine's rules answer),
    /// naming the caller's role as the field at fault.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "not_permitted", detail).field("actor")
    }

    /// 503: the exchange cannot take the request now.
    pub fn unavailable(detail: impl Into<String>) -> Problem {
        let mut p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail);
        p.retry_after = Some(1);
        p
    }

    /// The problem for an engine rejection: the rule's code, its field, and a status
    /// by kind (unknown things in the path are 404s; permissions 403; conflicts with
    /// the market's state 409; everything else 422).
    pub fn rejection(rule: &str, field: &str, detail: &str) -> Problem {
        let status = rule_status(rule);
        Problem::new(status, rule, format!("{field}: {detail}")).field(field)
    }

    /// The problem of an engine refusal met outside the sequencer (a dry run, a plan's
    /// rows checked before they are journaled).
    pub fn engine(r: &megawatt_engine::Rejection) -> Problem {
        Problem::rejection(r.rule.code(), &r.field_path(), &r.detail)
    }

    /// The same problem with its field named as the request spelled it: `names` maps
    /// the engine's field (`limit_price_micros`, `window.start`) to the request's
    /// (`price`, `start`); a field not in it keeps its name.
    pub fn renamed(mut self, names: &[(&str, &str)]) -> Problem {
        let Some(field) = self.field.clone() else {
            return self;
        };
        if let Some((_, to)) = names.iter().find(|(from, _)| *from == field) {
            if let Some(rest) = self.detail.strip_prefix(&format!("{field}: ")) {
                self.detail = format!("{to}: {rest}");
            }
            self.field = Some((*to).to_string());
        }
        self
    }

    /// A refusal by a rule of the server's own (not the engine's), naming the field:
    /// `code` must be in [`SERVER_CODES`] with this status.
    pub fn refused(
        status: StatusCode,
        code: &str,
        field: &str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem::new(status, code, detail).field(field)
    }

    /// The problem for an engine rule raised by the server itself.
    pub fn rule(rule: Rule, field: &str, detail: &str) -> Problem {
        Problem::rejection(rule.code(), field, detail)
    }
}

tokio::task_local! {
    /// The request being answered has a JSON body (POST): a problem's field is in it
    /// unless it names a header, the caller, or the thing the path names (its `id`, or
    /// the entity of `/v1/orders/{id}/…`: `order`).
    static BODY_FIELDS: Option<String>;
}

/// Fields that are never in a request body, though a request with a body may name them.
const NOT_IN_BODY: [&str; 6] = [
    "id",
    "actor",
    "Idempotency-Key",
    "Authorization",
    "Dry-Run",
    "Content-Type",
];

/// The layer: marks requests whose fields are in their JSON body, so that problems
/// give the field as a JSON pointer too.
pub async fn layer(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let entity = (req.method() == axum::http::Method::POST).then(|| {
        let route = req
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map(|m| m.as_str().to_string())
            .unwrap_or_default();
        path_entity(&route)
    });
    BODY_FIELDS.scope(entity, next.run(req)).await
}

/// The entity a route's `{id}` names (`/v1/orders/{id}/cancel`: `order`), or "".
fn path_entity(route: &str) -> String {
    let parts: Vec<&str> = route.split('/').collect();
    parts
        .iter()
        .position(|p| *p == "{id}")
        .and_then(|i| i.checked_sub(1))
        .map(|i| parts[i].trim_end_matches('s').to_string())
        .unwrap_or_default()
}

/// A field as an RFC 6901 JSON pointer: `lines[0].gpus` is `/lines/0/gpus`, `body` the
/// whole document (`""`).
pub fn pointer(field: &str) -> String {
    if field == "body" {
        return String::new();
    }
    let mut out = String::new();
    for part in field.split('.') {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        out.push('/');
        out.push_str(&name.replace('~', "~0").replace('/', "~1"));
        for index in rest.split('[') {
            let index = index.trim_end_matches(']');
            if !index.is_empty() {
                out.push('/');
                out.push_str(index);
            }
        }
    }
    out
}

impl IntoResponse for Problem {
    fn into_response(mut self) -> Response {
        let entity = BODY_FIELDS.try_with(Clone::clone).ok().flatten();
        if let (Some(entity), Some(f)) = (entity, &self.field)
            && !NOT_IN_BODY.contains(&f.as_str())
            && *f != entity
        {
            self.pointer = Some(pointer(f));
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.retry_after;
        let body = serde_json::to_vec(&*self.0).expect("a problem serializes");
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = retry {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// The status of an engine rule's code: unknown things are 404s (wherever the request
/// names them, so that a code has one status); permissions 403; conflicts with the
/// market's state 409; everything else 422.
pub fn rule_status(rule: &str) -> StatusCode {
    match rule {
        r if r.starts_with("unknown_") => StatusCode::NOT_FOUND,
        "not_permitted" | "not_owner" => StatusCode::FORBIDDEN,
        "insufficient_capacity"
        | "limit_reached"
        | "already_exists"
        | "key_already_issued"
        | "rfq_closed"
        | "quote_expired"
        | "no_right_of_notice"
        | "cause_not_allowed"
        | "contract_not_in_force"
        | "resale_exceeds_holding"
        | "notice_past_end"
        | "insufficient_funds"
        | "nothing_overdue"
        | "month_closed"
        | "no_feasible_start"
        | "procurement_state"
        | "plan_applied" => StatusCode::CONFLICT,
        "clock_went_backwards" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The codes the server answers by itself (the engine's rules are `Rule::ALL`): code,
/// status, meaning.
pub const SERVER_CODES: [(&str, u16, &str); 31] = [
    (
        "invalid_webhook_url",
        422,
        "A webhook URL that is not `https://` or `http://` with a host, carries a user or password, or is longer than 2,048 bytes.",
    ),
    (
        "webhook_address_not_allowed",
        422,
        "A webhook URL on a loopback, private or link-local address (allowed only with `mw serve --webhooks-allow-private`).",
    ),
    (
        "no_event_types",
        422,
        "A webhook must receive at least one event type.",
    ),
    (
        "unknown_event_type",
        422,
        "Not an account event type (`GET /v1/webhooks/types` lists them).",
    ),
    (
        "duplicate_event_type",
        422,
        "An event type named twice in one webhook.",
    ),
    (
        "invalid_description",
        422,
        "A webhook description with control characters.",
    ),
    (
        "description_too_long",
        422,
        "A webhook description longer than 256 bytes.",
    ),
    (
        "too_many_webhooks",
        409,
        "The participant has 16 webhooks, the most allowed.",
    ),
    (
        "event_type_not_subscribed",
        422,
        "A redelivery of an event of a type the webhook does not receive.",
    ),
    (
        "unknown_webhook",
        404,
        "No webhook with that id of the caller's.",
    ),
    (
        "unknown_event",
        404,
        "No event with that id of the caller's in the event log.",
    ),
    (
        "malformed_request",
        400,
        "The body is not JSON, or a header is malformed.",
    ),
    (
        "missing_field",
        422,
        "A field the request must have is absent (`field` names it).",
    ),
    (
        "unknown_field",
        422,
        "The request has a field the operation does not take.",
    ),
    (
        "invalid_field",
        422,
        "A field has the wrong type or a value outside its rules.",
    ),
    (
        "dry_run_unsupported",
        400,
        "The action cannot be tried with `Dry-Run` (creating a key).",
    ),
    (
        "unauthorized",
        401,
        "No API key, an unknown one, or an Authorization header that is not `Bearer <key>`.",
    ),
    (
        "insufficient_scope",
        403,
        "The API key lacks the scope the request needs (`read` to read, `trade` to change the market, `usage:report` to report usage, every scope to manage keys); `detail` names it.",
    ),
    (
        "unknown_key",
        404,
        "No live API key with that prefix of the caller's (the operator: of anyone's).",
    ),
    (
        "ambiguous_key",
        409,
        "Two live keys of different participants have that prefix: name the participant.",
    ),
    ("not_found", 404, "No such route."),
    (
        "unknown_invoice",
        404,
        "No invoice with that id of the caller's.",
    ),
    (
        "method_not_allowed",
        405,
        "The route does not take that method.",
    ),
    (
        "key_already_issued",
        409,
        "A retry of a key creation: the key was issued and is not shown again.",
    ),
    (
        "clock_not_manual",
        409,
        "The clock follows real time; only a server started with --manual-clock can be ticked.",
    ),
    (
        "idempotency_answer_unreadable",
        409,
        "A retry of a request carried out before an upgrade: its stored answer has a shape this version cannot read, so it is not given again; read the result instead.",
    ),
    (
        "idempotency_key_reused",
        422,
        "The Idempotency-Key was used with a different request.",
    ),
    ("body_too_large", 413, "The body is larger than 64 KiB."),
    (
        "unsupported_media_type",
        415,
        "The body is not sent as application/json.",
    ),
    (
        "rate_limited",
        429,
        "Too many requests with this key; retry after Retry-After.",
    ),
    (
        "unavailable",
        503,
        "The exchange is busy, stopping or failed; retry after Retry-After.",
    ),
];

/// Every code the API answers, with its status and meaning: the engine's rules first,
/// then the server's own.
pub fn all_codes() -> impl Iterator<Item = (&'static str, u16, &'static str)> {
    let rules = Rule::ALL
        .into_iter()
        .map(|r| (r.code(), rule_status(r.code()).as_u16(), r.meaning()));
    rules.chain(SERVER_CODES)
}

/// The status and meaning of `code`, if the API answers it.
pub fn describe(code: &str) -> Option<(u16, &'static str)> {
    all_codes()
        .find(|(c, _, _)| *c == code)
        .map(|(_, status, meaning)| (status, meaning))
}

/// Every code the API answers, as the Markdown table of docs/errors.md.
pub fn catalog() -> String {
    let mut out = String::from("| code | status | meaning |\n|---|---|---|\n");
    for (code, status, meaning) in all_codes() {
        out.push_str(&format!("| `{code}` | {status} | {meaning} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_become_json_pointers() {
        assert_eq!(super::pointer("price"), "/price");
        assert_eq!(super::pointer("lines[0].gpus"), "/lines/0/gpus");
        assert_eq!(super::pointer("gpus[2]"), "/gpus/2");
        assert_eq!(super::pointer("a/b~c"), "/a~1b~0c");
        assert_eq!(super::pointer("body"), "");
        assert_eq!(super::path_entity("/v1/orders/{id}/cancel"), "order");
        assert_eq!(super::path_entity("/v1/rfqs/{id}/quotes"), "rfq");
        assert_eq!(super::path_entity("/v1/orders"), "");
    }
}
