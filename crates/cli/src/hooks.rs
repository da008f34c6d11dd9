//! `mw webhook …`: register, list, show, delete and enable endpoints, read their
//! delivery attempts, redeliver an event.

use crate::args::WebhookCmd;
use crate::client::{Client, Failure, query};
use crate::output::{self, Mode, show};
use megawatt_api as api;

/// Runs `mw webhook …`.
pub fn webhooks(c: &Client, mode: Mode, cmd: &WebhookCmd) -> Result<(), Failure> {
    let path = |id: &str, rest: &str| format!("/v1/webhooks/{id}{rest}");
    match cmd {
        WebhookCmd::Create {
            endpoint,
            events,
            description,
        } => {
            let body = api::CreateWebhook {
                url: endpoint.clone(),
                events: events.clone(),
                description: description.clone(),
            };
            let made: api::WebhookCreated = c.post("/v1/webhooks", &body)?;
            show(mode, &made, output::webhook_created);
        }
        WebhookCmd::List => {
            let list: api::Page<api::Webhook> = c.get("/v1/webhooks")?;
            show(mode, &list, output::webhooks);
        }
        WebhookCmd::Show { id } => {
            let w: api::Webhook = c.get(&path(id, ""))?;
            show(mode, &w, output::webhook);
        }
        WebhookCmd::Delete { id } => {
            c.delete(&path(id, ""))?;
            if mode == Mode::Table {
                println!("deleted {id}");
            }
        }
        WebhookCmd::Enable { id } => {
            let w: api::Webhook = c.post(&path(id, "/enable"), &api::Empty {})?;
            show(mode, &w, output::webhook);
        }
        WebhookCmd::Attempts { id, page } => {
            let q = query(
                &path(id, "/attempts"),
                &[
                    ("limit", Some(page.limit.to_string())),
                    ("before", page.before.clone()),
                ],
            );
            let list: api::Page<api::WebhookAttempt> = c.get(&q)?;
            show(mode, &list, output::attempts);
        }
        WebhookCmd::Redeliver { id, event } => {
            let body = api::Redeliver {
                event: event.clone(),
            };
            let a: api::WebhookAttempt = c.post(&path(id, "/redeliver"), &body)?;
            show(mode, &a, output::attempt);
            if a.error.is_some() {
                return Err(Failure::local(format!("the endpoint did not take {event}")));
            }
        }
        WebhookCmd::Types => {
            let list: api::Page<api::EventType> = c.get("/v1/webhooks/types")?;
            show(mode, &list, output::types);
        }
    }
    Ok(())
}
