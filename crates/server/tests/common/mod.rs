//! Test harness: the real server on an ephemeral port over a temporary SQLite file,
//! and a blocking HTTP client.
#![allow(dead_code, missing_docs)]

use megawatt_server::{Config, Running, start};
use serde_json::{Value, json};
use std::path::PathBuf;

pub struct TestServer {
    pub rt: tokio::runtime::Runtime,
    running: Option<Running>,
    pub url: String,
    pub operator: String,
    pub data: PathBuf,
    pub dir: tempfile::TempDir,
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_limited(0)
    }

    /// A server with a rate limit of `rate` requests per second per participant.
    pub fn start_limited(rate: u32) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("mw.db");
        let (mut s, operator) = TestServer::open(dir, data, rate);
        s.operator = operator.expect("a new store prints an operator key");
        s
    }

    fn open(
        dir: tempfile::TempDir,
        data: PathBuf,
        rate_limit: u32,
    ) -> (TestServer, Option<String>) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data: data.clone(),
            demo: false,
            rate_limit,
            snapshot_every: 7,
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
                data,
                dir,
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
        let data = self.data.clone();
        drop(self);
        let (mut s, first) = TestServer::open(dir, data, 0);
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
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp {
            status,
            body,
            content_type,
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

    /// Admits a participant and returns (id, key).
    pub fn participant(&self, name: &str, roles: &[&str]) -> (String, String) {
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

/// A start time `days` days ahead, at midnight UTC, RFC 3339.
pub fn day(days: u32) -> String {
    let now = megawatt_server::sequencer::now_ms();
    let h = megawatt_engine::units::Hour((((now / 3_600_000) / 24 + 1 + days as u64) * 24) as u32);
    h.to_string()
}
