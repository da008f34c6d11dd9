//! Typed rejections. A rejected command changes nothing; its rejection names the rule
//! that refused it (a stable code), the field at fault, and a sentence for people.

use serde::Serialize;
use std::fmt;

/// The rule a command broke. [`Rule::code`] is stable: clients may match on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The actor is not a known participant.
    UnknownParticipant,
    /// No GPU model with that id.
    UnknownModel,
    /// No region with that name.
    UnknownRegion,
    /// No facility with that id (or not visible to the actor).
    UnknownFacility,
    /// No pool with that id (or not visible to the actor).
    UnknownPool,
    /// No live order with that id (or not the actor's).
    UnknownOrder,
    /// No live reservation with that id (or not the actor's).
    UnknownReservation,
    /// A name or id is empty, too long or uses characters outside its alphabet.
    InvalidName,
    /// Something with that name or id exists already.
    AlreadyExists,
    /// The actor's roles do not allow the command.
    NotPermitted,
    /// The actor does not own the pool or facility.
    NotOwner,
    /// A window's end is not after its start.
    WindowEmpty,
    /// A window is longer than ten years.
    WindowTooLong,
    /// A window starts at or before the current hour.
    WindowInPast,
    /// A GPU count is zero.
    ZeroGpus,
    /// A quantity is above its limit.
    QuantityTooLarge,
    /// A price is zero or negative.
    PriceNotPositive,
    /// A number (power, watts) is outside its allowed range.
    OutOfRange,
    /// A participant must have at least one role.
    InvalidRoles,
    /// An amount of money or power overflows its integer type or exceeds its ceiling.
    Overflow,
    /// The pool does not have the free capacity the command needs.
    InsufficientCapacity,
    /// A facility's pools draw more power than the facility has.
    PowerExceeded,
    /// The time in force is not allowed here, or its expiry is not in the future.
    InvalidTimeInForce,
    /// The minimum fill is zero or above the order's GPUs.
    InvalidMinFill,
    /// A reduction is zero or would leave nothing.
    InvalidReduce,
    /// A count limit (orders per participant, pools per facility, …) is reached.
    LimitReached,
    /// The command's timestamp is earlier than the engine's clock.
    ClockWentBackwards,
    /// A tick is for an hour before the last tick or after the command's time.
    InvalidTick,
    /// No open RFQ with that id visible to the actor.
    UnknownRfq,
    /// No live quote with that id visible to the actor.
    UnknownQuote,
    /// No contract with that id of the actor's.
    UnknownContract,
    /// A deadline or expiry is not in the future, or an RFQ's deadline is after its
    /// window starts.
    InvalidDeadline,
    /// The RFQ's deadline has passed.
    RfqClosed,
    /// The quote's expiry has passed.
    QuoteExpired,
    /// A quote does not meet its RFQ's hard requirements.
    QuoteUnmet,
    /// The party has no right of notice under the contract (it is firm for that party).
    NoRightOfNotice,
    /// The contract does not allow this cause, or not for this party.
    CauseNotAllowed,
    /// The contract has ended, or is already ending for cause or after notice.
    ContractNotInForce,
    /// A resale asks for more of a contract than its buyer holds and has not already
    /// listed or resold.
    ResaleExceedsHolding,
    /// Notice would take effect at or after the contract's end: it would end nothing
    /// early.
    NoticePastEnd,
    /// The participant does not have the money the command needs.
    InsufficientFunds,
    /// Termination for non-payment needs an overdue invoice of the contract.
    NothingOverdue,
    /// An amount of money moved (a deposit, a withdrawal) must be positive.
    AmountNotPositive,
    /// A usage record is for an hour that has not ended yet.
    UsageHourNotEnded,
    /// A usage record is for an hour its contract line does not hold.
    LineNotInForce,
    /// A usage record (or a correction) is for a month that has closed: its invoices and credits are final.
    MonthClosed,
    /// A usage record reports more GPUs than its contract line holds.
    UsageAboveContracted,
    /// A batch names the same contract line and hour twice.
    DuplicateRecord,
    /// No start of a flexible bid's range fills it within its limit.
    NoFeasibleStart,
    /// No live procurement with that id (or not the actor's).
    UnknownProcurement,
    /// The procurement is already in the state asked for (paused, or not paused).
    ProcurementState,
    /// No stored plan with that id (or not the actor's).
    UnknownPlan,
    /// The plan was applied already: its orders stand, and are not placed twice.
    PlanApplied,
}

impl Rule {
    /// Every rule, in declaration order (the catalog of codes in docs/errors.md is made
    /// from it).
    pub const ALL: [Rule; 53] = [
        Rule::UnknownParticipant,
        Rule::UnknownModel,
        Rule::UnknownRegion,
        Rule::UnknownFacility,
        Rule::UnknownPool,
        Rule::UnknownOrder,
        Rule::UnknownReservation,
        Rule::InvalidName,
        Rule::AlreadyExists,
        Rule::NotPermitted,
        Rule::NotOwner,
        Rule::WindowEmpty,
        Rule::WindowTooLong,
        Rule::WindowInPast,
        Rule::ZeroGpus,
        Rule::QuantityTooLarge,
        Rule::PriceNotPositive,
        Rule::OutOfRange,
        Rule::InvalidRoles,
        Rule::Overflow,
        Rule::InsufficientCapacity,
        Rule::PowerExceeded,
        Rule::InvalidTimeInForce,
        Rule::InvalidMinFill,
        Rule::InvalidReduce,
        Rule::LimitReached,
        Rule::ClockWentBackwards,
        Rule::InvalidTick,
        Rule::UnknownRfq,
        Rule::UnknownQuote,
        Rule::UnknownContract,
        Rule::InvalidDeadline,
        Rule::RfqClosed,
        Rule::QuoteExpired,
        Rule::QuoteUnmet,
        Rule::NoRightOfNotice,
        Rule::CauseNotAllowed,
        Rule::ContractNotInForce,
        Rule::ResaleExceedsHolding,
        Rule::NoticePastEnd,
        Rule::InsufficientFunds,
        Rule::NothingOverdue,
        Rule::AmountNotPositive,
        Rule::UsageHourNotEnded,
        Rule::LineNotInForce,
        Rule::MonthClosed,
        Rule::UsageAboveContracted,
        Rule::DuplicateRecord,
        Rule::NoFeasibleStart,
        Rule::UnknownProcurement,
        Rule::ProcurementState,
        Rule::UnknownPlan,
        Rule::PlanApplied,
    ];

    /// What the rule means, in a sentence (its doc comment).
    pub fn meaning(self) -> &'static str {
        match self {
            Rule::UnknownParticipant => "The actor is not a known participant.",
            Rule::UnknownModel => "No GPU model with that id.",
            Rule::UnknownRegion => "No region with that name.",
            Rule::UnknownFacility => "No facility with that id (or not visible to the actor).",
            Rule::UnknownPool => "No pool with that id (or not visible to the actor).",
            Rule::UnknownOrder => "No live order with that id (or not the actor's).",
            Rule::UnknownReservation => "No live reservation with that id (or not the actor's).",
            Rule::InvalidName => {
                "A name or id is empty, too long or uses characters outside its alphabet."
            }
            Rule::AlreadyExists => "Something with that name or id exists already.",
            Rule::NotPermitted => "The actor's roles do not allow the command.",
            Rule::NotOwner => "The actor does not own the pool or facility.",
            Rule::WindowEmpty => "A window's end is not after its start.",
            Rule::WindowTooLong => "A window is longer than ten years.",
            Rule::WindowInPast => "A window starts at or before the current hour.",
            Rule::ZeroGpus => "A GPU count is zero.",
            Rule::QuantityTooLarge => "A quantity is above its limit.",
            Rule::PriceNotPositive => "A price is zero or negative.",
            Rule::OutOfRange => "A number (power, watts) is outside its allowed range.",
            Rule::InvalidRoles => "A participant must have at least one role.",
            Rule::Overflow => {
                "An amount of money or power overflows its integer type or exceeds its ceiling."
            }
            Rule::InsufficientCapacity => {
                "The pool does not have the free capacity the command needs."
            }
            Rule::PowerExceeded => "A facility's pools draw more power than the facility has.",
            Rule::InvalidTimeInForce => {
                "The time in force is not allowed here, or its expiry is not in the future."
            }
            Rule::InvalidMinFill => "The minimum fill is zero or above the order's GPUs.",
            Rule::InvalidReduce => "A reduction is zero or would leave nothing.",
            Rule::LimitReached => {
                "A count limit (orders per participant, pools per facility, …) is reached."
            }
            Rule::ClockWentBackwards => {
                "The command's timestamp is earlier than the engine's clock."
            }
            Rule::InvalidTick => {
                "A tick is for an hour before the last tick or after the command's time."
            }
            Rule::UnknownRfq => "No open RFQ with that id visible to the actor.",
            Rule::UnknownQuote => "No live quote with that id visible to the actor.",
            Rule::UnknownContract => "No contract with that id of the actor's.",
            Rule::InvalidDeadline => {
                "A deadline or expiry is not in the future, or an RFQ's deadline is after its window starts."
            }
            Rule::RfqClosed => "The RFQ's deadline has passed.",
            Rule::QuoteExpired => "The quote's expiry has passed.",
            Rule::QuoteUnmet => "A quote does not meet its RFQ's hard requirements.",
            Rule::NoRightOfNotice => {
                "The party has no right of notice under the contract (it is firm for that party)."
            }
            Rule::CauseNotAllowed => {
                "The contract does not allow this cause, or not for this party."
            }
            Rule::ContractNotInForce => {
                "The contract has ended, or is already ending for cause or after notice."
            }
            Rule::ResaleExceedsHolding => {
                "A resale asks for more of a contract than its buyer holds and has not already listed or resold."
            }
            Rule::NoticePastEnd => {
                "Notice would take effect at or after the contract's end: it would end nothing early."
            }
            Rule::InsufficientFunds => "The participant does not have the money the command needs.",
            Rule::NothingOverdue => {
                "Termination for non-payment needs an overdue invoice of the contract."
            }
            Rule::AmountNotPositive => {
                "An amount of money moved (a deposit, a withdrawal) must be positive."
            }
            Rule::UsageHourNotEnded => "A usage record is for an hour that has not ended yet.",
            Rule::LineNotInForce => {
                "A usage record is for an hour its contract line does not hold."
            }
            Rule::MonthClosed => {
                "A usage record (or a correction) is for a month that has closed: its invoices and credits are final."
            }
            Rule::UsageAboveContracted => {
                "A usage record reports more GPUs than its contract line holds."
            }
            Rule::DuplicateRecord => "A batch names the same contract line and hour twice.",
            Rule::NoFeasibleStart => {
                "No start of a flexible bid's range fills it within its limit."
            }
            Rule::UnknownProcurement => "No live procurement with that id (or not the actor's).",
            Rule::ProcurementState => {
                "The procurement is already in the state asked for (paused, or not paused)."
            }
            Rule::UnknownPlan => "No stored plan with that id (or not the actor's).",
            Rule::PlanApplied => {
                "The plan was applied already: its orders stand, and are not placed twice."
            }
        }
    }

    /// The stable machine-readable code, e.g. `"insufficient_capacity"`.
    pub fn code(self) -> &'static str {
        match self {
            Rule::UnknownParticipant => "unknown_participant",
            Rule::UnknownModel => "unknown_model",
            Rule::UnknownRegion => "unknown_region",
            Rule::UnknownFacility => "unknown_facility",
            Rule::UnknownPool => "unknown_pool",
            Rule::UnknownOrder => "unknown_order",
            Rule::UnknownReservation => "unknown_reservation",
            Rule::InvalidName => "invalid_name",
            Rule::AlreadyExists => "already_exists",
            Rule::NotPermitted => "not_permitted",
            Rule::NotOwner => "not_owner",
            Rule::WindowEmpty => "window_empty",
            Rule::WindowTooLong => "window_too_long",
            Rule::WindowInPast => "window_in_past",
            Rule::ZeroGpus => "zero_gpus",
            Rule::QuantityTooLarge => "quantity_too_large",
            Rule::PriceNotPositive => "price_not_positive",
            Rule::OutOfRange => "out_of_range",
            Rule::InvalidRoles => "invalid_roles",
            Rule::Overflow => "overflow",
            Rule::InsufficientCapacity => "insufficient_capacity",
            Rule::PowerExceeded => "power_exceeded",
            Rule::InvalidTimeInForce => "invalid_time_in_force",
            Rule::InvalidMinFill => "invalid_min_fill",
            Rule::InvalidReduce => "invalid_reduce",
            Rule::LimitReached => "limit_reached",
            Rule::ClockWentBackwards => "clock_went_backwards",
            Rule::InvalidTick => "invalid_tick",
            Rule::UnknownRfq => "unknown_rfq",
            Rule::UnknownQuote => "unknown_quote",
            Rule::UnknownContract => "unknown_contract",
            Rule::InvalidDeadline => "invalid_deadline",
            Rule::RfqClosed => "rfq_closed",
            Rule::QuoteExpired => "quote_expired",
            Rule::QuoteUnmet => "quote_unmet",
            Rule::NoRightOfNotice => "no_right_of_notice",
            Rule::CauseNotAllowed => "cause_not_allowed",
            Rule::ContractNotInForce => "contract_not_in_force",
            Rule::ResaleExceedsHolding => "resale_exceeds_holding",
            Rule::NoticePastEnd => "notice_past_end",
            Rule::InsufficientFunds => "insufficient_funds",
            Rule::NothingOverdue => "nothing_overdue",
            Rule::AmountNotPositive => "amount_not_positive",
            Rule::UsageHourNotEnded => "usage_hour_not_ended",
            Rule::LineNotInForce => "line_not_in_force",
            Rule::MonthClosed => "month_closed",
            Rule::UsageAboveContracted => "usage_above_contracted",
            Rule::DuplicateRecord => "duplicate_record",
            Rule::NoFeasibleStart => "no_feasible_start",
            Rule::UnknownProcurement => "unknown_procurement",
            Rule::ProcurementState => "procurement_state",
            Rule::UnknownPlan => "unknown_plan",
            Rule::PlanApplied => "plan_applied",
        }
    }
}

/// A refused command: the rule, the field at fault (a path like `"window.start"`), and
/// a sentence that says what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The rule that refused the command.
    pub rule: Rule,
    /// The field at fault, as a dotted path into the command.
    pub field: &'static str,
    /// A sentence for people, naming the values involved.
    pub detail: String,
    /// For a command of many records (a usage report), the record at fault, from 0.
    pub index: Option<u32>,
}

impl Rejection {
    /// A rejection of `field` under `rule`.
    pub fn new(rule: Rule, field: &'static str, detail: impl Into<String>) -> Rejection {
        Rejection {
            rule,
            field,
            detail: detail.into(),
            index: None,
        }
    }

    /// The same rejection, of record `index` of the command's list.
    pub fn at(mut self, index: usize) -> Rejection {
        self.index = u32::try_from(index).ok();
        self
    }

    /// The field as the request spells it: `records[3].hour` for field `records.hour`
    /// of record 3, else the field.
    pub fn field_path(&self) -> String {
        match (self.index, self.field.split_once('.')) {
            (Some(i), Some((list, rest))) => format!("{list}[{i}].{rest}"),
            (Some(i), None) => format!("{}[{i}]", self.field),
            (None, _) => self.field.to_string(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.field_path(),
            self.rule.code(),
            self.detail
        )
    }
}

impl std::error::Error for Rejection {}

/// Shorthand for `Err(Rejection::new(..))`.
pub(crate) fn reject<T>(
    rule: Rule,
    field: &'static str,
    detail: impl Into<String>,
) -> Result<T, Rejection> {
    Err(Rejection::new(rule, field, detail))
}
