//! The request bodies, as the types of `megawatt-api`, from what people type
//! (`h100-sxm=600`, `pool-1=150000`, `--power-mw 300`, notice as `90d`, `--tif ioc`).

use crate::args::{BuyArgs, QuoteArgs, RfqCreateArgs, SellArgs, WindowArgs};
use crate::client::Failure;
use crate::input::{good_till, window};
use megawatt_api::{
    CauseName, CreateRfq, GpusOf, PlaceOrder, PoolBody, QuoteLine, SideName, SubmitQuote, TifName,
};
use serde::de::{DeserializeOwned, IntoDeserializer, value::StrDeserializer};

/// A name of the API's vocabulary (`ioc`, `non_delivery`, `buyer`) as its type; a
/// refusal names the option and lists the names there are.
pub fn name<T: DeserializeOwned>(raw: &str, option: &str) -> Result<T, Failure> {
    let de: StrDeserializer<'_, serde::de::value::Error> = raw.into_deserializer();
    T::deserialize(de).map_err(|e| Failure::usage(format!("{option} {raw:?}: {e}")))
}

/// Each of `raw` as a name of the API's vocabulary.
pub fn names<T: DeserializeOwned>(raw: &[String], option: &str) -> Result<Vec<T>, Failure> {
    raw.iter().map(|r| name(r, option)).collect()
}

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

/// A notice option, if given, in hours.
fn notice(raw: &Option<String>) -> Result<Option<u32>, Failure> {
    raw.as_deref().map(notice_hours).transpose()
}

/// `X=N` pairs, e.g. `h100-sxm=600`.
pub fn pairs(list: &[String], what: &str) -> Result<Vec<(String, u32)>, Failure> {
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

/// The pools of `mw facility create --pool MODEL=GPUS`.
pub fn pools(list: &[String]) -> Result<Vec<PoolBody>, Failure> {
    Ok(pairs(list, "MODEL")?
        .into_iter()
        .map(|(model, gpus)| PoolBody { model, gpus })
        .collect())
}

/// Megawatts as text (`300`, `12.5`) in kW ([`megawatt_engine::units::kw_from_mw`]).
pub fn mw_to_kw(raw: &str) -> Result<u64, Failure> {
    megawatt_engine::units::kw_from_mw(raw)
        .ok_or_else(|| Failure::usage(format!("{raw:?} is not a power in MW like 300 or 12.5")))
}

/// A list option: absent when empty.
fn listed<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// An order with only the window and the GPUs set.
fn order(side: SideName, gpus: u32, start: String, end: String, price: Option<&str>) -> PlaceOrder {
    PlaceOrder {
        side,
        model: None,
        pool: None,
        contract: None,
        line: None,
        gpus,
        start,
        end: Some(end),
        hours: None,
        price: price.map(str::to_string),
        price_micros: None,
        time_in_force: None,
        good_till: None,
        min_fill_gpus: None,
        colocate: None,
        partial: None,
        region: None,
        facility: None,
        min_reliability_bps: None,
        start_until: None,
    }
}

/// The body of `mw buy`.
pub fn buy(a: &BuyArgs) -> Result<PlaceOrder, Failure> {
    if let Some(range) = &a.start_between {
        return flexible_buy(a, range);
    }
    let given = WindowArgs {
        start: a.start.clone().unwrap_or_default(),
        duration: a.duration.clone(),
    };
    let (start, end) = window(&given)?;
    let good_till = good_till(&a.good_till)?;
    let tif = match good_till {
        Some(_) => TifName::Gtd,
        None => name(&a.tif, "--tif")?,
    };
    Ok(PlaceOrder {
        model: Some(a.model.clone()),
        time_in_force: Some(tif),
        good_till,
        colocate: Some(!a.any_pool),
        partial: Some(a.partial),
        region: a.region.clone(),
        facility: a.facility.clone(),
        min_reliability_bps: a.min_reliability_bps,
        ..order(SideName::Buy, a.gpus, start, end, a.price.as_deref())
    })
}

/// The body of `mw buy --start-between A..B`: a flexible-start bid, FOK unless --tif
/// says ioc.
fn flexible_buy(a: &BuyArgs, range: &str) -> Result<PlaceOrder, Failure> {
    let (from, until) = crate::input::start_range(range)?;
    let hours = crate::input::hours_from(from, &a.duration)?;
    let tif = match a.tif.as_str() {
        "gtc" | "fok" => TifName::Fok,
        "ioc" => TifName::Ioc,
        other => {
            let detail = format!("--tif {other}: a flexible-start buy is fok or ioc");
            return Err(Failure::usage(detail));
        }
    };
    Ok(PlaceOrder {
        model: Some(a.model.clone()),
        time_in_force: Some(tif),
        colocate: Some(!a.any_pool),
        region: a.region.clone(),
        facility: a.facility.clone(),
        min_reliability_bps: a.min_reliability_bps,
        start_until: Some(until.to_string()),
        end: None,
        hours: Some(hours),
        ..order(
            SideName::Buy,
            a.gpus,
            from.to_string(),
            String::new(),
            a.price.as_deref(),
        )
    })
}

/// The body of `mw sell`: from a pool, or a resale from a contract's line.
pub fn sell(a: &SellArgs) -> Result<PlaceOrder, Failure> {
    let (start, end) = window(&a.window)?;
    let mut body = order(SideName::Sell, a.gpus, start, end, Some(&a.price));
    match (&a.pool, &a.contract) {
        (Some(p), _) => body.pool = Some(p.clone()),
        (None, Some(c)) => {
            body.contract = Some(c.clone());
            body.line = Some(a.line.unwrap_or(0));
        }
        (None, None) => return Err(Failure::usage("give --pool or --contract")),
    }
    body.min_fill_gpus = a.min_fill;
    if let Some(g) = good_till(&a.good_till)? {
        body.time_in_force = Some(TifName::Gtd);
        body.good_till = Some(g);
    }
    Ok(body)
}

/// The body of `POST /v1/rfqs`.
pub fn rfq(a: &RfqCreateArgs) -> Result<CreateRfq, Failure> {
    let (start, end) = window(&a.window)?;
    let deadline = good_till(&Some(a.deadline.clone()))?.unwrap_or_default();
    let (gpus, power_kw, min_power_kw) = match &a.power_mw {
        Some(mw) => {
            let min = a.min_power_mw.as_deref().map(mw_to_kw).transpose()?;
            (None, Some(mw_to_kw(mw)?), min)
        }
        None => {
            let items = pairs(&a.gpus, "MODEL")?
                .into_iter()
                .map(|(model, gpus)| GpusOf { model, gpus })
                .collect();
            (Some(items), None, None)
        }
    };
    Ok(CreateRfq {
        gpus,
        power_kw,
        min_power_kw,
        start,
        end: Some(end),
        hours: None,
        region: a.region.clone(),
        facility: a.facility.clone(),
        max_buyer_notice_hours: notice(&a.max_buyer_notice)?,
        min_seller_notice_hours: notice(&a.min_seller_notice)?,
        max_early_termination_fee: a.max_fee.clone(),
        max_early_termination_fee_micros: None,
        for_cause: listed(names::<CauseName>(&a.causes, "--cause")?),
        min_payment_days: a.min_payment_days,
        deadline,
        invited: listed(a.invited.clone()),
    })
}

/// The body of `POST /v1/rfqs/{id}/quotes`.
pub fn quote(a: &QuoteArgs) -> Result<SubmitQuote, Failure> {
    let lines = pairs(&a.lines, "POOL")?
        .into_iter()
        .map(|(pool, gpus)| QuoteLine { pool, gpus })
        .collect();
    if a.price.is_none() && a.monthly_fee.is_none() {
        return Err(Failure::usage("give --price or --monthly-fee"));
    }
    Ok(SubmitQuote {
        lines,
        price: a.price.clone(),
        price_micros: None,
        monthly_fee: a.monthly_fee.clone().filter(|_| a.price.is_none()),
        monthly_fee_micros: None,
        buyer_notice_hours: notice(&a.buyer_notice)?,
        seller_notice_hours: notice(&a.seller_notice)?,
        early_termination_fee: a.fee.clone(),
        early_termination_fee_micros: None,
        for_cause: listed(names::<CauseName>(&a.causes, "--cause")?),
        payment_days: a.payment_days,
        expires: good_till(&Some(a.expires.clone()))?.unwrap_or_default(),
        delivery: a
            .delivery_target_bps
            .map(|bps| {
                delivery_terms(
                    bps,
                    &a.delivery_unreported,
                    a.delivery_pro_rata,
                    &a.delivery_tiers,
                )
            })
            .transpose()?,
    })
}

/// The body of `mw admin delivery-terms`: each `--tier` is `BELOW_BPS:CREDIT_BPS`.
pub fn delivery_terms(
    target_bps: u16,
    unreported: &str,
    pro_rata: bool,
    tiers: &[String],
) -> Result<megawatt_api::DeliveryTermsView, Failure> {
    let tiers = tiers
        .iter()
        .map(|t| {
            let bad = || {
                Failure::usage(format!(
                    "--tier {t:?}: give BELOW_BPS:CREDIT_BPS, e.g. 9900:1000"
                ))
            };
            let (below, credit) = t.split_once(':').ok_or_else(bad)?;
            Ok(megawatt_api::CreditTierView {
                below_bps: below.trim().parse().map_err(|_| bad())?,
                credit_bps: credit.trim().parse().map_err(|_| bad())?,
            })
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    Ok(megawatt_api::DeliveryTermsView {
        availability_target_bps: target_bps,
        unreported: unreported.to_string(),
        pro_rata,
        tiers,
    })
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

    #[test]
    fn names_are_the_apis() {
        assert_eq!(name::<TifName>("ioc", "--tif").unwrap(), TifName::Ioc);
        assert_eq!(
            name::<CauseName>("non_delivery", "--cause").unwrap(),
            CauseName::NonDelivery
        );
        let e = name::<TifName>("day", "--tif").unwrap_err();
        assert!(
            e.message.contains("--tif \"day\"") && e.message.contains("gtc"),
            "{}",
            e.message
        );
    }
}
