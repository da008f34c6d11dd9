//! Where a webhook may send: the URL's shape, and the addresses the server refuses to
//! connect to unless the operator allows them (loopback, private, link-local, shared,
//! unspecified, multicast, documentation and benchmarking ranges, and IPv6 forms of
//! them), so that a participant cannot turn the server against its own network. The
//! rule is applied to the URL when it is registered and to every address the host
//! name resolves to when a delivery connects (so a name that later resolves inward is
//! refused too).

use crate::limits::WEBHOOK_URL_BYTES_MAX;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a URL is refused: the rule and a sentence for people.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    /// `invalid_webhook_url` or `webhook_address_not_allowed`.
    pub rule: &'static str,
    /// What is wrong.
    pub detail: String,
}

fn invalid(detail: impl Into<String>) -> Refused {
    Refused {
        rule: "invalid_webhook_url",
        detail: detail.into(),
    }
}

/// True when the server may connect to `ip` without the operator's leave.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        // IPv4 inside IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, 6to4
        // `2002:aabb:ccdd::`) is judged as the IPv4 address it carries.
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if v6.is_loopback() || v6.is_unspecified() {
                false
            } else if let Some(v4) = v6.to_ipv4() {
                public_v4(v4)
            } else if s[0] == 0x2002 {
                let [a, b] = s[1].to_be_bytes();
                let [c, d] = s[2].to_be_bytes();
                public_v4(Ipv4Addr::new(a, b, c, d))
            } else {
                public_v6(v6)
            }
        }
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x2001 && ip.segments()[1] < 0x0200 // IETF special purpose, benchmarking
        || first == 0x0100 && ip.segments()[1..4] == [0, 0, 0] // discard
        || first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64 (an IPv4 inside)
}

/// A URL checked for registration: its scheme is http or https, it has a host (no
/// user or password), and a host that is an address literal (or `localhost`) is
/// refused when not public and `allow_private` is false.
pub fn check_url(raw: &str, allow_private: bool) -> Result<(), Refused> {
    if raw.len() > WEBHOOK_URL_BYTES_MAX {
        return Err(invalid(format!(
            "url: {} bytes, more than the {WEBHOOK_URL_BYTES_MAX} allowed",
            raw.len()
        )));
    }
    let uri: axum::http::Uri = raw
        .parse()
        .map_err(|e| invalid(format!("url: {raw:?} is not a URL ({e})")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(invalid(format!(
                "url: {raw:?} must start with https:// or http://"
            )));
        }
    }
    let Some(authority) = uri.authority() else {
        return Err(invalid(format!("url: {raw:?} has no host")));
    };
    if authority.as_str().contains('@') {
        return Err(invalid(
            "url: a user or password in the URL is not allowed (the signature authenticates deliveries)",
        ));
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(invalid(format!("url: {raw:?} has no host")));
    }
    if allow_private {
        return Ok(());
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let inward = match literal.parse::<IpAddr>() {
        Ok(ip) => !public(ip),
        Err(_) => {
            let name = literal.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if inward {
        return Err(Refused {
            rule: "webhook_address_not_allowed",
            detail: format!(
                "url: {host} is a loopback, private or otherwise internal address; the operator may allow such addresses (mw serve --webhooks-allow-private)"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::169.254.169.254",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2001:2::1",
            "100::1",
            "64:ff9b::a00:1",
        ] {
            assert!(!public(ip.parse().unwrap()), "{ip} counted as public");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "172.32.0.1",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
        ] {
            assert!(public(ip.parse().unwrap()), "{ip} counted as internal");
        }
    }

    #[test]
    fn urls_are_checked_for_shape_and_address() {
        let rule = |u: &str| check_url(u, false).err().map(|r| r.rule);
        assert_eq!(rule("https://hooks.example.com/megawatt"), None);
        assert_eq!(rule("http://93.184.216.34:8080/x"), None);
        assert_eq!(rule("ftp://example.com/"), Some("invalid_webhook_url"));
        assert_eq!(rule("example.com/hook"), Some("invalid_webhook_url"));
        assert_eq!(
            rule("https://user:pw@example.com/"),
            Some("invalid_webhook_url")
        );
        assert_eq!(rule("not a url"), Some("invalid_webhook_url"));
        for inward in [
            "http://127.0.0.1:9000/",
            "http://localhost/",
            "http://LOCALHOST./",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data",
            "https://10.0.0.5/",
        ] {
            assert_eq!(
                rule(inward),
                Some("webhook_address_not_allowed"),
                "{inward}"
            );
            assert_eq!(check_url(inward, true), Ok(()), "{inward} with leave");
        }
        let long = format!("https://example.com/{}", "a".repeat(WEBHOOK_URL_BYTES_MAX));
        assert_eq!(rule(&long), Some("invalid_webhook_url"));
    }
}
