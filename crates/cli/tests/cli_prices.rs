//! The demo's prices from the command line: its seeded weeks of trading give the index
//! a history (`mw index`, hourly and daily, published with the prints behind them), a
//! forward curve from prints and the book (`mw curve`), candles (`mw candles`); and a
//! buyer finds the best start of a block (`mw search`) and buys it (`mw buy
//! --start-between`); and a buyer's standing procurement is active (`mw procure list`).

mod common;

use common::{TestStore, mw_at, serve_with, succeeded};
use serde_json::Value;

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn the_demo_publishes_prices_and_a_buyer_takes_the_best_start() {
    let store = TestStore::sqlite();
    let (mut child, url, key) = serve_with(&store, true, &["--demo"]);
    let op = key.expect("the operator's key");
    let run = |token: &str, args: &[&str]| succeeded(&mw_at(&url, token, args));
    // Three weeks of hourly values, published with their volume.
    let index = json(&run(&op, &["--json", "index", "-m", "h100-sxm"]));
    let values = index["values"].as_array().unwrap();
    assert!(values.len() >= 40, "48 hours of ticks: {index}");
    let published: Vec<&Value> = values.iter().filter(|v| v.get("price").is_some()).collect();
    assert!(!published.is_empty(), "{index}");
    assert!(
        published
            .iter()
            .all(|v| v["sellers"].as_u64().unwrap() >= 2 && v["methodology_version"] == 1)
    );
    let daily = json(&run(
        &op,
        &["--json", "index", "-m", "h100-sxm", "--span", "day"],
    ));
    assert!(daily["values"].as_array().unwrap().len() >= 14, "{daily}");
    let table = run(&op, &["index", "-m", "h200", "--region", "us-east"]);
    assert!(table.contains("Megawatt index, h200 us-east"), "{table}");
    // The curve: 27 weeks and 7 months, from prints and from the book.
    let curve = json(&run(&op, &["--json", "curve", "-m", "h100-sxm"]));
    let points = curve["points"].as_array().unwrap();
    assert_eq!(points.len(), 34, "{curve}");
    for source in ["prints", "book"] {
        assert!(
            points.iter().any(|p| p["source"] == source),
            "{source}: {curve}"
        );
    }
    let candles = json(&run(&op, &["--json", "candles", "-m", "h100-sxm"]));
    assert!(
        candles["candles"].as_array().unwrap().len() >= 20,
        "{candles}"
    );
    // A buyer: the best start of 64 H100 for a day in the coming week, then buys it.
    let out = run(
        &op,
        &[
            "participant",
            "create",
            "--name",
            "Searcher",
            "--role",
            "buyer",
            "-q",
        ],
    );
    let id = out.trim().to_string();
    let buyer = run(&op, &["key", "create", "--participant", &id, "-q"])
        .trim()
        .to_string();
    run(
        &op,
        &[
            "admin",
            "deposit",
            "--participant",
            &id,
            "--amount",
            "1000000",
            "--reference",
            "funds",
        ],
    );
    let args = [
        "-m",
        "h100-sxm",
        "-n",
        "64",
        "-d",
        "24h",
        "--start-between",
        "+1d..+7d",
    ];
    let found = json(&run(&buyer, &[&["--json", "search"], &args[..]].concat()));
    let best = &found["starts"][0];
    assert!(
        best["average_price"]["micros"].as_i64().unwrap() > 0,
        "{found}"
    );
    let bought = json(&run(
        &buyer,
        &[&["--json", "buy"], &args[..], &["-p", "5.00"]].concat(),
    ));
    assert_eq!(bought["order"]["status"], "filled", "{bought}");
    assert_eq!(
        bought["trades"][0]["start"], best["start"],
        "{bought} after {found}"
    );
    // Acme's standing procurement, active, buying 64 H100 for the next two weeks.
    let procurements = json(&run(&op, &["--json", "procure", "list"]));
    let live = &procurements["items"][0];
    assert_eq!(live["status"], "active", "{procurements}");
    assert_eq!(live["gpus"], 64, "{procurements}");
    let _ = child.kill();
    let _ = child.wait();
}
