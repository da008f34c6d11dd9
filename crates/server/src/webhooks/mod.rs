//! Webhooks: endpoints a participant registers (URL, event types, a secret), to which
//! the server POSTs each of the participant's account events, signed ([`sign`]), at
//! least once and in order, from a durable cursor.
//!
//! Each enabled endpoint has a task ([`run`]): it reads the owner's events after the
//! endpoint's cursor from the store's event log, delivers the next one of its types
//! ([`deliver`]), and records the attempt; on a 2xx the cursor moves past the event, on
//! anything else it retries the same event after a delay that doubles from
//! `retry_base_ms` up to [`WEBHOOK_RETRY_CEILING_MS`], and after
//! [`WEBHOOK_FAILURES_MAX`] failures in a row it disables the endpoint with the reason.
//! When it has nothing to send it waits for the live feed. Every change of an endpoint
//! (registered, attempt logged, cursor moved, disabled, deleted) is written through the
//! sequencer in the order it was made ([`Registry`] queues them under its lock, one
//! writer task sends them), so a restart or a kill resumes from the last durable
//! cursor and redelivers at most what was in flight. Ids of events are stable for
//! deduplication.

pub mod address;
pub mod deliver;
mod run;
pub mod sign;
mod writer;

use crate::feed::Feed;
use crate::limits::{
    WEBHOOK_DELIVERIES_IN_FLIGHT_MAX, WEBHOOK_DELIVERIES_PER_PARTICIPANT_MAX,
    WEBHOOK_DESCRIPTION_BYTES_MAX, WEBHOOK_FAILURES_MAX, WEBHOOK_RETRY_CEILING_MS,
    WEBHOOKS_PER_PARTICIPANT_MAX,
};
use crate::problem::Problem;
use crate::sequencer::{SeqError, Sequencer};
use megawatt_api::{ACCOUNT_EVENT_TYPES, CreateWebhook};
use megawatt_engine::ids::ParticipantId;
use megawatt_store::outbox::{AttemptRow, FeedRow, WebhookRow, WebhookState, WebhookWrite};
use megawatt_store::reader::{Page, Reader};
use megawatt_store::{Location, StoreError};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, Semaphore, oneshot, watch};

/// How the server delivers webhooks.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Let endpoints be on loopback, private and link-local addresses (a test rig, or a
    /// receiver inside the operator's own network). Off by default.
    pub allow_private: bool,
    /// The first retry's delay, ms; later ones double it.
    pub retry_base_ms: u64,
    /// The longest delay between two attempts, ms.
    pub retry_ceiling_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> WebhookConfig {
        WebhookConfig {
            allow_private: false,
            retry_base_ms: crate::limits::WEBHOOK_RETRY_BASE_MS_DEFAULT,
            retry_ceiling_ms: WEBHOOK_RETRY_CEILING_MS,
        }
    }
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct WebhookStats {
    /// Attempts answered 2xx.
    pub delivered: AtomicU64,
    /// Attempts that failed.
    pub failed: AtomicU64,
    /// Endpoints disabled after a run of failures.
    pub disabled: AtomicU64,
}

/// One endpoint and what its task needs.
struct Endpoint {
    row: WebhookRow,
    /// The number of the last attempt logged.
    last_attempt: u64,
    /// Wakes its task (deleted, disabled, enabled).
    wake: Arc<Notify>,
    /// A task delivers for it.
    running: bool,
    /// The generation of its task: a task that ended after a newer one started does
    /// not mark the endpoint idle.
    generation: u64,
}

/// Writes waiting for the writer task, in the order they were made, with who waits for
/// them to be durable.
type Queued = (
    Vec<WebhookWrite>,
    Option<oneshot::Sender<Result<(), SeqError>>>,
);

/// The endpoints, and the queue of their changes (pushed under the same lock, so the
/// queue's order is the order of the changes).
#[derive(Default)]
struct Registry {
    endpoints: BTreeMap<String, Endpoint>,
    queue: VecDeque<Queued>,
    /// The writer has ended (the server stops, or the sequencer did): nothing more is
    /// written, and whoever waits for a write is told so.
    closed: bool,
}

/// The webhook service.
pub struct Webhooks {
    seq: Sequencer,
    feed: Arc<Feed>,
    reader: Arc<Mutex<Reader>>,
    agent: ureq::Agent,
    config: WebhookConfig,
    slots: Arc<Semaphore>,
    /// Each participant's share of the slots.
    shares: Mutex<BTreeMap<ParticipantId, Arc<Semaphore>>>,
    registry: Mutex<Registry>,
    queued: Notify,
    stopping: watch::Receiver<bool>,
    /// Counters.
    pub stats: WebhookStats,
}

/// The problem for an endpoint that is not the caller's.
fn unknown(id: &str) -> Problem {
    Problem::unknown("webhook", format!("id: no webhook {id} of yours")).field("id")
}

/// A refusal (422 unless said otherwise) of a webhook request.
fn refused(code: &str, field: &str, detail: impl Into<String>) -> Problem {
    let status = if code == "too_many_webhooks" {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Problem::refused(status, code, field, detail)
}

/// The delay before the attempt after `failures` failures in a row: `base_ms`,
/// doubled for each failure after the first, at most `ceiling_ms`.
pub fn backoff_ms(base_ms: u64, ceiling_ms: u64, failures: u32) -> u64 {
    let doublings = failures.saturating_sub(1).min(40);
    base_ms.saturating_mul(1u64 << doublings).min(ceiling_ms)
}

/// A fresh secret: `whsec_` and 64 hex digits.
fn new_secret() -> String {
    crate::token::random::<32>("whsec_")
}

/// A fresh endpoint id: `wh-` and 16 hex digits.
fn new_id() -> String {
    crate::token::random::<8>("wh-")
}

/// Checks a registration: the URL, the types (each known, none twice, at least one),
/// the description.
fn check(body: &CreateWebhook, allow_private: bool) -> Result<(), Problem> {
    address::check_url(&body.url, allow_private).map_err(|r| refused(r.rule, "url", r.detail))?;
    if body.events.is_empty() {
        return Err(refused(
            "no_event_types",
            "events",
            "events: name at least one event type (GET /v1/webhooks/types lists them)",
        ));
    }
    for (i, kind) in body.events.iter().enumerate() {
        if !ACCOUNT_EVENT_TYPES.iter().any(|(k, _)| k == kind) {
            return Err(refused(
                "unknown_event_type",
                &format!("events[{i}]"),
                format!(
                    "events[{i}]: {kind:?} is not an event type (GET /v1/webhooks/types lists them)"
                ),
            ));
        }
        if body.events[..i].contains(kind) {
            return Err(refused(
                "duplicate_event_type",
                &format!("events[{i}]"),
                format!("events[{i}]: {kind:?} is named twice"),
            ));
        }
    }
    if let Some(d) = &body.description
        && d.chars().any(char::is_control)
    {
        return Err(refused(
            "invalid_description",
            "description",
            "description: control characters are not allowed",
        ));
    }
    if let Some(d) = &body.description
        && d.len() > WEBHOOK_DESCRIPTION_BYTES_MAX
    {
        return Err(refused(
            "description_too_long",
            "description",
            format!(
                "description: {} bytes, more than the {WEBHOOK_DESCRIPTION_BYTES_MAX} allowed",
                d.len()
            ),
        ));
    }
    Ok(())
}

impl Webhooks {
    /// Loads the endpoints from the store at `location` (blocking: the store is read).
    /// Nothing is delivered until [`Webhooks::run`].
    pub fn open(
        seq: Sequencer,
        feed: Arc<Feed>,
        location: &Location,
        config: WebhookConfig,
        stopping: watch::Receiver<bool>,
    ) -> Result<Arc<Webhooks>, StoreError> {
        let mut reader = Reader::open(location)?;
        let rows = reader.webhooks()?;
        let counts: BTreeMap<String, u64> = reader.webhook_attempt_counts()?.into_iter().collect();
        let mut registry = Registry::default();
        for row in rows {
            let last_attempt = counts.get(&row.id).copied().unwrap_or(0);
            registry.endpoints.insert(
                row.id.clone(),
                Endpoint {
                    row,
                    last_attempt,
                    wake: Arc::new(Notify::new()),
                    running: false,
                    generation: 0,
                },
            );
        }
        let hooks = Arc::new(Webhooks {
            seq,
            feed,
            reader: Arc::new(Mutex::new(reader)),
            agent: deliver::agent(config.allow_private),
            config,
            slots: Arc::new(Semaphore::new(WEBHOOK_DELIVERIES_IN_FLIGHT_MAX)),
            shares: Mutex::new(BTreeMap::new()),
            registry: Mutex::new(registry),
            queued: Notify::new(),
            stopping,
            stats: WebhookStats::default(),
        });
        Ok(hooks)
    }

    /// Starts the writer task and a delivery task for each enabled endpoint.
    pub fn run(self: Arc<Self>) {
        tokio::spawn(self.clone().writer());
        let ids: Vec<String> = self.lock().endpoints.keys().cloned().collect();
        for id in ids {
            self.clone().spawn(&id);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the task of endpoint `id` if it is enabled and none runs.
    fn spawn(self: Arc<Self>, id: &str) {
        let mut reg = self.lock();
        let Some(ep) = reg.endpoints.get_mut(id) else {
            return;
        };
        if ep.running || !ep.row.state.enabled {
            return;
        }
        ep.running = true;
        ep.generation += 1;
        let (id, generation) = (id.to_string(), ep.generation);
        drop(reg);
        tokio::spawn(run::run(self, id, generation));
    }

    /// Registers an endpoint for `owner`: it receives the events of commands after the
    /// last one committed.
    pub async fn create(
        self: &Arc<Self>,
        owner: ParticipantId,
        body: CreateWebhook,
    ) -> Result<WebhookRow, Problem> {
        check(&body, self.config.allow_private)?;
        let row = WebhookRow {
            id: new_id(),
            participant: owner,
            url: body.url,
            events: body.events,
            description: body.description,
            secret: new_secret(),
            state: WebhookState {
                enabled: true,
                disabled_reason: None,
                failures: 0,
                cursor: (self.seq.stats.last_seq.load(Ordering::Relaxed), u32::MAX),
            },
            created_ms: crate::sequencer::now_ms(),
        };
        let done = {
            let mut reg = self.lock();
            let owned = reg
                .endpoints
                .values()
                .filter(|e| e.row.participant == owner)
                .count();
            if owned >= WEBHOOKS_PER_PARTICIPANT_MAX {
                return Err(refused(
                    "too_many_webhooks",
                    "url",
                    format!("url: you have {owned} webhooks, the most allowed; delete one first"),
                ));
            }
            reg.endpoints.insert(
                row.id.clone(),
                Endpoint {
                    row: row.clone(),
                    last_attempt: 0,
                    wake: Arc::new(Notify::new()),
                    running: false,
                    generation: 0,
                },
            );
            self.queue_durable(&mut reg, vec![WebhookWrite::Create(row.clone())])
        };
        if let Err(p) = writer::durable(done).await {
            self.lock().endpoints.remove(&row.id);
            return Err(p);
        }
        self.clone().spawn(&row.id);
        Ok(row)
    }

    /// The caller's endpoints, by id (the operator's list is its own too).
    pub fn list(&self, owner: ParticipantId) -> Vec<WebhookRow> {
        let reg = self.lock();
        reg.endpoints
            .values()
            .filter(|e| e.row.participant == owner)
            .map(|e| e.row.clone())
            .collect()
    }

    /// One of the caller's endpoints.
    pub fn get(&self, owner: ParticipantId, id: &str) -> Result<WebhookRow, Problem> {
        let reg = self.lock();
        reg.endpoints
            .get(id)
            .filter(|e| e.row.participant == owner)
            .map(|e| e.row.clone())
            .ok_or_else(|| unknown(id))
    }

    /// Deletes one of the caller's endpoints and its log; its task stops.
    pub async fn delete(&self, owner: ParticipantId, id: &str) -> Result<(), Problem> {
        self.get(owner, id)?;
        let done = {
            let mut reg = self.lock();
            let Some(ep) = reg.endpoints.remove(id) else {
                return Err(unknown(id));
            };
            ep.wake.notify_one();
            self.queue_durable(&mut reg, vec![WebhookWrite::Delete { id: id.to_string() }])
        };
        writer::durable(done).await
    }

    /// Enables one of the caller's endpoints again (failures forgotten): deliveries go
    /// on from its cursor.
    pub async fn enable(
        self: &Arc<Self>,
        owner: ParticipantId,
        id: &str,
    ) -> Result<WebhookRow, Problem> {
        self.get(owner, id)?;
        let (row, done) = {
            let mut reg = self.lock();
            let Some(ep) = reg.endpoints.get_mut(id) else {
                return Err(unknown(id));
            };
            ep.row.state.enabled = true;
            ep.row.state.disabled_reason = None;
            ep.row.state.failures = 0;
            ep.wake.notify_one();
            let (row, state) = (ep.row.clone(), ep.row.state.clone());
            let write = WebhookWrite::State {
                id: id.to_string(),
                state,
            };
            (row, self.queue_durable(&mut reg, vec![write]))
        };
        writer::durable(done).await?;
        self.clone().spawn(id);
        Ok(row)
    }

    /// A page of one of the caller's endpoints' attempts, newest first.
    pub async fn attempts(
        &self,
        owner: ParticipantId,
        id: &str,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Page<AttemptRow>, Problem> {
        self.get(owner, id)?;
        let id = id.to_string();
        self.read(move |r| r.webhook_attempts(&id, before, limit))
            .await
    }

    /// Reads the store on the webhooks' own connection, off the async threads.
    async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Reader) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, Problem> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            f(&mut reader.lock().unwrap_or_else(|e| e.into_inner()))
        })
        .await
        .map_err(|_| Problem::unavailable("a read failed; try again"))?
        .map_err(|e| {
            tracing::error!(error = %e, "webhook read failed");
            Problem::unavailable("the store could not be read; try again")
        })
    }

    /// Delivers one logged event to one of the caller's endpoints now, whatever its
    /// status, and logs the attempt as manual (the cursor does not move).
    pub async fn redeliver(
        &self,
        owner: ParticipantId,
        id: &str,
        event: &str,
    ) -> Result<AttemptRow, Problem> {
        let row = self.get(owner, id)?;
        let Some(at) = crate::feed::parse_id(event).filter(|(_, n)| *n != u32::MAX) else {
            return Err(Problem::invalid(
                "event",
                format!("event: {event:?} is not an event id like 17.1"),
            ));
        };
        let logged = self.read(move |r| r.event(at)).await?;
        let Some(logged) = logged.filter(|e| e.audience == Some(owner)) else {
            return Err(Problem::unknown(
                "event",
                format!("event: no event {event} of yours in the event log"),
            )
            .field("event"));
        };
        if !row.events.contains(&logged.kind) {
            return Err(refused(
                "event_type_not_subscribed",
                "event",
                format!(
                    "event: {event} is a {} event, which {id} does not receive",
                    logged.kind
                ),
            ));
        }
        let answer = self
            .deliver(&row, &logged, 1)
            .await
            .ok_or_else(|| Problem::unavailable("the server is stopping; try again"))?;
        let done = {
            let mut reg = self.lock();
            let Some(ep) = reg.endpoints.get_mut(id) else {
                return Err(unknown(id));
            };
            ep.last_attempt += 1;
            let attempt = self.attempt_row(ep.last_attempt, &row.id, &logged, 1, true, answer);
            let done = self.queue_durable(&mut reg, vec![WebhookWrite::Attempt(attempt.clone())]);
            (attempt, done)
        };
        writer::durable(done.1).await?;
        Ok(done.0)
    }

    fn attempt_row(
        &self,
        number: u64,
        webhook: &str,
        event: &FeedRow,
        attempt: u32,
        manual: bool,
        answer: deliver::Answer,
    ) -> AttemptRow {
        let row = AttemptRow {
            webhook: webhook.to_string(),
            id: number,
            event: crate::feed::position(event),
            kind: event.kind.clone(),
            attempt,
            manual,
            at_ms: crate::sequencer::now_ms(),
            status: answer.status,
            error: answer.error.as_deref().map(printable),
            duration_ms: answer.duration_ms,
        };
        let counter = if row.delivered() {
            &self.stats.delivered
        } else {
            &self.stats.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        row
    }

    /// One attempt on a blocking thread (a bounded number at once); `None` when the
    /// server stops first.
    async fn deliver(
        &self,
        row: &WebhookRow,
        event: &FeedRow,
        attempt: u32,
    ) -> Option<deliver::Answer> {
        let share = {
            let mut shares = self.shares.lock().unwrap_or_else(|e| e.into_inner());
            shares
                .entry(row.participant)
                .or_insert_with(|| Arc::new(Semaphore::new(WEBHOOK_DELIVERIES_PER_PARTICIPANT_MAX)))
                .clone()
        };
        let own = share.acquire_owned().await.ok()?;
        let permit = (own, self.slots.clone().acquire_owned().await.ok()?);
        let (agent, url, secret, id) = (
            self.agent.clone(),
            row.url.clone(),
            row.secret.clone(),
            row.id.clone(),
        );
        let event = event.clone();
        let work = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let meta = deliver::Meta {
                webhook: &id,
                attempt,
                now_secs: crate::sequencer::now_ms() / 1000,
            };
            deliver::attempt(&agent, &url, &secret, &event, meta)
        });
        let mut stopping = self.stopping.clone();
        tokio::select! {
            answer = work => answer.ok(),
            _ = stopping.wait_for(|s| *s) => None,
        }
    }

    /// Events in the log that the enabled endpoints have yet to deliver (read from
    /// the log at each call), for `/metrics`.
    pub async fn backlog(&self) -> Result<u64, Problem> {
        let endpoints: Vec<(ParticipantId, (u64, u32), Vec<String>)> = self
            .lock()
            .endpoints
            .values()
            .filter(|e| e.row.state.enabled)
            .map(|e| (e.row.participant, e.row.state.cursor, e.row.events.clone()))
            .collect();
        self.read(move |r| {
            let mut total = 0;
            for (owner, cursor, kinds) in endpoints {
                total += r.count_events_after(cursor, owner, &kinds)?;
            }
            Ok(total)
        })
        .await
    }

    /// Endpoints by status (`enabled`, `disabled`), for `/metrics`.
    pub fn endpoint_counts(&self) -> (u64, u64) {
        let reg = self.lock();
        let enabled = reg
            .endpoints
            .values()
            .filter(|e| e.row.state.enabled)
            .count() as u64;
        (enabled, reg.endpoints.len() as u64 - enabled)
    }
}

/// Text from outside (an endpoint's answer, an error) as it is stored: control
/// characters (a NUL, which PostgreSQL's text refuses) shown as `\u{…}`.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The reason an endpoint is disabled with.
fn disabled_reason(event: &FeedRow, error: Option<&str>) -> String {
    format!(
        "disabled after {WEBHOOK_FAILURES_MAX} failed attempts in a row at event {} ({}); last: {}",
        crate::feed::id(event),
        event.kind,
        error.unwrap_or("no answer")
    )
}
