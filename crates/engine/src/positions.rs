//! A party's position in a contract, as pure functions of the contract's economics and
//! terms: what it commits in each coming UTC month (GPU-hours and money), and what
//! leaving it would cost if notice were given at a moment. The server shows these
//! figures (today the exit cost) over the read model's records and computes none of its
//! own; a participant's ladder is the sum of its contracts' ([`CommitmentLadder::add`]).

use crate::contract::{ContractStatus, Terms};
use crate::economics::Economics;
use crate::limits::MAX_LADDER_MONTHS;
use crate::units::{Hour, MS_PER_HOUR, Window};
use std::collections::BTreeMap;

/// What is committed in one UTC month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthCommitment {
    /// GPU-hours held in the month.
    pub gpu_hours: u64,
    /// What they are worth at the contract's price (a monthly fee prorated).
    pub value_micros: i64,
}

/// Commitments by month, keyed by the month's first hour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitmentLadder {
    /// Each month's commitment, earliest first; months with none are absent.
    pub months: BTreeMap<Hour, MonthCommitment>,
}

impl CommitmentLadder {
    /// Adds `other`'s months to this one's. `None` on overflow (nothing is half-added:
    /// the sum is built apart and kept only whole).
    pub fn add(&mut self, other: &CommitmentLadder) -> Option<()> {
        // Every sum is checked before any is kept, so nothing is half-added.
        for (month, c) in &other.months {
            let m = self.months.get(month).copied().unwrap_or_default();
            m.gpu_hours.checked_add(c.gpu_hours)?;
            m.value_micros.checked_add(c.value_micros)?;
        }
        for (&month, c) in &other.months {
            let m = self.months.entry(month).or_default();
            m.gpu_hours += c.gpu_hours;
            m.value_micros += c.value_micros;
        }
        Some(())
    }

    /// Every month's commitment added up.
    pub fn total(&self) -> Option<MonthCommitment> {
        self.months
            .values()
            .try_fold(MonthCommitment::default(), |acc, c| {
                Some(MonthCommitment {
                    gpu_hours: acc.gpu_hours.checked_add(c.gpu_hours)?,
                    value_micros: acc.value_micros.checked_add(c.value_micros)?,
                })
            })
    }
}

impl Economics<'_> {
    /// GPU-hours held over `[from, to)`.
    pub fn gpu_hours(&self, from: Hour, to: Hour) -> u64 {
        (0..self.lines.len())
            .filter_map(|i| self.held(i).map(|w| (i, w)))
            .map(|(i, w)| {
                let (s, e) = (w.start.max(from), w.end.min(to));
                u64::from(self.lines[i].gpus) * u64::from(e.0.saturating_sub(s.0))
            })
            .sum()
    }

    /// What the contract commits in each UTC month from the month of `from` (or of its
    /// start, if later) on, counting only the hours from `from`: every month a contract
    /// can span, at most [`MAX_LADDER_MONTHS`]. `None` on overflow.
    pub fn ladder(&self, from: Hour) -> Option<CommitmentLadder> {
        let mut months = BTreeMap::new();
        let mut start = from.max(self.start()).month_start();
        for _ in 0..MAX_LADDER_MONTHS {
            if start >= self.ends {
                break;
            }
            let end = start.next_month_start();
            let period = Window {
                start: start.max(from),
                end,
            };
            let gpu_hours = self.gpu_hours(period.start, period.end);
            if gpu_hours > 0 {
                let value_micros = self.value_micros(period.start, period.end)?;
                months.insert(
                    start,
                    MonthCommitment {
                        gpu_hours,
                        value_micros,
                    },
                );
            }
            if end <= start {
                break; // the end of time
            }
            start = end;
        }
        Some(CommitmentLadder { months })
    }
}

/// Which side of a contract a participant is on (or would leave it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Party {
    /// The buyer.
    Buyer,
    /// The seller.
    Seller,
}

impl Party {
    /// Its name in the API: `buyer` or `seller`.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Buyer => "buyer",
            Party::Seller => "seller",
        }
    }

    /// The party named `s` ([`Party::as_str`]), if any.
    pub fn parse(s: &str) -> Option<Party> {
        [Party::Buyer, Party::Seller]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// What leaving a contract would cost one party, had it given notice at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitCost {
    /// The notice its terms require of that party.
    pub notice_hours: u32,
    /// The first hour the contract would no longer hold.
    pub effective: Hour,
    /// The early-termination fee the leaving party pays.
    pub fee_micros: i64,
    /// What the contract is still worth from the moment's hour to `effective`: billed
    /// (or, for a prepaid contract, kept) until then whoever leaves.
    pub until_effective_micros: i64,
    /// What it is worth from `effective` to its end: what leaving cuts off (for the
    /// buyer, spend saved before the fee; for the seller, revenue given up).
    pub cut_off_micros: i64,
}

impl ExitCost {
    /// For the buyer: what leaving saves against staying the full term, the fee paid
    /// (negative when the fee is more than what is cut off). `None` on overflow.
    pub fn buyer_saving_micros(&self) -> Option<i64> {
        self.cut_off_micros.checked_sub(self.fee_micros)
    }
}

/// Why a party could not leave a contract by notice at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoExit {
    /// Its terms give that party no right of notice.
    NoRight,
    /// Notice was already given (or the contract was terminated): it ends at this hour.
    Ending(Hour),
    /// Notice now would take effect at `effective`, at or after the contract's end: it
    /// ends then anyway.
    PastEnd {
        /// When notice now would take effect.
        effective: Hour,
    },
    /// The figures do not fit in micro-USD (a monthly fee so large, over so many
    /// months, that the contract's value does not).
    Overflow,
}

/// The hour notice of `hours` given at `at_ms` (in hour `now`) takes effect: `hours`
/// after the moment, rounded up to an hour boundary only when it is not on one, and at
/// least the end of the current hour. The engine's notice is ended by this rule.
pub fn notice_effective(at_ms: u64, now: Hour, hours: u32) -> Hour {
    let after = at_ms.saturating_add(u64::from(hours).saturating_mul(MS_PER_HOUR));
    Hour::at_or_after(after).max(Hour(now.0.saturating_add(1)))
}

/// What leaving the contract whose economics are `e`, terms `terms` and status
/// `status` would cost `party`, had it given notice at `at_ms`. Refused as giving
/// notice would be: a contract already given notice, terminated or past its end is
/// `Ending`.
pub fn exit_cost(
    e: &Economics<'_>,
    terms: &Terms,
    party: Party,
    (at_ms, status): (u64, ContractStatus),
) -> Result<ExitCost, NoExit> {
    let in_force = matches!(status, ContractStatus::Pending | ContractStatus::Active);
    if !in_force || Hour::containing(at_ms) >= e.ends {
        return Err(NoExit::Ending(e.ends));
    }
    let hours = match party {
        Party::Buyer => terms.buyer_notice_hours,
        Party::Seller => terms.seller_notice_hours,
    }
    .ok_or(NoExit::NoRight)?;
    let now = Hour::containing(at_ms);
    let effective = notice_effective(at_ms, now, hours);
    if effective >= e.ends {
        return Err(NoExit::PastEnd { effective });
    }
    let value = |from: Hour, to: Hour| e.value_micros(from, to).ok_or(NoExit::Overflow);
    Ok(ExitCost {
        notice_hours: hours,
        effective,
        fee_micros: terms.early_termination_fee_micros,
        until_effective_micros: value(now, effective)?,
        cut_off_micros: value(effective, e.ends)?,
    })
}
