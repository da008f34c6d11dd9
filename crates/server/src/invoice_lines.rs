//! The lines of an invoice: each contract line's share of it. A per-GPU-hour contract's
//! line costs its GPU-hours in the period × the price; a monthly fee is split over the
//! lines by GPU-hours (largest remainder, so the lines add up to the invoice exactly);
//! an early-termination fee is one line of its own.

use megawatt_store::reader::{ContractRow, InvoiceRow};

/// One line of an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceLine {
    /// The contract line (none: the early-termination fee).
    pub line: Option<usize>,
    /// Its pool (a fee: the contract's first).
    pub pool: u64,
    /// Its GPUs.
    pub gpus: u32,
    /// GPU-hours billed (none for a fee).
    pub gpu_hours: Option<u64>,
    /// Amount, micro-USD.
    pub amount_micros: i64,
}

/// The lines of invoice `inv` of contract `c`; lines with no hours in the period are
/// left out.
pub fn lines(inv: &InvoiceRow, c: &ContractRow) -> Vec<InvoiceLine> {
    if inv.charge != "usage" {
        return c
            .lines
            .first()
            .map(|&(pool, gpus, ..)| InvoiceLine {
                line: None,
                pool,
                gpus,
                gpu_hours: None,
                amount_micros: inv.amount_micros,
            })
            .into_iter()
            .collect();
    }
    let hours: Vec<u64> = c
        .lines
        .iter()
        .map(|&(_, gpus, s, e)| {
            let (s, e) = (s.max(inv.period_start_hour), e.min(inv.period_end_hour));
            u64::from(gpus) * u64::from(e.saturating_sub(s))
        })
        .collect();
    let amounts = match c.price_micros {
        Some(p) => hours
            .iter()
            .map(|&h| i64::try_from(h).unwrap_or(i64::MAX).saturating_mul(p))
            .collect(),
        None => split(inv.amount_micros, &hours),
    };
    let out: Vec<InvoiceLine> = c
        .lines
        .iter()
        .enumerate()
        .filter(|&(i, _)| hours[i] > 0)
        .map(|(i, &(pool, gpus, ..))| InvoiceLine {
            line: Some(i),
            pool,
            gpus,
            gpu_hours: Some(hours[i]),
            amount_micros: amounts[i],
        })
        .collect();
    debug_assert_eq!(
        out.iter().map(|l| l.amount_micros).sum::<i64>(),
        inv.amount_micros,
        "an invoice's lines add up to it"
    );
    out
}

/// Splits `total` over `weights` in proportion, largest remainder first (ties to the
/// earlier), so the parts add up to `total` exactly.
pub fn split(total: i64, weights: &[u64]) -> Vec<i64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        let mut parts = vec![0; weights.len()];
        if let Some(first) = parts.first_mut() {
            *first = total;
        }
        return parts;
    }
    let t = u128::try_from(total.max(0)).unwrap_or(0);
    let mut parts: Vec<(i64, u128, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            let x = t * u128::from(w);
            (i64::try_from(x / sum).unwrap_or(0), x % sum, i)
        })
        .collect();
    let mut left = total - parts.iter().map(|p| p.0).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
    for i in order {
        if left <= 0 {
            break;
        }
        parts[i].0 += 1;
        left -= 1;
    }
    parts.into_iter().map(|p| p.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_add_up_exactly() {
        assert_eq!(split(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(split(11, &[1, 2, 2]), vec![2, 5, 4]);
        assert_eq!(
            split(1_250_000_000_000_000, &[150_000, 50_000, 20_000])
                .iter()
                .sum::<i64>(),
            1_250_000_000_000_000
        );
        assert_eq!(split(7, &[0, 0]), vec![7, 0]);
    }
}
