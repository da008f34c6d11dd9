//! What the API returns: JSON views of participants, facilities, orders, trades, book
//! levels and contracts. Money is given both as integer micro-USD and as a decimal USD
//! string; times as RFC 3339 UTC; ids with their prefix (`ord-17`).

use megawatt_engine::contract::{Contract, Pricing, Trade};
use megawatt_engine::entities::{Participant, Roles};
use megawatt_engine::ids::{ContractId, FacilityId, OrderId, ParticipantId, PoolId, TradeId};
use megawatt_engine::order::{Order, OrderKind, TimeInForce};
use megawatt_engine::units::{Hour, notional_micros, usd_string};
use megawatt_store::reader::{ContractRow, OrderRow, TradeRow};
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

/// The terms of a contract.
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
    /// `pending`, `active`, `expired`.
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
    /// First hour.
    pub start: String,
    /// End.
    pub end: String,
    /// The GPU-hours held.
    pub lines: Vec<LineView>,
    /// Total value of a per-GPU-hour contract over its lines, micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_micros: Option<i64>,
    /// The same in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_usd: Option<String>,
    /// Terms.
    pub terms: TermsView,
    /// The trade that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_trade: Option<String>,
}

fn terms_view(buyer: Option<u32>, seller: Option<u32>, fee: i64) -> TermsView {
    TermsView {
        buyer_notice_hours: buyer,
        seller_notice_hours: seller,
        early_termination_fee_micros: fee,
        early_termination_fee_usd: usd_string(fee),
        firm: buyer.is_none() && seller.is_none(),
    }
}

impl ContractView {
    /// A contract from the tables.
    pub fn from_row(c: &ContractRow) -> ContractView {
        let lines: Vec<LineView> = c
            .lines
            .iter()
            .map(|&(pool, gpus, s, e)| LineView {
                pool: PoolId(pool).to_string(),
                gpus,
                start: Hour(s).to_string(),
                end: Hour(e).to_string(),
            })
            .collect();
        let notional = c.price_micros.and_then(|p| {
            c.lines.iter().try_fold(0i64, |acc, &(_, g, s, e)| {
                acc.checked_add(notional_micros(p, g, e.saturating_sub(s))?)
            })
        });
        ContractView {
            id: ContractId(c.id).to_string(),
            buyer: ParticipantId(c.buyer).to_string(),
            seller: ParticipantId(c.seller).to_string(),
            status: c.status.clone(),
            pricing: c.pricing.clone(),
            price_micros: c.price_micros,
            price_usd: c.price_micros.map(usd_string),
            monthly_fee_micros: c.monthly_fee_micros,
            start: Hour(c.start_hour).to_string(),
            end: Hour(c.end_hour).to_string(),
            lines,
            notional_micros: notional,
            notional_usd: notional.map(usd_string),
            terms: terms_view(
                c.buyer_notice_hours,
                c.seller_notice_hours,
                c.early_termination_fee_micros,
            ),
            origin_trade: c.origin_trade.map(|t| TradeId(t).to_string()),
        }
    }

    /// A contract from an engine event.
    pub fn from_contract(c: &Contract) -> ContractView {
        let (pricing, price, fee) = match c.pricing {
            Pricing::PerGpuHour { price_micros } => ("per_gpu_hour", Some(price_micros), None),
            Pricing::MonthlyFee { fee_micros } => ("monthly_fee", None, Some(fee_micros)),
        };
        let megawatt_engine::contract::Origin::Trade(trade) = c.origin;
        let status = c.status.as_str();
        ContractView::from_row(&ContractRow {
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
            origin_trade: Some(trade.0),
            status: status.into(),
            created_ms: c.created_ms,
            lines: c
                .lines
                .iter()
                .map(|l| (l.pool.0, l.gpus, l.window.start.0, l.window.end.0))
                .collect(),
        })
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
