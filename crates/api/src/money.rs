//! Balances, transfers, invoices and the market's clock as the API shows them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An invoice of a term contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceView {
    /// Id, e.g. `inv-2`.
    pub id: String,
    /// The contract billed.
    pub contract: String,
    /// Who pays.
    pub payer: String,
    /// Who is paid.
    pub payee: String,
    /// `usage` (the contract's GPU-hours or fee over the period) or
    /// `early_termination_fee`.
    pub charge: String,
    /// First hour billed.
    pub period_start: String,
    /// End of the period billed.
    pub period_end: String,
    /// Amount, micro-USD.
    pub amount_micros: i64,
    /// The same in USD.
    pub amount_usd: String,
    /// Due at.
    pub due: String,
    /// `open`, `paid` or `overdue`.
    pub status: String,
    /// Each contract line's share (they add up to the amount).
    pub lines: Vec<InvoiceLineView>,
}

/// A contract line's share of an invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceLineView {
    /// The contract line's index (absent: the early-termination fee).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Its pool.
    pub pool: String,
    /// Its GPUs.
    pub gpus: u32,
    /// GPU-hours billed (usage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu_hours: Option<u64>,
    /// Amount, micro-USD.
    pub amount_micros: i64,
    /// The same in USD.
    pub amount_usd: String,
}

/// A participant's money at the exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BalanceView {
    /// The participant.
    pub participant: String,
    /// Balance, micro-USD (below zero: drawn on credit).
    pub balance_micros: i64,
    /// The same in USD.
    pub balance_usd: String,
    /// Credit limit set by the operator, micro-USD.
    pub credit_limit_micros: i64,
    /// The same in USD.
    pub credit_limit_usd: String,
    /// What its resting bids have reserved (GPUs x hours x limit, with fees), micro-USD.
    pub open_bids_micros: i64,
    /// What it owes on unpaid invoices (payable), micro-USD.
    pub owed_micros: i64,
    /// What others owe it on unpaid invoices (receivable), micro-USD.
    pub receivable_micros: i64,
    /// What it can still commit: balance + credit limit - open bids - owed, micro-USD.
    pub available_micros: i64,
    /// The same in USD.
    pub available_usd: String,
}

/// A transfer of money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TransferView {
    /// Id, e.g. `tr-4`.
    pub id: String,
    /// The account debited: `external`, `fees` or a participant.
    pub debit: String,
    /// The account credited.
    pub credit: String,
    /// Amount, micro-USD.
    pub amount_micros: i64,
    /// The same in USD.
    pub amount_usd: String,
    /// `deposit`, `withdrawal`, …
    pub kind: String,
    /// What caused it.
    pub reference: String,
    /// When, ms since the epoch.
    pub time_ms: u64,
}

/// The market's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockView {
    /// The hour the market's clock is in.
    pub hour: String,
    /// Events the tick made (orders expired, contracts started or ended, invoices…).
    pub events: usize,
}
