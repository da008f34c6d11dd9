//! Term deals: a buyer's request for quotes (RFQ), providers' firm quotes, and the
//! acceptance that turns one quote into a contract. A quote encumbers the capacity it
//! offers (like an ask) until it is accepted, withdrawn, released or expires, so
//! acceptance never fails for lack of capacity.

use crate::command::{QuoteSpec, RfqSpec, RfqWants};
use crate::contract::{Contract, ContractLine, Lines, Origin};
use crate::deal::{Need, Quote, Rfq};
use crate::engine::{Ctx, Engine, Role, check_free, check_gpus, check_window};
use crate::event::{Event, QuoteEnd, RfqEnd};
use crate::ids::{ContractId, FacilityId, ModelIdx, QuoteId, RfqId, take};
use crate::limits::{
    MAX_FEE_MICROS, MAX_LINES, MAX_OPEN_RFQS_PER_BUYER, MAX_POWER_KW, MAX_QUOTES_PER_RFQ,
    MAX_RFQ_ITEMS,
};
use crate::quote_rules::{check_pricing, check_terms, terms_miss};
use crate::reject::{Rejection, Rule, reject};

impl Engine {
    /// The open RFQ `id` as seen by the actor: its buyer, a provider it invites, or the
    /// operator. Anyone else is told it does not exist.
    pub(crate) fn visible_rfq(
        &self,
        ctx: &Ctx,
        id: RfqId,
        field: &'static str,
    ) -> Result<&Rfq, Rejection> {
        match self.rfqs.get(&id) {
            Some(r)
                if r.buyer == ctx.actor
                    || ctx.roles.operator
                    || (ctx.roles.provider && r.invites(ctx.actor)) =>
            {
                Ok(r)
            }
            _ => reject(
                Rule::UnknownRfq,
                field,
                format!("no open RFQ {id} visible to you"),
            ),
        }
    }

    fn resolve_need(&self, wants: &RfqWants) -> Result<Need, Rejection> {
        match wants {
            RfqWants::Gpus(items) => {
                if items.is_empty() || items.len() > MAX_RFQ_ITEMS {
                    return reject(
                        Rule::OutOfRange,
                        "wants.gpus",
                        format!("an RFQ names 1 to {MAX_RFQ_ITEMS} models"),
                    );
                }
                let mut need: Vec<(ModelIdx, u32)> = Vec::with_capacity(items.len());
                for (model, gpus) in items {
                    let (idx, _) = self.known_model(model, "wants.gpus.model")?;
                    check_gpus(*gpus, "wants.gpus.gpus")?;
                    if need.iter().any(|(m, _)| *m == idx) {
                        return reject(
                            Rule::AlreadyExists,
                            "wants.gpus.model",
                            format!("model {model:?} is named twice"),
                        );
                    }
                    need.push((idx, *gpus));
                }
                need.sort_unstable();
                Ok(Need::Gpus(need))
            }
            &RfqWants::Power {
                power_kw,
                min_power_kw,
            } => {
                if power_kw == 0
                    || power_kw > MAX_POWER_KW
                    || min_power_kw == 0
                    || min_power_kw > power_kw
                {
                    return reject(
                        Rule::OutOfRange,
                        "wants.power_kw",
                        format!(
                            "power must satisfy 0 < min_power_kw <= power_kw <= {MAX_POWER_KW} (got {min_power_kw} and {power_kw})"
                        ),
                    );
                }
                Ok(Need::Power {
                    power_kw,
                    min_power_kw,
                })
            }
        }
    }

    pub(crate) fn create_rfq(
        &mut self,
        ctx: &Ctx,
        spec: &RfqSpec,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Buyer, "only buyers ask for quotes")?;
        let need = self.resolve_need(&spec.wants)?;
        check_window(&spec.window, ctx.now)?;
        if spec.deadline <= ctx.now || spec.deadline > spec.window.start {
            return reject(
                Rule::InvalidDeadline,
                "deadline",
                format!(
                    "the deadline {} must be after the current hour {} and no later than the window's start {}",
                    spec.deadline, ctx.now, spec.window.start
                ),
            );
        }
        let region = self.resolve_filters(&spec.region, spec.facility)?;
        if spec.invited.len() > MAX_RFQ_ITEMS {
            return reject(
                Rule::OutOfRange,
                "invited",
                format!("at most {MAX_RFQ_ITEMS} providers may be invited"),
            );
        }
        for p in &spec.invited {
            if !self.participants.get(p).is_some_and(|x| x.roles.provider) {
                return reject(
                    Rule::UnknownParticipant,
                    "invited",
                    format!("{p} is not a provider"),
                );
            }
        }
        if let Some(days) = spec.terms.min_payment_days
            && !(1..=crate::limits::MAX_PAYMENT_DAYS).contains(&days)
        {
            return reject(
                Rule::OutOfRange,
                "terms.min_payment_days",
                format!(
                    "payment terms of {days} days must be between 1 and {}",
                    crate::limits::MAX_PAYMENT_DAYS
                ),
            );
        }
        if let Some(fee) = spec.terms.max_early_termination_fee_micros
            && !(0..=MAX_FEE_MICROS).contains(&fee)
        {
            return reject(
                Rule::OutOfRange,
                "terms.max_early_termination_fee_micros",
                format!("must be between 0 and {MAX_FEE_MICROS}"),
            );
        }
        let buyer = self.participants.get(&ctx.actor).expect("actor exists");
        if buyer.open_rfqs >= MAX_OPEN_RFQS_PER_BUYER {
            return reject(
                Rule::LimitReached,
                "actor",
                format!(
                    "{} has {} open RFQs, the most a buyer may have",
                    ctx.actor, buyer.open_rfqs
                ),
            );
        }
        // Validated: now change.
        let mut invited = spec.invited.clone();
        invited.sort_unstable();
        invited.dedup();
        let rfq = Rfq {
            id: RfqId(take(&mut self.ids.rfq)),
            buyer: ctx.actor,
            need,
            window: spec.window,
            region,
            facility: spec.facility,
            terms: spec.terms,
            deadline: spec.deadline,
            invited,
            quotes: Vec::new(),
            quotes_received: 0,
            created_ms: ctx.time_ms,
        };
        self.participants
            .get_mut(&ctx.actor)
            .expect("actor exists")
            .open_rfqs += 1;
        self.schedule
            .rfq_deadlines
            .entry(rfq.deadline)
            .or_default()
            .push(rfq.id);
        events.push(Event::RfqCreated(rfq.clone()));
        self.rfqs.insert(rfq.id, rfq);
        Ok(())
    }

    /// Checks a quote against its RFQ and the provider's pools; returns its lines and
    /// facility.
    fn check_quote(
        &self,
        ctx: &Ctx,
        spec: &QuoteSpec,
        rfq: &Rfq,
    ) -> Result<(Lines, FacilityId), Rejection> {
        if spec.lines.is_empty() || spec.lines.len() > MAX_LINES {
            return reject(
                Rule::OutOfRange,
                "lines",
                format!("a quote has 1 to {MAX_LINES} lines"),
            );
        }
        let mut lines = Lines::new();
        let mut facility = None;
        let (mut gpus_total, mut watts) = (0u64, 0u64);
        let mut per_model: Vec<(ModelIdx, u32)> = Vec::new();
        for l in &spec.lines {
            let pool = self.owned_pool(ctx, l.pool, "lines.pool")?;
            check_gpus(l.gpus, "lines.gpus")?;
            if lines.iter().any(|x: &ContractLine| x.pool == l.pool) {
                return reject(
                    Rule::AlreadyExists,
                    "lines.pool",
                    format!("pool {} is quoted twice", l.pool),
                );
            }
            if *facility.get_or_insert(pool.facility) != pool.facility {
                return reject(
                    Rule::QuoteUnmet,
                    "lines.pool",
                    "a quote's lines all come from one facility",
                );
            }
            if rfq.facility.is_some_and(|f| f != pool.facility)
                || rfq.region.is_some_and(|r| r != pool.region)
            {
                return reject(
                    Rule::QuoteUnmet,
                    "lines.pool",
                    format!("pool {} is outside the RFQ's region or facility", l.pool),
                );
            }
            check_free(pool, l.gpus, &rfq.window, "lines.gpus")?;
            gpus_total += u64::from(l.gpus);
            watts += u64::from(l.gpus) * u64::from(self.model(pool.model).watts_per_gpu);
            match per_model.iter_mut().find(|(m, _)| *m == pool.model) {
                Some((_, g)) => *g += l.gpus,
                None => per_model.push((pool.model, l.gpus)),
            }
            lines.push(ContractLine {
                pool: l.pool,
                gpus: l.gpus,
                window: rfq.window,
            });
        }
        per_model.sort_unstable();
        match &rfq.need {
            Need::Gpus(need) if *need != per_model => {
                return reject(
                    Rule::QuoteUnmet,
                    "lines",
                    "the quote's GPUs per model differ from what the RFQ asks for",
                );
            }
            &Need::Power {
                power_kw,
                min_power_kw,
            } if watts > power_kw * 1_000 || watts < min_power_kw * 1_000 => {
                return reject(
                    Rule::QuoteUnmet,
                    "lines",
                    format!(
                        "the quote's GPUs draw {} kW by the catalog; the RFQ asks for {min_power_kw} to {power_kw} kW",
                        watts / 1_000
                    ),
                );
            }
            _ => {}
        }
        check_pricing(&spec.pricing, gpus_total, &rfq.window)?;
        check_terms(&spec.terms)?;
        if let Some((field, why)) = terms_miss(&rfq.terms, &spec.terms) {
            return reject(Rule::QuoteUnmet, field, why);
        }
        if let Some((field, why)) = spec.delivery.fault() {
            return reject(Rule::OutOfRange, delivery_field(field), why);
        }
        Ok((lines, facility.expect("at least one line")))
    }

    pub(crate) fn submit_quote(
        &mut self,
        ctx: &Ctx,
        spec: &QuoteSpec,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Provider, "only providers quote")?;
        let rfq = self.visible_rfq(ctx, spec.rfq, "rfq")?;
        if rfq.buyer == ctx.actor {
            return reject(
                Rule::NotPermitted,
                "rfq",
                "a participant cannot quote on its own RFQ",
            );
        }
        if !rfq.invites(ctx.actor) {
            return reject(
                Rule::UnknownRfq,
                "rfq",
                format!("no open RFQ {} visible to you", spec.rfq),
            );
        }
        if ctx.now >= rfq.deadline {
            return reject(
                Rule::RfqClosed,
                "rfq",
                format!("the RFQ's deadline {} has passed", rfq.deadline),
            );
        }
        if spec.expires <= ctx.now {
            return reject(
                Rule::InvalidDeadline,
                "expires",
                format!(
                    "the quote's expiry {} is not after the current hour {}",
                    spec.expires, ctx.now
                ),
            );
        }
        if rfq.quotes_received as usize >= MAX_QUOTES_PER_RFQ {
            return reject(
                Rule::LimitReached,
                "rfq",
                format!(
                    "RFQ {} has received {MAX_QUOTES_PER_RFQ} quotes, the most it takes",
                    rfq.id
                ),
            );
        }
        let (lines, facility) = self.check_quote(ctx, spec, rfq)?;
        // Validated: now change.
        let expires = spec.expires.min(rfq.deadline);
        let quote = Quote {
            id: QuoteId(take(&mut self.ids.quote)),
            rfq: spec.rfq,
            provider: ctx.actor,
            facility,
            lines,
            pricing: spec.pricing,
            terms: spec.terms,
            expires,
            created_ms: ctx.time_ms,
            delivery: spec.delivery.clone(),
        };
        for l in &quote.lines {
            self.pools
                .get_mut(&l.pool)
                .expect("checked")
                .used
                .add(l.window, l.gpus);
        }
        let rfq = self.rfqs.get_mut(&spec.rfq).expect("checked");
        rfq.quotes.push(quote.id);
        rfq.quotes_received += 1;
        self.schedule
            .quote_expiries
            .entry(expires)
            .or_default()
            .push(quote.id);
        events.push(Event::QuoteSubmitted(quote.clone()));
        self.quotes.insert(quote.id, quote);
        Ok(())
    }

    /// Closes a live quote: releases its capacity unless accepted, and takes it off its
    /// RFQ.
    pub(crate) fn close_quote(&mut self, id: QuoteId, reason: QuoteEnd, events: &mut Vec<Event>) {
        let quote = self.quotes.remove(&id).expect("live quote");
        if reason != QuoteEnd::Accepted {
            for l in &quote.lines {
                self.pools
                    .get_mut(&l.pool)
                    .expect("pool of a quote")
                    .used
                    .sub(l.window, l.gpus);
            }
        }
        if let Some(rfq) = self.rfqs.get_mut(&quote.rfq) {
            rfq.quotes.retain(|q| *q != id);
        }
        events.push(Event::QuoteClosed { quote: id, reason });
    }

    /// Closes an open RFQ and releases its live quotes.
    pub(crate) fn close_rfq(&mut self, id: RfqId, reason: RfqEnd, events: &mut Vec<Event>) {
        let quotes = self.rfqs.get(&id).expect("open rfq").quotes.clone();
        for q in quotes {
            self.close_quote(q, QuoteEnd::Released, events);
        }
        let rfq = self.rfqs.remove(&id).expect("open rfq");
        self.participants
            .get_mut(&rfq.buyer)
            .expect("buyer exists")
            .open_rfqs -= 1;
        events.push(Event::RfqClosed { rfq: id, reason });
    }

    pub(crate) fn cancel_rfq(
        &mut self,
        ctx: &Ctx,
        id: RfqId,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let buyer = self.rfqs.get(&id).map(|r| r.buyer);
        ctx.require_owner(
            buyer,
            (Rule::UnknownRfq, "rfq"),
            format_args!("open RFQ {id}"),
        )?;
        self.close_rfq(id, RfqEnd::Cancelled, events);
        Ok(())
    }

    pub(crate) fn withdraw_quote(
        &mut self,
        ctx: &Ctx,
        id: QuoteId,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let provider = self.quotes.get(&id).map(|q| q.provider);
        let refusal = (Rule::UnknownQuote, "quote");
        ctx.require_owner(provider, refusal, format_args!("live quote {id}"))?;
        self.close_quote(id, QuoteEnd::Withdrawn, events);
        Ok(())
    }

    pub(crate) fn accept_quote(
        &mut self,
        ctx: &Ctx,
        id: QuoteId,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let Some(quote) = self.quotes.get(&id) else {
            return reject(
                Rule::UnknownQuote,
                "quote",
                format!("no live quote {id} visible to you"),
            );
        };
        let rfq = &self.rfqs[&quote.rfq];
        if rfq.buyer != ctx.actor {
            if quote.provider == ctx.actor || ctx.roles.operator {
                return reject(
                    Rule::NotPermitted,
                    "quote",
                    format!("only the RFQ's buyer {} may accept quote {id}", rfq.buyer),
                );
            }
            return reject(
                Rule::UnknownQuote,
                "quote",
                format!("no live quote {id} visible to you"),
            );
        }
        if ctx.now >= rfq.deadline {
            return reject(
                Rule::RfqClosed,
                "quote",
                format!("RFQ {}'s deadline {} has passed", rfq.id, rfq.deadline),
            );
        }
        if ctx.now >= quote.expires {
            return reject(
                Rule::QuoteExpired,
                "quote",
                format!("quote {id} expired at {}", quote.expires),
            );
        }
        // The buyer must be able to pay the contract's first month.
        let first = quote
            .lines
            .iter()
            .map(|l| l.window.start)
            .min()
            .expect("a line");
        let probe = Contract::new(
            ContractId(0),
            (ctx.actor, quote.provider),
            quote.lines.clone(),
            (quote.pricing, quote.terms),
            Origin::Quote(id),
            ctx.time_ms,
        );
        let cost = probe
            .value_micros(first, first.next_month_start())
            .unwrap_or(i64::MAX);
        self.check_funds(ctx.actor, cost, "quote")?;
        // Validated: now change. The quote's encumbrance becomes the contract's.
        let (rfq_id, quote) = (quote.rfq, quote.clone());
        let contract_id = ContractId(take(&mut self.ids.contract));
        let mut contract = Contract::new(
            contract_id,
            (ctx.actor, quote.provider),
            quote.lines.clone(),
            (quote.pricing, quote.terms),
            Origin::Quote(id),
            ctx.time_ms,
        );
        contract.delivery = quote.delivery.clone();
        self.close_quote(id, QuoteEnd::Accepted, events);
        self.close_rfq(rfq_id, RfqEnd::Accepted(id), events);
        self.add_contract(contract, events);
        Ok(())
    }
}

/// A quote's delivery field as its command names it (`delivery.tiers`).
fn delivery_field(field: &str) -> &'static str {
    match field {
        "availability_target_bps" => "delivery.availability_target_bps",
        _ => "delivery.tiers",
    }
}
