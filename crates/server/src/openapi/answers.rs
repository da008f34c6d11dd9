//! An example of every answer, as the API's own types: each is read into its type and
//! written back when the document is made, and must come back the same (a test makes
//! the document, so an example the server could not send fails it). They tell one
//! story: `p-3` buys 64 H100 for a day from `p-2`'s pool at $2.50 a GPU-hour.

use crate::views::money;
use megawatt_api as api;
use megawatt_engine::units::{HOURS_PER_YEAR, Hour, notional_micros, prorated_fee_micros};
use serde_json::{Value, json};

/// `value`, once it reads as a `T` and writes back as itself: an answer the server
/// could send, every field spelled as it spells it.
pub(super) fn exact<T: serde::de::DeserializeOwned + serde::Serialize>(value: Value) -> Value {
    let back = serde_json::from_value::<T>(value.clone())
        .map(|t| serde_json::to_value(t).unwrap_or_default());
    match back {
        Ok(back) if back == value => value,
        Ok(back) => panic!(
            "the example {value} of {} writes back as {back}",
            std::any::type_name::<T>()
        ),
        Err(e) => panic!(
            "the example {value} is not a {}: {e}",
            std::any::type_name::<T>()
        ),
    }
}

/// An amount as the API writes it.
pub(super) fn usd(micros: i64) -> Value {
    serde_json::to_value(money(micros)).unwrap_or_default()
}

const START: &str = "2027-01-04T09:00:00Z";
const END: &str = "2027-01-05T09:00:00Z";

/// The fill's price, and its value as the engine reckons it (64 GPUs for 24 hours, and
/// for a year).
const PRICE_MICROS: i64 = 2_500_000;

fn notional(hours: u32) -> Value {
    usd(notional_micros(PRICE_MICROS, 64, hours).unwrap_or_default())
}

/// The term deal's monthly fee, and its February invoice as the engine prorates it
/// (a whole month: the fee).
const FEE_MICROS: i64 = 1_000_000_000_000;
const FEBRUARY: (&str, &str) = ("2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z");

fn february_micros() -> i64 {
    let at = |s: &str| crate::parse::hour(s).unwrap_or(Hour(0));
    prorated_fee_micros(FEE_MICROS, at(FEBRUARY.0), at(FEBRUARY.1)).unwrap_or_default()
}

/// The term deal's delivery terms: 99% of the month's GPU-hours, pro-rata below.
fn lease_delivery() -> megawatt_engine::delivery::DeliveryTerms {
    megawatt_engine::delivery::DeliveryTerms {
        availability_target_bps: 9_900,
        ..megawatt_engine::delivery::DeliveryTerms::exchange()
    }
}

/// February's delivery: 600 GPUs down for 12 of its 672 hours (98.21%), and the
/// credit the engine gives for it, micro-USD.
const FEBRUARY_GPU_HOURS: (u64, u64) = (403_200, 403_200 - 7_200);

fn february_credit_micros() -> i64 {
    let (_, _, credit) = megawatt_engine::delivery::credit_micros(
        &lease_delivery(),
        february_micros(),
        FEBRUARY_GPU_HOURS,
    );
    credit
}

/// 30 days of a 64-GPU pool's hours reported, 32 GPU-hours short.
fn reliability() -> Value {
    let reported = 64 * 720;
    let delivered = reported - 32;
    json!({ "reported_gpu_hours": reported, "delivered_gpu_hours": delivered,
        "reliability_bps": megawatt_engine::delivery::availability_bps(reported, delivered) })
}

/// A buyer's day of 64 H100: 2 hours of 16 GPUs down, 40 of its GPUs used.
fn utilization() -> Value {
    let (contracted, short, used_of) = (64 * 24u64, 32u64, 64 * 24u64);
    let used = 40 * 24u64;
    let bps = megawatt_engine::delivery::availability_bps;
    let (day, next) = ("2027-01-04T00:00:00Z", "2027-01-05T00:00:00Z");
    json!({ "as": "buyer", "by": "day", "from": day, "to": next,
        "note": crate::routes::utilization::NOTE,
        "rows": [{ "start": day, "end": next, "contracted_gpu_hours": contracted,
            "delivery_reported_gpu_hours": contracted, "delivered_gpu_hours": contracted - short,
            "unreported_gpu_hours": 0, "availability_bps": bps(contracted, contracted - short),
            "use_reported_gpu_hours": used_of, "used_gpu_hours": used,
            "idle_gpu_hours": used_of - used, "utilization_bps": bps(used_of, used),
            "energy_wh": 1_058_400, "wh_per_gpu_hour": 1_058_400 / (contracted - short) }] })
}

fn order() -> Value {
    json!({ "id": "ord-17", "owner": "p-3", "side": "buy", "model": "h100-sxm", "gpus": 64,
        "start": START, "end": END, "hours": 24, "price": usd(PRICE_MICROS), "time_in_force": "gtc",
        "partial": false, "filled_gpu_hours": 1536, "status": "filled" })
}

fn procurement() -> Value {
    json!({ "id": "prc-2", "owner": "p-3", "model": "h100-sxm", "gpus": 64,
        "start": "2027-01-04T09:00:00Z", "end": "2027-02-03T09:00:00Z", "hours": 720,
        "lookahead_hours": 24, "block_hours": 1, "price": usd(2_500_000), "status": "active",
        "bought_gpu_hours": 1_536,
        "standing": { "held_gpus": 64, "due_short_gpu_hours": 0, "short_gpu_hours": 44_544,
            "worst_case": usd(111_360_000_000) },
        "created_ms": 1_798_275_600_000u64 })
}

fn trade() -> Value {
    json!({ "id": "trd-4", "model": "h100-sxm", "region": "us-east", "gpus": 64, "start": START, "end": END,
        "hours": 24, "price": usd(PRICE_MICROS), "notional": notional(24), "aggressor": "buy",
        "time_ms": 1_798_275_600_000u64, "buyer": "p-3", "seller": "p-2", "bid": "ord-17",
        "ask": "ord-12", "pool": "pool-3", "contract": "ctr-9" })
}

fn terms() -> Value {
    json!({ "early_termination_fee": usd(0), "firm": true, "for_cause": ["acceptable_use", "non_delivery"],
        "payment_days": 0 })
}

fn contract() -> Value {
    json!({ "id": "ctr-9", "buyer": "p-3", "seller": "p-2", "status": "pending",
        "pricing": "per_gpu_hour", "price": usd(PRICE_MICROS), "start": START, "end": END, "ends": END,
        "lines": [{ "pool": "pool-3", "gpus": 64, "start": START, "end": END }],
        "notional": notional(24), "run_rate_per_year": notional(HOURS_PER_YEAR),
        "remaining_commitment": notional(24), "terms": terms(),
        "delivery": { "availability_target_bps": 10_000, "unreported": "delivered",
            "pro_rata": true, "tiers": [] },
        "origin": { "kind": "trade", "trade": "trd-4" }, "origin_trade": "trd-4" })
}

fn transfer() -> Value {
    json!({ "id": "tr-41", "debit": "p-3", "credit": "p-2", "amount": notional(24),
        "kind": "trade_payment", "reference": "trd-4", "time_ms": 1_798_275_600_000u64 })
}

fn pool() -> Value {
    json!({ "id": "pool-3", "model": "h100-sxm", "gpus": 1024, "peak_used_gpus_30d": 64 })
}

fn webhook() -> Value {
    json!({ "id": "wh-3f9c2a71d0b4e58a", "url": "https://hooks.example.com/megawatt",
        "events": ["fill", "contract.started"], "description": "provisioning", "status": "enabled",
        "failures": 0, "cursor": "1742.3", "created": "2027-01-03T12:00:00Z" })
}

/// The example of each answer schema, by name.
fn examples() -> Vec<(&'static str, Value)> {
    let participant = json!({ "id": "p-3", "name": "Orbital Labs", "roles": ["buyer"] });
    vec![
        (
            "ParticipantView",
            exact::<api::ParticipantView>(participant.clone()),
        ),
        (
            "MeView",
            exact::<api::MeView>(json!({ "participant": participant })),
        ),
        (
            "KeyView",
            exact::<api::KeyView>(json!({ "key": "mw_4c1d7e0b9a52f3e86d1c0b7a9e4f2d35",
                "participant": "p-3", "prefix": "mw_4c1d7e0b9a52", "scopes": ["usage:report"] })),
        ),
        (
            "KeyInfoView",
            exact::<api::KeyInfoView>(json!({ "prefix": "mw_4c1d7e0b9a52", "participant": "p-3",
                "scopes": ["usage:report"], "created": "2027-01-04T09:12:31.402Z" })),
        ),
        (
            "ModelView",
            exact::<api::ModelView>(
                json!({ "id": "h100-sxm", "name": "NVIDIA H100 SXM", "watts_per_gpu": 1275 }),
            ),
        ),
        ("PoolView", exact::<api::PoolView>(pool())),
        (
            "FacilityView",
            exact::<api::FacilityView>(
                json!({ "id": "fac-1", "owner": "p-2", "name": "Neo Austin",
                "region": "us-south", "power_kw": 6000, "pools": [pool()],
                "reliability_30d": reliability() }),
            ),
        ),
        (
            "ReservationView",
            exact::<api::ReservationView>(json!({ "id": "res-1", "pool": "pool-3", "gpus": 256,
                "start": START, "end": "2027-01-11T09:00:00Z" })),
        ),
        (
            "BookView",
            exact::<api::BookView>(json!({ "model": "h100-sxm",
                "asks": [{ "price": usd(2_400_000), "start": START, "end": END, "gpus": 128, "orders": 2 }],
                "bids": [{ "price": usd(2_100_000), "start": START, "end": END, "gpus": 64, "orders": 1 }],
                "facilities": [{ "facility": "fac-1", "provider": "p-2", "reliability_30d": reliability() }] })),
        ),
        (
            "CandlesView",
            exact::<api::CandlesView>(
                json!({ "model": "h100-sxm", "interval": "day", "by": "trade",
                "from": "2027-01-01T00:00:00Z", "to": "2027-01-31T00:00:00Z",
                "candles": [{ "start": "2027-01-04T00:00:00Z", "end": "2027-01-05T00:00:00Z",
                    "open": usd(2_450_000), "high": usd(2_500_000), "low": usd(2_400_000),
                    "close": usd(2_400_000), "gpu_hours": 4_608, "prints": 3 }] }),
            ),
        ),
        (
            "SearchView",
            exact::<api::SearchView>(json!({ "model": "h100-sxm", "gpus": 64, "hours": 72,
                "start_from": "2027-01-04T00:00:00Z", "start_until": "2027-01-11T00:00:00Z",
                "starts": [{ "start": "2027-01-05T10:00:00Z", "end": "2027-01-08T10:00:00Z",
                    "cost": usd(10_137_600_000), "average_price": usd(2_200_000),
                    "fills": [{ "pool": "pool-3", "facility": "fac-2", "region": "us-east",
                        "gpus": 64, "price": usd(2_200_000) }] }] })),
        ),
        (
            "IndexView",
            exact::<api::IndexView>(json!({ "model": "h100-sxm", "span": "hour",
                "from": "2027-01-02T10:00:00Z", "to": "2027-01-04T10:00:00Z",
                "methodology": "docs/index-methodology.md",
                "values": [
                    { "at": "2027-01-04T08:00:00Z", "methodology_version": 1, "price": usd(2_412_500),
                      "prints": 14, "gpu_hours": 21_504, "sellers": 3, "through_trade": "trd-118" },
                    { "at": "2027-01-04T09:00:00Z", "methodology_version": 1,
                      "unpublished": "too_few_sellers", "prints": 4, "gpu_hours": 3_072, "sellers": 1,
                      "through_trade": "trd-121" }] })),
        ),
        (
            "CurveView",
            exact::<api::CurveView>(json!({ "model": "h100-sxm", "at": "2027-01-04T09:00:00Z",
                "methodology_version": 1, "methodology": "docs/index-methodology.md",
                "points": [
                    { "period": "week", "start": "2027-01-04T00:00:00Z", "end": "2027-01-11T00:00:00Z",
                      "price": usd(2_412_500), "source": "prints", "prints": 9, "gpu_hours": 13_824,
                      "best_bid": usd(2_300_000), "best_ask": usd(2_450_000) },
                    { "period": "week", "start": "2027-01-11T00:00:00Z", "end": "2027-01-18T00:00:00Z",
                      "price": usd(2_375_000), "source": "book", "prints": 0, "gpu_hours": 0,
                      "best_bid": usd(2_300_000), "best_ask": usd(2_450_000) },
                    { "period": "week", "start": "2027-01-18T00:00:00Z", "end": "2027-01-25T00:00:00Z",
                      "price": usd(2_362_500), "source": "interpolated", "prints": 0, "gpu_hours": 0 }] })),
        ),
        (
            "DepthView",
            exact::<api::DepthView>(
                json!({ "model": "h100-sxm", "by": "week", "truncated": false,
                "asks": [{ "period_start": "2027-01-04T00:00:00Z", "period_end": "2027-01-11T00:00:00Z",
                    "price": usd(2_400_000), "gpus": 128, "gpu_hours": 3_072, "orders": 2 }],
                "bids": [{ "period_start": "2027-01-04T00:00:00Z", "period_end": "2027-01-11T00:00:00Z",
                    "price": usd(2_100_000), "gpus": 64, "gpu_hours": 1_536, "orders": 1 }] }),
            ),
        ),
        (
            "UtilizationView",
            exact::<api::UtilizationView>(utilization()),
        ),
        ("OrderView", exact::<api::OrderView>(order())),
        (
            "ProcurementView",
            exact::<api::ProcurementView>(procurement()),
        ),
        (
            "ProcurementDetail",
            exact::<api::ProcurementDetail>({
                let mut d = procurement();
                let mut bid = order();
                bid["procurement"] = json!("prc-2");
                bid["time_in_force"] = json!("ioc");
                d["bids"] = json!([bid]);
                d
            }),
        ),
        ("TradeView", exact::<api::TradeView>(trade())),
        ("ContractView", exact::<api::ContractView>(contract())),
        (
            "ExitCostView",
            // The seed's lease, notice from the buyer on 2027-01-15 at midnight.
            exact::<api::ExitCostView>(json!({ "contract": "ctr-1", "party": "buyer",
                "at": "2027-01-15T00:00:00.000Z", "can_exit": true,
                "ends": "2029-06-01T00:00:00Z", "remaining_term": usd(35_685_483_870_967_742),
                "notice_hours": 2_160, "effective": "2027-04-15T00:00:00Z", "fee": usd(0),
                "until_effective": usd(3_768_817_204_301_075),
                "cut_off": usd(31_916_666_666_666_667),
                "buyer_saving": usd(31_916_666_666_666_667) })),
        ),
        ("TransferView", exact::<api::TransferView>(transfer())),
        (
            "DeliveryTermsView",
            exact::<api::DeliveryTermsView>(json!({ "availability_target_bps": 10_000,
                "unreported": "delivered", "pro_rata": true, "tiers": [] })),
        ),
        (
            "MonthCloseView",
            exact::<api::MonthCloseView>(json!({ "grace_hours": 6,
                "open_from": "2027-01-01T00:00:00Z", "closes_at": "2027-02-01T06:00:00Z" })),
        ),
        (
            "UsageAccepted",
            exact::<api::UsageAccepted>(json!({ "records": 2, "delivered": 2, "used": 0 })),
        ),
        (
            "ContractUsage",
            exact::<api::ContractUsage>(json!({ "contract": "ctr-11",
                "from": "2027-01-04T09:00:00Z", "to": "2027-01-04T11:00:00Z", "items": [
                { "line": 0, "hour": "2027-01-04T09:00:00Z", "side": "seller", "gpus": 600,
                    "energy_wh": 600_000 },
                { "line": 0, "hour": "2027-01-04T09:00:00Z", "side": "buyer", "gpus": 580 },
                { "line": 0, "hour": "2027-01-04T10:00:00Z", "side": "seller", "gpus": 512 }] })),
        ),
        (
            "PlacedView",
            exact::<api::PlacedView>(json!({ "order": order(), "trades": [trade()],
                "contracts": [contract()], "transfers": [transfer()] })),
        ),
        (
            "BatchPlacedView",
            exact::<api::BatchPlacedView>(json!({ "orders": [
                { "placed": { "order": order(), "trades": [trade()], "contracts": [contract()],
                    "transfers": [transfer()] } },
                { "refused": { "code": "insufficient_funds", "field": "orders[1].price",
                    "detail": "orders[1].price: the bid's cost of $3,840.00 is above the $1,200.00 free" } } ] })),
        ),
        (
            "HealthView",
            exact::<api::HealthView>(json!({ "status": "ok", "seq": 1742 })),
        ),
        (
            "RfqView",
            exact::<api::RfqView>(json!({ "id": "rfq-3", "buyer": "p-3", "status": "open",
                "gpus": [{ "model": "h100-sxm", "gpus": 600 }], "start": "2027-02-01T00:00:00Z",
                "end": "2027-03-03T00:00:00Z",
                "terms": { "max_buyer_notice_hours": 240, "for_cause": ["non_delivery"] },
                "deadline": "2027-01-20T00:00:00Z", "invited": [] })),
        ),
        (
            "QuoteView",
            exact::<api::QuoteView>(json!({ "id": "qt-4", "rfq": "rfq-3", "provider": "p-2",
                "facility": "fac-1", "status": "open", "pricing": "monthly_fee",
                "monthly_fee": usd(FEE_MICROS),
                "lines": [{ "pool": "pool-1", "gpus": 600, "start": "2027-02-01T00:00:00Z",
                    "end": "2027-03-03T00:00:00Z" }],
                "terms": { "buyer_notice_hours": 240, "seller_notice_hours": 240,
                    "early_termination_fee": usd(0), "firm": false, "for_cause": ["non_delivery"],
                    "payment_days": 30 },
                "expires": "2027-01-19T00:00:00Z",
                "delivery": { "availability_target_bps": 9_900, "unreported": "delivered",
                    "pro_rata": true, "tiers": [] } })),
        ),
        (
            "InvoiceView",
            exact::<api::InvoiceView>(json!({ "id": "inv-2", "contract": "ctr-11", "payer": "p-3",
                "payee": "p-2", "charge": "usage", "period_start": FEBRUARY.0,
                "period_end": FEBRUARY.1,
                "amount": usd(february_micros() - february_credit_micros()),
                "charged": usd(february_micros()), "credited": usd(february_credit_micros()),
                "due": "2027-03-31T00:00:00Z", "status": "open",
                "lines": [{ "line": 0, "pool": "pool-1", "gpus": 600, "gpu_hours": 403_200,
                    "amount": usd(february_micros()), "credit": false },
                    { "line": 0, "pool": "pool-1", "gpus": 600, "gpu_hours": 7_200,
                    "amount": usd(-february_credit_micros()), "credit": true }],
                "delivery_credit": { "period_start": FEBRUARY.0, "period_end": FEBRUARY.1,
                    "contracted_gpu_hours": FEBRUARY_GPU_HOURS.0,
                    "delivered_gpu_hours": FEBRUARY_GPU_HOURS.1, "unreported_gpu_hours": 0,
                    "availability_bps": megawatt_engine::delivery::availability_bps(
                        FEBRUARY_GPU_HOURS.0, FEBRUARY_GPU_HOURS.1),
                    "charge": usd(february_micros()), "pro_rata": usd(february_credit_micros()),
                    "tier": usd(0), "credit": usd(february_credit_micros()) } })),
        ),
        (
            "BalanceView",
            exact::<api::BalanceView>(
                json!({ "participant": "p-3", "balance": usd(996_160_000_000),
                "credit_limit": usd(0), "open_bids": usd(53_760_000_000), "owed": usd(0),
                "receivable": usd(0), "available": usd(942_400_000_000) }),
            ),
        ),
        (
            "ClockView",
            exact::<api::ClockView>(json!({ "hour": START, "events": 3 })),
        ),
        ("Webhook", exact::<api::Webhook>(webhook())),
        (
            "WebhookCreated",
            exact::<api::WebhookCreated>({
                let mut w = webhook();
                w["secret"] = json!(format!("whsec_{}", "5e".repeat(32)));
                w
            }),
        ),
        (
            "WebhookAttempt",
            exact::<api::WebhookAttempt>(json!({ "event": "1742.3", "type": "fill", "attempt": 2,
                "manual": false, "at": "2027-01-03T12:00:05Z", "outcome": "delivered", "status": 200,
                "duration_ms": 41 })),
        ),
        (
            "FeesView",
            exact::<api::FeesView>(json!({ "maker_bps": 5, "taker_bps": 20 })),
        ),
        (
            "EventType",
            exact::<api::EventType>(json!({ "name": "contract.started",
                "meaning": "A contract of yours has begun: its first hour has come." })),
        ),
    ]
    .into_iter()
    .chain(super::answers_positions::examples())
    .collect()
}

/// The example answer for a schema: a named one, a page or list of them.
fn example_of(schema: &Value, doc: &Value, all: &[(&'static str, Value)]) -> Option<Value> {
    let named = |reference: &str| {
        let name = reference.trim_start_matches("#/components/schemas/");
        all.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    };
    if let Some(reference) = schema["$ref"].as_str() {
        if let Some(v) = named(reference) {
            return Some(v);
        }
        if let Some(item) = reference.strip_prefix("#/components/schemas/Page_") {
            let item = named(item)?;
            let next = item.get("id").cloned();
            let mut page = json!({ "items": [item] });
            if let Some(next) = next {
                page["next"] = next;
            }
            return Some(page);
        }
        let target = doc.pointer(reference.trim_start_matches('#'))?;
        return example_of(target, doc, all);
    }
    if let Some(item) = schema.get("items") {
        return Some(json!([example_of(item, doc, all)?]));
    }
    None
}

/// Two events of `/v1/events` as sent: a public trade, then the caller's fill of it.
fn stream() -> String {
    let sent = |v: Value| {
        let event: api::StreamEvent = serde_json::from_value(exact::<api::StreamEvent>(v))
            .unwrap_or_else(|e| panic!("a stream event: {e}"));
        serde_json::to_string(&event).unwrap_or_default()
    };
    let trade = sent(json!({ "type": "trade", "seq": 1742, "id": "trd-4",
        "model": "h100-sxm", "region": "us-east", "gpus": 64, "start": START, "end": END, "price": usd(PRICE_MICROS),
        "aggressor": "buy" }));
    let fill = sent(json!({ "type": "fill", "trade": "trd-4",
        "order": "ord-17", "side": "buy", "model": "h100-sxm", "gpus": 64, "start": START,
        "end": END, "price": usd(PRICE_MICROS), "contract": "ctr-9" }));
    format!("id: 1742.0\nevent: trade\ndata: {trade}\n\nid: 1742.1\nevent: fill\ndata: {fill}\n\n")
}

/// A few series of `/metrics` (the metrics test checks that the server exports them).
const METRICS: &str = "\
# HELP megawatt_build_info The build: its version, always 1.
# TYPE megawatt_build_info gauge
megawatt_build_info{version=\"0.1.0\"} 1
# HELP megawatt_sequencer_queue_depth Requests waiting for the sequencer.
# TYPE megawatt_sequencer_queue_depth gauge
megawatt_sequencer_queue_depth 0
# HELP megawatt_batch_commands Commands in each committed batch.
# TYPE megawatt_batch_commands histogram
megawatt_batch_commands_bucket{le=\"1\"} 812
megawatt_batch_commands_bucket{le=\"+Inf\"} 930
megawatt_batch_commands_sum 2114
megawatt_batch_commands_count 930
";

/// The FOCUS export of one month of the contract of `qt-4`.
fn focus() -> String {
    let at = |s: &str| crate::parse::hour(s).unwrap_or(Hour(0));
    let month = (at(FEBRUARY.0), at(FEBRUARY.1));
    crate::focus::csv(&[crate::focus::Charge {
        payer: ("p-3".into(), "Orbital Labs".into()),
        seller: "Neo Austin Compute".into(),
        month,
        category: "Usage",
        frequency: "Recurring",
        description: "600 h100-sxm GPUs, monthly fee (ctr-11 line 0)".into(),
        period: month,
        gpu_hours: Some(403_200),
        cost_micros: february_micros(),
        unit_price_micros: None,
        region: "us-south".into(),
        resource: ("ctr-11".into(), "ctr-11 line 0".into()),
        sku: "h100-sxm".into(),
        sku_price: "ctr-11/0".into(),
        invoice: "inv-2".into(),
    }])
}

/// Writes the examples into their schemas and into the answers that use them.
pub fn apply(doc: &mut Value) {
    if let Some(c) =
        doc.pointer_mut("/paths/~1v1~1events/get/responses/200/content/text~1event-stream")
    {
        c["example"] = json!(stream());
    }
    if let Some(c) =
        doc.pointer_mut("/paths/~1v1~1billing~1focus/get/responses/200/content/text~1csv")
    {
        c["example"] = json!(focus());
    }
    if let Some(c) = doc.pointer_mut("/paths/~1metrics/get/responses/200/content/text~1plain") {
        c["example"] = json!(METRICS);
    }
    let all = examples();
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                let Some(schema) = r.pointer("/content/application~1json/schema") else {
                    continue;
                };
                if let Some(example) = example_of(schema, doc, &all) {
                    found.push((path.clone(), method.clone(), status.clone(), example));
                }
            }
        }
    }
    for (path, method, status, example) in found {
        let at = format!(
            "/paths/{}/{method}/responses/{status}/content/application~1json",
            path.replace('~', "~0").replace('/', "~1")
        );
        if let Some(content) = doc.pointer_mut(&at) {
            content["example"] = example;
        }
    }
    for (name, example) in all {
        if let Some(s) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            s["examples"] = json!([example]);
        }
    }
}
