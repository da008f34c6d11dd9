//! The bodies of the API's requests, as the server reads them (unknown fields are
//! refused) and as clients write them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// Registers facilities and sells.
    Provider,
    /// Buys.
    Buyer,
    /// Runs the exchange.
    Operator,
}

/// Admit a participant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateParticipant {
    /// Display name, 1 to 128 bytes.
    pub name: String,
    /// At least one of `provider`, `buyer`, `operator`.
    pub roles: Vec<RoleName>,
}

/// Create an API key for a participant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// Whose key, e.g. `p-2` (default: yours; only the operator makes keys for others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    /// What the key may do, at least one scope (default: everything, including
    /// managing keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_items = 1)]
    pub scopes: Option<Vec<ScopeName>>,
}

/// A scope of an API key (`docs/api.md`, "Keys and scopes").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ScopeName {
    /// Read (GET) what the participant may see.
    #[serde(rename = "read")]
    Read,
    /// Change the market or the account: orders, RFQs, quotes, contracts, facilities,
    /// webhooks, the operator's operations.
    #[serde(rename = "trade")]
    Trade,
    /// Report usage (`POST /v1/usage`), and nothing else: a metering agent's key.
    #[serde(rename = "usage:report")]
    UsageReport,
}

/// Add a GPU model to the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateModel {
    /// Id: 1 to 32 of `a-z 0-9 -`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Server power per GPU, watts.
    pub watts_per_gpu: u32,
}

/// Moves a manual clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    /// The hour to move to (RFC 3339 on an hour), not before the last tick.
    pub hour: String,
}

/// An empty body: notice needs no fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiveNotice {}

/// A cause for termination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Copy)]
#[serde(rename_all = "snake_case")]
pub enum CauseName {
    /// The buyer broke the acceptable-use terms (invoked by the seller).
    AcceptableUse,
    /// The buyer did not pay (invoked by the seller).
    NonPayment,
    /// The seller did not deliver (invoked by the buyer).
    NonDelivery,
}

/// Terminate for cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Terminate {
    /// `acceptable_use` or `non_payment` (the seller), `non_delivery` (the buyer).
    pub cause: CauseName,
    /// Why, in words (1 to 1,000 bytes).
    pub reason: String,
}

/// One pool of a new facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolBody {
    /// GPU model id.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
}

/// Register a facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFacility {
    /// Name.
    pub name: String,
    /// Region, e.g. `us-south`.
    pub region: String,
    /// Critical IT power, kW.
    pub power_kw: u64,
    /// One pool per GPU model.
    pub pools: Vec<PoolBody>,
}

/// Reserve capacity of a pool you own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReservation {
    /// The pool, e.g. `pool-3`.
    pub pool: String,
    /// GPUs to keep.
    pub gpus: u32,
    /// Start, RFC 3339 on an hour.
    pub start: String,
    /// End, RFC 3339 on an hour (or give `hours`).
    pub end: Option<String>,
    /// Length in hours (or give `end`).
    pub hours: Option<u32>,
}

/// An empty JSON object (the body of actions like cancel); any field is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// A deposit or withdrawal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveMoney {
    /// The participant, e.g. `p-3`.
    pub participant: String,
    /// Amount in USD, e.g. `"1000000.00"` (or give `amount_micros`).
    pub amount: Option<String>,
    /// The same in micro-USD.
    pub amount_micros: Option<i64>,
    /// The bank's reference (1 to 128 bytes).
    pub reference: String,
}

/// Set a credit limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCreditLimit {
    /// The participant.
    pub participant: String,
    /// Limit in USD (or give `limit_micros`); 0 removes it.
    pub limit: Option<String>,
    /// The same in micro-USD.
    pub limit_micros: Option<i64>,
}

/// Buy or sell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Copy)]
#[serde(rename_all = "snake_case")]
pub enum SideName {
    /// A bid.
    Buy,
    /// An ask.
    Sell,
}

/// Time in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Copy)]
#[serde(rename_all = "snake_case")]
pub enum TifName {
    /// Good till cancelled (default).
    Gtc,
    /// Immediate or cancel (buy only).
    Ioc,
    /// Fill or kill (buy only).
    Fok,
    /// Good till `good_till`.
    Gtd,
}

/// Place a batch of orders (`POST /v1/orders/batch`): 1 to 1,000, each as
/// `POST /v1/orders` takes it, placed in order, each on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderBatch {
    /// The orders.
    pub orders: Vec<PlaceOrder>,
}

/// Place an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// `buy` or `sell`.
    pub side: SideName,
    /// Buy: GPU model id.
    pub model: Option<String>,
    /// Sell: the pool you offer from, e.g. `pool-3` (or give `contract`).
    pub pool: Option<String>,
    /// Sell (resale): a contract you hold as buyer, e.g. `ctr-9`; you offer GPUs of
    /// one of its lines over part of its window.
    pub contract: Option<String>,
    /// Resale: the contract's line (default 0).
    #[schema(maximum = 65535)]
    pub line: Option<u16>,
    /// GPUs.
    pub gpus: u32,
    /// Window start, RFC 3339 on an hour, after the current hour (with `start_until`:
    /// the earliest start).
    pub start: String,
    /// Buy: a flexible start, any from `start` to this (inclusive, RFC 3339 on an hour,
    /// at most 744 starts), with `hours`: the bid fills at once at the cheapest feasible
    /// start (ties to the earliest) as an IOC or FOK bid (default `fok`) for that
    /// window, or is refused with `no_feasible_start` naming the best price found.
    pub start_until: Option<String>,
    /// Window end (or give `hours`).
    pub end: Option<String>,
    /// Window length in hours (or give `end`).
    pub hours: Option<u32>,
    /// Price (sell) or limit (buy) per GPU-hour in USD, e.g. `"2.50"` (or give `price_micros`).
    pub price: Option<String>,
    /// The same in micro-USD.
    pub price_micros: Option<i64>,
    /// Default `gtc`.
    pub time_in_force: Option<TifName>,
    /// GTD: expiry, RFC 3339 on an hour.
    pub good_till: Option<String>,
    /// Sell: smallest fill in GPUs (default 1).
    pub min_fill_gpus: Option<u32>,
    /// Buy: every GPU of a fill from one pool (default true).
    pub colocate: Option<bool>,
    /// Buy: fills of fewer GPUs allowed (default false: all or none).
    pub partial: Option<bool>,
    /// Buy: only from this region.
    pub region: Option<String>,
    /// Buy: only from this facility, e.g. `fac-1`.
    pub facility: Option<String>,
    /// Buy: only from facilities whose delivered ÷ reported GPU-hours over the last 30
    /// days is at least this, basis points (9900 = 99%); a facility with no reports
    /// then meets none (default: any facility).
    #[schema(maximum = 10000)]
    pub min_reliability_bps: Option<u16>,
}

/// Reduce an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReduceOrder {
    /// GPUs to take off.
    pub by_gpus: u32,
}

/// GPUs of one model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GpusOf {
    /// GPU model id.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
}

/// Create an RFQ: give `gpus` (per model) or `power_kw`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRfq {
    /// GPUs per model; quotes offer exactly these.
    pub gpus: Option<Vec<GpusOf>>,
    /// Or power in kW (e.g. 300000 for 300 MW), of any models by the catalog's watts.
    pub power_kw: Option<u64>,
    /// With `power_kw`: the least power that meets the need (default 90% of it).
    pub min_power_kw: Option<u64>,
    /// Window start, RFC 3339 on an hour.
    pub start: String,
    /// Window end (or give `hours`).
    pub end: Option<String>,
    /// Window length in hours.
    pub hours: Option<u32>,
    /// Only facilities of this region.
    pub region: Option<String>,
    /// Only this facility, e.g. `fac-1`.
    pub facility: Option<String>,
    /// The buyer must be able to leave on at most this notice, hours (e.g. 2160: 90 days).
    pub max_buyer_notice_hours: Option<u32>,
    /// The seller must not be able to leave on less notice than this, hours.
    pub min_seller_notice_hours: Option<u32>,
    /// Highest acceptable early-termination fee in USD (or `_micros`).
    pub max_early_termination_fee: Option<String>,
    /// The same in micro-USD.
    pub max_early_termination_fee_micros: Option<i64>,
    /// Causes the contract must allow.
    pub for_cause: Option<Vec<CauseName>>,
    /// The buyer must have at least this many days to pay each invoice (1 to 180).
    #[schema(maximum = 65535)]
    pub min_payment_days: Option<u16>,
    /// Quotes may be accepted until this hour (RFC 3339, at most the window's start).
    pub deadline: String,
    /// Providers invited, e.g. `["p-2"]` (default: every provider).
    pub invited: Option<Vec<String>>,
}

/// One line of a quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLine {
    /// A pool of yours, e.g. `pool-3` (all lines from one facility).
    pub pool: String,
    /// GPUs, over the RFQ's window.
    pub gpus: u32,
}

/// Submit a firm quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitQuote {
    /// GPUs offered.
    pub lines: Vec<QuoteLine>,
    /// Price per GPU-hour in USD (or `price_micros`), or ...
    pub price: Option<String>,
    /// The same in micro-USD.
    pub price_micros: Option<i64>,
    /// ... a fixed fee per calendar month for the whole contract, in USD (or `_micros`).
    pub monthly_fee: Option<String>,
    /// The same in micro-USD.
    pub monthly_fee_micros: Option<i64>,
    /// Notice the buyer must give to leave, hours (absent: the buyer may not).
    pub buyer_notice_hours: Option<u32>,
    /// Notice the seller must give to leave, hours (absent: the seller may not).
    pub seller_notice_hours: Option<u32>,
    /// Fee due from the party giving notice, USD (default 0; or `_micros`).
    pub early_termination_fee: Option<String>,
    /// The same in micro-USD.
    pub early_termination_fee_micros: Option<i64>,
    /// Causes allowing termination (default: all three).
    pub for_cause: Option<Vec<CauseName>>,
    /// Days the buyer has to pay each invoice, 1 to 180 (default 30).
    #[schema(maximum = 65535)]
    pub payment_days: Option<u16>,
    /// The quote lapses at this hour (RFC 3339; capped at the RFQ's deadline).
    pub expires: String,
    /// What the quote promises of delivery, credited on the month's invoice when it
    /// falls short (absent: nothing is promised or credited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<crate::DeliveryTermsView>,
}
