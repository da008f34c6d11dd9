//! Views of RFQs and quotes.

use super::*;
use megawatt_engine::event::{RfqEnd, Status};
use megawatt_store::reader::{Asked, QuoteRecord, RfqRecord};

/// An RFQ from the tables.
pub fn rfq(r: &RfqRecord) -> RfqView {
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
            max_early_termination_fee: t.max_early_termination_fee_micros.map(super::money),
            for_cause: causes_list(t.causes),
            min_payment_days: t.min_payment_days,
        },
        deadline: r.deadline.to_string(),
        invited: r.invited.iter().map(|p| p.to_string()).collect(),
        accepted_quote,
    }
}
/// A quote from the tables.
pub fn quote(q: &QuoteRecord) -> QuoteView {
    QuoteView {
        id: q.id.to_string(),
        rfq: q.rfq.to_string(),
        provider: q.provider.to_string(),
        facility: q.facility.to_string(),
        status: q.status.as_str().into(),
        pricing: super::pricing(&q.pricing),
        lines: q.lines.iter().map(super::line).collect(),
        terms: super::terms(&q.terms),
        expires: q.expires.to_string(),
        delivery: super::delivery(&q.delivery),
    }
}
