//! Rows a migration computes rather than declares. Schema version 9 added
//! `invoice_lines`; the invoices issued before it get their lines here, from the
//! engine's own function over the stored contracts (the same lines the engine carries
//! in `InvoiceLines` events, so the audit's replay agrees with the migrated store).

use crate::StoreError;
use crate::convert;
use crate::decode::{CONTRACT_COLUMNS, Get, big, contract_record, line_at};
use crate::tables::Delta;
use megawatt_engine::contract::ContractRecord;
use megawatt_engine::ids::InvoiceId;
use megawatt_engine::invoice::{Charge, try_lines};
use megawatt_engine::units::{Hour, Window};
use std::collections::BTreeMap;

/// Runs a query on the migrating transaction, calling `f` with each row.
pub(crate) trait Query {
    /// Runs `sql` (no parameters).
    fn each(
        &mut self,
        sql: &str,
        f: &mut dyn FnMut(&dyn Get) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

impl Query for rusqlite::Transaction<'_> {
    fn each(
        &mut self,
        sql: &str,
        f: &mut dyn FnMut(&dyn Get) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.prepare(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            f(row)?;
        }
        Ok(())
    }
}

impl Query for postgres::Transaction<'_> {
    fn each(
        &mut self,
        sql: &str,
        f: &mut dyn FnMut(&dyn Get) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for row in self.query(sql, &[])? {
            f(&row)?;
        }
        Ok(())
    }
}

/// The lines of every invoice already stored, as rows of `invoice_lines`.
pub(crate) fn invoice_lines(q: &mut dyn Query) -> Result<Delta, StoreError> {
    let mut contracts: BTreeMap<u64, ContractRecord> = BTreeMap::new();
    let sql = format!(
        "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id IN (SELECT contract FROM invoices)"
    );
    q.each(&sql, &mut |r| {
        let c = contract_record(r)?;
        contracts.insert(c.id.0, c);
        Ok(())
    })?;
    q.each(
        "SELECT contract, pool, gpus, start_hour, end_hour FROM contract_lines \
         WHERE contract IN (SELECT contract FROM invoices) ORDER BY contract, line",
        &mut |r| {
            if let Some(c) = contracts.get_mut(&big(r, 0)?) {
                c.lines.push(line_at(r, 1)?);
            }
            Ok(())
        },
    )?;
    let mut delta = Delta::default();
    let mut rows = Vec::new();
    q.each(
        "SELECT id, contract, charge, period_start_hour, period_end_hour, amount_micros \
         FROM invoices ORDER BY id",
        &mut |r| {
            let bad = || StoreError("invoices: a stored invoice cannot be read back".into());
            let int = |i| r.int(i).and_then(|v| v.ok_or_else(bad));
            let (id, contract) = (int(0)?, int(1)?);
            let charge = r
                .text(2)?
                .as_deref()
                .and_then(Charge::parse)
                .ok_or_else(bad)?;
            let hour = |i| int(i).and_then(|v| u32::try_from(v).map(Hour).map_err(|_| bad()));
            let period = Window::new(hour(3)?, hour(4)?).map_err(|_| bad())?;
            let c = u64::try_from(contract)
                .ok()
                .and_then(|c| contracts.get(&c))
                .ok_or_else(bad)?;
            let invoice = InvoiceId(u64::try_from(id).map_err(|_| bad())?);
            let lines = try_lines(charge, period, int(5)?, c.economics()).ok_or_else(|| {
                StoreError(format!(
                    "invoices: the lines of {invoice} do not add up to it"
                ))
            })?;
            for (i, l) in lines.iter().enumerate() {
                rows.push(convert::invoice_line(invoice, i, l));
            }
            Ok(())
        },
    )?;
    delta.append(rows);
    Ok(delta)
}
