//! Orders placed in a batch, and stored capacity plans' behaviour. A batch
//! (`PlaceOrders`) places each order as its own command would, or refuses it on its
//! own (a refusal changes nothing), and names them all in `OrdersPlaced`. A plan is
//! uploaded (its rows checked by `plan::demand`, within the per-participant and
//! exchange bounds) and applied once: each order of its proposal placed as `PlaceBid`
//! or `PlaceAsk` would place it, or refused on its own, and the plan marked applied, so
//! that a second apply places nothing twice. The proposal itself is made outside the
//! write path (`plan::propose`, by the server over the replica's or the read model's
//! records) and arrives in the command, so replay places exactly what was placed.

use crate::command::{PlanSpec, PlannedOrder};
use crate::engine::{Ctx, Engine};
use crate::event::{Event, PlanOutcome};
use crate::ids::{OrderId, PlanId, take};
use crate::limits::{
    MAX_BATCH_ORDERS, MAX_PLAN_ORDERS, MAX_PLANS, MAX_PLANS_PER_PARTICIPANT, MAX_PRICE_MICROS,
};
use crate::plan::PlanState;
use crate::reject::{Rejection, Rule, reject};

/// The order a placement accepted: its events start with its `OrderAccepted`.
fn accepted(events: &[Event]) -> OrderId {
    match events.first() {
        Some(Event::OrderAccepted(o)) => o.id,
        other => unreachable!("a placed order's events start with its acceptance: {other:?}"),
    }
}

impl Engine {
    /// A stored plan.
    pub fn plan_state(&self, id: PlanId) -> Option<PlanState> {
        self.plans.get(&id).copied()
    }

    pub(crate) fn upload_plan(
        &mut self,
        ctx: &Ctx,
        spec: &PlanSpec,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        crate::plan::demand(spec, ctx.now, |m| self.model_index.contains_key(m))?;
        if let Some(limit) = spec.limit_price_micros
            && !(1..=MAX_PRICE_MICROS).contains(&limit)
        {
            return reject(
                Rule::OutOfRange,
                "limit_price_micros",
                format!("a limit is 1 to {MAX_PRICE_MICROS} micro-USD per GPU-hour, not {limit}"),
            );
        }
        if self.plans.len() >= MAX_PLANS {
            let detail = format!("the exchange stores at most {MAX_PLANS} plans");
            return reject(Rule::LimitReached, "body", detail);
        }
        let mine = self.plans.values().filter(|p| p.owner == ctx.actor).count();
        if mine >= MAX_PLANS_PER_PARTICIPANT {
            let detail = format!("a participant stores at most {MAX_PLANS_PER_PARTICIPANT} plans");
            return reject(Rule::LimitReached, "body", detail);
        }
        // Validated: now change.
        let id = PlanId(take(&mut self.ids.plan));
        let state = PlanState {
            owner: ctx.actor,
            applied: false,
        };
        self.plans.insert(id, state);
        events.push(Event::PlanUploaded {
            plan: id,
            owner: ctx.actor,
            spec: spec.clone(),
        });
        Ok(())
    }

    pub(crate) fn apply_plan(
        &mut self,
        ctx: &Ctx,
        (id, orders): (PlanId, &[PlannedOrder]),
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let Some(plan) = self.plans.get(&id).filter(|p| p.owner == ctx.actor) else {
            return reject(Rule::UnknownPlan, "plan", format!("no plan {id}"));
        };
        if plan.applied {
            return reject(
                Rule::PlanApplied,
                "plan",
                format!("plan {id} was applied already; its orders stand"),
            );
        }
        if orders.len() > MAX_PLAN_ORDERS {
            return reject(
                Rule::QuantityTooLarge,
                "orders",
                format!(
                    "{} orders; a plan places at most {MAX_PLAN_ORDERS}",
                    orders.len()
                ),
            );
        }
        // Validated: now change.
        let outcomes = self.place_each(ctx, orders, events);
        self.plans.get_mut(&id).expect("checked above").applied = true;
        events.push(Event::PlanApplied {
            plan: id,
            orders: outcomes,
        });
        Ok(())
    }

    pub(crate) fn place_orders(
        &mut self,
        ctx: &Ctx,
        orders: &[PlannedOrder],
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        if orders.is_empty() || orders.len() > MAX_BATCH_ORDERS {
            return reject(
                Rule::OutOfRange,
                "orders",
                format!(
                    "{} orders; a batch has 1 to {MAX_BATCH_ORDERS}",
                    orders.len()
                ),
            );
        }
        // Validated: now change.
        let orders = self.place_each(ctx, orders, events);
        events.push(Event::OrdersPlaced { orders });
        Ok(())
    }

    /// Places each order as its own command would: placed, or refused with nothing
    /// changed (its rule, field and sentence kept).
    fn place_each(
        &mut self,
        ctx: &Ctx,
        orders: &[PlannedOrder],
        events: &mut Vec<Event>,
    ) -> Vec<(PlannedOrder, PlanOutcome)> {
        let mut outcomes = Vec::with_capacity(orders.len());
        for order in orders {
            let mark = events.len();
            let placed = match order {
                PlannedOrder::Bid(spec) => self.place_bid(ctx, spec, events),
                PlannedOrder::Ask(spec) => self.place_ask(ctx, spec, events),
                PlannedOrder::FlexibleBid(spec) => self.place_flexible_bid(ctx, spec, events),
            };
            let outcome = match placed {
                Ok(()) => PlanOutcome::Placed(accepted(&events[mark..])),
                Err(r) => PlanOutcome::Refused {
                    rule: r.rule.code().to_string(),
                    field: r.field_path(),
                    detail: r.detail,
                },
            };
            outcomes.push((order.clone(), outcome));
        }
        outcomes
    }

    /// Every stored plan has a known owner, within the bounds.
    pub(crate) fn check_plans(&self) -> Result<(), String> {
        if self.plans.len() > MAX_PLANS {
            return Err(format!("{} plans stored", self.plans.len()));
        }
        let mut per_owner = std::collections::BTreeMap::new();
        for (id, p) in &self.plans {
            let n = per_owner.entry(p.owner).or_insert(0usize);
            *n += 1;
            if *n > MAX_PLANS_PER_PARTICIPANT || self.participants.get(&p.owner).is_none() {
                return Err(format!(
                    "plan {id}: owner {} over its bound or unknown",
                    p.owner
                ));
            }
            if id.0 >= self.ids.plan {
                return Err(format!("plan {id} is past the next id {}", self.ids.plan));
            }
        }
        Ok(())
    }
}
