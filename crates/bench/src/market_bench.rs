//! The market-data benchmark (`megawatt-bench market`): the engine benchmark's market
//! (1,000 pools, tens of thousands of resting asks, 25,000 commands an hour) run for a
//! week of hours, once with the index methodology in force and once without, in the
//! same process: the time of each tick with the index and curves published against the
//! same ticks without them (the peer); then, on the week's final book, flexible-start
//! searches over a 14-day start range, each timed against the brute force (a plain
//! bid's plan for every start) on the same state, their answers checked equal.

use crate::Opts;
use crate::engine_bench::accepted_stream;
use crate::rng::Rng;
use crate::stats::per_mille;
use megawatt_engine::command::{Command, Envelope};
use megawatt_engine::event::Event;
use megawatt_engine::flex::SearchSpec;
use megawatt_engine::ids::ParticipantId;
use megawatt_engine::index::METHODOLOGY_VERSION;
use megawatt_engine::units::Hour;
use megawatt_engine::{Engine, OPERATOR};
use std::time::Instant;

/// Searches timed, of each kind.
const SEARCHES: usize = 300;

/// Ticks at the start whose windows are still filling, left out of the figures.
const WARM_TICKS: usize = 24;

/// Applies `stream` to a new engine (with the methodology in force from the start if
/// `index`); the time of each tick after the warm-up, in ns, and the events of the last.
fn ticks(stream: &[Envelope], index: bool) -> (Vec<u64>, Vec<Event>, Engine) {
    let mut engine = Engine::new();
    let mut events = Vec::with_capacity(64);
    if index {
        let env = Envelope {
            time_ms: stream[0].time_ms,
            actor: OPERATOR,
            command: Command::SetIndexMethodology {
                version: METHODOLOGY_VERSION,
            },
        };
        engine.apply(&env, &mut events).expect("methodology");
    }
    let mut ns = Vec::new();
    let mut seen = 0;
    for env in stream {
        events.clear();
        let is_tick = matches!(env.command, Command::Tick { .. });
        let t0 = Instant::now();
        let _ = engine.apply(env, &mut events);
        let took = t0.elapsed().as_nanos() as u64;
        if is_tick {
            seen += 1;
            if seen > WARM_TICKS {
                ns.push(took);
            }
        }
    }
    (ns, events, engine)
}

/// Searches of the `k` best starts timed on `engine`'s book: (fast ns sorted,
/// brute-force ns sorted), each answer checked equal to the brute force's.
fn searches(engine: &Engine, seed: u64, count: usize, k: usize) -> (Vec<u64>, Vec<u64>) {
    const MODELS: [&str; 4] = ["h100-sxm", "h200", "b200", "mi300x"];
    let mut rng = Rng::new(seed);
    let now = Hour::containing(engine.clock_ms());
    let buyer = ParticipantId(1);
    let (mut fast, mut brute) = (Vec::new(), Vec::new());
    for _ in 0..count {
        let spec = SearchSpec {
            model: (*rng.pick(&MODELS)).to_string(),
            region: None,
            facility: None,
            gpus: *rng.pick(&[8u32, 16, 32, 64, 128]),
            hours: *rng.pick(&[12u32, 24, 48, 72]),
            start_from: Hour(now.0 + 1),
            start_until: Hour(now.0 + 14 * 24),
            limit_price_micros: None,
            colocate: rng.chance(80),
            min_reliability_bps: 0,
        };
        let t0 = Instant::now();
        let a = engine.search(buyer, &spec, now, k).expect("a valid search");
        fast.push(t0.elapsed().as_nanos() as u64);
        let t0 = Instant::now();
        let b = engine.search_brute_force(buyer, &spec, now, k);
        brute.push(t0.elapsed().as_nanos() as u64);
        assert_eq!(
            a,
            b.expect("a valid search"),
            "the search differs from the brute force for {spec:?}"
        );
    }
    fast.sort_unstable();
    brute.sort_unstable();
    (fast, brute)
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// Runs the benchmark and returns its JSON line.
pub fn run(opts: Opts) -> String {
    let stream = accepted_stream(opts.seed, opts.commands);
    let mut with = Vec::new();
    let mut without = Vec::new();
    let mut last = (Vec::new(), None);
    // Interleaved, so that the machine's noise falls on both alike.
    for _ in 0..opts.runs {
        let (ns, events, engine) = ticks(&stream, true);
        with.extend(ns);
        last = (events, Some(engine));
        without.extend(ticks(&stream, false).0);
    }
    with.sort_unstable();
    without.sort_unstable();
    let (events, engine) = last;
    let engine = engine.expect("at least one run");
    let values = events
        .iter()
        .filter(|e| matches!(e, Event::IndexPublished(_)))
        .count();
    let published = events
        .iter()
        .filter(|e| matches!(e, Event::IndexPublished(v) if v.price_micros.is_some()))
        .count();
    // The API's default of 5 starts, and the 1 a flexible bid needs.
    let (fast, brute) = searches(&engine, opts.seed, SEARCHES, 5);
    let (bid_fast, bid_brute) = searches(&engine, opts.seed, SEARCHES, 1);
    let total = |v: &[u64]| v.iter().sum::<u64>() as f64;
    let curves = (0..engine.models().len())
        .filter(|&m| {
            engine
                .curve(megawatt_engine::ids::ModelIdx(m as u16))
                .is_some()
        })
        .count();
    serde_json::json!({
        "bench": "market",
        "seed": opts.seed,
        "commands": opts.commands,
        "runs": opts.runs,
        "ticks_measured": with.len(),
        "prompt_prints_in_week": engine.week_prompt_prints(),
        "index_values_last_tick": values,
        "index_values_published_last_tick": published,
        "models_with_curve": curves,
        "index_tick_ms": ms(per_mille(&with, 500)),
        "index_tick_p99_ms": ms(per_mille(&with, 990)),
        "index_tick_max_ms": ms(with.last().copied().unwrap_or(0)),
        "tick_without_index_ms": ms(per_mille(&without, 500)),
        "tick_without_index_p99_ms": ms(per_mille(&without, 990)),
        "searches": fast.len(),
        "search_start_range_hours": 14 * 24,
        "search_p50_us": per_mille(&fast, 500) as f64 / 1e3,
        "search_p99_us": per_mille(&fast, 990) as f64 / 1e3,
        "brute_force_p50_us": per_mille(&brute, 500) as f64 / 1e3,
        "brute_force_p99_us": per_mille(&brute, 990) as f64 / 1e3,
        "speedup_vs_brute_force": total(&brute) / total(&fast),
        "speedup_p50_vs_brute_force": per_mille(&brute, 500) as f64 / per_mille(&fast, 500).max(1) as f64,
        "bid_search_p50_us": per_mille(&bid_fast, 500) as f64 / 1e3,
        "bid_search_p99_us": per_mille(&bid_fast, 990) as f64 / 1e3,
        "bid_brute_force_p50_us": per_mille(&bid_brute, 500) as f64 / 1e3,
        "bid_speedup_vs_brute_force": total(&bid_brute) / total(&bid_fast),
    })
    .to_string()
}
