//! What the API answers when it refuses: RFC 9457 problem details.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A problem: what went wrong, for machines (`type`, `code`) and people (`detail`).
/// Sent as `application/problem+json` with every 4xx and 5xx.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody {
    /// Stable URI of the problem type, `urn:megawatt:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What was wrong, naming the field and the rule.
    pub detail: String,
    /// Stable code (the `type` without its prefix).
    pub code: String,
    /// The field at fault, when there is one, as the request spelled it: a body field
    /// (`price`, `lines[0].gpus`), a query parameter (`limit`), a header
    /// (`Idempotency-Key`), or the path's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The same field as an RFC 6901 JSON pointer into the request body (`/price`,
    /// `/lines/0/gpus`; `""` for the whole body), when the field is in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Seconds to wait before retrying (429, 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
}
