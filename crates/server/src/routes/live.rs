//! What a position **now** is computed from, read from the snapshot replica's engine
//! (`Sequencer::replica_query`) instead of the read model: the participant's contracts,
//! resting orders and open quotes, every pool's place, names, and the curves in force,
//! as the engine holds them at the replica's journal position; only the invoices come
//! from the read model. The same `Records` as `portfolio::read_records` reads, so the
//! engine computes the same position from either; the replica never runs on the
//! sequencer. `None` (the caller reads the read model) when there is no replica or it
//! is busy with as many reads as it takes.

use super::plans::Held;
use super::portfolio::{OpenOrder, Records};
use crate::limits::{POSITION_CONTRACTS_MAX, POSITION_INVOICES_MAX, POSITION_OFFERS_MAX};
use crate::state::AppState;
use megawatt_engine::Engine;
use megawatt_engine::contract::ContractRecord;
use megawatt_engine::ids::ParticipantId;
use megawatt_engine::marks::MarkCurve;
use megawatt_engine::order::OrderKind;
use megawatt_engine::portfolio::Place;
use megawatt_engine::units::Hour;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Why the replica's engine gave no records.
pub(super) enum Refusal {
    /// No such participant.
    Unknown,
    /// More than a view's bounds.
    TooMany,
}

/// The records of `who`'s position at `at_ms` (now), from the replica; `None` when it
/// cannot answer.
pub(super) async fn records(
    state: &Arc<AppState>,
    who: Option<ParticipantId>,
    at_ms: u64,
) -> Option<Result<Records, Refusal>> {
    let from = Hour::containing(at_ms).month_start();
    let gathered = state
        .seq
        .replica_query(move |e, _| gather(e, who, (from, at_ms)))
        .await?;
    let Ok(mut rec) = gathered else {
        return Some(gathered);
    };
    let year = Hour::containing(at_ms).year_start().start_ms();
    let invoices = state
        .read(move |r| r.invoices_issued(who, (year, at_ms, false), POSITION_INVOICES_MAX))
        .await
        .ok()?;
    let Some(invoices) = invoices else {
        return Some(Err(Refusal::TooMany));
    };
    rec.invoices = invoices;
    Some(Ok(rec))
}

/// Everything but the invoices, from the engine: the contracts of `who` (`None`: all)
/// made by `at_ms` that hold hours after `from`, as `Reader::held_contracts` selects
/// them, by id.
fn gather(
    e: &Engine,
    who: Option<ParticipantId>,
    (from, at_ms): (Hour, u64),
) -> Result<Records, Refusal> {
    if let Some(p) = who
        && e.participant(p).is_none()
    {
        return Err(Refusal::Unknown);
    }
    let party = |p: ParticipantId| who.is_none_or(|w| w == p);
    let quotes: Vec<_> = e
        .quotes()
        .filter(|q| party(q.provider))
        .take(POSITION_OFFERS_MAX + 1)
        .map(|q| (q.lines.iter().copied().collect(), q.pricing))
        .collect();
    let Some((contracts, orders)) = held_now(e, who, (from, at_ms)) else {
        return Err(Refusal::TooMany);
    };
    if quotes.len() > POSITION_OFFERS_MAX {
        return Err(Refusal::TooMany);
    }
    let places: BTreeMap<u64, Place> = e
        .pools()
        .map(|p| {
            let place = Place {
                model: e.model(p.model).id.clone(),
                region: e.region_name(p.region).to_string(),
                facility: p.facility.0,
            };
            (p.id.0, place)
        })
        .collect();
    let facilities = e.facilities().map(|f| (f.id.0, f.name.clone())).collect();
    let (curves, points) = curves(e, &contracts, &places);
    let names = contracts
        .iter()
        .flat_map(|c| [c.buyer, c.seller])
        .filter_map(|p| Some((p, e.participant(p)?.name.clone())))
        .collect();
    Ok(Records {
        contracts,
        places,
        facilities,
        orders,
        quotes,
        invoices: Vec::new(),
        curves,
        points,
        names,
    })
}

/// The contracts of `who` (`None`: all) made by `at_ms` that hold hours after `from`,
/// as `Reader::held_contracts` selects them, by id, and its live orders; `None` past a
/// view's bounds.
fn held_now(
    e: &Engine,
    who: Option<ParticipantId>,
    (from, at_ms): (Hour, u64),
) -> Option<(Vec<ContractRecord>, Vec<OpenOrder>)> {
    let party = |p: ParticipantId| who.is_none_or(|w| w == p);
    let held: Vec<_> = e
        .contracts()
        .filter(|c| (party(c.buyer) || party(c.seller)) && c.ends > from && c.created_ms <= at_ms)
        .take(POSITION_CONTRACTS_MAX + 1)
        .collect();
    let orders: Vec<OpenOrder> = e
        .orders_of(who)
        .into_iter()
        .take(POSITION_OFFERS_MAX + 1)
        .map(|o| open_order(e, o))
        .collect();
    if held.len() > POSITION_CONTRACTS_MAX || orders.len() > POSITION_OFFERS_MAX {
        return None;
    }
    Some((held.into_iter().map(ContractRecord::from).collect(), orders))
}

/// A live order as what it could add: an ask's GPU-hours traded are those no longer
/// free; a bid's, its filled GPUs over its window.
fn open_order(e: &Engine, o: &megawatt_engine::order::Order) -> OpenOrder {
    let hours = u64::from(o.window.hours());
    let (pool, gpus, filled_gpu_hours) = match &o.kind {
        OrderKind::Ask(a) => {
            let free: u64 = a
                .avail
                .segments()
                .map(|(w, n)| u64::from(w.hours()) * u64::from(n))
                .sum();
            let offered = u64::from(a.gpus) * hours;
            (Some(a.pool), a.gpus, offered.saturating_sub(free))
        }
        OrderKind::Bid(b) => (None, b.gpus, u64::from(b.gpus - b.remaining_gpus) * hours),
    };
    OpenOrder {
        side: o.side(),
        model: e.model(o.model).id.clone(),
        pool,
        gpus,
        window: o.window,
        price_micros: o.price_micros,
        filled_gpu_hours,
    }
}

/// The last curve of each model the contracts hold, as the engine marks by it, and its
/// number of points.
fn curves(
    e: &Engine,
    contracts: &[ContractRecord],
    places: &BTreeMap<u64, Place>,
) -> (BTreeMap<String, MarkCurve>, BTreeMap<String, u32>) {
    let (mut curves, mut points) = (BTreeMap::new(), BTreeMap::new());
    for model in super::portfolio::models_held(contracts, places) {
        if let Some((m, n)) = mark_curve(e, &model) {
            points.insert(model.clone(), n);
            curves.insert(model, m);
        }
    }
    (curves, points)
}

/// The last curve the engine published for `model`, as it marks by it, and its number
/// of points (`None`: none, or withdrawn).
fn mark_curve(e: &Engine, model: &str) -> Option<(MarkCurve, u32)> {
    let c = e.curve(e.model_by_id(model)?.0)?;
    let pts = c
        .points
        .iter()
        .map(|p| (p.kind, p.start, p.end, p.price_micros));
    let n = u32::try_from(c.points.len()).unwrap_or(u32::MAX);
    Some((MarkCurve::new(c.at, pts)?, n))
}

/// What `who` holds from `at_ms` on, for a plan (`plans::Held`), from the replica;
/// `None` when it cannot answer, `Some(None)` past a view's bounds.
pub(super) async fn held(
    state: &Arc<AppState>,
    who: ParticipantId,
    at_ms: u64,
    models: BTreeSet<String>,
) -> Option<Option<Held>> {
    let from = Hour::containing(at_ms);
    state
        .seq
        .replica_query(move |e, _| {
            let (contracts, orders) = held_now(e, Some(who), (from, at_ms))?;
            let model = |p: &megawatt_engine::entities::Pool| e.model(p.model).id.clone();
            let curves = models
                .into_iter()
                .filter_map(|m| Some((m.clone(), mark_curve(e, &m)?.0)))
                .collect();
            Some(Held {
                contracts,
                models: e.pools().map(|p| (p.id.0, model(p))).collect(),
                orders,
                pools: e
                    .pools()
                    .filter(|p| p.owner == who)
                    .map(|p| (p.id.0, model(p), p.gpus))
                    .collect(),
                curves,
            })
        })
        .await
}
