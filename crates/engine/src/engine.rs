//! The state machine: the [`Engine`] state, [`Engine::apply`] (one command in, events or
//! a rejection out), snapshots, and read access for the layers above.
//!
//! Every handler validates the whole command before it changes anything, so a rejected
//! command leaves the state byte-for-byte as it was.

use crate::catalog::{GpuModel, Names, default_models};
use crate::command::{Command, Envelope};
use crate::contract::{Contract, NoticeFrom};
use crate::deal::{Quote, Rfq};
use crate::dense::Dense;
use crate::entities::{Facility, Participant, Pool, Reservation, Roles};
use crate::event::Event;
use crate::ids::InvoiceId;
use crate::ids::{
    ContractId, Counters, FacilityId, ModelIdx, OrderId, ParticipantId, PoolId, QuoteId, RegionIdx,
    ReservationId, RfqId,
};
use crate::invoice::Invoice;
use crate::limits::{MAX_GPUS, MAX_NAME_BYTES, MAX_PRICE_MICROS};
use crate::money::{Account, FeeRates, TransferKind};
use crate::order::{Book, Order};
use crate::order_map::OrderMap;
use crate::reject::{Rejection, Rule, reject};
use crate::units::{Hour, Window, WindowError, notional_micros};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The participant that exists from the start: the exchange's operator.
pub const OPERATOR: ParticipantId = ParticipantId(1);

/// The whole state of the exchange. Everything in it is ordered (`Vec`, `BTreeMap`,
/// `BTreeSet`), so its serialization is a pure function of the commands applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engine {
    /// Timestamp of the last accepted command, ms since the epoch.
    pub(crate) clock_ms: u64,
    /// The hour of the last tick.
    pub(crate) last_tick: Hour,
    /// The start of the first month not closed: reports are open from here.
    pub(crate) closed_to: Hour,
    /// Hours after its end a month closes (0: at the tick of its end).
    pub(crate) close_grace_hours: u16,
    pub(crate) ids: Counters,
    pub(crate) models: Vec<GpuModel>,
    pub(crate) model_index: BTreeMap<String, ModelIdx>,
    pub(crate) regions: Vec<String>,
    pub(crate) region_index: BTreeMap<String, RegionIdx>,
    pub(crate) participants: Dense<ParticipantId, Participant>,
    pub(crate) facilities: Dense<FacilityId, Facility>,
    pub(crate) pools: Dense<PoolId, Pool>,
    pub(crate) reservations: BTreeMap<ReservationId, Reservation>,
    /// Live orders only; closed orders live in the server's history tables.
    pub(crate) orders: OrderMap,
    /// One book per model, indexed by [`ModelIdx`].
    pub(crate) books: Vec<Book>,
    pub(crate) contracts: Dense<ContractId, Contract>,
    /// Open RFQs only; closed ones live in the server's history tables.
    pub(crate) rfqs: BTreeMap<RfqId, Rfq>,
    /// Live quotes only.
    pub(crate) quotes: BTreeMap<QuoteId, Quote>,
    /// Live resale asks by the contract backing them.
    pub(crate) resale_asks: BTreeSet<(ContractId, OrderId)>,
    /// Balance of every account that has moved, micro-USD; they sum to zero.
    pub(crate) balances: BTreeMap<Account, i64>,
    /// Credit limits set by the operator (absent: 0).
    pub(crate) credit_limits: BTreeMap<ParticipantId, i64>,
    /// The sum of all credit limits (bounded, so no balance can overflow).
    pub(crate) total_credit_micros: i64,
    /// The exchange's fees in force.
    pub(crate) fees: FeeRates,
    /// Unpaid invoices.
    pub(crate) invoices: BTreeMap<InvoiceId, Invoice>,
    /// Term contracts still to bill.
    pub(crate) billing: BTreeSet<ContractId>,
    pub(crate) schedule: Schedule,
    /// Delivery reports of open months, by month start, contract and line.
    pub(crate) delivery: BTreeMap<(Hour, ContractId, u16), crate::usage::LineMonth>,
    /// The delivery terms of new exchange fills and resales (the operator's).
    pub(crate) delivery_defaults: crate::delivery::DeliveryTerms,
    /// Contracts whose unreported hours count as not delivered, until their last
    /// month closes: the month close credits them even without reports.
    pub(crate) strict_delivery: BTreeSet<ContractId>,
    /// Reported delivery by facility and day (days since the epoch), over the
    /// reliability window (`reliability.rs`; older days are dropped at ticks).
    pub(crate) reliability: BTreeMap<(FacilityId, u32), crate::usage::Tally>,
    /// The trailing week's prints, the index's windows and the last curves (`prices.rs`).
    pub(crate) market: crate::market_data::MarketData,
    /// Live standing procurements (`procure.rs`); ended ones live in the server's tables.
    pub(crate) procurements: BTreeMap<crate::ids::ProcurementId, crate::procurement::Procurement>,
    /// Stored capacity plans (`planning.rs`): whose, and whether applied.
    pub(crate) plans: BTreeMap<crate::ids::PlanId, crate::plan::PlanState>,
}

/// What ticks must do, by hour. The order and contract buckets are cleaned lazily:
/// an order that closes early stays in its bucket, and the tick skips it (ids are never
/// reused), which keeps placing and cancelling free of schedule work.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Schedule {
    /// Resting orders by the hour they leave the book ([`Order::deadline`]).
    pub(crate) order_deadlines: BTreeMap<Hour, Vec<OrderId>>,
    /// Contracts by start hour.
    pub(crate) contract_starts: BTreeMap<Hour, Vec<ContractId>>,
    /// Contracts by end hour.
    pub(crate) contract_ends: BTreeMap<Hour, Vec<ContractId>>,
    /// Live reservations by end hour.
    pub(crate) reservation_ends: BTreeSet<(Hour, ReservationId)>,
    /// Open RFQs by deadline.
    pub(crate) rfq_deadlines: BTreeMap<Hour, Vec<RfqId>>,
    /// Live quotes by expiry.
    pub(crate) quote_expiries: BTreeMap<Hour, Vec<QuoteId>>,
    /// Unpaid invoices by due date.
    pub(crate) invoice_dues: BTreeMap<Hour, Vec<InvoiceId>>,
}

/// The acting participant and the time, for one command.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ctx {
    pub(crate) time_ms: u64,
    /// The hour containing `time_ms`: windows must start after it.
    pub(crate) now: Hour,
    pub(crate) actor: ParticipantId,
    pub(crate) roles: Roles,
}

/// A role a command may need ([`Ctx::require`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Role {
    /// Places bids and asks for quotes.
    Buyer,
    /// Registers facilities, sells and quotes.
    Provider,
    /// Runs the exchange.
    Operator,
}

impl Ctx {
    /// Refuses (`not_permitted`, field `actor`) unless the actor has `role`; `only` says
    /// who may do what, e.g. "only buyers place bids".
    pub(crate) fn require(&self, role: Role, only: &str) -> Result<(), Rejection> {
        let (has, who) = match role {
            Role::Buyer => (self.roles.buyer, "a buyer"),
            Role::Provider => (self.roles.provider, "a provider"),
            Role::Operator => (self.roles.operator, "the operator"),
        };
        if has {
            return Ok(());
        }
        reject(
            Rule::NotPermitted,
            "actor",
            format!("{} is not {who}; {only}", self.actor),
        )
    }

    /// Refuses with `rule` on `field` ("no {what} of yours") unless `owner` is the actor
    /// or the actor is the operator. Something that does not exist is refused the same
    /// way as another's, so ids leak nothing.
    pub(crate) fn require_owner(
        &self,
        owner: Option<ParticipantId>,
        (rule, field): (Rule, &'static str),
        what: std::fmt::Arguments<'_>,
    ) -> Result<(), Rejection> {
        match owner {
            Some(o) if o == self.actor || self.roles.operator => Ok(()),
            _ => reject(rule, field, format!("no {what} of yours")),
        }
    }
}

/// A snapshot that could not be read.
#[derive(Debug)]
pub struct SnapshotError(pub String);

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "snapshot cannot be decoded: {}", self.0)
    }
}

impl std::error::Error for SnapshotError {}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// A new exchange: the default model catalog and the operator ([`OPERATOR`]).
    pub fn new() -> Engine {
        let mut e = Engine {
            clock_ms: 0,
            last_tick: Hour(0),
            closed_to: Hour(0),
            close_grace_hours: 0,
            ids: Counters::default(),
            models: Vec::new(),
            model_index: BTreeMap::new(),
            regions: Vec::new(),
            region_index: BTreeMap::new(),
            participants: Dense::default(),
            facilities: Dense::default(),
            pools: Dense::default(),
            reservations: BTreeMap::new(),
            orders: OrderMap::default(),
            books: Vec::new(),
            contracts: Dense::default(),
            rfqs: BTreeMap::new(),
            quotes: BTreeMap::new(),
            resale_asks: BTreeSet::new(),
            balances: BTreeMap::new(),
            credit_limits: BTreeMap::new(),
            total_credit_micros: 0,
            fees: FeeRates::default(),
            invoices: BTreeMap::new(),
            billing: BTreeSet::new(),
            schedule: Schedule::default(),
            delivery: BTreeMap::new(),
            delivery_defaults: crate::delivery::DeliveryTerms::exchange(),
            strict_delivery: BTreeSet::new(),
            reliability: BTreeMap::new(),
            market: crate::market_data::MarketData::default(),
            procurements: BTreeMap::new(),
            plans: BTreeMap::new(),
        };
        for m in default_models() {
            e.push_model(m);
        }
        let operator = e.push_participant(
            "operator".to_string(),
            Roles {
                operator: true,
                ..Roles::default()
            },
        );
        debug_assert_eq!(operator.id, OPERATOR);
        e
    }

    /// Applies one command. On success the command's events are appended to `events`;
    /// on rejection nothing changes (neither the state nor `events`).
    pub fn apply(&mut self, env: &Envelope, events: &mut Vec<Event>) -> Result<(), Rejection> {
        let mark = events.len();
        let result = self.apply_inner(env, events);
        if result.is_err() {
            events.truncate(mark);
        } else {
            self.clock_ms = env.time_ms;
        }
        result
    }

    fn apply_inner(&mut self, env: &Envelope, events: &mut Vec<Event>) -> Result<(), Rejection> {
        if env.time_ms < self.clock_ms {
            return reject(
                Rule::ClockWentBackwards,
                "time_ms",
                format!(
                    "command time {} ms is before the engine clock {} ms",
                    env.time_ms, self.clock_ms
                ),
            );
        }
        let Some(actor) = self.participants.get(&env.actor) else {
            return reject(
                Rule::UnknownParticipant,
                "actor",
                format!("no participant {}", env.actor),
            );
        };
        let ctx = Ctx {
            time_ms: env.time_ms,
            now: Hour::containing(env.time_ms),
            actor: actor.id,
            roles: actor.roles,
        };
        match &env.command {
            Command::CreateParticipant { name, roles } => {
                self.create_participant(&ctx, name, *roles, events)
            }
            Command::AdmitParticipant { name, roles } => {
                ctx.require(Role::Operator, "only the operator may do this")?;
                self.check_unused_name(name)?;
                self.create_participant(&ctx, name, *roles, events)
            }
            Command::AddModel {
                id,
                name,
                watts_per_gpu,
            } => self.add_model(&ctx, id, name, *watts_per_gpu, events),
            Command::CreateFacility {
                name,
                region,
                power_kw,
                pools,
            } => self.create_facility(&ctx, name, region, *power_kw, pools, events),
            Command::Reserve { pool, gpus, window } => {
                self.reserve(&ctx, *pool, *gpus, *window, events)
            }
            Command::Release { reservation } => self.release(&ctx, *reservation, events),
            Command::PlaceAsk(spec) => self.place_ask(&ctx, spec, events),
            Command::PlaceBid(spec) => self.place_bid(&ctx, spec, events),
            Command::PlaceBidV1(old) => {
                self.place_bid(&ctx, &crate::command::BidSpec::from(old.clone()), events)
            }
            Command::Cancel { order } => self.cancel(&ctx, *order, events),
            Command::Reduce { order, by_gpus } => self.reduce(&ctx, *order, *by_gpus, events),
            Command::Tick { hour } => self.tick(&ctx, *hour, events),
            Command::CreateRfq(spec) => self.create_rfq(&ctx, spec, events),
            Command::CreateRfqV1(old) => {
                self.create_rfq(&ctx, &crate::command::RfqSpec::from(old.clone()), events)
            }
            Command::CancelRfq { rfq } => self.cancel_rfq(&ctx, *rfq, events),
            Command::SubmitQuote(spec) => self.submit_quote(&ctx, spec, events),
            Command::SubmitQuoteV2(old) => {
                self.submit_quote(&ctx, &crate::command::QuoteSpec::from(old.clone()), events)
            }
            Command::SubmitQuoteV1(old) => {
                self.submit_quote(&ctx, &crate::command::QuoteSpec::from(old.clone()), events)
            }
            Command::WithdrawQuote { quote } => self.withdraw_quote(&ctx, *quote, events),
            Command::AcceptQuote { quote } => self.accept_quote(&ctx, *quote, events),
            Command::GiveNoticeV1 { contract } => {
                self.give_notice(&ctx, *contract, (NoticeFrom::NextHour, false), events)
            }
            Command::GiveNoticeV2 { contract } => {
                self.give_notice(&ctx, *contract, (NoticeFrom::Moment, false), events)
            }
            Command::GiveNotice { contract } => {
                self.give_notice(&ctx, *contract, (NoticeFrom::Moment, true), events)
            }
            Command::TerminateForCauseV1 {
                contract,
                cause,
                reason,
            } => self.terminate_for_cause(&ctx, *contract, (*cause, reason), false, events),
            Command::TerminateForCause {
                contract,
                cause,
                reason,
            } => self.terminate_for_cause(&ctx, *contract, (*cause, reason), true, events),
            Command::Deposit {
                participant,
                amount_micros,
                reference,
            } => self.move_money(
                &ctx,
                (*participant, *amount_micros, reference),
                TransferKind::Deposit,
                events,
            ),
            Command::Withdraw {
                participant,
                amount_micros,
                reference,
            } => self.move_money(
                &ctx,
                (*participant, *amount_micros, reference),
                TransferKind::Withdrawal,
                events,
            ),
            Command::SetFees(fees) => self.set_fees(&ctx, *fees, events),
            Command::SetCreditLimit {
                participant,
                limit_micros,
            } => self.set_credit_limit(&ctx, *participant, *limit_micros, events),
            Command::ReportUsage { records } => self.report_usage(&ctx, records, events),
            Command::SetMonthCloseGrace { hours } => self.set_close_grace(&ctx, *hours, events),
            Command::PlaceFlexibleBid(spec) => self.place_flexible_bid(&ctx, spec, events),
            Command::CreateProcurement(spec) => self.create_procurement(&ctx, spec, events),
            Command::PauseProcurement { procurement } => {
                self.pause_procurement(&ctx, *procurement, true, events)
            }
            Command::ResumeProcurement { procurement } => {
                self.pause_procurement(&ctx, *procurement, false, events)
            }
            Command::CancelProcurement { procurement } => {
                self.cancel_procurement(&ctx, *procurement, events)
            }
            Command::SetIndexMethodology { version } => {
                self.set_index_methodology(&ctx, *version, events)
            }
            Command::SetDeliveryDefaults(terms) => self.set_delivery_defaults(&ctx, terms, events),
            Command::UploadPlan(spec) => self.upload_plan(&ctx, spec, events),
            Command::ApplyPlan { plan, orders } => self.apply_plan(&ctx, (*plan, orders), events),
            Command::PlaceOrders { orders } => self.place_orders(&ctx, orders, events),
        }
    }

    /// The whole state in a compact binary form (postcard). Equal states give equal bytes.
    pub fn snapshot(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("serializing to a Vec cannot fail")
    }

    /// Rebuilds a state from [`Engine::snapshot`] bytes.
    pub fn restore(bytes: &[u8]) -> Result<Engine, SnapshotError> {
        postcard::from_bytes(bytes).map_err(|e| SnapshotError(e.to_string()))
    }

    pub(crate) fn push_model(&mut self, m: GpuModel) -> ModelIdx {
        let idx = ModelIdx(u16::try_from(self.models.len()).expect("catalog is bounded"));
        self.model_index.insert(m.id.clone(), idx);
        self.models.push(m);
        self.books.push(Book::default());
        idx
    }

    pub(crate) fn push_participant(&mut self, name: String, roles: Roles) -> Participant {
        let id = ParticipantId(crate::ids::take(&mut self.ids.participant));
        let p = Participant {
            id,
            name,
            roles,
            open_orders: 0,
            facilities: 0,
            open_rfqs: 0,
            exposure_micros: 0,
            owed_micros: 0,
            receivable_micros: 0,
        };
        self.participants.insert(id, p.clone());
        p
    }

    // ---- read access -------------------------------------------------------------

    /// Timestamp of the last accepted command.
    pub fn clock_ms(&self) -> u64 {
        self.clock_ms
    }
    /// Hour of the last tick.
    pub fn last_tick(&self) -> Hour {
        self.last_tick
    }
    /// Hours after its end a month closes.
    pub fn month_close_grace_hours(&self) -> u16 {
        self.close_grace_hours
    }
    /// The model catalog, indexed by [`ModelIdx`].
    pub fn models(&self) -> &[GpuModel] {
        &self.models
    }
    /// A model by id.
    pub fn model_by_id(&self, id: &str) -> Option<(ModelIdx, &GpuModel)> {
        let idx = *self.model_index.get(id)?;
        Some((idx, &self.models[usize::from(idx.0)]))
    }
    /// A model by id, or the refusal (`unknown_model` on `field`) that lists the
    /// catalog's ids, so that `h100` is answered with `h100-sxm` among them.
    pub(crate) fn known_model(
        &self,
        id: &str,
        field: &'static str,
    ) -> Result<(ModelIdx, &GpuModel), Rejection> {
        self.model_by_id(id).ok_or_else(|| {
            let ids: Vec<&str> = self.models.iter().map(|m| m.id.as_str()).collect();
            Rejection::new(
                Rule::UnknownModel,
                field,
                format!(
                    "no GPU model {id:?} in the catalog; it has {}",
                    ids.join(", ")
                ),
            )
        })
    }
    /// A model by index.
    pub fn model(&self, idx: ModelIdx) -> &GpuModel {
        &self.models[usize::from(idx.0)]
    }
    /// The names of every model and region known now (see [`Names`]).
    pub fn names(&self) -> Names {
        Names {
            models: self.models.clone(),
            regions: self.regions.clone(),
        }
    }
    /// Whether `names` still names every model and region known (both only grow).
    pub fn names_current(&self, names: &Names) -> bool {
        names.models.len() == self.models.len() && names.regions.len() == self.regions.len()
    }
    /// The region of pool `id` (a pool's facility, and so its region, never changes).
    pub fn pool_region(&self, id: PoolId) -> Option<RegionIdx> {
        Some(self.facilities.get(&self.pools.get(&id)?.facility)?.region)
    }
    /// Number of regions known.
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }
    /// A region's index by name.
    pub fn region_by_name(&self, name: &str) -> Option<RegionIdx> {
        self.region_index.get(name).copied()
    }
    /// A region's name.
    pub fn region_name(&self, idx: RegionIdx) -> &str {
        &self.regions[usize::from(idx.0)]
    }
    /// A participant.
    pub fn participant(&self, id: ParticipantId) -> Option<&Participant> {
        self.participants.get(&id)
    }
    /// All participants, by id.
    pub fn participants(&self) -> impl Iterator<Item = &Participant> {
        self.participants.values()
    }
    /// A facility.
    pub fn facility(&self, id: FacilityId) -> Option<&Facility> {
        self.facilities.get(&id)
    }
    /// All facilities, by id.
    pub fn facilities(&self) -> impl Iterator<Item = &Facility> {
        self.facilities.values()
    }
    /// A pool.
    pub fn pool(&self, id: PoolId) -> Option<&Pool> {
        self.pools.get(&id)
    }
    /// All pools, by id.
    pub fn pools(&self) -> impl Iterator<Item = &Pool> {
        self.pools.values()
    }
    /// A live reservation.
    pub fn reservation(&self, id: ReservationId) -> Option<&Reservation> {
        self.reservations.get(&id)
    }
    /// All live reservations, by id.
    pub fn reservations(&self) -> impl Iterator<Item = &Reservation> {
        self.reservations.values()
    }
    /// A live order.
    pub fn order(&self, id: OrderId) -> Option<&Order> {
        self.orders.get(&id)
    }
    /// All live orders, by id.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.sorted().into_iter()
    }
    /// The live orders of one participant (`None`: everyone's), by id; only those are
    /// sorted.
    pub fn orders_of(&self, owner: Option<ParticipantId>) -> Vec<&Order> {
        match owner {
            Some(p) => self.orders.of_owner(p),
            None => self.orders.sorted(),
        }
    }
    /// Number of live orders.
    pub fn live_orders(&self) -> usize {
        self.orders.len()
    }
    /// The book of a model.
    pub fn book(&self, model: ModelIdx) -> &Book {
        &self.books[usize::from(model.0)]
    }
    /// A contract (live or expired).
    pub fn contract(&self, id: ContractId) -> Option<&Contract> {
        self.contracts.get(&id)
    }
    /// All contracts, by id.
    pub fn contracts(&self) -> impl Iterator<Item = &Contract> {
        self.contracts.values()
    }
    /// An open RFQ.
    pub fn rfq(&self, id: RfqId) -> Option<&Rfq> {
        self.rfqs.get(&id)
    }
    /// All open RFQs, by id.
    pub fn rfqs(&self) -> impl Iterator<Item = &Rfq> {
        self.rfqs.values()
    }
    /// A live quote.
    pub fn quote(&self, id: QuoteId) -> Option<&Quote> {
        self.quotes.get(&id)
    }
    /// All live quotes, by id.
    pub fn quotes(&self) -> impl Iterator<Item = &Quote> {
        self.quotes.values()
    }
}

// ---- validation shared by the handlers ------------------------------------------

/// Checks a window: non-empty, at most ten years, starting after the current hour.
pub(crate) fn check_window(window: &Window, now: Hour) -> Result<(), Rejection> {
    match window.validate() {
        Err(WindowError::Empty) => reject(
            Rule::WindowEmpty,
            "window.end",
            format!(
                "window end {} is not after its start {}",
                window.end, window.start
            ),
        ),
        Err(WindowError::TooLong) => reject(
            Rule::WindowTooLong,
            "window.end",
            format!(
                "window is {} hours long; the longest allowed is {} hours (10 years)",
                window.hours(),
                crate::units::MAX_WINDOW_HOURS
            ),
        ),
        Ok(()) if window.start <= now => reject(
            Rule::WindowInPast,
            "window.start",
            format!(
                "window start {} is not after the current hour {}; the earliest start is {}",
                window.start,
                now,
                Hour(now.0.saturating_add(1))
            ),
        ),
        Ok(()) => Ok(()),
    }
}

/// Checks a GPU count: at least one, at most [`MAX_GPUS`].
pub(crate) fn check_gpus(gpus: u32, field: &'static str) -> Result<(), Rejection> {
    if gpus == 0 {
        return reject(Rule::ZeroGpus, field, "GPU count must be at least 1");
    }
    if gpus > MAX_GPUS {
        return reject(
            Rule::QuantityTooLarge,
            field,
            format!("{gpus} GPUs is above the limit of {MAX_GPUS}"),
        );
    }
    Ok(())
}

/// Checks a price per GPU-hour and that the order's notional fits in micro-USD.
pub(crate) fn check_price(
    price_micros: i64,
    gpus: u32,
    window: &Window,
    field: &'static str,
) -> Result<(), Rejection> {
    if price_micros <= 0 {
        return reject(
            Rule::PriceNotPositive,
            field,
            format!("price {price_micros} micro-USD per GPU-hour must be positive"),
        );
    }
    if price_micros > MAX_PRICE_MICROS {
        return reject(
            Rule::Overflow,
            field,
            format!(
                "price {price_micros} micro-USD per GPU-hour is above the ceiling of {MAX_PRICE_MICROS}"
            ),
        );
    }
    if notional_micros(price_micros, gpus, window.hours()).is_none() {
        return reject(
            Rule::Overflow,
            field,
            format!(
                "price x GPUs x hours ({price_micros} x {gpus} x {}) overflows 64-bit micro-USD",
                window.hours()
            ),
        );
    }
    Ok(())
}

/// Checks a display name: 1 to [`MAX_NAME_BYTES`] bytes, no control characters, not blank.
pub(crate) fn check_name(name: &str, field: &'static str) -> Result<(), Rejection> {
    if name.trim().is_empty() || name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
        return reject(
            Rule::InvalidName,
            field,
            format!(
                "name must be 1 to {MAX_NAME_BYTES} bytes of printable text, not blank (got {} bytes)",
                name.len()
            ),
        );
    }
    Ok(())
}

impl Engine {
    /// Resolves optional region and facility filters (of a bid or an RFQ): a region
    /// must be one a facility is in, a facility must exist.
    pub(crate) fn resolve_filters(
        &self,
        region: &Option<String>,
        facility: Option<FacilityId>,
    ) -> Result<Option<RegionIdx>, Rejection> {
        let region = match region {
            None => None,
            Some(name) => match self.region_index.get(name) {
                Some(&r) => Some(r),
                None => {
                    return reject(
                        Rule::UnknownRegion,
                        "region",
                        format!("no facility is in region {name:?}"),
                    );
                }
            },
        };
        if let Some(f) = facility
            && !self.facilities.contains_key(&f)
        {
            return reject(
                Rule::UnknownFacility,
                "facility",
                format!("no facility {f}"),
            );
        }
        Ok(region)
    }
}

/// Checks that the pool has `gpus` free GPUs at every hour of `window`.
pub(crate) fn check_free(
    pool: &Pool,
    gpus: u32,
    window: &Window,
    field: &'static str,
) -> Result<(), Rejection> {
    let used = pool.used.max_over(*window);
    let free = pool.gpus.saturating_sub(used);
    if gpus > free {
        return reject(
            Rule::InsufficientCapacity,
            field,
            format!(
                "pool {} has {free} free GPUs over {window} at the busiest hour; {gpus} needed",
                pool.id
            ),
        );
    }
    Ok(())
}
