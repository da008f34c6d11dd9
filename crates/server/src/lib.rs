//! # megawatt-server
//!
//! The running exchange: recovery from the store's journal, the sequencer thread with
//! group commit, the hourly ticker, the HTTP API (axum) with auth, problem+json errors,
//! idempotency, pagination, rate limits, metrics, an OpenAPI document and a market-data
//! stream, and the demo market.
//!
//! Module map:
//! - `sequencer`: the single writer: batches, applies, commits, answers.
//! - `state`, `extract`: what handlers share; auth, strict JSON, idempotency keys.
//! - `routes`: the handlers, one module per resource.
//! - `views`, `problem`, `parse`: the API's JSON shapes, errors and input parsing.
//! - `feed`: events as published (public and per participant), for `/v1/events`,
//!   the store's event log and the webhooks.
//! - `webhooks`: endpoints, signed deliveries from a durable cursor, retries.
//! - `focus`: the FOCUS 1.0 billing export.
//! - `openapi`: the generated OpenAPI 3.1 document.
//! - `demo`: the populated market of `mw serve --demo`.

mod app;
pub mod demo;
pub mod dry_run;
pub mod extract;
pub mod feed;
pub mod focus;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod parse;
pub mod problem;
pub mod routes;
pub mod scopes;
pub mod sequencer;
pub mod state;
pub mod token;
pub mod views;
pub mod webhooks;

use megawatt_engine::command::Command;
use megawatt_engine::units::{Hour, MS_PER_HOUR};
use megawatt_engine::{Engine, OPERATOR};
use megawatt_store::pg::IfLocked;
use megawatt_store::{Location, OpenOptions, Outcome, Store, StoreError};
use sequencer::{Sequencer, now_ms};
use state::{AppState, Caller};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

/// How to run the exchange.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The store: a SQLite file or a PostgreSQL database.
    pub store: Location,
    /// On PostgreSQL, wait for the writer lock instead of refusing to start when
    /// another server holds it, and take over when that server stops.
    pub standby: bool,
    /// Seed the demo market on an empty store.
    pub demo: bool,
    /// Requests per second per API key (0: unlimited).
    pub rate_limit: u32,
    /// Snapshot the engine's state every this many accepted commands (0: never).
    pub snapshot_every: u64,
    /// No hourly ticker: time moves only when the operator ticks
    /// (`POST /v1/admin/clock`), for simulations and tests. Never in production.
    pub manual_clock: bool,
    /// How long after its end a month closes, hours (its usage reports are taken until
    /// then), journaled as the operator's `SetMonthCloseGrace` at start when the store
    /// has another; `None`: a new store gets
    /// [`limits::MONTH_CLOSE_GRACE_HOURS_DEFAULT`], an older one keeps its own.
    pub month_close_grace_hours: Option<u16>,
    /// How webhooks are delivered.
    pub webhooks: webhooks::WebhookConfig,
}

/// Keys to show once, on the first start of a store.
#[derive(Clone, Debug, Default)]
pub struct FirstStart {
    /// The operator's key.
    pub operator_key: Option<String>,
    /// Demo participants' (name, id, key).
    pub demo: Vec<(String, String, String)>,
    /// The demo's facility lease (a contract id).
    pub demo_lease: Option<String>,
}

/// A started exchange.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Keys created on this start (shown once).
    pub first_start: FirstStart,
    /// How this start recovered its state.
    pub recovery: sequencer::Recovery,
    serve: tokio::task::JoinHandle<std::io::Result<()>>,
    ticker: tokio::task::JoinHandle<()>,
    /// Completes when the sequencer thread ends, with how it ended.
    sequencer: tokio::sync::oneshot::Receiver<Result<(), ServerError>>,
    stop: tokio::sync::watch::Sender<bool>,
}

/// Why the exchange could not start or stopped badly.
#[derive(Debug)]
pub struct ServerError(pub String);

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServerError {}

impl From<StoreError> for ServerError {
    fn from(e: StoreError) -> Self {
        ServerError(e.0)
    }
}

/// Opens the store, recovers, starts the sequencer, ticker and HTTP server.
pub async fn start(config: Config) -> Result<Running, ServerError> {
    let Opened {
        store,
        engine,
        recovery,
        keys,
    } = open_store(&config).await?;
    let last_seq = recovery.last_seq;
    let fresh = last_seq == 0 && keys.is_empty();
    let market = feed::Feed::new();
    let (seq, seq_thread) = sequencer::start(
        engine,
        last_seq,
        store,
        market.clone(),
        config.snapshot_every,
        config.manual_clock,
    );
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let (state_seq, store, stopping) = (seq.clone(), config.store.clone(), stop.subscribe());
    let (market_tx, rate) = (market, config.rate_limit);
    let manual_clock = config.manual_clock;
    let (hooks_seq, hooks_feed, hooks_store) =
        (seq.clone(), market_tx.clone(), config.store.clone());
    let hooks_config = config.webhooks.clone();
    let hooks_stopping = stop.subscribe();
    let hooks = tokio::task::spawn_blocking(move || {
        webhooks::Webhooks::open(
            hooks_seq,
            hooks_feed,
            &hooks_store,
            hooks_config,
            hooks_stopping,
        )
    })
    .await
    .map_err(|e| ServerError(format!("loading webhooks: {e}")))??;
    hooks.clone().run();
    let state = Arc::new(
        tokio::task::spawn_blocking(move || {
            AppState::new(state_seq, keys, store, market_tx, rate, stopping, hooks)
                .map(|s| s.with_manual_clock(manual_clock))
        })
        .await
        .map_err(|e| ServerError(format!("opening read connections: {e}")))??,
    );
    let mut first = FirstStart::default();
    if fresh {
        first.operator_key = Some(
            routes::keys::issue_key(&state, OPERATOR, (OPERATOR, scopes::Scopes::FULL), None)
                .await
                .map_err(|p| ServerError(p.detail.clone()))?
                .key,
        );
        let grace = config
            .month_close_grace_hours
            .unwrap_or(limits::MONTH_CLOSE_GRACE_HOURS_DEFAULT);
        if config.demo {
            let (keys, lease) = demo::seed(&state, grace)
                .await
                .map_err(|p| ServerError(format!("demo: {}", p.detail)))?;
            first.demo = keys;
            first.demo_lease = Some(lease);
        } else {
            month_close_grace(&state, grace).await?;
        }
    } else {
        if config.demo {
            tracing::info!(
                "the store is not empty: --demo seeds only a new store, so it does nothing here"
            );
        }
        if let Some(grace) = config.month_close_grace_hours {
            month_close_grace(&state, grace).await?;
        }
    }
    index_methodology(&state).await?;
    let ticker = if config.manual_clock {
        tracing::warn!("manual clock: no hourly ticks; the operator moves time");
        tokio::spawn(std::future::pending())
    } else {
        tokio::spawn(ticker(seq))
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| ServerError(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServerError(e.to_string()))?;
    let app = app::router(state);
    let serve = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await
    });
    tracing::info!(%addr, "megawatt is serving");
    Ok(Running {
        addr,
        first_start: first,
        recovery,
        serve,
        ticker,
        sequencer: watch_thread(seq_thread),
        stop,
    })
}

impl Running {
    /// Stops accepting requests, lets in-flight ones finish and their commits land,
    /// then stops the sequencer.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        let _ = self.stop.send(true);
        self.ticker.abort();
        let _ = self.ticker.await;
        let served = self.serve.await;
        self.sequencer
            .await
            .map_err(|_| ServerError("the sequencer's watcher vanished".into()))??;
        match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ServerError(format!("http server: {e}"))),
            Err(e) => Err(ServerError(format!("http server task: {e}"))),
        }
    }

    /// Runs until `signal` completes, then shuts down gracefully.
    /// If the sequencer stops first (its store failed, or a PostgreSQL writer lost its
    /// connection and with it the writer lock), the server stops too and reports why, so
    /// that a supervisor can restart it or a standby take over.
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) -> Result<(), ServerError> {
        tokio::select! {
            () = signal => {
                tracing::info!("shutting down: finishing in-flight requests and commits");
                self.shutdown().await
            }
            ended = &mut self.sequencer => {
                let why = match ended {
                    Ok(Ok(())) => ServerError("the sequencer stopped".into()),
                    Ok(Err(e)) => e,
                    Err(_) => ServerError("the sequencer's watcher vanished".into()),
                };
                tracing::error!(error = %why, "the sequencer stopped; the server stops");
                let _ = self.stop.send(true);
                self.ticker.abort();
                let _ = self.serve.await;
                Err(why)
            }
        }
    }
}

/// Joins the sequencer thread on a thread of its own and reports how it ended.
fn watch_thread(
    thread: std::thread::JoinHandle<Result<(), StoreError>>,
) -> tokio::sync::oneshot::Receiver<Result<(), ServerError>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let ended = match thread.join() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ServerError(format!(
                "the sequencer stopped on a store failure: {e}"
            ))),
            Err(_) => Err(ServerError("the sequencer panicked".into())),
        };
        let _ = tx.send(ended);
    });
    rx
}

/// A store opened and recovered.
struct Opened {
    store: Box<dyn Store>,
    engine: Engine,
    recovery: sequencer::Recovery,
    keys: HashMap<[u8; 32], state::KeyEntry>,
}

/// Opens the store's writer and recovers the engine, off the async threads (a standby
/// waits there for the writer lock).
async fn open_store(config: &Config) -> Result<Opened, ServerError> {
    let location = config.store.clone();
    let if_locked = if config.standby {
        IfLocked::Wait
    } else {
        IfLocked::Refuse
    };
    let name = format!("mw serve pid={} host={}", std::process::id(), hostname());
    tokio::task::spawn_blocking(move || {
        let mut waiting = |holder: &str| {
            tracing::info!(%holder, "standby: another server holds the writer lock; waiting to take over");
        };
        let options = OpenOptions {
            name,
            if_locked,
            waiting: &mut waiting,
        };
        let mut store = megawatt_store::open(&location, options)?;
        let t0 = std::time::Instant::now();
        let (engine, recovery) = sequencer::recover(store.as_mut())?;
        tracing::info!(
            store = %location,
            snapshot_seq = recovery.snapshot_seq,
            replayed = recovery.replayed,
            ms = t0.elapsed().as_millis() as u64,
            "recovered: snapshot + journal tail"
        );
        let keys = load_keys(store.as_mut(), &engine)?;
        Ok::<_, StoreError>(Opened {
            store,
            engine,
            recovery,
            keys,
        })
    })
    .await
    .map_err(|e| ServerError(format!("opening the store: {e}")))?
    .map_err(ServerError::from)
}

/// This machine's name, for naming the writer to others.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// The key table from the store (keys not revoked), with each key's operator flag from
/// the engine.
fn load_keys(
    store: &mut dyn Store,
    engine: &Engine,
) -> Result<HashMap<[u8; 32], state::KeyEntry>, StoreError> {
    store
        .keys()?
        .into_iter()
        .map(|k| {
            let id = k.participant;
            let operator = engine.participant(id).is_some_and(|p| p.roles.operator);
            let scopes = scopes::Scopes::parse_text(&k.scopes).ok_or_else(|| {
                StoreError(format!(
                    "api_keys: scopes {:?} are not ones this server knows",
                    k.scopes
                ))
            })?;
            let caller = Caller {
                id,
                operator,
                scopes,
                key: k.hash,
            };
            Ok((
                k.hash,
                state::KeyEntry {
                    caller,
                    prefix: k.prefix,
                },
            ))
        })
        .collect()
}

/// Submits `cmd` as the operator at start; a refusal is the server's error, about `what`.
async fn as_operator(state: &AppState, cmd: Command, what: &str) -> Result<(), ServerError> {
    let caller = Caller {
        id: OPERATOR,
        operator: true,
        scopes: scopes::Scopes::FULL,
        key: [0; 32],
    };
    routes::submit(state, caller, cmd, None)
        .await
        .map_err(|p| ServerError(format!("{what}: {}", p.detail)))?;
    Ok(())
}

/// Journals the operator's month close grace of `hours` unless the store has it already.
async fn month_close_grace(state: &AppState, hours: u16) -> Result<(), ServerError> {
    let now = state
        .seq
        .query(Engine::month_close_grace_hours)
        .await
        .map_err(|e| ServerError(format!("month close: {e:?}")))?;
    if now == hours {
        return Ok(());
    }
    as_operator(state, Command::SetMonthCloseGrace { hours }, "month close").await?;
    tracing::info!(hours, "months now close this many hours after their end");
    Ok(())
}

/// Journals the operator's `SetIndexMethodology` of the newest methodology unless the
/// store has it already: from that command on, ticks publish the index and the curve
/// (docs/index-methodology.md).
async fn index_methodology(state: &AppState) -> Result<(), ServerError> {
    let version = megawatt_engine::index::METHODOLOGY_VERSION;
    let now = state
        .seq
        .query(Engine::index_methodology)
        .await
        .map_err(|e| ServerError(format!("index methodology: {e:?}")))?;
    if now >= version {
        return Ok(());
    }
    let cmd = Command::SetIndexMethodology { version };
    as_operator(state, cmd, "index methodology").await?;
    tracing::info!(version, "the index methodology in force");
    Ok(())
}

/// Ticks at start and at every hour boundary, so that orders expire and contracts start
/// and end without anyone calling.
async fn ticker(seq: Sequencer) {
    loop {
        let hour = Hour::containing(now_ms());
        // Retry until the tick is taken (the queue may be full right at the boundary),
        // unless the hour has passed meanwhile: the next tick then covers it.
        while Hour::containing(now_ms()) == hour {
            match seq.submit(OPERATOR, Command::Tick { hour }, None).await {
                Ok(Outcome::Rejected { rule, detail, .. }) => {
                    tracing::warn!(%rule, %detail, "tick rejected");
                    break;
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(?e, "tick not taken; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
        let next_ms = (hour.0 as u64 + 1) * MS_PER_HOUR;
        let wait = next_ms.saturating_sub(now_ms()).max(1);
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
