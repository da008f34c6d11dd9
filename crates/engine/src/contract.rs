//! Trades and the contracts they create: who holds which GPU-hours, at what price, on
//! what terms.

use crate::ids::{ContractId, ModelIdx, OrderId, ParticipantId, PoolId, QuoteId, TradeId};
use crate::order::Side;
use crate::step::StepFn;
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// How long before its end a contract's parties are told that it ends soon
/// ([`crate::event::Event::ContractEndingSoon`]): 72 hours.
pub const ENDING_SOON_HOURS: u32 = 72;

/// A contract's lines; exchange fills have exactly one, kept inline.
pub type Lines = SmallVec<[ContractLine; 1]>;

/// Where a notice period starts counting (`lifecycle::notice_end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeFrom {
    /// From the moment notice is given ([`crate::command::Command::GiveNotice`]).
    Moment,
    /// From the next hour boundary after it: the rule of notice journaled before
    /// 2026-12-02 ([`crate::command::Command::GiveNoticeV1`]), kept for replay.
    NextHour,
}

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

impl Pricing {
    /// `per_gpu_hour` or `monthly_fee`: the pricing's kind as shown and stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Pricing::PerGpuHour { .. } => "per_gpu_hour",
            Pricing::MonthlyFee { .. } => "monthly_fee",
        }
    }

    /// The price per GPU-hour, if it is one.
    pub fn price_micros(&self) -> Option<i64> {
        match *self {
            Pricing::PerGpuHour { price_micros } => Some(price_micros),
            Pricing::MonthlyFee { .. } => None,
        }
    }

    /// The monthly fee, if it is one.
    pub fn fee_micros(&self) -> Option<i64> {
        match *self {
            Pricing::MonthlyFee { fee_micros } => Some(fee_micros),
            Pricing::PerGpuHour { .. } => None,
        }
    }

    /// The pricing of a kind and its amount, as stored ([`Pricing::kind`] and the
    /// amount that kind needs); `None` when they do not make one.
    pub fn from_parts(
        kind: &str,
        price_micros: Option<i64>,
        fee_micros: Option<i64>,
    ) -> Option<Pricing> {
        match (kind, price_micros, fee_micros) {
            ("per_gpu_hour", Some(price_micros), _) => Some(Pricing::PerGpuHour { price_micros }),
            ("monthly_fee", _, Some(fee_micros)) => Some(Pricing::MonthlyFee { fee_micros }),
            _ => None,
        }
    }
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

    /// The cause named `s` ([`Cause::as_str`]).
    pub fn parse(s: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Every cause, in the order they are shown.
    pub const ALL: [Cause; 3] = [Cause::AcceptableUse, Cause::NonPayment, Cause::NonDelivery];

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

    /// The causes' names ([`Cause::as_str`]) joined by commas, in a fixed order (empty
    /// for none): how they are shown and stored.
    pub fn to_text(self) -> String {
        self.names().collect::<Vec<_>>().join(",")
    }

    /// The causes' names ([`Cause::as_str`]), in a fixed order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Cause::ALL
            .into_iter()
            .filter(move |&c| self.allows(c))
            .map(Cause::as_str)
    }

    /// Causes from [`Causes::to_text`]; `None` when a name is not a cause.
    pub fn from_text(s: &str) -> Option<Causes> {
        let mut out = Causes::default();
        for name in s.split(',').filter(|n| !n.is_empty()) {
            match Cause::parse(name)? {
                Cause::AcceptableUse => out.acceptable_use = true,
                Cause::NonPayment => out.non_payment = true,
                Cause::NonDelivery => out.non_delivery = true,
            }
        }
        Some(out)
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

    /// What it means, for people.
    pub fn meaning(self) -> &'static str {
        match self {
            ContractStatus::Pending => "before its first hour",
            ContractStatus::Active => "in force",
            ContractStatus::Expired => "past its last hour; its capacity went back to the pool",
            ContractStatus::NoticeGiven => {
                "a party gave notice: it ends at the notice's effective hour"
            }
            ContractStatus::Terminated => "ended early by notice, at the notice's effective hour",
            ContractStatus::TerminatedForCause => {
                "ended for cause, at the termination's effective hour"
            }
        }
    }

    /// The status named `s` ([`ContractStatus::as_str`]).
    pub fn parse(s: &str) -> Option<ContractStatus> {
        ContractStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Every status.
    pub const ALL: [ContractStatus; 6] = [
        ContractStatus::Pending,
        ContractStatus::Active,
        ContractStatus::Expired,
        ContractStatus::NoticeGiven,
        ContractStatus::Terminated,
        ContractStatus::TerminatedForCause,
    ];
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
    /// What its seller has been invoiced to refund its buyer for hours after an early
    /// end, micro-USD (prepaid contracts only; `refund.rs`).
    pub refunded_micros: i64,
    /// What it promises of delivery (the exchange's defaults for fills).
    pub delivery: crate::delivery::DeliveryTerms,
    /// What its buyer has been credited for hours not delivered, micro-USD
    /// (`credits.rs`).
    pub credited_micros: i64,
}

impl Contract {
    /// First hour of the earliest line.
    pub fn start(&self) -> Hour {
        self.economics().start()
    }

    /// First hour after the latest line.
    pub fn end(&self) -> Hour {
        self.economics().end()
    }

    /// True while the contract holds capacity (until its end has been processed).
    pub fn is_live(&self) -> bool {
        self.open
    }

    /// The hours of line `i` the contract holds: its window cut at `ends` (`None` if
    /// nothing is left of it).
    pub fn held(&self, i: usize) -> Option<Window> {
        self.economics().held(i)
    }

    /// What the buyer owes for the hours of `[from, to)` the contract holds
    /// ([`crate::economics::Economics::value_micros`]). `None` on overflow.
    pub fn value_micros(&self, from: Hour, to: Hour) -> Option<i64> {
        self.economics().value_micros(from, to)
    }

    /// Whether its buyer paid for it at the trade (an exchange fill or a resale) rather
    /// than by monthly invoices (an accepted quote).
    pub fn is_prepaid(&self) -> bool {
        !matches!(self.origin, Origin::Quote(_))
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
            refunded_micros: 0,
            delivery: crate::delivery::DeliveryTerms::none(),
            credited_micros: 0,
        }
    }
}

/// A contract's facts as recorded: everything about it but the engine's bookkeeping
/// (whether it still holds capacity, resale holdings, children, depth). The query
/// tables hold exactly this and the reader returns it, so a view of a contract is made
/// from this alone, whether the contract comes from the engine or from the tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractRecord {
    /// Its id.
    pub id: ContractId,
    /// Who receives the capacity.
    pub buyer: ParticipantId,
    /// Who provides it.
    pub seller: ParticipantId,
    /// The GPU-hours held, as made.
    pub lines: Lines,
    /// Pricing.
    pub pricing: Pricing,
    /// Terms.
    pub terms: Terms,
    /// Origin.
    pub origin: Origin,
    /// Status.
    pub status: ContractStatus,
    /// When it was made, ms since the epoch.
    pub created_ms: u64,
    /// The first hour it no longer holds.
    pub ends: Hour,
    /// Notice given, if any.
    pub notice: Option<Notice>,
    /// Termination for cause, if any.
    pub for_cause: Option<ForCause>,
    /// What it promises of delivery.
    pub delivery: crate::delivery::DeliveryTerms,
}

impl ContractRecord {
    /// First hour of the earliest line.
    pub fn start(&self) -> Hour {
        self.economics().start()
    }

    /// First hour after the latest line.
    pub fn end(&self) -> Hour {
        self.economics().end()
    }
}

impl From<&Contract> for ContractRecord {
    fn from(c: &Contract) -> ContractRecord {
        ContractRecord {
            id: c.id,
            buyer: c.buyer,
            seller: c.seller,
            lines: c.lines.clone(),
            pricing: c.pricing,
            terms: c.terms,
            origin: c.origin,
            status: c.status,
            created_ms: c.created_ms,
            ends: c.ends,
            notice: c.notice,
            for_cause: c.for_cause.as_deref().cloned(),
            delivery: c.delivery.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_labels_read_back_to_what_was_stored() {
        for s in ContractStatus::ALL {
            assert_eq!(ContractStatus::parse(s.as_str()), Some(s));
        }
        for bits in 0..8u8 {
            let c = Causes {
                acceptable_use: bits & 1 != 0,
                non_payment: bits & 2 != 0,
                non_delivery: bits & 4 != 0,
            };
            assert_eq!(Causes::from_text(&c.to_text()), Some(c));
        }
        assert_eq!(Causes::from_text("non_delivery,theft"), None);
        for p in [
            Pricing::PerGpuHour { price_micros: 7 },
            Pricing::MonthlyFee { fee_micros: 9 },
        ] {
            assert_eq!(
                Pricing::from_parts(p.kind(), p.price_micros(), p.fee_micros()),
                Some(p)
            );
        }
        assert_eq!(Pricing::from_parts("monthly_fee", Some(7), None), None);
    }
}
