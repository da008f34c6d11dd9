//! The API's answers (the types of `megawatt-api`) made from engine values and store
//! records: every money figure comes from the engine; this only formats.

mod contracts;
mod deals;
mod market;
pub mod positions;

pub use contracts::*;
pub use deals::*;
pub use market::*;

pub use megawatt_api::*;
use megawatt_engine::entities::{Participant, Roles};
use megawatt_engine::ids::ParticipantId;
use megawatt_engine::money::{Funds, Transfer};

/// An amount of micro-USD as shown: the integer and its USD string.
pub fn money(micros: i64) -> Money {
    Money {
        micros,
        usd: megawatt_engine::units::usd_string(micros),
    }
}

/// A transfer as shown.
pub fn transfer(t: &Transfer) -> TransferView {
    TransferView {
        id: t.id.to_string(),
        debit: t.debit.to_string(),
        credit: t.credit.to_string(),
        amount: money(t.amount_micros),
        kind: t.kind.as_str().into(),
        reference: t.reference.clone(),
        time_ms: t.time_ms,
    }
}

/// An instant (ms since the epoch) as RFC 3339 UTC with milliseconds.
pub fn instant(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let (y, m, d) = megawatt_engine::units::civil_from_days(days);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

/// A participant's funds as shown.
pub fn balance(p: ParticipantId, f: &Funds) -> BalanceView {
    BalanceView {
        participant: p.to_string(),
        balance: money(f.balance_micros),
        credit_limit: money(f.credit_limit_micros),
        open_bids: money(f.open_bids_micros),
        owed: money(f.owed_micros),
        receivable: money(f.receivable_micros),
        available: money(f.available_micros()),
    }
}

/// One of the exchange's own accounts (`fees`, `external`) as a balance: it has no
/// credit, bids or invoices.
pub fn account_balance(a: megawatt_engine::money::Account, micros: i64) -> BalanceView {
    BalanceView {
        participant: a.to_string(),
        balance: money(micros),
        credit_limit: money(0),
        open_bids: money(0),
        owed: money(0),
        receivable: money(0),
        available: money(micros),
    }
}

/// Roles as a list of names.
pub fn role_names(r: Roles) -> Vec<String> {
    let mut v = Vec::new();
    if r.provider {
        v.push("provider".to_string());
    }
    if r.buyer {
        v.push("buyer".to_string());
    }
    if r.operator {
        v.push("operator".to_string());
    }
    v
}

/// A participant as shown.
pub fn participant(p: &Participant) -> ParticipantView {
    ParticipantView {
        id: p.id.to_string(),
        name: p.name.clone(),
        roles: role_names(p.roles),
    }
}
