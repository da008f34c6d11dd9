//! Account events: what an engine event means to each party it concerns (fills,
//! contracts made, started, ending soon, ended, notices and terminations, invoices,
//! quotes received and RFQs awarded), as the [`AccountEvent`] each is sent.

use crate::views::money;
pub use megawatt_api::AccountEvent;
use megawatt_engine::Engine;
use megawatt_engine::catalog::Names;
use megawatt_engine::contract::{Contract, ContractStatus, Origin, Trade};
use megawatt_engine::event::{Event, RfqEnd};
use megawatt_engine::ids::{ContractId, InvoiceId, ParticipantId};
use megawatt_engine::invoice::Invoice;
use megawatt_engine::money::{Account, TransferKind};

/// A party of a contract and the name of its side.
fn parties(c: &Contract) -> [(ParticipantId, &'static str); 2] {
    [(c.buyer, "buyer"), (c.seller, "seller")]
}

/// Who acted on contract `c`, as `party` is told: `you`, `counterparty`, or `parent`
/// (a party of the contract this one was resold from, whose notice or termination
/// ended it too).
fn who(c: &Contract, by: ParticipantId, party: ParticipantId) -> String {
    if by == party {
        "you"
    } else if by == c.buyer || by == c.seller {
        "counterparty"
    } else {
        "parent"
    }
    .into()
}

/// The account events of `e` (one of `events`, the command's events), each with the
/// participant it is for. `engine` is the state right after the command.
pub fn account(
    engine: &Engine,
    names: &Names,
    e: &Event,
    events: &[Event],
) -> Vec<(ParticipantId, AccountEvent)> {
    let contract = |id: ContractId| engine.contract(id);
    match e {
        Event::Trade(t) => fills(names, t),
        Event::ContractCreated(c) => each_party(c, |role| {
            if c.status == ContractStatus::Pending {
                AccountEvent::ContractPending {
                    contract: c.id.to_string(),
                    role,
                    start: c.start().to_string(),
                    end: c.ends.to_string(),
                }
            } else {
                AccountEvent::ContractStarted {
                    contract: c.id.to_string(),
                    role,
                }
            }
        }),
        Event::ContractStarted { contract: id } => {
            on_contract(contract(*id), |c, _, role| AccountEvent::ContractStarted {
                contract: c.id.to_string(),
                role,
            })
        }
        Event::ContractEndingSoon { contract: id, ends } => {
            on_contract(contract(*id), |c, _, role| {
                AccountEvent::ContractEndingSoon {
                    contract: c.id.to_string(),
                    role,
                    ends: ends.to_string(),
                }
            })
        }
        Event::ContractExpired { contract: id } => ended(contract(*id), "expired"),
        Event::ContractTerminated {
            contract: id,
            for_cause,
        } => ended(
            contract(*id),
            if *for_cause {
                "terminated_for_cause"
            } else {
                "terminated"
            },
        ),
        Event::NoticeGiven {
            contract: id,
            notice,
        } => on_contract(contract(*id), |c, party, role| {
            AccountEvent::ContractNotice {
                contract: c.id.to_string(),
                role,
                by: who(c, notice.by, party),
                effective: notice.effective.to_string(),
                fee: money(notice.fee_micros),
            }
        }),
        Event::TerminatedForCause {
            contract: id,
            termination: t,
        } => on_contract(contract(*id), |c, party, role| {
            AccountEvent::ContractTermination {
                contract: c.id.to_string(),
                role,
                by: who(c, t.by, party),
                cause: t.cause.as_str().into(),
                effective: t.effective.to_string(),
            }
        }),
        Event::InvoiceBilled { invoice, .. } | Event::InvoiceIssued(invoice) => {
            on_invoice(Some(invoice), |i, role| AccountEvent::InvoiceIssued {
                invoice: i.id.to_string(),
                contract: i.contract.to_string(),
                role,
                amount: money(i.amount_micros),
                due: i.due.to_string(),
            })
        }
        Event::InvoicePaid { invoice } => paid(*invoice, events),
        Event::InvoiceOverdue { invoice } => invoice_state(engine, *invoice, |id, role| {
            AccountEvent::InvoiceOverdue { invoice: id, role }
        }),
        Event::QuoteSubmitted(q) => engine
            .rfq(q.rfq)
            .map(|rfq| {
                vec![(
                    rfq.buyer,
                    AccountEvent::QuoteReceived {
                        rfq: q.rfq.to_string(),
                        quote: q.id.to_string(),
                        expires: q.expires.to_string(),
                    },
                )]
            })
            .unwrap_or_default(),
        Event::RfqClosed {
            rfq,
            reason: RfqEnd::Accepted(quote),
        } => events
            .iter()
            .filter_map(|e| match e {
                Event::ContractCreated(c) if c.origin == Origin::Quote(*quote) => Some((
                    c.seller,
                    AccountEvent::RfqAwarded {
                        rfq: rfq.to_string(),
                        quote: quote.to_string(),
                        contract: c.id.to_string(),
                    },
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A fill for each side of a trade.
fn fills(names: &Names, t: &Trade) -> Vec<(ParticipantId, AccountEvent)> {
    let fill = |order: String, side: &str| AccountEvent::Fill {
        trade: t.id.to_string(),
        order,
        side: side.into(),
        contract: t.contract.to_string(),
        model: names.model_id(t.model).to_string(),
        gpus: t.gpus,
        start: t.window.start.to_string(),
        end: t.window.end.to_string(),
        price: money(t.price_micros),
    };
    vec![
        (t.buyer, fill(t.bid.to_string(), "buy")),
        (t.seller, fill(t.ask.to_string(), "sell")),
    ]
}

/// One event for each party of a contract, given its role.
fn each_party(
    c: &Contract,
    f: impl Fn(String) -> AccountEvent,
) -> Vec<(ParticipantId, AccountEvent)> {
    parties(c)
        .into_iter()
        .map(|(p, role)| (p, f(role.into())))
        .collect()
}

/// One event for each party of a contract (if the engine has it), given the party and
/// its role.
fn on_contract(
    c: Option<&Contract>,
    f: impl Fn(&Contract, ParticipantId, String) -> AccountEvent,
) -> Vec<(ParticipantId, AccountEvent)> {
    let Some(c) = c else { return Vec::new() };
    parties(c)
        .into_iter()
        .map(|(p, role)| (p, f(c, p, role.into())))
        .collect()
}

fn ended(c: Option<&Contract>, how: &str) -> Vec<(ParticipantId, AccountEvent)> {
    on_contract(c, |c, _, role| AccountEvent::ContractEnded {
        contract: c.id.to_string(),
        role,
        how: how.into(),
    })
}

/// One event for the payer and one for the payee of an invoice.
fn on_invoice(
    i: Option<&Invoice>,
    f: impl Fn(&Invoice, String) -> AccountEvent,
) -> Vec<(ParticipantId, AccountEvent)> {
    let Some(i) = i else { return Vec::new() };
    let mut out = vec![(i.payer, f(i, "payer".into()))];
    if i.payee != i.payer {
        out.push((i.payee, f(i, "payee".into())));
    }
    out
}

/// The payer and payee of a paid invoice (no longer in the engine), from the transfer
/// that paid it, just before its event.
fn paid(id: InvoiceId, events: &[Event]) -> Vec<(ParticipantId, AccountEvent)> {
    let reference = id.to_string();
    let transfer = events.iter().find_map(|e| match e {
        Event::Transfer(t)
            if matches!(t.kind, TransferKind::Invoice | TransferKind::Refund)
                && t.reference == reference =>
        {
            Some(t)
        }
        _ => None,
    });
    let Some(t) = transfer else { return Vec::new() };
    let mut out = Vec::new();
    for (account, role) in [(t.debit, "payer"), (t.credit, "payee")] {
        if let Account::Participant(p) = account
            && out.iter().all(|(q, _)| *q != p)
        {
            out.push((
                p,
                AccountEvent::InvoicePaid {
                    invoice: reference.clone(),
                    role: role.into(),
                },
            ));
        }
    }
    out
}

fn invoice_state(
    engine: &Engine,
    id: InvoiceId,
    f: impl Fn(String, String) -> AccountEvent,
) -> Vec<(ParticipantId, AccountEvent)> {
    on_invoice(engine.invoice(id), |i, role| f(i.id.to_string(), role))
}
