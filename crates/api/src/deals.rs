//! RFQs and quotes as the API shows them.

use crate::{LineView, Money, PricingView, TermsView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an RFQ asks for, per model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RfqItemView {
    /// GPU model.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
}

/// The terms an RFQ requires of quotes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WantedTermsView {
    /// The buyer must be able to leave on at most this notice, hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_buyer_notice_hours: Option<u32>,
    /// The seller must not be able to leave on less notice, hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_seller_notice_hours: Option<u32>,
    /// Highest acceptable early-termination fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_early_termination_fee: Option<Money>,
    /// Causes the contract must allow.
    pub for_cause: Vec<String>,
    /// The buyer must have at least this many days to pay each invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_payment_days: Option<u16>,
}

/// A request for quotes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RfqView {
    /// Id, e.g. `rfq-3`.
    pub id: String,
    /// The buyer.
    pub buyer: String,
    /// `open`, `accepted`, `cancelled` or `expired`.
    pub status: String,
    /// GPUs per model (for an RFQ by GPUs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<RfqItemView>,
    /// Power wanted, kW (for an RFQ by power).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_kw: Option<u64>,
    /// Least power that meets the need, kW.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_power_kw: Option<u64>,
    /// Window start.
    pub start: String,
    /// Window end.
    pub end: String,
    /// Only facilities of this region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Only this facility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// Terms quotes must meet.
    pub terms: WantedTermsView,
    /// Quotes may be accepted until this hour.
    pub deadline: String,
    /// Providers invited (empty: every provider).
    pub invited: Vec<String>,
    /// The accepted quote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_quote: Option<String>,
}

/// A firm quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuoteView {
    /// Id, e.g. `qt-4`.
    pub id: String,
    /// The RFQ answered.
    pub rfq: String,
    /// The provider.
    pub provider: String,
    /// The facility of its lines.
    pub facility: String,
    /// `open`, `accepted`, `withdrawn`, `expired` or `released`.
    pub status: String,
    /// How it is priced, flattened into the object (`pricing`, `price`, `monthly_fee`).
    #[serde(flatten)]
    pub pricing: PricingView,
    /// GPUs offered (encumbered while the quote is open).
    pub lines: Vec<LineView>,
    /// Terms.
    pub terms: TermsView,
    /// The quote lapses at this hour.
    pub expires: String,
    /// What it promises of delivery (the contract's, if accepted).
    pub delivery: crate::DeliveryTermsView,
}
