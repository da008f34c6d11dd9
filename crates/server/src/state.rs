//! The state the HTTP handlers share: the sequencer handle, the key table, the read
//! connections, the market-data channel, the rate limiter and the counters.

use crate::feed::Feed;
use crate::limits::READER_CONNECTIONS;
use crate::problem::Problem;
use crate::sequencer::Sequencer;
use megawatt_engine::ids::{ModelIdx, ParticipantId, PoolId, RegionIdx};
use megawatt_store::Location;
use megawatt_store::StoreError;
use megawatt_store::reader::Reader;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

/// An authenticated caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// Who.
    pub id: ParticipantId,
    /// True for the operator, who sees everything.
    pub operator: bool,
    /// What the key it called with may do.
    pub scopes: crate::scopes::Scopes,
    /// The hash of that key (zeros for the server's own actions), so that a long
    /// answer (an event stream) ends when the key is revoked.
    pub key: [u8; 32],
}

/// A key the server knows: whose, and its prefix (to list and revoke it by).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEntry {
    /// The caller it makes.
    pub caller: Caller,
    /// The key's first characters.
    pub prefix: String,
}

impl Caller {
    /// What of the history the caller may read: everything for the operator, else its
    /// own.
    pub fn scope(self) -> megawatt_store::reader::Scope {
        if self.operator {
            megawatt_store::reader::Scope::All
        } else {
            megawatt_store::reader::Scope::Party(self.id)
        }
    }
}

/// SHA-256 of an API key: the only form in which keys are kept.
pub fn key_hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// A fresh random API key: `mw_` and 64 hex digits (256 bits from the OS).
pub fn new_key() -> String {
    crate::token::random::<32>("mw_")
}

/// A token bucket per API key: `rate` requests per second, bursts of twice that.
pub struct RateLimiter {
    rate: f64,
    buckets: Mutex<HashMap<[u8; 32], (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter of `rate` requests per second per key (0: no limit).
    pub fn new(rate: u32) -> RateLimiter {
        RateLimiter {
            rate: f64::from(rate),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for the key with hash `key`; `false` when its bucket is empty.
    pub fn allow(&self, key: [u8; 32]) -> bool {
        if self.rate == 0.0 {
            return true;
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        let (tokens, last) = buckets.entry(key).or_insert((2.0 * self.rate, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(2.0 * self.rate);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// HTTP counters for `/metrics`.
#[derive(Debug, Default)]
pub struct HttpStats {
    /// Requests served.
    pub requests: AtomicU64,
    /// Responses with a 4xx status.
    pub client_errors: AtomicU64,
    /// Responses with a 5xx status.
    pub server_errors: AtomicU64,
    /// Requests refused by the rate limiter.
    pub rate_limited: AtomicU64,
}

/// Everything the handlers share.
pub struct AppState {
    /// The sequencer.
    pub seq: Sequencer,
    /// API key hash → its caller (revoked keys are removed).
    pub keys: RwLock<HashMap<[u8; 32], KeyEntry>>,
    /// The store, for read connections.
    pub store: Location,
    readers: Vec<Mutex<Reader>>,
    next_reader: AtomicUsize,
    /// Public market data, after commit, with the latest kept.
    pub market: Arc<Feed>,
    /// Per-caller rate limit.
    pub limiter: RateLimiter,
    /// Counters.
    pub http: HttpStats,
    /// HTTP latency by route, method and status.
    pub latency: crate::metrics::HttpLatency,
    /// Becomes true when the server shuts down (ends the event streams).
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Time moves only by the operator's ticks (`POST /v1/admin/clock`).
    pub manual_clock: bool,
    /// Webhook endpoints and their deliveries.
    pub webhooks: Arc<crate::webhooks::Webhooks>,
    /// The regions of the pools looked up so far (a pool's region never changes; at
    /// most one entry per pool the engine has).
    pool_regions: Mutex<std::collections::BTreeMap<PoolId, RegionIdx>>,
}

impl AppState {
    /// The shared state over a running sequencer.
    pub fn new(
        seq: Sequencer,
        keys: HashMap<[u8; 32], KeyEntry>,
        store: Location,
        market: Arc<Feed>,
        rate_limit: u32,
        stopping: tokio::sync::watch::Receiver<bool>,
        webhooks: Arc<crate::webhooks::Webhooks>,
    ) -> Result<AppState, StoreError> {
        let readers = (0..READER_CONNECTIONS)
            .map(|_| Reader::open(&store).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AppState {
            seq,
            keys: RwLock::new(keys),
            store,
            readers,
            next_reader: AtomicUsize::new(0),
            market,
            limiter: RateLimiter::new(rate_limit),
            http: HttpStats::default(),
            latency: crate::metrics::HttpLatency::default(),
            stopping,
            manual_clock: false,
            webhooks,
            pool_regions: Mutex::default(),
        })
    }

    /// The same state, with the clock moved only by the operator.
    pub fn with_manual_clock(mut self, manual_clock: bool) -> AppState {
        self.manual_clock = manual_clock;
        self
    }

    /// Whether the key of hash `key` is still live (not revoked).
    pub fn key_is_live(&self, key: &[u8; 32]) -> bool {
        self.keys.read().expect("keys lock").contains_key(key)
    }

    /// The caller a key belongs to, and the key's hash.
    pub fn caller(&self, key: &str) -> Option<(Caller, [u8; 32])> {
        let hash = key_hash(key);
        let keys = self.keys.read().expect("keys lock");
        keys.get(&hash).map(|k| (k.caller, hash))
    }

    /// Runs a read query on one of the read connections, off the async threads.
    pub async fn read<R: Send + 'static>(
        self: &std::sync::Arc<Self>,
        f: impl FnOnce(&mut Reader) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, Problem> {
        let state = self.clone();
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % READER_CONNECTIONS;
        tokio::task::spawn_blocking(move || {
            let mut reader = state.readers[i].lock().expect("reader lock");
            f(&mut reader)
        })
        .await
        .map_err(|_| Problem::unavailable("a read failed; try again"))?
        .map_err(|e| {
            tracing::error!(error = %e, "read failed");
            Problem::unavailable("the store could not be read; try again")
        })
    }

    /// The id of model `idx`, from the names of the last commit (empty for an index
    /// never given out).
    pub fn model_name(&self, idx: ModelIdx) -> String {
        let names = self.seq.names();
        names
            .models
            .get(usize::from(idx.0))
            .map(|m| m.id.clone())
            .unwrap_or_default()
    }

    /// The name of the region of each pool of `pools`, from the engine the first time a
    /// pool is asked for.
    pub async fn pool_regions(
        &self,
        pools: Vec<PoolId>,
    ) -> Result<std::collections::BTreeMap<PoolId, String>, Problem> {
        let known = |p: &PoolId| {
            self.pool_regions
                .lock()
                .expect("regions lock")
                .contains_key(p)
        };
        let missing: Vec<PoolId> = pools.iter().copied().filter(|p| !known(p)).collect();
        if !missing.is_empty() {
            let found = self
                .seq
                .query(move |e| {
                    let region = |p: PoolId| Some((p, e.pool_region(p)?));
                    missing.into_iter().filter_map(region).collect::<Vec<_>>()
                })
                .await
                .map_err(seq_problem)?;
            self.pool_regions
                .lock()
                .expect("regions lock")
                .extend(found);
        }
        let names = self.seq.names();
        let cache = self.pool_regions.lock().expect("regions lock");
        Ok(pools
            .into_iter()
            .filter_map(|p| Some((p, names.region(*cache.get(&p)?).to_string())))
            .collect())
    }

    /// The name of region `idx`, as [`AppState::model_name`].
    pub fn region_name(&self, idx: RegionIdx) -> String {
        let names = self.seq.names();
        names
            .regions
            .get(usize::from(idx.0))
            .cloned()
            .unwrap_or_default()
    }
}

pub use crate::sequencer::seq_problem;
