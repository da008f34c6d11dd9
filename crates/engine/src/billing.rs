//! Invoices for term contracts (those made by accepting a quote; exchange fills and
//! resales settle at the trade). At each UTC month close the tick bills every term
//! contract for the month just ended, in arrears: GPUs x hours x price, or the monthly
//! fee prorated by the hours in force ([`crate::contract::Contract::value_micros`]). An
//! early-termination fee is invoiced when notice is given. An invoice is paid at once
//! from the payer's money when it can be (balance + credit limit - what its bids
//! reserve); otherwise it stays open, counts against the payer's credit checks, is paid
//! when money arrives, and becomes overdue after its due date (the contract's payment
//! terms, 30 days unless it says otherwise). Refunds of prepaid hours are invoices too,
//! issued by `refund.rs` and paid here like any other.

use crate::engine::{Ctx, Engine, Role};
use crate::event::Event;
use crate::ids::{ContractId, InvoiceId, ParticipantId, take};
use crate::invoice::{Charge, Invoice};
use crate::limits::MAX_MONTH_CLOSE_GRACE_HOURS;
use crate::money::Account;
use crate::reject::{Rejection, Rule, reject};
use crate::units::{Hour, Window};
impl Engine {
    /// What a participant owes on unpaid invoices, micro-USD.
    pub fn owed(&self, p: ParticipantId) -> i64 {
        self.participants.get(&p).map_or(0, |x| x.owed_micros)
    }

    /// What others owe a participant on unpaid invoices, micro-USD.
    pub fn receivable(&self, p: ParticipantId) -> i64 {
        self.participants.get(&p).map_or(0, |x| x.receivable_micros)
    }

    /// True when contract `id`'s buyer has an unpaid invoice of it past its due date
    /// (a fee the seller owes for its own notice does not count).
    pub fn buyer_is_overdue(&self, id: ContractId) -> bool {
        let Some(c) = self.contracts.get(&id) else {
            return false;
        };
        self.invoices
            .values()
            .any(|i| i.contract == id && i.payer == c.buyer && i.overdue)
    }

    /// An unpaid invoice.
    pub fn invoice(&self, id: InvoiceId) -> Option<&Invoice> {
        self.invoices.get(&id)
    }

    /// The end of the last closed month: every term contract is billed, and every
    /// contract credited, for its hours before it. Behind the last tick's month by the
    /// months whose close grace has not yet passed.
    pub fn months_closed_to(&self) -> Hour {
        self.closed_to
    }

    /// Issues an invoice and pays it at once if the payer can.
    pub(crate) fn issue(&mut self, ctx: &Ctx, invoice: Invoice, events: &mut Vec<Event>) {
        let money = self.contracts[&invoice.contract].economics();
        let lines =
            crate::invoice::lines(invoice.charge, invoice.period, invoice.amount_micros, money);
        self.issue_with_lines(ctx, invoice, lines, events);
    }

    /// Issues an invoice with its lines (which add up to it) and pays it at once if the
    /// payer can; returns its id.
    pub(crate) fn issue_with_lines(
        &mut self,
        ctx: &Ctx,
        mut invoice: Invoice,
        lines: crate::invoice::InvoiceLines,
        events: &mut Vec<Event>,
    ) -> InvoiceId {
        assert_eq!(
            lines.iter().map(|l| l.amount_micros).sum::<i64>(),
            invoice.amount_micros,
            "an invoice's lines add up to it"
        );
        invoice.id = InvoiceId(take(&mut self.ids.invoice));
        let id = invoice.id;
        events.push(Event::InvoiceBilled {
            invoice: invoice.clone(),
            lines,
        });
        if !self.pay(ctx, &invoice, events) {
            let p = self
                .participants
                .get_mut(&invoice.payer)
                .expect("payer exists");
            p.owed_micros += invoice.amount_micros;
            let payee = self
                .participants
                .get_mut(&invoice.payee)
                .expect("payee exists");
            payee.receivable_micros += invoice.amount_micros;
            self.schedule
                .invoice_dues
                .entry(invoice.due)
                .or_default()
                .push(invoice.id);
            self.invoices.insert(invoice.id, invoice);
        }
        id
    }

    /// Pays an invoice if its payer's money covers it; true when paid (at once when
    /// there is nothing to pay: a month credited in full).
    fn pay(&mut self, ctx: &Ctx, invoice: &Invoice, events: &mut Vec<Event>) -> bool {
        if invoice.amount_micros == 0 {
            events.push(Event::InvoicePaid {
                invoice: invoice.id,
            });
            return true;
        }
        let p = invoice.payer;
        let means = self.available(p) + self.owed(p);
        if means < invoice.amount_micros {
            return false;
        }
        let accounts = (Account::Participant(p), Account::Participant(invoice.payee));
        self.transfer(
            ctx,
            accounts,
            invoice.amount_micros,
            invoice.charge.transfer_kind(),
            &invoice.id.to_string(),
            events,
        );
        events.push(Event::InvoicePaid {
            invoice: invoice.id,
        });
        true
    }

    /// Pays a participant's unpaid invoices, oldest first, while its money covers them.
    pub(crate) fn pay_open_invoices(
        &mut self,
        ctx: &Ctx,
        p: ParticipantId,
        events: &mut Vec<Event>,
    ) {
        let open: Vec<InvoiceId> = self
            .invoices
            .values()
            .filter(|i| i.payer == p)
            .map(|i| i.id)
            .collect();
        for id in open {
            let invoice = self.invoices[&id].clone();
            if !self.pay(ctx, &invoice, events) {
                break;
            }
            self.invoices.remove(&id);
            let payer = self.participants.get_mut(&p).expect("payer exists");
            payer.owed_micros -= invoice.amount_micros;
            let payee = self
                .participants
                .get_mut(&invoice.payee)
                .expect("payee exists");
            payee.receivable_micros -= invoice.amount_micros;
        }
    }

    /// Closes every UTC month not yet closed whose end, plus the grace the operator set,
    /// is at or before `hour` (with no grace: at the tick of its end, as before the
    /// grace existed, so old journals replay as they ran).
    pub(crate) fn close_months(&mut self, ctx: &Ctx, hour: Hour, events: &mut Vec<Event>) {
        let grace = u32::from(self.close_grace_hours);
        let due = |end: Hour| end.0.saturating_add(grace) <= hour.0;
        let mut end = self.closed_to.next_month_start();
        if !due(end) {
            return;
        }
        // `end` rises each turn, except at the end of time (`next_month_start` saturates).
        while due(end) && end > self.closed_to {
            let start = Hour(end.0 - 1).month_start();
            self.close_month(ctx, Window { start, end }, hour, events);
            self.closed_to = end;
            end = end.next_month_start();
        }
        // The delivery reports of closed months are final and no longer needed.
        let open_from = (self.closed_to, crate::ids::ContractId(0), 0);
        self.delivery = self.delivery.split_off(&open_from);
    }

    pub(crate) fn set_close_grace(
        &mut self,
        ctx: &Ctx,
        hours: u16,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Operator, "only the operator sets when months close")?;
        if hours > MAX_MONTH_CLOSE_GRACE_HOURS {
            return reject(
                Rule::OutOfRange,
                "grace_hours",
                format!(
                    "a month closes at most {MAX_MONTH_CLOSE_GRACE_HOURS} hours after its end, not {hours}"
                ),
            );
        }
        // Validated: now change.
        self.close_grace_hours = hours;
        events.push(Event::MonthCloseGraceSet { hours });
        Ok(())
    }

    /// Bills every term contract for the hours of `month` it held, at the tick of
    /// `hour` (the month's end, or later if the clock jumped): each invoice is due its
    /// contract's payment terms after `hour`, so it is never overdue when issued.
    fn close_month(&mut self, ctx: &Ctx, month: Window, hour: Hour, events: &mut Vec<Event>) {
        self.credit_month(ctx, month, hour, events);
        let ids: Vec<ContractId> = self.billing.iter().copied().collect();
        for id in ids {
            self.bill_month(ctx, id, (month, hour), events);
        }
    }

    /// Bills term contract `id` for `month`: the month's charge, less the delivery
    /// credit its terms give for a shortfall (credit lines on the same invoice, whose
    /// amount is then the net; a credit is at most the charge).
    fn bill_month(
        &mut self,
        ctx: &Ctx,
        id: ContractId,
        (month, hour): (Window, Hour),
        events: &mut Vec<Event>,
    ) {
        let c = &self.contracts[&id];
        let amount = c
            .value_micros(month.start, month.end)
            .expect("a contract's value fits its checks");
        // Done once its end is in this month. (Not "once closed": a late tick
        // ends a contract before closing the months it still has to bill.)
        if c.ends <= month.end {
            self.billing.remove(&id);
        }
        let c = &self.contracts[&id];
        let period = Window {
            start: c.start().max(month.start),
            end: c.ends.min(month.end),
        };
        if amount <= 0 || period.start >= period.end {
            return;
        }
        let mut lines = crate::invoice::lines(Charge::Usage, period, amount, c.economics());
        let credit = self.term_credit(c, month);
        let credit_micros = credit.as_ref().map_or(0, |(d, _)| d.credit_micros);
        if let Some((_, credit_lines)) = &credit {
            lines.extend(credit_lines.iter().copied());
        }
        let invoice = Invoice {
            id: InvoiceId(0),
            contract: id,
            payer: c.buyer,
            payee: c.seller,
            charge: Charge::Usage,
            period,
            amount_micros: amount - credit_micros,
            issued_ms: ctx.time_ms,
            due: Hour(month.end.max(hour).0 + u32::from(c.terms.payment_days) * 24),
            overdue: false,
        };
        let invoice = self.issue_with_lines(ctx, invoice, lines, events);
        if let Some((delivery, _)) = credit {
            let c = self.contracts.get_mut(&id).expect("billed");
            c.credited_micros += delivery.credit_micros;
            events.push(Event::DeliveryCredited {
                contract: id,
                invoice,
                delivery,
            });
        }
    }

    /// Marks unpaid invoices whose due date has come as overdue.
    pub(crate) fn mark_overdue(&mut self, hour: Hour, events: &mut Vec<Event>) {
        while let Some((&h, _)) = self.schedule.invoice_dues.first_key_value() {
            if h > hour {
                break;
            }
            let (_, ids) = self.schedule.invoice_dues.pop_first().expect("checked");
            for id in ids {
                if let Some(inv) = self.invoices.get_mut(&id) {
                    inv.overdue = true;
                    events.push(Event::InvoiceOverdue { invoice: id });
                }
            }
        }
    }
}
