//! API keys: made (shown once), listed (prefixes and scopes, never keys) and revoked,
//! by their participant or the operator; only a key with every scope manages keys
//! (`scopes.rs`).

use crate::extract::{Body, IdemHeader, Q};
use crate::limits::KEYS_PER_PARTICIPANT_MAX;
use crate::problem::{Problem, ProblemBody};
use crate::scopes::{Scope, Scopes};
use crate::sequencer::{KeyAnswer, Request, now_ms};
use crate::state::{AppState, Caller, KeyEntry, key_hash, new_key, seq_problem};
use crate::views::KeyView;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use megawatt_api::{CreateKey, KeyInfoView, Page, ScopeName};
use megawatt_engine::ids::ParticipantId;
use megawatt_store::{NewKey, Outcome, RevokedKey};
use std::sync::Arc;
use tokio::sync::oneshot;

/// Create an API key, shown once: for yourself (any participant), or for another
/// participant (the operator), with the scopes named (default: every scope).
#[utoipa::path(post, path = "/v1/keys", tag = "participants", request_body = CreateKey,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = KeyView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn create_key(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    idem: IdemHeader,
    body: Body<CreateKey>,
) -> Result<(StatusCode, Json<KeyView>), Problem> {
    crate::dry_run::unsupported("creating a key")?;
    let id = match &body.value.participant {
        None => caller.id,
        Some(raw) => participant(raw)?,
    };
    if id != caller.id && !caller.operator {
        return Err(Problem::forbidden(
            "only the operator makes keys for other participants",
        ));
    }
    let scopes = match &body.value.scopes {
        None => Scopes::FULL,
        Some(list) if list.is_empty() => {
            return Err(Problem::invalid(
                "scopes",
                "scopes: name at least one, or leave it out for every scope",
            ));
        }
        Some(list) => Scopes::of(&list.iter().map(|s| scope(*s)).collect::<Vec<_>>()),
    };
    let live = live_keys(&state, id);
    if live >= KEYS_PER_PARTICIPANT_MAX {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "limit_reached",
            format!("{id} has {live} live keys, the most allowed; revoke one first"),
        )
        .field("participant"));
    }
    let view = issue_key(&state, caller.id, (id, scopes), body.idem(idem)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

fn participant(raw: &str) -> Result<ParticipantId, Problem> {
    crate::parse::id(raw, "p")
        .map(ParticipantId)
        .ok_or_else(|| {
            Problem::invalid(
                "participant",
                format!("participant: {raw:?} is not a participant id like p-2"),
            )
        })
}

fn scope(s: ScopeName) -> Scope {
    match s {
        ScopeName::Read => Scope::Read,
        ScopeName::Trade => Scope::Trade,
        ScopeName::UsageReport => Scope::UsageReport,
    }
}

/// How many live keys `id` has.
fn live_keys(state: &AppState, id: ParticipantId) -> usize {
    let keys = state.keys.read().expect("keys lock");
    keys.values().filter(|k| k.caller.id == id).count()
}

/// Makes, stores (hashed) and returns a new key for `id` with `scopes`, asked by
/// `actor`. A retry with the same idempotency key issues nothing and is told so (409
/// `key_already_issued`).
pub async fn issue_key(
    state: &AppState,
    actor: ParticipantId,
    (id, scopes): (ParticipantId, Scopes),
    idem: Option<crate::sequencer::Idem>,
) -> Result<KeyView, Problem> {
    let key = new_key();
    let hash = key_hash(&key);
    let prefix = key[..crate::limits::KEY_PREFIX_CHARS].to_string();
    let (tx, rx) = oneshot::channel();
    let new = NewKey {
        hash,
        participant: id,
        prefix: prefix.clone(),
        created_ms: now_ms(),
        scopes: scopes.text(),
    };
    state
        .seq
        .send(Request::CreateKey {
            actor,
            key: new,
            idem,
            reply: tx,
        })
        .map_err(seq_problem)?;
    let answer = rx
        .await
        .map_err(|_| seq_problem(crate::sequencer::SeqError::Stopped))?
        .map_err(seq_problem)?;
    let operator = match answer {
        KeyAnswer::Created { operator } => operator,
        KeyAnswer::NoSuchParticipant => {
            return Err(Problem::unknown(
                "participant",
                format!("participant: no participant {id}"),
            )
            .field("participant"));
        }
        KeyAnswer::Replay(Outcome::Rejected {
            rule,
            field,
            detail,
        }) => {
            return Err(Problem::rejection(&rule, &field, &detail));
        }
        KeyAnswer::Replay(Outcome::Unreadable { seq }) => {
            return Err(super::unreadable_answer(seq));
        }
        KeyAnswer::Replay(Outcome::Accepted { .. }) => {
            return Err(Problem::unavailable("unexpected stored answer for a key"));
        }
    };
    let caller = Caller {
        id,
        operator,
        scopes,
        key: hash,
    };
    let entry = KeyEntry {
        caller,
        prefix: prefix.clone(),
    };
    state.keys.write().expect("keys lock").insert(hash, entry);
    Ok(KeyView {
        key,
        participant: id.to_string(),
        prefix,
        scopes: scopes.names().into_iter().map(String::from).collect(),
    })
}

/// Who may see which keys: `participant=` (the operator only).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KeysQuery {
    /// The operator: only this participant's keys.
    pub participant: Option<String>,
}

/// Your API keys, newest first, revoked ones too (the operator: everyone's, or one
/// participant's): prefixes and scopes, never the keys.
#[utoipa::path(get, path = "/v1/keys", tag = "participants", params(KeysQuery),
    responses((status = 200, body = Page<KeyInfoView>), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn list_keys(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<KeysQuery>,
) -> Result<Json<Page<KeyInfoView>>, Problem> {
    let whose = match (&q.participant, caller.operator) {
        (Some(raw), true) => Some(participant(raw)?),
        (None, true) => None,
        (Some(_), false) => {
            return Err(Problem::forbidden(
                "only the operator lists other participants' keys",
            ));
        }
        (None, false) => Some(caller.id),
    };
    let rows = state
        .read(move |r| r.api_keys(whose, None, crate::limits::KEYS_LISTED_MAX))
        .await?;
    Ok(Json(Page::whole(rows.iter().map(info).collect())))
}

fn info(k: &megawatt_store::reader::KeyRecord) -> KeyInfoView {
    let at = |ms: u64| crate::views::instant(ms);
    KeyInfoView {
        prefix: k.prefix.clone(),
        participant: k.participant.to_string(),
        scopes: k.scopes.split(',').map(String::from).collect(),
        created: at(k.created_ms),
        revoked: k.revoked_ms.map(at),
    }
}

/// Revoke an API key by its prefix: yours (the operator: anyone's). It is refused from
/// then on, including by a server restarted later.
#[utoipa::path(post, path = "/v1/keys/{prefix}/revoke", tag = "participants",
    params(("prefix" = String, Path, description = "The key's prefix, e.g. `mw_3f9a2c81d0b7`")),
    responses((status = 200, body = KeyInfoView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn revoke_key(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(prefix): Path<String>,
) -> Result<Json<KeyInfoView>, Problem> {
    crate::dry_run::unsupported("revoking a key")?;
    let owners: Vec<ParticipantId> = {
        let keys = state.keys.read().expect("keys lock");
        let mut owners: Vec<ParticipantId> = keys
            .values()
            .filter(|k| k.prefix == prefix && (caller.operator || k.caller.id == caller.id))
            .map(|k| k.caller.id)
            .collect();
        owners.sort_unstable();
        owners.dedup();
        owners
    };
    let owner = match owners.as_slice() {
        [one] => *one,
        [] => {
            return Err(
                Problem::unknown("key", format!("no live key {prefix:?} of yours")).field("prefix"),
            );
        }
        many => {
            let names: Vec<String> = many.iter().map(|p| p.to_string()).collect();
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "ambiguous_key",
                format!(
                    "live keys of {} have the prefix {prefix:?}",
                    names.join(", ")
                ),
            )
            .field("prefix"));
        }
    };
    // Read before revoking: the answer is the key as listed, now revoked.
    let asked = prefix.clone();
    let rows = state
        .read(move |r| r.api_keys(Some(owner), Some(asked), crate::limits::KEYS_LISTED_MAX))
        .await?;
    let mut row = rows
        .into_iter()
        .find(|k| k.revoked_ms.is_none())
        .ok_or_else(|| Problem::unavailable("the key is not readable yet; retry"))?;
    let revoked = RevokedKey {
        participant: owner,
        prefix: prefix.clone(),
        revoked_ms: now_ms(),
    };
    row.revoked_ms = Some(revoked.revoked_ms);
    state
        .seq
        .revoke_keys(vec![revoked])
        .await
        .map_err(seq_problem)?;
    state
        .keys
        .write()
        .expect("keys lock")
        .retain(|_, k| !(k.prefix == prefix && k.caller.id == owner));
    Ok(Json(info(&row)))
}
