//! One subscriber's stream of `/v1/events`: from its cursor, what the store's event log
//! holds (a page at a time), then the live channel; when it falls behind the channel,
//! it catches up from the log again. Each event is sent once, in id order.

use crate::feed::{FeedRow, id, position, visible};
use crate::limits::EVENTS_REPLAY_PAGE;
use crate::state::AppState;
use axum::response::sse::Event as SseEvent;
use futures_util::stream::Stream;
use megawatt_engine::ids::ParticipantId;
use megawatt_store::reader::Audience;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};

/// Where a subscriber's stream stands.
pub struct Follow {
    state: Arc<AppState>,
    viewer: ParticipantId,
    /// The hash of the key the stream was opened with: it ends when that is revoked.
    key: [u8; 32],
    live: broadcast::Receiver<Arc<FeedRow>>,
    /// The last event sent (or the cursor it started after).
    after: (u64, u32),
    /// Reading the log (not yet, or no longer, caught up with the live channel).
    catching_up: bool,
    /// Rows read from the log, not yet sent.
    read: VecDeque<FeedRow>,
    /// A `gap` to send first: the cursor is older than the log.
    gap: bool,
}

/// An event as sent: its type, its id, its JSON.
fn sse(row: &FeedRow) -> SseEvent {
    SseEvent::default()
        .event(&row.kind)
        .id(id(row))
        .data(&row.body)
}

/// The `gap` event: some events after the cursor are no longer in the log.
fn gap() -> SseEvent {
    SseEvent::default()
        .event("gap")
        .data("events after that id are no longer kept: read the state again")
}

impl Follow {
    /// A stream for `viewer`, after `cursor` (none: live only), over a log whose
    /// floor is `floor`; `live` was subscribed before the floor was read.
    pub fn new(
        state: Arc<AppState>,
        (viewer, key): (ParticipantId, [u8; 32]),
        live: broadcast::Receiver<Arc<FeedRow>>,
        cursor: Option<(u64, u32)>,
        floor: u64,
    ) -> Follow {
        let gap = cursor.is_some_and(|c| c < (floor, u32::MAX));
        Follow {
            state,
            viewer,
            key,
            live,
            after: cursor.filter(|_| !gap).unwrap_or((0, 0)),
            catching_up: cursor.is_some() && !gap,
            read: VecDeque::new(),
            gap,
        }
    }

    /// The events, as server-sent events.
    pub fn stream(self) -> impl Stream<Item = Result<SseEvent, Infallible>> {
        futures_util::stream::unfold(self, |mut f| async move {
            let event = f.next().await?;
            Some((Ok(event), f))
        })
    }

    /// The next event to send; `None` ends the stream (the server stops, the log
    /// cannot be read, or the key was revoked).
    async fn next(&mut self) -> Option<SseEvent> {
        let event = self.next_event().await?;
        self.state.key_is_live(&self.key).then_some(event)
    }

    async fn next_event(&mut self) -> Option<SseEvent> {
        if std::mem::take(&mut self.gap) {
            return Some(gap());
        }
        loop {
            if let Some(row) = self.read.pop_front() {
                self.after = position(&row);
                return Some(sse(&row));
            }
            if self.catching_up {
                let (after, viewer) = (self.after, self.viewer);
                // The page, then the floor: if the window moved past the cursor
                // meanwhile, the page may lack some; the client is told of a gap.
                let (rows, floor) = self
                    .state
                    .read(move |r| {
                        let rows =
                            r.events_after(after, Audience::PublicAnd(viewer), EVENTS_REPLAY_PAGE)?;
                        Ok((rows, r.events_floor()?))
                    })
                    .await
                    .ok()?;
                if after < (floor, u32::MAX) {
                    self.after = (floor, u32::MAX);
                    return Some(gap());
                }
                self.catching_up = rows.len() == EVENTS_REPLAY_PAGE;
                self.read.extend(rows);
                continue;
            }
            match self.live.recv().await {
                Ok(row) if visible(&row, Some(self.viewer)) && position(&row) > self.after => {
                    self.after = position(&row);
                    return Some(sse(&row));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
