//! Delivery credits at the month close (`docs/market-rules.md`, "Delivery credits"),
//! one test per rule: pro-rata credits of a partial outage, exact to the micro-dollar;
//! unreported hours both ways; tiers; a contract across a month boundary in a leap
//! February credited month by month; a correction before the close; a term lease's
//! credit on its month's invoice (charge, credit lines, net), to all of it; a month's
//! grace after its end for its last hours' reports.

mod common;

use common::*;
use megawatt_engine::command::Command;
use megawatt_engine::contract::{Pricing, Terms};
use megawatt_engine::delivery::{CreditTier, DeliveryTerms, Unreported};
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ContractId, ParticipantId};
use megawatt_engine::invoice::Charge;
use megawatt_engine::money::Account;
use megawatt_engine::units::{Hour, Window};
use megawatt_engine::{OPERATOR, Rule};

const PRICE: i64 = 2_500_000;
const FUNDS: i64 = 1_000_000_000_000_000;

/// A market whose fills get `terms`, and a fill of 64 H100 over `window` (hours from
/// T0) at $2.50.
fn fill_with(terms: Option<DeliveryTerms>, window: Window) -> Fill {
    let mut m = Market::new();
    if let Some(t) = terms {
        m.exec(OPERATOR, Command::SetDeliveryDefaults(t)).unwrap();
    }
    fill_on(m, 64, window, PRICE)
}

/// A day of 64 H100 from hour 10, inside the harness's first month.
fn day() -> Window {
    w(10, 34)
}

fn report(f: &mut Fill, hours: std::ops::Range<u32>, gpus: impl Fn(u32) -> u32) {
    report_on(&mut f.m, (f.seller, f.contract), hours, gpus);
}

/// Ticks to the close of the month of hour T0 + `h`; returns the events.
fn close_month_of(f: &mut Fill, h: u32) -> Vec<Event> {
    let end = Hour(T0 + h).next_month_start();
    f.m.advance_to(end.0 - T0)
}

fn credits(ev: &[Event]) -> Vec<(i64, megawatt_engine::delivery::MonthDelivery)> {
    ev.iter()
        .filter_map(|e| match e {
            Event::DeliveryCredited { delivery, .. } => {
                Some((delivery.credit_micros, delivery.clone()))
            }
            _ => None,
        })
        .collect()
}

fn balance(f: &Fill, p: ParticipantId) -> i64 {
    f.m.e.balance(Account::Participant(p))
}

#[test]
fn a_partial_outage_is_credited_pro_rata_at_the_month_close() {
    let mut f = fill_with(None, day());
    f.m.advance_to(40);
    // 16 of the 64 GPUs down for hours 18..22: 64 GPU-hours not delivered.
    report(
        &mut f,
        10..34,
        |h| if (18..22).contains(&h) { 48 } else { 64 },
    );
    let ev = close_month_of(&mut f, 10);
    let got = credits(&ev);
    assert_eq!(got.len(), 1);
    let (credit, d) = &got[0];
    assert_eq!(*credit, 64 * PRICE, "$160.00: 64 GPU-hours at $2.50");
    assert_eq!(
        (
            d.contracted_gpu_hours,
            d.delivered_gpu_hours,
            d.unreported_gpu_hours
        ),
        (64 * 24, 64 * 24 - 64, 0)
    );
    assert_eq!(d.availability_bps, 9_583, "95.83%, rounded down");
    assert_eq!(
        (d.charge_micros, d.pro_rata_micros, d.tier_micros),
        (64 * 24 * PRICE, 64 * PRICE, 0)
    );
    assert_eq!(d.period, day());
    let invoice = ev
        .iter()
        .find_map(|e| match e {
            Event::InvoiceBilled { invoice, lines } if invoice.charge == Charge::DeliveryCredit => {
                Some((invoice.clone(), lines.clone()))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!((invoice.0.payer, invoice.0.payee), (f.seller, f.buyer));
    assert_eq!(
        (invoice.1[0].gpu_hours, invoice.1[0].amount_micros),
        (Some(64), 64 * PRICE)
    );
    // Paid at once: the buyer's net is exactly the price of what was delivered.
    assert_eq!(balance(&f, f.buyer), FUNDS - (64 * 24 - 64) * PRICE);
    assert_eq!(
        f.m.e.contract(f.contract).unwrap().credited_micros,
        64 * PRICE
    );
}

#[test]
fn unreported_hours_count_as_the_terms_say() {
    // The default: unreported hours count as delivered.
    let mut f = fill_with(None, day());
    f.m.advance_to(40);
    report(&mut f, 10..22, |_| 64);
    assert!(credits(&close_month_of(&mut f, 10)).is_empty());
    // Strict terms: every unreported GPU-hour is credited, also with no report at all.
    let strict = DeliveryTerms {
        unreported: Unreported::NotDelivered,
        ..DeliveryTerms::exchange()
    };
    let mut f = fill_with(Some(strict.clone()), day());
    f.m.advance_to(40);
    report(&mut f, 10..22, |_| 64);
    let got = credits(&close_month_of(&mut f, 10));
    assert_eq!(got[0].0, 64 * 12 * PRICE);
    assert_eq!(got[0].1.unreported_gpu_hours, 64 * 12);
    let mut f = fill_with(Some(strict), day());
    let got = credits(&close_month_of(&mut f, 10));
    assert_eq!(
        got[0].0,
        64 * 24 * PRICE,
        "nothing reported: nothing delivered"
    );
    assert_eq!(balance(&f, f.buyer), FUNDS);
}

#[test]
fn tiers_credit_a_share_of_the_month_below_the_target() {
    let tiered = DeliveryTerms {
        availability_target_bps: 9_900,
        unreported: Unreported::Delivered,
        pro_rata: false,
        tiers: smallvec::smallvec![
            CreditTier {
                below_bps: 9_900,
                credit_bps: 1_000,
            },
            CreditTier {
                below_bps: 9_500,
                credit_bps: 2_500,
            },
        ],
    };
    // 64 x 24 = 1,536 GPU-hours; 15 short is 99.02%: no credit; 16 short, 98.95%: 10%;
    // 76 short, 95.05%: still 10%; 77 short, 94.98%: 25%.
    for (short, want) in [
        (15, 0),
        (16, 64 * 24 * PRICE / 10),
        (76, 64 * 24 * PRICE / 10),
        (77, 64 * 24 * PRICE / 4),
    ] {
        let mut f = fill_with(Some(tiered.clone()), day());
        f.m.advance_to(40);
        let first = short.min(64);
        report(&mut f, 10..12, |h| {
            if h == 10 {
                64 - first
            } else {
                64 - (short - first)
            }
        });
        let got = credits(&close_month_of(&mut f, 10));
        assert_eq!(
            got.first().map_or(0, |c| c.0),
            want,
            "{short} GPU-hours short"
        );
    }
    let bad = DeliveryTerms {
        tiers: smallvec::smallvec![
            CreditTier {
                below_bps: 9_000,
                credit_bps: 1,
            },
            CreditTier {
                below_bps: 9_500,
                credit_bps: 1,
            },
        ],
        ..tiered
    };
    let e = Market::new()
        .exec(OPERATOR, Command::SetDeliveryDefaults(bad))
        .unwrap_err();
    assert_eq!((e.rule, e.field), (Rule::OutOfRange, "tiers"));
}

#[test]
fn a_contract_across_a_leap_february_is_credited_month_by_month() {
    // 2028-02-29T20:00Z to 2028-03-01T04:00Z.
    let feb29 = Hour(megawatt_engine::units::days_from_civil(2028, 2, 29) as u32 * 24 + 20);
    let start = feb29.0 - T0;
    let mut f = fill_with(None, w(start, start + 8));
    f.m.advance_to(start + 2);
    // Hour 20 of Feb 29 (the month's 697th hour) half down.
    report(&mut f, start..start + 1, |_| 32);
    let ev = close_month_of(&mut f, start);
    let got = credits(&ev);
    assert_eq!(
        (got[0].0, got[0].1.contracted_gpu_hours),
        (32 * PRICE, 64 * 4)
    );
    f.m.advance_to(start + 8);
    report(&mut f, start + 4..start + 5, |_| 0);
    // A correction before the close replaces the report: 60 delivered.
    report(&mut f, start + 4..start + 5, |_| 60);
    let got = credits(&close_month_of(&mut f, start + 4));
    assert_eq!(
        (got[0].0, got[0].1.period),
        (4 * PRICE, w(start + 4, start + 8))
    );
    assert_eq!(balance(&f, f.buyer), FUNDS - (64 * 8 - 32 - 4) * PRICE);
}

/// A term lease's SLA: 99% of the month, pro-rata below it, 10% of the month more
/// below 95%.
fn lease_sla(unreported: Unreported) -> DeliveryTerms {
    DeliveryTerms {
        availability_target_bps: 9_900,
        unreported,
        pro_rata: true,
        tiers: smallvec::smallvec![CreditTier {
            below_bps: 9_500,
            credit_bps: 1_000,
        }],
    }
}

/// A day of 64 H100 leased at $2.50 a GPU-hour under `sla`, its seller, and its buyer.
fn term_day(sla: DeliveryTerms) -> (Market, ContractId, ParticipantId, ParticipantId) {
    let mut m = Market::new();
    let lab = m.participant("lab", buyer());
    let pricing = Pricing::PerGpuHour {
        price_micros: PRICE,
    };
    let (c, seller) = lease_on(&mut m, (lab, 64, day()), (pricing, Terms::exchange()), sla);
    (m, c, seller, lab)
}

/// The month's usage invoice of `contract` in `ev`: (invoice, lines' charged and
/// credited, the credit's evidence).
fn usage_invoice(
    ev: &[Event],
    contract: ContractId,
) -> (
    megawatt_engine::invoice::Invoice,
    (i64, i64),
    Option<megawatt_engine::delivery::MonthDelivery>,
) {
    let (invoice, lines) = ev
        .iter()
        .find_map(|e| match e {
            Event::InvoiceBilled { invoice, lines }
                if invoice.contract == contract && invoice.charge == Charge::Usage =>
            {
                Some((invoice.clone(), lines.clone()))
            }
            _ => None,
        })
        .expect("a usage invoice");
    let evidence = ev.iter().find_map(|e| match e {
        Event::DeliveryCredited {
            invoice: i,
            delivery,
            ..
        } if *i == invoice.id => Some(delivery.clone()),
        _ => None,
    });
    let totals = megawatt_engine::invoice::charged_and_credited(&lines);
    (invoice, totals, evidence)
}

#[test]
fn a_term_lease_short_of_its_target_is_credited_on_its_months_invoice() {
    let (mut m, c, seller, lab) = term_day(lease_sla(Unreported::Delivered));
    m.advance_to(40);
    // 16 GPUs down for 4 hours: 64 of 1,536 GPU-hours (95.83%): pro-rata only.
    report_on(&mut m, (seller, c), 10..34, |h| {
        if (18..22).contains(&h) { 48 } else { 64 }
    });
    let before = m.e.balance(Account::Participant(lab));
    let ev = m.advance_to(Hour(T0 + 40).next_month_start().0 - T0);
    let (invoice, totals, evidence) = usage_invoice(&ev, c);
    let charge = 1_536 * PRICE;
    assert_eq!(totals, (charge, 64 * PRICE), "charge and credit lines");
    assert_eq!(
        invoice.amount_micros,
        charge - 64 * PRICE,
        "the net is billed"
    );
    let d = evidence.expect("the credit's evidence");
    assert_eq!(
        (
            d.contracted_gpu_hours,
            d.delivered_gpu_hours,
            d.availability_bps
        ),
        (1_536, 1_472, 9_583)
    );
    assert_eq!((d.pro_rata_micros, d.tier_micros), (64 * PRICE, 0));
    assert_eq!(m.e.contract(c).unwrap().credited_micros, 64 * PRICE);
    assert_eq!(
        before - m.e.balance(Account::Participant(lab)),
        charge - 64 * PRICE,
        "the buyer paid the net"
    );
    // No credit invoice of its own: the credit is on the month's invoice.
    assert!(!ev.iter().any(|e| matches!(e, Event::InvoiceBilled { invoice, .. } if invoice.charge == Charge::DeliveryCredit)));
}

#[test]
fn a_term_lease_below_a_tier_is_credited_the_tier_too_and_never_more_than_its_charge() {
    // 16 GPUs down for 5 hours: 80 GPU-hours short, 94.79%: pro-rata + 10%.
    let (mut m, c, seller, _) = term_day(lease_sla(Unreported::Delivered));
    m.advance_to(40);
    report_on(&mut m, (seller, c), 10..34, |h| {
        if (18..23).contains(&h) { 48 } else { 64 }
    });
    let ev = m.advance_to(Hour(T0 + 40).next_month_start().0 - T0);
    let charge = 1_536 * PRICE;
    let (invoice, totals, _) = usage_invoice(&ev, c);
    assert_eq!(totals.1, 80 * PRICE + charge / 10);
    assert_eq!(invoice.amount_micros, charge - 80 * PRICE - charge / 10);
    // Nothing reported, and unreported hours count as not delivered: all of it is
    // credited, and the invoice of nothing is paid at once.
    let (mut m, c, _, lab) = term_day(lease_sla(Unreported::NotDelivered));
    let before = m.e.balance(Account::Participant(lab));
    let ev = m.advance_to(Hour(T0 + 40).next_month_start().0 - T0);
    let (invoice, totals, evidence) = usage_invoice(&ev, c);
    assert_eq!(totals, (charge, charge));
    assert_eq!(invoice.amount_micros, 0);
    assert_eq!(evidence.unwrap().unreported_gpu_hours, 1_536);
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::InvoicePaid { invoice: i } if *i == invoice.id))
    );
    assert_eq!(m.e.balance(Account::Participant(lab)), before);
    assert_eq!(m.e.contract(c).unwrap().credited_micros, charge);
}

#[test]
fn a_quote_with_bad_delivery_terms_is_refused_naming_the_field() {
    let mut m = Market::new();
    let lab = m.participant("lab", buyer());
    let bad = DeliveryTerms {
        availability_target_bps: 10_001,
        ..DeliveryTerms::exchange()
    };
    let pricing = Pricing::PerGpuHour {
        price_micros: PRICE,
    };
    let (prov, quote) = lease_quote(&mut m, (lab, 64, day()), (pricing, Terms::exchange()), bad);
    let r = m.exec(prov, quote).unwrap_err();
    assert_eq!(
        (r.rule, r.field),
        (Rule::OutOfRange, "delivery.availability_target_bps")
    );
}

/// A month closes its grace after its end: until then its last hours can be reported
/// (a meter reports an hour after it ends, so with no grace the last hour of a month
/// could never be), and under terms that count unreported hours as not delivered a
/// seller that reports them in the grace is not credited against.
#[test]
fn a_month_in_its_grace_takes_its_last_hours_reports_then_closes() {
    let mut m = Market::new();
    let lab = m.participant("lab", buyer());
    let refused = m.exec(lab, Command::SetMonthCloseGrace { hours: 6 });
    assert_eq!(refused.unwrap_err().rule, Rule::NotPermitted);
    let too_long = m.exec(OPERATOR, Command::SetMonthCloseGrace { hours: 169 });
    let r = too_long.unwrap_err();
    assert_eq!((r.rule, r.field), (Rule::OutOfRange, "grace_hours"));
    m.exec(OPERATOR, Command::SetMonthCloseGrace { hours: 6 })
        .unwrap();
    // A day of 64 H100 that ends with the month.
    let end = Hour(T0).next_month_start().0 - T0;
    let pricing = Pricing::PerGpuHour {
        price_micros: PRICE,
    };
    let sla = lease_sla(Unreported::NotDelivered);
    let deal = (lab, 64, w(end - 24, end));
    let (c, seller) = lease_on(&mut m, deal, (pricing, Terms::exchange()), sla);
    let billed = |ev: &[Event]| ev.iter().any(|e| matches!(e, Event::InvoiceBilled { .. }));
    let month = Hour(T0 + end - 1).month_start();
    assert!(!billed(&m.advance_to(end)), "open in its grace");
    assert_eq!(m.e.usage_open_from(), month);
    // The meter reports the whole day, its last hour included, after the month ended.
    m.advance_to(end + 2);
    report_on(&mut m, (seller, c), end - 24..end, |_| 64);
    assert!(!billed(&m.advance_to(end + 5)), "still in its grace");
    let ev = m.advance_to(end + 6);
    let (invoice, totals, evidence) = usage_invoice(&ev, c);
    assert_eq!(
        totals,
        (1_536 * PRICE, 0),
        "every hour delivered: no credit"
    );
    assert_eq!(invoice.amount_micros, 1_536 * PRICE);
    assert!(evidence.is_none());
    assert_eq!(m.e.usage_open_from(), Hour(T0 + end));
    // Closed: the month's reports are final.
    let late = megawatt_engine::usage::UsageRecord {
        contract: c,
        line: 0,
        hour: Hour(T0 + end - 1),
        gpus: 60,
        energy_wh: None,
    };
    let late = Command::ReportUsage {
        records: vec![late],
    };
    let r = m.exec(seller, late).unwrap_err();
    assert_eq!(r.rule, Rule::MonthClosed);
}
