//! The market-data benchmark (`megawatt-bench market`): the engine benchmark's market
//! (1,000 pools, tens of thousands of resting asks, 25,000 commands an hour) run for a
//! week of hours, once with the index methodology in force and once without, in the
//! same process: the time of each tick with the index and curves published against the
//! same ticks without them (the peer).

use crate::Opts;
use crate::engine_bench::accepted_stream;
use crate::stats::per_mille;
use megawatt_engine::command::{Command, Envelope};
use megawatt_engine::event::Event;
use megawatt_engine::index::METHODOLOGY_VERSION;
use megawatt_engine::{Engine, OPERATOR};
use std::time::Instant;

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
        "prints_in_window": engine.recent_prints().count(),
        "index_values_last_tick": values,
        "index_values_published_last_tick": published,
        "models_with_curve": curves,
        "index_tick_ms": ms(per_mille(&with, 500)),
        "index_tick_p99_ms": ms(per_mille(&with, 990)),
        "index_tick_max_ms": ms(with.last().copied().unwrap_or(0)),
        "tick_without_index_ms": ms(per_mille(&without, 500)),
        "tick_without_index_p99_ms": ms(per_mille(&without, 990)),
    })
    .to_string()
}
