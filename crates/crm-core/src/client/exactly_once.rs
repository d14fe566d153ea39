//! Exactly-once writes: every create carries a client-chosen objectId and every write an
//! `X-Parse-Request-Id` that is reused when the request is retried. Parse answers a repeated id
//! with 159 whether or not the first attempt succeeded, so a 159 (or, for a retried create,
//! 137 "duplicate value"; for a retried delete, 101) is confirmed by reading the object back
//! before it counts as applied.

use serde_json::{Map, Value};

use super::{Client, Platform};
use crate::error::{parse_code, CrmError, Result};
use crate::rest::{Method, Request};

impl<P: Platform> Client<P> {
    /// A write the server says it has seen: read the object back and decide whether the write
    /// is there. If it is, answer as the write would have; if not, the original error stands.
    pub(super) async fn confirm_replayed_write(
        &self,
        request: &Request,
        token: Option<&str>,
        err: CrmError,
    ) -> Result<Value> {
        match self.check_replayed_write(request, token).await {
            Replayed::Applied(answer) => Ok(answer),
            Replayed::Absent | Replayed::Unknown => Err(err),
        }
    }

    /// Reads the object a write was about and says whether the write is there.
    pub(super) async fn check_replayed_write(
        &self,
        request: &Request,
        token: Option<&str>,
    ) -> Replayed {
        let Some((class, id)) = class_and_id(request) else {
            return Replayed::Unknown;
        };
        let read = Request {
            method: Method::Get,
            path: format!("/classes/{class}/{id}"),
            params: Vec::new(),
            body: None,
            request_id: None,
            authenticated: true,
            replay: false,
            context: None,
        };
        let current = self.send_once(&read, token).await;
        let not_found = |r: &Result<Value>| {
            matches!(
                r,
                Err(CrmError::Server {
                    parse_code: parse_code::OBJECT_NOT_FOUND,
                    ..
                })
            )
        };
        match (request.method, current) {
            // Same id and the values this create sent: it is this write, not another object.
            (Method::Post, Ok(object)) if body_applied(request.body.as_ref(), &object) => {
                Replayed::Applied(pick(&object, &["objectId", "createdAt", "updatedAt"]))
            }
            (Method::Put, Ok(object)) if body_applied(request.body.as_ref(), &object) => {
                Replayed::Applied(pick(&object, &["updatedAt"]))
            }
            (Method::Delete, r) if not_found(&r) => Replayed::Applied(Value::Object(Map::new())),
            (Method::Post, r) if not_found(&r) => Replayed::Absent,
            (Method::Put, Ok(_)) => Replayed::Absent,
            _ => Replayed::Unknown,
        }
    }
}

/// What reading back the object of a replayed write showed.
pub(super) enum Replayed {
    /// The write is there; the answer it would have had.
    Applied(Value),
    /// The write is not there (no such object, or not the values it set).
    Absent,
    /// Cannot tell (the read failed, or the request names no object).
    Unknown,
}

/// Whether a write that never happened may be sent again under a new request id without any
/// risk of applying twice: a create (its client-chosen objectId is unique) or an update of
/// plain values (not Increment and the like).
pub(super) fn resendable(request: &Request) -> bool {
    match request.method {
        Method::Post => class_and_id(request).is_some(),
        Method::Put => matches!(&request.body, Some(Value::Object(fields))
            if fields.values().all(|v| v.get("__op").is_none())),
        _ => false,
    }
}

/// `(class, objectId)` of a `/classes/Class[/id]` request (the id of a create is in its body).
pub(super) fn class_and_id(request: &Request) -> Option<(String, String)> {
    let rest = request.path.strip_prefix("/classes/")?;
    match rest.split_once('/') {
        Some((class, id)) => Some((class.to_owned(), id.to_owned())),
        None => {
            let id = request.body.as_ref()?.get("objectId")?.as_str()?;
            Some((rest.to_owned(), id.to_owned()))
        }
    }
}

pub(super) fn pick(object: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .filter_map(|k| Some(((*k).to_owned(), object.get(*k)?.clone())))
            .collect(),
    )
}

/// Whether every plain value the write set is what the server now holds (operations such as
/// Increment cannot be checked this way and are taken as applied).
pub(super) fn body_applied(body: Option<&Value>, object: &Value) -> bool {
    let Some(Value::Object(fields)) = body else {
        return false;
    };
    fields.iter().all(|(k, v)| match v {
        Value::Object(op) if op.contains_key("__op") => {
            op.get("__op").and_then(Value::as_str) != Some("Delete") || object.get(k).is_none()
        }
        _ => object.get(k).is_some_and(|held| same_json(held, v)),
    })
}

/// JSON equality where numbers compare by value (the server answers `5` for a sent `5.0`).
pub(crate) fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}
