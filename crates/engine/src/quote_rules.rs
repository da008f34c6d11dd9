//! What a firm quote must satisfy, as pure functions: its pricing and terms within
//! their bounds, and the terms an RFQ asked for. `rfq.rs` applies them when a quote is
//! submitted.

use crate::command::WantedTerms;
use crate::contract::{Pricing, Terms};
use crate::limits::{MAX_FEE_MICROS, MAX_PRICE_MICROS};
use crate::reject::{Rejection, Rule, reject};
use crate::units::{Window, notional_micros};

/// Checks a contract's pricing: a positive price within its ceiling (and a notional
/// that fits in micro-USD), or a positive monthly fee within its ceiling.
pub(crate) fn check_pricing(
    pricing: &Pricing,
    gpus: u64,
    window: &Window,
) -> Result<(), Rejection> {
    let (amount, ceiling, field) = match *pricing {
        Pricing::PerGpuHour { price_micros } => {
            (price_micros, MAX_PRICE_MICROS, "pricing.price_micros")
        }
        Pricing::MonthlyFee { fee_micros } => (fee_micros, MAX_FEE_MICROS, "pricing.fee_micros"),
    };
    if amount <= 0 {
        return reject(
            Rule::PriceNotPositive,
            field,
            format!("{amount} micro-USD must be positive"),
        );
    }
    if amount > ceiling {
        return reject(
            Rule::Overflow,
            field,
            format!("{amount} micro-USD is above the ceiling of {ceiling}"),
        );
    }
    if let Pricing::PerGpuHour { price_micros } = *pricing {
        let fits = u32::try_from(gpus)
            .ok()
            .and_then(|g| notional_micros(price_micros, g, window.hours()));
        if fits.is_none() {
            return reject(
                Rule::Overflow,
                field,
                "price x GPUs x hours overflows 64-bit micro-USD",
            );
        }
    }
    Ok(())
}

/// Checks contract terms: an early-termination fee within 0 and its ceiling.
pub(crate) fn check_terms(terms: &Terms) -> Result<(), Rejection> {
    let fee = terms.early_termination_fee_micros;
    if !(0..=MAX_FEE_MICROS).contains(&fee) {
        return reject(
            Rule::OutOfRange,
            "terms.early_termination_fee_micros",
            format!("early-termination fee {fee} micro-USD must be between 0 and {MAX_FEE_MICROS}"),
        );
    }
    if !(1..=crate::limits::MAX_PAYMENT_DAYS).contains(&terms.payment_days) {
        return reject(
            Rule::OutOfRange,
            "terms.payment_days",
            format!(
                "payment terms of {} days must be between 1 and {}",
                terms.payment_days,
                crate::limits::MAX_PAYMENT_DAYS
            ),
        );
    }
    for (hours, field) in [
        (terms.buyer_notice_hours, "terms.buyer_notice_hours"),
        (terms.seller_notice_hours, "terms.seller_notice_hours"),
    ] {
        if hours.is_some_and(|h| h > crate::units::MAX_WINDOW_HOURS) {
            return reject(
                Rule::OutOfRange,
                field,
                "a notice period is at most ten years",
            );
        }
    }
    Ok(())
}

/// Why quoted terms miss the RFQ's wanted terms, if they do.
pub(crate) fn terms_miss(wanted: &WantedTerms, t: &Terms) -> Option<(&'static str, String)> {
    if let Some(max) = wanted.max_buyer_notice_hours {
        match t.buyer_notice_hours {
            Some(h) if h <= max => {}
            Some(h) => {
                return Some((
                    "terms.buyer_notice_hours",
                    format!(
                        "the RFQ needs the buyer able to leave on at most {max} hours' notice; the quote gives {h}"
                    ),
                ));
            }
            None => {
                return Some((
                    "terms.buyer_notice_hours",
                    format!(
                        "the RFQ needs the buyer able to leave on at most {max} hours' notice; the quote gives no right of notice"
                    ),
                ));
            }
        }
    }
    if let (Some(min), Some(h)) = (wanted.min_seller_notice_hours, t.seller_notice_hours)
        && h < min
    {
        return Some((
            "terms.seller_notice_hours",
            format!(
                "the RFQ needs the seller's notice to be at least {min} hours; the quote gives {h}"
            ),
        ));
    }
    if let Some(min) = wanted.min_payment_days
        && t.payment_days < min
    {
        return Some((
            "terms.payment_days",
            format!(
                "the RFQ needs at least {min} days to pay each invoice; the quote gives {}",
                t.payment_days
            ),
        ));
    }
    if let Some(max) = wanted.max_early_termination_fee_micros
        && t.early_termination_fee_micros > max
    {
        return Some((
            "terms.early_termination_fee_micros",
            format!(
                "the RFQ accepts an early-termination fee of at most {max} micro-USD; the quote asks {}",
                t.early_termination_fee_micros
            ),
        ));
    }
    if !t.for_cause.covers(wanted.causes) {
        return Some((
            "terms.for_cause",
            "the RFQ needs termination for cause for every cause it names; the quote allows fewer"
                .to_string(),
        ));
    }
    None
}
