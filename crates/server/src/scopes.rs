//! API key scopes: what a key may do (`docs/api.md`, "Keys and scopes"). A key holds
//! some scopes, or every scope (`*`: the first keys, keys made before scopes existed,
//! and keys made without naming any). A request needs one scope, by its method and
//! path: reading (`GET`) needs `read`; reporting usage (`POST /v1/usage`) needs
//! `usage:report`; every other change needs `trade`; and managing keys (`/v1/keys`)
//! needs a key with every scope, so a key can never make a stronger one.

use axum::http::Method;

/// One scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Read what the key's participant may see.
    Read,
    /// Change the market or the account: orders, RFQs, quotes, contracts, facilities,
    /// webhooks, and the operator's operations.
    Trade,
    /// Report usage (`POST /v1/usage`): a metering agent's key.
    UsageReport,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Trade, Scope::UsageReport];

    /// `read`, `trade` or `usage:report`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Trade => "trade",
            Scope::UsageReport => "usage:report",
        }
    }

    /// What it allows, for people.
    pub fn meaning(self) -> &'static str {
        match self {
            Scope::Read => "read (GET) what the participant may see",
            Scope::Trade => {
                "change the market or the account: orders, RFQs, quotes, contracts, facilities, webhooks, the operator's operations"
            }
            Scope::UsageReport => "report usage (POST /v1/usage), and nothing else",
        }
    }

    /// The scope named `s`.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    fn bit(self) -> u8 {
        match self {
            Scope::Read => 1,
            Scope::Trade => 2,
            Scope::UsageReport => 4,
        }
    }
}

/// The scopes of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    /// Every scope, present and future, and the management of keys (`*`).
    pub const FULL: Scopes = Scopes(u8::MAX);

    /// These scopes only.
    pub fn of(list: &[Scope]) -> Scopes {
        Scopes(list.iter().fold(0, |b, s| b | s.bit()))
    }

    /// Whether the key holds `scope`.
    pub fn has(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// Whether the key holds every scope (and may manage keys).
    pub fn is_full(self) -> bool {
        self == Scopes::FULL
    }

    /// Whether every scope of `other` is also one of these.
    pub fn covers(self, other: Scopes) -> bool {
        self.is_full() || (!other.is_full() && other.0 & !self.0 == 0)
    }

    /// The scopes' names (`["*"]` for every scope).
    pub fn names(self) -> Vec<&'static str> {
        if self.is_full() {
            return vec!["*"];
        }
        Scope::ALL
            .into_iter()
            .filter(|s| self.has(*s))
            .map(Scope::as_str)
            .collect()
    }

    /// As stored: names by commas, `*` for every scope.
    pub fn text(self) -> String {
        self.names().join(",")
    }

    /// From [`Scopes::text`]; `None` when it is not one.
    pub fn parse_text(s: &str) -> Option<Scopes> {
        if s == "*" {
            return Some(Scopes::FULL);
        }
        let list = s.split(',').map(Scope::parse).collect::<Option<Vec<_>>>()?;
        Some(Scopes::of(&list))
    }
}

/// What a request needs of its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needed {
    /// This scope.
    One(Scope),
    /// Every scope: managing keys.
    Full,
}

/// What a request of `method` to `path` (the whole path, `/v1/...`) needs.
pub fn needed(method: &Method, path: &str) -> Needed {
    if path == "/v1/keys" || path.starts_with("/v1/keys/") {
        Needed::Full
    } else if method == Method::GET || method == Method::HEAD {
        Needed::One(Scope::Read)
    } else if path == "/v1/usage" {
        Needed::One(Scope::UsageReport)
    } else {
        Needed::One(Scope::Trade)
    }
}

/// Whether `scopes` allow what is `needed`.
pub fn allows(scopes: Scopes, needed: Needed) -> bool {
    match needed {
        Needed::One(s) => scopes.has(s),
        Needed::Full => scopes.is_full(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_need_the_scope_of_what_they_do() {
        let usage = Scopes::of(&[Scope::UsageReport]);
        assert!(allows(usage, needed(&Method::POST, "/v1/usage")));
        assert!(!allows(usage, needed(&Method::POST, "/v1/orders")));
        assert!(!allows(usage, needed(&Method::GET, "/v1/orders")));
        let read = Scopes::of(&[Scope::Read]);
        assert!(allows(
            read,
            needed(&Method::GET, "/v1/contracts/ctr-1/usage")
        ));
        assert!(!allows(read, needed(&Method::POST, "/v1/usage")));
        let all_three = Scopes::of(&Scope::ALL);
        assert!(!allows(all_three, needed(&Method::POST, "/v1/keys")));
        assert!(!allows(all_three, needed(&Method::GET, "/v1/keys")));
        assert!(allows(
            Scopes::FULL,
            needed(&Method::POST, "/v1/keys/mw_1234567/revoke")
        ));
    }

    #[test]
    fn scopes_read_back_as_stored_and_a_key_makes_no_stronger_one() {
        for s in [Scopes::FULL, Scopes::of(&[Scope::Read, Scope::UsageReport])] {
            assert_eq!(Scopes::parse_text(&s.text()), Some(s));
        }
        assert_eq!(
            Scopes::of(&[Scope::Read, Scope::UsageReport]).text(),
            "read,usage:report"
        );
        assert_eq!(Scopes::parse_text("read,admin"), None);
        assert_eq!(Scopes::parse_text(""), None);
        let read = Scopes::of(&[Scope::Read]);
        assert!(Scopes::FULL.covers(read) && read.covers(read));
        assert!(!read.covers(Scopes::FULL) && !read.covers(Scopes::of(&[Scope::Trade])));
    }
}
