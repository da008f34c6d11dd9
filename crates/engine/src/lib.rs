//! # megawatt-engine
//!
//! The exchange engine of Megawatt: GPU capacity, a continuous market for hour-blocks
//! of it, and the contracts that fills create, as a pure, deterministic state machine.
//!
//! [`Engine::apply`] takes one stamped [`Envelope`] and returns its [`Event`]s or a
//! [`Rejection`] that names the rule and the field. There is no IO, no clock, no
//! randomness and no floating point; all state is in ordered collections, so the same
//! commands always give the same state, byte for byte ([`Engine::snapshot`]).
//!
//! The market's first invariant, for every pool and hour:
//! `committed + encumbered + reserved <= gpus`. [`invariants::check`] verifies it and
//! every other invariant of the state from scratch.
//!
//! Module map:
//! - [`units`]: hours, windows, micro-USD money.
//! - [`ids`]: entity ids and their counters.
//! - [`catalog`]: GPU models.
//! - [`entities`]: participants, facilities, pools, reservations.
//! - [`order`]: orders and the per-model book; [`levels`]: a book side as price levels.
//! - [`contract`]: trades and contracts, their terms and status.
//! - [`deal`]: requests for quotes and firm quotes (term deals).
//! - [`money`]: accounts, transfers, fee rates; [`invoice`]: invoices (term contracts'
//!   hours and fees, refunds of prepaid hours).
//! - [`command`] / [`event`] / [`reject`]: what goes in and what comes out.
//! - [`step`]: the step functions that hold capacity over time.
//! - [`usage`]: usage records and the open months' delivery reports.
//! - [`index`], [`curve`]: the index's and the forward curve's methodology;
//!   [`market_data`]: the trailing week's prints they are computed from.
//! - [`flex`]: flexible-start searches and what they find.
//! - `engine`, `admin`, `place`, `matching`, `lifecycle` (notice, termination,
//!   resale children), `refund` (prepaid hours after an early end), `metering` (usage
//!   reports), `rfq` (term deals), `ledger` (deposits, withdrawals, settlement,
//!   credit checks), `billing` (month close, payment), `prices` (publishing the index
//!   and curves at the tick), `search` (flexible-start search and bids), `tick`: the state machine itself.
//!   Vocabulary modules (types, pure functions) never import these behaviour modules.
//! - [`invariants`]: the from-scratch checker used by tests and audits.
//! - [`limits`]: every bound the engine enforces.

pub mod catalog;
pub mod command;
pub mod contract;
pub mod curve;
pub mod deal;
pub mod delivery;
pub mod dense;
pub mod economics;
pub mod entities;
pub mod event;
pub mod exposure;
pub mod flex;
pub mod ids;
pub mod index;
pub mod invariants;
pub mod invoice;
pub mod levels;
pub mod limits;
pub mod market_data;
pub mod marks;
pub mod money;
pub mod order;
pub mod order_map;
pub mod plan;
pub mod planning;
pub mod portfolio;
pub mod positions;
pub mod procurement;
pub mod quote_rules;
pub mod reject;
pub mod reliability;
pub mod step;
pub mod units;
pub mod usage;

mod admin;
mod billing;
mod credits;
mod engine;
mod ledger;
mod lifecycle;
mod matching;
mod metering;
mod place;
mod prices;
mod procure;
mod refund;
mod rfq;
mod search;
mod tick;

pub use command::{AskSpec, BidSpec, Command, Envelope, PoolSpec};
pub use engine::{Engine, OPERATOR, SnapshotError};
pub use event::Event;
pub use reject::{Rejection, Rule};
pub use units::{Hour, Window};
