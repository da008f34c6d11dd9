//! Answers shared by many routes: pages, participants, keys, models, facilities, pools,
//! reservations, the book, a placed order, the caller, health.

use crate::{ContractView, Money, OrderView, TradeView, TransferView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A page of a list, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `before` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A list answered whole, in one page (`next` absent).
    pub fn whole(items: Vec<T>) -> Page<T> {
        Page { items, next: None }
    }
}

/// A participant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParticipantView {
    /// Id, e.g. `p-2`.
    pub id: String,
    /// Name.
    pub name: String,
    /// `provider`, `buyer`, `operator`.
    pub roles: Vec<String>,
}

/// A new API key, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyView {
    /// The key: send as `Authorization: Bearer <key>`. It is not stored and cannot be shown again.
    pub key: String,
    /// Whose key it is.
    pub participant: String,
    /// The first characters, to recognise it later (and to revoke it by).
    pub prefix: String,
    /// What it may do: scope names, or `["*"]` for everything.
    pub scopes: Vec<String>,
}

/// An API key as listed (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyInfoView {
    /// Its first characters.
    pub prefix: String,
    /// Whose key it is.
    pub participant: String,
    /// What it may do: scope names, or `["*"]` for everything.
    pub scopes: Vec<String>,
    /// When it was made.
    pub created: String,
    /// When it was revoked, if it was (a revoked key is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
}

/// A GPU model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelView {
    /// Id, e.g. `h100-sxm`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Server power per GPU, watts.
    pub watts_per_gpu: u32,
}

/// A pool of a facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
    /// Its delivery over the last 30 days, as its sellers reported it (public).
    pub reliability_30d: ReliabilityView,
}

/// Reliability over the last 30 days (the 30 UTC days before today, and today so far):
/// of the GPU-hours whose delivery was reported, the share delivered
/// (`docs/market-rules.md`, "Reliability").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReliabilityView {
    /// GPU-hours whose delivery was reported.
    pub reported_gpu_hours: u64,
    /// Of them, delivered.
    pub delivered_gpu_hours: u64,
    /// Delivered ÷ reported, basis points rounded down; absent when nothing was
    /// reported (such a facility meets no bid's minimum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(maximum = 10000)]
    pub reliability_bps: Option<u16>,
}

/// A facility with asks in a book, and its reliability.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookFacilityView {
    /// The facility, e.g. `fac-1`.
    pub facility: String,
    /// Its owner.
    pub provider: String,
    /// Its delivery over the last 30 days.
    pub reliability_30d: ReliabilityView,
}

/// A reservation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

/// One level of the book: the orders at one price for one window, summed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelView {
    /// Price per GPU-hour.
    pub price: Money,
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookView {
    /// GPU model.
    pub model: String,
    /// Asks, cheapest first.
    pub asks: Vec<LevelView>,
    /// Bids, highest first.
    pub bids: Vec<LevelView>,
    /// The facilities the asks come from, with their reliability, by id (a bid's
    /// `min_reliability_bps` filters by it).
    pub facilities: Vec<BookFacilityView>,
}

/// The result of placing an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlacedView {
    /// The order, with its status after matching.
    pub order: OrderView,
    /// The trades it made at once.
    pub trades: Vec<TradeView>,
    /// The contracts those trades made.
    pub contracts: Vec<ContractView>,
    /// The money the order moved at once, yours only: the payment for each fill and
    /// the exchange's fee on it.
    #[serde(default)]
    pub transfers: Vec<TransferView>,
}

/// Why an order of a plan or a batch was refused (nothing of it changed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderRefusalView {
    /// The rule's code, as in docs/errors.md.
    pub code: String,
    /// The field of the order at fault.
    pub field: String,
    /// A sentence naming the values.
    pub detail: String,
}

/// What `POST /v1/orders/batch` did: each order of the batch, in its order, placed
/// (with its state after matching, as `POST /v1/orders` answers) or refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchPlacedView {
    /// Each order's outcome.
    pub orders: Vec<BatchOrderView>,
}

/// One order of a batch: placed or refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchOrderView {
    /// Placed: the order after matching, its trades, contracts and money moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed: Option<PlacedView>,
    /// Refused: why, naming the field as the order spelled it (`orders[2].price`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<OrderRefusalView>,
}

/// Who the caller is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeView {
    /// The participant.
    pub participant: ParticipantView,
}

/// Health.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HealthView {
    /// `ok`.
    pub status: String,
    /// Last journal sequence number.
    pub seq: u64,
}
