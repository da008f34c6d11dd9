//! Views of contracts: lines, terms, origin, notice, termination and the money
//! figures, all from the engine's [`ContractRecord`].

use super::*;
use megawatt_engine::contract::{Causes, Contract, ContractLine, ContractRecord, Origin, Terms};
use megawatt_engine::units::Hour;

/// Causes as shown: their names, in a fixed order.
pub fn causes_list(c: Causes) -> Vec<String> {
    c.names().map(str::to_string).collect()
}

/// The time `ms` as RFC 3339 (to the hour).
fn at(ms: u64) -> String {
    Hour::containing(ms).to_string()
}

/// Terms as shown.
pub fn terms(t: &Terms) -> TermsView {
    TermsView {
        payment_days: t.payment_days,
        buyer_notice_hours: t.buyer_notice_hours,
        seller_notice_hours: t.seller_notice_hours,
        early_termination_fee: money(t.early_termination_fee_micros),
        firm: t.buyer_notice_hours.is_none() && t.seller_notice_hours.is_none(),
        for_cause: causes_list(t.for_cause),
    }
}
/// Pricing as shown: its kind and its amount.
pub fn pricing(p: &megawatt_engine::contract::Pricing) -> PricingView {
    PricingView {
        pricing: p.kind().into(),
        price: p.price_micros().map(money),
        monthly_fee: p.fee_micros().map(money),
    }
}
/// A contract line as shown.
pub fn line(l: &ContractLine) -> LineView {
    LineView {
        pool: l.pool.to_string(),
        gpus: l.gpus,
        start: l.window.start.to_string(),
        end: l.window.end.to_string(),
    }
}
/// Where a contract came from, as shown.
pub fn origin(o: &Origin) -> OriginView {
    let (kind, trade, quote, parent) = match *o {
        Origin::Trade(t) => ("trade", Some(t), None, None),
        Origin::Quote(q) => ("quote", None, Some(q), None),
        Origin::Resale {
            parent,
            line,
            trade,
        } => ("resale", Some(trade), None, Some((parent, u32::from(line)))),
    };
    OriginView {
        kind: kind.into(),
        trade: trade.map(|t| t.to_string()),
        quote: quote.map(|q| q.to_string()),
        parent: parent.map(|(p, _)| p.to_string()),
        parent_line: parent.map(|(_, l)| l),
    }
}
/// Reliability as the API shows it.
pub fn reliability(t: megawatt_engine::usage::Tally) -> megawatt_api::ReliabilityView {
    megawatt_api::ReliabilityView {
        reported_gpu_hours: t.reported_gpu_hours,
        delivered_gpu_hours: t.delivered_gpu_hours,
        reliability_bps: t.bps(),
    }
}

/// A delivery credit's evidence as the API shows it.
pub fn delivery_credit(
    d: &megawatt_engine::delivery::MonthDelivery,
) -> megawatt_api::DeliveryCreditView {
    megawatt_api::DeliveryCreditView {
        period_start: d.period.start.to_string(),
        period_end: d.period.end.to_string(),
        contracted_gpu_hours: d.contracted_gpu_hours,
        delivered_gpu_hours: d.delivered_gpu_hours,
        unreported_gpu_hours: d.unreported_gpu_hours,
        availability_bps: d.availability_bps,
        charge: super::money(d.charge_micros),
        pro_rata: super::money(d.pro_rata_micros),
        tier: super::money(d.tier_micros),
        credit: super::money(d.credit_micros),
    }
}

/// Delivery terms as the API shows them.
pub fn delivery(d: &megawatt_engine::delivery::DeliveryTerms) -> megawatt_api::DeliveryTermsView {
    megawatt_api::DeliveryTermsView {
        availability_target_bps: d.availability_target_bps,
        unreported: d.unreported.as_str().into(),
        pro_rata: d.pro_rata,
        tiers: d
            .tiers
            .iter()
            .map(|t| megawatt_api::CreditTierView {
                below_bps: t.below_bps,
                credit_bps: t.credit_bps,
            })
            .collect(),
    }
}

/// A contract, with its commitment from hour `now` on. Every money figure is the
/// engine's ([`megawatt_engine::economics::Economics`]); this only formats.
pub fn contract(c: &ContractRecord, now: Hour) -> ContractView {
    let economics = c.economics();
    let origin = origin(&c.origin);
    ContractView {
        id: c.id.to_string(),
        buyer: c.buyer.to_string(),
        seller: c.seller.to_string(),
        status: c.status.as_str().into(),
        pricing: pricing(&c.pricing),
        start: c.start().to_string(),
        end: c.end().to_string(),
        ends: c.ends.to_string(),
        lines: c.lines.iter().map(line).collect(),
        notional: economics.notional_micros().map(money),
        run_rate_per_year: economics.run_rate_per_year_micros().map(money),
        remaining_commitment: economics.remaining_micros(now).map(money),
        terms: terms(&c.terms),
        delivery: delivery(&c.delivery),
        origin_trade: origin.trade.clone(),
        origin,
        notice: c.notice.map(|n| NoticeView {
            by: n.by.to_string(),
            given_at: at(n.given_ms),
            effective: n.effective.to_string(),
            fee: money(n.fee_micros),
            via_parent: n.via_parent.map(|p| p.to_string()),
        }),
        termination: c.for_cause.as_ref().map(|t| TerminationView {
            cause: t.cause.as_str().into(),
            by: t.by.to_string(),
            reason: t.reason.clone(),
            at: at(t.given_ms),
        }),
    }
}

/// A contract from an engine event (as made: pending, nothing given yet).
pub fn new_contract(c: &Contract, now: Hour) -> ContractView {
    contract(&ContractRecord::from(c), now)
}
