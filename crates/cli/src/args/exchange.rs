//! Options of the commands that run or shape the exchange: `serve`, `audit`,
//! `participant`, `key`, `facility`, `usage`.

use clap::{Args, Subcommand};

/// Where the store is: a SQLite file, or a PostgreSQL database.
#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// The SQLite store file (`serve` creates it if missing; `audit` needs it to exist).
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
    /// How many hours after its end a month closes, 0 to 168 (a new store: 6 unless
    /// given; an older store keeps its own unless given). Until then the month's usage
    /// reports are taken and corrected, so a meter can report its last hours; then its
    /// invoices and credits are issued. Also `mw admin month-close`.
    #[arg(long, value_parser = clap::value_parser!(u16).range(0..=168))]
    pub month_close_grace_hours: Option<u16>,
    /// Let webhook endpoints be on loopback, private and link-local addresses (a
    /// receiver inside your own network, or a test rig). Off by default, so that a
    /// participant cannot make the server call into its own network.
    #[arg(long, env = "MW_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
    /// The delay before a failed webhook delivery's first retry, ms; each later retry
    /// doubles it (up to 4 hours); 18 failures in a row disable the endpoint.
    #[arg(long, default_value_t = megawatt_server::limits::WEBHOOK_RETRY_BASE_MS_DEFAULT,
        value_parser = clap::value_parser!(u64).range(1..=megawatt_server::limits::WEBHOOK_RETRY_BASE_MS_MAX))]
    pub webhook_retry_base_ms: u64,
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
    /// Create an API key (shown once): yours, or (the operator) another participant's,
    /// limited to the scopes named (default: every scope, including managing keys).
    #[command(
        after_help = "Scopes: read (GET), trade (orders, RFQs, quotes, contracts, facilities, webhooks, operator changes), usage:report (POST /v1/usage only: a metering agent's key). Only a key with every scope manages keys.\n\nExamples:\n  mw key create --participant p-2\n  mw key create --scope usage:report\n  mw key create --scope read --scope usage:report"
    )]
    Create {
        /// Participant id (default: you; only the operator makes keys for others).
        #[arg(long)]
        participant: Option<String>,
        /// A scope: read, trade or usage:report (repeat).
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// Your keys (the operator: everyone's, or one participant's): prefixes, scopes,
    /// when made and revoked; never the keys.
    #[command(after_help = "Examples:\n  mw key list\n  mw key list --participant p-2")]
    List {
        /// The operator: this participant's keys only.
        #[arg(long)]
        participant: Option<String>,
    },
    /// Revoke a key by its prefix (as `mw key list` shows it): refused from then on.
    #[command(after_help = "Examples:\n  mw key revoke mw_3f9a2c81d0b7")]
    Revoke {
        /// The key's prefix.
        prefix: String,
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
    List {
        /// The page after this facility (a previous page's "more").
        #[arg(long)]
        after: Option<String>,
    },
    /// One facility.
    #[command(after_help = "Examples:\n  mw facility show fac-1")]
    Show {
        /// Facility id.
        id: String,
    },
}

/// `mw usage …`.
#[derive(Subcommand, Debug)]
pub enum UsageCmd {
    /// Report usage from a file: CSV with a header naming the columns `contract`,
    /// `hour`, `gpus` and optionally `line` (default 0) and `energy_wh`, or JSON lines
    /// (`.jsonl`, one record object a line, the same fields). Sent in batches of up to
    /// 10,000 records, each all or nothing; a refused batch stops the push, and says
    /// which file line is at fault and that the batches before it were accepted.
    #[command(
        after_help = "Examples:\n  mw usage push delivered.csv\n  mw usage push meter.jsonl\n\nCSV:\n  contract,line,hour,gpus,energy_wh\n  ctr-4,0,2027-01-04T09:00:00Z,64,44800\n  ctr-4,0,2027-01-04T10:00:00Z,60,"
    )]
    Push {
        /// The file (`-` for standard input, read as CSV unless --jsonl).
        file: String,
        /// Read the file as JSON lines whatever its name.
        #[arg(long)]
        jsonl: bool,
    },
    /// A contract's usage reports, seller's and buyer's, hour by hour (at most 31 days).
    #[command(
        after_help = "Examples:\n  mw usage show ctr-4\n  mw usage show ctr-4 --from 2027-01-04T00:00Z --to 2027-01-05T00:00Z"
    )]
    Show {
        /// Contract id.
        contract: String,
        /// From this hour (default: the contract's start).
        #[arg(long)]
        from: Option<String>,
        /// Until this hour (default: 31 days after --from).
        #[arg(long)]
        to: Option<String>,
    },
}

/// `mw utilization`.
#[derive(clap::Args, Debug)]
pub struct UtilizationArgs {
    /// buyer (default: contracts you buy) or seller (contracts you sell).
    #[arg(long = "as", default_value = "buyer")]
    pub side: String,
    /// day (default) or month.
    #[arg(long, default_value = "day")]
    pub by: String,
    /// From (RFC 3339; default: 30 days, or 12 months, before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// Until (RFC 3339; default: now).
    #[arg(long)]
    pub to: Option<String>,
    /// Only this contract.
    #[arg(long)]
    pub contract: Option<String>,
    /// Only lines at this facility.
    #[arg(long)]
    pub facility: Option<String>,
    /// Only lines of this pool.
    #[arg(long)]
    pub pool: Option<String>,
    /// The operator: this participant's contracts (default: everyone's).
    #[arg(long)]
    pub participant: Option<String>,
}
