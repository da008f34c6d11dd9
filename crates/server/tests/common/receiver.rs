//! A webhook receiver for tests: a plain HTTP/1.1 listener on loopback that records
//! every request it gets (headers and body) and answers with the status it is set to.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// One request received.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The raw body.
    pub body: String,
}

impl Delivery {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a delivery is JSON")
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// The receiver: its URL, the status it answers, what it got.
pub struct WebhookReceiver {
    pub url: String,
    status: Arc<AtomicU16>,
    body: Arc<std::sync::Mutex<String>>,
    got: Receiver<Delivery>,
}

impl WebhookReceiver {
    /// Listens on an ephemeral loopback port, answering `status`.
    pub fn start(status: u16) -> WebhookReceiver {
        WebhookReceiver::start_slow(status, Duration::ZERO)
    }

    /// A receiver that takes `delay` over each answer (a slow endpoint, so that
    /// deliveries are in flight when a test wants them to be).
    pub fn start_slow(status: u16, delay: Duration) -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let status = Arc::new(AtomicU16::new(status));
        let body = Arc::new(std::sync::Mutex::new("ok".to_string()));
        let (tx, got) = channel();
        let (answer, text) = (status.clone(), body.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(d) = read_request(&mut stream) else {
                    continue;
                };
                std::thread::sleep(delay);
                let code = answer.load(Ordering::Relaxed);
                let text = text.lock().unwrap().clone();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {code} Test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
                if tx.send(d).is_err() {
                    break;
                }
            }
        });
        WebhookReceiver {
            url,
            status,
            body,
            got,
        }
    }

    /// Answers with this body from now on.
    pub fn answer_body(&self, text: &str) {
        *self.body.lock().unwrap() = text.to_string();
    }

    /// Answers `status` from now on.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::Relaxed);
    }

    /// The next request, waiting up to 15 seconds.
    pub fn next(&self) -> Delivery {
        self.next_within(Duration::from_secs(15))
            .expect("a delivery within 15 s")
    }

    /// The next request, if one comes within `wait`.
    pub fn next_within(&self, wait: Duration) -> Option<Delivery> {
        self.got.recv_timeout(wait).ok()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Delivery> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Delivery {
        headers,
        body: String::from_utf8(body).ok()?,
    })
}
