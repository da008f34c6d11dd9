//! Commands: the only way to change the engine's state. Each arrives in an
//! [`Envelope`] stamped by the sequencer with the time and the acting participant.

use crate::entities::Roles;
use crate::ids::{FacilityId, OrderId, ParticipantId, PoolId, ReservationId};
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
    /// Ask for capacity.
    PlaceBid(BidSpec),
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
}
