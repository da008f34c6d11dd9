//! Operations: health, Prometheus metrics, the OpenAPI document, the 404 fallback, and
//! the middleware that counts requests and responses.

use crate::problem::Problem;
use crate::state::AppState;
use crate::views::HealthView;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Liveness and the last journal sequence number.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = HealthView)))]
pub async fn healthz(State(state): State<Arc<AppState>>) -> Json<HealthView> {
    Json(HealthView {
        status: "ok".into(),
        seq: state.seq.stats.last_seq.load(Ordering::Relaxed),
    })
}

/// The webhooks' counters, endpoints by status, and their backlog (read from the
/// event log at each scrape; absent if the log cannot be read).
async fn webhook_metrics(state: &Arc<AppState>, out: &mut String) {
    let w = &state.webhooks.stats;
    for (name, help, value) in [
        (
            "megawatt_webhook_deliveries_total",
            "Webhook delivery attempts, by outcome (delivered: answered 2xx).",
            None,
        ),
        (
            "megawatt_webhooks_disabled_total",
            "Webhook endpoints disabled after a run of failed attempts.",
            Some(w.disabled.load(Ordering::Relaxed)),
        ),
    ] {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n"));
        match value {
            Some(v) => out.push_str(&format!("{name} {v}\n")),
            None => {
                for (outcome, n) in [("delivered", &w.delivered), ("failed", &w.failed)] {
                    let n = n.load(Ordering::Relaxed);
                    out.push_str(&format!("{name}{{outcome=\"{outcome}\"}} {n}\n"));
                }
            }
        }
    }
    let (enabled, disabled) = state.webhooks.endpoint_counts();
    let name = "megawatt_webhook_endpoints";
    out.push_str(&format!(
        "# HELP {name} Webhook endpoints, by status.\n# TYPE {name} gauge\n{name}{{status=\"enabled\"}} {enabled}\n{name}{{status=\"disabled\"}} {disabled}\n"
    ));
    if let Ok(backlog) = state.webhooks.backlog().await {
        crate::metrics::gauge(
            out,
            "megawatt_webhook_backlog_events",
            "Events in the log that enabled webhook endpoints have yet to deliver.",
            backlog as f64,
        );
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain", description = "Prometheus text format")))]
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let s = &state.seq.stats;
    let h = &state.http;
    let lines = [
        (
            "megawatt_commands_accepted_total",
            "counter",
            "Commands accepted by the engine.",
            s.accepted.load(Ordering::Relaxed),
        ),
        (
            "megawatt_commands_rejected_total",
            "counter",
            "Commands rejected by the engine.",
            s.rejected.load(Ordering::Relaxed),
        ),
        (
            "megawatt_commits_total",
            "counter",
            "Group commits to the store.",
            s.commits.load(Ordering::Relaxed),
        ),
        (
            "megawatt_commit_seconds_total",
            "counter",
            "Time spent committing batches, seconds.",
            s.commit_us.load(Ordering::Relaxed),
        ),
        (
            "megawatt_journal_seq",
            "gauge",
            "Last journal sequence number.",
            s.last_seq.load(Ordering::Relaxed),
        ),
        (
            "megawatt_idempotent_replays_total",
            "counter",
            "Requests answered from idempotency records.",
            s.replays.load(Ordering::Relaxed),
        ),
        (
            "megawatt_snapshots_total",
            "counter",
            "Snapshots written.",
            s.snapshots.load(Ordering::Relaxed),
        ),
        (
            "megawatt_http_requests_total",
            "counter",
            "HTTP requests.",
            h.requests.load(Ordering::Relaxed),
        ),
        (
            "megawatt_http_client_errors_total",
            "counter",
            "HTTP 4xx responses.",
            h.client_errors.load(Ordering::Relaxed),
        ),
        (
            "megawatt_http_server_errors_total",
            "counter",
            "HTTP 5xx responses.",
            h.server_errors.load(Ordering::Relaxed),
        ),
        (
            "megawatt_http_rate_limited_total",
            "counter",
            "Requests refused by the rate limit.",
            h.rate_limited.load(Ordering::Relaxed),
        ),
    ];
    let mut out = String::new();
    for (name, kind, help, value) in lines {
        let (name, value) = if name == "megawatt_commit_seconds_total" {
            (name, format!("{:.6}", value as f64 / 1e6))
        } else {
            (name, value.to_string())
        };
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    let queued = s.queued.load(Ordering::Relaxed) as f64;
    crate::metrics::gauge(
        &mut out,
        "megawatt_sequencer_queue_depth",
        "Requests waiting for the sequencer.",
        queued,
    );
    webhook_metrics(&state, &mut out).await;
    let name = "megawatt_build_info";
    out.push_str(&format!(
        "# HELP {name} The build: its version, always 1.\n# TYPE {name} gauge\n{name}{{version=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION")
    ));
    for (name, help, h, scale) in [
        (
            "megawatt_commit_duration_seconds",
            "Time of each group commit, seconds.",
            &s.commit_latency,
            1e6,
        ),
        (
            "megawatt_batch_commands",
            "Commands in each committed batch.",
            &s.batch_commands,
            1.0,
        ),
    ] {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} histogram\n"));
        h.write(&mut out, name, "", scale);
    }
    state.latency.write(&mut out);
    crate::metrics::process(&mut out);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// Anything else.
pub async fn not_found(req: Request) -> Problem {
    Problem::not_found(format!("no route {} {}", req.method(), req.uri().path()))
}

/// A known path with the wrong method.
pub async fn method_not_allowed(req: Request) -> Problem {
    Problem::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}

/// Counts requests and responses by class.
pub async fn count(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    state.http.requests.fetch_add(1, Ordering::Relaxed);
    // Cheap clones (a shared string, a method), not copies of the text.
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .cloned();
    let method = req.method().clone();
    let t0 = std::time::Instant::now();
    let r = next.run(req).await;
    let us = t0.elapsed().as_micros() as u64;
    let route = route.as_ref().map_or("unmatched", |m| m.as_str());
    let status = r.status().as_u16();
    state.latency.observe(route, method.as_str(), status, us);
    if r.status().is_client_error() {
        state.http.client_errors.fetch_add(1, Ordering::Relaxed);
    } else if r.status().is_server_error() {
        state.http.server_errors.fetch_add(1, Ordering::Relaxed);
    }
    r
}
