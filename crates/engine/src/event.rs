//! Events: what an accepted command did. The server writes them to the query tables
//! and publishes the public ones as market data.

use crate::contract::{Contract, ForCause, Notice, Trade};
use crate::deal::{Quote, Rfq};
use crate::entities::{Facility, Participant, Reservation};
use crate::ids::InvoiceId;
use crate::ids::{
    ContractId, FacilityId, ModelIdx, OrderId, ParticipantId, PoolId, QuoteId, ReservationId, RfqId,
};
use crate::invoice::{Invoice, InvoiceLines};
use crate::money::{FeeRates, Transfer};
use crate::order::Order;
use serde::{Deserialize, Serialize};

/// Why an order left the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Everything it offered or wanted traded.
    Filled,
    /// Its owner (or the operator) cancelled it, or reduced it to nothing.
    Cancelled,
    /// Its GTD expiry passed.
    Expired,
    /// Its window started.
    WindowStarted,
    /// IOC: what did not fill at once was cancelled.
    IocRemainder,
    /// FOK (or an all-or-none IOC): it could not fill at once, so nothing traded.
    Killed,
    /// A resale ask whose contract ended early (notice or termination).
    ContractEnded,
}

impl CloseReason {
    /// The stable name, as stored and shown (`filled`, `window_started`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Filled => "filled",
            CloseReason::Cancelled => "cancelled",
            CloseReason::Expired => "expired",
            CloseReason::WindowStarted => "window_started",
            CloseReason::IocRemainder => "ioc_remainder",
            CloseReason::Killed => "killed",
            CloseReason::ContractEnded => "contract_ended",
        }
    }

    /// What it means, for people (the API's document lists it beside the name).
    pub fn meaning(self) -> &'static str {
        match self {
            CloseReason::Filled => "everything it offered or wanted traded",
            CloseReason::Cancelled => {
                "its owner (or the operator) cancelled it, or reduced it to nothing"
            }
            CloseReason::Expired => "its good-till time passed",
            CloseReason::WindowStarted => "its window started before it traded",
            CloseReason::IocRemainder => {
                "immediate-or-cancel: what did not trade at once was cancelled"
            }
            CloseReason::Killed => {
                "fill-or-kill (or an all-or-none immediate order): it could not fill at once, so nothing traded"
            }
            CloseReason::ContractEnded => "a resale ask whose contract ended early",
        }
    }

    /// The reason named `s` ([`CloseReason::as_str`]).
    pub fn parse(s: &str) -> Option<CloseReason> {
        CloseReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Every reason.
    pub const ALL: [CloseReason; 7] = [
        CloseReason::Filled,
        CloseReason::Cancelled,
        CloseReason::Expired,
        CloseReason::WindowStarted,
        CloseReason::IocRemainder,
        CloseReason::Killed,
        CloseReason::ContractEnded,
    ];
}

/// Where an order, RFQ or quote is: open, or closed and how (`E`: [`CloseReason`],
/// [`RfqEnd`] or [`QuoteEnd`]). Shown and stored as `open` or the ending's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<E> {
    /// Still open.
    Open,
    /// Closed, and how.
    Closed(E),
}

/// How an order or a quote ends: a label with a parser.
pub trait Ending: Copy + Sized {
    /// The stable name.
    fn name(self) -> &'static str;
    /// The ending named `s`.
    fn named(s: &str) -> Option<Self>;
}

impl Ending for CloseReason {
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn named(s: &str) -> Option<Self> {
        CloseReason::parse(s)
    }
}

impl Ending for QuoteEnd {
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn named(s: &str) -> Option<Self> {
        QuoteEnd::parse(s)
    }
}

impl<E: Ending> Status<E> {
    /// `open` or how it closed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed(e) => e.name(),
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Status::Open),
            _ => E::named(s).map(Status::Closed),
        }
    }
}

impl Ending for RfqEnd {
    fn name(self) -> &'static str {
        self.as_str()
    }
    /// `cancelled` or `expired`; `accepted` needs its quote ([`Status::parse_accepted`]).
    fn named(s: &str) -> Option<Self> {
        [RfqEnd::Cancelled, RfqEnd::Expired]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

impl Status<RfqEnd> {
    /// The status named `s`, with the quote accepted when it is `accepted`.
    pub fn parse_accepted(s: &str, accepted: Option<QuoteId>) -> Option<Self> {
        Some(match (s, accepted) {
            ("open", _) => Status::Open,
            ("accepted", Some(q)) => Status::Closed(RfqEnd::Accepted(q)),
            ("cancelled", _) => Status::Closed(RfqEnd::Cancelled),
            ("expired", _) => Status::Closed(RfqEnd::Expired),
            _ => return None,
        })
    }
}

/// Why a reservation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationEnd {
    /// Its owner released it.
    Released,
    /// Its window passed.
    Elapsed,
}

/// How an RFQ closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfqEnd {
    /// Its buyer accepted a quote.
    Accepted(QuoteId),
    /// Its buyer cancelled it.
    Cancelled,
    /// Its deadline passed.
    Expired,
}

impl RfqEnd {
    /// `accepted`, `cancelled` or `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            RfqEnd::Accepted(_) => "accepted",
            RfqEnd::Cancelled => "cancelled",
            RfqEnd::Expired => "expired",
        }
    }
}

/// How a quote closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteEnd {
    /// The buyer accepted it: its capacity is now the contract's.
    Accepted,
    /// Its provider withdrew it.
    Withdrawn,
    /// Its expiry passed.
    Expired,
    /// Another quote was accepted, or the RFQ closed.
    Released,
}

impl QuoteEnd {
    /// `accepted`, `withdrawn`, `expired` or `released`.
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteEnd::Accepted => "accepted",
            QuoteEnd::Withdrawn => "withdrawn",
            QuoteEnd::Expired => "expired",
            QuoteEnd::Released => "released",
        }
    }

    /// What it means, for people.
    pub fn meaning(self) -> &'static str {
        match self {
            QuoteEnd::Accepted => "the buyer accepted it: its capacity is now the contract's",
            QuoteEnd::Withdrawn => "its provider withdrew it",
            QuoteEnd::Expired => "its expiry passed",
            QuoteEnd::Released => "another quote was accepted, or the RFQ closed",
        }
    }

    /// The ending named `s` ([`QuoteEnd::as_str`]).
    pub fn parse(s: &str) -> Option<QuoteEnd> {
        QuoteEnd::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Every ending.
    pub const ALL: [QuoteEnd; 4] = [
        QuoteEnd::Accepted,
        QuoteEnd::Withdrawn,
        QuoteEnd::Expired,
        QuoteEnd::Released,
    ];
}

/// Something that happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A participant was admitted.
    ParticipantCreated(Participant),
    /// A model was added to the catalog.
    ModelAdded {
        /// Its index.
        model: ModelIdx,
    },
    /// A facility and its pools were registered.
    FacilityCreated(Facility),
    /// Capacity was reserved.
    Reserved(Reservation),
    /// A reservation ended.
    ReservationEnded {
        /// The reservation.
        reservation: ReservationId,
        /// Why.
        reason: ReservationEnd,
    },
    /// An order was accepted (as placed, before any fill).
    OrderAccepted(Order),
    /// An order's quantity was reduced.
    OrderReduced {
        /// The order.
        order: OrderId,
        /// GPUs taken off.
        by_gpus: u32,
    },
    /// An order left the book (or never rested).
    OrderClosed {
        /// The order.
        order: OrderId,
        /// Why.
        reason: CloseReason,
    },
    /// A fill.
    Trade(Trade),
    /// A contract was made (by a trade, just before this event).
    ContractCreated(Box<Contract>),
    /// A contract's first hour began.
    ContractStarted {
        /// The contract.
        contract: ContractId,
    },
    /// A contract's last hour ended; its capacity went back to its pools.
    ContractExpired {
        /// The contract.
        contract: ContractId,
    },
    /// A buyer asked for quotes.
    RfqCreated(Rfq),
    /// An RFQ closed.
    RfqClosed {
        /// The RFQ.
        rfq: RfqId,
        /// How.
        reason: RfqEnd,
    },
    /// A provider quoted.
    QuoteSubmitted(Quote),
    /// A quote closed (its capacity was released, unless accepted).
    QuoteClosed {
        /// The quote.
        quote: QuoteId,
        /// How.
        reason: QuoteEnd,
    },
    /// Notice was given: the contract now ends at `notice.effective`, and its capacity
    /// after that went back at once.
    NoticeGiven {
        /// The contract.
        contract: ContractId,
        /// The notice.
        notice: Notice,
    },
    /// A contract was terminated for cause: it ends at `termination.effective`.
    TerminatedForCause {
        /// The contract.
        contract: ContractId,
        /// The termination.
        termination: ForCause,
    },
    /// Money moved.
    Transfer(Transfer),
    /// An invoice was issued, before invoices carried their lines: stored answers of
    /// that time still decode; the engine now issues [`Event::InvoiceBilled`].
    InvoiceIssued(Invoice),
    /// An invoice was paid (with its transfer).
    InvoicePaid {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// An unpaid invoice passed its due date.
    InvoiceOverdue {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// The operator set the fees for orders placed from now on.
    FeesSet(FeeRates),
    /// The operator set a participant's credit limit.
    CreditLimitSet {
        /// The participant.
        participant: ParticipantId,
        /// The limit, micro-USD.
        limit_micros: i64,
    },
    /// A contract ended early (at the effective hour of a notice or termination); its
    /// remaining capacity went back.
    ContractTerminated {
        /// The contract.
        contract: ContractId,
        /// Whether it was terminated for cause (its status stays
        /// `terminated_for_cause`; otherwise it becomes `terminated`).
        for_cause: bool,
    },
    /// A pool of a facility just registered (follows its `FacilityCreated`, one per pool,
    /// in the facility's order), so a reader of events needs no engine to know it.
    PoolCreated {
        /// The pool.
        pool: PoolId,
        /// Its facility.
        facility: FacilityId,
        /// Its GPU model.
        model: ModelIdx,
        /// Its GPUs.
        gpus: u32,
    },
    /// An invoice was issued (it may be paid in the same command), with its lines:
    /// each contract line's share, adding up to the invoice exactly.
    InvoiceBilled {
        /// The invoice.
        invoice: Invoice,
        /// Its lines.
        lines: InvoiceLines,
    },
    /// An open contract's end came within [`crate::contract::ENDING_SOON_HOURS`] of the
    /// clock (once per contract and end: see `Engine::tick`).
    ContractEndingSoon {
        /// The contract.
        contract: ContractId,
        /// The hour it ends.
        ends: crate::units::Hour,
    },
    /// A party reported usage (`metering.rs`): as the seller, GPUs delivered; as the
    /// buyer, GPUs used. Each record replaces an earlier one of its line, hour and side.
    UsageReported {
        /// Who reported.
        reporter: ParticipantId,
        /// The records of contracts it sells.
        delivered: Vec<crate::usage::UsageRecord>,
        /// The records of contracts it buys.
        used: Vec<crate::usage::UsageRecord>,
    },
    /// The operator set the delivery terms of new fills.
    DeliveryDefaultsSet(crate::delivery::DeliveryTerms),
    /// A month's close credited a contract's buyer for hours not delivered, with the
    /// evidence: by the invoice `invoice` of charge `delivery_credit` (a prepaid
    /// contract), or by credit lines on the month's `usage` invoice `invoice` (a term
    /// contract).
    DeliveryCredited {
        /// The contract.
        contract: ContractId,
        /// The invoice the credit is on.
        invoice: crate::ids::InvoiceId,
        /// The month's delivery and the credit's parts.
        delivery: crate::delivery::MonthDelivery,
    },
    /// The operator set how long after its end a month closes.
    MonthCloseGraceSet {
        /// Hours after the month's end.
        hours: u16,
    },
    /// The operator put an index methodology in force.
    IndexMethodologySet {
        /// Its version.
        version: u16,
    },
    /// A tick published a value of the index (or said why it did not).
    IndexPublished(crate::index::IndexValue),
    /// A tick published a model's forward curve, changed since its last (no points: it
    /// was withdrawn, nothing left to price it from).
    CurvePublished(crate::curve::Curve),
    /// A buyer created a standing procurement.
    ProcurementCreated(crate::procurement::Procurement),
    /// A procurement was paused.
    ProcurementPaused {
        /// The procurement.
        procurement: crate::ids::ProcurementId,
    },
    /// A paused procurement was resumed.
    ProcurementResumed {
        /// The procurement.
        procurement: crate::ids::ProcurementId,
    },
    /// A tick's procurement placed an IOC bid: this names the procurement of the order
    /// accepted just before it (the bid's fills and close follow this event).
    ProcurementBid {
        /// The procurement.
        procurement: crate::ids::ProcurementId,
        /// The bid.
        order: OrderId,
    },
    /// A procurement ended (its contracts stay).
    ProcurementEnded {
        /// The procurement.
        procurement: crate::ids::ProcurementId,
        /// Why.
        reason: crate::procurement::ProcurementEnd,
    },
    /// A participant stored a capacity plan.
    PlanUploaded {
        /// The plan.
        plan: crate::ids::PlanId,
        /// Its owner.
        owner: ParticipantId,
        /// What it asks for.
        spec: crate::command::PlanSpec,
    },
    /// A plan's orders were placed (their own events come before this one): each
    /// order of the command's list, in its order, with what became of it.
    PlanApplied {
        /// The plan.
        plan: crate::ids::PlanId,
        /// Each order and its outcome.
        orders: Vec<(crate::command::PlannedOrder, PlanOutcome)>,
    },
    /// A batch of orders was placed (their own events come before this one): each order
    /// of the command's list, in its order, with what became of it.
    OrdersPlaced {
        /// Each order and its outcome.
        orders: Vec<(crate::command::PlannedOrder, PlanOutcome)>,
    },
}

/// What became of one order of a plan or a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanOutcome {
    /// Placed as this order.
    Placed(OrderId),
    /// Refused, changing nothing.
    Refused {
        /// The rule's code.
        rule: String,
        /// The field at fault, in the order's spec.
        field: String,
        /// A sentence naming the values.
        detail: String,
    },
}
