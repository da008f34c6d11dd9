//! `mw webhook …` and the account events of `mw events`, end to end: the real `mw serve`
//! (allowed to deliver to loopback), a receiver, and the commands as a user types them.

mod common;
#[path = "../../server/tests/common/receiver.rs"]
#[allow(dead_code)]
mod receiver;

use common::{agent, call, serve_with, setup};
use serde_json::json;

use common::{mw_at as mw, succeeded as ok};

#[test]
fn a_provider_follows_its_account_by_webhook_and_stream() {
    let store = common::TestStore::sqlite();
    let (mut child, url, key) = serve_with(&store, true, &["--webhooks-allow-private"]);
    let operator = key.unwrap();
    let (seller, pool, buyer) = setup(&url, &operator);
    let r = receiver::WebhookReceiver::start(200);
    // The types, then a refusal that names the field, then the endpoint.
    assert!(ok(&mw(&url, &seller, &["webhook", "types"])).contains("contract.started"));
    let bad = mw(
        &url,
        &seller,
        &["webhook", "create", &r.url, "--events", "fill,nope"],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("events[1]"),
        "{bad:?}"
    );
    let made = ok(&mw(
        &url,
        &seller,
        &[
            "webhook",
            "create",
            &r.url,
            "--events",
            "fill,contract.pending",
        ],
    ));
    assert!(made.contains("whsec_"), "the secret is shown once: {made}");
    let id = ok(&mw(&url, &seller, &["webhook", "list", "-q"]))
        .trim()
        .to_string();
    assert!(id.starts_with("wh-"), "{id}");
    // A fill of the provider's ask reaches the endpoint.
    let a = agent();
    let start = megawatt_engine::units::Hour(
        megawatt_engine::units::Hour::containing(megawatt_server::sequencer::now_ms()).0 + 48,
    )
    .to_string();
    let ask = json!({ "side": "sell", "pool": pool, "gpus": 8, "start": start, "hours": 24, "price": "2.00" });
    assert_eq!(
        call(&a, "POST", &format!("{url}/v1/orders"), &seller, Some(ask))
            .unwrap()
            .0,
        201
    );
    let bid = json!({ "side": "buy", "model": "h100-sxm", "gpus": 8, "start": start, "hours": 24, "price": "2.00" });
    assert_eq!(
        call(&a, "POST", &format!("{url}/v1/orders"), &buyer, Some(bid))
            .unwrap()
            .0,
        201
    );
    let fill = r.next().json();
    assert_eq!(
        (fill["type"].as_str(), fill["data"]["side"].as_str()),
        (Some("fill"), Some("sell"))
    );
    let event = fill["id"].as_str().unwrap().to_string();
    // The stream shows the same event, with its id, among the public ones.
    let events = ok(&mw(
        &url,
        &seller,
        &["events", "--after", "0", "--count", "6"],
    ));
    assert!(
        events
            .lines()
            .any(|l| l.starts_with(&event) && l.contains("fill") && l.contains("(sell) filled")),
        "{events}"
    );
    // The log, a redelivery, and deletion.
    r.next(); // contract.pending
    let log = ok(&mw(&url, &seller, &["webhook", "attempts", &id]));
    assert!(log.contains("delivered") && log.contains(&event), "{log}");
    let again = ok(&mw(&url, &seller, &["webhook", "redeliver", &id, &event]));
    assert!(again.contains("redelivered"), "{again}");
    assert_eq!(r.next().json()["id"], fill["id"]);
    ok(&mw(&url, &seller, &["webhook", "delete", &id]));
    let gone = mw(&url, &seller, &["webhook", "show", &id]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("unknown_webhook"));
    child.kill().unwrap();
    child.wait().unwrap();
}
