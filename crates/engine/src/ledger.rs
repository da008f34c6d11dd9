//! Money: a double-entry ledger. Every movement is a [`Transfer`] with one debit, one
//! credit and the same positive amount, so the sum of all balances is always zero (the
//! market's second invariant). Accounts are one per participant, the exchange's fee
//! revenue, and the external world (money entering and leaving the market). Balances
//! are kept per account and changed only by transfers; the operator records deposits
//! and withdrawals and sets credit limits.

use crate::engine::{Ctx, Engine, Role};
use crate::event::Event;
use crate::ids::{OrderId, ParticipantId, TransferId, take};
use crate::limits::{MAX_BALANCE_MICROS, MAX_FEE_BPS, MAX_MONEY_MICROS, MAX_NAME_BYTES};
use crate::money::{
    Account, FeeRates, Funds, Transfer, TransferKind, fee_micros, unit_cost_micros,
};
use crate::reject::{Rejection, Rule, reject};
/// Checks an amount of money: positive, at most [`MAX_MONEY_MICROS`].
fn check_amount(amount: i64, field: &'static str) -> Result<(), Rejection> {
    if amount <= 0 {
        return reject(
            Rule::AmountNotPositive,
            field,
            format!("{amount} micro-USD must be positive"),
        );
    }
    if amount > MAX_MONEY_MICROS {
        return reject(
            Rule::Overflow,
            field,
            format!("{amount} micro-USD is above the ceiling of {MAX_MONEY_MICROS}"),
        );
    }
    Ok(())
}

/// Checks a reference: 1 to [`MAX_NAME_BYTES`] bytes of printable text.
fn check_reference(r: &str) -> Result<(), Rejection> {
    if r.trim().is_empty() || r.len() > MAX_NAME_BYTES || r.chars().any(char::is_control) {
        return reject(
            Rule::InvalidName,
            "reference",
            format!("a reference of 1 to {MAX_NAME_BYTES} bytes of printable text is required"),
        );
    }
    Ok(())
}

impl Engine {
    /// The balance of an account, micro-USD (0 for an account that never moved).
    pub fn balance(&self, account: Account) -> i64 {
        self.balances.get(&account).copied().unwrap_or(0)
    }

    /// What a participant can still commit: balance + credit limit − what its resting
    /// bids have reserved − what it owes on unpaid invoices, micro-USD.
    pub fn available(&self, p: ParticipantId) -> i64 {
        self.funds(p).available_micros()
    }

    /// A participant's money: balance, credit limit, open bids, payable, receivable.
    pub fn funds(&self, p: ParticipantId) -> Funds {
        let x = self.participants.get(&p);
        Funds {
            balance_micros: self.balance(Account::Participant(p)),
            credit_limit_micros: self.credit_limit(p),
            open_bids_micros: x.map_or(0, |x| x.exposure_micros),
            owed_micros: x.map_or(0, |x| x.owed_micros),
            receivable_micros: x.map_or(0, |x| x.receivable_micros),
        }
    }

    /// The fees in force.
    pub fn fees(&self) -> FeeRates {
        self.fees
    }

    /// Checks that `p` can pay `cost`; the refusal says what is needed and available.
    pub(crate) fn check_funds(
        &self,
        p: ParticipantId,
        cost: i64,
        field: &'static str,
    ) -> Result<(), Rejection> {
        let available = self.available(p);
        if cost > available {
            return reject(
                Rule::InsufficientFunds,
                field,
                format!(
                    "this needs {cost} micro-USD; {p} has {available} available (balance + credit limit - open bids)"
                ),
            );
        }
        Ok(())
    }

    /// Sets a bid's reservation to what its remaining GPUs can cost while it rests (0
    /// when it does not) and its owner's exposure with it.
    pub(crate) fn reserve_for_bid(&mut self, id: OrderId, resting: bool) {
        let Some(order) = self.orders.get_mut(&id) else {
            return;
        };
        let (owner, hours, limit, fees) = (
            order.owner,
            order.window.hours(),
            order.price_micros,
            order.fees,
        );
        let crate::order::OrderKind::Bid(bid) = &mut order.kind else {
            return;
        };
        let new = if resting {
            unit_cost_micros(limit, hours, fees)
                .and_then(|u| u.checked_mul(i64::from(bid.remaining_gpus)))
                .expect("checked when the bid was placed")
        } else {
            0
        };
        let old = std::mem::replace(&mut bid.reserved_micros, new);
        let p = self.participants.get_mut(&owner).expect("owner exists");
        p.exposure_micros += new - old;
    }

    /// Settles a fill: the buyer pays the seller the notional, and the maker and taker
    /// pay their fees to the exchange, each at the rates of its own order.
    pub(crate) fn settle(
        &mut self,
        ctx: &Ctx,
        t: &crate::contract::Trade,
        (maker, maker_fees): (ParticipantId, FeeRates),
        (taker, taker_fees): (ParticipantId, FeeRates),
        events: &mut Vec<Event>,
    ) {
        let notional = crate::units::notional_micros(t.price_micros, t.gpus, t.window.hours())
            .expect("checked when the bid was placed");
        let reference = t.id.to_string();
        let (buyer, seller) = (
            Account::Participant(t.buyer),
            Account::Participant(t.seller),
        );
        self.transfer(
            ctx,
            (buyer, seller),
            notional,
            TransferKind::Trade,
            &reference,
            events,
        );
        for (who, bps) in [(maker, maker_fees.maker_bps), (taker, taker_fees.taker_bps)] {
            let fee = fee_micros(notional, bps);
            if fee > 0 {
                let accounts = (Account::Participant(who), Account::Fees);
                self.transfer(ctx, accounts, fee, TransferKind::Fee, &reference, events);
            }
        }
    }

    pub(crate) fn set_fees(
        &mut self,
        ctx: &Ctx,
        fees: FeeRates,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Operator, "only the operator sets fees")?;
        if fees.maker_bps > MAX_FEE_BPS || fees.taker_bps > MAX_FEE_BPS {
            return reject(
                Rule::OutOfRange,
                "fees",
                format!("fees are 0 to {MAX_FEE_BPS} basis points"),
            );
        }
        self.fees = fees;
        events.push(Event::FeesSet(fees));
        Ok(())
    }

    /// A participant's credit limit, micro-USD.
    pub fn credit_limit(&self, p: ParticipantId) -> i64 {
        self.credit_limits.get(&p).copied().unwrap_or(0)
    }

    /// Every account with a balance, in order.
    pub fn balances(&self) -> impl Iterator<Item = (Account, i64)> + '_ {
        self.balances.iter().map(|(a, b)| (*a, *b))
    }

    /// The participant `p` if the operator acts on it; refusals name `field`.
    fn operated_participant(&self, ctx: &Ctx, p: ParticipantId) -> Result<(), Rejection> {
        ctx.require(
            Role::Operator,
            "only the operator moves money and sets credit",
        )?;
        if self.participants.get(&p).is_none() {
            return reject(
                Rule::UnknownParticipant,
                "participant",
                format!("no participant {p}"),
            );
        }
        Ok(())
    }

    /// Whether moving `amount` from `debit` to `credit` keeps both balances in range.
    fn transfer_fits(&self, debit: Account, credit: Account, amount: i64) -> bool {
        self.balance(debit)
            .checked_sub(amount)
            .is_some_and(|b| b >= -MAX_BALANCE_MICROS)
            && self
                .balance(credit)
                .checked_add(amount)
                .is_some_and(|b| b <= MAX_BALANCE_MICROS)
    }

    /// Moves money (validated by the caller) and records the transfer.
    pub(crate) fn transfer(
        &mut self,
        ctx: &Ctx,
        (debit, credit): (Account, Account),
        amount: i64,
        kind: TransferKind,
        reference: &str,
        events: &mut Vec<Event>,
    ) {
        debug_assert!(amount > 0 && debit != credit);
        *self.balances.entry(debit).or_default() -= amount;
        *self.balances.entry(credit).or_default() += amount;
        let t = Transfer {
            id: TransferId(take(&mut self.ids.transfer)),
            debit,
            credit,
            amount_micros: amount,
            kind,
            reference: reference.to_string(),
            time_ms: ctx.time_ms,
        };
        events.push(Event::Transfer(t));
    }

    /// A deposit (external → participant) or a withdrawal (participant → external, at
    /// most the balance: credit does not count).
    pub(crate) fn move_money(
        &mut self,
        ctx: &Ctx,
        (p, amount, reference): (ParticipantId, i64, &str),
        kind: TransferKind,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        self.operated_participant(ctx, p)?;
        check_amount(amount, "amount_micros")?;
        check_reference(reference)?;
        let (outside, own) = (Account::External, Account::Participant(p));
        let accounts = match kind {
            TransferKind::Deposit => (outside, own),
            _ => (own, outside),
        };
        let available = self.available(p) - self.credit_limit(p);
        if kind == TransferKind::Withdrawal && amount > available {
            return reject(
                Rule::InsufficientFunds,
                "amount_micros",
                format!(
                    "{p} has {available} micro-USD available (balance - open bids); {amount} cannot be withdrawn (credit does not count)"
                ),
            );
        }
        if !self.transfer_fits(accounts.0, accounts.1, amount) {
            return reject(
                Rule::Overflow,
                "amount_micros",
                "the balances would leave their range",
            );
        }
        self.transfer(ctx, accounts, amount, kind, reference, events);
        if kind == TransferKind::Deposit {
            self.pay_open_invoices(ctx, p, events);
        }
        Ok(())
    }

    pub(crate) fn set_credit_limit(
        &mut self,
        ctx: &Ctx,
        p: ParticipantId,
        limit: i64,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        self.operated_participant(ctx, p)?;
        if !(0..=MAX_MONEY_MICROS).contains(&limit) {
            return reject(
                Rule::OutOfRange,
                "limit_micros",
                format!("a credit limit is 0 to {MAX_MONEY_MICROS} micro-USD"),
            );
        }
        let in_use = self.credit_limit(p) - self.available(p);
        if limit < in_use {
            return reject(
                Rule::InsufficientFunds,
                "limit_micros",
                format!(
                    "{p} already uses {in_use} micro-USD of credit (debts and open bids); the limit cannot go below it"
                ),
            );
        }
        let total = self.total_credit_micros - self.credit_limit(p) + limit;
        if total > MAX_BALANCE_MICROS {
            return reject(
                Rule::Overflow,
                "limit_micros",
                format!("all credit limits together may not pass {MAX_BALANCE_MICROS} micro-USD"),
            );
        }
        self.total_credit_micros = total;
        if limit == 0 {
            self.credit_limits.remove(&p);
        } else {
            self.credit_limits.insert(p, limit);
        }
        events.push(Event::CreditLimitSet {
            participant: p,
            limit_micros: limit,
        });
        Ok(())
    }
}
