//! `mw`: run a Megawatt exchange (`mw serve`) and trade on one from the command line.
//! Client subcommands talk HTTP to `MW_URL` with the API key in `MW_TOKEN`.

mod client;
mod commands;
mod deals;
mod input;
mod limits;
mod output;

use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  mw serve --demo                      run a demo exchange on ./megawatt.db
  export MW_URL=http://127.0.0.1:8080 MW_TOKEN=mw_...
  mw book -m h100-sxm                  the H100 order book
  mw buy -m h100-sxm -n 64 -s +1d -d 24h -p 2.50
  mw orders --open                     your open orders
  mw contracts                         your contracts";

/// Megawatt: an exchange and contract ledger for AI compute capacity.
#[derive(Parser, Debug)]
#[command(name = "mw", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The exchange's URL.
    #[arg(
        long,
        env = "MW_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub url: String,
    /// Your API key.
    #[arg(long, env = "MW_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Print the server's JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run the exchange (an embedded SQLite store, or PostgreSQL with --database-url).
    #[command(
        after_help = "Examples:\n  mw serve\n  mw serve --demo\n  mw serve --data /var/lib/megawatt/mw.db --listen 0.0.0.0:8080\n  mw serve --database-url postgres://megawatt@db.internal/megawatt\n  mw serve --database-url postgres://megawatt@db.internal/megawatt --standby   (take over when the writer stops)"
    )]
    Serve(ServeArgs),
    /// Replay the journal and check every invariant and every query table.
    #[command(
        after_help = "Examples:\n  mw audit\n  mw audit --data /var/lib/megawatt/mw.db\n  mw audit --database-url postgres://megawatt@db.internal/megawatt\n  mw audit --every 1000     check the invariants every 1,000 commands (faster on long journals)"
    )]
    Audit(AuditArgs),
    /// Admit participants (operator).
    #[command(subcommand)]
    Participant(ParticipantCmd),
    /// Create API keys (operator).
    #[command(subcommand)]
    Key(KeyCmd),
    /// Register and inspect facilities.
    #[command(subcommand)]
    Facility(FacilityCmd),
    /// Keep capacity of one of your pools for yourself.
    #[command(after_help = "Examples:\n  mw reserve --pool pool-3 -n 256 -s +1d -d 7d")]
    Reserve(ReserveArgs),
    /// Place a bid.
    #[command(
        after_help = "Examples:\n  mw buy -m h100-sxm -n 64 -s 2027-01-04T09:00Z -d 24h -p 2.50\n  mw buy -m h200 -n 512 -s +2d -d 7d -p 2.40 --partial --any-pool\n  mw buy -m h100-sxm -n 8 -s now -d 4h -p 3 --tif ioc"
    )]
    Buy(BuyArgs),
    /// Place an ask from one of your pools.
    #[command(
        after_help = "Examples:\n  mw sell --pool pool-3 -n 128 -s +1d -d 7d -p 3.10\n  mw sell --pool pool-3 -n 512 -s +1d -d 2w -p 2.20 --min-fill 64"
    )]
    Sell(SellArgs),
    /// Your orders.
    #[command(after_help = "Examples:\n  mw orders\n  mw orders --open --limit 20")]
    Orders(OrdersArgs),
    /// Cancel one of your orders.
    #[command(after_help = "Examples:\n  mw cancel ord-17")]
    Cancel {
        /// Order id.
        id: String,
    },
    /// Trades: the public tape, or yours with --mine.
    #[command(after_help = "Examples:\n  mw trades -m h100-sxm\n  mw trades --mine")]
    Trades(TradesArgs),
    /// The order book of a model.
    #[command(after_help = "Examples:\n  mw book -m h100-sxm")]
    Book {
        /// GPU model.
        #[arg(short, long)]
        model: String,
    },
    /// Your contracts.
    #[command(after_help = "Examples:\n  mw contracts\n  mw contracts --limit 10")]
    Contracts(PageArgs),
    /// One contract: show it, give notice, or terminate it for cause.
    #[command(subcommand)]
    Contract(ContractCmd),
    /// Requests for quotes (term deals).
    #[command(subcommand)]
    Rfq(RfqCmd),
    /// Answer an RFQ with a firm quote (provider).
    #[command(
        after_help = "Examples:\n  mw quote rfq-1 --line pool-1=150000 --line pool-2=50000 --monthly-fee 1250000000 \\\n      --buyer-notice 90d --seller-notice 90d --expires +1d\n  mw quote rfq-2 --line pool-3=512 --price 2.10 --expires 2027-01-10T00:00Z"
    )]
    Quote(QuoteArgs),
    /// Accept a quote on your RFQ: the contract is made (buyer).
    #[command(after_help = "Examples:\n  mw accept qt-4")]
    Accept {
        /// Quote id.
        id: String,
    },
    /// Your balance and credit limit.
    #[command(
        after_help = "Examples:\n  mw balance\n  mw balance --participant p-3     (operator)"
    )]
    Balance {
        /// Operator: this participant's.
        #[arg(long)]
        participant: Option<String>,
    },
    /// Your statement: balance, credit, open bids, what you owe and are owed, invoices
    /// payable and receivable, and your transfers over a period, newest first.
    #[command(
        after_help = "Examples:\n  mw statement\n  mw statement --from 2026-12-01T00:00Z --to 2027-01-01T00:00Z\n  mw statement --participant p-3     (operator)"
    )]
    Statement(StatementArgs),
    /// Invoices you pay or are paid; `show` one with its lines; `export` a month's
    /// charges as FOCUS CSV.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  mw invoices\n  mw invoices --limit 12\n  mw invoices show inv-4\n  mw invoices export --month 2027-01 --out focus-2027-01.csv"
    )]
    Invoices {
        /// `show` or `export`.
        #[command(subcommand)]
        export: Option<InvoicesCmd>,
        /// Paging.
        #[command(flatten)]
        page: PageArgs,
    },
    /// Operator: money and credit.
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Withdraw your quote (provider).
    #[command(after_help = "Examples:\n  mw withdraw qt-4")]
    Withdraw {
        /// Quote id.
        id: String,
    },
}

/// Where the store is: a SQLite file, or a PostgreSQL database.
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// The SQLite store file (created if missing).
    #[arg(long, default_value = "megawatt.db")]
    pub data: std::path::PathBuf,
    /// A PostgreSQL database instead of SQLite, e.g.
    /// postgres://megawatt@db.internal:5432/megawatt (schema created or migrated on start).
    #[arg(long, env = "MW_DATABASE_URL", conflicts_with = "data")]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// The store's location.
    pub fn location(&self) -> megawatt_store::Location {
        match &self.database_url {
            Some(url) => megawatt_store::Location::Postgres(url.clone()),
            None => megawatt_store::Location::Sqlite(self.data.clone()),
        }
    }
}

/// `mw serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// With --database-url: if another server holds the database, wait and take over
    /// when it stops (instead of refusing to start).
    #[arg(long, requires = "database_url")]
    pub standby: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// On a new store, seed a demo market and print its participants' keys.
    #[arg(long)]
    pub demo: bool,
    /// Requests per second per API key (0: no limit).
    #[arg(long, default_value_t = 1000)]
    pub rate_limit: u32,
    /// Snapshot the state every N accepted commands (0: never); a restart replays only
    /// the journal after the newest snapshot.
    #[arg(long, default_value_t = megawatt_server::limits::SNAPSHOT_EVERY_COMMANDS_DEFAULT)]
    pub snapshot_every: u64,
    /// For simulations and tests, never production: no hourly ticks; time moves only
    /// when the operator ticks (`mw admin tick`), and may run ahead of real time.
    #[arg(long)]
    pub manual_clock: bool,
}

/// `mw audit`.
#[derive(Args, Debug)]
pub struct AuditArgs {
    /// The store (read only; a running server's store is fine).
    #[command(flatten)]
    pub store: StoreArgs,
    /// Check the invariants after every N commands (and at the end).
    #[arg(long, default_value_t = 1)]
    pub every: u64,
}

/// `mw participant …`.
#[derive(Subcommand, Debug)]
pub enum ParticipantCmd {
    /// Admit a participant.
    #[command(
        after_help = "Examples:\n  mw participant create --name \"Neocloud One\" --role provider\n  mw participant create --name \"Acme AI\" --role buyer"
    )]
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// provider, buyer or operator (repeat for several).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
}

/// `mw key …`.
#[derive(Subcommand, Debug)]
pub enum KeyCmd {
    /// Create an API key for a participant (shown once).
    #[command(after_help = "Examples:\n  mw key create --participant p-2")]
    Create {
        /// Participant id.
        #[arg(long)]
        participant: String,
    },
}

/// `mw facility …`.
#[derive(Subcommand, Debug)]
pub enum FacilityCmd {
    /// Register a facility with its pools.
    #[command(
        after_help = "Examples:\n  mw facility create --name \"Neo Ashburn\" --region us-east --power-kw 8000 --pool h100-sxm=2048 --pool h200=1024"
    )]
    Create {
        /// Name.
        #[arg(long)]
        name: String,
        /// Region.
        #[arg(long)]
        region: String,
        /// Critical IT power, kW.
        #[arg(long)]
        power_kw: u64,
        /// A pool as MODEL=GPUS (repeat for each model).
        #[arg(long = "pool", required = true)]
        pools: Vec<String>,
    },
    /// Every facility.
    #[command(after_help = "Examples:\n  mw facility list")]
    List,
    /// One facility.
    #[command(after_help = "Examples:\n  mw facility show fac-1")]
    Show {
        /// Facility id.
        id: String,
    },
}

/// A window: start and duration.
#[derive(Args, Debug)]
pub struct WindowArgs {
    /// Start: now (the next hour), +2d, or RFC 3339 on an hour.
    #[arg(short, long)]
    pub start: String,
    /// Duration: 24h, 7d, 2w, 3mo.
    #[arg(short, long)]
    pub duration: String,
}

/// `mw reserve`.
#[derive(Args, Debug)]
pub struct ReserveArgs {
    /// Your pool.
    #[arg(long)]
    pub pool: String,
    /// GPUs.
    #[arg(short = 'n', long)]
    pub gpus: u32,
    /// When.
    #[command(flatten)]
    pub window: WindowArgs,
}

/// `mw buy`.
#[derive(Args, Debug)]
pub struct BuyArgs {
    /// GPU model.
    #[arg(short, long)]
    pub model: String,
    /// GPUs.
    #[arg(short = 'n', long)]
    pub gpus: u32,
    /// When.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Limit price per GPU-hour, USD.
    #[arg(short, long)]
    pub price: String,
    /// Accept fewer GPUs than asked.
    #[arg(long)]
    pub partial: bool,
    /// GPUs may come from several pools.
    #[arg(long)]
    pub any_pool: bool,
    /// Only this region.
    #[arg(long)]
    pub region: Option<String>,
    /// Only this facility.
    #[arg(long)]
    pub facility: Option<String>,
    /// gtc (default), ioc, fok, or gtd with --good-till.
    #[arg(long, default_value = "gtc")]
    pub tif: String,
    /// GTD expiry: +1d or RFC 3339.
    #[arg(long)]
    pub good_till: Option<String>,
}

/// `mw sell`.
#[derive(Args, Debug)]
pub struct SellArgs {
    /// Your pool (or give --contract to resell).
    #[arg(
        long,
        required_unless_present = "contract",
        conflicts_with = "contract"
    )]
    pub pool: Option<String>,
    /// A contract you hold as buyer, to resell part of it.
    #[arg(long)]
    pub contract: Option<String>,
    /// The contract's line (default 0).
    #[arg(long, requires = "contract")]
    pub line: Option<u16>,
    /// GPUs.
    #[arg(short = 'n', long)]
    pub gpus: u32,
    /// When.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Price per GPU-hour, USD.
    #[arg(short, long)]
    pub price: String,
    /// Smallest fill, GPUs.
    #[arg(long)]
    pub min_fill: Option<u32>,
    /// Expire at this time (+1d or RFC 3339) instead of resting until cancelled.
    #[arg(long)]
    pub good_till: Option<String>,
}

/// `mw contract …`.
#[derive(Subcommand, Debug)]
pub enum ContractCmd {
    /// A contract with its terms, run-rate per year and remaining commitment.
    #[command(after_help = "Examples:\n  mw contract show ctr-1")]
    Show {
        /// Contract id.
        id: String,
    },
    /// Give notice under your notice period; the contract ends at its effective hour.
    #[command(after_help = "Examples:\n  mw contract notice ctr-1")]
    Notice {
        /// Contract id.
        id: String,
    },
    /// Terminate for a cause the contract allows; it ends at the next hour boundary.
    #[command(
        after_help = "Examples:\n  mw contract terminate ctr-1 --cause non_delivery --reason \"no GPUs delivered since June 3\""
    )]
    Terminate {
        /// Contract id.
        id: String,
        /// acceptable_use or non_payment (seller), non_delivery (buyer).
        #[arg(long)]
        cause: String,
        /// Why, in words.
        #[arg(long)]
        reason: String,
    },
}

/// `mw statement`.
#[derive(Args, Debug)]
pub struct StatementArgs {
    /// From this time (RFC 3339 on an hour).
    #[arg(long)]
    pub from: Option<String>,
    /// Until this time (exclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// Operator: this participant's.
    #[arg(long)]
    pub participant: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `mw invoices …`.
#[derive(Subcommand, Debug)]
pub enum InvoicesCmd {
    /// One invoice with its lines (each contract line's share).
    #[command(after_help = "Examples:\n  mw invoices show inv-4")]
    Show {
        /// The invoice, e.g. inv-4.
        id: String,
    },
    /// Write a month's charges as CSV in the FinOps Foundation's FOCUS 1.0: one row per
    /// contract line and charge, yours as payer (the operator: everyone's).
    #[command(
        after_help = "Examples:\n  mw invoices export --month 2027-01 > focus.csv\n  mw invoices export --month 2027-01 --out focus.csv --participant p-3   (operator)"
    )]
    Export {
        /// The month, YYYY-MM (UTC).
        #[arg(long)]
        month: String,
        /// Write to this file (default: standard output).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Operator: this payer's charges only.
        #[arg(long)]
        participant: Option<String>,
    },
}

/// `mw admin …`.
#[derive(Subcommand, Debug)]
pub enum AdminCmd {
    /// Record money a participant paid in.
    #[command(
        after_help = "Examples:\n  mw admin deposit --participant p-3 --amount 1250000000 --reference \"wire 4411\""
    )]
    Deposit(MoneyArgs),
    /// Record money a participant takes out (at most its balance).
    #[command(
        after_help = "Examples:\n  mw admin withdraw --participant p-3 --amount 5000 --reference \"wire 4412\""
    )]
    Withdraw(MoneyArgs),
    /// Set the maker and taker fees (basis points) for orders placed from now on.
    #[command(after_help = "Examples:\n  mw admin fees --maker-bps 5 --taker-bps 20")]
    Fees {
        /// Fee of the resting side.
        #[arg(long)]
        maker_bps: u16,
        /// Fee of the incoming side.
        #[arg(long)]
        taker_bps: u16,
    },
    /// Move the market's clock to an hour (servers started with --manual-clock only):
    /// orders expire, contracts start and end, months close and are invoiced.
    #[command(after_help = "Examples:\n  mw admin tick 2027-02-01T00:00Z")]
    Tick {
        /// The hour, RFC 3339.
        hour: String,
    },
    /// Set a participant's credit limit (0 removes it).
    #[command(
        after_help = "Examples:\n  mw admin credit-limit --participant p-3 --limit 250000000"
    )]
    CreditLimit {
        /// The participant.
        #[arg(long)]
        participant: String,
        /// USD.
        #[arg(long)]
        limit: String,
    },
}

/// A deposit or withdrawal.
#[derive(Args, Debug)]
pub struct MoneyArgs {
    /// The participant.
    #[arg(long)]
    pub participant: String,
    /// USD.
    #[arg(long)]
    pub amount: String,
    /// The bank's reference.
    #[arg(long)]
    pub reference: String,
}

/// `mw rfq …`.
#[derive(Subcommand, Debug)]
pub enum RfqCmd {
    /// Ask providers for firm quotes (buyer).
    #[command(
        after_help = "Examples:\n  mw rfq create --power-mw 300 -s 2027-06-01T00:00Z -d 36mo --region us-south \\\n      --max-buyer-notice 90d --deadline +7d\n  mw rfq create --gpus h100-sxm=1024 --gpus h200=512 -s +30d -d 12mo --deadline +7d --invite p-2"
    )]
    Create(Box<RfqCreateArgs>),
    /// RFQs you may see.
    #[command(after_help = "Examples:\n  mw rfq list\n  mw rfq list --open")]
    List {
        /// Only open ones.
        #[arg(long)]
        open: bool,
    },
    /// One RFQ and the quotes on it you may see.
    #[command(after_help = "Examples:\n  mw rfq show rfq-1")]
    Show {
        /// RFQ id.
        id: String,
    },
    /// Cancel your RFQ (its quotes are released).
    #[command(after_help = "Examples:\n  mw rfq cancel rfq-1")]
    Cancel {
        /// RFQ id.
        id: String,
    },
}

/// `mw rfq create`.
#[derive(Args, Debug)]
pub struct RfqCreateArgs {
    /// GPUs of a model as MODEL=GPUS (repeat), or give --power-mw.
    #[arg(
        long = "gpus",
        required_unless_present = "power_mw",
        conflicts_with = "power_mw"
    )]
    pub gpus: Vec<String>,
    /// Power in MW (e.g. 300 or 12.5), of any models by the catalog's watts per GPU.
    #[arg(long)]
    pub power_mw: Option<String>,
    /// Least power that meets the need, MW (default 90% of --power-mw).
    #[arg(long, requires = "power_mw")]
    pub min_power_mw: Option<String>,
    /// The term wanted.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Only facilities of this region.
    #[arg(long)]
    pub region: Option<String>,
    /// Only this facility.
    #[arg(long)]
    pub facility: Option<String>,
    /// You must be able to leave on at most this notice (e.g. 90d).
    #[arg(long)]
    pub max_buyer_notice: Option<String>,
    /// The seller must not be able to leave on less notice (e.g. 90d).
    #[arg(long)]
    pub min_seller_notice: Option<String>,
    /// Highest acceptable early-termination fee, USD.
    #[arg(long)]
    pub max_fee: Option<String>,
    /// Quotes must give at least this many days to pay each invoice (1 to 180).
    #[arg(long)]
    pub min_payment_days: Option<u16>,
    /// A cause the contract must allow (repeat): acceptable_use, non_payment, non_delivery.
    #[arg(long = "cause")]
    pub causes: Vec<String>,
    /// Quotes may be accepted until then: +7d or RFC 3339 (at most the start).
    #[arg(long)]
    pub deadline: String,
    /// Invite only this provider (repeat); default: every provider.
    #[arg(long = "invite")]
    pub invited: Vec<String>,
}

/// `mw quote`.
#[derive(Args, Debug)]
pub struct QuoteArgs {
    /// The RFQ.
    pub rfq: String,
    /// GPUs of one of your pools as POOL=GPUS (repeat; one facility).
    #[arg(long = "line", required = true)]
    pub lines: Vec<String>,
    /// Price per GPU-hour, USD (or give --monthly-fee).
    #[arg(
        long,
        required_unless_present = "monthly_fee",
        conflicts_with = "monthly_fee"
    )]
    pub price: Option<String>,
    /// Fixed fee per calendar month for the whole contract, USD.
    #[arg(long)]
    pub monthly_fee: Option<String>,
    /// Notice the buyer must give to leave (e.g. 90d); absent: it may not.
    #[arg(long)]
    pub buyer_notice: Option<String>,
    /// Notice you must give to leave; absent: you may not.
    #[arg(long)]
    pub seller_notice: Option<String>,
    /// Early-termination fee due from the party giving notice, USD (default 0).
    #[arg(long)]
    pub fee: Option<String>,
    /// A cause allowing termination (repeat); default: all three.
    #[arg(long = "cause")]
    pub causes: Vec<String>,
    /// Days the buyer has to pay each invoice, 1 to 180 (default 30).
    #[arg(long)]
    pub payment_days: Option<u16>,
    /// The quote lapses then: +1d or RFC 3339.
    #[arg(long)]
    pub expires: String,
}

/// A page.
#[derive(Args, Debug)]
pub struct PageArgs {
    /// Items to show (1 to 1000).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Continue after this id (from the previous page).
    #[arg(long)]
    pub before: Option<String>,
}

/// `mw orders`.
#[derive(Args, Debug)]
pub struct OrdersArgs {
    /// Only open orders.
    #[arg(long)]
    pub open: bool,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `mw trades`.
#[derive(Args, Debug)]
pub struct TradesArgs {
    /// Only your trades, with parties.
    #[arg(long)]
    pub mine: bool,
    /// Only this model.
    #[arg(short, long)]
    pub model: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Serve(args) => commands::serve(args),
        Cmd::Audit(args) => commands::audit(&args),
        ref other => commands::client_command(&cli, other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// `mw … | head` closes stdout early: exit quietly (status 141, as for SIGPIPE) instead
/// of panicking with a backtrace; every other panic is reported as usual.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("failed printing to stdout") {
            std::process::exit(141);
        }
        default(info);
    }));
}
