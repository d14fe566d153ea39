//! Stored records: what the local store keeps of an object: its JSON text, its index keys
//! (see [`super::plan`]) and its version, so that plans and refreshes read keys, not objects.

use serde_json::{Map, Value};

use super::plan::{index_keys, KEYS, VERSION};
use crate::class::CrmClass;

/// The property of a stored record that holds its object's JSON text.
pub const JSON: &str = "json";

/// The stored record of an object (JS shape): `{objectId, json, k: {index keys}, u: updatedAt
/// in ms}`. None without an objectId.
pub fn record(class: &str, object: &Value) -> Option<Map<String, Value>> {
    let id = object.get("objectId")?.as_str()?.to_owned();
    let mut rec = Map::new();
    rec.insert("objectId".into(), Value::String(id));
    rec.insert(JSON.into(), Value::String(object.to_string()));
    if let Some(class) = CrmClass::from_name(class) {
        rec.insert(
            KEYS.into(),
            Value::Object(index_keys(class.schema(), object)),
        );
    }
    if let Some(ms) = crate::live::machine::updated_at(object) {
        rec.insert(VERSION.into(), Value::from(ms));
    }
    Some(rec)
}
