//! The public market events of `/v1/events` (server-sent events, one JSON object each).

use crate::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One public market event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MarketEvent {
    /// A trade, without its parties.
    Trade {
        /// Journal sequence number of the command that caused it.
        seq: u64,
        /// Trade id.
        id: String,
        /// GPU model.
        model: String,
        /// GPUs.
        gpus: u32,
        /// Window start, RFC 3339.
        start: String,
        /// Window end, RFC 3339.
        end: String,
        /// Price per GPU-hour.
        price: Money,
        /// Side of the incoming order.
        aggressor: String,
    },
    /// An order arrived (it may trade at once, see the following events).
    Order {
        /// Journal sequence number.
        seq: u64,
        /// Order id.
        id: String,
        /// `buy` or `sell`.
        side: String,
        /// GPU model.
        model: String,
        /// GPUs.
        gpus: u32,
        /// Window start.
        start: String,
        /// Window end.
        end: String,
        /// Price (sell) or limit (buy) per GPU-hour.
        price: Money,
    },
    /// An order left the book.
    Closed {
        /// Journal sequence number.
        seq: u64,
        /// Order id.
        id: String,
        /// Why.
        reason: String,
    },
}
