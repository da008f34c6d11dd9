//! The demo market's past, day by day from two days before the lease begins (the
//! start of the month before last) to today's midnight, then the hour in progress,
//! each command stamped at its time:
//! at every midnight the meters report the day before (Colossus the GPUs it delivered
//! on each line of the lease and their energy, the lab the GPUs it used, the neocloud
//! the GPUs it delivered on its fills), the clock ticks (so the lease starts, fills
//! start and end, and months close a grace after their end: the lease's first month's
//! invoice is credited for its outages and the fills' shortfalls are refunded), and
//! the neocloud sells a
//! block of H100 (every fourth day H200 too) two days ahead. The lease's first month
//! has three outages (`LEASE_OUTAGES`); the fills have hours nobody reported and one
//! shortfall (`fill_gap`). The last three weeks also have the simulator's hourly
//! trading (`simulator.rs`), ticking every hour.

use super::{Cast, LEASE_LINES, Seeder, ask, bid_in};
use crate::problem::Problem;
use megawatt_engine::command::Command;
use megawatt_engine::event::Event;
use megawatt_engine::ids::ContractId;
use megawatt_engine::units::{Hour, Window};
use megawatt_engine::usage::UsageRecord;

/// An outage of the lease: its line, the hour it began (counted from the lease's start,
/// so always in its first month), how many hours it lasted and how many GPUs were down.
struct Outage {
    line: u16,
    from_hour: u32,
    hours: u32,
    gpus_down: u32,
}

/// The lease's first month's outages: 1,980,000 GPU-hours undelivered of 220,000 GPUs
/// times the month's hours (98.66% to 98.79% available, by the month's length), below
/// the lease's 99% target and above its 95% tier, so credited pro rata:
/// $1.25bn × 1,980,000 ÷ (220,000 × the month's hours), $15,625,000 in a 30-day month.
const LEASE_OUTAGES: [Outage; 3] = [
    // A utility feed trips: hall B's 60,000 H100 are down for 30 hours from the 9th, 14:00.
    Outage {
        line: 0,
        from_hour: 8 * 24 + 14,
        hours: 30,
        gpus_down: 60_000,
    },
    // A power-shelf firmware fault takes 60 NVL72 racks (4,320 GB200) down for 40 hours.
    Outage {
        line: 2,
        from_hour: 16 * 24 + 6,
        hours: 40,
        gpus_down: 4_320,
    },
    // A maintenance window on the H200 hall runs 6 hours over, on 1,200 GPUs.
    Outage {
        line: 1,
        from_hour: 22 * 24 + 1,
        hours: 6,
        gpus_down: 1_200,
    },
];

/// GPUs down on `line` of the lease in hour `at` of it.
fn lease_down(line: u16, at: u32) -> u32 {
    LEASE_OUTAGES
        .iter()
        .filter(|o| o.line == line && (o.from_hour..o.from_hour + o.hours).contains(&at))
        .map(|o| o.gpus_down)
        .sum()
}

/// A fill the neocloud meters: its contract, GPUs and hours.
struct Fill {
    contract: ContractId,
    gpus: u32,
    window: Window,
}

/// What the neocloud's meter says of hour `at` of its `k`th fill: `None` where its
/// collector was down (4 hours of the 5th fill and of the 18th: unreported, which counts
/// as delivered under the exchange's terms), else the GPUs delivered (32 short for 6
/// hours of the 10th fill: refunded at the month's close).
fn fill_gap(k: usize, at: u32, gpus: u32) -> Option<u32> {
    match (k, at) {
        (4, 3..=6) | (17, 20..=23) => None,
        (9, 10..=15) => Some(gpus.saturating_sub(32)),
        _ => Some(gpus),
    }
}

/// Watts per H100 or H200 server GPU (`shared/scenarios/gpu-models.md`).
const HOPPER_WATTS: u64 = 1_275;

/// Energy of `gpus` GPUs of `watts` each for an hour at 80% of their servers' maximum.
fn energy_wh(gpus: u32, watts: u64) -> Option<u64> {
    Some(u64::from(gpus) * watts * 4 / 5)
}

/// The first midnight of the demo: two days before the lease begins.
pub(super) fn opening(lease_start: Hour) -> Hour {
    Hour(lease_start.0 - 48)
}

/// Writes the past from [`opening`] to today's midnight (see the module's doc).
pub(super) async fn run(
    s: &mut Seeder<'_>,
    (cast, traders): (&Cast, &mut super::simulator::Traders),
    (lease, lease_start): (ContractId, Hour),
    now: Hour,
) -> Result<(), Problem> {
    let today = Hour(now.0 / 24 * 24);
    let mut fills = Vec::new();
    let mut day = opening(lease_start);
    let mut i = 0u32;
    while day <= today {
        s.at_ms = Some(day.start_ms());
        if i > 0 {
            let past = Window {
                start: Hour(day.0 - 24),
                end: day,
            };
            report(s, cast, (lease, lease_start), &fills, past).await?;
        }
        s.tick(day).await?;
        trade(s, cast, (i, day), &mut fills).await?;
        if today.0 - day.0 <= super::simulator::DAYS * 24 {
            super::simulator::day(s, traders, (day, now)).await?;
        }
        day = Hour(day.0 + 24);
        i += 1;
    }
    // The hour in progress, which closes last month if its grace has passed.
    if now > today {
        s.tick(now).await?;
    }
    s.at_ms = None;
    Ok(())
}

/// The meters' reports of the hours of `past`.
async fn report(
    s: &Seeder<'_>,
    cast: &Cast,
    (lease, lease_start): (ContractId, Hour),
    fills: &[Fill],
    past: Window,
) -> Result<(), Problem> {
    let (mut delivered, mut used, mut neo) = (Vec::new(), Vec::new(), Vec::new());
    for hour in (past.start.0..past.end.0).map(Hour) {
        for (line, l) in (0u16..).zip(&LEASE_LINES) {
            if hour < lease_start {
                break;
            }
            let gpus = l.gpus - lease_down(line, hour.0 - lease_start.0);
            let record = |gpus, energy_wh| UsageRecord {
                contract: lease,
                line,
                hour,
                gpus,
                energy_wh,
            };
            delivered.push(record(gpus, energy_wh(gpus, l.watts_per_gpu.into())));
            used.push(record(gpus * l.used_percent / 100, None));
        }
        for (k, f) in fills.iter().enumerate() {
            if !f.window.contains(hour) {
                continue;
            }
            let Some(gpus) = fill_gap(k, hour.0 - f.window.start.0, f.gpus) else {
                continue;
            };
            neo.push(UsageRecord {
                contract: f.contract,
                line: 0,
                hour,
                gpus,
                energy_wh: energy_wh(gpus, HOPPER_WATTS),
            });
        }
    }
    for (who, records) in [
        (cast.colossus, delivered),
        (cast.lab, used),
        (cast.neo, neo),
    ] {
        if !records.is_empty() {
            s.run(who, Command::ReportUsage { records }).await?;
        }
    }
    Ok(())
}

/// Day `i`'s trading at midnight `day`: the neocloud offers 256 H100 in Ashburn for a
/// day two days on, and a buyer takes 64 or 128 of them; every fourth day a buyer also
/// takes 64 H200 for two days. Prices move a little from day to day.
async fn trade(
    s: &Seeder<'_>,
    cast: &Cast,
    (i, day): (u32, Hour),
    fills: &mut Vec<Fill>,
) -> Result<(), Problem> {
    let start = Hour(day.0 + 48);
    let window = Window {
        start,
        end: Hour(start.0 + 24),
    };
    let price = 2_100_000 + i64::from(i * 37 % 9) * 25_000;
    ask(s, (cast.neo, cast.ash[0]), 256, window, price).await?;
    let buyer = [cast.acme, cast.helix, cast.quanta][i as usize % 3];
    // From Ashburn (us-east) only: the simulator's sellers are elsewhere.
    let from = (buyer, "h100-sxm", Some("us-east"));
    let events = bid_in(s, from, 64 << (i % 2), window, price + 50_000).await?;
    fills.extend(contracts(&events));
    if i % 4 == 1 {
        let window = Window {
            start,
            end: Hour(start.0 + 48),
        };
        let price = 2_600_000 + i64::from(i * 13 % 5) * 30_000;
        ask(s, (cast.neo, cast.ash[1]), 128, window, price).await?;
        let from = (cast.quanta, "h200", Some("us-east"));
        let events = bid_in(s, from, 64, window, price).await?;
        fills.extend(contracts(&events));
    }
    Ok(())
}

/// The fills' contracts among `events`.
fn contracts(events: &[Event]) -> impl Iterator<Item = Fill> + '_ {
    events.iter().filter_map(|e| match e {
        Event::ContractCreated(c) => c.lines.first().map(|l| Fill {
            contract: c.id,
            gpus: l.gpus,
            window: l.window,
        }),
        _ => None,
    })
}
