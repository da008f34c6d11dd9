//! Automatic delivery credits at the month close (`docs/market-rules.md`, "Delivery
//! credits"): for every prepaid contract with delivery reports in the month (or whose
//! unreported hours count as not delivered), its month's delivery is measured against
//! its delivery terms (`delivery.rs`), and a shortfall is credited by an invoice from
//! the seller to the buyer (charge `delivery_credit`) whose lines are each contract
//! line's undelivered GPU-hours, with the evidence on `DeliveryCredited`. Also the
//! operator's delivery terms for new fills.

use crate::contract::Contract;
use crate::delivery::{DeliveryTerms, MonthDelivery, Unreported, credit_micros};
use crate::engine::{Ctx, Engine, Role};
use crate::event::Event;
use crate::ids::{ContractId, InvoiceId};
use crate::invoice::{Charge, Invoice, InvoiceLine, InvoiceLines, split_largest_remainder};
use crate::reject::{Rejection, Rule, reject};
use crate::units::{Hour, Window};
use std::collections::BTreeSet;

impl Engine {
    /// The delivery terms of new fills and resales.
    pub fn delivery_defaults(&self) -> &DeliveryTerms {
        &self.delivery_defaults
    }

    pub(crate) fn set_delivery_defaults(
        &mut self,
        ctx: &Ctx,
        terms: &DeliveryTerms,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(
            Role::Operator,
            "only the operator sets the delivery terms of fills",
        )?;
        if let Some((field, detail)) = terms.fault() {
            return reject(Rule::OutOfRange, field, detail);
        }
        self.delivery_defaults = terms.clone();
        events.push(Event::DeliveryDefaultsSet(terms.clone()));
        Ok(())
    }

    /// The month's delivery of contract `c` under its terms, with each line's
    /// undelivered GPU-hours; `None` when it held nothing in the month.
    pub fn month_delivery(&self, c: &Contract, month: Window) -> Option<(MonthDelivery, Vec<u64>)> {
        let period = Window::new(c.start().max(month.start), c.ends.min(month.end)).ok()?;
        let (mut contracted, mut undelivered, mut unreported) = (0u64, 0u64, 0u64);
        let mut per_line = Vec::with_capacity(c.lines.len());
        for (i, l) in c.lines.iter().enumerate() {
            let w = c
                .held(i)
                .and_then(|w| Window::new(w.start.max(month.start), w.end.min(month.end)).ok());
            let Some(w) = w else {
                per_line.push(0);
                continue;
            };
            let (a, b) = (
                (w.start.0 - month.start.0) as u16,
                (w.end.0 - month.start.0) as u16,
            );
            let hours = u64::from(b - a);
            let gpus = u64::from(l.gpus);
            let key = (month.start, c.id, u16::try_from(i).expect("bounded lines"));
            let (reported, short) = self.delivery.get(&key).map_or((0, 0), |m| {
                (
                    u64::from(m.reported_hours(a, b)),
                    m.shortfall_gpu_hours(a, b, l.gpus),
                )
            });
            let missing = (hours - reported) * gpus;
            let lost = short
                + match c.delivery.unreported {
                    Unreported::Delivered => 0,
                    Unreported::NotDelivered => missing,
                };
            contracted += hours * gpus;
            undelivered += lost;
            unreported += missing;
            per_line.push(lost);
        }
        let charge = c
            .value_micros(period.start, period.end)
            .expect("fits its checks");
        let delivered = contracted - undelivered;
        let (pro_rata, tier, credit) = credit_micros(&c.delivery, charge, (contracted, delivered));
        let d = MonthDelivery {
            period,
            contracted_gpu_hours: contracted,
            delivered_gpu_hours: delivered,
            unreported_gpu_hours: unreported,
            availability_bps: crate::delivery::availability_bps(contracted, delivered),
            charge_micros: charge,
            pro_rata_micros: pro_rata,
            tier_micros: tier,
            credit_micros: credit,
        };
        Some((d, per_line))
    }

    /// The delivery credit of term contract `c` for `month`, when its terms credit a
    /// shortfall there: the month's delivery and the credit's lines, each a contract
    /// line's undelivered GPU-hours at a negative amount, for the month's invoice.
    pub(crate) fn term_credit(
        &self,
        c: &Contract,
        month: Window,
    ) -> Option<(MonthDelivery, InvoiceLines)> {
        if !c.delivery.credits() {
            return None;
        }
        let (d, per_line) = self.month_delivery(c, month)?;
        if d.credit_micros == 0 {
            return None;
        }
        let mut lines = credit_lines(c, d.credit_micros, &per_line);
        for l in &mut lines {
            l.amount_micros = -l.amount_micros;
        }
        Some((d, lines))
    }

    /// Credits every prepaid contract whose delivery in `month` (closing at the tick of
    /// `hour`) fell short of its terms by an invoice of its own (a term contract's
    /// credit is on its month's invoice: [`Engine::term_credit`]).
    pub(crate) fn credit_month(
        &mut self,
        ctx: &Ctx,
        month: Window,
        hour: Hour,
        events: &mut Vec<Event>,
    ) {
        let range = (month.start, ContractId(0), 0)..(month.end, ContractId(0), 0);
        let mut ids: BTreeSet<ContractId> = self
            .delivery
            .range(range)
            .map(|(&(_, c, _), _)| c)
            .collect();
        ids.extend(self.strict_delivery.iter().copied());
        for id in ids {
            self.credit_contract(ctx, id, month, hour, events);
        }
        let done: Vec<ContractId> = self
            .strict_delivery
            .iter()
            .copied()
            .filter(|id| self.contracts[id].ends <= month.end)
            .collect();
        for id in done {
            self.strict_delivery.remove(&id);
        }
    }

    fn credit_contract(
        &mut self,
        ctx: &Ctx,
        id: ContractId,
        month: Window,
        hour: Hour,
        events: &mut Vec<Event>,
    ) {
        let c = &self.contracts[&id];
        if !c.is_prepaid() || !c.delivery.credits() {
            return;
        }
        let Some((d, per_line)) = self.month_delivery(c, month) else {
            return;
        };
        if d.credit_micros == 0 {
            return;
        }
        let lines = credit_lines(c, d.credit_micros, &per_line);
        let invoice = Invoice {
            id: InvoiceId(0),
            contract: id,
            payer: c.seller,
            payee: c.buyer,
            charge: Charge::DeliveryCredit,
            period: d.period,
            amount_micros: d.credit_micros,
            issued_ms: ctx.time_ms,
            due: Hour(month.end.max(hour).0 + u32::from(c.terms.payment_days) * 24),
            overdue: false,
        };
        let c = self.contracts.get_mut(&id).expect("checked");
        c.credited_micros += d.credit_micros;
        let invoice = self.issue_with_lines(ctx, invoice, lines, events);
        events.push(Event::DeliveryCredited {
            contract: id,
            invoice,
            delivery: d,
        });
    }
}

/// A credit of `credit_micros` over contract `c`'s lines by their undelivered GPU-hours
/// (`per_line`; largest remainder, so the lines add up to it): a line per line short.
fn credit_lines(c: &Contract, credit_micros: i64, per_line: &[u64]) -> InvoiceLines {
    let shares = split_largest_remainder(credit_micros, per_line);
    c.lines
        .iter()
        .enumerate()
        .filter(|&(i, _)| per_line[i] > 0)
        .map(|(i, l)| InvoiceLine {
            line: Some(u16::try_from(i).expect("bounded lines")),
            pool: l.pool,
            gpus: l.gpus,
            gpu_hours: Some(per_line[i]),
            amount_micros: shares[i],
        })
        .collect()
}
