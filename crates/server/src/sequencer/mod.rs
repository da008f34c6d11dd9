//! The sequencer: one thread owns the engine and the store's writer. It takes requests
//! from a bounded queue in batches, stamps each command with the time, applies it,
//! writes the whole batch (journal, query tables, idempotency records, keys) in one
//! transaction with fsync, and only then answers the callers and publishes market data
//! (group commit). A command is acknowledged only once it is durable.
//!
//! If a commit fails, the engine holds changes that are not durable: the sequencer
//! answers every caller of the batch with an error and stops (fail-stop); a restart
//! recovers from the journal.
//!
//! This module is the request protocol (what callers send and get back) and the
//! handle; its parts each do one job: [`recovery`] rebuilds the engine on start,
//! `worker` is the batch loop, `idempotency` finds earlier answers to retried requests,
//! `replica` makes snapshots on a thread of its own.

mod idempotency;
pub mod recovery;
mod replica;
mod worker;

pub use recovery::{Recovery, recover};

use crate::feed::Feed;
use crate::limits::COMMANDS_QUEUE_LEN;
use megawatt_engine::Engine;
use megawatt_engine::catalog::Names;
use megawatt_engine::command::{Command, Envelope};
use megawatt_engine::ids::ParticipantId;
use megawatt_store::{NewKey, Outcome, Store, StoreError};
use replica::Replica;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::{oneshot, watch};
use worker::Worker;

/// An `Idempotency-Key` and the hash of the request it came with.
#[derive(Clone, Debug)]
pub struct Idem {
    /// The client's key.
    pub key: String,
    /// SHA-256 of method, path and body.
    pub hash: [u8; 32],
}

/// Why the sequencer could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeqError {
    /// The queue is full: try again.
    Busy,
    /// The sequencer has stopped (shutdown or a failed commit).
    Stopped,
    /// The idempotency key was used before with another request.
    IdempotencyConflict,
}

/// A read of the engine's committed state, run on the sequencer thread between batches.
pub type Query = Box<dyn FnOnce(&Engine) + Send>;

/// What can be asked of the sequencer.
pub enum Request {
    /// Apply a command.
    Submit {
        /// Who acts.
        actor: ParticipantId,
        /// What to do.
        command: Command,
        /// Idempotency key, if given.
        idem: Option<Idem>,
        /// The command's time when it is to be earlier than now (the demo's history,
        /// written on a new store before the ticker runs): never before the market's
        /// clock, never after now. `None`: now.
        at_ms: Option<u64>,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<Outcome, SeqError>>,
    },
    /// Store a new API key (its hash) for an existing participant.
    CreateKey {
        /// Who asks (the operator).
        actor: ParticipantId,
        /// The key.
        key: NewKey,
        /// Idempotency key, if given.
        idem: Option<Idem>,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<KeyAnswer, SeqError>>,
    },
    /// Write webhook changes (endpoints, cursors, attempts); answered once durable.
    Webhooks {
        /// What to write.
        writes: Vec<megawatt_store::outbox::WebhookWrite>,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<(), SeqError>>,
    },
    /// Revoke API keys; answered once durable.
    RevokeKeys {
        /// The keys.
        keys: Vec<megawatt_store::RevokedKey>,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<(), SeqError>>,
    },
    /// Read the committed state.
    Query(Query),
}

/// What became of a key creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAnswer {
    /// The key is stored; `operator` tells whether its owner is an operator.
    Created {
        /// The owner's operator role.
        operator: bool,
    },
    /// No such participant; nothing stored.
    NoSuchParticipant,
    /// A retry of a request that already issued a key: the stored answer (a key is a
    /// secret that is never stored, so a retry cannot be shown it again).
    Replay(Outcome),
}

/// The problem for a sequencer error.
pub fn seq_problem(e: SeqError) -> crate::problem::Problem {
    use crate::problem::Problem;
    match e {
        SeqError::Busy => Problem::unavailable("the exchange is busy; retry shortly"),
        SeqError::Stopped => Problem::unavailable("the exchange is not accepting commands (shutting down or failed)"),
        SeqError::IdempotencyConflict => Problem::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency-Key was already used with a different request; use a new key for a new request",
        )
        .field("Idempotency-Key"),
    }
}

/// Counters the sequencer keeps, for `/metrics`.
#[derive(Debug)]
pub struct SeqStats {
    /// Time of each group commit, microseconds.
    pub commit_latency: crate::metrics::Histogram,
    /// Commands in each committed batch.
    pub batch_commands: crate::metrics::Histogram,
    /// Requests waiting in the sequencer's queue.
    pub queued: AtomicU64,
    /// Commands accepted.
    pub accepted: AtomicU64,
    /// Commands rejected.
    pub rejected: AtomicU64,
    /// Commits made.
    pub commits: AtomicU64,
    /// Total commit time, microseconds.
    pub commit_us: AtomicU64,
    /// Last journal sequence number.
    pub last_seq: AtomicU64,
    /// Idempotent replays answered from the store.
    pub replays: AtomicU64,
    /// Snapshots written.
    pub snapshots: AtomicU64,
    /// The engine's clock (ms) as of the last commit: the market's clock for reads,
    /// without a request to the sequencer.
    pub clock_ms: AtomicU64,
}

impl Default for SeqStats {
    fn default() -> SeqStats {
        SeqStats {
            commit_latency: crate::metrics::Histogram::new(&crate::metrics::LATENCY_BUCKETS_US),
            batch_commands: crate::metrics::Histogram::new(&crate::metrics::BATCH_BUCKETS),
            queued: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            commit_us: AtomicU64::new(0),
            last_seq: AtomicU64::new(0),
            replays: AtomicU64::new(0),
            snapshots: AtomicU64::new(0),
            clock_ms: AtomicU64::new(0),
        }
    }
}

/// A handle to send requests to the sequencer.
#[derive(Clone)]
pub struct Sequencer {
    tx: SyncSender<Request>,
    /// Its counters.
    pub stats: Arc<SeqStats>,
    /// The names of every model and region as of the last commit (published before
    /// that commit's answers).
    names: watch::Receiver<Arc<Names>>,
    /// The snapshot replica's queue (none when snapshots are off), and the reads of it
    /// allowed at once.
    replica: Option<(SyncSender<replica::Work>, Arc<tokio::sync::Semaphore>)>,
}

impl Sequencer {
    /// The names of every model and region as of the last commit: what the indexes in
    /// any answer or event received so far mean.
    pub fn names(&self) -> Arc<Names> {
        self.names.borrow().clone()
    }

    /// Queues a request without waiting; `Busy` when the queue is full.
    pub fn send(&self, r: Request) -> Result<(), SeqError> {
        // Counted before it is sent, so that the worker's count down never passes zero.
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        self.tx.try_send(r).map_err(|e| {
            self.stats.queued.fetch_sub(1, Ordering::Relaxed);
            match e {
                TrySendError::Full(_) => SeqError::Busy,
                TrySendError::Disconnected(_) => SeqError::Stopped,
            }
        })
    }

    /// Submits a command and waits for its durable outcome.
    pub async fn submit(
        &self,
        actor: ParticipantId,
        command: Command,
        idem: Option<Idem>,
    ) -> Result<Outcome, SeqError> {
        self.submit_at(actor, command, idem, None).await
    }

    /// Submits a command stamped `at_ms` (at most now, at least the market's clock;
    /// `None`: now) and waits for its durable outcome. Only the demo backdates, to write
    /// its history.
    pub(crate) async fn submit_at(
        &self,
        actor: ParticipantId,
        command: Command,
        idem: Option<Idem>,
        at_ms: Option<u64>,
    ) -> Result<Outcome, SeqError> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Submit {
            actor,
            command,
            idem,
            at_ms,
            reply,
        })?;
        rx.await.map_err(|_| SeqError::Stopped)?
    }

    /// Writes webhook changes and waits until they are durable.
    pub async fn write_webhooks(
        &self,
        writes: Vec<megawatt_store::outbox::WebhookWrite>,
    ) -> Result<(), SeqError> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Webhooks { writes, reply })?;
        rx.await.map_err(|_| SeqError::Stopped)?
    }

    /// Revokes API keys and waits until that is durable.
    pub async fn revoke_keys(&self, keys: Vec<megawatt_store::RevokedKey>) -> Result<(), SeqError> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::RevokeKeys { keys, reply })?;
        rx.await.map_err(|_| SeqError::Stopped)?
    }

    /// Reads the snapshot replica's engine (the committed state, a moment behind the
    /// sequencer), never stalling the sequencer: `f` is given the engine and its journal
    /// position. `None` when there is no replica, it stopped, or `REPLICA_QUERIES_MAX`
    /// reads are in flight already (the caller reads the read model instead).
    pub async fn replica_query<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine, u64) -> R + Send + 'static,
    ) -> Option<R> {
        let (tx, permits) = self.replica.as_ref()?;
        // The permit goes with the read: it is given back when the read has run (or is
        // dropped unrun), never when the caller stops waiting, so the queue never holds
        // more reads than permits.
        let permit = permits.clone().try_acquire_owned().ok()?;
        let (reply, rx) = oneshot::channel();
        let work = replica::Work::Query(Box::new(move |e, seq| {
            let _permit = permit;
            let _ = reply.send(f(e, seq));
        }));
        tx.try_send(work).ok()?;
        rx.await.ok()
    }

    /// Reads the committed state.
    pub async fn query<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> R + Send + 'static,
    ) -> Result<R, SeqError> {
        let (tx, rx) = oneshot::channel();
        self.send(Request::Query(Box::new(move |e| {
            let _ = tx.send(f(e));
        })))?;
        rx.await.map_err(|_| SeqError::Stopped)
    }
}

/// The command as the sequencer stamps it: now (or `at_ms`, if earlier), never before
/// the market's clock, and on a manual clock the hour an operator's tick names (the engine still refuses ticks
/// that go back). A dry run stamps the same way.
pub fn envelope(
    engine: &Engine,
    manual_clock: bool,
    actor: ParticipantId,
    command: Command,
    at_ms: Option<u64>,
) -> Envelope {
    let now = at_ms.map_or_else(now_ms, |at| at.min(now_ms()));
    let mut time_ms = now.max(engine.clock_ms());
    if let (true, Command::Tick { hour }) = (manual_clock, &command) {
        time_ms = time_ms.max(hour.start_ms());
    }
    Envelope {
        time_ms,
        actor,
        command,
    }
}

/// Milliseconds since the epoch, from the system clock.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Starts the sequencer thread over a recovered engine. The thread ends when every
/// handle is dropped (after finishing the batch in hand) or when a commit fails; its
/// join handle then returns the failure, if any.
pub fn start(
    engine: Engine,
    last_seq: u64,
    store: Box<dyn Store>,
    market: Arc<Feed>,
    snapshot_every: u64,
    manual_clock: bool,
) -> (Sequencer, std::thread::JoinHandle<Result<(), StoreError>>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(COMMANDS_QUEUE_LEN);
    let stats = Arc::new(SeqStats::default());
    stats.last_seq.store(last_seq, Ordering::Relaxed);
    stats.clock_ms.store(engine.clock_ms(), Ordering::Release);
    let engine_copy = if snapshot_every > 0 {
        engine.clone()
    } else {
        Engine::new()
    };
    let names = Arc::new(engine.names());
    let (names_tx, names_rx) = watch::channel(names.clone());
    let replica =
        (snapshot_every > 0).then(|| Replica::start(engine_copy, last_seq, snapshot_every));
    let reads = replica.as_ref().and_then(|r| r.batches.clone()).map(|tx| {
        let permits = Arc::new(tokio::sync::Semaphore::new(
            crate::limits::REPLICA_QUERIES_MAX,
        ));
        (tx, permits)
    });
    let worker = Worker {
        names,
        names_tx,
        engine,
        store,
        seq: last_seq,
        stats: stats.clone(),
        replica,
        last_forget_hour: 0,
        market,
        manual_clock,
        names_grew: false,
        tops: Vec::new(),
    };
    let handle = std::thread::Builder::new()
        .name("sequencer".into())
        .spawn(move || worker.run(rx))
        .expect("spawn sequencer thread");
    (
        Sequencer {
            tx,
            stats,
            names: names_rx,
            replica: reads,
        },
        handle,
    )
}
