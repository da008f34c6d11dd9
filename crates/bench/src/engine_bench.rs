//! The engine benchmark: a seeded synthetic market of 1,000 pools (250 facilities of
//! four models in eight regions), 50 providers and 200 buyers, prefilled with tens of
//! thousands of resting orders, then a measured stream of places (asks and bids that
//! sometimes cross), cancels, reductions and hourly ticks.
//!
//! Pass 1 generates the stream against a live engine (the generator needs to know
//! which orders are live to cancel them) and times every command on its own for the
//! latency percentiles. Later passes replay the recorded stream on fresh engines in a
//! tight loop for throughput; their final state must equal pass 1's, byte for byte.

use crate::Opts;
use crate::rng::Rng;
use crate::stats::{median, per_mille};
use megawatt_engine::command::{AskSpec, BidSpec, Command, Envelope, PoolSpec};
use megawatt_engine::entities::Roles;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{FacilityId, OrderId, ParticipantId, PoolId};
use megawatt_engine::order::{AskSource, OrderKind, TimeInForce};
use megawatt_engine::units::{Hour, Window};
use megawatt_engine::{Engine, OPERATOR};
use std::collections::HashMap;
use std::time::Instant;

const PROVIDERS: usize = 50;
const BUYERS: usize = 200;
const FACILITIES_PER_PROVIDER: usize = 5;
const MODELS: [&str; 4] = ["h100-sxm", "h200", "b200", "mi300x"];
const REF_PRICE_MICROS: [i64; 4] = [2_000_000, 2_500_000, 4_000_000, 1_800_000];
const REGIONS: [&str; 8] = [
    "us-east",
    "us-west",
    "us-south",
    "eu-west",
    "eu-north",
    "ap-south",
    "ap-east",
    "me-central",
];
const PREFILL_ORDERS: usize = 40_000;
const COMMANDS_PER_HOUR: usize = 25_000;
/// 2027-01-04T00:00Z.
const START_HOUR: u32 = 499_392;

/// The evolving market the generator draws commands from.
struct Generator {
    rng: Rng,
    providers: Vec<ParticipantId>,
    buyers: Vec<ParticipantId>,
    /// Pools with their owner and model index.
    pools: Vec<(PoolId, ParticipantId, usize)>,
    facilities: Vec<FacilityId>,
    hour: u32,
    time_ms: u64,
    live: Vec<OrderId>,
    live_pos: HashMap<OrderId, usize>,
    trades: u64,
    rejected: u64,
    /// Every command applied by `setup`, in order (for benchmarks that need the whole
    /// history, such as the journal's).
    recorded: Vec<Envelope>,
}

impl Generator {
    fn env(&self, actor: ParticipantId, command: Command) -> Envelope {
        Envelope {
            time_ms: self.time_ms,
            actor,
            command,
        }
    }

    /// The setup commands: participants, then facilities with four pools each.
    fn setup(&mut self, engine: &mut Engine) {
        let mut events = Vec::new();
        let mut admit = |g: &mut Generator, name: String, roles: Roles| {
            events.clear();
            let cmd = Command::CreateParticipant { name, roles };
            let env = g.env(OPERATOR, cmd);
            engine.apply(&env, &mut events).expect("participant");
            g.recorded.push(env);
            match &events[0] {
                Event::ParticipantCreated(p) => p.id,
                _ => unreachable!(),
            }
        };
        for i in 0..PROVIDERS {
            let roles = Roles {
                provider: true,
                ..Roles::default()
            };
            let id = admit(self, format!("provider-{i}"), roles);
            self.providers.push(id);
        }
        for i in 0..BUYERS {
            let roles = Roles {
                buyer: true,
                ..Roles::default()
            };
            let id = admit(self, format!("buyer-{i}"), roles);
            self.buyers.push(id);
        }
        // Every buyer has money to pay for what it buys.
        for &b in &self.buyers.clone() {
            events.clear();
            let cmd = Command::Deposit {
                participant: b,
                amount_micros: 1_000_000_000_000_000,
                reference: "bench funds".into(),
            };
            let env = self.env(OPERATOR, cmd);
            engine.apply(&env, &mut events).expect("deposit");
            self.recorded.push(env);
        }
        for p in 0..PROVIDERS * FACILITIES_PER_PROVIDER {
            self.create_facility(engine, p);
        }
    }

    fn create_facility(&mut self, engine: &mut Engine, n: usize) {
        let owner = self.providers[n % PROVIDERS];
        let pools: Vec<PoolSpec> = MODELS
            .iter()
            .map(|m| PoolSpec {
                model: (*m).to_string(),
                gpus: self.rng.range(2_000, 8_000) as u32,
            })
            .collect();
        let cmd = Command::CreateFacility {
            name: format!("site-{n}"),
            region: (*self.rng.pick(&REGIONS)).to_string(),
            power_kw: 80_000,
            pools,
        };
        let mut events = Vec::new();
        let env = self.env(owner, cmd);
        engine.apply(&env, &mut events).expect("facility");
        self.recorded.push(env);
        let Event::FacilityCreated(f) = &events[0] else {
            unreachable!()
        };
        self.facilities.push(f.id);
        for (m, &pool) in f.pools.iter().enumerate() {
            self.pools.push((pool, owner, m));
        }
    }

    fn ask(&mut self) -> Envelope {
        let &(pool, owner, m) = self.rng.pick(&self.pools);
        let start = self.hour + 1 + self.rng.below(120) as u32;
        let len = *self.rng.pick(&[24u32, 48, 72, 168, 336]);
        let gpus = *self.rng.pick(&[64u32, 128, 256, 512]);
        let price = REF_PRICE_MICROS[m] * (100 + self.rng.below(20) as i64) / 100;
        let tif = if self.rng.chance(20) {
            TimeInForce::Gtd {
                until: Hour(start - self.rng.below(u64::from(start - self.hour)) as u32),
            }
        } else {
            TimeInForce::Gtc
        };
        let spec = AskSpec {
            source: AskSource::Pool(pool),
            gpus,
            window: window(start, len),
            price_micros: price,
            tif,
            min_fill_gpus: if self.rng.chance(30) { 8 } else { 1 },
        };
        self.env(owner, Command::PlaceAsk(spec))
    }

    fn bid(&mut self) -> Envelope {
        let buyer = *self.rng.pick(&self.buyers);
        let m = self.rng.below(MODELS.len() as u64) as usize;
        let start = self.hour + 1 + self.rng.below(168) as u32;
        let len = *self.rng.pick(&[1u32, 2, 4, 8, 12, 24]);
        let tif = match self.rng.below(10) {
            0..=3 => TimeInForce::Gtc,
            4..=8 => TimeInForce::Ioc,
            _ => TimeInForce::Fok,
        };
        let spec = BidSpec {
            model: MODELS[m].to_string(),
            region: self
                .rng
                .chance(10)
                .then(|| (*self.rng.pick(&REGIONS)).to_string()),
            facility: self.rng.chance(5).then(|| *self.rng.pick(&self.facilities)),
            gpus: *self.rng.pick(&[8u32, 16, 32, 64, 128]),
            window: window(start, len),
            limit_price_micros: REF_PRICE_MICROS[m] * (85 + self.rng.below(22) as i64) / 100,
            colocate: self.rng.chance(80),
            partial: self.rng.chance(30),
            tif,
            min_reliability_bps: 0,
        };
        self.env(buyer, Command::PlaceBid(spec))
    }

    /// A cancel or a reduction of a random live order, by its owner.
    fn cancel_or_reduce(&mut self, engine: &Engine, reduce: bool) -> Option<Envelope> {
        if self.live.is_empty() {
            return None;
        }
        let id = *self.rng.pick(&self.live);
        let order = engine.order(id).expect("live order");
        let command = match (&order.kind, reduce) {
            (OrderKind::Ask(a), true) if a.gpus > a.min_fill_gpus => Command::Reduce {
                order: id,
                by_gpus: 1 + self.rng.below(u64::from(a.gpus - a.min_fill_gpus)) as u32,
            },
            (OrderKind::Bid(b), true) if b.remaining_gpus > 1 => Command::Reduce {
                order: id,
                by_gpus: 1,
            },
            _ => Command::Cancel { order: id },
        };
        Some(self.env(order.owner, command))
    }

    /// The next command of the steady-state mix.
    fn next(&mut self, engine: &Engine, i: usize) -> Envelope {
        if i % COMMANDS_PER_HOUR == COMMANDS_PER_HOUR - 1 {
            self.hour += 1;
            self.time_ms = Hour(self.hour).start_ms();
            return self.env(
                OPERATOR,
                Command::Tick {
                    hour: Hour(self.hour),
                },
            );
        }
        match self.rng.below(100) {
            0..=33 => self.ask(),
            34..=63 => self.bid(),
            64..=95 => self
                .cancel_or_reduce(engine, false)
                .unwrap_or_else(|| self.ask()),
            _ => self
                .cancel_or_reduce(engine, true)
                .unwrap_or_else(|| self.ask()),
        }
    }

    /// Keeps the set of live orders in step with the engine's events.
    fn observe(&mut self, engine: &Engine, events: &[Event]) {
        for e in events {
            match e {
                Event::OrderAccepted(o) => {
                    self.live_pos.insert(o.id, self.live.len());
                    self.live.push(o.id);
                }
                Event::OrderClosed { order, .. } => {
                    let i = self.live_pos.remove(order).expect("tracked");
                    self.live.swap_remove(i);
                    if let Some(&moved) = self.live.get(i) {
                        self.live_pos.insert(moved, i);
                    }
                }
                Event::Trade(_) => self.trades += 1,
                _ => {}
            }
        }
        debug_assert_eq!(self.live.len(), engine.live_orders());
    }
}

/// Names of the command kinds, indexed by [`kind_of`].
const KINDS: [&str; 5] = ["ask", "bid", "cancel", "reduce", "tick"];

fn kind_of(c: &Command) -> usize {
    match c {
        Command::PlaceAsk(_) => 0,
        Command::PlaceBid(_) => 1,
        Command::Cancel { .. } => 2,
        Command::Reduce { .. } => 3,
        _ => 4,
    }
}

fn window(start: u32, len: u32) -> Window {
    Window {
        start: Hour(start),
        end: Hour(start + len),
    }
}

/// Applies commands without timing; returns how many were rejected.
fn apply_all(engine: &mut Engine, cmds: &[Envelope]) -> u64 {
    let mut events = Vec::with_capacity(64);
    let mut rejected = 0;
    for env in cmds {
        events.clear();
        if engine.apply(env, &mut events).is_err() {
            rejected += 1;
        }
    }
    rejected
}

/// A new generator.
fn generator(seed: u64) -> Generator {
    Generator {
        rng: Rng::new(seed),
        providers: Vec::new(),
        buyers: Vec::new(),
        pools: Vec::new(),
        facilities: Vec::new(),
        hour: START_HOUR,
        time_ms: Hour(START_HOUR).start_ms(),
        live: Vec::new(),
        live_pos: HashMap::new(),
        trades: 0,
        rejected: 0,
        recorded: Vec::new(),
    }
}

/// The accepted commands of the benchmark's market from genesis: setup, prefill and
/// `commands` commands of the steady mix (rejected ones left out, as the journal does).
pub fn accepted_stream(seed: u64, commands: usize) -> Vec<Envelope> {
    let mut g = generator(seed);
    let mut engine = Engine::new();
    g.setup(&mut engine);
    let mut out = std::mem::take(&mut g.recorded);
    let mut events = Vec::with_capacity(64);
    for i in 0..PREFILL_ORDERS + commands {
        let env = if i < PREFILL_ORDERS {
            if g.rng.chance(75) { g.ask() } else { g.bid() }
        } else {
            g.next(&engine, i - PREFILL_ORDERS)
        };
        events.clear();
        if engine.apply(&env, &mut events).is_ok() {
            g.observe(&engine, &events);
            out.push(env);
        }
    }
    out
}

/// Runs the benchmark and returns its JSON line.
pub fn run(opts: Opts) -> String {
    let mut g = generator(opts.seed);
    let mut engine = Engine::new();
    g.setup(&mut engine);
    // Prefill: mostly asks, some resting bids, recorded so later passes can replay.
    let mut prefill = Vec::with_capacity(PREFILL_ORDERS);
    let mut events = Vec::with_capacity(64);
    for _ in 0..PREFILL_ORDERS {
        let env = if g.rng.chance(75) { g.ask() } else { g.bid() };
        events.clear();
        let _ = engine.apply(&env, &mut events);
        g.observe(&engine, &events);
        prefill.push(env);
    }
    let resting_at_start = engine.live_orders();
    let setup_state = engine.clone();

    // Pass 1: generate, time each command.
    let mut stream = Vec::with_capacity(opts.commands);
    let mut lat_ns = Vec::with_capacity(opts.commands);
    let mut by_kind: [Vec<u64>; 5] = Default::default();
    let trades_before = g.trades;
    for i in 0..opts.commands {
        let env = g.next(&engine, i);
        events.clear();
        let t0 = Instant::now();
        let r = engine.apply(&env, &mut events);
        let ns = t0.elapsed().as_nanos() as u64;
        lat_ns.push(ns);
        by_kind[kind_of(&env.command)].push(ns);
        g.rejected += u64::from(r.is_err());
        g.observe(&engine, &events);
        stream.push(env);
    }
    let t0 = Instant::now();
    let final_state = engine.snapshot();
    let serialize_us = t0.elapsed().as_micros() as u64;
    // A server's snapshot pauses the sequencer only for a clone of the state.
    let t0 = Instant::now();
    let copy = engine.clone();
    let clone_us = t0.elapsed().as_micros() as u64;
    drop(copy);
    let t0 = Instant::now();
    let restored = Engine::restore(&final_state).expect("restore");
    let restore_us = t0.elapsed().as_micros() as u64;
    drop(restored);
    lat_ns.sort_unstable();
    let p99_by_kind: serde_json::Map<String, serde_json::Value> = KINDS
        .iter()
        .zip(by_kind.iter_mut())
        .map(|(name, v)| {
            v.sort_unstable();
            (name.to_string(), per_mille(v, 990).into())
        })
        .collect();

    // Throughput passes: the recorded stream on copies of the prefilled state.
    let mut rates = Vec::new();
    for _ in 0..opts.runs {
        let mut e = setup_state.clone();
        let t0 = Instant::now();
        apply_all(&mut e, &stream);
        let secs = t0.elapsed().as_secs_f64();
        rates.push(opts.commands as f64 / secs);
        assert!(e.snapshot() == final_state, "replay is not byte-identical");
    }
    let mut kinds = [0usize; 5];
    for env in &stream {
        kinds[kind_of(&env.command)] += 1;
    }
    serde_json::json!({
        "bench": "engine",
        "seed": opts.seed,
        "commands": opts.commands,
        "runs": opts.runs,
        "pools": engine.pools().count(),
        "asks": kinds[0], "bids": kinds[1], "cancels": kinds[2], "reduces": kinds[3], "ticks": kinds[4],
        "rejected": g.rejected,
        "resting_orders_at_start": resting_at_start,
        "resting_orders": engine.live_orders(),
        "trades": g.trades - trades_before,
        "contracts": engine.contracts().count(),
        "snapshot_bytes": final_state.len(),
        "snapshot_clone_us": clone_us,
        "snapshot_serialize_us": serialize_us,
        "snapshot_restore_us": restore_us,
        "commands_per_sec": median(rates).round(),
        "p50_ns": per_mille(&lat_ns, 500),
        "p99_ns": per_mille(&lat_ns, 990),
        "p999_ns": per_mille(&lat_ns, 999),
        "max_ns": lat_ns.last().copied().unwrap_or(0),
        "p99_ns_by_kind": p99_by_kind,
    })
    .to_string()
}
