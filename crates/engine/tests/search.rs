//! Flexible-start buying: the search reports the cheapest starts (ties to the earliest)
//! exactly as planning a plain bid for every start would (a property test against the
//! brute force over random books); a flexible bid fills at the best start reported, is
//! refused with the best price when none fills within its limit, and bad ranges are
//! refused naming their field, changing nothing.

mod common;

use common::*;
use megawatt_engine::command::{Command, FlexBidSpec};
use megawatt_engine::event::Event;
use megawatt_engine::flex::SearchSpec;
use megawatt_engine::ids::ParticipantId;
use megawatt_engine::order::TimeInForce;
use megawatt_engine::units::Hour;
use megawatt_engine::{Rule, Window};
use proptest::prelude::*;

fn spec(gpus: u32, hours: u32, from: u32, until: u32) -> SearchSpec {
    SearchSpec {
        model: "h100-sxm".into(),
        region: None,
        facility: None,
        gpus,
        hours,
        start_from: Hour(T0 + from),
        start_until: Hour(T0 + until),
        limit_price_micros: None,
        colocate: true,
        min_reliability_bps: 0,
    }
}

fn flex(s: &SearchSpec, limit: i64, tif: TimeInForce) -> Command {
    Command::PlaceFlexibleBid(FlexBidSpec {
        model: s.model.clone(),
        region: s.region.clone(),
        facility: s.facility,
        gpus: s.gpus,
        hours: s.hours,
        start_from: s.start_from,
        start_until: s.start_until,
        limit_price_micros: limit,
        colocate: s.colocate,
        tif,
        min_reliability_bps: s.min_reliability_bps,
    })
}

/// A market of two providers' pools and a buyer.
fn market() -> (Market, ParticipantId, Vec<megawatt_engine::ids::PoolId>) {
    let mut m = Market::new();
    let a = m.participant("a", provider());
    let b = m.participant("b", provider());
    let lab = m.participant("lab", buyer());
    let (_, mut pools) = m.facility(a, "r-a", &[("h100-sxm", 64)]);
    pools.extend(m.facility(b, "r-b", &[("h100-sxm", 64)]).1);
    m.ask(a, pools[0], 16, w(10, 100), 2_000_000);
    m.ask(b, pools[1], 16, w(30, 60), 1_500_000);
    m.ask(b, pools[1], 16, w(5, 40), 3_000_000);
    (m, lab, pools)
}

#[test]
fn the_search_reports_the_cheapest_starts_and_the_bid_takes_the_best() {
    let (mut m, lab, _) = market();
    let s = spec(16, 24, 1, 60);
    let now = Hour::containing(m.time_ms);
    let found = m.e.search(lab, &s, now, 3).unwrap();
    // $1.50 from hour 30 to 36 (the cheap ask's window fits 24 hours from 30 to 36),
    // the earliest first; then $2.00 from hour 10.
    let starts: Vec<(u32, i64)> = found
        .iter()
        .map(|p| (p.window.start.0 - T0, p.average_price_micros()))
        .collect();
    assert_eq!(starts, [(30, 1_500_000), (31, 1_500_000), (32, 1_500_000)]);
    assert_eq!(found[0].cost_micros, 16 * 24 * 1_500_000);
    assert_eq!(found[0].fills.len(), 1);
    assert_eq!(m.e.search_brute_force(lab, &s, now, 3).unwrap(), found);
    // Nothing changed: the search is a read.
    let before = m.e.snapshot();
    let _ = m.e.search(lab, &s, now, 20).unwrap();
    assert_eq!(m.e.snapshot(), before);
    // The flexible bid fills at the best start, as a plain FOK bid for its window.
    let ev = m.exec(lab, flex(&s, 2_000_000, TimeInForce::Fok)).unwrap();
    let trade = ev
        .iter()
        .find_map(|e| match e {
            Event::Trade(t) => Some(t.clone()),
            _ => None,
        })
        .expect("a fill");
    assert_eq!(trade.window, w(30, 54));
    assert_eq!(trade.price_micros, 1_500_000);
    // The cheap ask is gone: the next bid's best start is the $2.00 ask's earliest.
    let next = m.e.search(lab, &s, now, 1).unwrap();
    assert_eq!(next[0].window.start, Hour(T0 + 10));
}

#[test]
fn a_bid_no_start_fills_is_refused_with_the_best_price() {
    let (mut m, lab, _) = market();
    let s = spec(16, 24, 1, 60);
    let r = m
        .exec(lab, flex(&s, 1_000_000, TimeInForce::Fok))
        .unwrap_err();
    assert_eq!(
        (r.rule, r.field),
        (Rule::NoFeasibleStart, "limit_price_micros")
    );
    assert!(r.detail.contains("averages $1.500000"), "{}", r.detail);
    // 40 GPUs: no pool holds them in one window, at any price.
    let r = m
        .exec(lab, flex(&spec(40, 24, 1, 60), 9_000_000, TimeInForce::Fok))
        .unwrap_err();
    assert_eq!((r.rule, r.field), (Rule::NoFeasibleStart, "gpus"));
    // An IOC bid takes what one start can give: 32 of the 40 GPUs, spread.
    let mut spread = spec(40, 24, 1, 60);
    spread.colocate = false;
    let ev = m
        .exec(lab, flex(&spread, 9_000_000, TimeInForce::Ioc))
        .unwrap();
    let gpus: u32 = ev
        .iter()
        .filter_map(|e| match e {
            Event::Trade(t) => Some(t.gpus),
            _ => None,
        })
        .sum();
    assert_eq!(gpus, 32);
}

#[test]
fn bad_ranges_are_refused_naming_their_field() {
    let (mut m, lab, _) = market();
    let now = Hour::containing(m.time_ms);
    let refused = |m: &mut Market, s: &SearchSpec, tif| {
        let r = m.exec(lab, flex(s, 2_000_000, tif)).unwrap_err();
        let q = m.e.search(lab, s, now, 5).unwrap_err();
        assert_eq!((r.rule, r.field), (q.rule, q.field));
        (r.rule, r.field)
    };
    let fok = TimeInForce::Fok;
    assert_eq!(
        refused(&mut m, &spec(16, 24, 9, 8), fok),
        (Rule::WindowEmpty, "start_until")
    );
    assert_eq!(
        refused(&mut m, &spec(16, 24, 0, 8), fok),
        (Rule::WindowInPast, "start_from")
    );
    assert_eq!(
        refused(&mut m, &spec(16, 24, 1, 745), fok),
        (Rule::WindowTooLong, "start_until")
    );
    assert_eq!(
        refused(&mut m, &spec(16, 0, 1, 8), fok),
        (Rule::WindowEmpty, "hours")
    );
    assert_eq!(
        refused(&mut m, &spec(0, 24, 1, 8), fok),
        (Rule::ZeroGpus, "gpus")
    );
    let mut s = spec(16, 24, 1, 8);
    s.model = "h900".into();
    assert_eq!(refused(&mut m, &s, fok), (Rule::UnknownModel, "model"));
    let mut s = spec(16, 24, 1, 8);
    s.region = Some("mars".into());
    assert_eq!(refused(&mut m, &s, fok), (Rule::UnknownRegion, "region"));
    let r = m.exec(lab, flex(&spec(16, 24, 1, 8), 2_000_000, TimeInForce::Gtc));
    assert_eq!(r.unwrap_err().field, "tif");
    // A range of exactly 744 starts is allowed.
    assert!(m.e.search(lab, &spec(16, 24, 1, 744), now, 5).is_ok());
}

/// One resting ask of a random book.
#[derive(Clone, Debug)]
struct RandomAsk {
    seller: usize,
    pool: usize,
    gpus: u32,
    start: u32,
    len: u32,
    price: i64,
    min_fill: u32,
}

fn random_ask() -> impl Strategy<Value = RandomAsk> {
    (
        0..3usize,
        0..2usize,
        1..40u32,
        1..120u32,
        1..80u32,
        10..30i64,
        0..3u32,
    )
        .prop_map(
            |(seller, pool, gpus, start, len, price, min_fill)| RandomAsk {
                seller,
                pool,
                gpus,
                start,
                len,
                price: price * 100_000,
                min_fill: min_fill * 4,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The search's starts are the brute force's, cheapest first, and a flexible bid's
    /// fill costs no more than any start the search reported.
    #[test]
    fn the_search_equals_the_brute_force_and_the_bid_takes_its_best(
        asks in prop::collection::vec(random_ask(), 1..60),
        takes in prop::collection::vec((1..40u32, 1..120u32, 1..40u32), 0..12),
        gpus in 1..48u32, hours in 1..40u32, from in 1..30u32, span in 0..90u32,
        colocate: bool, limit in 12..30i64, region: bool,
    ) {
        let mut m = Market::new();
        let sellers: Vec<ParticipantId> = (0..3).map(|i| m.participant(&format!("p{i}"), provider())).collect();
        let lab = m.participant("lab", buyer());
        let mut pools = Vec::new();
        for (i, s) in sellers.iter().enumerate() {
            let region = if i == 0 { "r-a" } else { "r-b" };
            let two: Vec<_> = (0..2).map(|_| m.facility(*s, region, &[("h100-sxm", 48)]).1[0]).collect();
            pools.push(two);
        }
        for a in &asks {
            let window = w(a.start, a.start + a.len);
            let cmd = Command::PlaceAsk(megawatt_engine::command::AskSpec {
                source: megawatt_engine::order::AskSource::Pool(pools[a.seller][a.pool]),
                gpus: a.gpus,
                window,
                price_micros: a.price,
                tif: TimeInForce::Gtc,
                min_fill_gpus: a.min_fill.clamp(1, a.gpus),
            });
            let _ = m.exec(sellers[a.seller], cmd);
        }
        // Another buyer's fills of parts of asks' windows: availability that varies
        // over an ask's window (the search bounds it by its most at any hour).
        let other = m.participant("other lab", buyer());
        for &(g, start, len) in &takes {
            let mut bid = Market::bid_spec(g, w(start, start + len), 3_000_000);
            (bid.tif, bid.partial) = (TimeInForce::Ioc, true);
            let _ = m.exec(other, Command::PlaceBid(bid));
        }
        let mut s = spec(gpus, hours, from, from + span);
        s.colocate = colocate;
        s.limit_price_micros = Some(limit * 100_000);
        s.region = region.then(|| "r-b".to_string());
        let now = Hour::containing(m.time_ms);
        let found = m.e.search(lab, &s, now, 5).unwrap();
        prop_assert_eq!(&found, &m.e.search_brute_force(lab, &s, now, 5).unwrap());
        for p in &found {
            prop_assert_eq!(p.gpus, gpus);
            prop_assert!(p.fills.iter().all(|f| f.price_micros <= limit * 100_000));
        }
        match m.exec(lab, flex(&s, limit * 100_000, TimeInForce::Fok)) {
            Ok(ev) => {
                let cost: i64 = ev.iter().filter_map(|e| match e {
                    Event::Trade(t) => Some(t.price_micros * i64::from(t.gpus) * i64::from(t.window.hours())),
                    _ => None,
                }).sum();
                let window: Option<Window> = ev.iter().find_map(|e| match e {
                    Event::Trade(t) => Some(t.window),
                    _ => None,
                });
                prop_assert_eq!(cost, found[0].cost_micros);
                prop_assert_eq!(window, Some(found[0].window));
                prop_assert!(found.iter().all(|p| cost <= p.cost_micros));
            }
            Err(r) => {
                prop_assert!(found.is_empty(), "refused with starts found: {r}");
                prop_assert_eq!(r.rule, Rule::NoFeasibleStart);
            }
        }
    }
}
