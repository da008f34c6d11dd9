//! Provider reliability (`docs/market-rules.md`, "Reliability"): of the GPU-hours a
//! facility's sellers reported delivery for over the last 30 days (the 30 UTC days
//! before the current one, and the current one so far, by the hour reported), the share
//! delivered. Kept as a tally per facility and day, updated by every delivery report
//! (a correction replaces its hour's count) and dropped once older than the window at a
//! tick. A facility with no reports in the window has no reliability and meets no
//! minimum; a provider's is its facilities' together.

use crate::engine::Engine;
use crate::ids::{FacilityId, ParticipantId};
use crate::units::Hour;
use crate::usage::{RELIABILITY_DAYS, Tally};

/// The first day of the window at hour `now`.
fn first_day(now: Hour) -> u32 {
    (now.0 / 24).saturating_sub(RELIABILITY_DAYS)
}

impl Engine {
    /// Facility `f`'s reported delivery over the window at hour `now`.
    pub fn facility_reliability(&self, f: FacilityId, now: Hour) -> Tally {
        let mut t = Tally::default();
        for (_, day) in self.reliability.range((f, first_day(now))..=(f, u32::MAX)) {
            t.add(*day);
        }
        t
    }

    /// Provider `p`'s: its facilities' together.
    pub fn provider_reliability(&self, p: ParticipantId, now: Hour) -> Tally {
        let mut t = Tally::default();
        for f in self.facilities().filter(|f| f.owner == p) {
            t.add(self.facility_reliability(f.id, now));
        }
        t
    }

    /// Whether facility `f` meets a bid's minimum reliability (`0`: none asked).
    pub(crate) fn meets_reliability(&self, f: FacilityId, min_bps: u16, now: Hour) -> bool {
        min_bps == 0
            || self
                .facility_reliability(f, now)
                .bps()
                .is_some_and(|bps| bps >= min_bps)
    }

    /// Counts delivery reports of facility `f` on `day`: `run.reported` GPU-hours newly
    /// reported, and the delivered GPU-hours changed by `run.delivered` (a correction may
    /// lower them).
    pub(crate) fn tally_reports(&mut self, (f, day): (FacilityId, u32), run: DayRun) {
        let t = self.reliability.entry((f, day)).or_default();
        t.reported_gpu_hours += run.reported;
        t.delivered_gpu_hours = t
            .delivered_gpu_hours
            .checked_add_signed(run.delivered)
            .expect("a day's delivered GPU-hours are never below zero");
    }

    /// Drops the days before the window at hour `now`.
    pub(crate) fn prune_reliability(&mut self, now: Hour) {
        let first = first_day(now);
        self.reliability.retain(|&(_, day), _| day >= first);
    }
}

/// Reports of one facility and day, added up before they reach the tallies (a batch
/// runs hour after hour of a line: one map entry per run instead of per record).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DayRun {
    /// GPU-hours newly reported.
    pub(crate) reported: u64,
    /// The change of the delivered GPU-hours.
    pub(crate) delivered: i64,
}

impl DayRun {
    /// The change one report makes: `delivered` of the line's `line_gpus`, replacing
    /// an earlier report of the hour that said `before`.
    pub(crate) fn of(line_gpus: u32, before: Option<u32>, delivered: u32) -> DayRun {
        DayRun {
            reported: if before.is_none() {
                u64::from(line_gpus)
            } else {
                0
            },
            delivered: i64::from(delivered) - i64::from(before.unwrap_or(0)),
        }
    }
}

/// The run of reports being added up: one facility and day.
#[derive(Default)]
pub(crate) struct DayRuns {
    /// The run so far.
    pub(crate) current: Option<((FacilityId, u32), DayRun)>,
}

impl DayRuns {
    /// Adds a report of facility and day `key`; returns the run it ends, if any.
    pub(crate) fn push(
        &mut self,
        key: (FacilityId, u32),
        add: DayRun,
    ) -> Option<((FacilityId, u32), DayRun)> {
        match &mut self.current {
            Some((k, sum)) if *k == key => {
                sum.reported += add.reported;
                sum.delivered += add.delivered;
                None
            }
            _ => self.current.replace((key, add)),
        }
    }
}
