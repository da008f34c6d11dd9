//! Crash tests: the real `mw serve` process, driven by concurrent clients that record
//! every acknowledged command, killed with SIGKILL at seeded random moments, restarted;
//! after every restart every acknowledged order, cancel, trade and contract must be
//! there, and `mw audit` must pass (nothing half-applied: tables agree with the journal,
//! invariants hold, snapshots equal the replay).
//!
//! The same test runs on SQLite and on PostgreSQL. On PostgreSQL, a second server is
//! refused while the first holds the writer lock, and a standby takes over from a
//! writer killed under load with nothing acknowledged lost.
//!
//! `MW_CRASH_CYCLES` sets the number of kill/restart cycles (default 20);
//! `MW_CRASH_SEED` the seed of the kill moments.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use common::{MW, TestStore, agent, call, serve, serve_with, setup};
const CLIENTS: usize = 4;

/// What the clients were told, durably: the server acknowledged each of these.
#[derive(Default)]
struct Acked {
    /// (order id, side, gpus).
    orders: Vec<(String, String, u64)>,
    /// Cancelled order ids.
    cancels: BTreeSet<String>,
    /// Trade ids.
    trades: BTreeSet<String>,
    /// Contract ids.
    contracts: BTreeSet<String>,
}

/// SplitMix64, for the kill moments.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// One client: places crossing asks and bids and cancels some, recording every
/// acknowledgement, until the server stops answering.
fn client(
    url: String,
    seller: String,
    pool: String,
    buyer: String,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
    n: u64,
) {
    let a = agent();
    let start = megawatt_engine::units::Hour(
        megawatt_engine::units::Hour::containing(megawatt_server::sequencer::now_ms()).0 + 48,
    )
    .to_string();
    let mut i = n * 1_000_000;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let (key, body) = if i.is_multiple_of(2) {
            (
                &seller,
                json!({ "side": "sell", "pool": pool, "gpus": 4, "start": start, "hours": 24, "price": "2.00" }),
            )
        } else {
            (
                &buyer,
                json!({ "side": "buy", "model": "h100-sxm", "gpus": 4, "start": start, "hours": 24, "price": "2.00" }),
            )
        };
        let Ok((201, v)) = call(&a, "POST", &format!("{url}/v1/orders"), key, Some(body)) else {
            return;
        };
        let id = v["order"]["id"].as_str().unwrap().to_string();
        {
            let mut k = acked.lock().unwrap();
            k.orders.push((
                id.clone(),
                v["order"]["side"].as_str().unwrap().into(),
                v["order"]["gpus"].as_u64().unwrap(),
            ));
            for t in v["trades"].as_array().unwrap() {
                k.trades.insert(t["id"].as_str().unwrap().into());
            }
            for c in v["contracts"].as_array().unwrap() {
                k.contracts.insert(c["id"].as_str().unwrap().into());
            }
        }
        if v["order"]["status"] == "open" && i.is_multiple_of(3) {
            match call(
                &a,
                "POST",
                &format!("{url}/v1/orders/{id}/cancel"),
                key,
                None,
            ) {
                Ok((204, _)) => {
                    acked.lock().unwrap().cancels.insert(id);
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    }
}

/// Every item of a paginated list, as (id, item).
fn all(
    a: &ureq::Agent,
    url: &str,
    path: &str,
    key: &str,
) -> std::collections::BTreeMap<String, Value> {
    let mut out = std::collections::BTreeMap::new();
    let mut before = String::new();
    loop {
        let (status, v) = call(
            a,
            "GET",
            &format!("{url}{path}?limit=1000{before}"),
            key,
            None,
        )
        .unwrap();
        assert_eq!(status, 200, "{v:?}");
        for item in v["items"].as_array().unwrap() {
            out.insert(item["id"].as_str().unwrap().to_string(), item.clone());
        }
        match v["next"].as_str() {
            Some(n) => before = format!("&before={n}"),
            None => return out,
        }
    }
}

/// Checks that everything acknowledged is there, then audits the store.
fn verify(url: &str, operator: &str, store: &TestStore, acked: &Acked) {
    let a = agent();
    let orders = all(&a, url, "/v1/orders", operator);
    for (id, side, gpus) in &acked.orders {
        let v = orders
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged order {id} is lost"));
        assert_eq!(
            (v["side"].as_str().unwrap(), v["gpus"].as_u64().unwrap()),
            (side.as_str(), *gpus)
        );
        if acked.cancels.contains(id) {
            assert_eq!(
                v["status"], "cancelled",
                "acknowledged cancel of {id} is lost"
            );
        }
    }
    let trades = all(&a, url, "/v1/trades", operator);
    for t in &acked.trades {
        assert!(trades.contains_key(t), "acknowledged trade {t} is lost");
    }
    let contracts = all(&a, url, "/v1/contracts", operator);
    for c in &acked.contracts {
        assert!(
            contracts.contains_key(c),
            "acknowledged contract {c} is lost"
        );
    }
    let o = Command::new(MW)
        .args(["audit", "--every", "25"])
        .args(&store.args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "audit failed after a crash:\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// The market's participants: (seller key, pool id, buyer key).
struct Parties {
    seller: String,
    pool: String,
    buyer: String,
}

/// Starts the clients against `url`; stop them with the flag, then join them.
fn drive(
    url: &str,
    p: &Parties,
    acked: &Arc<Mutex<Acked>>,
    cycle: u64,
) -> (Arc<AtomicBool>, Vec<std::thread::JoinHandle<()>>) {
    let stop = Arc::new(AtomicBool::new(false));
    let clients = (0..CLIENTS as u64)
        .map(|n| {
            let (u, s, pool, b, k, st) = (
                url.to_string(),
                p.seller.clone(),
                p.pool.clone(),
                p.buyer.clone(),
                acked.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || client(u, s, pool, b, k, st, cycle * 10 + n))
        })
        .collect();
    (stop, clients)
}

/// Waits (at most a minute) until the clients have had `n` orders acknowledged.
fn wait_for_orders(acked: &Mutex<Acked>, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().orders.len() < n {
        assert!(Instant::now() < deadline, "the clients made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn kill_9_cycles(store: &TestStore) {
    let cycles = env_u64("MW_CRASH_CYCLES", 20);
    let mut rng = Rng(env_u64("MW_CRASH_SEED", 7));
    let (mut child, mut url, key) = serve(store, true);
    let operator = key.expect("the first start prints the operator key");
    let (seller, pool, buyer) = setup(&url, &operator);
    let parties = Parties {
        seller,
        pool,
        buyer,
    };
    let acked = Arc::new(Mutex::new(Acked::default()));
    let t0 = Instant::now();
    for cycle in 0..cycles {
        let (stop, clients) = drive(&url, &parties, &acked, cycle);
        std::thread::sleep(Duration::from_millis(50 + rng.next() % 250));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
        let (c, u, _) = serve(store, false);
        (child, url) = (c, u);
        verify(&url, &operator, store, &acked.lock().unwrap());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let k = acked.lock().unwrap();
    assert!(
        k.orders.len() as u64 > cycles * 4,
        "the clients did work: {} orders",
        k.orders.len()
    );
    eprintln!(
        "{} {cycles} kill -9 cycles in {:.1}s: {} acknowledged orders, {} cancels, {} trades, all present",
        store.args[0],
        t0.elapsed().as_secs_f64(),
        k.orders.len(),
        k.cancels.len(),
        k.trades.len()
    );
}

#[test]
fn kill_9_loses_nothing_acknowledged_on_sqlite() {
    kill_9_cycles(&TestStore::sqlite());
}

#[test]
fn kill_9_loses_nothing_acknowledged_on_postgres() {
    if let Some(store) = TestStore::postgres() {
        kill_9_cycles(&store);
    }
}

#[test]
fn a_second_writer_is_refused_and_a_standby_takes_over_from_a_killed_writer() {
    let Some(store) = TestStore::postgres() else {
        return;
    };
    let (mut writer, url, key) = serve(&store, true);
    let operator = key.expect("the first start prints the operator key");
    let (seller, pool, buyer) = setup(&url, &operator);
    let parties = Parties {
        seller,
        pool,
        buyer,
    };
    // A second server is refused, naming the writer that holds the lock.
    let refused = Command::new(MW)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(&store.args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "a second writer must not start");
    assert!(
        err.contains("holds the writer lock")
            && err.contains(&format!("mw serve pid={}", writer.id())),
        "the refusal names the writer: {err}"
    );
    // A standby waits (its banner comes only when it serves) while the writer works.
    let standby = std::thread::spawn({
        let args = store.args.clone();
        move || {
            let s = TestStore {
                args,
                _dir: tempfile::tempdir().unwrap(),
                _db: None,
            };
            serve_with(&s, false, &["--standby"])
        }
    });
    let acked = Arc::new(Mutex::new(Acked::default()));
    let (stop, clients) = drive(&url, &parties, &acked, 0);
    // Wait until the clients have done some work, then kill the writer under load.
    wait_for_orders(&acked, 50);
    assert!(
        !standby.is_finished(),
        "the standby waits while the writer lives"
    );
    writer.kill().unwrap();
    writer.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let (mut taken_over, url, _) = standby.join().unwrap();
    verify(&url, &operator, &store, &acked.lock().unwrap());
    // It serves writes too.
    let (stop, clients) = drive(&url, &parties, &acked, 1);
    wait_for_orders(&acked, 100);
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    verify(&url, &operator, &store, &acked.lock().unwrap());
    taken_over.kill().unwrap();
    taken_over.wait().unwrap();
}
