//! Provider reliability (`docs/market-rules.md`, "Reliability"): a facility's delivered
//! ÷ reported GPU-hours over the last 30 days, from its sellers' delivery reports
//! (corrections replace their hour), dropped as days leave the window; and bids that
//! ask for a minimum (`min_reliability_bps`) fill only from facilities that meet it,
//! whether the bid arrives or rests. Bids journaled before (`PlaceBidV1`) ask none.

mod common;

use common::*;
use megawatt_engine::Rule;
use megawatt_engine::command::{BidSpec, BidSpecV1, Command};
use megawatt_engine::ids::{ContractId, FacilityId, ParticipantId};
use megawatt_engine::usage::Tally;

const PRICE: i64 = 2_000_000;

/// `reporter`'s reports of line 0 of `contract` for each hour.
fn report(
    m: &mut Market,
    reporter: ParticipantId,
    contract: ContractId,
    hours: std::ops::Range<u32>,
    gpus: impl Fn(u32) -> u32,
) {
    report_on(m, (reporter, contract), hours, gpus);
}

fn facility_of(f: &Fill) -> FacilityId {
    f.m.e.pool(f.pool).unwrap().facility
}

#[test]
fn a_facility_is_as_reliable_as_its_reports_over_the_last_30_days() {
    // Hours 16..26 from T0 are hours 0..10 of one UTC day.
    assert_eq!((T0 + 16) % 24, 0);
    let mut f = fill_on(Market::new(), 10, w(16, 26), PRICE);
    let fac = facility_of(&f);
    let now = |f: &Fill| f.m.e.last_tick();
    assert_eq!(f.m.e.facility_reliability(fac, now(&f)).bps(), None);
    f.m.advance_to(30);
    // 10 hours of 10 GPUs reported, 5 GPUs short in hour 18: 95/100.
    report(&mut f.m, f.seller, f.contract, 16..26, |h| {
        if h == 18 { 5 } else { 10 }
    });
    let t = f.m.e.facility_reliability(fac, now(&f));
    assert_eq!(
        t,
        Tally {
            reported_gpu_hours: 100,
            delivered_gpu_hours: 95
        }
    );
    assert_eq!(t.bps(), Some(9_500));
    // A correction replaces its hour; the provider's is its facilities' together.
    report(&mut f.m, f.seller, f.contract, 18..19, |_| 9);
    let t = f.m.e.facility_reliability(fac, now(&f));
    assert_eq!((t.reported_gpu_hours, t.delivered_gpu_hours), (100, 99));
    assert_eq!(f.m.e.provider_reliability(f.seller, now(&f)), t);
    // The buyer's reports (GPUs used) do not count.
    report(&mut f.m, f.buyer, f.contract, 16..26, |_| 1);
    assert_eq!(f.m.e.facility_reliability(fac, now(&f)), t);
    // Still in the window 30 days on; gone after (the tick drops the day).
    let day = (T0 + 16) / 24;
    let last_in = (day + 30) * 24 + 23 - T0;
    f.m.advance_to(last_in);
    assert_eq!(f.m.e.facility_reliability(fac, now(&f)), t);
    f.m.advance_to(last_in + 1);
    assert_eq!(f.m.e.facility_reliability(fac, now(&f)).bps(), None);
}

/// Two facilities of one provider, one reported 90% delivered and the other 100%, and
/// a funded buyer; the asks: (unreliable pool, reliable pool).
fn two_facilities() -> (
    Market,
    ParticipantId,
    ParticipantId,
    (FacilityId, FacilityId),
) {
    let mut f = fill_on(Market::new(), 10, w(10, 20), PRICE);
    let weak = facility_of(&f);
    let (strong, pools) = f.m.facility(f.seller, "us-south", &[("h100-sxm", 100)]);
    f.m.ask(f.seller, pools[0], 10, w(10, 20), PRICE);
    let (_, ev) = f.m.bid(f.buyer, Market::bid_spec(10, w(10, 20), PRICE));
    let strong_contract = created(&ev)[0];
    f.m.advance_to(30);
    report(&mut f.m, f.seller, f.contract, 10..20, |h| {
        if h == 12 { 0 } else { 10 }
    });
    report(&mut f.m, f.seller, strong_contract, 10..20, |_| 10);
    let now = f.m.e.last_tick();
    assert_eq!(f.m.e.facility_reliability(weak, now).bps(), Some(9_000));
    assert_eq!(f.m.e.facility_reliability(strong, now).bps(), Some(10_000));
    (f.m, f.seller, f.buyer, (weak, strong))
}

fn bid(gpus: u32, min_reliability_bps: u16) -> BidSpec {
    BidSpec {
        min_reliability_bps,
        ..Market::bid_spec(gpus, w(40, 50), PRICE)
    }
}

#[test]
fn a_bid_fills_only_from_facilities_as_reliable_as_it_asks() {
    let (mut m, seller, buyer, (weak, strong)) = two_facilities();
    let pool_of = |m: &Market, f: FacilityId| m.e.facility(f).unwrap().pools[0];
    // The cheaper ask is at the unreliable facility.
    let (weak_pool, strong_pool) = (pool_of(&m, weak), pool_of(&m, strong));
    m.ask(seller, weak_pool, 8, w(40, 50), PRICE - 500_000);
    m.ask(seller, strong_pool, 8, w(40, 50), PRICE);
    for _ in 0..2 {
        let (_, ev) = m.bid(buyer, bid(4, 9_500));
        let fills = trades(&ev);
        assert_eq!(fills.len(), 1);
        assert_eq!(fills[0].3, PRICE, "filled at the reliable facility's price");
    }
    // Without a minimum, the cheapest.
    let (_, ev) = m.bid(buyer, bid(4, 0));
    assert_eq!(trades(&ev)[0].3, PRICE - 500_000);
    // With the reliable facility's ask taken, a bid asking 100% rests; an ask from a
    // facility with no reports does not fill it, nor one below it; one that meets it
    // does.
    let (_, ev) = m.bid(buyer, bid(2, 10_000));
    assert!(trades(&ev).is_empty());
    let (_, fresh) = m.facility(seller, "us-south", &[("h100-sxm", 10)]);
    let (_, ev) = m.ask(seller, fresh[0], 2, w(40, 50), PRICE);
    assert!(trades(&ev).is_empty(), "no reports: no reliability");
    let (_, ev) = m.ask(seller, weak_pool, 2, w(40, 50), PRICE);
    assert!(trades(&ev).is_empty(), "90% is not 100%");
    let (_, ev) = m.ask(seller, strong_pool, 2, w(40, 50), PRICE);
    assert_eq!(
        trades(&ev).len(),
        1,
        "the resting bid fills from the reliable one"
    );
}

#[test]
fn a_minimum_above_10000_is_refused_naming_the_field() {
    let mut m = Market::new();
    let buyer = m.participant("lab", buyer());
    let r = m
        .exec(buyer, Command::PlaceBid(bid(1, 10_001)))
        .unwrap_err();
    assert_eq!((r.rule, r.field), (Rule::OutOfRange, "min_reliability_bps"));
}

/// A bid journaled before bids could ask for reliability (variant 6) decodes as
/// `PlaceBidV1` byte for byte as it was written, and asks for none; the new record adds
/// the minimum after the same fields, as variant 30.
#[test]
fn a_bid_journaled_before_reliability_still_decodes_and_asks_none() {
    let new = bid(4, 0);
    let old = Command::PlaceBidV1(BidSpecV1 {
        model: new.model.clone(),
        region: new.region.clone(),
        facility: new.facility,
        gpus: new.gpus,
        window: new.window,
        limit_price_micros: new.limit_price_micros,
        colocate: new.colocate,
        partial: new.partial,
        tif: new.tif,
    });
    let bytes = postcard::to_allocvec(&old).unwrap();
    let fresh = postcard::to_allocvec(&Command::PlaceBid(new.clone())).unwrap();
    assert_eq!((bytes[0], fresh[0]), (6, 30));
    assert_eq!(bytes[1..], fresh[1..bytes.len()]);
    assert_eq!(postcard::from_bytes::<Command>(&bytes).unwrap(), old);
    assert_eq!(
        BidSpec::from(match old {
            Command::PlaceBidV1(b) => b,
            _ => unreachable!(),
        }),
        new
    );
}

#[test]
fn a_resellers_reports_do_not_count_towards_the_facility() {
    use megawatt_engine::command::AskSpec;
    use megawatt_engine::order::{AskSource, TimeInForce};
    let mut f = fill_on(Market::new(), 10, w(16, 40), PRICE);
    let fac = facility_of(&f);
    // The buyer resells 4 of its GPUs for hours 20..30 to a second buyer.
    let resale = Command::PlaceAsk(AskSpec {
        source: AskSource::Contract {
            contract: f.contract,
            line: 0,
        },
        gpus: 4,
        window: w(20, 30),
        price_micros: PRICE,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 1,
    });
    f.m.exec(f.buyer, resale).unwrap();
    let second = f.m.participant("second", buyer());
    let (_, ev) = f.m.bid(second, Market::bid_spec(4, w(20, 30), PRICE));
    let child = created(&ev)[0];
    f.m.advance_to(30);
    // As the child's seller, the reseller reports every hour fully delivered: the
    // facility it does not own is no more reliable for it.
    report(&mut f.m, f.buyer, child, 20..30, |_| 4);
    assert_eq!(
        f.m.e.facility_reliability(fac, f.m.e.last_tick()).bps(),
        None
    );
    // The owner's reports of the parent do count.
    report(&mut f.m, f.seller, f.contract, 20..30, |_| 9);
    assert_eq!(
        f.m.e.facility_reliability(fac, f.m.e.last_tick()).bps(),
        Some(9_000)
    );
}
