//! Options of the commands of the hour-block market: windows, `reserve`, `buy`, `sell`,
//! `orders`, `trades`, pages.

use clap::Args;

/// A window: start and duration.
#[derive(Args, Debug)]
pub struct WindowArgs {
    /// Start (UTC): now (the next hour), +2d, tomorrow, monday, 2027-01-04 (midnight), or
    /// RFC 3339 on an hour (2027-01-04T09:00Z).
    #[arg(short, long)]
    pub start: String,
    /// Duration in whole hours: 24h, 120m, 1.5d, 7d, 2w, 3mo (calendar months).
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
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..))]
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
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub gpus: u32,
    /// Start (UTC): now (the next hour), +2d, tomorrow, monday, 2027-01-04 (midnight), or
    /// RFC 3339 on an hour (2027-01-04T09:00Z). Or give --start-between.
    #[arg(
        short,
        long,
        required_unless_present = "start_between",
        conflicts_with = "start_between"
    )]
    pub start: Option<String>,
    /// Duration in whole hours: 24h, 120m, 1.5d, 7d, 2w, 3mo (calendar months).
    #[arg(short, long)]
    pub duration: String,
    /// Any start from A to B, inclusive (starts as --start reads them:
    /// 2027-01-04..2027-01-11, tomorrow..+7d): the bid fills at once at the cheapest
    /// feasible start, ties to the earliest, fill or kill (--tif ioc: what one start can
    /// give), or is refused with the best price found. Needs --price.
    #[arg(long, value_name = "A..B", requires = "price")]
    pub start_between: Option<String>,
    /// Limit price per GPU-hour, USD. Without it, mw quotes first: it finds the
    /// cheapest price in the book that fills the whole order now (by asking the exchange
    /// to try it), shows what it would cost, and buys at that price, fill or kill, once
    /// you say yes (or with --yes).
    #[arg(short, long)]
    pub price: Option<String>,
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
    /// Only facilities that delivered at least this share of the GPU-hours reported
    /// over the last 30 days, basis points (9900 = 99%; one with no reports meets none).
    #[arg(long)]
    pub min_reliability_bps: Option<u16>,
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
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..))]
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
    /// Only from facilities in this region.
    #[arg(long)]
    pub region: Option<String>,
    /// Only trades delivered in part at or after this (a start: 2027-01-04, tomorrow, …).
    #[arg(long)]
    pub delivery_from: Option<String>,
    /// Only trades delivered in part before this.
    #[arg(long)]
    pub delivery_to: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `mw search`.
#[derive(Args, Debug)]
pub struct SearchArgs {
    /// GPU model.
    #[arg(short, long)]
    pub model: String,
    /// GPUs.
    #[arg(short = 'n', long, allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub gpus: u32,
    /// Duration in whole hours: 24h, 3d, 2w.
    #[arg(short, long)]
    pub duration: String,
    /// Any start from A to B, inclusive (2027-01-04..2027-01-11, tomorrow..+7d).
    #[arg(long, value_name = "A..B")]
    pub start_between: String,
    /// GPUs may come from several pools.
    #[arg(long)]
    pub any_pool: bool,
    /// Only this region.
    #[arg(long)]
    pub region: Option<String>,
    /// Only this facility.
    #[arg(long)]
    pub facility: Option<String>,
    /// Only facilities at least this reliable over 30 days, basis points.
    #[arg(long)]
    pub min_reliability_bps: Option<u16>,
    /// Highest price per GPU-hour, USD.
    #[arg(long)]
    pub max_price: Option<String>,
    /// How many starts (1 to 20).
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
}
