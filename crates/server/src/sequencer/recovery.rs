//! Recovery: the engine rebuilt from the newest valid snapshot and the journal after
//! it, read and decoded on a second thread a chunk ahead of the engine.

use megawatt_engine::Engine;
use megawatt_engine::command::Envelope;
use megawatt_store::{Store, StoreError};

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
