//! Test harness: the real server on an ephemeral port over a new store (a temporary
//! SQLite file, or a new PostgreSQL database), and a blocking HTTP client. Every test
//! of the suite runs on both backends (`on_both_backends!`).
#![allow(dead_code, missing_docs)]

pub mod focus;
pub mod receiver;
pub mod sse;

use megawatt_server::{Config, Running, start};
use megawatt_store::Location;
use megawatt_store::pg::ScratchDb;
use serde_json::{Value, json};

thread_local! {
    /// The next server started on this thread guards webhook addresses.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The store a test server runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named test function (taking a [`Backend`]) once per backend, as
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::common::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::common::Backend::Postgres) } )*
        }
    };
}

/// A new store of the backend: its location, and what keeps it alive. `None` when
/// PostgreSQL tests are switched off (`MW_TEST_DATABASE_URL=skip`), said on stderr.
pub fn new_store(backend: Backend) -> Option<(Location, tempfile::TempDir, Option<ScratchDb>)> {
    let dir = tempfile::tempdir().unwrap();
    match backend {
        Backend::Sqlite => Some((Location::Sqlite(dir.path().join("mw.db")), dir, None)),
        Backend::Postgres => {
            let Some(base) = megawatt_store::pg::test_base_url() else {
                eprintln!("skipped on PostgreSQL: MW_TEST_DATABASE_URL=skip");
                return None;
            };
            let db = ScratchDb::create(&base, "mw_test").unwrap_or_else(|e| {
                panic!("PostgreSQL for tests is unreachable ({e}); set MW_TEST_DATABASE_URL, or MW_TEST_DATABASE_URL=skip to skip these tests")
            });
            Some((Location::Postgres(db.url.clone()), dir, Some(db)))
        }
    }
}

pub struct TestServer {
    pub rt: tokio::runtime::Runtime,
    running: Option<Running>,
    pub url: String,
    pub operator: String,
    pub store: Location,
    pub dir: tempfile::TempDir,
    scratch: Option<ScratchDb>,
    manual_clock: bool,
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
    /// The answer said `Dry-Run: true`.
    pub dry_run: bool,
}

impl TestServer {
    /// A server on a new store of the backend (`None`: PostgreSQL tests are off).
    pub fn start(backend: Backend) -> Option<TestServer> {
        TestServer::start_limited(backend, 0)
    }

    /// A server with a rate limit of `rate` requests per second per participant.
    pub fn start_limited(backend: Backend, rate: u32) -> Option<TestServer> {
        TestServer::start_with(backend, rate, false)
    }

    /// A server whose clock moves only by the operator's ticks (`POST /v1/admin/clock`).
    pub fn start_manual_clock(backend: Backend) -> Option<TestServer> {
        TestServer::start_with(backend, 0, true)
    }

    /// A server that refuses webhooks on loopback and private addresses, as in
    /// production (every other test server allows them, for its test receivers).
    pub fn start_guarded(backend: Backend) -> Option<TestServer> {
        GUARDED.with(|g| g.set(true));
        let s = TestServer::start_with(backend, 0, false);
        GUARDED.with(|g| g.set(false));
        s
    }

    fn start_with(backend: Backend, rate: u32, manual_clock: bool) -> Option<TestServer> {
        let (store, dir, scratch) = new_store(backend)?;
        let (mut s, operator) =
            TestServer::open(dir, store, scratch, (rate, manual_clock, Some(0)));
        s.operator = operator.expect("a new store prints an operator key");
        Some(s)
    }

    fn open(
        dir: tempfile::TempDir,
        store: Location,
        scratch: Option<ScratchDb>,
        (rate_limit, manual_clock, month_close_grace_hours): (u32, bool, Option<u16>),
    ) -> (TestServer, Option<String>) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            store: store.clone(),
            standby: false,
            demo: false,
            rate_limit,
            snapshot_every: 7,
            manual_clock,
            // A new store's months close at their end, as the tests of billing expect;
            // a restart keeps what the store has.
            month_close_grace_hours,
            // Test receivers listen on loopback; retries come quickly. The guard on
            // internal addresses is tested with `start_guarded`.
            webhooks: megawatt_server::webhooks::WebhookConfig {
                allow_private: !GUARDED.with(|g| g.get()),
                retry_base_ms: 10,
                retry_ceiling_ms: 20,
            },
        };
        let running = rt.block_on(start(config)).expect("server starts");
        let url = format!("http://{}", running.addr);
        let first_operator = running.first_start.operator_key.clone();
        (
            TestServer {
                rt,
                running: Some(running),
                url,
                operator: String::new(),
                store,
                dir,
                scratch,
                manual_clock,
            },
            first_operator,
        )
    }

    /// Stops the server gracefully and starts a new one on the same file.
    pub fn restart(mut self) -> TestServer {
        let running = self.running.take().unwrap();
        self.rt
            .block_on(running.shutdown())
            .expect("clean shutdown");
        let operator = self.operator.clone();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        let scratch = self.scratch.take();
        let store = self.store.clone();
        let manual_clock = self.manual_clock;
        drop(self);
        let (mut s, first) = TestServer::open(dir, store, scratch, (0, manual_clock, None));
        assert!(
            first.is_none(),
            "a restart must not print a new operator key"
        );
        s.operator = operator;
        s
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(k) = key {
            req = req.header("Authorization", format!("Bearer {k}"));
        }
        if body.is_some() {
            req = req.header("Content-Type", "application/json");
        }
        for (h, v) in headers {
            req = req.header(*h, *v);
        }
        let req = req.body(body.unwrap_or("").to_string()).unwrap();
        let mut resp = agent.run(req).expect("the server answers");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let dry_run = resp.headers().get("dry-run").is_some_and(|v| v == "true");
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if content_type.starts_with("application/problem+json") {
            documented(method, path, status, &body);
        }
        Resp {
            status,
            body,
            content_type,
            dry_run,
        }
    }

    /// How the running server recovered its state on start.
    pub fn recovery(&self) -> megawatt_server::sequencer::Recovery {
        self.running.as_ref().unwrap().recovery
    }

    pub fn get(&self, path: &str, key: &str) -> Resp {
        self.call("GET", path, Some(key), None, &[])
    }

    pub fn post(&self, path: &str, key: &str, body: Value) -> Resp {
        self.call("POST", path, Some(key), Some(&body.to_string()), &[])
    }

    /// Admits a participant and returns (id, key); a buyer gets $1bn deposited, to pay
    /// for what it buys.
    pub fn participant(&self, name: &str, roles: &[&str]) -> (String, String) {
        let (id, key) = self.participant_unfunded(name, roles);
        if roles.contains(&"buyer") {
            let r = self.post(
                "/v1/admin/deposits",
                &self.operator,
                json!({ "participant": id, "amount": "1000000000", "reference": "test funds" }),
            );
            assert_eq!(r.status, 201, "{:?}", r.body);
        }
        (id, key)
    }

    /// Admits a participant with no money; returns (id, key).
    pub fn participant_unfunded(&self, name: &str, roles: &[&str]) -> (String, String) {
        let r = self.post(
            "/v1/participants",
            &self.operator,
            json!({ "name": name, "roles": roles }),
        );
        assert_eq!(r.status, 201, "{:?}", r.body);
        let id = r.body["id"].as_str().unwrap().to_string();
        let k = self.post("/v1/keys", &self.operator, json!({ "participant": id }));
        assert_eq!(k.status, 201, "{:?}", k.body);
        (id, k.body["key"].as_str().unwrap().to_string())
    }

    /// Registers a facility with one h100 pool; returns the pool id.
    pub fn pool(&self, key: &str, gpus: u32) -> String {
        let r = self.post(
            "/v1/facilities",
            key,
            json!({ "name": "Site", "region": "us-east", "power_kw": 100_000, "pools": [{ "model": "h100-sxm", "gpus": gpus }] }),
        );
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["pools"][0]["id"].as_str().unwrap().to_string()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = self.rt.block_on(r.shutdown());
        }
    }
}

/// The body of `r`, which must have `status`.
pub fn ok(r: Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{:?}", r.body);
    r.body
}

/// Panics unless `r` is a problem (`application/problem+json`) of `status` and `code`
/// naming `field` as the request spelled it.
pub fn problem(r: &Resp, status: u16, code: &str, field: &str) {
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (status, Some(code)),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["field"], field, "{:?}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
}

/// A start time `days` days ahead, at midnight UTC, RFC 3339.
pub fn day(days: u32) -> String {
    let now = megawatt_server::sequencer::now_ms();
    let h = megawatt_engine::units::Hour((((now / 3_600_000) / 24 + 1 + days as u64) * 24) as u32);
    h.to_string()
}

/// Panics unless the OpenAPI document lists `problem`'s code for the operation `method
/// path` at `status` (a problem of no operation, such as an unknown route's, passes):
/// every refusal any test sees checks the document's lists of codes.
fn documented(method: &str, path: &str, status: u16, problem: &Value) {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(megawatt_server::openapi::document);
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, &Value)> = None;
    for (template, item) in doc["paths"].as_object().into_iter().flatten() {
        let parts: Vec<&str> = template.split('/').collect();
        let fits = parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(t, s)| t.starts_with('{') || t == s);
        let literal = parts.iter().filter(|t| !t.starts_with('{')).count();
        let op = &item[method.to_ascii_lowercase()];
        if fits && !op.is_null() && best.is_none_or(|(n, _)| literal > n) {
            best = Some((literal, op));
        }
    }
    let Some((_, op)) = best else { return };
    let code = problem["code"].as_str().unwrap_or_default();
    let listed = op["responses"][status.to_string()]["content"]["application/problem+json"]
        ["schema"]["allOf"][1]["properties"]["code"]["enum"]
        .as_array()
        .is_some_and(|codes| codes.iter().any(|c| c == code));
    assert!(
        listed,
        "{method} {path} answered {status} {code}, which its operation ({}) does not list",
        op["operationId"]
    );
}
