//! What the API returns: JSON views of participants, facilities, orders, trades, book
//! levels and contracts. Money is given both as integer micro-USD and as a decimal USD
//! string; times as RFC 3339 UTC; ids with their prefix (`ord-17`).

use megawatt_engine::contract::{Contract, Origin, Pricing, Trade};
use megawatt_engine::entities::{Participant, Roles};
use megawatt_engine::ids::{
    ContractId, FacilityId, OrderId, ParticipantId, PoolId, QuoteId, RfqId, TradeId,
};
use megawatt_engine::order::{Order, OrderKind, TimeInForce};
use megawatt_engine::units::{Hour, notional_micros, prorated_fee_micros, usd_string};
use megawatt_store::reader::{ContractRow, OrderRow, QuoteRow, RfqRow, TradeRow};
use megawatt_store::tables::causes_text;
use serde::Serialize;
use utoipa::ToSchema;

/// A page of a list, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `before` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Roles as a list of names.
pub fn role_names(r: Roles) -> Vec<String> {
    let mut v = Vec::new();
    if r.provider {
        v.push("provider".to_string());
    }
    if r.buyer {
        v.push("buyer".to_string());
    }
    if r.operator {
        v.push("operator".to_string());
    }
    v
}

/// A participant.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    /// Id, e.g. `p-2`.
    pub id: String,
    /// Name.
    pub name: String,
    /// `provider`, `buyer`, `operator`.
    pub roles: Vec<String>,
}

impl From<&Participant> for ParticipantView {
    fn from(p: &Participant) -> Self {
        ParticipantView {
            id: p.id.to_string(),
            name: p.name.clone(),
            roles: role_names(p.roles),
        }
    }
}

/// A new API key, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    /// The key: send as `Authorization: Bearer <key>`. It is not stored and cannot be shown again.
    pub key: String,
    /// Whose key it is.
    pub participant: String,
    /// The first characters, to recognise it later.
    pub prefix: String,
}

/// A GPU model.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelView {
    /// Id, e.g. `h100-sxm`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Server power per GPU, watts.
    pub watts_per_gpu: u32,
}

/// A pool of a facility.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolView {
    /// Id, e.g. `pool-3`.
    pub id: String,
    /// GPU model.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
    /// GPUs in use (committed + offered + reserved) at the busiest hour of the next 30
    /// days; shown to the facility's owner (and the operator) only, since it reveals
    /// reservations and sales.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_used_gpus_30d: Option<u32>,
}

/// A facility.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityView {
    /// Id, e.g. `fac-1`.
    pub id: String,
    /// Owner.
    pub owner: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Critical IT power, kW.
    pub power_kw: u64,
    /// Pools, one per model.
    pub pools: Vec<PoolView>,
}

/// A reservation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationView {
    /// Id, e.g. `res-1`.
    pub id: String,
    /// Pool.
    pub pool: String,
    /// GPUs kept.
    pub gpus: u32,
    /// Start, RFC 3339.
    pub start: String,
    /// End, RFC 3339.
    pub end: String,
}

/// An order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    /// Id, e.g. `ord-17`.
    pub id: String,
    /// Who placed it.
    pub owner: String,
    /// `buy` or `sell`.
    pub side: String,
    /// GPU model.
    pub model: String,
    /// Sell: the pool offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Sell: the pool's facility. Buy: the facility filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// Resale: the contract offered from, and its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// Resale: the contract's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u16>,
    /// Buy: the region filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// GPUs offered or wanted (after reductions).
    pub gpus: u32,
    /// Window start, RFC 3339.
    pub start: String,
    /// Window end, RFC 3339.
    pub end: String,
    /// Window length in hours.
    pub hours: u32,
    /// Sell: price; buy: limit; micro-USD per GPU-hour.
    pub price_micros: i64,
    /// The same in USD.
    pub price_usd: String,
    /// `gtc`, `ioc`, `fok` or `gtd`.
    pub time_in_force: String,
    /// GTD: when it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub good_till: Option<String>,
    /// Sell: smallest fill, GPUs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_fill_gpus: Option<u32>,
    /// Buy: all GPUs of a fill from one pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colocate: Option<bool>,
    /// Buy: fills of fewer GPUs allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<bool>,
    /// GPU-hours traded so far.
    pub filled_gpu_hours: u64,
    /// `open`, `filled`, `cancelled`, `expired`, `window_started`, `ioc_remainder`, `killed`.
    pub status: String,
}

fn tif_view(tif: TimeInForce) -> (String, Option<String>) {
    let until = match tif {
        TimeInForce::Gtd { until } => Some(until.to_string()),
        _ => None,
    };
    (tif.name().to_string(), until)
}

impl OrderView {
    /// The view of an order as the engine accepted it, with its status and fills so far.
    pub fn from_order(
        o: &Order,
        model: &str,
        region: Option<&str>,
        status: &str,
        filled_gpu_hours: u64,
    ) -> OrderView {
        let (time_in_force, good_till) = tif_view(o.tif);
        let mut v = OrderView {
            id: o.id.to_string(),
            owner: o.owner.to_string(),
            side: String::new(),
            model: model.to_string(),
            pool: None,
            facility: None,
            contract: None,
            line: None,
            region: region.map(str::to_string),
            gpus: 0,
            start: o.window.start.to_string(),
            end: o.window.end.to_string(),
            hours: o.window.hours(),
            price_micros: o.price_micros,
            price_usd: usd_string(o.price_micros),
            time_in_force,
            good_till,
            min_fill_gpus: None,
            colocate: None,
            partial: None,
            filled_gpu_hours,
            status: status.to_string(),
        };
        match &o.kind {
            OrderKind::Ask(a) => {
                v.side = o.side().as_str().into();
                v.pool = Some(a.pool.to_string());
                v.facility = Some(a.facility.to_string());
                if let megawatt_engine::order::AskSource::Contract { contract, line } = a.source {
                    v.contract = Some(contract.to_string());
                    v.line = Some(line);
                }
                v.gpus = a.gpus;
                v.min_fill_gpus = Some(a.min_fill_gpus);
            }
            OrderKind::Bid(b) => {
                v.side = o.side().as_str().into();
                v.facility = b.facility.map(|f| f.to_string());
                v.gpus = b.gpus;
                v.colocate = Some(b.colocate);
                v.partial = Some(b.partial);
            }
        }
        v
    }

    /// The view of an order from the history table.
    pub fn from_row(r: &OrderRow) -> OrderView {
        let tif = match (r.tif.as_str(), r.gtd_until_hour) {
            ("gtd", Some(h)) => TimeInForce::Gtd { until: Hour(h) },
            ("ioc", _) => TimeInForce::Ioc,
            ("fok", _) => TimeInForce::Fok,
            _ => TimeInForce::Gtc,
        };
        let (time_in_force, good_till) = tif_view(tif);
        OrderView {
            id: OrderId(r.id).to_string(),
            owner: ParticipantId(r.owner).to_string(),
            side: r.side.clone(),
            model: r.model.clone(),
            pool: r.pool.map(|p| PoolId(p).to_string()),
            facility: r.facility.map(|f| FacilityId(f).to_string()),
            contract: r.contract.map(|c| ContractId(c).to_string()),
            line: r.contract_line,
            region: r.region.clone(),
            gpus: r.gpus,
            start: Hour(r.start_hour).to_string(),
            end: Hour(r.end_hour).to_string(),
            hours: r.end_hour.saturating_sub(r.start_hour),
            price_micros: r.price_micros,
            price_usd: usd_string(r.price_micros),
            time_in_force,
            good_till,
            min_fill_gpus: r.min_fill_gpus,
            colocate: r.colocate,
            partial: r.partial,
            filled_gpu_hours: r.filled_gpu_hours,
            status: r.status.clone(),
        }
    }
}

/// A trade. Parties (`buyer`, `seller`, orders, pool, contract) appear only in the
/// caller's own trades.
#[derive(Debug, Serialize, ToSchema)]
pub struct TradeView {
    /// Id, e.g. `trd-4`.
    pub id: String,
    /// GPU model.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
    /// Window start.
    pub start: String,
    /// Window end.
    pub end: String,
    /// Hours.
    pub hours: u32,
    /// Price per GPU-hour, micro-USD.
    pub price_micros: i64,
    /// The same in USD.
    pub price_usd: String,
    /// price × GPUs × hours, micro-USD.
    pub notional_micros: i64,
    /// The same in USD.
    pub notional_usd: String,
    /// Side of the incoming order.
    pub aggressor: String,
    /// When, ms since the epoch.
    pub time_ms: u64,
    /// Buyer (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer: Option<String>,
    /// Seller (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller: Option<String>,
    /// Bid filled (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bid: Option<String>,
    /// Ask filled (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask: Option<String>,
    /// Pool the GPUs come from (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Contract made (own trades only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
}

impl TradeView {
    /// A trade from the table; `parties` adds who and which orders.
    pub fn from_row(t: &TradeRow, parties: bool) -> TradeView {
        let hours = t.end_hour.saturating_sub(t.start_hour);
        let notional = notional_micros(t.price_micros, t.gpus, hours).unwrap_or(i64::MAX);
        TradeView {
            id: TradeId(t.id).to_string(),
            model: t.model.clone(),
            gpus: t.gpus,
            start: Hour(t.start_hour).to_string(),
            end: Hour(t.end_hour).to_string(),
            hours,
            price_micros: t.price_micros,
            price_usd: usd_string(t.price_micros),
            notional_micros: notional,
            notional_usd: usd_string(notional),
            aggressor: t.aggressor.clone(),
            time_ms: t.time_ms,
            buyer: parties.then(|| ParticipantId(t.buyer).to_string()),
            seller: parties.then(|| ParticipantId(t.seller).to_string()),
            bid: parties.then(|| OrderId(t.bid).to_string()),
            ask: parties.then(|| OrderId(t.ask).to_string()),
            pool: parties.then(|| PoolId(t.pool).to_string()),
            contract: parties.then(|| ContractId(t.contract).to_string()),
        }
    }

    /// A trade from an engine event (always the caller's own).
    pub fn from_trade(t: &Trade, model: &str) -> TradeView {
        TradeView::from_row(
            &TradeRow {
                id: t.id.0,
                bid: t.bid.0,
                ask: t.ask.0,
                buyer: t.buyer.0,
                seller: t.seller.0,
                pool: t.pool.0,
                model: model.to_string(),
                gpus: t.gpus,
                start_hour: t.window.start.0,
                end_hour: t.window.end.0,
                price_micros: t.price_micros,
                aggressor: t.aggressor.as_str().into(),
                contract: t.contract.0,
                time_ms: t.time_ms,
            },
            true,
        )
    }
}

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

/// Terms as shown, from their columns: (buyer's, seller's) notice, fee, causes and
/// payment terms.
pub fn terms_view(
    (buyer, seller): (Option<u32>, Option<u32>),
    fee: i64,
    causes: &str,
    payment_days: u16,
) -> TermsView {
    TermsView {
        payment_days,
        buyer_notice_hours: buyer,
        seller_notice_hours: seller,
        early_termination_fee_micros: fee,
        early_termination_fee_usd: usd_string(fee),
        firm: buyer.is_none() && seller.is_none(),
        for_cause: causes
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

/// Lines as shown.
pub fn line_views(lines: &[(u64, u32, u32, u32)]) -> Vec<LineView> {
    lines
        .iter()
        .map(|&(pool, gpus, s, e)| LineView {
            pool: PoolId(pool).to_string(),
            gpus,
            start: Hour(s).to_string(),
            end: Hour(e).to_string(),
        })
        .collect()
}

/// The time `ms` as RFC 3339 (to the hour).
fn at(ms: u64) -> String {
    Hour::containing(ms).to_string()
}

impl ContractView {
    /// A contract from the tables, with its commitment from hour `now` on.
    pub fn from_row(c: &ContractRow, now: Hour) -> ContractView {
        let notional = c.price_micros.and_then(|p| {
            c.lines.iter().try_fold(0i64, |acc, &(_, g, s, e)| {
                acc.checked_add(notional_micros(p, g, e.saturating_sub(s))?)
            })
        });
        let from = Hour(c.start_hour).max(now);
        let ends = Hour(c.ends_hour);
        let (run_rate, remaining) = match (c.price_micros, c.monthly_fee_micros) {
            (_, Some(fee)) => (
                fee.checked_mul(12),
                if from < ends {
                    prorated_fee_micros(fee, from, ends)
                } else {
                    Some(0)
                },
            ),
            (Some(p), None) => {
                let gpus: u32 = c.lines.iter().map(|l| l.1).sum();
                let remaining = c.lines.iter().try_fold(0i64, |acc, &(_, g, s, e)| {
                    let (s, e) = (s.max(from.0), e.min(ends.0));
                    acc.checked_add(notional_micros(p, g, e.saturating_sub(s))?)
                });
                (notional_micros(p, gpus, 8_760), remaining)
            }
            (None, None) => (None, None),
        };
        let origin = OriginView {
            kind: match (c.origin_quote, c.parent) {
                (Some(_), _) => "quote",
                (_, Some(_)) => "resale",
                _ => "trade",
            }
            .into(),
            trade: c.origin_trade.map(|t| TradeId(t).to_string()),
            quote: c.origin_quote.map(|q| QuoteId(q).to_string()),
            parent: c.parent.map(|(p, _)| ContractId(p).to_string()),
            parent_line: c.parent.map(|(_, l)| l),
        };
        ContractView {
            id: ContractId(c.id).to_string(),
            buyer: ParticipantId(c.buyer).to_string(),
            seller: ParticipantId(c.seller).to_string(),
            status: c.status.clone(),
            pricing: c.pricing.clone(),
            price_micros: c.price_micros,
            price_usd: c.price_micros.map(usd_string),
            monthly_fee_micros: c.monthly_fee_micros,
            monthly_fee_usd: c.monthly_fee_micros.map(usd_string),
            start: Hour(c.start_hour).to_string(),
            end: Hour(c.end_hour).to_string(),
            ends: ends.to_string(),
            lines: line_views(&c.lines),
            notional_micros: notional,
            notional_usd: notional.map(usd_string),
            run_rate_per_year_micros: run_rate,
            run_rate_per_year_usd: run_rate.map(usd_string),
            remaining_commitment_micros: remaining,
            remaining_commitment_usd: remaining.map(usd_string),
            terms: terms_view(
                (c.buyer_notice_hours, c.seller_notice_hours),
                c.early_termination_fee_micros,
                &c.for_cause_allowed,
                c.payment_days,
            ),
            origin_trade: origin.trade.clone(),
            origin,
            notice: c.notice.map(|(by, ms, eff, fee, via)| NoticeView {
                by: ParticipantId(by).to_string(),
                given_at: at(ms),
                effective: Hour(eff).to_string(),
                fee_micros: fee,
                fee_usd: usd_string(fee),
                via_parent: via.map(|p| ContractId(p).to_string()),
            }),
            termination: c
                .cause
                .as_ref()
                .map(|(cause, by, reason, ms)| TerminationView {
                    cause: cause.clone(),
                    by: ParticipantId(*by).to_string(),
                    reason: reason.clone(),
                    at: at(*ms),
                }),
        }
    }

    /// A contract from an engine event (as made: pending, nothing given yet).
    pub fn from_contract(c: &Contract, now: Hour) -> ContractView {
        let (pricing, price, fee) = match c.pricing {
            Pricing::PerGpuHour { price_micros } => ("per_gpu_hour", Some(price_micros), None),
            Pricing::MonthlyFee { fee_micros } => ("monthly_fee", None, Some(fee_micros)),
        };
        let (trade, quote, parent) = match c.origin {
            Origin::Trade(t) => (Some(t.0), None, None),
            Origin::Quote(q) => (None, Some(q.0), None),
            Origin::Resale {
                parent,
                line,
                trade,
            } => (Some(trade.0), None, Some((parent.0, u32::from(line)))),
        };
        let causes = causes_text(c.terms.for_cause);
        let row = ContractRow {
            id: c.id.0,
            buyer: c.buyer.0,
            seller: c.seller.0,
            pricing: pricing.into(),
            price_micros: price,
            monthly_fee_micros: fee,
            start_hour: c.start().0,
            end_hour: c.end().0,
            buyer_notice_hours: c.terms.buyer_notice_hours,
            seller_notice_hours: c.terms.seller_notice_hours,
            early_termination_fee_micros: c.terms.early_termination_fee_micros,
            payment_days: c.terms.payment_days,
            origin_trade: trade,
            status: c.status.as_str().into(),
            created_ms: c.created_ms,
            lines: c
                .lines
                .iter()
                .map(|l| (l.pool.0, l.gpus, l.window.start.0, l.window.end.0))
                .collect(),
            origin_quote: quote,
            parent,
            ends_hour: c.ends.0,
            for_cause_allowed: causes,
            notice: None,
            cause: None,
        };
        ContractView::from_row(&row, now)
    }
}

/// One level of the book: the orders at one price for one window, summed.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelView {
    /// Price per GPU-hour, micro-USD.
    pub price_micros: i64,
    /// The same in USD.
    pub price_usd: String,
    /// Window start.
    pub start: String,
    /// Window end.
    pub end: String,
    /// GPUs: asks, the most still offered at any hour of the window; bids, still wanted.
    pub gpus: u64,
    /// Number of orders.
    pub orders: u32,
}

/// The book of one model.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookView {
    /// GPU model.
    pub model: String,
    /// Asks, cheapest first.
    pub asks: Vec<LevelView>,
    /// Bids, highest first.
    pub bids: Vec<LevelView>,
}

/// The result of placing an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacedView {
    /// The order, with its status after matching.
    pub order: OrderView,
    /// The trades it made at once.
    pub trades: Vec<TradeView>,
    /// The contracts those trades made.
    pub contracts: Vec<ContractView>,
}

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The participant.
    pub participant: ParticipantView,
}

/// Health.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    /// `ok`.
    pub status: String,
    /// Last journal sequence number.
    pub seq: u64,
}

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
