//! What a position is computed from (`megawatt_engine::portfolio`): the contracts a
//! participant (or the market) holds hours of from an hour on, where each pool's
//! capacity is, its resting orders and open quotes, and its invoices. Each read is
//! bounded: past its bound it answers `None`, so a caller can refuse rather than show
//! part of a position.

use super::*;
use crate::decode::{CONTRACT_COLUMNS, contract_record, line_at};
use megawatt_engine::contract::{ContractLine, ContractRecord};
use megawatt_engine::invoice::Invoice;
use megawatt_engine::portfolio::Place;
use megawatt_engine::units::Hour;

/// Where a row of [`Reader::held_contracts`]' join has its line: after the contract's
/// [`CONTRACT_COLUMNS`].
const LINE_AT: usize = 33;

/// A row of the join: (contract id, line number, the contract on its first line's row
/// only, the line).
type HeldRow = (u64, u32, Option<ContractRecord>, ContractLine);

fn held_row(r: &dyn Get) -> Result<HeldRow, StoreError> {
    let line = small(r, LINE_AT + 4)?;
    let contract = if line == 0 {
        Some(contract_record(r)?)
    } else {
        None
    };
    Ok((big(r, 0)?, line, contract, line_at(r, LINE_AT)?))
}

/// The contracts (aliased `c`) a view holds: made by `$3`, holding hours after `$2`,
/// of participant `$1` (through the buyer and seller indexes) or, for the operator,
/// of everyone.
fn held(party: bool) -> &'static str {
    if party {
        "(c.buyer = $1 OR c.seller = $1) AND c.ends_hour > $2 AND c.created_ms <= $3"
    } else {
        "CAST($1 AS BIGINT) IS NULL AND c.ends_hour > $2 AND c.created_ms <= $3"
    }
}

/// Each pool's place by pool id, and each facility's name by facility id.
pub type PoolPlaces = (BTreeMap<u64, Place>, BTreeMap<u64, String>);

impl Reader {
    /// Contracts of `party` (`None`: all) made by `at_ms` that hold hours after hour
    /// `from` as they stand (a notice given after `at_ms` takes effect after it, so
    /// none held then is left out), with their lines, by id; `None` if more than `max`.
    /// One count, then one query of contracts joined to their lines.
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
        ];
        let which = held(party.is_some());
        let sql = format!("SELECT COUNT(*) FROM contracts c WHERE {which}");
        let count = self.db.rows(&sql, &params, |r| big(r, 0))?;
        if count.first().copied().unwrap_or(0) > max as u64 {
            return Ok(None);
        }
        assert_eq!(
            CONTRACT_COLUMNS.split(", ").count(),
            LINE_AT,
            "the line's columns follow the contract's"
        );
        let columns: Vec<String> = CONTRACT_COLUMNS
            .split(", ")
            .map(|c| format!("c.{}", c.trim()))
            .collect();
        // No ORDER BY: it would sort every joined row in a temporary B-tree; the rows
        // are put in order here instead, by (contract, line).
        let sql = format!(
            "SELECT {}, l.pool, l.gpus, l.start_hour, l.end_hour, l.line FROM contracts c \
             JOIN contract_lines l ON l.contract = c.id WHERE {which}",
            columns.join(", ")
        );
        let mut rows = self.db.rows(&sql, &params, held_row)?;
        // Usually in order already (one index's rows, each contract's lines by the
        // primary key): then nothing is moved.
        if !rows.is_sorted_by_key(|r| (r.0, r.1)) {
            rows.sort_unstable_by_key(|r| (r.0, r.1));
        }
        let mut out: Vec<ContractRecord> = Vec::with_capacity(rows.len());
        for (_, _, first, line) in rows {
            match first {
                Some(mut c) => {
                    c.lines.push(line);
                    out.push(c);
                }
                None => {
                    if let Some(c) = out.last_mut() {
                        c.lines.push(line);
                    }
                }
            }
        }
        Ok(Some(out))
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

    /// The pools `owner`'s facilities hold: (pool id, model, GPUs), by id.
    pub fn owned_pools(
        &mut self,
        owner: ParticipantId,
    ) -> Result<Vec<(u64, String, u32)>, StoreError> {
        self.db.rows(
            "SELECT p.id, p.model, p.gpus FROM pools p JOIN facilities f ON f.id = p.facility \
             WHERE f.owner = $1 ORDER BY p.id",
            &[id(owner.0)],
            |r| Ok((big(r, 0)?, string(r, 1)?, small(r, 2)?)),
        )
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
