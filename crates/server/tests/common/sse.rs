//! Reading `/v1/events` in tests: a subscription on a thread of its own, and the events
//! it sends.

use super::TestServer;
use serde_json::Value;
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// One event as sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    /// Its id (`seq.n`).
    pub id: String,
    /// Its `event:` type.
    pub kind: String,
    /// Its data.
    pub data: Value,
}

/// Subscribes as `key` (after the event id `after`, if given); the stream's lines come
/// on the receiver.
pub fn subscribe(s: &TestServer, key: &str, after: Option<&str>) -> Receiver<String> {
    let url = format!("{}/v1/events", s.url);
    let (key, after) = (key.to_string(), after.map(str::to_string));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut req = agent
            .get(&url)
            .header("Authorization", &format!("Bearer {key}"));
        if let Some(id) = &after {
            req = req.header("Last-Event-ID", id);
        }
        let mut resp = req.call().unwrap();
        let _ = tx.send("connected".to_string());
        let reader = std::io::BufReader::new(resp.body_mut().as_reader());
        for line in std::io::BufRead::lines(reader).map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)).unwrap(),
        "connected"
    );
    rx
}

/// The events sent, up to and including the first for which `last` holds (each within
/// 10 seconds of the one before).
pub fn until(rx: &Receiver<String>, last: impl Fn(&Sent) -> bool) -> Vec<Sent> {
    let (mut out, mut id, mut kind) = (Vec::new(), String::new(), String::new());
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        if let Some(k) = line.strip_prefix("event: ") {
            kind = k.to_string();
        } else if let Some(i) = line.strip_prefix("id: ") {
            id = i.to_string();
        } else if let Some(data) = line.strip_prefix("data: ") {
            let sent = Sent {
                id: std::mem::take(&mut id),
                kind: std::mem::take(&mut kind),
                data: serde_json::from_str(data).unwrap_or(Value::String(data.into())),
            };
            let done = last(&sent);
            out.push(sent);
            if done {
                return out;
            }
        }
    }
    panic!("the stream ended or stalled before the event waited for; got {out:?}")
}
