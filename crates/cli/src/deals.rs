//! The request bodies of term deals: RFQs and quotes, from what people type
//! (`h100-sxm=600`, `pool-1=150000`, `--power-mw 300`, notice as `90d`).

use crate::client::Failure;
use crate::input::{good_till, window};
use crate::{QuoteArgs, RfqCreateArgs};
use serde_json::{Value, json};

/// A notice period like `90d`, `2w` or `36h`, in hours.
pub fn notice_hours(raw: &str) -> Result<u32, Failure> {
    if raw.ends_with("mo") {
        return Err(Failure::usage(format!(
            "{raw:?}: give notice in h, d or w (months differ in length)"
        )));
    }
    let end = crate::input::after(megawatt_engine::units::Hour(0), raw)
        .map_err(|e| Failure::usage(format!("notice {raw:?}: {e}")))?;
    Ok(end.0)
}

/// `X=N` pairs, e.g. `h100-sxm=600`.
fn pairs(list: &[String], what: &str) -> Result<Vec<(String, u32)>, Failure> {
    list.iter()
        .map(|p| {
            let (k, n) = p
                .split_once('=')
                .ok_or_else(|| Failure::usage(format!("{p:?}: write {what}=GPUS")))?;
            let n = n
                .parse()
                .map_err(|_| Failure::usage(format!("{p:?}: GPUS must be a number")))?;
            Ok((k.to_string(), n))
        })
        .collect()
}

/// Megawatts as text (`300`, `12.5`) in kW ([`megawatt_engine::units::kw_from_mw`]).
pub fn mw_to_kw(raw: &str) -> Result<u64, Failure> {
    megawatt_engine::units::kw_from_mw(raw)
        .ok_or_else(|| Failure::usage(format!("{raw:?} is not a power in MW like 300 or 12.5")))
}

/// The body of `POST /v1/rfqs`.
pub fn rfq_body(a: &RfqCreateArgs) -> Result<Value, Failure> {
    let (start, end) = window(&a.window)?;
    let deadline = good_till(&Some(a.deadline.clone()))?.unwrap_or_default();
    let mut body = json!({ "start": start, "end": end, "deadline": deadline });
    match &a.power_mw {
        Some(mw) => {
            body["power_kw"] = json!(mw_to_kw(mw)?);
            if let Some(min) = &a.min_power_mw {
                body["min_power_kw"] = json!(mw_to_kw(min)?);
            }
        }
        None => {
            let items: Vec<Value> = pairs(&a.gpus, "MODEL")?
                .into_iter()
                .map(|(m, g)| json!({ "model": m, "gpus": g }))
                .collect();
            body["gpus"] = json!(items);
        }
    }
    if let Some(r) = &a.region {
        body["region"] = json!(r);
    }
    if let Some(f) = &a.facility {
        body["facility"] = json!(f);
    }
    if let Some(n) = &a.max_buyer_notice {
        body["max_buyer_notice_hours"] = json!(notice_hours(n)?);
    }
    if let Some(n) = &a.min_seller_notice {
        body["min_seller_notice_hours"] = json!(notice_hours(n)?);
    }
    if let Some(f) = &a.max_fee {
        body["max_early_termination_fee"] = json!(f);
    }
    if let Some(d) = a.min_payment_days {
        body["min_payment_days"] = json!(d);
    }
    if !a.causes.is_empty() {
        body["for_cause"] = json!(a.causes);
    }
    if !a.invited.is_empty() {
        body["invited"] = json!(a.invited);
    }
    Ok(body)
}

/// The body of `POST /v1/rfqs/{id}/quotes`.
pub fn quote_body(a: &QuoteArgs) -> Result<Value, Failure> {
    let lines: Vec<Value> = pairs(&a.lines, "POOL")?
        .into_iter()
        .map(|(p, g)| json!({ "pool": p, "gpus": g }))
        .collect();
    let expires = good_till(&Some(a.expires.clone()))?.unwrap_or_default();
    let mut body = json!({ "lines": lines, "expires": expires });
    match (&a.price, &a.monthly_fee) {
        (Some(p), _) => body["price"] = json!(p),
        (None, Some(f)) => body["monthly_fee"] = json!(f),
        (None, None) => return Err(Failure::usage("give --price or --monthly-fee")),
    }
    if let Some(n) = &a.buyer_notice {
        body["buyer_notice_hours"] = json!(notice_hours(n)?);
    }
    if let Some(n) = &a.seller_notice {
        body["seller_notice_hours"] = json!(notice_hours(n)?);
    }
    if let Some(f) = &a.fee {
        body["early_termination_fee"] = json!(f);
    }
    if !a.causes.is_empty() {
        body["for_cause"] = json!(a.causes);
    }
    if let Some(d) = a.payment_days {
        body["payment_days"] = json!(d);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_and_power() {
        assert_eq!(notice_hours("90d").unwrap(), 2_160);
        assert_eq!(notice_hours("36h").unwrap(), 36);
        assert!(notice_hours("3mo").is_err());
        assert_eq!(mw_to_kw("300").unwrap(), 300_000);
        assert_eq!(mw_to_kw("12.5").unwrap(), 12_500);
        assert_eq!(mw_to_kw("0.001").unwrap(), 1);
        for bad in ["", ".5", "1.2345", "x", "-3"] {
            assert!(mw_to_kw(bad).is_err(), "{bad}");
        }
    }
}
