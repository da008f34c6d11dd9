//! RFQs and quotes as the tables hold them, with the visibility rule of RFQs.

use super::*;

/// An RFQ as the tables hold it.
#[derive(Clone, Debug)]
pub struct RfqRow {
    /// RFQ id.
    pub id: u64,
    /// The buyer.
    pub buyer: u64,
    /// `gpus` or `power`.
    pub kind: String,
    /// Power wanted, kW (power RFQs).
    pub power_kw: Option<u64>,
    /// Least power, kW (power RFQs).
    pub min_power_kw: Option<u64>,
    /// Window start hour.
    pub start_hour: u32,
    /// Window end hour.
    pub end_hour: u32,
    /// Region filter.
    pub region: Option<String>,
    /// Facility filter.
    pub facility: Option<u64>,
    /// Longest acceptable buyer notice.
    pub max_buyer_notice_hours: Option<u32>,
    /// Shortest acceptable seller notice.
    pub min_seller_notice_hours: Option<u32>,
    /// Highest acceptable early-termination fee.
    pub max_early_termination_fee_micros: Option<i64>,
    /// Causes required, comma-separated.
    pub required_causes: String,
    /// Least payment terms accepted, days.
    pub min_payment_days: Option<u16>,
    /// Deadline hour.
    pub deadline_hour: u32,
    /// `open`, `accepted`, `cancelled`, `expired`.
    pub status: String,
    /// The accepted quote.
    pub accepted_quote: Option<u64>,
    /// When made.
    pub created_ms: u64,
    /// GPUs per model (GPU RFQs).
    pub items: Vec<(String, u32)>,
    /// Providers invited (empty: all).
    pub invited: Vec<u64>,
}

/// A quote as the tables hold it.
#[derive(Clone, Debug)]
pub struct QuoteRow {
    /// Quote id.
    pub id: u64,
    /// Its RFQ.
    pub rfq: u64,
    /// The provider.
    pub provider: u64,
    /// The facility.
    pub facility: u64,
    /// `per_gpu_hour` or `monthly_fee`.
    pub pricing: String,
    /// Price per GPU-hour.
    pub price_micros: Option<i64>,
    /// Monthly fee.
    pub monthly_fee_micros: Option<i64>,
    /// Buyer's notice.
    pub buyer_notice_hours: Option<u32>,
    /// Seller's notice.
    pub seller_notice_hours: Option<u32>,
    /// Early-termination fee.
    pub early_termination_fee_micros: i64,
    /// Causes allowing termination, comma-separated.
    pub for_cause_allowed: String,
    /// Days the buyer would have to pay each invoice.
    pub payment_days: u16,
    /// Expiry hour.
    pub expires_hour: u32,
    /// `open`, `accepted`, `withdrawn`, `expired`, `released`.
    pub status: String,
    /// When made.
    pub created_ms: u64,
    /// Lines: (pool, gpus, start hour, end hour).
    pub lines: Vec<(u64, u32, u32, u32)>,
}

const RFQ_COLUMNS: &str = "id, buyer, kind, power_kw, min_power_kw, start_hour, end_hour, region, facility, \
    max_buyer_notice_hours, min_seller_notice_hours, max_early_termination_fee_micros, required_causes, \
    deadline_hour, status, accepted_quote, created_ms, min_payment_days";

fn rfq_row(r: &dyn Get) -> Result<RfqRow, StoreError> {
    Ok(RfqRow {
        id: big(r, 0)?,
        buyer: big(r, 1)?,
        kind: string(r, 2)?,
        power_kw: opt_big(r, 3)?,
        min_power_kw: opt_big(r, 4)?,
        start_hour: small(r, 5)?,
        end_hour: small(r, 6)?,
        region: r.text(7)?,
        facility: opt_big(r, 8)?,
        max_buyer_notice_hours: opt_small(r, 9)?,
        min_seller_notice_hours: opt_small(r, 10)?,
        max_early_termination_fee_micros: r.int(11)?,
        required_causes: string(r, 12)?,
        deadline_hour: small(r, 13)?,
        status: string(r, 14)?,
        accepted_quote: opt_big(r, 15)?,
        created_ms: big(r, 16)?,
        min_payment_days: match opt_small(r, 17)? {
            Some(d) => Some(
                u16::try_from(d)
                    .map_err(|_| StoreError("column 17: payment days out of range".into()))?,
            ),
            None => None,
        },
        items: Vec::new(),
        invited: Vec::new(),
    })
}

const QUOTE_COLUMNS: &str = "q.id, q.rfq, q.provider, q.facility, q.pricing, q.price_micros, q.monthly_fee_micros, \
    q.buyer_notice_hours, q.seller_notice_hours, q.early_termination_fee_micros, q.for_cause_allowed, \
    q.expires_hour, q.status, q.created_ms, q.payment_days";

fn quote_row(r: &dyn Get) -> Result<QuoteRow, StoreError> {
    Ok(QuoteRow {
        id: big(r, 0)?,
        rfq: big(r, 1)?,
        provider: big(r, 2)?,
        facility: big(r, 3)?,
        pricing: string(r, 4)?,
        price_micros: r.int(5)?,
        monthly_fee_micros: r.int(6)?,
        buyer_notice_hours: opt_small(r, 7)?,
        seller_notice_hours: opt_small(r, 8)?,
        early_termination_fee_micros: signed(r, 9)?,
        for_cause_allowed: string(r, 10)?,
        expires_hour: small(r, 11)?,
        status: string(r, 12)?,
        created_ms: big(r, 13)?,
        lines: Vec::new(),
        payment_days: days(r, 14)?,
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
    pub fn rfq(&mut self, scope: RfqScope, rfq: u64) -> Result<Option<RfqRow>, StoreError> {
        let sql = format!("SELECT {RFQ_COLUMNS} FROM rfqs r WHERE {RFQ_VISIBLE} AND r.id = $3");
        let [a, b] = rfq_scope(scope);
        let Some(mut row) = self.db.rows(&sql, &[a, b, id(rfq)], rfq_row)?.pop() else {
            return Ok(None);
        };
        self.rfq_details(&mut row)?;
        Ok(Some(row))
    }

    fn rfq_details(&mut self, row: &mut RfqRow) -> Result<(), StoreError> {
        row.items = self.db.rows(
            "SELECT model, gpus FROM rfq_items WHERE rfq = $1 ORDER BY model",
            &[id(row.id)],
            |r| Ok((string(r, 0)?, small(r, 1)?)),
        )?;
        row.invited = self.db.rows(
            "SELECT participant FROM rfq_invited WHERE rfq = $1 ORDER BY participant",
            &[id(row.id)],
            |r| big(r, 0),
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
    ) -> Result<Page<RfqRow>, StoreError> {
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
        let mut rows = self.db.rows(&sql, &params, rfq_row)?;
        for r in &mut rows {
            self.rfq_details(r)?;
        }
        Ok(page(rows, max, |r| r.id))
    }

    /// The quotes of an RFQ that `party` may see (the RFQ's buyer sees all; a provider
    /// its own; `None`: the operator, all), oldest first, with their lines.
    pub fn quotes(
        &mut self,
        rfq: u64,
        party: Option<ParticipantId>,
    ) -> Result<Vec<QuoteRow>, StoreError> {
        let sql = format!(
            "SELECT {QUOTE_COLUMNS} FROM quotes q JOIN rfqs r ON r.id = q.rfq WHERE q.rfq = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR r.buyer = $2 OR q.provider = $2) ORDER BY q.id"
        );
        let mut rows = self.db.rows(
            &sql,
            &[id(rfq), Val::I(party.map(|p| p.0 as i64))],
            quote_row,
        )?;
        for q in &mut rows {
            q.lines = self.quote_lines(q.id)?;
        }
        Ok(rows)
    }

    /// One quote if `party` may see it (`None`: the operator).
    pub fn quote(
        &mut self,
        quote: u64,
        party: Option<ParticipantId>,
    ) -> Result<Option<QuoteRow>, StoreError> {
        let sql = format!(
            "SELECT {QUOTE_COLUMNS} FROM quotes q JOIN rfqs r ON r.id = q.rfq WHERE q.id = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR r.buyer = $2 OR q.provider = $2)"
        );
        let Some(mut q) = self
            .db
            .rows(
                &sql,
                &[id(quote), Val::I(party.map(|p| p.0 as i64))],
                quote_row,
            )?
            .pop()
        else {
            return Ok(None);
        };
        q.lines = self.quote_lines(q.id)?;
        Ok(Some(q))
    }

    fn quote_lines(&mut self, quote: u64) -> Result<Vec<(u64, u32, u32, u32)>, StoreError> {
        self.db.rows(
            "SELECT pool, gpus, start_hour, end_hour FROM quote_lines WHERE quote = $1 ORDER BY line",
            &[id(quote)],
            line_row,
        )
    }
}
