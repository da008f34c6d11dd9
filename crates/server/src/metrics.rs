//! What `/metrics` measures beyond counters: histograms (fixed buckets, lock-free
//! counts), HTTP latency per route, method and status, and the process's own figures,
//! written in Prometheus's text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Latency buckets, microseconds (100 µs to 10 s).
pub const LATENCY_BUCKETS_US: [u64; 12] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000, 500_000, 1_000_000, 10_000_000,
];

/// Batch size buckets, commands.
pub const BATCH_BUCKETS: [u64; 10] = [1, 2, 4, 8, 16, 64, 256, 1_024, 2_048, 4_096];

/// A histogram over fixed upper bounds: counts per bucket, their sum and count.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [u64],
    counts: Vec<AtomicU64>,
    sum: AtomicU64,
}

impl Histogram {
    /// An empty histogram with these upper bounds (ascending); one more bucket holds
    /// what is above the last.
    pub fn new(bounds: &'static [u64]) -> Histogram {
        Histogram {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
        }
    }

    /// Counts one observation.
    pub fn observe(&self, v: u64) {
        let i = self.bounds.partition_point(|b| *b < v);
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(v, Ordering::Relaxed);
    }

    /// Writes the histogram as `name_bucket`, `name_sum` and `name_count` lines, with
    /// `labels` (`route="/v1/orders",…`, or empty) and its values divided by `scale`
    /// (1e6 for microseconds shown as seconds).
    pub fn write(&self, out: &mut String, name: &str, labels: &str, scale: f64) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0u64;
        for (i, c) in self.counts.iter().enumerate() {
            cumulative += c.load(Ordering::Relaxed);
            let le = self
                .bounds
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |b| format!("{}", *b as f64 / scale));
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}"
            );
        }
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let sum = self.sum.load(Ordering::Relaxed) as f64 / scale;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {cumulative}");
    }
}

/// HTTP latency histograms by route template, method and status. The keys are bounded:
/// routes are the router's, methods and statuses few.
#[derive(Debug, Default)]
pub struct HttpLatency {
    by: Mutex<ByRoute>,
}

/// Histograms by route template, then method, then status: looked up with the request's
/// own strings, and copied only the first time a label is seen.
type ByRoute = BTreeMap<String, BTreeMap<String, BTreeMap<u16, Histogram>>>;

impl HttpLatency {
    /// Counts one answered request.
    pub fn observe(&self, route: &str, method: &str, status: u16, us: u64) {
        let mut by = self.by.lock().unwrap_or_else(|e| e.into_inner());
        if !by.contains_key(route) {
            by.insert(route.to_string(), BTreeMap::new());
        }
        let methods = by.get_mut(route).expect("inserted");
        if !methods.contains_key(method) {
            methods.insert(method.to_string(), BTreeMap::new());
        }
        let statuses = methods.get_mut(method).expect("inserted");
        statuses
            .entry(status)
            .or_insert_with(|| Histogram::new(&LATENCY_BUCKETS_US))
            .observe(us);
    }

    /// Writes `megawatt_http_request_duration_seconds`.
    pub fn write(&self, out: &mut String) {
        let name = "megawatt_http_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to answer an HTTP request, seconds, by route, method and status."
        );
        let _ = writeln!(out, "# TYPE {name} histogram");
        let by = self.by.lock().unwrap_or_else(|e| e.into_inner());
        for (route, methods) in by.iter() {
            for (method, statuses) in methods {
                for (status, h) in statuses {
                    let labels =
                        format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
                    h.write(out, name, &labels, 1e6);
                }
            }
        }
    }
}

/// The process's resident memory (bytes), CPU time (seconds) and open files, where the
/// system tells (Linux's `/proc`); nothing elsewhere.
pub fn process(out: &mut String) {
    let page = 4096.0;
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    if let Some(rss) = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<f64>().ok())
    {
        gauge(
            out,
            "process_resident_memory_bytes",
            "Resident memory, bytes.",
            rss * page,
        );
    }
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's name in parentheses: utime and stime are the 12th and
    // 13th, in clock ticks (100 a second on Linux).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: Vec<f64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse().ok())
        .collect();
    if ticks.len() == 2 {
        let name = "process_cpu_seconds_total";
        let _ = writeln!(out, "# HELP {name} CPU time, user and system, seconds.");
        let _ = writeln!(out, "# TYPE {name} counter");
        let _ = writeln!(out, "{name} {}", (ticks[0] + ticks[1]) / 100.0);
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        gauge(
            out,
            "process_open_fds",
            "Open file descriptors.",
            fds.count() as f64,
        );
    }
}

/// Writes one gauge.
pub fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}
