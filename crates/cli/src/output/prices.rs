//! The published prices as tables: a series of the index, a forward curve, the best
//! starts of a search.

use super::{Mode, t, table, usd, usd_opt};
use megawatt_api::{CurveView, IndexView, MarketEvent, SearchView};

/// A series of the index: a row per tick (a value withheld says why).
pub fn index(v: &IndexView) {
    let of = v.region.as_deref().unwrap_or("all regions");
    println!(
        "Megawatt index, {} {of}, {} series, {} to {} (methodology: {})",
        v.model,
        v.span,
        t(&v.from),
        t(&v.to),
        v.methodology
    );
    let rows: Vec<Vec<String>> = v
        .values
        .iter()
        .map(|x| {
            let price = match (&x.price, &x.unpublished) {
                (Some(p), _) => usd(p),
                (None, why) => format!("- ({})", why.as_deref().unwrap_or("not published")),
            };
            vec![
                t(&x.at),
                price,
                x.prints.to_string(),
                x.gpu_hours.to_string(),
                x.sellers.to_string(),
                format!("v{}", x.methodology_version),
            ]
        })
        .collect();
    if rows.is_empty() {
        println!("no prints in any window of the range");
        return;
    }
    table(
        &["at", "index", "prints", "gpu-hours", "sellers", "method"],
        &rows,
    );
}

/// A forward curve: a row per week, then per month.
pub fn curve(v: &CurveView) {
    let Some(at) = &v.at else {
        println!(
            "{}: no curve (no prints or orders to price it from)",
            v.model
        );
        return;
    };
    let version = v.methodology_version.unwrap_or_default();
    println!(
        "{} forward curve as of {} (methodology v{version}: {})",
        v.model,
        t(at),
        v.methodology
    );
    let rows: Vec<Vec<String>> = v
        .points
        .iter()
        .map(|p| {
            vec![
                p.period.clone(),
                t(&p.start),
                usd(&p.price),
                p.source.clone(),
                p.prints.to_string(),
                usd_opt(&p.best_bid),
                usd_opt(&p.best_ask),
            ]
        })
        .collect();
    table(
        &[
            "period", "start", "price", "source", "prints", "best bid", "best ask",
        ],
        &rows,
    );
}

/// The best starts of a search: a row per start, with where it would fill.
pub fn search(v: &SearchView) {
    println!(
        "{} x {} for {} hours, starts {} to {}",
        v.gpus,
        v.model,
        v.hours,
        t(&v.start_from),
        t(&v.start_until)
    );
    if v.starts.is_empty() {
        println!("no start fills every GPU within the price on the book now");
        return;
    }
    let rows: Vec<Vec<String>> = v
        .starts
        .iter()
        .map(|s| {
            let fills: Vec<String> = s
                .fills
                .iter()
                .map(|f| format!("{} {} x {}", f.pool, f.gpus, usd(&f.price)))
                .collect();
            vec![
                t(&s.start),
                t(&s.end),
                usd(&s.average_price),
                usd(&s.cost),
                fills.join(", "),
            ]
        })
        .collect();
    table(&["start", "end", "avg price", "cost", "fills"], &rows);
}

/// A price event of the stream (the top of a book, a value of the index, a new curve)
/// as a line, or what `--quiet` prints of it.
pub fn price_event(mode: Mode, e: &MarketEvent) -> String {
    match (mode, e) {
        (Mode::Quiet, MarketEvent::Index { model, span, .. }) => format!("{model} {span}"),
        (Mode::Quiet, MarketEvent::Curve { model, .. })
        | (Mode::Quiet, MarketEvent::Top { model, .. }) => model.clone(),
        (
            _,
            MarketEvent::Top {
                model,
                best_bid,
                best_ask,
                ..
            },
        ) => format!(
            "top    {model}: bid {} ask {}",
            best_bid.as_ref().map_or("-".into(), usd),
            best_ask.as_ref().map_or("-".into(), usd)
        ),
        (
            _,
            MarketEvent::Index {
                model,
                region,
                span,
                value,
                ..
            },
        ) => {
            let of = region.as_deref().unwrap_or("all regions");
            let price = match (&value.price, &value.unpublished) {
                (Some(p), _) => usd(p),
                (None, why) => format!("not published ({})", why.as_deref().unwrap_or("-")),
            };
            format!(
                "index  {model} {of} {span} at {}: {price} ({} prints, {} GPU-hours, {} sellers)",
                t(&value.at),
                value.prints,
                value.gpu_hours,
                value.sellers
            )
        }
        (
            _,
            MarketEvent::Curve {
                model, at, points, ..
            },
        ) => format!(
            "curve  {model} at {}: {points} points (mw curve --model {model})",
            t(at)
        ),
        (_, other) => serde_json::to_string(other).unwrap_or_default(),
    }
}
