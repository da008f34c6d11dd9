//! `mw plan …`: a capacity plan read from a CSV or JSON file, sent as the API's plan
//! body (a dry run, or stored), a stored plan shown or applied, and each answer printed.

use crate::args::PlanCmd;
use crate::client::{Client, Failure};
use crate::input;
use crate::limits::PLAN_FILE_BYTES_MAX;
use crate::output::{Mode, show, t, table, usd};
use megawatt_api as api;

/// `mw plan show|upload|apply|list`.
pub fn plan(c: &Client, mode: Mode, cmd: &PlanCmd) -> Result<(), Failure> {
    match cmd {
        PlanCmd::Show {
            file,
            period,
            limit,
            as_of,
        } => {
            if let Some(id) = stored_id(file) {
                let v: api::StoredPlanView = c.get(&format!("/v1/plans/{id}"))?;
                show(mode, &v, print_stored);
                return Ok(());
            }
            let mut body = read_body(file, period, limit)?;
            if let Some(at) = input::start_arg(as_of)? {
                body.as_of = Some(at);
            }
            let v: api::PlanView = c.post("/v1/positions/plan", &body)?;
            show(mode, &v, print);
        }
        PlanCmd::Upload {
            file,
            period,
            limit,
        } => {
            let body = read_body(file, period, limit)?;
            let upload = api::PlanUploadBody {
                period: body.period,
                rows: body.rows,
                limit: body.limit,
            };
            let v: api::StoredPlanView = c.post("/v1/plans", &upload)?;
            show(mode, &v, |v| {
                println!(
                    "plan {} stored: {} rows by {}; see it with mw plan show {0}, place it with mw plan apply {0}",
                    v.id,
                    v.rows.len(),
                    v.period
                );
            });
        }
        PlanCmd::Apply { plan } => {
            let v: api::PlanAppliedView =
                c.post(&format!("/v1/plans/{plan}/apply"), &api::Empty {})?;
            show(mode, &v, print_applied);
        }
        PlanCmd::List => {
            let v: api::Page<api::StoredPlanView> = c.get("/v1/plans")?;
            show(mode, &v, |p| {
                let rows: Vec<Vec<String>> = p
                    .items
                    .iter()
                    .map(|x| {
                        let applied = x.applied_at.as_deref().map_or("not yet".into(), t);
                        vec![x.id.clone(), x.period.clone(), t(&x.uploaded_at), applied]
                    })
                    .collect();
                table(&["plan", "period", "uploaded", "applied"], &rows);
            });
        }
    }
    Ok(())
}

/// A stored plan's id given in place of a file (`pln-3`), when no such file exists.
fn stored_id(file: &std::path::Path) -> Option<String> {
    let name = file.to_str()?;
    let digits = name.strip_prefix("pln-")?;
    let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    (plain && !file.exists()).then(|| name.to_string())
}

/// The API's plan body from a CSV or JSON file, with `--period` and `--limit` applied.
fn read_body(
    file: &std::path::Path,
    period: &Option<String>,
    limit: &Option<String>,
) -> Result<api::PlanBody, Failure> {
    let meta =
        std::fs::metadata(file).map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
    if meta.len() > PLAN_FILE_BYTES_MAX {
        return Err(Failure::usage(format!(
            "{}: {} bytes; a plan file is at most {PLAN_FILE_BYTES_MAX}",
            file.display(),
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
    let mut body = if text.trim_start().starts_with('{') {
        serde_json::from_str::<api::PlanBody>(&text)
            .map_err(|e| Failure::usage(format!("{}: not a plan: {e}", file.display())))?
    } else {
        let rows =
            csv_rows(&text).map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
        api::PlanBody {
            period: period.clone().unwrap_or_else(|| "month".into()),
            rows,
            limit: None,
            as_of: None,
        }
    };
    if let Some(p) = period {
        body.period = p.clone();
    }
    if limit.is_some() {
        body.limit = limit.clone();
    }
    Ok(body)
}

/// The rows of a CSV plan: a header naming model, start and gpus (in any order), then
/// one row per model and period; a start is a date (`2027-02-01`) or an RFC 3339 hour.
fn csv_rows(text: &str) -> Result<Vec<api::PlanRow>, String> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty: a header model,start,gpus first")?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or(format!(
                "the header has no {name} column (model,start,gpus)"
            ))
    };
    let (m, s, g) = (col("model")?, col("start")?, col("gpus")?);
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let cell = |j: usize| {
            cells.get(j).copied().ok_or(format!(
                "row {}: {} cells, fewer than the header's",
                i + 1,
                cells.len()
            ))
        };
        let start = period_start(cell(s)?).map_err(|e| format!("row {}: {e}", i + 1))?;
        let gpus = cell(g)?.parse().map_err(|_| {
            format!(
                "row {}: gpus {:?} is not a number",
                i + 1,
                cell(g).unwrap_or("")
            )
        })?;
        rows.push(api::PlanRow {
            model: cell(m)?.to_string(),
            start,
            gpus,
        });
    }
    Ok(rows)
}

/// A CSV start as the API takes it: a date (`2027-02-01`) at 00:00 UTC, an RFC 3339
/// hour as written, or relative to this machine's clock: `M+N`, the 1st of the Nth month
/// after the current one (`M+0`: this month), `W+N`, the Monday N weeks on.
fn period_start(cell: &str) -> Result<String, String> {
    use megawatt_engine::units::Hour;
    let rel = |prefix: &str| {
        cell.strip_prefix(prefix)
            .map(|n| {
                n.parse::<u32>()
                    .map_err(|_| format!("start {cell:?}: {prefix}N takes a number"))
            })
            .transpose()
    };
    let now = Hour::containing(input::now_ms());
    if let Some(n) = rel("M+")? {
        let mut h = now.month_start();
        for _ in 0..n.min(crate::limits::PLAN_MONTHS_AHEAD_MAX) {
            h = h.next_month_start();
        }
        return Ok(h.to_string());
    }
    if let Some(n) = rel("W+")? {
        let weeks = n.min(crate::limits::PLAN_MONTHS_AHEAD_MAX * 5);
        return Ok(Hour(now.week_start().0 + weeks * 168).to_string());
    }
    Ok(if cell.len() == 10 {
        format!("{cell}T00:00:00Z")
    } else {
        cell.to_string()
    })
}

fn print(v: &api::PlanView) {
    println!(
        "{}'s plan by {} against what it holds at {}",
        v.participant,
        v.period,
        t(&v.as_of)
    );
    let rows: Vec<Vec<String>> = v
        .periods
        .iter()
        .map(|p| {
            let gap = match (p.shortfall_gpus, p.surplus_gpus) {
                (0, 0) => "covered".to_string(),
                (0, s) => format!("surplus {s}"),
                (s, _) => format!("shortfall {s}"),
            };
            vec![
                p.model.clone(),
                t(&p.start),
                p.demand_gpus.to_string(),
                format!("{}-{}", p.held_min_gpus, p.held_max_gpus),
                p.bidding_gpus.to_string(),
                gap,
            ]
        })
        .collect();
    table(&["model", "from", "needed", "held", "bid", "gap"], &rows);
    let pr = &v.proposal;
    println!("\nproposal (a dry run; nothing is placed):");
    let rows: Vec<Vec<String>> = pr.orders.iter().map(order_cells).collect();
    table(
        &[
            "side", "model", "gpus", "start", "hours", "price", "notional", "from",
        ],
        &rows,
    );
    rfq_drafts(&pr.rfqs);
    println!(
        "bids cost at most {}; asks bring {} if all sold",
        usd(&pr.cost),
        usd(&pr.value)
    );
    for u in &pr.unpriced {
        println!("not priced (no curve; give --limit): {u}");
    }
    for u in &pr.unsold {
        println!("surplus with nothing to sell it from: {u}");
    }
}

/// An order of a proposal as table cells: side, model, GPUs, start, hours, price,
/// notional, where from.
fn order_cells(o: &api::ProposedOrderView) -> Vec<String> {
    let from = match (&o.contract, o.line, &o.pool) {
        (Some(c), Some(l), _) => format!("{c} line {l}"),
        (_, _, Some(p)) => p.clone(),
        _ => "the book".into(),
    };
    vec![
        o.side.clone(),
        o.model.clone(),
        o.gpus.to_string(),
        t(&o.start),
        format!("{}h", o.hours),
        usd(&o.price),
        usd(&o.notional),
        from,
    ]
}

fn rfq_drafts(rfqs: &[api::RfqDraftView]) {
    for r in rfqs {
        println!(
            "RFQ to draft: {} {} GPUs from {} for {}h (mw rfq create)",
            r.gpus,
            r.model,
            t(&r.start),
            r.hours
        );
    }
}

/// The orders a plan's apply placed or refused.
fn applied_table(orders: &[api::PlanOrderView]) {
    let rows: Vec<Vec<String>> = orders
        .iter()
        .map(|o| {
            let mut cells = order_cells(&o.order);
            cells.push(match (&o.placed, &o.status, &o.refused) {
                (Some(id), Some(status), _) => format!("{id} {status}"),
                (_, _, Some(r)) => format!("refused: {} ({}): {}", r.code, r.field, r.detail),
                _ => String::new(),
            });
            cells
        })
        .collect();
    table(
        &[
            "side", "model", "gpus", "start", "hours", "price", "notional", "from", "order",
        ],
        &rows,
    );
}

fn print_applied(v: &api::PlanAppliedView) {
    if v.applied_now {
        println!("plan {} applied at {}:", v.plan, t(&v.applied_at));
    } else {
        println!(
            "plan {} was applied at {}; nothing placed now. Its orders:",
            v.plan,
            t(&v.applied_at)
        );
    }
    applied_table(&v.orders);
    rfq_drafts(&v.rfqs);
}

fn print_stored(v: &api::StoredPlanView) {
    let limit = v
        .limit
        .as_ref()
        .map_or(String::new(), |l| format!(", bids at most {}", usd(l)));
    println!(
        "plan {} of {} by {}{limit}, uploaded {}",
        v.id,
        v.participant,
        v.period,
        t(&v.uploaded_at)
    );
    match (&v.applied_at, &v.proposal) {
        (Some(at), _) => {
            println!("applied {}:", t(at));
            applied_table(&v.orders);
        }
        (None, Some(p)) => {
            println!("not applied yet; mw plan apply {} would place:\n", v.id);
            print(p);
        }
        (None, None) => {}
    }
}
