//! What each subcommand does: `serve` runs the exchange, `audit` checks a store; the
//! others build a request body of `megawatt-api`, send it, read the answer as its API
//! type and print it as a table (or as JSON with `--json`).

use crate::args::{
    AdminCmd, AuditArgs, Cli, Cmd, ContractCmd, FacilityCmd, InvoicesCmd, KeyCmd, PageArgs,
    ParticipantCmd, RfqCmd, ServeArgs, StatementArgs,
};
use crate::bodies;
use crate::client::{Client, Failure, query};
use crate::input::{self, window};
use crate::output::{self, show};
use megawatt_api as api;

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

/// The paging pairs of a list's query.
fn paging(p: &PageArgs) -> [(&'static str, Option<String>); 2] {
    [
        ("limit", Some(p.limit.to_string())),
        ("before", p.before.clone()),
    ]
}

/// `mw statement`: the balance, the invoices payable and receivable, and the period's
/// transfers, in one answer.
fn statement(c: &Client, a: &StatementArgs) -> Result<output::Statement, Failure> {
    let who = ("participant", a.participant.clone());
    let hour = |v: &Option<String>| {
        v.as_deref()
            .map(|v| input::start(v, 0).map(|h| h.to_string()))
            .transpose()
            .map_err(Failure::usage)
    };
    let [limit, before] = paging(&a.page);
    let transfers = query(
        "/v1/transfers",
        &[
            limit.clone(),
            before,
            who.clone(),
            ("from", hour(&a.from)?),
            ("to", hour(&a.to)?),
        ],
    );
    Ok(output::Statement {
        balance: c.get(&query("/v1/balances", std::slice::from_ref(&who)))?,
        invoices: c.get(&query("/v1/invoices", &[limit, who]))?,
        transfers: c.get(&transfers)?,
    })
}

/// `mw invoices export`: the FOCUS CSV of a month, to a file or standard output.
fn export_focus(
    c: &Client,
    month: &str,
    out: Option<&std::path::Path>,
    participant: Option<&str>,
) -> Result<(), Failure> {
    let q = query(
        "/v1/billing/focus",
        &[
            ("month", Some(month.to_string())),
            ("participant", participant.map(str::to_string)),
        ],
    );
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
    let json = cli.json;
    match cmd {
        Cmd::Serve(_) | Cmd::Audit(_) => unreachable!("handled by main"),
        Cmd::Participant(x) => participants(&c, json, x),
        Cmd::Key(KeyCmd::Create { participant }) => {
            let body = api::CreateKey {
                participant: participant.clone(),
            };
            show(
                json,
                &c.post::<_, api::KeyView>("/v1/keys", &body)?,
                output::key,
            );
            Ok(())
        }
        Cmd::Facility(x) => facilities(&c, json, x),
        Cmd::Contract(x) => contracts(&c, json, x),
        Cmd::Rfq(x) => rfqs(&c, json, x),
        Cmd::Invoices { export, page } => invoices(&c, json, export.as_ref(), page),
        Cmd::Admin(x) => admin(&c, json, x),
        other => market(&c, json, other),
    }
}

/// `mw participant …`.
fn participants(c: &Client, json: bool, cmd: &ParticipantCmd) -> Result<(), Failure> {
    let ParticipantCmd::Create { name, roles } = cmd;
    let body = api::CreateParticipant {
        name: name.clone(),
        roles: bodies::names(roles, "--role")?,
    };
    let p: api::ParticipantView = c.post("/v1/participants", &body)?;
    show(json, &p, output::participant);
    Ok(())
}

/// `mw facility …`.
fn facilities(c: &Client, json: bool, cmd: &FacilityCmd) -> Result<(), Failure> {
    match cmd {
        FacilityCmd::Create {
            name,
            region,
            power_kw,
            pools,
        } => {
            let body = api::CreateFacility {
                name: name.clone(),
                region: region.clone(),
                power_kw: *power_kw,
                pools: bodies::pools(pools)?,
            };
            show(json, &c.post("/v1/facilities", &body)?, output::facility);
        }
        FacilityCmd::List => {
            let list: Vec<api::FacilityView> = c.get("/v1/facilities")?;
            show(json, &list, |l| output::facilities(l));
        }
        FacilityCmd::Show { id } => show(
            json,
            &c.get(&format!("/v1/facilities/{id}"))?,
            output::facility,
        ),
    }
    Ok(())
}

/// The market's commands: reserve, buy, sell, orders, cancel, trades, book, and the
/// deal and money commands that are not groups.
fn market(c: &Client, json: bool, cmd: &Cmd) -> Result<(), Failure> {
    match cmd {
        Cmd::Reserve(a) => {
            let (start, end) = window(&a.window)?;
            let body = api::CreateReservation {
                pool: a.pool.clone(),
                gpus: a.gpus,
                start,
                end: Some(end),
                hours: None,
            };
            show(
                json,
                &c.post("/v1/reservations", &body)?,
                output::reservation,
            );
        }
        Cmd::Buy(a) => show(
            json,
            &c.post("/v1/orders", &bodies::buy(a)?)?,
            output::placed,
        ),
        Cmd::Sell(a) => show(
            json,
            &c.post("/v1/orders", &bodies::sell(a)?)?,
            output::placed,
        ),
        Cmd::Orders(a) => {
            let [limit, before] = paging(&a.page);
            let open = ("open", a.open.then(|| "true".to_string()));
            let orders: api::Page<api::OrderView> =
                c.get(&query("/v1/orders", &[limit, before, open]))?;
            show(json, &orders, |p| {
                output::page(p, &output::ORDER_HEADERS, output::order_row)
            });
        }
        Cmd::Cancel { id } => {
            c.post_only(&format!("/v1/orders/{id}/cancel"), &api::Empty {})?;
            let order: api::OrderView = c.get(&format!("/v1/orders/{id}"))?;
            show(json, &order, output::cancelled);
        }
        Cmd::Trades(a) => {
            let [limit, before] = paging(&a.page);
            let mine = ("mine", a.mine.then(|| "true".to_string()));
            let q = query(
                "/v1/trades",
                &[limit, before, mine, ("model", a.model.clone())],
            );
            let trades: api::Page<api::TradeView> = c.get(&q)?;
            show(json, &trades, |p| {
                output::page(p, &output::TRADE_HEADERS, output::trade_row)
            });
        }
        Cmd::Book { model } => {
            let q = query("/v1/book", &[("model", Some(model.clone()))]);
            show(json, &c.get(&q)?, output::book);
        }
        Cmd::Contracts(p) => {
            let contracts: api::Page<api::ContractView> =
                c.get(&query("/v1/contracts", &paging(p)))?;
            show(json, &contracts, |p| {
                output::page(p, &output::CONTRACT_HEADERS, output::contract_row)
            });
        }
        _ => return deals(c, json, cmd),
    }
    Ok(())
}

/// Quotes, acceptance and money of one's own: quote, accept, withdraw, balance,
/// statement.
fn deals(c: &Client, json: bool, cmd: &Cmd) -> Result<(), Failure> {
    match cmd {
        Cmd::Quote(a) => {
            let path = format!("/v1/rfqs/{}/quotes", a.rfq);
            show(json, &c.post(&path, &bodies::quote(a)?)?, output::quote);
        }
        Cmd::Accept { id } => {
            let path = format!("/v1/quotes/{id}/accept");
            show(json, &c.post(&path, &api::Empty {})?, output::contract);
        }
        Cmd::Withdraw { id } => {
            let path = format!("/v1/quotes/{id}/withdraw");
            show(json, &c.post(&path, &api::Empty {})?, output::quote);
        }
        Cmd::Balance { participant } => {
            let q = query("/v1/balances", &[("participant", participant.clone())]);
            show(json, &c.get(&q)?, output::balance);
        }
        Cmd::Statement(a) => show(json, &statement(c, a)?, output::statement),
        _ => unreachable!("every command has its group"),
    }
    Ok(())
}

/// `mw contract …`.
fn contracts(c: &Client, json: bool, cmd: &ContractCmd) -> Result<(), Failure> {
    let contract: api::ContractView = match cmd {
        ContractCmd::Show { id } => c.get(&format!("/v1/contracts/{id}"))?,
        ContractCmd::Notice { id } => {
            c.post(&format!("/v1/contracts/{id}/notice"), &api::GiveNotice {})?
        }
        ContractCmd::Terminate { id, cause, reason } => {
            let body = api::Terminate {
                cause: bodies::name(cause, "--cause")?,
                reason: reason.clone(),
            };
            c.post(&format!("/v1/contracts/{id}/terminate"), &body)?
        }
    };
    show(json, &contract, output::contract);
    Ok(())
}

/// `mw rfq …`.
fn rfqs(c: &Client, json: bool, cmd: &RfqCmd) -> Result<(), Failure> {
    match cmd {
        RfqCmd::Create(a) => show(json, &c.post("/v1/rfqs", &bodies::rfq(a)?)?, output::rfq),
        RfqCmd::List { open } => {
            let q = query("/v1/rfqs", &[("open", open.then(|| "true".to_string()))]);
            let rfqs: api::Page<api::RfqView> = c.get(&q)?;
            show(json, &rfqs, |p| {
                output::page(p, &output::RFQ_HEADERS, output::rfq_row)
            });
        }
        RfqCmd::Show { id } => {
            let both = output::RfqAndQuotes {
                rfq: c.get(&format!("/v1/rfqs/{id}"))?,
                quotes: c.get(&format!("/v1/rfqs/{id}/quotes"))?,
            };
            show(json, &both, output::rfq_and_quotes);
        }
        RfqCmd::Cancel { id } => show(
            json,
            &c.post(&format!("/v1/rfqs/{id}/cancel"), &api::Empty {})?,
            output::rfq,
        ),
    }
    Ok(())
}

/// `mw invoices [show|export]`.
fn invoices(
    c: &Client,
    json: bool,
    cmd: Option<&InvoicesCmd>,
    page: &PageArgs,
) -> Result<(), Failure> {
    match cmd {
        Some(InvoicesCmd::Export {
            month,
            out,
            participant,
        }) => return export_focus(c, month, out.as_deref(), participant.as_deref()),
        Some(InvoicesCmd::Show { id }) => {
            show(
                json,
                &c.get(&format!("/v1/invoices/{id}"))?,
                output::invoice,
            );
        }
        None => {
            let invoices: api::Page<api::InvoiceView> =
                c.get(&query("/v1/invoices", &paging(page)))?;
            show(json, &invoices, |p| {
                output::page(p, &output::INVOICE_HEADERS, output::invoice_row)
            });
        }
    }
    Ok(())
}

/// `mw admin …` (operator).
fn admin(c: &Client, json: bool, cmd: &AdminCmd) -> Result<(), Failure> {
    match cmd {
        AdminCmd::Tick { hour } => {
            let hour = input::start(hour, 0).map_err(Failure::usage)?.to_string();
            let clock: api::ClockView = c.post("/v1/admin/clock", &api::ClockBody { hour })?;
            show(json, &clock, |v| {
                println!("clock: {} ({} events)", v.hour, v.events)
            });
        }
        AdminCmd::Deposit(a) | AdminCmd::Withdraw(a) => {
            let path = match cmd {
                AdminCmd::Deposit(_) => "/v1/admin/deposits",
                _ => "/v1/admin/withdrawals",
            };
            let body = api::MoveMoney {
                participant: a.participant.clone(),
                amount: Some(a.amount.clone()),
                amount_micros: None,
                reference: a.reference.clone(),
            };
            show(json, &c.post(path, &body)?, output::transfer);
        }
        AdminCmd::Fees {
            maker_bps,
            taker_bps,
        } => {
            let body = api::FeesView {
                maker_bps: *maker_bps,
                taker_bps: *taker_bps,
            };
            let fees: api::FeesView = c.post("/v1/admin/fees", &body)?;
            show(json, &fees, |v| {
                println!("fees: maker {} bps, taker {} bps", v.maker_bps, v.taker_bps)
            });
        }
        AdminCmd::CreditLimit { participant, limit } => {
            let body = api::SetCreditLimit {
                participant: participant.clone(),
                limit: Some(limit.clone()),
                limit_micros: None,
            };
            show(
                json,
                &c.post("/v1/admin/credit-limits", &body)?,
                output::balance,
            );
        }
    }
    Ok(())
}
