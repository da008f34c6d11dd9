//! Standing procurement: "keep N GPUs of model M held for the next H hours, buying at
//! most D hours ahead, at most price P". A [`Procurement`] is the engine's record of
//! one; its period is cut into blocks of `block_hours`, and at each tick every block
//! that ends within the lookahead and is not over is due: what the procurement's own
//! contracts do not hold of it is bought with IOC bids (`procure.rs`). Vocabulary and
//! pure arithmetic only; `procure.rs` creates, pauses, resumes, cancels and runs them.

use crate::ids::{ContractId, ModelIdx, ParticipantId, ProcurementId, RegionIdx};
use crate::money::{FeeRates, unit_cost_micros};
use crate::step::StepFn;
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};

/// A live standing procurement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procurement {
    /// Its id.
    pub id: ProcurementId,
    /// The buyer it buys for.
    pub owner: ParticipantId,
    /// The GPU model.
    pub model: ModelIdx,
    /// Only asks from this region (`None`: any).
    pub region: Option<RegionIdx>,
    /// GPUs to keep held at every hour of the period.
    pub gpus: u32,
    /// The hours it keeps GPUs held: from the hour after its creation, for its hours.
    pub period: Window,
    /// How far ahead of the next hour it buys, hours (at least `block_hours`).
    pub lookahead_hours: u32,
    /// The length of the blocks it buys, hours (the last block may be shorter).
    pub block_hours: u32,
    /// Highest price per GPU-hour of its bids, micro-USD.
    pub limit_price_micros: i64,
    /// Paused: ticks leave it alone until it is resumed.
    pub paused: bool,
    /// When it was created, ms since the epoch.
    pub created_ms: u64,
    /// The contracts its fills made that may still hold hours of its period, by id.
    pub contracts: Vec<ContractId>,
}

/// Why a procurement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcurementEnd {
    /// Its period has no hour left to buy.
    Completed,
    /// Its owner (or the operator) cancelled it.
    Cancelled,
}

impl ProcurementEnd {
    /// The status a procurement ended this way has.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcurementEnd::Completed => "completed",
            ProcurementEnd::Cancelled => "cancelled",
        }
    }
}

/// Where a live procurement stands before the next tick (a pure engine figure: the
/// server shows it as is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcurementStatus {
    /// GPUs its own contracts hold in the next hour.
    pub held_gpus: u32,
    /// GPU-hours its due blocks are short of: what the next tick tries to buy.
    pub due_short_gpu_hours: u64,
    /// GPU-hours the rest of its period is short of.
    pub short_gpu_hours: u64,
    /// The most the rest may still cost at its limit, fees included (saturated at
    /// `i64::MAX`, which no funds cover).
    pub worst_case_micros: i64,
}

impl Procurement {
    /// The blocks due at a tick whose next hour is `next`: every block of the period
    /// that ends after `next` and no later than `next + lookahead_hours`, cut to start
    /// no earlier than `next` (hours before it can no longer be bought).
    pub fn due_blocks(&self, next: Hour) -> impl Iterator<Item = Window> + '_ {
        let horizon = next.0.saturating_add(self.lookahead_hours);
        let (from, until, b) = (self.period.start.0, self.period.end.0, self.block_hours);
        // The first block not over at `next`.
        let first = next.0.saturating_sub(from) / b;
        (first..)
            .map(move |k| {
                let start = from.saturating_add(k.saturating_mul(b));
                (start, start.saturating_add(b).min(until))
            })
            .take_while(move |&(start, end)| start < until && end <= horizon)
            .filter(move |&(_, end)| end > next.0)
            .map(move |(start, end)| Window {
                start: Hour(start.max(next.0)),
                end: Hour(end),
            })
    }

    /// What its due blocks at `next` are short of, given what it holds, in hour order.
    pub fn due_shortfall(&self, held: &StepFn, next: Hour) -> Vec<(Window, u32)> {
        self.due_blocks(next)
            .flat_map(|block| shortfall(held, block, self.gpus))
            .collect()
    }

    /// The rest of the period from `next`: the hours it may still buy (`None`: none).
    pub fn remaining(&self, next: Hour) -> Option<Window> {
        let start = self.period.start.max(next);
        (start < self.period.end).then_some(Window {
            start,
            end: self.period.end,
        })
    }
}

/// What `held` (GPUs held by hour) leaves short of `gpus` over `window`, as maximal
/// pieces of constant shortfall, in hour order (pieces where nothing is short are left
/// out).
pub fn shortfall(held: &StepFn, window: Window, gpus: u32) -> Vec<(Window, u32)> {
    let mut short = StepFn::constant(window, gpus);
    for (w, v) in held.segments() {
        let cut = Window {
            start: w.start.max(window.start),
            end: w.end.min(window.end),
        };
        if cut.start < cut.end {
            short.sub(cut, v.min(gpus));
        }
    }
    short.segments().collect()
}

/// The most a shortfall of `gpu_hours` can cost bought at `limit_micros`, fees
/// included: one GPU-hour's [`unit_cost_micros`] (fees rounded up per hour, so never
/// below what blocks of any length cost) times the GPU-hours. `None` on overflow.
pub fn worst_case_micros(limit_micros: i64, gpu_hours: u64, fees: FeeRates) -> Option<i64> {
    let unit = unit_cost_micros(limit_micros, 1, fees)?;
    unit.checked_mul(i64::try_from(gpu_hours).ok()?)
}

/// The GPU-hours of a shortfall.
pub fn gpu_hours(pieces: &[(Window, u32)]) -> u64 {
    pieces
        .iter()
        .map(|(w, g)| u64::from(w.hours()) * u64::from(*g))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start: u32, end: u32) -> Window {
        Window {
            start: Hour(start),
            end: Hour(end),
        }
    }

    fn procurement(period: Window, lookahead_hours: u32, block_hours: u32) -> Procurement {
        Procurement {
            id: ProcurementId(1),
            owner: ParticipantId(2),
            model: ModelIdx(0),
            region: None,
            gpus: 8,
            period,
            lookahead_hours,
            block_hours,
            limit_price_micros: 2_000_000,
            paused: false,
            created_ms: 0,
            contracts: Vec::new(),
        }
    }

    #[test]
    fn due_blocks_are_the_blocks_ending_within_the_lookahead() {
        let p = procurement(w(100, 150), 24, 10);
        // At 100 the lookahead reaches 124: blocks 100-110 and 110-120 are due.
        let due: Vec<Window> = p.due_blocks(Hour(100)).collect();
        assert_eq!(due, vec![w(100, 110), w(110, 120)]);
        // At 105 the first block is cut to its hours still ahead.
        let due: Vec<Window> = p.due_blocks(Hour(105)).collect();
        assert_eq!(due, vec![w(105, 110), w(110, 120)]);
        // At 106 the lookahead reaches 130, and the third block is due too.
        assert_eq!(p.due_blocks(Hour(106)).count(), 3);
        // Near the end the last block is short (140-150) and due once inside.
        let due: Vec<Window> = p.due_blocks(Hour(139)).collect();
        assert_eq!(due, vec![w(139, 140), w(140, 150)]);
        assert_eq!(p.due_blocks(Hour(150)).count(), 0);
        // Before the period: nothing until its first block ends within the lookahead.
        assert_eq!(p.due_blocks(Hour(80)).count(), 0);
        assert_eq!(
            p.due_blocks(Hour(86)).collect::<Vec<_>>(),
            vec![w(100, 110)]
        );
    }

    #[test]
    fn hourly_blocks_roll_one_hour_a_tick() {
        let p = procurement(w(10, 1_000), 3, 1);
        let due: Vec<Window> = p.due_blocks(Hour(20)).collect();
        assert_eq!(due, vec![w(20, 21), w(21, 22), w(22, 23)]);
    }

    #[test]
    fn shortfall_is_what_the_holding_leaves() {
        let mut held = StepFn::new();
        held.add(w(0, 5), 3);
        held.add(w(3, 8), 10);
        let short = shortfall(&held, w(2, 10), 8);
        // 2-3: 5 short; 3-8: held 13 or 10, none short; 8-10: 8 short.
        assert_eq!(short, vec![(w(2, 3), 5), (w(8, 10), 8)]);
        assert_eq!(gpu_hours(&short), 5 + 16);
        assert_eq!(shortfall(&StepFn::new(), w(0, 2), 4), vec![(w(0, 2), 4)]);
    }

    #[test]
    fn worst_case_rounds_fees_up_per_hour() {
        let fees = FeeRates {
            maker_bps: 0,
            taker_bps: 3,
        };
        // 1 micro-USD x 3 bps rounds up to a 1 micro-USD fee per GPU-hour.
        assert_eq!(worst_case_micros(1, 10, fees), Some(20));
        assert_eq!(
            worst_case_micros(2_000_000, 100, FeeRates::default()),
            Some(200_000_000)
        );
        assert_eq!(worst_case_micros(i64::MAX / 2, 10, fees), None);
    }
}
