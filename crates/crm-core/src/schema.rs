//! What the client knows of the server's schema: for each CRM class, which field holds which
//! kind of value and what values it accepts. It drives the encoding of model JSON into Parse's
//! wire format (dates and pointers get their `__type`, server-managed fields are left out), the
//! encoding of query values, and the checking and encoding of partial updates ([`Changes`]).

use std::collections::BTreeMap;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{CrmError, Result};
use crate::models::{
    is_plausible_email, Activity, ActivityType, Company, Contact, Deal, Stage, User,
};
use crate::wire::{IsoDate, ParseClass, Pointer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    String,
    Number,
    Date,
    /// A Parse Pointer to one class.
    Pointer(&'static str),
    /// `Activity.relatedTo`: `{className, objectId}` of a Contact or a Deal.
    RelatedTo,
    /// Written by the server only (timestamps, `createdBy`, `ACL`): never sent by the client.
    ServerManaged,
}

/// What a field's value must satisfy, beyond its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Any,
    /// Present and not blank.
    Required,
    /// A finite number >= 0.
    NonNegative,
    OneOf(&'static [&'static str]),
    Email,
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    pub rule: Rule,
}

const fn f(name: &'static str, kind: FieldKind, rule: Rule) -> Field {
    Field { name, kind, rule }
}

/// The longest text a string field may hold (64 KiB): a CRM field is never a file, and a
/// runaway paste should be refused before it is sent, stored offline or synced.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

pub struct ClassSchema {
    pub class_name: &'static str,
    pub fields: &'static [Field],
}

use FieldKind as K;

const CREATED_AT: Field = f("createdAt", K::ServerManaged, Rule::Any);
const UPDATED_AT: Field = f("updatedAt", K::ServerManaged, Rule::Any);
const ACL: Field = f("ACL", K::ServerManaged, Rule::Any);
const CREATED_BY: Field = f("createdBy", K::ServerManaged, Rule::Any);

pub const COMPANY: ClassSchema = ClassSchema {
    class_name: Company::CLASS_NAME,
    fields: &[
        f("name", K::String, Rule::Required),
        f("website", K::String, Rule::Any),
        f("industry", K::String, Rule::Any),
        f("address", K::String, Rule::Any),
        f("notes", K::String, Rule::Any),
        CREATED_BY,
        CREATED_AT,
        UPDATED_AT,
        ACL,
    ],
};

pub const CONTACT: ClassSchema = ClassSchema {
    class_name: Contact::CLASS_NAME,
    fields: &[
        f("name", K::String, Rule::Required),
        f("email", K::String, Rule::Email),
        f("phone", K::String, Rule::Any),
        f("company", K::Pointer("Company"), Rule::Any),
        f("notes", K::String, Rule::Any),
        CREATED_BY,
        CREATED_AT,
        UPDATED_AT,
        ACL,
    ],
};

pub const DEAL: ClassSchema = ClassSchema {
    class_name: Deal::CLASS_NAME,
    fields: &[
        f("title", K::String, Rule::Required),
        f("amount", K::Number, Rule::NonNegative),
        f("stage", K::String, Rule::OneOf(Stage::NAMES)),
        f("contact", K::Pointer("Contact"), Rule::Any),
        f("company", K::Pointer("Company"), Rule::Any),
        f("expectedCloseDate", K::Date, Rule::Any),
        f("notes", K::String, Rule::Any),
        f("lostReason", K::String, Rule::Any),
        f("assignedTo", K::Pointer("_User"), Rule::Any),
        CREATED_BY,
        CREATED_AT,
        UPDATED_AT,
        ACL,
    ],
};

pub const ACTIVITY: ClassSchema = ClassSchema {
    class_name: Activity::CLASS_NAME,
    fields: &[
        f("type", K::String, Rule::OneOf(ActivityType::NAMES)),
        f("subject", K::String, Rule::Any),
        f("description", K::String, Rule::Any),
        f("dueDate", K::Date, Rule::Any),
        f("completedAt", K::Date, Rule::Any),
        f("relatedTo", K::RelatedTo, Rule::Any),
        CREATED_BY,
        CREATED_AT,
        UPDATED_AT,
        ACL,
    ],
};

pub const USER: ClassSchema = ClassSchema {
    class_name: User::CLASS_NAME,
    fields: &[
        f("username", K::String, Rule::Required),
        f("email", K::String, Rule::Email),
        CREATED_AT,
        UPDATED_AT,
    ],
};

/// The schema of a class by its Parse name.
pub fn for_class(class_name: &str) -> Option<&'static ClassSchema> {
    if class_name == USER.class_name {
        return Some(&USER);
    }
    crate::class::CrmClass::from_name(class_name).map(crate::class::CrmClass::schema)
}

/// A model that has a schema entry.
pub trait HasSchema: ParseClass + Serialize {
    const SCHEMA: &'static ClassSchema;
}

impl HasSchema for Company {
    const SCHEMA: &'static ClassSchema = &COMPANY;
}
impl HasSchema for Contact {
    const SCHEMA: &'static ClassSchema = &CONTACT;
}
impl HasSchema for Deal {
    const SCHEMA: &'static ClassSchema = &DEAL;
}
impl HasSchema for Activity {
    const SCHEMA: &'static ClassSchema = &ACTIVITY;
}
impl HasSchema for User {
    const SCHEMA: &'static ClassSchema = &USER;
}

/// One field's new value in a partial update, read from JavaScript without losing anything:
/// `null` unsets the field, and a number stays an `f64` (serde_json would turn NaN into null,
/// which here would mean "delete the field").
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Unset,
    Number(f64),
    Value(Value),
}

/// A partial update: field name to new value.
pub type Changes = BTreeMap<String, Change>;

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct ChangeVisitor;
        impl<'de> Visitor<'de> for ChangeVisitor {
            type Value = Change;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field value, or null to unset it")
            }
            fn visit_unit<E>(self) -> std::result::Result<Change, E> {
                Ok(Change::Unset)
            }
            fn visit_none<E>(self) -> std::result::Result<Change, E> {
                Ok(Change::Unset)
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Change, E> {
                Ok(Change::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Change, E> {
                Ok(Change::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Change, E> {
                Ok(Change::Number(v as f64))
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<Change, E> {
                Ok(Change::Value(Value::Bool(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Change, E> {
                Ok(Change::Value(Value::String(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Change, E> {
                Ok(Change::Value(Value::String(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Change, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Change::Value)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<Change, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Change::Value)
            }
        }
        d.deserialize_any(ChangeVisitor)
    }
}

impl ClassSchema {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// An object given to be stored: each of its fields is one of the class's. The typed model
    /// would drop an unknown one (a typo, another class's field) without a word. A value that is
    /// not an object is left to the typed decoding to refuse.
    pub fn check_fields(&self, object: &Value) -> Result<()> {
        let Value::Object(fields) = object else {
            return Ok(());
        };
        match fields
            .keys()
            .find(|name| *name != "objectId" && self.field(name).is_none())
        {
            Some(name) => Err(CrmError::InvalidInput(format!(
                "{} has no field {name:?}",
                self.class_name
            ))),
            None => Ok(()),
        }
    }

    pub fn kind(&self, name: &str) -> Option<FieldKind> {
        self.field(name).map(|f| f.kind)
    }

    fn invalid(&self, field: &str, reason: impl Into<String>) -> CrmError {
        CrmError::invalid(self.class_name, field, reason)
    }

    /// Encodes one field's JS-shaped value into Parse's wire shape.
    pub fn encode_value(&self, field: &str, value: &Value) -> Result<Value> {
        let bad =
            |reason: &str| CrmError::InvalidInput(format!("{}.{field}: {reason}", self.class_name));
        match self.kind(field) {
            Some(K::Date) => {
                let date: IsoDate =
                    serde_json::from_value(value.clone()).map_err(|e| bad(&e.to_string()))?;
                Ok(date.to_wire())
            }
            Some(K::Pointer(target)) => {
                if value
                    .get("className")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c != target)
                {
                    return Err(bad(&format!("expected a pointer to {target}")));
                }
                let id = object_id_of(value)
                    .ok_or_else(|| bad("expected a pointer with an objectId"))?;
                Ok(Pointer::new(target, id).to_wire())
            }
            Some(K::RelatedTo) => {
                let class = value.get("className").and_then(Value::as_str);
                match (class, object_id_of(value)) {
                    (Some(c @ ("Contact" | "Deal")), Some(id)) => {
                        Ok(serde_json::json!({ "className": c, "objectId": id }))
                    }
                    _ => Err(bad(
                        "expected {className: \"Contact\" | \"Deal\", objectId}",
                    )),
                }
            }
            Some(K::String) => match value {
                Value::String(text) if text.len() > MAX_TEXT_BYTES => Err(self.invalid(
                    field,
                    format!("is longer than {MAX_TEXT_BYTES} bytes ({})", text.len()),
                )),
                _ => Ok(value.clone()),
            },
            _ => Ok(value.clone()),
        }
    }

    /// The body of a create or update: every client-writable field, in wire shape. `objectId` is
    /// kept on create (the client chooses ids) and dropped on update (it is in the URL).
    pub fn encode_object(
        &self,
        object: &Value,
        keep_object_id: bool,
    ) -> Result<Map<String, Value>> {
        let Value::Object(fields) = object else {
            return Err(CrmError::InvalidInput(format!(
                "{} must be an object",
                self.class_name
            )));
        };
        let mut body = Map::new();
        for (name, value) in fields {
            if name == "objectId" {
                if keep_object_id {
                    body.insert(name.clone(), value.clone());
                }
                continue;
            }
            match self.kind(name) {
                Some(K::ServerManaged) | None => continue,
                Some(_) if value.is_null() => continue,
                Some(_) => {
                    body.insert(name.clone(), self.encode_value(name, value)?);
                }
            }
        }
        Ok(body)
    }

    /// Checks a partial update field by field and encodes it with Parse operations:
    /// `null` becomes `{"__op":"Delete"}`, `{increment: n}` on a number `{"__op":"Increment"}`.
    pub fn encode_changes(&self, changes: &Changes) -> Result<Map<String, Value>> {
        if changes.is_empty() {
            return Err(CrmError::InvalidInput(format!(
                "no changes for {}",
                self.class_name
            )));
        }
        let mut body = Map::new();
        for (name, change) in changes {
            let field = match self.field(name) {
                Some(f) if f.kind != K::ServerManaged => f,
                Some(_) => return Err(self.invalid(name, "is set by the server")),
                None => {
                    return Err(CrmError::InvalidInput(format!(
                        "{} has no field {name:?}",
                        self.class_name
                    )))
                }
            };
            let encoded = match change {
                Change::Unset if field.rule == Rule::Required => {
                    return Err(CrmError::missing(self.class_name, name.as_str()));
                }
                Change::Unset => serde_json::json!({ "__op": "Delete" }),
                Change::Number(n) => {
                    self.check_number(field, *n)?;
                    serde_json::json!(n)
                }
                Change::Value(Value::Object(op))
                    if field.kind == K::Number && op.contains_key("increment") =>
                {
                    let by = op
                        .get("increment")
                        .and_then(Value::as_f64)
                        .filter(|n| n.is_finite());
                    let by =
                        by.ok_or_else(|| self.invalid(name, "increment must be a finite number"))?;
                    serde_json::json!({ "__op": "Increment", "amount": by })
                }
                Change::Value(v) => {
                    self.check_value(field, v)?;
                    self.encode_value(name, v)?
                }
            };
            body.insert(name.clone(), encoded);
        }
        Ok(body)
    }

    fn check_number(&self, field: &Field, n: f64) -> Result<()> {
        if field.kind != K::Number {
            return Err(CrmError::InvalidInput(format!(
                "{}.{}: expected {:?}, got a number",
                self.class_name, field.name, field.kind
            )));
        }
        if field.rule == Rule::NonNegative && (!n.is_finite() || n < 0.0) {
            return Err(self.invalid(field.name, "must be a finite number >= 0"));
        }
        Ok(())
    }

    fn check_value(&self, field: &Field, value: &Value) -> Result<()> {
        let name = field.name;
        if field.kind == K::String {
            let Some(text) = value.as_str() else {
                return Err(CrmError::InvalidInput(format!(
                    "{}.{name}: expected a string",
                    self.class_name
                )));
            };
            match field.rule {
                Rule::Required if text.trim().is_empty() => {
                    return Err(CrmError::missing(self.class_name, name))
                }
                Rule::OneOf(allowed) if !allowed.contains(&text) => {
                    return Err(self.invalid(name, format!("must be one of {}", allowed.join(", "))))
                }
                Rule::Email if !text.is_empty() && !is_plausible_email(text) => {
                    return Err(self.invalid(name, "is not a valid e-mail address"))
                }
                _ => {}
            }
        } else if field.kind == K::Number {
            return Err(CrmError::InvalidInput(format!(
                "{}.{name}: expected a number or {{increment}}",
                self.class_name
            )));
        }
        Ok(())
    }
}

fn object_id_of(value: &Value) -> Option<&str> {
    value
        .get("objectId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
}

/// Encodes a model for the server (see [`ClassSchema::encode_object`]).
pub fn to_wire<T: HasSchema>(object: &T, keep_object_id: bool) -> Result<Map<String, Value>> {
    let value = serde_json::to_value(object).map_err(|e| CrmError::InvalidInput(e.to_string()))?;
    T::SCHEMA.encode_object(&value, keep_object_id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_field_the_class_lacks_is_refused_by_name() {
        let deal = serde_json::json!({"objectId": "d1", "title": "Big", "colour": "red"});
        let err = DEAL.check_fields(&deal).unwrap_err();
        assert_eq!(err.code(), "INVALID_INPUT");
        assert!(err.to_string().contains("\"colour\""), "{err}");
        // Every field of the class, server-managed ones included (an object read, stored again).
        let read = serde_json::json!({"objectId": "d1", "title": "Big", "amount": 5, "stage": "won",
            "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
            "ACL": {}, "createdBy": {"className": "_User", "objectId": "u1"}});
        DEAL.check_fields(&read).unwrap();
        // Another class's field.
        assert!(CONTACT
            .check_fields(&serde_json::json!({"name": "Ann", "stage": "won"}))
            .is_err());
    }

    use super::*;
    use crate::models::{RelatedTo, Stage};
    use crate::wire::Ref;
    use serde_json::json;

    #[test]
    fn deal_encodes_dates_and_pointers_and_drops_server_fields() {
        let deal = Deal {
            object_id: Some("abc123".into()),
            title: "Big".into(),
            amount: Some(5.0),
            stage: Some(Stage::Qualified),
            company: Some(Ref::Object(Box::new(Company {
                object_id: Some("c1".into()),
                name: "Acme".into(),
                ..Default::default()
            }))),
            expected_close_date: IsoDate::parse("2026-12-01"),
            created_by: Some(Ref::to("forged")),
            created_at: IsoDate::parse("2020-01-01"),
            ..Default::default()
        };
        let body = Value::Object(to_wire(&deal, true).unwrap());
        assert_eq!(
            body,
            json!({
                "objectId": "abc123", "title": "Big", "amount": 5.0, "stage": "qualified",
                "company": {"__type": "Pointer", "className": "Company", "objectId": "c1"},
                "expectedCloseDate": {"__type": "Date", "iso": "2026-12-01T00:00:00.000Z"}
            })
        );
        let update = to_wire(&deal, false).unwrap();
        assert!(!update.contains_key("objectId"));
    }

    #[test]
    fn related_to_encodes_as_class_and_id() {
        let a = Activity {
            related_to: Some(RelatedTo::Contact(Ref::to("p1"))),
            ..Default::default()
        };
        let body = to_wire(&a, true).unwrap();
        assert_eq!(
            body["relatedTo"],
            json!({"className": "Contact", "objectId": "p1"})
        );
    }

    #[test]
    fn encoding_rejects_values_of_the_wrong_shape() {
        assert!(DEAL
            .encode_value("expectedCloseDate", &json!("soon"))
            .is_err());
        assert!(DEAL.encode_value("company", &json!("c1")).is_err());
        assert!(DEAL
            .encode_value("company", &json!({"className": "Deal", "objectId": "x"}))
            .is_err());
        assert!(ACTIVITY
            .encode_value(
                "relatedTo",
                &json!({"className": "Company", "objectId": "x"})
            )
            .is_err());
        assert!(DEAL.encode_object(&json!([1]), true).is_err());
        assert_eq!(DEAL.encode_value("title", &json!("t")).unwrap(), json!("t"));
    }

    fn changes(v: Value) -> Changes {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn changes_encode_to_parse_operations() {
        let body = DEAL
            .encode_changes(&changes(json!({
                "stage": "won", "amount": {"increment": 250}, "notes": null,
                "expectedCloseDate": "2027-01-15", "company": {"className": "Company", "objectId": "c9"}
            })))
            .unwrap();
        assert_eq!(
            Value::Object(body),
            json!({
                "stage": "won",
                "amount": {"__op": "Increment", "amount": 250.0},
                "notes": {"__op": "Delete"},
                "expectedCloseDate": {"__type": "Date", "iso": "2027-01-15T00:00:00.000Z"},
                "company": {"__type": "Pointer", "className": "Company", "objectId": "c9"}
            })
        );
        let set = DEAL
            .encode_changes(&changes(json!({"amount": 10})))
            .unwrap();
        assert_eq!(set["amount"], json!(10.0));
    }

    #[test]
    fn bad_changes_are_refused_field_by_field() {
        let code =
            |schema: &ClassSchema, v: Value| schema.encode_changes(&changes(v)).unwrap_err().code();
        assert_eq!(code(&DEAL, json!({"title": null})), "MISSING_FIELD");
        assert_eq!(code(&DEAL, json!({"title": " "})), "MISSING_FIELD");
        assert_eq!(code(&DEAL, json!({"amount": -1})), "INVALID_FIELD");
        assert_eq!(code(&DEAL, json!({"amount": "ten"})), "INVALID_INPUT");
        assert_eq!(
            code(&DEAL, json!({"amount": {"increment": "x"}})),
            "INVALID_FIELD"
        );
        assert_eq!(code(&DEAL, json!({"stage": "someday"})), "INVALID_FIELD");
        assert_eq!(
            code(
                &DEAL,
                json!({"createdBy": {"className": "_User", "objectId": "u"}})
            ),
            "INVALID_FIELD"
        );
        assert_eq!(code(&DEAL, json!({"nope": 1})), "INVALID_INPUT");
        assert_eq!(code(&DEAL, json!({"title": 5})), "INVALID_INPUT");
        assert_eq!(code(&DEAL, json!({})), "INVALID_INPUT");
        assert_eq!(code(&CONTACT, json!({"email": "nope"})), "INVALID_FIELD");
        assert_eq!(code(&ACTIVITY, json!({"type": "fax"})), "INVALID_FIELD");
        // NaN survives reading (it is not turned into null = delete) and is refused.
        let nan: Changes = BTreeMap::from([("amount".to_string(), Change::Number(f64::NAN))]);
        assert_eq!(
            DEAL.encode_changes(&nan).unwrap_err().code(),
            "INVALID_FIELD"
        );
    }
}
