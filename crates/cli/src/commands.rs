//! What each subcommand does: `serve` runs the exchange; the others build a request,
//! send it, and print the answer as a table (or as JSON with `--json`).

use crate::client::{Client, Failure};
use crate::input::{self, good_till, window};
use crate::output::{self, s, t, usd};
use crate::{
    AdminCmd, AuditArgs, BuyArgs, Cli, Cmd, ContractCmd, FacilityCmd, InvoicesCmd, KeyCmd,
    PageArgs, ParticipantCmd, RfqCmd, SellArgs, ServeArgs, StatementArgs, deals,
};
use serde_json::{Value, json};

/// `mw audit`: prints a summary; exit 1 on any violation.
pub fn audit(args: &AuditArgs) -> Result<(), Failure> {
    let location = args.store.location();
    let r = megawatt_store::audit::audit(&location, args.every).map_err(|e| Failure {
        message: e.0,
        code: 2,
    })?;
    println!(
        "audited {location}: {} commands replayed, {} invariant checks, {} snapshots compared, {} trades, {} contracts, {} live orders",
        r.commands, r.checks, r.snapshots, r.trades, r.contracts, r.live_orders
    );
    for (seq, what) in &r.violations {
        if *seq > 0 {
            println!("violation at seq {seq}: {what}");
        } else {
            println!("violation: {what}");
        }
    }
    if r.violation_count > 0 {
        return Err(Failure {
            message: format!("{} violations", r.violation_count),
            code: 1,
        });
    }
    println!("ok: no violation");
    Ok(())
}

/// `mw serve`: runs until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs) -> Result<(), Failure> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Runtime::new().map_err(|e| Failure {
        message: e.to_string(),
        code: 1,
    })?;
    rt.block_on(async {
        let config = megawatt_server::Config {
            listen: args.listen,
            store: args.store.location(),
            standby: args.standby,
            demo: args.demo,
            rate_limit: args.rate_limit,
            snapshot_every: args.snapshot_every,
            manual_clock: args.manual_clock,
        };
        let running = megawatt_server::start(config).await.map_err(|e| Failure {
            message: e.0,
            code: 1,
        })?;
        print_first_start(&running, &args);
        running
            .run_until(megawatt_server::shutdown_signal())
            .await
            .map_err(|e| Failure {
                message: e.0,
                code: 1,
            })
    })
}

fn print_first_start(running: &megawatt_server::Running, args: &ServeArgs) {
    let url = format!("http://{}", running.addr);
    println!(
        "Megawatt is serving at {url} (store: {})",
        args.store.location()
    );
    let first = &running.first_start;
    if let Some(k) = &first.operator_key {
        println!("\nOperator key (shown once; keep it safe):\n  export MW_URL={url} MW_TOKEN={k}");
    }
    if !first.demo.is_empty() {
        println!("\nDemo participants (keys shown once):");
        for (name, id, key) in &first.demo {
            println!("  {name:<18} {id:<5} MW_TOKEN={key}");
        }
        println!(
            "\nTry:\n  export MW_URL={url} MW_TOKEN=<a buyer's key>\n  mw contract show {}    (the 300 MW lease; Frontier Lab's or Colossus Compute's key)\n  mw book -m h100-sxm\n  mw buy -m h100-sxm -n 64 -s +1d -d 24h -p 2.50",
            first.demo_lease.as_deref().unwrap_or("ctr-1")
        );
    }
}

fn page_query(p: &PageArgs) -> String {
    match &p.before {
        Some(b) => format!("limit={}&before={b}", p.limit),
        None => format!("limit={}", p.limit),
    }
}

/// `mw statement`: the balance, the invoices payable and receivable, and the period's
/// transfers, in one answer.
fn statement(c: &Client, a: &StatementArgs) -> Result<Value, Failure> {
    let who = a
        .participant
        .as_ref()
        .map_or(String::new(), |p| format!("&participant={p}"));
    let mut q = format!("/v1/transfers?{}{who}", page_query(&a.page));
    for (k, v) in [("from", &a.from), ("to", &a.to)] {
        if let Some(v) = v {
            let hour = input::start(v, 0).map_err(Failure::usage)?;
            q.push_str(&format!("&{k}={hour}"));
        }
    }
    Ok(json!({
        "balance": c.get(&format!("/v1/balances?{}", who.trim_start_matches('&')))?,
        "invoices": c.get(&format!("/v1/invoices?limit={}{who}", a.page.limit))?,
        "transfers": c.get(&q)?,
    }))
}

/// `mw invoices export`: the FOCUS CSV of a month, to a file or standard output.
fn export_focus(
    c: &Client,
    month: &str,
    out: Option<&std::path::Path>,
    participant: Option<&str>,
) -> Result<(), Failure> {
    let mut q = format!("/v1/billing/focus?month={month}");
    if let Some(p) = participant {
        q.push_str(&format!("&participant={p}"));
    }
    let csv = c.get_text(&q)?;
    match out {
        None => print!("{csv}"),
        Some(path) => {
            std::fs::write(path, &csv).map_err(|e| Failure {
                message: format!("cannot write {}: {e}", path.display()),
                code: 2,
            })?;
            let rows = csv.lines().count().saturating_sub(1);
            eprintln!("wrote {rows} charges to {}", path.display());
        }
    }
    Ok(())
}

/// Runs a client subcommand.
pub fn client_command(cli: &Cli, cmd: &Cmd) -> Result<(), Failure> {
    let c = Client::new(&cli.url, cli.token.clone());
    let (answer, print): (Value, fn(&Value)) = match cmd {
        Cmd::Serve(_) | Cmd::Audit(_) => unreachable!("handled by main"),
        Cmd::Participant(ParticipantCmd::Create { name, roles }) => (
            c.post("/v1/participants", &json!({ "name": name, "roles": roles }))?,
            print_participant,
        ),
        Cmd::Key(KeyCmd::Create { participant }) => (
            c.post("/v1/keys", &json!({ "participant": participant }))?,
            print_key,
        ),
        Cmd::Facility(FacilityCmd::Create {
            name,
            region,
            power_kw,
            pools,
        }) => {
            let pools = pools
                .iter()
                .map(|p| {
                    let (m, g) = p
                        .split_once('=')
                        .ok_or_else(|| Failure::usage(format!("--pool {p:?}: write MODEL=GPUS")))?;
                    let g: u32 = g.parse().map_err(|_| {
                        Failure::usage(format!("--pool {p:?}: GPUS must be a number"))
                    })?;
                    Ok(json!({ "model": m, "gpus": g }))
                })
                .collect::<Result<Vec<_>, Failure>>()?;
            let body =
                json!({ "name": name, "region": region, "power_kw": power_kw, "pools": pools });
            (c.post("/v1/facilities", &body)?, print_facility)
        }
        Cmd::Facility(FacilityCmd::List) => (c.get("/v1/facilities")?, print_facilities),
        Cmd::Facility(FacilityCmd::Show { id }) => {
            (c.get(&format!("/v1/facilities/{id}"))?, print_facility)
        }
        Cmd::Reserve(a) => {
            let (start, end) = window(&a.window)?;
            let body = json!({ "pool": a.pool, "gpus": a.gpus, "start": start, "end": end });
            (c.post("/v1/reservations", &body)?, print_reservation)
        }
        Cmd::Buy(a) => (c.post("/v1/orders", &buy_body(a)?)?, print_placed),
        Cmd::Sell(a) => (c.post("/v1/orders", &sell_body(a)?)?, print_placed),
        Cmd::Orders(a) => {
            let q = format!(
                "/v1/orders?{}{}",
                page_query(&a.page),
                if a.open { "&open=true" } else { "" }
            );
            (c.get(&q)?, |v| {
                output::page(v, &output::ORDER_HEADERS, output::order_row)
            })
        }
        Cmd::Cancel { id } => {
            c.post(&format!("/v1/orders/{id}/cancel"), &json!({}))?;
            (json!({ "cancelled": id }), |v| {
                println!("cancelled {}", s(v, "cancelled"))
            })
        }
        Cmd::Trades(a) => {
            let mut q = format!("/v1/trades?{}", page_query(&a.page));
            if a.mine {
                q.push_str("&mine=true");
            }
            if let Some(m) = &a.model {
                q.push_str(&format!("&model={m}"));
            }
            (c.get(&q)?, |v| {
                output::page(v, &output::TRADE_HEADERS, output::trade_row)
            })
        }
        Cmd::Book { model } => (c.get(&format!("/v1/book?model={model}"))?, print_book),
        Cmd::Contracts(p) => (c.get(&format!("/v1/contracts?{}", page_query(p)))?, |v| {
            output::page(v, &output::CONTRACT_HEADERS, output::contract_row)
        }),
        Cmd::Contract(ContractCmd::Show { id }) => {
            (c.get(&format!("/v1/contracts/{id}"))?, output::contract)
        }
        Cmd::Contract(ContractCmd::Notice { id }) => (
            c.post(&format!("/v1/contracts/{id}/notice"), &json!({}))?,
            output::contract,
        ),
        Cmd::Contract(ContractCmd::Terminate { id, cause, reason }) => (
            c.post(
                &format!("/v1/contracts/{id}/terminate"),
                &json!({ "cause": cause, "reason": reason }),
            )?,
            output::contract,
        ),
        Cmd::Rfq(RfqCmd::Create(a)) => (c.post("/v1/rfqs", &deals::rfq_body(a)?)?, output::rfq),
        Cmd::Rfq(RfqCmd::List { open }) => {
            let q = if *open {
                "/v1/rfqs?open=true"
            } else {
                "/v1/rfqs"
            };
            (c.get(q)?, |v| {
                output::page(v, &output::RFQ_HEADERS, output::rfq_row)
            })
        }
        Cmd::Rfq(RfqCmd::Show { id }) => {
            let rfq = c.get(&format!("/v1/rfqs/{id}"))?;
            let quotes = c.get(&format!("/v1/rfqs/{id}/quotes"))?;
            (json!({ "rfq": rfq, "quotes": quotes }), |v| {
                output::rfq(&v["rfq"]);
                println!();
                output::quotes(&v["quotes"]);
            })
        }
        Cmd::Rfq(RfqCmd::Cancel { id }) => (
            c.post(&format!("/v1/rfqs/{id}/cancel"), &json!({}))?,
            output::rfq,
        ),
        Cmd::Quote(a) => (
            c.post(
                &format!("/v1/rfqs/{}/quotes", a.rfq),
                &deals::quote_body(a)?,
            )?,
            |v| output::quotes(&json!([v])),
        ),
        Cmd::Accept { id } => (
            c.post(&format!("/v1/quotes/{id}/accept"), &json!({}))?,
            output::contract,
        ),
        Cmd::Balance { participant } => {
            let q = participant.as_ref().map_or(String::new(), |p| format!("?participant={p}"));
            (c.get(&format!("/v1/balances{q}"))?, output::balance)
        }
        Cmd::Statement(a) => (statement(&c, a)?, output::statement),
        Cmd::Invoices { export: Some(InvoicesCmd::Export { month, out, participant }), .. } => {
            return export_focus(&c, month, out.as_deref(), participant.as_deref());
        }
        Cmd::Invoices {
            export: Some(InvoicesCmd::Show { id }),
            ..
        } => (c.get(&format!("/v1/invoices/{id}"))?, output::invoice),
        Cmd::Invoices { page, .. } => (c.get(&format!("/v1/invoices?{}", page_query(page)))?, |v| {
            output::page(v, &output::INVOICE_HEADERS, output::invoice_row)
        }),
        Cmd::Admin(AdminCmd::Tick { hour }) => {
            let hour = input::start(hour, 0).map_err(Failure::usage)?.to_string();
            (c.post("/v1/admin/clock", &json!({ "hour": hour }))?, |v| {
                println!("clock: {} ({} events)", s(v, "hour"), s(v, "events"))
            })
        }
        Cmd::Admin(AdminCmd::Deposit(a)) => (
            c.post("/v1/admin/deposits", &json!({ "participant": a.participant, "amount": a.amount, "reference": a.reference }))?,
            |v| output::page(&json!({ "items": [v] }), &output::TRANSFER_HEADERS, output::transfer_row),
        ),
        Cmd::Admin(AdminCmd::Withdraw(a)) => (
            c.post("/v1/admin/withdrawals", &json!({ "participant": a.participant, "amount": a.amount, "reference": a.reference }))?,
            |v| output::page(&json!({ "items": [v] }), &output::TRANSFER_HEADERS, output::transfer_row),
        ),
        Cmd::Admin(AdminCmd::Fees {
            maker_bps,
            taker_bps,
        }) => (
            c.post(
                "/v1/admin/fees",
                &json!({ "maker_bps": maker_bps, "taker_bps": taker_bps }),
            )?,
            |v| println!("fees: maker {} bps, taker {} bps", s(v, "maker_bps"), s(v, "taker_bps")),
        ),
        Cmd::Admin(AdminCmd::CreditLimit { participant, limit }) => (
            c.post("/v1/admin/credit-limits", &json!({ "participant": participant, "limit": limit }))?,
            output::balance,
        ),
        Cmd::Withdraw { id } => (
            c.post(&format!("/v1/quotes/{id}/withdraw"), &json!({}))?,
            |v| output::quotes(&json!([v])),
        ),
    };
    if cli.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&answer).unwrap_or_default()
        );
    } else {
        print(&answer);
    }
    Ok(())
}

fn buy_body(a: &BuyArgs) -> Result<Value, Failure> {
    let (start, end) = window(&a.window)?;
    let good_till = good_till(&a.good_till)?;
    let tif = if good_till.is_some() {
        "gtd".to_string()
    } else {
        a.tif.clone()
    };
    let mut body = json!({
        "side": "buy", "model": a.model, "gpus": a.gpus, "start": start, "end": end,
        "price": a.price, "time_in_force": tif, "colocate": !a.any_pool, "partial": a.partial,
    });
    if let Some(r) = &a.region {
        body["region"] = json!(r);
    }
    if let Some(f) = &a.facility {
        body["facility"] = json!(f);
    }
    if let Some(g) = good_till {
        body["good_till"] = json!(g);
    }
    Ok(body)
}

fn sell_body(a: &SellArgs) -> Result<Value, Failure> {
    let (start, end) = window(&a.window)?;
    let mut body =
        json!({ "side": "sell", "gpus": a.gpus, "start": start, "end": end, "price": a.price });
    match (&a.pool, &a.contract) {
        (Some(p), _) => body["pool"] = json!(p),
        (None, Some(c)) => {
            body["contract"] = json!(c);
            body["line"] = json!(a.line.unwrap_or(0));
        }
        (None, None) => return Err(Failure::usage("give --pool or --contract")),
    }
    if let Some(m) = a.min_fill {
        body["min_fill_gpus"] = json!(m);
    }
    if let Some(g) = good_till(&a.good_till)? {
        body["time_in_force"] = json!("gtd");
        body["good_till"] = json!(g);
    }
    Ok(body)
}

fn print_participant(v: &Value) {
    println!(
        "created participant {} ({}) roles: {}",
        s(v, "id"),
        s(v, "name"),
        v["roles"]
    );
}

fn print_key(v: &Value) {
    println!(
        "key for {} (shown once):\n  MW_TOKEN={}",
        s(v, "participant"),
        s(v, "key")
    );
}

fn print_reservation(v: &Value) {
    println!(
        "reserved {}: {} GPUs of {} from {} to {}",
        s(v, "id"),
        s(v, "gpus"),
        s(v, "pool"),
        t(v, "start"),
        t(v, "end")
    );
}

fn print_facility(f: &Value) {
    println!(
        "{} {} ({}), owner {}, {} kW",
        s(f, "id"),
        s(f, "name"),
        s(f, "region"),
        s(f, "owner"),
        s(f, "power_kw")
    );
    let rows: Vec<Vec<String>> = f["pools"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    vec![
                        s(p, "id"),
                        s(p, "model"),
                        s(p, "gpus"),
                        s(p, "peak_used_gpus_30d"),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    output::table(&["pool", "model", "gpus", "peak used (30d)"], &rows);
}

fn print_facilities(v: &Value) {
    let rows: Vec<Vec<String>> = v
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    let pools: Vec<String> = f["pools"]
                        .as_array()
                        .map(|ps| {
                            ps.iter()
                                .map(|p| {
                                    format!("{} {}={}", s(p, "id"), s(p, "model"), s(p, "gpus"))
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    vec![
                        s(f, "id"),
                        s(f, "name"),
                        s(f, "region"),
                        s(f, "owner"),
                        s(f, "power_kw"),
                        pools.join(", "),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    output::table(
        &["id", "name", "region", "owner", "power kw", "pools"],
        &rows,
    );
}

fn print_placed(v: &Value) {
    let o = &v["order"];
    println!(
        "{} {} {} GPUs {} -> {} at {}: {}",
        s(o, "id"),
        s(o, "side"),
        s(o, "gpus"),
        t(o, "start"),
        t(o, "end"),
        usd(o, "price_usd"),
        s(o, "status")
    );
    let trades: Vec<Vec<String>> = v["trades"]
        .as_array()
        .map(|a| a.iter().map(output::trade_row).collect())
        .unwrap_or_default();
    if !trades.is_empty() {
        output::table(&output::TRADE_HEADERS, &trades);
    }
}

fn print_book(v: &Value) {
    let level = |l: &Value| {
        vec![
            usd(l, "price_usd"),
            s(l, "gpus"),
            t(l, "start"),
            t(l, "end"),
            s(l, "orders"),
        ]
    };
    println!("{} asks (cheapest first)", s(v, "model"));
    let asks: Vec<Vec<String>> = v["asks"]
        .as_array()
        .map(|a| a.iter().map(level).collect())
        .unwrap_or_default();
    output::table(&["price/h", "gpus", "start", "end", "orders"], &asks);
    println!("\n{} bids (highest first)", s(v, "model"));
    let bids: Vec<Vec<String>> = v["bids"]
        .as_array()
        .map(|a| a.iter().map(level).collect())
        .unwrap_or_default();
    output::table(&["price/h", "gpus", "start", "end", "orders"], &bids);
}
