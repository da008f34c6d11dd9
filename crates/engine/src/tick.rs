//! Time: a `Tick(hour)` moves the market's clock to the start of `hour`. Resting orders
//! whose window has started or whose GTD expiry has come leave the book; pending
//! contracts whose first hour has come start; contracts and reservations whose last
//! hour has passed end and give their capacity back to the pool.

use crate::contract::ContractStatus;
use crate::engine::{Ctx, Engine};
use crate::event::{CloseReason, Event, ReservationEnd};
use crate::order::TimeInForce;
use crate::reject::{Rejection, Rule, reject};
use crate::units::Hour;
use std::collections::BTreeSet;

/// Removes and returns the first entry of `set` if its hour is at or before `hour`.
fn pop_due<T: Ord + Copy>(set: &mut BTreeSet<(Hour, T)>, hour: Hour) -> Option<T> {
    let &(h, id) = set.first()?;
    if h > hour {
        return None;
    }
    set.pop_first();
    Some(id)
}

impl Engine {
    pub(crate) fn tick(
        &mut self,
        ctx: &Ctx,
        hour: Hour,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        if !ctx.roles.operator {
            return reject(
                Rule::NotPermitted,
                "actor",
                format!(
                    "{} is not the operator; only the exchange's clock ticks",
                    ctx.actor
                ),
            );
        }
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
        while let Some(id) = pop_due(&mut self.schedule.contract_starts, hour) {
            let c = self.contracts.get_mut(&id).expect("scheduled contract");
            debug_assert_eq!(c.status, ContractStatus::Pending);
            c.status = ContractStatus::Active;
            events.push(Event::ContractStarted { contract: id });
        }
        while let Some(id) = pop_due(&mut self.schedule.contract_ends, hour) {
            let c = self.contracts.get_mut(&id).expect("scheduled contract");
            debug_assert_eq!(c.status, ContractStatus::Active);
            c.status = ContractStatus::Expired;
            for line in &c.lines {
                let pool = self.pools.get_mut(&line.pool).expect("pool of a contract");
                pool.used.sub(line.window, line.gpus);
            }
            events.push(Event::ContractExpired { contract: id });
        }
        while let Some(&(end, id)) = self.schedule.reservation_ends.first() {
            if end > hour {
                break;
            }
            self.end_reservation(id, ReservationEnd::Elapsed, events);
        }
        self.last_tick = hour;
        Ok(())
    }

    /// Closes every resting order whose deadline (window start or GTD expiry) has come.
    fn expire_orders(&mut self, hour: Hour, events: &mut Vec<Event>) {
        while let Some(&(deadline, id)) = self.schedule.order_deadlines.first() {
            if deadline > hour {
                break;
            }
            let order = &self.orders[&id];
            let reason = match order.tif {
                TimeInForce::Gtd { until } if until < order.window.start => CloseReason::Expired,
                _ => CloseReason::WindowStarted,
            };
            self.close_order(id, reason, true, events);
        }
    }
}
