//! Engine values as table rows ([`crate::rows`]): each function names every column it
//! fills, from the value and the batch's [`Names`] alone.

use crate::rows;
use megawatt_engine::catalog::Names;
use megawatt_engine::contract::{Contract, ContractLine, ContractStatus, Origin, Trade};
use megawatt_engine::curve::Curve;
use megawatt_engine::deal::{Need, Quote, Rfq};
use megawatt_engine::entities::{Participant, Reservation};
use megawatt_engine::event::{CloseReason, Status};
use megawatt_engine::ids::InvoiceId;
use megawatt_engine::index::IndexValue;
use megawatt_engine::invoice::{Invoice, InvoiceLine, InvoiceStatus};
use megawatt_engine::money::Transfer;
use megawatt_engine::order::{AskSource, Order, OrderKind};
use megawatt_engine::units::{Hour, Window};

/// A participant as admitted at `time_ms`.
pub fn participant(p: &Participant, time_ms: u64) -> rows::Participant {
    rows::Participant {
        id: p.id.0,
        name: p.name.clone(),
        provider: p.roles.provider,
        buyer: p.roles.buyer,
        operator: p.roles.operator,
        created_ms: time_ms,
        credit_limit_micros: 0,
    }
}

/// A new reservation.
pub fn reservation(r: &Reservation) -> rows::Reservation {
    let w = r.window;
    rows::Reservation {
        id: r.id.0,
        pool: r.pool.0,
        owner: r.owner.0,
        gpus: r.gpus,
        start_hour: w.start.0,
        end_hour: w.end.0,
        start_at: w.start.to_string(),
        end_at: w.end.to_string(),
        status: "active".into(),
    }
}

/// A new order, as placed.
pub fn order(names: &Names, o: &Order) -> rows::Order {
    let w = o.window;
    let mut row = rows::Order {
        id: o.id.0,
        owner: o.owner.0,
        side: o.side().as_str().into(),
        model: names.model_id(o.model).into(),
        pool: None,
        region: None,
        facility: None,
        gpus: 0,
        start_hour: w.start.0,
        end_hour: w.end.0,
        start_at: w.start.to_string(),
        end_at: w.end.to_string(),
        price_micros: o.price_micros,
        tif: o.tif.name().into(),
        gtd_until_hour: o.tif.until().map(|h| h.0),
        min_fill_gpus: None,
        colocate: None,
        partial: None,
        filled_gpu_hours: 0,
        status: Status::<CloseReason>::Open.as_str().into(),
        placed_ms: o.placed_ms,
        closed_seq: None,
        contract: None,
        contract_line: None,
        min_reliability_bps: None,
        procurement: None,
        plan: None,
    };
    match &o.kind {
        OrderKind::Ask(a) => {
            row.gpus = a.gpus;
            row.pool = Some(a.pool.0);
            row.facility = Some(a.facility.0);
            row.min_fill_gpus = Some(a.min_fill_gpus);
            if let AskSource::Contract { contract, line } = a.source {
                (row.contract, row.contract_line) = (Some(contract.0), Some(line));
            }
        }
        OrderKind::Bid(b) => {
            row.gpus = b.gpus;
            row.region = b.region.map(|r| names.region(r).to_string());
            row.facility = b.facility.map(|f| f.0);
            row.colocate = Some(b.colocate);
            row.partial = Some(b.partial);
            row.min_reliability_bps = Some(b.min_reliability_bps).filter(|&m| m > 0);
        }
    }
    row
}

/// A fill.
pub fn trade(names: &Names, t: &Trade) -> rows::Trade {
    let w = t.window;
    rows::Trade {
        id: t.id.0,
        bid: t.bid.0,
        ask: t.ask.0,
        buyer: t.buyer.0,
        seller: t.seller.0,
        pool: t.pool.0,
        model: names.model_id(t.model).into(),
        gpus: t.gpus,
        start_hour: w.start.0,
        end_hour: w.end.0,
        start_at: w.start.to_string(),
        end_at: w.end.to_string(),
        price_micros: t.price_micros,
        aggressor: t.aggressor.as_str().into(),
        contract: t.contract.0,
        time_ms: t.time_ms,
    }
}

/// A new contract (pending, nothing given yet), made at `time_ms`.
pub fn contract(c: &Contract, time_ms: u64) -> rows::Contract {
    let (origin_trade, origin_quote, parent, parent_line) = match c.origin {
        Origin::Trade(t) => (Some(t.0), None, None, None),
        Origin::Quote(q) => (None, Some(q.0), None, None),
        Origin::Resale {
            parent,
            line,
            trade,
        } => (Some(trade.0), None, Some(parent.0), Some(line)),
    };
    let t = &c.terms;
    rows::Contract {
        id: c.id.0,
        buyer: c.buyer.0,
        seller: c.seller.0,
        pricing: c.pricing.kind().into(),
        price_micros: c.pricing.price_micros(),
        monthly_fee_micros: c.pricing.fee_micros(),
        start_hour: c.start().0,
        end_hour: c.end().0,
        start_at: c.start().to_string(),
        end_at: c.end().to_string(),
        buyer_notice_hours: t.buyer_notice_hours,
        seller_notice_hours: t.seller_notice_hours,
        early_termination_fee_micros: t.early_termination_fee_micros,
        origin_trade,
        status: ContractStatus::Pending.as_str().into(),
        created_ms: time_ms,
        origin_quote,
        parent,
        parent_line,
        ends_hour: c.ends.0,
        ends_at: c.ends.to_string(),
        for_cause_allowed: t.for_cause.to_text(),
        notice_by: None,
        notice_ms: None,
        notice_effective_hour: None,
        notice_fee_micros: None,
        notice_via_parent: None,
        cause: None,
        cause_by: None,
        cause_reason: None,
        cause_ms: None,
        payment_days: t.payment_days,
        delivery_target_bps: c.delivery.availability_target_bps,
        delivery_unreported: c.delivery.unreported.as_str().into(),
        delivery_pro_rata: c.delivery.pro_rata,
        delivery_tiers: c.delivery.tiers_text(),
    }
}

/// Line `i` of contract `contract`.
pub fn contract_line(contract: u64, i: usize, l: &ContractLine) -> rows::ContractLine {
    rows::ContractLine {
        contract,
        line: i,
        pool: l.pool.0,
        gpus: l.gpus,
        start_hour: l.window.start.0,
        end_hour: l.window.end.0,
    }
}

/// A new RFQ, made at `time_ms`, with its items and invitations.
pub fn rfq(
    names: &Names,
    r: &Rfq,
    time_ms: u64,
) -> (rows::Rfq, Vec<rows::RfqItem>, Vec<rows::RfqInvited>) {
    let (kind, power_kw, min_power_kw, items) = match &r.need {
        Need::Gpus(items) => {
            let items = items
                .iter()
                .map(|(m, gpus)| rows::RfqItem {
                    rfq: r.id.0,
                    model: names.model_id(*m).into(),
                    gpus: *gpus,
                })
                .collect();
            ("gpus", None, None, items)
        }
        Need::Power {
            power_kw,
            min_power_kw,
        } => ("power", Some(*power_kw), Some(*min_power_kw), Vec::new()),
    };
    let invited = r
        .invited
        .iter()
        .map(|p| rows::RfqInvited {
            rfq: r.id.0,
            participant: p.0,
        })
        .collect();
    let (w, t): (Window, _) = (r.window, &r.terms);
    let row = rows::Rfq {
        id: r.id.0,
        buyer: r.buyer.0,
        kind: kind.into(),
        power_kw,
        min_power_kw,
        start_hour: w.start.0,
        end_hour: w.end.0,
        start_at: w.start.to_string(),
        end_at: w.end.to_string(),
        region: r.region.map(|x| names.region(x).to_string()),
        facility: r.facility.map(|f| f.0),
        max_buyer_notice_hours: t.max_buyer_notice_hours,
        min_seller_notice_hours: t.min_seller_notice_hours,
        max_early_termination_fee_micros: t.max_early_termination_fee_micros,
        required_causes: t.causes.to_text(),
        deadline_hour: r.deadline.0,
        deadline_at: r.deadline.to_string(),
        status: "open".into(),
        accepted_quote: None,
        created_ms: time_ms,
        closed_seq: None,
        min_payment_days: t.min_payment_days,
    };
    (row, items, invited)
}

/// A new quote, made at `time_ms`, with its lines.
pub fn quote(q: &Quote, time_ms: u64) -> (rows::Quote, Vec<rows::QuoteLine>) {
    let t = &q.terms;
    let row = rows::Quote {
        id: q.id.0,
        rfq: q.rfq.0,
        provider: q.provider.0,
        facility: q.facility.0,
        pricing: q.pricing.kind().into(),
        price_micros: q.pricing.price_micros(),
        monthly_fee_micros: q.pricing.fee_micros(),
        buyer_notice_hours: t.buyer_notice_hours,
        seller_notice_hours: t.seller_notice_hours,
        early_termination_fee_micros: t.early_termination_fee_micros,
        for_cause_allowed: t.for_cause.to_text(),
        expires_hour: q.expires.0,
        expires_at: q.expires.to_string(),
        status: "open".into(),
        created_ms: time_ms,
        closed_seq: None,
        payment_days: t.payment_days,
        delivery_target_bps: q.delivery.availability_target_bps,
        delivery_unreported: q.delivery.unreported.as_str().into(),
        delivery_pro_rata: q.delivery.pro_rata,
        delivery_tiers: q.delivery.tiers_text(),
    };
    let lines = q
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| rows::QuoteLine {
            quote: q.id.0,
            line: i,
            pool: l.pool.0,
            gpus: l.gpus,
            start_hour: l.window.start.0,
            end_hour: l.window.end.0,
        })
        .collect();
    (row, lines)
}

/// A transfer, made by the command at journal position `seq`.
pub fn transfer(t: &Transfer, seq: u64) -> rows::Transfer {
    rows::Transfer {
        id: t.id.0,
        debit: t.debit.to_string(),
        credit: t.credit.to_string(),
        amount_micros: t.amount_micros,
        kind: t.kind.as_str().into(),
        reference: t.reference.clone(),
        time_ms: t.time_ms,
        seq,
    }
}

/// A new invoice (open until paid).
pub fn invoice(i: &Invoice) -> rows::Invoice {
    rows::Invoice {
        id: i.id.0,
        contract: i.contract.0,
        payer: i.payer.0,
        payee: i.payee.0,
        charge: i.charge.as_str().into(),
        period_start_hour: i.period.start.0,
        period_end_hour: i.period.end.0,
        period_start_at: i.period.start.to_string(),
        period_end_at: i.period.end.to_string(),
        amount_micros: i.amount_micros,
        issued_ms: i.issued_ms,
        due_hour: i.due.0,
        due_at: i.due.to_string(),
        status: InvoiceStatus::Open.as_str().into(),
        paid_seq: None,
    }
}

/// Line `i` of an invoice.
pub fn invoice_line(invoice: InvoiceId, i: usize, l: &InvoiceLine) -> rows::InvoiceLine {
    rows::InvoiceLine {
        invoice: invoice.0,
        line_no: i,
        contract_line: l.line,
        pool: l.pool.0,
        gpus: l.gpus,
        gpu_hours: l.gpu_hours,
        amount_micros: l.amount_micros,
    }
}

/// A value of the index.
pub fn index_value(names: &Names, v: &IndexValue, seq: u64) -> rows::IndexValueRow {
    rows::IndexValueRow {
        model: names.model_id(v.model).into(),
        region: v.region.map(|r| names.region(r).to_string()),
        span: v.span.as_str().into(),
        at_hour: v.at.0,
        at: v.at.to_string(),
        version: v.version,
        price_micros: v.price_micros,
        unpublished: v.unpublished.map(|u| u.as_str().to_string()),
        prints: v.prints,
        gpu_hours: v.gpu_hours,
        sellers: v.sellers,
        through_trade: v.through_trade.0,
        seq,
    }
}

/// A forward curve and its points.
pub fn curve(names: &Names, c: &Curve, seq: u64) -> (rows::CurveRow, Vec<rows::CurvePointRow>) {
    let model = names.model_id(c.model).to_string();
    let points = c
        .points
        .iter()
        .map(|p| rows::CurvePointRow {
            model: model.clone(),
            at_hour: c.at.0,
            kind: p.kind.as_str().into(),
            period_start_hour: p.start.0,
            period_end_hour: p.end.0,
            period_start_at: p.start.to_string(),
            period_end_at: p.end.to_string(),
            price_micros: p.price_micros,
            source: p.source.as_str().into(),
            prints: p.prints,
            gpu_hours: p.gpu_hours,
            best_bid_micros: p.best_bid_micros,
            best_ask_micros: p.best_ask_micros,
        })
        .collect();
    let row = rows::CurveRow {
        model,
        at_hour: c.at.0,
        at: c.at.to_string(),
        version: c.version,
        points: c.points.len(),
        seq,
    };
    (row, points)
}

/// The row of a new procurement.
pub fn procurement(
    names: &Names,
    p: &megawatt_engine::procurement::Procurement,
) -> rows::ProcurementRow {
    rows::ProcurementRow {
        id: p.id.0,
        owner: p.owner.0,
        model: names.model_id(p.model).into(),
        region: p.region.map(|r| names.region(r).to_string()),
        gpus: p.gpus,
        start_hour: p.period.start.0,
        end_hour: p.period.end.0,
        start_at: p.period.start.to_string(),
        end_at: p.period.end.to_string(),
        lookahead_hours: p.lookahead_hours,
        block_hours: p.block_hours,
        limit_price_micros: p.limit_price_micros,
        status: if p.paused { "paused" } else { "active" }.into(),
        created_ms: p.created_ms,
        ended_seq: None,
    }
}

/// The rows of a new plan: the plan and its demand.
pub fn plan(
    (plan, owner): (
        megawatt_engine::ids::PlanId,
        megawatt_engine::ids::ParticipantId,
    ),
    spec: &megawatt_engine::command::PlanSpec,
    (seq, time_ms): (u64, u64),
) -> (rows::PlanRow, Vec<rows::PlanDemandRow>) {
    let row = rows::PlanRow {
        id: plan.0,
        owner: owner.0,
        period: spec.period.as_str().into(),
        limit_price_micros: spec.limit_price_micros,
        rows: spec.rows.len(),
        uploaded_ms: time_ms,
        seq,
        applied_ms: None,
        applied_seq: None,
    };
    let demand = spec
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| rows::PlanDemandRow {
            plan: plan.0,
            row_index: i,
            model: r.model.clone(),
            start_hour: r.start.0,
            start_at: r.start.to_string(),
            gpus: r.gpus,
        });
    (row, demand.collect())
}

/// The row of one order a plan's apply placed or refused.
pub fn plan_order(
    plan: megawatt_engine::ids::PlanId,
    index: usize,
    (order, outcome): &(
        megawatt_engine::command::PlannedOrder,
        megawatt_engine::event::PlanOutcome,
    ),
) -> rows::PlanOrderRow {
    use megawatt_engine::command::PlannedOrder;
    use megawatt_engine::event::PlanOutcome;
    let mut row = rows::PlanOrderRow {
        plan: plan.0,
        order_index: index,
        side: String::new(),
        model: None,
        pool: None,
        contract: None,
        contract_line: None,
        gpus: 0,
        start_hour: 0,
        end_hour: 0,
        price_micros: 0,
        order_id: None,
        rule: None,
        field: None,
        detail: None,
    };
    let window = match order {
        PlannedOrder::Bid(b) => {
            row.side = "buy".into();
            row.model = Some(b.model.clone());
            (row.gpus, row.price_micros) = (b.gpus, b.limit_price_micros);
            b.window
        }
        PlannedOrder::Ask(a) => {
            row.side = "sell".into();
            match a.source {
                AskSource::Pool(p) => row.pool = Some(p.0),
                AskSource::Contract { contract, line } => {
                    (row.contract, row.contract_line) = (Some(contract.0), Some(line));
                }
            }
            (row.gpus, row.price_micros) = (a.gpus, a.price_micros);
            a.window
        }
        // A plan never makes one; a row of one shows its range's first window.
        PlannedOrder::FlexibleBid(f) => {
            row.side = "buy".into();
            row.model = Some(f.model.clone());
            (row.gpus, row.price_micros) = (f.gpus, f.limit_price_micros);
            let end = Hour(f.start_from.0.saturating_add(f.hours));
            Window {
                start: f.start_from,
                end,
            }
        }
    };
    (row.start_hour, row.end_hour) = (window.start.0, window.end.0);
    match outcome {
        PlanOutcome::Placed(o) => row.order_id = Some(o.0),
        PlanOutcome::Refused {
            rule,
            field,
            detail,
        } => {
            row.rule = Some(rule.clone());
            row.field = Some(field.clone());
            row.detail = Some(detail.clone());
        }
    }
    row
}
