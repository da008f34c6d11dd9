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
}
