//! The ordered write queue of the webhooks: every change of an endpoint is queued
//! with the registry locked (so the queue's order is the order of the changes), and one
//! writer task sends what waits to the sequencer, all at once, in order.

use super::{Queued, Registry, Webhooks};
use crate::problem::Problem;
use crate::sequencer::SeqError;
use megawatt_store::outbox::WebhookWrite;
use std::sync::Arc;
use tokio::sync::oneshot;

impl Webhooks {
    /// Queues writes (called with the registry locked, so that they go out in the order
    /// of the changes they record).
    pub(super) fn enqueue(
        &self,
        reg: &mut Registry,
        writes: Vec<WebhookWrite>,
        done: Option<oneshot::Sender<Result<(), SeqError>>>,
    ) {
        if reg.closed {
            if let Some(done) = done {
                let _ = done.send(Err(SeqError::Stopped));
            }
            return;
        }
        reg.queue.push_back((writes, done));
        self.queued.notify_one();
    }

    /// Sends the queued writes to the sequencer, all that are waiting in one request,
    /// in order; retries while the sequencer is busy; ends when the server stops and
    /// the queue is empty.
    pub(super) async fn writer(self: Arc<Self>) {
        let mut stopping = self.stopping.clone();
        loop {
            let taken: Vec<Queued> = self.lock().queue.drain(..).collect();
            if taken.is_empty() {
                if *stopping.borrow() {
                    self.close();
                    return;
                }
                tokio::select! {
                    () = self.queued.notified() => {}
                    _ = stopping.changed() => {}
                }
                continue;
            }
            let writes: Vec<WebhookWrite> = taken.iter().flat_map(|(w, _)| w.clone()).collect();
            let result = loop {
                match self.seq.write_webhooks(writes.clone()).await {
                    Err(SeqError::Busy) => {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await
                    }
                    other => break other,
                }
            };
            let stopped = result.is_err();
            for (_, done) in taken {
                if let Some(done) = done {
                    let _ = done.send(result.clone());
                }
            }
            if stopped {
                self.close();
                return;
            }
        }
    }

    /// The writer ends: whatever is still queued is answered `Stopped`, and later
    /// writes are refused at once.
    fn close(&self) {
        let mut reg = self.lock();
        reg.closed = true;
        for (_, done) in reg.queue.drain(..) {
            if let Some(done) = done {
                let _ = done.send(Err(SeqError::Stopped));
            }
        }
    }

    /// Queues writes (with the registry locked) and gives what tells when they are
    /// durable.
    pub(super) fn queue_durable(
        &self,
        reg: &mut Registry,
        writes: Vec<WebhookWrite>,
    ) -> oneshot::Receiver<Result<(), SeqError>> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(reg, writes, Some(tx));
        rx
    }
}

/// Waits until queued writes are durable.
pub(super) async fn durable(done: oneshot::Receiver<Result<(), SeqError>>) -> Result<(), Problem> {
    done.await
        .map_err(|_| SeqError::Stopped)
        .and_then(|r| r)
        .map_err(crate::sequencer::seq_problem)
}
