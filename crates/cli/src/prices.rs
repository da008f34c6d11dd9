//! `mw trades`, `mw book`, `mw depth`, `mw candles`, `mw index`, `mw curve`, `mw
//! search`: the market's public data (the tape, the book, its depth by delivery period,
//! candles, the published index and forward curve, the best starts of a block), read
//! and printed.

use crate::args::Cmd;
use crate::client::{Client, Failure, paging, query};
use crate::input;
use crate::output::{self, Mode, show};
use megawatt_api as api;

/// Runs one of the market-data subcommands.
pub fn market_data(c: &Client, mode: Mode, cmd: &Cmd) -> Result<(), Failure> {
    match cmd {
        Cmd::Trades(a) => {
            let [limit, before] = paging(&a.page);
            let mine = ("mine", a.mine.then(|| "true".to_string()));
            let q = query(
                "/v1/trades",
                &[
                    limit,
                    before,
                    mine,
                    ("model", a.model.clone()),
                    ("region", a.region.clone()),
                    ("delivery_from", input::start_arg(&a.delivery_from)?),
                    ("delivery_to", input::start_arg(&a.delivery_to)?),
                ],
            );
            let trades: api::Page<api::TradeView> = c.get(&q)?;
            show(mode, &trades, output::trades);
        }
        Cmd::Book { model } => {
            let q = query("/v1/book", &[("model", Some(model.clone()))]);
            show(mode, &c.get(&q)?, output::book);
        }
        Cmd::Candles {
            model,
            interval,
            by,
            region,
            from,
            to,
        } => {
            let q = query(
                "/v1/candles",
                &[
                    ("model", Some(model.clone())),
                    ("interval", Some(interval.clone())),
                    ("by", Some(by.clone())),
                    ("region", region.clone()),
                    ("from", input::start_arg(from)?),
                    ("to", input::start_arg(to)?),
                ],
            );
            show(mode, &c.get(&q)?, output::candles);
        }
        Cmd::Depth { model, by } => {
            let q = query(
                "/v1/depth",
                &[("model", Some(model.clone())), ("by", Some(by.clone()))],
            );
            show(mode, &c.get(&q)?, output::depth);
        }
        Cmd::Index {
            model,
            span,
            region,
            from,
            to,
        } => {
            let q = query(
                "/v1/index",
                &[
                    ("model", Some(model.clone())),
                    ("span", Some(span.clone())),
                    ("region", region.clone()),
                    ("from", input::start_arg(from)?),
                    ("to", input::start_arg(to)?),
                ],
            );
            show(mode, &c.get(&q)?, output::index);
        }
        Cmd::Curve { model, at } => {
            let q = query(
                "/v1/curve",
                &[
                    ("model", Some(model.clone())),
                    ("at", input::start_arg(at)?),
                ],
            );
            show(mode, &c.get(&q)?, output::curve);
        }
        Cmd::Search(a) => {
            let (from, until) = input::start_range(&a.start_between)?;
            let hours = input::hours_from(from, &a.duration)?;
            let q = query(
                "/v1/search",
                &[
                    ("model", Some(a.model.clone())),
                    ("gpus", Some(a.gpus.to_string())),
                    ("hours", Some(hours.to_string())),
                    ("start_from", Some(from.to_string())),
                    ("start_until", Some(until.to_string())),
                    ("colocate", Some((!a.any_pool).to_string())),
                    ("region", a.region.clone()),
                    ("facility", a.facility.clone()),
                    (
                        "min_reliability_bps",
                        a.min_reliability_bps.map(|b| b.to_string()),
                    ),
                    ("max_price", a.max_price.clone()),
                    ("limit", Some(a.limit.to_string())),
                ],
            );
            show(mode, &c.get(&q)?, output::search);
        }
        _ => unreachable!("client_command sends only market data here"),
    }
    Ok(())
}
