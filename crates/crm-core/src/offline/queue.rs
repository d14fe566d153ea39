//! The queue of writes made offline: each keeps the client objectId and request id it was
//! made with (so a replay is recognised by the server), and what an update does to the local
//! copy meanwhile.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

/// On the wire `{"type": "create", "body": …}`: serde's internally tagged form for writing, read
/// by hand (serde's derived reader for it buffers through a generic `Content` tree).
#[derive(Clone, Debug, PartialEq, Serialize)]
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

impl<'de> Deserialize<'de> for OpKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::query::take_field;
        let mut map = Map::<String, Value>::deserialize(d)?;
        let kind: String = take_field(&mut map, "type").map_err(serde::de::Error::custom)?;
        let kind = match kind.as_str() {
            "create" => take_field(&mut map, "body").map(|body| OpKind::Create { body }),
            "update" => take_field(&mut map, "body").and_then(|body| {
                Ok(OpKind::Update {
                    body,
                    base: take_field(&mut map, "base")?,
                })
            }),
            "delete" => Ok(OpKind::Delete),
            other => Err(serde::de::Error::unknown_variant(
                other,
                &["create", "update", "delete"],
            )),
        };
        kind.map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpError {
    pub code: String,
    pub message: String,
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
mod wire_tests {
    use super::OpKind;
    use serde_json::json;

    #[test]
    fn op_kinds_read_back_what_they_write_and_bad_ones_are_errors() {
        let body = json!({"title": "x"}).as_object().unwrap().clone();
        for kind in [
            OpKind::Create { body: body.clone() },
            OpKind::Update {
                body: body.clone(),
                base: serde_json::Map::new(),
            },
            OpKind::Delete,
        ] {
            let text = serde_json::to_string(&kind).unwrap();
            assert_eq!(
                serde_json::from_str::<OpKind>(&text).unwrap(),
                kind,
                "{text}"
            );
        }
        let read = |v| serde_json::from_value::<OpKind>(v).map_err(|e| e.to_string());
        assert_eq!(
            read(json!({"type": "delete", "body": 1})),
            Ok(OpKind::Delete)
        );
        assert_eq!(
            read(json!({"type": "update", "body": {}})),
            Err("missing field `base`".into())
        );
        assert!(read(json!({"type": "upsert"}))
            .unwrap_err()
            .starts_with("unknown variant `upsert`"));
        assert_eq!(read(json!({})), Err("missing field `type`".into()));
    }
}
