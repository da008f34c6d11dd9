//! The public market events of `/v1/events` (server-sent events, one JSON object each).

use crate::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One public market event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MarketEvent {
    /// A trade, without its parties.
    Trade {
        /// Journal sequence number of the command that caused it.
        seq: u64,
        /// Trade id.
        id: String,
        /// GPU model.
        model: String,
        /// The region of the facility the GPUs come from (empty in prints logged before
        /// 2026-12-03, which did not carry it).
        #[serde(default)]
        region: String,
        /// GPUs.
        gpus: u32,
        /// Window start, RFC 3339.
        start: String,
        /// Window end, RFC 3339.
        end: String,
        /// Price per GPU-hour.
        price: Money,
        /// Side of the incoming order.
        aggressor: String,
    },
    /// An order arrived (it may trade at once, see the following events).
    Order {
        /// Journal sequence number.
        seq: u64,
        /// Order id.
        id: String,
        /// `buy` or `sell`.
        side: String,
        /// GPU model.
        model: String,
        /// GPUs.
        gpus: u32,
        /// Window start.
        start: String,
        /// Window end.
        end: String,
        /// Price (sell) or limit (buy) per GPU-hour.
        price: Money,
    },
    /// An order left the book.
    Closed {
        /// Journal sequence number.
        seq: u64,
        /// Order id.
        id: String,
        /// Why.
        reason: String,
    },
    /// A tick published a value of the index (or withheld one, saying why): as on
    /// `GET /v1/index`.
    Index {
        /// Journal sequence number of the tick.
        seq: u64,
        /// GPU model.
        model: String,
        /// The region's series, or absent: every region's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<String>,
        /// `hour` or `day`.
        span: String,
        /// The value.
        value: crate::IndexValueView,
    },
    /// A model's best bid or best ask changed (over every window: the top of
    /// `GET /v1/book`).
    Top {
        /// Journal sequence number of the command that changed it.
        seq: u64,
        /// GPU model.
        model: String,
        /// The highest resting bid's limit per GPU-hour, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        best_bid: Option<Money>,
        /// The lowest resting ask's price per GPU-hour, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        best_ask: Option<Money>,
    },
    /// A tick published a model's forward curve, changed since its last (read it at
    /// `GET /v1/curve`).
    Curve {
        /// Journal sequence number of the tick.
        seq: u64,
        /// GPU model.
        model: String,
        /// The tick.
        at: String,
        /// Its points (none: withdrawn).
        points: usize,
    },
}

/// The type names of the account events, as sent on the stream (`event:`) and to
/// webhooks (`type`), each with what it means.
pub const ACCOUNT_EVENT_TYPES: [(&str, &str); 12] = [
    ("fill", "one of your orders traded (a contract was made)"),
    (
        "contract.pending",
        "a contract of yours was made and has not started",
    ),
    (
        "contract.started",
        "a contract of yours began its first hour",
    ),
    (
        "contract.ending_soon",
        "a contract of yours ends within 72 hours",
    ),
    (
        "contract.ended",
        "a contract of yours ended (its last hour passed, or it ended early)",
    ),
    (
        "contract.notice",
        "notice was given on a contract of yours (by you or the other party)",
    ),
    (
        "contract.termination",
        "a contract of yours was terminated for cause (it ends at the effective hour)",
    ),
    (
        "invoice.issued",
        "an invoice you pay or are paid was issued",
    ),
    (
        "invoice.overdue",
        "an unpaid invoice of yours passed its due date",
    ),
    ("invoice.paid", "an invoice of yours was paid"),
    ("quote.received", "a provider quoted on your RFQ"),
    (
        "rfq.awarded",
        "the buyer accepted your quote: the RFQ is awarded to you",
    ),
];

/// An event of one participant's account: sent on `/v1/events` to the caller whose it
/// is (beside the public market events) and to its webhooks. Each names what changed;
/// the API has the whole object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type")]
pub enum AccountEvent {
    /// One of your orders traded.
    #[serde(rename = "fill")]
    Fill {
        /// The trade id.
        trade: String,
        /// Your order that traded.
        order: String,
        /// Your side: `buy` or `sell`.
        side: String,
        /// The contract the fill made.
        contract: String,
        /// GPU model.
        model: String,
        /// GPUs.
        gpus: u32,
        /// Window start, RFC 3339.
        start: String,
        /// Window end, RFC 3339.
        end: String,
        /// Price per GPU-hour.
        price: Money,
    },
    /// A contract of yours was made and has not started.
    #[serde(rename = "contract.pending")]
    ContractPending {
        /// The contract.
        contract: String,
        /// Your side: `buyer` or `seller`.
        role: String,
        /// Its first hour, RFC 3339.
        start: String,
        /// Its end, RFC 3339.
        end: String,
    },
    /// A contract of yours began.
    #[serde(rename = "contract.started")]
    ContractStarted {
        /// The contract.
        contract: String,
        /// `buyer` or `seller`.
        role: String,
    },
    /// A contract of yours ends within 72 hours.
    #[serde(rename = "contract.ending_soon")]
    ContractEndingSoon {
        /// The contract.
        contract: String,
        /// `buyer` or `seller`.
        role: String,
        /// When it ends, RFC 3339.
        ends: String,
    },
    /// A contract of yours ended.
    #[serde(rename = "contract.ended")]
    ContractEnded {
        /// The contract.
        contract: String,
        /// `buyer` or `seller`.
        role: String,
        /// `expired` (its last hour passed), `terminated` (by notice) or
        /// `terminated_for_cause`.
        how: String,
    },
    /// Notice was given on a contract of yours.
    #[serde(rename = "contract.notice")]
    ContractNotice {
        /// The contract.
        contract: String,
        /// `buyer` or `seller`.
        role: String,
        /// Who gave it: `you`, `counterparty`, or `parent` (notice on the contract this
        /// one was resold from, which ends it too).
        by: String,
        /// When the contract now ends, RFC 3339.
        effective: String,
        /// The early-exit fee owed by whoever gave notice.
        fee: Money,
    },
    /// A contract of yours was terminated for cause.
    #[serde(rename = "contract.termination")]
    ContractTermination {
        /// The contract.
        contract: String,
        /// `buyer` or `seller`.
        role: String,
        /// Who terminated it: `you`, `counterparty`, or `parent` (a termination of the
        /// contract this one was resold from).
        by: String,
        /// The cause (`acceptable_use`, `non_payment`, `non_delivery`).
        cause: String,
        /// When it ends, RFC 3339.
        effective: String,
    },
    /// An invoice of yours was issued.
    #[serde(rename = "invoice.issued")]
    InvoiceIssued {
        /// The invoice.
        invoice: String,
        /// Its contract.
        contract: String,
        /// `payer` or `payee`.
        role: String,
        /// Its amount.
        amount: Money,
        /// When it is due, RFC 3339.
        due: String,
    },
    /// An unpaid invoice of yours passed its due date.
    #[serde(rename = "invoice.overdue")]
    InvoiceOverdue {
        /// The invoice.
        invoice: String,
        /// `payer` or `payee`.
        role: String,
    },
    /// An invoice of yours was paid.
    #[serde(rename = "invoice.paid")]
    InvoicePaid {
        /// The invoice.
        invoice: String,
        /// `payer` or `payee`.
        role: String,
    },
    /// A provider quoted on your RFQ.
    #[serde(rename = "quote.received")]
    QuoteReceived {
        /// Your RFQ.
        rfq: String,
        /// The quote.
        quote: String,
        /// When the quote expires, RFC 3339.
        expires: String,
    },
    /// Your quote was accepted.
    #[serde(rename = "rfq.awarded")]
    RfqAwarded {
        /// The RFQ.
        rfq: String,
        /// Your quote.
        quote: String,
        /// The contract it made.
        contract: String,
    },
}

impl AccountEvent {
    /// Its type name (one of [`ACCOUNT_EVENT_TYPES`]).
    pub fn kind(&self) -> &'static str {
        match self {
            AccountEvent::Fill { .. } => "fill",
            AccountEvent::ContractPending { .. } => "contract.pending",
            AccountEvent::ContractStarted { .. } => "contract.started",
            AccountEvent::ContractEndingSoon { .. } => "contract.ending_soon",
            AccountEvent::ContractEnded { .. } => "contract.ended",
            AccountEvent::ContractNotice { .. } => "contract.notice",
            AccountEvent::ContractTermination { .. } => "contract.termination",
            AccountEvent::InvoiceIssued { .. } => "invoice.issued",
            AccountEvent::InvoiceOverdue { .. } => "invoice.overdue",
            AccountEvent::InvoicePaid { .. } => "invoice.paid",
            AccountEvent::QuoteReceived { .. } => "quote.received",
            AccountEvent::RfqAwarded { .. } => "rfq.awarded",
        }
    }
}

impl MarketEvent {
    /// Its type name: `trade`, `order`, `closed`, `top`, `index` or `curve`.
    pub fn kind(&self) -> &'static str {
        match self {
            MarketEvent::Trade { .. } => "trade",
            MarketEvent::Order { .. } => "order",
            MarketEvent::Closed { .. } => "closed",
            MarketEvent::Index { .. } => "index",
            MarketEvent::Top { .. } => "top",
            MarketEvent::Curve { .. } => "curve",
        }
    }
}

/// What a webhook receives: one account event, with its id and time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookPayload {
    /// The event id (`seq.n`), the same as on `/v1/events`: stable across retries and
    /// redeliveries, for deduplication.
    pub id: String,
    /// Its type (one of the account event types).
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (the command's time), RFC 3339.
    pub created: String,
    /// The event.
    pub data: AccountEvent,
}

/// What `/v1/events` sends: a public market event or one of the caller's account
/// events (the SSE `event:` field is its `type`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum StreamEvent {
    /// Public market data.
    Market(MarketEvent),
    /// The caller's own.
    Account(AccountEvent),
}
