//! The snapshot replica: a second engine on its own thread that applies every committed
//! batch after the sequencer and serializes itself every N commands, so snapshots never
//! pause the sequencer.

use crate::limits::REPLICA_QUEUE_BATCHES;
use megawatt_engine::Engine;
use megawatt_engine::command::Envelope;
use megawatt_store::Snapshot;
use std::sync::mpsc::{Receiver, SyncSender};

/// A replica of the engine on its own thread. It applies every committed batch after
/// the sequencer and serializes itself every N commands, so that snapshots never pause
/// the sequencer (the cost is a second copy of the state and of the apply work).
pub(super) struct Replica {
    /// Committed batches' commands, in order (bounded: a lagging replica slows the
    /// sequencer rather than growing without limit).
    pub(super) batches: Option<SyncSender<Vec<(u64, Envelope)>>>,
    /// Finished snapshots.
    snapshots: Receiver<Snapshot>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Replica {
    pub(super) fn start(mut engine: Engine, mut seq: u64, every: u64) -> Replica {
        let (batches, rx) =
            std::sync::mpsc::sync_channel::<Vec<(u64, Envelope)>>(REPLICA_QUEUE_BATCHES);
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
        drop(self.batches.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.newest()
    }
}
