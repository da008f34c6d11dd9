//! What a position is computed from (`megawatt_engine::portfolio`): the contracts a
//! participant (or the market) holds hours of from an hour on, where each pool's
//! capacity is, its resting orders and open quotes, and its invoices. Each read is
//! bounded: past its bound it answers `None`, so a caller can refuse rather than show
//! part of a position.

use super::*;
use crate::decode::{CONTRACT_COLUMNS, contract_record, line_at};
use megawatt_engine::contract::ContractRecord;
use megawatt_engine::invoice::Invoice;
use megawatt_engine::portfolio::Place;
use megawatt_engine::units::Hour;

/// The contracts where the participant is a party: buyer or seller (or, for the
/// operator, every contract).
const HELD: &str = "(CAST($1 AS BIGINT) IS NULL OR buyer = $1 OR seller = $1) \
     AND ends_hour > $2 AND created_ms <= $3";

/// Each pool's place by pool id, and each facility's name by facility id.
pub type PoolPlaces = (BTreeMap<u64, Place>, BTreeMap<u64, String>);

impl Reader {
    /// Contracts of `party` (`None`: all) made by `at_ms` that hold hours after hour
    /// `from` as they stand (a notice given after `at_ms` takes effect after it, so
    /// none held then is left out), with their lines, by id; `None` if more than `max`.
    pub fn held_contracts(
        &mut self,
        party: Option<ParticipantId>,
        (from, at_ms): (Hour, u64),
        max: usize,
    ) -> Result<Option<Vec<ContractRecord>>, StoreError> {
        let params = [
            Val::I(party.map(|p| p.0 as i64)),
            Val::I(Some(i64::from(from.0))),
            Val::I(Some(i64::try_from(at_ms).unwrap_or(i64::MAX))),
            limit(max),
        ];
        let sql =
            format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE {HELD} ORDER BY id LIMIT $4");
        let mut rows = self.db.rows(&sql, &params, contract_record)?;
        if rows.len() > max {
            return Ok(None);
        }
        let sql = format!(
            "SELECT contract, pool, gpus, start_hour, end_hour FROM contract_lines \
             WHERE contract IN (SELECT id FROM contracts WHERE {HELD} ORDER BY id LIMIT $4) \
             ORDER BY contract, line"
        );
        let lines = self
            .db
            .rows(&sql, &params, |r| Ok((big(r, 0)?, line_at(r, 1)?)))?;
        // Both lists are in contract order: walk them together.
        let mut at = 0;
        for (contract, line) in lines {
            while at < rows.len() && rows[at].id.0 < contract {
                at += 1;
            }
            match rows.get_mut(at) {
                Some(c) if c.id.0 == contract => c.lines.push(line),
                _ => {}
            }
        }
        rows.retain(|c| !c.lines.is_empty());
        Ok(Some(rows))
    }

    /// Where every pool's capacity is, by pool id, and each facility's name, by id.
    pub fn pool_places(&mut self) -> Result<PoolPlaces, StoreError> {
        let rows = self.db.rows(
            "SELECT p.id, p.model, f.region, f.id, f.name FROM pools p JOIN facilities f ON f.id = p.facility",
            &[],
            |r| {
                let place = Place {
                    model: string(r, 1)?,
                    region: string(r, 2)?,
                    facility: big(r, 3)?,
                };
                Ok((big(r, 0)?, place, string(r, 4)?))
            },
        )?;
        let names = rows
            .iter()
            .map(|(_, p, n)| (p.facility, n.clone()))
            .collect();
        Ok((rows.into_iter().map(|(id, p, _)| (id, p)).collect(), names))
    }

    /// Every open order of `party` (`None`: everyone's); `None` if more than `max`.
    pub fn open_orders(
        &mut self,
        party: Option<ParticipantId>,
        max: usize,
    ) -> Result<Option<Vec<OrderRecord>>, StoreError> {
        let scope = party.map_or(Scope::All, Scope::Party);
        let page = self.orders(scope, true, None, max)?;
        Ok(page.next.is_none().then_some(page.rows))
    }

    /// Every open quote `provider` made (`None`: everyone's), with its lines; `None` if
    /// more than `max`.
    pub fn open_quotes(
        &mut self,
        provider: Option<ParticipantId>,
        max: usize,
    ) -> Result<Option<Vec<QuoteRecord>>, StoreError> {
        let ids = self.db.rows(
            "SELECT id FROM quotes WHERE (CAST($1 AS BIGINT) IS NULL OR provider = $1) \
             AND status = 'open' ORDER BY id LIMIT $2",
            &[Val::I(provider.map(|p| p.0 as i64)), limit(max)],
            |r| big(r, 0),
        )?;
        if ids.len() > max {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(ids.len());
        for q in ids {
            out.extend(self.quote(q, None)?);
        }
        Ok(Some(out))
    }

    /// Invoices `party` pays or is paid, issued in `[from_ms, to_ms]` (all of them, or
    /// with `unpaid`, only those open or overdue; `party` `None`: everyone's), without
    /// their lines; `None` if more than `max`.
    pub fn invoices_issued(
        &mut self,
        party: Option<ParticipantId>,
        (from_ms, to_ms, unpaid): (u64, u64, bool),
        max: usize,
    ) -> Result<Option<Vec<Invoice>>, StoreError> {
        let ms = |t: u64| Val::I(Some(i64::try_from(t).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT {} FROM invoices WHERE (CAST($1 AS BIGINT) IS NULL OR payer = $1 OR payee = $1) \
             AND issued_ms >= $2 AND issued_ms <= $3 AND (CAST($4 AS BIGINT) = 0 OR status <> 'paid') \
             ORDER BY id LIMIT $5",
            super::money::INVOICE_COLUMNS
        );
        let params = [
            Val::I(party.map(|p| p.0 as i64)),
            ms(from_ms),
            ms(to_ms),
            Val::I(Some(i64::from(unpaid))),
            limit(max),
        ];
        let rows = self.db.rows(&sql, &params, super::money::invoice_record)?;
        if rows.len() > max {
            return Ok(None);
        }
        Ok(Some(rows.into_iter().map(|r| r.invoice).collect()))
    }
}
