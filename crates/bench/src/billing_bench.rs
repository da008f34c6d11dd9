//! The billing benchmark: 100,000 term contracts of mixed shapes (1 to 64 GPUs of four
//! models in four facilities; monthly fees or prices per GPU-hour; starting at a month
//! boundary or mid-month, running 6 to 18 months), each made through an RFQ, a quote
//! and an acceptance by one of 1,000 funded buyers; then 12 month closes (the tick of
//! each month's first hour), each timed. Every invoice is paid at once, as a ledger
//! transfer. In the same run, the ledger's own rate: deposits applied one after another.

use crate::rng::Rng;
use crate::stats::per_mille;
use megawatt_engine::command::{
    Command, Envelope, PoolSpec, QuoteLineSpec, QuoteSpec, RfqSpec, RfqWants, WantedTerms,
};
use megawatt_engine::contract::{Pricing, Terms};
use megawatt_engine::entities::Roles;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{ParticipantId, PoolId};
use megawatt_engine::units::{Hour, Window};
use megawatt_engine::{Engine, OPERATOR};
use std::time::Instant;

const CONTRACTS: usize = 100_000;
const BUYERS: usize = 1_000;
const MODELS: [&str; 4] = ["h100-sxm", "h200", "b200", "mi300x"];

struct Run {
    e: Engine,
    time_ms: u64,
    events: Vec<Event>,
}

impl Run {
    fn exec(&mut self, actor: ParticipantId, command: Command) -> &[Event] {
        self.events.clear();
        let env = Envelope {
            time_ms: self.time_ms,
            actor,
            command,
        };
        self.e.apply(&env, &mut self.events).expect("accepted");
        &self.events
    }

    fn admit(&mut self, name: String, roles: Roles) -> ParticipantId {
        match self.exec(OPERATOR, Command::CreateParticipant { name, roles })[0] {
            Event::ParticipantCreated(ref p) => p.id,
            _ => unreachable!(),
        }
    }
}

/// The provider's pools: four facilities, one pool of each model in each.
fn facilities(r: &mut Run, provider: ParticipantId) -> Vec<Vec<PoolId>> {
    (0..4)
        .map(|f| {
            let pools = MODELS
                .iter()
                .map(|m| PoolSpec {
                    model: (*m).into(),
                    gpus: 2_000_000,
                })
                .collect();
            let cmd = Command::CreateFacility {
                name: format!("site-{f}"),
                region: "us-south".into(),
                power_kw: 100_000_000,
                pools,
            };
            match r.exec(provider, cmd)[0] {
                Event::FacilityCreated(ref x) => x.pools.clone(),
                _ => unreachable!(),
            }
        })
        .collect()
}

/// One term contract through an RFQ, a quote and an acceptance.
fn contract(
    r: &mut Run,
    rng: &mut Rng,
    (buyer, provider): (ParticipantId, ParticipantId),
    pools: &[Vec<PoolId>],
    first: Hour,
) {
    let m = rng.below(4) as usize;
    let gpus = 1 + rng.below(64) as u32;
    let start = if rng.below(2) == 0 {
        first
    } else {
        Hour(first.0 + 24 * (1 + rng.below(20) as u32))
    };
    let months = 6 + rng.below(13) as u32;
    let window = Window {
        start,
        end: Hour(start.0 + months * 730),
    };
    let rfq = RfqSpec {
        wants: RfqWants::Gpus(vec![(MODELS[m].into(), gpus)]),
        window,
        region: None,
        facility: None,
        terms: WantedTerms::default(),
        deadline: first,
        invited: Vec::new(),
    };
    let Event::RfqCreated(ref rfq) = r.exec(buyer, Command::CreateRfq(rfq))[0] else {
        unreachable!()
    };
    let pricing = if rng.below(2) == 0 {
        Pricing::MonthlyFee {
            fee_micros: i64::from(gpus) * 1_500_000_000,
        }
    } else {
        Pricing::PerGpuHour {
            price_micros: 1_500_000 + rng.below(1_000_000) as i64,
        }
    };
    let quote = QuoteSpec {
        rfq: rfq.id,
        lines: vec![QuoteLineSpec {
            pool: pools[rng.below(4) as usize][m],
            gpus,
        }],
        pricing,
        terms: Terms {
            buyer_notice_hours: Some(2_160),
            seller_notice_hours: Some(2_160),
            ..Terms::exchange()
        },
        expires: first,
        delivery: megawatt_engine::delivery::DeliveryTerms::none(),
    };
    let Event::QuoteSubmitted(ref q) = r.exec(provider, Command::SubmitQuote(quote))[0] else {
        unreachable!()
    };
    let q = q.id;
    r.exec(buyer, Command::AcceptQuote { quote: q });
}

/// Runs the benchmark and returns its JSON line.
pub fn run(opts: crate::Opts) -> String {
    let mut rng = Rng::new(opts.seed);
    // Ten days before a month starts (2027-01-22).
    let now = Hour(
        u32::try_from(megawatt_engine::units::days_from_civil(2027, 1, 22) * 24).expect("fits"),
    );
    let mut r = Run {
        e: Engine::new(),
        time_ms: now.start_ms() + 1,
        events: Vec::new(),
    };
    let provider = r.admit(
        "provider".into(),
        Roles {
            provider: true,
            ..Roles::default()
        },
    );
    let buyers: Vec<ParticipantId> = (0..BUYERS)
        .map(|i| {
            r.admit(
                format!("buyer-{i}"),
                Roles {
                    buyer: true,
                    ..Roles::default()
                },
            )
        })
        .collect();
    let t0 = Instant::now();
    for &b in &buyers {
        let deposit = Command::Deposit {
            participant: b,
            amount_micros: 900_000_000_000_000,
            reference: "funds".into(),
        };
        r.exec(OPERATOR, deposit);
    }
    let deposits_per_sec = BUYERS as f64 / t0.elapsed().as_secs_f64();
    let pools = facilities(&mut r, provider);
    let first = now.next_month_start();
    for i in 0..CONTRACTS {
        contract(
            &mut r,
            &mut rng,
            (buyers[i % BUYERS], provider),
            &pools,
            first,
        );
    }
    // Twelve month closes.
    let (mut close_ms, mut invoices, mut transfers, mut secs) = (Vec::new(), 0usize, 0usize, 0f64);
    let mut month = first;
    for _ in 0..13 {
        r.time_ms = month.start_ms() + 1;
        let t = Instant::now();
        r.exec(OPERATOR, Command::Tick { hour: month });
        let took = t.elapsed();
        let issued = r
            .events
            .iter()
            .filter(|e| matches!(e, Event::InvoiceBilled { .. }))
            .count();
        if issued > 0 {
            close_ms.push(took.as_micros() as u64);
            invoices += issued;
            transfers += r
                .events
                .iter()
                .filter(|e| matches!(e, Event::Transfer(_)))
                .count();
            secs += took.as_secs_f64();
        }
        month = month.next_month_start();
    }
    assert!(
        megawatt_engine::invariants::check(&r.e).is_ok(),
        "invariants hold after billing"
    );
    close_ms.sort_unstable();
    serde_json::json!({
        "bench": "billing",
        "seed": opts.seed,
        "contracts": CONTRACTS,
        "month_closes": close_ms.len(),
        "invoices": invoices,
        "month_close_ms_p50": (per_mille(&close_ms, 500) as f64 / 1000.0),
        "month_close_ms_max": (close_ms.last().copied().unwrap_or(0) as f64 / 1000.0),
        "transfers_per_sec": (transfers as f64 / secs).round(),
        "deposit_commands_per_sec": deposits_per_sec.round(),
    })
    .to_string()
}
