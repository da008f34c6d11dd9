//! Identifiers of the engine's entities. Every id is assigned by the engine from a
//! per-kind counter, so replaying the same commands assigns the same ids.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(pub u64);

        impl $name {
            /// The short prefix used when the id is shown to people (`"ord"` in `ord-17`).
            pub const PREFIX: &'static str = $prefix;

            /// The id shown as `prefix-N` (its [`fmt::Display`] form).
            pub fn parse(s: &str) -> Option<$name> {
                let digits = s.strip_prefix($prefix)?.strip_prefix('-')?;
                if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                digits.parse().ok().map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}-{}", $prefix, self.0)
            }
        }
    };
}

id_type!(
    /// A participant: provider, buyer and/or operator.
    ParticipantId,
    "p"
);
id_type!(
    /// A facility.
    FacilityId,
    "fac"
);
id_type!(
    /// A pool: the GPUs of one model in one facility.
    PoolId,
    "pool"
);
id_type!(
    /// A reservation of pool capacity by its owner.
    ReservationId,
    "res"
);
id_type!(
    /// An order, ask or bid.
    OrderId,
    "ord"
);
id_type!(
    /// A trade: one fill between one bid and one ask.
    TradeId,
    "trd"
);
id_type!(
    /// A contract.
    ContractId,
    "ctr"
);
id_type!(
    /// A request for quotes (a buyer's call for a term deal).
    RfqId,
    "rfq"
);
id_type!(
    /// A provider's firm quote in answer to an RFQ.
    QuoteId,
    "qt"
);
id_type!(
    /// A transfer of money between two accounts of the ledger.
    TransferId,
    "tr"
);
id_type!(
    /// An invoice of a term contract.
    InvoiceId,
    "inv"
);

id_type!(
    /// A standing procurement (`procurement.rs`).
    ProcurementId,
    "prc"
);

id_type!(
    /// A stored capacity plan (`planning.rs`).
    PlanId,
    "pln"
);

/// Index of a GPU model in the catalog (the catalog only grows, so indexes are stable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ModelIdx(pub u16);

/// Index of a region name in the engine's region table (only grows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RegionIdx(pub u16);

/// The per-kind id counters. Each holds the next id to assign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Next participant id.
    pub participant: u64,
    /// Next facility id.
    pub facility: u64,
    /// Next pool id.
    pub pool: u64,
    /// Next reservation id.
    pub reservation: u64,
    /// Next order id.
    pub order: u64,
    /// Next trade id.
    pub trade: u64,
    /// Next contract id.
    pub contract: u64,
    /// Next RFQ id.
    pub rfq: u64,
    /// Next quote id.
    pub quote: u64,
    /// Next transfer id.
    pub transfer: u64,
    /// Next invoice id.
    pub invoice: u64,
    /// Next procurement id.
    pub procurement: u64,
    /// Next plan id.
    pub plan: u64,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            participant: 1,
            facility: 1,
            pool: 1,
            reservation: 1,
            order: 1,
            trade: 1,
            contract: 1,
            rfq: 1,
            quote: 1,
            transfer: 1,
            invoice: 1,
            procurement: 1,
            plan: 1,
        }
    }
}

/// Takes the next value of a counter.
pub(crate) fn take(counter: &mut u64) -> u64 {
    let id = *counter;
    *counter += 1;
    id
}
