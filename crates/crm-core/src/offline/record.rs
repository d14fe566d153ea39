//! Stored records: what the local store keeps of an object (its JSON text plus the indexed
//! fields as plain keys), and which index a local query can narrow its candidates with.

use serde_json::{Map, Value};

use crate::query::{Constraint, Query};

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
