//! Test harness: a market driven command by command that checks, after every command,
//! that a rejection changed nothing and that every invariant holds.
#![allow(dead_code, missing_docs)]

use megawatt_engine::command::{AskSpec, BidSpec, Command, Envelope, PoolSpec};
use megawatt_engine::entities::Roles;
use megawatt_engine::event::Event;
use megawatt_engine::ids::{FacilityId, OrderId, ParticipantId, PoolId};
use megawatt_engine::order::{AskSource, TimeInForce};
use megawatt_engine::units::{Hour, Window};
use megawatt_engine::{Engine, OPERATOR, Rejection, invariants};

/// The hour the harness's clock starts in.
pub const T0: u32 = 500_000;

pub fn w(start: u32, end: u32) -> Window {
    Window {
        start: Hour(T0 + start),
        end: Hour(T0 + end),
    }
}

pub struct Market {
    pub e: Engine,
    pub time_ms: u64,
    /// Every command applied, with whether it was accepted.
    pub log: Vec<(Envelope, bool)>,
}

pub fn provider() -> Roles {
    Roles {
        provider: true,
        ..Roles::default()
    }
}
pub fn buyer() -> Roles {
    Roles {
        buyer: true,
        ..Roles::default()
    }
}

impl Market {
    pub fn new() -> Market {
        Market {
            e: Engine::new(),
            time_ms: Hour(T0).start_ms() + 1,
            log: Vec::new(),
        }
    }

    /// Moves the clock to `h` hours after T0 (plus one ms) and ticks.
    pub fn advance_to(&mut self, h: u32) -> Vec<Event> {
        self.time_ms = Hour(T0 + h).start_ms() + 1;
        self.exec(OPERATOR, Command::Tick { hour: Hour(T0 + h) })
            .expect("tick")
    }

    /// Applies a command; asserts rejections change nothing and invariants hold.
    pub fn exec(
        &mut self,
        actor: ParticipantId,
        command: Command,
    ) -> Result<Vec<Event>, Rejection> {
        let before = self.e.snapshot();
        let mut events = Vec::new();
        let env = Envelope {
            time_ms: self.time_ms,
            actor,
            command,
        };
        let r = self.e.apply(&env, &mut events);
        if r.is_err() {
            assert!(events.is_empty(), "a rejection emitted events");
            assert_eq!(
                before,
                self.e.snapshot(),
                "a rejected command changed the state"
            );
        }
        invariants::check(&self.e)
            .unwrap_or_else(|v| panic!("invariant broken after {env:?}: {v}"));
        self.log.push((env, r.is_ok()));
        r.map(|()| events)
    }

    /// Admits a participant; a buyer gets $1bn deposited, to pay for what it buys.
    pub fn participant(&mut self, name: &str, roles: Roles) -> ParticipantId {
        let id = self.participant_unfunded(name, roles);
        if roles.buyer {
            let cmd = Command::Deposit {
                participant: id,
                amount_micros: 1_000_000_000_000_000,
                reference: "test funds".into(),
            };
            self.exec(OPERATOR, cmd).expect("deposit");
        }
        id
    }

    /// Admits a participant with no money.
    pub fn participant_unfunded(&mut self, name: &str, roles: Roles) -> ParticipantId {
        let ev = self
            .exec(
                OPERATOR,
                Command::CreateParticipant {
                    name: name.into(),
                    roles,
                },
            )
            .expect("participant");
        match &ev[0] {
            Event::ParticipantCreated(p) => p.id,
            other => panic!("unexpected {other:?}"),
        }
    }

    pub fn facility(
        &mut self,
        owner: ParticipantId,
        region: &str,
        pools: &[(&str, u32)],
    ) -> (FacilityId, Vec<PoolId>) {
        let pools = pools
            .iter()
            .map(|&(m, g)| PoolSpec {
                model: m.into(),
                gpus: g,
            })
            .collect();
        let ev = self
            .exec(
                owner,
                Command::CreateFacility {
                    name: "site".into(),
                    region: region.into(),
                    power_kw: 1_000_000,
                    pools,
                },
            )
            .expect("facility");
        match &ev[0] {
            Event::FacilityCreated(f) => (f.id, f.pools.clone()),
            other => panic!("unexpected {other:?}"),
        }
    }

    pub fn ask_cmd(pool: PoolId, gpus: u32, window: Window, price: i64) -> Command {
        Command::PlaceAsk(AskSpec {
            source: AskSource::Pool(pool),
            gpus,
            window,
            price_micros: price,
            tif: TimeInForce::Gtc,
            min_fill_gpus: 1,
        })
    }

    pub fn bid_spec(gpus: u32, window: Window, limit: i64) -> BidSpec {
        BidSpec::gtc("h100-sxm", gpus, window, limit)
    }

    pub fn ask(
        &mut self,
        owner: ParticipantId,
        pool: PoolId,
        gpus: u32,
        window: Window,
        price: i64,
    ) -> (OrderId, Vec<Event>) {
        let ev = self
            .exec(owner, Market::ask_cmd(pool, gpus, window, price))
            .expect("ask");
        (accepted(&ev), ev)
    }

    pub fn bid(&mut self, owner: ParticipantId, spec: BidSpec) -> (OrderId, Vec<Event>) {
        let ev = self.exec(owner, Command::PlaceBid(spec)).expect("bid");
        (accepted(&ev), ev)
    }
}

/// The id of the order an event list accepted.
pub fn accepted(ev: &[Event]) -> OrderId {
    match &ev[0] {
        Event::OrderAccepted(o) => o.id,
        other => panic!("unexpected {other:?}"),
    }
}

/// The trades in an event list as (ask, bid, gpus, price).
pub fn trades(ev: &[Event]) -> Vec<(OrderId, OrderId, u32, i64)> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Trade(t) => Some((t.ask, t.bid, t.gpus, t.price_micros)),
            _ => None,
        })
        .collect()
}

/// The ids of the contracts an event list created, in order.
pub fn created(ev: &[Event]) -> Vec<megawatt_engine::ids::ContractId> {
    ev.iter()
        .filter_map(|e| match e {
            Event::ContractCreated(c) => Some(c.id),
            _ => None,
        })
        .collect()
}

/// An exchange fill and who made it.
pub struct Fill {
    pub m: Market,
    pub seller: ParticipantId,
    pub buyer: ParticipantId,
    pub pool: PoolId,
    pub contract: megawatt_engine::ids::ContractId,
}

/// On market `m`: `gpus` H100 over `window` at `price` a GPU-hour, sold from a new
/// provider's pool to a new (funded) buyer, paid at the trade.
pub fn fill_on(mut m: Market, gpus: u32, window: Window, price: i64) -> Fill {
    let seller = m.participant("neocloud", provider());
    let buyer = m.participant("lab", buyer());
    let (_, pools) = m.facility(seller, "us-south", &[("h100-sxm", 100)]);
    m.ask(seller, pools[0], gpus, window, price);
    let (_, ev) = m.bid(buyer, Market::bid_spec(gpus, window, price));
    let contract = created(&ev)[0];
    Fill {
        m,
        seller,
        buyer,
        pool: pools[0],
        contract,
    }
}

/// On market `m`: a term lease by RFQ and accepted quote of `gpus` H100 over `window`,
/// from a new provider to `lab`, on `pricing`, `terms` and `delivery`; returns the
/// contract and its seller.
pub fn lease_on(
    m: &mut Market,
    deal: (ParticipantId, u32, Window),
    price: (
        megawatt_engine::contract::Pricing,
        megawatt_engine::contract::Terms,
    ),
    delivery: megawatt_engine::delivery::DeliveryTerms,
) -> (megawatt_engine::ids::ContractId, ParticipantId) {
    let (prov, quote) = lease_quote(m, deal, price, delivery);
    let ev = m.exec(prov, quote).unwrap();
    let Event::QuoteSubmitted(q) = &ev[0] else {
        panic!("{ev:?}")
    };
    let contract = created(
        &m.exec(deal.0, Command::AcceptQuote { quote: q.id })
            .unwrap(),
    )[0];
    (contract, prov)
}

/// [`lease_on`]'s RFQ, made, and its quote, not yet submitted: (provider, quote).
pub fn lease_quote(
    m: &mut Market,
    (lab, gpus, window): (ParticipantId, u32, Window),
    (pricing, terms): (
        megawatt_engine::contract::Pricing,
        megawatt_engine::contract::Terms,
    ),
    delivery: megawatt_engine::delivery::DeliveryTerms,
) -> (ParticipantId, Command) {
    use megawatt_engine::command::{QuoteLineSpec, QuoteSpec, RfqSpec, RfqWants};
    let prov = m.participant("owner", provider());
    let (_, pools) = m.facility(prov, "us-south", &[("h100-sxm", 100)]);
    let rfq = RfqSpec {
        wants: RfqWants::Gpus(vec![("h100-sxm".into(), gpus)]),
        window,
        region: None,
        facility: None,
        terms: Default::default(),
        deadline: Hour(window.start.0 - 5),
        invited: Vec::new(),
    };
    let ev = m.exec(lab, Command::CreateRfq(rfq)).unwrap();
    let Event::RfqCreated(r) = &ev[0] else {
        panic!("{ev:?}")
    };
    let quote = QuoteSpec {
        rfq: r.id,
        lines: vec![QuoteLineSpec {
            pool: pools[0],
            gpus,
        }],
        pricing,
        terms,
        expires: Hour(window.start.0 - 6),
        delivery,
    };
    (prov, Command::SubmitQuote(quote))
}

/// `reporter`'s usage reports of line 0 of `contract` for each hour from T0 (as the
/// seller: GPUs delivered; as the buyer: used).
pub fn report_on(
    m: &mut Market,
    (reporter, contract): (ParticipantId, megawatt_engine::ids::ContractId),
    hours: std::ops::Range<u32>,
    gpus: impl Fn(u32) -> u32,
) {
    let records = hours
        .map(|h| megawatt_engine::usage::UsageRecord {
            contract,
            line: 0,
            hour: Hour(T0 + h),
            gpus: gpus(h),
            energy_wh: None,
        })
        .collect();
    m.exec(reporter, Command::ReportUsage { records }).unwrap();
}
