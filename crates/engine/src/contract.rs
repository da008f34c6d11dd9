//! Trades and the contracts they create: who holds which GPU-hours, at what price, on
//! what terms.

use crate::ids::{ContractId, ModelIdx, OrderId, ParticipantId, PoolId, QuoteId, TradeId};
use crate::order::Side;
use crate::step::StepFn;
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// A contract's lines; exchange fills have exactly one, kept inline.
pub type Lines = SmallVec<[ContractLine; 1]>;

/// One fill between one bid and one ask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// Its id.
    pub id: TradeId,
    /// The bid filled.
    pub bid: OrderId,
    /// The ask filled.
    pub ask: OrderId,
    /// Buyer (the bid's owner).
    pub buyer: ParticipantId,
    /// Seller (the ask's owner).
    pub seller: ParticipantId,
    /// The pool the GPUs come from.
    pub pool: PoolId,
    /// GPU model.
    pub model: ModelIdx,
    /// GPUs traded.
    pub gpus: u32,
    /// Hours traded (the bid's window).
    pub window: Window,
    /// Price per GPU-hour in micro-USD: the resting order's price.
    pub price_micros: i64,
    /// The side of the incoming (aggressing) order.
    pub aggressor: Side,
    /// The contract the trade created.
    pub contract: ContractId,
    /// When it happened (the sequencer's timestamp), ms since the epoch.
    pub time_ms: u64,
}

/// GPUs of one pool over one window, held by a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractLine {
    /// The pool.
    pub pool: PoolId,
    /// GPUs held.
    pub gpus: u32,
    /// Hours held.
    pub window: Window,
}

/// How a contract is priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pricing {
    /// A price per GPU-hour, in micro-USD.
    PerGpuHour {
        /// Micro-USD per GPU-hour.
        price_micros: i64,
    },
    /// A fixed fee per calendar month for the whole contract, in micro-USD.
    MonthlyFee {
        /// Micro-USD per full month.
        fee_micros: i64,
    },
}

/// A cause for termination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The buyer broke the acceptable-use terms (the seller terminates).
    AcceptableUse,
    /// The buyer did not pay (the seller terminates).
    NonPayment,
    /// The seller did not deliver (the buyer terminates).
    NonDelivery,
}

impl Cause {
    /// `acceptable_use`, `non_payment` or `non_delivery`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::AcceptableUse => "acceptable_use",
            Cause::NonPayment => "non_payment",
            Cause::NonDelivery => "non_delivery",
        }
    }

    /// Whether the buyer (else the seller) is the party that may invoke it.
    pub fn invoked_by_buyer(self) -> bool {
        matches!(self, Cause::NonDelivery)
    }
}

/// Causes for which a party may terminate a contract.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Causes {
    /// Breach of acceptable use by the buyer.
    pub acceptable_use: bool,
    /// Non-payment by the buyer.
    pub non_payment: bool,
    /// Non-delivery by the seller.
    pub non_delivery: bool,
}

impl Causes {
    /// Whether `cause` is one of them.
    pub fn allows(self, cause: Cause) -> bool {
        match cause {
            Cause::AcceptableUse => self.acceptable_use,
            Cause::NonPayment => self.non_payment,
            Cause::NonDelivery => self.non_delivery,
        }
    }

    /// Whether every cause of `other` is one of these.
    pub fn covers(self, other: Causes) -> bool {
        (self.acceptable_use || !other.acceptable_use)
            && (self.non_payment || !other.non_payment)
            && (self.non_delivery || !other.non_delivery)
    }
}

/// The terms of a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// Notice the buyer must give to terminate for convenience; `None`: it may not.
    pub buyer_notice_hours: Option<u32>,
    /// Notice the seller must give to terminate for convenience; `None`: it may not.
    pub seller_notice_hours: Option<u32>,
    /// Fee due from the party that gives notice, in micro-USD.
    pub early_termination_fee_micros: i64,
    /// Causes that allow termination for cause.
    pub for_cause: Causes,
    /// Days from an invoice's issue to its due date (1 to
    /// [`crate::limits::MAX_PAYMENT_DAYS`]).
    pub payment_days: u16,
}

/// The terms of quotes journaled before contracts had payment terms: decoded from old
/// journal records, and upgraded with the default payment terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsV1 {
    /// See [`Terms`].
    pub buyer_notice_hours: Option<u32>,
    /// See [`Terms`].
    pub seller_notice_hours: Option<u32>,
    /// See [`Terms`].
    pub early_termination_fee_micros: i64,
    /// See [`Terms`].
    pub for_cause: Causes,
}

impl From<TermsV1> for Terms {
    fn from(t: TermsV1) -> Terms {
        Terms {
            buyer_notice_hours: t.buyer_notice_hours,
            seller_notice_hours: t.seller_notice_hours,
            early_termination_fee_micros: t.early_termination_fee_micros,
            for_cause: t.for_cause,
            payment_days: crate::limits::DEFAULT_PAYMENT_DAYS,
        }
    }
}

impl Terms {
    /// The firm terms of exchange fills: no termination for convenience, no fee,
    /// termination for any of the standard causes.
    pub fn exchange() -> Terms {
        Terms {
            buyer_notice_hours: None,
            seller_notice_hours: None,
            early_termination_fee_micros: 0,
            for_cause: Causes {
                acceptable_use: true,
                non_payment: true,
                non_delivery: true,
            },
            payment_days: crate::limits::DEFAULT_PAYMENT_DAYS,
        }
    }
}

/// Where a contract came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A fill on the continuous market.
    Trade(TradeId),
    /// An accepted quote.
    Quote(QuoteId),
    /// A fill of a resale ask: part of the parent contract, sold on by its buyer.
    Resale {
        /// The contract the capacity is carved from.
        parent: ContractId,
        /// The parent's line it is carved from.
        line: u16,
        /// The fill.
        trade: TradeId,
    },
}

/// Where a contract is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    /// Before its first hour.
    Pending,
    /// In force.
    Active,
    /// Past its last hour; its capacity went back to the pool.
    Expired,
    /// A party gave notice: it ends at the notice's effective hour.
    NoticeGiven,
    /// Ended early by notice, at the notice's effective hour.
    Terminated,
    /// Ended for cause: in force until the next hour boundary after the act, then over.
    TerminatedForCause,
}

impl ContractStatus {
    /// `pending`, `active`, `expired`, `notice_given`, `terminated` or
    /// `terminated_for_cause`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Pending => "pending",
            ContractStatus::Active => "active",
            ContractStatus::Expired => "expired",
            ContractStatus::NoticeGiven => "notice_given",
            ContractStatus::Terminated => "terminated",
            ContractStatus::TerminatedForCause => "terminated_for_cause",
        }
    }
}

/// Notice of termination for convenience.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The party that gave it (for a child ended with its parent: the parent's party).
    pub by: ParticipantId,
    /// When, ms since the epoch.
    pub given_ms: u64,
    /// The first hour the contract no longer holds.
    pub effective: Hour,
    /// Early-termination fee due from `by` to the other party (0 for a child ended with
    /// its parent).
    pub fee_micros: i64,
    /// Set when the contract ends because its parent (the contract it was resold from)
    /// ends.
    pub via_parent: Option<ContractId>,
}

/// Termination for cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForCause {
    /// The party that terminated.
    pub by: ParticipantId,
    /// The cause.
    pub cause: Cause,
    /// The written reason.
    pub reason: String,
    /// When, ms since the epoch.
    pub given_ms: u64,
    /// The first hour the contract no longer holds (the next hour boundary).
    pub effective: Hour,
}

/// A contract between a buyer and a seller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// Its id.
    pub id: ContractId,
    /// Who receives the capacity.
    pub buyer: ParticipantId,
    /// Who provides it.
    pub seller: ParticipantId,
    /// The GPU-hours held (at least one line).
    pub lines: Lines,
    /// Pricing.
    pub pricing: Pricing,
    /// Terms.
    pub terms: Terms,
    /// Origin.
    pub origin: Origin,
    /// Status.
    pub status: ContractStatus,
    /// When it was made (the sequencer's timestamp), ms since the epoch.
    pub created_ms: u64,
    /// The first hour it no longer holds: its end, or earlier after notice or
    /// termination. Lines are held up to here.
    pub ends: Hour,
    /// True until its end has been processed (by the tick of `ends`): while open, it
    /// holds its lines' capacity up to `ends`.
    pub open: bool,
    /// Notice given, if any.
    pub notice: Option<Notice>,
    /// Termination for cause, if any.
    pub for_cause: Option<Box<ForCause>>,
    /// Per line, the GPUs listed for resale or resold to child contracts at each hour
    /// (empty until the buyer first lists some).
    pub resold: Vec<StepFn>,
    /// Child contracts (resales), in creation order.
    pub children: Vec<ContractId>,
    /// Resale depth: 0 for contracts from pools, parent's + 1 for resales.
    pub depth: u8,
}

impl Contract {
    /// First hour of the earliest line.
    pub fn start(&self) -> Hour {
        self.lines
            .iter()
            .map(|l| l.window.start)
            .min()
            .unwrap_or(Hour(0))
    }

    /// First hour after the latest line.
    pub fn end(&self) -> Hour {
        self.lines
            .iter()
            .map(|l| l.window.end)
            .max()
            .unwrap_or(Hour(0))
    }

    /// True while the contract holds capacity (until its end has been processed).
    pub fn is_live(&self) -> bool {
        self.open
    }

    /// The hours of line `i` the contract holds: its window cut at `ends` (`None` if
    /// nothing is left of it).
    pub fn held(&self, i: usize) -> Option<Window> {
        let w = self.lines[i].window;
        Window::new(w.start, w.end.min(self.ends)).ok()
    }

    /// What the buyer owes for the hours of `[from, to)` the contract holds: GPUs x
    /// hours x price per GPU-hour, or the monthly fee prorated by the hours the contract
    /// is in force (from its first line's start to its end). `None` on overflow.
    pub fn value_micros(&self, from: Hour, to: Hour) -> Option<i64> {
        match self.pricing {
            Pricing::PerGpuHour { price_micros } => {
                let mut total: i64 = 0;
                for (i, l) in self.lines.iter().enumerate() {
                    let Some(w) = self.held(i) else { continue };
                    let (s, e) = (w.start.max(from), w.end.min(to));
                    if s < e {
                        let v = crate::units::notional_micros(price_micros, l.gpus, e.0 - s.0)?;
                        total = total.checked_add(v)?;
                    }
                }
                Some(total)
            }
            Pricing::MonthlyFee { fee_micros } => {
                let (s, e) = (self.start().max(from), self.ends.min(to));
                if s >= e {
                    return Some(0);
                }
                crate::units::prorated_fee_micros(fee_micros, s, e)
            }
        }
    }

    /// What a year of the contract costs at its full size: 12 monthly fees, or GPUs x
    /// 8,760 hours x price. `None` on overflow.
    pub fn run_rate_per_year_micros(&self) -> Option<i64> {
        match self.pricing {
            Pricing::MonthlyFee { fee_micros } => fee_micros.checked_mul(12),
            Pricing::PerGpuHour { price_micros } => {
                let gpus: u32 = self.lines.iter().map(|l| l.gpus).sum();
                crate::units::notional_micros(price_micros, gpus, 8_760)
            }
        }
    }

    /// The contract this one was resold from, if any.
    pub fn parent(&self) -> Option<ContractId> {
        match self.origin {
            Origin::Resale { parent, .. } => Some(parent),
            _ => None,
        }
    }

    /// A new contract, pending, holding its lines until their end.
    pub fn new(
        id: ContractId,
        (buyer, seller): (ParticipantId, ParticipantId),
        lines: Lines,
        (pricing, terms): (Pricing, Terms),
        origin: Origin,
        created_ms: u64,
    ) -> Contract {
        let ends = lines.iter().map(|l| l.window.end).max().unwrap_or(Hour(0));
        Contract {
            id,
            buyer,
            seller,
            lines,
            pricing,
            terms,
            origin,
            status: ContractStatus::Pending,
            created_ms,
            ends,
            open: true,
            notice: None,
            for_cause: None,
            resold: Vec::new(),
            children: Vec::new(),
            depth: 0,
        }
    }
}
