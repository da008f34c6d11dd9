//! Money: a double-entry ledger. Every movement is a [`Transfer`] with one debit, one
//! credit and the same positive amount, so the sum of all balances is always zero (the
//! market's second invariant). Accounts are one per participant, the exchange's fee
//! revenue, and the external world (money entering and leaving the market). Balances
//! are kept per account and changed only by transfers; the operator records deposits
//! and withdrawals and sets credit limits.

use crate::engine::{Ctx, Engine};
use crate::event::Event;
use crate::ids::{ParticipantId, TransferId, take};
use crate::limits::{MAX_BALANCE_MICROS, MAX_MONEY_MICROS, MAX_NAME_BYTES};
use crate::reject::{Rejection, Rule, reject};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An account of the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    /// The world outside the market: deposits come from it, withdrawals go to it.
    External,
    /// The exchange's fee revenue.
    Fees,
    /// A participant's money at the exchange.
    Participant(ParticipantId),
}

impl fmt::Display for Account {
    /// `external`, `fees`, or the participant's id (`p-3`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Account::External => f.write_str("external"),
            Account::Fees => f.write_str("fees"),
            Account::Participant(p) => write!(f, "{p}"),
        }
    }
}

/// Why money moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// Money a participant paid in (from `External`).
    Deposit,
    /// Money a participant took out (to `External`).
    Withdrawal,
}

impl TransferKind {
    /// `deposit` or `withdrawal`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferKind::Deposit => "deposit",
            TransferKind::Withdrawal => "withdrawal",
        }
    }
}

/// One movement of money: `amount_micros` from `debit` to `credit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Its id.
    pub id: TransferId,
    /// The account money leaves (its balance goes down).
    pub debit: Account,
    /// The account money reaches (its balance goes up).
    pub credit: Account,
    /// How much, micro-USD (positive).
    pub amount_micros: i64,
    /// Why.
    pub kind: TransferKind,
    /// What caused it: a bank reference for deposits and withdrawals.
    pub reference: String,
    /// When, ms since the epoch.
    pub time_ms: u64,
}

/// Checks an amount of money: positive, at most [`MAX_MONEY_MICROS`].
fn check_amount(amount: i64, field: &'static str) -> Result<(), Rejection> {
    if amount <= 0 {
        return reject(
            Rule::PriceNotPositive,
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
        if !ctx.roles.operator {
            return reject(
                Rule::NotPermitted,
                "actor",
                format!(
                    "{} is not the operator; only the operator moves money and sets credit",
                    ctx.actor
                ),
            );
        }
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
    fn transfer(
        &mut self,
        ctx: &Ctx,
        (debit, credit): (Account, Account),
        amount: i64,
        kind: TransferKind,
        reference: &str,
        events: &mut Vec<Event>,
    ) {
        debug_assert!(amount > 0 && debit != credit && self.transfer_fits(debit, credit, amount));
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
            TransferKind::Withdrawal => (own, outside),
        };
        let available = self.balance(own);
        if kind == TransferKind::Withdrawal && amount > available {
            return reject(
                Rule::InsufficientFunds,
                "amount_micros",
                format!(
                    "{p} has {available} micro-USD available; {amount} cannot be withdrawn (credit does not count)"
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
