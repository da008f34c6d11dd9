//! Options of the commands of term deals and money: `contract`, `rfq`, `quote`,
//! `statement`, `invoices`, `admin`.

use crate::args::{PageArgs, WindowArgs};
use clap::{Args, Subcommand};

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
        after_help = "Examples:\n  mw invoices export --out focus.csv         (the last month closed)\n  mw invoices export --month 2027-01 > focus.csv\n  mw invoices export --month 2027-01 --out focus.csv --participant p-3   (operator)"
    )]
    Export {
        /// The month, YYYY-MM (UTC); default: the last month closed (the one before
        /// the market clock's).
        #[arg(long)]
        month: Option<String>,
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
    /// Set the delivery terms of exchange fills and resales made from now on: the
    /// availability target, how unreported hours count, pro-rata credits and tiers.
    #[command(
        after_help = "Examples:\n  mw admin delivery-terms --target-bps 10000 --pro-rata\n  mw admin delivery-terms --target-bps 9900 --tier 9900:1000 --tier 9500:2500 --unreported not_delivered"
    )]
    DeliveryTerms {
        /// A month at or above this availability (basis points) earns no credit.
        #[arg(long)]
        target_bps: u16,
        /// How hours with no delivery report count: delivered or not_delivered.
        #[arg(long, default_value = "delivered")]
        unreported: String,
        /// Below the target, credit every undelivered GPU-hour at the price.
        #[arg(long)]
        pro_rata: bool,
        /// Below the target, BELOW_BPS:CREDIT_BPS: credit that share of the month's
        /// charge when availability is below BELOW_BPS (up to 4, descending).
        #[arg(long = "tier")]
        tiers: Vec<String>,
    },
    /// Show when months close (how long after its end a month's usage reports are still
    /// taken and corrected, before its invoices and credits), or set it (the operator).
    #[command(
        after_help = "Examples:\n  mw admin month-close\n  mw admin month-close --grace-hours 24"
    )]
    MonthClose {
        /// Hours after its end a month closes, 0 to 168 (absent: show it).
        #[arg(long)]
        grace_hours: Option<u16>,
    },
    /// Add a GPU model to the catalog.
    #[command(
        after_help = "Examples:\n  mw admin model --id b300 --name \"NVIDIA B300\" --watts-per-gpu 1900"
    )]
    Model {
        /// Id: 1 to 32 of a-z 0-9 -.
        #[arg(long)]
        id: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Server power per GPU, watts.
        #[arg(long)]
        watts_per_gpu: u32,
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
    /// Delivery promised: a month below this availability (basis points, 9900 =
    /// 99.00%) is credited on its invoice; absent: no delivery terms, no credits.
    #[arg(long)]
    pub delivery_target_bps: Option<u16>,
    /// Below the target, credit every undelivered GPU-hour at the price.
    #[arg(long, requires = "delivery_target_bps")]
    pub delivery_pro_rata: bool,
    /// Below the target, BELOW_BPS:CREDIT_BPS: credit that share of the month's charge
    /// when availability is below BELOW_BPS (repeat, up to 4, descending).
    #[arg(long = "delivery-tier", requires = "delivery_target_bps")]
    pub delivery_tiers: Vec<String>,
    /// How hours with no delivery report count: delivered or not_delivered.
    #[arg(long, default_value = "delivered", requires = "delivery_target_bps")]
    pub delivery_unreported: String,
}

/// `mw procure …`.
#[derive(Subcommand, Debug)]
pub enum ProcureCmd {
    /// Keep GPUs held (buyer): from the next hour, for the duration, the exchange buys
    /// at each tick what your procurement's own contracts do not hold of the hours
    /// within the lookahead, with IOC bids at most at the price, within your funds.
    #[command(
        after_help = "Examples:\n  mw procure create -m h100-sxm -n 64 -d 30d -p 2.50\n  mw procure create -m h200 -n 8 -d 7d -p 3.10 --lookahead 48h --block 6h --region us-east"
    )]
    Create {
        /// GPU model.
        #[arg(short, long)]
        model: String,
        /// GPUs to keep held.
        #[arg(short = 'n', long)]
        gpus: u32,
        /// How long to keep them held, from the next hour (48h, 30d, …).
        #[arg(short, long)]
        duration: String,
        /// Highest price per GPU-hour, USD.
        #[arg(short, long)]
        price: String,
        /// How far ahead to buy (default 24h).
        #[arg(long)]
        lookahead: Option<String>,
        /// The length of each block bought (default 1h).
        #[arg(long)]
        block: Option<String>,
        /// Only from this region.
        #[arg(long)]
        region: Option<String>,
    },
    /// Your procurements.
    #[command(after_help = "Examples:\n  mw procure list\n  mw procure list --live")]
    List {
        /// Only live (active or paused) ones.
        #[arg(long)]
        live: bool,
    },
    /// One procurement and its recent bids.
    #[command(after_help = "Examples:\n  mw procure show prc-1")]
    Show {
        /// Procurement id.
        id: String,
    },
    /// Pause it: ticks buy nothing for it until resumed.
    #[command(after_help = "Examples:\n  mw procure pause prc-1")]
    Pause {
        /// Procurement id.
        id: String,
    },
    /// Resume a paused procurement.
    #[command(after_help = "Examples:\n  mw procure resume prc-1")]
    Resume {
        /// Procurement id.
        id: String,
    },
    /// Cancel it (what it bought stays bought).
    #[command(after_help = "Examples:\n  mw procure cancel prc-1")]
    Cancel {
        /// Procurement id.
        id: String,
    },
}
