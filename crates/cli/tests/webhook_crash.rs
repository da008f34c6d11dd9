//! Webhooks survive kill -9: the real `mw serve` delivers a buyer's account events to a
//! slow endpoint and is killed with SIGKILL three times while deliveries are in flight,
//! then restarted on the same store; in the end every event of every acknowledged trade
//! has been received at least once, each with a valid signature and the same id on
//! every redelivery (so a receiver deduplicates by id), on SQLite and on PostgreSQL.

mod common;
#[path = "../../server/tests/common/receiver.rs"]
#[allow(dead_code)]
mod receiver;

use common::{TestStore, agent, call, serve_with, setup};
use receiver::WebhookReceiver;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const TRADES: usize = 40;
const KILLS: usize = 3;
const FLAGS: [&str; 3] = ["--webhooks-allow-private", "--webhook-retry-base-ms", "5"];

/// What the receiver has seen: each event id with its payload, and how many
/// deliveries in all.
#[derive(Default)]
struct Seen {
    events: BTreeMap<String, Value>,
    deliveries: usize,
}

impl Seen {
    /// Takes one delivery, checking its signature; false if none came within `wait`.
    fn take(&mut self, r: &WebhookReceiver, secret: &str, wait: Duration) -> bool {
        let Some(d) = r.next_within(wait) else {
            return false;
        };
        let now = megawatt_server::sequencer::now_ms() / 1000;
        let signature = d.header("megawatt-signature");
        assert_eq!(
            megawatt_server::webhooks::sign::verify(secret, signature, d.body.as_bytes(), now, 300),
            Ok(()),
            "a delivery with a bad signature: {d:?}"
        );
        let p = d.json();
        let id = p["id"].as_str().unwrap().to_string();
        if let Some(before) = self.events.get(&id) {
            assert_eq!(before, &p, "a redelivery of {id} is the same event");
        }
        self.events.insert(id, p);
        self.deliveries += 1;
        true
    }

    /// The contracts named by events of type `kind`.
    fn contracts(&self, kind: &str) -> BTreeSet<String> {
        self.events
            .values()
            .filter(|p| p["type"] == kind)
            .map(|p| p["data"]["contract"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Places `TRADES` crossing asks and bids; the contracts the fills made, acknowledged.
fn trade(url: &str, seller: &str, pool: &str, buyer: &str) -> BTreeSet<String> {
    let a = agent();
    let start = megawatt_engine::units::Hour(
        megawatt_engine::units::Hour::containing(megawatt_server::sequencer::now_ms()).0 + 48,
    )
    .to_string();
    let mut contracts = BTreeSet::new();
    for _ in 0..TRADES {
        let ask = json!({ "side": "sell", "pool": pool, "gpus": 8, "start": start, "hours": 24, "price": "2.00" });
        let (status, _) = call(&a, "POST", &format!("{url}/v1/orders"), seller, Some(ask)).unwrap();
        assert_eq!(status, 201);
        let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": start, "hours": 24, "price": "2.00" });
        let (status, v) = call(&a, "POST", &format!("{url}/v1/orders"), buyer, Some(bid)).unwrap();
        assert_eq!(status, 201, "{v}");
        contracts.insert(v["contracts"][0]["id"].as_str().unwrap().to_string());
    }
    contracts
}

fn deliveries_survive_kill_9(store: &TestStore) {
    let (mut child, url, key) = serve_with(store, true, &FLAGS);
    let operator = key.expect("the first start prints the operator key");
    let (seller, pool, buyer) = setup(&url, &operator);
    // A slow endpoint: deliveries are still going on when the server is killed.
    let r = WebhookReceiver::start_slow(200, Duration::from_millis(15));
    let body = json!({ "url": r.url, "events": ["fill", "contract.pending"] });
    let (status, hook) = call(
        &agent(),
        "POST",
        &format!("{url}/v1/webhooks"),
        &buyer,
        Some(body),
    )
    .unwrap();
    assert_eq!(status, 201, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_string();
    let acked = trade(&url, &seller, &pool, &buyer);
    assert_eq!(acked.len(), TRADES);
    let mut seen = Seen::default();
    for kill in 1..=KILLS {
        // Kill once some more have arrived, with the rest still to send.
        let until = kill * TRADES * 2 / (KILLS + 1);
        while seen.events.len() < until {
            assert!(
                seen.take(&r, &secret, Duration::from_secs(15)),
                "deliveries stalled"
            );
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (c, _, _) = serve_with(store, false, &FLAGS);
        child = c;
    }
    while seen.events.len() < TRADES * 2 {
        assert!(
            seen.take(&r, &secret, Duration::from_secs(15)),
            "after {KILLS} kills, {} of {} events arrived",
            seen.events.len(),
            TRADES * 2
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        seen.contracts("fill"),
        acked,
        "a fill of every acknowledged trade"
    );
    assert_eq!(
        seen.contracts("contract.pending"),
        acked,
        "every contract made"
    );
    eprintln!(
        "{}: {KILLS} kill -9 during deliveries; {} events received at least once in {} deliveries ({} redelivered)",
        store.args[0],
        seen.events.len(),
        seen.deliveries,
        seen.deliveries - seen.events.len()
    );
}

#[test]
fn webhook_deliveries_survive_kill_9_on_sqlite() {
    deliveries_survive_kill_9(&TestStore::sqlite());
}

#[test]
fn webhook_deliveries_survive_kill_9_on_postgres() {
    if let Some(store) = TestStore::postgres() {
        deliveries_survive_kill_9(&store);
    }
}
