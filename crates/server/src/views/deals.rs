//! Views of RFQs and quotes.

use super::*;
use megawatt_engine::ids::{FacilityId, ParticipantId, QuoteId, RfqId};
use megawatt_engine::units::{Hour, usd_string};
use megawatt_store::reader::{QuoteRow, RfqRow};

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
    pub fn from_row(r: &RfqRow) -> RfqView {
        RfqView {
            id: RfqId(r.id).to_string(),
            buyer: ParticipantId(r.buyer).to_string(),
            status: r.status.clone(),
            gpus: r
                .items
                .iter()
                .map(|(model, gpus)| RfqItemView {
                    model: model.clone(),
                    gpus: *gpus,
                })
                .collect(),
            power_kw: r.power_kw,
            min_power_kw: r.min_power_kw,
            start: Hour(r.start_hour).to_string(),
            end: Hour(r.end_hour).to_string(),
            region: r.region.clone(),
            facility: r.facility.map(|f| FacilityId(f).to_string()),
            terms: WantedTermsView {
                max_buyer_notice_hours: r.max_buyer_notice_hours,
                min_seller_notice_hours: r.min_seller_notice_hours,
                max_early_termination_fee_micros: r.max_early_termination_fee_micros,
                for_cause: r
                    .required_causes
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
                min_payment_days: r.min_payment_days,
            },
            deadline: Hour(r.deadline_hour).to_string(),
            invited: r
                .invited
                .iter()
                .map(|p| ParticipantId(*p).to_string())
                .collect(),
            accepted_quote: r.accepted_quote.map(|q| QuoteId(q).to_string()),
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
    pub fn from_row(q: &QuoteRow) -> QuoteView {
        QuoteView {
            id: QuoteId(q.id).to_string(),
            rfq: RfqId(q.rfq).to_string(),
            provider: ParticipantId(q.provider).to_string(),
            facility: FacilityId(q.facility).to_string(),
            status: q.status.clone(),
            pricing: q.pricing.clone(),
            price_micros: q.price_micros,
            price_usd: q.price_micros.map(usd_string),
            monthly_fee_micros: q.monthly_fee_micros,
            monthly_fee_usd: q.monthly_fee_micros.map(usd_string),
            lines: line_views(&q.lines),
            terms: terms_view(
                (q.buyer_notice_hours, q.seller_notice_hours),
                q.early_termination_fee_micros,
                &q.for_cause_allowed,
                q.payment_days,
            ),
            expires: Hour(q.expires_hour).to_string(),
        }
    }
}
