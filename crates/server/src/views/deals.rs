//! Views of RFQs and quotes.

use super::*;
use megawatt_engine::event::{RfqEnd, Status};
use megawatt_engine::units::usd_string;
use megawatt_store::reader::{Asked, QuoteRecord, RfqRecord};

/// What an RFQ asks for, per model.
#[derive(Debug, Serialize, ToSchema)]
pub struct RfqItemView {
    /// GPU model.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
}

/// The terms an RFQ requires of quotes.
#[derive(Debug, Serialize, ToSchema)]
pub struct WantedTermsView {
    /// The buyer must be able to leave on at most this notice, hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_buyer_notice_hours: Option<u32>,
    /// The seller must not be able to leave on less notice, hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_seller_notice_hours: Option<u32>,
    /// Highest acceptable early-termination fee, micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_early_termination_fee_micros: Option<i64>,
    /// Causes the contract must allow.
    pub for_cause: Vec<String>,
    /// The buyer must have at least this many days to pay each invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_payment_days: Option<u16>,
}

/// A request for quotes.
#[derive(Debug, Serialize, ToSchema)]
pub struct RfqView {
    /// Id, e.g. `rfq-3`.
    pub id: String,
    /// The buyer.
    pub buyer: String,
    /// `open`, `accepted`, `cancelled` or `expired`.
    pub status: String,
    /// GPUs per model (for an RFQ by GPUs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
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

impl RfqView {
    /// An RFQ from the tables.
    pub fn from_row(r: &RfqRecord) -> RfqView {
        let (power_kw, min_power_kw) = match r.asked {
            Asked::Gpus => (None, None),
            Asked::Power {
                power_kw,
                min_power_kw,
            } => (Some(power_kw), Some(min_power_kw)),
        };
        let accepted_quote = match r.status {
            Status::Closed(RfqEnd::Accepted(q)) => Some(q.to_string()),
            _ => None,
        };
        let t = &r.terms;
        RfqView {
            id: r.id.to_string(),
            buyer: r.buyer.to_string(),
            status: r.status.as_str().into(),
            gpus: r
                .items
                .iter()
                .map(|(model, gpus)| RfqItemView {
                    model: model.clone(),
                    gpus: *gpus,
                })
                .collect(),
            power_kw,
            min_power_kw,
            start: r.window.start.to_string(),
            end: r.window.end.to_string(),
            region: r.region.clone(),
            facility: r.facility.map(|f| f.to_string()),
            terms: WantedTermsView {
                max_buyer_notice_hours: t.max_buyer_notice_hours,
                min_seller_notice_hours: t.min_seller_notice_hours,
                max_early_termination_fee_micros: t.max_early_termination_fee_micros,
                for_cause: causes_list(t.causes),
                min_payment_days: t.min_payment_days,
            },
            deadline: r.deadline.to_string(),
            invited: r.invited.iter().map(|p| p.to_string()).collect(),
            accepted_quote,
        }
    }
}

/// A firm quote.
#[derive(Debug, Serialize, ToSchema)]
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
    /// `per_gpu_hour` or `monthly_fee`.
    pub pricing: String,
    /// Per GPU-hour price, micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_micros: Option<i64>,
    /// The same in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<String>,
    /// Monthly fee, micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_fee_micros: Option<i64>,
    /// The same in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_fee_usd: Option<String>,
    /// GPUs offered (encumbered while the quote is open).
    pub lines: Vec<LineView>,
    /// Terms.
    pub terms: TermsView,
    /// The quote lapses at this hour.
    pub expires: String,
}

impl QuoteView {
    /// A quote from the tables.
    pub fn from_row(q: &QuoteRecord) -> QuoteView {
        QuoteView {
            id: q.id.to_string(),
            rfq: q.rfq.to_string(),
            provider: q.provider.to_string(),
            facility: q.facility.to_string(),
            status: q.status.as_str().into(),
            pricing: q.pricing.kind().into(),
            price_micros: q.pricing.price_micros(),
            price_usd: q.pricing.price_micros().map(usd_string),
            monthly_fee_micros: q.pricing.fee_micros(),
            monthly_fee_usd: q.pricing.fee_micros().map(usd_string),
            lines: q.lines.iter().map(LineView::new).collect(),
            terms: TermsView::new(&q.terms),
            expires: q.expires.to_string(),
        }
    }
}
