//! `megawatt-bench`: seeded, reproducible benchmarks of Megawatt. Each run prints one
//! JSON line. Subcommands:
//!
//! - `engine [--seed N] [--commands N] [--runs N]`: the engine on a synthetic market.
//! - `engine --peer [--seed N] [--commands N] [--runs N]`: the degenerate workload
//!   (every order has the same window: a plain limit order book) through Megawatt and
//!   through the `lobster` crate, in the same process.
//! - `journal [--commands N]`: durable commands per second through the journal path,
//!   against bare inserts of the same size; recovery and replay speed.
//! - `http`: the real server over loopback, durable orders per second against the
//!   `GET /healthz` ceiling.

mod engine_bench;
mod http_bench;
mod journal_bench;
mod peer;
mod rng;
mod stats;

use std::process::ExitCode;

const USAGE: &str = "usage: megawatt-bench engine [--peer] [--seed N] [--commands N] [--runs N]\n       megawatt-bench journal [--seed N] [--commands N]\n       megawatt-bench http";

/// Options shared by the benchmarks.
#[derive(Clone, Copy, Debug)]
pub struct Opts {
    /// Seed of the workload generator.
    pub seed: u64,
    /// Commands in the measured workload.
    pub commands: usize,
    /// Timed repetitions; the median is reported.
    pub runs: usize,
}

fn parse(args: &[String]) -> Result<(String, bool, Opts), String> {
    let mut it = args.iter();
    let sub = it.next().ok_or("missing subcommand")?.clone();
    let mut peer = false;
    let mut opts = Opts {
        seed: 42,
        commands: 1_000_000,
        runs: 3,
    };
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match a.as_str() {
            "--peer" => peer = true,
            "--seed" => opts.seed = value("--seed")?,
            "--commands" => opts.commands = value("--commands")? as usize,
            "--runs" => opts.runs = (value("--runs")? as usize).max(1),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((sub, peer, opts))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok((sub, peer, opts)) if sub == "engine" => {
            let line = if peer {
                peer::run(opts)
            } else {
                engine_bench::run(opts)
            };
            println!("{line}");
            ExitCode::SUCCESS
        }
        Ok((sub, _, opts)) if sub == "journal" => {
            println!("{}", journal_bench::run(opts));
            ExitCode::SUCCESS
        }
        Ok((sub, _, _)) if sub == "http" => {
            println!("{}", http_bench::run());
            ExitCode::SUCCESS
        }
        Ok((sub, _, _)) => {
            eprintln!("unknown benchmark {sub}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
