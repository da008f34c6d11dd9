//! Capacity plans (`plan::compare`, `plan::propose`): demand against what is held at
//! every hour of each period (bought lines, less what is resold or listed; a provider's
//! pools, less what it sold), and the proposal: bids at the curve or a limit, an RFQ
//! at facility scale, resale asks from the lines that hold a surplus, pool asks for a
//! provider; what it cannot price or sell is said; and `compare` is the hour-by-hour
//! count (a property test).

use megawatt_engine::ids::{ContractId, PoolId};
use megawatt_engine::plan::{Demand, Rules, Source, Supply, compare, propose};
use megawatt_engine::units::{Hour, Window};

fn w(s: u32, e: u32) -> Window {
    Window::new(Hour(s), Hour(e)).unwrap()
}

fn need(model: &str, s: u32, e: u32, gpus: u32) -> Demand {
    Demand {
        model: model.into(),
        start: Hour(s),
        end: Hour(e),
        gpus,
    }
}

const RULES: Rules = Rules {
    limit_micros: None,
    facility_scale_gpus: 4_096,
};

#[test]
fn a_buyers_plan_is_held_at_its_leanest_hour_and_closed_by_bids_and_resales() {
    // 100 GPUs bought over hours 0..720; 30 of them resold over 100..200.
    let supply = [
        Supply {
            model: "h100",
            window: w(0, 720),
            gpus: 100,
            source: Source::Bought(ContractId(1), 0),
        },
        Supply {
            model: "h100",
            window: w(100, 200),
            gpus: 30,
            source: Source::Taken,
        },
        Supply {
            model: "b200",
            window: w(0, 720),
            gpus: 8,
            source: Source::Bought(ContractId(2), 0),
        },
    ];
    let demand = [
        need("h100", 0, 720, 80),
        need("h100", 0, 100, 50),
        need("h100", 720, 1_440, 10),
    ];
    let gaps = compare(&demand, &supply);
    assert_eq!((gaps[0].held_min_gpus, gaps[0].held_max_gpus), (70, 100));
    assert_eq!((gaps[0].shortfall_gpus(), gaps[0].surplus_gpus()), (10, 0));
    assert_eq!((gaps[1].held_min_gpus, gaps[1].surplus_gpus()), (100, 50));
    assert_eq!((gaps[2].held_min_gpus, gaps[2].shortfall_gpus()), (0, 10));
    let price = |m: &str, _w: Window| (m == "h100").then_some(2_000_000);
    let p = propose(&gaps, &supply, price, RULES).unwrap();
    assert_eq!(p.bids.len(), 2);
    assert_eq!(
        (p.bids[0].gpus, p.bids[0].window, p.bids[0].price_micros),
        (10, w(0, 720), 2_000_000)
    );
    assert_eq!(p.bids[0].cost_micros, 10 * 720 * 2_000_000);
    assert_eq!(p.cost_micros, 10 * 720 * 2_000_000 + 10 * 720 * 2_000_000);
    // The surplus of hours 0..100 is resold from the line that holds it.
    assert_eq!(p.asks.len(), 1);
    assert_eq!(p.asks[0].source, Source::Bought(ContractId(1), 0));
    assert_eq!((p.asks[0].gpus, p.asks[0].window), (50, w(0, 100)));
    assert_eq!(p.value_micros, 50 * 100 * 2_000_000);
    assert!(p.rfqs.is_empty() && p.unpriced.is_empty() && p.unsold.is_empty());
}

#[test]
fn a_limit_replaces_the_curve_and_a_model_without_either_is_unpriced() {
    let gaps = compare(&[need("b200", 0, 168, 4)], &[]);
    let none = |_: &str, _: Window| None;
    let p = propose(&gaps, &[], none, RULES).unwrap();
    assert_eq!(p.unpriced, [0]);
    assert!(p.bids.is_empty());
    let limited = Rules {
        limit_micros: Some(3_000_000),
        ..RULES
    };
    let p = propose(&gaps, &[], none, limited).unwrap();
    assert_eq!((p.bids[0].gpus, p.bids[0].price_micros), (4, 3_000_000));
}

#[test]
fn a_facility_scale_shortfall_is_an_rfq_to_draft() {
    let gaps = compare(&[need("h100", 0, 744, 20_000)], &[]);
    let p = propose(&gaps, &[], |_: &str, _: Window| Some(2_000_000), RULES).unwrap();
    assert!(p.bids.is_empty());
    assert_eq!((p.rfqs[0].gpus, p.rfqs[0].window), (20_000, w(0, 744)));
    assert_eq!(p.cost_micros, 0);
}

#[test]
fn a_providers_plan_is_its_own_demand_and_what_is_left_can_be_listed() {
    // A pool of 1,000 GPUs; 600 sold over the month and 100 listed in its second half.
    let supply = [
        Supply {
            model: "h100",
            window: w(0, 10_000),
            gpus: 1_000,
            source: Source::Pool(PoolId(4)),
        },
        Supply {
            model: "h100",
            window: w(0, 720),
            gpus: 600,
            source: Source::Taken,
        },
        Supply {
            model: "h100",
            window: w(360, 720),
            gpus: 100,
            source: Source::Taken,
        },
    ];
    let gaps = compare(&[need("h100", 0, 720, 200)], &supply);
    assert_eq!((gaps[0].held_min_gpus, gaps[0].held_max_gpus), (300, 400));
    let p = propose(&gaps, &supply, |_: &str, _: Window| Some(2_000_000), RULES).unwrap();
    assert_eq!(p.asks.len(), 1);
    assert_eq!(
        (p.asks[0].source, p.asks[0].gpus),
        (Source::Pool(PoolId(4)), 100)
    );
}

#[test]
fn a_surplus_no_single_line_holds_for_the_period_is_said_unsold() {
    // Two lines, each half the month: the month is held throughout, by neither alone.
    let supply = [
        Supply {
            model: "h100",
            window: w(0, 360),
            gpus: 10,
            source: Source::Bought(ContractId(1), 0),
        },
        Supply {
            model: "h100",
            window: w(360, 720),
            gpus: 10,
            source: Source::Bought(ContractId(2), 0),
        },
    ];
    let gaps = compare(&[need("h100", 0, 720, 4)], &supply);
    assert_eq!(gaps[0].surplus_gpus(), 6);
    let p = propose(&gaps, &supply, |_: &str, _: Window| Some(1), RULES).unwrap();
    assert!(p.asks.is_empty());
    assert_eq!(p.unsold, [(0, 6)]);
}

#[test]
fn a_resting_bid_covers_a_shortfall_but_is_never_sold() {
    // 10 GPUs held, 10 more bid for; 10 needed: nothing short, nothing spare.
    let supply = [
        Supply {
            model: "h100",
            window: w(0, 720),
            gpus: 10,
            source: Source::Bought(ContractId(1), 0),
        },
        Supply {
            model: "h100",
            window: w(0, 720),
            gpus: 10,
            source: Source::Bidding,
        },
    ];
    let gaps = compare(
        &[need("h100", 0, 720, 10), need("h100", 0, 720, 15)],
        &supply,
    );
    assert_eq!((gaps[0].held_min_gpus, gaps[0].bidding_gpus()), (10, 10));
    assert_eq!((gaps[0].shortfall_gpus(), gaps[0].surplus_gpus()), (0, 0));
    assert_eq!(
        gaps[1].shortfall_gpus(),
        0,
        "15 needed: 10 held and 10 bid for"
    );
    let p = propose(&gaps, &supply, |_: &str, _: Window| Some(1), RULES).unwrap();
    assert!(p.asks.is_empty() && p.bids.is_empty(), "{p:?}");
}

proptest::proptest! {
    /// `compare` is the hour-by-hour count: for every row, the fewest and most GPUs
    /// held at any hour of its period (bought and pools add, taken subtracts), and the
    /// fewest held or bid for (resting bids added), never below 0, whatever the
    /// supply's order and overlaps; a surplus is of what is held only.
    #[test]
    fn compare_is_the_hour_by_hour_count(
        lines in proptest::collection::vec((0u32..60, 1u32..40, 0u32..50, 0u8..4), 0..24),
        rows in proptest::collection::vec((0u32..60, 1u32..30, 0u32..80, 0u8..2), 1..8),
    ) {
        let models = ["h100", "h200"];
        let sources = [
            Source::Bought(ContractId(1), 0),
            Source::Pool(PoolId(2)),
            Source::Taken,
            Source::Bidding,
        ];
        let supply: Vec<Supply<'_>> = lines
            .iter()
            .enumerate()
            .map(|(i, &(s, len, gpus, src))| Supply {
                model: models[i % 2],
                window: w(s, s + len),
                gpus,
                source: sources[usize::from(src)],
            })
            .collect();
        let demand: Vec<Demand> = rows
            .iter()
            .map(|&(s, len, gpus, m)| need(models[usize::from(m)], s, s + len, gpus))
            .collect();
        let gaps = compare(&demand, &supply);
        for (d, g) in demand.iter().zip(&gaps) {
            let level = |h: u32, bids: bool| -> i64 {
                supply
                    .iter()
                    .filter(|s| s.model == d.model && s.window.start.0 <= h && h < s.window.end.0)
                    .filter(|s| bids || s.source != Source::Bidding)
                    .map(|s| i64::from(s.gpus) * if s.source == Source::Taken { -1 } else { 1 })
                    .sum()
            };
            let clamp = |x: i64| u32::try_from(x.max(0)).unwrap();
            let held: Vec<i64> = (d.start.0..d.end.0).map(|h| level(h, false)).collect();
            let lo = clamp(*held.iter().min().unwrap());
            let hi = clamp(*held.iter().max().unwrap());
            proptest::prop_assert_eq!((g.held_min_gpus, g.held_max_gpus), (lo, hi), "{:?}", d);
            let covered = (d.start.0..d.end.0).map(|h| level(h, true)).min().unwrap();
            proptest::prop_assert_eq!(g.covered_min_gpus, clamp(covered), "{:?}", d);
            proptest::prop_assert_eq!(g.surplus_gpus(), lo.saturating_sub(d.gpus));
        }
    }
}
