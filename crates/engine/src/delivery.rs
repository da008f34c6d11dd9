//! Delivery terms and credits' vocabulary: what a contract promises of delivery (an
//! availability target, how unreported hours count, the credit rule: pro-rata and/or
//! tiers, as cloud SLAs have), a month's delivery of a contract, and the pure
//! arithmetic of its credit. Crediting at the month close is `credits.rs`.

use crate::limits::MAX_CREDIT_TIERS;
use crate::units::{Window, div_half_even};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// How an hour with no delivery report counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreported {
    /// As delivered (the default: a seller that reports nothing owes nothing).
    Delivered,
    /// As not delivered (the seller must report to be paid in full).
    NotDelivered,
}

impl Unreported {
    /// `delivered` or `not_delivered`, as shown and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Unreported::Delivered => "delivered",
            Unreported::NotDelivered => "not_delivered",
        }
    }

    /// What it means, for people.
    pub fn meaning(self) -> &'static str {
        match self {
            Unreported::Delivered => "an hour with no delivery report counts as delivered",
            Unreported::NotDelivered => "an hour with no delivery report counts as not delivered",
        }
    }

    /// The rule named `s`.
    pub fn parse(s: &str) -> Option<Unreported> {
        [Unreported::Delivered, Unreported::NotDelivered]
            .into_iter()
            .find(|u| u.as_str() == s)
    }
}

/// A tier of credit: when a month's availability is below `below_bps`, the buyer is
/// credited `credit_bps` of the month's charge (the highest tier that applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditTier {
    /// Availability below which the tier applies, basis points (9_900 = 99.00%).
    pub below_bps: u16,
    /// Credit, basis points of the month's charge.
    pub credit_bps: u16,
}

/// A contract's credit tiers, kept inline (a fill copies its terms without allocating;
/// encoded as a sequence, like a `Vec`).
pub type CreditTiers = SmallVec<[CreditTier; MAX_CREDIT_TIERS]>;

/// What a contract promises of delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryTerms {
    /// A month whose availability (delivered ÷ contracted GPU-hours) is at or above
    /// this, basis points, earns no credit.
    pub availability_target_bps: u16,
    /// How hours with no delivery report count.
    pub unreported: Unreported,
    /// Below the target, credit every undelivered GPU-hour at the contract's price
    /// (a monthly fee: the month's charge ÷ its contracted GPU-hours).
    pub pro_rata: bool,
    /// Below the target, credit the deepest applying tier's share of the month's charge
    /// (at most [`MAX_CREDIT_TIERS`], thresholds descending and credits rising).
    pub tiers: CreditTiers,
}

impl DeliveryTerms {
    /// No promise: nothing is ever credited (term contracts quoted without delivery
    /// terms).
    pub fn none() -> DeliveryTerms {
        DeliveryTerms {
            availability_target_bps: 0,
            unreported: Unreported::Delivered,
            pro_rata: false,
            tiers: CreditTiers::new(),
        }
    }

    /// The exchange's defaults for fills until the operator sets others: every
    /// undelivered GPU-hour credited at the price (a 100% target), unreported hours
    /// counted as delivered.
    pub fn exchange() -> DeliveryTerms {
        DeliveryTerms {
            availability_target_bps: 10_000,
            unreported: Unreported::Delivered,
            pro_rata: true,
            tiers: CreditTiers::new(),
        }
    }

    /// What is wrong with these terms, as (field, sentence), if anything.
    pub fn fault(&self) -> Option<(&'static str, String)> {
        if self.availability_target_bps > 10_000 {
            return Some((
                "availability_target_bps",
                "a target is 0 to 10,000 basis points".into(),
            ));
        }
        if self.tiers.len() > MAX_CREDIT_TIERS {
            return Some(("tiers", format!("at most {MAX_CREDIT_TIERS} tiers")));
        }
        for (i, t) in self.tiers.iter().enumerate() {
            if t.below_bps == 0
                || t.below_bps > 10_000
                || t.credit_bps == 0
                || t.credit_bps > 10_000
            {
                return Some((
                    "tiers",
                    format!("tier {i}: below_bps and credit_bps are 1 to 10,000"),
                ));
            }
            // Deeper tiers credit more, so the deepest that applies is the largest.
            if i > 0
                && (t.below_bps >= self.tiers[i - 1].below_bps
                    || t.credit_bps <= self.tiers[i - 1].credit_bps)
            {
                return Some((
                    "tiers",
                    format!("tier {i}: thresholds must descend and credits rise"),
                ));
            }
        }
        None
    }

    /// The tiers as stored: `below:credit` pairs in basis points, by commas
    /// (`9900:1000,9500:2500`; empty for none).
    pub fn tiers_text(&self) -> String {
        let parts: Vec<String> = self
            .tiers
            .iter()
            .map(|t| format!("{}:{}", t.below_bps, t.credit_bps))
            .collect();
        parts.join(",")
    }

    /// Tiers from [`DeliveryTerms::tiers_text`]; `None` when the text is not one.
    pub fn parse_tiers(s: &str) -> Option<CreditTiers> {
        s.split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (below, credit) = p.split_once(':')?;
                Some(CreditTier {
                    below_bps: below.parse().ok()?,
                    credit_bps: credit.parse().ok()?,
                })
            })
            .collect()
    }

    /// Whether a month of these terms can ever earn a credit.
    pub fn credits(&self) -> bool {
        self.availability_target_bps > 0 && (self.pro_rata || !self.tiers.is_empty())
    }
}

/// A contract's delivery over one month: the evidence of its credit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthDelivery {
    /// The hours of the month the contract held.
    pub period: Window,
    /// GPU-hours the contract held in them.
    pub contracted_gpu_hours: u64,
    /// Of them, reported delivered or counted so (unreported, when the terms say).
    pub delivered_gpu_hours: u64,
    /// Of them, with no delivery report.
    pub unreported_gpu_hours: u64,
    /// Delivered ÷ contracted, basis points, rounded down.
    pub availability_bps: u16,
    /// What the buyer was charged (or paid) for those hours, micro-USD.
    pub charge_micros: i64,
    /// The pro-rata part of the credit, micro-USD.
    pub pro_rata_micros: i64,
    /// The tier's part of the credit, micro-USD.
    pub tier_micros: i64,
    /// The credit: the parts' sum, at most the charge, micro-USD.
    pub credit_micros: i64,
}

/// Delivered ÷ contracted GPU-hours in basis points, rounded down (10,000 for none).
pub fn availability_bps(contracted: u64, delivered: u64) -> u16 {
    if contracted == 0 {
        return 10_000;
    }
    let bps = u128::from(delivered.min(contracted)) * 10_000 / u128::from(contracted);
    u16::try_from(bps).expect("at most 10,000")
}

/// The credit of a month under `terms`: 0 at or above the target; below it, the
/// pro-rata value of the undelivered GPU-hours (`charge × undelivered ÷ contracted`,
/// rounded half to even: exactly the price × the undelivered GPU-hours for a
/// per-GPU-hour contract) plus the highest tier's share of the charge, at most the
/// charge. Returns (pro-rata part, tier part, credit).
pub fn credit_micros(
    terms: &DeliveryTerms,
    charge_micros: i64,
    (contracted, delivered): (u64, u64),
) -> (i64, i64, i64) {
    let availability = availability_bps(contracted, delivered);
    if availability >= terms.availability_target_bps || contracted == 0 || charge_micros <= 0 {
        return (0, 0, 0);
    }
    let undelivered = contracted - delivered.min(contracted);
    let pro_rata = if terms.pro_rata {
        let v = div_half_even(
            i128::from(charge_micros) * i128::from(undelivered),
            i128::from(contracted),
        );
        i64::try_from(v).expect("at most the charge")
    } else {
        0
    };
    let tier_bps = terms
        .tiers
        .iter()
        .filter(|t| availability < t.below_bps)
        .map(|t| t.credit_bps)
        .max()
        .unwrap_or(0);
    let tier = crate::money::fee_micros(charge_micros, tier_bps);
    (pro_rata, tier, (pro_rata + tier).min(charge_micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiered() -> DeliveryTerms {
        DeliveryTerms {
            availability_target_bps: 9_900,
            unreported: Unreported::Delivered,
            pro_rata: false,
            tiers: smallvec::smallvec![
                CreditTier {
                    below_bps: 9_900,
                    credit_bps: 1_000,
                },
                CreditTier {
                    below_bps: 9_500,
                    credit_bps: 2_500,
                },
                CreditTier {
                    below_bps: 9_000,
                    credit_bps: 10_000,
                },
            ],
        }
    }

    #[test]
    fn tiers_apply_below_their_thresholds() {
        let t = tiered();
        assert_eq!(t.fault(), None);
        // 10,000 GPU-hours, $1,000 charge: 99.00% exactly earns nothing.
        assert_eq!(credit_micros(&t, 1_000_000_000, (10_000, 9_900)), (0, 0, 0));
        // 98.99%: the 10% tier.
        assert_eq!(
            credit_micros(&t, 1_000_000_000, (10_000, 9_899)).2,
            100_000_000
        );
        // 95.00% is not below 95%: still 10%; 94.99%: 25%.
        assert_eq!(
            credit_micros(&t, 1_000_000_000, (10_000, 9_500)).2,
            100_000_000
        );
        assert_eq!(
            credit_micros(&t, 1_000_000_000, (10_000, 9_499)).2,
            250_000_000
        );
        // Below 90%: all of it, and never more.
        assert_eq!(
            credit_micros(&t, 1_000_000_000, (10_000, 0)).2,
            1_000_000_000
        );
    }

    #[test]
    fn pro_rata_credits_the_undelivered_hours_at_their_price() {
        let t = DeliveryTerms::exchange();
        // 64 GPUs x 24 h at $2.50: 32 GPU-hours short is $80.
        let charge = 64 * 24 * 2_500_000;
        assert_eq!(
            credit_micros(&t, charge, (64 * 24, 64 * 24 - 32)),
            (80_000_000, 0, 80_000_000)
        );
        assert_eq!(credit_micros(&t, charge, (64 * 24, 64 * 24)), (0, 0, 0));
        // A monthly fee: the charge's share, half to even.
        assert_eq!(credit_micros(&t, 10, (3, 2)).0, 3);
        assert_eq!(credit_micros(&t, 5, (2, 1)).0, 2);
        assert_eq!(
            credit_micros(&DeliveryTerms::none(), charge, (10, 0)),
            (0, 0, 0)
        );
    }

    #[test]
    fn tiers_read_back_as_stored() {
        let t = tiered();
        assert_eq!(t.tiers_text(), "9900:1000,9500:2500,9000:10000");
        assert_eq!(DeliveryTerms::parse_tiers(&t.tiers_text()), Some(t.tiers));
        assert_eq!(DeliveryTerms::parse_tiers(""), Some(CreditTiers::new()));
        assert_eq!(DeliveryTerms::parse_tiers("9900"), None);
    }

    #[test]
    fn bad_terms_are_named() {
        let mut t = tiered();
        t.tiers.swap(0, 1);
        assert_eq!(t.fault().map(|f| f.0), Some("tiers"));
        let t = DeliveryTerms {
            availability_target_bps: 10_001,
            ..DeliveryTerms::exchange()
        };
        assert_eq!(t.fault().map(|f| f.0), Some("availability_target_bps"));
    }
}
