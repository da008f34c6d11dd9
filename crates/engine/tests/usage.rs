//! Usage reports (`docs/market-rules.md`, "Delivery and usage reports"), one test per
//! rule: who may report what, every refusal naming its record and field with nothing
//! changed (the harness checks that), corrections until the month closes, and the
//! delivery kept compactly for the open month.

mod common;

use common::*;
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ContractId, ParticipantId};
use megawatt_engine::units::Hour;
use megawatt_engine::usage::UsageRecord;
use megawatt_engine::{OPERATOR, Rule};

/// 8 H100 for hours 2..50, filled at hour 0.
fn fill() -> Fill {
    fill_on(Market::new(), 8, w(2, 50), 2_000_000)
}

fn rec(contract: ContractId, hour: u32, gpus: u32) -> UsageRecord {
    UsageRecord {
        contract,
        line: 0,
        hour: Hour(T0 + hour),
        gpus,
        energy_wh: None,
    }
}

fn report(records: Vec<UsageRecord>) -> Command {
    Command::ReportUsage { records }
}

/// The rule, field (as the request spells it) and index of a refusal.
fn refused(r: Result<Vec<Event>, megawatt_engine::Rejection>) -> (Rule, String) {
    let e = r.expect_err("refused");
    assert!(!e.detail.is_empty());
    (e.rule, e.field_path())
}

#[test]
fn the_seller_reports_delivered_and_the_buyer_used() {
    let mut f = fill();
    f.m.advance_to(6);
    let c = f.contract;
    let ev =
        f.m.exec(f.seller, report(vec![rec(c, 2, 8), rec(c, 3, 5)]))
            .unwrap();
    assert_eq!(
        ev,
        [Event::UsageReported {
            reporter: f.seller,
            delivered: vec![rec(c, 2, 8), rec(c, 3, 5)],
            used: vec![],
        }]
    );
    let ev = f.m.exec(f.buyer, report(vec![rec(c, 2, 4)])).unwrap();
    assert!(matches!(&ev[0], Event::UsageReported { used, .. } if used.len() == 1));
    let month = f.m.e.delivery_of(c, 0, Hour(T0 + 2)).unwrap();
    let offset = |h: u32| (T0 + h - Hour(T0).month_start().0) as u16;
    assert_eq!(month.delivered(offset(2), 8), Some(8));
    assert_eq!(month.delivered(offset(3), 8), Some(5));
    assert_eq!(month.delivered(offset(4), 8), None, "not reported");
    // A correction replaces the hour's report.
    f.m.exec(f.seller, report(vec![rec(c, 3, 8)])).unwrap();
    let month = f.m.e.delivery_of(c, 0, Hour(T0 + 2)).unwrap();
    assert_eq!(month.delivered(offset(3), 8), Some(8));
    assert!(
        month.short_hours().is_empty(),
        "fully delivered hours cost no entry"
    );
}

#[test]
fn bad_records_refuse_the_batch_naming_the_record_and_field() {
    let mut f = fill();
    let stranger = f.m.participant("stranger", buyer());
    f.m.advance_to(6);
    let c = f.contract;
    let ok = rec(c, 2, 8);
    let cases: Vec<(ParticipantId, UsageRecord, Rule, &str)> = vec![
        (stranger, ok, Rule::UnknownContract, "records[1].contract"),
        (OPERATOR, ok, Rule::UnknownContract, "records[1].contract"),
        (
            f.seller,
            UsageRecord {
                contract: ContractId(999),
                ..ok
            },
            Rule::UnknownContract,
            "records[1].contract",
        ),
        (
            f.seller,
            UsageRecord { line: 1, ..ok },
            Rule::OutOfRange,
            "records[1].line",
        ),
        (
            f.seller,
            rec(c, 6, 8),
            Rule::UsageHourNotEnded,
            "records[1].hour",
        ),
        (
            f.seller,
            rec(c, 9, 8),
            Rule::UsageHourNotEnded,
            "records[1].hour",
        ),
        (
            f.seller,
            rec(c, 1, 8),
            Rule::LineNotInForce,
            "records[1].hour",
        ),
        (
            f.seller,
            rec(c, 4, 9),
            Rule::UsageAboveContracted,
            "records[1].gpus",
        ),
        (
            f.seller,
            UsageRecord {
                energy_wh: Some(8 * 100_000 + 1),
                ..ok
            },
            Rule::OutOfRange,
            "records[1].energy_wh",
        ),
        (
            f.seller,
            rec(c, 3, 8),
            Rule::DuplicateRecord,
            "records[1].hour",
        ),
    ];
    for (who, bad, rule, field) in cases {
        // The first record is good (for the seller); the batch is refused whole.
        let first = if who == f.seller { rec(c, 3, 8) } else { bad };
        let got = refused(f.m.exec(who, report(vec![first, bad])));
        let want_field = if who == f.seller {
            field.to_string()
        } else {
            field.replace("[1]", "[0]")
        };
        assert_eq!(got, (rule, want_field), "{bad:?} by {who}");
    }
    assert_eq!(
        refused(f.m.exec(f.seller, report(vec![]))),
        (Rule::QuantityTooLarge, "records".to_string())
    );
    let many = (0..10_001).map(|_| ok).collect();
    assert_eq!(
        refused(f.m.exec(f.seller, report(many))),
        (Rule::QuantityTooLarge, "records".to_string())
    );
    assert!(
        f.m.e.delivery_of(c, 0, Hour(T0 + 2)).is_none(),
        "nothing changed"
    );
}

#[test]
fn reports_are_refused_after_the_line_ends_and_after_the_month_closes() {
    let mut f = fill();
    let c = f.contract;
    f.m.advance_to(10);
    f.m.exec(
        f.buyer,
        Command::TerminateForCause {
            contract: c,
            cause: megawatt_engine::contract::Cause::NonDelivery,
            reason: "down".into(),
        },
    )
    .unwrap();
    f.m.advance_to(20);
    // In force to hour 11: hour 10 can be reported (late), hour 11 not.
    f.m.exec(f.seller, report(vec![rec(c, 10, 0)])).unwrap();
    assert_eq!(
        refused(f.m.exec(f.seller, report(vec![rec(c, 11, 0)]))),
        (Rule::LineNotInForce, "records[0].hour".to_string())
    );
    // Corrections are accepted until the month closes, then refused.
    let next_month = Hour(T0).next_month_start().0 - T0;
    f.m.advance_to(next_month - 1);
    f.m.exec(f.seller, report(vec![rec(c, 10, 8)])).unwrap();
    f.m.advance_to(next_month);
    assert_eq!(
        refused(f.m.exec(f.seller, report(vec![rec(c, 10, 0)]))),
        (Rule::MonthClosed, "records[0].hour".to_string())
    );
    assert!(
        f.m.e.delivery_of(c, 0, Hour(T0 + 10)).is_none(),
        "a closed month's reports are dropped"
    );
}
