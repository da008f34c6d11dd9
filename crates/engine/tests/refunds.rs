//! Refunds of what will not be delivered (`docs/market-rules.md`, "Refunds"), one test
//! per rule: a prepaid contract terminated for `non_delivery` refunds the rest; a resold
//! child ended with its parent is refunded by its reseller; termination for the buyer's
//! breach refunds nothing; nothing is refunded twice; a seller that cannot pay owes the
//! refund. The harness checks after every command that money sums to zero and that no
//! contract refunds more than its hours after its end are worth.

mod common;

use common::*;
use megawatt_engine::command::{AskSpec, Command};
use megawatt_engine::contract::{Cause, Pricing, Terms};
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ContractId, ParticipantId};
use megawatt_engine::invoice::{Charge, Invoice};
use megawatt_engine::money::{Account, TransferKind};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::{Hour, Window};
use megawatt_engine::{OPERATOR, Rule};

/// $2.50 per GPU-hour.
const PRICE: i64 = 2_500_000;
/// What the harness deposits for a buyer.
const FUNDS: i64 = 1_000_000_000_000_000;

/// 64 H100 for the 24 hours 10..34, bought on the exchange and paid at the trade.
fn fill() -> Fill {
    fill_on(Market::new(), 64, w(10, 34), PRICE)
}

fn terminate(contract: ContractId, cause: Cause) -> Command {
    Command::TerminateForCause {
        contract,
        cause,
        reason: "nodes never came up".into(),
    }
}

/// The refund invoices billed in `ev`.
fn refunds(ev: &[Event]) -> Vec<Invoice> {
    ev.iter()
        .filter_map(|e| match e {
            Event::InvoiceBilled { invoice, .. } if invoice.charge == Charge::Refund => {
                Some(invoice.clone())
            }
            _ => None,
        })
        .collect()
}

/// The refund transfers in `ev`, as (debit, credit, amount).
fn refund_transfers(ev: &[Event]) -> Vec<(Account, Account, i64)> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Transfer(t) if t.kind == TransferKind::Refund => {
                Some((t.debit, t.credit, t.amount_micros))
            }
            _ => None,
        })
        .collect()
}

fn balance(m: &Market, p: ParticipantId) -> i64 {
    m.e.balance(Account::Participant(p))
}

#[test]
fn a_fill_terminated_for_non_delivery_before_it_starts_is_refunded_in_full() {
    let mut f = fill();
    let notional = 64 * 24 * PRICE;
    assert_eq!(balance(&f.m, f.buyer), FUNDS - notional);
    assert_eq!(balance(&f.m, f.seller), notional);
    let ev =
        f.m.exec(f.buyer, terminate(f.contract, Cause::NonDelivery))
            .unwrap();
    let r = refunds(&ev);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].payer, r[0].payee), (f.seller, f.buyer));
    assert_eq!(r[0].period, w(10, 34), "every hour of the contract");
    assert_eq!(r[0].amount_micros, notional);
    let lines = ev.iter().find_map(|e| match e {
        Event::InvoiceBilled { lines, .. } => Some(lines.clone()),
        _ => None,
    });
    let lines = lines.unwrap();
    assert_eq!(
        (lines.len(), lines[0].gpu_hours, lines[0].amount_micros),
        (1, Some(64 * 24), notional),
        "the evidence: the line's GPU-hours refunded"
    );
    assert_eq!(
        refund_transfers(&ev),
        [(
            Account::Participant(f.seller),
            Account::Participant(f.buyer),
            notional
        )]
    );
    assert!(ev.contains(&Event::InvoicePaid { invoice: r[0].id }));
    assert_eq!(
        balance(&f.m, f.buyer),
        FUNDS,
        "the buyer has its money back"
    );
    assert_eq!(balance(&f.m, f.seller), 0);
    assert_eq!(
        f.m.e.contract(f.contract).unwrap().refunded_micros,
        notional
    );
    // The capacity is the seller's to sell again; the contract cannot be ended twice.
    assert_eq!(
        f.m.e.pool(f.pool).unwrap().used.max_over(w(10, 34)),
        0,
        "the GPUs went back to the pool"
    );
    let again =
        f.m.exec(f.buyer, terminate(f.contract, Cause::NonDelivery))
            .unwrap_err();
    assert_eq!(again.rule, Rule::ContractNotInForce);
}

#[test]
fn a_fill_terminated_for_non_delivery_midway_refunds_the_hours_after_its_end() {
    let mut f = fill();
    f.m.advance_to(20); // hours 10..20 delivered, 20 in progress
    let ev =
        f.m.exec(f.buyer, terminate(f.contract, Cause::NonDelivery))
            .unwrap();
    let r = refunds(&ev);
    assert_eq!(r[0].period, w(21, 34), "from the next hour boundary");
    assert_eq!(r[0].amount_micros, 64 * 13 * PRICE);
    assert_eq!(balance(&f.m, f.buyer), FUNDS - 64 * 11 * PRICE);
    // The tick that ends it refunds nothing more.
    let ev = f.m.advance_to(40);
    assert!(refunds(&ev).is_empty());
    assert_eq!(balance(&f.m, f.buyer), FUNDS - 64 * 11 * PRICE);
}

#[test]
fn termination_for_the_buyers_breach_refunds_nothing() {
    let mut f = fill();
    f.m.advance_to(12);
    let ev =
        f.m.exec(f.seller, terminate(f.contract, Cause::AcceptableUse))
            .unwrap();
    assert!(refunds(&ev).is_empty() && refund_transfers(&ev).is_empty());
    assert_eq!(balance(&f.m, f.buyer), FUNDS - 64 * 24 * PRICE);
    assert_eq!(f.m.e.contract(f.contract).unwrap().refunded_micros, 0);
}

/// A resale ask of `gpus` over `window` of line 0 of `contract`, at `price`.
fn resale(contract: ContractId, gpus: u32, window: Window, price: i64) -> Command {
    Command::PlaceAsk(AskSpec {
        source: AskSource::Contract { contract, line: 0 },
        gpus,
        window,
        price_micros: price,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 1,
    })
}

#[test]
fn a_child_ended_with_its_parent_is_refunded_by_its_reseller() {
    let mut f = fill();
    let second = f.m.participant("second buyer", buyer());
    f.m.exec(f.buyer, resale(f.contract, 32, w(16, 34), 3_000_000))
        .unwrap();
    let (_, ev) = f.m.bid(second, Market::bid_spec(32, w(16, 34), 3_000_000));
    let child = created(&ev)[0];
    let child_paid = 32 * 18 * 3_000_000;
    assert_eq!(balance(&f.m, second), FUNDS - child_paid);
    f.m.advance_to(11);
    let ev =
        f.m.exec(f.buyer, terminate(f.contract, Cause::NonDelivery))
            .unwrap();
    // The seller refunds the reseller the parent's hours 12..34, the resold ones too;
    // then the reseller refunds its own buyer all of the child, which had not started.
    let r = refunds(&ev);
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].contract, r[0].payer, r[0].payee, r[0].period),
        (f.contract, f.seller, f.buyer, w(12, 34))
    );
    assert_eq!(r[0].amount_micros, 64 * 22 * PRICE);
    assert_eq!(
        (r[1].contract, r[1].payer, r[1].payee, r[1].period),
        (child, f.buyer, second, w(16, 34))
    );
    assert_eq!(r[1].amount_micros, child_paid);
    assert_eq!(balance(&f.m, second), FUNDS, "the child's buyer is whole");
    assert_eq!(
        balance(&f.m, f.buyer),
        FUNDS - 64 * 2 * PRICE,
        "the reseller paid for the two hours it held"
    );
    assert_eq!(balance(&f.m, f.seller), 64 * 2 * PRICE);
    let c = f.m.e.contract(child).unwrap();
    assert_eq!(c.notice.unwrap().via_parent, Some(f.contract));
}

/// A term lease of 10 H100 over hours 10..110 at a monthly fee, with 24 hours' buyer
/// notice, from a new provider to `lab`.
fn lease(m: &mut Market, lab: ParticipantId) -> ContractId {
    let terms = Terms {
        buyer_notice_hours: Some(24),
        ..Terms::exchange()
    };
    let pricing = Pricing::MonthlyFee {
        fee_micros: 1_000_000_000,
    };
    let none = megawatt_engine::delivery::DeliveryTerms::none();
    lease_on(m, (lab, 10, w(10, 110)), (pricing, terms), none).0
}

#[test]
fn a_child_of_a_lease_given_notice_is_refunded_once_and_the_lease_billed_to_its_end() {
    let mut m = Market::new();
    let lab = m.participant("lab", buyer());
    let second = m.participant("second buyer", buyer());
    let parent = lease(&mut m, lab);
    m.exec(lab, resale(parent, 4, w(20, 100), PRICE)).unwrap();
    let (_, ev) = m.bid(second, Market::bid_spec(4, w(20, 100), PRICE));
    let child = created(&ev)[0];
    m.advance_to(30);
    // Notice a millisecond into hour 30 ends the lease, and the child with it, at 55:
    // the lab refunds the child's 45 hours after that. The term lease itself refunds nothing: it is
    // billed in arrears.
    let ev = m
        .exec(lab, Command::GiveNotice { contract: parent })
        .unwrap();
    let r = refunds(&ev);
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].contract, r[0].payer, r[0].payee, r[0].period),
        (child, lab, second, w(55, 100))
    );
    assert_eq!(r[0].amount_micros, 4 * 45 * PRICE);
    // The child's buyer then ends it for non-delivery at 41: refunded 41..55 only, the
    // hours after 55 were refunded already.
    m.advance_to(40);
    let ev = m
        .exec(second, terminate(child, Cause::NonDelivery))
        .unwrap();
    let r = refunds(&ev);
    assert_eq!(
        (r[0].period, r[0].amount_micros),
        (w(41, 55), 4 * 14 * PRICE)
    );
    let c = m.e.contract(child).unwrap();
    assert_eq!(c.refunded_micros, 4 * (100 - 41) * PRICE);
    assert_eq!(balance(&m, second), FUNDS - 4 * 21 * PRICE);
    // The lease is billed at the month close for the hours it held, to its end at 55.
    let month_end = Hour(T0 + 10).next_month_start();
    let ev = m.advance_to(month_end.0 - T0);
    let usage: Vec<&Invoice> = ev
        .iter()
        .filter_map(|e| match e {
            Event::InvoiceBilled { invoice, .. } if invoice.charge == Charge::Usage => {
                Some(invoice)
            }
            _ => None,
        })
        .collect();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].period, w(10, 55));
}

#[test]
fn a_seller_that_cannot_pay_owes_the_refund_until_money_arrives() {
    let mut f = fill();
    let notional = 64 * 24 * PRICE;
    f.m.exec(
        OPERATOR,
        Command::Withdraw {
            participant: f.seller,
            amount_micros: notional,
            reference: "payout".into(),
        },
    )
    .unwrap();
    let ev =
        f.m.exec(f.buyer, terminate(f.contract, Cause::NonDelivery))
            .unwrap();
    let r = refunds(&ev);
    assert!(refund_transfers(&ev).is_empty(), "nothing to pay it with");
    assert_eq!(f.m.e.owed(f.seller), notional);
    assert_eq!(f.m.e.receivable(f.buyer), notional);
    assert_eq!(f.m.e.invoice(r[0].id).unwrap().amount_micros, notional);
    let ev =
        f.m.exec(
            OPERATOR,
            Command::Deposit {
                participant: f.seller,
                amount_micros: notional,
                reference: "top-up".into(),
            },
        )
        .unwrap();
    assert_eq!(
        refund_transfers(&ev),
        [(
            Account::Participant(f.seller),
            Account::Participant(f.buyer),
            notional
        )]
    );
    assert_eq!((f.m.e.owed(f.seller), f.m.e.receivable(f.buyer)), (0, 0));
    assert_eq!(balance(&f.m, f.buyer), FUNDS);
}

#[test]
fn ends_journaled_before_refunds_replay_refunding_nothing() {
    // A termination journaled before refunds existed ran without one; its record must
    // replay as it ran, or an old journal would rebuild a different ledger.
    let mut f = fill();
    let cmd = Command::TerminateForCauseV1 {
        contract: f.contract,
        cause: Cause::NonDelivery,
        reason: "nodes never came up".into(),
    };
    let ev = f.m.exec(f.buyer, cmd).unwrap();
    assert!(refunds(&ev).is_empty() && refund_transfers(&ev).is_empty());
    assert_eq!(balance(&f.m, f.buyer), FUNDS - 64 * 24 * PRICE);
    // So for notice from the moment journaled before refunds: a child ended with its
    // parent keeps nothing back.
    let mut m = Market::new();
    let lab = m.participant("lab", buyer());
    let second = m.participant("second buyer", buyer());
    let parent = lease(&mut m, lab);
    m.exec(lab, resale(parent, 4, w(20, 100), PRICE)).unwrap();
    m.bid(second, Market::bid_spec(4, w(20, 100), PRICE));
    m.advance_to(30);
    let ev = m
        .exec(lab, Command::GiveNoticeV2 { contract: parent })
        .unwrap();
    assert!(refunds(&ev).is_empty());
    assert_eq!(balance(&m, second), FUNDS - 4 * 80 * PRICE);
}
