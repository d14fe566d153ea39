//! Replaying the queue: how the answer to one replayed write is judged (applied, rejected for
//! good, or stop: the server cannot be reached, try again later).

use serde_json::{Map, Value};

use super::OpKind;
use crate::error::CrmError;

/// What to do after replaying one queued write.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// On the server: drop it from the queue.
    Applied(Value),
    /// No connection (or no session): stop here, keep it and everything after it.
    Stop(CrmError),
    /// Refused for good: keep it, report it, go on with the rest.
    Rejected(CrmError),
}

pub fn judge(result: Result<Value, CrmError>, kind: &OpKind) -> Outcome {
    match result {
        Ok(v) => Outcome::Applied(v),
        Err(e) if e.is_transient() || matches!(e, CrmError::NotSignedIn | CrmError::Timeout(_)) => {
            Outcome::Stop(e)
        }
        // Deleting what is already gone is done.
        Err(CrmError::Server {
            parse_code: crate::error::parse_code::OBJECT_NOT_FOUND,
            ref message,
        }) if matches!(kind, OpKind::Delete) && !message.starts_with("Permission denied") => {
            Outcome::Applied(Value::Object(Map::new()))
        }
        Err(e) if e.code() == "INVALID_SESSION" => Outcome::Stop(e),
        Err(e) => Outcome::Rejected(e),
    }
}
