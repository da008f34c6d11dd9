//! Participants, facilities, pools and reservations: who is on the market and what
//! capacity exists.

use crate::ids::{FacilityId, ModelIdx, ParticipantId, PoolId, RegionIdx, ReservationId};
use crate::step::StepFn;
use crate::units::Window;
use serde::{Deserialize, Serialize};

/// What a participant may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    /// Registers facilities and sells capacity.
    pub provider: bool,
    /// Buys capacity.
    pub buyer: bool,
    /// Runs the exchange: admits participants, adds models, issues ticks.
    pub operator: bool,
}

/// A participant of the market.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Its id.
    pub id: ParticipantId,
    /// Display name.
    pub name: String,
    /// Its roles.
    pub roles: Roles,
    /// Number of its live (resting) orders, bounded by [`crate::limits::MAX_OPEN_ORDERS_PER_PARTICIPANT`].
    pub open_orders: u32,
    /// Number of its facilities.
    pub facilities: u32,
    /// Number of its open RFQs, bounded by [`crate::limits::MAX_OPEN_RFQS_PER_BUYER`].
    pub open_rfqs: u32,
    /// What its resting bids have reserved, micro-USD.
    pub exposure_micros: i64,
    /// What it owes on unpaid invoices, micro-USD.
    pub owed_micros: i64,
    /// What others owe it on unpaid invoices, micro-USD.
    pub receivable_micros: i64,
}

/// A facility: a site with a power budget and one pool per GPU model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facility {
    /// Its id.
    pub id: FacilityId,
    /// The provider that owns it.
    pub owner: ParticipantId,
    /// Display name.
    pub name: String,
    /// Region (interned).
    pub region: RegionIdx,
    /// Critical IT power in kW.
    pub power_kw: u64,
    /// Its pools, one per model, in the order they were given.
    pub pools: Vec<PoolId>,
}

/// The GPUs of one model in one facility, and how much of them is in use each hour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    /// Its id.
    pub id: PoolId,
    /// The facility it belongs to.
    pub facility: FacilityId,
    /// The facility's owner (copied for fast ownership checks).
    pub owner: ParticipantId,
    /// The facility's region (copied for fast filter checks while matching).
    pub region: RegionIdx,
    /// GPU model.
    pub model: ModelIdx,
    /// Number of GPUs.
    pub gpus: u32,
    /// committed + encumbered + reserved GPUs at each hour. Never above `gpus`.
    pub used: StepFn,
    /// Number of live reservations on this pool.
    pub reservations: u32,
}

/// Capacity of a pool kept by its owner (internal use, maintenance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Its id.
    pub id: ReservationId,
    /// The pool it holds capacity of.
    pub pool: PoolId,
    /// The pool's owner.
    pub owner: ParticipantId,
    /// GPUs held.
    pub gpus: u32,
    /// Hours held.
    pub window: Window,
}
