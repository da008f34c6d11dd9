//! Counterparty exposure as of a moment, as pure functions of contracts and unpaid
//! invoices: for a seller, what each buyer owes now and is committed to pay (credit
//! risk); for a buyer, the share of the capacity it holds from each provider
//! (concentration); for the operator, the market's largest exposures between pairs.

use crate::contract::ContractRecord;
use crate::economics::Economics;
use crate::ids::ParticipantId;
use crate::invoice::{Charge, Invoice};
use crate::portfolio::{Holding, Overflow, standing};
use crate::positions::Party;
use crate::units::Hour;
use std::collections::BTreeMap;

/// What one party is exposed to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exposure {
    /// The other party.
    pub counterparty: ParticipantId,
    /// Unpaid invoices it owes (as seller: what the buyer owes you; as buyer: what the
    /// provider owes you, refunds and credits).
    pub owed_micros: i64,
    /// What its contracts with you are still worth from the moment on.
    pub committed_micros: i64,
    /// `owed_micros + committed_micros`.
    pub total_micros: i64,
    /// The GPU-hours those contracts hold from the moment on.
    pub gpu_hours: u64,
    /// Those GPU-hours as a share of all you hold on this side, basis points (rounded
    /// down).
    pub share_bps: u16,
}

impl Exposure {
    fn to(counterparty: ParticipantId) -> Exposure {
        Exposure {
            counterparty,
            owed_micros: 0,
            committed_micros: 0,
            total_micros: 0,
            gpu_hours: 0,
            share_bps: 0,
        }
    }
}

/// A participant's exposures: as seller to each buyer, as buyer to each provider, each
/// largest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exposures {
    /// To its buyers: credit risk, largest `total_micros` first.
    pub to_buyers: Vec<Exposure>,
    /// To its providers: concentration, largest `gpu_hours` first.
    pub to_providers: Vec<Exposure>,
}

/// What `p`'s contracts and the unpaid invoices (those issued by the moment) expose it
/// to, at `at_ms`.
pub fn exposures(
    p: ParticipantId,
    at_ms: u64,
    holdings: &[Holding<'_>],
    unpaid: &[Invoice],
) -> Result<Exposures, Overflow> {
    let mut sides: [BTreeMap<ParticipantId, Exposure>; 2] = Default::default();
    for h in holdings {
        let Some((gpu_hours, value)) = held_from(h.contract, at_ms)? else {
            continue;
        };
        let cp = h.counterparty();
        let e = sides[slot(h.side)]
            .entry(cp)
            .or_insert_with(|| Exposure::to(cp));
        e.gpu_hours = e.gpu_hours.checked_add(gpu_hours).ok_or(Overflow)?;
        e.committed_micros = e.committed_micros.checked_add(value).ok_or(Overflow)?;
    }
    for inv in unpaid
        .iter()
        .filter(|v| v.issued_ms <= at_ms && v.payee == p && v.payer != p)
    {
        // Owed to p by the payer: a buyer's charges (p sold), a provider's refunds and
        // credits (p bought).
        let side = match inv.charge {
            Charge::Usage | Charge::EarlyTerminationFee => Party::Seller,
            Charge::Refund | Charge::DeliveryCredit => Party::Buyer,
        };
        let e = sides[slot(side)]
            .entry(inv.payer)
            .or_insert_with(|| Exposure::to(inv.payer));
        e.owed_micros = e
            .owed_micros
            .checked_add(inv.amount_micros)
            .ok_or(Overflow)?;
    }
    let [buyer, seller] = sides;
    Ok(Exposures {
        to_buyers: ranked(seller, |e| {
            (std::cmp::Reverse(e.total_micros), e.counterparty)
        })?,
        to_providers: ranked(buyer, |e| {
            (std::cmp::Reverse(i128::from(e.gpu_hours)), e.counterparty)
        })?,
    })
}

fn slot(side: Party) -> usize {
    match side {
        Party::Buyer => 0,
        Party::Seller => 1,
    }
}

/// GPU-hours and value `c` holds from `at_ms` on, as it stood then (`None`: nothing).
fn held_from(c: &ContractRecord, at_ms: u64) -> Result<Option<(u64, i64)>, Overflow> {
    let Some(s) = standing(c, at_ms) else {
        return Ok(None);
    };
    let from = Hour::containing(at_ms);
    if s.ends <= from {
        return Ok(None);
    }
    let e = Economics {
        ends: s.ends,
        ..c.economics()
    };
    let value = e.value_micros(from, s.ends).ok_or(Overflow)?;
    Ok(Some((e.gpu_hours(from, s.ends), value)))
}

/// Totals, shares and order.
fn ranked<K: Ord>(
    m: BTreeMap<ParticipantId, Exposure>,
    key: impl Fn(&Exposure) -> K,
) -> Result<Vec<Exposure>, Overflow> {
    let all: u64 = m
        .values()
        .try_fold(0u64, |a, e| a.checked_add(e.gpu_hours))
        .ok_or(Overflow)?;
    let mut v = Vec::with_capacity(m.len());
    for mut e in m.into_values() {
        e.total_micros = e
            .owed_micros
            .checked_add(e.committed_micros)
            .ok_or(Overflow)?;
        e.share_bps = share_bps(e.gpu_hours, all);
        v.push(e);
    }
    v.sort_by_key(|e| key(e));
    Ok(v)
}

fn share_bps(part: u64, all: u64) -> u16 {
    if all == 0 {
        return 0;
    }
    u16::try_from(u128::from(part) * 10_000 / u128::from(all)).unwrap_or(10_000)
}

/// One pair's exposure in the market: what a buyer owes its seller now and is
/// committed to pay it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairExposure {
    /// Who is owed.
    pub creditor: ParticipantId,
    /// Who owes.
    pub debtor: ParticipantId,
    /// Unpaid invoices.
    pub owed_micros: i64,
    /// What the debtor's contracts as buyer from the creditor are still worth.
    pub committed_micros: i64,
    /// `owed_micros + committed_micros`.
    pub total_micros: i64,
    /// GPU-hours those contracts hold from the moment on.
    pub gpu_hours: u64,
}

impl PairExposure {
    fn between((creditor, debtor): (ParticipantId, ParticipantId)) -> PairExposure {
        PairExposure {
            creditor,
            debtor,
            owed_micros: 0,
            committed_micros: 0,
            total_micros: 0,
            gpu_hours: 0,
        }
    }
}

/// The market's `max` largest exposures between pairs at `at_ms`, largest total first.
pub fn largest(
    at_ms: u64,
    contracts: &[ContractRecord],
    unpaid: &[Invoice],
    max: usize,
) -> Result<Vec<PairExposure>, Overflow> {
    let mut pairs: BTreeMap<(ParticipantId, ParticipantId), PairExposure> = BTreeMap::new();
    for c in contracts {
        let Some((gpu_hours, value)) = held_from(c, at_ms)? else {
            continue;
        };
        let k = (c.seller, c.buyer);
        let e = pairs.entry(k).or_insert_with(|| PairExposure::between(k));
        e.gpu_hours = e.gpu_hours.checked_add(gpu_hours).ok_or(Overflow)?;
        e.committed_micros = e.committed_micros.checked_add(value).ok_or(Overflow)?;
    }
    for inv in unpaid
        .iter()
        .filter(|v| v.issued_ms <= at_ms && v.payer != v.payee)
    {
        let k = (inv.payee, inv.payer);
        let e = pairs.entry(k).or_insert_with(|| PairExposure::between(k));
        e.owed_micros = e
            .owed_micros
            .checked_add(inv.amount_micros)
            .ok_or(Overflow)?;
    }
    let mut v = Vec::with_capacity(pairs.len());
    for mut e in pairs.into_values() {
        e.total_micros = e
            .owed_micros
            .checked_add(e.committed_micros)
            .ok_or(Overflow)?;
        v.push(e);
    }
    v.sort_by_key(|e| (std::cmp::Reverse(e.total_micros), e.creditor, e.debtor));
    v.truncate(max);
    Ok(v)
}
