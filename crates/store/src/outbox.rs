//! What the server writes beside the journal for the world outside: the **event log**
//! (every event as published, public and per participant, kept for a bounded window so
//! that clients and webhooks resume from the store after any restart) and the
//! **webhook endpoints** with their delivery cursors and attempt log. The rows are the
//! server's (already rendered JSON); the store only keeps them, in the batch's
//! transaction, so the log never disagrees with the journal.
//!
//! Statements are written once, in SQL both backends accept (`$n` parameters, each
//! once and in order).

use crate::rows::Val;
use megawatt_engine::ids::ParticipantId;

/// One published event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedRow {
    /// The journal position of the command that made it.
    pub seq: u64,
    /// Its rank among that command's events.
    pub n: u32,
    /// Whose it is: `None` for public market data, else the participant it concerns.
    pub audience: Option<ParticipantId>,
    /// Its type (`trade`, `fill`, `contract.started`, …).
    pub kind: String,
    /// The command's time, ms since the epoch.
    pub time_ms: u64,
    /// The event as JSON.
    pub body: String,
}

/// The event log's table and columns, in [`FeedRow::values`] order.
pub(crate) const FEED_TABLE: (&str, &[&str]) = (
    "events",
    &["seq", "n", "audience", "kind", "time_ms", "body"],
);

impl FeedRow {
    /// The row's values, in [`FEED_TABLE`] order.
    pub(crate) fn values(&self) -> Vec<Val> {
        vec![
            int(self.seq),
            int(u64::from(self.n)),
            Val::I(self.audience.map(|p| p.0 as i64)),
            Val::T(Some(self.kind.clone())),
            int(self.time_ms),
            Val::T(Some(self.body.clone())),
        ]
    }
}

/// A webhook endpoint as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRow {
    /// Its id (`wh-` and 16 hex digits).
    pub id: String,
    /// Its owner.
    pub participant: ParticipantId,
    /// Where deliveries go.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// A note.
    pub description: Option<String>,
    /// The signing secret.
    pub secret: String,
    /// Delivery state.
    pub state: WebhookState,
    /// When it was registered, ms since the epoch.
    pub created_ms: u64,
}

/// What changes of an endpoint as deliveries go on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookState {
    /// False once disabled.
    pub enabled: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Failed attempts in a row on the current event.
    pub failures: u32,
    /// The last event delivered or passed over, `(seq, n)`.
    pub cursor: (u64, u32),
}

/// One delivery attempt as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptRow {
    /// The endpoint.
    pub webhook: String,
    /// Its number in the endpoint's log (1, 2, …).
    pub id: u64,
    /// The event, `(seq, n)`.
    pub event: (u64, u32),
    /// The event's type.
    pub kind: String,
    /// Which attempt at this event (manual redeliveries count apart).
    pub attempt: u32,
    /// Asked for by the participant.
    pub manual: bool,
    /// When, ms since the epoch.
    pub at_ms: u64,
    /// The status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// How long it took, ms.
    pub duration_ms: u64,
}

impl AttemptRow {
    /// True when the endpoint answered 2xx.
    pub fn delivered(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A change to the webhook tables, written in a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookWrite {
    /// A new endpoint.
    Create(WebhookRow),
    /// An endpoint's delivery state.
    State {
        /// The endpoint.
        id: String,
        /// Its state now.
        state: WebhookState,
    },
    /// An attempt (the log keeps the latest [`crate::limits::WEBHOOK_ATTEMPTS_KEPT`]).
    Attempt(AttemptRow),
    /// An endpoint and its log are deleted.
    Delete {
        /// The endpoint.
        id: String,
    },
}

fn int(v: u64) -> Val {
    Val::I(Some(v.min(i64::MAX as u64) as i64))
}

fn text(s: &str) -> Val {
    Val::T(Some(s.to_string()))
}

fn state_values(s: &WebhookState) -> [Val; 5] {
    [
        text(if s.enabled { "enabled" } else { "disabled" }),
        Val::T(s.disabled_reason.clone()),
        int(u64::from(s.failures)),
        int(s.cursor.0),
        int(u64::from(s.cursor.1)),
    ]
}

/// The statements that write `writes`, and those that forget the events of commands
/// up to `forget_feed_through`, in order.
pub(crate) fn statements(
    writes: &[WebhookWrite],
    forget_feed_through: Option<u64>,
) -> Vec<(&'static str, Vec<Val>)> {
    let mut out = Vec::new();
    if let Some(seq) = forget_feed_through {
        out.push(("DELETE FROM events WHERE seq <= $1", vec![int(seq)]));
        out.push((
            "UPDATE meta SET value = $1 WHERE key = 'events_floor'",
            vec![text(&seq.to_string())],
        ));
    }
    for w in writes {
        match w {
            WebhookWrite::Create(r) => {
                let mut v = vec![
                    text(&r.id),
                    int(r.participant.0),
                    text(&r.url),
                    text(&r.events.join(",")),
                    Val::T(r.description.clone()),
                    text(&r.secret),
                ];
                v.extend(state_values(&r.state));
                v.push(int(r.created_ms));
                out.push((
                    "INSERT INTO webhooks (id, participant, url, events, description, secret, \
                     status, disabled_reason, failures, cursor_seq, cursor_n, created_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    v,
                ));
            }
            WebhookWrite::State { id, state } => {
                let mut v = state_values(state).to_vec();
                v.push(text(id));
                out.push((
                    "UPDATE webhooks SET status = $1, disabled_reason = $2, failures = $3, \
                     cursor_seq = $4, cursor_n = $5 WHERE id = $6",
                    v,
                ));
            }
            WebhookWrite::Attempt(a) => {
                out.push((
                    "INSERT INTO webhook_attempts (webhook, id, event_seq, event_n, kind, \
                     attempt, manual, at_ms, status, error, duration_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    vec![
                        text(&a.webhook),
                        int(a.id),
                        int(a.event.0),
                        int(u64::from(a.event.1)),
                        text(&a.kind),
                        int(u64::from(a.attempt)),
                        int(u64::from(a.manual)),
                        int(a.at_ms),
                        Val::I(a.status.map(i64::from)),
                        Val::T(a.error.clone()),
                        int(a.duration_ms),
                    ],
                ));
                let kept = crate::limits::WEBHOOK_ATTEMPTS_KEPT;
                if a.id > kept {
                    out.push((
                        "DELETE FROM webhook_attempts WHERE webhook = $1 AND id <= $2",
                        vec![text(&a.webhook), int(a.id - kept)],
                    ));
                }
            }
            WebhookWrite::Delete { id } => {
                out.push((
                    "DELETE FROM webhook_attempts WHERE webhook = $1",
                    vec![text(id)],
                ));
                out.push(("DELETE FROM webhooks WHERE id = $1", vec![text(id)]));
            }
        }
    }
    out
}
