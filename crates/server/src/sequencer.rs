//! The sequencer: one thread owns the engine and the store's writer. It takes requests
//! from a bounded queue in batches, stamps each command with the time, applies it,
//! writes the whole batch (journal, query tables, idempotency records, keys) in one
//! transaction with fsync, and only then answers the callers and publishes market data
//! (group commit). A command is acknowledged only once it is durable.
//!
//! If a commit fails, the engine holds changes that are not durable: the sequencer
//! answers every caller of the batch with an error and stops (fail-stop); a restart
//! recovers from the journal.

use crate::market_data::{self, MarketEvent};
use megawatt_engine::Engine;
use megawatt_engine::command::{Command, Envelope};
use megawatt_engine::ids::ParticipantId;
use megawatt_store::{
    Applied, Batch, IdempotencyRecord, NewKey, Outcome, Snapshot, Store, StoreError,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{broadcast, oneshot};

/// Most requests waiting for the sequencer; beyond, callers get "busy".
pub const QUEUE_DEPTH: usize = 16_384;
/// Most requests in one commit.
pub const MAX_BATCH: usize = 4_096;
/// How long an idempotency key's answer is remembered (24 hours).
pub const IDEMPOTENCY_TTL_MS: u64 = 24 * 3_600_000;

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

/// Counters the sequencer keeps, for `/metrics`.
#[derive(Debug, Default)]
pub struct SeqStats {
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
}

/// A handle to send requests to the sequencer.
#[derive(Clone)]
pub struct Sequencer {
    tx: SyncSender<Request>,
    /// Its counters.
    pub stats: Arc<SeqStats>,
}

impl Sequencer {
    /// Queues a request without waiting; `Busy` when the queue is full.
    pub fn send(&self, r: Request) -> Result<(), SeqError> {
        self.tx.try_send(r).map_err(|e| match e {
            TrySendError::Full(_) => SeqError::Busy,
            TrySendError::Disconnected(_) => SeqError::Stopped,
        })
    }

    /// Submits a command and waits for its durable outcome.
    pub async fn submit(
        &self,
        actor: ParticipantId,
        command: Command,
        idem: Option<Idem>,
    ) -> Result<Outcome, SeqError> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Submit {
            actor,
            command,
            idem,
            reply,
        })?;
        rx.await.map_err(|_| SeqError::Stopped)?
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

/// Milliseconds since the epoch, from the system clock.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Rebuilds the engine from the store's journal.
/// How a start recovered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// The journal position of the snapshot restored (0: none, replayed from the start).
    pub snapshot_seq: u64,
    /// Journal records replayed after it.
    pub replayed: u64,
    /// The last journal position.
    pub last_seq: u64,
}

/// Rebuilds the engine from the newest valid snapshot and the journal after it.
pub fn recover(store: &mut dyn Store) -> Result<(Engine, Recovery), StoreError> {
    // The newest snapshot that decodes; an older one, or the start, otherwise.
    let mut start = (Engine::new(), 0);
    for s in store.snapshots()?.into_iter().rev() {
        match Engine::restore(&s.state) {
            Ok(e) => {
                start = (e, s.seq);
                break;
            }
            Err(e) => {
                tracing::warn!(seq = s.seq, error = %e, "snapshot unreadable; trying an older one")
            }
        }
    }
    let (mut engine, from) = start;
    // One thread reads and decodes the journal a chunk ahead while this one applies.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(u64, Envelope)>>(4);
    let (last, replayed) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || store.journal_chunks(from, &mut |c| tx.send(c).is_ok()));
        let applied = apply_chunks(&mut engine, from, rx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(StoreError("the journal reader panicked".into())));
        // A read error explains a short journal better than what applying found.
        read.and(applied)
    })?;
    let recovery = Recovery {
        snapshot_seq: from,
        replayed,
        last_seq: last,
    };
    Ok((engine, recovery))
}

/// Applies journal chunks as they arrive; returns the last position and the count.
fn apply_chunks(
    engine: &mut Engine,
    from: u64,
    rx: std::sync::mpsc::Receiver<Vec<(u64, Envelope)>>,
) -> Result<(u64, u64), StoreError> {
    let mut events = Vec::new();
    let (mut last, mut replayed) = (from, 0u64);
    for chunk in rx {
        for (seq, env) in &chunk {
            events.clear();
            engine.apply(env, &mut events).map_err(|r| {
                StoreError(format!(
                    "journal record {seq} is rejected on replay ({r}); the store is inconsistent"
                ))
            })?;
            last = *seq;
        }
        replayed += chunk.len() as u64;
    }
    Ok((last, replayed))
}

/// The sequencer's thread state.
struct Worker {
    engine: Engine,
    store: Box<dyn Store>,
    seq: u64,
    stats: Arc<SeqStats>,
    market: broadcast::Sender<MarketEvent>,
    /// The replica that makes snapshots (none when they are off).
    follower: Option<Follower>,
    /// The hour (since the epoch) of the last forgetting of old idempotency answers.
    last_forget_hour: u64,
    /// Time moves only by the operator's ticks (simulations and tests).
    manual_clock: bool,
}

/// A replica of the engine on its own thread. It applies every committed batch after
/// the sequencer and serializes itself every N commands, so that snapshots never pause
/// the sequencer (the cost is a second copy of the state and of the apply work).
struct Follower {
    /// Committed batches' commands, in order (bounded: a lagging replica slows the
    /// sequencer rather than growing without limit).
    batches: Option<SyncSender<Vec<(u64, Envelope)>>>,
    /// Finished snapshots.
    snapshots: Receiver<Snapshot>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Batches the replica may fall behind by.
const FOLLOWER_QUEUE: usize = 256;

impl Follower {
    fn start(mut engine: Engine, mut seq: u64, every: u64) -> Follower {
        let (batches, rx) = std::sync::mpsc::sync_channel::<Vec<(u64, Envelope)>>(FOLLOWER_QUEUE);
        let (done, snapshots) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("snapshotter".into())
            .spawn(move || {
                let mut since = 0;
                let mut events = Vec::new();
                for batch in rx {
                    for (at, env) in &batch {
                        events.clear();
                        // The replica's position must follow the journal's, one by one.
                        if *at != seq + 1 || engine.apply(env, &mut events).is_err() {
                            tracing::error!(seq, at, "the replica diverged; no more snapshots");
                            return;
                        }
                        seq = *at;
                    }
                    since += batch.len() as u64;
                    if since >= every {
                        since = 0;
                        let _ = done.send(Snapshot {
                            seq,
                            state: engine.snapshot(),
                        });
                    }
                }
            })
            .expect("spawn snapshotter thread");
        Follower {
            batches: Some(batches),
            snapshots,
            thread: Some(thread),
        }
    }

    /// The newest finished snapshot, if any.
    fn newest(&self) -> Option<Snapshot> {
        self.snapshots.try_iter().last()
    }

    /// Stops the replica after it has applied everything sent; its newest snapshot.
    fn finish(mut self) -> Option<Snapshot> {
        drop(self.batches.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.newest()
    }
}

/// Starts the sequencer thread over a recovered engine. The thread ends when every
/// handle is dropped (after finishing the batch in hand) or when a commit fails; its
/// join handle then returns the failure, if any.
pub fn start(
    engine: Engine,
    last_seq: u64,
    store: Box<dyn Store>,
    market: broadcast::Sender<MarketEvent>,
    snapshot_every: u64,
    manual_clock: bool,
) -> (Sequencer, std::thread::JoinHandle<Result<(), StoreError>>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE_DEPTH);
    let stats = Arc::new(SeqStats::default());
    stats.last_seq.store(last_seq, Ordering::Relaxed);
    let engine_copy = if snapshot_every > 0 {
        engine.clone()
    } else {
        Engine::new()
    };
    let worker = Worker {
        engine,
        store,
        seq: last_seq,
        stats: stats.clone(),
        follower: (snapshot_every > 0)
            .then(|| Follower::start(engine_copy, last_seq, snapshot_every)),
        last_forget_hour: 0,
        market,
        manual_clock,
    };
    let handle = std::thread::Builder::new()
        .name("sequencer".into())
        .spawn(move || worker.run(rx))
        .expect("spawn sequencer thread");
    (Sequencer { tx, stats }, handle)
}

/// A reply channel for a submitted command.
type Reply = oneshot::Sender<Result<Outcome, SeqError>>;

/// An answer held until the batch is durable.
enum Pending {
    /// A ready answer (a rejection, a replay, or an acceptance with an idempotency key).
    Outcome(Reply, Result<Outcome, SeqError>),
    /// An acceptance: its events are moved out of `batch.applied[i]` after the commit.
    Applied(Reply, usize),
    /// A key creation.
    Key(
        oneshot::Sender<Result<KeyAnswer, SeqError>>,
        Result<KeyAnswer, SeqError>,
    ),
}

/// What `Worker::submit` gives back: an answer now, or an index into the batch.
enum Answer {
    Ready(Result<Outcome, SeqError>),
    Applied(usize),
}

impl Worker {
    fn run(mut self, rx: Receiver<Request>) -> Result<(), StoreError> {
        while let Ok(first) = rx.recv() {
            let mut requests = vec![first];
            while requests.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(r) => requests.push(r),
                    Err(_) => break,
                }
            }
            self.batch(requests)?;
        }
        // Shutting down: the replica finishes, and its newest snapshot is written.
        if let Some(snapshot) = self.follower.take().and_then(Follower::finish) {
            let batch = Batch {
                snapshot: Some(snapshot),
                ..Batch::default()
            };
            self.store.commit(&batch, &self.engine)?;
            self.stats.snapshots.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Hands a committed batch's commands to the replica.
    fn follow(&self, batch: &Batch) {
        if let Some(tx) = self.follower.as_ref().and_then(|f| f.batches.as_ref())
            && !batch.applied.is_empty()
        {
            let _ = tx.send(
                batch
                    .applied
                    .iter()
                    .map(|a| (a.seq, a.envelope.clone()))
                    .collect(),
            );
        }
    }

    /// Applies, commits and answers one batch.
    fn batch(&mut self, requests: Vec<Request>) -> Result<(), StoreError> {
        let snapshot = self.follower.as_ref().and_then(Follower::newest);
        if snapshot.is_some() {
            self.stats.snapshots.fetch_add(1, Ordering::Relaxed);
        }
        // Once an hour, forget idempotency answers older than their time to live.
        let hour = now_ms() / 3_600_000;
        let forget = (hour > self.last_forget_hour).then(|| {
            self.last_forget_hour = hour;
            now_ms().saturating_sub(IDEMPOTENCY_TTL_MS)
        });
        let mut batch = Batch {
            snapshot,
            forget_idempotency_before: forget,
            ..Batch::default()
        };
        let mut pending = Vec::with_capacity(requests.len());
        let mut queries = Vec::new();
        let mut seen: HashMap<(ParticipantId, String), ([u8; 32], Outcome)> = HashMap::new();
        for r in requests {
            match r {
                Request::Submit {
                    actor,
                    command,
                    idem,
                    reply,
                } => {
                    pending.push(
                        match self.submit(actor, command, idem, &mut batch, &mut seen) {
                            Answer::Ready(answer) => Pending::Outcome(reply, answer),
                            Answer::Applied(i) => Pending::Applied(reply, i),
                        },
                    );
                }
                Request::CreateKey {
                    actor,
                    key,
                    idem,
                    reply,
                } => {
                    let answer = self.create_key(actor, key, idem, &mut batch, &mut seen);
                    pending.push(Pending::Key(reply, answer));
                }
                Request::Query(q) => queries.push(q),
            }
        }
        let t0 = Instant::now();
        if let Err(e) = self.store.commit(&batch, &self.engine) {
            tracing::error!(error = %e, "commit failed; stopping the sequencer (restart recovers from the journal)");
            for p in pending {
                match p {
                    Pending::Outcome(tx, _) | Pending::Applied(tx, _) => {
                        drop(tx.send(Err(SeqError::Stopped)))
                    }
                    Pending::Key(tx, _) => drop(tx.send(Err(SeqError::Stopped))),
                }
            }
            return Err(e);
        }
        if !batch.is_empty() {
            self.stats.commits.fetch_add(1, Ordering::Relaxed);
            self.stats
                .commit_us
                .fetch_add(t0.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
        self.stats.last_seq.store(self.seq, Ordering::Relaxed);
        self.follow(&batch);
        for a in &batch.applied {
            for e in &a.events {
                if let Some(m) = market_data::public(&self.engine, a.seq, e) {
                    let _ = self.market.send(m);
                }
            }
        }
        for p in pending {
            match p {
                Pending::Outcome(tx, answer) => drop(tx.send(answer)),
                Pending::Applied(tx, i) => {
                    let a = &mut batch.applied[i];
                    let events = std::mem::take(&mut a.events);
                    drop(tx.send(Ok(Outcome::Accepted { seq: a.seq, events })));
                }
                Pending::Key(tx, answer) => drop(tx.send(answer)),
            }
        }
        for q in queries {
            q(&self.engine);
        }
        Ok(())
    }

    /// Applies one command (or answers it from the idempotency records).
    fn submit(
        &mut self,
        actor: ParticipantId,
        command: Command,
        idem: Option<Idem>,
        batch: &mut Batch,
        seen: &mut HashMap<(ParticipantId, String), ([u8; 32], Outcome)>,
    ) -> Answer {
        if let Some(idem) = &idem {
            match self.earlier(actor, idem, seen) {
                Ok(None) => {}
                Ok(Some(answer)) => return Answer::Ready(answer),
                Err(e) => return Answer::Ready(Err(e)),
            }
        }
        let mut time_ms = now_ms().max(self.engine.clock_ms());
        // A manual clock moves to the hour an operator's tick names (the engine still
        // refuses ticks that go back).
        if let (true, Command::Tick { hour }) = (self.manual_clock, &command) {
            time_ms = time_ms.max(hour.start_ms());
        }
        let envelope = Envelope {
            time_ms,
            actor,
            command,
        };
        let mut events = Vec::new();
        let outcome = match self.engine.apply(&envelope, &mut events) {
            Ok(()) => {
                self.seq += 1;
                self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                let seq = self.seq;
                let outcome = idem.as_ref().map(|_| Outcome::Accepted {
                    seq,
                    events: events.clone(),
                });
                batch.applied.push(Applied {
                    seq,
                    envelope,
                    events,
                });
                match outcome {
                    Some(o) => o,
                    None => return Answer::Applied(batch.applied.len() - 1),
                }
            }
            Err(r) => {
                self.stats.rejected.fetch_add(1, Ordering::Relaxed);
                Outcome::rejected(&r)
            }
        };
        if let Some(idem) = idem {
            seen.insert((actor, idem.key.clone()), (idem.hash, outcome.clone()));
            batch.idempotency.push(IdempotencyRecord {
                participant: actor,
                key: idem.key,
                request_hash: idem.hash,
                outcome: outcome.clone(),
                created_ms: now_ms(),
            });
        }
        Answer::Ready(Ok(outcome))
    }

    /// Stores a new key (unless the request is a retry, or the participant unknown).
    fn create_key(
        &mut self,
        actor: ParticipantId,
        key: NewKey,
        idem: Option<Idem>,
        batch: &mut Batch,
        seen: &mut HashMap<(ParticipantId, String), ([u8; 32], Outcome)>,
    ) -> Result<KeyAnswer, SeqError> {
        if let Some(idem) = &idem
            && let Some(earlier) = self.earlier(actor, idem, seen)?
        {
            return earlier.map(KeyAnswer::Replay);
        }
        let Some(owner) = self.engine.participant(key.participant) else {
            return Ok(KeyAnswer::NoSuchParticipant);
        };
        let operator = owner.roles.operator;
        if let Some(idem) = idem {
            let outcome = Outcome::Rejected {
                rule: "key_already_issued".into(),
                field: "Idempotency-Key".into(),
                detail: format!(
                    "a key for {} ({}…) was already issued for this request, and keys are shown only once; to get another, create one with a new Idempotency-Key",
                    key.participant, key.prefix
                ),
            };
            seen.insert((actor, idem.key.clone()), (idem.hash, outcome.clone()));
            batch.idempotency.push(IdempotencyRecord {
                participant: actor,
                key: idem.key,
                request_hash: idem.hash,
                outcome,
                created_ms: now_ms(),
            });
        }
        batch.keys.push(key);
        Ok(KeyAnswer::Created { operator })
    }

    /// The stored answer to an earlier request with the same idempotency key, if any.
    fn earlier(
        &mut self,
        actor: ParticipantId,
        idem: &Idem,
        seen: &HashMap<(ParticipantId, String), ([u8; 32], Outcome)>,
    ) -> Result<Option<Result<Outcome, SeqError>>, SeqError> {
        let earlier = match seen.get(&(actor, idem.key.clone())) {
            Some((hash, outcome)) => Some((*hash, outcome.clone())),
            None => self
                .store
                .idempotency(
                    actor,
                    &idem.key,
                    now_ms().saturating_sub(IDEMPOTENCY_TTL_MS),
                )
                .map_err(|e| {
                    tracing::error!(error = %e, "idempotency lookup failed");
                    SeqError::Stopped
                })?
                .map(|r| (r.request_hash, r.outcome)),
        };
        Ok(earlier.map(|(hash, outcome)| {
            if hash == idem.hash {
                self.stats.replays.fetch_add(1, Ordering::Relaxed);
                Ok(outcome)
            } else {
                Err(SeqError::IdempotencyConflict)
            }
        }))
    }
}
