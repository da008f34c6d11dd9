//! Money's vocabulary: accounts, transfers and fee rates, and the pure arithmetic of
//! fees and a bid's worst-case cost. The ledger's behaviour (deposits, withdrawals,
//! settlement, credit checks) is `ledger.rs`; this module knows nothing of the engine.

use crate::ids::{ParticipantId, TransferId};
use crate::units::{div_half_even, notional_micros};
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

impl Account {
    /// The account shown as `s` ([`fmt::Display`]: `external`, `fees` or `p-3`).
    pub fn parse(s: &str) -> Option<Account> {
        match s {
            "external" => Some(Account::External),
            "fees" => Some(Account::Fees),
            _ => ParticipantId::parse(s).map(Account::Participant),
        }
    }
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
    /// A buyer paying a seller for a trade (the reference is the trade).
    Trade,
    /// A maker or taker fee paid to the exchange (the reference is the trade).
    Fee,
    /// An invoice paid (the reference is the invoice).
    Invoice,
    /// A refund paid: a seller returning what its buyer prepaid for hours that will not
    /// be delivered (the reference is the refund's invoice).
    Refund,
}

impl TransferKind {
    /// `deposit`, `withdrawal`, `trade`, `fee`, `invoice` or `refund`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferKind::Deposit => "deposit",
            TransferKind::Withdrawal => "withdrawal",
            TransferKind::Trade => "trade",
            TransferKind::Fee => "fee",
            TransferKind::Invoice => "invoice",
            TransferKind::Refund => "refund",
        }
    }

    /// What it means, for people.
    pub fn meaning(self) -> &'static str {
        match self {
            TransferKind::Deposit => "money paid in from outside the market",
            TransferKind::Withdrawal => "money taken out of the market",
            TransferKind::Trade => {
                "a buyer paying a seller for a fill (the reference is the trade)"
            }
            TransferKind::Fee => {
                "a maker or taker fee paid to the exchange (the reference is the trade)"
            }
            TransferKind::Invoice => "an invoice paid (the reference is the invoice)",
            TransferKind::Refund => {
                "a seller refunding prepaid hours that will not be delivered (the reference is the refund's invoice)"
            }
        }
    }

    /// The kind named `s` ([`TransferKind::as_str`]).
    pub fn parse(s: &str) -> Option<TransferKind> {
        TransferKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Every kind.
    pub const ALL: [TransferKind; 6] = [
        TransferKind::Deposit,
        TransferKind::Withdrawal,
        TransferKind::Trade,
        TransferKind::Fee,
        TransferKind::Invoice,
        TransferKind::Refund,
    ];
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

/// A participant's money at the exchange, micro-USD: what it holds, may draw, has
/// committed and is owed ([`crate::Engine::funds`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Funds {
    /// Its account's balance (below zero: drawn on credit).
    pub balance_micros: i64,
    /// The credit limit the operator set.
    pub credit_limit_micros: i64,
    /// What its resting bids have reserved (GPUs x hours x limit, with fees).
    pub open_bids_micros: i64,
    /// What it owes on unpaid invoices (payable).
    pub owed_micros: i64,
    /// What others owe it on unpaid invoices (receivable).
    pub receivable_micros: i64,
}

impl Funds {
    /// What it can still commit: balance + credit limit − open bids − owed.
    pub fn available_micros(&self) -> i64 {
        self.balance_micros + self.credit_limit_micros - self.open_bids_micros - self.owed_micros
    }
}

/// Exchange fees in basis points of a trade's notional: the resting order's owner pays
/// the maker fee, the incoming order's owner the taker fee. An order keeps the rates in
/// force when it was placed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRates {
    /// Fee of the resting side, basis points.
    pub maker_bps: u16,
    /// Fee of the incoming side, basis points.
    pub taker_bps: u16,
}

/// `notional x bps / 10,000`, rounded half to even.
pub fn fee_micros(notional: i64, bps: u16) -> i64 {
    let f = div_half_even(i128::from(notional) * i128::from(bps), 10_000);
    i64::try_from(f).expect("a fee is below its notional")
}

/// What one GPU of a bid can cost at most: its notional at the limit price and the
/// higher of its fee rates, rounded up. A bid of `g` GPUs reserves `g` times this, so a
/// fill of `f` GPUs releases at least what it costs (`None` on overflow).
pub fn unit_cost_micros(limit_micros: i64, hours: u32, fees: FeeRates) -> Option<i64> {
    let n = notional_micros(limit_micros, 1, hours)?;
    let bps = i128::from(fees.maker_bps.max(fees.taker_bps));
    let fee = (i128::from(n) * bps + 9_999) / 10_000;
    n.checked_add(i64::try_from(fee).ok()?)
}
