//! Webhook signatures, in the manner of Stripe's: the header
//! `Megawatt-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed
//! with the endpoint's secret. A receiver recomputes the HMAC over the timestamp and
//! the raw body, compares in constant time, and refuses a timestamp older than its
//! tolerance ([`crate::limits::WEBHOOK_SIGNATURE_TOLERANCE_SECS`] by default), so a
//! captured delivery cannot be replayed later.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const HEADER: &str = "Megawatt-Signature";

fn mac(secret: &str, t: u64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header's value for `body` sent at `t` (unix seconds).
pub fn sign(secret: &str, t: u64, body: &[u8]) -> String {
    let digest = mac(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", crate::token::hex(&digest))
}

/// Why a signature is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Invalid {
    /// The header is not `t=…,v1=…`.
    Malformed,
    /// The timestamp is further from `now` than the tolerance.
    Stale,
    /// No `v1` matches the body.
    Mismatch,
}

/// Checks a signature header against the raw body, at `now` (unix seconds), accepting
/// timestamps within `tolerance_secs` of it. Several `v1=` values may be present (while
/// a secret is rotated); one must match.
pub fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now: u64,
    tolerance_secs: u64,
) -> Result<(), Invalid> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.parse::<u64>().map_err(|_| Invalid::Malformed)?),
            Some(("v1", v)) => candidates.push(v.to_string()),
            _ => {}
        }
    }
    let t = t.ok_or(Invalid::Malformed)?;
    if candidates.is_empty() {
        return Err(Invalid::Malformed);
    }
    if now.abs_diff(t) > tolerance_secs {
        return Err(Invalid::Stale);
    }
    for hex in candidates {
        let Some(bytes) = unhex(&hex) else { continue };
        if mac(secret, t, body).verify_slice(&bytes).is_ok() {
            return Ok(());
        }
    }
    Err(Invalid::Mismatch)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_secret_body_and_time() {
        let header = sign("whsec_k", 1_700_000_000, b"{\"id\":\"1.0\"}");
        assert!(header.starts_with("t=1700000000,v1="));
        let ok = |secret: &str, body: &[u8], now| verify(secret, &header, body, now, 300);
        assert_eq!(ok("whsec_k", b"{\"id\":\"1.0\"}", 1_700_000_100), Ok(()));
        assert_eq!(
            ok("whsec_other", b"{\"id\":\"1.0\"}", 1_700_000_000),
            Err(Invalid::Mismatch)
        );
        assert_eq!(
            ok("whsec_k", b"{\"id\":\"1.1\"}", 1_700_000_000),
            Err(Invalid::Mismatch)
        );
        assert_eq!(
            ok("whsec_k", b"{\"id\":\"1.0\"}", 1_700_000_301),
            Err(Invalid::Stale)
        );
        assert_eq!(
            verify("whsec_k", "v1=00", b"", 0, 300),
            Err(Invalid::Malformed)
        );
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_time_dot_body() {
        let header = sign("Jefe", 0, b"what do ya want for nothing?");
        // HMAC-SHA256("Jefe", "0.what do ya want for nothing?"), computed independently
        // (Python: hmac.new(b"Jefe", b"0.what do ya want for nothing?", "sha256")).
        assert_eq!(
            header,
            "t=0,v1=37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc"
        );
    }

    /// The delivery shown in docs/webhooks.md is signed as that page says.
    #[test]
    fn the_documented_example_verifies() {
        let page = include_str!("../../../../docs/webhooks.md");
        let header = page
            .lines()
            .find_map(|l| l.strip_prefix("Megawatt-Signature: "))
            .expect("the example's signature");
        let body = page
            .lines()
            .find(|l| l.starts_with(r#"{"id":"1742.3""#))
            .expect("the example's body");
        let t: u64 = header[2..header.find(',').unwrap()].parse().unwrap();
        assert_eq!(
            verify("whsec_example", header, body.as_bytes(), t, 300),
            Ok(())
        );
    }
}
