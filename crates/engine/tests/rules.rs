//! One test (at least) for every rule of the market. Every command goes through the
//! harness, which also checks that rejections change nothing and invariants hold.

mod common;

use common::*;
use megawatt_engine::command::{AskSpec, Command, PoolSpec};
use megawatt_engine::contract::{ContractStatus, Pricing, Terms};
use megawatt_engine::event::{CloseReason, Event, ReservationEnd};
use megawatt_engine::ids::{FacilityId, OrderId, ParticipantId, PoolId, ReservationId};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::{Hour, MAX_WINDOW_HOURS, Window};
use megawatt_engine::{Engine, OPERATOR, Rule};

const P: i64 = 2_000_000; // $2.00 per GPU-hour

fn rule_of(r: Result<Vec<Event>, megawatt_engine::Rejection>) -> (Rule, &'static str) {
    let rej = r.expect_err("should be rejected");
    assert!(!rej.detail.is_empty());
    (rej.rule, rej.field)
}

/// A market with a provider owning one h100 pool of 100 GPUs and a buyer.
fn setup() -> (Market, ParticipantId, PoolId, ParticipantId) {
    let mut m = Market::new();
    let prov = m.participant("neocloud", provider());
    let (_, pools) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let buy = m.participant("lab", buyer());
    (m, prov, pools[0], buy)
}

fn reason_closed(ev: &[Event], id: OrderId) -> Option<CloseReason> {
    ev.iter().find_map(|e| match e {
        Event::OrderClosed { order, reason } if *order == id => Some(*reason),
        _ => None,
    })
}

// ---- catalog and participants ------------------------------------------------------

#[test]
fn default_catalog_follows_the_reference_figures() {
    let e = Engine::new();
    let watts: Vec<(&str, u32)> = e
        .models()
        .iter()
        .map(|m| (m.id.as_str(), m.watts_per_gpu))
        .collect();
    assert_eq!(
        watts,
        vec![
            ("h100-sxm", 1275),
            ("h200", 1275),
            ("b200", 1790),
            ("gb200", 1670),
            ("mi300x", 1250)
        ]
    );
    assert!(e.participant(OPERATOR).unwrap().roles.operator);
}

#[test]
fn operator_adds_models_and_nobody_else_does() {
    let (mut m, prov, _, _) = setup();
    let add = |id: &str, watts| Command::AddModel {
        id: id.into(),
        name: "Next GPU".into(),
        watts_per_gpu: watts,
    };
    assert_eq!(
        rule_of(m.exec(prov, add("x1", 1000))),
        (Rule::NotPermitted, "actor")
    );
    assert_eq!(
        rule_of(m.exec(OPERATOR, add("h100-sxm", 1000))),
        (Rule::AlreadyExists, "id")
    );
    assert_eq!(
        rule_of(m.exec(OPERATOR, add("Bad Id", 1000))),
        (Rule::InvalidName, "id")
    );
    assert_eq!(
        rule_of(m.exec(OPERATOR, add("x1", 0))),
        (Rule::OutOfRange, "watts_per_gpu")
    );
    m.exec(OPERATOR, add("x1", 2000)).unwrap();
    assert_eq!(m.e.model_by_id("x1").unwrap().1.watts_per_gpu, 2000);
    // The new model is usable at once.
    m.facility(prov, "eu-west", &[("x1", 10)]);
}

#[test]
fn only_the_operator_admits_participants_with_a_name_and_a_role() {
    let (mut m, prov, _, _) = setup();
    let create = |name: &str, roles| Command::CreateParticipant {
        name: name.into(),
        roles,
    };
    assert_eq!(
        rule_of(m.exec(prov, create("x", buyer()))),
        (Rule::NotPermitted, "actor")
    );
    assert_eq!(
        rule_of(m.exec(OPERATOR, create("  ", buyer()))),
        (Rule::InvalidName, "name")
    );
    assert_eq!(
        rule_of(m.exec(OPERATOR, create(&"x".repeat(129), buyer()))),
        (Rule::InvalidName, "name")
    );
    assert_eq!(
        rule_of(m.exec(OPERATOR, create("x", Default::default()))),
        (Rule::InvalidRoles, "roles")
    );
    let unknown = ParticipantId(999);
    assert_eq!(
        rule_of(m.exec(unknown, create("x", buyer()))),
        (Rule::UnknownParticipant, "actor")
    );
}

/// Names are unique from `AdmitParticipant` on (trimmed, whatever the case); a
/// `CreateParticipant` journaled before still admits a second of a name on replay.
#[test]
fn a_participant_is_admitted_only_under_a_name_no_other_has() {
    let (mut m, prov, _, _) = setup();
    let admit = |name: &str| Command::AdmitParticipant {
        name: name.into(),
        roles: buyer(),
    };
    let ev = m.exec(OPERATOR, admit("Acme AI")).unwrap();
    assert!(matches!(ev[0], Event::ParticipantCreated(_)));
    for again in ["Acme AI", "acme ai", "  ACME AI ", "neocloud"] {
        let rej = m.exec(OPERATOR, admit(again)).expect_err(again);
        assert_eq!(
            (rej.rule, rej.field),
            (Rule::AlreadyExists, "name"),
            "{again}"
        );
        assert!(rej.detail.contains("names are unique"), "{}", rej.detail);
    }
    assert_eq!(
        rule_of(m.exec(prov, admit("Other"))),
        (Rule::NotPermitted, "actor")
    );
    m.exec(OPERATOR, admit("Acme AI Two")).unwrap();
    let old = Command::CreateParticipant {
        name: "Acme AI".into(),
        roles: buyer(),
    };
    m.exec(OPERATOR, old)
        .expect("the old command replays as it did");
}

// ---- facilities and pools ------------------------------------------------------------

#[test]
fn the_colossus_facility_fits_its_power_and_one_more_pool_does_not() {
    let mut m = Market::new();
    let owner = m.participant("Colossus Compute", provider());
    let pools = |extra: u32| {
        let mut v = vec![
            PoolSpec {
                model: "h100-sxm".into(),
                gpus: 150_000,
            },
            PoolSpec {
                model: "h200".into(),
                gpus: 50_000,
            },
            PoolSpec {
                model: "gb200".into(),
                gpus: 20_000,
            },
        ];
        if extra > 0 {
            v.push(PoolSpec {
                model: "b200".into(),
                gpus: extra,
            });
        }
        v
    };
    let cmd = |p| Command::CreateFacility {
        name: "Colossus 1".into(),
        region: "us-south".into(),
        power_kw: 300_000,
        pools: p,
    };
    // 150k x 1275 W + 50k x 1275 W + 20k x 1670 W = 288.4 MW; 7,000 B200 add 12.53 MW.
    assert_eq!(
        rule_of(m.exec(owner, cmd(pools(7_000)))),
        (Rule::PowerExceeded, "pools.gpus")
    );
    m.exec(owner, cmd(pools(6_000))).unwrap();
}

#[test]
fn facility_rules() {
    let (mut m, prov, _, buy) = setup();
    let cmd = |region: &str, power_kw, pools: Vec<(&str, u32)>| Command::CreateFacility {
        name: "f".into(),
        region: region.into(),
        power_kw,
        pools: pools
            .into_iter()
            .map(|(model, gpus)| PoolSpec {
                model: model.into(),
                gpus,
            })
            .collect(),
    };
    assert_eq!(
        rule_of(m.exec(buy, cmd("r", 100, vec![("h200", 1)]))),
        (Rule::NotPermitted, "actor")
    );
    assert_eq!(
        rule_of(m.exec(prov, cmd("r", 100, vec![("h999", 1)]))),
        (Rule::UnknownModel, "pools.model")
    );
    assert_eq!(
        rule_of(m.exec(prov, cmd("r", 100, vec![("h200", 1), ("h200", 1)]))),
        (Rule::AlreadyExists, "pools.model")
    );
    assert_eq!(
        rule_of(m.exec(prov, cmd("r", 100, vec![("h200", 0)]))),
        (Rule::ZeroGpus, "pools.gpus")
    );
    assert_eq!(
        rule_of(m.exec(prov, cmd("r", 100, vec![]))),
        (Rule::OutOfRange, "pools")
    );
    assert_eq!(
        rule_of(m.exec(prov, cmd("R!", 100, vec![("h200", 1)]))),
        (Rule::InvalidName, "region")
    );
    assert_eq!(
        rule_of(m.exec(prov, cmd("r", 0, vec![("h200", 1)]))),
        (Rule::OutOfRange, "power_kw")
    );
    // 79 x 1275 W = 100.7 kW > 100 kW; 78 fit.
    assert_eq!(
        rule_of(m.exec(prov, cmd("r", 100, vec![("h200", 79)]))),
        (Rule::PowerExceeded, "pools.gpus")
    );
    m.exec(prov, cmd("r", 100, vec![("h200", 78)])).unwrap();
}

// ---- reservations ----------------------------------------------------------------------

#[test]
fn reservations_hold_capacity_until_released_or_elapsed() {
    let (mut m, prov, pool, buy) = setup();
    let reserve = |gpus, win| Command::Reserve {
        pool,
        gpus,
        window: win,
    };
    assert_eq!(
        rule_of(m.exec(buy, reserve(10, w(1, 5)))),
        (Rule::NotOwner, "pool")
    );
    assert_eq!(
        rule_of(m.exec(
            prov,
            Command::Reserve {
                pool: PoolId(99),
                gpus: 1,
                window: w(1, 2)
            }
        )),
        (Rule::UnknownPool, "pool")
    );
    let ev = m.exec(prov, reserve(60, w(1, 5))).unwrap();
    let Event::Reserved(r) = &ev[0] else { panic!() };
    let res = r.id;
    assert_eq!(
        rule_of(m.exec(prov, reserve(41, w(4, 8)))),
        (Rule::InsufficientCapacity, "gpus")
    );
    m.exec(prov, reserve(40, w(4, 8))).unwrap();
    // An ask over the reserved hours cannot be placed; after the release it can.
    assert_eq!(
        rule_of(m.exec(prov, Market::ask_cmd(pool, 1, w(4, 5), P))),
        (Rule::InsufficientCapacity, "gpus")
    );
    assert_eq!(
        rule_of(m.exec(buy, Command::Release { reservation: res })),
        (Rule::UnknownReservation, "reservation")
    );
    m.exec(prov, Command::Release { reservation: res }).unwrap();
    m.ask(prov, pool, 60, w(1, 5), P);
    // The second reservation ends by itself when its window has passed.
    let ev = m.advance_to(8);
    assert!(ev.contains(&Event::ReservationEnded {
        reservation: ReservationId(2),
        reason: ReservationEnd::Elapsed
    }));
    assert_eq!(m.e.reservations().count(), 0);
    assert!(m.e.pool(pool).unwrap().used.is_zero());
}

// ---- asks ----------------------------------------------------------------------------

#[test]
fn ask_validation_names_rule_and_field() {
    let (mut m, prov, pool, buy) = setup();
    let ask = |gpus, win, price, tif, min_fill| {
        Command::PlaceAsk(AskSpec {
            source: AskSource::Pool(pool),
            gpus,
            window: win,
            price_micros: price,
            tif,
            min_fill_gpus: min_fill,
        })
    };
    let gtc = TimeInForce::Gtc;
    let cases = [
        (
            buy,
            ask(1, w(1, 2), P, gtc, 1),
            Rule::NotOwner,
            "source.pool",
        ),
        (prov, ask(0, w(1, 2), P, gtc, 1), Rule::ZeroGpus, "gpus"),
        (
            prov,
            ask(20_000_000, w(1, 2), P, gtc, 1),
            Rule::QuantityTooLarge,
            "gpus",
        ),
        (
            prov,
            ask(1, w(2, 2), P, gtc, 1),
            Rule::WindowEmpty,
            "window.end",
        ),
        (
            prov,
            ask(1, w(3, 2), P, gtc, 1),
            Rule::WindowEmpty,
            "window.end",
        ),
        (
            prov,
            ask(1, w(1, 2 + MAX_WINDOW_HOURS), P, gtc, 1),
            Rule::WindowTooLong,
            "window.end",
        ),
        (
            prov,
            ask(1, w(0, 2), P, gtc, 1),
            Rule::WindowInPast,
            "window.start",
        ),
        (
            prov,
            ask(1, w(1, 2), 0, gtc, 1),
            Rule::PriceNotPositive,
            "price_micros",
        ),
        (
            prov,
            ask(1, w(1, 2), -5, gtc, 1),
            Rule::PriceNotPositive,
            "price_micros",
        ),
        (
            prov,
            ask(1, w(1, 2), i64::MAX, gtc, 1),
            Rule::Overflow,
            "price_micros",
        ),
        // 200 GPUs x 87,600 h x $1M: over 2^63 micro-USD.
        (
            prov,
            ask(200, w(1, 1 + MAX_WINDOW_HOURS), 1_000_000_000_000, gtc, 1),
            Rule::Overflow,
            "price_micros",
        ),
        (
            prov,
            ask(1, w(1, 2), P, TimeInForce::Ioc, 1),
            Rule::InvalidTimeInForce,
            "tif",
        ),
        (
            prov,
            ask(1, w(1, 2), P, TimeInForce::Fok, 1),
            Rule::InvalidTimeInForce,
            "tif",
        ),
        (
            prov,
            ask(1, w(1, 2), P, TimeInForce::Gtd { until: Hour(T0) }, 1),
            Rule::InvalidTimeInForce,
            "tif.until",
        ),
        (
            prov,
            ask(5, w(1, 2), P, gtc, 0),
            Rule::InvalidMinFill,
            "min_fill_gpus",
        ),
        (
            prov,
            ask(5, w(1, 2), P, gtc, 6),
            Rule::InvalidMinFill,
            "min_fill_gpus",
        ),
        (
            prov,
            ask(101, w(1, 2), P, gtc, 1),
            Rule::InsufficientCapacity,
            "gpus",
        ),
    ];
    for (actor, cmd, rule, field) in cases {
        assert_eq!(
            rule_of(m.exec(actor, cmd.clone())),
            (rule, field),
            "{cmd:?}"
        );
    }
}

#[test]
fn an_ask_encumbers_its_pool_and_cannot_overcommit_it() {
    let (mut m, prov, pool, _) = setup();
    m.ask(prov, pool, 70, w(1, 10), P);
    assert_eq!(m.e.pool(pool).unwrap().used.max_over(w(1, 10)), 70);
    assert_eq!(
        rule_of(m.exec(prov, Market::ask_cmd(pool, 31, w(9, 12), P))),
        (Rule::InsufficientCapacity, "gpus")
    );
    m.ask(prov, pool, 30, w(9, 12), P);
    m.ask(prov, pool, 100, w(12, 20), P);
}

#[test]
fn cancel_and_reduce_release_capacity_at_once() {
    let (mut m, prov, pool, buy) = setup();
    let (a, _) = m.ask(prov, pool, 100, w(1, 10), P);
    assert_eq!(
        rule_of(m.exec(buy, Command::Cancel { order: a })),
        (Rule::UnknownOrder, "order")
    );
    assert_eq!(
        rule_of(m.exec(
            buy,
            Command::Reduce {
                order: a,
                by_gpus: 1
            }
        )),
        (Rule::UnknownOrder, "order")
    );
    let reduce = |by| Command::Reduce {
        order: a,
        by_gpus: by,
    };
    assert_eq!(
        rule_of(m.exec(prov, reduce(0))),
        (Rule::InvalidReduce, "by_gpus")
    );
    assert_eq!(
        rule_of(m.exec(prov, reduce(100))),
        (Rule::InvalidReduce, "by_gpus")
    );
    m.exec(prov, reduce(40)).unwrap();
    assert_eq!(m.e.pool(pool).unwrap().used.max_over(w(1, 10)), 60);
    m.ask(prov, pool, 40, w(1, 10), P);
    let ev = m.exec(prov, Command::Cancel { order: a }).unwrap();
    assert_eq!(reason_closed(&ev, a), Some(CloseReason::Cancelled));
    assert_eq!(m.e.pool(pool).unwrap().used.max_over(w(1, 10)), 40);
    assert_eq!(
        rule_of(m.exec(prov, Command::Cancel { order: a })),
        (Rule::UnknownOrder, "order")
    );
}

#[test]
fn reducing_a_partly_sold_ask_only_releases_what_is_still_offered() {
    let (mut m, prov, pool, buy) = setup();
    let (a, _) = m.ask(prov, pool, 10, w(1, 10), P);
    m.bid(buy, Market::bid_spec(8, w(2, 4), P));
    // Availability: 10 except 2 over [2,4). Reducing by 5 leaves 5, and 0 over [2,4).
    m.exec(
        prov,
        Command::Reduce {
            order: a,
            by_gpus: 5,
        },
    )
    .unwrap();
    let o = m.e.order(a).unwrap();
    let megawatt_engine::order::OrderKind::Ask(ask) = &o.kind else {
        panic!()
    };
    assert_eq!(ask.avail.value_at(w(1, 2).start), 5);
    assert_eq!(ask.avail.value_at(w(2, 3).start), 0);
    assert_eq!(m.e.pool(pool).unwrap().used.max_over(w(1, 10)), 8);
}

#[test]
fn the_operator_may_cancel_any_order() {
    let (mut m, prov, pool, _) = setup();
    let (a, _) = m.ask(prov, pool, 10, w(1, 10), P);
    m.exec(OPERATOR, Command::Cancel { order: a }).unwrap();
    assert!(m.e.order(a).is_none());
}

// ---- bids ----------------------------------------------------------------------------

#[test]
fn bid_validation_names_rule_and_field() {
    let (mut m, prov, _, buy) = setup();
    let base = Market::bid_spec(1, w(1, 2), P);
    let mut cases = Vec::new();
    cases.push((prov, base.clone(), Rule::NotPermitted, "actor"));
    let mut s = base.clone();
    s.model = "tpu".into();
    cases.push((buy, s, Rule::UnknownModel, "model"));
    let mut s = base.clone();
    s.region = Some("mars".into());
    cases.push((buy, s, Rule::UnknownRegion, "region"));
    let mut s = base.clone();
    s.facility = Some(FacilityId(77));
    cases.push((buy, s, Rule::UnknownFacility, "facility"));
    let mut s = base.clone();
    s.gpus = 0;
    cases.push((buy, s, Rule::ZeroGpus, "gpus"));
    let mut s = base.clone();
    s.window = w(0, 1);
    cases.push((buy, s, Rule::WindowInPast, "window.start"));
    let mut s = base.clone();
    s.limit_price_micros = 0;
    cases.push((buy, s, Rule::PriceNotPositive, "limit_price_micros"));
    let mut s = base.clone();
    s.tif = TimeInForce::Gtd {
        until: Hour(T0 - 5),
    };
    cases.push((buy, s, Rule::InvalidTimeInForce, "tif.until"));
    for (actor, spec, rule, field) in cases {
        assert_eq!(
            rule_of(m.exec(actor, Command::PlaceBid(spec.clone()))),
            (rule, field),
            "{spec:?}"
        );
    }
}

// ---- matching ------------------------------------------------------------------------

#[test]
fn price_then_time_priority_and_trades_at_the_resting_price() {
    let (mut m, prov, pool, buy) = setup();
    let (late_cheap, _) = m.ask(prov, pool, 10, w(1, 10), 1_500_000);
    let (early, _) = m.ask(prov, pool, 10, w(1, 10), 1_800_000);
    let (later, _) = m.ask(prov, pool, 10, w(1, 10), 1_800_000);
    // Non-colocated so that it may take from several asks: cheapest first, then the
    // earlier of two equal prices. The bid's limit is higher: trades at the asks' prices.
    let mut s = Market::bid_spec(15, w(1, 10), 3_000_000);
    s.colocate = false;
    let (_, ev) = m.bid(buy, s);
    let t = trades(&ev);
    assert_eq!(t.len(), 2);
    assert_eq!((t[0].0, t[0].2, t[0].3), (late_cheap, 10, 1_500_000));
    assert_eq!((t[1].0, t[1].2, t[1].3), (early, 5, 1_800_000));
    assert!(m.e.order(later).is_some());
}

#[test]
fn an_incoming_ask_trades_at_the_resting_bids_price_best_bid_first() {
    let (mut m, prov, pool, buy) = setup();
    let buy2 = m.participant("lab2", buyer());
    let (low, _) = m.bid(buy, Market::bid_spec(10, w(1, 5), 2_000_000));
    let (high, _) = m.bid(buy2, Market::bid_spec(10, w(1, 5), 2_500_000));
    let (ask, ev) = m.ask(prov, pool, 15, w(1, 5), 1_900_000);
    let t = trades(&ev);
    // The high bid fills whole; the low, all-or-none, cannot take the 5 left.
    assert_eq!(t, vec![(ask, high, 10, 2_500_000)]);
    assert!(m.e.order(low).is_some() && m.e.order(ask).is_some());
}

#[test]
fn a_bid_takes_a_sub_window_and_sub_quantity_of_an_ask() {
    let (mut m, prov, pool, buy) = setup();
    let (a, _) = m.ask(prov, pool, 100, w(1, 49), P);
    let (_, ev) = m.bid(buy, Market::bid_spec(30, w(10, 20), P));
    assert_eq!(trades(&ev).len(), 1);
    // 70 left over [10,20), 100 elsewhere: 71 over a window touching [10,20) does not fill.
    let (b2, ev) = m.bid(buy, Market::bid_spec(71, w(15, 30), P));
    assert!(trades(&ev).is_empty());
    m.exec(buy, Command::Cancel { order: b2 }).unwrap();
    let (_, ev) = m.bid(buy, Market::bid_spec(100, w(20, 49), P));
    let t = trades(&ev);
    assert_eq!((t.len(), t[0].0, t[0].2, t[0].3), (1, a, 100, P));
    assert_eq!(m.e.pool(pool).unwrap().used.max_over(w(1, 49)), 100);
}

#[test]
fn a_colocated_bid_fills_from_the_cheapest_single_pool() {
    let mut m = Market::new();
    let prov = m.participant("neocloud", provider());
    let (_, a) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let (_, b) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let buy = m.participant("lab", buyer());
    // Pool A: 8 @ 1.00 + 8 @ 5.00 = 48/h for 16 GPUs. Pool B: 16 @ 2.00 = 32/h.
    m.ask(prov, a[0], 8, w(1, 5), 1_000_000);
    m.ask(prov, a[0], 8, w(1, 5), 5_000_000);
    let (b1, _) = m.ask(prov, b[0], 16, w(1, 5), 2_000_000);
    let (_, ev) = m.bid(buy, Market::bid_spec(16, w(1, 5), 6_000_000));
    assert_eq!(
        trades(&ev).iter().map(|t| (t.0, t.2)).collect::<Vec<_>>(),
        vec![(b1, 16)]
    );
}

#[test]
fn colocated_ties_go_to_the_pool_with_the_earliest_order() {
    let mut m = Market::new();
    let prov = m.participant("neocloud", provider());
    let (_, a) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let (_, b) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let buy = m.participant("lab", buyer());
    // Same total cost (16 x 2.00 vs 8 x 1.00 + 8 x 3.00); pool B's order is older.
    let (b_old, _) = m.ask(prov, b[0], 16, w(1, 5), 2_000_000);
    let (_, _) = m.ask(prov, a[0], 8, w(1, 5), 1_000_000);
    let (_, _) = m.ask(prov, a[0], 8, w(1, 5), 3_000_000);
    let (_, ev) = m.bid(buy, Market::bid_spec(16, w(1, 5), 3_000_000));
    assert_eq!(
        trades(&ev).iter().map(|t| t.0).collect::<Vec<_>>(),
        vec![b_old]
    );
}

#[test]
fn a_colocated_bid_never_spans_pools_but_a_spread_bid_does() {
    let mut m = Market::new();
    let prov = m.participant("neocloud", provider());
    let (_, a) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let (_, b) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let buy = m.participant("lab", buyer());
    m.ask(prov, a[0], 10, w(1, 5), P);
    m.ask(prov, b[0], 10, w(1, 5), P);
    let (bid, ev) = m.bid(buy, Market::bid_spec(20, w(1, 5), P));
    assert!(
        trades(&ev).is_empty(),
        "20 colocated GPUs exist in no single pool"
    );
    m.exec(buy, Command::Cancel { order: bid }).unwrap();
    let mut s = Market::bid_spec(20, w(1, 5), P);
    s.colocate = false;
    let (_, ev) = m.bid(buy, s);
    assert_eq!(trades(&ev).len(), 2);
}

#[test]
fn all_or_none_partial_ioc_and_fok() {
    let (mut m, prov, pool, buy) = setup();
    m.ask(prov, pool, 10, w(1, 5), P);
    // All-or-none GTC: rests untouched.
    let (aon, ev) = m.bid(buy, Market::bid_spec(12, w(1, 5), P));
    assert!(trades(&ev).is_empty() && m.e.order(aon).is_some());
    m.exec(buy, Command::Cancel { order: aon }).unwrap();
    // FOK partial: still nothing, killed.
    let mut s = Market::bid_spec(12, w(1, 5), P);
    s.partial = true;
    s.tif = TimeInForce::Fok;
    let (fok, ev) = m.bid(buy, s);
    assert!(trades(&ev).is_empty());
    assert_eq!(reason_closed(&ev, fok), Some(CloseReason::Killed));
    // IOC all-or-none: killed.
    let mut s = Market::bid_spec(12, w(1, 5), P);
    s.tif = TimeInForce::Ioc;
    let (ioc, ev) = m.bid(buy, s);
    assert_eq!(reason_closed(&ev, ioc), Some(CloseReason::Killed));
    // IOC partial: takes 10, the rest is cancelled.
    let mut s = Market::bid_spec(12, w(1, 5), P);
    s.tif = TimeInForce::Ioc;
    s.partial = true;
    let (ioc, ev) = m.bid(buy, s);
    assert_eq!(trades(&ev).iter().map(|t| t.2).sum::<u32>(), 10);
    assert_eq!(reason_closed(&ev, ioc), Some(CloseReason::IocRemainder));
    assert!(m.e.order(ioc).is_none());
}

#[test]
fn a_partial_gtc_bid_rests_with_its_remainder_and_fills_later() {
    let (mut m, prov, pool, buy) = setup();
    m.ask(prov, pool, 10, w(1, 5), P);
    let mut s = Market::bid_spec(25, w(1, 5), P);
    s.partial = true;
    let (bid, ev) = m.bid(buy, s);
    assert_eq!(trades(&ev).iter().map(|t| t.2).sum::<u32>(), 10);
    let megawatt_engine::order::OrderKind::Bid(b) = &m.e.order(bid).unwrap().kind else {
        panic!()
    };
    assert_eq!(b.remaining_gpus, 15);
    let (_, ev) = m.ask(prov, pool, 20, w(1, 9), P);
    assert_eq!(
        trades(&ev).iter().map(|t| (t.1, t.2)).collect::<Vec<_>>(),
        vec![(bid, 15)]
    );
    assert_eq!(reason_closed(&ev, bid), Some(CloseReason::Filled));
}

#[test]
fn minimum_fill_is_respected_both_ways() {
    let (mut m, prov, pool, buy) = setup();
    let cmd = Command::PlaceAsk(AskSpec {
        source: AskSource::Pool(pool),
        gpus: 32,
        window: w(1, 5),
        price_micros: P,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 8,
    });
    let ev = m.exec(prov, cmd).unwrap();
    let ask = accepted(&ev);
    let (small, ev) = m.bid(buy, Market::bid_spec(4, w(1, 5), P));
    assert!(trades(&ev).is_empty());
    let (_, ev) = m.bid(buy, Market::bid_spec(8, w(1, 5), P));
    assert_eq!(trades(&ev).len(), 1);
    assert!(m.e.order(small).is_some() && m.e.order(ask).is_some());
}

#[test]
fn filters_and_self_trade_prevention() {
    let mut m = Market::new();
    let prov = m.participant("neocloud", Roles2::both());
    let (fac_east, east) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let (_, west) = m.facility(prov, "us-west", &[("h100-sxm", 100)]);
    let buy = m.participant("lab", buyer());
    let (west_ask, _) = m.ask(prov, west[0], 10, w(1, 5), 1_000_000);
    let (east_ask, _) = m.ask(prov, east[0], 10, w(1, 5), 2_000_000);
    // The provider's own bid never trades with its own asks.
    let (own, ev) = m.bid(prov, Market::bid_spec(10, w(1, 5), P));
    assert!(trades(&ev).is_empty());
    m.exec(prov, Command::Cancel { order: own }).unwrap();
    let mut s = Market::bid_spec(10, w(1, 5), P);
    s.region = Some("us-east".into());
    let (_, ev) = m.bid(buy, s);
    assert_eq!(trades(&ev)[0].0, east_ask);
    let mut s = Market::bid_spec(10, w(1, 5), P);
    s.facility = Some(fac_east);
    let (b, ev) = m.bid(buy, s);
    assert!(
        trades(&ev).is_empty(),
        "east is sold out; west is filtered out"
    );
    m.exec(buy, Command::Cancel { order: b }).unwrap();
    let (_, ev) = m.bid(buy, Market::bid_spec(10, w(1, 5), P));
    assert_eq!(trades(&ev)[0].0, west_ask);
}

struct Roles2;
impl Roles2 {
    fn both() -> megawatt_engine::entities::Roles {
        megawatt_engine::entities::Roles {
            provider: true,
            buyer: true,
            operator: false,
        }
    }
}

// ---- contracts and time --------------------------------------------------------------

#[test]
fn a_fill_makes_a_firm_contract_that_starts_and_expires_with_ticks() {
    let (mut m, prov, pool, buy) = setup();
    m.ask(prov, pool, 50, w(1, 10), P);
    let (_, ev) = m.bid(buy, Market::bid_spec(20, w(2, 6), P));
    let c = ev
        .iter()
        .find_map(|e| match e {
            Event::ContractCreated(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (c.buyer, c.seller, c.status),
        (buy, prov, ContractStatus::Pending)
    );
    assert_eq!(c.lines[0].pool, pool);
    assert_eq!((c.lines[0].gpus, c.lines[0].window), (20, w(2, 6)));
    assert_eq!(c.pricing, Pricing::PerGpuHour { price_micros: P });
    assert_eq!(c.terms, Terms::exchange());
    assert_eq!(c.terms.buyer_notice_hours, None);
    // The ask's 50 are still in use over [1,10): 20 committed, 30 (ask) encumbered.
    assert_eq!(m.e.pool(pool).unwrap().used.max_over(w(1, 10)), 50);
    let ev = m.advance_to(2);
    assert!(ev.contains(&Event::ContractStarted { contract: c.id }));
    assert_eq!(m.e.contract(c.id).unwrap().status, ContractStatus::Active);
    let ev = m.advance_to(6);
    assert!(ev.contains(&Event::ContractExpired { contract: c.id }));
    assert_eq!(m.e.contract(c.id).unwrap().status, ContractStatus::Expired);
    // Ask closed at tick 1 (its window started); contract expired: pool is empty.
    assert!(m.e.pool(pool).unwrap().used.is_zero());
}

/// A contract's parties hear once that it ends soon, at the tick that brings its end
/// within `ENDING_SOON_HOURS`, however far that tick jumps; never when it ends in the
/// same tick, nor again.
#[test]
fn a_contract_is_said_to_end_soon_once_when_its_end_comes_within_the_horizon() {
    use megawatt_engine::contract::ENDING_SOON_HOURS;
    let soon = |ev: &[Event]| -> Vec<(megawatt_engine::ids::ContractId, Hour)> {
        ev.iter()
            .filter_map(|e| match e {
                Event::ContractEndingSoon { contract, ends } => Some((*contract, *ends)),
                _ => None,
            })
            .collect()
    };
    // A contract of 10 GPUs over `window`, from the ask on the market.
    let contract = |m: &mut Market, buy, window| {
        let (_, ev) = m.bid(buy, Market::bid_spec(10, window, P));
        ev.iter()
            .find_map(|e| match e {
                Event::ContractCreated(c) => Some(c.id),
                _ => None,
            })
            .unwrap()
    };
    let (mut m, prov, pool, buy) = setup();
    m.ask(prov, pool, 50, w(10, 400), P);
    let c = contract(&mut m, buy, w(10, 300));
    let d = contract(&mut m, buy, w(20, 320));
    let horizon = ENDING_SOON_HOURS;
    assert!(soon(&m.advance_to(1)).is_empty());
    assert!(soon(&m.advance_to(300 - horizon - 1)).is_empty(), "not yet");
    assert_eq!(
        soon(&m.advance_to(300 - horizon)),
        vec![(c, Hour(common::T0 + 300))]
    );
    assert!(soon(&m.advance_to(300 - horizon + 1)).is_empty(), "once");
    // A jump past d's horizon, not past its end: said then.
    assert_eq!(soon(&m.advance_to(319)), vec![(d, Hour(common::T0 + 320))]);
    let ev = m.advance_to(320);
    assert!(soon(&ev).is_empty());
    assert!(ev.contains(&Event::ContractExpired { contract: d }));
    // A jump straight past the end of a third: it expires, with no "soon".
    let (mut m, prov, pool, buy) = setup();
    m.ask(prov, pool, 50, w(10, 400), P);
    let e = contract(&mut m, buy, w(10, 300));
    let ev = m.advance_to(300);
    assert!(soon(&ev).is_empty(), "{ev:?}");
    assert!(ev.contains(&Event::ContractExpired { contract: e }));
}

#[test]
fn ticks_expire_gtd_orders_and_orders_whose_window_started() {
    let (mut m, prov, pool, buy) = setup();
    let (a, _) = m.ask(prov, pool, 10, w(5, 10), P);
    let mut s = Market::bid_spec(10, w(3, 10), 1_000_000);
    s.tif = TimeInForce::Gtd {
        until: Hour(T0 + 2),
    };
    let (b, _) = m.bid(buy, s);
    let ev = m.advance_to(2);
    assert_eq!(reason_closed(&ev, b), Some(CloseReason::Expired));
    assert!(m.e.order(a).is_some());
    let ev = m.advance_to(5);
    assert_eq!(reason_closed(&ev, a), Some(CloseReason::WindowStarted));
    assert!(m.e.pool(pool).unwrap().used.is_zero());
}

#[test]
fn ticks_and_clock_must_move_forward() {
    let (mut m, _, _, buy) = setup();
    m.advance_to(3);
    let tick = |h| Command::Tick { hour: Hour(T0 + h) };
    assert_eq!(
        rule_of(m.exec(OPERATOR, tick(2))),
        (Rule::InvalidTick, "hour")
    );
    assert_eq!(
        rule_of(m.exec(OPERATOR, tick(4))),
        (Rule::InvalidTick, "hour")
    );
    assert_eq!(rule_of(m.exec(buy, tick(3))), (Rule::NotPermitted, "actor"));
    m.exec(OPERATOR, tick(3)).unwrap();
    m.time_ms -= 2;
    assert_eq!(
        rule_of(m.exec(OPERATOR, tick(3))),
        (Rule::ClockWentBackwards, "time_ms")
    );
}

#[test]
fn snapshots_round_trip_exactly() {
    let (mut m, prov, pool, buy) = setup();
    m.ask(prov, pool, 50, w(1, 10), P);
    m.bid(buy, Market::bid_spec(20, w(2, 6), P));
    m.bid(buy, Market::bid_spec(20, w(2, 6), 1_000_000));
    m.exec(
        prov,
        Command::Reserve {
            pool,
            gpus: 5,
            window: w(20, 30),
        },
    )
    .unwrap();
    let bytes = m.e.snapshot();
    let restored = Engine::restore(&bytes).unwrap();
    assert_eq!(restored, m.e);
    assert_eq!(restored.snapshot(), bytes);
    assert!(Engine::restore(&bytes[..bytes.len() / 2]).is_err());
}

#[test]
fn windows_are_checked_against_the_commands_time() {
    let (mut m, prov, pool, _) = setup();
    // At T0 + 0.5h, hour T0 has begun: the earliest start is T0 + 1.
    m.time_ms = Hour(T0).start_ms() + 1_800_000;
    assert_eq!(
        rule_of(m.exec(prov, Market::ask_cmd(pool, 1, w(0, 2), P))),
        (Rule::WindowInPast, "window.start")
    );
    m.ask(
        prov,
        pool,
        1,
        Window {
            start: Hour(T0 + 1),
            end: Hour(T0 + 2),
        },
        P,
    );
}

#[test]
fn orders_past_their_deadline_do_not_trade_even_before_the_tick() {
    let (mut m, prov, pool, buy) = setup();
    let cmd = Command::PlaceAsk(AskSpec {
        source: AskSource::Pool(pool),
        gpus: 10,
        window: w(5, 10),
        price_micros: P,
        tif: TimeInForce::Gtd {
            until: Hour(T0 + 3),
        },
        min_fill_gpus: 1,
    });
    let ask = accepted(&m.exec(prov, cmd).unwrap());
    // A bid below the ask, so that it rests.
    let mut s = Market::bid_spec(10, w(6, 8), P / 2);
    s.tif = TimeInForce::Gtd {
        until: Hour(T0 + 2),
    };
    let (bid, ev) = m.bid(buy, s);
    assert!(trades(&ev).is_empty());
    // Half past hour 3, no tick yet: both deadlines have come.
    m.time_ms = Hour(T0 + 3).start_ms() + 1_800_000;
    let (_, ev) = m.bid(buy, Market::bid_spec(10, w(6, 7), P));
    assert!(trades(&ev).is_empty(), "the expired ask must not trade");
    let (_, ev) = m.ask(prov, pool, 20, w(6, 9), P / 2);
    assert!(
        trades(&ev).iter().all(|t| t.1 != bid),
        "the expired bid must not trade"
    );
    let ev = m.advance_to(4);
    assert_eq!(reason_closed(&ev, ask), Some(CloseReason::Expired));
    assert_eq!(reason_closed(&ev, bid), Some(CloseReason::Expired));
}
