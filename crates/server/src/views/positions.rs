//! A participant's position and exposures as shown: the engine's `portfolio` and
//! `exposure` figures, formatted (names and ids looked up by the caller).

use super::money;
use megawatt_api::{
    ContractPositionView, ExitSummaryView, ExitTotalsView, ExposureView, GroupLadderView,
    LadderView, MarkTotalsView, MarkView, MonthView, PairExposureView, SideView,
};
use megawatt_engine::exposure::{Exposure, PairExposure};
use megawatt_engine::ids::{FacilityId, ParticipantId};
use megawatt_engine::portfolio::{ContractPosition, Place, SideBook};
use megawatt_engine::positions::{CommitmentLadder, MonthCommitment, NoExit};
use megawatt_engine::units::{Hour, civil_from_days};
use std::collections::BTreeMap;

/// Participants' names by id, as far as the caller looked them up.
pub type Names = BTreeMap<ParticipantId, String>;

fn month_name(h: Hour) -> String {
    let (y, m, _) = civil_from_days(i64::from(h.0 / 24));
    format!("{y:04}-{m:02}")
}

fn month(at: Option<Hour>, c: MonthCommitment) -> MonthView {
    MonthView {
        month: at.map(month_name),
        gpu_hours: c.gpu_hours,
        value: money(c.value_micros),
    }
}

/// A ladder, month by month and in total (`total` from the engine's sum).
pub fn ladder(l: &CommitmentLadder, total: MonthCommitment) -> LadderView {
    LadderView {
        months: l.months.iter().map(|(&h, &c)| month(Some(h), c)).collect(),
        total: month(None, total),
    }
}

fn groups<K>(
    m: &BTreeMap<K, CommitmentLadder>,
    key: impl Fn(&K) -> (String, Option<String>),
) -> Option<Vec<GroupLadderView>> {
    m.iter()
        .map(|(k, l)| {
            let (key, name) = key(k);
            Some(GroupLadderView {
                key,
                name,
                ladder: ladder(l, l.total()?),
            })
        })
        .collect()
}

/// One side of a position; `None` if a total does not fit in micro-USD.
pub fn side(b: &SideBook, names: &Names, facilities: &BTreeMap<u64, String>) -> Option<SideView> {
    let c = &b.committed;
    let e = &b.exits;
    let m = &b.marks;
    Some(SideView {
        contracts: b.contracts,
        committed: ladder(&c.total, c.total.total()?),
        by_model: groups(&c.by_model, |k| (k.clone(), None))?,
        by_region: groups(&c.by_region, |k| (k.clone(), None))?,
        by_facility: groups(&c.by_facility, |k| {
            (FacilityId(*k).to_string(), facilities.get(k).cloned())
        })?,
        by_counterparty: groups(&c.by_counterparty, |k| {
            (k.to_string(), names.get(k).cloned())
        })?,
        potential: ladder(&b.potential, b.potential.total()?),
        this_month: money(b.this_month_micros),
        annualized: money(b.annualized_micros),
        billed_ytd: money(b.billed_ytd_micros),
        exits: ExitTotalsView {
            contracts: e.contracts,
            fees: money(e.fee_micros),
            until_effective: money(e.until_effective_micros),
            cut_off: money(e.cut_off_micros),
        },
        marks: MarkTotalsView {
            marked: m.marked,
            unmarked: m.unmarked,
            contract_value: money(m.contract_value_micros),
            curve_value: money(m.curve_value_micros),
            pnl: money(m.pnl_micros),
        },
    })
}

/// Why a side cannot leave a contract, as the API names it.
pub fn no_exit_reason(n: NoExit) -> &'static str {
    match n {
        NoExit::NoRight => "no_right_of_notice",
        NoExit::Ending(_) => "contract_not_in_force",
        NoExit::PastEnd { .. } => "notice_past_end",
        NoExit::Overflow => "overflow",
    }
}

/// One contract of a position, held with `counterparty` at `place`.
pub fn contract_row(
    r: &ContractPosition,
    counterparty: ParticipantId,
    place: &Place,
) -> ContractPositionView {
    let (exit, exit_reason) = match r.exit {
        Ok(x) => (
            Some(ExitSummaryView {
                notice_hours: x.notice_hours,
                effective: x.effective.to_string(),
                fee: money(x.fee_micros),
                until_effective: money(x.until_effective_micros),
                cut_off: money(x.cut_off_micros),
            }),
            None,
        ),
        Err(n) => (None, Some(no_exit_reason(n).to_string())),
    };
    let (mark, unmarked) = match r.mark {
        Ok(m) => (
            Some(MarkView {
                gpu_hours: m.gpu_hours,
                beyond_curve_gpu_hours: m.beyond_curve_gpu_hours,
                unmarked_gpu_hours: m.unmarked_gpu_hours,
                contract_value: money(m.contract_value_micros),
                curve_value: money(m.curve_value_micros),
                pnl: money(m.pnl_micros),
                periods_used: m.segments_used,
            }),
            None,
        ),
        Err(u) => (None, Some(u.as_str().to_string())),
    };
    ContractPositionView {
        contract: r.contract.to_string(),
        side: r.side.as_str().into(),
        counterparty: counterparty.to_string(),
        status: r.standing.status.as_str().into(),
        ends: r.standing.ends.to_string(),
        model: place.model.clone(),
        region: place.region.clone(),
        facility: FacilityId(place.facility).to_string(),
        remaining_gpu_hours: r.remaining.gpu_hours,
        remaining: money(r.remaining.value_micros),
        exit,
        exit_reason,
        mark,
        unmarked,
    }
}

/// One counterparty's exposure.
pub fn exposure(e: &Exposure, names: &Names) -> ExposureView {
    ExposureView {
        counterparty: e.counterparty.to_string(),
        name: names.get(&e.counterparty).cloned().unwrap_or_default(),
        owed: money(e.owed_micros),
        committed: money(e.committed_micros),
        total: money(e.total_micros),
        gpu_hours: e.gpu_hours,
        share_bps: e.share_bps,
    }
}

/// One pair's exposure.
pub fn pair(e: &PairExposure, names: &Names) -> PairExposureView {
    let name = |p: &ParticipantId| names.get(p).cloned().unwrap_or_default();
    PairExposureView {
        creditor: e.creditor.to_string(),
        creditor_name: name(&e.creditor),
        debtor: e.debtor.to_string(),
        debtor_name: name(&e.debtor),
        owed: money(e.owed_micros),
        committed: money(e.committed_micros),
        total: money(e.total_micros),
        gpu_hours: e.gpu_hours,
    }
}
