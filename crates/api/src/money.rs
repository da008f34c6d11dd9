//! Money as the API shows it ([`Money`]), and balances, transfers, invoices, fees and
//! the market's clock.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An amount of money: exact integer micro-USD, and the same as a decimal USD string
/// with six places (`{"micros": 2115000, "usd": "2.115000"}`). Clients compute with
/// `micros`; `usd` is for people.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub struct Money {
    /// Micro-USD (1 USD = 1,000,000).
    pub micros: i64,
    /// The same in USD, e.g. `"2.115000"`, `"-0.500000"`.
    pub usd: String,
}

/// The exchange's fees, basis points of a trade's notional (the answer of
/// `GET /v1/admin/fees`, and the body that sets them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeesView {
    /// Paid by the resting order's owner.
    #[schema(maximum = 65535)]
    pub maker_bps: u16,
    /// Paid by the incoming order's owner.
    #[schema(maximum = 65535)]
    pub taker_bps: u16,
}

/// An invoice: a term contract's hours, an early-termination fee, or a refund of
/// prepaid hours that will not be delivered.
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
    /// `usage` (the contract's GPU-hours or fee over the period, less any delivery
    /// credit), `early_termination_fee`, `refund` (what the buyer prepaid for the
    /// period's hours, owed back by the seller: the payer is then the seller) or
    /// `delivery_credit` (a prepaid month not delivered, paid back by the seller).
    pub charge: String,
    /// First hour billed.
    pub period_start: String,
    /// End of the period billed.
    pub period_end: String,
    /// Amount: what is paid, the charge less its credits.
    pub amount: Money,
    /// What the invoice charges before credits: its lines of positive amounts (for a
    /// `refund` or `delivery_credit` invoice, all of it).
    pub charged: Money,
    /// Delivery credits on the invoice (a term contract's month that fell short of its
    /// delivery terms: the lines of negative amounts), as a positive amount.
    pub credited: Money,
    /// Due at.
    pub due: String,
    /// `open`, `paid` or `overdue`.
    pub status: String,
    /// Each contract line's share, then its delivery credits (they add up to the amount).
    pub lines: Vec<InvoiceLineView>,
    /// The evidence of its delivery credit (a term contract's month with credit lines,
    /// or a `delivery_credit` invoice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_credit: Option<crate::DeliveryCreditView>,
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
    /// GPU-hours billed (usage), or not delivered (a credit line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu_hours: Option<u64>,
    /// Amount (negative on a credit line).
    pub amount: Money,
    /// A delivery credit: the line's GPU-hours not delivered, credited under the
    /// contract's delivery terms (the evidence: `GET /v1/contracts/{id}/credits`).
    pub credit: bool,
}

/// A participant's money at the exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BalanceView {
    /// The participant.
    pub participant: String,
    /// Balance (below zero: drawn on credit).
    pub balance: Money,
    /// Credit limit set by the operator.
    pub credit_limit: Money,
    /// What its resting bids have reserved (GPUs x hours x limit, with fees).
    pub open_bids: Money,
    /// What it owes on unpaid invoices (payable).
    pub owed: Money,
    /// What others owe it on unpaid invoices (receivable).
    pub receivable: Money,
    /// What it can still commit: balance + credit limit - open bids - owed.
    pub available: Money,
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
    /// Amount.
    pub amount: Money,
    /// `deposit`, `withdrawal`, `trade`, `fee`, `invoice` or `refund`.
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
