//! Merging a queued update with the server's current object: untouched fields keep the
//! server's values, a field both sides changed follows the [`ConflictPolicy`] and is reported.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::same_json;
use crate::schema::{ClassSchema, FieldKind};

/// Who wins a field both this device and someone else changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
