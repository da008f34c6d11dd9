//! Every money figure of a contract, as pure functions of its lines, its pricing and
//! the hour it ends: its value over any hours, its notional, its run-rate and what is
//! still committed from an hour on. The engine bills with these, and every reader shows
//! them through these, so a figure has one meaning wherever it appears.

use crate::contract::{Contract, ContractLine, ContractRecord, Pricing};
use crate::units::{HOURS_PER_YEAR, Hour, Window, notional_micros, prorated_fee_micros};

/// The priced part of a contract: what its money figures are computed from.
#[derive(Clone, Copy, Debug)]
pub struct Economics<'a> {
    /// Its lines, as made.
    pub lines: &'a [ContractLine],
    /// How it is priced.
    pub pricing: Pricing,
    /// The first hour it no longer holds (its end, or earlier after notice or
    /// termination).
    pub ends: Hour,
}

impl Contract {
    /// The priced part of the contract: every money figure of it (value, notional,
    /// run-rate, remaining commitment) is a function of this.
    pub fn economics(&self) -> Economics<'_> {
        Economics {
            lines: &self.lines,
            pricing: self.pricing,
            ends: self.ends,
        }
    }
}

impl ContractRecord {
    /// The priced part (see [`Contract::economics`]).
    pub fn economics(&self) -> Economics<'_> {
        Economics {
            lines: &self.lines,
            pricing: self.pricing,
            ends: self.ends,
        }
    }
}

impl Economics<'_> {
    /// First hour of the earliest line.
    pub fn start(&self) -> Hour {
        self.lines
            .iter()
            .map(|l| l.window.start)
            .min()
            .unwrap_or(Hour(0))
    }

    /// First hour after the latest line (as made, whatever notice cut off).
    pub fn end(&self) -> Hour {
        self.lines
            .iter()
            .map(|l| l.window.end)
            .max()
            .unwrap_or(Hour(0))
    }

    /// The hours of line `i` held: its window cut at `ends` (`None` if nothing is left).
    pub fn held(&self, i: usize) -> Option<Window> {
        let w = self.lines[i].window;
        Window::new(w.start, w.end.min(self.ends)).ok()
    }

    /// What the buyer owes for the hours of `[from, to)` the contract holds: GPUs x
    /// hours x price per GPU-hour, or the monthly fee prorated by the hours the contract
    /// is in force (from its first line's start to its end). `None` on overflow.
    pub fn value_micros(&self, from: Hour, to: Hour) -> Option<i64> {
        match self.pricing {
            Pricing::PerGpuHour { price_micros } => {
                let mut total: i64 = 0;
                for (i, l) in self.lines.iter().enumerate() {
                    let Some(w) = self.held(i) else { continue };
                    let (s, e) = (w.start.max(from), w.end.min(to));
                    if s < e {
                        total =
                            total.checked_add(notional_micros(price_micros, l.gpus, e.0 - s.0)?)?;
                    }
                }
                Some(total)
            }
            Pricing::MonthlyFee { fee_micros } => {
                let (s, e) = (self.start().max(from), self.ends.min(to));
                if s >= e {
                    return Some(0);
                }
                prorated_fee_micros(fee_micros, s, e)
            }
        }
    }

    /// What is still committed from hour `from` on: the value of every hour held from
    /// there to the end. `None` on overflow.
    pub fn remaining_micros(&self, from: Hour) -> Option<i64> {
        self.value_micros(from, Hour(u32::MAX))
    }

    /// The value of every line as made, whatever notice or termination cut off, for a
    /// contract priced per GPU-hour; `None` for a monthly fee (it has no fixed total)
    /// or on overflow.
    pub fn notional_micros(&self) -> Option<i64> {
        let Pricing::PerGpuHour { price_micros } = self.pricing else {
            return None;
        };
        self.lines.iter().try_fold(0i64, |acc, l| {
            acc.checked_add(notional_micros(price_micros, l.gpus, l.window.hours())?)
        })
    }

    /// What a year of the contract costs at its full size: 12 monthly fees, or GPUs x
    /// [`HOURS_PER_YEAR`] x price. `None` on overflow.
    pub fn run_rate_per_year_micros(&self) -> Option<i64> {
        match self.pricing {
            Pricing::MonthlyFee { fee_micros } => fee_micros.checked_mul(12),
            Pricing::PerGpuHour { price_micros } => {
                let gpus = self
                    .lines
                    .iter()
                    .try_fold(0u32, |acc, l| acc.checked_add(l.gpus))?;
                notional_micros(price_micros, gpus, HOURS_PER_YEAR)
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ids::PoolId;

    /// A line of `gpus` GPUs of pool `pool` over hours `[start, end)`.
    pub(crate) fn line(pool: u64, gpus: u32, start: u32, end: u32) -> ContractLine {
        ContractLine {
            pool: PoolId(pool),
            gpus,
            window: Window::new(Hour(start), Hour(end)).unwrap(),
        }
    }

    #[test]
    fn per_gpu_hour_figures_follow_the_lines_and_the_end() {
        let lines = [line(1, 10, 100, 200), line(2, 5, 150, 250)];
        let price = Pricing::PerGpuHour { price_micros: 3 };
        let full = Economics {
            lines: &lines,
            pricing: price,
            ends: Hour(250),
        };
        assert_eq!(full.notional_micros(), Some(3 * (10 * 100 + 5 * 100)));
        assert_eq!(full.run_rate_per_year_micros(), Some(3 * 15 * 8_760));
        assert_eq!(
            full.remaining_micros(Hour(190)),
            Some(3 * (10 * 10 + 5 * 60))
        );
        // Cut at hour 160 by notice: the notional stays as agreed; what remains and
        // the value over any hours stop there.
        let cut = Economics {
            ends: Hour(160),
            ..full
        };
        assert_eq!(cut.notional_micros(), full.notional_micros());
        assert_eq!(
            cut.remaining_micros(Hour(150)),
            Some(3 * (10 * 10 + 5 * 10))
        );
        assert_eq!(
            cut.value_micros(Hour(0), Hour(u32::MAX)),
            Some(3 * (10 * 60 + 5 * 10))
        );
        assert_eq!(cut.remaining_micros(Hour(160)), Some(0));
    }

    #[test]
    fn a_monthly_fee_has_no_notional_and_prorates_what_remains() {
        // January 2027 starts at hour 499,656 since the epoch (31 days = 744 hours).
        let jan = 499_656;
        let lines = [line(1, 10, jan, jan + 744 + 672)];
        let fee = Economics {
            lines: &lines,
            pricing: Pricing::MonthlyFee {
                fee_micros: 744_000,
            },
            ends: Hour(jan + 744 + 672),
        };
        assert_eq!(fee.notional_micros(), None);
        assert_eq!(fee.run_rate_per_year_micros(), Some(12 * 744_000));
        assert_eq!(fee.value_micros(Hour(jan), Hour(jan + 744)), Some(744_000));
        assert_eq!(
            fee.remaining_micros(Hour(jan + 372)),
            Some(372_000 + 744_000)
        );
    }

    #[test]
    fn overflow_is_none_not_a_panic() {
        let lines = [line(1, u32::MAX, 0, 10), line(2, u32::MAX, 0, 10)];
        let big = Economics {
            lines: &lines,
            pricing: Pricing::PerGpuHour {
                price_micros: i64::MAX,
            },
            ends: Hour(10),
        };
        assert_eq!(big.run_rate_per_year_micros(), None);
        assert_eq!(big.notional_micros(), None);
        assert_eq!(big.remaining_micros(Hour(0)), None);
    }
}
