//! Contracts and their lines, read back into the engine's own [`ContractRecord`].

use super::money::{MONTH_INVOICES, month_params};
use super::*;
use megawatt_engine::contract::{
    Cause, Causes, ContractLine, ContractRecord, ContractStatus, ForCause, Lines, Notice, Origin,
    Pricing, Terms,
};
use megawatt_engine::ids::{ContractId, PoolId, QuoteId, TradeId};
use megawatt_engine::units::{Hour, Window};

/// The columns [`contract_record`] reads, in order.
pub(crate) const CONTRACT_COLUMNS: &str = "id, buyer, seller, pricing, price_micros, monthly_fee_micros, start_hour, \
    end_hour, buyer_notice_hours, seller_notice_hours, early_termination_fee_micros, origin_trade, status, created_ms, \
    origin_quote, parent, parent_line, ends_hour, for_cause_allowed, notice_by, notice_ms, notice_effective_hour, \
    notice_fee_micros, notice_via_parent, cause, cause_by, cause_reason, cause_ms, payment_days";

/// A stored value that does not make what the engine recorded.
fn corrupt(what: &str, v: impl std::fmt::Debug) -> StoreError {
    StoreError(format!(
        "contracts: {what} {v:?} is not one the engine records"
    ))
}

/// A contract from the columns of [`CONTRACT_COLUMNS`], without its lines.
pub(crate) fn contract_record(r: &dyn Get) -> Result<ContractRecord, StoreError> {
    let kind = string(r, 3)?;
    let (price, fee) = (r.int(4)?, r.int(5)?);
    let pricing =
        Pricing::from_parts(&kind, price, fee).ok_or_else(|| corrupt("pricing", &kind))?;
    let causes = r.text(18)?.unwrap_or_default();
    let terms = Terms {
        buyer_notice_hours: opt_small(r, 8)?,
        seller_notice_hours: opt_small(r, 9)?,
        early_termination_fee_micros: signed(r, 10)?,
        for_cause: Causes::from_text(&causes).ok_or_else(|| corrupt("causes", &causes))?,
        payment_days: days(r, 28)?,
    };
    let status = string(r, 12)?;
    let ends = Hour(small(r, 17)?);
    Ok(ContractRecord {
        id: ContractId(big(r, 0)?),
        buyer: ParticipantId(big(r, 1)?),
        seller: ParticipantId(big(r, 2)?),
        lines: Lines::new(),
        pricing,
        terms,
        origin: origin(r)?,
        status: ContractStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        created_ms: big(r, 13)?,
        ends,
        notice: notice(r)?,
        for_cause: for_cause(r, ends)?,
    })
}

/// Where the contract came from: `origin_trade`, `origin_quote`, `parent`, `parent_line`.
fn origin(r: &dyn Get) -> Result<Origin, StoreError> {
    let trade = opt_big(r, 11)?.map(TradeId);
    Ok(match (opt_big(r, 14)?, opt_big(r, 15)?, trade) {
        (Some(q), _, _) => Origin::Quote(QuoteId(q)),
        (None, Some(parent), Some(trade)) => Origin::Resale {
            parent: ContractId(parent),
            line: u16::try_from(small(r, 16)?).map_err(|_| corrupt("parent line", r.int(16)))?,
            trade,
        },
        (None, None, Some(t)) => Origin::Trade(t),
        _ => return Err(corrupt("origin of contract", r.int(0)?)),
    })
}

/// Notice given, from the `notice_*` columns.
fn notice(r: &dyn Get) -> Result<Option<Notice>, StoreError> {
    let Some(by) = opt_big(r, 19)? else {
        return Ok(None);
    };
    Ok(Some(Notice {
        by: ParticipantId(by),
        given_ms: big(r, 20)?,
        effective: Hour(small(r, 21)?),
        fee_micros: signed(r, 22)?,
        via_parent: opt_big(r, 23)?.map(ContractId),
    }))
}

/// Termination for cause, from the `cause*` columns; it took effect at `ends`.
fn for_cause(r: &dyn Get, ends: Hour) -> Result<Option<ForCause>, StoreError> {
    let Some(cause) = r.text(24)? else {
        return Ok(None);
    };
    Ok(Some(ForCause {
        by: ParticipantId(big(r, 25)?),
        cause: Cause::parse(&cause).ok_or_else(|| corrupt("cause", &cause))?,
        reason: string(r, 26)?,
        given_ms: big(r, 27)?,
        effective: ends,
    }))
}

/// A contract line from four columns (pool, GPUs, start and end hour) from `at` on.
pub(crate) fn line_at(r: &dyn Get, at: usize) -> Result<ContractLine, StoreError> {
    let (start, end) = (Hour(small(r, at + 2)?), Hour(small(r, at + 3)?));
    Ok(ContractLine {
        pool: PoolId(big(r, at)?),
        gpus: small(r, at + 1)?,
        window: Window::new(start, end).map_err(|_| corrupt("line window", (start, end)))?,
    })
}

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
