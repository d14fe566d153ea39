//! The offline side of the client, without I/O: what a stored record looks like (with the
//! fields local queries use as indexes), which index a local query can use, the persisted queue
//! of writes made offline, how a replayed write's answer is judged, and how an update merges
//! with a server object that changed meanwhile.
//!
//! Exactly once: every queued write keeps the client objectId and `X-Parse-Request-Id` it was
//! made with, so a replay after a lost answer is recognised by the server (see
//! [`crate::client`] for how 159 / 137 answers are confirmed).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::same_json;
use crate::error::CrmError;
use crate::query::{Constraint, Query};
use crate::schema::{ClassSchema, FieldKind};

/// The indexes of each class's store: (index name = key path in the record).
pub fn indexes(class: &str) -> &'static [&'static str] {
    match class {
        "Deal" => &["stage", "updatedAt", "expectedCloseDate", "company"],
        "Contact" => &["company", "updatedAt"],
        "Activity" => &["relatedTo", "updatedAt"],
        _ => &["updatedAt"],
    }
}

/// The stored record of an object (JS shape): its JSON text, plus the indexed fields as
/// plain keys (pointers by objectId, dates as ISO text, which sorts like time).
pub fn record(class: &str, object: &Value) -> Option<Map<String, Value>> {
    let id = object.get("objectId")?.as_str()?.to_owned();
    let mut rec = Map::new();
    rec.insert("objectId".into(), Value::String(id));
    rec.insert("json".into(), Value::String(object.to_string()));
    for &field in indexes(class) {
        let v = match object.get(field) {
            Some(Value::Object(p)) => p.get("objectId").cloned(),
            Some(Value::Null) | None => None,
            Some(v) => Some(v.clone()),
        };
        if let Some(v) = v {
            rec.insert(field.into(), v);
        }
    }
    Some(rec)
}

/// The index a local query can narrow its candidates with: the first equality (or `$in`) on an
/// indexed field, and the keys to look up. Anything else scans the store.
pub fn index_plan(class: &str, query: &Query) -> Option<(&'static str, Vec<Value>)> {
    let key = |v: &Value| -> Value { v.get("objectId").cloned().unwrap_or_else(|| v.clone()) };
    for c in &query.constraints {
        let (field, values) = match c {
            Constraint::EqualTo { field, value } => (field, vec![key(value)]),
            Constraint::ContainedIn { field, values } => (field, values.iter().map(key).collect()),
            _ => continue,
        };
        if let Some(index) = indexes(class).iter().find(|i| **i == field.as_str()) {
            // Dates are matched by instant, not by text: let the evaluator do those.
            if *index != "updatedAt" && *index != "expectedCloseDate" {
                return Some((index, values));
            }
        }
    }
    None
}

/// A write made locally and not yet on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingOp {
    /// Order of replay.
    pub seq: u64,
    pub class_name: String,
    pub object_id: String,
    /// Kept for every replay, so the server recognises a repeat.
    pub request_id: String,
    pub kind: OpKind,
    /// Set when the server refused it for good; it stays in the queue until the app drops it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<OpError>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum OpKind {
    /// The wire body of the create, with its client-chosen objectId.
    Create {
        body: Map<String, Value>,
    },
    /// The wire body of the update (only the changed fields), and the values those fields had
    /// locally when the change was made (the base), to detect concurrent changes.
    Update {
        body: Map<String, Value>,
        base: Map<String, Value>,
    },
    Delete,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpError {
    pub code: String,
    pub message: String,
}

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

/// Who wins a field both this device and someone else changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum ConflictPolicy {
    /// The write being replayed is the last one: it wins (the default).
    #[default]
    LastWriterWins,
    /// The server's value stays; the local change to that field is dropped.
    ServerWins,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub class_name: String,
    pub object_id: String,
    pub field: String,
    /// What this device set.
    pub ours: Value,
    /// What the server holds (set by someone else since).
    pub theirs: Value,
    /// The value before either change.
    pub base: Value,
    pub policy: ConflictPolicy,
}

/// Merges a queued update with the server's current object (wire shape): fields the update did
/// not touch are not sent, so they keep the server's values; a field both sides changed follows
/// `policy` and is reported. Answers the body to send (maybe empty) and the conflicts.
pub fn merge_update(
    schema: &ClassSchema,
    object_id: &str,
    body: &Map<String, Value>,
    base: &Map<String, Value>,
    server: &Value,
    policy: ConflictPolicy,
) -> (Map<String, Value>, Vec<Conflict>) {
    let mut send = Map::new();
    let mut conflicts = Vec::new();
    for (field, ours) in body {
        let theirs = server.get(field).cloned().unwrap_or(Value::Null);
        let Some(was) = base.get(field) else {
            send.insert(field.clone(), ours.clone());
            continue;
        };
        let changed_there = !same_json(was, &theirs);
        let same_result = same_json(ours, &theirs);
        if changed_there && !same_result && !is_op(ours) {
            conflicts.push(Conflict {
                class_name: schema.class_name.to_owned(),
                object_id: object_id.to_owned(),
                field: field.clone(),
                ours: ours.clone(),
                theirs: theirs.clone(),
                base: was.clone(),
                policy,
            });
            if policy == ConflictPolicy::ServerWins {
                continue;
            }
        }
        send.insert(field.clone(), ours.clone());
    }
    (send, conflicts)
}

fn is_op(v: &Value) -> bool {
    v.get("__op").is_some()
}

/// The wire form of the base values of the fields an update touches, from the local object.
pub fn base_of(
    schema: &ClassSchema,
    local: Option<&Value>,
    body: &Map<String, Value>,
) -> Map<String, Value> {
    let mut base = Map::new();
    let Some(local) = local else { return base };
    for field in body.keys() {
        let v = match local.get(field) {
            None | Some(Value::Null) => Value::Null,
            Some(v) => match schema.kind(field) {
                Some(FieldKind::ServerManaged) | None => continue,
                _ => schema.encode_value(field, v).unwrap_or(Value::Null),
            },
        };
        base.insert(field.clone(), v);
    }
    base
}

/// Applies a wire update body to a local (JS-shape) object: plain values replace, Delete
/// removes, Increment adds; dates and pointers come back to the JS shape.
pub fn apply_update(local: &mut Value, body: &Map<String, Value>) {
    let Value::Object(obj) = local else { return };
    for (field, v) in body {
        match v.get("__op").and_then(Value::as_str) {
            Some("Delete") => {
                obj.remove(field);
            }
            Some("Increment") => {
                let by = v.get("amount").and_then(Value::as_f64).unwrap_or(0.0);
                let now = obj.get(field).and_then(Value::as_f64).unwrap_or(0.0);
                obj.insert(field.clone(), serde_json::json!(now + by));
            }
            _ => {
                obj.insert(field.clone(), to_js_shape(v));
            }
        }
    }
}

/// `{"__type":"Date","iso"}` -> the ISO text; `{"__type":"Pointer",…}` -> `{className, objectId}`.
pub fn to_js_shape(v: &Value) -> Value {
    match v.get("__type").and_then(Value::as_str) {
        Some("Date") => v.get("iso").cloned().unwrap_or(Value::Null),
        Some("Pointer") => {
            serde_json::json!({ "className": v.get("className"), "objectId": v.get("objectId") })
        }
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DEAL;
    use serde_json::json;

    #[test]
    fn records_carry_indexed_fields_as_plain_keys() {
        let deal = json!({"objectId": "d1", "title": "T", "stage": "won", "updatedAt": "2026-01-01T00:00:00.000Z",
                          "company": {"className": "Company", "objectId": "c1"}});
        let rec = Value::Object(record("Deal", &deal).unwrap());
        assert_eq!(rec["stage"], "won");
        assert_eq!(rec["company"], "c1");
        assert!(rec.get("expectedCloseDate").is_none());
        let back: Value = serde_json::from_str(rec["json"].as_str().unwrap()).unwrap();
        assert_eq!(back, deal);
        assert!(record("Deal", &json!({"title": "no id"})).is_none());
        let act = Value::Object(
            record(
                "Activity",
                &json!({"objectId": "a", "relatedTo": {"className": "Deal", "objectId": "d1"}}),
            )
            .unwrap(),
        );
        assert_eq!(act["relatedTo"], "d1");
    }

    #[test]
    fn local_queries_use_an_index_when_they_can() {
        let q = Query::new()
            .with(Constraint::GreaterThan {
                field: "amount".into(),
                value: json!(5),
            })
            .equal_to("stage", "won");
        assert_eq!(index_plan("Deal", &q), Some(("stage", vec![json!("won")])));
        let q = Query::new().equal_to("company", json!({"className": "Company", "objectId": "c1"}));
        assert_eq!(index_plan("Deal", &q), Some(("company", vec![json!("c1")])));
        let q = Query::new().with(Constraint::ContainedIn {
            field: "stage".into(),
            values: vec![json!("a"), json!("b")],
        });
        assert_eq!(index_plan("Deal", &q).map(|p| p.1.len()), Some(2));
        assert_eq!(
            index_plan("Deal", &Query::new().equal_to("title", "x")),
            None
        );
        assert_eq!(
            index_plan(
                "Deal",
                &Query::new().equal_to("expectedCloseDate", "2026-01-01")
            ),
            None
        );
    }

    #[test]
    fn ops_round_trip_through_storage() {
        let op = PendingOp {
            seq: 3,
            class_name: "Deal".into(),
            object_id: "d1".into(),
            request_id: "r1".into(),
            kind: OpKind::Update {
                body: json!({"stage": "won"}).as_object().unwrap().clone(),
                base: Map::new(),
            },
            rejected: None,
        };
        let text = serde_json::to_string(&op).unwrap();
        assert_eq!(serde_json::from_str::<PendingOp>(&text).unwrap(), op);
        assert!(serde_json::from_str::<PendingOp>("{\"seq\": 1}").is_err());
    }

    #[test]
    fn replay_outcomes() {
        let server = |code: i64, m: &str| {
            Err(CrmError::Server {
                parse_code: code,
                message: m.into(),
            })
        };
        assert!(matches!(
            judge(Ok(json!({})), &OpKind::Delete),
            Outcome::Applied(_)
        ));
        assert!(matches!(
            judge(Err(CrmError::Network("x".into())), &OpKind::Delete),
            Outcome::Stop(_)
        ));
        assert!(matches!(
            judge(server(101, "Object not found."), &OpKind::Delete),
            Outcome::Applied(_)
        ));
        assert!(matches!(
            judge(
                server(101, "Object not found."),
                &OpKind::Create { body: Map::new() }
            ),
            Outcome::Rejected(_)
        ));
        assert!(matches!(
            judge(server(142, "bad"), &OpKind::Delete),
            Outcome::Rejected(_)
        ));
        assert!(matches!(
            judge(server(209, "Invalid session token"), &OpKind::Delete),
            Outcome::Stop(_)
        ));
    }

    #[test]
    fn updates_merge_with_concurrent_server_changes() {
        let body = json!({"title": "ours", "amount": 10, "notes": "n"})
            .as_object()
            .unwrap()
            .clone();
        let base = json!({"title": "orig", "amount": 5, "notes": null})
            .as_object()
            .unwrap()
            .clone();
        // The server changed the title (conflict) and the stage (not ours: untouched).
        let server = json!({"title": "theirs", "amount": 5, "stage": "won"});
        let (send, conflicts) = merge_update(
            &DEAL,
            "d1",
            &body,
            &base,
            &server,
            ConflictPolicy::LastWriterWins,
        );
        assert_eq!(
            Value::Object(send),
            json!({"title": "ours", "amount": 10, "notes": "n"})
        );
        assert_eq!(conflicts.len(), 1);
        assert_eq!(
            (conflicts[0].field.as_str(), &conflicts[0].theirs),
            ("title", &json!("theirs"))
        );
        let (send, conflicts) = merge_update(
            &DEAL,
            "d1",
            &body,
            &base,
            &server,
            ConflictPolicy::ServerWins,
        );
        assert_eq!(Value::Object(send), json!({"amount": 10, "notes": "n"}));
        assert_eq!(conflicts.len(), 1);
        // Both sides made the same change: no conflict.
        let (_, conflicts) = merge_update(
            &DEAL,
            "d1",
            &body,
            &base,
            &json!({"title": "ours", "amount": 5}),
            ConflictPolicy::LastWriterWins,
        );
        assert!(conflicts.is_empty());
    }

    #[test]
    fn local_objects_follow_updates() {
        let mut local = json!({"objectId": "d1", "amount": 5, "notes": "x", "title": "t"});
        let body = json!({"amount": {"__op": "Increment", "amount": 2}, "notes": {"__op": "Delete"},
                          "expectedCloseDate": {"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"},
                          "company": {"__type": "Pointer", "className": "Company", "objectId": "c1"}});
        apply_update(&mut local, body.as_object().unwrap());
        assert_eq!(
            local,
            json!({"objectId": "d1", "amount": 7.0, "title": "t", "expectedCloseDate": "2026-01-01T00:00:00.000Z",
                                 "company": {"className": "Company", "objectId": "c1"}})
        );
        let base = base_of(
            &DEAL,
            Some(&json!({"title": "t", "company": {"className": "Company", "objectId": "c0"}})),
            body.as_object().unwrap(),
        );
        assert_eq!(
            base["company"],
            json!({"__type": "Pointer", "className": "Company", "objectId": "c0"})
        );
        assert_eq!(base["amount"], Value::Null);
    }
}
