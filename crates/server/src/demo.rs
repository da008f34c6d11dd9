//! The demo market of `mw serve --demo`, seeded through the sequencer like any other
//! commands (so it is journaled and recovered): the facility lease of
//! `shared/scenarios/colossus-lease.toml` (a 300 MW facility leased whole at $1.25bn a
//! month, 90 days' notice either way, terminable for cause), reached through an RFQ and
//! an accepted quote, with part of it resold on the market; a neocloud with three
//! smaller facilities, several buyers, resting asks and bids over the coming weeks, and
//! some trades.

use crate::problem::Problem;
use crate::routes::keys::issue_key;
use crate::routes::submit;
use crate::scopes::Scopes;
use crate::state::{AppState, Caller};
use megawatt_engine::OPERATOR;
use megawatt_engine::command::{
    AskSpec, BidSpec, Command, PoolSpec, QuoteLineSpec, QuoteSpec, RfqSpec, RfqWants, WantedTerms,
};
use megawatt_engine::contract::{Causes, Pricing, Terms};
use megawatt_engine::entities::Roles;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ParticipantId, PoolId, RfqId};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::{Hour, Window, days_from_civil};

const OP: Caller = Caller {
    id: OPERATOR,
    operator: true,
    scopes: Scopes::FULL,
    key: [0; 32],
};

fn as_caller(id: ParticipantId) -> Caller {
    Caller {
        id,
        operator: false,
        scopes: Scopes::FULL,
        key: [0; 32],
    }
}

async fn participant(
    state: &AppState,
    name: &str,
    provider: bool,
    buyer: bool,
) -> Result<ParticipantId, Problem> {
    let roles = Roles {
        provider,
        buyer,
        operator: false,
    };
    let ev = submit(
        state,
        OP,
        Command::AdmitParticipant {
            name: name.into(),
            roles,
        },
        None,
    )
    .await?;
    match ev.first() {
        Some(Event::ParticipantCreated(p)) => Ok(p.id),
        _ => Err(Problem::unavailable("demo: participant not created")),
    }
}

async fn facility(
    state: &AppState,
    owner: ParticipantId,
    name: &str,
    region: &str,
    power_kw: u64,
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
    match submit(state, as_caller(owner), cmd, None).await?.first() {
        Some(Event::FacilityCreated(f)) => Ok(f.pools.clone()),
        _ => Err(Problem::unavailable("demo: facility not created")),
    }
}

/// Days from the next midnight (UTC) as a window of `days` days.
fn days(from_day: u32, days: u32, today: Hour) -> Window {
    let midnight = (today.0 / 24 + 1) * 24;
    Window {
        start: Hour(midnight + from_day * 24),
        end: Hour(midnight + (from_day + days) * 24),
    }
}

async fn ask(
    state: &AppState,
    owner: ParticipantId,
    pool: PoolId,
    gpus: u32,
    window: Window,
    price: i64,
) -> Result<(), Problem> {
    let spec = AskSpec {
        source: AskSource::Pool(pool),
        gpus,
        window,
        price_micros: price,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 8.min(gpus),
    };
    submit(state, as_caller(owner), Command::PlaceAsk(spec), None)
        .await
        .map(|_| ())
}

async fn bid(
    state: &AppState,
    buyer: ParticipantId,
    model: &str,
    gpus: u32,
    window: Window,
    limit: i64,
) -> Result<(), Problem> {
    let spec = BidSpec {
        model: model.into(),
        region: None,
        facility: None,
        gpus,
        window,
        limit_price_micros: limit,
        colocate: true,
        partial: false,
        tif: TimeInForce::Gtc,
        min_reliability_bps: 0,
    };
    submit(state, as_caller(buyer), Command::PlaceBid(spec), None)
        .await
        .map(|_| ())
}

/// Every cause for termination.
const ALL_CAUSES: Causes = Causes {
    acceptable_use: true,
    non_payment: true,
    non_delivery: true,
};

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
        lines: [150_000, 50_000, 20_000]
            .iter()
            .zip(pools)
            .map(|(&gpus, &pool)| QuoteLineSpec { pool, gpus })
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
/// early-termination fee; the lab accepts. The scenario's lease began 2026-06-01; a
/// market cannot sell past hours, so this one starts at the first month boundary after
/// the demo is seeded and ends as the scenario's does, 2029-06-01 (or 36 months on, if
/// that is later). Then the lab lists 2,048 of its H100 for a week, a month in, for
/// resale. Returns the lease's contract id.
async fn lease(
    state: &AppState,
    (colossus, lab): (ParticipantId, ParticipantId),
    pools: &[PoolId],
    today: Hour,
) -> Result<String, Problem> {
    let start = today.next_month_start();
    let scenario_end = Hour(u32::try_from(days_from_civil(2029, 6, 1) * 24).unwrap_or(u32::MAX));
    let end = if scenario_end > start {
        scenario_end
    } else {
        (0..36).fold(start, |h, _| h.next_month_start())
    };
    let rfq = Command::CreateRfq(lease_rfq(Window { start, end }, colossus));
    let rfq = match submit(state, as_caller(lab), rfq, None).await?.first() {
        Some(Event::RfqCreated(r)) => r.id,
        _ => return Err(Problem::unavailable("demo: RFQ not created")),
    };
    let quote = Command::SubmitQuote(lease_quote(rfq, pools, start));
    let quote = match submit(state, as_caller(colossus), quote, None)
        .await?
        .first()
    {
        Some(Event::QuoteSubmitted(q)) => q.id,
        _ => return Err(Problem::unavailable("demo: quote not submitted")),
    };
    let events = submit(state, as_caller(lab), Command::AcceptQuote { quote }, None).await?;
    let Some(contract) = events.iter().find_map(|e| match e {
        Event::ContractCreated(c) => Some(c.id),
        _ => None,
    }) else {
        return Err(Problem::unavailable("demo: lease not made"));
    };
    let resale = AskSpec {
        source: AskSource::Contract { contract, line: 0 },
        gpus: 2_048,
        window: Window {
            start: Hour(start.0 + 30 * 24),
            end: Hour(start.0 + 37 * 24),
        },
        price_micros: 2_050_000,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 64,
    };
    submit(state, as_caller(lab), Command::PlaceAsk(resale), None).await?;
    Ok(contract.to_string())
}

/// Seeds the demo market; returns each demo participant's (name, id, key) and the id of
/// the facility lease.
pub async fn seed(state: &AppState) -> Result<(Vec<(String, String, String)>, String), Problem> {
    let today = Hour::containing(crate::sequencer::now_ms());
    let colossus = participant(state, "Colossus Compute", true, false).await?;
    let lab = participant(state, "Frontier Lab", false, true).await?;
    let neo = participant(state, "Neocloud One", true, false).await?;
    let acme = participant(state, "Acme AI", false, true).await?;
    let helix = participant(state, "Helix Research", false, true).await?;
    let quanta = participant(state, "Quanta Labs", false, true).await?;
    // Money at the exchange: the lab's three months of the lease, the others' working
    // balances.
    for (who, amount_micros) in [
        (lab, 3_750_000_000_000_000i64),
        (acme, 10_000_000_000_000),
        (helix, 5_000_000_000_000),
        (quanta, 20_000_000_000_000),
    ] {
        let cmd = Command::Deposit {
            participant: who,
            amount_micros,
            reference: "demo opening deposit".into(),
        };
        submit(state, OP, cmd, None).await?;
    }
    // shared/scenarios/colossus-lease.toml: 300 MW, 150k H100, 50k H200, 20k GB200.
    let c = facility(
        state,
        colossus,
        "Colossus 1",
        "us-south",
        300_000,
        &[("h100-sxm", 150_000), ("h200", 50_000), ("gb200", 20_000)],
    )
    .await?;
    let ash = facility(
        state,
        neo,
        "Neo Ashburn",
        "us-east",
        8_000,
        &[("h100-sxm", 2_048), ("h200", 1_024)],
    )
    .await?;
    let dub = facility(
        state,
        neo,
        "Neo Dublin",
        "eu-west",
        6_000,
        &[("h100-sxm", 1_024), ("b200", 1_024)],
    )
    .await?;
    let pdx = facility(
        state,
        neo,
        "Neo Portland",
        "us-west",
        4_000,
        &[("mi300x", 1_024), ("h100-sxm", 512)],
    )
    .await?;
    // The whole facility is leased to Frontier Lab through an RFQ and a quote.
    let lease = lease(state, (colossus, lab), &c, today).await?;
    book(
        state,
        neo,
        [&ash, &dub, &pdx],
        [helix, quanta, lab, acme],
        today,
    )
    .await?;
    let mut keys = Vec::new();
    for (name, id) in [
        ("Colossus Compute", colossus),
        ("Frontier Lab", lab),
        ("Neocloud One", neo),
        ("Acme AI", acme),
        ("Helix Research", helix),
        ("Quanta Labs", quanta),
    ] {
        keys.push((
            name.to_string(),
            id.to_string(),
            issue_key(state, OPERATOR, (id, Scopes::FULL), None)
                .await?
                .key,
        ));
    }
    Ok((keys, lease))
}

/// The demo's book: the neocloud's asks over the coming days, and buyers' bids below
/// them (and some that trade at once).
async fn book(
    state: &AppState,
    neo: ParticipantId,
    [ash, dub, pdx]: [&[PoolId]; 3],
    [helix, quanta, lab, acme]: [ParticipantId; 4],
    today: Hour,
) -> Result<(), Problem> {
    for (k, price) in [
        (0u32, 2_200_000i64),
        (1, 2_150_000),
        (3, 2_300_000),
        (7, 2_050_000),
    ] {
        ask(state, neo, ash[0], 512, days(k, 3, today), price).await?;
    }
    ask(state, neo, ash[1], 512, days(0, 7, today), 2_600_000).await?;
    ask(state, neo, dub[0], 512, days(1, 10, today), 2_350_000).await?;
    ask(state, neo, dub[1], 256, days(1, 10, today), 3_900_000).await?;
    ask(state, neo, pdx[0], 512, days(0, 14, today), 1_750_000).await?;
    ask(state, neo, pdx[1], 256, days(2, 5, today), 2_400_000).await?;
    // Resting bids below the asks, and some that trade at once.
    bid(state, helix, "h100-sxm", 256, days(1, 2, today), 1_800_000).await?;
    bid(state, quanta, "h200", 128, days(3, 1, today), 2_200_000).await?;
    bid(state, lab, "gb200", 576, days(5, 2, today), 3_900_000).await?;
    bid(state, acme, "h100-sxm", 128, days(1, 1, today), 2_500_000).await?;
    bid(state, helix, "mi300x", 64, days(2, 3, today), 1_900_000).await?;
    bid(
        state,
        quanta,
        "h100-sxm",
        1_024,
        days(0, 2, today),
        2_000_000,
    )
    .await?;
    Ok(())
}
