//! The HTTP client of the `mw` subcommands: bearer auth, request bodies and answers as
//! the types of `megawatt-api`, and a server's problem turned into one clear line.

use megawatt_api::ProblemBody;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A call that failed: the line to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// One line for people.
    pub message: String,
    /// 1: the server refused; 2: usage or connection problem.
    pub code: u8,
}

impl Failure {
    /// A usage problem (exit code 2).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

/// A connection to one exchange.
pub struct Client {
    agent: ureq::Agent,
    url: String,
    token: Option<String>,
}

impl Client {
    /// A client of the exchange at `url`, authenticating with `token`.
    pub fn new(url: &str, token: Option<String>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(
                crate::limits::REQUEST_TIMEOUT_SECS,
            )))
            .build()
            .into();
        Client {
            agent,
            url: url.trim_end_matches('/').to_string(),
            token,
        }
    }

    fn auth(&self) -> Result<String, Failure> {
        self.token
            .as_ref()
            .map(|t| format!("Bearer {t}"))
            .ok_or_else(|| Failure::usage("no API key: set MW_TOKEN (or pass --token)"))
    }

    /// GET a path (with its query string), its answer read as a `T`.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        let text = self.get_text(path)?;
        read(&text)
    }

    /// GET a path whose answer is text (CSV), as text.
    pub fn get_text(&self, path: &str) -> Result<String, Failure> {
        let resp = self
            .agent
            .get(format!("{}{path}", self.url))
            .header("Authorization", &self.auth()?)
            .call();
        self.finish_text(resp)
    }

    /// POST a body, with an idempotency key so that a retry cannot act twice; the
    /// answer read as a `T`.
    pub fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        let text = self.post_text(path, body)?;
        read(&text)
    }

    /// POST a body whose answer has no content (`204`).
    pub fn post_only<B: Serialize>(&self, path: &str, body: &B) -> Result<(), Failure> {
        self.post_text(path, body).map(drop)
    }

    fn post_text<B: Serialize>(&self, path: &str, body: &B) -> Result<String, Failure> {
        let key = idempotency_key();
        let resp = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("Authorization", &self.auth()?)
            .header("Idempotency-Key", &key)
            .send_json(body);
        self.finish_text(resp)
    }

    /// The body of a successful answer; a refusal as one clear line.
    fn finish_text(
        &self,
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<String, Failure> {
        let mut resp = resp.map_err(|e| Failure {
            message: format!("cannot reach the exchange at {}: {e}", self.url),
            code: 2,
        })?;
        let status = resp.status();
        let text = resp
            .body_mut()
            .with_config()
            .limit(crate::limits::ANSWER_BYTES_MAX)
            .read_to_string();
        if status.is_success() {
            return text.map_err(|e| Failure {
                message: format!("unreadable answer: {e}"),
                code: 1,
            });
        }
        // A refusal whose body cannot be read is still reported by its status.
        let text = text.unwrap_or_default();
        let message = match serde_json::from_str::<ProblemBody>(&text) {
            Ok(p) => format!("{} ({}, HTTP {})", p.detail, p.code, status.as_u16()),
            Err(_) => format!("HTTP {}: {}", status.as_u16(), text.trim()),
        };
        Err(Failure { message, code: 1 })
    }
}

/// An answer read as the API type it is documented to be.
fn read<T: DeserializeOwned>(text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|e| Failure {
        message: format!("unreadable answer: {e}"),
        code: 1,
    })
}

/// A path with its query: the pairs that have a value, in order.
pub fn query(path: &str, pairs: &[(&str, Option<String>)]) -> String {
    let mut q = String::from(path);
    for (k, v) in pairs {
        if let Some(v) = v {
            q.push(if q.contains('?') { '&' } else { '?' });
            q.push_str(k);
            q.push('=');
            q.push_str(v);
        }
    }
    q
}

/// A fresh idempotency key: time and process id, unique enough for one client.
fn idempotency_key() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("mw-cli-{}-{nanos}", std::process::id())
}
