//! Participants' names beside their ids (`Frontier Lab (p-3)`), from the exchange's
//! directory, read once per command before its answer is printed.
//!
//! The directory is process-wide state: `mw` runs one command and exits, and every
//! printer would otherwise take it as an argument only to pass it on.

use megawatt_api::ParticipantView;
use std::collections::BTreeMap;
use std::sync::OnceLock;

static NAMES: OnceLock<BTreeMap<String, String>> = OnceLock::new();

/// Remembers the directory's names for [`who`] (the first call wins).
pub fn know(directory: &[ParticipantView]) {
    let names = directory
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let _ = NAMES.set(names);
}

/// A participant (or an account: `fees`, `external`) as people read it: its name and
/// id, or the id alone when the name is not known.
pub fn who(id: &str) -> String {
    match NAMES.get().and_then(|n| n.get(id)) {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}

/// [`who`] of an optional party ("" when absent).
pub fn who_opt(id: &Option<String>) -> String {
    id.as_deref().map(who).unwrap_or_default()
}
