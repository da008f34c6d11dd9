//! Standing procurement: a procurement buys, at each tick, what its due blocks are
//! short of, with IOC bids at its limit that each name it, and no more than its owner's
//! funds cover; paused it buys nothing, cancelled or past its period it ends; bad
//! procurements are refused naming their field, changing nothing. The property test
//! drives random markets and checks that procurements never pay above their limit,
//! never hold more than their GPUs, and never take their owner past its funds.

mod common;

use common::*;
use megawatt_engine::command::{Command, ProcurementSpec};
use megawatt_engine::event::Event;
use megawatt_engine::ids::{OrderId, ParticipantId, PoolId, ProcurementId};
use megawatt_engine::procurement::ProcurementEnd;
use megawatt_engine::{OPERATOR, Rule};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn spec(
    gpus: u32,
    hours: u32,
    lookahead_hours: u32,
    block_hours: u32,
    limit: i64,
) -> ProcurementSpec {
    ProcurementSpec {
        model: "h100-sxm".into(),
        region: None,
        gpus,
        hours,
        lookahead_hours,
        block_hours,
        limit_price_micros: limit,
    }
}

fn create(m: &mut Market, owner: ParticipantId, s: ProcurementSpec) -> ProcurementId {
    let ev = m
        .exec(owner, Command::CreateProcurement(s))
        .expect("created");
    match &ev[..] {
        [Event::ProcurementCreated(p)] => p.id,
        other => panic!("unexpected {other:?}"),
    }
}

/// The bids a run of events shows placed by procurements: (procurement, order).
fn procured_bids(ev: &[Event]) -> Vec<(ProcurementId, OrderId)> {
    let mut out = Vec::new();
    for (i, e) in ev.iter().enumerate() {
        if let Event::ProcurementBid { procurement, order } = e {
            // Each names the order accepted just before it.
            assert!(
                matches!(&ev[i - 1], Event::OrderAccepted(o) if o.id == *order),
                "a procurement bid follows its order's acceptance"
            );
            out.push((*procurement, *order));
        }
    }
    out
}

/// A provider with one 64-GPU pool, asks of 8 GPUs at $2.00 starting at each of hours
/// 1 to 6 (an ask leaves the book when its window starts), and a buyer.
fn market() -> (Market, ParticipantId, PoolId) {
    let mut m = Market::new();
    let a = m.participant("a", provider());
    let lab = m.participant("lab", buyer());
    let (_, pools) = m.facility(a, "r-a", &[("h100-sxm", 64)]);
    for k in 1..=6 {
        m.ask(a, pools[0], 8, w(k, 200), 2_000_000);
    }
    (m, lab, pools[0])
}

#[test]
fn a_procurement_buys_its_due_blocks_and_then_each_new_hour() {
    let (mut m, lab, _) = market();
    // 8 GPUs for 48 hours from hour 1, 4 hours ahead, in 1-hour blocks, at most $2.50.
    let id = create(&mut m, lab, spec(8, 48, 4, 1, 2_500_000));
    let status = m.e.procurement_status(id).unwrap();
    assert_eq!((status.held_gpus, status.due_short_gpu_hours), (0, 32));
    assert_eq!(status.short_gpu_hours, 8 * 48);
    let ev = m.advance_to(0);
    // Hours 1 to 4 are due: four bids, each for 8 GPUs of one hour, each filled.
    let bids = procured_bids(&ev);
    assert_eq!(bids.len(), 4);
    assert!(bids.iter().all(|(p, _)| *p == id));
    let fills = trades(&ev);
    assert_eq!(fills.len(), 4);
    assert!(fills.iter().all(|f| f.2 == 8 && f.3 == 2_000_000));
    let status = m.e.procurement_status(id).unwrap();
    assert_eq!((status.held_gpus, status.due_short_gpu_hours), (8, 0));
    // The next tick adds one hour to the lookahead: one more bid.
    let ev = m.advance_to(1);
    assert_eq!(procured_bids(&ev).len(), 1);
    assert_eq!(trades(&ev).len(), 1);
    // Ticks within the same hour buy nothing more.
    assert!(procured_bids(&m.advance_to(1)).is_empty());
}

#[test]
fn a_procurement_pays_no_more_than_its_limit() {
    let (mut m, lab, _) = market();
    let id = create(&mut m, lab, spec(8, 24, 2, 1, 1_500_000));
    // The only ask is at $2.00: nothing is bid for (no empty orders), still short.
    let ev = m.advance_to(0);
    assert!(procured_bids(&ev).is_empty() && trades(&ev).is_empty());
    assert_eq!(m.e.procurement_status(id).unwrap().due_short_gpu_hours, 16);
    // A cheaper ask of 5 GPUs arrives: the next tick buys those 5 of each due hour.
    let b = m.participant("b", provider());
    let (_, pools) = m.facility(b, "r-b", &[("h100-sxm", 8)]);
    m.ask(b, pools[0], 5, w(2, 100), 1_400_000);
    let ev = m.advance_to(1);
    let fills = trades(&ev);
    assert_eq!(procured_bids(&ev).len(), 2, "hours 2 and 3");
    assert!(fills.iter().all(|f| f.2 == 5 && f.3 == 1_400_000));
}

#[test]
fn a_procurement_buys_no_more_than_its_owner_can_pay() {
    let (mut m, _, _) = market();
    let poor = m.participant_unfunded("poor", buyer());
    let deposit = Command::Deposit {
        participant: poor,
        amount_micros: 100_000_000,
        reference: "test".into(),
    };
    m.exec(OPERATOR, deposit).unwrap();
    // The worst case of 2 GPUs for 10 hours at $2.50 is $50: $100 covers it.
    let id = create(&mut m, poor, spec(2, 10, 10, 10, 2_500_000));
    // $70 goes elsewhere: $30 is left, a 10-hour block of one GPU at its $2.50 limit
    // ($25, what the bid reserves) but not of two.
    let withdraw = Command::Withdraw {
        participant: poor,
        amount_micros: 70_000_000,
        reference: "test".into(),
    };
    m.exec(OPERATOR, withdraw).unwrap();
    let ev = m.advance_to(0);
    assert_eq!(procured_bids(&ev).len(), 1);
    assert_eq!(trades(&ev).iter().map(|f| f.2).collect::<Vec<_>>(), [1]);
    // $30 - $20 paid: $10, not another block.
    assert_eq!(m.e.funds(poor).available_micros(), 10_000_000);
    assert_eq!(m.e.procurement_status(id).unwrap().short_gpu_hours, 10);
    assert!(procured_bids(&m.advance_to(0)).is_empty());
}

#[test]
fn paused_it_buys_nothing_resumed_it_buys_cancelled_it_ends() {
    let (mut m, lab, _) = market();
    let id = create(&mut m, lab, spec(4, 24, 2, 1, 2_500_000));
    let pause = Command::PauseProcurement { procurement: id };
    assert_eq!(
        m.exec(lab, pause.clone()).unwrap(),
        vec![Event::ProcurementPaused { procurement: id }]
    );
    let again = m.exec(lab, pause).unwrap_err();
    assert_eq!(
        (again.rule, again.field),
        (Rule::ProcurementState, "procurement")
    );
    assert!(procured_bids(&m.advance_to(0)).is_empty());
    m.exec(lab, Command::ResumeProcurement { procurement: id })
        .unwrap();
    assert_eq!(procured_bids(&m.advance_to(1)).len(), 2);
    // Someone else's procurement does not exist for them.
    let other = m.participant("other", buyer());
    let err = m
        .exec(other, Command::CancelProcurement { procurement: id })
        .unwrap_err();
    assert_eq!(
        (err.rule, err.field),
        (Rule::UnknownProcurement, "procurement")
    );
    let ev = m
        .exec(lab, Command::CancelProcurement { procurement: id })
        .unwrap();
    let ended = Event::ProcurementEnded {
        procurement: id,
        reason: ProcurementEnd::Cancelled,
    };
    assert_eq!(ev, vec![ended]);
    assert!(m.e.procurement(id).is_none());
    assert!(procured_bids(&m.advance_to(2)).is_empty());
    // What it bought stays bought.
    assert_eq!(m.e.contracts().filter(|c| c.buyer == lab).count(), 2);
}

#[test]
fn past_its_period_it_completes() {
    let (mut m, lab, _) = market();
    let id = create(&mut m, lab, spec(2, 3, 3, 3, 2_500_000));
    assert_eq!(procured_bids(&m.advance_to(0)).len(), 1);
    let ev = m.advance_to(3);
    assert!(ev.contains(&Event::ProcurementEnded {
        procurement: id,
        reason: ProcurementEnd::Completed,
    }));
    assert!(m.e.procurement(id).is_none());
}

#[test]
fn bad_procurements_are_refused_naming_their_field() {
    let (mut m, lab, _) = market();
    let cases: Vec<(ProcurementSpec, Rule, &str)> = vec![
        (spec(0, 24, 4, 1, 1), Rule::ZeroGpus, "gpus"),
        (spec(1, 0, 4, 1, 1), Rule::OutOfRange, "hours"),
        (spec(1, 9_000, 4, 1, 1), Rule::OutOfRange, "hours"),
        (spec(1, 24, 4, 0, 1), Rule::OutOfRange, "block_hours"),
        (spec(1, 24, 4, 25, 1), Rule::OutOfRange, "block_hours"),
        (spec(1, 24, 2, 4, 1), Rule::OutOfRange, "lookahead_hours"),
        (spec(1, 24, 800, 1, 1), Rule::OutOfRange, "lookahead_hours"),
        (
            spec(1, 24, 4, 1, 0),
            Rule::PriceNotPositive,
            "limit_price_micros",
        ),
        // $1bn of funds; 1,000 GPUs for 8,000 hours at $200 is $1.6bn.
        (
            spec(1_000, 8_000, 4, 1, 200_000_000),
            Rule::InsufficientFunds,
            "limit_price_micros",
        ),
        (
            ProcurementSpec {
                model: "tpu-9".into(),
                ..spec(1, 24, 4, 1, 1)
            },
            Rule::UnknownModel,
            "model",
        ),
        (
            ProcurementSpec {
                region: Some("mars".into()),
                ..spec(1, 24, 4, 1, 1)
            },
            Rule::UnknownRegion,
            "region",
        ),
    ];
    for (s, rule, field) in cases {
        let err = m
            .exec(lab, Command::CreateProcurement(s.clone()))
            .unwrap_err();
        assert_eq!((err.rule, err.field), (rule, field), "{s:?}: {err}");
    }
    let provider_only = m.participant("p", provider());
    let err = m
        .exec(
            provider_only,
            Command::CreateProcurement(spec(1, 24, 4, 1, 1)),
        )
        .unwrap_err();
    assert_eq!(err.rule, Rule::NotPermitted);
    // The worst cases of live procurements add up: $1bn covers two of $400m, not three.
    let big = spec(1_000, 2_000, 4, 1, 200_000_000);
    create(&mut m, lab, big.clone());
    create(&mut m, lab, big.clone());
    let err = m.exec(lab, Command::CreateProcurement(big)).unwrap_err();
    assert_eq!(
        (err.rule, err.field),
        (Rule::InsufficientFunds, "limit_price_micros")
    );
    // At most 16 live procurements a participant.
    for _ in 0..14 {
        create(&mut m, lab, spec(1, 24, 4, 1, 1));
    }
    let err = m
        .exec(lab, Command::CreateProcurement(spec(1, 24, 4, 1, 1)))
        .unwrap_err();
    assert_eq!((err.rule, err.field), (Rule::LimitReached, "actor"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random asks and procurements over a few days of ticks: every procurement's bid
    /// is an IOC bid at its limit, each fill at or below it; what a procurement holds
    /// never passes its GPUs at any hour; no owner's funds go below zero.
    #[test]
    fn procurements_never_exceed_their_price_holding_or_funds(
        asks in prop::collection::vec((1u32..48, 1u32..60, 1u32..40, 1_000_000i64..3_000_000), 1..12),
        procs in prop::collection::vec((1u32..24, 1u32..72, 1u32..24, 1u32..6, 1_000_000i64..3_000_000), 1..4),
        deposit in 1_000_000i64..2_000_000_000,
        late in prop::collection::vec((1u32..60, 1u32..40, 1u32..40, 1_000_000i64..3_000_000), 0..6),
    ) {
        let mut m = Market::new();
        let a = m.participant("a", provider());
        let (_, pools) = m.facility(a, "r-a", &[("h100-sxm", 256)]);
        for (start, len, gpus, price) in asks {
            // Asks beyond the pool's capacity are refused; the others rest.
            let _ = m.exec(a, Market::ask_cmd(pools[0], gpus, w(start, start + len), price));
        }
        let lab = m.participant_unfunded("lab", buyer());
        let dep = Command::Deposit { participant: lab, amount_micros: deposit, reference: "t".into() };
        m.exec(OPERATOR, dep).unwrap();
        let mut limits = BTreeMap::new();
        for (gpus, hours, look, block, limit) in procs {
            let s = spec(gpus, hours, look.max(block), block.min(hours), limit);
            if let Ok(ev) = m.exec(lab, Command::CreateProcurement(s))
                && let [Event::ProcurementCreated(p)] = &ev[..]
            {
                limits.insert(p.id, (limit, gpus));
            }
        }
        let mut late = late.into_iter();
        let mut orders = BTreeMap::new();
        // GPUs held by (procurement, hour), from the contracts its bids made, counted
        // here from the events alone.
        let mut held: BTreeMap<(ProcurementId, u32), u32> = BTreeMap::new();
        for h in 0..96 {
            if h % 8 == 4
                && let Some((start, len, gpus, price)) = late.next()
            {
                let window = w(h + start, h + start + len);
                let _ = m.exec(a, Market::ask_cmd(pools[0], gpus, window, price));
            }
            let ev = m.advance_to(h);
            let mut current = None;
            for (i, e) in ev.iter().enumerate() {
                match e {
                    Event::ProcurementBid { procurement, order } => {
                        orders.insert(*order, *procurement);
                        current = Some(*procurement);
                        let Event::OrderAccepted(o) = &ev[i - 1] else {
                            panic!("a procurement bid follows its order's acceptance");
                        };
                        prop_assert_eq!(o.id, *order);
                        prop_assert_eq!(o.price_micros, limits[procurement].0);
                    }
                    Event::OrderAccepted(_) => current = None,
                    Event::Trade(t) => {
                        let p = orders.get(&t.bid);
                        prop_assert!(p.is_some_and(|p| t.price_micros <= limits[p].0));
                    }
                    Event::ContractCreated(c) => {
                        let p = current.expect("only procurements buy here");
                        for l in &c.lines {
                            for hour in l.window.start.0..l.window.end.0 {
                                let n = held.entry((p, hour)).or_default();
                                *n += l.gpus;
                                prop_assert!(*n <= limits[&p].1, "{:?} holds {} at {}", p, n, hour);
                            }
                        }
                    }
                    _ => {}
                }
            }
            prop_assert!(m.e.funds(lab).available_micros() >= 0);
        }
    }
}
