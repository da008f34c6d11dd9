//! `mw usage …`: push usage reports from a CSV or JSON-lines file, in batches the
//! exchange takes all or nothing, and show a contract's reports.

use crate::args::UsageCmd;
use crate::client::{Client, Failure, query};
use crate::limits::USAGE_BATCH_RECORDS;
use crate::output::{self, Mode, show};
use megawatt_api as api;
use std::io::BufRead;

/// Runs `mw usage …`.
pub fn usage(c: &Client, mode: Mode, cmd: &UsageCmd) -> Result<(), Failure> {
    match cmd {
        UsageCmd::Push { file, jsonl } => push(c, mode, file, *jsonl),
        UsageCmd::Show { contract, from, to } => {
            let path = query(
                &format!("/v1/contracts/{contract}/usage"),
                &[("from", from.clone()), ("to", to.clone())],
            );
            let u: api::ContractUsage = c.get(&path)?;
            show(mode, &u, output::contract_usage);
            Ok(())
        }
    }
}

/// Runs `mw admin month-close`: when months close, or (with a grace) sets it.
pub fn month_close(c: &Client, mode: Mode, grace_hours: Option<u16>) -> Result<(), Failure> {
    let v: api::MonthCloseView = match grace_hours {
        Some(grace_hours) => c.post(
            "/v1/admin/month-close",
            &api::MonthCloseBody { grace_hours },
        )?,
        None => c.get("/v1/month-close")?,
    };
    show(mode, &v, output::month_close);
    Ok(())
}

/// Runs `mw utilization`.
pub fn utilization(
    c: &Client,
    mode: Mode,
    a: &crate::args::UtilizationArgs,
) -> Result<(), Failure> {
    // The operator sees everyone's unless it names a participant: `as` then says which
    // side of that participant's contracts.
    let side = (a.participant.is_some() || a.side != "buyer").then(|| a.side.clone());
    let path = query(
        "/v1/utilization",
        &[
            ("as", side),
            ("by", Some(a.by.clone())),
            ("from", crate::input::start_arg(&a.from)?),
            ("to", crate::input::start_arg(&a.to)?),
            ("contract", a.contract.clone()),
            ("facility", a.facility.clone()),
            ("pool", a.pool.clone()),
            ("participant", a.participant.clone()),
        ],
    );
    let u: api::UtilizationView = c.get(&path)?;
    show(mode, &u, output::utilization);
    Ok(())
}

/// One record of a CSV file, from its header's columns.
fn csv_record(columns: &[String], line: &str, at: usize) -> Result<api::UsageRecordBody, Failure> {
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    if cells.len() != columns.len() {
        return Err(Failure::usage(format!(
            "line {at}: {} cells under a header of {}",
            cells.len(),
            columns.len()
        )));
    }
    let cell = |name: &str| {
        columns
            .iter()
            .position(|c| c == name)
            .map(|i| cells[i])
            .filter(|v| !v.is_empty())
    };
    let number = |name: &str| -> Result<Option<u64>, Failure> {
        cell(name)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    Failure::usage(format!("line {at}: {name} {v:?} is not a whole number"))
                })
            })
            .transpose()
    };
    let need = |name: &str| {
        cell(name).ok_or_else(|| Failure::usage(format!("line {at}: {name} is empty")))
    };
    let small = |name: &str, v: Option<u64>| -> Result<Option<u32>, Failure> {
        v.map(|n| {
            u32::try_from(n)
                .map_err(|_| Failure::usage(format!("line {at}: {name} {n} is too large")))
        })
        .transpose()
    };
    Ok(api::UsageRecordBody {
        contract: need("contract")?.to_string(),
        line: number("line")?
            .map(|l| {
                u16::try_from(l)
                    .map_err(|_| Failure::usage(format!("line {at}: line {l} is too large")))
            })
            .transpose()?
            .unwrap_or(0),
        hour: need("hour")?.to_string(),
        gpus: small("gpus", number("gpus")?)?
            .ok_or_else(|| Failure::usage(format!("line {at}: gpus is empty")))?,
        energy_wh: number("energy_wh")?,
    })
}

/// The records of a file with the file line each came from.
fn read(file: &str, jsonl: bool) -> Result<Vec<(usize, api::UsageRecordBody)>, Failure> {
    let reader: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| Failure::usage(format!("cannot read {file}: {e}")))?;
        Box::new(std::io::BufReader::new(f))
    };
    let jsonl = jsonl || file.ends_with(".jsonl") || file.ends_with(".ndjson");
    let mut columns: Option<Vec<String>> = None;
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let at = i + 1;
        let line = line.map_err(|e| Failure::usage(format!("{file}: line {at}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        if jsonl {
            let r = serde_json::from_str(&line)
                .map_err(|e| Failure::usage(format!("{file}: line {at}: {e}")))?;
            out.push((at, r));
            continue;
        }
        match &columns {
            None => {
                let names: Vec<String> = line.split(',').map(|c| c.trim().to_string()).collect();
                for need in ["contract", "hour", "gpus"] {
                    if !names.iter().any(|n| n == need) {
                        return Err(Failure::usage(format!(
                            "{file}: the header (line {at}) has no {need} column; it names contract, line, hour, gpus, energy_wh"
                        )));
                    }
                }
                columns = Some(names);
            }
            Some(cols) => out.push((at, csv_record(cols, &line, at)?)),
        }
    }
    Ok(out)
}

/// Sends the file's records in batches; stops at the first refused batch.
fn push(c: &Client, mode: Mode, file: &str, jsonl: bool) -> Result<(), Failure> {
    let records = read(file, jsonl)?;
    if records.is_empty() {
        return Err(Failure::usage(format!("{file} has no records")));
    }
    let mut total = api::UsageAccepted {
        records: 0,
        delivered: 0,
        used: 0,
    };
    for (n, batch) in records.chunks(USAGE_BATCH_RECORDS).enumerate() {
        let body = api::UsageReport {
            records: batch.iter().map(|(_, r)| r.clone()).collect(),
        };
        let answer: Result<api::UsageAccepted, Failure> = c.post("/v1/usage", &body);
        let a = answer.map_err(|mut f| {
            let lines = (batch[0].0, batch[batch.len() - 1].0);
            let at = f
                .problem
                .as_ref()
                .and_then(|p| p.field.as_deref())
                .and_then(|field| field.split_once('['))
                .filter(|(list, _)| *list == "records")
                .and_then(|(_, rest)| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| batch.get(i))
                .map(|(line, _)| format!(" (the record at fault is {file} line {line})"))
                .unwrap_or_default();
            f.message = format!(
                "{}{at}; batch {} (lines {} to {}) was refused whole, the {} records before it were accepted",
                f.message,
                n + 1,
                lines.0,
                lines.1,
                total.records
            );
            f
        })?;
        total.records += a.records;
        total.delivered += a.delivered;
        total.used += a.used;
    }
    show(mode, &total, |t| {
        println!(
            "accepted {} records ({} delivered, {} used)",
            t.records, t.delivered, t.used
        )
    });
    Ok(())
}
