//! RFQs and quotes as the tables hold them, in the engine's types, with the visibility
//! rule of RFQs.

use super::*;
use crate::decode::{corrupt, line_at, pricing_at, terms_at, window_at};
use megawatt_engine::command::WantedTerms;
use megawatt_engine::contract::{Causes, ContractLine, Pricing, Terms};
use megawatt_engine::event::{QuoteEnd, RfqEnd, Status};
use megawatt_engine::ids::{FacilityId, QuoteId, RfqId};
use megawatt_engine::units::{Hour, Window};

/// What an RFQ asks for, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asked {
    /// GPUs per model (in [`RfqRecord::items`]).
    Gpus,
    /// Power, kW: at most `power_kw`, at least `min_power_kw`.
    Power {
        /// Most power.
        power_kw: u64,
        /// Least power.
        min_power_kw: u64,
    },
}

/// An RFQ as the tables hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RfqRecord {
    /// RFQ id.
    pub id: RfqId,
    /// The buyer.
    pub buyer: ParticipantId,
    /// What it asks for.
    pub asked: Asked,
    /// The term wanted.
    pub window: Window,
    /// Only facilities of this region.
    pub region: Option<String>,
    /// Only this facility.
    pub facility: Option<FacilityId>,
    /// Terms quotes must meet.
    pub terms: WantedTerms,
    /// Quotes may be accepted before this hour.
    pub deadline: Hour,
    /// Open, or how it closed (with the accepted quote).
    pub status: Status<RfqEnd>,
    /// When made, ms since the epoch.
    pub created_ms: u64,
    /// GPUs asked per model id (when it asks for GPUs).
    pub items: Vec<(String, u32)>,
    /// Providers invited (empty: all).
    pub invited: Vec<ParticipantId>,
}

/// A quote as the tables hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteRecord {
    /// Quote id.
    pub id: QuoteId,
    /// The RFQ it answers.
    pub rfq: RfqId,
    /// The provider.
    pub provider: ParticipantId,
    /// The facility of its lines.
    pub facility: FacilityId,
    /// Price.
    pub pricing: Pricing,
    /// Terms.
    pub terms: Terms,
    /// It lapses when this hour begins.
    pub expires: Hour,
    /// Open, or how it closed.
    pub status: Status<QuoteEnd>,
    /// When made, ms since the epoch.
    pub created_ms: u64,
    /// GPUs offered, pool by pool.
    pub lines: Vec<ContractLine>,
    /// What it promises of delivery.
    pub delivery: megawatt_engine::delivery::DeliveryTerms,
}

impl RfqRecord {
    /// An open RFQ of the engine as the tables hold it, with model and region names
    /// from `names`: what a dry run of an RFQ answers (`megawatt_server::dry_run`).
    pub fn open(
        r: &megawatt_engine::deal::Rfq,
        names: &megawatt_engine::catalog::Names,
    ) -> RfqRecord {
        use megawatt_engine::deal::Need;
        let (asked, items) = match &r.need {
            Need::Gpus(items) => (
                Asked::Gpus,
                items
                    .iter()
                    .map(|(m, g)| (names.model_id(*m).to_string(), *g))
                    .collect(),
            ),
            Need::Power {
                power_kw,
                min_power_kw,
            } => (
                Asked::Power {
                    power_kw: *power_kw,
                    min_power_kw: *min_power_kw,
                },
                Vec::new(),
            ),
        };
        RfqRecord {
            id: r.id,
            buyer: r.buyer,
            asked,
            window: r.window,
            region: r.region.map(|x| names.region(x).to_string()),
            facility: r.facility,
            terms: r.terms,
            deadline: r.deadline,
            status: Status::Open,
            created_ms: r.created_ms,
            items,
            invited: r.invited.clone(),
        }
    }
}

impl QuoteRecord {
    /// A live quote of the engine as the tables hold it.
    pub fn open(q: &megawatt_engine::deal::Quote) -> QuoteRecord {
        QuoteRecord {
            id: q.id,
            rfq: q.rfq,
            provider: q.provider,
            facility: q.facility,
            pricing: q.pricing,
            terms: q.terms,
            expires: q.expires,
            status: Status::Open,
            created_ms: q.created_ms,
            lines: q.lines.to_vec(),
            delivery: q.delivery.clone(),
        }
    }
}

/// The columns [`rfq_record`] reads, in order.
const RFQ_COLUMNS: &str = "id, buyer, kind, power_kw, min_power_kw, start_hour, end_hour, region, facility, \
    max_buyer_notice_hours, min_seller_notice_hours, max_early_termination_fee_micros, required_causes, \
    deadline_hour, status, accepted_quote, created_ms, min_payment_days";

fn rfq_record(r: &dyn Get) -> Result<RfqRecord, StoreError> {
    let kind = string(r, 2)?;
    let asked = match (kind.as_str(), opt_big(r, 3)?, opt_big(r, 4)?) {
        ("gpus", _, _) => Asked::Gpus,
        ("power", Some(power_kw), Some(min_power_kw)) => Asked::Power {
            power_kw,
            min_power_kw,
        },
        _ => return Err(corrupt("rfqs.kind, power_kw, min_power_kw", &kind)),
    };
    let causes = string(r, 12)?;
    let min_payment_days = match opt_small(r, 17)? {
        Some(d) => Some(u16::try_from(d).map_err(|_| corrupt("rfqs.min_payment_days", d))?),
        None => None,
    };
    let terms = WantedTerms {
        max_buyer_notice_hours: opt_small(r, 9)?,
        min_seller_notice_hours: opt_small(r, 10)?,
        max_early_termination_fee_micros: r.int(11)?,
        causes: Causes::from_text(&causes)
            .ok_or_else(|| corrupt("rfqs.required_causes", &causes))?,
        min_payment_days,
    };
    let status = string(r, 14)?;
    let accepted = opt_big(r, 15)?.map(QuoteId);
    Ok(RfqRecord {
        id: RfqId(big(r, 0)?),
        buyer: ParticipantId(big(r, 1)?),
        asked,
        window: window_at(r, 5)?,
        region: r.text(7)?,
        facility: opt_big(r, 8)?.map(FacilityId),
        terms,
        deadline: Hour(small(r, 13)?),
        status: Status::<RfqEnd>::parse_accepted(&status, accepted)
            .ok_or_else(|| corrupt("rfqs.status, accepted_quote", &status))?,
        created_ms: big(r, 16)?,
        items: Vec::new(),
        invited: Vec::new(),
    })
}

/// The columns [`quote_record`] reads, in order.
const QUOTE_COLUMNS: &str = "q.id, q.rfq, q.provider, q.facility, q.pricing, q.price_micros, q.monthly_fee_micros, \
    q.buyer_notice_hours, q.seller_notice_hours, q.early_termination_fee_micros, q.for_cause_allowed, \
    q.expires_hour, q.status, q.created_ms, q.payment_days, q.delivery_target_bps, \
    q.delivery_unreported, q.delivery_pro_rata, q.delivery_tiers";

fn quote_record(r: &dyn Get) -> Result<QuoteRecord, StoreError> {
    let status = string(r, 12)?;
    Ok(QuoteRecord {
        id: QuoteId(big(r, 0)?),
        rfq: RfqId(big(r, 1)?),
        provider: ParticipantId(big(r, 2)?),
        facility: FacilityId(big(r, 3)?),
        pricing: pricing_at(r, 4)?,
        terms: terms_at(r, 7, 14)?,
        expires: Hour(small(r, 11)?),
        status: Status::<QuoteEnd>::parse(&status)
            .ok_or_else(|| corrupt("quotes.status", &status))?,
        created_ms: big(r, 13)?,
        lines: Vec::new(),
        delivery: crate::decode::delivery_at(r, 15)?,
    })
}

/// The visibility condition of RFQs (`r`) for a scope, with its two parameters.
const RFQ_VISIBLE: &str = "(CAST($1 AS BIGINT) IS NULL OR r.buyer = $1 OR (CAST($2 AS BIGINT) = 1 AND \
    ((r.status = 'open' AND (NOT EXISTS (SELECT 1 FROM rfq_invited i WHERE i.rfq = r.id) \
      OR EXISTS (SELECT 1 FROM rfq_invited i WHERE i.rfq = r.id AND i.participant = $1))) \
     OR EXISTS (SELECT 1 FROM quotes qq WHERE qq.rfq = r.id AND qq.provider = $1))))";

fn rfq_scope(scope: RfqScope) -> [Val; 2] {
    match scope {
        RfqScope::All => [Val::I(None), Val::I(Some(0))],
        RfqScope::Participant(p, provider) => {
            [Val::I(Some(p.0 as i64)), Val::I(Some(i64::from(provider)))]
        }
    }
}

impl Reader {
    /// One RFQ if the scope may see it, with its items and invitations.
    pub fn rfq(&mut self, scope: RfqScope, rfq: u64) -> Result<Option<RfqRecord>, StoreError> {
        let sql = format!("SELECT {RFQ_COLUMNS} FROM rfqs r WHERE {RFQ_VISIBLE} AND r.id = $3");
        let [a, b] = rfq_scope(scope);
        let Some(mut row) = self.db.rows(&sql, &[a, b, id(rfq)], rfq_record)?.pop() else {
            return Ok(None);
        };
        self.rfq_details(&mut row)?;
        Ok(Some(row))
    }

    fn rfq_details(&mut self, row: &mut RfqRecord) -> Result<(), StoreError> {
        row.items = self.db.rows(
            "SELECT model, gpus FROM rfq_items WHERE rfq = $1 ORDER BY model",
            &[id(row.id.0)],
            |r| Ok((string(r, 0)?, small(r, 1)?)),
        )?;
        row.invited = self.db.rows(
            "SELECT participant FROM rfq_invited WHERE rfq = $1 ORDER BY participant",
            &[id(row.id.0)],
            |r| Ok(ParticipantId(big(r, 0)?)),
        )?;
        Ok(())
    }

    /// RFQs the scope may see, newest first, optionally only open ones.
    pub fn rfqs(
        &mut self,
        scope: RfqScope,
        open_only: bool,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<RfqRecord>, StoreError> {
        let sql = format!(
            "SELECT {RFQ_COLUMNS} FROM rfqs r WHERE {RFQ_VISIBLE} AND r.id < $3 \
             AND (CAST($4 AS BIGINT) = 0 OR r.status = 'open') ORDER BY r.id DESC LIMIT $5"
        );
        let [a, b] = rfq_scope(scope);
        let params = [
            a,
            b,
            before(before_id),
            Val::I(Some(i64::from(open_only))),
            limit(max),
        ];
        let mut rows = self.db.rows(&sql, &params, rfq_record)?;
        for r in &mut rows {
            self.rfq_details(r)?;
        }
        Ok(page(rows, max, |r| r.id.0))
    }

    /// The quotes of an RFQ that `party` may see (the RFQ's buyer sees all; a provider
    /// its own; `None`: the operator, all), oldest first, with their lines.
    pub fn quotes(
        &mut self,
        rfq: u64,
        party: Option<ParticipantId>,
    ) -> Result<Vec<QuoteRecord>, StoreError> {
        let sql = format!(
            "SELECT {QUOTE_COLUMNS} FROM quotes q JOIN rfqs r ON r.id = q.rfq WHERE q.rfq = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR r.buyer = $2 OR q.provider = $2) ORDER BY q.id"
        );
        let mut rows = self.db.rows(
            &sql,
            &[id(rfq), Val::I(party.map(|p| p.0 as i64))],
            quote_record,
        )?;
        for q in &mut rows {
            q.lines = self.quote_lines(q.id.0)?;
        }
        Ok(rows)
    }

    /// One quote if `party` may see it (`None`: the operator).
    pub fn quote(
        &mut self,
        quote: u64,
        party: Option<ParticipantId>,
    ) -> Result<Option<QuoteRecord>, StoreError> {
        let sql = format!(
            "SELECT {QUOTE_COLUMNS} FROM quotes q JOIN rfqs r ON r.id = q.rfq WHERE q.id = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR r.buyer = $2 OR q.provider = $2)"
        );
        let Some(mut q) = self
            .db
            .rows(
                &sql,
                &[id(quote), Val::I(party.map(|p| p.0 as i64))],
                quote_record,
            )?
            .pop()
        else {
            return Ok(None);
        };
        q.lines = self.quote_lines(q.id.0)?;
        Ok(Some(q))
    }

    fn quote_lines(&mut self, quote: u64) -> Result<Vec<ContractLine>, StoreError> {
        self.db.rows(
            "SELECT pool, gpus, start_hour, end_hour FROM quote_lines WHERE quote = $1 ORDER BY line",
            &[id(quote)],
            |r| line_at(r, 0),
        )
    }
}
