//! Invoices' vocabulary: what an invoice charges for, and an unpaid invoice. Issuing,
//! paying and marking invoices overdue is `billing.rs`.

use crate::ids::{ContractId, InvoiceId, ParticipantId};
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};

/// What an invoice charges for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Charge {
    /// The contract's GPU-hours or monthly fee over a period.
    Usage,
    /// The fee due from a party that gave notice.
    EarlyTerminationFee,
}

impl Charge {
    /// `usage` or `early_termination_fee`.
    pub fn as_str(self) -> &'static str {
        match self {
            Charge::Usage => "usage",
            Charge::EarlyTerminationFee => "early_termination_fee",
        }
    }
}

/// An unpaid invoice (paid ones live in the history tables).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Its id.
    pub id: InvoiceId,
    /// The contract billed.
    pub contract: ContractId,
    /// Who pays.
    pub payer: ParticipantId,
    /// Who is paid.
    pub payee: ParticipantId,
    /// What for.
    pub charge: Charge,
    /// The hours billed (usage), or the notice's effective hour (fee).
    pub period: Window,
    /// Amount, micro-USD.
    pub amount_micros: i64,
    /// When issued, ms since the epoch.
    pub issued_ms: u64,
    /// Due at the start of this hour.
    pub due: Hour,
    /// Past its due date and unpaid.
    pub overdue: bool,
}
