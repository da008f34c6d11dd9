//! The peer benchmark: the degenerate workload in which every order has the same window,
//! so Megawatt's market is a plain limit order book, run through Megawatt and through
//! `lobster` (a single-threaded Rust limit order book) with the same orders.
//!
//! Megawatt's bids are non-colocated, partial-fill GTC bids, so that both books have
//! the same semantics: price-time priority, partial fills, trades at the resting price.
//! The total traded quantity of the two must therefore be equal, and is checked.

use crate::Opts;
use crate::rng::Rng;
use crate::stats::median;
use lobster::{OrderBook, OrderEvent, OrderType, Side};
use megawatt_engine::command::{AskSpec, BidSpec, Command, Envelope, PoolSpec};
use megawatt_engine::entities::Roles;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{OrderId, ParticipantId, PoolId};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::{Hour, Window};
use megawatt_engine::{Engine, OPERATOR};
use std::time::Instant;

/// One operation of the degenerate workload.
#[derive(Clone, Copy)]
enum Op {
    Place {
        sell: bool,
        qty: u32,
        price: i64,
    },
    /// Cancel the n-th order placed (1-based); it may have filled already.
    Cancel {
        serial: u64,
    },
}

const MID_MICROS: i64 = 2_000_000;
const TICK_MICROS: i64 = 10_000;
const PREFILL: usize = 20_000;

fn workload(seed: u64, n: usize) -> Vec<Op> {
    let mut rng = Rng::new(seed);
    let mut ops = Vec::with_capacity(n);
    let mut placed = 0u64;
    for i in 0..n {
        // Prefill both sides away from the middle, then a steady mix.
        if i >= PREFILL && rng.chance(40) && placed > 0 {
            let back = rng.below(placed.min(5_000));
            ops.push(Op::Cancel {
                serial: placed - back,
            });
            continue;
        }
        let sell = rng.chance(50);
        let offset = rng.below(50) as i64 - if i < PREFILL { -1 } else { 5 };
        let price = if sell {
            MID_MICROS + offset * TICK_MICROS
        } else {
            MID_MICROS - offset * TICK_MICROS
        };
        ops.push(Op::Place {
            sell,
            qty: 1 + rng.below(100) as u32,
            price,
        });
        placed += 1;
    }
    ops
}

/// Sellers and buyers: orders are spread over them so that no participant reaches
/// its live-order limit.
const TRADERS: usize = 16;

struct Mw {
    engine: Engine,
    /// Each seller with its own pool.
    sellers: Vec<(ParticipantId, PoolId)>,
    buyers: Vec<ParticipantId>,
}

fn megawatt_setup() -> Mw {
    let mut e = Engine::new();
    let mut ev = Vec::new();
    let mut admit = |e: &mut Engine, name: &str, roles: Roles| {
        ev.clear();
        let cmd = Command::CreateParticipant {
            name: name.into(),
            roles,
        };
        let env = Envelope {
            time_ms: 0,
            actor: OPERATOR,
            command: cmd,
        };
        e.apply(&env, &mut ev).expect("participant");
        match &ev[0] {
            Event::ParticipantCreated(p) => p.id,
            _ => unreachable!(),
        }
    };
    let provider = Roles {
        provider: true,
        ..Roles::default()
    };
    let buyer = Roles {
        buyer: true,
        ..Roles::default()
    };
    let sellers: Vec<ParticipantId> = (0..TRADERS)
        .map(|i| admit(&mut e, &format!("seller-{i}"), provider))
        .collect();
    let buyers: Vec<ParticipantId> = (0..TRADERS)
        .map(|i| admit(&mut e, &format!("buyer-{i}"), buyer))
        .collect();
    for &b in &buyers {
        let env = Envelope {
            time_ms: 0,
            actor: OPERATOR,
            command: Command::Deposit {
                participant: b,
                amount_micros: 1_000_000_000_000_000,
                reference: "bench funds".into(),
            },
        };
        e.apply(&env, &mut Vec::new()).expect("deposit");
    }
    let mut ev = Vec::new();
    let mut sellers_with_pools = Vec::new();
    for seller in sellers {
        let env = Envelope {
            time_ms: 0,
            actor: seller,
            command: Command::CreateFacility {
                name: "big pool".into(),
                region: "us-east".into(),
                power_kw: 100_000_000,
                pools: vec![PoolSpec {
                    model: "h100-sxm".into(),
                    gpus: 10_000_000,
                }],
            },
        };
        ev.clear();
        e.apply(&env, &mut ev).expect("facility");
        let Event::FacilityCreated(f) = &ev[0] else {
            unreachable!()
        };
        sellers_with_pools.push((seller, f.pools[0]));
    }
    Mw {
        engine: e,
        sellers: sellers_with_pools,
        buyers,
    }
}

/// The same window for every order: one day, a month after the epoch.
const WINDOW: Window = Window {
    start: Hour(1_000),
    end: Hour(1_024),
};

fn to_envelopes(mw: &Mw, ops: &[Op]) -> Vec<Envelope> {
    ops.iter()
        .enumerate()
        .map(|(i, op)| match *op {
            Op::Place {
                sell: true,
                qty,
                price,
            } => Envelope {
                time_ms: 0,
                actor: mw.sellers[i % TRADERS].0,
                command: Command::PlaceAsk(AskSpec {
                    source: AskSource::Pool(mw.sellers[i % TRADERS].1),
                    gpus: qty,
                    window: WINDOW,
                    price_micros: price,
                    tif: TimeInForce::Gtc,
                    min_fill_gpus: 1,
                }),
            },
            Op::Place {
                sell: false,
                qty,
                price,
            } => Envelope {
                time_ms: 0,
                actor: mw.buyers[i % TRADERS],
                command: Command::PlaceBid(BidSpec {
                    model: "h100-sxm".into(),
                    region: None,
                    facility: None,
                    gpus: qty,
                    window: WINDOW,
                    limit_price_micros: price,
                    colocate: false,
                    partial: true,
                    tif: TimeInForce::Gtc,
                    min_reliability_bps: 0,
                }),
            },
            // Megawatt assigns order ids 1, 2, … in placement order.
            Op::Cancel { serial } => Envelope {
                time_ms: 0,
                actor: OPERATOR,
                command: Command::Cancel {
                    order: OrderId(serial),
                },
            },
        })
        .collect()
}

/// Runs Megawatt over the envelopes; returns (seconds, GPUs traded, places rejected).
/// No place may be rejected: the cancels address orders by placement serial.
fn run_megawatt(mut mw: Mw, envs: &[Envelope]) -> (f64, u64, u64) {
    let mut events = Vec::with_capacity(64);
    let mut volume = 0u64;
    let mut rejected_places = 0u64;
    let t0 = Instant::now();
    for env in envs {
        events.clear();
        let r = mw.engine.apply(env, &mut events);
        if r.is_err() && !matches!(env.command, Command::Cancel { .. }) {
            rejected_places += 1;
        }
        for e in &events {
            if let Event::Trade(t) = e {
                volume += u64::from(t.gpus);
            }
        }
    }
    (t0.elapsed().as_secs_f64(), volume, rejected_places)
}

/// Runs lobster over the same operations; returns (seconds, quantity traded).
fn run_lobster(ops: &[Op]) -> (f64, u64) {
    let mut book = OrderBook::default();
    let mut serial = 0u128;
    let mut volume = 0u64;
    let t0 = Instant::now();
    for op in ops {
        let order = match *op {
            Op::Place { sell, qty, price } => {
                serial += 1;
                OrderType::Limit {
                    id: serial,
                    side: if sell { Side::Ask } else { Side::Bid },
                    qty: u64::from(qty),
                    price: price as u64,
                }
            }
            Op::Cancel { serial } => OrderType::Cancel {
                id: u128::from(serial),
            },
        };
        match book.execute(order) {
            OrderEvent::Filled { filled_qty, .. }
            | OrderEvent::PartiallyFilled { filled_qty, .. } => {
                volume += filled_qty;
            }
            _ => {}
        }
    }
    (t0.elapsed().as_secs_f64(), volume)
}

/// Runs the comparison and returns its JSON line.
pub fn run(opts: Opts) -> String {
    let ops = workload(opts.seed, opts.commands);
    let template = megawatt_setup();
    let envs = to_envelopes(&template, &ops);
    let (mut mw_rates, mut peer_rates) = (Vec::new(), Vec::new());
    let (mut mw_volume, mut peer_volume, mut rejected) = (0, 0, 0);
    for _ in 0..opts.runs {
        let mw = Mw {
            engine: template.engine.clone(),
            sellers: template.sellers.clone(),
            buyers: template.buyers.clone(),
        };
        let (secs, v, r) = run_megawatt(mw, &envs);
        mw_rates.push(ops.len() as f64 / secs);
        (mw_volume, rejected) = (v, r);
        let (secs, v) = run_lobster(&ops);
        peer_rates.push(ops.len() as f64 / secs);
        peer_volume = v;
    }
    let (mw_rate, peer_rate) = (median(mw_rates), median(peer_rates));
    serde_json::json!({
        "bench": "engine-peer",
        "seed": opts.seed,
        "operations": ops.len(),
        "runs": opts.runs,
        "peer": "lobster 0.7.0",
        "megawatt_ops_per_sec": mw_rate.round(),
        "peer_ops_per_sec": peer_rate.round(),
        "ratio_vs_peer": (mw_rate / peer_rate * 1000.0).round() / 1000.0,
        "megawatt_volume": mw_volume,
        "peer_volume": peer_volume,
        "same_volume": mw_volume == peer_volume,
        "megawatt_rejected_places": rejected,
    })
    .to_string()
}
