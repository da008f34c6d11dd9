//! Rows read back into values: [`Get`] reads a column of either backend's row, the
//! helpers check ranges and NULLs, and a contract's columns become the engine's own
//! [`ContractRecord`]. The reader and the migrations' backfills decode through here.

use crate::StoreError;
use megawatt_engine::contract::{
    Cause, Causes, ContractLine, ContractRecord, ContractStatus, ForCause, Lines, Notice, Origin,
    Pricing, Terms,
};
use megawatt_engine::ids::{ContractId, ParticipantId, PoolId, QuoteId, TradeId};
use megawatt_engine::units::{Hour, Window};

/// Reads the columns of one result row, whatever the backend.
pub trait Get {
    /// Column `i` as an integer (booleans are 0 or 1), or NULL.
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    /// Column `i` as text, or NULL.
    fn text(&self, i: usize) -> Result<Option<String>, StoreError>;
}

impl Get for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }
}

impl Get for postgres::Row {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(i)?)
    }
}

pub(crate) fn null(i: usize) -> StoreError {
    StoreError(format!("unexpected NULL in column {i}"))
}

pub(crate) fn big(r: &dyn Get, i: usize) -> Result<u64, StoreError> {
    let v = r.int(i)?.ok_or_else(|| null(i))?;
    u64::try_from(v).map_err(|_| StoreError(format!("column {i}: {v} is out of range")))
}

pub(crate) fn small(r: &dyn Get, i: usize) -> Result<u32, StoreError> {
    let v = big(r, i)?;
    u32::try_from(v).map_err(|_| StoreError(format!("column {i}: {v} is out of range")))
}

pub(crate) fn opt_big(r: &dyn Get, i: usize) -> Result<Option<u64>, StoreError> {
    Ok(match r.int(i)? {
        None => None,
        Some(_) => Some(big(r, i)?),
    })
}

pub(crate) fn opt_small(r: &dyn Get, i: usize) -> Result<Option<u32>, StoreError> {
    Ok(match r.int(i)? {
        None => None,
        Some(_) => Some(small(r, i)?),
    })
}

pub(crate) fn signed(r: &dyn Get, i: usize) -> Result<i64, StoreError> {
    r.int(i)?.ok_or_else(|| null(i))
}

pub(crate) fn string(r: &dyn Get, i: usize) -> Result<String, StoreError> {
    r.text(i)?.ok_or_else(|| null(i))
}

pub(crate) fn opt_bool(r: &dyn Get, i: usize) -> Result<Option<bool>, StoreError> {
    Ok(r.int(i)?.map(|v| v != 0))
}

/// Payment terms, days.
pub(crate) fn days(r: &dyn Get, i: usize) -> Result<u16, StoreError> {
    u16::try_from(small(r, i)?)
        .map_err(|_| StoreError(format!("column {i}: payment days out of range")))
}

/// The columns [`contract_record`] reads, in order.
pub(crate) const CONTRACT_COLUMNS: &str = "id, buyer, seller, pricing, price_micros, monthly_fee_micros, start_hour, \
    end_hour, buyer_notice_hours, seller_notice_hours, early_termination_fee_micros, origin_trade, status, created_ms, \
    origin_quote, parent, parent_line, ends_hour, for_cause_allowed, notice_by, notice_ms, notice_effective_hour, \
    notice_fee_micros, notice_via_parent, cause, cause_by, cause_reason, cause_ms, payment_days, \
    delivery_target_bps, delivery_unreported, delivery_pro_rata, delivery_tiers";

/// A stored value, of the column(s) named `what`, that does not make what the engine
/// recorded.
pub(crate) fn corrupt(what: &str, v: impl std::fmt::Debug) -> StoreError {
    StoreError(format!("{what} {v:?} is not one the engine records"))
}

/// A contract from the columns of [`CONTRACT_COLUMNS`], without its lines.
pub(crate) fn contract_record(r: &dyn Get) -> Result<ContractRecord, StoreError> {
    let pricing = pricing_at(r, 3)?;
    let causes = r.text(18)?.unwrap_or_default();
    let terms = Terms {
        buyer_notice_hours: opt_small(r, 8)?,
        seller_notice_hours: opt_small(r, 9)?,
        early_termination_fee_micros: signed(r, 10)?,
        for_cause: Causes::from_text(&causes)
            .ok_or_else(|| corrupt("contracts.for_cause_allowed", &causes))?,
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
        status: ContractStatus::parse(&status)
            .ok_or_else(|| corrupt("contracts.status", &status))?,
        created_ms: big(r, 13)?,
        ends,
        notice: notice(r)?,
        for_cause: for_cause(r, ends)?,
        delivery: delivery_at(r, 29)?,
    })
}

/// The delivery terms (of a contract or a quote) from four columns from `at` on:
/// `delivery_target_bps`, `delivery_unreported`, `delivery_pro_rata`, `delivery_tiers`.
pub(crate) fn delivery_at(
    r: &dyn Get,
    at: usize,
) -> Result<megawatt_engine::delivery::DeliveryTerms, StoreError> {
    use megawatt_engine::delivery::{DeliveryTerms, Unreported};
    let target = small(r, at)?;
    let unreported = string(r, at + 1)?;
    let tiers = string(r, at + 3)?;
    Ok(DeliveryTerms {
        availability_target_bps: u16::try_from(target)
            .map_err(|_| corrupt("delivery_target_bps", target))?,
        unreported: Unreported::parse(&unreported)
            .ok_or_else(|| corrupt("delivery_unreported", &unreported))?,
        pro_rata: opt_bool(r, at + 2)?.unwrap_or(false),
        tiers: DeliveryTerms::parse_tiers(&tiers)
            .ok_or_else(|| corrupt("delivery_tiers", &tiers))?,
    })
}

/// Where the contract came from: `origin_trade`, `origin_quote`, `parent`, `parent_line`.
fn origin(r: &dyn Get) -> Result<Origin, StoreError> {
    let trade = opt_big(r, 11)?.map(TradeId);
    Ok(match (opt_big(r, 14)?, opt_big(r, 15)?, trade) {
        (Some(q), _, _) => Origin::Quote(QuoteId(q)),
        (None, Some(parent), Some(trade)) => Origin::Resale {
            parent: ContractId(parent),
            line: u16::try_from(small(r, 16)?)
                .map_err(|_| corrupt("contracts.parent_line", r.int(16)))?,
            trade,
        },
        (None, None, Some(t)) => Origin::Trade(t),
        _ => {
            return Err(corrupt(
                "contracts.origin_trade, origin_quote, parent of contract",
                r.int(0)?,
            ));
        }
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
        cause: Cause::parse(&cause).ok_or_else(|| corrupt("contracts.cause", &cause))?,
        reason: string(r, 26)?,
        given_ms: big(r, 27)?,
        effective: ends,
    }))
}

/// A window from two columns (start and end hour) from `at` on.
pub(crate) fn window_at(r: &dyn Get, at: usize) -> Result<Window, StoreError> {
    let (start, end) = (Hour(small(r, at)?), Hour(small(r, at + 1)?));
    Window::new(start, end).map_err(|_| corrupt("start_hour, end_hour", (start, end)))
}

/// A contract line from four columns (pool, GPUs, start and end hour) from `at` on.
pub(crate) fn line_at(r: &dyn Get, at: usize) -> Result<ContractLine, StoreError> {
    Ok(ContractLine {
        pool: PoolId(big(r, at)?),
        gpus: small(r, at + 1)?,
        window: window_at(r, at + 2)?,
    })
}

/// Terms from five columns from `at` on: buyer's and seller's notice, early-termination
/// fee, allowed causes; and payment days from column `days_at`.
pub(crate) fn terms_at(r: &dyn Get, at: usize, days_at: usize) -> Result<Terms, StoreError> {
    let causes = r.text(at + 3)?.unwrap_or_default();
    Ok(Terms {
        buyer_notice_hours: opt_small(r, at)?,
        seller_notice_hours: opt_small(r, at + 1)?,
        early_termination_fee_micros: signed(r, at + 2)?,
        for_cause: Causes::from_text(&causes)
            .ok_or_else(|| corrupt("for_cause_allowed", &causes))?,
        payment_days: days(r, days_at)?,
    })
}

/// A pricing from three columns from `at` on: kind, price per GPU-hour, monthly fee.
pub(crate) fn pricing_at(r: &dyn Get, at: usize) -> Result<Pricing, StoreError> {
    let kind = string(r, at)?;
    Pricing::from_parts(&kind, r.int(at + 1)?, r.int(at + 2)?)
        .ok_or_else(|| corrupt("pricing", &kind))
}
