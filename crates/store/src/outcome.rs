//! `Outcome`: what a command came to, in a form that can be stored and sent back to a
//! retried request unchanged.

use megawatt_engine::Rejection;
use megawatt_engine::event::Event;
use serde::{Deserialize, Serialize};

/// The result of one submitted command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Accepted at journal position `seq`, with its events.
    Accepted {
        /// Journal sequence number.
        seq: u64,
        /// The events.
        events: Vec<Event>,
    },
    /// Refused; nothing changed.
    Rejected {
        /// The rule's stable code.
        rule: String,
        /// The field at fault.
        field: String,
        /// A sentence naming the values.
        detail: String,
    },
    /// A stored answer this version cannot read: it was written by an older version
    /// whose events had another shape. The request was carried out (accepted at `seq`,
    /// when that much can be read), but its answer cannot be given again. Made only
    /// when reading (`from_stored`), never stored.
    Unreadable {
        /// The journal position it was accepted at, if known.
        seq: Option<u64>,
    },
}

impl Outcome {
    /// The outcome of a rejection.
    pub fn rejected(r: &Rejection) -> Outcome {
        Outcome::Rejected {
            rule: r.rule.code().to_string(),
            field: r.field_path(),
            detail: r.detail.clone(),
        }
    }

    /// Encodes for storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("serializing to a Vec cannot fail")
    }

    /// Decodes from storage.
    pub fn from_bytes(bytes: &[u8]) -> Option<Outcome> {
        postcard::from_bytes(bytes).ok()
    }

    /// Decodes a stored answer; one whose events this version cannot decode is
    /// `Unreadable`, with its journal position read from the head of the bytes (the
    /// variant's index, then `seq`, as postcard writes them).
    pub fn from_stored(bytes: &[u8]) -> Outcome {
        // Postcard does not describe itself: bytes of another shape may still decode,
        // into other values. An answer is read only when it is exactly what this
        // version writes for it.
        if let Some(outcome) = Outcome::from_bytes(bytes)
            && outcome.to_bytes() == bytes
        {
            return outcome;
        }
        let seq = match postcard::take_from_bytes::<u32>(bytes) {
            Ok((0, rest)) => postcard::take_from_bytes::<u64>(rest).ok().map(|(s, _)| s),
            _ => None,
        };
        Outcome::Unreadable { seq }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_read_only_when_it_is_what_this_version_writes() {
        let answer = Outcome::Accepted {
            seq: 7,
            events: vec![],
        };
        assert_eq!(Outcome::from_stored(&answer.to_bytes()), answer);
        // Bytes of another shape that still decode (here: one more at the end) are not
        // taken for this version's answer.
        let mut longer = answer.to_bytes();
        longer.push(0);
        assert_eq!(
            Outcome::from_stored(&longer),
            Outcome::Unreadable { seq: Some(7) }
        );
    }
}
