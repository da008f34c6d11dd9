//! The demo market of `mw serve --demo`, seeded through the sequencer like any other
//! commands (so it is journaled and recovered): the facility lease of
//! `shared/scenarios/colossus-lease.toml` (a 300 MW facility leased whole at $1.25bn a
//! month, 90 days' notice either way, terminable for cause), reached through an RFQ and
//! an accepted quote, with part of it resold on the market; a neocloud with three
//! smaller facilities, several buyers, resting asks and bids over the coming weeks.
//! The market has a past (`history`): the lease began at the start of the month before
//! last, was metered hour by hour with outages in its first month, which is closed,
//! credited and invoiced (so is last month, once its grace has passed); the neocloud
//! sold a block a day on the exchange. The past is written with commands stamped at
//! their time, on a new store before the ticker runs.

mod history;
mod simulator;

use crate::problem::Problem;
use crate::routes::events_of;
use crate::routes::keys::issue_key;
use crate::scopes::Scopes;
use crate::sequencer::seq_problem;
use crate::state::AppState;
use megawatt_engine::OPERATOR;
use megawatt_engine::command::{
    AskSpec, BidSpec, Command, PoolSpec, QuoteLineSpec, QuoteSpec, RfqSpec, RfqWants, WantedTerms,
};
use megawatt_engine::contract::{Causes, Pricing, Terms};
use megawatt_engine::entities::Roles;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ContractId, ParticipantId, PoolId, RfqId};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::{Hour, Window, days_from_civil};

/// The demo's way in: commands through the sequencer like anyone's, stamped at the
/// seeding clock (`at_ms`: in the past while the history is written; `None`: now).
struct Seeder<'a> {
    state: &'a AppState,
    at_ms: Option<u64>,
}

impl Seeder<'_> {
    /// `who` submits `command` at the seeding clock; its events, or why not.
    async fn run(&self, who: ParticipantId, command: Command) -> Result<Vec<Event>, Problem> {
        let outcome = self
            .state
            .seq
            .submit_at(who, command, None, self.at_ms)
            .await;
        events_of(outcome.map_err(seq_problem)?)
    }

    /// The operator's tick of `hour`, stamped at its start.
    async fn tick(&mut self, hour: Hour) -> Result<(), Problem> {
        self.at_ms = Some(hour.start_ms());
        self.run(OPERATOR, Command::Tick { hour }).await.map(|_| ())
    }
}

/// The demo's participants and their pools.
struct Cast {
    colossus: ParticipantId,
    lab: ParticipantId,
    neo: ParticipantId,
    acme: ParticipantId,
    helix: ParticipantId,
    quanta: ParticipantId,
    /// Colossus 1: H100, H200, GB200 (the lease's lines, in order).
    colossus_pools: Vec<PoolId>,
    /// Neo Ashburn: H100, H200.
    ash: Vec<PoolId>,
    /// Neo Dublin: H100, B200.
    dub: Vec<PoolId>,
    /// Neo Portland: MI300X, H100.
    pdx: Vec<PoolId>,
}

async fn participant(
    s: &Seeder<'_>,
    name: &str,
    provider: bool,
    buyer: bool,
) -> Result<ParticipantId, Problem> {
    let roles = Roles {
        provider,
        buyer,
        operator: false,
    };
    let cmd = Command::AdmitParticipant {
        name: name.into(),
        roles,
    };
    match s.run(OPERATOR, cmd).await?.first() {
        Some(Event::ParticipantCreated(p)) => Ok(p.id),
        _ => Err(Problem::unavailable("demo: participant not created")),
    }
}

async fn facility(
    s: &Seeder<'_>,
    owner: ParticipantId,
    (name, region, power_kw): (&str, &str, u64),
    pools: &[(&str, u32)],
) -> Result<Vec<PoolId>, Problem> {
    let cmd = Command::CreateFacility {
        name: name.into(),
        region: region.into(),
        power_kw,
        pools: pools
            .iter()
            .map(|&(m, g)| PoolSpec {
                model: m.into(),
                gpus: g,
            })
            .collect(),
    };
    match s.run(owner, cmd).await?.first() {
        Some(Event::FacilityCreated(f)) => Ok(f.pools.clone()),
        _ => Err(Problem::unavailable("demo: facility not created")),
    }
}

/// The participants, their opening deposits and the four facilities.
async fn cast(s: &Seeder<'_>) -> Result<Cast, Problem> {
    let colossus = participant(s, "Colossus Compute", true, false).await?;
    let lab = participant(s, "Frontier Lab", false, true).await?;
    let neo = participant(s, "Neocloud One", true, false).await?;
    let acme = participant(s, "Acme AI", false, true).await?;
    let helix = participant(s, "Helix Research", false, true).await?;
    let quanta = participant(s, "Quanta Labs", false, true).await?;
    // Money at the exchange: the lab's six months of the lease, the others' working
    // balances.
    for (who, amount_micros) in [
        (lab, 7_500_000_000_000_000i64),
        (acme, 10_000_000_000_000),
        (helix, 5_000_000_000_000),
        (quanta, 20_000_000_000_000),
    ] {
        let cmd = Command::Deposit {
            participant: who,
            amount_micros,
            reference: "demo opening deposit".into(),
        };
        s.run(OPERATOR, cmd).await?;
    }
    // shared/scenarios/colossus-lease.toml: 300 MW, 150k H100, 50k H200, 20k GB200.
    let lines: Vec<(&str, u32)> = LEASE_LINES.iter().map(|l| (l.model, l.gpus)).collect();
    let colossus_pools = facility(s, colossus, ("Colossus 1", "us-south", 300_000), &lines).await?;
    let ash = [("h100-sxm", 2_048), ("h200", 1_024)];
    let ash = facility(s, neo, ("Neo Ashburn", "us-east", 8_000), &ash).await?;
    let dub = [("h100-sxm", 1_024), ("b200", 1_024)];
    let dub = facility(s, neo, ("Neo Dublin", "eu-west", 6_000), &dub).await?;
    let pdx = [("mi300x", 1_024), ("h100-sxm", 512)];
    let pdx = facility(s, neo, ("Neo Portland", "us-west", 4_000), &pdx).await?;
    Ok(Cast {
        colossus,
        lab,
        neo,
        acme,
        helix,
        quanta,
        colossus_pools,
        ash,
        dub,
        pdx,
    })
}

/// Days from the next midnight (UTC) as a window of `days` days.
fn days(from_day: u32, days: u32, today: Hour) -> Window {
    let midnight = (today.0 / 24 + 1) * 24;
    Window {
        start: Hour(midnight + from_day * 24),
        end: Hour(midnight + (from_day + days) * 24),
    }
}

/// A good-till-cancelled ask from `pool`; its events.
async fn ask(
    s: &Seeder<'_>,
    (owner, pool): (ParticipantId, PoolId),
    gpus: u32,
    window: Window,
    price: i64,
) -> Result<Vec<Event>, Problem> {
    let spec = AskSpec {
        source: AskSource::Pool(pool),
        gpus,
        window,
        price_micros: price,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 8.min(gpus),
    };
    s.run(owner, Command::PlaceAsk(spec)).await
}

/// A good-till-cancelled bid for `gpus` together; its events (a fill's contract).
async fn bid(
    s: &Seeder<'_>,
    (buyer, model): (ParticipantId, &str),
    gpus: u32,
    window: Window,
    limit: i64,
) -> Result<Vec<Event>, Problem> {
    bid_in(s, (buyer, model, None), gpus, window, limit).await
}

/// [`bid`], from one region only if given.
async fn bid_in(
    s: &Seeder<'_>,
    (buyer, model, region): (ParticipantId, &str, Option<&str>),
    gpus: u32,
    window: Window,
    limit: i64,
) -> Result<Vec<Event>, Problem> {
    let spec = BidSpec {
        region: region.map(str::to_string),
        ..BidSpec::gtc(model, gpus, window, limit)
    };
    s.run(buyer, Command::PlaceBid(spec)).await
}

/// Every cause for termination.
const ALL_CAUSES: Causes = Causes {
    acceptable_use: true,
    non_payment: true,
    non_delivery: true,
};

/// A line of the lease: its model, GPUs, and (for the demo's meters) each GPU's server
/// power in watts (`shared/scenarios/gpu-models.md`) and the share of its delivered
/// GPUs the lab uses, in percent.
struct LeaseLine {
    model: &'static str,
    gpus: u32,
    watts_per_gpu: u32,
    used_percent: u32,
}

/// Colossus 1's pools, all leased (`shared/scenarios/colossus-lease.toml`).
const LEASE_LINES: [LeaseLine; 3] = [
    LeaseLine {
        model: "h100-sxm",
        gpus: 150_000,
        watts_per_gpu: 1_275,
        used_percent: 96,
    },
    LeaseLine {
        model: "h200",
        gpus: 50_000,
        watts_per_gpu: 1_275,
        used_percent: 90,
    },
    LeaseLine {
        model: "gb200",
        gpus: 20_000,
        watts_per_gpu: 1_670,
        used_percent: 98,
    },
];

/// The lab's RFQ for 300 MW in us-south over `window`, to Colossus alone.
fn lease_rfq(window: Window, colossus: ParticipantId) -> RfqSpec {
    RfqSpec {
        wants: RfqWants::Power {
            power_kw: 300_000,
            min_power_kw: 270_000,
        },
        window,
        region: Some("us-south".into()),
        facility: None,
        terms: WantedTerms {
            max_buyer_notice_hours: Some(90 * 24),
            min_seller_notice_hours: Some(90 * 24),
            max_early_termination_fee_micros: Some(0),
            causes: ALL_CAUSES,
            min_payment_days: None,
        },
        deadline: window.start,
        invited: vec![colossus],
    }
}

/// Colossus's quote on `rfq`: the whole facility for $1.25bn a month, 90 days' notice
/// either way (`shared/scenarios/colossus-lease.toml`).
fn lease_quote(rfq: RfqId, pools: &[PoolId], expires: Hour) -> QuoteSpec {
    QuoteSpec {
        rfq,
        lines: LEASE_LINES
            .iter()
            .zip(pools)
            .map(|(l, &pool)| QuoteLineSpec { pool, gpus: l.gpus })
            .collect(),
        pricing: Pricing::MonthlyFee {
            fee_micros: 1_250_000_000_000_000,
        },
        terms: Terms {
            buyer_notice_hours: Some(90 * 24),
            seller_notice_hours: Some(90 * 24),
            early_termination_fee_micros: 0,
            for_cause: ALL_CAUSES,
            payment_days: megawatt_engine::limits::DEFAULT_PAYMENT_DAYS,
        },
        expires,
        delivery: lease_delivery(),
    }
}

/// The lease's delivery terms (the scenario names none; these are a facility lease's
/// usual SLA): 99% of each month's GPU-hours; below it every undelivered GPU-hour is
/// credited at the fee's rate, and 10% of the month more below 95%; hours with no report
/// count as delivered.
fn lease_delivery() -> megawatt_engine::delivery::DeliveryTerms {
    use megawatt_engine::delivery::{CreditTier, DeliveryTerms, Unreported};
    DeliveryTerms {
        availability_target_bps: 9_900,
        unreported: Unreported::Delivered,
        pro_rata: true,
        tiers: [CreditTier {
            below_bps: 9_500,
            credit_bps: 1_000,
        }]
        .into_iter()
        .collect(),
    }
}

/// The lease of `shared/scenarios/colossus-lease.toml`: Frontier Lab asks for 300 MW
/// in us-south, able to leave on 90 days' notice and to terminate for any cause;
/// Colossus quotes all three pools at $1.25bn a month, 90 days' notice either way, no
/// early-termination fee; the lab accepts. The scenario's lease began 2026-06-01; the
/// demo's begins at `start` (the month before last's) and ends as the scenario's does,
/// 2029-06-01, or 36 months on if that is later. Returns the lease's contract id.
async fn lease(s: &Seeder<'_>, cast: &Cast, start: Hour) -> Result<ContractId, Problem> {
    let scenario_end = Hour(u32::try_from(days_from_civil(2029, 6, 1) * 24).unwrap_or(u32::MAX));
    let end = scenario_end.max((0..36).fold(start, |h, _| h.next_month_start()));
    let rfq = Command::CreateRfq(lease_rfq(Window { start, end }, cast.colossus));
    let rfq = match s.run(cast.lab, rfq).await?.first() {
        Some(Event::RfqCreated(r)) => r.id,
        _ => return Err(Problem::unavailable("demo: RFQ not created")),
    };
    let quote = Command::SubmitQuote(lease_quote(rfq, &cast.colossus_pools, start));
    let quote = match s.run(cast.colossus, quote).await?.first() {
        Some(Event::QuoteSubmitted(q)) => q.id,
        _ => return Err(Problem::unavailable("demo: quote not submitted")),
    };
    let events = s.run(cast.lab, Command::AcceptQuote { quote }).await?;
    events
        .iter()
        .find_map(|e| match e {
            Event::ContractCreated(c) => Some(c.id),
            _ => None,
        })
        .ok_or_else(|| Problem::unavailable("demo: lease not made"))
}

/// Seeds the demo market, whose months close `grace_hours` after their end: its past
/// (from two days before the month before last, written at the time of each command),
/// then today's book. Returns each demo participant's (name, id, key) and the id of
/// the facility lease.
pub async fn seed(
    state: &AppState,
    grace_hours: u16,
) -> Result<(Vec<(String, String, String)>, String), Problem> {
    let now = Hour::containing(crate::sequencer::now_ms());
    let before = |h: Hour| h.0.checked_sub(1).map(|b| Hour(b).month_start());
    let lease_start = before(now.month_start())
        .and_then(before)
        .filter(|h| h.0 >= 48)
        .ok_or_else(|| Problem::unavailable("demo: the system clock is before 1970-03"))?;
    let mut s = Seeder {
        state,
        at_ms: Some(history::opening(lease_start).start_ms()),
    };
    if grace_hours > 0 {
        let cmd = Command::SetMonthCloseGrace { hours: grace_hours };
        s.run(OPERATOR, cmd).await?;
    }
    // The index is published over the whole of the demo's past.
    let version = megawatt_engine::index::METHODOLOGY_VERSION;
    s.run(OPERATOR, Command::SetIndexMethodology { version })
        .await?;
    let cast = cast(&s).await?;
    let lease = lease(&s, &cast, lease_start).await?;
    let mut traders = simulator::traders(&s).await?;
    history::run(&mut s, (&cast, &mut traders), (lease, lease_start), now).await?;
    s.at_ms = None;
    book(&s, &cast, now).await?;
    // The lab lists 2,048 of its leased H100 for a week, a week from now, for resale.
    let resale = AskSpec {
        source: AskSource::Contract {
            contract: lease,
            line: 0,
        },
        gpus: 2_048,
        window: days(7, 7, now),
        price_micros: 2_050_000,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 64,
    };
    s.run(cast.lab, Command::PlaceAsk(resale)).await?;
    // Acme keeps 64 H100 held for the next two weeks, a day at a time, two days ahead,
    // at most $2.40: the exchange buys at each tick from the next on.
    let procurement = megawatt_engine::command::ProcurementSpec {
        model: "h100-sxm".into(),
        region: None,
        gpus: 64,
        hours: 14 * 24,
        lookahead_hours: 48,
        block_hours: 24,
        limit_price_micros: 2_400_000,
    };
    s.run(cast.acme, Command::CreateProcurement(procurement))
        .await?;
    s.run(cast.lab, Command::UploadPlan(lab_plan(now))).await?;
    let mut keys = Vec::new();
    for (name, id) in [
        ("Colossus Compute", cast.colossus),
        ("Frontier Lab", cast.lab),
        ("Neocloud One", cast.neo),
        ("Acme AI", cast.acme),
        ("Helix Research", cast.helix),
        ("Quanta Labs", cast.quanta),
    ] {
        let key = issue_key(state, OPERATOR, (id, Scopes::FULL), None).await?;
        keys.push((name.to_string(), id.to_string(), key.key));
    }
    Ok((keys, lease.to_string()))
}

/// Frontier Lab's capacity plan, stored (`pln-1`), by month: H100 demand below the
/// lease's 150,000 next month (a surplus to resell), the lease's size the month after,
/// then above it (a bid for 2,048, then an RFQ for 10,000: the shortfall next quarter).
fn lab_plan(now: Hour) -> megawatt_engine::command::PlanSpec {
    let mut month = now.month_start();
    let mut rows = Vec::new();
    for gpus in [146_000, 150_000, 152_048, 160_000] {
        month = month.next_month_start();
        rows.push(megawatt_engine::command::PlanRowSpec {
            model: "h100-sxm".into(),
            start: month,
            gpus,
        });
    }
    megawatt_engine::command::PlanSpec {
        period: megawatt_engine::curve::PeriodKind::Month,
        rows,
        limit_price_micros: None,
    }
}

/// Today's book: the neocloud's asks over the coming days, and buyers' bids below
/// them (and some that trade at once).
async fn book(s: &Seeder<'_>, cast: &Cast, today: Hour) -> Result<(), Problem> {
    let neo = cast.neo;
    let (ash, dub, pdx) = (&cast.ash, &cast.dub, &cast.pdx);
    for (k, price) in [
        (0u32, 2_200_000i64),
        (1, 2_150_000),
        (3, 2_300_000),
        (7, 2_050_000),
    ] {
        ask(s, (neo, ash[0]), 512, days(k, 3, today), price).await?;
    }
    ask(s, (neo, ash[1]), 512, days(0, 7, today), 2_600_000).await?;
    ask(s, (neo, dub[0]), 512, days(1, 10, today), 2_350_000).await?;
    ask(s, (neo, dub[1]), 256, days(1, 10, today), 3_900_000).await?;
    ask(s, (neo, pdx[0]), 512, days(0, 14, today), 1_750_000).await?;
    ask(s, (neo, pdx[1]), 256, days(2, 5, today), 2_400_000).await?;
    // Resting bids below the asks, and some that trade at once.
    let h100 = "h100-sxm";
    bid(s, (cast.helix, h100), 256, days(1, 2, today), 1_800_000).await?;
    bid(s, (cast.quanta, "h200"), 128, days(3, 1, today), 2_200_000).await?;
    bid(s, (cast.lab, "gb200"), 576, days(5, 2, today), 3_900_000).await?;
    bid(s, (cast.acme, h100), 128, days(1, 1, today), 2_500_000).await?;
    bid(s, (cast.helix, "mi300x"), 64, days(2, 3, today), 1_900_000).await?;
    bid(s, (cast.quanta, h100), 1_024, days(0, 2, today), 2_000_000).await?;
    Ok(())
}
