//! `mw`: run a Megawatt exchange (`mw serve`) and trade on one from the command line.
//! Client subcommands talk HTTP to `MW_URL` with the API key in `MW_TOKEN`.

mod client;
mod commands;
mod input;
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
    /// Run the exchange (embedded SQLite store).
    #[command(
        after_help = "Examples:\n  mw serve\n  mw serve --demo\n  mw serve --data /var/lib/megawatt/mw.db --listen 0.0.0.0:8080"
    )]
    Serve(ServeArgs),
    /// Replay the journal and check every invariant and every query table.
    #[command(
        after_help = "Examples:\n  mw audit\n  mw audit --data /var/lib/megawatt/mw.db\n  mw audit --every 1000     check the invariants every 1,000 commands (faster on long journals)"
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
    #[arg(long, default_value_t = megawatt_server::DEFAULT_SNAPSHOT_EVERY)]
    pub snapshot_every: u64,
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
    /// Your pool.
    #[arg(long)]
    pub pool: String,
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
