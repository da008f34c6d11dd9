//! `mw usage push` and `mw usage show`, end to end: the real `mw serve` on a manual
//! clock, a fill, and a file of usage records pushed in batches as a metering agent
//! would, on a key made for it (`mw key create --scope usage:report`) that can do
//! nothing else; a bad record refuses its batch, and the message names the file line;
//! `mw utilization` shows the day as the seller and the buyer see it.

mod common;

use common::{agent, call, serve_with, setup};
use serde_json::json;

use common::{mw_at as mw, succeeded as ok};

#[test]
fn a_metering_agent_pushes_a_file_of_usage() {
    use megawatt_engine::units::Hour;
    let store = common::TestStore::sqlite();
    let (mut child, url, key) = serve_with(&store, true, &["--manual-clock"]);
    let operator = key.unwrap();
    let (seller, pool, buyer) = setup(&url, &operator);
    let a = agent();
    let now = Hour::containing(megawatt_server::sequencer::now_ms());
    // A day inside one month (from the next month's start when two hours on, a day
    // would cross a month's end), so that one month close credits it.
    let start = Hour(now.0 + 2);
    let start = if Hour(start.0 + 23).month_start() == start.month_start() {
        start
    } else {
        Hour(start.0 + 23).month_start()
    };
    let month_end = start.next_month_start();
    let at = |h: u32| Hour(start.0 + h).to_string();
    let order = |key: &str, mut body: serde_json::Value| {
        for (k, v) in [
            ("gpus", json!(64)),
            ("start", json!(at(0))),
            ("hours", json!(24)),
            ("price", json!("2.00")),
        ] {
            body[k] = v;
        }
        let (status, v) = call(&a, "POST", &format!("{url}/v1/orders"), key, Some(body)).unwrap();
        assert_eq!(status, 201, "{v:?}");
        v
    };
    // The operator's delivery terms for new fills: a bad tier is refused naming it.
    let bad = mw(
        &url,
        &operator,
        &[
            "admin",
            "delivery-terms",
            "--target-bps",
            "9900",
            "--tier",
            "99",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--tier"),
        "{bad:?}"
    );
    let set = ok(&mw(
        &url,
        &operator,
        &[
            "admin",
            "delivery-terms",
            "--target-bps",
            "10000",
            "--pro-rata",
            "--tier",
            "9500:1000",
        ],
    ));
    assert!(
        set.contains("credits below 100.00%: pro-rata, 10.00% below 95.00%"),
        "{set}"
    );
    order(&seller, json!({ "side": "sell", "pool": pool }));
    let fill = order(&buyer, json!({ "side": "buy", "model": "h100-sxm" }));
    let c = fill["contracts"][0]["id"].as_str().unwrap().to_string();
    let shown = ok(&mw(&url, &buyer, &["contract", "show", &c]));
    assert!(
        shown.contains("delivery        credits below 100.00%"),
        "{shown}"
    );
    let tick = json!({ "hour": at(24) });
    let (status, _) = call(
        &a,
        "POST",
        &format!("{url}/v1/admin/clock"),
        &operator,
        Some(tick),
    )
    .unwrap();
    assert_eq!(status, 200);
    let dir = tempfile::tempdir().unwrap();
    // A day of hourly delivery, a four-hour outage of 16 GPUs in it.
    let mut csv = String::from("contract,line,hour,gpus,energy_wh\n");
    for h in 0..24 {
        let gpus = if (8..12).contains(&h) { 48 } else { 64 };
        csv.push_str(&format!("{c},0,{},{gpus},{}\n", at(h), gpus * 700));
    }
    let file = dir.path().join("delivered.csv");
    std::fs::write(&file, &csv).unwrap();
    // The seller's metering agent runs on a key that reports usage and nothing else.
    let made = ok(&mw(
        &url,
        &seller,
        &["key", "create", "--scope", "usage:report"],
    ));
    assert!(made.contains("scopes usage:report"), "{made}");
    let agent_key = made
        .lines()
        .find_map(|l| l.trim().strip_prefix("MW_TOKEN="))
        .expect("the key")
        .to_string();
    let out = ok(&mw(
        &url,
        &agent_key,
        &["usage", "push", file.to_str().unwrap()],
    ));
    assert!(
        out.contains("accepted 24 records (24 delivered, 0 used)"),
        "{out}"
    );
    // The buyer's use, as JSON lines.
    let lines: String = (0..3)
        .map(|h| format!("{}\n", json!({ "contract": c, "hour": at(h), "gpus": 40 })))
        .collect();
    let file = dir.path().join("used.jsonl");
    std::fs::write(&file, lines).unwrap();
    let out = ok(&mw(
        &url,
        &buyer,
        &["usage", "push", file.to_str().unwrap()],
    ));
    assert!(out.contains("(0 delivered, 3 used)"), "{out}");
    // A record above the line's GPUs refuses its batch, naming the file line.
    let bad = format!("contract,hour,gpus\n{c},{},64\n{c},{},65\n", at(0), at(1));
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, bad).unwrap();
    let refused = mw(&url, &seller, &["usage", "push", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("usage_above_contracted") && said.contains("bad.csv line 3"),
        "{said}"
    );
    let denied = mw(&url, &agent_key, &["usage", "show", &c]);
    assert_eq!(denied.status.code(), Some(1));
    let said = String::from_utf8_lossy(&denied.stderr);
    assert!(
        said.contains("insufficient_scope") && said.contains("read"),
        "{said}"
    );
    let keys = ok(&mw(&url, &seller, &["key", "list"]));
    assert!(keys.contains("usage:report"), "{keys}");
    // The day as the seller sees it (its UTC days): 64 of 1,536 GPU-hours short,
    // 700 Wh a GPU-hour; and the buyer's idle capacity beside its use.
    let day = ok(&mw(
        &url,
        &seller,
        &[
            "utilization",
            "--as",
            "seller",
            "--from",
            &at(0),
            "--to",
            &at(24),
        ],
    ));
    assert!(day.contains(" 700 ") && day.contains("resell"), "{day}");
    let sum = |key: &str, field: &str| {
        let args = ["utilization", "--from", &at(0), "--to", &at(24), "--json"];
        let v: serde_json::Value = serde_json::from_str(&ok(&mw(&url, key, &args))).unwrap();
        let rows = v["rows"].as_array().unwrap().clone();
        rows.iter().map(|r| r[field].as_u64().unwrap()).sum::<u64>()
    };
    assert_eq!(sum(&buyer, "contracted_gpu_hours"), 1_536);
    assert_eq!(sum(&buyer, "delivered_gpu_hours"), 1_472);
    assert_eq!(
        (sum(&buyer, "used_gpu_hours"), sum(&buyer, "idle_gpu_hours")),
        (120, 72)
    );
    // What the exchange holds: the outage hours as delivered, the buyer's use beside.
    let shown = ok(&mw(&url, &seller, &["usage", "show", &c]));
    let outage: Vec<&str> = shown.lines().filter(|l| l.contains(" 48 ")).collect();
    assert_eq!(outage.len(), 4, "{shown}");
    assert_eq!(
        shown.lines().filter(|l| l.contains("buyer")).count(),
        3,
        "{shown}"
    );
    // At the month's close, six hours after its end (the grace `mw serve` gives a new
    // store, so that a meter can report the last hours), the outage is credited: 16
    // GPUs x 4 hours at $2.00.
    let when: serde_json::Value = serde_json::from_str(&ok(&mw(
        &url,
        &operator,
        &["--json", "admin", "month-close"],
    )))
    .unwrap();
    let closes_at = Hour(month_end.0 + 6).to_string();
    assert_eq!(when["grace_hours"], json!(6), "{when}");
    let before = json!({ "hour": Hour(month_end.0 + 5).to_string() });
    let (status, _) = call(
        &a,
        "POST",
        &format!("{url}/v1/admin/clock"),
        &operator,
        Some(before),
    )
    .unwrap();
    assert_eq!(status, 200);
    let invoices = ok(&mw(&url, &buyer, &["invoices", "--json"]));
    assert!(
        !invoices.contains("delivery_credit"),
        "still in its grace: {invoices}"
    );
    let close = json!({ "hour": closes_at });
    let (status, _) = call(
        &a,
        "POST",
        &format!("{url}/v1/admin/clock"),
        &operator,
        Some(close),
    )
    .unwrap();
    assert_eq!(status, 200);
    let invoices: serde_json::Value =
        serde_json::from_str(&ok(&mw(&url, &buyer, &["invoices", "--json"]))).unwrap();
    let credit = invoices["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["charge"] == "delivery_credit")
        .expect("a delivery credit");
    assert_eq!(
        credit["amount"]["micros"],
        json!(16 * 4 * 2_000_000),
        "{credit}"
    );
    assert_eq!(credit["lines"][0]["gpu_hours"], json!(64), "{credit}");
    child.kill().unwrap();
    child.wait().unwrap();
}
