//! Webhook endpoints, their delivery attempts and the event types.

use super::{opt, page, t, table};
use megawatt_api::{EventType, Page, Webhook, WebhookAttempt, WebhookCreated};

/// An endpoint just registered, with its secret (shown once).
pub fn webhook_created(w: &WebhookCreated) {
    webhook(&w.webhook);
    println!(
        "\nsigning secret (shown only now; keep it to verify deliveries):\n  {}",
        w.secret
    );
}

/// One endpoint.
pub fn webhook(w: &Webhook) {
    let rows = vec![
        vec!["id".into(), w.id.clone()],
        vec!["url".into(), w.url.clone()],
        vec!["events".into(), w.events.join(", ")],
        vec!["status".into(), w.status.clone()],
        vec!["disabled because".into(), opt(&w.disabled_reason)],
        vec!["failures in a row".into(), w.failures.to_string()],
        vec!["delivered up to".into(), w.cursor.clone()],
        vec!["description".into(), opt(&w.description)],
        vec!["created".into(), t(&w.created)],
    ];
    table(&["", ""], &rows);
}

/// Endpoints, one a row.
pub fn webhooks(p: &Page<Webhook>) {
    page(
        p,
        &["id", "status", "failures", "cursor", "events", "url"],
        |w| {
            vec![
                w.id.clone(),
                w.status.clone(),
                w.failures.to_string(),
                w.cursor.clone(),
                w.events.join(","),
                w.url.clone(),
            ]
        },
    );
}

/// Delivery attempts, newest first.
pub fn attempts(p: &Page<WebhookAttempt>) {
    page(
        p,
        &[
            "at", "event", "type", "try", "outcome", "status", "ms", "error",
        ],
        |a| {
            vec![
                t(&a.at),
                a.event.clone(),
                a.kind.clone(),
                if a.manual {
                    format!("{} (manual)", a.attempt)
                } else {
                    a.attempt.to_string()
                },
                a.outcome.clone(),
                opt(&a.status),
                a.duration_ms.to_string(),
                opt(&a.error),
            ]
        },
    );
}

/// One attempt (a redelivery's answer).
pub fn attempt(a: &WebhookAttempt) {
    match &a.error {
        None => println!(
            "{} {} {}: delivered ({}) in {} ms",
            a.event,
            a.kind,
            if a.manual { "redelivered" } else { "sent" },
            opt(&a.status),
            a.duration_ms
        ),
        Some(e) => println!(
            "{} {}: failed after {} ms: {e}",
            a.event, a.kind, a.duration_ms
        ),
    }
}

/// The event types.
pub fn types(p: &Page<EventType>) {
    let rows: Vec<Vec<String>> = p
        .items
        .iter()
        .map(|e| vec![e.name.clone(), e.meaning.clone()])
        .collect();
    table(&["type", "meaning"], &rows);
}
