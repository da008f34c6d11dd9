//! The demo's seeded market simulator: three weeks of hourly trading before today by
//! two more providers and two more buyers, so that the index, the forward curve and the
//! candles have a history on the demo's first start. Deterministic (a fixed seed,
//! integer prices): every demo has the same past relative to its start. Each hour the
//! clock ticks (so the hourly index is published), and every third hour a session
//! trades H100 and H200 blocks a few days ahead at prices that walk around a reference
//! each day; some sessions trade a block weeks ahead, or leave an ask resting for a
//! later week, for the curve's later points. The simulator's bids buy from its own
//! sellers' regions, and the history's daily fills from the neocloud's Ashburn, so the
//! history's figures do not depend on it (today's book may trade with anyone).

use super::{Seeder, ask, bid_in, facility, participant};
use crate::problem::Problem;
use megawatt_engine::OPERATOR;
use megawatt_engine::command::Command;
use megawatt_engine::ids::{ParticipantId, PoolId};
use megawatt_engine::units::{Hour, Window};

/// Days of simulated trading before today's midnight.
pub(super) const DAYS: u32 = 21;
/// The simulator's seed.
const SEED: u64 = 0x4d65_6761_7761_7474;
/// The models traded, with their reference price on the first day, micro-USD.
const MODELS: [(&str, i64); 2] = [("h100-sxm", 2_150_000), ("h200", 2_650_000)];

/// SplitMix64: a small, fixed generator (no dependency, the same numbers everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The simulator's traders: each seller's pool of each model, and the buyers.
pub(super) struct Traders {
    sellers: Vec<(ParticipantId, [PoolId; 2], &'static str)>,
    buyers: Vec<ParticipantId>,
    rng: Rng,
    /// Each model's reference price today.
    reference: [i64; 2],
}

/// Admits the simulator's traders, funds the buyers and builds the sellers' sites.
pub(super) async fn traders(s: &Seeder<'_>) -> Result<Traders, Problem> {
    let mut sellers = Vec::new();
    for (name, site, region) in [
        ("Cirrus GPU", "Cirrus Montreal", "ca-central"),
        ("Vector Cloud", "Vector Frankfurt", "eu-central"),
    ] {
        let who = participant(s, name, true, false).await?;
        let pools = [("h100-sxm", 8_192), ("h200", 4_096)];
        let pools = facility(s, who, (site, region, 20_000), &pools).await?;
        sellers.push((who, [pools[0], pools[1]], region));
    }
    let mut buyers = Vec::new();
    for name in ["Borealis AI", "Kite Robotics"] {
        let who = participant(s, name, false, true).await?;
        let cmd = Command::Deposit {
            participant: who,
            amount_micros: 50_000_000_000_000,
            reference: "demo opening deposit".into(),
        };
        s.run(OPERATOR, cmd).await?;
        buyers.push(who);
    }
    Ok(Traders {
        sellers,
        buyers,
        rng: Rng(SEED),
        reference: [MODELS[0].1, MODELS[1].1],
    })
}

/// The day from midnight `day` (one of the last [`DAYS`], or today up to the hour
/// before `until`): each reference price moves by up to 2% either way, then every hour
/// ticks and every third hour a session trades.
pub(super) async fn day(
    s: &mut Seeder<'_>,
    t: &mut Traders,
    (day, until): (Hour, Hour),
) -> Result<(), Problem> {
    for r in &mut t.reference {
        let step = t.rng.below(41) as i64 - 20;
        *r += *r * step / 1_000;
    }
    for h in (1..24).take_while(|h| day.0 + h < until.0) {
        s.tick(Hour(day.0 + h)).await?;
        if h % 3 == 0 {
            session(s, t, Hour(day.0 + h)).await?;
        }
    }
    Ok(())
}

/// One session at `now`: for each model a seller offers a block and a buyer takes part
/// of it at the ask; one session in four also trades a block three to eight weeks
/// ahead, and one in three leaves an ask resting ten to twenty weeks ahead.
async fn session(s: &Seeder<'_>, t: &mut Traders, now: Hour) -> Result<(), Problem> {
    for (m, (model, _)) in MODELS.iter().enumerate() {
        let (seller, pools, region) = t.sellers[t.rng.below(2) as usize];
        let buyer = t.buyers[t.rng.below(2) as usize];
        let price = t.reference[m] * (97 + t.rng.below(7) as i64) / 100;
        let lead = 24 + t.rng.below(120) as u32;
        let hours = [24u32, 48, 72][t.rng.below(3) as usize];
        let window = block(now, lead, hours);
        let gpus = [32u32, 64, 128][t.rng.below(3) as usize];
        ask(s, (seller, pools[m]), gpus * 2, window, price).await?;
        bid_in(s, (buyer, model, Some(region)), gpus, window, price).await?;
        if t.rng.below(4) == 0 {
            let weeks = 3 + t.rng.below(6) as u32;
            let window = block(now, weeks * 168, 24);
            let later = price + price * i64::from(weeks) / 100;
            ask(s, (seller, pools[m]), 64, window, later).await?;
            bid_in(s, (buyer, model, Some(region)), 32, window, later).await?;
        }
        if t.rng.below(3) == 0 {
            let weeks = 10 + t.rng.below(11) as u32;
            let later = price + price * i64::from(weeks) / 80;
            ask(
                s,
                (seller, pools[m]),
                128,
                block(now, weeks * 168, 48),
                later,
            )
            .await?;
        }
    }
    Ok(())
}

/// A block of `hours` starting `lead` hours after `now`.
fn block(now: Hour, lead: u32, hours: u32) -> Window {
    let start = Hour(now.0 + lead);
    Window {
        start,
        end: Hour(start.0 + hours),
    }
}
