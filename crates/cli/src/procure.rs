//! `mw procure …`: standing procurements (create, list, show, pause, resume, cancel)
//! and how they print.

use crate::args::ProcureCmd;
use crate::client::{Client, Failure, query};
use crate::input;
use crate::output::{self, Mode, show, t, table, usd};
use megawatt_api as api;

/// `mw procure …`.
pub fn procure(c: &Client, mode: Mode, cmd: &ProcureCmd) -> Result<(), Failure> {
    let one = |path: String| -> Result<(), Failure> {
        let d: api::ProcurementDetail = c.post(&path, &api::Empty {})?;
        show(mode, &d, detail);
        Ok(())
    };
    match cmd {
        ProcureCmd::Create {
            model,
            gpus,
            duration,
            price,
            lookahead,
            block,
            region,
        } => {
            let next = input::next_hour(input::now_ms());
            let hours = |d: &Option<String>| d.as_deref().map(|d| input::hours_from(next, d));
            let body = api::CreateProcurement {
                model: model.clone(),
                region: region.clone(),
                gpus: *gpus,
                hours: input::hours_from(next, duration)?,
                lookahead_hours: hours(lookahead).transpose()?,
                block_hours: hours(block).transpose()?,
                price: Some(price.clone()),
                price_micros: None,
            };
            let d: api::ProcurementDetail = c.post("/v1/procurements", &body)?;
            show(mode, &d, detail);
        }
        ProcureCmd::List { live } => {
            let q = query(
                "/v1/procurements",
                &[("live", live.then(|| "true".to_string()))],
            );
            let page: api::Page<api::ProcurementView> = c.get(&q)?;
            show(mode, &page, |p| output::page(p, &HEADERS, row));
        }
        ProcureCmd::Show { id } => {
            let d: api::ProcurementDetail = c.get(&format!("/v1/procurements/{id}"))?;
            show(mode, &d, detail);
        }
        ProcureCmd::Pause { id } => one(format!("/v1/procurements/{id}/pause"))?,
        ProcureCmd::Resume { id } => one(format!("/v1/procurements/{id}/resume"))?,
        ProcureCmd::Cancel { id } => one(format!("/v1/procurements/{id}/cancel"))?,
    }
    Ok(())
}

const HEADERS: [&str; 9] = [
    "id", "status", "model", "gpus", "start", "end", "limit", "bought", "held",
];

fn row(p: &api::ProcurementView) -> Vec<String> {
    vec![
        p.id.clone(),
        p.status.clone(),
        p.model.clone(),
        p.gpus.to_string(),
        t(&p.start),
        t(&p.end),
        usd(&p.price),
        format!("{} GPU-h", p.bought_gpu_hours),
        p.standing
            .as_ref()
            .map_or("-".into(), |s| s.held_gpus.to_string()),
    ]
}

/// A procurement, where it stands, and its recent bids.
fn detail(d: &api::ProcurementDetail) {
    let p = &d.procurement;
    println!(
        "{} {}: {} x {}{} from {} to {}, at most {}/GPU-h, {}h ahead in {}h blocks",
        p.id,
        p.status,
        p.gpus,
        p.model,
        p.region
            .as_ref()
            .map_or(String::new(), |r| format!(" in {r}")),
        t(&p.start),
        t(&p.end),
        usd(&p.price),
        p.lookahead_hours,
        p.block_hours
    );
    println!("bought: {} GPU-hours", p.bought_gpu_hours);
    if let Some(s) = &p.standing {
        println!(
            "held next hour: {} GPUs; short: {} GPU-hours due now, {} in all; worst case still {}",
            s.held_gpus,
            s.due_short_gpu_hours,
            s.short_gpu_hours,
            usd(&s.worst_case)
        );
    }
    let rows: Vec<Vec<String>> = d
        .bids
        .iter()
        .map(|b| {
            vec![
                b.id.clone(),
                b.status.clone(),
                b.gpus.to_string(),
                t(&b.start),
                t(&b.end),
                format!("{} GPU-h", b.filled_gpu_hours),
            ]
        })
        .collect();
    if !rows.is_empty() {
        table(&["bid", "status", "gpus", "start", "end", "filled"], &rows);
    }
}
