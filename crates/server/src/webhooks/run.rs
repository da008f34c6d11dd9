//! One endpoint's delivery task: read the owner's next events from the log, deliver the
//! next one of the endpoint's types, record the attempt, back off or move on, and wait
//! for the live feed when there is nothing to send.

use super::{Webhooks, backoff_ms, disabled_reason};
use crate::feed::{FeedRow, position};
use crate::limits::{EVENTS_REPLAY_PAGE, WEBHOOK_FAILURES_MAX, WEBHOOK_WRITES_QUEUED_MAX};
use megawatt_engine::ids::ParticipantId;
use megawatt_store::outbox::{WebhookRow, WebhookWrite};
use megawatt_store::reader::Audience;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::{Notify, watch};

/// What became of an attempt.
enum After {
    /// Delivered: on to the next event.
    Delivered,
    /// Failed: try again after this long.
    Retry(Duration),
    /// Failed for the last time, or the endpoint went away: the task ends.
    Stop,
}

/// Delivers for endpoint `id` until it is disabled or deleted, or the server stops.
pub(super) async fn run(hooks: Arc<Webhooks>, id: String, generation: u64) {
    let mut live = hooks.feed.subscribe();
    let mut stopping = hooks.stopping.clone();
    while !*stopping.borrow() {
        let Some((row, wake)) = hooks.snapshot(&id) else {
            break;
        };
        if !row.state.enabled {
            break;
        }
        let Some(rows) = hooks.next_rows(&id, &row).await else {
            pause(Duration::from_secs(1), &wake, &mut stopping).await;
            continue;
        };
        let Some(event) = rows.iter().find(|r| row.events.contains(&r.kind)) else {
            if let Some(last) = rows.last() {
                hooks.pass(&id, position(last));
            }
            if rows.len() < EVENTS_REPLAY_PAGE {
                wait_for_event(&mut live, row.participant, &wake, &mut stopping).await;
            }
            continue;
        };
        if hooks.backed_up() {
            pause(Duration::from_millis(50), &wake, &mut stopping).await;
            continue;
        }
        // Deleted or disabled meanwhile: no further delivery.
        if !hooks.snapshot(&id).is_some_and(|(r, _)| r.state.enabled) {
            break;
        }
        let attempt = row.state.failures + 1;
        let Some(answer) = hooks.deliver(&row, event, attempt).await else {
            break;
        };
        match hooks.record(&id, event, attempt, answer) {
            After::Delivered => {}
            After::Retry(delay) => pause(delay, &wake, &mut stopping).await,
            After::Stop => break,
        }
    }
    hooks.stopped(&id, generation);
}

/// Sleeps for `delay`, or until the endpoint is woken or the server stops.
async fn pause(delay: Duration, wake: &Notify, stopping: &mut watch::Receiver<bool>) {
    tokio::select! {
        () = tokio::time::sleep(delay) => {}
        () = wake.notified() => {}
        _ = stopping.wait_for(|s| *s) => {}
    }
}

/// Waits until the live feed carries an event of `owner` (or falls behind, or the
/// endpoint is woken, or the server stops).
async fn wait_for_event(
    live: &mut broadcast::Receiver<Arc<FeedRow>>,
    owner: ParticipantId,
    wake: &Notify,
    stopping: &mut watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            r = live.recv() => match r {
                Ok(row) if row.audience != Some(owner) => continue,
                Ok(_) | Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return,
            },
            () = wake.notified() => return,
            _ = stopping.wait_for(|s| *s) => return,
        }
    }
}

impl Webhooks {
    /// The endpoint as it stands, and what wakes its task.
    fn snapshot(&self, id: &str) -> Option<(WebhookRow, Arc<Notify>)> {
        let reg = self.lock();
        let ep = reg.endpoints.get(id)?;
        Some((ep.row.clone(), ep.wake.clone()))
    }

    /// The owner's next events after the cursor (a page); `None` if the log cannot be
    /// read. A cursor the log's window has passed moves to the log's floor (the events
    /// between are gone; the log says so).
    async fn next_rows(&self, id: &str, row: &WebhookRow) -> Option<Vec<FeedRow>> {
        let (cursor, owner) = (row.state.cursor, row.participant);
        // The rows, then the floor: if the window moved past the cursor meanwhile, the
        // rows may lack some, and the cursor moves to the floor instead.
        let (rows, floor) = self
            .read(move |r| {
                let rows = r.events_after(cursor, Audience::Own(owner), EVENTS_REPLAY_PAGE)?;
                Ok((rows, r.events_floor()?))
            })
            .await
            .ok()?;
        if cursor < (floor, u32::MAX) {
            tracing::warn!(webhook = id, cursor = ?cursor, floor, "the event log no longer holds the events after this webhook's cursor; it resumes at the log's floor");
            self.skip_to(id, (floor, u32::MAX));
            return Some(Vec::new());
        }
        Some(rows)
    }

    /// Moves the cursor to the log's floor (the events before it are gone): a new
    /// start, failures forgotten.
    fn skip_to(&self, id: &str, to: (u64, u32)) {
        let mut reg = self.lock();
        let Some(ep) = reg.endpoints.get_mut(id) else {
            return;
        };
        ep.row.state.cursor = ep.row.state.cursor.max(to);
        ep.row.state.failures = 0;
        let write = WebhookWrite::State {
            id: id.to_string(),
            state: ep.row.state.clone(),
        };
        self.enqueue(&mut reg, vec![write], None);
    }

    /// Moves the cursor past events the endpoint does not receive (written, not
    /// waited for).
    fn pass(&self, id: &str, to: (u64, u32)) {
        let mut reg = self.lock();
        let Some(ep) = reg.endpoints.get_mut(id) else {
            return;
        };
        if to <= ep.row.state.cursor {
            return;
        }
        ep.row.state.cursor = to;
        let write = WebhookWrite::State {
            id: id.to_string(),
            state: ep.row.state.clone(),
        };
        self.enqueue(&mut reg, vec![write], None);
    }

    /// Logs an attempt and moves the endpoint on: past the event if delivered, else a
    /// failure more (and disabled at the limit).
    fn record(
        &self,
        id: &str,
        event: &FeedRow,
        attempt: u32,
        answer: super::deliver::Answer,
    ) -> After {
        let mut reg = self.lock();
        let Some(ep) = reg.endpoints.get_mut(id) else {
            return After::Stop;
        };
        ep.last_attempt += 1;
        let logged = self.attempt_row(ep.last_attempt, id, event, attempt, false, answer);
        let state = &mut ep.row.state;
        let after = if logged.delivered() {
            state.cursor = state.cursor.max(position(event));
            state.failures = 0;
            After::Delivered
        } else {
            state.failures += 1;
            if state.failures >= WEBHOOK_FAILURES_MAX {
                state.enabled = false;
                ep.running = false;
                state.disabled_reason = Some(disabled_reason(event, logged.error.as_deref()));
                self.stats.disabled.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(webhook = id, reason = ?state.disabled_reason, "webhook disabled");
                After::Stop
            } else {
                After::Retry(Duration::from_millis(backoff_ms(
                    self.config.retry_base_ms,
                    self.config.retry_ceiling_ms,
                    state.failures,
                )))
            }
        };
        let write = WebhookWrite::State {
            id: id.to_string(),
            state: state.clone(),
        };
        self.enqueue(&mut reg, vec![WebhookWrite::Attempt(logged), write], None);
        after
    }

    /// True when more writes wait for the sequencer than the bound allows: deliveries
    /// wait (so the queue of their records stays bounded).
    fn backed_up(&self) -> bool {
        self.lock().queue.len() > WEBHOOK_WRITES_QUEUED_MAX
    }

    /// The endpoint's task of `generation` has ended (a newer one may run already).
    fn stopped(&self, id: &str, generation: u64) {
        if let Some(ep) = self.lock().endpoints.get_mut(id)
            && ep.generation == generation
        {
            ep.running = false;
        }
    }
}
