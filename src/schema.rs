//! What the client knows of the server's schema: for each CRM class, which field holds which
//! kind of value. It drives the encoding of model JSON into Parse's wire format (dates and
//! pointers get their `__type`, server-managed fields are left out) and, later, the encoding of
//! query values.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{CrmError, Result};
use crate::models::{Activity, Company, Contact, Deal, User};
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

pub struct ClassSchema {
    pub class_name: &'static str,
    pub fields: &'static [(&'static str, FieldKind)],
}

use FieldKind as K;

const SYSTEM: [(&str, FieldKind); 4] = [
    ("createdAt", K::ServerManaged),
    ("updatedAt", K::ServerManaged),
    ("ACL", K::ServerManaged),
    ("createdBy", K::ServerManaged),
];

pub const COMPANY: ClassSchema = ClassSchema {
    class_name: Company::CLASS_NAME,
    fields: &[
        ("name", K::String),
        ("website", K::String),
        ("industry", K::String),
        ("address", K::String),
        ("notes", K::String),
        SYSTEM[0],
        SYSTEM[1],
        SYSTEM[2],
        SYSTEM[3],
    ],
};

pub const CONTACT: ClassSchema = ClassSchema {
    class_name: Contact::CLASS_NAME,
    fields: &[
        ("name", K::String),
        ("email", K::String),
        ("phone", K::String),
        ("company", K::Pointer("Company")),
        ("notes", K::String),
        SYSTEM[0],
        SYSTEM[1],
        SYSTEM[2],
        SYSTEM[3],
    ],
};

pub const DEAL: ClassSchema = ClassSchema {
    class_name: Deal::CLASS_NAME,
    fields: &[
        ("title", K::String),
        ("amount", K::Number),
        ("stage", K::String),
        ("contact", K::Pointer("Contact")),
        ("company", K::Pointer("Company")),
        ("expectedCloseDate", K::Date),
        ("notes", K::String),
        ("assignedTo", K::Pointer("_User")),
        SYSTEM[0],
        SYSTEM[1],
        SYSTEM[2],
        SYSTEM[3],
    ],
};

pub const ACTIVITY: ClassSchema = ClassSchema {
    class_name: Activity::CLASS_NAME,
    fields: &[
        ("type", K::String),
        ("subject", K::String),
        ("description", K::String),
        ("dueDate", K::Date),
        ("completedAt", K::Date),
        ("relatedTo", K::RelatedTo),
        SYSTEM[0],
        SYSTEM[1],
        SYSTEM[2],
        SYSTEM[3],
    ],
};

pub const USER: ClassSchema = ClassSchema {
    class_name: User::CLASS_NAME,
    fields: &[
        ("username", K::String),
        ("email", K::String),
        ("createdAt", K::ServerManaged),
        ("updatedAt", K::ServerManaged),
    ],
};

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

impl ClassSchema {
    pub fn kind(&self, field: &str) -> Option<FieldKind> {
        self.fields
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, k)| *k)
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
                let id = object_id_of(value)
                    .ok_or_else(|| bad("expected a pointer with an objectId"))?;
                Ok(Pointer::new(target, id).to_wire())
            }
            Some(K::RelatedTo) => {
                let class = value.get("className").and_then(Value::as_str);
                let id = object_id_of(value);
                match (class, id) {
                    (Some(c @ ("Contact" | "Deal")), Some(id)) => {
                        Ok(serde_json::json!({ "className": c, "objectId": id }))
                    }
                    _ => Err(bad(
                        "expected {className: \"Contact\" | \"Deal\", objectId}",
                    )),
                }
            }
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
        assert!(ACTIVITY
            .encode_value(
                "relatedTo",
                &json!({"className": "Company", "objectId": "x"})
            )
            .is_err());
        assert!(DEAL.encode_object(&json!([1]), true).is_err());
        assert_eq!(DEAL.encode_value("title", &json!("t")).unwrap(), json!("t"));
    }
}
