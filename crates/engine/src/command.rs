//! Commands: the only way to change the engine's state. Each arrives in an
//! [`Envelope`] stamped by the sequencer with the time and the acting participant.

use crate::contract::{Cause, Causes, Pricing, Terms, TermsV1};
use crate::delivery::DeliveryTerms;
use crate::entities::Roles;
use crate::ids::{
    ContractId, FacilityId, OrderId, ParticipantId, PlanId, PoolId, ProcurementId, QuoteId,
    ReservationId, RfqId,
};
use crate::money::FeeRates;
use crate::order::{AskSource, TimeInForce};
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};

/// A command with the sequencer's stamp.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The sequencer's clock, ms since the epoch. Never earlier than the previous
    /// accepted command's.
    pub time_ms: u64,
    /// Who acts (authenticated by the server).
    pub actor: ParticipantId,
    /// What to do.
    pub command: Command,
}

/// Everything the engine can be asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Operator: admit a participant.
    CreateParticipant {
        /// Display name.
        name: String,
        /// Its roles.
        roles: Roles,
    },
    /// Operator: add a GPU model to the catalog.
    AddModel {
        /// Short id, e.g. `"h100-sxm"`.
        id: String,
        /// Human name.
        name: String,
        /// Server power per GPU in watts.
        watts_per_gpu: u32,
    },
    /// Provider: register a facility with its pools.
    CreateFacility {
        /// Display name.
        name: String,
        /// Region, e.g. `"us-south"`.
        region: String,
        /// Critical IT power in kW.
        power_kw: u64,
        /// One pool per GPU model.
        pools: Vec<PoolSpec>,
    },
    /// Pool owner: keep capacity for itself over a window.
    Reserve {
        /// The pool.
        pool: PoolId,
        /// GPUs to keep.
        gpus: u32,
        /// Hours to keep them.
        window: Window,
    },
    /// Pool owner: give a reservation's capacity back.
    Release {
        /// The reservation.
        reservation: ReservationId,
    },
    /// Offer capacity.
    PlaceAsk(AskSpec),
    /// A bid as journaled before bids could ask for reliability (2026-12-03); applied
    /// as [`Command::PlaceBid`] asking none.
    PlaceBidV1(BidSpecV1),
    /// Cancel a live order (its owner or the operator).
    Cancel {
        /// The order.
        order: OrderId,
    },
    /// Reduce a live order's GPUs (its owner or the operator).
    Reduce {
        /// The order.
        order: OrderId,
        /// GPUs to take off.
        by_gpus: u32,
    },
    /// Operator (the server's clock): time has reached the start of `hour`.
    Tick {
        /// The hour that has begun.
        hour: Hour,
    },
    /// An RFQ as journaled before RFQs could ask for payment terms; applied as
    /// [`Command::CreateRfq`] with no such requirement.
    CreateRfqV1(RfqSpecV1),
    /// The RFQ's buyer: close it without accepting a quote (its quotes are released).
    CancelRfq {
        /// The RFQ.
        rfq: RfqId,
    },
    /// A quote as journaled before contracts had payment terms; applied as
    /// [`Command::SubmitQuote`] with the default terms. Journal records are never
    /// re-encoded: a command whose shape changes gets a new variant at the end, and the
    /// old variant keeps its place so that old records still decode.
    SubmitQuoteV1(QuoteSpecV1),
    /// The quote's provider: withdraw it (its capacity is released).
    WithdrawQuote {
        /// The quote.
        quote: QuoteId,
    },
    /// The RFQ's buyer: accept one quote; the contract is made, the others released.
    AcceptQuote {
        /// The quote.
        quote: QuoteId,
    },
    /// A party: give notice, as journaled before 2026-12-02: the notice period runs from
    /// the next hour boundary after the moment, so notice given exactly on an hour
    /// takes effect an hour late. Kept so that old journals replay as they ran; new
    /// notice is [`Command::GiveNotice`] (and refunds nothing, as it ran).
    GiveNoticeV1 {
        /// The contract.
        contract: ContractId,
    },
    /// A party: terminate for a cause the contract allows, with a written reason, as
    /// journaled before refunds (2026-12-02): it replays refunding nothing, as it ran;
    /// a new termination is [`Command::TerminateForCause`].
    TerminateForCauseV1 {
        /// The contract.
        contract: ContractId,
        /// The cause.
        cause: Cause,
        /// Why, in words.
        reason: String,
    },
    /// Operator: money a participant paid in.
    Deposit {
        /// Whose money.
        participant: ParticipantId,
        /// How much, micro-USD.
        amount_micros: i64,
        /// The bank's reference.
        reference: String,
    },
    /// Operator: money a participant takes out (at most its balance).
    Withdraw {
        /// Whose money.
        participant: ParticipantId,
        /// How much, micro-USD.
        amount_micros: i64,
        /// The bank's reference.
        reference: String,
    },
    /// Operator: the exchange's maker and taker fees for orders placed from now on.
    SetFees(FeeRates),
    /// Operator: how far a participant's balance may go below zero.
    SetCreditLimit {
        /// The participant.
        participant: ParticipantId,
        /// The limit, micro-USD (0: none).
        limit_micros: i64,
    },
    /// A quote as journaled before quotes carried delivery terms (2026-12-03); applied
    /// as [`Command::SubmitQuote`] promising no delivery (no credits).
    SubmitQuoteV2(QuoteSpecV2),
    /// Buyer: ask providers for firm quotes for a term deal.
    CreateRfq(RfqSpec),
    /// Operator: admit a participant under a name no other participant has (compared
    /// trimmed and without regard to case). `CreateParticipant`, journaled before names
    /// had to be unique, still replays as it did.
    AdmitParticipant {
        /// Display name.
        name: String,
        /// Its roles.
        roles: Roles,
    },
    /// A party: give notice from the moment, as journaled before refunds
    /// (2026-12-02): it replays refunding nothing (children ended with it included); a
    /// new notice is [`Command::GiveNotice`].
    GiveNoticeV2 {
        /// The contract.
        contract: ContractId,
    },
    /// A party: report usage of its contracts' lines, hour by hour (the seller: GPUs
    /// delivered; the buyer: GPUs used). All or nothing (`metering.rs`).
    ReportUsage {
        /// The records, 1 to [`crate::limits::MAX_USAGE_RECORDS_PER_BATCH`].
        records: Vec<crate::usage::UsageRecord>,
    },
    /// Operator: the delivery terms of exchange fills and resales made from now on.
    SetDeliveryDefaults(crate::delivery::DeliveryTerms),
    /// A party: terminate for a cause the contract allows, with a written reason; the
    /// hours after the end are refunded where the rules say so (`refund.rs`).
    TerminateForCause {
        /// The contract.
        contract: ContractId,
        /// The cause.
        cause: Cause,
        /// Why, in words.
        reason: String,
    },
    /// A party: give notice of termination for convenience under its notice period,
    /// which runs from the moment notice is given (`lifecycle::notice_end`); prepaid
    /// children ended with the contract are refunded (`refund.rs`).
    GiveNotice {
        /// The contract.
        contract: ContractId,
    },
    /// Provider: answer an RFQ with a firm quote (encumbers the capacity offered), with
    /// the delivery it promises.
    SubmitQuote(QuoteSpec),
    /// Buyer: place a bid, which may ask for a minimum reliability of the facilities it
    /// fills from (`reliability.rs`).
    PlaceBid(BidSpec),
    /// Operator: how long after its end a month closes (its reports final, its invoices
    /// and credits issued), in hours, at most
    /// [`crate::limits::MAX_MONTH_CLOSE_GRACE_HOURS`] (`billing.rs`).
    SetMonthCloseGrace {
        /// Hours after the month's end.
        hours: u16,
    },
    /// Operator: put an index methodology in force from this command on (`prices.rs`,
    /// docs/index-methodology.md); only ever a newer one.
    SetIndexMethodology {
        /// The methodology's version.
        version: u16,
    },
    /// Buyer: a flexible-start bid, filled at the cheapest feasible start of its range
    /// (ties to the earliest) as a plain IOC or FOK bid for that window (`search.rs`).
    PlaceFlexibleBid(FlexBidSpec),
    /// Buyer: a standing procurement, run at every tick from the next (`procure.rs`);
    /// its worst case must fit the buyer's funds.
    CreateProcurement(ProcurementSpec),
    /// Its owner (or the operator): ticks leave the procurement alone until resumed.
    PauseProcurement {
        /// The procurement.
        procurement: ProcurementId,
    },
    /// Its owner (or the operator): a paused procurement buys again from the next tick.
    ResumeProcurement {
        /// The procurement.
        procurement: ProcurementId,
    },
    /// Its owner (or the operator): the procurement ends; what it bought stays bought.
    CancelProcurement {
        /// The procurement.
        procurement: ProcurementId,
    },
    /// Any participant: store a capacity plan (`planning.rs`): its demand per model and
    /// period, checked as `plan::demand` checks it.
    UploadPlan(PlanSpec),
    /// The plan's owner: place the orders its proposal made (`planning.rs`), once. Each
    /// is placed or refused on its own; the plan is applied either way.
    ApplyPlan {
        /// The plan.
        plan: PlanId,
        /// The proposal's orders, as the server computed it from the plan.
        orders: Vec<PlannedOrder>,
    },
    /// A participant: place a batch of orders (`planning.rs`), each placed or refused on
    /// its own, in order, as `PlaceBid`, `PlaceAsk` or `PlaceFlexibleBid` would; at most
    /// [`crate::limits::MAX_BATCH_ORDERS`].
    PlaceOrders {
        /// The orders.
        orders: Vec<PlannedOrder>,
    },
}

/// A capacity plan: GPUs of each model needed at every hour of each week or month.
/// The journal's shape: it never changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSpec {
    /// Weeks or months.
    pub period: crate::curve::PeriodKind,
    /// The demand, one row per model and period.
    pub rows: Vec<PlanRowSpec>,
    /// A bid's limit per GPU-hour in place of the forward curve's, micro-USD.
    pub limit_price_micros: Option<i64>,
}

/// One row of a plan: `gpus` of `model` in the period starting at `start`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRowSpec {
    /// GPU model id.
    pub model: String,
    /// The period's first hour.
    pub start: Hour,
    /// GPUs needed at every hour of it.
    pub gpus: u32,
}

/// One order of a plan's proposal, or of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlannedOrder {
    /// A bid for a shortfall.
    Bid(BidSpec),
    /// An ask for a surplus (a resale, or from a pool).
    Ask(AskSpec),
    /// A flexible-start bid (a batch's; a plan never makes one).
    FlexibleBid(FlexBidSpec),
}

/// A standing procurement: keep `gpus` GPUs of `model` held for `hours` hours from the
/// next hour, buying blocks of `block_hours` at most `lookahead_hours` ahead, at most
/// `limit_price_micros` per GPU-hour. The journal's shape: it never changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcurementSpec {
    /// GPU model id.
    pub model: String,
    /// Only asks from this region.
    pub region: Option<String>,
    /// GPUs to keep held.
    pub gpus: u32,
    /// Hours of the period, from the next hour.
    pub hours: u32,
    /// How far ahead it buys, hours.
    pub lookahead_hours: u32,
    /// The length of the blocks it buys, hours.
    pub block_hours: u32,
    /// Highest price per GPU-hour, micro-USD.
    pub limit_price_micros: i64,
}

/// A flexible-start bid: G GPUs for H hours, any start from `start_from` to
/// `start_until`. Its fields repeat [`crate::flex::SearchSpec`]'s on purpose: this is
/// the journal's shape and never changes, the search's may.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlexBidSpec {
    /// GPU model id.
    pub model: String,
    /// Only asks from this region.
    pub region: Option<String>,
    /// Only asks from this facility.
    pub facility: Option<FacilityId>,
    /// GPUs wanted over the whole window.
    pub gpus: u32,
    /// Hours wanted.
    pub hours: u32,
    /// The earliest start.
    pub start_from: Hour,
    /// The latest start (inclusive).
    pub start_until: Hour,
    /// Highest price per GPU-hour, micro-USD.
    pub limit_price_micros: i64,
    /// Every GPU of a fill from one pool.
    pub colocate: bool,
    /// IOC (an IOC bid no start fills whole fills what it can at one start) or FOK.
    pub tif: TimeInForce,
    /// Only facilities at least this reliable over 30 days, basis points (0: any).
    pub min_reliability_bps: u16,
}

impl FlexBidSpec {
    /// What it searches for.
    pub fn search(&self) -> crate::flex::SearchSpec {
        crate::flex::SearchSpec {
            model: self.model.clone(),
            region: self.region.clone(),
            facility: self.facility,
            gpus: self.gpus,
            hours: self.hours,
            start_from: self.start_from,
            start_until: self.start_until,
            limit_price_micros: Some(self.limit_price_micros),
            colocate: self.colocate,
            min_reliability_bps: self.min_reliability_bps,
        }
    }
}

/// What an RFQ asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfqWants {
    /// GPUs of each model (model id, GPUs): a quote offers exactly these.
    Gpus(Vec<(String, u32)>),
    /// Power in kW, of any models: a quote's GPUs draw between `min_power_kw` and
    /// `power_kw` by the catalog's watts per GPU.
    Power {
        /// Most power wanted.
        power_kw: u64,
        /// Least power that meets the need.
        min_power_kw: u64,
    },
}

/// The terms an RFQ's buyer requires of quotes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WantedTerms {
    /// The buyer must be able to leave on at most this notice (`None`: no requirement).
    pub max_buyer_notice_hours: Option<u32>,
    /// The seller must not be able to leave on less notice than this.
    pub min_seller_notice_hours: Option<u32>,
    /// Highest acceptable early-termination fee.
    pub max_early_termination_fee_micros: Option<i64>,
    /// Causes the contract must allow.
    pub causes: Causes,
    /// The buyer must have at least this many days to pay each invoice.
    pub min_payment_days: Option<u16>,
}

/// The terms an RFQ required before it could ask for payment terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WantedTermsV1 {
    /// See [`WantedTerms`].
    pub max_buyer_notice_hours: Option<u32>,
    /// See [`WantedTerms`].
    pub min_seller_notice_hours: Option<u32>,
    /// See [`WantedTerms`].
    pub max_early_termination_fee_micros: Option<i64>,
    /// See [`WantedTerms`].
    pub causes: Causes,
}

/// An RFQ as journaled before it could ask for payment terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfqSpecV1 {
    /// See [`RfqSpec`].
    pub wants: RfqWants,
    /// See [`RfqSpec`].
    pub window: Window,
    /// See [`RfqSpec`].
    pub region: Option<String>,
    /// See [`RfqSpec`].
    pub facility: Option<FacilityId>,
    /// Terms without payment terms.
    pub terms: WantedTermsV1,
    /// See [`RfqSpec`].
    pub deadline: Hour,
    /// See [`RfqSpec`].
    pub invited: Vec<ParticipantId>,
}

impl From<RfqSpecV1> for RfqSpec {
    fn from(r: RfqSpecV1) -> RfqSpec {
        let t = r.terms;
        RfqSpec {
            wants: r.wants,
            window: r.window,
            region: r.region,
            facility: r.facility,
            terms: WantedTerms {
                max_buyer_notice_hours: t.max_buyer_notice_hours,
                min_seller_notice_hours: t.min_seller_notice_hours,
                max_early_termination_fee_micros: t.max_early_termination_fee_micros,
                causes: t.causes,
                min_payment_days: None,
            },
            deadline: r.deadline,
            invited: r.invited,
        }
    }
}

/// A request for quotes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfqSpec {
    /// GPUs per model, or power.
    pub wants: RfqWants,
    /// The term wanted.
    pub window: Window,
    /// Only facilities in this region.
    pub region: Option<String>,
    /// Only this facility.
    pub facility: Option<FacilityId>,
    /// Terms every quote must meet.
    pub terms: WantedTerms,
    /// Quotes are accepted before this hour begins (at most the window's start).
    pub deadline: Hour,
    /// Providers invited (empty: every provider may quote).
    pub invited: Vec<ParticipantId>,
}

/// One line of a quote: GPUs of one pool, over the RFQ's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLineSpec {
    /// A pool of the provider's (all lines from one facility).
    pub pool: PoolId,
    /// GPUs.
    pub gpus: u32,
}

/// A firm quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSpec {
    /// The RFQ answered.
    pub rfq: RfqId,
    /// What is offered.
    pub lines: Vec<QuoteLineSpec>,
    /// Price.
    pub pricing: Pricing,
    /// Terms.
    pub terms: Terms,
    /// The quote lapses when this hour begins (the RFQ's deadline at the latest).
    pub expires: Hour,
    /// What it promises of delivery ([`DeliveryTerms::none`]: nothing is credited).
    pub delivery: DeliveryTerms,
}

/// A quote as journaled before quotes carried delivery terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSpecV2 {
    /// See [`QuoteSpec`].
    pub rfq: RfqId,
    /// See [`QuoteSpec`].
    pub lines: Vec<QuoteLineSpec>,
    /// See [`QuoteSpec`].
    pub pricing: Pricing,
    /// See [`QuoteSpec`].
    pub terms: Terms,
    /// See [`QuoteSpec`].
    pub expires: Hour,
}

impl From<QuoteSpecV2> for QuoteSpec {
    fn from(q: QuoteSpecV2) -> QuoteSpec {
        QuoteSpec {
            rfq: q.rfq,
            lines: q.lines,
            pricing: q.pricing,
            terms: q.terms,
            expires: q.expires,
            delivery: DeliveryTerms::none(),
        }
    }
}

/// A quote as journaled before contracts had payment terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSpecV1 {
    /// See [`QuoteSpec`].
    pub rfq: RfqId,
    /// See [`QuoteSpec`].
    pub lines: Vec<QuoteLineSpec>,
    /// See [`QuoteSpec`].
    pub pricing: Pricing,
    /// Terms without payment terms.
    pub terms: TermsV1,
    /// See [`QuoteSpec`].
    pub expires: Hour,
}

impl From<QuoteSpecV1> for QuoteSpec {
    fn from(q: QuoteSpecV1) -> QuoteSpec {
        QuoteSpec {
            rfq: q.rfq,
            lines: q.lines,
            pricing: q.pricing,
            terms: q.terms.into(),
            expires: q.expires,
            delivery: DeliveryTerms::none(),
        }
    }
}

/// One pool of a new facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSpec {
    /// GPU model id.
    pub model: String,
    /// Number of GPUs.
    pub gpus: u32,
}

/// A sell order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskSpec {
    /// What backs it.
    pub source: AskSource,
    /// GPUs offered over the whole window.
    pub gpus: u32,
    /// Hours offered.
    pub window: Window,
    /// Price per GPU-hour, micro-USD.
    pub price_micros: i64,
    /// GTC or GTD.
    pub tif: TimeInForce,
    /// Smallest number of GPUs one fill may take (1 = any).
    pub min_fill_gpus: u32,
}

/// A buy order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidSpec {
    /// GPU model id.
    pub model: String,
    /// Only asks from this region.
    pub region: Option<String>,
    /// Only asks from this facility.
    pub facility: Option<FacilityId>,
    /// GPUs wanted over the whole window.
    pub gpus: u32,
    /// Hours wanted.
    pub window: Window,
    /// Highest price per GPU-hour, micro-USD.
    pub limit_price_micros: i64,
    /// Every GPU of a fill from one pool (the default).
    pub colocate: bool,
    /// Fills of fewer GPUs than wanted are allowed (default: all or none).
    pub partial: bool,
    /// GTC, IOC, FOK or GTD.
    pub tif: TimeInForce,
    /// Only asks from facilities whose reliability over the last 30 days is at least
    /// this, basis points (0: any facility).
    pub min_reliability_bps: u16,
}

impl BidSpec {
    /// A good-till-cancelled bid for `gpus` of `model` together, all or none, from any
    /// facility.
    pub fn gtc(model: &str, gpus: u32, window: Window, limit_price_micros: i64) -> BidSpec {
        BidSpec {
            model: model.into(),
            region: None,
            facility: None,
            gpus,
            window,
            limit_price_micros,
            colocate: true,
            partial: false,
            tif: TimeInForce::Gtc,
            min_reliability_bps: 0,
        }
    }
}

/// A buy order as journaled before bids could ask for reliability (2026-12-03).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidSpecV1 {
    /// See [`BidSpec`].
    pub model: String,
    /// See [`BidSpec`].
    pub region: Option<String>,
    /// See [`BidSpec`].
    pub facility: Option<FacilityId>,
    /// See [`BidSpec`].
    pub gpus: u32,
    /// See [`BidSpec`].
    pub window: Window,
    /// See [`BidSpec`].
    pub limit_price_micros: i64,
    /// See [`BidSpec`].
    pub colocate: bool,
    /// See [`BidSpec`].
    pub partial: bool,
    /// See [`BidSpec`].
    pub tif: TimeInForce,
}

impl From<BidSpecV1> for BidSpec {
    fn from(b: BidSpecV1) -> BidSpec {
        BidSpec {
            model: b.model,
            region: b.region,
            facility: b.facility,
            gpus: b.gpus,
            window: b.window,
            limit_price_micros: b.limit_price_micros,
            colocate: b.colocate,
            partial: b.partial,
            tif: b.tif,
            min_reliability_bps: 0,
        }
    }
}
