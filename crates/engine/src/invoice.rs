//! Invoices' vocabulary: what an invoice charges for, an unpaid invoice, and its lines
//! (each contract line's share, computed once when the invoice is issued and carried by
//! its event). Issuing, paying and marking invoices overdue is `billing.rs`.

use crate::contract::ContractLine;
use crate::economics::Economics;
use crate::ids::{ContractId, InvoiceId, ParticipantId, PoolId};
use crate::units::{Hour, Window};
use serde::{Deserialize, Serialize};
use smallvec::{SmallVec, smallvec};

/// What an invoice charges for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Charge {
    /// The contract's GPU-hours or monthly fee over a period.
    Usage,
    /// The fee due from a party that gave notice.
    EarlyTerminationFee,
    /// What a prepaid contract's buyer paid for hours after the contract's early end,
    /// owed back by its seller (`docs/market-rules.md`, "Refunds").
    Refund,
    /// A prepaid contract's month of hours not delivered, credited by its seller at
    /// the month's close (`credits.rs`).
    DeliveryCredit,
}

impl Charge {
    /// The charge named `s` ([`Charge::as_str`]).
    pub fn parse(s: &str) -> Option<Charge> {
        Charge::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Every charge.
    pub const ALL: [Charge; 4] = [
        Charge::Usage,
        Charge::EarlyTerminationFee,
        Charge::Refund,
        Charge::DeliveryCredit,
    ];

    /// `usage`, `early_termination_fee`, `refund` or `delivery_credit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Charge::Usage => "usage",
            Charge::EarlyTerminationFee => "early_termination_fee",
            Charge::Refund => "refund",
            Charge::DeliveryCredit => "delivery_credit",
        }
    }

    /// What it means, for people.
    pub fn meaning(self) -> &'static str {
        match self {
            Charge::Usage => "the contract's GPU-hours, or its monthly fee, over the period",
            Charge::EarlyTerminationFee => "the fee due from the party that gave notice",
            Charge::Refund => {
                "what the buyer prepaid for the period's hours, which will not be delivered, owed back by the seller"
            }
            Charge::DeliveryCredit => {
                "a month's prepaid hours that were not delivered, credited by the seller under the contract's delivery terms"
            }
        }
    }

    /// The kind of the transfer that pays an invoice of this charge.
    pub fn transfer_kind(self) -> crate::money::TransferKind {
        match self {
            Charge::Usage | Charge::EarlyTerminationFee => crate::money::TransferKind::Invoice,
            Charge::Refund | Charge::DeliveryCredit => crate::money::TransferKind::Refund,
        }
    }
}

/// Where an invoice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Issued and not paid, not yet due.
    Open,
    /// Paid.
    Paid,
    /// Unpaid past its due date.
    Overdue,
}

impl InvoiceStatus {
    /// `open`, `paid` or `overdue`.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Overdue => "overdue",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<InvoiceStatus> {
        InvoiceStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Every status.
    pub const ALL: [InvoiceStatus; 3] = [
        InvoiceStatus::Open,
        InvoiceStatus::Paid,
        InvoiceStatus::Overdue,
    ];
}

/// An unpaid invoice (paid ones live in the history tables).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Its id.
    pub id: InvoiceId,
    /// The contract billed.
    pub contract: ContractId,
    /// Who pays.
    pub payer: ParticipantId,
    /// Who is paid.
    pub payee: ParticipantId,
    /// What for.
    pub charge: Charge,
    /// The hours billed (usage) or refunded (refund), or the notice's effective hour (fee).
    pub period: Window,
    /// Amount, micro-USD.
    pub amount_micros: i64,
    /// When issued, ms since the epoch.
    pub issued_ms: u64,
    /// Due at the start of this hour.
    pub due: Hour,
    /// Past its due date and unpaid.
    pub overdue: bool,
}

/// An invoice's lines; most have one, kept inline.
pub type InvoiceLines = SmallVec<[InvoiceLine; 1]>;

/// One line of an invoice: a contract line's share of it, the early-termination fee, or
/// (a negative amount, on a term contract's month) a contract line's delivery credit,
/// whose GPU-hours are those not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// The contract line (from 0; none for the early-termination fee).
    pub line: Option<u16>,
    /// Its pool (for the fee: the contract's first line's).
    pub pool: PoolId,
    /// Its GPUs.
    pub gpus: u32,
    /// GPU-hours billed (none for the fee).
    pub gpu_hours: Option<u64>,
    /// Amount, micro-USD.
    pub amount_micros: i64,
}

/// What an invoice with `lines` charges before credits, and what it credits (its
/// lines of negative amounts), micro-USD: its amount is the first less the second.
pub fn charged_and_credited(lines: &[InvoiceLine]) -> (i64, i64) {
    lines.iter().fold((0, 0), |(charged, credited), l| {
        if l.amount_micros < 0 {
            (charged, credited - l.amount_micros)
        } else {
            (charged + l.amount_micros, credited)
        }
    })
}

/// The lines of an invoice of `charge` for `period` and `amount_micros`, of the contract
/// whose priced part is `money`. A per-GPU-hour contract's line costs its GPU-hours in
/// the period x the price; a monthly fee is split over the lines by GPU-hours (largest
/// remainder, so the lines add up exactly); an early-termination fee is one line of its
/// own. Lines with no hours in the period are left out. Panics (in release builds too)
/// if the lines do not add up to the amount: money never appears or vanishes (the
/// engine bills only what its contracts' lines are worth, so it never does).
pub fn lines(charge: Charge, period: Window, amount_micros: i64, money: Economics) -> InvoiceLines {
    try_lines(charge, period, amount_micros, money).expect("an invoice's lines add up to it")
}

/// [`lines`], or `None` when they would not add up to the amount (for readers of stored
/// invoices, which report such a row as corrupt instead of stopping).
pub fn try_lines(
    charge: Charge,
    period: Window,
    amount_micros: i64,
    money: Economics,
) -> Option<InvoiceLines> {
    let out = match charge {
        Charge::EarlyTerminationFee => money
            .lines
            .first()
            .map(|l| InvoiceLine {
                line: None,
                pool: l.pool,
                gpus: l.gpus,
                gpu_hours: None,
                amount_micros,
            })
            .into_iter()
            .collect(),
        // A refund returns the GPU-hours of its period, priced as they were paid.
        Charge::Usage | Charge::Refund => usage_lines(period, amount_micros, money)?,
        // A credit's lines are the undelivered GPU-hours, which the contract alone
        // does not say: `credits.rs` makes them.
        Charge::DeliveryCredit => return None,
    };
    let sum: i64 = out.iter().map(|l| l.amount_micros).sum();
    (sum == amount_micros).then_some(out)
}

/// The lines of a usage invoice (see [`lines`]); `None` for a negative amount or a
/// line whose cost overflows.
fn usage_lines(period: Window, amount_micros: i64, money: Economics) -> Option<InvoiceLines> {
    if amount_micros < 0 {
        return None;
    }
    let gpu_hours = |l: &ContractLine| {
        let (s, e) = (
            l.window.start.max(period.start),
            l.window.end.min(period.end),
        );
        u64::from(l.gpus) * u64::from(e.0.saturating_sub(s.0))
    };
    let cost = |h: u64, p: i64| i64::try_from(h).ok()?.checked_mul(p);
    let line = |i: usize, l: &ContractLine, h: u64, amount_micros: i64| InvoiceLine {
        line: Some(u16::try_from(i).expect("a contract has at most MAX_LINES lines")),
        pool: l.pool,
        gpus: l.gpus,
        gpu_hours: Some(h),
        amount_micros,
    };
    // One line (every exchange fill, most leases): no split, nothing to collect.
    if let [l] = money.lines {
        let h = gpu_hours(l);
        let amount = match money.pricing.price_micros() {
            Some(p) => cost(h, p)?,
            None => amount_micros,
        };
        return Some(if h > 0 {
            smallvec![line(0, l, h, amount)]
        } else {
            InvoiceLines::new()
        });
    }
    let hours: Vec<u64> = money.lines.iter().map(gpu_hours).collect();
    let amounts: Vec<i64> = match money.pricing.price_micros() {
        Some(p) => hours.iter().map(|&h| cost(h, p)).collect::<Option<_>>()?,
        None => split_largest_remainder(amount_micros, &hours),
    };
    let lines = money.lines.iter().enumerate();
    Some(
        lines
            .filter(|&(i, _)| hours[i] > 0)
            .map(|(i, l)| line(i, l, hours[i], amounts[i]))
            .collect(),
    )
}

/// Splits `total` (not negative) over `weights` in proportion, largest remainder first
/// (ties to the earlier), so the parts add up to `total` exactly; all of it goes to the
/// first part when every weight is 0.
pub fn split_largest_remainder(total: i64, weights: &[u64]) -> Vec<i64> {
    assert!(total >= 0, "a split amount is not negative");
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    let mut parts = vec![0i64; weights.len()];
    if sum == 0 {
        if let Some(first) = parts.first_mut() {
            *first = total;
        }
        return parts;
    }
    let t = total.unsigned_abs() as u128;
    let mut rems: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let x = t * u128::from(w);
        parts[i] = i64::try_from(x / sum).expect("a part is at most the total");
        rems.push((x % sum, i));
    }
    let mut left = total - parts.iter().sum::<i64>();
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rems {
        if left <= 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Pricing;
    use crate::economics::tests::line;
    use crate::ids::PoolId;

    #[test]
    fn lines_cost_their_gpu_hours_or_share_the_fee() {
        let period = Window::new(Hour(10), Hour(20)).unwrap();
        let two = [line(1, 4, 0, 100), line(2, 2, 15, 100)];
        let per_hour = Economics {
            lines: &two,
            pricing: Pricing::PerGpuHour { price_micros: 3 },
            ends: Hour(100),
        };
        let got = lines(Charge::Usage, period, 3 * (40 + 10), per_hour);
        let amounts: Vec<(Option<u16>, Option<u64>, i64)> = got
            .iter()
            .map(|l| (l.line, l.gpu_hours, l.amount_micros))
            .collect();
        assert_eq!(amounts, [(Some(0), Some(40), 120), (Some(1), Some(10), 30)]);
        let fee = Economics {
            pricing: Pricing::MonthlyFee { fee_micros: 1 },
            ..per_hour
        };
        let got = lines(Charge::Usage, period, 101, fee);
        assert_eq!(
            got.iter().map(|l| l.amount_micros).collect::<Vec<_>>(),
            [81, 20]
        );
        let one = [line(7, 8, 0, 100)];
        let single = Economics { lines: &one, ..fee };
        let got = lines(Charge::Usage, period, 55, single);
        assert_eq!(
            (got.len(), got[0].gpu_hours, got[0].amount_micros),
            (1, Some(80), 55)
        );
        let got = lines(Charge::EarlyTerminationFee, period, 9, fee);
        assert_eq!((got.len(), got[0].line, got[0].pool), (1, None, PoolId(1)));
    }

    #[test]
    fn splits_add_up_exactly() {
        assert_eq!(split_largest_remainder(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(split_largest_remainder(11, &[1, 2, 2]), vec![2, 5, 4]);
        assert_eq!(
            split_largest_remainder(1_250_000_000_000_000, &[150_000, 50_000, 20_000])
                .iter()
                .sum::<i64>(),
            1_250_000_000_000_000
        );
        assert_eq!(split_largest_remainder(7, &[0, 0]), vec![7, 0]);
    }
}
