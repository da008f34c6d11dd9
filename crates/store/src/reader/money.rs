//! Transfers and invoices as the tables hold them, and the invoices of a month.

use super::*;
use crate::decode::{corrupt, window_at};
use megawatt_engine::delivery::MonthDelivery;
use megawatt_engine::ids::{ContractId, InvoiceId, PoolId, TransferId};
use megawatt_engine::invoice::{Charge, Invoice, InvoiceLine, InvoiceStatus};
use megawatt_engine::money::{Account, Transfer, TransferKind};
use megawatt_engine::units::Hour;

/// An invoice as the table holds it: the engine's invoice, where it is, and its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceRecord {
    /// The invoice (`overdue` as its status says).
    pub invoice: Invoice,
    /// Open, paid or overdue.
    pub status: InvoiceStatus,
    /// Its lines, as the engine computed them when it issued the invoice.
    pub lines: Vec<InvoiceLine>,
    /// The evidence of its delivery credit, if it carries one (a term contract's month
    /// with credit lines, or a prepaid month's `delivery_credit` invoice).
    pub credit: Option<MonthDelivery>,
}

/// A transfer from its columns: the engine's own [`Transfer`].
fn transfer_record(r: &dyn Get) -> Result<Transfer, StoreError> {
    let account = |i| {
        let s = string(r, i)?;
        Account::parse(&s).ok_or_else(|| corrupt("transfers.debit or credit", &s))
    };
    let kind = string(r, 4)?;
    Ok(Transfer {
        id: TransferId(big(r, 0)?),
        debit: account(1)?,
        credit: account(2)?,
        amount_micros: signed(r, 3)?,
        kind: TransferKind::parse(&kind).ok_or_else(|| corrupt("transfers.kind", &kind))?,
        reference: string(r, 5)?,
        time_ms: big(r, 6)?,
    })
}

/// The invoices of a month (parameters: [`month_params`]): usage billed for its hours
/// and fees issued in it, of one payer or of all. Refunds and delivery credits are not
/// among them: they return money paid at a trade, which is no invoice either
/// (`docs/focus.md`).
pub(super) const MONTH_INVOICES: &str = "(CAST($1 AS BIGINT) IS NULL OR payer = $1) AND charge NOT IN ('refund', 'delivery_credit') AND ( \
    (charge = 'usage' AND period_start_hour >= $2 AND period_start_hour < $3) OR \
    (charge <> 'usage' AND issued_ms >= $4 AND issued_ms < $5))";

/// The parameters of [`MONTH_INVOICES`].
pub(super) fn month_params(party: Option<ParticipantId>, (start, end): (u32, u32)) -> [Val; 5] {
    let ms = |h: u32| {
        Val::I(Some(
            i64::from(h) * megawatt_engine::units::MS_PER_HOUR as i64,
        ))
    };
    [
        Val::I(party.map(|p| p.0 as i64)),
        Val::I(Some(i64::from(start))),
        Val::I(Some(i64::from(end))),
        ms(start),
        ms(end),
    ]
}

/// The columns [`invoice_record`] reads, in order.
pub(super) const INVOICE_COLUMNS: &str = "id, contract, payer, payee, charge, period_start_hour, \
     period_end_hour, amount_micros, issued_ms, due_hour, status";

/// An invoice from the columns of [`INVOICE_COLUMNS`], without its lines.
pub(super) fn invoice_record(r: &dyn Get) -> Result<InvoiceRecord, StoreError> {
    let (charge, status) = (string(r, 4)?, string(r, 10)?);
    let status =
        InvoiceStatus::parse(&status).ok_or_else(|| corrupt("invoices.status", &status))?;
    let invoice = Invoice {
        id: InvoiceId(big(r, 0)?),
        contract: ContractId(big(r, 1)?),
        payer: ParticipantId(big(r, 2)?),
        payee: ParticipantId(big(r, 3)?),
        charge: Charge::parse(&charge).ok_or_else(|| corrupt("invoices.charge", &charge))?,
        period: window_at(r, 5)?,
        amount_micros: signed(r, 7)?,
        issued_ms: big(r, 8)?,
        due: Hour(small(r, 9)?),
        overdue: status == InvoiceStatus::Overdue,
    };
    Ok(InvoiceRecord {
        invoice,
        status,
        lines: Vec::new(),
        credit: None,
    })
}

/// The columns of `delivery_credits` that [`credit_record`] reads, in order.
const CREDIT_COLUMNS: &str = "invoice, period_start_hour, period_end_hour, contracted_gpu_hours, \
     delivered_gpu_hours, unreported_gpu_hours, availability_bps, charge_micros, pro_rata_micros, \
     tier_micros, credit_micros";

/// (invoice, evidence) from the columns of [`CREDIT_COLUMNS`].
fn credit_record(r: &dyn Get) -> Result<(u64, MonthDelivery), StoreError> {
    let availability = small(r, 6)?;
    Ok((
        big(r, 0)?,
        MonthDelivery {
            period: window_at(r, 1)?,
            contracted_gpu_hours: big(r, 3)?,
            delivered_gpu_hours: big(r, 4)?,
            unreported_gpu_hours: big(r, 5)?,
            availability_bps: u16::try_from(availability)
                .map_err(|_| corrupt("delivery_credits.availability_bps", availability))?,
            charge_micros: signed(r, 7)?,
            pro_rata_micros: signed(r, 8)?,
            tier_micros: signed(r, 9)?,
            credit_micros: signed(r, 10)?,
        },
    ))
}

/// The columns of `invoice_lines` that [`invoice_line`] reads, in order.
const LINE_COLUMNS: &str = "invoice, contract_line, pool, gpus, gpu_hours, amount_micros";

/// (invoice, line) from the columns of [`LINE_COLUMNS`].
fn invoice_line(r: &dyn Get) -> Result<(u64, InvoiceLine), StoreError> {
    let line = match opt_small(r, 1)? {
        Some(l) => Some(u16::try_from(l).map_err(|_| null(1))?),
        None => None,
    };
    let gpu_hours = opt_big(r, 4)?;
    Ok((
        big(r, 0)?,
        InvoiceLine {
            line,
            pool: PoolId(big(r, 2)?),
            gpus: small(r, 3)?,
            gpu_hours,
            amount_micros: signed(r, 5)?,
        },
    ))
}

/// Gives each invoice its lines (`lines` ordered by invoice and line) and its credit's
/// evidence.
fn attach(
    invoices: &mut [InvoiceRecord],
    lines: Vec<(u64, InvoiceLine)>,
    credits: Vec<(u64, MonthDelivery)>,
) {
    let mut at: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, inv) in invoices.iter().enumerate() {
        at.insert(inv.invoice.id.0, i);
    }
    for (invoice, line) in lines {
        if let Some(&i) = at.get(&invoice) {
            invoices[i].lines.push(line);
        }
    }
    for (invoice, credit) in credits {
        if let Some(&i) = at.get(&invoice) {
            invoices[i].credit = Some(credit);
        }
    }
}

impl Reader {
    /// Transfers touching `account` (`None`: all), newest first, before `before`, and
    /// at or after `from_ms` and before `to_ms`.
    pub fn transfers(
        &mut self,
        account: Option<String>,
        (from_ms, to_ms): (u64, u64),
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<Transfer>, StoreError> {
        let sql = "SELECT id, debit, credit, amount_micros, kind, reference, time_ms FROM transfers \
             WHERE (CAST($1 AS TEXT) IS NULL OR debit = $1 OR credit = $1) AND id < $2 \
             AND time_ms >= $3 AND time_ms < $4 ORDER BY id DESC LIMIT $5";
        let params = [
            Val::T(account),
            before(before_id),
            id(from_ms),
            id(to_ms),
            limit(max),
        ];
        let rows = self.db.rows(sql, &params, transfer_record)?;
        Ok(page(rows, max, |t| t.id.0))
    }

    /// Invoices where `party` pays or is paid (`None`: all), newest first.
    pub fn invoices(
        &mut self,
        party: Option<ParticipantId>,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<InvoiceRecord>, StoreError> {
        let page_ids = "SELECT id FROM invoices \
             WHERE (CAST($1 AS BIGINT) IS NULL OR payer = $1 OR payee = $1) AND id < $2 \
             ORDER BY id DESC LIMIT $3";
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE id IN ({page_ids}) ORDER BY id DESC"
        );
        let params = [
            Val::I(party.map(|p| p.0 as i64)),
            before(before_id),
            limit(max),
        ];
        let mut rows = self.db.rows(&sql, &params, invoice_record)?;
        // The lines of exactly this page's invoices (the same selection), in one query.
        let sql = format!(
            "SELECT {LINE_COLUMNS} FROM invoice_lines WHERE invoice IN ({page_ids}) \
             ORDER BY invoice, line_no"
        );
        let lines = self.db.rows(&sql, &params, invoice_line)?;
        let sql =
            format!("SELECT {CREDIT_COLUMNS} FROM delivery_credits WHERE invoice IN ({page_ids})");
        let credits = self.db.rows(&sql, &params, credit_record)?;
        attach(&mut rows, lines, credits);
        Ok(page(rows, max, |i| i.invoice.id.0))
    }

    /// One invoice.
    pub fn invoice(&mut self, invoice: u64) -> Result<Option<InvoiceRecord>, StoreError> {
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = $1");
        let mut rows = self.db.rows(&sql, &[id(invoice)], invoice_record)?;
        let sql =
            format!("SELECT {LINE_COLUMNS} FROM invoice_lines WHERE invoice = $1 ORDER BY line_no");
        let lines = self.db.rows(&sql, &[id(invoice)], invoice_line)?;
        let sql = format!("SELECT {CREDIT_COLUMNS} FROM delivery_credits WHERE invoice = $1");
        let credits = self.db.rows(&sql, &[id(invoice)], credit_record)?;
        attach(&mut rows, lines, credits);
        Ok(rows.pop())
    }

    /// The invoices of a month that `party` pays (`None`: everyone's), oldest first:
    /// usage billed for hours of `[start, end)` and fees issued in it; at most
    /// [`crate::limits::EXPORT_INVOICES_MAX`] + 1, so a caller can tell that there are too many.
    pub fn month_invoices(
        &mut self,
        party: Option<ParticipantId>,
        month: (u32, u32),
    ) -> Result<Vec<InvoiceRecord>, StoreError> {
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE {MONTH_INVOICES} ORDER BY id LIMIT {}",
            crate::limits::EXPORT_INVOICES_MAX + 1
        );
        let params = month_params(party, month);
        let mut rows = self.db.rows(&sql, &params, invoice_record)?;
        if rows.len() > crate::limits::EXPORT_INVOICES_MAX {
            return Ok(rows);
        }
        let sql = format!(
            "SELECT {LINE_COLUMNS} FROM invoice_lines WHERE invoice IN \
             (SELECT id FROM invoices WHERE {MONTH_INVOICES}) ORDER BY invoice, line_no"
        );
        let lines = self.db.rows(&sql, &params, invoice_line)?;
        attach(&mut rows, lines, Vec::new());
        Ok(rows)
    }
}
