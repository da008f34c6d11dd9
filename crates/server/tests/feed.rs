//! `/v1/events` beyond public market data, on both backends: each participant's own
//! account events come on its stream (and nobody else's), with ids, and a client that
//! reconnects after a restart gets what it missed from the store's event log.

mod common;

use common::sse::{Sent, subscribe, until};
use common::{Backend, TestServer, day};
use serde_json::json;

fn kinds(events: &[Sent]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn account_events_are_private_and_survive_a_restart(backend: Backend) {
    let Some(s) = TestServer::start(backend) else {
        return;
    };
    let (_, prov) = s.participant("Neocloud", &["provider"]);
    let (_, a) = s.participant("Lab A", &["buyer"]);
    let (_, b) = s.participant("Lab B", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    let ask = json!({ "side": "sell", "pool": pool, "gpus": 100, "start": day(1), "hours": 24, "price": "2.00" });
    assert_eq!(s.post("/v1/orders", &prov, ask).status, 201);
    let bid = |gpus: u32| json!({ "side": "buy", "model": "h100-sxm", "gpus": gpus, "start": day(1), "hours": 24, "price": "2.00" });
    let order_a = s.post("/v1/orders", &a, bid(10)).body["order"]["id"].clone();
    let order_b = s.post("/v1/orders", &b, bid(20)).body["order"]["id"].clone();
    // A's stream, from the start: public events and A's own fill and contract.
    let from_start = until(&subscribe(&s, &a, Some("0")), |e| {
        e.kind == "trade" && e.data["gpus"] == 20
    });
    let fills: Vec<&Sent> = from_start.iter().filter(|e| e.kind == "fill").collect();
    assert_eq!(
        fills.len(),
        1,
        "only A's own fill: {:?}",
        kinds(&from_start)
    );
    assert_eq!(fills[0].data["order"], order_a);
    assert_eq!(fills[0].data["side"], "buy");
    assert!(kinds(&from_start).contains(&"contract.pending"));
    assert!(
        kinds(&from_start).iter().filter(|k| **k == "trade").count() == 2,
        "both public trades"
    );
    // The provider sees its side of both fills.
    let provs = until(&subscribe(&s, &prov, Some("0")), |e| {
        e.kind == "fill" && e.data["gpus"] == 20
    });
    let sells: Vec<&Sent> = provs.iter().filter(|e| e.kind == "fill").collect();
    assert_eq!(sells.len(), 2);
    assert!(sells.iter().all(|e| e.data["side"] == "sell"));
    assert!(
        !provs
            .iter()
            .any(|e| e.data["order"] == order_b && e.kind == "fill" && e.data["side"] == "buy")
    );
    // Ids grow; nothing is sent twice.
    let ids: Vec<(u64, u32)> = from_start
        .iter()
        .map(|e| {
            let (q, n) = e.id.split_once('.').unwrap();
            (q.parse().unwrap(), n.parse().unwrap())
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // After a restart the log still has them: the same events, the same ids.
    let s = s.restart();
    let again = until(&subscribe(&s, &a, Some("0")), |e| {
        e.kind == "trade" && e.data["gpus"] == 20
    });
    assert_eq!(
        again, from_start,
        "replayed from the store after the restart"
    );
    // Resuming after the first event gets the rest, once.
    let rest = until(&subscribe(&s, &a, Some(&from_start[0].id)), |e| {
        e.kind == "trade" && e.data["gpus"] == 20
    });
    assert_eq!(rest, from_start[1..].to_vec());
}

/// A term deal's life as its parties hear it: quote received, RFQ awarded, the contract
/// pending, started, noticed, ending soon, ended, and its invoice issued.
fn a_term_deal_is_told_to_both_parties_as_it_goes(backend: Backend) {
    let Some(s) = TestServer::start_manual_clock(backend) else {
        return;
    };
    let (_, prov) = s.participant("Colossus", &["provider"]);
    let (_, lab) = s.participant("Frontier", &["buyer"]);
    let pool = s.pool(&prov, 1_000);
    let rfq = s.post(
        "/v1/rfqs",
        &lab,
        json!({ "gpus": [{ "model": "h100-sxm", "gpus": 100 }], "start": day(2), "hours": 2160,
                "max_buyer_notice_hours": 240, "deadline": day(1) }),
    );
    assert_eq!(rfq.status, 201, "{:?}", rfq.body);
    let rfq = rfq.body["id"].as_str().unwrap().to_string();
    let quote = s.post(
        &format!("/v1/rfqs/{rfq}/quotes"),
        &prov,
        json!({ "lines": [{ "pool": pool, "gpus": 100 }], "monthly_fee": "1000000",
                "buyer_notice_hours": 240, "seller_notice_hours": 240, "expires": day(1) }),
    );
    assert_eq!(quote.status, 201, "{:?}", quote.body);
    let quote = quote.body["id"].as_str().unwrap().to_string();
    let accepted = s.post(&format!("/v1/quotes/{quote}/accept"), &lab, json!({}));
    assert_eq!(accepted.status, 201, "{:?}", accepted.body);
    let contract = accepted.body["id"].as_str().unwrap().to_string();
    let tick = |hour: &str| {
        let r = s.post("/v1/admin/clock", &s.operator, json!({ "hour": hour }));
        assert_eq!(r.status, 200, "{:?}", r.body);
    };
    tick(&day(2));
    let notice = s.post(&format!("/v1/contracts/{contract}/notice"), &lab, json!({}));
    assert_eq!(notice.status, 200, "{:?}", notice.body);
    let ends = notice.body["ends"].as_str().unwrap().to_string();
    // To within 72 hours of the end (the parties hear it ends soon), then past it.
    let end = megawatt_server::parse::hour(&ends).unwrap();
    tick(&megawatt_engine::units::Hour(end.0 - 71).to_string());
    tick(&day(20));
    let lab_heard = until(&subscribe(&s, &lab, Some("0")), |e| {
        e.kind == "contract.ended"
    });
    let prov_heard = until(&subscribe(&s, &prov, Some("0")), |e| {
        e.kind == "contract.ended"
    });
    let own = |heard: &[Sent]| -> Vec<String> {
        heard
            .iter()
            .filter(|e| e.kind.contains('.'))
            .map(|e| e.kind.clone())
            .collect()
    };
    assert_eq!(
        own(&lab_heard),
        [
            "quote.received",
            "contract.pending",
            "contract.started",
            "contract.notice",
            "contract.ending_soon",
            "contract.ended"
        ],
        "{lab_heard:?}"
    );
    assert_eq!(
        own(&prov_heard),
        [
            "rfq.awarded",
            "contract.pending",
            "contract.started",
            "contract.notice",
            "contract.ending_soon",
            "contract.ended"
        ],
        "{prov_heard:?}"
    );
    let of =
        |heard: &[Sent], kind: &str| heard.iter().find(|e| e.kind == kind).unwrap().data.clone();
    assert_eq!(of(&lab_heard, "contract.notice")["by"], "you");
    assert_eq!(of(&prov_heard, "contract.notice")["by"], "counterparty");
    assert_eq!(of(&lab_heard, "contract.ending_soon")["ends"], ends);
    assert_eq!(of(&lab_heard, "contract.ended")["how"], "terminated");
    assert_eq!(of(&prov_heard, "rfq.awarded")["contract"], contract);
    assert_eq!(of(&lab_heard, "quote.received")["quote"], quote);
    // The month's invoice, at its close, to both.
    tick("2027-01-01T00:00:00Z");
    let lab_bill = until(&subscribe(&s, &lab, Some("0")), |e| {
        e.kind == "invoice.issued"
    });
    let bill = lab_bill.last().unwrap();
    assert_eq!(
        (bill.data["role"].as_str(), bill.data["contract"].as_str()),
        (Some("payer"), Some(contract.as_str()))
    );
    let prov_bill = until(&subscribe(&s, &prov, Some("0")), |e| {
        e.kind == "invoice.issued"
    });
    assert_eq!(prov_bill.last().unwrap().data["role"], "payee");
}

on_both_backends!(
    account_events_are_private_and_survive_a_restart,
    a_term_deal_is_told_to_both_parties_as_it_goes,
);
