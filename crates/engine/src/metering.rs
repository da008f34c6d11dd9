//! Usage reports: a contract's seller reports the GPUs it delivered in each hour of each
//! line, its buyer the GPUs it used. A batch is all or nothing: every record is checked
//! first, and the first bad one refuses the batch, naming its index and field. A report
//! replaces an earlier one of the same line, hour and side (corrections), until the
//! month of the hour closes. The engine keeps the delivery reports of open months
//! ([`crate::usage::LineMonth`]), which the month close credits from; the buyer's use
//! is kept by the query tables only (no money depends on it).

use crate::engine::{Ctx, Engine};
use crate::event::Event;
use crate::ids::{ContractId, FacilityId};
use crate::limits::{MAX_USAGE_RECORDS_PER_BATCH, MAX_WATTS_PER_GPU};
use crate::reject::{Rejection, Rule, reject};
use crate::reliability::{DayRun, DayRuns};
use crate::units::Hour;
use crate::usage::{Reporter, UsageRecord};
use std::collections::BTreeSet;

impl Engine {
    /// The first hour of the earliest month still open: reports of hours before it
    /// are refused (`month_closed`).
    pub fn usage_open_from(&self) -> Hour {
        self.closed_to
    }

    /// The delivery reports of line `line` of contract `id` for the month of `hour`,
    /// while that month is open.
    pub fn delivery_of(
        &self,
        id: ContractId,
        line: u16,
        hour: Hour,
    ) -> Option<&crate::usage::LineMonth> {
        self.delivery.get(&(hour.month_start(), id, line))
    }

    /// Checks one record of `ctx.actor`'s batch; returns the side it reports for, its
    /// line's GPUs and the line's facility when the seller owns it (a reseller's reports
    /// of its resold hours do not count towards the facility's reliability).
    fn check_record(
        &self,
        ctx: &Ctx,
        r: &UsageRecord,
    ) -> Result<(Reporter, u32, Option<FacilityId>), Rejection> {
        let c = match self.contracts.get(&r.contract) {
            Some(c) if c.buyer == ctx.actor || c.seller == ctx.actor => c,
            _ => {
                return reject(
                    Rule::UnknownContract,
                    "records.contract",
                    format!("no contract {} of yours", r.contract),
                );
            }
        };
        let Some(line) = c.lines.get(usize::from(r.line)) else {
            return reject(
                Rule::OutOfRange,
                "records.line",
                format!("contract {} has lines 0 to {}", c.id, c.lines.len() - 1),
            );
        };
        if r.hour >= ctx.now {
            return reject(
                Rule::UsageHourNotEnded,
                "records.hour",
                format!("hour {} has not ended (it is {} now)", r.hour, ctx.now),
            );
        }
        if r.hour < self.usage_open_from() {
            return reject(
                Rule::MonthClosed,
                "records.hour",
                format!(
                    "the month of {} has closed (reports are open from {}); its invoices and credits are final",
                    r.hour,
                    self.usage_open_from()
                ),
            );
        }
        if !line.window.contains(r.hour) || r.hour >= c.ends {
            return reject(
                Rule::LineNotInForce,
                "records.hour",
                format!(
                    "line {} of {} holds {} to {}, not {}",
                    r.line,
                    c.id,
                    line.window.start,
                    line.window.end.min(c.ends),
                    r.hour
                ),
            );
        }
        if r.gpus > line.gpus {
            return reject(
                Rule::UsageAboveContracted,
                "records.gpus",
                format!(
                    "{} GPUs reported; line {} of {} holds {}",
                    r.gpus, r.line, c.id, line.gpus
                ),
            );
        }
        let most_wh = u64::from(line.gpus) * u64::from(MAX_WATTS_PER_GPU);
        if r.energy_wh.is_some_and(|wh| wh > most_wh) {
            return reject(
                Rule::OutOfRange,
                "records.energy_wh",
                format!("at most {most_wh} Wh in an hour for {} GPUs", line.gpus),
            );
        }
        let side = if c.seller == ctx.actor {
            Reporter::Seller
        } else {
            Reporter::Buyer
        };
        let facility = self.pools[&line.pool].facility;
        let owner = self.facilities[&facility].owner;
        Ok((side, line.gpus, (owner == c.seller).then_some(facility)))
    }

    pub(crate) fn report_usage(
        &mut self,
        ctx: &Ctx,
        records: &[UsageRecord],
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        if records.is_empty() || records.len() > MAX_USAGE_RECORDS_PER_BATCH {
            return reject(
                Rule::QuantityTooLarge,
                "records",
                format!(
                    "a report has 1 to {MAX_USAGE_RECORDS_PER_BATCH} records, not {}",
                    records.len()
                ),
            );
        }
        let mut sides = Vec::with_capacity(records.len());
        let mut seen: BTreeSet<(ContractId, u16, Hour)> = BTreeSet::new();
        for (i, r) in records.iter().enumerate() {
            sides.push(self.check_record(ctx, r).map_err(|e| e.at(i))?);
            if !seen.insert((r.contract, r.line, r.hour)) {
                return Err(Rejection::new(
                    Rule::DuplicateRecord,
                    "records.hour",
                    format!(
                        "line {} of {} at {} is named twice in this batch",
                        r.line, r.contract, r.hour
                    ),
                )
                .at(i));
            }
        }
        // Validated: now change.
        let (mut delivered, mut used) = (Vec::new(), Vec::new());
        let mut runs = DayRuns::default();
        for (r, side) in records.iter().zip(sides) {
            match side {
                (Reporter::Seller, gpus, facility) => {
                    let month = r.hour.month_start();
                    let offset = u16::try_from(r.hour.0 - month.0).expect("within a month");
                    let m = self
                        .delivery
                        .entry((month, r.contract, r.line))
                        .or_default();
                    let before = m.delivered(offset, gpus);
                    m.set(offset, r.gpus, gpus);
                    delivered.push(*r);
                    if let Some(f) = facility {
                        let add = DayRun::of(gpus, before, r.gpus);
                        if let Some((key, run)) = runs.push((f, r.hour.0 / 24), add) {
                            self.tally_reports(key, run);
                        }
                    }
                }
                (Reporter::Buyer, ..) => used.push(*r),
            }
        }
        if let Some((key, run)) = runs.current {
            self.tally_reports(key, run);
        }
        events.push(Event::UsageReported {
            reporter: ctx.actor,
            delivered,
            used,
        });
        Ok(())
    }
}
