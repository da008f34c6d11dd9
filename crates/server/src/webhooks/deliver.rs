//! One delivery attempt: the event's payload POSTed to the endpoint, signed, over an
//! HTTP client that follows no redirects, reads no proxy settings, gives up after
//! [`WEBHOOK_TIMEOUT_MS`], and connects only to addresses the operator allows
//! ([`super::address::public`], checked on every resolved address). Blocking: it runs
//! on a blocking thread, a bounded number at a time.

use super::address;
use super::sign;
use crate::limits::{WEBHOOK_ANSWER_BYTES_MAX, WEBHOOK_TIMEOUT_MS};
use megawatt_store::outbox::FeedRow;
use std::io::Read;
use std::time::{Duration, Instant};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// A resolver that drops the addresses the server may not connect to.
#[derive(Debug)]
struct Guarded {
    allow_private: bool,
    inner: DefaultResolver,
}

impl Resolver for Guarded {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let all = self.inner.resolve(uri, config, timeout)?;
        if self.allow_private {
            return Ok(all);
        }
        let mut kept = self.inner.empty();
        for a in all.iter().filter(|a| address::public(a.ip())) {
            kept.push(*a);
        }
        if kept.is_empty() {
            let shown: Vec<String> = all.iter().map(|a| a.ip().to_string()).collect();
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "address_not_allowed: {} resolves only to internal addresses ({})",
                    uri.host().unwrap_or_default(),
                    shown.join(", ")
                ),
            )));
        }
        Ok(kept)
    }
}

/// The HTTP client of deliveries.
pub fn agent(allow_private: bool) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(WEBHOOK_TIMEOUT_MS)))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(concat!("megawatt-webhooks/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::with_parts(
        config,
        DefaultConnector::new(),
        Guarded {
            allow_private,
            inner: DefaultResolver::default(),
        },
    )
}

/// What one attempt got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// What went wrong: a transport error, or a status that is not 2xx (with the start
    /// of the body).
    pub error: Option<String>,
    /// How long it took, ms.
    pub duration_ms: u64,
}

/// The body a webhook receives for `row` (a [`megawatt_api::WebhookPayload`]).
pub fn payload(row: &FeedRow) -> String {
    format!(
        r#"{{"id":"{}","type":"{}","created":"{}","data":{}}}"#,
        crate::feed::id(row),
        row.kind,
        crate::views::instant(row.time_ms),
        row.body
    )
}

/// The headers of a delivery besides the signature.
pub struct Meta<'a> {
    /// The endpoint's id.
    pub webhook: &'a str,
    /// Which attempt this is.
    pub attempt: u32,
    /// Now, unix seconds (the signature's timestamp).
    pub now_secs: u64,
}

/// POSTs `row` to `url`, signed with `secret`.
pub fn attempt(
    agent: &ureq::Agent,
    url: &str,
    secret: &str,
    row: &FeedRow,
    meta: Meta<'_>,
) -> Answer {
    let body = payload(row);
    let signature = sign::sign(secret, meta.now_secs, body.as_bytes());
    let t0 = Instant::now();
    let result = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header(sign::HEADER, &signature)
        .header("Megawatt-Event-Id", crate::feed::id(row))
        .header("Megawatt-Event-Type", &row.kind)
        .header("Megawatt-Webhook-Id", meta.webhook)
        .header("Megawatt-Delivery-Attempt", meta.attempt.to_string())
        .send(body.as_bytes());
    let duration_ms = t0.elapsed().as_millis() as u64;
    match result {
        Ok(mut answer) => {
            let status = answer.status().as_u16();
            let error = (!(200..300).contains(&status)).then(|| {
                let mut start = String::new();
                let _ = answer
                    .body_mut()
                    .as_reader()
                    .take(WEBHOOK_ANSWER_BYTES_MAX)
                    .read_to_string(&mut start);
                format!("answered {status}: {}", start.trim())
            });
            Answer {
                status: Some(status),
                error,
                duration_ms,
            }
        }
        Err(e) => Answer {
            status: None,
            error: Some(e.to_string()),
            duration_ms,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> FeedRow {
        FeedRow {
            seq: 7,
            n: 1,
            audience: Some(megawatt_engine::ids::ParticipantId(3)),
            kind: "invoice.paid".into(),
            time_ms: 1_800_000_000_000,
            body: r#"{"type":"invoice.paid","invoice":"inv-4","role":"payer"}"#.into(),
        }
    }

    /// The guard holds where the connection is made: a name or address that resolves
    /// inward is refused without connecting (a hostile DNS answer cannot get past the
    /// check made at registration).
    #[test]
    fn deliveries_never_connect_to_internal_addresses_unless_allowed() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        for url in [
            format!("http://127.0.0.1:{port}/hook"),
            format!("http://localhost:{port}/hook"),
        ] {
            let meta = Meta {
                webhook: "wh-1",
                attempt: 1,
                now_secs: 0,
            };
            let a = attempt(&agent(false), &url, "whsec_x", &row(), meta);
            let error = a.error.unwrap_or_default();
            assert!(
                a.status.is_none() && error.contains("address_not_allowed"),
                "{url}: {error}"
            );
        }
        assert!(listener.accept().is_err(), "nothing connected");
        // With the operator's leave, the same delivery connects.
        let server = std::thread::spawn(move || {
            listener.set_nonblocking(false).unwrap();
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut s, &mut buf);
            std::io::Write::write_all(
                &mut s,
                b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
        });
        let meta = Meta {
            webhook: "wh-1",
            attempt: 1,
            now_secs: 0,
        };
        let a = attempt(
            &agent(true),
            &format!("http://127.0.0.1:{port}/hook"),
            "whsec_x",
            &row(),
            meta,
        );
        server.join().unwrap();
        assert_eq!((a.status, a.error), (Some(204), None));
    }

    #[test]
    fn the_payload_wraps_the_event_with_its_id_type_and_time() {
        let p: megawatt_api::WebhookPayload = serde_json::from_str(&payload(&row())).unwrap();
        assert_eq!((p.id.as_str(), p.kind.as_str()), ("7.1", "invoice.paid"));
        assert_eq!(
            p.data,
            megawatt_api::AccountEvent::InvoicePaid {
                invoice: "inv-4".into(),
                role: "payer".into()
            }
        );
        assert_eq!(p.created, "2027-01-15T08:00:00.000Z");
    }
}
