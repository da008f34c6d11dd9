//! Contracts and their lines, read back into the engine's own [`ContractRecord`]
//! ([`crate::decode`]).

use super::money::{MONTH_INVOICES, month_params};
use super::*;
use crate::decode::{CONTRACT_COLUMNS, contract_record, line_at};
use megawatt_engine::contract::{ContractLine, ContractRecord};

impl Reader {
    /// One contract with its lines.
    pub fn contract(&mut self, contract: u64) -> Result<Option<ContractRecord>, StoreError> {
        let sql = format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id = $1");
        let Some(mut c) = self.db.rows(&sql, &[id(contract)], contract_record)?.pop() else {
            return Ok(None);
        };
        c.lines = self.lines(contract)?.into_iter().collect();
        Ok(Some(c))
    }

    fn lines(&mut self, contract: u64) -> Result<Vec<ContractLine>, StoreError> {
        self.db.rows(
            "SELECT pool, gpus, start_hour, end_hour FROM contract_lines WHERE contract = $1 ORDER BY line",
            &[id(contract)],
            |r| line_at(r, 0),
        )
    }

    /// Contracts, newest first, where the participant is a party (or all).
    pub fn contracts(
        &mut self,
        scope: Scope,
        before_id: Option<u64>,
        max: usize,
    ) -> Result<Page<ContractRecord>, StoreError> {
        let sql = format!(
            "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE (CAST($1 AS BIGINT) IS NULL OR buyer = $1 OR seller = $1) \
             AND id < $2 ORDER BY id DESC LIMIT $3"
        );
        let mut rows = self.db.rows(
            &sql,
            &[party(scope), before(before_id), limit(max)],
            contract_record,
        )?;
        for c in &mut rows {
            c.lines = self.lines(c.id.0)?.into_iter().collect();
        }
        Ok(page(rows, max, |c| c.id.0))
    }

    /// The contracts billed by [`Reader::month_invoices`], with their lines, by id: two
    /// queries for the whole month rather than two per invoice.
    pub fn month_contracts(
        &mut self,
        party: Option<ParticipantId>,
        month: (u32, u32),
    ) -> Result<BTreeMap<u64, ContractRecord>, StoreError> {
        let billed = format!("SELECT contract FROM invoices WHERE {MONTH_INVOICES}");
        let params = month_params(party, month);
        let sql = format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id IN ({billed})");
        let mut contracts: BTreeMap<u64, ContractRecord> = self
            .db
            .rows(&sql, &params, contract_record)?
            .into_iter()
            .map(|c| (c.id.0, c))
            .collect();
        let sql = format!(
            "SELECT contract, pool, gpus, start_hour, end_hour FROM contract_lines \
             WHERE contract IN ({billed}) ORDER BY contract, line"
        );
        let lines = self
            .db
            .rows(&sql, &params, |r| Ok((big(r, 0)?, line_at(r, 1)?)))?;
        for (contract, line) in lines {
            if let Some(c) = contracts.get_mut(&contract) {
                c.lines.push(line);
            }
        }
        Ok(contracts)
    }
}
