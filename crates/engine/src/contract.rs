//! Trades and the contracts they create: who holds which GPU-hours, at what price, on
//! what terms.

use crate::ids::{ContractId, ModelIdx, OrderId, ParticipantId, PoolId, TradeId};
use crate::order::Side;
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
        }
    }
}

/// Where a contract came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A fill on the continuous market.
    Trade(TradeId),
    // RFQ quotes and resales arrive with term deals.
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
}

impl ContractStatus {
    /// `pending`, `active` or `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Pending => "pending",
            ContractStatus::Active => "active",
            ContractStatus::Expired => "expired",
        }
    }
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

    /// True while the contract holds capacity (pending or active).
    pub fn is_live(&self) -> bool {
        matches!(
            self.status,
            ContractStatus::Pending | ContractStatus::Active
        )
    }
}
