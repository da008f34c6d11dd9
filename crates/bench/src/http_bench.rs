//! The HTTP benchmark: the real server on a temporary SQLite store, driven over
//! loopback by many concurrent keep-alive connections, each as its own participant,
//! placing an ask and cancelling it, again and again (every command durable before its
//! answer). In the same run, the same connections call `GET /healthz`: the ceiling of
//! the HTTP stack on this machine. Then the same connections place batches of 100 asks
//! (`POST /v1/orders/batch`): `batch_orders_per_sec`. A minimal HTTP/1.1 client keeps
//! the load generator cheap.

use crate::stats::{median, per_mille};
use megawatt_server::{Config, start};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Concurrent connections.
const CONNECTIONS: usize = 64;
/// How long each phase runs.
const PHASE: Duration = Duration::from_secs(4);
/// Rounds of (orders, healthz) phases, interleaved so that the machine's noise hits
/// both alike; medians are reported.
const ROUNDS: usize = 3;
/// Most requests one connection makes in a phase (a bound on the loop).
const MAX_REQUESTS: usize = 1_000_000;
/// Orders in one batch of the batch phase.
const BATCH_ORDERS: usize = 100;

/// A keep-alive HTTP/1.1 connection.
pub(crate) struct Conn {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
}

impl Conn {
    pub(crate) async fn open(addr: std::net::SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Conn {
            stream,
            host: addr.to_string(),
            buf: Vec::with_capacity(8192),
        }
    }

    /// Sends a request and returns (status, body).
    pub(crate) async fn call(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Vec<u8>) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if let Some(t) = token {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        } else if method == "POST" {
            req.push_str("Content-Length: 0\r\n");
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.stream.write_all(req.as_bytes()).await.expect("write");
        self.read_response().await
    }

    async fn read_response(&mut self) -> (u16, Vec<u8>) {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .expect("status");
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                let total = end + 4 + len;
                while self.buf.len() < total {
                    self.fill().await;
                }
                let body = self.buf[end + 4..total].to_vec();
                self.buf.drain(..total);
                return (status, body);
            }
            self.fill().await;
        }
    }

    async fn fill(&mut self) {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the server closed the connection");
        self.buf.extend_from_slice(&chunk[..n]);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("json answer")
}

/// Admits a participant with `role` and makes it a key: (id, token).
pub(crate) async fn participant(
    c: &mut Conn,
    operator: &str,
    name: &str,
    role: &str,
) -> (String, String) {
    let p = json!({ "name": name, "roles": [role] }).to_string();
    let (_, body) = c
        .call("POST", "/v1/participants", Some(operator), Some(&p))
        .await;
    let id = json_of(&body)["id"].as_str().unwrap().to_string();
    let k = json!({ "participant": id }).to_string();
    let (_, body) = c.call("POST", "/v1/keys", Some(operator), Some(&k)).await;
    (id, json_of(&body)["key"].as_str().unwrap().to_string())
}

/// Sets up one seller per connection with its own big pool; returns (token, pool).
async fn sellers(addr: std::net::SocketAddr, operator: &str) -> Vec<(String, String)> {
    let mut c = Conn::open(addr).await;
    let mut out = Vec::new();
    for i in 0..CONNECTIONS {
        let (_, token) = participant(&mut c, operator, &format!("seller-{i}"), "provider").await;
        let f = json!({ "name": "bench", "region": "us-east", "power_kw": 100_000_000, "pools": [{ "model": "h100-sxm", "gpus": 10_000_000 }] });
        let (_, body) = c
            .call("POST", "/v1/facilities", Some(&token), Some(&f.to_string()))
            .await;
        let pool = json_of(&body)["pools"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        out.push((token, pool));
    }
    out
}

/// One connection placing and cancelling asks until the deadline; returns latencies (µs).
async fn trader(
    addr: std::net::SocketAddr,
    token: String,
    pool: String,
    start: String,
    deadline: Instant,
) -> Vec<u64> {
    let mut c = Conn::open(addr).await;
    let mut lat = Vec::new();
    let ask = json!({ "side": "sell", "pool": pool, "gpus": 1, "start": start, "hours": 24, "price": "2.00" }).to_string();
    while Instant::now() < deadline && lat.len() < MAX_REQUESTS {
        let t0 = Instant::now();
        let (status, body) = c.call("POST", "/v1/orders", Some(&token), Some(&ask)).await;
        lat.push(t0.elapsed().as_micros() as u64);
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        let id = json_of(&body)["order"]["id"].as_str().unwrap().to_string();
        let t0 = Instant::now();
        let (status, _) = c
            .call(
                "POST",
                &format!("/v1/orders/{id}/cancel"),
                Some(&token),
                None,
            )
            .await;
        lat.push(t0.elapsed().as_micros() as u64);
        assert_eq!(status, 204);
    }
    lat
}

async fn healthz(addr: std::net::SocketAddr, deadline: Instant) -> usize {
    let mut c = Conn::open(addr).await;
    let mut n = 0;
    while Instant::now() < deadline && n < MAX_REQUESTS {
        let (status, _) = c.call("GET", "/healthz", None, None).await;
        assert_eq!(status, 200);
        n += 1;
    }
    n
}

/// One phase of place-and-cancel on every connection: latencies (µs) and commands/s.
async fn orders_phase(
    addr: std::net::SocketAddr,
    sellers: &[(String, String)],
    start_at: &str,
) -> (Vec<u64>, f64) {
    let deadline = Instant::now() + PHASE;
    let t0 = Instant::now();
    let tasks: Vec<_> = sellers
        .iter()
        .map(|(token, pool)| {
            tokio::spawn(trader(
                addr,
                token.clone(),
                pool.clone(),
                start_at.to_string(),
                deadline,
            ))
        })
        .collect();
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("trader"));
    }
    let rate = lat.len() as f64 / t0.elapsed().as_secs_f64();
    (lat, rate)
}

/// One connection placing batches of `BATCH_ORDERS` one-GPU asks (`POST
/// /v1/orders/batch`) until the deadline; returns the orders placed.
async fn batcher(
    addr: std::net::SocketAddr,
    (token, pool): (String, String),
    start: String,
    deadline: Instant,
) -> usize {
    let mut c = Conn::open(addr).await;
    let ask = json!({ "side": "sell", "pool": pool, "gpus": 1, "start": start, "hours": 24, "price": "2.00" });
    let body = json!({ "orders": vec![ask; BATCH_ORDERS] }).to_string();
    let mut placed = 0;
    while Instant::now() < deadline && placed < MAX_REQUESTS {
        let (status, answer) = c
            .call("POST", "/v1/orders/batch", Some(&token), Some(&body))
            .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        let v = json_of(&answer);
        let orders = v["orders"].as_array().expect("orders");
        assert!(orders.iter().all(|o| o.get("placed").is_some()), "{v}");
        placed += orders.len();
    }
    placed
}

/// One phase of batches on every connection: orders placed per second.
async fn batch_phase(
    addr: std::net::SocketAddr,
    sellers: &[(String, String)],
    start_at: &str,
) -> f64 {
    let deadline = Instant::now() + PHASE;
    let t0 = Instant::now();
    let tasks: Vec<_> = sellers
        .iter()
        .map(|s| tokio::spawn(batcher(addr, s.clone(), start_at.to_string(), deadline)))
        .collect();
    let mut n = 0;
    for t in tasks {
        n += t.await.expect("batcher");
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

/// One phase of `GET /healthz` on every connection: requests/s.
async fn healthz_phase(addr: std::net::SocketAddr) -> f64 {
    let deadline = Instant::now() + PHASE;
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| tokio::spawn(healthz(addr, deadline)))
        .collect();
    let mut n = 0;
    for t in tasks {
        n += t.await.expect("healthz");
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

/// A server on a new SQLite store in `dir`, on any loopback port, without rate limits.
pub(crate) fn config(dir: &std::path::Path, manual_clock: bool) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        store: megawatt_store::Location::Sqlite(dir.join("bench.db")),
        standby: false,
        demo: false,
        rate_limit: 0,
        snapshot_every: megawatt_server::limits::SNAPSHOT_EVERY_COMMANDS_DEFAULT,
        manual_clock,
        month_close_grace_hours: Some(0),
        webhooks: Default::default(),
    }
}

/// Runs the benchmark and returns its JSON line.
pub fn run() -> String {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = config(dir.path(), false);
        let running = start(config).await.expect("server starts");
        let addr = running.addr;
        let operator = running
            .first_start
            .operator_key
            .clone()
            .expect("operator key");
        let sellers = sellers(addr, &operator).await;
        let start_at = megawatt_engine::units::Hour(
            megawatt_engine::units::Hour::containing(megawatt_server::sequencer::now_ms()).0 + 48,
        )
        .to_string();
        let (mut lat, mut order_rates, mut health_rates, mut ratios) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let (round, rate) = orders_phase(addr, &sellers, &start_at).await;
            lat.extend(round);
            let health = healthz_phase(addr).await;
            order_rates.push(rate);
            health_rates.push(health);
            ratios.push(rate / health);
        }
        // Batches last: the asks they leave resting would change the book the rounds
        // above place into.
        let mut batch_rates = Vec::new();
        for _ in 0..ROUNDS {
            batch_rates.push(batch_phase(addr, &sellers, &start_at).await);
        }
        lat.sort_unstable();
        let orders_per_sec = median(order_rates);
        let healthz_per_sec = median(health_rates);
        running.shutdown().await.expect("clean shutdown");
        serde_json::json!({
            "bench": "http",
            "connections": CONNECTIONS,
            "seconds_per_phase": PHASE.as_secs(),
            "rounds": ROUNDS,
            "order_commands": lat.len(),
            "orders_per_sec": orders_per_sec.round(),
            "p50_ms": per_mille(&lat, 500) as f64 / 1000.0,
            "p99_ms": per_mille(&lat, 990) as f64 / 1000.0,
            "p999_ms": per_mille(&lat, 999) as f64 / 1000.0,
            "healthz_per_sec": healthz_per_sec.round(),
            "ratio_vs_healthz": (median(ratios) * 1000.0).round() / 1000.0,
            "batch_size": BATCH_ORDERS,
            "batch_orders_per_sec": median(batch_rates).round(),
        })
        .to_string()
    })
}
