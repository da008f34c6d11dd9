//! A contract's life after it is made: notice of termination for convenience, and
//! termination for cause. Either moves the contract's end earlier and gives the capacity
//! after the new end back at once: to the pool, or for a resold child to its parent.
//! A contract that ends early takes its resale children with it (they end at the same
//! hour, showing notice `via_parent`) and closes the resale asks backed by it.

use crate::contract::{Cause, Contract, ContractStatus, ForCause, Notice, NoticeFrom, Origin};
use crate::engine::{Ctx, Engine};
use crate::event::{CloseReason, Event};
use crate::ids::{ContractId, OrderId};
use crate::limits::MAX_REASON_BYTES;
use crate::order::{AskSource, OrderKind};
use crate::refund::EarlyEnd;
use crate::reject::{Rejection, Rule, reject};
use crate::units::{Hour, Window};

/// The hour notice of `hours` given during `ctx` takes effect. From the moment: `hours`
/// after it, rounded up to an hour boundary only when it is not on one, and at least
/// the end of the current hour; given at 2027-01-15T00:00:00Z, 90 days' notice ends the
/// contract at 2027-04-15T00:00Z, a millisecond later at 01:00Z. From the next hour
/// (old records): always the latter.
pub(crate) fn notice_end(ctx: &Ctx, hours: u32, from: NoticeFrom) -> Hour {
    let next_hour = Hour(ctx.now.0.saturating_add(1));
    match from {
        NoticeFrom::NextHour => Hour(next_hour.0.saturating_add(hours)),
        NoticeFrom::Moment => crate::positions::notice_effective(ctx.time_ms, ctx.now, hours),
    }
}

impl Engine {
    /// Records a new contract (its capacity already accounted for by the caller) and
    /// schedules its start and end.
    pub(crate) fn add_contract(&mut self, contract: Contract, events: &mut Vec<Event>) {
        let id = contract.id;
        if matches!(contract.origin, Origin::Quote(_)) {
            self.billing.insert(id);
        }
        self.schedule
            .contract_starts
            .entry(contract.start())
            .or_default()
            .push(id);
        self.schedule
            .contract_ends
            .entry(contract.ends)
            .or_default()
            .push(id);
        events.push(Event::ContractCreated(Box::new(contract.clone())));
        self.contracts.insert(id, contract);
    }

    /// The contract `id` if the actor is a party to it; anyone else is told it does not
    /// exist.
    fn party_contract(&self, ctx: &Ctx, id: ContractId) -> Result<&Contract, Rejection> {
        match self.contracts.get(&id) {
            Some(c) if c.buyer == ctx.actor || c.seller == ctx.actor => Ok(c),
            _ => reject(
                Rule::UnknownContract,
                "contract",
                format!("no contract {id} of yours"),
            ),
        }
    }

    /// Checks that a contract is still in force at hour `now`: not ended (even if the
    /// tick that ends it has not come yet) and not already ending for cause.
    fn check_in_force(c: &Contract, now: Hour) -> Result<(), Rejection> {
        if c.open && now >= c.ends {
            return reject(
                Rule::ContractNotInForce,
                "contract",
                format!("contract {}'s end {} has come", c.id, c.ends),
            );
        }
        match c.status {
            ContractStatus::Pending | ContractStatus::Active | ContractStatus::NoticeGiven
                if c.open =>
            {
                Ok(())
            }
            _ => reject(
                Rule::ContractNotInForce,
                "contract",
                format!(
                    "contract {} is {}; it cannot be ended again",
                    c.id,
                    c.status.as_str()
                ),
            ),
        }
    }

    /// Notice on contract `id`, its period counted `from`; `refunding`: whether the
    /// hours after the end are refunded (false for commands journaled before refunds).
    pub(crate) fn give_notice(
        &mut self,
        ctx: &Ctx,
        id: ContractId,
        (from, refunding): (NoticeFrom, bool),
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let c = self.party_contract(ctx, id)?;
        Self::check_in_force(c, ctx.now)?;
        if c.notice.is_some() {
            return reject(
                Rule::ContractNotInForce,
                "contract",
                format!("notice was already given on {id}; it ends at {}", c.ends),
            );
        }
        let (hours, party) = if c.buyer == ctx.actor {
            (c.terms.buyer_notice_hours, "buyer")
        } else {
            (c.terms.seller_notice_hours, "seller")
        };
        let Some(hours) = hours else {
            return reject(
                Rule::NoRightOfNotice,
                "contract",
                format!(
                    "contract {id} gives the {party} no right to terminate for convenience (it is firm for the {party})"
                ),
            );
        };
        // Notice runs from the moment it is given: the contract ends `hours` after it,
        // on that instant if it is an hour boundary, else at the next boundary (and never
        // within the current hour, whose tick has run). Notice that would take effect at
        // or after the end ends nothing early: refused, so no fee falls due for it.
        let effective = notice_end(ctx, hours, from);
        if effective >= c.ends {
            return reject(
                Rule::NoticePastEnd,
                "contract",
                format!(
                    "{hours} hours' notice from now takes effect at {effective}, not before the contract's end {}; it ends then anyway",
                    c.ends
                ),
            );
        }
        let notice = Notice {
            by: ctx.actor,
            given_ms: ctx.time_ms,
            effective,
            fee_micros: c.terms.early_termination_fee_micros,
            via_parent: None,
        };
        let by_seller = c.seller == ctx.actor;
        // Validated: now change.
        let why = EarlyEnd::Notice { by_seller };
        self.cut(ctx, id, effective, (why, refunding), events);
        let c = self.contracts.get_mut(&id).expect("checked");
        c.notice = Some(notice);
        c.status = ContractStatus::NoticeGiven;
        let payee = if c.buyer == ctx.actor {
            c.seller
        } else {
            c.buyer
        };
        events.push(Event::NoticeGiven {
            contract: id,
            notice,
        });
        if notice.fee_micros > 0 {
            let fee = crate::invoice::Invoice {
                id: crate::ids::InvoiceId(0),
                contract: id,
                payer: ctx.actor,
                payee,
                charge: crate::invoice::Charge::EarlyTerminationFee,
                period: Window {
                    start: effective,
                    end: Hour(effective.0 + 1),
                },
                amount_micros: notice.fee_micros,
                issued_ms: ctx.time_ms,
                due: Hour(ctx.now.0 + 1 + u32::from(c.terms.payment_days) * 24),
                overdue: false,
            };
            self.issue(ctx, fee, events);
        }
        Ok(())
    }

    /// Termination of contract `id` for `cause` with a written reason; `refunding` as
    /// for [`Engine::give_notice`].
    pub(crate) fn terminate_for_cause(
        &mut self,
        ctx: &Ctx,
        id: ContractId,
        (cause, reason): (Cause, &str),
        refunding: bool,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let c = self.party_contract(ctx, id)?;
        Self::check_in_force(c, ctx.now)?;
        if !c.terms.for_cause.allows(cause) {
            return reject(
                Rule::CauseNotAllowed,
                "cause",
                format!(
                    "contract {id} does not allow termination for {}",
                    cause.as_str()
                ),
            );
        }
        let by_buyer = c.buyer == ctx.actor;
        if by_buyer != cause.invoked_by_buyer() {
            let who = if cause.invoked_by_buyer() {
                "buyer"
            } else {
                "seller"
            };
            return reject(
                Rule::CauseNotAllowed,
                "cause",
                format!("{} is invoked by the {who}, not by you", cause.as_str()),
            );
        }
        if cause == Cause::NonPayment && !self.buyer_is_overdue(id) {
            return reject(
                Rule::NothingOverdue,
                "cause",
                format!(
                    "the buyer of contract {id} has no overdue invoice of it; non_payment needs one"
                ),
            );
        }
        if reason.trim().is_empty() || reason.len() > MAX_REASON_BYTES {
            return reject(
                Rule::InvalidName,
                "reason",
                format!("a written reason of 1 to {MAX_REASON_BYTES} bytes is required"),
            );
        }
        // It ends at the next hour boundary (or stays at an earlier notice end).
        let effective = Hour(ctx.now.0.saturating_add(1)).min(c.ends);
        let termination = ForCause {
            by: ctx.actor,
            cause,
            reason: reason.to_string(),
            given_ms: ctx.time_ms,
            effective,
        };
        // Validated: now change.
        self.cut(
            ctx,
            id,
            effective,
            (EarlyEnd::Cause(cause), refunding),
            events,
        );
        let c = self.contracts.get_mut(&id).expect("checked");
        c.status = ContractStatus::TerminatedForCause;
        c.for_cause = Some(Box::new(termination.clone()));
        events.push(Event::TerminatedForCause {
            contract: id,
            termination,
        });
        Ok(())
    }

    /// Moves contract `id`'s end to `to` (no later than its current end) because of
    /// `why`: a prepaid buyer is refunded the hours after `to` where the rules say so
    /// (first, so a reseller holds its own refund before it pays its buyer's), its
    /// children end there too, resale asks on it close, and the capacity after `to`
    /// goes back to the pool (or, for a child, to its parent). The actor and time of
    /// `ctx` are recorded on the children's notices. Nothing is refunded unless
    /// `refunding` (commands journaled before refunds replay as they ran).
    pub(crate) fn cut(
        &mut self,
        ctx: &Ctx,
        id: ContractId,
        to: Hour,
        (why, refunding): (EarlyEnd, bool),
        events: &mut Vec<Event>,
    ) {
        let c = &self.contracts[&id];
        debug_assert!(c.open && to <= c.ends);
        if refunding {
            self.refund_remainder(ctx, id, to, why, events);
        }
        let c = &self.contracts[&id];
        let (children, old_end) = (c.children.clone(), c.ends);
        for child in children {
            let ch = &self.contracts[&child];
            if ch.open && ch.ends > to {
                let effective = to.max(ch.start()).min(ch.ends);
                self.cut(ctx, child, effective, (EarlyEnd::Parent, refunding), events);
                let ch = self.contracts.get_mut(&child).expect("child");
                let notice = Notice {
                    by: ctx.actor,
                    given_ms: ctx.time_ms,
                    effective,
                    fee_micros: 0,
                    via_parent: Some(id),
                };
                // A child terminated for cause already ends by the next hour boundary,
                // never after its parent's new end, so it is not cut again.
                debug_assert!(ch.for_cause.is_none());
                ch.notice = Some(notice);
                ch.status = ContractStatus::NoticeGiven;
                events.push(Event::NoticeGiven {
                    contract: child,
                    notice,
                });
            }
        }
        self.close_resale_asks(id, events);
        let c = self.contracts.get_mut(&id).expect("contract");
        let freed: Vec<(usize, Window, u32)> = c
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                Window::new(l.window.start.max(to), l.window.end.min(old_end))
                    .ok()
                    .map(|w| (i, w, l.gpus))
            })
            .collect();
        c.ends = to;
        let parent = resale_parent(&c.origin);
        if to < old_end {
            self.schedule.contract_ends.entry(to).or_default().push(id);
        }
        for (i, window, gpus) in freed {
            self.give_back(id, parent, i, window, gpus);
        }
    }

    /// Gives `gpus` over `window` of line `line` of contract `id` back to where they
    /// came from: its parent's resale holding, or the pool.
    fn give_back(
        &mut self,
        id: ContractId,
        parent: Option<(ContractId, usize)>,
        line: usize,
        window: Window,
        gpus: u32,
    ) {
        match parent {
            Some((p, pi)) => {
                let parent = self.contracts.get_mut(&p).expect("parent");
                parent.resold[pi].sub(window, gpus);
            }
            None => {
                let pool = self.contracts[&id].lines[line].pool;
                self.pools
                    .get_mut(&pool)
                    .expect("pool of a contract")
                    .used
                    .sub(window, gpus);
            }
        }
    }

    /// Closes every live resale ask backed by contract `id`.
    fn close_resale_asks(&mut self, id: ContractId, events: &mut Vec<Event>) {
        let asks: Vec<OrderId> = self
            .resale_asks
            .range((id, OrderId(0))..=(id, OrderId(u64::MAX)))
            .map(|&(_, o)| o)
            .collect();
        for o in asks {
            self.close_order(o, CloseReason::ContractEnded, true, events);
        }
    }

    /// Ends contracts whose (possibly moved) end has come: their remaining capacity goes
    /// back, and they become expired or terminated.
    pub(crate) fn end_contract(&mut self, id: ContractId, events: &mut Vec<Event>) {
        let c = &self.contracts[&id];
        let parent = resale_parent(&c.origin);
        let held: Vec<(usize, Window, u32)> = (0..c.lines.len())
            .filter_map(|i| c.held(i).map(|w| (i, w, c.lines[i].gpus)))
            .collect();
        for (i, window, gpus) in held {
            self.give_back(id, parent, i, window, gpus);
        }
        self.close_resale_asks(id, events);
        let c = self.contracts.get_mut(&id).expect("contract");
        c.open = false;
        let early = c.ends < c.end();
        c.status = match c.status {
            ContractStatus::TerminatedForCause => ContractStatus::TerminatedForCause,
            _ if early || c.notice.is_some() => ContractStatus::Terminated,
            _ => ContractStatus::Expired,
        };
        events.push(match c.status {
            ContractStatus::Expired => Event::ContractExpired { contract: id },
            status => Event::ContractTerminated {
                contract: id,
                for_cause: status == ContractStatus::TerminatedForCause,
            },
        });
    }
}

/// The parent contract and line a resale contract was carved from.
pub(crate) fn resale_parent(origin: &Origin) -> Option<(ContractId, usize)> {
    match *origin {
        Origin::Resale { parent, line, .. } => Some((parent, usize::from(line))),
        _ => None,
    }
}

/// The contract line backing a resale ask, if it is one.
pub(crate) fn resale_source(kind: &OrderKind) -> Option<(ContractId, usize)> {
    match kind {
        OrderKind::Ask(a) => match a.source {
            AskSource::Contract { contract, line } => Some((contract, usize::from(line))),
            AskSource::Pool(_) => None,
        },
        OrderKind::Bid(_) => None,
    }
}
