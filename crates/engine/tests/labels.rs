//! Every label the engine shows and the store keeps reads back to what was written:
//! the typed read side depends on it (a label that does not parse is a corrupt row).

use megawatt_engine::event::{CloseReason, QuoteEnd, RfqEnd, Status};
use megawatt_engine::ids::{ContractId, ParticipantId, QuoteId};
use megawatt_engine::invoice::{Charge, InvoiceStatus};
use megawatt_engine::money::{Account, TransferKind};
use megawatt_engine::order::{Side, TimeInForce};
use megawatt_engine::units::Hour;

#[test]
fn statuses_read_back() {
    for s in std::iter::once(Status::Open).chain(CloseReason::ALL.map(Status::Closed)) {
        assert_eq!(Status::<CloseReason>::parse(s.as_str()), Some(s));
    }
    for s in std::iter::once(Status::Open).chain(QuoteEnd::ALL.map(Status::Closed)) {
        assert_eq!(Status::<QuoteEnd>::parse(s.as_str()), Some(s));
    }
    let q = QuoteId(4);
    for s in [
        Status::Open,
        Status::Closed(RfqEnd::Accepted(q)),
        Status::Closed(RfqEnd::Cancelled),
        Status::Closed(RfqEnd::Expired),
    ] {
        assert_eq!(
            Status::<RfqEnd>::parse_accepted(s.as_str(), Some(q)),
            Some(s)
        );
    }
    assert_eq!(
        Status::<RfqEnd>::parse_accepted("accepted", None),
        None,
        "needs its quote"
    );
    assert_eq!(Status::<CloseReason>::parse("gone"), None);
    for s in [
        InvoiceStatus::Open,
        InvoiceStatus::Paid,
        InvoiceStatus::Overdue,
    ] {
        assert_eq!(InvoiceStatus::parse(s.as_str()), Some(s));
    }
}

#[test]
fn kinds_and_accounts_read_back() {
    for s in Side::ALL {
        assert_eq!(Side::parse(s.as_str()), Some(s));
    }
    for t in [
        TimeInForce::Gtc,
        TimeInForce::Ioc,
        TimeInForce::Fok,
        TimeInForce::Gtd { until: Hour(9) },
    ] {
        assert_eq!(TimeInForce::from_parts(t.name(), t.until()), Some(t));
    }
    assert_eq!(TimeInForce::from_parts("gtd", None), None, "needs its hour");
    for k in TransferKind::ALL {
        assert_eq!(TransferKind::parse(k.as_str()), Some(k));
    }
    for a in [
        Account::External,
        Account::Fees,
        Account::Participant(ParticipantId(3)),
    ] {
        assert_eq!(Account::parse(&a.to_string()), Some(a));
    }
    assert_eq!(Account::parse("p-"), None);
    for c in Charge::ALL {
        assert_eq!(Charge::parse(c.as_str()), Some(c));
    }
    assert_eq!(ContractId::parse("ctr-12"), Some(ContractId(12)));
    assert_eq!(ContractId::parse("ord-12"), None);
}
