//! Property tests: random sequences of thousands of commands (valid and invalid) over a
//! small, contended market. After every command the harness checks that a rejection
//! changed nothing and that every invariant of `invariants::check` holds (capacity:
//! committed + encumbered + reserved == used <= gpus at every hour of every pool, with
//! committed recomputed from the contracts; asks' availability within their window).
//! Here we also check every trade against the orders it filled, and that replay and
//! snapshots are byte-identical.
//!
//! `PROPTEST_CASES` sets the number of sequences (default 6).

mod common;

use common::*;
use megawatt_engine::command::{AskSpec, BidSpec, Command, Envelope};
use megawatt_engine::event::Event;
use megawatt_engine::ids::{OrderId, ParticipantId, PoolId, ReservationId};
use megawatt_engine::order::{AskSource, OrderKind, Side, TimeInForce};
use megawatt_engine::units::{Hour, Window};
use megawatt_engine::{Engine, OPERATOR};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// One random step, with raw numbers that the driver maps onto the current market.
#[derive(Clone, Debug)]
enum Op {
    Ask {
        who: usize,
        pool: usize,
        gpus: u32,
        start: u32,
        len: u32,
        price: i64,
        gtd: Option<u32>,
        min_fill: u32,
    },
    Bid {
        who: usize,
        model: usize,
        region: Option<usize>,
        facility: Option<usize>,
        gpus: u32,
        start: u32,
        len: u32,
        price: i64,
        colocate: bool,
        partial: bool,
        tif: u8,
    },
    Cancel {
        who: usize,
        nth: usize,
    },
    Reduce {
        who: usize,
        nth: usize,
        by: u32,
    },
    Reserve {
        who: usize,
        pool: usize,
        gpus: u32,
        start: u32,
        len: u32,
    },
    Release {
        who: usize,
        nth: usize,
    },
    Advance {
        hours: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    // Prices in a narrow band so that books cross often; windows near "now" so that
    // ticks expire orders and start and end contracts; start 0 is in the past.
    let price = (1i64..12).prop_map(|p| p * 250_000);
    prop_oneof![
        8 => (0..6usize, 0..12usize, 0u32..40, 0u32..30, 1u32..30, price.clone(), prop::option::weighted(0.2, 0u32..20), 1u32..6)
            .prop_map(|(who, pool, gpus, start, len, price, gtd, min_fill)| Op::Ask { who, pool, gpus, start, len, price, gtd, min_fill }),
        8 => (0..6usize, 0..2usize, prop::option::weighted(0.2, 0..3usize), prop::option::weighted(0.1, 0..7usize), 0u32..40, 0u32..30, 1u32..20, price, any::<bool>(), any::<bool>(), 0u8..4)
            .prop_map(|(who, model, region, facility, gpus, start, len, price, colocate, partial, tif)| Op::Bid { who, model, region, facility, gpus, start, len, price, colocate, partial, tif }),
        3 => (0..6usize, any::<usize>()).prop_map(|(who, nth)| Op::Cancel { who, nth }),
        2 => (0..6usize, any::<usize>(), 0u32..10).prop_map(|(who, nth, by)| Op::Reduce { who, nth, by }),
        1 => (0..6usize, 0..12usize, 0u32..30, 0u32..30, 1u32..30).prop_map(|(who, pool, gpus, start, len)| Op::Reserve { who, pool, gpus, start, len }),
        1 => (0..6usize, any::<usize>()).prop_map(|(who, nth)| Op::Release { who, nth }),
        2 => (0u32..3).prop_map(|hours| Op::Advance { hours }),
    ]
}

/// The market of every sequence: three providers (one also buys), three buyers, six
/// facilities in three regions with small h100 and h200 pools.
struct World {
    m: Market,
    people: Vec<ParticipantId>,
    pools: Vec<PoolId>,
    facilities: Vec<megawatt_engine::ids::FacilityId>,
    hour: u32,
    /// Orders as accepted: (price, side, colocate) for checking trades.
    placed: BTreeMap<OrderId, (i64, Side, bool, Window)>,
    /// Rejections seen, by rule.
    rejections: BTreeMap<&'static str, usize>,
}

impl World {
    fn new() -> World {
        let mut m = Market::new();
        let both = megawatt_engine::entities::Roles {
            provider: true,
            buyer: true,
            operator: false,
        };
        let people = vec![
            m.participant("p0", provider()),
            m.participant("p1", provider()),
            m.participant("p2", both),
            m.participant("b0", buyer()),
            m.participant("b1", buyer()),
            m.participant("b2", buyer()),
        ];
        let mut pools = Vec::new();
        let mut facilities = Vec::new();
        for (i, region) in ["r-a", "r-b", "r-c", "r-a", "r-b", "r-c"]
            .into_iter()
            .enumerate()
        {
            let owner = people[i % 3];
            let (f, p) = m.facility(
                owner,
                region,
                &[("h100-sxm", 24 + 8 * i as u32), ("h200", 16)],
            );
            facilities.push(f);
            pools.extend(p);
        }
        World {
            m,
            people,
            pools,
            facilities,
            hour: 0,
            placed: BTreeMap::new(),
            rejections: BTreeMap::new(),
        }
    }

    fn win(&self, start: u32, len: u32) -> Window {
        w(self.hour + start, self.hour + start + len)
    }

    fn nth_order(&self, nth: usize) -> Option<OrderId> {
        let n = self.m.e.orders().count();
        (n > 0).then(|| self.m.e.orders().nth(nth % n).expect("in range").id)
    }

    fn nth_reservation(&self, nth: usize) -> ReservationId {
        let n = self.m.e.reservations().count();
        if n == 0 {
            ReservationId(u64::MAX)
        } else {
            self.m.e.reservations().nth(nth % n).expect("in range").id
        }
    }

    fn command(&self, op: &Op) -> (ParticipantId, Command) {
        match *op {
            Op::Ask {
                who,
                pool,
                gpus,
                start,
                len,
                price,
                gtd,
                min_fill,
            } => (
                // Mostly the pool's owner; sometimes someone else (rejected).
                if who < 5 {
                    self.m.e.pool(self.pools[pool]).expect("pool").owner
                } else {
                    self.people[who]
                },
                Command::PlaceAsk(AskSpec {
                    source: AskSource::Pool(self.pools[pool]),
                    gpus,
                    window: self.win(start, len),
                    price_micros: price,
                    tif: gtd.map_or(TimeInForce::Gtc, |g| TimeInForce::Gtd {
                        until: Hour(T0 + self.hour + g),
                    }),
                    min_fill_gpus: min_fill.min(gpus.max(1)),
                }),
            ),
            Op::Bid {
                who,
                model,
                region,
                facility,
                gpus,
                start,
                len,
                price,
                colocate,
                partial,
                tif,
            } => (
                // Mostly a buyer (p2 buys too); sometimes a pure provider (rejected).
                if who == 0 {
                    self.people[0]
                } else {
                    self.people[1 + who % 5].max(self.people[2])
                },
                Command::PlaceBid(BidSpec {
                    model: ["h100-sxm", "h200"][model].into(),
                    region: region.map(|r| ["r-a", "r-b", "r-zz"][r].into()),
                    facility: facility.map(|f| {
                        self.facilities
                            .get(f)
                            .copied()
                            .unwrap_or(megawatt_engine::ids::FacilityId(999))
                    }),
                    gpus,
                    window: self.win(start, len),
                    limit_price_micros: price,
                    colocate,
                    partial,
                    tif: match tif {
                        0 => TimeInForce::Gtc,
                        1 => TimeInForce::Ioc,
                        2 => TimeInForce::Fok,
                        _ => TimeInForce::Gtd {
                            until: Hour(T0 + self.hour + 1 + start / 2),
                        },
                    },
                }),
            ),
            Op::Cancel { who, nth } => {
                let order = self.nth_order(nth);
                let actor = match order.and_then(|o| self.m.e.order(o)) {
                    Some(o) if who < 5 => o.owner,
                    _ => self.people[who],
                };
                (
                    actor,
                    Command::Cancel {
                        order: order.unwrap_or(OrderId(u64::MAX)),
                    },
                )
            }
            Op::Reduce { who, nth, by } => {
                // Mostly the owner acts; sometimes someone else (rejected).
                let order = self.nth_order(nth);
                let actor = match order.and_then(|o| self.m.e.order(o)) {
                    Some(o) if who < 5 => o.owner,
                    _ => self.people[who],
                };
                (
                    actor,
                    Command::Reduce {
                        order: order.unwrap_or(OrderId(u64::MAX)),
                        by_gpus: by,
                    },
                )
            }
            Op::Reserve {
                who,
                pool,
                gpus,
                start,
                len,
            } => (
                self.people[who],
                Command::Reserve {
                    pool: self.pools[pool],
                    gpus,
                    window: self.win(start, len),
                },
            ),
            Op::Release { who, nth } => {
                let res = self.nth_reservation(nth);
                let actor = self
                    .m
                    .e
                    .reservation(res)
                    .map_or(self.people[who], |r| r.owner);
                (actor, Command::Release { reservation: res })
            }
            // `step` has already moved `self.hour` forward.
            Op::Advance { .. } => (
                OPERATOR,
                Command::Tick {
                    hour: Hour(T0 + self.hour),
                },
            ),
        }
    }

    fn step(&mut self, op: &Op) {
        if let Op::Advance { hours } = op {
            self.hour += hours;
            self.m.time_ms = Hour(T0 + self.hour).start_ms() + 7;
        }
        let (actor, cmd) = self.command(op);
        let before: BTreeMap<OrderId, (i64, Side, bool, Window)> = self.placed.clone();
        match self.m.exec(actor, cmd) {
            Ok(events) => self.check_events(&before, &events),
            Err(r) => *self.rejections.entry(r.rule.code()).or_default() += 1,
        }
    }

    /// Every trade: price within both orders' limits and at the resting order's price,
    /// window equal to the bid's and inside the ask's; a colocated bid's fills in one
    /// command come from one pool.
    fn check_events(
        &mut self,
        before: &BTreeMap<OrderId, (i64, Side, bool, Window)>,
        events: &[Event],
    ) {
        let mut pools_per_bid: BTreeMap<OrderId, Vec<PoolId>> = BTreeMap::new();
        for e in events {
            match e {
                Event::OrderAccepted(o) => {
                    let colocate = matches!(&o.kind, OrderKind::Bid(b) if b.colocate);
                    self.placed
                        .insert(o.id, (o.price_micros, o.side(), colocate, o.window));
                }
                Event::Trade(t) => {
                    let (bid_price, bid_side, colocate, bid_window) = self.placed[&t.bid];
                    let (ask_price, ask_side, _, ask_window) = self.placed[&t.ask];
                    assert_eq!((bid_side, ask_side), (Side::Buy, Side::Sell));
                    assert!(
                        t.price_micros <= bid_price && t.price_micros >= ask_price,
                        "{t:?}"
                    );
                    let resting = if t.aggressor == Side::Buy {
                        t.ask
                    } else {
                        t.bid
                    };
                    assert!(
                        before.contains_key(&resting),
                        "the resting order rested before"
                    );
                    assert_eq!(
                        t.price_micros, self.placed[&resting].0,
                        "trades at the resting price"
                    );
                    assert_eq!(t.window, bid_window);
                    assert!(ask_window.covers(&t.window));
                    assert_ne!(t.buyer, t.seller);
                    if colocate {
                        pools_per_bid.entry(t.bid).or_default().push(t.pool);
                    }
                }
                _ => {}
            }
        }
        for (bid, pools) in pools_per_bid {
            assert!(
                pools.windows(2).all(|p| p[0] == p[1]),
                "colocated bid {bid} filled from {pools:?}"
            );
        }
    }
}

/// Replays a log on a fresh engine (optionally only the accepted commands).
fn replay(log: &[(Envelope, bool)], only_accepted: bool) -> Engine {
    let mut e = Engine::new();
    let mut events = Vec::new();
    for (env, ok) in log {
        if only_accepted && !ok {
            continue;
        }
        assert_eq!(
            e.apply(env, &mut events).is_ok(),
            *ok,
            "replay diverged at {env:?}"
        );
    }
    e
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    ProptestConfig {
        cases,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn invariants_hold_and_replay_is_byte_identical(ops in prop::collection::vec(op(), 1500..2500)) {
        let mut world = World::new();
        let mut mid = None;
        for (i, op) in ops.iter().enumerate() {
            world.step(op);
            if i == ops.len() / 2 {
                mid = Some((world.m.e.snapshot(), world.m.log.len()));
            }
        }
        let log = &world.m.log;
        let state = world.m.e.snapshot();
        prop_assert_eq!(&replay(log, false).snapshot(), &state);
        prop_assert_eq!(&replay(log, true).snapshot(), &state);
        // A snapshot taken half-way, restored, and fed the rest reaches the same bytes.
        let (bytes, n) = mid.expect("half-way snapshot");
        let mut restored = Engine::restore(&bytes).expect("restore");
        let mut events = Vec::new();
        for (env, _) in &log[n..] {
            let _ = restored.apply(env, &mut events);
        }
        prop_assert_eq!(restored.snapshot(), state);
        // The sequence did real work: orders, contracts, and rejections of many kinds.
        let contracts = world.m.e.contracts().count();
        eprintln!("placed {} orders, {contracts} contracts; rejections {:?}", world.placed.len(), world.rejections);
        prop_assert!(world.placed.len() > 300 && contracts > 20);
        prop_assert!(world.rejections.len() >= 6);
    }
}
