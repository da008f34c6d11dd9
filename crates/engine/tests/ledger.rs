//! The ledger's rules: deposits, withdrawals and credit limits by the operator only,
//! amounts checked, no withdrawal beyond the balance, and the sum of all balances zero
//! after every command (checked by the harness's invariants).

mod common;

use common::*;
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_engine::ids::ParticipantId;
use megawatt_engine::limits::MAX_MONEY_MICROS;
use megawatt_engine::money::{Account, TransferKind};
use megawatt_engine::{OPERATOR, Rule};

fn deposit(p: ParticipantId, amount: i64) -> Command {
    Command::Deposit {
        participant: p,
        amount_micros: amount,
        reference: "wire 1".into(),
    }
}

fn withdraw(p: ParticipantId, amount: i64) -> Command {
    Command::Withdraw {
        participant: p,
        amount_micros: amount,
        reference: "wire 2".into(),
    }
}

fn rule(r: Result<Vec<Event>, megawatt_engine::Rejection>) -> (Rule, &'static str) {
    let rej = r.expect_err("should be rejected");
    (rej.rule, rej.field)
}

#[test]
fn deposits_and_withdrawals_move_money_in_and_out_and_balances_sum_to_zero() {
    let mut m = Market::new();
    let lab = m.participant_unfunded("lab", buyer());
    let ev = m.exec(OPERATOR, deposit(lab, 5_000_000)).unwrap();
    let Event::Transfer(t) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (
            t.debit,
            t.credit,
            t.amount_micros,
            t.kind,
            t.reference.as_str()
        ),
        (
            Account::External,
            Account::Participant(lab),
            5_000_000,
            TransferKind::Deposit,
            "wire 1"
        )
    );
    m.exec(OPERATOR, withdraw(lab, 2_000_000)).unwrap();
    assert_eq!(m.e.balance(Account::Participant(lab)), 3_000_000);
    assert_eq!(m.e.balance(Account::External), -3_000_000);
    assert_eq!(m.e.balances().map(|(_, b)| b).sum::<i64>(), 0);
}

#[test]
fn money_rules_refuse_with_the_rule_and_field() {
    let mut m = Market::new();
    let lab = m.participant_unfunded("lab", buyer());
    assert_eq!(
        rule(m.exec(lab, deposit(lab, 1))),
        (Rule::NotPermitted, "actor")
    );
    assert_eq!(
        rule(m.exec(OPERATOR, deposit(ParticipantId(99), 1))),
        (Rule::UnknownParticipant, "participant")
    );
    assert_eq!(
        rule(m.exec(OPERATOR, deposit(lab, 0))),
        (Rule::AmountNotPositive, "amount_micros")
    );
    assert_eq!(
        rule(m.exec(OPERATOR, deposit(lab, -5))),
        (Rule::AmountNotPositive, "amount_micros")
    );
    assert_eq!(
        rule(m.exec(OPERATOR, deposit(lab, MAX_MONEY_MICROS + 1))),
        (Rule::Overflow, "amount_micros")
    );
    let blank = Command::Deposit {
        participant: lab,
        amount_micros: 1,
        reference: " ".into(),
    };
    assert_eq!(
        rule(m.exec(OPERATOR, blank)),
        (Rule::InvalidName, "reference")
    );
    m.exec(OPERATOR, deposit(lab, 100)).unwrap();
    // Credit never counts toward a withdrawal.
    let limit = Command::SetCreditLimit {
        participant: lab,
        limit_micros: 1_000,
    };
    m.exec(OPERATOR, limit).unwrap();
    assert_eq!(
        rule(m.exec(OPERATOR, withdraw(lab, 101))),
        (Rule::InsufficientFunds, "amount_micros")
    );
    m.exec(OPERATOR, withdraw(lab, 100)).unwrap();
    assert_eq!(m.e.credit_limit(lab), 1_000);
    let bad = Command::SetCreditLimit {
        participant: lab,
        limit_micros: -1,
    };
    assert_eq!(
        rule(m.exec(OPERATOR, bad)),
        (Rule::OutOfRange, "limit_micros")
    );
    let not_op = Command::SetCreditLimit {
        participant: lab,
        limit_micros: 5,
    };
    assert_eq!(rule(m.exec(lab, not_op)), (Rule::NotPermitted, "actor"));
}

#[test]
fn balances_stay_in_range() {
    let mut m = Market::new();
    let lab = m.participant_unfunded("lab", buyer());
    // Ten deposits of the largest amount reach the largest balance; the next overflows.
    for _ in 0..10 {
        m.exec(OPERATOR, deposit(lab, MAX_MONEY_MICROS)).unwrap();
    }
    assert_eq!(
        rule(m.exec(OPERATOR, deposit(lab, 1))),
        (Rule::Overflow, "amount_micros")
    );
}

fn bid(gpus: u32, limit: i64) -> Command {
    Command::PlaceBid(Market::bid_spec(gpus, w(10, 20), limit))
}

#[test]
fn a_trade_settles_at_once_with_maker_and_taker_fees_at_the_orders_rates() {
    let mut m = Market::new();
    let prov = m.participant("neocloud", provider());
    let (_, pools) = m.facility(prov, "us-east", &[("h100-sxm", 100)]);
    let lab = m.participant_unfunded("lab", buyer());
    m.exec(OPERATOR, deposit(lab, 1_000_000_000)).unwrap();
    let fees = megawatt_engine::money::FeeRates {
        maker_bps: 10,
        taker_bps: 25,
    };
    m.exec(OPERATOR, Command::SetFees(fees)).unwrap();
    // The ask rests (maker at 10 bps); the bid takes it (taker at 25 bps).
    m.ask(prov, pools[0], 10, w(10, 20), 2_000_000);
    let ev = m.exec(lab, bid(10, 2_500_000)).unwrap();
    let transfers: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Transfer(t) => Some((t.debit, t.credit, t.amount_micros, t.kind)),
            _ => None,
        })
        .collect();
    let notional = 10 * 10 * 2_000_000; // $200 at the resting price
    assert_eq!(
        transfers,
        vec![
            (
                Account::Participant(lab),
                Account::Participant(prov),
                notional,
                TransferKind::Trade
            ),
            (
                Account::Participant(prov),
                Account::Fees,
                notional / 1_000,
                TransferKind::Fee
            ),
            (
                Account::Participant(lab),
                Account::Fees,
                notional / 400,
                TransferKind::Fee
            ),
        ]
    );
    assert_eq!(
        m.e.balance(Account::Participant(lab)),
        1_000_000_000 - notional - notional / 400
    );
    assert_eq!(
        m.e.balance(Account::Fees),
        notional / 1_000 + notional / 400
    );
}

#[test]
fn a_bid_needs_the_money_and_a_resting_bid_keeps_it_reserved() {
    let mut m = Market::new();
    let lab = m.participant_unfunded("lab", buyer());
    // 10 GPUs x 10 hours x $2 = $200.
    let r = m.exec(lab, bid(10, 2_000_000)).unwrap_err();
    assert_eq!(
        (r.rule, r.field),
        (Rule::InsufficientFunds, "limit_price_micros")
    );
    assert!(
        r.detail.contains("needs 200000000") && r.detail.contains("0 available"),
        "{}",
        r.detail
    );
    m.exec(
        OPERATOR,
        Command::SetCreditLimit {
            participant: lab,
            limit_micros: 50_000_000,
        },
    )
    .unwrap();
    m.exec(OPERATOR, deposit(lab, 150_000_000)).unwrap();
    let order = accepted(&m.exec(lab, bid(10, 2_000_000)).unwrap());
    assert_eq!(m.e.available(lab), 0, "the resting bid reserves all of it");
    assert_eq!(
        rule(m.exec(lab, bid(1, 1))),
        (Rule::InsufficientFunds, "limit_price_micros")
    );
    // Credit never pays a withdrawal, and reserved money cannot leave.
    assert_eq!(
        rule(m.exec(OPERATOR, withdraw(lab, 1))),
        (Rule::InsufficientFunds, "amount_micros")
    );
    let lower = Command::SetCreditLimit {
        participant: lab,
        limit_micros: 49_999_999,
    };
    assert_eq!(
        rule(m.exec(OPERATOR, lower)),
        (Rule::InsufficientFunds, "limit_micros")
    );
    m.exec(lab, Command::Cancel { order }).unwrap();
    assert_eq!(m.e.available(lab), 200_000_000);
    m.exec(OPERATOR, withdraw(lab, 150_000_000)).unwrap();
}

/// A lease's value over months, exactly: whole months bill the fee, partial months the
/// fee x hours in force / hours in the month, half to even; notice moves the end.
#[test]
fn monthly_fees_prorate_by_hours_in_force_to_the_micro_dollar() {
    use megawatt_engine::contract::{Contract, ContractLine, Origin, Pricing, Terms};
    use megawatt_engine::ids::{ContractId, PoolId, QuoteId};
    use megawatt_engine::units::{Hour, Window, days_from_civil};
    let h = |y, m, d| Hour(u32::try_from(days_from_civil(y, m, d) * 24).unwrap());
    let fee = 1_250_000_000_000_000; // $1.25bn a month
    let lease = |start: Hour, end: Hour| {
        Contract::new(
            ContractId(1),
            (ParticipantId(2), ParticipantId(3)),
            smallvec::smallvec![ContractLine {
                pool: PoolId(1),
                gpus: 1,
                window: Window { start, end }
            }],
            (Pricing::MonthlyFee { fee_micros: fee }, Terms::exchange()),
            Origin::Quote(QuoteId(1)),
            0,
        )
    };
    // February 2028 (29 days, a leap year) in full; February 2027 (28 days) in full.
    let c = lease(h(2026, 12, 1), h(2029, 6, 1));
    assert_eq!(c.value_micros(h(2028, 2, 1), h(2028, 3, 1)), Some(fee));
    assert_eq!(c.value_micros(h(2027, 2, 1), h(2027, 3, 1)), Some(fee));
    // The whole lease: 30 months.
    assert_eq!(c.value_micros(h(2026, 1, 1), h(2030, 1, 1)), Some(30 * fee));
    // Starting mid-month: from 16 December 2026 (16 of 31 days), then all of January.
    let c = lease(h(2026, 12, 16), h(2027, 2, 1));
    let dec = fee * 16 / 31; // 645,161,290,322,580.645… -> half to even
    assert_eq!(c.value_micros(h(2026, 12, 1), h(2027, 1, 1)), Some(dec + 1));
    assert_eq!(
        c.value_micros(h(2026, 12, 1), h(2027, 2, 1)),
        Some(dec + 1 + fee)
    );
    // Ending mid-month, by notice effective on 10 April 2027 at 13:00 (9 days + 13 hours
    // of a 30-day month: 229 of 720 hours).
    let mut c = lease(h(2027, 1, 1), h(2028, 1, 1));
    c.ends = Hour(h(2027, 4, 10).0 + 13);
    let april = (i128::from(fee) * 229 + 360) / 720; // exact here: no half to break
    assert_eq!(
        c.value_micros(h(2027, 4, 1), h(2027, 5, 1)),
        Some(april as i64)
    );
    assert_eq!(
        c.value_micros(h(2027, 5, 1), h(2027, 6, 1)),
        Some(0),
        "nothing after the end"
    );
    // Per GPU-hour pricing: GPUs x hours held x price.
    let mut c = lease(h(2027, 1, 1), h(2027, 1, 3));
    c.pricing = Pricing::PerGpuHour {
        price_micros: 2_000_000,
    };
    c.lines[0].gpus = 8;
    assert_eq!(
        c.value_micros(h(2027, 1, 1), h(2027, 2, 1)),
        Some(8 * 48 * 2_000_000)
    );
}

/// Makes a term contract: an RFQ for 10 H100 over `window` and an accepted quote at a
/// monthly fee, with 24 hours' notice for the buyer and an early-termination fee.
fn lease(
    m: &mut Market,
    lab: ParticipantId,
    window: megawatt_engine::units::Window,
    fee: i64,
) -> megawatt_engine::ids::ContractId {
    lease_paying_in(m, lab, window, fee, 30)
}

/// [`lease`] with payment terms of `payment_days`.
fn lease_paying_in(
    m: &mut Market,
    lab: ParticipantId,
    window: megawatt_engine::units::Window,
    fee: i64,
    payment_days: u16,
) -> megawatt_engine::ids::ContractId {
    let terms = megawatt_engine::contract::Terms {
        buyer_notice_hours: Some(24),
        early_termination_fee_micros: 5_000,
        payment_days,
        ..megawatt_engine::contract::Terms::exchange()
    };
    lease_on(m, lab, window, fee, terms).1
}

/// A term contract on `terms` at a monthly fee; returns the provider and the contract.
fn lease_on(
    m: &mut Market,
    lab: ParticipantId,
    window: megawatt_engine::units::Window,
    fee: i64,
    terms: megawatt_engine::contract::Terms,
) -> (ParticipantId, megawatt_engine::ids::ContractId) {
    use megawatt_engine::command::{QuoteLineSpec, QuoteSpec, RfqSpec, RfqWants, WantedTerms};
    use megawatt_engine::contract::Pricing;
    let prov = m.participant("owner", provider());
    let (_, pools) = m.facility(prov, "us-south", &[("h100-sxm", 100)]);
    let deadline = megawatt_engine::units::Hour(window.start.0 - 1);
    let rfq = RfqSpec {
        wants: RfqWants::Gpus(vec![("h100-sxm".into(), 10)]),
        window,
        region: None,
        facility: None,
        terms: WantedTerms::default(),
        deadline,
        invited: Vec::new(),
    };
    let ev = m.exec(lab, Command::CreateRfq(rfq)).unwrap();
    let Event::RfqCreated(r) = &ev[0] else {
        panic!()
    };
    let quote = QuoteSpec {
        rfq: r.id,
        lines: vec![QuoteLineSpec {
            pool: pools[0],
            gpus: 10,
        }],
        pricing: Pricing::MonthlyFee { fee_micros: fee },
        terms,
        expires: deadline,
        delivery: megawatt_engine::delivery::DeliveryTerms::none(),
    };
    let ev = m.exec(prov, Command::SubmitQuote(quote)).unwrap();
    let Event::QuoteSubmitted(q) = &ev[0] else {
        panic!()
    };
    let ev = m.exec(lab, Command::AcceptQuote { quote: q.id }).unwrap();
    let contract = ev
        .iter()
        .find_map(|e| match e {
            Event::ContractCreated(c) => Some(c.id),
            _ => None,
        })
        .unwrap();
    (prov, contract)
}

#[test]
fn term_contracts_are_invoiced_at_month_close_and_paid_when_money_allows() {
    use megawatt_engine::units::{Hour, Window, days_from_civil};
    let h = |y, mo, d| Hour(u32::try_from(days_from_civil(y, mo, d) * 24).unwrap());
    let mut m = Market::new(); // 2027-01-15
    let lab = m.participant_unfunded("lab", buyer());
    // From 1 February to 16 March 2027 at $2,800 a month.
    let fee = 2_800_000_000;
    m.exec(OPERATOR, deposit(lab, fee)).unwrap(); // the first month must be available
    let c = lease(
        &mut m,
        lab,
        Window {
            start: h(2027, 2, 1),
            end: h(2027, 3, 16),
        },
        fee,
    );
    m.exec(OPERATOR, withdraw(lab, fee)).unwrap();
    // The February close bills the whole month: exactly the fee. The lab has nothing:
    // the invoice stays open, due 30 days later, and counts against its bids.
    let to = |m: &mut Market, hour: Hour| {
        m.time_ms = hour.start_ms() + 1;
        m.exec(OPERATOR, Command::Tick { hour }).unwrap()
    };
    let ev = to(&mut m, h(2027, 3, 1));
    let Some(Event::InvoiceBilled { invoice: inv, .. }) =
        ev.iter().find(|e| matches!(e, Event::InvoiceBilled { .. }))
    else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (inv.contract, inv.amount_micros, inv.due),
        (c, fee, h(2027, 3, 31))
    );
    assert_eq!((m.e.owed(lab), m.e.available(lab)), (fee, -fee));
    let r = m
        .exec(
            lab,
            Command::PlaceBid(Market::bid_spec(1, w(2_000, 2_001), 1)),
        )
        .unwrap_err();
    assert_eq!(r.rule, Rule::InsufficientFunds);
    // Money arrives: the invoice is paid at once, to the seller.
    let ev = m.exec(OPERATOR, deposit(lab, fee + 1_000_000_000)).unwrap();
    assert!(
        ev.contains(&Event::InvoicePaid { invoice: inv.id }),
        "{ev:?}"
    );
    assert_eq!(
        (m.e.owed(lab), m.e.balance(Account::Participant(lab))),
        (0, 1_000_000_000)
    );
    // March: 15 of 31 days in force, prorated half to even; 1,000 dollars is not enough.
    let ev = to(&mut m, h(2027, 4, 1));
    let Some(Event::InvoiceBilled { invoice: march, .. }) =
        ev.iter().find(|e| matches!(e, Event::InvoiceBilled { .. }))
    else {
        panic!("{ev:?}")
    };
    assert_eq!(march.amount_micros, 1_354_838_710); // 2,800,000,000 x 360 / 744 = 1,354,838,709.67
    assert!(!ev.iter().any(|e| matches!(e, Event::InvoicePaid { .. })));
    // Unpaid after its due date: overdue.
    let ev = to(&mut m, h(2027, 5, 1));
    assert!(
        ev.contains(&Event::InvoiceOverdue { invoice: march.id }),
        "{ev:?}"
    );
    assert!(m.e.invoice(march.id).unwrap().overdue);
}

#[test]
fn invoices_are_due_after_the_contracts_payment_terms() {
    use megawatt_engine::units::{Hour, Window, days_from_civil};
    let h = |y, mo, d| Hour(u32::try_from(days_from_civil(y, mo, d) * 24).unwrap());
    let mut m = Market::new(); // 2027-01-15
    let lab = m.participant("lab", buyer());
    let window = Window {
        start: h(2027, 2, 1),
        end: h(2027, 4, 1),
    };
    let c = lease_paying_in(&mut m, lab, window, 2_800_000_000, 45);
    m.time_ms = h(2027, 3, 1).start_ms() + 1;
    let ev = m
        .exec(
            OPERATOR,
            Command::Tick {
                hour: h(2027, 3, 1),
            },
        )
        .unwrap();
    let Some(Event::InvoiceBilled { invoice: inv, .. }) =
        ev.iter().find(|e| matches!(e, Event::InvoiceBilled { .. }))
    else {
        panic!("{ev:?}")
    };
    assert_eq!((inv.contract, inv.due), (c, h(2027, 4, 15)));
    // Notice invoices its fee on the same terms, from the next hour.
    m.time_ms = h(2027, 3, 2).start_ms() + 1;
    let ev = m.exec(lab, Command::GiveNotice { contract: c }).unwrap();
    let Some(Event::InvoiceBilled { invoice: fee, .. }) =
        ev.iter().find(|e| matches!(e, Event::InvoiceBilled { .. }))
    else {
        panic!("{ev:?}")
    };
    assert_eq!(fee.due, Hour(h(2027, 3, 2).0 + 1 + 45 * 24));
}

/// A tick that comes late (downtime, a jump of a manual clock) closes every month it
/// passed; each invoice is due its payment terms after that tick, never at once.
#[test]
fn a_late_month_close_gives_the_payer_its_full_terms() {
    use megawatt_engine::units::{Hour, Window, days_from_civil};
    let h = |y, mo, d| Hour(u32::try_from(days_from_civil(y, mo, d) * 24).unwrap());
    let mut m = Market::new(); // 2027-01-15
    let lab = m.participant_unfunded("lab", buyer());
    m.exec(OPERATOR, deposit(lab, 2_800_000_000)).unwrap();
    let window = Window {
        start: h(2027, 2, 1),
        end: h(2027, 4, 1),
    };
    lease_paying_in(&mut m, lab, window, 2_800_000_000, 10);
    m.exec(OPERATOR, withdraw(lab, 2_800_000_000)).unwrap();
    let late = h(2027, 4, 20);
    m.time_ms = late.start_ms() + 1;
    let ev = m.exec(OPERATOR, Command::Tick { hour: late }).unwrap();
    let issued: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::InvoiceBilled { invoice: i, .. } => Some(i.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(issued.len(), 2, "February and March: {ev:?}");
    for i in &issued {
        assert_eq!(i.due, Hour(late.0 + 10 * 24));
        assert!(
            !m.e.invoice(i.id).unwrap().overdue,
            "not overdue when issued"
        );
    }
}

#[test]
fn non_payment_needs_an_overdue_invoice_of_the_contract() {
    use megawatt_engine::contract::Cause;
    use megawatt_engine::units::{Hour, Window, days_from_civil};
    let h = |y, mo, d| Hour(u32::try_from(days_from_civil(y, mo, d) * 24).unwrap());
    let mut m = Market::new(); // 2027-01-15
    let lab = m.participant_unfunded("lab", buyer());
    let fee = 2_800_000_000;
    m.exec(OPERATOR, deposit(lab, fee)).unwrap();
    let window = Window {
        start: h(2027, 2, 1),
        end: h(2027, 12, 1),
    };
    let c = lease(&mut m, lab, window, fee);
    m.exec(OPERATOR, withdraw(lab, fee)).unwrap();
    let seller = m.e.contract(c).unwrap().seller;
    let cut = || Command::TerminateForCause {
        contract: c,
        cause: Cause::NonPayment,
        reason: "February unpaid".into(),
    };
    let to = |m: &mut Market, hour: Hour| {
        m.time_ms = hour.start_ms() + 1;
        m.exec(OPERATOR, Command::Tick { hour }).unwrap();
    };
    // Nothing billed yet; then billed but not yet due: refused.
    assert_eq!(rule(m.exec(seller, cut())), (Rule::NothingOverdue, "cause"));
    to(&mut m, h(2027, 3, 1));
    assert_eq!(m.e.owed(lab), fee);
    assert_eq!(rule(m.exec(seller, cut())), (Rule::NothingOverdue, "cause"));
    // Past its due date and still unpaid: the seller may end the contract.
    to(&mut m, h(2027, 3, 31));
    let ev = m.exec(seller, cut()).unwrap();
    assert!(
        matches!(&ev[..], [.., Event::TerminatedForCause { contract, .. }] if *contract == c),
        "{ev:?}"
    );
}

#[test]
fn notice_invoices_the_early_termination_fee() {
    use megawatt_engine::units::{Hour, Window, days_from_civil};
    let h = |y, mo, d| Hour(u32::try_from(days_from_civil(y, mo, d) * 24).unwrap());
    let mut m = Market::new();
    let lab = m.participant("lab", buyer());
    let c = lease(
        &mut m,
        lab,
        Window {
            start: h(2027, 2, 1),
            end: h(2027, 6, 1),
        },
        1_000_000,
    );
    let ev = m.exec(lab, Command::GiveNotice { contract: c }).unwrap();
    let fee = ev.iter().find_map(|e| match e {
        Event::InvoiceBilled { invoice: i, .. } => Some(i.clone()),
        _ => None,
    });
    let fee = fee.expect("a fee invoice");
    assert_eq!(
        (fee.payer, fee.amount_micros, fee.charge),
        (
            lab,
            5_000,
            megawatt_engine::invoice::Charge::EarlyTerminationFee
        )
    );
    assert!(
        ev.contains(&Event::InvoicePaid { invoice: fee.id }),
        "paid from the lab's money"
    );
}

/// The scenario's lease (`shared/scenarios/colossus-lease.toml`): $1.25bn a month from
/// 2026-06-01 to 2029-06-01, 90 days' notice either way, no fee. `notice` gives notice
/// by the buyer or the seller at the instant `at_ms` (ticking the clock there first);
/// returns the effective hour and every usage invoice (period, amount) billed through
/// the month after it.
fn scenario_notice(
    at_ms: u64,
    by_seller: bool,
) -> (
    megawatt_engine::units::Hour,
    Vec<(megawatt_engine::units::Window, i64)>,
) {
    scenario_notice_with(at_ms, by_seller, |contract| Command::GiveNotice {
        contract,
    })
}

/// [`scenario_notice`], giving notice with the command `notice` makes.
fn scenario_notice_with(
    at_ms: u64,
    by_seller: bool,
    notice: impl Fn(megawatt_engine::ids::ContractId) -> Command,
) -> (
    megawatt_engine::units::Hour,
    Vec<(megawatt_engine::units::Window, i64)>,
) {
    use megawatt_engine::contract::Terms;
    use megawatt_engine::invoice::Charge;
    use megawatt_engine::units::{Hour, Window, days_from_civil};
    let h = |y, mo, d| Hour(u32::try_from(days_from_civil(y, mo, d) * 24).unwrap());
    let mut m = Market::new();
    m.time_ms = h(2026, 5, 1).start_ms() + 1;
    let lab = m.participant("Frontier Lab", buyer());
    m.exec(OPERATOR, deposit(lab, 20_000_000_000_000_000))
        .unwrap(); // $20bn
    let terms = Terms {
        buyer_notice_hours: Some(90 * 24),
        seller_notice_hours: Some(90 * 24),
        early_termination_fee_micros: 0,
        ..Terms::exchange()
    };
    let window = Window {
        start: h(2026, 6, 1),
        end: h(2029, 6, 1),
    };
    let (colossus, c) = lease_on(&mut m, lab, window, 1_250_000_000_000_000, terms);
    let mut invoices = Vec::new();
    let mut collect = |ev: &[Event]| {
        for e in ev {
            if let Event::InvoiceBilled { invoice: i, .. } = e
                && i.contract == c
                && i.charge == Charge::Usage
            {
                invoices.push((i.period, i.amount_micros));
            }
        }
    };
    m.time_ms = at_ms;
    let ev = m
        .exec(
            OPERATOR,
            Command::Tick {
                hour: Hour::containing(at_ms),
            },
        )
        .unwrap();
    collect(&ev);
    let who = if by_seller { colossus } else { lab };
    let ev = m.exec(who, notice(c)).unwrap();
    let effective = ev
        .iter()
        .find_map(|e| match e {
            Event::NoticeGiven { notice, .. } => Some(notice.effective),
            _ => None,
        })
        .expect("notice given");
    // Bill every month through the one after the end.
    let after = effective.next_month_start().next_month_start();
    m.time_ms = after.start_ms();
    collect(&m.exec(OPERATOR, Command::Tick { hour: after }).unwrap());
    (effective, invoices)
}

/// Notice runs from the moment it is given: exactly on an hour boundary, 90 days'
/// notice ends the lease exactly 2,160 hours later (it used to end an hour late, billing
/// the buyer $1,736,111.111111 more); a millisecond before the boundary, at the same
/// hour; a millisecond after, at the next.
#[test]
fn notice_given_on_an_hour_boundary_takes_effect_exactly_its_period_later() {
    use megawatt_engine::units::{Hour, days_from_civil};
    let h = |y, mo, d| Hour(u32::try_from(days_from_civil(y, mo, d) * 24).unwrap());
    let jan15 = h(2027, 1, 15).start_ms();
    let apr15 = h(2027, 4, 15);
    // Exactly on the hour: the seed's figures, to the micro-dollar.
    let (effective, invoices) = scenario_notice(jan15, false);
    assert_eq!(effective, apr15, "2027-04-15T00:00Z");
    let april = invoices
        .iter()
        .find(|(p, _)| p.start == h(2027, 4, 1))
        .expect("an April invoice");
    assert_eq!(april.0.end, apr15, "April bills 336 hours");
    assert_eq!(april.0.hours(), 336);
    assert_eq!(april.1, 583_333_333_333_333, "$583,333,333.333333");
    let total: i64 = invoices.iter().map(|(_, a)| a).sum();
    assert_eq!(
        total, 13_083_333_333_333_333,
        "$13,083,333,333.333333 in all"
    );
    assert!(invoices.iter().all(|(p, _)| p.end <= apr15), "{invoices:?}");
    // Just before the boundary: the same end; just after: an hour later.
    assert_eq!(scenario_notice(jan15 - 1, false).0, apr15);
    assert_eq!(scenario_notice(jan15 + 1, false).0, Hour(apr15.0 + 1));
    // Seller notice exactly at 2028-02-01T00:00Z ends it at 2028-05-01T00:00Z (2028 is
    // a leap year: 29 + 31 + 30 days): no one-hour May invoice of $1,680,107.526882.
    let (effective, invoices) = scenario_notice(h(2028, 2, 1).start_ms(), true);
    assert_eq!(effective, h(2028, 5, 1));
    assert!(
        invoices.iter().all(|(p, _)| p.start < h(2028, 5, 1)),
        "nothing billed in May: {invoices:?}"
    );
    assert_eq!(
        invoices.last().map(|(p, _)| (p.start, p.end)),
        Some((h(2028, 4, 1), h(2028, 5, 1)))
    );
}

/// Notice journaled before the rule changed (`GiveNoticeV1`) replays as it ran: from the
/// next hour boundary, an hour late on one, so that an old journal rebuilds the same
/// state and the same invoices.
#[test]
fn a_notice_journaled_before_the_rule_changed_replays_as_it_ran() {
    use megawatt_engine::units::{Hour, days_from_civil};
    let h = |y, mo, d| Hour(u32::try_from(days_from_civil(y, mo, d) * 24).unwrap());
    let jan15 = h(2027, 1, 15).start_ms();
    let old = |contract| Command::GiveNoticeV1 { contract };
    let (effective, invoices) = scenario_notice_with(jan15, false, old);
    assert_eq!(
        effective,
        Hour(h(2027, 4, 15).0 + 1),
        "2027-04-15T01:00Z, as it ran"
    );
    let total: i64 = invoices.iter().map(|(_, a)| a).sum();
    assert_eq!(
        total,
        13_083_333_333_333_333 + 1_736_111_111_111,
        "one hour more"
    );
    assert_eq!(
        scenario_notice_with(jan15 + 1, false, old).0,
        Hour(h(2027, 4, 15).0 + 1)
    );
}
