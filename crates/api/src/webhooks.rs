//! Webhook endpoints: what a participant registers, what it is shown, and the log of
//! delivery attempts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Register a webhook endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where deliveries are POSTed: `https://` (or `http://`) with a host, at most 2,048
    /// bytes. Loopback, private and link-local addresses are refused unless the
    /// operator allows them (`mw serve --webhooks-allow-private`).
    pub url: String,
    /// The account event types to deliver (at least one; see `GET /v1/webhooks/types`).
    pub events: Vec<String>,
    /// A note for people, at most 256 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A webhook endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    /// Its id, e.g. `wh-3f9c2a71d0b4e58a`.
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// The note given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `enabled`, or `disabled` (after a run of failures; see `disabled_reason`).
    pub status: String,
    /// Why it was disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Failed attempts in a row on its current event.
    pub failures: u32,
    /// The id of the last event delivered (or passed over as not of its types): the
    /// next delivery is of a later event.
    pub cursor: String,
    /// When it was registered, RFC 3339.
    pub created: String,
}

/// A webhook endpoint just registered, with its signing secret (shown only here).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreated {
    /// The endpoint.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The secret deliveries are signed with (`whsec_` and 64 hex digits): keep it.
    pub secret: String,
}

/// Deliver one event again, now (the endpoint's cursor does not move).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redeliver {
    /// The event id (`seq.n`), one of the endpoint's types.
    pub event: String,
}

/// One delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookAttempt {
    /// The event delivered.
    pub event: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Which attempt at this event this was (1, 2, …); a manual redelivery counts apart.
    pub attempt: u32,
    /// True for a redelivery asked for by the participant.
    pub manual: bool,
    /// When it was made, RFC 3339.
    pub at: String,
    /// `delivered` (the endpoint answered 2xx) or `failed`.
    pub outcome: String,
    /// The HTTP status the endpoint answered, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What went wrong, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long it took, milliseconds.
    pub duration_ms: u64,
}

/// An account event type a webhook can receive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventType {
    /// Its name, e.g. `contract.started`.
    pub name: String,
    /// What it means.
    pub meaning: String,
}
