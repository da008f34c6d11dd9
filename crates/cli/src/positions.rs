//! `mw exit-cost …`, `mw positions …` and `mw exposure …`: what leaving a contract by
//! notice would cost, a participant's whole position and its counterparty exposure,
//! and how they print.

use crate::args::Cmd;
use crate::client::{Client, Failure, query};
use crate::input;
use crate::output::{Mode, opt, pct, show, t, table, usd, usd_opt};
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

/// `mw positions [--as-of] [--participant] [--by] [--contracts]` and
/// `mw exposure [--as-of] [--participant]`.
pub fn position(c: &Client, mode: Mode, cmd: &Cmd) -> Result<(), Failure> {
    match cmd {
        Cmd::Positions {
            as_of,
            participant,
            by,
            contracts,
        } => {
            let params = [
                ("as_of", input::start_arg(as_of)?),
                ("participant", participant.clone()),
            ];
            if *contracts {
                let mut params = params.to_vec();
                params.push(("limit", Some("1000".into())));
                let page: api::ContractPositionsPage =
                    c.get(&query("/v1/positions/contracts", &params))?;
                show(mode, &page, print_contracts);
            } else {
                let p: api::PositionView = c.get(&query("/v1/positions", &params))?;
                show(mode, &p, |p| print_position(p, by.as_deref()));
            }
        }
        Cmd::Exposure { as_of, participant } => {
            let params = [
                ("as_of", input::start_arg(as_of)?),
                ("participant", participant.clone()),
            ];
            let x: api::ExposuresView = c.get(&query("/v1/positions/exposure", &params))?;
            show(mode, &x, print_exposure);
        }
        _ => unreachable!("dispatched by commands.rs"),
    }
    Ok(())
}

fn print_position(p: &api::PositionView, by: Option<&str>) {
    let whose = p.participant.as_deref().unwrap_or("the whole market");
    println!("{whose} as of {}", t(&p.as_of));
    for (name, s) in [("buyer", &p.buyer), ("seller", &p.seller)] {
        if s.contracts == 0 && s.potential.months.is_empty() && s.billed_ytd.micros == 0 {
            println!("\nas {name}: nothing held");
            continue;
        }
        let verb = if name == "buyer" { "spend" } else { "revenue" };
        println!(
            "\nas {name}: {} contract(s), {} committed; {verb} this month {}, annualized {}, invoiced this year {}",
            s.contracts,
            usd(&s.committed.total.value),
            usd(&s.this_month),
            usd(&s.annualized),
            usd(&s.billed_ytd)
        );
        let e = &s.exits;
        println!(
            "exit: {} contract(s) you could leave now, fees {}, still due until notice ends them {}, cut off {}",
            e.contracts,
            usd(&e.fees),
            usd(&e.until_effective),
            usd(&e.cut_off)
        );
        let m = &s.marks;
        println!(
            "mark-to-market: {} marked ({} without a curve), {} at contract prices, {} at the curve: {} {}",
            m.marked,
            m.unmarked,
            usd(&m.contract_value),
            usd(&m.curve_value),
            if m.pnl.micros < 0 { "loss" } else { "gain" },
            usd(&m.pnl)
        );
        ladder_table(s);
        if let Some(by) = by {
            let groups = match by {
                "model" => &s.by_model,
                "region" => &s.by_region,
                "facility" => &s.by_facility,
                _ => &s.by_counterparty,
            };
            let rows: Vec<Vec<String>> = groups
                .iter()
                .map(|g| {
                    let t = &g.ladder.total;
                    vec![
                        g.key.clone(),
                        opt(&g.name),
                        t.gpu_hours.to_string(),
                        usd(&t.value),
                    ]
                })
                .collect();
            table(&[by, "name", "gpu-hours", "committed"], &rows);
        }
    }
    for c in &p.curves {
        println!(
            "\nmarked by the {} curve of {} ({} points)",
            c.model,
            t(&c.at),
            c.points
        );
    }
}

/// Committed and potential, month by month.
fn ladder_table(s: &api::SideView) {
    let mut months: std::collections::BTreeMap<&str, (String, String, String)> = Default::default();
    for m in &s.committed.months {
        let month = m.month.as_deref().unwrap_or("");
        months.entry(month).or_default().0 = m.gpu_hours.to_string();
        months.entry(month).or_default().1 = usd(&m.value);
    }
    for m in &s.potential.months {
        months
            .entry(m.month.as_deref().unwrap_or(""))
            .or_default()
            .2 = usd(&m.value);
    }
    let rows: Vec<Vec<String>> = months
        .into_iter()
        .map(|(m, (h, v, p))| vec![m.to_string(), h, v, p])
        .collect();
    table(&["month", "gpu-hours", "committed", "could add"], &rows);
}

fn print_contracts(p: &api::ContractPositionsPage) {
    let whose = p.participant.as_deref().unwrap_or("the whole market");
    println!("{whose} as of {}", t(&p.as_of));
    let rows: Vec<Vec<String>> = p
        .contracts
        .iter()
        .map(|c| {
            let exit = match &c.exit {
                Some(x) => format!("{} by {}", usd(&x.fee), t(&x.effective)),
                None => c.exit_reason.clone().unwrap_or_default(),
            };
            let mark = match &c.mark {
                Some(m) => usd(&m.pnl),
                None => c.unmarked.clone().unwrap_or_default(),
            };
            vec![
                c.contract.clone(),
                c.side.clone(),
                c.counterparty.clone(),
                c.model.clone(),
                t(&c.ends),
                c.remaining_gpu_hours.to_string(),
                usd(&c.remaining),
                exit,
                mark,
            ]
        })
        .collect();
    table(
        &[
            "contract",
            "side",
            "with",
            "model",
            "ends",
            "gpu-hours",
            "remaining",
            "exit (fee, effective)",
            "mark p&l",
        ],
        &rows,
    );
    if p.next.is_some() {
        println!("(more: the API's /v1/positions/contracts pages on)");
    }
}

fn print_exposure(x: &api::ExposuresView) {
    println!("exposure as of {}", t(&x.as_of));
    let rows = |v: &[api::ExposureView]| -> Vec<Vec<String>> {
        v.iter()
            .map(|e| {
                vec![
                    e.counterparty.clone(),
                    e.name.clone(),
                    usd(&e.owed),
                    usd(&e.committed),
                    usd(&e.total),
                    e.gpu_hours.to_string(),
                    pct(e.share_bps),
                ]
            })
            .collect()
    };
    let head = [
        "counterparty",
        "name",
        "owed",
        "committed",
        "total",
        "gpu-hours",
        "share",
    ];
    if x.participant.is_some() {
        println!("\nto your buyers (credit risk):");
        table(&head, &rows(&x.to_buyers));
        println!("\nto your providers (concentration):");
        table(&head, &rows(&x.to_providers));
        return;
    }
    let rows: Vec<Vec<String>> = x
        .largest
        .iter()
        .map(|p| {
            vec![
                format!("{} {}", p.creditor, p.creditor_name),
                format!("{} {}", p.debtor, p.debtor_name),
                usd(&p.owed),
                usd(&p.committed),
                usd(&p.total),
                p.gpu_hours.to_string(),
            ]
        })
        .collect();
    println!("\nthe market's largest exposures:");
    table(
        &["owed to", "by", "owed", "committed", "total", "gpu-hours"],
        &rows,
    );
}
