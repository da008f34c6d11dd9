//! A participant's whole position (`portfolio::position`) and its exposures
//! (`exposure`) over contracts the engine made: a fill and a term lease held by one lab,
//! added by side, place and counterparty; run-rate; exit costs; marks against a curve;
//! the position as it stood before a notice was given; billed this year; credit risk
//! and concentration.

mod common;

use common::*;
use megawatt_engine::command::Command;
use megawatt_engine::contract::{Causes, ContractRecord, ContractStatus, Pricing, Terms};
use megawatt_engine::curve::PeriodKind;
use megawatt_engine::exposure::{exposures, largest};
use megawatt_engine::ids::{ContractId, InvoiceId, ParticipantId};
use megawatt_engine::invoice::{Charge, Invoice};
use megawatt_engine::marks::{MarkCurve, Unmarked};
use megawatt_engine::portfolio::{Holding, Inputs, Offer, Place, billed, offer_ladder, position};
use megawatt_engine::positions::{CommitmentLadder, NoExit, Party, exit_cost};
use megawatt_engine::units::{Hour, Window};
use std::collections::BTreeMap;

const PRICE: i64 = 2_000_000;
const CURVE: i64 = 3_000_000;
const FEE: i64 = 1_000_000_000;

struct Book {
    m: Market,
    lab: ParticipantId,
    neocloud: ParticipantId,
    owner: ParticipantId,
    fill: ContractId,
    lease: ContractId,
}

/// The lab buys 10 GPUs over hours 200..300 on the exchange from a neocloud, and leases
/// 4 GPUs over hours 100..2,100 for a monthly fee, 30 days' notice either side, from an
/// owner.
fn book() -> Book {
    let f = fill_on(Market::new(), 10, w(200, 300), PRICE);
    let (mut m, lab) = (f.m, f.buyer);
    let terms = Terms {
        buyer_notice_hours: Some(720),
        seller_notice_hours: Some(720),
        early_termination_fee_micros: 5_000_000,
        for_cause: Causes {
            acceptable_use: true,
            non_payment: true,
            non_delivery: true,
        },
        payment_days: 30,
    };
    let pricing = Pricing::MonthlyFee { fee_micros: FEE };
    let delivery = megawatt_engine::delivery::DeliveryTerms::exchange();
    let (lease, owner) = lease_on(&mut m, (lab, 4, w(100, 2_100)), (pricing, terms), delivery);
    Book {
        m,
        lab,
        neocloud: f.seller,
        owner,
        fill: f.contract,
        lease,
    }
}

fn records(m: &Market) -> Vec<ContractRecord> {
    m.e.contracts().map(ContractRecord::from).collect()
}

fn place() -> Place {
    Place {
        model: "h100-sxm".into(),
        region: "us-south".into(),
        facility: 1,
    }
}

fn holdings(all: &[ContractRecord], p: ParticipantId) -> Vec<Holding<'_>> {
    let mut v = Vec::new();
    for c in all {
        if c.buyer == p {
            v.push(Holding {
                contract: c,
                side: Party::Buyer,
            });
        }
        if c.seller == p {
            v.push(Holding {
                contract: c,
                side: Party::Seller,
            });
        }
    }
    v
}

/// Every pool the contracts' lines are in, at `place`.
fn places(all: &[ContractRecord], place: &Place) -> BTreeMap<u64, Place> {
    all.iter()
        .flat_map(|c| c.lines.iter().map(|l| (l.pool.0, place.clone())))
        .collect()
}

/// One month-long stretch from T0 at the curve's price (flat beyond).
fn curves() -> BTreeMap<String, MarkCurve> {
    let month = (PeriodKind::Month, Hour(T0), Hour(T0 + 720), CURVE);
    BTreeMap::from([(
        "h100-sxm".to_string(),
        MarkCurve::new(Hour(T0), [month]).unwrap(),
    )])
}

fn at(h: u32) -> u64 {
    Hour(T0 + h).start_ms() + 1
}

#[test]
fn a_position_adds_its_contracts_by_side_place_and_counterparty() {
    let b = book();
    let all = records(&b.m);
    let (place, curves) = (place(), curves());
    let hs = holdings(&all, b.lab);
    let pl = places(&all, &place);
    let inputs = Inputs {
        participant: Some(b.lab),
        at_ms: at(150),
        holdings: &hs,
        offers: &[],
        invoices: &[],
        curves: &curves,
        places: &pl,
    };
    let p = position(&inputs).unwrap();
    let from = Hour(T0 + 150);
    assert_eq!(p.as_of, from);
    let rec = |id| all.iter().find(|c| c.id == id).unwrap();
    let (fill, lease) = (rec(b.fill), rec(b.lease));
    let (fl, ll) = (
        fill.economics().ladder(from).unwrap(),
        lease.economics().ladder(from).unwrap(),
    );
    let mut sum = CommitmentLadder::default();
    sum.add(&fl).unwrap();
    sum.add(&ll).unwrap();
    assert_eq!(p.buyer.contracts, 2);
    assert_eq!(p.buyer.committed.total, sum);
    assert_eq!(p.buyer.committed.by_counterparty[&b.neocloud], fl);
    assert_eq!(p.buyer.committed.by_counterparty[&b.owner], ll);
    assert_eq!(p.buyer.committed.by_model["h100-sxm"], sum);
    assert_eq!(p.seller.contracts, 0);
    assert_eq!(p.seller.committed.total, CommitmentLadder::default());
    // This month: both contracts' worth over the whole month of the moment.
    let month = (from.month_start(), from.next_month_start());
    let this_month = fill.economics().value_micros(month.0, month.1).unwrap()
        + lease.economics().value_micros(month.0, month.1).unwrap();
    assert_eq!(p.buyer.this_month_micros, this_month);
    // Annualized: only the lease is in force at hour 150 (the fill starts at 200).
    assert_eq!(p.buyer.annualized_micros, 12 * FEE);
    // Exit costs: the lease has a right of notice, the fill none.
    let lease_exit = exit_cost(
        &lease.economics(),
        &lease.terms,
        Party::Buyer,
        (at(150), lease.status),
    )
    .unwrap();
    assert_eq!(p.buyer.exits.contracts, 1);
    assert_eq!(p.buyer.exits.fee_micros, 5_000_000);
    assert_eq!(p.buyer.exits.cut_off_micros, lease_exit.cut_off_micros);
    let row = |id| p.contracts.iter().find(|c| c.contract == id).unwrap();
    assert_eq!(row(b.fill).exit, Err(NoExit::NoRight));
    assert_eq!(row(b.lease).exit, Ok(lease_exit));
    // Marks: the fill's 1,000 GPU-hours at $3 against $2 gain $1,000; the lease's
    // 4 x 1,950 GPU-hours at $3 against its remaining fee.
    let fm = row(b.fill).mark.unwrap();
    assert_eq!(
        (fm.gpu_hours, fm.curve_value_micros, fm.pnl_micros),
        (1_000, 3_000_000_000, 1_000_000_000)
    );
    let lm = row(b.lease).mark.unwrap();
    let lease_left = lease.economics().value_micros(from, lease.ends).unwrap();
    assert_eq!(lm.gpu_hours, 4 * 1_950);
    assert_eq!(lm.beyond_curve_gpu_hours, 4 * (2_100 - 720));
    assert_eq!(lm.pnl_micros, 4 * 1_950 * CURVE - lease_left);
    assert_eq!(p.buyer.marks.marked, 2);
    assert_eq!(p.buyer.marks.pnl_micros, fm.pnl_micros + lm.pnl_micros);
    // The neocloud, on the other side of the fill, loses what the lab gains.
    let hs = holdings(&all, b.neocloud);
    let seller = position(&Inputs {
        participant: Some(b.neocloud),
        holdings: &hs,
        ..inputs
    })
    .unwrap();
    assert_eq!(seller.seller.contracts, 1);
    assert_eq!(seller.seller.committed.by_counterparty[&b.lab], fl);
    assert_eq!(seller.seller.marks.pnl_micros, -1_000_000_000);
    assert_eq!(seller.buyer.contracts, 0);
}

#[test]
fn a_model_without_a_curve_is_unmarked_and_said_so() {
    let b = book();
    let all = records(&b.m);
    let place = Place {
        model: "b200".into(),
        ..place()
    };
    let hs = holdings(&all, b.lab);
    let pl = places(&all, &place);
    let curves = curves();
    let p = position(&Inputs {
        participant: Some(b.lab),
        at_ms: at(150),
        holdings: &hs,
        offers: &[],
        invoices: &[],
        curves: &curves,
        places: &pl,
    })
    .unwrap();
    assert!(p.contracts.iter().all(|c| c.mark == Err(Unmarked::NoCurve)));
    assert_eq!((p.buyer.marks.marked, p.buyer.marks.unmarked), (0, 2));
}

#[test]
fn as_of_an_hour_before_a_notice_the_position_is_as_it_stood() {
    let mut b = book();
    b.m.advance_to(300);
    b.m.exec(b.lab, Command::GiveNotice { contract: b.lease })
        .unwrap();
    let all = records(&b.m);
    let (place, curves) = (place(), curves());
    let hs = holdings(&all, b.lab);
    let pl = places(&all, &place);
    let at_hour = |h| {
        let i = Inputs {
            participant: Some(b.lab),
            at_ms: at(h),
            holdings: &hs,
            offers: &[],
            invoices: &[],
            curves: &curves,
            places: &pl,
        };
        let p = position(&i).unwrap();
        *p.contracts.iter().find(|c| c.contract == b.lease).unwrap()
    };
    let before = at_hour(250);
    assert_eq!(before.standing.status, ContractStatus::Active);
    assert_eq!(before.standing.ends, Hour(T0 + 2_100));
    assert!(before.exit.is_ok());
    let after = at_hour(301);
    let effective = all.iter().find(|c| c.id == b.lease).unwrap().ends;
    assert!(effective < Hour(T0 + 2_100));
    assert_eq!(after.standing.status, ContractStatus::NoticeGiven);
    assert_eq!(after.standing.ends, effective);
    assert_eq!(after.exit, Err(NoExit::Ending(effective)));
    // Before the contracts were made, there is nothing.
    let i = Inputs {
        participant: Some(b.lab),
        at_ms: 0,
        holdings: &hs,
        offers: &[],
        invoices: &[],
        curves: &curves,
        places: &pl,
    };
    assert!(position(&i).unwrap().contracts.is_empty());
}

fn invoice(
    payer: ParticipantId,
    payee: ParticipantId,
    charge: Charge,
    amount: i64,
    issued: u64,
) -> Invoice {
    Invoice {
        id: InvoiceId(1),
        contract: ContractId(1),
        payer,
        payee,
        charge,
        period: Window::new(Hour(0), Hour(1)).unwrap(),
        amount_micros: amount,
        issued_ms: issued,
        due: Hour(0),
        overdue: false,
    }
}

#[test]
fn billed_this_year_nets_refunds_and_credits_and_stops_at_the_moment() {
    let (lab, prov) = (ParticipantId(7), ParticipantId(8));
    let jan = Hour(T0).year_start().start_ms();
    let v = [
        invoice(lab, prov, Charge::Usage, 100, jan + 5),
        invoice(lab, prov, Charge::EarlyTerminationFee, 20, jan + 6),
        invoice(prov, lab, Charge::DeliveryCredit, 7, jan + 7),
        invoice(prov, lab, Charge::Refund, 3, jan + 8),
        invoice(lab, prov, Charge::Usage, 1_000, jan - 1), // last year
        invoice(lab, prov, Charge::Usage, 1_000, jan + 100), // after the moment
    ];
    assert_eq!(billed(&v, Some(lab), (jan, jan + 99)), Some((110, 0)));
    assert_eq!(billed(&v, Some(prov), (jan, jan + 99)), Some((0, 110)));
    assert_eq!(billed(&v, None, (jan, jan + 99)), Some((110, 110)));
}

#[test]
fn a_partly_filled_order_could_add_its_open_share() {
    let lines = [megawatt_engine::contract::ContractLine {
        pool: megawatt_engine::ids::PoolId(1),
        gpus: 10,
        window: w(0, 100),
    }];
    let e = megawatt_engine::economics::Economics {
        lines: &lines,
        pricing: Pricing::PerGpuHour { price_micros: 5 },
        ends: Hour(T0 + 100),
    };
    let o = Offer {
        side: Party::Buyer,
        economics: e,
        open_gpu_hours: (400, 1_000),
    };
    let l = offer_ladder(&o, Hour(T0)).unwrap();
    let t = l.total().unwrap();
    assert_eq!((t.gpu_hours, t.value_micros), (400, 2_000));
}

#[test]
fn exposures_are_credit_risk_to_buyers_and_concentration_of_providers() {
    let b = book();
    let all = records(&b.m);
    let from = Hour(T0 + 150);
    let left = |id| {
        let c = all.iter().find(|c| c.id == id).unwrap();
        (
            c.economics().gpu_hours(from, c.ends),
            c.economics().value_micros(from, c.ends).unwrap(),
        )
    };
    // The lab holds 1,000 GPU-hours from the neocloud and 7,800 from the owner.
    let hs = holdings(&all, b.lab);
    let x = exposures(b.lab, at(150), &hs, &[]).unwrap();
    assert!(x.to_buyers.is_empty());
    assert_eq!(x.to_providers.len(), 2);
    assert_eq!(x.to_providers[0].counterparty, b.owner);
    assert_eq!(x.to_providers[0].gpu_hours, 7_800);
    assert_eq!(x.to_providers[0].share_bps, 8_863); // 7,800 / 8,800, rounded down
    assert_eq!(x.to_providers[1].share_bps, 1_136);
    // The owner is owed an unpaid invoice and the lease's remaining fees.
    let unpaid = [invoice(b.lab, b.owner, Charge::Usage, 123, at(100))];
    let hs = holdings(&all, b.owner);
    let x = exposures(b.owner, at(150), &hs, &unpaid).unwrap();
    let (_, lease_left) = left(b.lease);
    assert_eq!(x.to_buyers.len(), 1);
    assert_eq!(x.to_buyers[0].counterparty, b.lab);
    assert_eq!(x.to_buyers[0].owed_micros, 123);
    assert_eq!(x.to_buyers[0].committed_micros, lease_left);
    assert_eq!(x.to_buyers[0].total_micros, lease_left + 123);
    // The market's largest: the owner's lease first, then the neocloud's fill.
    let m = largest(at(150), &all, &unpaid, 10).unwrap();
    assert_eq!((m[0].creditor, m[0].debtor), (b.owner, b.lab));
    assert_eq!(m[0].total_micros, lease_left + 123);
    assert_eq!(
        (m[1].creditor, m[1].committed_micros),
        (b.neocloud, left(b.fill).1)
    );
    assert_eq!(largest(at(150), &all, &unpaid, 1).unwrap().len(), 1);
}

#[test]
fn a_contract_of_several_models_is_split_and_marked_model_by_model() {
    // The lease made again on two pools of different models: 3 GPUs of H100 and 1 of
    // B200, for the same monthly fee.
    let b = book();
    let mut lease = records(&b.m).into_iter().find(|c| c.id == b.lease).unwrap();
    let line = lease.lines[0];
    lease.lines = [(901, 3), (902, 1)]
        .map(|(pool, gpus)| megawatt_engine::contract::ContractLine {
            pool: megawatt_engine::ids::PoolId(pool),
            gpus,
            ..line
        })
        .into_iter()
        .collect();
    let all = [lease];
    let model = |m: &str| Place {
        model: m.into(),
        ..place()
    };
    let pl = BTreeMap::from([(901, model("h100-sxm")), (902, model("b200"))]);
    let mut curves = curves();
    let b200 = (PeriodKind::Month, Hour(T0), Hour(T0 + 720), 2 * CURVE);
    curves.insert("b200".into(), MarkCurve::new(Hour(T0), [b200]).unwrap());
    let hs = holdings(&all, b.lab);
    let i = Inputs {
        participant: Some(b.lab),
        at_ms: at(150),
        holdings: &hs,
        offers: &[],
        invoices: &[],
        curves: &curves,
        places: &pl,
    };
    let p = position(&i).unwrap();
    let total = &p.buyer.committed.total;
    let (h100, b200) = (
        &p.buyer.committed.by_model["h100-sxm"],
        &p.buyer.committed.by_model["b200"],
    );
    // GPU-hours by line; the fee's value in proportion, the parts adding up exactly.
    for (month, m) in &total.months {
        let (a, c) = (h100.months[month], b200.months[month]);
        assert_eq!(a.gpu_hours, 3 * c.gpu_hours);
        assert_eq!(a.gpu_hours + c.gpu_hours, m.gpu_hours);
        assert_eq!(
            a.value_micros + c.value_micros,
            m.value_micros,
            "month {month}"
        );
        assert!(
            (a.value_micros - 3 * c.value_micros).abs() <= 3,
            "in proportion"
        );
    }
    // Each line marked at its own model's curve.
    let mark = p.contracts[0].mark.unwrap();
    let hours = 2_100 - 150;
    assert_eq!(
        mark.curve_value_micros,
        3 * hours * CURVE + hours * 2 * CURVE
    );
    // A model without a curve is left out of the mark, with its share of the value.
    let mut fewer = curves.clone();
    fewer.remove("b200");
    let i = Inputs {
        curves: &fewer,
        ..i
    };
    let partial = position(&i).unwrap().contracts[0].mark.unwrap();
    assert_eq!(partial.unmarked_gpu_hours, hours as u64);
    assert_eq!(partial.gpu_hours, 3 * hours as u64);
    assert_eq!(partial.curve_value_micros, 3 * hours * CURVE);
    assert_eq!(
        partial.contract_value_micros,
        mark.contract_value_micros * 3 / 4
    );
}
