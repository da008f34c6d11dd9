//! # megawatt-api
//!
//! The types of Megawatt's HTTP API: every request body and every answer, as they are
//! sent. The
//! server builds and serializes them (and derives the OpenAPI schemas from them); the
//! CLI and the tests deserialize them. Money is a [`Money`]: integer micro-USD beside
//! its decimal USD string; times are RFC 3339 UTC; ids carry their prefix (`ord-17`). This crate
//! depends on nothing of ours: it is the contract between the server and its clients.

mod common;
mod contracts;
mod deals;
mod delivery;
mod events;
mod market;
mod money;
mod plans;
mod positions;
mod prices;
mod problem;
mod procurements;
mod requests;
mod search;
mod utilization;
mod webhooks;

pub use common::*;
pub use contracts::*;
pub use deals::*;
pub use delivery::*;
pub use events::*;
pub use market::*;
pub use money::*;
pub use plans::*;
pub use positions::*;
pub use prices::*;
pub use problem::*;
pub use procurements::*;
pub use requests::*;
pub use search::*;
pub use utilization::*;
pub use webhooks::*;
