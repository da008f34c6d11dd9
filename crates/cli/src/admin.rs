//! `mw admin …`: the operator's commands (models, the manual clock, money, fees,
//! delivery terms, when months close, credit limits).

use crate::args::AdminCmd;
use crate::bodies;
use crate::client::{Client, Failure};
use crate::input;
use crate::output::{self, Mode, show};
use megawatt_api as api;

/// `mw admin …` (operator).
pub fn admin(c: &Client, mode: Mode, cmd: &AdminCmd) -> Result<(), Failure> {
    match cmd {
        AdminCmd::Model {
            id,
            name,
            watts_per_gpu,
        } => {
            let body = api::CreateModel {
                id: id.clone(),
                name: name.clone(),
                watts_per_gpu: *watts_per_gpu,
            };
            let m: api::ModelView = c.post("/v1/models", &body)?;
            show(mode, &m, |m| output::models(std::slice::from_ref(m)));
        }
        AdminCmd::Tick { hour } => {
            let hour = input::start(hour, input::now_ms())
                .map_err(Failure::usage)?
                .to_string();
            let clock: api::ClockView = c.post("/v1/admin/clock", &api::ClockBody { hour })?;
            show(mode, &clock, |v| {
                println!("clock: {} ({} events)", v.hour, v.events)
            });
        }
        AdminCmd::Deposit(a) | AdminCmd::Withdraw(a) => {
            let path = match cmd {
                AdminCmd::Deposit(_) => "/v1/admin/deposits",
                _ => "/v1/admin/withdrawals",
            };
            let body = api::MoveMoney {
                participant: a.participant.clone(),
                amount: Some(a.amount.clone()),
                amount_micros: None,
                reference: a.reference.clone(),
            };
            show(mode, &c.post(path, &body)?, output::transfer);
        }
        AdminCmd::MonthClose { grace_hours } => crate::usage::month_close(c, mode, *grace_hours)?,
        AdminCmd::DeliveryTerms {
            target_bps,
            unreported,
            pro_rata,
            tiers,
        } => {
            let body = bodies::delivery_terms(*target_bps, unreported, *pro_rata, tiers)?;
            let terms: api::DeliveryTermsView = c.post("/v1/admin/delivery-terms", &body)?;
            show(mode, &terms, output::delivery_terms);
        }
        AdminCmd::Fees {
            maker_bps,
            taker_bps,
        } => {
            let body = api::FeesView {
                maker_bps: *maker_bps,
                taker_bps: *taker_bps,
            };
            let fees: api::FeesView = c.post("/v1/admin/fees", &body)?;
            show(mode, &fees, |v| {
                println!("fees: maker {} bps, taker {} bps", v.maker_bps, v.taker_bps)
            });
        }
        AdminCmd::CreditLimit { participant, limit } => {
            let body = api::SetCreditLimit {
                participant: participant.clone(),
                limit: Some(limit.clone()),
                limit_micros: None,
            };
            show(
                mode,
                &c.post("/v1/admin/credit-limits", &body)?,
                output::balance,
            );
        }
    }
    Ok(())
}
