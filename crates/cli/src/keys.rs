//! `mw key …`: make a key (shown once) with the scopes named, list your keys by prefix,
//! revoke one.

use crate::args::KeyCmd;
use crate::client::{Client, Failure};
use crate::output::{self, Mode, show};
use megawatt_api as api;

/// Runs `mw key …`.
pub fn keys(c: &Client, mode: Mode, cmd: &KeyCmd) -> Result<(), Failure> {
    match cmd {
        KeyCmd::Create {
            participant,
            scopes,
        } => {
            let body = api::CreateKey {
                participant: participant.clone(),
                scopes: Some(crate::bodies::names::<api::ScopeName>(scopes, "--scope")?)
                    .filter(|s| !s.is_empty()),
            };
            show(
                mode,
                &c.post::<_, api::KeyView>("/v1/keys", &body)?,
                output::key,
            );
        }
        KeyCmd::List { participant } => {
            let path = match participant {
                Some(p) => format!("/v1/keys?participant={p}"),
                None => "/v1/keys".to_string(),
            };
            let page: api::Page<api::KeyInfoView> = c.get(&path)?;
            show(mode, &page.items, |k| output::keys(k));
        }
        KeyCmd::Revoke { prefix } => {
            let path = format!("/v1/keys/{prefix}/revoke");
            let k: api::KeyInfoView = c.post(&path, &api::Empty {})?;
            show(mode, &k, |k| output::keys(std::slice::from_ref(k)));
        }
    }
    Ok(())
}
