//! The HTTP client of the `mw` subcommands: bearer auth, request bodies and answers as
//! the types of `megawatt-api`, and a server's problem turned into one clear line.

use megawatt_api::{ProblemBody, StreamEvent};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A call that failed: the line to print, the exit code, and the server's problem if
/// it sent one (`--json` prints it).
#[derive(Debug)]
pub struct Failure {
    /// One line for people.
    pub message: String,
    /// 1: the server refused; 2: usage or connection problem.
    pub code: u8,
    /// The refusal as the server sent it.
    pub problem: Option<Box<ProblemBody>>,
}

impl Failure {
    /// A usage problem (exit code 2).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
            problem: None,
        }
    }

    /// A failure of `mw` itself (exit code 1), not of a request.
    pub fn local(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 1,
            problem: None,
        }
    }
}

/// A failure of `mw` itself (usage, connection) as a problem, for `--json`: status 0
/// (no HTTP answer), code `usage` (exit code 2) or `client` (exit code 1).
pub fn local_problem(message: &str, exit_code: u8) -> ProblemBody {
    let code = if exit_code == 2 { "usage" } else { "client" };
    ProblemBody {
        type_: format!("urn:megawatt:problem:{code}"),
        title: "mw could not make the request".into(),
        status: 0,
        detail: message.to_string(),
        code: code.into(),
        field: None,
        pointer: None,
        retry_after: None,
    }
}

/// A connection to one exchange.
pub struct Client {
    agent: ureq::Agent,
    url: String,
    token: Option<String>,
    /// Every change sent as a dry run (`Dry-Run: true`).
    dry_run: bool,
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
            dry_run: false,
        }
    }

    /// True when changes are sent as dry runs.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// The same client, sending every change as a dry run: the exchange answers what it
    /// would do and does nothing.
    pub fn trying(&self) -> Client {
        Client {
            agent: self.agent.clone(),
            url: self.url.clone(),
            token: self.token.clone(),
            dry_run: true,
        }
    }

    fn auth(&self) -> Result<String, Failure> {
        self.token
            .as_ref()
            .map(|t| format!("Bearer {t}"))
            .ok_or_else(|| {
                Failure::usage("no API key: set MW_TOKEN, pass --token, or save one with mw login")
            })
    }

    /// GET a path (with its query string), its answer read as a `T`.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        let text = self.get_text(path)?;
        read_answer(&text)
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
        read_answer(&text)
    }

    /// DELETE a path (its answer has no content).
    pub fn delete(&self, path: &str) -> Result<(), Failure> {
        let resp = self
            .agent
            .delete(format!("{}{path}", self.url))
            .header("Authorization", &self.auth()?)
            .header("Dry-Run", if self.dry_run { "true" } else { "false" })
            .call();
        self.finish_text(resp).map(drop)
    }

    /// POST a body whose answer has no content (`204`).
    pub fn post_only<B: Serialize>(&self, path: &str, body: &B) -> Result<(), Failure> {
        self.post_text(path, body).map(drop)
    }

    /// Follows `GET /v1/events`: each market event, read as its API type, goes to `each`,
    /// until `count` have (or the stream ends). A note of events the server could not
    /// keep for this client (`lagged`) goes to standard error.
    pub fn events(
        &self,
        count: Option<u64>,
        after: Option<&str>,
        mut each: impl FnMut(&str, &StreamEvent),
    ) -> Result<(), Failure> {
        use std::io::{BufRead, Read};
        // No overall timeout: the stream lasts as long as the user wants it.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let path = query("/v1/events", &[("after", after.map(str::to_string))]);
        let resp = agent
            .get(format!("{}{path}", self.url))
            .header("Authorization", &self.auth()?)
            .call();
        let mut resp = self.check(resp)?;
        let mut lines = std::io::BufReader::new(resp.body_mut().as_reader());
        let (mut kind, mut id, mut seen, mut line) =
            (String::new(), String::new(), 0u64, String::new());
        while count.is_none_or(|n| seen < n) {
            line.clear();
            let read = (&mut lines)
                .take(crate::limits::EVENT_LINE_BYTES_MAX as u64)
                .read_line(&mut line)
                .map_err(|e| self.unreachable(e))?;
            if read == 0 {
                break;
            }
            let text = line.trim_end();
            if let Some(k) = text.strip_prefix("event:") {
                kind = k.trim().to_string();
            } else if let Some(i) = text.strip_prefix("id:") {
                id = i.trim().to_string();
            } else if let Some(data) = text.strip_prefix("data:") {
                match kind.as_str() {
                    "lagged" => eprintln!("(the stream skipped {} events: too slow)", data.trim()),
                    "gap" => {
                        eprintln!("(events after that id are no longer kept: read the state again)")
                    }
                    _ => {
                        each(&id, &read_answer::<StreamEvent>(data.trim())?);
                        seen += 1;
                    }
                }
            }
        }
        Ok(())
    }

    fn post_text<B: Serialize>(&self, path: &str, body: &B) -> Result<String, Failure> {
        let key = idempotency_key();
        let resp = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("Authorization", &self.auth()?)
            .header("Idempotency-Key", &key)
            .header("Dry-Run", if self.dry_run { "true" } else { "false" })
            .send_json(body);
        let resp = self.check(resp)?;
        let tried = resp.headers().get("dry-run").is_some_and(|v| v == "true");
        if self.dry_run && !tried {
            return Err(Failure::local(format!(
                "the exchange at {} did not answer as a dry run: it may have done this; look before you retry",
                self.url
            )));
        }
        self.finish_text(Ok(resp))
    }

    /// The failure of not reaching the exchange.
    fn unreachable(&self, e: impl std::fmt::Display) -> Failure {
        Failure {
            message: format!("cannot reach the exchange at {}: {e}", self.url),
            code: 2,
            problem: None,
        }
    }

    /// A successful answer, or the server's refusal as a [`Failure`].
    fn check(
        &self,
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, Failure> {
        let mut resp = resp.map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        // A refusal whose body cannot be read is still reported by its status.
        let text = resp
            .body_mut()
            .with_config()
            .limit(crate::limits::ANSWER_BYTES_MAX)
            .read_to_string()
            .unwrap_or_default();
        Err(match serde_json::from_str::<ProblemBody>(&text) {
            Ok(p) => Failure {
                message: format!("{} ({}, HTTP {})", p.detail, p.code, status.as_u16()),
                code: 1,
                problem: Some(Box::new(p)),
            },
            Err(_) => Failure {
                message: format!("HTTP {}: {}", status.as_u16(), text.trim()),
                code: 1,
                problem: None,
            },
        })
    }

    /// The body of a successful answer; a refusal as one clear line.
    fn finish_text(
        &self,
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<String, Failure> {
        let mut resp = self.check(resp)?;
        resp.body_mut()
            .with_config()
            .limit(crate::limits::ANSWER_BYTES_MAX)
            .read_to_string()
            .map_err(|e| Failure {
                message: format!("unreadable answer: {e}"),
                code: 1,
                problem: None,
            })
    }
}

/// An answer read as the API type it is documented to be.
fn read_answer<T: DeserializeOwned>(text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|e| Failure::local(format!("unreadable answer: {e}")))
}

/// The paging pairs of a list's query.
pub fn paging(p: &crate::args::PageArgs) -> [(&'static str, Option<String>); 2] {
    [
        ("limit", Some(p.limit.to_string())),
        ("before", p.before.clone()),
    ]
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
