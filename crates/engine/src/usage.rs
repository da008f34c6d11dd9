//! Delivery's vocabulary: a usage record (GPUs of one contract line in one hour, as the
//! seller delivered them or the buyer used them) and what the engine keeps of delivery
//! reports while a month is open: per contract line and month, which hours were
//! reported and the hours delivered short of the line's GPUs. A fully delivered hour
//! costs one bit; and a facility's day of reported delivery (`Tally`, its reliability).
//! Reporting is `metering.rs`, reliability `reliability.rs`.

use crate::ids::ContractId;
use crate::units::Hour;
use serde::{Deserialize, Serialize};

/// Hours in the longest month, 31 days: the bits of [`LineMonth::reported`].
pub const MAX_MONTH_HOURS: usize = 31 * 24;

/// One usage record: GPUs of one contract line in one hour. From the contract's seller
/// it says how many GPUs were delivered (up and usable by the buyer); from its buyer,
/// how many it used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// The contract.
    pub contract: ContractId,
    /// Its line, from 0.
    pub line: u16,
    /// The hour.
    pub hour: Hour,
    /// GPUs delivered (seller) or used (buyer), at most the line's.
    pub gpus: u32,
    /// Energy drawn in the hour, watt-hours, when metered.
    pub energy_wh: Option<u64>,
}

/// Who reported a record: the side of the contract the reporter is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    /// The seller: GPUs delivered.
    Seller,
    /// The buyer: GPUs used.
    Buyer,
}

impl Reporter {
    /// `seller` or `buyer`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Reporter::Seller => "seller",
            Reporter::Buyer => "buyer",
        }
    }

    /// The reporter named `s` ([`Reporter::as_str`]).
    pub fn parse(s: &str) -> Option<Reporter> {
        [Reporter::Seller, Reporter::Buyer]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// The delivery reports of one contract line over one month, while the month is open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineMonth {
    /// One bit per hour from the month's start: set when the hour's delivery was reported.
    reported: [u64; MAX_MONTH_HOURS.div_ceil(64)],
    /// Hours reported below the line's GPUs: (hour from the month's start, GPUs
    /// delivered), by hour.
    short: Vec<(u16, u32)>,
}

impl LineMonth {
    /// Records that `delivered` of the line's `line_gpus` GPUs were delivered in hour
    /// `offset` of the month, replacing an earlier report of that hour.
    pub fn set(&mut self, offset: u16, delivered: u32, line_gpus: u32) {
        let i = usize::from(offset);
        assert!(i < MAX_MONTH_HOURS && delivered <= line_gpus);
        self.reported[i / 64] |= 1 << (i % 64);
        match (
            self.short.binary_search_by_key(&offset, |s| s.0),
            delivered < line_gpus,
        ) {
            (Ok(at), true) => self.short[at].1 = delivered,
            (Ok(at), false) => {
                self.short.remove(at);
            }
            (Err(at), true) => self.short.insert(at, (offset, delivered)),
            (Err(_), false) => {}
        }
    }

    /// Whether hour `offset`'s delivery was reported.
    pub fn is_reported(&self, offset: u16) -> bool {
        let i = usize::from(offset);
        i < MAX_MONTH_HOURS && self.reported[i / 64] & (1 << (i % 64)) != 0
    }

    /// How many of the hours `[from, to)` (from the month's start) were reported.
    pub fn reported_hours(&self, from: u16, to: u16) -> u32 {
        let (from, to) = (usize::from(from), usize::from(to).min(MAX_MONTH_HOURS));
        let mut n = 0;
        let mut h = from;
        while h < to {
            // The bits of word h / 64 from bit h % 64 up to `to` (or the word's end).
            let (word, bit) = (h / 64, h % 64);
            let upto = (to - word * 64).min(64);
            let below = if upto == 64 {
                u64::MAX
            } else {
                (1u64 << upto) - 1
            };
            n += (self.reported[word] & below & !((1u64 << bit) - 1)).count_ones();
            h = (word + 1) * 64;
        }
        n
    }

    /// GPUs delivered in hour `offset`, if it was reported, of a line of `line_gpus`.
    pub fn delivered(&self, offset: u16, line_gpus: u32) -> Option<u32> {
        if !self.is_reported(offset) {
            return None;
        }
        Some(match self.short.binary_search_by_key(&offset, |s| s.0) {
            Ok(at) => self.short[at].1,
            Err(_) => line_gpus,
        })
    }

    /// GPU-hours reported short over the hours `[from, to)`, of a line of `line_gpus`.
    pub fn shortfall_gpu_hours(&self, from: u16, to: u16, line_gpus: u32) -> u64 {
        self.short
            .iter()
            .filter(|(h, _)| (from..to).contains(h))
            .map(|&(_, d)| u64::from(line_gpus - d))
            .sum()
    }

    /// The hours reported short, as (hour from the month's start, GPUs delivered).
    pub fn short_hours(&self) -> &[(u16, u32)] {
        &self.short
    }
}

/// Days of the reliability window before the current one (`reliability.rs`).
pub const RELIABILITY_DAYS: u32 = 30;

/// A facility's reported delivery over some days (its reliability: `reliability.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// GPU-hours whose delivery was reported (the lines' GPUs in each hour reported).
    pub reported_gpu_hours: u64,
    /// Of them, delivered.
    pub delivered_gpu_hours: u64,
}

impl Tally {
    /// Delivered ÷ reported, basis points rounded down; `None` when nothing was reported.
    pub fn bps(self) -> Option<u16> {
        (self.reported_gpu_hours > 0).then(|| {
            crate::delivery::availability_bps(self.reported_gpu_hours, self.delivered_gpu_hours)
        })
    }

    /// Adds `other`'s GPU-hours.
    pub fn add(&mut self, other: Tally) {
        self.reported_gpu_hours += other.reported_gpu_hours;
        self.delivered_gpu_hours += other.delivered_gpu_hours;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_month_keeps_reports_and_replaces_corrections() {
        let mut m = LineMonth::default();
        m.set(0, 8, 8);
        m.set(5, 6, 8);
        m.set(743, 0, 8);
        assert_eq!(m.reported_hours(0, 744), 3);
        assert_eq!(m.shortfall_gpu_hours(0, 744, 8), 2 + 8);
        assert_eq!(m.delivered(5, 8), Some(6));
        assert_eq!(m.delivered(0, 8), Some(8));
        assert_eq!(m.delivered(1, 8), None);
        // A correction replaces the hour's report, both ways.
        m.set(5, 8, 8);
        m.set(0, 3, 8);
        assert_eq!(m.short_hours(), &[(0, 3), (743, 0)]);
        assert_eq!(m.shortfall_gpu_hours(1, 744, 8), 8);
        assert_eq!(m.reported_hours(1, 743), 1);
        // Against counting hour by hour, over every range.
        let mut m = LineMonth::default();
        for h in (0..744).step_by(7) {
            m.set(h, 1, 1);
        }
        for (a, b) in [
            (0, 744),
            (3, 64),
            (63, 65),
            (64, 128),
            (100, 101),
            (700, 744),
            (5, 5),
        ] {
            let slow = (a..b).filter(|&h| m.is_reported(h)).count() as u32;
            assert_eq!(m.reported_hours(a, b), slow, "{a}..{b}");
        }
    }
}
