//! What each client subcommand does: build a request body of `megawatt-api`, send it,
//! read the answer as its API type and print it as a table (or as JSON with `--json`).
//! (`serve` and `audit` are in `serve.rs`.)

use crate::args::{
    Cli, Cmd, ContractCmd, FacilityCmd, InvoicesCmd, OrderCmd, PageArgs, ParticipantCmd, RfqCmd,
    StatementArgs,
};
use crate::bodies;
use crate::client::{Client, Failure, paging, query};
use crate::input::{self, window};
use crate::output::{self, Mode, show};
use megawatt_api as api;
use std::io::IsTerminal;

/// `mw statement`: the balance, the invoices payable and receivable, and the period's
/// transfers, in one answer.
fn statement(c: &Client, a: &StatementArgs) -> Result<output::Statement, Failure> {
    let who = ("participant", a.participant.clone());
    let [limit, _] = paging(&a.page);
    Ok(output::Statement {
        balance: c.get(&query("/v1/balances", std::slice::from_ref(&who)))?,
        invoices: c.get(&query("/v1/invoices", &[limit, who]))?,
        transfers: transfers(c, a)?,
    })
}

/// A page of transfers, of a period and a participant (`mw transfers`, `mw statement`).
fn transfers(c: &Client, a: &StatementArgs) -> Result<api::Page<api::TransferView>, Failure> {
    let hour = input::start_arg;
    let [limit, before] = paging(&a.page);
    let q = query(
        "/v1/transfers",
        &[
            limit,
            before,
            ("participant", a.participant.clone()),
            ("from", hour(&a.from)?),
            ("to", hour(&a.to)?),
        ],
    );
    c.get(&q)
}

/// `mw invoices export`: the FOCUS CSV of a month, to a file or standard output.
fn export_focus(
    c: &Client,
    month: Option<&str>,
    out: Option<&std::path::Path>,
    participant: Option<&str>,
) -> Result<(), Failure> {
    let q = query(
        "/v1/billing/focus",
        &[
            ("month", month.map(str::to_string)),
            ("participant", participant.map(str::to_string)),
        ],
    );
    let csv = c.get_text(&q)?;
    match out {
        None => print!("{csv}"),
        Some(path) => {
            std::fs::write(path, &csv)
                .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
            let rows = csv.lines().count().saturating_sub(1);
            eprintln!("wrote {rows} charges to {}", path.display());
        }
    }
    Ok(())
}

/// Runs a client subcommand.
pub fn client_command(cli: &Cli, cmd: &Cmd) -> Result<(), Failure> {
    let (url, token) = crate::profile::resolve(
        cli.url.as_deref(),
        cli.token.as_deref(),
        cli.profile.as_deref(),
    )?;
    let c = Client::new(&url, token);
    let c = if cli.dry_run { c.trying() } else { c };
    let mode = match (cli.json, cli.quiet) {
        (true, _) => Mode::Json,
        (_, true) => Mode::Quiet,
        _ => Mode::Table,
    };
    if mode == Mode::Table && !matches!(cmd, Cmd::Events { .. } | Cmd::Participants { .. }) {
        // Names beside ids; an answer is still printed if the directory cannot be read.
        if let Ok(directory) = c.get::<api::Page<api::ParticipantView>>("/v1/participants") {
            output::know(&directory.items);
        }
    }
    let ask = Ask {
        on: !cli.yes && !cli.dry_run && std::io::stdin().is_terminal(),
        yes: cli.yes,
    };
    let done = match cmd {
        Cmd::Serve(_)
        | Cmd::Audit(_)
        | Cmd::Completions { .. }
        | Cmd::Login { .. }
        | Cmd::Logout => {
            unreachable!("handled by main")
        }
        Cmd::Participant(x) => participants(&c, mode, x),
        Cmd::Key(x) => crate::keys::keys(&c, mode, x),
        Cmd::Facility(x) => facilities(&c, mode, x),
        Cmd::Contract(x) => contracts(&c, mode, ask, x),
        Cmd::Rfq(x) => rfqs(&c, mode, x),
        Cmd::Procure(x) => crate::procure::procure(&c, mode, x),
        Cmd::ExitCost {
            contract,
            party,
            at,
        } => crate::positions::exit_cost(&c, mode, (contract, party, at)),
        Cmd::Positions { .. } | Cmd::Exposure { .. } => crate::positions::position(&c, mode, cmd),
        Cmd::Plan(x) => crate::plans::plan(&c, mode, x),
        Cmd::Invoices { export, page } => invoices(&c, mode, export.as_ref(), page),
        Cmd::Admin(x) => crate::admin::admin(&c, mode, x),
        Cmd::Webhook(x) => crate::hooks::webhooks(&c, mode, x),
        Cmd::Usage(x) => crate::usage::usage(&c, mode, x),
        Cmd::Utilization(a) => crate::usage::utilization(&c, mode, a),
        Cmd::Trades(_)
        | Cmd::Book { .. }
        | Cmd::Candles { .. }
        | Cmd::Depth { .. }
        | Cmd::Index { .. }
        | Cmd::Search(_)
        | Cmd::Curve { .. } => crate::prices::market_data(&c, mode, cmd),
        other => market(&c, mode, ask, other),
    };
    if done.is_ok() && cli.dry_run && mode == Mode::Table {
        // The exchange said so in its answer (`Dry-Run: true`), or the call failed.
        println!("(dry run: this is what would happen; nothing was done)");
    }
    done
}

/// `mw participant …`.
fn participants(c: &Client, mode: Mode, cmd: &ParticipantCmd) -> Result<(), Failure> {
    let ParticipantCmd::Create { name, roles } = cmd;
    let body = api::CreateParticipant {
        name: name.clone(),
        roles: bodies::names(roles, "--role")?,
    };
    let p: api::ParticipantView = c.post("/v1/participants", &body)?;
    show(mode, &p, output::participant);
    Ok(())
}

/// `mw facility …`.
fn facilities(c: &Client, mode: Mode, cmd: &FacilityCmd) -> Result<(), Failure> {
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
            show(mode, &c.post("/v1/facilities", &body)?, output::facility);
        }
        FacilityCmd::List { after } => {
            let list: api::Page<api::FacilityView> =
                c.get(&query("/v1/facilities", &[("after", after.clone())]))?;
            show(mode, &list, |l| {
                output::facilities(&l.items);
                output::more_after(&l.next);
            });
        }
        FacilityCmd::Show { id } => show(
            mode,
            &c.get(&format!("/v1/facilities/{id}"))?,
            output::facility,
        ),
    }
    Ok(())
}

/// The market's commands: reserve, buy, sell, orders, cancel, trades, book, and the
/// deal and money commands that are not groups.
fn market(c: &Client, mode: Mode, ask: Ask, cmd: &Cmd) -> Result<(), Failure> {
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
                mode,
                &c.post("/v1/reservations", &body)?,
                output::reservation,
            );
        }
        Cmd::Buy(a) => {
            let body = match a.price {
                Some(_) => ask.before_buy(c, bodies::buy(a)?)?,
                None => quote_first(c, ask, bodies::buy(a)?)?,
            };
            show(mode, &c.post("/v1/orders", &body)?, output::placed);
        }
        Cmd::Sell(a) => show(
            mode,
            &c.post("/v1/orders", &bodies::sell(a)?)?,
            output::placed,
        ),
        Cmd::Orders(a) => {
            let [limit, before] = paging(&a.page);
            let open = ("open", a.open.then(|| "true".to_string()));
            let orders: api::Page<api::OrderView> =
                c.get(&query("/v1/orders", &[limit, before, open]))?;
            show(mode, &orders, |p| {
                output::page(p, &output::ORDER_HEADERS, output::order_row)
            });
        }
        Cmd::Cancel { id } if c.dry_run() => {
            c.post_only(&format!("/v1/orders/{id}/cancel"), &api::Empty {})?;
            if mode == Mode::Table {
                println!("would cancel {id}");
            }
        }
        Cmd::Cancel { id } => {
            c.post_only(&format!("/v1/orders/{id}/cancel"), &api::Empty {})?;
            let order: api::OrderView = c.get(&format!("/v1/orders/{id}"))?;
            show(mode, &order, output::cancelled);
        }
        Cmd::Contracts(p) => {
            let contracts: api::Page<api::ContractView> =
                c.get(&query("/v1/contracts", &paging(p)))?;
            show(mode, &contracts, |p| {
                output::page(p, &output::CONTRACT_HEADERS, output::contract_row)
            });
        }
        _ => return deals(c, mode, cmd),
    }
    Ok(())
}

/// Quotes, acceptance and money of one's own: quote, accept, withdraw, balance,
/// statement.
fn deals(c: &Client, mode: Mode, cmd: &Cmd) -> Result<(), Failure> {
    match cmd {
        Cmd::Quote(a) => {
            let path = format!("/v1/rfqs/{}/quotes", a.rfq);
            show(mode, &c.post(&path, &bodies::quote(a)?)?, output::quote);
        }
        Cmd::Accept { id } => {
            let path = format!("/v1/quotes/{id}/accept");
            show(mode, &c.post(&path, &api::Empty {})?, output::contract);
        }
        Cmd::Withdraw { id } => {
            let path = format!("/v1/quotes/{id}/withdraw");
            show(mode, &c.post(&path, &api::Empty {})?, output::quote);
        }
        Cmd::Balance { participant } => {
            let q = query("/v1/balances", &[("participant", participant.clone())]);
            show(mode, &c.get(&q)?, output::balance);
        }
        Cmd::Statement(a) => show(mode, &statement(c, a)?, output::statement),
        _ => return catalog(c, mode, cmd),
    }
    Ok(())
}

/// `mw contract …`.
fn contracts(c: &Client, mode: Mode, ask: Ask, cmd: &ContractCmd) -> Result<(), Failure> {
    let contract: api::ContractView = match cmd {
        ContractCmd::Show { id } => c.get(&format!("/v1/contracts/{id}"))?,
        ContractCmd::Notice { id } => {
            let path = format!("/v1/contracts/{id}/notice");
            ask.before_ending(c, &path, &api::GiveNotice {}, "Notice on")?;
            c.post(&path, &api::GiveNotice {})?
        }
        ContractCmd::Terminate { id, cause, reason } => {
            let body = api::Terminate {
                cause: bodies::name(cause, "--cause")?,
                reason: reason.clone(),
            };
            let path = format!("/v1/contracts/{id}/terminate");
            ask.before_ending(c, &path, &body, "Terminating")?;
            c.post(&path, &body)?
        }
    };
    show(mode, &contract, output::contract);
    Ok(())
}

/// `mw rfq …`.
fn rfqs(c: &Client, mode: Mode, cmd: &RfqCmd) -> Result<(), Failure> {
    match cmd {
        RfqCmd::Create(a) => show(mode, &c.post("/v1/rfqs", &bodies::rfq(a)?)?, output::rfq),
        RfqCmd::List { open } => {
            let q = query("/v1/rfqs", &[("open", open.then(|| "true".to_string()))]);
            let rfqs: api::Page<api::RfqView> = c.get(&q)?;
            show(mode, &rfqs, |p| {
                output::page(p, &output::RFQ_HEADERS, output::rfq_row)
            });
        }
        RfqCmd::Show { id } => {
            let both = output::RfqAndQuotes {
                rfq: c.get(&format!("/v1/rfqs/{id}"))?,
                quotes: c
                    .get::<api::Page<api::QuoteView>>(&format!("/v1/rfqs/{id}/quotes"))?
                    .items,
            };
            show(mode, &both, output::rfq_and_quotes);
        }
        RfqCmd::Cancel { id } => show(
            mode,
            &c.post(&format!("/v1/rfqs/{id}/cancel"), &api::Empty {})?,
            output::rfq,
        ),
    }
    Ok(())
}

/// `mw invoices [show|export]`.
fn invoices(
    c: &Client,
    mode: Mode,
    cmd: Option<&InvoicesCmd>,
    page: &PageArgs,
) -> Result<(), Failure> {
    match cmd {
        Some(InvoicesCmd::Export {
            month,
            out,
            participant,
        }) => {
            let month = month.as_deref();
            return export_focus(c, month, out.as_deref(), participant.as_deref());
        }
        Some(InvoicesCmd::Show { id }) => {
            show(
                mode,
                &c.get(&format!("/v1/invoices/{id}"))?,
                output::invoice,
            );
        }
        None => {
            let invoices: api::Page<api::InvoiceView> =
                c.get(&query("/v1/invoices", &paging(page)))?;
            show(mode, &invoices, |p| {
                output::page(p, &output::INVOICE_HEADERS, output::invoice_row)
            });
        }
    }
    Ok(())
}

/// The catalog and the caller: models, whoami, one order, reduce, reservations, release,
/// the live events.
fn catalog(c: &Client, mode: Mode, cmd: &Cmd) -> Result<(), Failure> {
    match cmd {
        Cmd::Participants { after } => {
            let q = query("/v1/participants", &[("after", after.clone())]);
            let dir: api::Page<api::ParticipantView> = c.get(&q)?;
            show(mode, &dir, |d| {
                output::participants(&d.items);
                output::more_after(&d.next);
            });
        }
        Cmd::Fees => show(mode, &c.get::<api::FeesView>("/v1/fees")?, |v| {
            println!("fees: maker {} bps, taker {} bps", v.maker_bps, v.taker_bps)
        }),
        Cmd::Transfers(a) => {
            let page = transfers(c, a)?;
            show(mode, &page, |p| {
                output::page(p, &output::TRANSFER_HEADERS, output::transfer_row)
            });
        }
        Cmd::Models => {
            let models: api::Page<api::ModelView> = c.get("/v1/models")?;
            show(mode, &models, |m| output::models(&m.items));
        }
        Cmd::Whoami => show(mode, &c.get("/v1/me")?, output::me),
        Cmd::Order(OrderCmd::Show { id }) => {
            show(mode, &c.get(&format!("/v1/orders/{id}"))?, output::order)
        }
        Cmd::Reduce { id, by } => {
            let body = api::ReduceOrder { by_gpus: *by };
            c.post_only(&format!("/v1/orders/{id}/reduce"), &body)?;
            if c.dry_run() {
                if mode == Mode::Table {
                    println!("would take {by} GPUs off {id}");
                }
            } else {
                show(mode, &c.get(&format!("/v1/orders/{id}"))?, output::order);
            }
        }
        Cmd::Reservations => {
            let list: api::Page<api::ReservationView> = c.get("/v1/reservations")?;
            show(mode, &list, |l| output::reservations(&l.items));
        }
        Cmd::Release { id } => {
            c.post_only(&format!("/v1/reservations/{id}/release"), &api::Empty {})?;
            if mode != Mode::Json {
                let done = if c.dry_run() {
                    "would release"
                } else {
                    "released"
                };
                println!("{done} {id}");
            }
        }
        Cmd::Events { count, after } => {
            c.events(*count, after.as_deref(), |id, e| output::event(mode, id, e))?;
        }
        _ => unreachable!("every command has its group"),
    }
    Ok(())
}

/// Whether to ask before an action that ends a contract or buys a lot: on a terminal,
/// without `--yes` or `--dry-run`.
#[derive(Clone, Copy)]
struct Ask {
    on: bool,
    /// `--yes` was given.
    yes: bool,
}

impl Ask {
    /// Asks a yes/no question on standard error; anything but `y` or `yes` is no.
    fn confirm(question: &str) -> Result<(), Failure> {
        eprint!("{question} [y/N] ");
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Failure::usage(format!("cannot read the answer: {e}")))?;
        match line.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => Ok(()),
            _ => Err(Failure::local("not done: nothing was sent")),
        }
    }

    /// Before notice or termination: what the exchange says would happen (the end it
    /// takes effect, the fee, what stays committed until then), then the question.
    fn before_ending<B: serde::Serialize>(
        self,
        c: &Client,
        path: &str,
        body: &B,
        what: &str,
    ) -> Result<(), Failure> {
        if !self.on {
            return Ok(());
        }
        let after: api::ContractView = c.trying().post(path, body)?;
        let fee = after.notice.as_ref().map_or_else(
            || "no fee".to_string(),
            |n| format!("a fee of {}", output::usd(&n.fee)),
        );
        eprintln!(
            "{what} {}: it would end at {} (agreed end {}), with {fee}; committed until then: {}.",
            after.id,
            output::t(&after.ends),
            output::t(&after.end),
            output::usd_opt(&after.remaining_commitment)
        );
        Ask::confirm("Go ahead?")
    }

    /// Before a buy of more GPU-hours than the config's `confirm_buy_above_gpu_hours`:
    /// what it would fill and pay, then the question. Returns the body to send.
    fn before_buy(self, c: &Client, body: api::PlaceOrder) -> Result<api::PlaceOrder, Failure> {
        if !self.on {
            return Ok(body);
        }
        let Some(limit) = crate::profile::load()?.confirm_buy_above_gpu_hours else {
            return Ok(body);
        };
        let hour = |t: &str| megawatt_server::parse::hour(t).map_or(0, |h| u64::from(h.0));
        let end = body.end.as_deref().map_or(0, hour);
        let size = u64::from(body.gpus) * end.saturating_sub(hour(&body.start));
        if size <= limit {
            return Ok(body);
        }
        let tried: api::PlacedView = c.trying().post("/v1/orders", &body)?;
        let paid: Vec<String> = tried
            .transfers
            .iter()
            .map(|x| format!("{} {}", x.kind, output::usd(&x.amount)))
            .collect();
        eprintln!(
            "This buy is {size} GPU-hours (you confirm above {limit}): it would be {} with {} trade(s){}.",
            tried.order.status,
            tried.trades.len(),
            if paid.is_empty() {
                String::new()
            } else {
                format!(", paying {}", paid.join(", "))
            }
        );
        Ask::confirm("Go ahead?").map(|()| body)
    }
}

/// `mw buy` without `-p`: the cheapest price in the book at which the exchange says the
/// whole order fills now (each candidate level's price tried as a dry run, cheapest
/// first), shown with what it would cost; then, once confirmed, the order at that
/// price, fill or kill, so that it fills at that price or better, or not at all.
fn quote_first(
    c: &Client,
    ask: Ask,
    mut body: api::PlaceOrder,
) -> Result<api::PlaceOrder, Failure> {
    let model = body.model.clone().unwrap_or_default();
    let book: api::BookView = c.get(&query("/v1/book", &[("model", Some(model.clone()))]))?;
    let end = body.end.clone().unwrap_or_default();
    let mut prices: Vec<&api::Money> = book
        .asks
        .iter()
        .filter(|l| l.start <= body.start && l.end >= end)
        .map(|l| &l.price)
        .collect();
    prices.dedup();
    body.time_in_force = Some(api::TifName::Fok);
    let mut refused = None;
    for price in prices.into_iter().take(crate::limits::QUOTE_LEVELS_MAX) {
        body.price = Some(price.usd.clone());
        let tried: api::PlacedView = match c.trying().post("/v1/orders", &body) {
            Ok(t) => t,
            // Refused at this price (funds, say): the next price may do, else this says why.
            Err(f) if f.problem.is_some() => {
                refused = Some(f);
                continue;
            }
            Err(f) => return Err(f),
        };
        if tried.order.status != "filled" {
            continue;
        }
        let cost: Vec<String> = tried
            .transfers
            .iter()
            .map(|x| format!("{} {}", x.kind, output::usd(&x.amount)))
            .collect();
        eprintln!(
            "Quote: {} {model} GPUs {} -> {} fill now at up to {} per GPU-hour ({}).",
            body.gpus,
            output::t(&body.start),
            output::t(&end),
            output::usd(price),
            cost.join(", ")
        );
        if c.dry_run() {
            return Ok(body);
        }
        if !ask.on && !ask.yes {
            return Err(Failure::usage(
                "a buy without -p asks before it buys: run it on a terminal, or add --yes to buy at the quote",
            ));
        }
        if ask.on {
            Ask::confirm("Buy at this price?")?;
        }
        return Ok(body);
    }
    Err(refused.unwrap_or_else(|| {
        Failure::local(format!(
            "no ask in the {model} book fills {} GPUs over that window now; give -p to rest a bid",
            body.gpus
        ))
    }))
}
