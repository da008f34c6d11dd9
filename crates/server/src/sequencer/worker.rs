//! The batch loop: takes requests from the queue in batches, stamps and applies each
//! command, commits the batch, then answers the callers, publishes market data and runs
//! the queries that waited. A failed commit stops the loop (fail-stop).

use super::idempotency::{Earlier, Recent};
use super::replica::Replica;
use super::{Idem, KeyAnswer, Query, Request, SeqError, SeqStats, now_ms};
use crate::feed::Feed;
use crate::limits::{
    BATCH_COMMANDS_MAX, EVENTS_PRUNE_EVERY_COMMANDS, EVENTS_WINDOW_COMMANDS, IDEMPOTENCY_TTL_MS,
};
use megawatt_engine::Engine;
use megawatt_engine::catalog::Names;
use megawatt_engine::command::Command;
use megawatt_engine::ids::ParticipantId;
use megawatt_store::{Applied, Batch, NewKey, Outcome, Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::time::Instant;
use tokio::sync::{oneshot, watch};

/// The sequencer's thread state.
pub(super) struct Worker {
    pub(super) engine: Engine,
    pub(super) store: Box<dyn Store>,
    pub(super) seq: u64,
    pub(super) stats: Arc<SeqStats>,
    pub(super) market: Arc<Feed>,
    /// The replica that makes snapshots (none when they are off).
    pub(super) replica: Option<Replica>,
    /// The hour (since the epoch) of the last forgetting of old idempotency answers.
    pub(super) last_forget_hour: u64,
    /// Time moves only by the operator's ticks (simulations and tests).
    pub(super) manual_clock: bool,
    /// The names of every model and region the engine knows (replaced when it grows).
    pub(super) names: Arc<Names>,
    /// Where the names go after each commit that grew them.
    pub(super) names_tx: watch::Sender<Arc<Names>>,
    /// The names grew in the batch in hand (they go out after its commit).
    pub(super) names_grew: bool,
    /// Each book's top as last published on the feed.
    pub(super) tops: crate::feed::Tops,
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
    /// Webhook changes, durable once answered.
    Written(oneshot::Sender<Result<(), SeqError>>),
}

/// Answers every caller of a batch whose commit failed: the sequencer has stopped.
fn stopped(pending: Vec<Pending>) {
    for p in pending {
        match p {
            Pending::Outcome(tx, _) | Pending::Applied(tx, _) => {
                drop(tx.send(Err(SeqError::Stopped)))
            }
            Pending::Key(tx, _) => drop(tx.send(Err(SeqError::Stopped))),
            Pending::Written(tx) => drop(tx.send(Err(SeqError::Stopped))),
        }
    }
}

/// Answers every caller of a committed batch (accepted commands get their events,
/// moved out of the batch).
fn answer(pending: Vec<Pending>, batch: &mut Batch) {
    for p in pending {
        match p {
            Pending::Outcome(tx, answer) => drop(tx.send(answer)),
            Pending::Applied(tx, i) => {
                let a = &mut batch.applied[i];
                let events = std::mem::take(&mut a.events);
                drop(tx.send(Ok(Outcome::Accepted { seq: a.seq, events })));
            }
            Pending::Key(tx, answer) => drop(tx.send(answer)),
            Pending::Written(tx) => drop(tx.send(Ok(()))),
        }
    }
}

/// For a batch of the commands `first..=last`: the journal position up to which the
/// event log forgets (keeping the latest `window`), when the batch passes a multiple
/// of `every`.
fn window_cut(first: u64, last: u64, window: u64, every: u64) -> Option<u64> {
    let crossed = first.div_ceil(every) <= last / every;
    (crossed && last > window).then(|| last - window)
}

/// What `Worker::submit` gives back: an answer now, or an index into the batch.
enum Answer {
    Ready(Result<Outcome, SeqError>),
    Applied(usize),
}

impl Worker {
    pub(super) fn run(mut self, rx: Receiver<Request>) -> Result<(), StoreError> {
        while let Ok(first) = rx.recv() {
            let mut requests = vec![first];
            while requests.len() < BATCH_COMMANDS_MAX {
                match rx.try_recv() {
                    Ok(r) => requests.push(r),
                    Err(_) => break,
                }
            }
            self.stats
                .queued
                .fetch_sub(requests.len() as u64, Ordering::Relaxed);
            self.batch(requests)?;
        }
        // Shutting down: the replica finishes, and its newest snapshot is written.
        if let Some(snapshot) = self.replica.take().and_then(Replica::finish) {
            let batch = Batch {
                snapshot: Some(snapshot),
                ..Batch::default()
            };
            self.store.commit(&batch)?;
            self.stats.snapshots.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Hands a committed batch's commands to the replica.
    fn follow(&self, batch: &Batch) {
        if let Some(tx) = self.replica.as_ref().and_then(|r| r.batches.as_ref())
            && !batch.applied.is_empty()
        {
            let _ = tx.send(super::replica::Work::Batch(
                batch
                    .applied
                    .iter()
                    .map(|a| (a.seq, a.envelope.clone()))
                    .collect(),
            ));
        }
    }

    /// Applies, commits and answers one batch.
    fn batch(&mut self, requests: Vec<Request>) -> Result<(), StoreError> {
        let mut batch = self.new_batch();
        let (pending, queries) = self.apply(requests, &mut batch);
        let grew = match self.commit(&mut batch, pending.len()) {
            Ok(grew) => grew,
            Err(e) => {
                stopped(pending);
                return Err(e);
            }
        };
        // Names first: whatever an answer or event names, a reader can look up.
        if grew {
            self.names_tx.send_replace(self.names.clone());
        }
        self.follow(&batch);
        for row in std::mem::take(&mut batch.feed) {
            self.market.publish(Arc::new(row));
        }
        answer(pending, &mut batch);
        for q in queries {
            q(&self.engine);
        }
        Ok(())
    }

    /// A new batch: the replica's newest snapshot, and (once an hour) the cut-off of
    /// idempotency answers to forget.
    fn new_batch(&mut self) -> Batch {
        let snapshot = self.replica.as_ref().and_then(Replica::newest);
        if snapshot.is_some() {
            self.stats.snapshots.fetch_add(1, Ordering::Relaxed);
        }
        let hour = now_ms() / megawatt_engine::units::MS_PER_HOUR;
        let forget = (hour > self.last_forget_hour).then(|| {
            self.last_forget_hour = hour;
            now_ms().saturating_sub(IDEMPOTENCY_TTL_MS)
        });
        Batch {
            snapshot,
            forget_idempotency_before: forget,
            ..Batch::default()
        }
    }

    /// Applies the requests to the engine and the batch; the answers to give after the
    /// commit, and the queries to run then.
    fn apply(&mut self, requests: Vec<Request>, batch: &mut Batch) -> (Vec<Pending>, Vec<Query>) {
        let mut pending = Vec::with_capacity(requests.len());
        let mut queries = Vec::new();
        let mut recent = Recent::default();
        for r in requests {
            match r {
                Request::Submit {
                    actor,
                    command,
                    idem,
                    at_ms,
                    reply,
                } => pending.push(
                    match self.submit((actor, at_ms), command, idem, batch, &mut recent) {
                        Answer::Ready(answer) => Pending::Outcome(reply, answer),
                        Answer::Applied(i) => Pending::Applied(reply, i),
                    },
                ),
                Request::CreateKey {
                    actor,
                    key,
                    idem,
                    reply,
                } => {
                    let answer = self.create_key(actor, key, idem, batch, &mut recent);
                    pending.push(Pending::Key(reply, answer));
                }
                Request::Webhooks { writes, reply } => {
                    batch.webhooks.extend(writes);
                    pending.push(Pending::Written(reply));
                }
                Request::RevokeKeys { keys, reply } => {
                    batch.revoked_keys.extend(keys);
                    pending.push(Pending::Written(reply));
                }
                Request::Query(q) => queries.push(q),
            }
        }
        (pending, queries)
    }

    /// Commits the batch with the names its events need (taken again if the catalog
    /// grew; true then) and counts it.
    fn commit(&mut self, batch: &mut Batch, requests: usize) -> Result<bool, StoreError> {
        self.refresh_names();
        let grew = std::mem::take(&mut self.names_grew);
        batch.names = self.names.clone();
        batch.forget_feed_through = self.feed_window_moves(batch);
        let t0 = Instant::now();
        if let Err(e) = self.store.commit(batch) {
            tracing::error!(error = %e, requests, "commit failed; stopping the sequencer (restart recovers from the journal)");
            return Err(e);
        }
        if !batch.is_empty() {
            self.stats.commits.fetch_add(1, Ordering::Relaxed);
            let us = t0.elapsed().as_micros() as u64;
            self.stats.commit_us.fetch_add(us, Ordering::Relaxed);
            self.stats.commit_latency.observe(us);
            self.stats
                .batch_commands
                .observe(batch.applied.len() as u64);
        }
        self.stats.last_seq.store(self.seq, Ordering::Relaxed);
        // Before the batch is answered: a client sees the clock its tick moved.
        let clock = self.engine.clock_ms();
        self.stats.clock_ms.store(clock, Ordering::Release);
        Ok(grew)
    }

    /// Takes the engine's names again if its catalog grew since they were taken.
    fn refresh_names(&mut self) {
        if !self.engine.names_current(&self.names) {
            self.names = Arc::new(self.engine.names());
            self.names_grew = true;
        }
    }

    /// The journal position up to which the event log forgets, when this batch takes the
    /// journal past a multiple of [`EVENTS_PRUNE_EVERY_COMMANDS`]: the log keeps the
    /// events of the latest [`EVENTS_WINDOW_COMMANDS`] commands (and up to one prune
    /// period more).
    fn feed_window_moves(&self, batch: &Batch) -> Option<u64> {
        let first = batch.applied.first()?.seq;
        window_cut(
            first,
            self.seq,
            EVENTS_WINDOW_COMMANDS,
            EVENTS_PRUNE_EVERY_COMMANDS,
        )
    }

    /// Applies one command (or answers it from the idempotency records).
    fn submit(
        &mut self,
        (actor, at_ms): (ParticipantId, Option<u64>),
        command: Command,
        idem: Option<Idem>,
        batch: &mut Batch,
        recent: &mut Recent,
    ) -> Answer {
        if let Some(idem) = &idem {
            match self.earlier(actor, idem, recent) {
                Ok(Earlier::Fresh) => {}
                Ok(Earlier::Replay(outcome)) => return Answer::Ready(Ok(outcome)),
                Ok(Earlier::Conflict) => {
                    return Answer::Ready(Err(SeqError::IdempotencyConflict));
                }
                Err(e) => return Answer::Ready(Err(e)),
            }
        }
        let envelope = super::envelope(&self.engine, self.manual_clock, actor, command, at_ms);
        let mut events = Vec::new();
        let outcome = match self.engine.apply(&envelope, &mut events) {
            Ok(()) => {
                self.seq += 1;
                self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                let seq = self.seq;
                self.refresh_names();
                let mut rows =
                    crate::feed::render(&self.engine, &self.names, seq, envelope.time_ms, &events);
                let at = (seq, envelope.time_ms);
                let tops = (&mut self.tops, &mut rows);
                crate::feed::top_changes(&self.engine, &self.names, at, &events, tops);
                batch.feed.extend(rows);
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
            recent.record(batch, actor, idem, outcome.clone(), now_ms());
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
        recent: &mut Recent,
    ) -> Result<KeyAnswer, SeqError> {
        if let Some(idem) = &idem {
            match self.earlier(actor, idem, recent)? {
                Earlier::Fresh => {}
                Earlier::Replay(outcome) => return Ok(KeyAnswer::Replay(outcome)),
                Earlier::Conflict => return Err(SeqError::IdempotencyConflict),
            }
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
            recent.record(batch, actor, idem, outcome, now_ms());
        }
        batch.keys.push(key);
        Ok(KeyAnswer::Created { operator })
    }

    /// The answer to an earlier request with the same idempotency key, if any (counted
    /// as a replay when it is one).
    fn earlier(
        &mut self,
        actor: ParticipantId,
        idem: &Idem,
        recent: &Recent,
    ) -> Result<Earlier, SeqError> {
        let since_ms = now_ms().saturating_sub(IDEMPOTENCY_TTL_MS);
        let earlier = recent.earlier(self.store.as_mut(), actor, idem, since_ms)?;
        if let Earlier::Replay(_) = earlier {
            self.stats.replays.fetch_add(1, Ordering::Relaxed);
        }
        Ok(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::window_cut;

    #[test]
    fn the_event_log_window_moves_when_a_batch_passes_a_multiple() {
        // Window 100, every 10: nothing is cut before the journal passes 100.
        assert_eq!(window_cut(95, 100, 100, 10), None);
        assert_eq!(
            window_cut(101, 109, 100, 10),
            None,
            "no multiple of 10 passed"
        );
        assert_eq!(window_cut(101, 110, 100, 10), Some(10));
        assert_eq!(window_cut(110, 110, 100, 10), Some(10));
        assert_eq!(
            window_cut(111, 135, 100, 10),
            Some(35),
            "a batch over several multiples"
        );
        assert_eq!(window_cut(1, 1, 100, 10), None);
    }
}
