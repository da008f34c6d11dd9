//! The rules of term deals, one test (at least) per rule and refusal: RFQs, quotes,
//! acceptance, notice, termination for cause and resale. Every command goes through the
//! harness, which checks that rejections change nothing and that every invariant holds
//! (capacity, and resale: a GPU-hour held twice only by a parent and its child).

mod common;

use common::*;
use megawatt_engine::command::{
    AskSpec, BidSpec, Command, PlannedOrder, QuoteLineSpec, QuoteSpec, RfqSpec, RfqWants,
    WantedTerms,
};
use megawatt_engine::contract::{Cause, Causes, ContractStatus, Pricing, Terms};
use megawatt_engine::delivery::DeliveryTerms;
use megawatt_engine::event::{CloseReason, Event, PlanOutcome, QuoteEnd, RfqEnd};
use megawatt_engine::ids::{
    ContractId, FacilityId, ParticipantId, PlanId, PoolId, ProcurementId, QuoteId, RfqId,
};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::Hour;
use megawatt_engine::{Engine, Rejection, Rule};

const FEE: i64 = 1_000_000_000; // $1,000 a month

fn rule(r: Result<Vec<Event>, Rejection>) -> (Rule, &'static str) {
    let rej = r.expect_err("should be rejected");
    assert!(!rej.detail.is_empty());
    (rej.rule, rej.field)
}

struct Deal {
    m: Market,
    prov: ParticipantId,
    other: ParticipantId,
    lab: ParticipantId,
    stranger: ParticipantId,
    pool: PoolId,
    pool2: PoolId,
    far: PoolId,
}

fn setup() -> Deal {
    let mut m = Market::new();
    let prov = m.participant("owner", provider());
    let other = m.participant("other", provider());
    let lab = m.participant("lab", buyer());
    let stranger = m.participant("stranger", buyer());
    let (_, pools) = m.facility(prov, "us-south", &[("h100-sxm", 100), ("h200", 50)]);
    let (_, far) = m.facility(prov, "eu-west", &[("h100-sxm", 100)]);
    m.facility(other, "us-south", &[("h100-sxm", 100)]);
    Deal {
        m,
        prov,
        other,
        lab,
        stranger,
        pool: pools[0],
        pool2: pools[1],
        far: far[0],
    }
}

fn rfq_spec(gpus: u32) -> RfqSpec {
    RfqSpec {
        wants: RfqWants::Gpus(vec![("h100-sxm".into(), gpus)]),
        window: w(10, 110),
        region: None,
        facility: None,
        terms: WantedTerms {
            max_buyer_notice_hours: Some(24),
            ..WantedTerms::default()
        },
        deadline: Hour(T0 + 5),
        invited: Vec::new(),
    }
}

fn terms(buyer_notice: Option<u32>) -> Terms {
    Terms {
        buyer_notice_hours: buyer_notice,
        seller_notice_hours: Some(48),
        early_termination_fee_micros: 7,
        ..Terms::exchange()
    }
}

fn quote_spec(rfq: RfqId, lines: &[(PoolId, u32)]) -> QuoteSpec {
    QuoteSpec {
        rfq,
        lines: lines
            .iter()
            .map(|&(pool, gpus)| QuoteLineSpec { pool, gpus })
            .collect(),
        pricing: Pricing::MonthlyFee { fee_micros: FEE },
        terms: terms(Some(24)),
        expires: Hour(T0 + 4),
        delivery: DeliveryTerms::none(),
    }
}

impl Deal {
    fn rfq(&mut self, spec: RfqSpec) -> RfqId {
        match &self
            .m
            .exec(self.lab, Command::CreateRfq(spec))
            .expect("rfq")[0]
        {
            Event::RfqCreated(r) => r.id,
            e => panic!("{e:?}"),
        }
    }

    fn quote(&mut self, who: ParticipantId, spec: QuoteSpec) -> QuoteId {
        match &self.m.exec(who, Command::SubmitQuote(spec)).expect("quote")[0] {
            Event::QuoteSubmitted(q) => q.id,
            e => panic!("{e:?}"),
        }
    }

    fn accept(&mut self, quote: QuoteId) -> ContractId {
        let ev = self
            .m
            .exec(self.lab, Command::AcceptQuote { quote })
            .expect("accept");
        ev.iter()
            .find_map(|e| match e {
                Event::ContractCreated(c) => Some(c.id),
                _ => None,
            })
            .expect("a contract")
    }

    /// A lease of 60 H100 over hours 10..110 with 24 h buyer and 48 h seller notice.
    fn lease(&mut self) -> ContractId {
        let r = self.rfq(rfq_spec(60));
        let q = self.quote(self.prov, quote_spec(r, &[(self.pool, 60)]));
        self.accept(q)
    }

    fn used(&self, pool: PoolId, h: u32) -> u32 {
        let p = self.m.e.pool(pool).unwrap();
        p.used.max_over(w(h, h + 1))
    }
}

#[test]
fn an_rfq_is_refused_with_the_rule_and_field() {
    let mut d = setup();
    let lab = d.lab;
    let mut bad = |f: &dyn Fn(&mut RfqSpec), who: ParticipantId| {
        d.m.exec(
            who,
            Command::CreateRfq({
                let mut s = rfq_spec(10);
                f(&mut s);
                s
            }),
        )
    };
    assert_eq!(rule(bad(&|_| {}, d.prov)), (Rule::NotPermitted, "actor"));
    assert_eq!(
        rule(bad(
            &|s| s.wants = RfqWants::Gpus(vec![("tpu".into(), 1)]),
            lab
        )),
        (Rule::UnknownModel, "wants.gpus.model")
    );
    assert_eq!(
        rule(bad(
            &|s| s.wants = RfqWants::Gpus(vec![("h100-sxm".into(), 0)]),
            lab
        )),
        (Rule::ZeroGpus, "wants.gpus.gpus")
    );
    assert_eq!(
        rule(bad(
            &|s| s.wants = RfqWants::Gpus(vec![("h200".into(), 1), ("h200".into(), 2)]),
            lab
        )),
        (Rule::AlreadyExists, "wants.gpus.model")
    );
    assert_eq!(
        rule(bad(&|s| s.wants = RfqWants::Gpus(vec![]), lab)),
        (Rule::OutOfRange, "wants.gpus")
    );
    assert_eq!(
        rule(bad(
            &|s| s.wants = RfqWants::Power {
                power_kw: 10,
                min_power_kw: 11
            },
            lab
        )),
        (Rule::OutOfRange, "wants.power_kw")
    );
    assert_eq!(
        rule(bad(&|s| s.deadline = Hour(T0), lab)),
        (Rule::InvalidDeadline, "deadline")
    );
    assert_eq!(
        rule(bad(&|s| s.deadline = Hour(T0 + 11), lab)),
        (Rule::InvalidDeadline, "deadline")
    );
    assert_eq!(
        rule(bad(&|s| s.window = w(0, 5), lab)),
        (Rule::WindowInPast, "window.start")
    );
    assert_eq!(
        rule(bad(&|s| s.region = Some("mars".into()), lab)),
        (Rule::UnknownRegion, "region")
    );
    assert_eq!(
        rule(bad(&|s| s.facility = Some(FacilityId(99)), lab)),
        (Rule::UnknownFacility, "facility")
    );
    assert_eq!(
        rule(bad(&|s| s.invited = vec![lab], lab)),
        (Rule::UnknownParticipant, "invited")
    );
}

#[test]
fn a_quote_must_meet_the_rfq_and_fit_the_pools() {
    let mut d = setup();
    let mut s = rfq_spec(60);
    s.region = Some("us-south".into());
    s.terms = WantedTerms {
        max_buyer_notice_hours: Some(24),
        min_seller_notice_hours: Some(48),
        max_early_termination_fee_micros: Some(10),
        causes: Causes {
            non_delivery: true,
            ..Causes::default()
        },
        min_payment_days: Some(30),
    };
    let r = d.rfq(s);
    let prov = d.prov;
    let mut try_quote = |who: ParticipantId, f: &dyn Fn(&mut QuoteSpec)| {
        let mut q = quote_spec(r, &[(d.pool, 60)]);
        f(&mut q);
        d.m.exec(who, Command::SubmitQuote(q))
    };
    assert_eq!(
        rule(try_quote(d.lab, &|_| {})),
        (Rule::NotPermitted, "actor")
    );
    assert_eq!(
        rule(try_quote(d.other, &|_| {})),
        (Rule::NotOwner, "lines.pool")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.lines[0].gpus = 59)),
        (Rule::QuoteUnmet, "lines")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.lines.push(QuoteLineSpec {
            pool: d.pool2,
            gpus: 1
        }))),
        (Rule::QuoteUnmet, "lines")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.lines[0].pool = d.far)),
        (Rule::QuoteUnmet, "lines.pool")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.lines.push(QuoteLineSpec {
            pool: d.pool,
            gpus: 1
        }))),
        (Rule::AlreadyExists, "lines.pool")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.lines.clear())),
        (Rule::OutOfRange, "lines")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.terms.buyer_notice_hours = None)),
        (Rule::QuoteUnmet, "terms.buyer_notice_hours")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.terms.buyer_notice_hours = Some(25))),
        (Rule::QuoteUnmet, "terms.buyer_notice_hours")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.terms.seller_notice_hours = Some(47))),
        (Rule::QuoteUnmet, "terms.seller_notice_hours")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.terms.early_termination_fee_micros = 11)),
        (Rule::QuoteUnmet, "terms.early_termination_fee_micros")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.terms.for_cause.non_delivery = false)),
        (Rule::QuoteUnmet, "terms.for_cause")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.terms.payment_days = 29)),
        (Rule::QuoteUnmet, "terms.payment_days")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.pricing = Pricing::MonthlyFee { fee_micros: 0 })),
        (Rule::PriceNotPositive, "pricing.fee_micros")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.terms.early_termination_fee_micros = -1)),
        (Rule::OutOfRange, "terms.early_termination_fee_micros")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.expires = Hour(T0))),
        (Rule::InvalidDeadline, "expires")
    );
    assert_eq!(
        rule(try_quote(prov, &|q| q.rfq = RfqId(99))),
        (Rule::UnknownRfq, "rfq")
    );
    // A seller that may not leave at all meets a minimum seller notice.
    let ev = try_quote(prov, &|q| q.terms.seller_notice_hours = None).expect("firm for the seller");
    let Event::QuoteSubmitted(firm) = &ev[0] else {
        panic!("{ev:?}")
    };
    let firm = firm.id;
    // 60 of the pool's 100 GPUs are encumbered: another 60 do not fit.
    let (r2, c2) = rule(d.m.exec(prov, Command::SubmitQuote(quote_spec(r, &[(d.pool, 60)]))));
    assert_eq!((r2, c2), (Rule::InsufficientCapacity, "lines.gpus"));
    assert_eq!(
        rule(d.m.exec(
            prov,
            Command::Reserve {
                pool: d.pool,
                gpus: 41,
                window: w(50, 51)
            }
        ))
        .0,
        Rule::InsufficientCapacity
    );
    // An expiry after the RFQ's deadline is capped at it.
    d.m.exec(prov, Command::WithdrawQuote { quote: firm })
        .unwrap();
    let mut q = quote_spec(r, &[(d.pool, 60)]);
    q.expires = Hour(T0 + 99);
    q.terms.seller_notice_hours = Some(48);
    let id = d.quote(prov, q);
    assert_eq!(
        d.m.e.quote(id).unwrap().expires,
        Hour(T0 + 5),
        "capped at the RFQ's deadline"
    );
}

#[test]
fn invitations_and_power_rfqs() {
    let mut d = setup();
    let mut s = rfq_spec(60);
    s.invited = vec![d.other];
    let r = d.rfq(s);
    assert_eq!(
        rule(d.m.exec(d.prov, Command::SubmitQuote(quote_spec(r, &[(d.pool, 60)])))),
        (Rule::UnknownRfq, "rfq")
    );
    // 100 kW at most, 50 at least: 60 H100 draw 76.5 kW (1,275 W each).
    let mut s = rfq_spec(1);
    s.wants = RfqWants::Power {
        power_kw: 100,
        min_power_kw: 50,
    };
    let r = d.rfq(s);
    let too_many =
        d.m.exec(d.prov, Command::SubmitQuote(quote_spec(r, &[(d.pool, 79)])));
    assert_eq!(rule(too_many), (Rule::QuoteUnmet, "lines"));
    let too_few =
        d.m.exec(d.prov, Command::SubmitQuote(quote_spec(r, &[(d.pool, 39)])));
    assert_eq!(rule(too_few), (Rule::QuoteUnmet, "lines"));
    d.quote(d.prov, quote_spec(r, &[(d.pool, 40), (d.pool2, 20)]));
}

#[test]
fn quotes_encumber_until_withdrawn_expired_or_released_and_acceptance_commits() {
    let mut d = setup();
    let r = d.rfq(rfq_spec(60));
    let q1 = d.quote(d.prov, quote_spec(r, &[(d.pool, 60)]));
    assert_eq!(d.used(d.pool, 50), 60);
    d.m.exec(d.prov, Command::WithdrawQuote { quote: q1 })
        .unwrap();
    assert_eq!(d.used(d.pool, 50), 0);
    assert_eq!(
        rule(d.m.exec(d.prov, Command::WithdrawQuote { quote: q1 })),
        (Rule::UnknownQuote, "quote")
    );
    let q1 = d.quote(d.prov, quote_spec(r, &[(d.pool, 60)]));
    let mut q = quote_spec(r, &[(d.pool, 40)]);
    q.lines = vec![QuoteLineSpec {
        pool: d.pool,
        gpus: 60,
    }];
    let err = d.m.exec(d.prov, Command::SubmitQuote(q));
    assert_eq!(rule(err), (Rule::InsufficientCapacity, "lines.gpus"));
    let mut q2 = quote_spec(r, &[(d.pool, 60)]);
    q2.expires = Hour(T0 + 2);
    let (_, other_pools) = (0, d.m.e.facilities().nth(2).unwrap().pools.clone());
    q2.lines[0].pool = other_pools[0];
    let q2 = d.quote(d.other, q2);
    // Only the RFQ's buyer accepts; strangers are not told the quote exists.
    assert_eq!(
        rule(d.m.exec(d.prov, Command::AcceptQuote { quote: q1 })),
        (Rule::NotPermitted, "quote")
    );
    assert_eq!(
        rule(d.m.exec(d.stranger, Command::AcceptQuote { quote: q1 })),
        (Rule::UnknownQuote, "quote")
    );
    // q2 expires at its hour (before the tick removes it, too).
    d.m.time_ms = Hour(T0 + 2).start_ms() + 5;
    assert_eq!(
        rule(d.m.exec(d.lab, Command::AcceptQuote { quote: q2 })),
        (Rule::QuoteExpired, "quote")
    );
    let ev = d.m.advance_to(2);
    assert!(ev.contains(&Event::QuoteClosed {
        quote: q2,
        reason: QuoteEnd::Expired
    }));
    assert_eq!(d.used(other_pools[0], 50), 0);
    // Acceptance: the quote's capacity is now the contract's (used does not move).
    let c = d.accept(q1);
    assert_eq!(d.used(d.pool, 50), 60);
    let c = d.m.e.contract(c).unwrap();
    assert_eq!(
        (c.status, c.terms, c.pricing),
        (
            ContractStatus::Pending,
            terms(Some(24)),
            Pricing::MonthlyFee { fee_micros: FEE }
        )
    );
    assert!(d.m.e.rfq(r).is_none(), "the RFQ is closed");
    assert_eq!(
        rule(d.m.exec(d.lab, Command::CancelRfq { rfq: r })),
        (Rule::UnknownRfq, "rfq")
    );
}

#[test]
fn an_rfq_closes_at_its_deadline_or_when_cancelled_and_its_quotes_are_released() {
    let mut d = setup();
    let r = d.rfq(rfq_spec(60));
    let q = d.quote(d.prov, quote_spec(r, &[(d.pool, 60)]));
    assert_eq!(
        rule(d.m.exec(d.stranger, Command::CancelRfq { rfq: r })),
        (Rule::UnknownRfq, "rfq")
    );
    let ev = d.m.exec(d.lab, Command::CancelRfq { rfq: r }).unwrap();
    assert!(ev.contains(&Event::QuoteClosed {
        quote: q,
        reason: QuoteEnd::Released
    }));
    assert!(ev.contains(&Event::RfqClosed {
        rfq: r,
        reason: RfqEnd::Cancelled
    }));
    assert_eq!(d.used(d.pool, 50), 0);
    let r = d.rfq(rfq_spec(60));
    d.m.time_ms = Hour(T0 + 5).start_ms() + 5;
    assert_eq!(
        rule(d.m.exec(d.prov, Command::SubmitQuote(quote_spec(r, &[(d.pool, 60)])))),
        (Rule::RfqClosed, "rfq")
    );
    let ev = d.m.advance_to(5);
    assert!(ev.contains(&Event::RfqClosed {
        rfq: r,
        reason: RfqEnd::Expired
    }));
}

#[test]
fn notice_moves_the_end_and_frees_the_capacity_after_it() {
    let mut d = setup();
    let c = d.lease();
    assert_eq!(
        rule(d.m.exec(d.stranger, Command::GiveNotice { contract: c })),
        (Rule::UnknownContract, "contract")
    );
    // Given in hour 0: effective at the boundary after now plus 24 hours.
    let ev =
        d.m.exec(d.lab, Command::GiveNotice { contract: c })
            .unwrap();
    let Event::NoticeGiven { notice, .. } = ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (notice.by, notice.effective, notice.fee_micros),
        (d.lab, Hour(T0 + 25), 7)
    );
    let ct = d.m.e.contract(c).unwrap();
    assert_eq!(
        (ct.status, ct.ends, ct.end()),
        (ContractStatus::NoticeGiven, Hour(T0 + 25), Hour(T0 + 110))
    );
    assert_eq!(
        (d.used(d.pool, 24), d.used(d.pool, 25)),
        (60, 0),
        "capacity after the effective hour is free"
    );
    d.m.ask(d.prov, d.pool, 100, w(25, 110), 1_000_000);
    assert_eq!(
        rule(d.m.exec(d.prov, Command::GiveNotice { contract: c })),
        (Rule::ContractNotInForce, "contract")
    );
    d.m.advance_to(10);
    assert_eq!(
        d.m.e.contract(c).unwrap().status,
        ContractStatus::NoticeGiven,
        "in force until then"
    );
    let ev = d.m.advance_to(25);
    assert!(ev.contains(&Event::ContractTerminated {
        contract: c,
        for_cause: false
    }));
    assert_eq!(
        d.m.e.contract(c).unwrap().status,
        ContractStatus::Terminated
    );
    assert_eq!(
        rule(d.m.exec(d.lab, Command::GiveNotice { contract: c })),
        (Rule::ContractNotInForce, "contract")
    );
}

#[test]
fn notice_never_moves_the_end_later_and_a_firm_party_has_none() {
    let mut d = setup();
    let r = d.rfq(rfq_spec(60));
    let mut q = quote_spec(r, &[(d.pool, 60)]);
    q.terms.seller_notice_hours = Some(10_000);
    q.terms.buyer_notice_hours = Some(1);
    let qid = d.quote(d.prov, q);
    let c = d.accept(qid);
    // Notice that would take effect after the end ends nothing early: refused, no fee.
    let (r, f) = rule(d.m.exec(d.prov, Command::GiveNotice { contract: c }));
    assert_eq!((r, f), (Rule::NoticePastEnd, "contract"));
    assert_eq!(d.m.e.contract(c).unwrap().ends, Hour(T0 + 110));
    let (_, ev) = d.m.ask(d.prov, d.pool, 10, w(1, 2), 1_000_000);
    let fill =
        d.m.exec(
            d.lab,
            Command::PlaceBid(Market::bid_spec(10, w(1, 2), 1_000_000)),
        )
        .unwrap();
    let exchange = fill
        .iter()
        .find_map(|e| match e {
            Event::ContractCreated(c) => Some(c.id),
            _ => None,
        })
        .unwrap();
    drop(ev);
    assert_eq!(
        rule(d.m.exec(d.lab, Command::GiveNotice { contract: exchange })),
        (Rule::NoRightOfNotice, "contract")
    );
}

#[test]
fn termination_for_cause_ends_at_the_next_hour_for_allowed_causes_only() {
    let mut d = setup();
    let c = d.lease();
    let term = |cause, reason: &str| Command::TerminateForCause {
        contract: c,
        cause,
        reason: reason.into(),
    };
    assert_eq!(
        rule(d.m.exec(d.prov, term(Cause::NonDelivery, "x"))),
        (Rule::CauseNotAllowed, "cause")
    );
    assert_eq!(
        rule(d.m.exec(d.lab, term(Cause::NonPayment, "x"))),
        (Rule::CauseNotAllowed, "cause")
    );
    assert_eq!(
        rule(d.m.exec(d.stranger, term(Cause::NonPayment, "x"))),
        (Rule::UnknownContract, "contract")
    );
    assert_eq!(
        rule(d.m.exec(d.prov, term(Cause::AcceptableUse, " "))),
        (Rule::InvalidName, "reason")
    );
    assert_eq!(
        rule(d.m.exec(d.prov, term(Cause::AcceptableUse, &"x".repeat(1_001)))),
        (Rule::InvalidName, "reason")
    );
    // A contract that does not allow a cause refuses it.
    let r = d.rfq(rfq_spec(10));
    let mut q = quote_spec(r, &[(d.pool, 10)]);
    q.terms.for_cause = Causes {
        non_delivery: true,
        ..Causes::default()
    };
    let qid = d.quote(d.prov, q);
    let narrow = d.accept(qid);
    let bad = Command::TerminateForCause {
        contract: narrow,
        cause: Cause::AcceptableUse,
        reason: "spam".into(),
    };
    assert_eq!(
        rule(d.m.exec(d.prov, bad)),
        (Rule::CauseNotAllowed, "cause")
    );
    let ev =
        d.m.exec(d.prov, term(Cause::AcceptableUse, "crypto mining"))
            .unwrap();
    let Event::TerminatedForCause { termination, .. } = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (termination.effective, termination.reason.as_str()),
        (Hour(T0 + 1), "crypto mining")
    );
    assert_eq!(
        d.m.e.contract(c).unwrap().status,
        ContractStatus::TerminatedForCause
    );
    assert_eq!(
        d.used(d.pool, 50),
        10,
        "only the narrow contract holds the pool now"
    );
    assert_eq!(
        rule(d.m.exec(d.lab, Command::GiveNotice { contract: c })),
        (Rule::ContractNotInForce, "contract")
    );
    let ev = d.m.advance_to(1);
    assert!(ev.contains(&Event::ContractTerminated {
        contract: c,
        for_cause: true
    }));
    assert!(!d.m.e.contract(c).unwrap().is_live());
}

fn resale(contract: ContractId, gpus: u32, window: megawatt_engine::units::Window) -> Command {
    Command::PlaceAsk(AskSpec {
        source: AskSource::Contract { contract, line: 0 },
        gpus,
        window,
        price_micros: 3_000_000,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 1,
    })
}

#[test]
fn resale_lists_no_more_than_held_and_children_end_with_their_parent() {
    let mut d = setup();
    let c = d.lease();
    assert_eq!(
        rule(d.m.exec(d.stranger, resale(c, 1, w(20, 30)))),
        (Rule::UnknownContract, "source.contract")
    );
    assert_eq!(
        rule(d.m.exec(d.lab, resale(c, 61, w(20, 30)))),
        (Rule::ResaleExceedsHolding, "gpus")
    );
    assert_eq!(
        rule(d.m.exec(d.lab, resale(c, 1, w(100, 120)))),
        (Rule::ResaleExceedsHolding, "window")
    );
    let bad_line = Command::PlaceAsk(AskSpec {
        source: AskSource::Contract {
            contract: c,
            line: 3,
        },
        gpus: 1,
        window: w(20, 30),
        price_micros: 1,
        tif: TimeInForce::Gtc,
        min_fill_gpus: 1,
    });
    assert_eq!(
        rule(d.m.exec(d.lab, bad_line)),
        (Rule::OutOfRange, "source.line")
    );
    let ask = accepted(&d.m.exec(d.lab, resale(c, 40, w(20, 30))).unwrap());
    assert_eq!(
        rule(d.m.exec(d.lab, resale(c, 21, w(25, 26)))),
        (Rule::ResaleExceedsHolding, "gpus")
    );
    assert_eq!(d.used(d.pool, 25), 60, "resale does not touch the pool");
    // A buyer takes 30 of the 40: a child contract carved from the parent.
    let fill =
        d.m.exec(
            d.stranger,
            Command::PlaceBid(Market::bid_spec(30, w(20, 30), 3_000_000)),
        )
        .unwrap();
    let child = fill
        .iter()
        .find_map(|e| match e {
            Event::ContractCreated(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (child.parent(), child.seller, child.buyer, child.depth),
        (Some(c), d.lab, d.stranger, 1)
    );
    // The parent's notice (24 h, from hour 0) ends it at 25: the child ends there too,
    // and the resale ask on the parent closes.
    let ev =
        d.m.exec(d.lab, Command::GiveNotice { contract: c })
            .unwrap();
    assert!(ev.iter().any(|e| matches!(e, Event::NoticeGiven { contract, notice } if *contract == child.id && notice.via_parent == Some(c) && notice.effective == Hour(T0 + 25))));
    assert!(ev.contains(&Event::OrderClosed {
        order: ask,
        reason: CloseReason::ContractEnded
    }));
    assert_eq!(
        d.m.e.contract(child.id).unwrap().status,
        ContractStatus::NoticeGiven
    );
    assert_eq!(d.used(d.pool, 25), 0);
}

#[test]
fn a_child_ended_for_cause_gives_its_hours_back_to_the_parent() {
    let mut d = setup();
    let c = d.lease();
    d.m.exec(d.lab, resale(c, 60, w(20, 30))).unwrap();
    let fill =
        d.m.exec(
            d.stranger,
            Command::PlaceBid(Market::bid_spec(60, w(20, 30), 3_000_000)),
        )
        .unwrap();
    let child = fill
        .iter()
        .find_map(|e| match e {
            Event::ContractCreated(c) => Some(c.id),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        rule(d.m.exec(d.lab, resale(c, 1, w(20, 30)))),
        (Rule::ResaleExceedsHolding, "gpus")
    );
    // A fill is paid at the trade: never unpaid, so non-payment is refused.
    let unpaid = Command::TerminateForCause {
        contract: child,
        cause: Cause::NonPayment,
        reason: "unpaid".into(),
    };
    assert_eq!(
        rule(d.m.exec(d.lab, unpaid)),
        (Rule::NothingOverdue, "cause")
    );
    // The reseller terminates its buyer for misuse: the hours come back to it.
    let cmd = Command::TerminateForCause {
        contract: child,
        cause: Cause::AcceptableUse,
        reason: "misuse".into(),
    };
    d.m.exec(d.lab, cmd).unwrap();
    d.m.exec(d.lab, resale(c, 60, w(20, 30)))
        .expect("the reseller holds them again");
    let snapshot = d.m.e.snapshot();
    assert_eq!(Engine::restore(&snapshot).unwrap().snapshot(), snapshot);
}

#[test]
fn a_contract_whose_end_has_come_cannot_be_ended_even_before_the_tick() {
    let mut d = setup();
    let r = d.rfq(rfq_spec(60));
    let mut q = quote_spec(r, &[(d.pool, 60)]);
    q.terms.buyer_notice_hours = Some(0);
    let qid = d.quote(d.prov, q);
    let c = d.accept(qid);
    // Hour 110 has begun; its tick has not come yet.
    d.m.time_ms = Hour(T0 + 110).start_ms() + 5;
    let (r, _) = rule(d.m.exec(d.lab, Command::GiveNotice { contract: c }));
    assert_eq!(r, Rule::ContractNotInForce);
    let cause = Command::TerminateForCause {
        contract: c,
        cause: Cause::NonDelivery,
        reason: "late".into(),
    };
    assert_eq!(rule(d.m.exec(d.lab, cause)).0, Rule::ContractNotInForce);
    d.m.advance_to(110);
    assert_eq!(d.m.e.contract(c).unwrap().status, ContractStatus::Expired);
}

#[test]
fn nobody_quotes_on_its_own_rfq() {
    let mut d = setup();
    let roles = megawatt_engine::entities::Roles {
        provider: true,
        buyer: true,
        operator: false,
    };
    let both = d.m.participant("both", roles);
    let (_, pools) = d.m.facility(both, "us-south", &[("h100-sxm", 100)]);
    let ev = d.m.exec(both, Command::CreateRfq(rfq_spec(60))).unwrap();
    let Event::RfqCreated(r) = &ev[0] else {
        panic!("{ev:?}")
    };
    let own = d.m.exec(
        both,
        Command::SubmitQuote(quote_spec(r.id, &[(pools[0], 60)])),
    );
    assert_eq!(rule(own), (Rule::NotPermitted, "rfq"));
}

#[test]
fn payment_terms_are_between_one_and_180_days() {
    let mut d = setup();
    for days in [0, 181] {
        let r = d.rfq(rfq_spec(10));
        let mut q = quote_spec(r, &[(d.pool, 10)]);
        q.terms.payment_days = days;
        assert_eq!(
            rule(d.m.exec(d.prov, Command::SubmitQuote(q))),
            (Rule::OutOfRange, "terms.payment_days")
        );
    }
    let r = d.rfq(rfq_spec(10));
    let mut q = quote_spec(r, &[(d.pool, 10)]);
    q.terms.payment_days = 180;
    let qid = d.quote(d.prov, q);
    let c = d.accept(qid);
    assert_eq!(d.m.e.contract(c).unwrap().terms.payment_days, 180);
}

/// Journal records are never re-encoded: a quote journaled before payment terms keeps
/// its place among the commands (variant 12), decodes as `SubmitQuoteV1`, and makes a
/// contract with the default 30 days.
#[test]
fn a_quote_journaled_before_payment_terms_still_decodes_and_gets_30_days() {
    use megawatt_engine::command::QuoteSpecV1;
    use megawatt_engine::contract::TermsV1;
    let mut d = setup();
    let r = d.rfq(rfq_spec(10));
    let new = quote_spec(r, &[(d.pool, 10)]);
    let old = Command::SubmitQuoteV1(QuoteSpecV1 {
        rfq: new.rfq,
        lines: new.lines.clone(),
        pricing: new.pricing,
        terms: TermsV1 {
            buyer_notice_hours: new.terms.buyer_notice_hours,
            seller_notice_hours: new.terms.seller_notice_hours,
            early_termination_fee_micros: new.terms.early_termination_fee_micros,
            for_cause: new.terms.for_cause,
        },
        expires: new.expires,
    });
    // The record as the old code wrote it, field by field in the old order (postcard:
    // LEB128 varints, zigzag for signed, a tag byte for options and enums).
    let zigzag = |v: i64| ((v << 1) ^ (v >> 63)) as u64;
    let mut bytes = vec![12]; // SubmitQuote, the 13th command
    varint(new.rfq.0, &mut bytes);
    varint(1, &mut bytes); // one line
    varint(d.pool.0, &mut bytes);
    varint(10, &mut bytes);
    bytes.push(1); // Pricing::MonthlyFee
    varint(zigzag(FEE), &mut bytes);
    bytes.push(1); // buyer notice: Some(24)
    varint(24, &mut bytes);
    bytes.push(1); // seller notice: Some(48)
    varint(48, &mut bytes);
    varint(zigzag(7), &mut bytes); // early-termination fee
    bytes.extend([1, 1, 1]); // all three causes
    varint(u64::from(new.expires.0), &mut bytes);
    assert_eq!(bytes, postcard::to_allocvec(&old).unwrap());
    let decoded: Command = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(decoded, old);
    let ev = d.m.exec(d.prov, decoded).unwrap();
    let Event::QuoteSubmitted(q) = &ev[0] else {
        panic!("{ev:?}")
    };
    let c = d.accept(q.id);
    assert_eq!(d.m.e.contract(c).unwrap().terms.payment_days, 30);
    let fresh = postcard::to_allocvec(&Command::SubmitQuote(new)).unwrap();
    assert_eq!(fresh[0], 29, "new variants go at the end");
}

/// A quote journaled before quotes carried delivery terms (variant 21) decodes as
/// `SubmitQuoteV2`, byte for byte as it was written, and makes a contract that promises
/// no delivery; the same quote with its delivery terms is the new variant 29.
#[test]
fn a_quote_journaled_before_delivery_terms_still_decodes_and_promises_none() {
    use megawatt_engine::command::QuoteSpecV2;
    let mut d = setup();
    let r = d.rfq(rfq_spec(10));
    let new = QuoteSpec {
        delivery: DeliveryTerms::exchange(),
        ..quote_spec(r, &[(d.pool, 10)])
    };
    let old = Command::SubmitQuoteV2(QuoteSpecV2 {
        rfq: new.rfq,
        lines: new.lines.clone(),
        pricing: new.pricing,
        terms: new.terms,
        expires: new.expires,
    });
    let fresh = postcard::to_allocvec(&Command::SubmitQuote(new.clone())).unwrap();
    let bytes = postcard::to_allocvec(&old).unwrap();
    assert_eq!((bytes[0], fresh[0]), (21, 29));
    // The same fields in the same order; the new record adds the delivery terms after.
    assert_eq!(bytes[1..], fresh[1..bytes.len()]);
    let decoded: Command = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(decoded, old);
    let ev = d.m.exec(d.prov, decoded).unwrap();
    let Event::QuoteSubmitted(q) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(q.delivery, DeliveryTerms::none());
    let c = d.accept(q.id);
    assert_eq!(d.m.e.contract(c).unwrap().delivery, DeliveryTerms::none());
}

/// Non-payment is the buyer's: a fee the seller owes for its own notice, however
/// overdue, gives the seller no cause against the buyer.
#[test]
fn a_sellers_own_unpaid_fee_is_no_cause_for_non_payment() {
    let mut d = setup();
    let r = d.rfq(rfq_spec(10));
    let mut q = quote_spec(r, &[(d.pool, 10)]);
    q.terms.payment_days = 1;
    let qid = d.quote(d.prov, q);
    let c = d.accept(qid);
    // The provider has no money: its fee for its notice stays unpaid, due in a day.
    let ev =
        d.m.exec(d.prov, Command::GiveNotice { contract: c })
            .unwrap();
    let fee = ev
        .iter()
        .find_map(|e| match e {
            Event::InvoiceBilled { invoice: i, .. } => Some(i.clone()),
            _ => None,
        })
        .expect("the fee is invoiced");
    assert_eq!((fee.payer, fee.due), (d.prov, Hour(T0 + 25)));
    d.m.advance_to(25);
    assert!(d.m.e.invoice(fee.id).unwrap().overdue);
    let cut = Command::TerminateForCause {
        contract: c,
        cause: Cause::NonPayment,
        reason: "the fee is unpaid".into(),
    };
    assert_eq!(rule(d.m.exec(d.prov, cut)), (Rule::NothingOverdue, "cause"));
}

#[test]
fn an_rfq_asks_for_payment_terms_of_1_to_180_days() {
    let mut d = setup();
    for days in [0, 181] {
        let mut s = rfq_spec(10);
        s.terms.min_payment_days = Some(days);
        assert_eq!(
            rule(d.m.exec(d.lab, Command::CreateRfq(s))),
            (Rule::OutOfRange, "terms.min_payment_days")
        );
    }
}

/// An RFQ journaled before RFQs could ask for payment terms keeps its place among the
/// commands (variant 10), decodes as `CreateRfqV1`, and asks for none.
#[test]
fn an_rfq_journaled_before_payment_terms_still_decodes() {
    let mut d = setup();
    // rfq_spec(10) as the old code wrote it, field by field.
    let mut bytes = vec![10]; // CreateRfq, the 11th command
    bytes.push(0); // RfqWants::Gpus
    varint(1, &mut bytes);
    varint(8, &mut bytes);
    bytes.extend(b"h100-sxm");
    varint(10, &mut bytes);
    varint(u64::from(T0 + 10), &mut bytes); // window
    varint(u64::from(T0 + 110), &mut bytes);
    bytes.extend([0, 0]); // no region, no facility
    bytes.extend([1, 24]); // max buyer notice: Some(24)
    bytes.extend([0, 0]); // no seller notice minimum, no fee ceiling
    bytes.extend([0, 0, 0]); // no causes required
    varint(u64::from(T0 + 5), &mut bytes); // deadline
    varint(0, &mut bytes); // nobody invited
    let old: Command = postcard::from_bytes(&bytes).unwrap();
    let Command::CreateRfqV1(spec) = &old else {
        panic!("{old:?}")
    };
    assert_eq!(
        megawatt_engine::command::RfqSpec::from(spec.clone()),
        rfq_spec(10)
    );
    assert_eq!(postcard::to_allocvec(&old).unwrap(), bytes);
    let ev = d.m.exec(d.lab, old).unwrap();
    assert!(matches!(&ev[0], Event::RfqCreated(_)), "{ev:?}");
    let fresh = postcard::to_allocvec(&Command::CreateRfq(rfq_spec(10))).unwrap();
    assert_eq!(fresh[0], 22, "new variants go at the end");
}

/// Appends `v` as postcard writes integers: LEB128, seven bits a byte.
fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Journal records are postcard-encoded by variant index, so a variant's place is part
/// of the journal format: new variants go at the end, and none moves. The exhaustive
/// match makes a new variant fail to compile here until its place is pinned.
#[test]
fn command_variants_keep_their_places() {
    use megawatt_engine::command::{PoolSpec, QuoteSpecV1, RfqSpecV1, WantedTermsV1};
    use megawatt_engine::contract::TermsV1;
    use megawatt_engine::entities::Roles;
    use megawatt_engine::ids::{OrderId, ReservationId};
    use megawatt_engine::money::FeeRates;
    fn place(c: &Command) -> u8 {
        match c {
            Command::CreateParticipant { .. } => 0,
            Command::AddModel { .. } => 1,
            Command::CreateFacility { .. } => 2,
            Command::Reserve { .. } => 3,
            Command::Release { .. } => 4,
            Command::PlaceAsk(_) => 5,
            Command::PlaceBidV1(_) => 6,
            Command::Cancel { .. } => 7,
            Command::Reduce { .. } => 8,
            Command::Tick { .. } => 9,
            Command::CreateRfqV1(_) => 10,
            Command::CancelRfq { .. } => 11,
            Command::SubmitQuoteV1(_) => 12,
            Command::WithdrawQuote { .. } => 13,
            Command::AcceptQuote { .. } => 14,
            Command::GiveNoticeV1 { .. } => 15,
            Command::TerminateForCauseV1 { .. } => 16,
            Command::Deposit { .. } => 17,
            Command::Withdraw { .. } => 18,
            Command::SetFees(_) => 19,
            Command::SetCreditLimit { .. } => 20,
            Command::SubmitQuoteV2(_) => 21,
            Command::CreateRfq(_) => 22,
            Command::AdmitParticipant { .. } => 23,
            Command::GiveNoticeV2 { .. } => 24,
            Command::ReportUsage { .. } => 25,
            Command::SetDeliveryDefaults(_) => 26,
            Command::TerminateForCause { .. } => 27,
            Command::GiveNotice { .. } => 28,
            Command::SubmitQuote(_) => 29,
            Command::PlaceBid(_) => 30,
            Command::SetMonthCloseGrace { .. } => 31,
            Command::SetIndexMethodology { .. } => 32,
            Command::PlaceFlexibleBid(_) => 33,
            Command::CreateProcurement(_) => 34,
            Command::PauseProcurement { .. } => 35,
            Command::ResumeProcurement { .. } => 36,
            Command::CancelProcurement { .. } => 37,
            Command::UploadPlan(_) => 38,
            Command::ApplyPlan { .. } => 39,
            Command::PlaceOrders { .. } => 40,
        }
    }
    let (rfq, quote) = (rfq_spec(1), quote_spec(RfqId(1), &[(PoolId(1), 1)]));
    let t = rfq.terms;
    let old_rfq = RfqSpecV1 {
        wants: rfq.wants.clone(),
        window: rfq.window,
        region: None,
        facility: None,
        terms: WantedTermsV1 {
            max_buyer_notice_hours: t.max_buyer_notice_hours,
            min_seller_notice_hours: t.min_seller_notice_hours,
            max_early_termination_fee_micros: t.max_early_termination_fee_micros,
            causes: t.causes,
        },
        deadline: rfq.deadline,
        invited: Vec::new(),
    };
    let q = quote.terms;
    let old_quote = QuoteSpecV1 {
        rfq: quote.rfq,
        lines: quote.lines.clone(),
        pricing: quote.pricing,
        terms: TermsV1 {
            buyer_notice_hours: q.buyer_notice_hours,
            seller_notice_hours: q.seller_notice_hours,
            early_termination_fee_micros: q.early_termination_fee_micros,
            for_cause: q.for_cause,
        },
        expires: quote.expires,
    };
    let p = ParticipantId(1);
    let all = [
        Command::CreateParticipant {
            name: "n".into(),
            roles: Roles::default(),
        },
        Command::AddModel {
            id: "m".into(),
            name: "n".into(),
            watts_per_gpu: 1,
        },
        Command::CreateFacility {
            name: "n".into(),
            region: "r".into(),
            power_kw: 1,
            pools: vec![PoolSpec {
                model: "m".into(),
                gpus: 1,
            }],
        },
        Command::Reserve {
            pool: PoolId(1),
            gpus: 1,
            window: w(1, 2),
        },
        Command::Release {
            reservation: ReservationId(1),
        },
        Market::ask_cmd(PoolId(1), 1, w(1, 2), 1),
        Command::PlaceBidV1(megawatt_engine::command::BidSpecV1 {
            model: "h100-sxm".into(),
            region: None,
            facility: None,
            gpus: 1,
            window: w(1, 2),
            limit_price_micros: 1,
            colocate: true,
            partial: false,
            tif: TimeInForce::Gtc,
        }),
        Command::Cancel { order: OrderId(1) },
        Command::Reduce {
            order: OrderId(1),
            by_gpus: 1,
        },
        Command::Tick { hour: Hour(1) },
        Command::CreateRfqV1(old_rfq),
        Command::CancelRfq { rfq: RfqId(1) },
        Command::SubmitQuoteV1(old_quote),
        Command::WithdrawQuote { quote: QuoteId(1) },
        Command::AcceptQuote { quote: QuoteId(1) },
        Command::GiveNoticeV1 {
            contract: ContractId(1),
        },
        Command::TerminateForCauseV1 {
            contract: ContractId(1),
            cause: Cause::NonDelivery,
            reason: "r".into(),
        },
        Command::Deposit {
            participant: p,
            amount_micros: 1,
            reference: "r".into(),
        },
        Command::Withdraw {
            participant: p,
            amount_micros: 1,
            reference: "r".into(),
        },
        Command::SetFees(FeeRates::default()),
        Command::SetCreditLimit {
            participant: p,
            limit_micros: 1,
        },
        Command::SubmitQuoteV2(megawatt_engine::command::QuoteSpecV2 {
            rfq: quote.rfq,
            lines: quote.lines.clone(),
            pricing: quote.pricing,
            terms: quote.terms,
            expires: quote.expires,
        }),
        Command::CreateRfq(rfq),
        Command::AdmitParticipant {
            name: "n".into(),
            roles: Roles::default(),
        },
        Command::GiveNoticeV2 {
            contract: ContractId(1),
        },
        Command::ReportUsage { records: vec![] },
        Command::SetDeliveryDefaults(megawatt_engine::delivery::DeliveryTerms::none()),
        Command::TerminateForCause {
            contract: ContractId(1),
            cause: Cause::NonDelivery,
            reason: "r".into(),
        },
        Command::GiveNotice {
            contract: ContractId(1),
        },
        Command::SubmitQuote(quote),
        Command::PlaceBid(Market::bid_spec(1, w(1, 2), 1)),
        Command::SetMonthCloseGrace { hours: 6 },
        Command::SetIndexMethodology { version: 1 },
        Command::PlaceFlexibleBid(flex_spec()),
        Command::CreateProcurement(megawatt_engine::command::ProcurementSpec {
            model: "h100-sxm".into(),
            region: None,
            gpus: 1,
            hours: 1,
            lookahead_hours: 1,
            block_hours: 1,
            limit_price_micros: 1,
        }),
        Command::PauseProcurement {
            procurement: ProcurementId(1),
        },
        Command::ResumeProcurement {
            procurement: ProcurementId(1),
        },
        Command::CancelProcurement {
            procurement: ProcurementId(1),
        },
        Command::UploadPlan(plan_spec()),
        Command::ApplyPlan {
            plan: PlanId(1),
            orders: vec![PlannedOrder::Bid(BidSpec::gtc("h100-sxm", 1, w(1, 2), 1))],
        },
        Command::PlaceOrders {
            orders: vec![PlannedOrder::Bid(BidSpec::gtc("h100-sxm", 1, w(1, 2), 1))],
        },
    ];
    // A planned order's variants keep their places too (inside ApplyPlan and PlaceOrders).
    let bid = BidSpec::gtc("h100-sxm", 1, w(1, 2), 1);
    for (i, o) in [
        PlannedOrder::Bid(bid),
        PlannedOrder::FlexibleBid(flex_spec()),
    ]
    .iter()
    .enumerate()
    {
        let bytes = postcard::to_allocvec(o).unwrap();
        assert_eq!(bytes[0], [0, 2][i], "{o:?} moved in the journal format");
    }
    for (i, c) in all.iter().enumerate() {
        assert_eq!(usize::from(place(c)), i, "{c:?} is listed out of place");
        let bytes = postcard::to_allocvec(c).unwrap();
        assert_eq!(bytes[0], place(c), "{c:?} moved in the journal format");
    }
}

fn flex_spec() -> megawatt_engine::command::FlexBidSpec {
    megawatt_engine::command::FlexBidSpec {
        model: "h100-sxm".into(),
        region: None,
        facility: None,
        gpus: 1,
        hours: 1,
        start_from: Hour(1),
        start_until: Hour(2),
        limit_price_micros: 1,
        colocate: true,
        tif: TimeInForce::Fok,
        min_reliability_bps: 0,
    }
}

fn plan_spec() -> megawatt_engine::command::PlanSpec {
    megawatt_engine::command::PlanSpec {
        period: megawatt_engine::curve::PeriodKind::Month,
        rows: vec![megawatt_engine::command::PlanRowSpec {
            model: "h100-sxm".into(),
            start: Hour(0),
            gpus: 1,
        }],
        limit_price_micros: None,
    }
}

/// Events are stored too, inside the idempotency records' outcomes (postcard, kept for
/// their time to live): like commands, event variants are only appended, never moved.
#[test]
fn event_variants_keep_their_places() {
    use megawatt_engine::ids::{InvoiceId, ModelIdx, OrderId};
    fn place(e: &Event) -> u8 {
        match e {
            Event::ParticipantCreated(_) => 0,
            Event::ModelAdded { .. } => 1,
            Event::FacilityCreated(_) => 2,
            Event::Reserved(_) => 3,
            Event::ReservationEnded { .. } => 4,
            Event::OrderAccepted(_) => 5,
            Event::OrderReduced { .. } => 6,
            Event::OrderClosed { .. } => 7,
            Event::Trade(_) => 8,
            Event::ContractCreated(_) => 9,
            Event::ContractStarted { .. } => 10,
            Event::ContractExpired { .. } => 11,
            Event::RfqCreated(_) => 12,
            Event::RfqClosed { .. } => 13,
            Event::QuoteSubmitted(_) => 14,
            Event::QuoteClosed { .. } => 15,
            Event::NoticeGiven { .. } => 16,
            Event::TerminatedForCause { .. } => 17,
            Event::Transfer(_) => 18,
            Event::InvoiceIssued(_) => 19,
            Event::InvoicePaid { .. } => 20,
            Event::InvoiceOverdue { .. } => 21,
            Event::FeesSet(_) => 22,
            Event::CreditLimitSet { .. } => 23,
            Event::ContractTerminated { .. } => 24,
            Event::PoolCreated { .. } => 25,
            Event::InvoiceBilled { .. } => 26,
            Event::ContractEndingSoon { .. } => 27,
            Event::UsageReported { .. } => 28,
            Event::DeliveryDefaultsSet(_) => 29,
            Event::DeliveryCredited { .. } => 30,
            Event::MonthCloseGraceSet { .. } => 31,
            Event::IndexMethodologySet { .. } => 32,
            Event::IndexPublished(_) => 33,
            Event::CurvePublished(_) => 34,
            Event::ProcurementCreated(_) => 35,
            Event::ProcurementPaused { .. } => 36,
            Event::ProcurementResumed { .. } => 37,
            Event::ProcurementBid { .. } => 38,
            Event::ProcurementEnded { .. } => 39,
            Event::PlanUploaded { .. } => 40,
            Event::PlanApplied { .. } => 41,
            Event::OrdersPlaced { .. } => 42,
        }
    }
    let c = ContractId(1);
    let some = [
        Event::ModelAdded { model: ModelIdx(0) },
        Event::OrderReduced {
            order: OrderId(1),
            by_gpus: 1,
        },
        Event::OrderClosed {
            order: OrderId(1),
            reason: CloseReason::Cancelled,
        },
        Event::ContractStarted { contract: c },
        Event::ContractExpired { contract: c },
        Event::RfqClosed {
            rfq: RfqId(1),
            reason: RfqEnd::Cancelled,
        },
        Event::QuoteClosed {
            quote: QuoteId(1),
            reason: QuoteEnd::Withdrawn,
        },
        Event::InvoicePaid {
            invoice: InvoiceId(1),
        },
        Event::InvoiceOverdue {
            invoice: InvoiceId(1),
        },
        Event::CreditLimitSet {
            participant: ParticipantId(1),
            limit_micros: 1,
        },
        Event::ContractTerminated {
            contract: c,
            for_cause: false,
        },
        Event::PoolCreated {
            pool: PoolId(1),
            facility: FacilityId(1),
            model: ModelIdx(0),
            gpus: 1,
        },
        Event::ContractEndingSoon {
            contract: c,
            ends: megawatt_engine::units::Hour(1),
        },
        Event::InvoiceBilled {
            invoice: megawatt_engine::invoice::Invoice {
                id: InvoiceId(1),
                contract: c,
                payer: ParticipantId(1),
                payee: ParticipantId(2),
                charge: megawatt_engine::invoice::Charge::Usage,
                period: w(1, 2),
                amount_micros: 1,
                issued_ms: 0,
                due: Hour(3),
                overdue: false,
            },
            lines: Default::default(),
        },
        Event::UsageReported {
            reporter: ParticipantId(1),
            delivered: vec![],
            used: vec![],
        },
        Event::DeliveryDefaultsSet(megawatt_engine::delivery::DeliveryTerms::none()),
        Event::MonthCloseGraceSet { hours: 6 },
        Event::IndexMethodologySet { version: 1 },
        Event::CurvePublished(megawatt_engine::curve::Curve {
            model: ModelIdx(0),
            at: Hour(1),
            version: 1,
            points: vec![],
        }),
        Event::ProcurementPaused {
            procurement: ProcurementId(1),
        },
        Event::ProcurementResumed {
            procurement: ProcurementId(1),
        },
        Event::ProcurementBid {
            procurement: ProcurementId(1),
            order: OrderId(1),
        },
        Event::ProcurementEnded {
            procurement: ProcurementId(1),
            reason: megawatt_engine::procurement::ProcurementEnd::Completed,
        },
        Event::PlanUploaded {
            plan: PlanId(1),
            owner: ParticipantId(1),
            spec: plan_spec(),
        },
        Event::OrdersPlaced { orders: vec![] },
        Event::PlanApplied {
            plan: PlanId(1),
            orders: vec![(
                PlannedOrder::Bid(BidSpec::gtc("h100-sxm", 1, w(1, 2), 1)),
                PlanOutcome::Placed(OrderId(1)),
            )],
        },
    ];
    for e in &some {
        let bytes = postcard::to_allocvec(e).unwrap();
        assert_eq!(bytes[0], place(e), "{e:?} moved in the stored format");
    }
}
