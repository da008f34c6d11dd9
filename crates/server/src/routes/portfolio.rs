//! A participant's whole position and its counterparty exposure
//! (`GET /v1/positions`, `/v1/positions/contracts`, `/v1/positions/exposure`): the
//! records read from the read model in one go, computed by the engine's `portfolio`
//! and `exposure` functions, formatted. Nothing here computes money, and nothing here
//! asks the sequencer: a position never stalls the write path.

use crate::extract::Q;
use crate::limits::{
    EXPOSURE_LARGEST, PAGE_ITEMS_DEFAULT, PAGE_ITEMS_MAX, POSITION_CONTRACTS_MAX,
    POSITION_INVOICES_MAX, POSITION_OFFERS_MAX,
};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::positions::{self as pv, Names};
use axum::Json;
use axum::extract::State;
use megawatt_api::{ContractPositionsPage, CurveUsedView, ExposuresView, PositionView};
use megawatt_engine::contract::{ContractLine, ContractRecord, Pricing};
use megawatt_engine::curve::PeriodKind;
use megawatt_engine::ids::{ContractId, ParticipantId, PoolId};
use megawatt_engine::invoice::Invoice;
use megawatt_engine::marks::MarkCurve;
use megawatt_engine::order::Side;
use megawatt_engine::portfolio::{self, Holding, Inputs, Offer, Place, Position};
use megawatt_engine::positions::Party;
use megawatt_engine::units::Hour;
use megawatt_store::StoreError;
use megawatt_store::reader::Reader;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::IntoParams;

/// Whose position, and when.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PositionQuery {
    /// The moment: an hour, RFC 3339 (default: now on the market's clock).
    pub as_of: Option<String>,
    /// Whose (anyone may name only themselves; the operator anyone, and naming no one
    /// sees the whole market's).
    pub participant: Option<String>,
}

/// A page of a position's contracts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PositionContractsQuery {
    /// The moment: an hour, RFC 3339 (default: now on the market's clock).
    pub as_of: Option<String>,
    /// Whose (anyone may name only themselves; the operator anyone, and naming no one
    /// sees the whole market's).
    pub participant: Option<String>,
    /// Contracts after this one (the `next` of the previous page).
    pub after: Option<String>,
    /// Contracts per page, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

/// Your position at a moment: what your contracts commit month by month as buyer and
/// as seller (in total and by model, region, facility and counterparty), what your
/// resting orders and open quotes could add, run-rate this month and annualized, what
/// was invoiced this year, and your exit costs and marks against the forward curve
/// added up (each contract's: `/v1/positions/contracts`). The operator sees anyone's,
/// or, naming no one, the whole market's (each contract on both sides).
#[utoipa::path(get, path = "/v1/positions", tag = "positions", params(PositionQuery),
    responses((status = 200, body = PositionView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn positions(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<PositionQuery>,
) -> Result<Json<PositionView>, Problem> {
    let who = whose(caller, &q.participant)?;
    let at_ms = moment(&state, &q.as_of)?;
    let (c, p) = computed(&state, who, at_ms, q.as_of.is_none()).await?;
    let too_large = || overflow("as_of");
    let curves = c
        .curves
        .iter()
        .map(|(model, curve)| CurveUsedView {
            model: model.clone(),
            at: curve.at.to_string(),
            points: c.points[model],
        })
        .collect();
    Ok(Json(PositionView {
        participant: who.map(|p| p.to_string()),
        as_of: p.as_of.to_string(),
        buyer: pv::side(&p.buyer, &c.names, &c.facilities).ok_or_else(too_large)?,
        seller: pv::side(&p.seller, &c.names, &c.facilities).ok_or_else(too_large)?,
        curves,
    }))
}

/// Each contract of your position at a moment, by id then side: what it holds from
/// then on, what leaving it by notice would cost you, and its mark against its model's
/// forward curve.
#[utoipa::path(get, path = "/v1/positions/contracts", tag = "positions", params(PositionContractsQuery),
    responses((status = 200, body = ContractPositionsPage), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn position_contracts(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<PositionContractsQuery>,
) -> Result<Json<ContractPositionsPage>, Problem> {
    let who = whose(caller, &q.participant)?;
    let at_ms = moment(&state, &q.as_of)?;
    let after = q
        .after
        .as_deref()
        .map(|raw| super::id_field(raw, ContractId::PREFIX, "after", ContractId))
        .transpose()?;
    let limit = q.limit.unwrap_or(PAGE_ITEMS_DEFAULT);
    if !(1..=PAGE_ITEMS_MAX).contains(&limit) {
        let detail = format!("limit: {limit} must be between 1 and {PAGE_ITEMS_MAX}");
        return Err(Problem::invalid("limit", detail));
    }
    let (c, p) = computed(&state, who, at_ms, q.as_of.is_none()).await?;
    let rows: Vec<_> = p
        .contracts
        .iter()
        .filter(|r| after.is_none_or(|a| r.contract > a))
        .take(limit + 1)
        .collect();
    let next = (rows.len() > limit).then(|| rows[limit - 1].contract.to_string());
    let contracts = rows
        .iter()
        .take(limit)
        .map(|r| {
            let (cp, pool) = &c.held[&r.contract];
            let place = c.places.get(pool).cloned().unwrap_or_default();
            let cp = match r.side {
                Party::Buyer => cp.0,
                Party::Seller => cp.1,
            };
            pv::contract_row(r, cp, &place)
        })
        .collect();
    Ok(Json(ContractPositionsPage {
        participant: who.map(|p| p.to_string()),
        as_of: p.as_of.to_string(),
        contracts,
        next,
    }))
}

/// Counterparty exposure at a moment: as seller, what each buyer owes you now (unpaid
/// invoices) and is committed to pay (credit risk); as buyer, the share of the
/// capacity you hold from each provider (concentration). The operator, naming no
/// participant, sees the market's largest exposures between pairs.
#[utoipa::path(get, path = "/v1/positions/exposure", tag = "positions", params(PositionQuery),
    responses((status = 200, body = ExposuresView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn exposure(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Q(q): Q<PositionQuery>,
) -> Result<Json<ExposuresView>, Problem> {
    let who = whose(caller, &q.participant)?;
    let at_ms = moment(&state, &q.as_of)?;
    let from = Hour::containing(at_ms);
    if let Some(p) = who {
        known(&state, p).await?;
    }
    let (contracts, unpaid, names) = state
        .read(move |r| {
            let Some(contracts) = r.held_contracts(who, (from, at_ms), POSITION_CONTRACTS_MAX)?
            else {
                return Ok(None);
            };
            let window = (0, at_ms, true);
            let Some(unpaid) = r.invoices_issued(who, window, POSITION_INVOICES_MAX)? else {
                return Ok(None);
            };
            let ids = contracts.iter().flat_map(|c| [c.buyer, c.seller]);
            let ids = ids.chain(unpaid.iter().flat_map(|i| [i.payer, i.payee]));
            let names = names_of(r, ids)?;
            Ok(Some((contracts, unpaid, names)))
        })
        .await?
        .ok_or_else(too_many)?;
    let mut view = ExposuresView {
        participant: who.map(|p| p.to_string()),
        as_of: from.to_string(),
        to_buyers: Vec::new(),
        to_providers: Vec::new(),
        largest: Vec::new(),
    };
    match who {
        Some(p) => {
            let hs = holdings(&contracts, Some(p));
            let x = megawatt_engine::exposure::exposures(p, at_ms, &hs, &unpaid)
                .map_err(|_| overflow("as_of"))?;
            view.to_buyers = x
                .to_buyers
                .iter()
                .map(|e| pv::exposure(e, &names))
                .collect();
            view.to_providers = x
                .to_providers
                .iter()
                .map(|e| pv::exposure(e, &names))
                .collect();
        }
        None => {
            let l =
                megawatt_engine::exposure::largest(at_ms, &contracts, &unpaid, EXPOSURE_LARGEST)
                    .map_err(|_| overflow("as_of"))?;
            view.largest = l.iter().map(|e| pv::pair(e, &names)).collect();
        }
    }
    Ok(Json(view))
}

/// Whose position: the caller's own, or (the operator) the one named, or (the
/// operator, naming no one) the whole market's (`None`). Anyone else naming another
/// participant is answered as if there were none (404): positions are private.
fn whose(caller: Caller, raw: &Option<String>) -> Result<Option<ParticipantId>, Problem> {
    let named = raw
        .as_deref()
        .map(|r| super::id_field(r, ParticipantId::PREFIX, "participant", ParticipantId))
        .transpose()?;
    match (caller.operator, named) {
        (true, p) => Ok(p),
        (false, None) => Ok(Some(caller.id)),
        (false, Some(p)) if p == caller.id => Ok(Some(p)),
        (false, Some(p)) => Err(no_participant(p)),
    }
}

/// The moment asked (`as_of`), or now on the market's clock.
fn moment(state: &AppState, raw: &Option<String>) -> Result<u64, Problem> {
    match raw.as_deref() {
        Some(raw) => Ok(super::hour_field("as_of", raw)?.start_ms()),
        None => Ok(super::market_ms(state)),
    }
}

async fn known(state: &Arc<AppState>, p: ParticipantId) -> Result<(), Problem> {
    let name = state.read(move |r| r.participant_name(p.0)).await?;
    if name.is_empty() {
        return Err(no_participant(p));
    }
    Ok(())
}

/// 404 for a participant that does not exist or whose position is not the caller's.
fn no_participant(p: ParticipantId) -> Problem {
    Problem::unknown("participant", format!("participant: no participant {p}")).field("participant")
}

fn too_many() -> Problem {
    let detail = format!(
        "more than {POSITION_CONTRACTS_MAX} contracts, {POSITION_OFFERS_MAX} open orders or quotes, or {POSITION_INVOICES_MAX} invoices this year for one view"
    );
    Problem::rule(
        megawatt_engine::Rule::QuantityTooLarge,
        "participant",
        &detail,
    )
}

fn overflow(field: &str) -> Problem {
    Problem::rule(
        megawatt_engine::Rule::QuantityTooLarge,
        field,
        "the position's figures do not fit in micro-USD",
    )
}

/// What a position was computed from, besides the engine's answer.
struct Context {
    /// Each contract's (seller, buyer) and first line's pool.
    held: BTreeMap<ContractId, ((ParticipantId, ParticipantId), u64)>,
    places: BTreeMap<u64, Place>,
    names: Names,
    facilities: BTreeMap<u64, String>,
    curves: BTreeMap<String, MarkCurve>,
    points: BTreeMap<String, u32>,
}

/// Everything a position is computed from, read in one go (from the read model, or
/// now from the snapshot replica's engine: `live.rs`).
pub(super) struct Records {
    pub(super) contracts: Vec<ContractRecord>,
    pub(super) places: BTreeMap<u64, Place>,
    pub(super) facilities: BTreeMap<u64, String>,
    pub(super) orders: Vec<OpenOrder>,
    /// Open quotes' lines and price.
    pub(super) quotes: Vec<(Vec<ContractLine>, Pricing)>,
    pub(super) invoices: Vec<Invoice>,
    pub(super) curves: BTreeMap<String, MarkCurve>,
    pub(super) points: BTreeMap<String, u32>,
    pub(super) names: Names,
}

/// What a resting order could add: its side, model, pool (an ask's), GPUs, window,
/// price and GPU-hours traded so far.
pub(super) struct OpenOrder {
    pub(super) side: Side,
    pub(super) model: String,
    pub(super) pool: Option<PoolId>,
    pub(super) gpus: u32,
    pub(super) window: megawatt_engine::units::Window,
    pub(super) price_micros: i64,
    pub(super) filled_gpu_hours: u64,
}

impl From<megawatt_store::reader::OrderRecord> for OpenOrder {
    fn from(o: megawatt_store::reader::OrderRecord) -> OpenOrder {
        OpenOrder {
            side: o.side,
            model: o.model,
            pool: o.pool,
            gpus: o.gpus,
            window: o.window,
            price_micros: o.price_micros,
            filled_gpu_hours: o.filled_gpu_hours,
        }
    }
}

/// Reads what `who`'s position at `at_ms` is computed from, and computes it.
/// A position now (`live`) is read from the snapshot replica's engine when it can
/// answer (`live.rs`), else from the read model.
async fn computed(
    state: &Arc<AppState>,
    who: Option<ParticipantId>,
    at_ms: u64,
    live: bool,
) -> Result<(Context, Position), Problem> {
    if live && let Some(found) = super::live::records(state, who, at_ms).await {
        let records = found.map_err(|r| match (r, who) {
            (super::live::Refusal::Unknown, Some(p)) => no_participant(p),
            _ => too_many(),
        })?;
        return compute(records, who, at_ms);
    }
    if let Some(p) = who {
        known(state, p).await?;
    }
    let records = state
        .read(move |r| read_records(r, who, at_ms))
        .await?
        .ok_or_else(too_many)?;
    compute(records, who, at_ms)
}

fn read_records(
    r: &mut Reader,
    who: Option<ParticipantId>,
    at_ms: u64,
) -> Result<Option<Records>, StoreError> {
    let month = Hour::containing(at_ms).month_start();
    let year = Hour::containing(at_ms).year_start().start_ms();
    let (Some(contracts), Some(orders), Some(quotes), Some(invoices)) = (
        r.held_contracts(who, (month, at_ms), POSITION_CONTRACTS_MAX)?,
        r.open_orders(who, POSITION_OFFERS_MAX)?,
        r.open_quotes(who, POSITION_OFFERS_MAX)?,
        r.invoices_issued(who, (year, at_ms, false), POSITION_INVOICES_MAX)?,
    ) else {
        return Ok(None);
    };
    let (places, facilities) = r.pool_places()?;
    let (mut curves, mut points) = (BTreeMap::new(), BTreeMap::new());
    for model in models_held(&contracts, &places) {
        if let Some((m, n)) = mark_curve(r, &model, Hour::containing(at_ms))? {
            points.insert(model.clone(), n);
            curves.insert(model, m);
        }
    }
    let names = names_of(r, contracts.iter().flat_map(|c| [c.buyer, c.seller]))?;
    Ok(Some(Records {
        contracts,
        places,
        facilities,
        orders: orders.into_iter().map(OpenOrder::from).collect(),
        quotes: quotes.into_iter().map(|q| (q.lines, q.pricing)).collect(),
        invoices,
        curves,
        points,
        names,
    }))
}

/// The models the contracts' lines hold.
pub(super) fn models_held(
    contracts: &[ContractRecord],
    places: &BTreeMap<u64, Place>,
) -> std::collections::BTreeSet<String> {
    contracts
        .iter()
        .flat_map(|c| c.lines.iter().filter_map(|l| places.get(&l.pool.0)))
        .map(|p| p.model.clone())
        .collect()
}

/// The curve of `model` in force at `at`, as the engine marks by it, and its number of
/// points (`None`: no curve).
pub(super) fn mark_curve(
    r: &mut Reader,
    model: &str,
    at: Hour,
) -> Result<Option<(MarkCurve, u32)>, StoreError> {
    let Some(c) = r.curve(model, at)? else {
        return Ok(None);
    };
    let kind = |k: &str| PeriodKind::ALL.into_iter().find(|p| p.as_str() == k);
    let pts = c
        .points
        .iter()
        .filter_map(|p| Some((kind(&p.kind)?, p.start, p.end, p.price_micros)));
    let n = u32::try_from(c.points.len()).unwrap_or(u32::MAX);
    Ok(MarkCurve::new(c.at, pts).map(|m| (m, n)))
}

fn names_of(r: &mut Reader, ids: impl Iterator<Item = ParticipantId>) -> Result<Names, StoreError> {
    let mut names = Names::new();
    for p in ids {
        if let std::collections::btree_map::Entry::Vacant(e) = names.entry(p) {
            e.insert(r.participant_name(p.0)?);
        }
    }
    Ok(names)
}

/// The holdings of `p` among `contracts` (`None`: each contract on both sides).
fn holdings(contracts: &[ContractRecord], p: Option<ParticipantId>) -> Vec<Holding<'_>> {
    let mut v = Vec::with_capacity(contracts.len());
    for c in contracts {
        for (side, party) in [(Party::Buyer, c.buyer), (Party::Seller, c.seller)] {
            if p.is_none_or(|p| p == party) {
                v.push(Holding { contract: c, side });
            }
        }
    }
    v
}

fn compute(
    rec: Records,
    who: Option<ParticipantId>,
    at_ms: u64,
) -> Result<(Context, Position), Problem> {
    let hs = holdings(&rec.contracts, who);
    // A resting order as one line to its end: what its unfilled part could add.
    let order_lines: Vec<[ContractLine; 1]> = rec
        .orders
        .iter()
        .map(|o| {
            [ContractLine {
                pool: o.pool.unwrap_or(PoolId(0)),
                gpus: o.gpus,
                window: o.window,
            }]
        })
        .collect();
    let mut offers: Vec<Offer<'_>> = Vec::with_capacity(rec.orders.len() + rec.quotes.len());
    for (o, lines) in rec.orders.iter().zip(&order_lines) {
        let total = u64::from(o.gpus) * u64::from(o.window.hours());
        offers.push(Offer {
            side: if o.side == Side::Buy {
                Party::Buyer
            } else {
                Party::Seller
            },
            economics: megawatt_engine::economics::Economics {
                lines,
                pricing: megawatt_engine::contract::Pricing::PerGpuHour {
                    price_micros: o.price_micros,
                },
                ends: o.window.end,
            },
            open_gpu_hours: (total.saturating_sub(o.filled_gpu_hours), total),
        });
    }
    for (lines, pricing) in &rec.quotes {
        let economics = megawatt_engine::economics::Economics {
            lines,
            pricing: *pricing,
            ends: lines.iter().map(|l| l.window.end).max().unwrap_or(Hour(0)),
        };
        offers.push(Offer {
            side: Party::Seller,
            economics,
            open_gpu_hours: (1, 1),
        });
    }
    let inputs = Inputs {
        participant: who,
        at_ms,
        holdings: &hs,
        offers: &offers,
        invoices: &rec.invoices,
        curves: &rec.curves,
        places: &rec.places,
    };
    let p = portfolio::position(&inputs).map_err(|_| overflow("as_of"))?;
    let held = rec
        .contracts
        .iter()
        .map(|c| (c.id, ((c.seller, c.buyer), c.lines[0].pool.0)))
        .collect();
    Ok((
        Context {
            held,
            places: rec.places,
            names: rec.names,
            facilities: rec.facilities,
            curves: rec.curves,
            points: rec.points,
        },
        p,
    ))
}
