//! Request extractors: the authenticated, rate-limited [`Caller`]; JSON bodies read
//! strictly (unknown fields, wrong types and bad syntax are 400s that name the field)
//! together with the request's hash for idempotency; and the `Idempotency-Key` header.

use crate::limits::IDEMPOTENCY_KEY_BYTES_MAX;
use crate::problem::Problem;
use crate::sequencer::Idem;
use crate::state::{AppState, Caller};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::Ordering;

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized =
            |detail: &str| Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail);
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("send an API key as 'Authorization: Bearer <key>'"))?;
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer`, `BEARER` are fine.
        let key = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key)
            .ok_or_else(|| unauthorized("the Authorization header must be 'Bearer <key>'"))?;
        let (caller, hash) = state
            .caller(key.trim())
            .ok_or_else(|| unauthorized("unknown API key"))?;
        if !state.limiter.allow(hash) {
            state.http.rate_limited.fetch_add(1, Ordering::Relaxed);
            let mut p = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests with this API key; slow down",
            );
            p.retry_after = Some(1);
            return Err(p);
        }
        // The route's whole path (`/v1/keys/{prefix}/revoke`): a nested router's URI
        // has lost its `/v1`.
        let path = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map_or_else(|| parts.uri.path(), |m| m.as_str());
        let needed = crate::scopes::needed(&parts.method, path);
        if !crate::scopes::allows(caller.scopes, needed) {
            return Err(insufficient_scope(
                caller.scopes,
                needed,
                &parts.method,
                path,
            ));
        }
        Ok(caller)
    }
}

/// 403: the key lacks what the request needs; the detail names both.
fn insufficient_scope(
    has: crate::scopes::Scopes,
    needed: crate::scopes::Needed,
    method: &axum::http::Method,
    path: &str,
) -> Problem {
    let needs = match needed {
        crate::scopes::Needed::One(s) => format!("the scope {}", s.as_str()),
        crate::scopes::Needed::Full => "a key with every scope (*)".to_string(),
    };
    Problem::new(
        StatusCode::FORBIDDEN,
        "insufficient_scope",
        format!(
            "this key's scopes are {}; {method} {path} needs {needs}",
            has.names().join(", ")
        ),
    )
    .field("Authorization")
}

/// The `Idempotency-Key` header, if sent.
pub struct IdemHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdemHeader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(v) = parts.headers.get("idempotency-key") else {
            return Ok(IdemHeader(None));
        };
        let bad = || {
            Problem::bad_request(format!(
                "Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_BYTES_MAX} printable ASCII characters"
            ))
            .field("Idempotency-Key")
        };
        let s = v.to_str().map_err(|_| bad())?;
        if s.is_empty()
            || s.len() > IDEMPOTENCY_KEY_BYTES_MAX
            || !s.bytes().all(|b| (0x21..0x7f).contains(&b))
        {
            return Err(bad());
        }
        Ok(IdemHeader(Some(s.to_string())))
    }
}

/// A JSON body, parsed strictly, with the SHA-256 of method, path and body.
pub struct Body<T> {
    /// The parsed body.
    pub value: T,
    /// Hash of the request, for idempotency.
    pub hash: [u8; 32],
}

impl<T> Body<T> {
    /// The idempotency record to send with the command, if the client gave a key.
    pub fn idem(&self, key: IdemHeader) -> Option<Idem> {
        key.0.map(|key| Idem {
            key,
            hash: self.hash,
        })
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ctype = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        // Only requests with an Idempotency-Key need their hash.
        let keyed = req.headers().contains_key("idempotency-key");
        let mut hasher = Sha256::new();
        hasher.update(req.method().as_str().as_bytes());
        hasher.update(b" ");
        hasher.update(req.uri().path().as_bytes());
        hasher.update(b"\n");
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    e.body_text(),
                )
            } else {
                Problem::bad_request(e.body_text())
            }
        })?;
        if !bytes.is_empty() && !ctype.starts_with("application/json") {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let hash = if keyed {
            hasher.update(&bytes);
            hasher.finalize().into()
        } else {
            [0; 32]
        };
        let slice: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        // Every body is an object (serde would also read a struct from an array).
        if slice.trim_ascii_start().first().is_some_and(|&b| b == b'[') {
            return Err(shape_problem("", "the body must be a JSON object"));
        }
        let de = &mut serde_json::Deserializer::from_slice(slice);
        let first = serde_path_to_error::deserialize(de);
        // JSON Schema counts `64.0` as the integer 64: a body refused only for such
        // numbers is read again with them as integers.
        let first = match first {
            Err(e) if e.inner().classify() == serde_json::error::Category::Data => {
                integral(slice).ok_or(e)
            }
            other => other,
        };
        let value = first.map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    // Without serde's " at line 1 column 48": the field says where.
                    let text = inner.to_string();
                    let text = text.split(" at line ").next().unwrap_or(&text);
                    shape_problem(&path, text)
                }
                _ => Problem::bad_request(format!("request body: {inner}")),
            }
        })?;
        Ok(Body { value, hash })
    }
}

/// The body read with every number that is a whole number written as a float (`64.0`)
/// as that integer, if that makes it a `T`.
fn integral<T: DeserializeOwned>(slice: &[u8]) -> Option<T> {
    fn whole(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Number(n) => {
                if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0) {
                    if f >= 0.0 && f <= u64::MAX as f64 {
                        *v = serde_json::Value::from(f as u64);
                    } else if f < 0.0 && f >= i64::MIN as f64 {
                        *v = serde_json::Value::from(f as i64);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(whole),
            serde_json::Value::Object(o) => o.values_mut().for_each(whole),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(slice).ok()?;
    whole(&mut v);
    serde_json::from_value(v).ok()
}

/// The problem of a request whose shape is wrong (a body or a query string that is
/// syntactically fine): 422, naming the field by its dotted path, with one code per
/// situation: `missing_field`, `unknown_field`, or `invalid_field` (a wrong type or value).
fn shape_problem(path: &str, text: &str) -> Problem {
    let quoted = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string)
    };
    let within = |name: &str| match path {
        "" | "." => name.to_string(),
        p => format!("{p}.{name}"),
    };
    let (code, field) = if let Some(name) = quoted("missing field `") {
        ("missing_field", within(&name))
    } else if let Some(name) = quoted("unknown field `") {
        // The path already ends at the unknown key.
        let field = if path.ends_with(&name) {
            path.to_string()
        } else {
            within(&name)
        };
        ("unknown_field", field)
    } else {
        ("invalid_field", path.to_string())
    };
    let field = if field.is_empty() || field == "." {
        "body".to_string()
    } else {
        field
    };
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        code,
        format!("{field}: {}", human(text)),
    )
    .field(field)
}

/// serde's words for a type, as a person reads them.
fn human(text: &str) -> String {
    [
        ("expected u16", "expected a whole number from 0 to 65535"),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        (
            "expected u64",
            "expected a whole number from 0 to 18446744073709551615",
        ),
        ("expected i64", "expected a whole number"),
        ("expected usize", "expected a whole number"),
        ("expected a boolean", "expected true or false"),
        ("floating point", "number"),
    ]
    .iter()
    .fold(text.to_string(), |t, (from, to)| t.replace(from, to))
}

/// Query-string parameters, parsed strictly; a bad query is a 422 problem naming the
/// parameter and what is wrong with it.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let _ = state;
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Q).map_err(|e| {
            let path = e.path().to_string();
            shape_problem(&path, &e.into_inner().to_string())
        })
    }
}
