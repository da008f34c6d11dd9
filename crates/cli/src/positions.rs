//! `mw exit-cost …`: what leaving a contract by notice would cost, and how it prints.

use crate::client::{Client, Failure, query};
use crate::input;
use crate::output::{Mode, show, usd_opt};
use megawatt_api as api;

/// `mw exit-cost CONTRACT [--party buyer|seller] [--at WHEN]`.
pub fn exit_cost(
    c: &Client,
    mode: Mode,
    (contract, party, at): (&str, &Option<String>, &Option<String>),
) -> Result<(), Failure> {
    let path = format!("/v1/contracts/{contract}/exit-cost");
    let q = query(
        &path,
        &[("party", party.clone()), ("at", input::start_arg(at)?)],
    );
    let x: api::ExitCostView = c.get(&q)?;
    show(mode, &x, print);
    Ok(())
}

fn print(x: &api::ExitCostView) {
    println!(
        "{} for the {}, notice given at {}: {} left to its end at {}",
        x.contract,
        x.party,
        x.at,
        usd_opt(&x.remaining_term),
        x.ends
    );
    if !x.can_exit {
        let why = match x.reason.as_deref() {
            Some("no_right_of_notice") => "its terms give it no right of notice".to_string(),
            Some("overflow") => "its figures do not fit in micro-USD".to_string(),
            Some("notice_past_end") => format!(
                "notice then would take effect at {}, not before its end",
                x.effective.as_deref().unwrap_or("-")
            ),
            _ => "it is no longer in force (notice given, terminated or ended)".to_string(),
        };
        println!("the {} cannot leave by notice: {why}", x.party);
        return;
    }
    println!(
        "notice of {} hours ends it at {}",
        x.notice_hours.unwrap_or(0),
        x.effective.as_deref().unwrap_or("-")
    );
    println!("still worth until then: {}", usd_opt(&x.until_effective));
    println!("early-termination fee:  {}", usd_opt(&x.fee));
    println!("cut off by leaving:     {}", usd_opt(&x.cut_off));
    if x.buyer_saving.is_some() {
        println!("saved, after the fee:   {}", usd_opt(&x.buyer_saving));
    }
}
