//! Capacity plans (`POST /v1/positions/plan`): a participant's demand per model and
//! period against what it holds, and the proposal that closes the gaps, as a dry run.
//! Held capacity is read from the read model (contracts, resting asks, owned pools);
//! the comparison and the proposal are the engine's `plan::compare` and `plan::propose`
//! (priced by `MarkCurve::price_over`). Nothing is placed and nothing is stored.

use super::portfolio::OpenOrder;
use crate::limits::{POSITION_CONTRACTS_MAX, POSITION_OFFERS_MAX};
use crate::problem::{Problem, ProblemBody};
use crate::state::{AppState, Caller};
use crate::views::money;
use axum::Json;
use axum::extract::State;
use megawatt_api::{
    PlanBody, PlanPeriodView, PlanRow, PlanView, ProposalView, ProposedOrderView, RfqDraftView,
};
use megawatt_engine::Rule;
use megawatt_engine::command::{PlanRowSpec, PlanSpec};
use megawatt_engine::contract::ContractRecord;
use megawatt_engine::curve::PeriodKind;
use megawatt_engine::ids::{ContractId, ParticipantId, PoolId};
use megawatt_engine::limits::PLAN_FACILITY_SCALE_GPUS;
use megawatt_engine::marks::MarkCurve;
use megawatt_engine::order::Side;
use megawatt_engine::plan::{
    self, Demand, Gap, Proposal, ProposedAsk, ProposedBid, Rules, Source, Supply,
};
use megawatt_engine::portfolio::standing;
use megawatt_engine::units::{Hour, Window};
use megawatt_store::StoreError;
use megawatt_store::reader::Reader;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Your capacity plan against what you hold, and what would close its gaps: for each
/// row (GPUs of a model needed at every hour of a week or month, at most 36 months
/// ahead), the fewest and most GPUs you hold in it (bought, less what you resold or
/// list; a provider's pools, less what it sold or lists), the shortfall and the
/// surplus; and a proposal: bids at the forward curve (or `limit`) for the shortfalls,
/// an RFQ for a facility-scale one, asks for the surpluses (resales of your contracts'
/// lines, or a provider's pools). A dry run: nothing is placed.
#[utoipa::path(post, path = "/v1/positions/plan", tag = "positions", request_body = PlanBody,
    responses((status = 200, body = PlanView), (status = "4XX", body = ProblemBody)), security(("bearer" = [])))]
pub async fn plan(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: crate::extract::Body<PlanBody>,
) -> Result<Json<PlanView>, Problem> {
    let body = body.value;
    let at_ms = match body.as_of.as_deref() {
        Some(raw) => super::hour_field("as_of", raw)?.start_ms(),
        None => super::market_ms(&state),
    };
    let spec = spec_of(&body.period, &body.rows, body.limit.as_deref())?;
    let names = state.seq.names();
    let known = |m: &str| names.models.iter().any(|g| g.id == m);
    let demand =
        plan::demand(&spec, Hour::containing(at_ms), known).map_err(|r| Problem::engine(&r))?;
    let live = (at_ms, body.as_of.is_none());
    let (gaps, proposal) =
        propose_for(&state, caller.id, live, demand, spec.limit_price_micros).await?;
    Ok(Json(plan_view(caller.id, at_ms, &spec, &gaps, &proposal)))
}

/// A plan's fields as the engine takes them: the period, each row's start (an hour,
/// `rows[i].start`) and the limit (positive USD), named as the body spells them.
pub fn spec_of(period: &str, rows: &[PlanRow], limit: Option<&str>) -> Result<PlanSpec, Problem> {
    let period = match period {
        "week" => PeriodKind::Week,
        "month" => PeriodKind::Month,
        other => {
            let detail = format!("period: {other:?} is not week or month");
            return Err(Problem::invalid("period", detail));
        }
    };
    let limit_price_micros = limit
        .map(|raw| match crate::parse::usd(raw) {
            Ok(l) if l > 0 => Ok(l),
            Ok(_) => Err(Problem::rule(
                Rule::PriceNotPositive,
                "limit",
                &format!("{raw} is not positive"),
            )),
            Err(e) => Err(Problem::invalid("limit", format!("limit: {e}"))),
        })
        .transpose()?;
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(PlanRowSpec {
                model: r.model.clone(),
                start: super::hour_field(&format!("rows[{i}].start"), &r.start)?,
                gpus: r.gpus,
            })
        })
        .collect::<Result<_, Problem>>()?;
    Ok(PlanSpec {
        period,
        rows,
        limit_price_micros,
    })
}

/// `demand` against what `who` holds at `at_ms`, and the proposal closing its gaps
/// (bids at `limit` or the curve). Rows whose period has ended are left out, and the
/// current period counts from the next hour (what can still be placed). Now (`live`),
/// what is held is read from the snapshot replica's engine when it can answer.
pub async fn propose_for(
    state: &Arc<AppState>,
    who: ParticipantId,
    (at_ms, live): (u64, bool),
    demand: Vec<Demand>,
    limit: Option<i64>,
) -> Result<(Vec<Gap>, Proposal), Problem> {
    let demand = plan::ahead(demand, Hour::containing(at_ms));
    let models: BTreeSet<String> = demand.iter().map(|d| d.model.clone()).collect();
    let too_many = || {
        let detail = format!(
            "more than {POSITION_CONTRACTS_MAX} contracts or {POSITION_OFFERS_MAX} open orders to plan against"
        );
        Problem::rule(Rule::QuantityTooLarge, "rows", &detail)
    };
    let from_replica = if live {
        super::live::held(state, who, at_ms, models.clone()).await
    } else {
        None
    };
    let held = match from_replica {
        Some(held) => held.ok_or_else(too_many)?,
        None => state
            .read(move |r| read_held(r, who, at_ms, models))
            .await?
            .ok_or_else(too_many)?,
    };
    let supply = held.supply(who, at_ms);
    let gaps = plan::compare(&demand, &supply);
    let rules = Rules {
        limit_micros: limit,
        facility_scale_gpus: PLAN_FACILITY_SCALE_GPUS,
    };
    let price = |model: &str, w: Window| held.curves.get(model).and_then(|c| c.price_over(w));
    let proposal = plan::propose(&gaps, &supply, price, rules).ok_or_else(|| {
        Problem::rule(
            Rule::QuantityTooLarge,
            "rows",
            "the proposal's figures do not fit in micro-USD",
        )
    })?;
    Ok((gaps, proposal))
}

/// The plan against the position at `at_ms`, and its proposal.
pub fn plan_view(
    who: ParticipantId,
    at_ms: u64,
    spec: &PlanSpec,
    gaps: &[Gap],
    proposal: &Proposal,
) -> PlanView {
    PlanView {
        participant: who.to_string(),
        as_of: Hour::containing(at_ms).to_string(),
        period: spec.period.as_str().to_string(),
        periods: gaps.iter().map(period_view).collect(),
        proposal: proposal_view(proposal, gaps),
    }
}

/// What a participant holds, read in one go.
pub(super) struct Held {
    pub(super) contracts: Vec<ContractRecord>,
    /// Each pool's model.
    pub(super) models: BTreeMap<u64, String>,
    pub(super) orders: Vec<OpenOrder>,
    /// The participant's own pools: (id, model, GPUs).
    pub(super) pools: Vec<(u64, String, u32)>,
    pub(super) curves: BTreeMap<String, MarkCurve>,
}

fn read_held(
    r: &mut Reader,
    who: ParticipantId,
    at_ms: u64,
    models: BTreeSet<String>,
) -> Result<Option<Held>, StoreError> {
    let from = Hour::containing(at_ms);
    let (Some(contracts), Some(orders)) = (
        r.held_contracts(Some(who), (from, at_ms), POSITION_CONTRACTS_MAX)?,
        r.open_orders(Some(who), POSITION_OFFERS_MAX)?,
    ) else {
        return Ok(None);
    };
    let (places, _) = r.pool_places()?;
    let mut curves = BTreeMap::new();
    for model in models {
        if let Some((m, _)) = super::portfolio::mark_curve(r, &model, from)? {
            curves.insert(model, m);
        }
    }
    Ok(Some(Held {
        contracts,
        models: places.into_iter().map(|(id, p)| (id, p.model)).collect(),
        orders: orders.into_iter().map(OpenOrder::from).collect(),
        pools: r.owned_pools(who)?,
        curves,
    }))
}

impl Held {
    /// What `who` holds from `at_ms` on: its bought lines, less its sold ones and its
    /// resting asks, with what its resting bids would add; its pools for as far as a
    /// plan reaches.
    fn supply(&self, who: ParticipantId, at_ms: u64) -> Vec<Supply<'_>> {
        let from = Hour::containing(at_ms);
        let model = |pool: PoolId| self.models.get(&pool.0).map_or("", String::as_str);
        let mut v = Vec::new();
        for c in &self.contracts {
            let Some(s) = standing(c, at_ms) else {
                continue;
            };
            for (i, l) in c.lines.iter().enumerate() {
                let Ok(window) = Window::new(l.window.start.max(from), l.window.end.min(s.ends))
                else {
                    continue;
                };
                let line = u16::try_from(i).unwrap_or(u16::MAX);
                for (party, source) in [
                    (c.buyer, Source::Bought(c.id, line)),
                    (c.seller, Source::Taken),
                ] {
                    if party == who {
                        v.push(Supply {
                            model: model(l.pool),
                            window,
                            gpus: l.gpus,
                            source,
                        });
                    }
                }
            }
        }
        for o in &self.orders {
            let hours = u64::from(o.window.hours().max(1));
            let open = (u64::from(o.gpus) * hours).saturating_sub(o.filled_gpu_hours) / hours;
            let gpus = u32::try_from(open).unwrap_or(u32::MAX);
            let source = match o.side {
                Side::Sell => Source::Taken,
                Side::Buy => Source::Bidding,
            };
            v.push(Supply {
                model: &o.model,
                window: o.window,
                gpus,
                source,
            });
        }
        let to = plan::horizon(from).next_month_start();
        if let Ok(window) = Window::new(from, to) {
            for (id, m, gpus) in &self.pools {
                v.push(Supply {
                    model: m,
                    window,
                    gpus: *gpus,
                    source: Source::Pool(PoolId(*id)),
                });
            }
        }
        v
    }
}

fn period_view(g: &Gap) -> PlanPeriodView {
    PlanPeriodView {
        model: g.demand.model.clone(),
        start: g.demand.start.to_string(),
        end: g.demand.end.to_string(),
        demand_gpus: g.demand.gpus,
        held_min_gpus: g.held_min_gpus,
        held_max_gpus: g.held_max_gpus,
        bidding_gpus: g.bidding_gpus(),
        shortfall_gpus: g.shortfall_gpus(),
        surplus_gpus: g.surplus_gpus(),
    }
}

/// A bid of a proposal, as the API shows it.
pub fn bid_view(b: &ProposedBid) -> ProposedOrderView {
    ProposedOrderView {
        side: "buy".into(),
        model: b.model.clone(),
        contract: None,
        line: None,
        pool: None,
        gpus: b.gpus,
        start: b.window.start.to_string(),
        hours: b.window.hours(),
        price: money(b.price_micros),
        notional: money(b.cost_micros),
    }
}

/// An ask of a proposal, as the API shows it.
pub fn ask_view(a: &ProposedAsk) -> ProposedOrderView {
    let (contract, line, pool) = match a.source {
        Source::Bought(c, l) => (Some(ContractId::to_string(&c)), Some(l), None),
        Source::Pool(pool) => (None, None, Some(pool.to_string())),
        Source::Taken | Source::Bidding => (None, None, None),
    };
    ProposedOrderView {
        side: "sell".into(),
        model: a.model.clone(),
        contract,
        line,
        pool,
        gpus: a.gpus,
        start: a.window.start.to_string(),
        hours: a.window.hours(),
        price: money(a.price_micros),
        notional: money(a.value_micros),
    }
}

/// An RFQ a proposal drafts.
pub fn rfq_view(r: &plan::RfqDraft) -> RfqDraftView {
    RfqDraftView {
        model: r.model.clone(),
        gpus: r.gpus,
        start: r.window.start.to_string(),
        hours: r.window.hours(),
    }
}

fn proposal_view(p: &Proposal, gaps: &[Gap]) -> ProposalView {
    let at = |i: usize| format!("{}@{}", gaps[i].demand.model, gaps[i].demand.start);
    let mut orders: Vec<ProposedOrderView> = p.bids.iter().map(bid_view).collect();
    orders.extend(p.asks.iter().map(ask_view));
    ProposalView {
        orders,
        rfqs: p.rfqs.iter().map(rfq_view).collect(),
        cost: money(p.cost_micros),
        value: money(p.value_micros),
        unpriced: p.unpriced.iter().map(|&i| at(i)).collect(),
        unsold: p
            .unsold
            .iter()
            .map(|&(i, n)| format!("{}: {n} GPUs", at(i)))
            .collect(),
    }
}
