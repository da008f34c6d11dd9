//! Stored plans (`UploadPlan`, `ApplyPlan`): rows checked by name before anything is
//! stored; an apply places each order or refuses it on its own, names them all in
//! `PlanApplied`, and never places a plan's orders twice; only the owner applies.

mod common;

use common::*;
use megawatt_engine::Rule;
use megawatt_engine::command::{AskSpec, BidSpec, Command, PlanRowSpec, PlanSpec, PlannedOrder};
use megawatt_engine::curve::PeriodKind;
use megawatt_engine::event::{Event, PlanOutcome};
use megawatt_engine::ids::PlanId;
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::{Hour, Window};

fn next_month() -> Hour {
    Hour(T0).month_start().next_month_start()
}

fn last_month() -> Hour {
    Hour(Hour(T0).month_start().0 - 1).month_start()
}

fn spec(rows: &[(&str, Hour, u32)]) -> PlanSpec {
    PlanSpec {
        period: PeriodKind::Month,
        rows: rows
            .iter()
            .map(|&(model, start, gpus)| PlanRowSpec {
                model: model.into(),
                start,
                gpus,
            })
            .collect(),
        limit_price_micros: None,
    }
}

fn uploaded(ev: &[Event]) -> PlanId {
    match ev.last() {
        Some(Event::PlanUploaded { plan, .. }) => *plan,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_plans_rows_are_checked_by_name_before_it_is_stored() {
    let mut m = Market::new();
    let lab = m.participant("lab", buyer());
    let nm = next_month();
    let cases = [
        (spec(&[]), Rule::OutOfRange, "rows"),
        (
            spec(&[("h100-sxm", Hour(nm.0 + 1), 8)]),
            Rule::OutOfRange,
            "rows[0].start",
        ),
        (
            spec(&[("h100-sxm", nm, 8), ("nope", nm, 8)]),
            Rule::UnknownModel,
            "rows[1].model",
        ),
        (spec(&[("h100-sxm", nm, 0)]), Rule::ZeroGpus, "rows[0].gpus"),
        (
            spec(&[("h100-sxm", nm, 8), ("h100-sxm", nm, 9)]),
            Rule::DuplicateRecord,
            "rows[1].start",
        ),
        (
            spec(&[("h100-sxm", last_month(), 8)]),
            Rule::OutOfRange,
            "rows[0].start",
        ),
    ];
    for (s, rule, field) in cases {
        let r = m.exec(lab, Command::UploadPlan(s)).unwrap_err();
        assert_eq!((r.rule, r.field_path().as_str()), (rule, field), "{r}");
    }
    let mut free = spec(&[("h100-sxm", nm, 8)]);
    free.limit_price_micros = Some(0);
    let r = m.exec(lab, Command::UploadPlan(free)).unwrap_err();
    assert_eq!((r.rule, r.field), (Rule::OutOfRange, "limit_price_micros"));
    let ev = m.exec(lab, Command::UploadPlan(spec(&[("h100-sxm", nm, 8)])));
    assert_eq!(uploaded(&ev.unwrap()), PlanId(1));
}

#[test]
fn an_apply_places_each_order_or_refuses_it_and_never_twice() {
    let mut m = Market::new();
    let p = m.participant("provider", provider());
    let lab = m.participant("lab", buyer());
    let other = m.participant("other", buyer());
    let (_, pools) = m.facility(p, "us-east", &[("h100-sxm", 64)]);
    let nm = next_month();
    let window = Window::new(nm, nm.next_month_start()).unwrap();
    m.ask(p, pools[0], 64, window, 2_000_000);
    let plan = uploaded(
        &m.exec(lab, Command::UploadPlan(spec(&[("h100-sxm", nm, 48)])))
            .unwrap(),
    );
    let mut bid = BidSpec::gtc("h100-sxm", 48, window, 2_500_000);
    bid.partial = true;
    bid.colocate = false;
    // The lab holds no contract: a resale ask of one is refused, the bid placed.
    let resale = AskSpec {
        source: AskSource::Contract {
            contract: megawatt_engine::ids::ContractId(99),
            line: 0,
        },
        gpus: 1,
        window,
        price_micros: 1_000_000,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 1,
    };
    let orders = vec![PlannedOrder::Bid(bid), PlannedOrder::Ask(resale)];
    let apply = |orders: &Vec<PlannedOrder>| Command::ApplyPlan {
        plan,
        orders: orders.clone(),
    };
    let r = m.exec(other, apply(&orders)).unwrap_err();
    assert_eq!(
        (r.rule, r.field),
        (Rule::UnknownPlan, "plan"),
        "not the owner's"
    );
    let ev = m.exec(lab, apply(&orders)).unwrap();
    let Some(Event::PlanApplied { orders: done, .. }) = ev.last() else {
        panic!("no PlanApplied: {ev:?}");
    };
    let outcomes: Vec<&PlanOutcome> = done.iter().map(|(_, o)| o).collect();
    assert_eq!(done[0].0, orders[0], "each outcome beside its order");
    let bid_id = accepted(&ev);
    assert_eq!(*outcomes[0], PlanOutcome::Placed(bid_id));
    assert!(
        matches!(outcomes[1], PlanOutcome::Refused { rule, .. } if rule == "unknown_contract"),
        "{outcomes:?}"
    );
    assert_eq!(trades(&ev).len(), 1, "the bid filled at the ask: {ev:?}");
    assert!(m.e.plan_state(plan).unwrap().applied);
    // A second apply places nothing, whatever it carries.
    let r = m.exec(lab, apply(&orders)).unwrap_err();
    assert_eq!((r.rule, r.field), (Rule::PlanApplied, "plan"));
    // A plan id nobody uploaded.
    let r = m
        .exec(
            lab,
            Command::ApplyPlan {
                plan: PlanId(7),
                orders: vec![],
            },
        )
        .unwrap_err();
    assert_eq!(r.rule, Rule::UnknownPlan);
}

#[test]
fn a_batch_places_each_order_or_refuses_it_on_its_own() {
    let mut m = Market::new();
    let p = m.participant("provider", provider());
    let lab = m.participant("lab", buyer());
    let (_, pools) = m.facility(p, "us-east", &[("h100-sxm", 64)]);
    m.ask(p, pools[0], 64, w(24, 48), 2_000_000);
    let bid = BidSpec::gtc("h100-sxm", 8, w(24, 48), 2_500_000);
    // The lab owns no pool: its ask is refused, the bids beside it placed.
    let ask = AskSpec {
        source: AskSource::Pool(pools[0]),
        gpus: 1,
        window: w(24, 48),
        price_micros: 1_000_000,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 1,
    };
    let flex = megawatt_engine::command::FlexBidSpec {
        model: "h100-sxm".into(),
        region: None,
        facility: None,
        gpus: 4,
        hours: 24,
        start_from: w(24, 48).start,
        start_until: w(24, 48).start,
        limit_price_micros: 2_500_000,
        colocate: true,
        tif: TimeInForce::Fok,
        min_reliability_bps: 0,
    };
    let orders = vec![
        PlannedOrder::Bid(bid),
        PlannedOrder::Ask(ask),
        PlannedOrder::FlexibleBid(flex),
    ];
    let ev = m
        .exec(
            lab,
            Command::PlaceOrders {
                orders: orders.clone(),
            },
        )
        .unwrap();
    let Some(Event::OrdersPlaced { orders: done }) = ev.last() else {
        panic!("no OrdersPlaced: {ev:?}");
    };
    assert_eq!(done.len(), 3);
    assert!(matches!(done[0].1, PlanOutcome::Placed(_)), "{done:?}");
    assert!(
        matches!(&done[1].1, PlanOutcome::Refused { rule, field, .. } if rule == "not_owner" && field == "source.pool"),
        "{done:?}"
    );
    assert!(matches!(done[2].1, PlanOutcome::Placed(_)), "{done:?}");
    assert_eq!(
        trades(&ev).len(),
        2,
        "both bids filled from the ask: {ev:?}"
    );
    for n in [0, megawatt_engine::limits::MAX_BATCH_ORDERS + 1] {
        let batch = Command::PlaceOrders {
            orders: orders.iter().cycle().take(n).cloned().collect(),
        };
        let r = m.exec(lab, batch).unwrap_err();
        assert_eq!((r.rule, r.field), (Rule::OutOfRange, "orders"));
    }
}
