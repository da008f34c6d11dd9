//! Events: what an accepted command did. The server writes them to the query tables
//! and publishes the public ones as market data.

use crate::contract::{Contract, Trade};
use crate::entities::{Facility, Participant, Reservation};
use crate::ids::{ContractId, ModelIdx, OrderId, ReservationId};
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
        }
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
    ContractCreated(Contract),
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
}
