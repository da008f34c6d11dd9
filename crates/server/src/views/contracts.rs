//! Views of contracts: lines, terms, origin, notice, termination and the money
//! figures, all from the engine's [`ContractRecord`].

use super::*;
use megawatt_engine::contract::{Causes, Contract, ContractLine, ContractRecord, Origin, Terms};
use megawatt_engine::units::{Hour, usd_string};

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
        early_termination_fee_micros: t.early_termination_fee_micros,
        early_termination_fee_usd: usd_string(t.early_termination_fee_micros),
        firm: t.buyer_notice_hours.is_none() && t.seller_notice_hours.is_none(),
        for_cause: causes_list(t.for_cause),
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
/// A contract, with its commitment from hour `now` on. Every money figure is the
/// engine's ([`megawatt_engine::economics::Economics`]); this only formats.
pub fn contract(c: &ContractRecord, now: Hour) -> ContractView {
    let money = c.economics();
    let notional = money.notional_micros();
    let run_rate = money.run_rate_per_year_micros();
    let remaining = money.remaining_micros(now);
    let origin = origin(&c.origin);
    ContractView {
        id: c.id.to_string(),
        buyer: c.buyer.to_string(),
        seller: c.seller.to_string(),
        status: c.status.as_str().into(),
        pricing: c.pricing.kind().into(),
        price_micros: c.pricing.price_micros(),
        price_usd: c.pricing.price_micros().map(usd_string),
        monthly_fee_micros: c.pricing.fee_micros(),
        monthly_fee_usd: c.pricing.fee_micros().map(usd_string),
        start: c.start().to_string(),
        end: c.end().to_string(),
        ends: c.ends.to_string(),
        lines: c.lines.iter().map(line).collect(),
        notional_micros: notional,
        notional_usd: notional.map(usd_string),
        run_rate_per_year_micros: run_rate,
        run_rate_per_year_usd: run_rate.map(usd_string),
        remaining_commitment_micros: remaining,
        remaining_commitment_usd: remaining.map(usd_string),
        terms: terms(&c.terms),
        origin_trade: origin.trade.clone(),
        origin,
        notice: c.notice.map(|n| NoticeView {
            by: n.by.to_string(),
            given_at: at(n.given_ms),
            effective: n.effective.to_string(),
            fee_micros: n.fee_micros,
            fee_usd: usd_string(n.fee_micros),
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
