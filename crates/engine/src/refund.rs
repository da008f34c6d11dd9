//! Refunds of what will not be delivered: when a prepaid contract (an exchange fill or a
//! resale, paid in full at the trade) ends before its end, the rules of
//! `docs/market-rules.md` ("Refunds") say whether its buyer gets back what it paid for
//! the hours after the new end, and if so its seller is invoiced for exactly that
//! (charge `refund`, paid at once when the seller can, else owed like any invoice). Term
//! contracts need none: they are billed in arrears, only up to their end.

use crate::contract::Cause;
use crate::engine::{Ctx, Engine};
use crate::event::Event;
use crate::ids::{ContractId, InvoiceId};
use crate::invoice::{Charge, Invoice};
use crate::units::{Hour, Window};

/// Why a contract ends before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EarlyEnd {
    /// A party gave notice (prepaid contracts are firm, so this is a term contract's).
    Notice {
        /// Whether the seller gave it.
        by_seller: bool,
    },
    /// Terminated for cause.
    Cause(Cause),
    /// Its parent (the contract it was resold from) ended first.
    Parent,
}

/// Whether a prepaid contract ended early this way owes its buyer what it paid for the
/// hours after the end: yes when the seller does not deliver (`non_delivery`) or can no
/// longer (its own contract ended: the reseller refunds its buyer), or when the seller
/// chose to leave; no when the seller ends it for the buyer's breach (`acceptable_use`,
/// `non_payment`) or the buyer chose to leave.
pub(crate) fn refunds(end: EarlyEnd) -> bool {
    match end {
        EarlyEnd::Cause(Cause::NonDelivery) | EarlyEnd::Parent => true,
        EarlyEnd::Cause(Cause::AcceptableUse | Cause::NonPayment) => false,
        EarlyEnd::Notice { by_seller } => by_seller,
    }
}

impl Engine {
    /// Invoices the seller of contract `id` for what its buyer prepaid for the hours
    /// from `to` to its current end, when it is prepaid and `end` is a reason that
    /// refunds ([`refunds`]). Called before the end moves, so each hour is refunded at
    /// most once: a later cut starts from the end this one leaves.
    pub(crate) fn refund_remainder(
        &mut self,
        ctx: &Ctx,
        id: ContractId,
        to: Hour,
        end: EarlyEnd,
        events: &mut Vec<Event>,
    ) {
        let c = &self.contracts[&id];
        // Hours before the first line's start were never bought.
        let from = to.max(c.start());
        if !c.is_prepaid() || !refunds(end) || from >= c.ends {
            return;
        }
        let amount = c
            .value_micros(from, c.ends)
            .expect("at most what the buyer paid, which fitted");
        if amount == 0 {
            return;
        }
        let refund = Invoice {
            id: InvoiceId(0),
            contract: id,
            payer: c.seller,
            payee: c.buyer,
            charge: Charge::Refund,
            period: Window {
                start: from,
                end: c.ends,
            },
            amount_micros: amount,
            issued_ms: ctx.time_ms,
            due: Hour(ctx.now.0 + 1 + u32::from(c.terms.payment_days) * 24),
            overdue: false,
        };
        let c = self.contracts.get_mut(&id).expect("checked");
        c.refunded_micros += amount;
        self.issue(ctx, refund, events);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_of_refunds() {
        assert!(refunds(EarlyEnd::Cause(Cause::NonDelivery)));
        assert!(refunds(EarlyEnd::Parent));
        assert!(refunds(EarlyEnd::Notice { by_seller: true }));
        assert!(!refunds(EarlyEnd::Notice { by_seller: false }));
        assert!(!refunds(EarlyEnd::Cause(Cause::AcceptableUse)));
        assert!(!refunds(EarlyEnd::Cause(Cause::NonPayment)));
    }
}
