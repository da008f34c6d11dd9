//! What the tests that run the real `mw serve` process share: a store to run it on,
//! starting it, and a small HTTP client.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The `mw` binary under test.
pub const MW: &str = env!("CARGO_BIN_EXE_mw");

/// A store to test on, and the `mw` arguments that name it.
pub struct TestStore {
    pub args: Vec<String>,
    pub _dir: tempfile::TempDir,
    pub _db: Option<megawatt_store::pg::ScratchDb>,
}

impl TestStore {
    pub fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crash.db").display().to_string();
        TestStore {
            args: vec!["--data".into(), path],
            _dir: dir,
            _db: None,
        }
    }

    /// A new PostgreSQL database (`None`, said on stderr, when switched off).
    pub fn postgres() -> Option<TestStore> {
        let Some(base) = megawatt_store::pg::test_base_url() else {
            eprintln!("skipped on PostgreSQL: MW_TEST_DATABASE_URL=skip");
            return None;
        };
        let db = megawatt_store::pg::ScratchDb::create(&base, "mw_crash").unwrap_or_else(|e| {
            panic!("PostgreSQL for tests is unreachable ({e}); set MW_TEST_DATABASE_URL, or MW_TEST_DATABASE_URL=skip")
        });
        Some(TestStore {
            args: vec!["--database-url".into(), db.url.clone()],
            _dir: tempfile::tempdir().unwrap(),
            _db: Some(db),
        })
    }
}

/// Starts `mw serve`; returns the process, its URL and, on a new store (`first`), the
/// operator key it prints.
pub fn serve(store: &TestStore, first: bool) -> (Child, String, Option<String>) {
    serve_with(store, first, &[])
}

/// `mw serve` with extra arguments (`--standby`): its banner comes once it serves.
pub fn serve_with(
    store: &TestStore,
    first: bool,
    extra: &[&str],
) -> (Child, String, Option<String>) {
    let mut child = Command::new(MW)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--snapshot-every",
            "50",
            "--rate-limit",
            "0",
        ])
        .args(&store.args)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Keep the last lines of the server's log, to show if it fails to start.
    let log = Arc::new(Mutex::new(std::collections::VecDeque::new()));
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let mut l = sink.lock().unwrap();
            l.push_back(line);
            if l.len() > 20 {
                l.pop_front();
            }
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let Some(Ok(banner)) = lines.next() else {
        let status = child.wait().unwrap();
        panic!(
            "mw serve did not start ({status}): {:?}",
            log.lock().unwrap()
        );
    };
    let url = banner
        .strip_prefix("Megawatt is serving at ")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let mut key = None;
    if first {
        // A new store prints the operator key next (a restarted one prints nothing more).
        for line in lines.by_ref().take(3).map_while(Result::ok) {
            if let Some(k) = line.split("MW_TOKEN=").nth(1) {
                key = Some(k.to_string());
                break;
            }
        }
    }
    // Keep reading what it prints (a demo's banner goes on), so that it never writes
    // into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url, key)
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

pub fn call(
    a: &ureq::Agent,
    method: &str,
    url: &str,
    key: &str,
    body: Option<Value>,
) -> Result<(u16, Value), ureq::Error> {
    let mut resp = match (method, body) {
        ("GET", _) => a
            .get(url)
            .header("Authorization", &format!("Bearer {key}"))
            .call()?,
        (_, b) => a
            .post(url)
            .header("Authorization", &format!("Bearer {key}"))
            .send_json(b.unwrap_or(json!({})))?,
    };
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// A provider with a pool of 10,000,000 H100s and a funded buyer: (seller key, pool
/// id, buyer key).
pub fn setup(url: &str, operator: &str) -> (String, String, String) {
    let a = agent();
    let key = |name: &str, role: &str| {
        let (_, p) = call(
            &a,
            "POST",
            &format!("{url}/v1/participants"),
            operator,
            Some(json!({ "name": name, "roles": [role] })),
        )
        .unwrap();
        let (_, k) = call(
            &a,
            "POST",
            &format!("{url}/v1/keys"),
            operator,
            Some(json!({ "participant": p["id"] })),
        )
        .unwrap();
        if role == "buyer" {
            let funds = json!({ "participant": p["id"], "amount": "50000000000", "reference": "test funds" });
            let (status, _) = call(
                &a,
                "POST",
                &format!("{url}/v1/admin/deposits"),
                operator,
                Some(funds),
            )
            .unwrap();
            assert_eq!(status, 201);
        }
        k["key"].as_str().unwrap().to_string()
    };
    let (seller, buyer) = (key("seller", "provider"), key("buyer", "buyer"));
    let f = json!({ "name": "crash site", "region": "us-east", "power_kw": 100_000_000, "pools": [{ "model": "h100-sxm", "gpus": 10_000_000 }] });
    let (_, v) = call(
        &a,
        "POST",
        &format!("{url}/v1/facilities"),
        &seller,
        Some(f),
    )
    .unwrap();
    (
        seller,
        v["pools"][0]["id"].as_str().unwrap().to_string(),
        buyer,
    )
}

/// Runs `mw` against the exchange at `url` with `token`.
pub fn mw_at(url: &str, token: &str, args: &[&str]) -> std::process::Output {
    Command::new(MW)
        .args(args)
        .env("MW_URL", url)
        .env("MW_TOKEN", token)
        .output()
        .unwrap()
}

/// The standard output of a run that must have succeeded (else its output and errors).
pub fn succeeded(o: &std::process::Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}
