//! Time: a `Tick(hour)` moves the market's clock to the start of `hour`. Resting orders
//! whose window has started or whose GTD expiry has come leave the book; pending
//! contracts whose first hour has come start; contracts and reservations whose last
//! hour has passed (or whose end moved earlier by notice or termination) end and give
//! their capacity back; quotes and RFQs past their expiry or deadline close.

use crate::contract::{ContractStatus, ENDING_SOON_HOURS};
use crate::engine::{Ctx, Engine, Role};
use crate::event::{CloseReason, Event, QuoteEnd, ReservationEnd, RfqEnd};
use crate::order::TimeInForce;
use crate::reject::{Rejection, Rule, reject};
use crate::units::Hour;
use std::collections::BTreeMap;

/// Removes and returns the first bucket of `buckets` if its hour is at or before `hour`.
fn pop_due<T>(buckets: &mut BTreeMap<Hour, Vec<T>>, hour: Hour) -> Option<(Hour, Vec<T>)> {
    let (&h, _) = buckets.first_key_value()?;
    if h > hour {
        return None;
    }
    buckets.pop_first()
}

impl Engine {
    pub(crate) fn tick(
        &mut self,
        ctx: &Ctx,
        hour: Hour,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Operator, "only the exchange's clock ticks")?;
        if hour < self.last_tick {
            return reject(
                Rule::InvalidTick,
                "hour",
                format!("tick for {hour} is before the last tick {}", self.last_tick),
            );
        }
        if hour > ctx.now {
            return reject(
                Rule::InvalidTick,
                "hour",
                format!(
                    "tick for {hour} is after the command's time, in hour {}",
                    ctx.now
                ),
            );
        }
        self.expire_orders(hour, events);
        self.expire_deals(hour, events);
        self.ending_soon(hour, events);
        self.start_and_end_contracts(hour, events);
        self.close_months(ctx, hour, events);
        self.mark_overdue(hour, events);
        if hour.0 / 24 != self.last_tick.0 / 24 {
            self.prune_reliability(hour);
        }
        while let Some(&(end, id)) = self.schedule.reservation_ends.first() {
            if end > hour {
                break;
            }
            self.end_reservation(id, ReservationEnd::Elapsed, events);
        }
        self.run_procurements(ctx, events);
        self.publish_prices(hour, events);
        self.last_tick = hour;
        Ok(())
    }

    /// Closes every resting order whose deadline (window start or GTD expiry) has come.
    /// Orders that closed before their deadline are skipped.
    fn expire_orders(&mut self, hour: Hour, events: &mut Vec<Event>) {
        while let Some((_, ids)) = pop_due(&mut self.schedule.order_deadlines, hour) {
            for id in ids {
                let Some(order) = self.orders.get(&id) else {
                    continue;
                };
                let reason = match order.tif {
                    TimeInForce::Gtd { until } if until < order.window.start => {
                        CloseReason::Expired
                    }
                    _ => CloseReason::WindowStarted,
                };
                self.close_order(id, reason, true, events);
            }
        }
    }

    /// Open contracts whose end comes within [`ENDING_SOON_HOURS`] of `hour` and did not
    /// at the last tick: each gets one [`Event::ContractEndingSoon`]. Derived from the
    /// schedule and the two ticks alone (no state), so a replay says the same. A
    /// contract that ends in this very tick, or was made (or moved by notice) to end
    /// sooner than the horizon, gets none: its own events say when it ends.
    fn ending_soon(&self, hour: Hour, events: &mut Vec<Event>) {
        use std::ops::Bound::{Excluded, Included};
        let from = Hour(self.last_tick.0.saturating_add(ENDING_SOON_HOURS));
        let to = Hour(hour.0.saturating_add(ENDING_SOON_HOURS));
        if to <= from {
            return;
        }
        for (&h, ids) in self
            .schedule
            .contract_ends
            .range((Excluded(from), Included(to)))
        {
            if h <= hour {
                continue;
            }
            for &id in ids {
                let c = &self.contracts[&id];
                if c.open && c.ends == h {
                    events.push(Event::ContractEndingSoon {
                        contract: id,
                        ends: h,
                    });
                }
            }
        }
    }

    /// Pending contracts whose start has come become active; live contracts whose end
    /// has come expire and give their capacity back.
    fn start_and_end_contracts(&mut self, hour: Hour, events: &mut Vec<Event>) {
        while let Some((h, ids)) = pop_due(&mut self.schedule.contract_starts, hour) {
            for id in ids {
                let c = self.contracts.get_mut(&id).expect("scheduled contract");
                if c.status == ContractStatus::Pending && c.start() == h {
                    c.status = ContractStatus::Active;
                    events.push(Event::ContractStarted { contract: id });
                }
            }
        }
        while let Some((h, ids)) = pop_due(&mut self.schedule.contract_ends, hour) {
            for id in ids {
                // A contract whose end moved (notice, termination) is in two buckets;
                // only the one of its current end ends it.
                let c = &self.contracts[&id];
                if c.open && c.ends == h {
                    self.end_contract(id, events);
                }
            }
        }
    }

    /// Quotes whose expiry and RFQs whose deadline has come close; their capacity goes
    /// back. Entries of quotes and RFQs that closed earlier are skipped.
    fn expire_deals(&mut self, hour: Hour, events: &mut Vec<Event>) {
        while let Some((_, ids)) = pop_due(&mut self.schedule.quote_expiries, hour) {
            for id in ids {
                if self.quotes.contains_key(&id) {
                    self.close_quote(id, QuoteEnd::Expired, events);
                }
            }
        }
        while let Some((_, ids)) = pop_due(&mut self.schedule.rfq_deadlines, hour) {
            for id in ids {
                if self.rfqs.contains_key(&id) {
                    self.close_rfq(id, RfqEnd::Expired, events);
                }
            }
        }
    }
}
