//! The `mw` binary end to end: `mw serve` as a real process on an ephemeral port with a
//! temporary store, then the client subcommands against it, as a user would type them.

#[path = "../../server/tests/common/focus.rs"]
mod focus;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

const MW: &str = env!("CARGO_BIN_EXE_mw");

struct Server {
    child: Child,
    url: String,
    operator: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `mw serve` and reads its URL and operator key from its first lines.
fn serve(demo: bool) -> (Server, Vec<String>) {
    serve_with(demo, &[])
}

/// `serve`, with more flags.
fn serve_with(demo: bool, flags: &[&str]) -> (Server, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mw.db");
    let mut cmd = Command::new(MW);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .args(flags);
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let (mut url, mut operator) = (None, None);
    // The banner ends with the demo's "Try:" block, or with the operator key.
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.strip_prefix("Megawatt is serving at ") {
            url = rest.split_whitespace().next().map(str::to_string);
        }
        if let Some(k) = line.split("MW_TOKEN=").nth(1)
            && operator.is_none()
        {
            operator = Some(k.to_string());
            if !demo {
                seen.push(line);
                break;
            }
        }
        let done = demo && line.contains("mw buy");
        seen.push(line);
        if done {
            break;
        }
    }
    let server = Server {
        child,
        url: url.expect("url printed"),
        operator: operator.expect("operator key printed"),
        _dir: dir,
    };
    (server, seen)
}

fn mw(s: &Server, token: &str, args: &[&str]) -> Output {
    Command::new(MW)
        .args(args)
        .env("MW_URL", &s.url)
        .env("MW_TOKEN", token)
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "mw failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn token_in(out: &str) -> String {
    out.split("MW_TOKEN=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn a_user_trades_from_the_command_line() {
    let (s, _) = serve(false);
    let op = s.operator.clone();
    let out = ok(&mw(
        &s,
        &op,
        &[
            "participant",
            "create",
            "--name",
            "Neocloud One",
            "--role",
            "provider",
        ],
    ));
    assert!(out.contains("created participant p-2"), "{out}");
    let prov = token_in(&ok(&mw(
        &s,
        &op,
        &["key", "create", "--participant", "p-2"],
    )));
    ok(&mw(
        &s,
        &op,
        &["participant", "create", "--name", "Acme", "--role", "buyer"],
    ));
    let buyer = token_in(&ok(&mw(
        &s,
        &op,
        &["key", "create", "--participant", "p-3"],
    )));
    ok(&mw(
        &s,
        &op,
        &[
            "admin",
            "deposit",
            "--participant",
            "p-3",
            "--amount",
            "1000000",
            "--reference",
            "funds",
        ],
    ));
    let out = ok(&mw(
        &s,
        &prov,
        &[
            "facility",
            "create",
            "--name",
            "Ashburn",
            "--region",
            "us-east",
            "--power-kw",
            "8000",
            "--pool",
            "h100-sxm=2048",
        ],
    ));
    assert!(out.contains("pool-1") && out.contains("2048"), "{out}");
    let out = ok(&mw(
        &s,
        &prov,
        &[
            "sell", "--pool", "pool-1", "-n", "128", "-s", "+1d", "-d", "7d", "-p", "2.10",
        ],
    ));
    assert!(
        out.contains("ord-1 sell 128 GPUs") && out.contains("open"),
        "{out}"
    );
    // `mw events --after` resumes the market's events (here from this server's start):
    // the ask arrived as an order event. (The live stream is tested over HTTP.)
    let seen = ok(&mw(
        &s,
        &buyer,
        &["events", "--count", "1", "--after", "0", "--json"],
    ));
    let event: megawatt_api::MarketEvent = serde_json::from_str(seen.trim()).expect("an event");
    assert!(
        matches!(event, megawatt_api::MarketEvent::Order { ref id, .. } if id == "ord-1"),
        "{seen}"
    );
    let out = ok(&mw(&s, &buyer, &["book", "-m", "h100-sxm"]));
    assert!(out.contains("$2.10") && out.contains("128"), "{out}");
    let out = ok(&mw(
        &s,
        &buyer,
        &[
            "buy", "-m", "h100-sxm", "-n", "64", "-s", "+2d", "-d", "24h", "-p", "2.50",
        ],
    ));
    assert!(out.contains("filled") && out.contains("trd-1"), "{out}");
    let out = ok(&mw(&s, &buyer, &["trades", "--mine"]));
    assert!(
        out.contains("trd-1") && out.contains("p-3") && out.contains("p-2"),
        "{out}"
    );
    let out = ok(&mw(&s, &buyer, &["contracts"]));
    assert!(out.contains("ctr-1") && out.contains("firm"), "{out}");
    let out = ok(&mw(&s, &prov, &["orders", "--open"]));
    assert!(out.contains("ord-1"), "{out}");
    let json = ok(&mw(&s, &prov, &["orders", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["items"][0]["id"], "ord-1");
    assert!(ok(&mw(&s, &prov, &["cancel", "ord-1"])).contains("cancelled ord-1"));
    // Errors from the server: one line, non-zero exit.
    let o = mw(&s, &buyer, &["cancel", "ord-1"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("unknown_order"),
        "{err}"
    );
    let o = mw(
        &s,
        &buyer,
        &[
            "buy",
            "-m",
            "h100-sxm",
            "-n",
            "8",
            "-s",
            "2020-01-01T00:00Z",
            "-d",
            "1h",
            "-p",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("window_in_past")
    );
    let o = mw(
        &s,
        &buyer,
        &[
            "buy", "-m", "h100-sxm", "-n", "8", "-s", "+1d", "-d", "1y", "-p", "1",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "a usage error");
    // With --json a refusal is the server's problem on standard output, and a usage
    // error one of mw's own; the exit codes stay.
    let o = mw(&s, &buyer, &["cancel", "ord-1", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let p: megawatt_api::ProblemBody = serde_json::from_slice(&o.stdout).expect("a problem");
    assert_eq!((p.status, p.code.as_str()), (404, "unknown_order"), "{p:?}");
    let o = mw(
        &s,
        &buyer,
        &[
            "buy", "-m", "h100-sxm", "-n", "8", "-s", "+1d", "-d", "90m", "-p", "1", "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let p: megawatt_api::ProblemBody = serde_json::from_slice(&o.stdout).expect("a problem");
    assert_eq!((p.status, p.code.as_str()), (0, "usage"), "{p:?}");
    assert!(p.detail.contains("whole number of hours"), "{p:?}");
    // The audit of the live server's store passes; tampering with a table is caught.
    let data = s._dir.path().join("mw.db");
    let out = ok(&Command::new(MW)
        .args(["audit", "--data"])
        .arg(&data)
        .output()
        .unwrap());
    assert!(
        out.contains("ok: no violation") && out.contains("1 trades"),
        "{out}"
    );
    tamper(&data, "UPDATE trades SET price_micros = price_micros + 1");
    let o = Command::new(MW)
        .args(["audit", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("table trades: 1 rows"), "{out}");
}

/// Changes a store behind the server's back, as a bad disk or a careless hand would.
fn tamper(data: &std::path::Path, sql: &str) {
    let c = rusqlite::Connection::open(data).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(c.execute(sql, []).unwrap(), 1);
}

/// Frontier Lab's key and the demo lease's id, from the demo's banner.
fn lab_and_lease(banner: &[String]) -> (String, String) {
    let lab = banner
        .iter()
        .find(|l| l.contains("Frontier Lab "))
        .map(|l| token_in(l))
        .expect("Frontier Lab's key is printed");
    let lease = banner
        .iter()
        .find_map(|l| l.trim().strip_prefix("mw contract show "))
        .and_then(|r| r.split_whitespace().next())
        .expect("the banner names the lease")
        .to_string();
    (lab, lease)
}

#[test]
fn the_demo_prints_keys_that_work_at_once() {
    let (s, banner) = serve(true);
    let acme = banner
        .iter()
        .find(|l| l.contains("Acme AI"))
        .map(|l| token_in(l))
        .expect("Acme's key is printed");
    let out = ok(&mw(&s, &acme, &["book", "-m", "h100-sxm"]));
    assert!(out.lines().count() > 4, "the demo book has asks: {out}");
    let out = ok(&mw(&s, &acme, &["facility", "list"]));
    assert!(
        out.contains("Colossus 1") && out.contains("300000") && out.contains("RELIABILITY 30D"),
        "{out}"
    );
    let out = ok(&mw(
        &s,
        &acme,
        &[
            "buy", "-m", "h100-sxm", "-n", "64", "-s", "+1d", "-d", "24h", "-p", "2.50",
        ],
    ));
    assert!(out.contains("filled"), "{out}");
    // Without -p: a quote first, and no buy without a terminal or --yes.
    let before = ok(&mw(&s, &acme, &["trades", "--mine", "-q"]))
        .lines()
        .count();
    let args = [
        "buy", "-m", "h100-sxm", "-n", "8", "-s", "tomorrow", "-d", "24h",
    ];
    let o = mw(&s, &acme, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Quote: 8 h100-sxm GPUs") && err.contains("--yes"),
        "{err}"
    );
    let after = ok(&mw(&s, &acme, &["trades", "--mine", "-q"]))
        .lines()
        .count();
    assert_eq!(after, before, "nothing was bought");
    let out = ok(&mw(&s, &acme, &[&args[..], &["--yes"]].concat()));
    assert!(out.contains("filled"), "{out}");
    let out = ok(&mw(&s, &acme, &["trades"]));
    assert!(out.contains("trd-"), "{out}");
    // The facility lease, reached through an RFQ and an accepted quote.
    let (lab, lease) = lab_and_lease(&banner);
    let out = ok(&mw(&s, &lab, &["contract", "show", &lease]));
    for want in [
        "$1,250,000,000.00 per month",
        "buyer notice    90 days (2160 h)",
        "seller notice   90 days (2160 h)",
        "acceptable_use, non_payment, non_delivery",
        "run-rate/year   $15,000,000,000.00",
        "origin          quote",
        "150000",
    ] {
        assert!(out.contains(want), "{want:?} in {out}");
    }
    // The lease began the month before last: what remains is the rest of this month
    // and then whole months of fees to its end.
    let remaining = out.lines().find(|l| l.contains("remaining")).unwrap();
    let dollars: u64 = remaining
        .split('$')
        .nth(1)
        .and_then(|d| d.split('.').next())
        .map(|d| d.replace(',', ""))
        .and_then(|d| d.parse().ok())
        .expect("an amount");
    let today = megawatt_engine::units::Hour::containing(megawatt_server::sequencer::now_ms());
    let (y, m, _) = megawatt_engine::units::civil_from_days(i64::from(today.0 / 24));
    // The lease's end, a month's start: `term  2026-10-01 00:00Z -> 2029-06-01 00:00Z`.
    let term = out
        .lines()
        .find(|l| l.trim_start().starts_with("term"))
        .unwrap();
    let end = term.split("-> ").nth(1).expect("the lease's end");
    let (ey, em): (i64, i64) = (end[..4].parse().unwrap(), end[5..7].parse().unwrap());
    let whole_months = (ey * 12 + em) - (y * 12 + i64::from(m) + 1);
    // (In a month's first hour, the rest of the month is all of it.)
    let months = i64::try_from(dollars / 1_250_000_000).unwrap();
    assert!(
        (whole_months..=whole_months + 1).contains(&months),
        "{remaining}"
    );
    let out = ok(&mw(&s, &lab, &["rfq", "list"]));
    assert!(out.contains("300 MW") && out.contains("accepted"), "{out}");
    let o = mw(&s, &acme, &["contract", "show", &lease]);
    assert!(
        !o.status.success(),
        "another participant does not see the lease"
    );
    // $7.5bn deposited, less the lease's invoices, each paid at once.
    let out = ok(&mw(&s, &lab, &["--json", "balance"]));
    let seen: serde_json::Value = serde_json::from_str(&out).unwrap();
    let invoices: serde_json::Value =
        serde_json::from_str(&ok(&mw(&s, &lab, &["--json", "invoices"]))).unwrap();
    let items = invoices["items"].as_array().unwrap();
    assert!(
        !items.is_empty() && items.iter().all(|i| i["status"] == "paid"),
        "{invoices}"
    );
    let paid: i64 = items
        .iter()
        .map(|i| i["amount"]["micros"].as_i64().unwrap())
        .sum();
    assert_eq!(
        seen["balance"]["micros"],
        7_500_000_000_000_000 - paid,
        "{out}"
    );
}

#[test]
fn a_term_deal_from_the_command_line() {
    let (s, _) = serve(false);
    let op = s.operator.clone();
    let key = |name: &str, role: &str, id: &str| {
        ok(&mw(
            &s,
            &op,
            &["participant", "create", "--name", name, "--role", role],
        ));
        token_in(&ok(&mw(&s, &op, &["key", "create", "--participant", id])))
    };
    let prov = key("Site Owner", "provider", "p-2");
    let lab = key("A Lab", "buyer", "p-3");
    ok(&mw(
        &s,
        &prov,
        &[
            "facility",
            "create",
            "--name",
            "Site",
            "--region",
            "us-south",
            "--power-kw",
            "10000",
            "--pool",
            "h100-sxm=4096",
        ],
    ));
    ok(&mw(
        &s,
        &op,
        &[
            "admin",
            "deposit",
            "--participant",
            "p-3",
            "--amount",
            "100000000",
            "--reference",
            "funds",
        ],
    ));
    let out = ok(&mw(
        &s,
        &lab,
        &[
            "rfq",
            "create",
            "--gpus",
            "h100-sxm=4096",
            "-s",
            "+10d",
            "-d",
            "12mo",
            "--max-buyer-notice",
            "30d",
            "--min-payment-days",
            "45",
            "--deadline",
            "+2d",
        ],
    ));
    assert!(out.contains("rfq-1  open"), "{out}");
    assert!(out.contains("payment terms of at least 45 days"), "{out}");
    let out = ok(&mw(
        &s,
        &prov,
        &[
            "quote",
            "rfq-1",
            "--line",
            "pool-1=4096",
            "--monthly-fee",
            "5000000",
            "--buyer-notice",
            "30d",
            "--payment-days",
            "45",
            "--expires",
            "+1d",
        ],
    ));
    assert!(
        out.contains("qt-1") && out.contains("$5,000,000.00/month"),
        "{out}"
    );
    let out = ok(&mw(&s, &lab, &["accept", "qt-1"]));
    assert!(
        out.contains("ctr-1  pending") && out.contains("$60,000,000.00"),
        "{out}"
    );
    let out = ok(&mw(
        &s,
        &lab,
        &[
            "sell",
            "--contract",
            "ctr-1",
            "-n",
            "512",
            "-s",
            "+20d",
            "-d",
            "7d",
            "-p",
            "2.40",
        ],
    ));
    assert!(out.contains("sell 512 GPUs"), "{out}");
    let out = ok(&mw(&s, &lab, &["contract", "notice", "ctr-1"]));
    assert!(
        out.contains("notice_given") && out.contains("ends early at"),
        "{out}"
    );
    assert!(out.contains("payment terms   45 days"), "{out}");
    let o = mw(&s, &prov, &["contract", "notice", "ctr-1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("contract_not_in_force"),
        "{err}"
    );
}

#[test]
fn every_subcommand_has_help_with_examples() {
    // Walks the command tree from `mw --help` (every group and command it lists), so a
    // new command without examples fails here.
    let mut todo = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let o = Command::new(MW).args(&path).arg("--help").output().unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(
            o.status.success() && text.contains("Examples:"),
            "{path:?}: {text}"
        );
        seen += 1;
        let commands = text
            .split("Commands:\n")
            .nth(1)
            .map(|rest| rest.split("\n\n").next().unwrap_or(""))
            .unwrap_or("");
        for line in commands.lines() {
            let Some(name) = line.split_whitespace().next() else {
                continue;
            };
            if name != "help" && line.starts_with("  ") && !line.starts_with("   ") {
                let mut sub = path.clone();
                sub.push(name.to_string());
                todo.push(sub);
            }
        }
    }
    assert!(seen > 40, "the walk found {seen} commands");
}

#[test]
fn a_corrupt_journal_stops_the_start_naming_the_record() {
    let (mut s, _) = serve(false);
    let op = s.operator.clone();
    ok(&mw(
        &s,
        &op,
        &["participant", "create", "--name", "A", "--role", "buyer"],
    ));
    ok(&mw(
        &s,
        &op,
        &["participant", "create", "--name", "B", "--role", "buyer"],
    ));
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let data = s._dir.path().join("mw.db");
    let c = rusqlite::Connection::open(&data).unwrap();
    let seq: i64 = c
        .query_row("SELECT max(seq) FROM journal", [], |r| r.get(0))
        .unwrap();
    c.execute(
        "UPDATE journal SET checksum = checksum + 1 WHERE seq = ?1",
        [seq],
    )
    .unwrap();
    drop(c);
    let o = Command::new(MW)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains(&format!("journal: record {seq} fails its checksum")),
        "{err}"
    );
    let out = Command::new(MW)
        .args(["audit", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("fails its checksum")
    );
}

/// `mw serve` on a PostgreSQL URL that must fail: (exit code, stderr).
fn serve_refused(url: &str) -> (Option<i32>, String) {
    let o = Command::new(MW)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
        .output()
        .unwrap();
    (o.status.code(), String::from_utf8(o.stderr).unwrap())
}

/// Every table of a database with its row count, to see that nothing changed.
fn pg_contents(c: &mut postgres::Client) -> Vec<(String, i64)> {
    let names: Vec<String> = c
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    names
        .into_iter()
        .map(|t| {
            let n: i64 = c
                .query_one(&format!("SELECT count(*) FROM {t}"), &[])
                .unwrap()
                .get(0);
            (t, n)
        })
        .collect()
}

#[test]
fn bad_postgres_stores_get_one_clear_line_and_are_not_modified() {
    let Some(base) = megawatt_store::pg::test_base_url() else {
        eprintln!("skipped on PostgreSQL: MW_TEST_DATABASE_URL=skip");
        return;
    };
    // Nothing listens on port 1.
    let (code, err) = serve_refused("postgres://postgres@127.0.0.1:1/megawatt");
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("cannot reach PostgreSQL at postgres://postgres@127.0.0.1:1/megawatt"),
        "{err}"
    );
    // A database of something else.
    let db = megawatt_store::pg::ScratchDb::create(&base, "mw_cli").unwrap();
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    c.batch_execute("CREATE TABLE invoices (id BIGINT); INSERT INTO invoices VALUES (1);")
        .unwrap();
    let before = pg_contents(&mut c);
    let (code, err) = serve_refused(&db.url);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("is not a Megawatt store"), "{err}");
    assert_eq!(
        pg_contents(&mut c),
        before,
        "a refused database is not modified"
    );
    // A store written by a newer Megawatt.
    let db = megawatt_store::pg::ScratchDb::create(&base, "mw_cli").unwrap();
    let (mut child, _) = {
        let mut child = Command::new(MW)
            // The demo is seeded before the banner, so the journal has records.
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--demo",
                "--database-url",
                &db.url,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let banner = lines.next().unwrap().unwrap();
        (child, banner)
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    c.batch_execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    let before = pg_contents(&mut c);
    let (code, err) = serve_refused(&db.url);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("newer Megawatt (schema 99"), "{err}");
    assert_eq!(pg_contents(&mut c), before);
    // A corrupt journal record stops the start, naming it; the audit reports it.
    let version = megawatt_store::tables::SCHEMA_VERSION.to_string();
    c.execute(
        "UPDATE meta SET value = $1 WHERE key = 'schema_version'",
        &[&version],
    )
    .unwrap();
    let seq: i64 = c
        .query_one("SELECT max(seq) FROM journal", &[])
        .unwrap()
        .get(0);
    let changed = c
        .execute(
            "UPDATE journal SET checksum = checksum + 1 WHERE seq = $1",
            &[&seq],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let (code, err) = serve_refused(&db.url);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!("journal: record {seq} fails its checksum")),
        "{err}"
    );
    let out = Command::new(MW)
        .args(["audit", "--database-url", &db.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("fails its checksum")
    );
}

#[test]
fn the_operator_moves_money_from_the_command_line() {
    let (s, _) = serve(false);
    let op = s.operator.clone();
    ok(&mw(
        &s,
        &op,
        &["participant", "create", "--name", "Lab", "--role", "buyer"],
    ));
    let lab = token_in(&ok(&mw(
        &s,
        &op,
        &["key", "create", "--participant", "p-2"],
    )));
    let out = ok(&mw(
        &s,
        &op,
        &[
            "admin",
            "deposit",
            "--participant",
            "p-2",
            "--amount",
            "1250000000",
            "--reference",
            "wire 1",
        ],
    ));
    assert!(
        out.contains("deposit") && out.contains("$1,250,000,000.00"),
        "{out}"
    );
    ok(&mw(
        &s,
        &op,
        &[
            "admin",
            "credit-limit",
            "--participant",
            "p-2",
            "--limit",
            "1000",
        ],
    ));
    let o = mw(
        &s,
        &op,
        &[
            "admin",
            "withdraw",
            "--participant",
            "p-2",
            "--amount",
            "1250000001",
            "--reference",
            "w",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("insufficient_funds"),
        "{err}"
    );
    let out = ok(&mw(&s, &lab, &["balance"]));
    assert!(
        out.contains("balance $1,250,000,000.00") && out.contains("credit limit $1,000.00"),
        "{out}"
    );
    let out = ok(&mw(&s, &lab, &["statement"]));
    assert!(out.contains("tr-1") && out.contains("wire 1"), "{out}");
}

/// Micro-USD of a `1234.500000` (or `-1234.500000`) amount.
fn micros(usd: &str) -> i64 {
    let (sign, usd) = usd.strip_prefix('-').map_or((1, usd), |u| (-1, u));
    let (whole, frac) = usd.split_once('.').unwrap_or((usd, "0"));
    let frac = format!("{frac:0<6}").parse::<i64>().unwrap();
    sign * (whole.parse::<i64>().unwrap() * 1_000_000 + frac)
}

/// The demo lease's first month's credit, computed apart from the engine: the outages
/// the demo documents (60,000 H100 for 30 hours, 4,320 GB200 for 40, 1,200 H200 for 6)
/// are 1,980,000 undelivered GPU-hours of 220,000 GPUs × the month's hours, below the
/// 99% target and above the 95% tier, so credited pro rata on the $1.25bn fee, rounded
/// half to even.
fn demo_lease_credit(days_in_month: i64) -> i64 {
    let (fee, undelivered) = (1_250_000_000_000_000i128, 1_980_000i128);
    let contracted = 220_000 * 24 * i128::from(days_in_month);
    assert!(undelivered * 100 > contracted && undelivered * 20 < contracted);
    let (q, r) = (
        fee * undelivered / contracted,
        fee * undelivered % contracted,
    );
    let up = 2 * r > contracted || (2 * r == contracted && q % 2 == 1);
    i64::try_from(q + i128::from(up)).unwrap()
}

/// The year and month after `(y, m)`.
fn month_after((y, m): (i64, u32)) -> (i64, u32) {
    if m == 12 { (y + 1, 1) } else { (y, m + 1) }
}

#[test]
fn the_demo_lease_is_credited_its_outages_exactly_then_bills_a_full_month() {
    use megawatt_engine::units::days_from_civil;
    let (s, banner) = serve_with(true, &["--manual-clock"]);
    let (lab, lease) = lab_and_lease(&banner);
    let shown = ok(&mw(&s, &lab, &["--json", "contract", "show", &lease]));
    let start = shown
        .split("\"start\": \"")
        .nth(1)
        .map(|r| r[..7].to_string())
        .expect("the lease's start");
    // The demo's history: the lease began the month before last, which has closed.
    let first = (start[..4].parse().unwrap(), start[5..].parse().unwrap());
    let this = month_after(first);
    let days = days_from_civil(this.0, this.1, 1) - days_from_civil(first.0, first.1, 1);
    let credit = demo_lease_credit(days);
    let invoices: serde_json::Value =
        serde_json::from_str(&ok(&mw(&s, &lab, &["--json", "invoices"]))).unwrap();
    let items = invoices["items"].as_array().expect("a page of invoices");
    let inv = items
        .iter()
        .find(|i| i["charge"] == "usage" && i["period_start"].as_str().unwrap().starts_with(&start))
        .unwrap_or_else(|| panic!("the first month's invoice in {invoices}"));
    assert_eq!(inv["charged"]["micros"], 1_250_000_000_000_000i64, "{inv}");
    assert_eq!(inv["credited"]["micros"], credit, "{inv}");
    assert_eq!(
        inv["amount"]["micros"],
        1_250_000_000_000_000 - credit,
        "{inv}"
    );
    assert_eq!(inv["status"], "paid", "{inv}");
    let credited: Vec<(u64, i64)> = inv["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["credit"] == true)
        .map(|l| {
            (
                l["gpu_hours"].as_u64().unwrap(),
                l["amount"]["micros"].as_i64().unwrap(),
            )
        })
        .collect();
    let hours: Vec<u64> = credited.iter().map(|c| c.0).collect();
    assert_eq!(hours, [1_800_000, 7_200, 172_800], "{inv}");
    assert_eq!(credited.iter().map(|c| c.1).sum::<i64>(), -credit, "{inv}");
    let id = inv["id"].as_str().unwrap().to_string();
    let out = ok(&mw(&s, &lab, &["invoices", "show", &id]));
    for want in ["usage of", "paid", "pool-", "150000", "$1,250,000,000.00"] {
        assert!(out.contains(want), "{want:?} in {out}");
    }
    // The month closed as FOCUS: a charge row per line, a credit row per line short.
    let file = s._dir.path().join("focus.csv");
    let month = &start;
    let args = [
        "invoices",
        "export",
        "--month",
        month,
        "--out",
        file.to_str().unwrap(),
    ];
    let o = mw(&s, &lab, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 6, "three charges and three credits:\n{text}");
    assert_eq!(
        rows.iter().filter(|r| r.contains(",Credit,")).count(),
        3,
        "{text}"
    );
    let billed: i64 = rows
        .iter()
        .map(|r| micros(r.split(',').next().unwrap()))
        .sum();
    assert_eq!(billed, 1_250_000_000_000_000 - credit, "{text}");
    focus::validate(&text);
    // Colossus sees its month as the meters reported it; the neocloud's fills had hours
    // nobody reported, and Helix's fill of the 8th, 32 GPUs short for 6 hours, was
    // refunded at the close (192 GPU-hours at its $2.275).
    let key = |who: &str| {
        let line = banner.iter().find(|l| l.contains(who)).expect(who);
        token_in(line)
    };
    let (from, to) = (
        format!("{start}-01"),
        format!("{}-{:02}-01", this.0, this.1),
    );
    let month = [
        "--json",
        "utilization",
        "--as",
        "seller",
        "--by",
        "month",
        "--from",
    ];
    let args = [&month[..], &[from.as_str(), "--to", to.as_str()]].concat();
    let seen: serde_json::Value =
        serde_json::from_str(&ok(&mw(&s, &key("Colossus Compute"), &args))).unwrap();
    let row = &seen["rows"][0];
    let contracted = 220_000 * 24 * u64::try_from(days).unwrap();
    assert_eq!(row["contracted_gpu_hours"], contracted, "{seen}");
    assert_eq!(row["delivered_gpu_hours"], contracted - 1_980_000, "{seen}");
    assert_eq!(row["unreported_gpu_hours"], 0, "{seen}");
    assert_eq!(row["credits"]["micros"], credit, "{seen}");
    let seen: serde_json::Value =
        serde_json::from_str(&ok(&mw(&s, &key("Neocloud One"), &args))).unwrap();
    assert!(
        seen["rows"][0]["unreported_gpu_hours"].as_u64().unwrap() > 0,
        "{seen}"
    );
    let helix: serde_json::Value = serde_json::from_str(&ok(&mw(
        &s,
        &key("Helix Research"),
        &["--json", "invoices"],
    )))
    .unwrap();
    let refund = helix["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["charge"] == "delivery_credit")
        .unwrap_or_else(|| panic!("a delivery credit in {helix}"));
    assert_eq!(refund["amount"]["micros"], 192 * 2_275_000, "{refund}");
    assert_eq!(refund["status"], "paid", "{refund}");
    // Last month was delivered in full: once its grace has passed (at once, unless this
    // is the first hours of a month), it bills the whole fee.
    let op = s.operator.clone();
    let close: serde_json::Value =
        serde_json::from_str(&ok(&mw(&s, &op, &["--json", "admin", "month-close"]))).unwrap();
    let this = format!("{}-{:02}", this.0, this.1);
    if close["open_from"].as_str().unwrap().starts_with(&this) {
        let at = close["closes_at"].as_str().unwrap();
        assert!(ok(&mw(&s, &op, &["admin", "tick", at])).contains("clock:"));
    }
    let invoices: serde_json::Value =
        serde_json::from_str(&ok(&mw(&s, &lab, &["--json", "invoices"]))).unwrap();
    let inv = invoices["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["charge"] == "usage" && i["period_start"].as_str().unwrap().starts_with(&this))
        .unwrap_or_else(|| panic!("last month's invoice in {invoices}"))
        .clone();
    assert_eq!(inv["amount"]["micros"], 1_250_000_000_000_000i64, "{inv}");
    assert_eq!(inv["credited"]["micros"], 0, "{inv}");
    assert_eq!(inv["status"], "paid", "{inv}");
    let out = ok(&mw(&s, &lab, &["statement"]));
    assert!(out.contains("owed (payable) $0.00"), "{out}");
    let o = mw(&s, &lab, &["invoices", "export", "--month", "2027-13"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("month"), "{err}");
}

#[test]
fn a_saved_login_is_private_and_used_by_name() {
    use std::io::Write;
    let (s, _) = serve(false);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mw").join("config.toml");
    let bare = |args: &[&str]| {
        let mut c = Command::new(MW);
        c.args(args)
            .env("MW_CONFIG", &config)
            .env_remove("MW_URL")
            .env_remove("MW_TOKEN")
            .env_remove("MW_PROFILE");
        c
    };
    // The key comes on standard input, so that it stays out of the shell's history.
    let mut child = bare(&["login", "--url", &s.url, "--profile", "op"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{}", s.operator).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("profile op"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner may read the key");
    }
    // The only profile is the default: no URL, no key, no --profile needed.
    let out = ok(&bare(&["whoami"]).output().unwrap());
    assert!(out.contains("(p-1)"), "{out}");
    let out = ok(&bare(&["-P", "op", "models"]).output().unwrap());
    assert!(out.contains("h100-sxm"), "{out}");
    // A wrong key is refused before anything is saved; an unknown profile is named.
    let o = bare(&[
        "login",
        "--url",
        &s.url,
        "--key",
        "mw_wrong",
        "--profile",
        "x",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let o = bare(&["-P", "x", "whoami"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no profile \"x\" (saved: op)"),
        "{o:?}"
    );
    // The saved key goes only to its own exchange: another URL gets no key.
    let o = bare(&["--url", "http://127.0.0.1:9", "whoami"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no API key"),
        "{o:?}"
    );
    ok(&bare(&["logout", "--profile", "op"]).output().unwrap());
    let o = bare(&["whoami"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "no key any more");
}

#[test]
fn shells_get_completions() {
    for (shell, mark) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef mw"),
        ("fish", "complete -c mw"),
    ] {
        let o = Command::new(MW)
            .args(["completions", shell])
            .output()
            .unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(
            o.status.success() && text.contains(mark),
            "{shell}: {text:.200}"
        );
        assert!(text.contains("contract"), "{shell} completes subcommands");
    }
}

/// On a terminal, notice asks first, stating the end it would take effect and what
/// stays committed; "n" sends nothing, "y" gives notice. (`script` gives the command a
/// terminal.)
#[test]
fn notice_on_a_terminal_asks_first() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) to give the command a terminal");
        return;
    }
    let (s, banner) = serve(true);
    let lab = banner
        .iter()
        .find(|l| l.contains("Frontier Lab"))
        .map(|l| token_in(l))
        .expect("the lab's key");
    let on_terminal = |answer: &str| {
        let mut child = Command::new("script")
            .args(["-qec", &format!("{MW} contract notice ctr-1"), "/dev/null"])
            .env("MW_URL", &s.url)
            .env("MW_TOKEN", &lab)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{answer}").unwrap();
        child.wait_with_output().unwrap()
    };
    let no = on_terminal("n");
    let text = String::from_utf8_lossy(&no.stdout);
    assert!(!no.status.success(), "{text}");
    assert!(
        text.contains("it would end at")
            && text.contains("committed until then")
            && text.contains("Go ahead?"),
        "{text}"
    );
    let shown = ok(&mw(&s, &lab, &["contract", "show", "ctr-1"]));
    assert!(
        shown.contains("ctr-1  active") && !shown.contains("notice_given"),
        "nothing was sent: {shown}"
    );
    let yes = on_terminal("y");
    assert!(
        yes.status.success(),
        "{}",
        String::from_utf8_lossy(&yes.stdout)
    );
    let shown = ok(&mw(&s, &lab, &["contract", "show", "ctr-1"]));
    assert!(shown.contains("notice_given"), "{shown}");
}
