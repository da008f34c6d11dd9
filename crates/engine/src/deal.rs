//! Term deals' vocabulary: what an RFQ needs, an open RFQ and a live firm quote.
//! Creating, quoting, withdrawing and accepting is `rfq.rs`.

use crate::command::WantedTerms;
use crate::contract::{Lines, Pricing, Terms};
use crate::ids::{FacilityId, ModelIdx, ParticipantId, QuoteId, RegionIdx, RfqId};
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};

/// What an RFQ needs, resolved against the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Exactly these GPUs of each model, in catalog order.
    Gpus(Vec<(ModelIdx, u32)>),
    /// GPUs of any models drawing between `min_power_kw` and `power_kw`.
    Power {
        /// Most power.
        power_kw: u64,
        /// Least power.
        min_power_kw: u64,
    },
}

/// An open request for quotes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rfq {
    /// Its id.
    pub id: RfqId,
    /// The buyer asking.
    pub buyer: ParticipantId,
    /// What it needs.
    pub need: Need,
    /// The term wanted.
    pub window: Window,
    /// Only facilities of this region.
    pub region: Option<RegionIdx>,
    /// Only this facility.
    pub facility: Option<FacilityId>,
    /// Terms quotes must meet.
    pub terms: WantedTerms,
    /// Quotes may be accepted before this hour.
    pub deadline: Hour,
    /// Providers invited (empty: all).
    pub invited: Vec<ParticipantId>,
    /// Its live quotes.
    pub quotes: Vec<QuoteId>,
    /// Quotes received so far (live or not), bounded by [`crate::limits::MAX_QUOTES_PER_RFQ`].
    pub quotes_received: u32,
    /// When made, ms since the epoch.
    pub created_ms: u64,
}

impl Rfq {
    /// Whether `p` may see the RFQ and quote on it (an invited provider, or any
    /// provider of an open invitation).
    pub fn invites(&self, p: ParticipantId) -> bool {
        self.invited.is_empty() || self.invited.contains(&p)
    }
}

/// A live firm quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Its id.
    pub id: QuoteId,
    /// The RFQ it answers.
    pub rfq: RfqId,
    /// The provider.
    pub provider: ParticipantId,
    /// The facility of its lines.
    pub facility: FacilityId,
    /// GPUs offered, pool by pool, over the RFQ's window (encumbered while live).
    pub lines: Lines,
    /// Price.
    pub pricing: Pricing,
    /// Terms.
    pub terms: Terms,
    /// It lapses when this hour begins.
    pub expires: Hour,
    /// When made, ms since the epoch.
    pub created_ms: u64,
    /// What it promises of delivery (the contract's, if accepted).
    pub delivery: crate::delivery::DeliveryTerms,
}
