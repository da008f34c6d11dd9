//! The snapshot replica: a second engine on its own thread that applies every committed
//! batch after the sequencer and serializes itself every N commands, so snapshots never
//! pause the sequencer. Between batches it also answers reads of the whole state that
//! must not run on the sequencer (a participant's position now): at most
//! `REPLICA_QUERIES_MAX` at once, so they never fill the queue the sequencer sends to.

use crate::limits::{REPLICA_QUERIES_MAX, REPLICA_QUEUE_BATCHES};
use megawatt_engine::Engine;
use megawatt_engine::command::Envelope;
use megawatt_store::Snapshot;
use std::sync::mpsc::{Receiver, SyncSender};

/// A read of the replica's engine, given the journal position it stands at.
pub type ReplicaQuery = Box<dyn FnOnce(&Engine, u64) + Send>;

/// What the replica's thread is sent, in order.
pub(super) enum Work {
    /// A committed batch's commands, with their journal positions.
    Batch(Vec<(u64, Envelope)>),
    /// A read, answered after the batches sent before it.
    Query(ReplicaQuery),
    /// Stop after what was sent before (the sequencer's readers hold senders too, so
    /// the channel alone never closes).
    Stop,
}

/// A replica of the engine on its own thread. It applies every committed batch after
/// the sequencer and serializes itself every N commands, so that snapshots never pause
/// the sequencer (the cost is a second copy of the state and of the apply work).
pub(super) struct Replica {
    /// Committed batches' commands, in order (bounded: a lagging replica slows the
    /// sequencer rather than growing without limit).
    pub(super) batches: Option<SyncSender<Work>>,
    /// Finished snapshots.
    snapshots: Receiver<Snapshot>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Replica {
    pub(super) fn start(mut engine: Engine, mut seq: u64, every: u64) -> Replica {
        // Room for every read allowed at once, beside the batches.
        let (batches, rx) =
            std::sync::mpsc::sync_channel::<Work>(REPLICA_QUEUE_BATCHES + REPLICA_QUERIES_MAX);
        let (done, snapshots) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("snapshotter".into())
            .spawn(move || {
                let mut since = 0;
                let mut events = Vec::new();
                for work in rx {
                    let batch = match work {
                        Work::Batch(b) => b,
                        Work::Query(q) => {
                            // A read that panics loses its answer, not the replica.
                            let read = std::panic::AssertUnwindSafe(|| q(&engine, seq));
                            if std::panic::catch_unwind(read).is_err() {
                                tracing::error!(seq, "a read of the replica panicked");
                            }
                            continue;
                        }
                        Work::Stop => break,
                    };
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
        Replica {
            batches: Some(batches),
            snapshots,
            thread: Some(thread),
        }
    }

    /// The newest finished snapshot, if any.
    pub(super) fn newest(&self) -> Option<Snapshot> {
        self.snapshots.try_iter().last()
    }

    /// Stops the replica after it has applied everything sent; its newest snapshot.
    pub(super) fn finish(mut self) -> Option<Snapshot> {
        if let Some(tx) = self.batches.take() {
            let _ = tx.send(Work::Stop);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.newest()
    }
}

impl Drop for Replica {
    /// A replica dropped without `finish` (the sequencer failing) stops too, once it has
    /// applied what it was sent (the send waits for room; it fails at once if the
    /// thread has ended).
    fn drop(&mut self) {
        if let Some(tx) = self.batches.take() {
            let _ = tx.send(Work::Stop);
        }
    }
}
