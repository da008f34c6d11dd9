//! The command line: every subcommand, its options and its examples (clap's derive),
//! and nothing that runs them.

mod deals;
mod exchange;
mod market;

pub use deals::*;
pub use exchange::*;
pub use market::*;

use clap::{Parser, Subcommand};

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
    /// The exchange's URL (default: the profile's, else http://127.0.0.1:8080).
    #[arg(long, env = "MW_URL", global = true, help_heading = "Global options")]
    pub url: Option<String>,
    /// The saved login to use (`mw login`; default: the config file's default).
    #[arg(
        short = 'P',
        long,
        env = "MW_PROFILE",
        global = true,
        help_heading = "Global options"
    )]
    pub profile: Option<String>,
    /// Your API key.
    #[arg(
        long,
        env = "MW_TOKEN",
        hide_env_values = true,
        global = true,
        help_heading = "Global options"
    )]
    pub token: Option<String>,
    /// Print the server's JSON instead of tables (errors too, as problem JSON).
    #[arg(
        long,
        global = true,
        conflicts_with = "quiet",
        help_heading = "Global options"
    )]
    pub json: bool,
    /// Print only the id of what the command made or shows (one per line for lists),
    /// for scripts: `ORDER=$(mw buy … -q)`.
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// Ask the exchange what a change would do (fills, contract, money, the end a
    /// notice takes effect), and do nothing.
    #[arg(long, global = true, help_heading = "Global options")]
    pub dry_run: bool,
    /// Do not ask before notice, termination or a large buy (nor when not on a
    /// terminal).
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub yes: bool,
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
    #[command(
        subcommand,
        after_help = "Examples:\n  mw participant create --name \"Orbital Labs\" --role buyer\n  NEW=$(mw participant create --name \"Helios Cloud\" --role provider -q)"
    )]
    Participant(ParticipantCmd),
    /// Create API keys (operator).
    #[command(
        subcommand,
        after_help = "Examples:\n  mw key create --participant p-8"
    )]
    Key(KeyCmd),
    /// Register and inspect facilities.
    #[command(
        subcommand,
        after_help = "Examples:\n  mw facility list\n  mw facility show fac-2\n  mw facility create --name \"Neo Austin\" --region us-south --power-kw 6000 --pool h100-sxm=1024"
    )]
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
    #[command(
        after_help = "Examples:\n  mw trades -m h100-sxm\n  mw trades -m h100-sxm --region us-east --delivery-from 2027-01-04 --delivery-to 2027-01-11\n  mw trades --mine"
    )]
    Trades(TradesArgs),
    /// The order book of a model.
    #[command(after_help = "Examples:\n  mw book -m h100-sxm")]
    Book {
        /// GPU model.
        #[arg(short, long)]
        model: String,
    },
    /// The book of a model by delivery period: GPUs and GPU-hours at each price for the
    /// windows starting in each week (from Monday 00:00 UTC) or month.
    #[command(after_help = "Examples:\n  mw depth -m h100-sxm\n  mw depth -m h200 --by month")]
    Depth {
        /// GPU model.
        #[arg(short, long)]
        model: String,
        /// week or month.
        #[arg(long, default_value = "week")]
        by: String,
    },
    /// Candles of the tape: a model's prints per hour or day of trade time or of delivery
    /// (open, high, low, close, GPU-hours, prints).
    #[command(
        after_help = "Examples:\n  mw candles -m h100-sxm\n  mw candles -m h100-sxm --interval hour --from 2027-01-04 --to 2027-01-05\n  mw candles -m h200 --by delivery"
    )]
    Candles {
        /// GPU model.
        #[arg(short, long)]
        model: String,
        /// hour or day.
        #[arg(long, default_value = "day")]
        interval: String,
        /// trade (by trade time) or delivery (by the start of the windows).
        #[arg(long, default_value = "trade")]
        by: String,
        /// Only prints from facilities in this region.
        #[arg(long)]
        region: Option<String>,
        /// The first interval's start (a start: 2027-01-04, tomorrow, …).
        #[arg(long)]
        from: Option<String>,
        /// The end of the last interval.
        #[arg(long)]
        to: Option<String>,
    },
    /// The Megawatt index of a model: per tick, the trimmed GPU-hour-weighted price of
    /// the prompt prints of the trailing 24 hours (or, daily, 7 days), with the prints,
    /// GPU-hours and sellers behind it and its methodology (docs/index-methodology.md).
    #[command(
        after_help = "Examples:\n  mw index -m h100-sxm\n  mw index -m h100-sxm --span day --from 2027-01-01\n  mw index -m h200 --region us-east"
    )]
    Index {
        /// GPU model.
        #[arg(short, long)]
        model: String,
        /// hour (every tick) or day (each day's first tick).
        #[arg(long, default_value = "hour")]
        span: String,
        /// One region's series (default: every region's).
        #[arg(long)]
        region: Option<String>,
        /// The first tick (a start: 2027-01-04, -2d, …; default: 48 hours or 30 days
        /// before --to).
        #[arg(long)]
        from: Option<String>,
        /// The end of the range (default: now).
        #[arg(long)]
        to: Option<String>,
    },
    /// The best starts of a block on the live book: G GPUs for a duration, any start in
    /// a range, cheapest first (ties to the earliest), each with its cost, average price
    /// and where it would fill. Changes nothing; `mw buy --start-between` takes the best.
    #[command(
        after_help = "Examples:\n  mw search -m h100-sxm -n 64 -d 3d --start-between 2027-01-04..2027-01-11\n  mw search -m h200 -n 16 -d 24h --start-between tomorrow..+7d --max-price 3.00 --any-pool"
    )]
    Search(SearchArgs),
    /// The forward curve of a model: a price for delivery in each coming week and
    /// month, each from prints, the book, or interpolated, with its source.
    #[command(
        after_help = "Examples:\n  mw curve -m h100-sxm\n  mw curve -m h100-sxm --at 2027-01-04"
    )]
    Curve {
        /// GPU model.
        #[arg(short, long)]
        model: String,
        /// The curve in force at this time (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Your contracts.
    #[command(after_help = "Examples:\n  mw contracts\n  mw contracts --limit 10")]
    Contracts(PageArgs),
    /// One contract: show it, give notice, or terminate it for cause.
    #[command(
        subcommand,
        after_help = "Examples:\n  mw contract show ctr-1\n  mw contract notice ctr-5\n  mw contract terminate ctr-5 --cause non_delivery --reason \"racks never powered on\""
    )]
    Contract(ContractCmd),
    /// What leaving a contract by notice would cost: its effective end, the fee, what is
    /// still worth paying until then and what leaving cuts off (as the buyer or seller).
    #[command(
        name = "exit-cost",
        after_help = "Examples:\n  mw exit-cost ctr-1\n  mw exit-cost ctr-1 --party seller\n  mw exit-cost ctr-1 --at 2027-06-01"
    )]
    ExitCost {
        /// The contract, e.g. ctr-1.
        contract: String,
        /// Who would leave: buyer or seller (default: your side).
        #[arg(long)]
        party: Option<String>,
        /// When notice would be given: a date, an RFC 3339 hour or +N<unit> (default:
        /// now on the market's clock).
        #[arg(long)]
        at: Option<String>,
    },
    /// Your position: what your contracts commit month by month as buyer and as seller
    /// (and what resting orders and open quotes could add), run-rate this month and
    /// annualized, invoiced this year, exit costs and marks against the forward curve.
    #[command(
        after_help = "Examples:\n  mw positions\n  mw positions --by counterparty\n  mw positions --contracts\n  mw positions --as-of 2027-01-01"
    )]
    Positions {
        /// The moment: a date, an RFC 3339 hour or +N<unit> (default: now on the
        /// market's clock).
        #[arg(long)]
        as_of: Option<String>,
        /// The operator: whose position, e.g. p-2 (default: the whole market's).
        #[arg(long)]
        participant: Option<String>,
        /// Also each group's total: model, region, facility or counterparty.
        #[arg(long, value_parser = ["model", "region", "facility", "counterparty"])]
        by: Option<String>,
        /// Instead, each contract: what it holds from the moment on, what leaving it
        /// would cost you and its mark (the first 1,000).
        #[arg(long)]
        contracts: bool,
    },
    /// Counterparty exposure: as seller, what each buyer owes you and is committed to
    /// pay; as buyer, the share of your capacity from each provider; the operator,
    /// naming no one, the market's largest exposures.
    #[command(
        after_help = "Examples:\n  mw exposure\n  mw exposure --as-of 2027-01-01\n  mw exposure --participant p-2"
    )]
    Exposure {
        /// The moment: a date, an RFC 3339 hour or +N<unit> (default: now on the
        /// market's clock).
        #[arg(long)]
        as_of: Option<String>,
        /// The operator: whose exposure, e.g. p-2 (default: the market's largest).
        #[arg(long)]
        participant: Option<String>,
    },
    /// Capacity plans: your demand per model and week or month, against what you hold,
    /// and the orders that would close the gaps.
    #[command(
        subcommand,
        after_help = "Examples:\n  mw plan show demand.csv\n  mw plan show demand.csv --period week --limit 2.40\n  mw plan upload demand.csv\n  mw plan show pln-1\n  mw plan apply pln-1\n  mw plan list\n\nA CSV has a header and rows of model,start,gpus; a start is a date, an RFC 3339 hour,\nM+N (the 1st of the Nth month from this one) or W+N (the Monday N weeks on):\n  model,start,gpus\n  h100-sxm,2027-02-01,128\n  h100-sxm,M+3,256"
    )]
    Plan(PlanCmd),
    /// Requests for quotes (term deals).
    #[command(
        subcommand,
        after_help = "Examples:\n  mw rfq create --power-mw 4 -s +30d -d 12mo --max-buyer-notice 90d --deadline +7d\n  mw rfq list --open\n  mw rfq show rfq-2\n  mw rfq cancel rfq-2"
    )]
    Rfq(RfqCmd),
    /// Standing procurement: keep N GPUs of a model held, bought hour by hour ahead at
    /// most at a price (the exchange acts at each tick).
    #[command(
        subcommand,
        after_help = "Examples:\n  mw procure create -m h100-sxm -n 64 -d 30d -p 2.50\n  mw procure list --live\n  mw procure show prc-1\n  mw procure pause prc-1\n  mw procure cancel prc-1"
    )]
    Procure(ProcureCmd),
    /// Answer an RFQ with a firm quote (provider).
    #[command(
        after_help = "Examples:\n  mw quote rfq-1 --line pool-1=150000 --line pool-2=50000 --monthly-fee 1250000000 \\\n      --buyer-notice 90d --seller-notice 90d --expires +1d\n  mw quote rfq-2 --line pool-3=512 --price 2.10 --expires 2027-01-10T00:00Z\n  mw quote rfq-3 --line pool-3=64 --price 2.40 --expires +1d --delivery-target-bps 9900 --delivery-pro-rata"
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
    #[command(
        subcommand,
        after_help = "Examples:\n  mw admin deposit --participant p-3 --amount 1250000000 --reference \"wire 4411\"\n  mw admin credit-limit --participant p-3 --limit 250000000\n  mw admin fees --maker-bps 5 --taker-bps 20\n  mw admin tick 2027-02-01T00:00Z   (a manual clock only)"
    )]
    Admin(AdminCmd),
    /// Withdraw your quote (provider).
    #[command(after_help = "Examples:\n  mw withdraw qt-4")]
    Withdraw {
        /// Quote id.
        id: String,
    },
    /// The exchange's directory: every participant's id, name and roles.
    #[command(after_help = "Examples:\n  mw participants")]
    Participants {
        /// The page after this participant (a previous page's "more").
        #[arg(long)]
        after: Option<String>,
    },
    /// The exchange's fees, basis points of a trade's notional.
    #[command(after_help = "Examples:\n  mw fees")]
    Fees,
    /// Your transfers (the operator: anyone's with --participant, or all), newest first.
    #[command(
        after_help = "Examples:\n  mw transfers\n  mw transfers --from 2027-01-01 --to 2027-02-01\n  mw transfers --participant fees     (operator)"
    )]
    Transfers(StatementArgs),
    /// The GPU models of the catalog (the ids `-m` takes).
    #[command(after_help = "Examples:\n  mw models")]
    Models,
    /// Who your key is.
    #[command(after_help = "Examples:\n  mw whoami")]
    Whoami,
    /// One of your orders.
    #[command(subcommand, after_help = "Examples:\n  mw order show ord-17")]
    Order(OrderCmd),
    /// Take GPUs off one of your resting orders.
    #[command(after_help = "Examples:\n  mw reduce ord-17 --by 32")]
    Reduce {
        /// Order id.
        id: String,
        /// GPUs to take off.
        #[arg(long)]
        by: u32,
    },
    /// Your reservations (capacity of your pools kept for yourself).
    #[command(after_help = "Examples:\n  mw reservations")]
    Reservations,
    /// Give a reservation's capacity back to its pool.
    #[command(after_help = "Examples:\n  mw release res-1")]
    Release {
        /// Reservation id.
        id: String,
    },
    /// Usage of your contracts' lines, hour by hour: push reports (as a seller, GPUs
    /// delivered; as a buyer, GPUs used), show a contract's.
    #[command(
        subcommand,
        after_help = "Examples:\n  mw usage push delivered.csv\n  mw usage push meter.jsonl\n  mw usage show ctr-4 --from 2027-01-04T00:00Z --to 2027-01-05T00:00Z"
    )]
    Usage(UsageCmd),
    /// Utilization and delivery of your contracts, by day or month: GPU-hours
    /// contracted, delivered, used and idle (idle capacity you could resell),
    /// availability, utilization, energy per GPU-hour, credits.
    #[command(
        after_help = "Examples:\n  mw utilization\n  mw utilization --as seller --by month\n  mw utilization --contract ctr-4 --from 2027-01-01T00:00Z --to 2027-02-01T00:00Z\n  mw utilization --as seller --facility fac-2"
    )]
    Utilization(UtilizationArgs),
    /// Webhooks: the exchange POSTs your account events to your endpoints, signed.
    #[command(
        subcommand,
        after_help = "Examples:\n  mw webhook create https://hooks.example.com/megawatt --events fill,contract.started\n  mw webhook list\n  mw webhook attempts wh-3f9c2a71d0b4e58a\n  mw webhook redeliver wh-3f9c2a71d0b4e58a 1742.3"
    )]
    Webhook(WebhookCmd),
    /// Save a login (this URL and a key) as a profile, in a file only you can read.
    #[command(
        after_help = "Examples:\n  echo \"$ACME\" | mw login --url http://127.0.0.1:8080 --profile acme\n  mw login --url https://mw.example.com --key mw_... --profile prod --default\n  mw -P acme balance"
    )]
    Login {
        /// The API key (default: read from standard input, so it stays out of your
        /// shell's history).
        #[arg(long)]
        key: Option<String>,
        /// Make it the profile used when none is named.
        #[arg(long)]
        default: bool,
    },
    /// Forget a saved login (`--profile`, else the default one).
    #[command(after_help = "Examples:\n  mw logout --profile acme")]
    Logout,
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  mw completions bash > ~/.local/share/bash-completion/completions/mw\n  mw completions zsh > ~/.zfunc/_mw\n  mw completions fish > ~/.config/fish/completions/mw.fish"
    )]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// The live market (orders arriving, trades, orders leaving the book) and your own
    /// account events (fills, contracts, notices, invoices, quotes), one a line.
    #[command(
        after_help = "Examples:\n  mw events\n  mw events --count 10 --json\n  mw events --after 1742.0     (what came after that event, then live)"
    )]
    Events {
        /// Stop after this many events (default: until interrupted).
        #[arg(long)]
        count: Option<u64>,
        /// Resume after this event id (the first column of `mw events`).
        #[arg(long)]
        after: Option<String>,
    },
}

/// `mw webhook …`.
#[derive(Subcommand, Debug)]
pub enum WebhookCmd {
    /// Register an endpoint for your account events; prints its signing secret once.
    #[command(
        after_help = "Examples:\n  mw webhook create https://hooks.example.com/megawatt --events fill,contract.started,contract.ended\n  mw webhook create https://ops.example.com/mw --events invoice.issued,invoice.overdue --description \"billing\""
    )]
    Create {
        /// Where deliveries are POSTed (https:// or http://).
        #[arg(value_name = "URL")]
        endpoint: String,
        /// Event types, comma-separated (`mw webhook types` lists them).
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        /// A note for people.
        #[arg(long)]
        description: Option<String>,
    },
    /// Your endpoints.
    #[command(after_help = "Examples:\n  mw webhook list")]
    List,
    /// One endpoint: its status, failures and cursor.
    #[command(after_help = "Examples:\n  mw webhook show wh-3f9c2a71d0b4e58a")]
    Show {
        /// Webhook id.
        id: String,
    },
    /// Delete an endpoint and its delivery log.
    #[command(after_help = "Examples:\n  mw webhook delete wh-3f9c2a71d0b4e58a")]
    Delete {
        /// Webhook id.
        id: String,
    },
    /// Enable an endpoint that was disabled after failures; deliveries resume.
    #[command(after_help = "Examples:\n  mw webhook enable wh-3f9c2a71d0b4e58a")]
    Enable {
        /// Webhook id.
        id: String,
    },
    /// An endpoint's delivery attempts, newest first.
    #[command(after_help = "Examples:\n  mw webhook attempts wh-3f9c2a71d0b4e58a --limit 20")]
    Attempts {
        /// Webhook id.
        id: String,
        /// Paging.
        #[command(flatten)]
        page: PageArgs,
    },
    /// Deliver one of your events to an endpoint again, now.
    #[command(after_help = "Examples:\n  mw webhook redeliver wh-3f9c2a71d0b4e58a 1742.3")]
    Redeliver {
        /// Webhook id.
        id: String,
        /// The event id (from `mw events` or the attempts).
        event: String,
    },
    /// The event types an endpoint can receive.
    #[command(after_help = "Examples:\n  mw webhook types")]
    Types,
}

/// `mw order …`.
#[derive(Subcommand, Debug)]
pub enum OrderCmd {
    /// An order with its status and what it has filled.
    #[command(after_help = "Examples:\n  mw order show ord-17")]
    Show {
        /// Order id.
        id: String,
    },
}

/// `mw plan …`.
#[derive(Subcommand, Debug)]
pub enum PlanCmd {
    /// A plan file (or a stored plan, `pln-N`) against what you hold, period by period,
    /// and the proposal that closes its gaps (bids at the forward curve, RFQs for
    /// facility-scale shortfalls, resale asks for surpluses): a dry run, nothing is
    /// placed. A stored plan already applied shows the orders it placed.
    #[command(
        after_help = "Examples:\n  mw plan show demand.csv\n  mw plan show demand.csv --period week --limit 2.40\n  mw plan show plan.json --as-of 2027-01-01\n  mw plan show pln-1\n\nA CSV: a header model,start,gpus, then rows such as h100-sxm,M+3,256 (M+N: the 1st of\nthe Nth month from this one; W+N: the Monday N weeks on; or a date)."
    )]
    Show {
        /// The plan: a CSV file (model,start,gpus), a JSON file of the API's plan body, or
        /// a stored plan's id (`pln-1`; a file of that name is read instead, if there is
        /// one). A stored plan is shown as stored: --period, --limit and --as-of are
        /// for files.
        file: std::path::PathBuf,
        /// For a CSV: week or month (default month).
        #[arg(long, value_parser = ["week", "month"])]
        period: Option<String>,
        /// A bid's limit per GPU-hour, USD, instead of the forward curve's price.
        #[arg(long)]
        limit: Option<String>,
        /// Count what is held at this moment: a date, an RFC 3339 hour or +N<unit>
        /// (default: now on the market's clock). Not for a stored plan.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Store a plan file, to show against your position at any time and apply once.
    #[command(
        after_help = "Examples:\n  mw plan upload demand.csv\n  mw plan upload demand.csv --period week --limit 2.40\n  PLAN=$(mw plan upload plan.json -q)"
    )]
    Upload {
        /// The plan: a CSV file (model,start,gpus) or a JSON file of the API's plan body.
        file: std::path::PathBuf,
        /// For a CSV: week or month (default month).
        #[arg(long, value_parser = ["week", "month"])]
        period: Option<String>,
        /// A bid's limit per GPU-hour, USD, instead of the forward curve's price.
        #[arg(long)]
        limit: Option<String>,
    },
    /// Place a stored plan's proposal, as `mw plan show PLAN` shows it now: its bids and
    /// asks, each naming the plan. Once: applying it again places nothing.
    #[command(after_help = "Examples:\n  mw plan apply pln-1\n  mw plan apply pln-1 --json")]
    Apply {
        /// The plan's id.
        plan: String,
    },
    /// Your stored plans, newest first.
    #[command(after_help = "Examples:\n  mw plan list\n  mw plan list -q")]
    List,
}
