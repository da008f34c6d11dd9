//! API keys as the table holds them, for lists: prefix, owner, scopes and whether
//! revoked (never the key or its hash).

use super::*;

/// One API key as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    /// The first characters of the key.
    pub prefix: String,
    /// Its owner.
    pub participant: ParticipantId,
    /// Its scopes: names by commas, `*` for everything.
    pub scopes: String,
    /// When made, ms since the epoch.
    pub created_ms: u64,
    /// When revoked, if it was.
    pub revoked_ms: Option<u64>,
}

fn key_record(r: &dyn Get) -> Result<KeyRecord, StoreError> {
    Ok(KeyRecord {
        prefix: string(r, 0)?,
        participant: ParticipantId(big(r, 1)?),
        scopes: string(r, 2)?,
        created_ms: big(r, 3)?,
        revoked_ms: opt_big(r, 4)?,
    })
}

impl Reader {
    /// The keys of `participant` (`None`: everyone's), of `prefix` if given, newest
    /// first; at most `limit`.
    pub fn api_keys(
        &mut self,
        participant: Option<ParticipantId>,
        prefix: Option<String>,
        limit: usize,
    ) -> Result<Vec<KeyRecord>, StoreError> {
        let sql = format!(
            "SELECT prefix, participant, scopes, created_ms, revoked_ms FROM api_keys \
             WHERE (CAST($1 AS BIGINT) IS NULL OR participant = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR prefix = $2) \
             ORDER BY created_ms DESC, prefix LIMIT {limit}"
        );
        let params = [Val::I(participant.map(|p| p.0 as i64)), Val::T(prefix)];
        self.db.rows(&sql, &params, key_record)
    }
}
