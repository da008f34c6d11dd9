//! Positions on the seed's facility lease (`shared/scenarios/colossus-lease.toml`: all
//! of Colossus 1 from 2026-06-01 through May 2029 for $1.25bn a month, 90 days' notice
//! either side, no fee): its commitment month by month to 2029, and what leaving costs
//! at several moments, mid-month and across a leap February; and a contract priced per
//! GPU-hour, a fee, a firm party and notice already given.

mod common;

use common::*;
use megawatt_engine::command::Command;
use megawatt_engine::contract::{Causes, ContractLine, ContractStatus, Pricing, Terms};
use megawatt_engine::economics::Economics;
use megawatt_engine::ids::PoolId;
use megawatt_engine::positions::{
    CommitmentLadder, ExitCost, MonthCommitment, NoExit, Party, exit_cost, notice_effective,
};
use megawatt_engine::units::{Hour, MS_PER_HOUR, Window, days_from_civil};

const FEE: i64 = 1_250_000_000_000_000;

fn at(y: i64, m: u32, d: u32) -> Hour {
    Hour(u32::try_from(days_from_civil(y, m, d) * 24).unwrap())
}

fn lease_lines() -> Vec<ContractLine> {
    let window = Window::new(at(2026, 6, 1), at(2029, 6, 1)).unwrap();
    [(1, 150_000), (2, 50_000), (3, 20_000)]
        .map(|(pool, gpus)| ContractLine {
            pool: PoolId(pool),
            gpus,
            window,
        })
        .to_vec()
}

fn lease(lines: &[ContractLine], ends: Hour) -> Economics<'_> {
    Economics {
        lines,
        pricing: Pricing::MonthlyFee { fee_micros: FEE },
        ends,
    }
}

fn terms(fee_micros: i64) -> Terms {
    Terms {
        buyer_notice_hours: Some(90 * 24),
        seller_notice_hours: Some(90 * 24),
        early_termination_fee_micros: fee_micros,
        for_cause: Causes {
            acceptable_use: true,
            non_payment: true,
            non_delivery: true,
        },
        payment_days: 30,
    }
}

/// A whole month's share of the fee, and `days` of a month of `of` days, as the engine
/// prorates (half to even at the micro-dollar).
fn part(days: i64, of: i64) -> i64 {
    let (q, r) = (FEE * days / of, FEE * days % of);
    q + i64::from(2 * r > of || (2 * r == of && q % 2 == 1))
}

#[test]
fn the_lease_commits_a_fee_a_month_to_may_2029() {
    let lines = lease_lines();
    let e = lease(&lines, at(2029, 6, 1));
    let ladder = e.ladder(at(2027, 1, 1)).unwrap();
    // January 2027 through May 2029: 29 months of one fee each.
    assert_eq!(ladder.months.len(), 29);
    assert_eq!(ladder.months.first_key_value().unwrap().0, &at(2027, 1, 1));
    assert_eq!(ladder.months.last_key_value().unwrap().0, &at(2029, 5, 1));
    assert!(ladder.months.values().all(|m| m.value_micros == FEE));
    // GPU-hours: 220,000 GPUs x the month's hours (February 2028 is a leap month).
    let feb_2028 = ladder.months[&at(2028, 2, 1)];
    assert_eq!(feb_2028.gpu_hours, 220_000 * 29 * 24);
    assert_eq!(ladder.months[&at(2027, 2, 1)].gpu_hours, 220_000 * 28 * 24);
    let total = ladder.total().unwrap();
    assert_eq!(total.value_micros, 29 * FEE);
    // From mid-month: only the hours left of it.
    let mid = e.ladder(at(2027, 1, 15)).unwrap();
    assert_eq!(mid.months[&at(2027, 1, 1)].value_micros, part(17, 31));
    assert_eq!(mid.months[&at(2027, 1, 1)].gpu_hours, 220_000 * 17 * 24);
    // Nothing after the end, and nothing from it.
    assert!(e.ladder(at(2029, 6, 1)).unwrap().months.is_empty());
    // Cut by notice to 2027-04-15: April holds 14 days.
    let cut = lease(&lines, at(2027, 4, 15));
    let cut_ladder = cut.ladder(at(2027, 1, 1)).unwrap();
    assert_eq!(cut_ladder.months.len(), 4);
    assert_eq!(
        cut_ladder.months[&at(2027, 4, 1)].value_micros,
        part(14, 30)
    );
}

#[test]
fn ladders_add_up_month_by_month() {
    let lines = lease_lines();
    let a = lease(&lines, at(2029, 6, 1))
        .ladder(at(2029, 4, 1))
        .unwrap();
    let b = lease(&lines, at(2029, 5, 1))
        .ladder(at(2029, 4, 1))
        .unwrap();
    let mut sum = CommitmentLadder::default();
    sum.add(&a).unwrap();
    sum.add(&b).unwrap();
    assert_eq!(sum.months[&at(2029, 4, 1)].value_micros, 2 * FEE);
    assert_eq!(sum.months[&at(2029, 5, 1)].value_micros, FEE);
    // An overflowing sum changes nothing.
    let mut big = CommitmentLadder::default();
    big.months.insert(
        at(2029, 4, 1),
        MonthCommitment {
            gpu_hours: 1,
            value_micros: i64::MAX - FEE + 1,
        },
    );
    big.months
        .insert(at(2029, 3, 1), MonthCommitment::default());
    let before = big.clone();
    assert_eq!(big.add(&a), None);
    assert_eq!(big, before);
}

fn exit_at(e: &Economics<'_>, t: &Terms, party: Party, at_ms: u64) -> Result<ExitCost, NoExit> {
    exit_cost(e, t, party, (at_ms, ContractStatus::Active))
}

#[test]
fn leaving_the_lease_costs_ninety_days_of_fees() {
    let lines = lease_lines();
    let e = lease(&lines, at(2029, 6, 1));
    let t = terms(0);
    // Notice on 2027-01-15 at midnight ends it on 2027-04-15: 17 days of January,
    // February, March and 14 days of April, about $3.77bn.
    let x = exit_at(&e, &t, Party::Buyer, at(2027, 1, 15).start_ms()).unwrap();
    assert_eq!(x.effective, at(2027, 4, 15));
    assert_eq!(x.notice_hours, 2_160);
    let until = part(17, 31) + 2 * FEE + part(14, 30);
    assert_eq!(x.until_effective_micros, until);
    assert_eq!(until / 1_000_000_000_000, 3_768, "about $3.77bn");
    // What leaving cuts off: the rest of April 2027 to May 2029.
    assert_eq!(x.cut_off_micros, part(16, 30) + 25 * FEE);
    assert_eq!(x.buyer_saving_micros(), Some(x.cut_off_micros));
    // The seller's notice is the same 90 days.
    assert_eq!(
        exit_at(&e, &t, Party::Seller, at(2027, 1, 15).start_ms()),
        Ok(x)
    );
    // A millisecond later, notice ends it an hour later.
    let later = exit_at(&e, &t, Party::Buyer, at(2027, 1, 15).start_ms() + 1).unwrap();
    assert_eq!(later.effective, Hour(at(2027, 4, 15).0 + 1));
    // Across a leap February: from 2028-01-01, 31 + 29 + 30 days: 2028-03-31.
    let leap = exit_at(&e, &t, Party::Buyer, at(2028, 1, 1).start_ms()).unwrap();
    assert_eq!(leap.effective, at(2028, 3, 31));
    assert_eq!(leap.until_effective_micros, 2 * FEE + part(30, 31));
    // Mid-month, mid-day: 2027-06-10T12:00 ends 2027-09-08T12:00.
    let mid_ms = at(2027, 6, 10).start_ms() + 12 * MS_PER_HOUR;
    let mid = exit_at(&e, &t, Party::Buyer, mid_ms).unwrap();
    assert_eq!(mid.effective, Hour(at(2027, 9, 8).0 + 12));
    // 20.5 days of June, July, August, 7.5 days of September: prorated by the hour.
    let hours = |h: i64, of_days: i64| {
        let (n, d) = (FEE * h, of_days * 24);
        let (q, r) = (n / d, n % d);
        q + i64::from(2 * r > d || (2 * r == d && q % 2 == 1))
    };
    assert_eq!(
        mid.until_effective_micros,
        hours(492, 30) + 2 * FEE + hours(180, 30)
    );
}

#[test]
fn a_fee_a_firm_party_a_late_notice_and_notice_given_are_told_apart() {
    let lines = lease_lines();
    let e = lease(&lines, at(2029, 6, 1));
    // A fee is paid by the party that leaves: the buyer saves what is cut off less it.
    let fee = 5_000_000_000_000_000;
    let x = exit_at(&e, &terms(fee), Party::Buyer, at(2027, 1, 15).start_ms()).unwrap();
    assert_eq!(x.fee_micros, fee);
    assert_eq!(x.buyer_saving_micros(), Some(x.cut_off_micros - fee));
    // A party without a right of notice cannot leave.
    let firm = Terms {
        seller_notice_hours: None,
        ..terms(0)
    };
    let now = at(2027, 1, 15).start_ms();
    assert_eq!(exit_at(&e, &firm, Party::Seller, now), Err(NoExit::NoRight));
    assert!(exit_at(&e, &firm, Party::Buyer, now).is_ok());
    // Notice within 90 days of the end ends nothing early.
    let late = at(2029, 4, 1).start_ms();
    assert_eq!(
        exit_at(&e, &terms(0), Party::Buyer, late),
        Err(NoExit::PastEnd {
            effective: at(2029, 6, 30)
        })
    );
    // Notice already given: the contract is ending at its new end.
    let cut = lease(&lines, at(2027, 4, 15));
    assert_eq!(
        exit_cost(
            &cut,
            &terms(0),
            Party::Buyer,
            (now, ContractStatus::NoticeGiven)
        ),
        Err(NoExit::Ending(at(2027, 4, 15)))
    );
}

#[test]
fn a_contract_priced_per_gpu_hour_is_committed_by_its_hours() {
    // 64 GPUs from 2027-01-31T20:00 for 10 hours at $2.50: 4 hours in January, 6 in
    // February.
    let start = Hour(at(2027, 1, 31).0 + 20);
    let lines = [ContractLine {
        pool: PoolId(9),
        gpus: 64,
        window: Window::new(start, Hour(start.0 + 10)).unwrap(),
    }];
    let e = Economics {
        lines: &lines,
        pricing: Pricing::PerGpuHour {
            price_micros: 2_500_000,
        },
        ends: Hour(start.0 + 10),
    };
    let ladder = e.ladder(at(2027, 1, 1)).unwrap();
    assert_eq!(ladder.months[&at(2027, 1, 1)].gpu_hours, 256);
    assert_eq!(ladder.months[&at(2027, 1, 1)].value_micros, 640_000_000);
    assert_eq!(ladder.months[&at(2027, 2, 1)].value_micros, 960_000_000);
    assert_eq!(e.gpu_hours(start, Hour(start.0 + 2)), 128);
    // The engine's notice ends at the hour `notice_effective` gives.
    assert_eq!(
        notice_effective(start.start_ms(), start, 5),
        Hour(start.0 + 5)
    );
    assert_eq!(
        notice_effective(start.start_ms(), start, 0),
        Hour(start.0 + 1)
    );
}

#[test]
fn a_ladder_spans_every_month_of_the_longest_contract_and_counts_from_its_start() {
    // 3,650 days from mid-January 2027: into January 2037, 121 calendar months.
    let start = at(2027, 1, 15);
    let lines = [ContractLine {
        pool: PoolId(1),
        gpus: 1,
        window: Window::new(start, Hour(start.0 + 87_600)).unwrap(),
    }];
    let e = lease(&lines, Hour(start.0 + 87_600));
    // From long before its start: counted from its start.
    let ladder = e.ladder(Hour(0)).unwrap();
    assert_eq!(ladder.months.len(), 121);
    assert_eq!(ladder.months.first_key_value().unwrap().0, &at(2027, 1, 1));
    assert_eq!(ladder.months.last_key_value().unwrap().0, &at(2037, 1, 1));
    assert_eq!(ladder.months[&at(2027, 1, 1)].value_micros, part(17, 31));
    // A fee of $100bn a month over ten years does not fit: the exit cost says so.
    let huge = Economics {
        pricing: Pricing::MonthlyFee {
            fee_micros: 100_000_000_000_000_000,
        },
        ..e
    };
    assert_eq!(
        exit_at(&huge, &terms(0), Party::Buyer, at(2027, 2, 1).start_ms()),
        Err(NoExit::Overflow)
    );
    assert!(huge.ladder(Hour(0)).is_some(), "each month fits");
}

#[test]
fn the_engine_ends_a_contract_where_its_exit_cost_said() {
    // A lease with 30 days' notice either side; notice given on an hour boundary ends
    // it where the exit cost, asked at the same moment, said it would.
    let mut m = Market::new();
    let lab = m.participant("lab", buyer());
    let t = Terms {
        buyer_notice_hours: Some(720),
        seller_notice_hours: Some(720),
        ..terms(0)
    };
    let pricing = Pricing::MonthlyFee {
        fee_micros: 1_000_000_000,
    };
    let window = w(100, 100 + 2_000);
    let delivery = megawatt_engine::delivery::DeliveryTerms::exchange();
    let (id, _) = lease_on(&mut m, (lab, 4, window), (pricing, t), delivery);
    m.advance_to(150);
    // Exactly on an hour boundary (where rounding up and "from the next hour" differ).
    m.time_ms = Hour(Hour::containing(m.time_ms).0 + 1).start_ms();
    let c = m.e.contracts().find(|c| c.id == id).unwrap();
    let said = exit_cost(
        &c.economics(),
        &c.terms,
        Party::Buyer,
        (m.time_ms, c.status),
    )
    .unwrap();
    m.exec(lab, Command::GiveNotice { contract: id }).unwrap();
    let c = m.e.contracts().find(|c| c.id == id).unwrap();
    assert_eq!(c.ends, said.effective);
    assert_eq!(c.notice.unwrap().effective, said.effective);
    // Asked again: it is ending, and says when.
    assert_eq!(
        exit_cost(
            &c.economics(),
            &c.terms,
            Party::Buyer,
            (m.time_ms, c.status)
        ),
        Err(NoExit::Ending(said.effective))
    );
}
