//! The event log and the webhook tables, read back: the events after a cursor (for a
//! reconnecting client or a webhook's deliveries), the log's floor, the endpoints, and
//! an endpoint's attempts.

use super::*;
use crate::outbox::{AttemptRow, FeedRow, WebhookRow, WebhookState};

/// Whose events to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Public market data only.
    Public,
    /// Public market data and this participant's own events.
    PublicAnd(ParticipantId),
    /// This participant's own events only.
    Own(ParticipantId),
}

fn feed_row(r: &dyn Get) -> Result<FeedRow, StoreError> {
    Ok(FeedRow {
        seq: big(r, 0)?,
        n: small(r, 1)?,
        audience: opt_big(r, 2)?.map(ParticipantId),
        kind: string(r, 3)?,
        time_ms: big(r, 4)?,
        body: string(r, 5)?,
    })
}

fn webhook_row(r: &dyn Get) -> Result<WebhookRow, StoreError> {
    let events = string(r, 3)?;
    Ok(WebhookRow {
        id: string(r, 0)?,
        participant: ParticipantId(big(r, 1)?),
        url: string(r, 2)?,
        events: events.split(',').map(str::to_string).collect(),
        description: r.text(4)?,
        secret: string(r, 5)?,
        state: WebhookState {
            enabled: string(r, 6)? == "enabled",
            disabled_reason: r.text(7)?,
            failures: small(r, 8)?,
            cursor: (big(r, 9)?, small(r, 10)?),
        },
        created_ms: big(r, 11)?,
    })
}

fn attempt_row(r: &dyn Get) -> Result<AttemptRow, StoreError> {
    Ok(AttemptRow {
        webhook: string(r, 0)?,
        id: big(r, 1)?,
        event: (big(r, 2)?, small(r, 3)?),
        kind: string(r, 4)?,
        attempt: small(r, 5)?,
        manual: big(r, 6)? != 0,
        at_ms: big(r, 7)?,
        status: opt_small(r, 8)?.and_then(|s| u16::try_from(s).ok()),
        error: r.text(9)?,
        duration_ms: big(r, 10)?,
    })
}

const FEED_COLUMNS: &str = "seq, n, audience, kind, time_ms, body";

impl Reader {
    /// Up to `limit` logged events after `after` (`(seq, n)`), oldest first, of
    /// `audience`.
    pub fn events_after(
        &mut self,
        after: (u64, u32),
        audience: Audience,
        limit: usize,
    ) -> Result<Vec<FeedRow>, StoreError> {
        let (seq, n) = (id(after.0), id(u64::from(after.1)));
        let lim = Val::I(Some(limit as i64));
        let rows = match audience {
            Audience::Public => self.db.rows(
                &format!(
                    "SELECT {FEED_COLUMNS} FROM events WHERE (seq > $1 OR (seq = $2 AND n > $3)) \
                     AND audience IS NULL ORDER BY seq, n LIMIT $4"
                ),
                &[seq.clone(), seq, n, lim],
                feed_row,
            )?,
            Audience::PublicAnd(p) => self.db.rows(
                &format!(
                    "SELECT {FEED_COLUMNS} FROM events WHERE (seq > $1 OR (seq = $2 AND n > $3)) \
                     AND (audience IS NULL OR audience = $4) ORDER BY seq, n LIMIT $5"
                ),
                &[seq.clone(), seq, n, id(p.0), lim],
                feed_row,
            )?,
            Audience::Own(p) => self.db.rows(
                &format!(
                    "SELECT {FEED_COLUMNS} FROM events WHERE audience = $1 \
                     AND (seq > $2 OR (seq = $3 AND n > $4)) ORDER BY seq, n LIMIT $5"
                ),
                &[id(p.0), seq.clone(), seq, n, lim],
                feed_row,
            )?,
        };
        Ok(rows)
    }

    /// One logged event, if it is still in the log.
    pub fn event(&mut self, at: (u64, u32)) -> Result<Option<FeedRow>, StoreError> {
        let rows = self.db.rows(
            &format!("SELECT {FEED_COLUMNS} FROM events WHERE seq = $1 AND n = $2"),
            &[id(at.0), id(u64::from(at.1))],
            feed_row,
        )?;
        Ok(rows.into_iter().next())
    }

    /// The log's floor: every event of a command after this journal position is in the
    /// log (those at or before it were forgotten, or came before the log began).
    pub fn events_floor(&mut self) -> Result<u64, StoreError> {
        let rows = self.db.rows(
            "SELECT value FROM meta WHERE key = 'events_floor'",
            &[],
            |r| string(r, 0),
        )?;
        let raw = rows.into_iter().next().unwrap_or_default();
        raw.parse()
            .map_err(|_| StoreError(format!("meta.events_floor: {raw:?} is not a number")))
    }

    /// Every webhook endpoint, by id.
    pub fn webhooks(&mut self) -> Result<Vec<WebhookRow>, StoreError> {
        self.db.rows(
            "SELECT id, participant, url, events, description, secret, status, \
             disabled_reason, failures, cursor_seq, cursor_n, created_ms FROM webhooks ORDER BY id",
            &[],
            webhook_row,
        )
    }

    /// The number of the last attempt in each endpoint's log.
    pub fn webhook_attempt_counts(&mut self) -> Result<Vec<(String, u64)>, StoreError> {
        self.db.rows(
            "SELECT webhook, MAX(id) FROM webhook_attempts GROUP BY webhook ORDER BY webhook",
            &[],
            |r| Ok((string(r, 0)?, big(r, 1)?)),
        )
    }

    /// A page of an endpoint's attempts, newest first, numbered before `before`.
    pub fn webhook_attempts(
        &mut self,
        webhook: &str,
        before_id: Option<u64>,
        n: usize,
    ) -> Result<Page<AttemptRow>, StoreError> {
        let rows = self.db.rows(
            "SELECT webhook, id, event_seq, event_n, kind, attempt, manual, at_ms, status, \
             error, duration_ms FROM webhook_attempts WHERE webhook = $1 AND id < $2 \
             ORDER BY id DESC LIMIT $3",
            &[
                Val::T(Some(webhook.to_string())),
                before(before_id),
                limit(n),
            ],
            attempt_row,
        )?;
        Ok(page(rows, n, |a| a.id))
    }
}

impl Reader {
    /// How many of `owner`'s logged events of the types `kinds` come after `after`.
    pub fn count_events_after(
        &mut self,
        after: (u64, u32),
        owner: ParticipantId,
        kinds: &[String],
    ) -> Result<u64, StoreError> {
        let (seq, n) = (id(after.0), id(u64::from(after.1)));
        let rows = self.db.rows(
            "SELECT kind, COUNT(*) FROM events WHERE audience = $1 \
             AND (seq > $2 OR (seq = $3 AND n > $4)) GROUP BY kind ORDER BY kind",
            &[id(owner.0), seq.clone(), seq, n],
            |r| Ok((string(r, 0)?, big(r, 1)?)),
        )?;
        Ok(rows
            .into_iter()
            .filter(|(k, _)| kinds.contains(k))
            .map(|(_, c)| c)
            .sum())
    }
}
