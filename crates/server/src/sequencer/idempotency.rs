//! Idempotency: the answer to a request retried with the same `Idempotency-Key`, from
//! this batch (not yet in the store) or from the store, and the records a batch writes.

use super::{Idem, SeqError};
use megawatt_engine::ids::ParticipantId;
use megawatt_store::{Batch, IdempotencyRecord, Outcome, Store};
use std::collections::HashMap;

/// What an earlier request with the same key says about this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Earlier {
    /// No earlier request: act on this one.
    Fresh,
    /// The same request was answered before: this is its answer.
    Replay(Outcome),
    /// The key was used with another request.
    Conflict,
}

/// Answers given with idempotency keys in the batch at hand, before they reach the
/// store, by (participant, key): the request's hash and the answer.
#[derive(Debug, Default)]
pub(super) struct Recent(HashMap<(ParticipantId, String), ([u8; 32], Outcome)>);

impl Recent {
    /// The earlier answer for `actor`'s `idem`, looked up in this batch, then in the
    /// store among answers made since `since_ms`.
    pub(super) fn earlier(
        &self,
        store: &mut dyn Store,
        actor: ParticipantId,
        idem: &Idem,
        since_ms: u64,
    ) -> Result<Earlier, SeqError> {
        let found = match self.0.get(&(actor, idem.key.clone())) {
            Some((hash, outcome)) => Some((*hash, outcome.clone())),
            None => store
                .idempotency(actor, &idem.key, since_ms)
                .map_err(|e| {
                    tracing::error!(error = %e, "idempotency lookup failed");
                    SeqError::Stopped
                })?
                .map(|r| (r.request_hash, r.outcome)),
        };
        Ok(match found {
            None => Earlier::Fresh,
            Some((hash, outcome)) if hash == idem.hash => Earlier::Replay(outcome),
            Some(_) => Earlier::Conflict,
        })
    }

    /// Remembers `outcome` as the answer to `actor`'s `idem`, here and in the batch's
    /// idempotency records (written with the batch).
    pub(super) fn record(
        &mut self,
        batch: &mut Batch,
        actor: ParticipantId,
        idem: Idem,
        outcome: Outcome,
        now_ms: u64,
    ) {
        self.0
            .insert((actor, idem.key.clone()), (idem.hash, outcome.clone()));
        batch.idempotency.push(IdempotencyRecord {
            participant: actor,
            key: idem.key,
            request_hash: idem.hash,
            outcome,
            created_ms: now_ms,
        });
    }
}
