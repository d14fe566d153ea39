//! The facts the client shares with the backend, checked against the backend's own files so
//! that each has one source: the closed vocabularies (`backend/crm-vocabulary.json`, which
//! Cloud Code reads) and the product schema (`backend/crm-schema.json`, from which
//! `backend/schema.js` builds the server's). A change on one side fails here until the other
//! follows.

use std::collections::BTreeSet;

use crm_core::schema::{self, FieldKind, Rule};
use crm_core::{ActivityType, Stage};
use serde_json::Value;

fn backend_json(file: &str) -> Value {
    let path = format!("{}/../../backend/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

#[test]
fn stages_and_activity_types_are_the_vocabularys() {
    let vocabulary = backend_json("crm-vocabulary.json");
    assert_eq!(
        strings(&vocabulary["stages"]),
        Stage::NAMES,
        "stages, in order"
    );
    assert_eq!(
        strings(&vocabulary["closedStages"]),
        Stage::CLOSED.iter().map(|s| s.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(strings(&vocabulary["activityTypes"]), ActivityType::NAMES);
    // The schema validates against the same lists.
    assert!(matches!(
        schema::DEAL.fields.iter().find(|f| f.name == "stage").map(|f| f.rule),
        Some(Rule::OneOf(names)) if names == Stage::NAMES
    ));
    assert!(matches!(
        schema::ACTIVITY.fields.iter().find(|f| f.name == "type").map(|f| f.rule),
        Some(Rule::OneOf(names)) if names == ActivityType::NAMES
    ));
}

/// Fields every Parse class has, which crm-schema.json may or may not list.
const SYSTEM: [&str; 4] = ["objectId", "createdAt", "updatedAt", "ACL"];
/// Fields of `_User` that Parse manages and the client never reads back.
const USER_PRIVATE: [&str; 1] = ["password"];

#[test]
fn the_schema_the_client_knows_is_the_backends() {
    let product = backend_json("crm-schema.json");
    let classes = product["classes"].as_array().expect("classes");
    let mut seen = BTreeSet::new();
    for class in classes {
        let name = class["className"].as_str().expect("className");
        seen.insert(name.to_owned());
        let client = schema::for_class(name)
            .unwrap_or_else(|| panic!("the client has no schema for {name}"));
        let mut fields: serde_json::Map<String, Value> =
            class["fields"].as_object().expect("fields").clone();
        // backend/schema.js adds Deal.createdBy (a deal is readable by its creator).
        if name == "Deal" {
            fields.insert(
                "createdBy".into(),
                serde_json::json!({"type": "Pointer", "targetClass": "_User"}),
            );
        }
        for (field, spec) in &fields {
            if SYSTEM.contains(&field.as_str())
                || (name == "_User" && USER_PRIVATE.contains(&field.as_str()))
            {
                continue;
            }
            let known = client
                .fields
                .iter()
                .find(|f| f.name == field)
                .unwrap_or_else(|| panic!("{name}.{field} is on the server, not in the client"));
            let server_type = spec["type"].as_str().expect("type");
            let target = spec["targetClass"].as_str();
            let agrees = match (known.kind, server_type) {
                (FieldKind::String, "String") | (FieldKind::Number, "Number") => true,
                (FieldKind::Date, "Date") => true,
                (FieldKind::Pointer(to), "Pointer") => target == Some(to),
                // A pointer to one of several classes: no targetClass; stored as an Object.
                (FieldKind::RelatedTo, "Pointer") => target.is_none(),
                // createdBy: a pointer the server sets from the session.
                (FieldKind::ServerManaged, "Pointer") => target == Some("_User"),
                _ => false,
            };
            assert!(
                agrees,
                "{name}.{field}: client {:?}, server {server_type} {target:?}",
                known.kind
            );
            if name != "_User" {
                let required = spec["required"].as_bool().unwrap_or(false);
                assert_eq!(
                    required,
                    known.rule == Rule::Required,
                    "{name}.{field}: required on one side only"
                );
            }
        }
        for f in client.fields {
            assert!(
                SYSTEM.contains(&f.name) || fields.contains_key(f.name),
                "{name}.{} is in the client, not on the server",
                f.name
            );
        }
    }
    for name in ["Company", "Contact", "Deal", "Activity", "_User"] {
        assert!(
            seen.contains(name),
            "{name} is missing from crm-schema.json"
        );
    }
}

/// A number in backend/rules.js's LIMITS, by its name.
fn backend_limit(name: &str) -> u64 {
    let path = format!("{}/../../backend/rules.js", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let at = text
        .find(&format!("  {name}: "))
        .unwrap_or_else(|| panic!("{name} is not in LIMITS"));
    let digits: String = text[at + name.len() + 4..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number"))
}

#[test]
fn pages_fit_the_backends_answer_limits() {
    assert_eq!(
        backend_limit("objectsPerAnswer"),
        u64::from(crm_core::query::OBJECTS_PER_ANSWER)
    );
    assert!(u64::from(crm_core::query::MAX_LIMIT) <= backend_limit("rowsPerRequest"));
}
