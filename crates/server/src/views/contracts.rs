//! Views of contracts: lines, terms, origin, notice, termination and the money
//! figures, all from the engine's [`ContractRecord`].

use super::*;
use megawatt_engine::contract::{Causes, Contract, ContractLine, ContractRecord, Origin, Terms};
use megawatt_engine::units::{Hour, usd_string};

/// One line of a contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    /// Pool.
    pub pool: String,
    /// GPUs.
    pub gpus: u32,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
}

/// The terms of a contract (or of a quote).
#[derive(Debug, Serialize, ToSchema)]
pub struct TermsView {
    /// Notice the buyer must give to leave, hours; absent: it may not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_notice_hours: Option<u32>,
    /// Notice the seller must give to leave, hours; absent: it may not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_notice_hours: Option<u32>,
    /// Fee due from the party giving notice, micro-USD.
    pub early_termination_fee_micros: i64,
    /// The same in USD.
    pub early_termination_fee_usd: String,
    /// True when neither party may leave for convenience.
    pub firm: bool,
    /// Causes for which the contract may be terminated: `acceptable_use` and
    /// `non_payment` (by the seller), `non_delivery` (by the buyer).
    pub for_cause: Vec<String>,
    /// Days the buyer has to pay each invoice.
    pub payment_days: u16,
}

/// Where a contract came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct OriginView {
    /// `trade`, `quote` or `resale`.
    pub kind: String,
    /// The trade (a fill, or the fill of a resale ask).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade: Option<String>,
    /// The accepted quote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// For a resale: the contract the GPU-hours are carved from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// For a resale: the parent's line (from 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_line: Option<u32>,
}

/// Notice given on a contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    /// The party that gave it.
    pub by: String,
    /// When, RFC 3339.
    pub given_at: String,
    /// The first hour the contract no longer holds.
    pub effective: String,
    /// Early-termination fee due from `by`, micro-USD.
    pub fee_micros: i64,
    /// The same in USD.
    pub fee_usd: String,
    /// Set when the contract ends because the contract it was resold from ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_parent: Option<String>,
}

/// A termination for cause.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminationView {
    /// `acceptable_use`, `non_payment` or `non_delivery`.
    pub cause: String,
    /// The party that terminated.
    pub by: String,
    /// Its written reason.
    pub reason: String,
    /// When, RFC 3339.
    pub at: String,
}

/// A contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractView {
    /// Id, e.g. `ctr-9`.
    pub id: String,
    /// Buyer.
    pub buyer: String,
    /// Seller.
    pub seller: String,
    /// `pending`, `active`, `expired`, `notice_given`, `terminated` or
    /// `terminated_for_cause`.
    pub status: String,
    /// `per_gpu_hour` or `monthly_fee`.
    pub pricing: String,
    /// Per GPU-hour price, micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_micros: Option<i64>,
    /// The same in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<String>,
    /// Monthly fee for the whole contract, micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_fee_micros: Option<i64>,
    /// The same in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_fee_usd: Option<String>,
    /// First hour.
    pub start: String,
    /// End as agreed.
    pub end: String,
    /// The first hour it no longer holds: `end`, or earlier after notice or
    /// termination.
    pub ends: String,
    /// The GPU-hours agreed.
    pub lines: Vec<LineView>,
    /// Total value of a per-GPU-hour contract over its lines as agreed, micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_micros: Option<i64>,
    /// The same in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_usd: Option<String>,
    /// A year at full size: 12 monthly fees, or GPUs x 8,760 hours x price, micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_rate_per_year_micros: Option<i64>,
    /// The same in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_rate_per_year_usd: Option<String>,
    /// What the buyer is still committed to pay, from the current hour to `ends`
    /// (monthly fees prorated by the hours of each calendar month), micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_commitment_micros: Option<i64>,
    /// The same in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_commitment_usd: Option<String>,
    /// Terms.
    pub terms: TermsView,
    /// Where it came from.
    pub origin: OriginView,
    /// The trade that made it (also in `origin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_trade: Option<String>,
    /// Notice given, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeView>,
    /// Termination for cause, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination: Option<TerminationView>,
}

/// Causes as shown: their names, in a fixed order.
pub fn causes_list(c: Causes) -> Vec<String> {
    c.to_text()
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// The time `ms` as RFC 3339 (to the hour).
fn at(ms: u64) -> String {
    Hour::containing(ms).to_string()
}

impl TermsView {
    /// Terms as shown.
    pub fn new(t: &Terms) -> TermsView {
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
}

impl LineView {
    /// A contract line as shown.
    pub fn new(l: &ContractLine) -> LineView {
        LineView {
            pool: l.pool.to_string(),
            gpus: l.gpus,
            start: l.window.start.to_string(),
            end: l.window.end.to_string(),
        }
    }
}

impl OriginView {
    /// Where a contract came from, as shown.
    pub fn new(o: &Origin) -> OriginView {
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
}

impl ContractView {
    /// A contract, with its commitment from hour `now` on. Every money figure is the
    /// engine's ([`megawatt_engine::economics::Economics`]); this only formats.
    pub fn new(c: &ContractRecord, now: Hour) -> ContractView {
        let money = c.economics();
        let notional = money.notional_micros();
        let run_rate = money.run_rate_per_year_micros();
        let remaining = money.remaining_micros(now);
        let origin = OriginView::new(&c.origin);
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
            lines: c.lines.iter().map(LineView::new).collect(),
            notional_micros: notional,
            notional_usd: notional.map(usd_string),
            run_rate_per_year_micros: run_rate,
            run_rate_per_year_usd: run_rate.map(usd_string),
            remaining_commitment_micros: remaining,
            remaining_commitment_usd: remaining.map(usd_string),
            terms: TermsView::new(&c.terms),
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
    pub fn from_contract(c: &Contract, now: Hour) -> ContractView {
        ContractView::new(&ContractRecord::from(c), now)
    }
}
