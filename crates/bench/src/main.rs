//! `megawatt-bench`: seeded, reproducible benchmarks of Megawatt. Each run prints one
//! JSON line. Subcommands:
//!
//! - `engine [--seed N] [--commands N] [--runs N]`: the engine on a synthetic market.
//! - `engine --peer [--seed N] [--commands N] [--runs N]`: the degenerate workload
//!   (every order has the same window: a plain limit order book) through Megawatt and
//!   through the `lobster` crate, in the same process.
//! - `journal [--commands N] [--database-url URL]`: durable commands per second through
//!   the journal path (SQLite, or a scratch database on the PostgreSQL server of URL),
//!   against bare inserts of the same size on the same backend; recovery and replay speed.
//! - `billing`: 100,000 term contracts and 12 month closes; the ledger's transfer rate.
//! - `http`: the real server over loopback, durable orders per second against the
//!   `GET /healthz` ceiling.
//! - `usage [--seed N]`: a month of hourly delivery reports on 100,000 contract lines
//!   in the engine (records per second, memory, the month close that credits the
//!   shortfalls), and usage reports over HTTP on SQLite (records per second).
//! - `market [--seed N] [--commands N] [--runs N]`: the engine benchmark's market for a
//!   week of hours (4,200,000 commands by default): the tick with the index and the
//!   forward curves published, against the same ticks without them.
//! - `positions [--seed N]`: the real server on SQLite, one lab holding 10,000
//!   contracts: its full position and a page of its contracts timed, and the engine's
//!   rate alone and with position queries beside it.

mod billing_bench;
mod engine_bench;
mod http_bench;
mod journal_bench;
mod market_bench;
mod memory;
mod peer;
mod positions_bench;
mod rng;
mod stats;
mod usage_bench;

use std::process::ExitCode;

const USAGE: &str = "usage: megawatt-bench engine [--peer] [--seed N] [--commands N] [--runs N]\n       megawatt-bench journal [--seed N] [--commands N] [--database-url URL]\n       megawatt-bench billing [--seed N]\n       megawatt-bench http\n       megawatt-bench usage [--seed N]\n       megawatt-bench market [--seed N] [--commands N] [--runs N]\n       megawatt-bench positions [--seed N]";

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

/// Options of the journal benchmark beyond [`Opts`].
#[derive(Clone, Debug, Default)]
pub struct JournalOpts {
    /// A PostgreSQL server to measure instead of SQLite (a scratch database is made on it).
    pub database_url: Option<String>,
}

fn parse(args: &[String]) -> Result<(String, bool, Opts, JournalOpts), String> {
    let mut it = args.iter();
    let sub = it.next().ok_or("missing subcommand")?.clone();
    let mut peer = false;
    let mut commands_given = false;
    let mut journal = JournalOpts::default();
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
            "--database-url" => {
                journal.database_url = Some(it.next().ok_or("--database-url needs a URL")?.clone())
            }
            "--seed" => opts.seed = value("--seed")?,
            "--commands" => {
                opts.commands = value("--commands")? as usize;
                commands_given = true;
            }
            "--runs" => opts.runs = (value("--runs")? as usize).max(1),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if sub == "market" && !commands_given {
        // A week of hours at the engine benchmark's 25,000 commands an hour.
        opts.commands = 168 * 25_000;
    }
    Ok((sub, peer, opts, journal))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok((sub, peer, opts, _)) if sub == "engine" => {
            let line = if peer {
                peer::run(opts)
            } else {
                engine_bench::run(opts)
            };
            println!("{line}");
            ExitCode::SUCCESS
        }
        Ok((sub, _, opts, journal)) if sub == "journal" => {
            println!("{}", journal_bench::run(opts, &journal));
            ExitCode::SUCCESS
        }
        Ok((sub, _, opts, _)) if sub == "billing" => {
            println!("{}", billing_bench::run(opts));
            ExitCode::SUCCESS
        }
        Ok((sub, _, opts, _)) if sub == "usage" => {
            println!("{}", usage_bench::run(opts));
            ExitCode::SUCCESS
        }
        Ok((sub, _, opts, _)) if sub == "market" => {
            println!("{}", market_bench::run(opts));
            ExitCode::SUCCESS
        }
        Ok((sub, _, opts, _)) if sub == "positions" => {
            println!("{}", positions_bench::run(opts.seed));
            ExitCode::SUCCESS
        }
        Ok((sub, _, _, _)) if sub == "http" => {
            println!("{}", http_bench::run());
            ExitCode::SUCCESS
        }
        Ok((sub, _, _, _)) => {
            eprintln!("unknown benchmark {sub}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
