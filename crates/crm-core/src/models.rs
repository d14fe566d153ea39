//! The typed CRM models — User, Company, Contact, Deal, Activity — exactly the fields of the
//! product's schema, plus `objectId`, `createdAt`, `updatedAt` and `ACL`, and the client-side
//! validation that runs before any request.
//!
//! Field names are Parse's (camelCase). Optional fields are `Option` and are left out of the
//! JSON when empty, so TypeScript sees them as `field?: T`; required fields (`title`, `name`,
//! `username`) must be present, and [`Validate::validate`] also refuses them blank.

use serde::{Deserialize, Serialize};

use crate::error::{CrmError, Result};
use crate::wire::{Acl, IsoDate, ParseClass, Pointer, Ref};

macro_rules! open_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        ///
        /// A value outside the known set (written by another client or a newer schema) is kept
        /// as `Other(text)`: it round-trips unchanged and is never dropped or turned into an
        /// error, so reading data can not fail on it. Writing one is refused by validation.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            Other(String),
        }

        impl $name {
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];
            /// The known values' text, in order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                // Borrowed when the input allows: known values then cost no allocation.
                let text = crate::wire::BorrowedOrOwned::deserialize(d)?;
                Ok($name::from(text.0.as_ref()))
            }
        }
    };
}

open_enum! {
    /// A deal's pipeline stage, in pipeline order.
    Stage {
        Lead => "lead",
        Qualified => "qualified",
        Proposal => "proposal",
        Negotiation => "negotiation",
        Won => "won",
        Lost => "lost",
    }
}

impl Stage {
    /// The stages where a deal is closed (no longer overdue, counted in the win rate).
    pub const CLOSED: &'static [Stage] = &[Stage::Won, Stage::Lost];

    pub fn is_closed(&self) -> bool {
        Self::CLOSED.contains(self)
    }
}

open_enum! {
    /// What kind of activity was logged.
    ActivityType {
        Call => "call",
        Email => "email",
        Meeting => "meeting",
        Note => "note",
    }
}

/// Declares a model: camelCase names, optional fields left out when empty (its TypeScript
/// declaration is in `ts/crm-core.d.ts`, checked by a test). Every model gets `objectId`, `createdAt`
/// and `updatedAt`; CRM classes also get the server-managed `createdBy` (set by Cloud Code from
/// the session; a client value is ignored) and `ACL`.
macro_rules! model {
    (@struct $(#[$doc:meta])* $class:literal, $name:ident { $($body:tt)* } { $($tail:tt)* }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub object_id: Option<String>,
            $($body)*
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub created_at: Option<IsoDate>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub updated_at: Option<IsoDate>,
            $($tail)*
        }

        impl ParseClass for $name {
            const CLASS_NAME: &'static str = $class;
            fn object_id(&self) -> Option<&str> {
                self.object_id.as_deref()
            }
        }
    };
    (user: $(#[$doc:meta])* $class:literal, $name:ident { $($body:tt)* }) => {
        model!(@struct $(#[$doc])* $class, $name { $($body)* } {});
    };
    (crm: $(#[$doc:meta])* $class:literal, $name:ident { $($body:tt)* }) => {
        model!(@struct $(#[$doc])* $class, $name { $($body)* } {
            /// Set by the server from the session; a value sent by a client is ignored.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub created_by: Option<Ref<User>>,
            #[serde(rename = "ACL", default, skip_serializing_if = "Option::is_none")]
            pub acl: Option<Acl>,
        });
    };
}

model! {
    user:
    /// A signed-up user (Parse's `_User`). `email` is only visible to the user themself.
    "_User", User {
        pub username: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub email: Option<String>,
    }
}

model! {
    crm:
    /// A customer organisation.
    "Company", Company {
        pub name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub website: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub industry: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub address: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub notes: Option<String>,
    }
}

model! {
    crm:
    /// A person, usually at a company.
    "Contact", Contact {
        pub name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub email: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub phone: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub company: Option<Ref<Company>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub notes: Option<String>,
    }
}

model! {
    crm:
    /// An opportunity in the sales pipeline. `createdBy` is not in the product schema: the
    /// backend records who created a deal, because the creator keeps access when the deal is
    /// assigned to someone else.
    "Deal", Deal {
        pub title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub amount: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub stage: Option<Stage>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub contact: Option<Ref<Contact>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub company: Option<Ref<Company>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub expected_close_date: Option<IsoDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub notes: Option<String>,
        /// Why a deal was lost (asked for when it moves to `lost`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub lost_reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub assigned_to: Option<Ref<User>>,
    }
}

model! {
    crm:
    /// A call, e-mail, meeting or note, related to a contact or a deal.
    "Activity", Activity {
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        pub activity_type: Option<ActivityType>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub subject: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub due_date: Option<IsoDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub completed_at: Option<IsoDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub related_to: Option<RelatedTo>,
    }
}

/// What an activity is about: a contact or a deal.
///
/// A Parse Pointer column is bound to one class, so the backend stores this field as an object
/// `{className, objectId}` and Cloud Code checks the class and that the target exists. The JSON
/// shape is the same both ways; a `__type: "Pointer"` from older clients is accepted too.
#[derive(Clone, Debug, PartialEq)]
pub enum RelatedTo {
    Contact(Ref<Contact>),
    Deal(Ref<Deal>),
}

impl RelatedTo {
    pub fn pointer(&self) -> Option<Pointer> {
        let (class, id) = match self {
            RelatedTo::Contact(r) => (Contact::CLASS_NAME, r.object_id()),
            RelatedTo::Deal(r) => (Deal::CLASS_NAME, r.object_id()),
        };
        id.map(|id| Pointer::new(class, id))
    }
}

impl Serialize for RelatedTo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            RelatedTo::Contact(r) => r.serialize(s),
            RelatedTo::Deal(r) => r.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for RelatedTo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        match value.get("className").and_then(serde_json::Value::as_str) {
            Some("Contact") => serde_json::from_value(value)
                .map(RelatedTo::Contact)
                .map_err(D::Error::custom),
            Some("Deal") => serde_json::from_value(value)
                .map(RelatedTo::Deal)
                .map_err(D::Error::custom),
            Some(other) => Err(D::Error::custom(format!(
                "relatedTo must point to a Contact or a Deal, not {other}"
            ))),
            None => Err(D::Error::custom(
                "relatedTo needs a className (Contact or Deal)",
            )),
        }
    }
}

/// Client-side checks run before anything is sent.
pub trait Validate {
    fn validate(&self) -> Result<()>;
}

fn require(class: &str, field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(CrmError::missing(class, field));
    }
    Ok(())
}

fn invalid(class: &str, field: &str, reason: impl Into<String>) -> CrmError {
    CrmError::invalid(class, field, reason)
}

/// Deliberately loose: one `@`, something before it, a dot in the domain, no spaces. The server
/// is the judge of deliverability; this only catches typing slips before a round trip.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

fn check_object_id(class: &'static str, id: &Option<String>) -> Result<()> {
    match id {
        Some(id)
            if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Err(invalid(
                class,
                "objectId",
                "must be 1 to 64 letters or digits",
            ))
        }
        _ => Ok(()),
    }
}

impl Validate for User {
    fn validate(&self) -> Result<()> {
        require("_User", "username", &self.username)?;
        match &self.email {
            None => Err(CrmError::missing("_User", "email")),
            Some(e) if !is_plausible_email(e) => {
                Err(invalid("_User", "email", "is not a valid e-mail address"))
            }
            Some(_) => Ok(()),
        }
    }
}

impl Validate for Company {
    fn validate(&self) -> Result<()> {
        check_object_id("Company", &self.object_id)?;
        require("Company", "name", &self.name)
    }
}

impl Validate for Contact {
    fn validate(&self) -> Result<()> {
        check_object_id("Contact", &self.object_id)?;
        require("Contact", "name", &self.name)?;
        match &self.email {
            Some(e) if !e.is_empty() && !is_plausible_email(e) => {
                Err(invalid("Contact", "email", "is not a valid e-mail address"))
            }
            _ => Ok(()),
        }
    }
}

impl Validate for Deal {
    fn validate(&self) -> Result<()> {
        check_object_id("Deal", &self.object_id)?;
        require("Deal", "title", &self.title)?;
        if let Some(amount) = self.amount {
            if !amount.is_finite() || amount < 0.0 {
                return Err(invalid("Deal", "amount", "must be a finite number >= 0"));
            }
        }
        if let Some(stage) = &self.stage {
            if !stage.is_known() {
                return Err(invalid(
                    "Deal",
                    "stage",
                    format!("unknown stage {:?}", stage.as_str()),
                ));
            }
        }
        Ok(())
    }
}

impl Validate for Activity {
    fn validate(&self) -> Result<()> {
        check_object_id("Activity", &self.object_id)?;
        if let Some(t) = &self.activity_type {
            if !t.is_known() {
                return Err(invalid(
                    "Activity",
                    "type",
                    format!("unknown activity type {:?}", t.as_str()),
                ));
            }
        }
        if let Some(rel) = &self.related_to {
            if rel.pointer().is_none() {
                return Err(invalid(
                    "Activity",
                    "relatedTo",
                    "the related object has no objectId yet",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stage_keeps_unknown_values() {
        let s: Stage = serde_json::from_value(json!("on-hold")).unwrap();
        assert_eq!(s, Stage::Other("on-hold".into()));
        assert_eq!(serde_json::to_value(&s).unwrap(), json!("on-hold"));
        let known: Stage = serde_json::from_value(json!("negotiation")).unwrap();
        assert_eq!(known, Stage::Negotiation);
        assert_eq!(Stage::KNOWN.len(), 6);
        assert!(serde_json::from_value::<Stage>(json!(3)).is_err());
    }

    #[test]
    fn deal_decodes_wire_json_with_included_pointer() {
        let wire = json!({
            "objectId": "d1", "title": "Renewal", "amount": 1200.5, "stage": "proposal",
            "expectedCloseDate": {"__type": "Date", "iso": "2026-12-01T00:00:00.000Z"},
            "company": {"__type": "Object", "className": "Company", "objectId": "c1", "name": "Acme",
                        "createdAt": "2026-01-01T00:00:00.000Z"},
            "contact": {"__type": "Pointer", "className": "Contact", "objectId": "p1"},
            "assignedTo": {"__type": "Pointer", "className": "_User", "objectId": "u1"},
            "createdAt": "2026-11-01T10:00:00.000Z", "updatedAt": "2026-11-02T10:00:00.000Z",
            "ACL": {"u1": {"read": true, "write": true}},
            "someFutureField": [1, 2, 3]
        });
        let deal: Deal = serde_json::from_value(wire).unwrap();
        assert_eq!(deal.stage, Some(Stage::Proposal));
        assert_eq!(
            deal.company
                .as_ref()
                .and_then(Ref::object)
                .map(|c| c.name.as_str()),
            Some("Acme")
        );
        assert_eq!(deal.contact, Some(Ref::to("p1")));
        assert_eq!(
            deal.assigned_to.as_ref().and_then(Ref::object_id),
            Some("u1")
        );
        assert_eq!(
            deal.expected_close_date.map(|d| d.to_string()).as_deref(),
            Some("2026-12-01T00:00:00.000Z")
        );
        assert!(deal.acl.as_ref().is_some_and(|a| a.can_write("u1")));

        // The JS shape: dates as ISO strings, pointers without __type, included objects tagged
        // with their className.
        let js = serde_json::to_value(&deal).unwrap();
        assert_eq!(js["expectedCloseDate"], json!("2026-12-01T00:00:00.000Z"));
        assert_eq!(
            js["contact"],
            json!({"className": "Contact", "objectId": "p1"})
        );
        assert_eq!(js["company"]["className"], json!("Company"));
        assert_eq!(js["company"]["name"], json!("Acme"));
        assert!(
            js.get("notes").is_none(),
            "empty optional fields are left out"
        );
        let back: Deal = serde_json::from_value(js).unwrap();
        assert_eq!(back, deal);
    }

    #[test]
    fn pointer_to_the_wrong_class_is_an_error_not_a_panic() {
        let wire = json!({"title": "x", "company": {"__type": "Pointer", "className": "Deal", "objectId": "z"}});
        let err = serde_json::from_value::<Deal>(wire)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Company"), "{err}");
        assert!(serde_json::from_value::<Deal>(json!({"title": "x", "company": "c1"})).is_err());
        assert!(serde_json::from_value::<Deal>(
            json!({"title": "x", "company": {"className": "Company"}})
        )
        .is_err());
    }

    #[test]
    fn related_to_is_a_typed_union() {
        let a: Activity = serde_json::from_value(json!({
            "type": "call", "relatedTo": {"className": "Deal", "objectId": "d1"}
        }))
        .unwrap();
        assert_eq!(a.related_to, Some(RelatedTo::Deal(Ref::to("d1"))));
        let c: Activity = serde_json::from_value(json!({
            "type": "visit", "relatedTo": {"__type": "Pointer", "className": "Contact", "objectId": "p9"}
        }))
        .unwrap();
        assert_eq!(c.related_to, Some(RelatedTo::Contact(Ref::to("p9"))));
        assert_eq!(c.activity_type, Some(ActivityType::Other("visit".into())));
        assert!(serde_json::from_value::<Activity>(
            json!({"relatedTo": {"className": "Company", "objectId": "x"}})
        )
        .is_err());
        assert!(
            serde_json::from_value::<Activity>(json!({"relatedTo": {"objectId": "x"}})).is_err()
        );
    }

    #[test]
    fn validation_catches_bad_input_before_sending() {
        let ok = Deal {
            title: "Deal".into(),
            amount: Some(10.0),
            stage: Some(Stage::Lead),
            ..Default::default()
        };
        assert_eq!(ok.validate(), Ok(()));
        assert!(
            serde_json::from_value::<Deal>(json!({"amount": 1})).is_err(),
            "title is required"
        );
        let code = |d: Deal| d.validate().unwrap_err().code();
        assert_eq!(
            code(Deal {
                title: "  ".into(),
                ..ok.clone()
            }),
            "MISSING_FIELD"
        );
        assert_eq!(
            code(Deal {
                amount: Some(f64::NAN),
                ..ok.clone()
            }),
            "INVALID_FIELD"
        );
        assert_eq!(
            code(Deal {
                amount: Some(f64::INFINITY),
                ..ok.clone()
            }),
            "INVALID_FIELD"
        );
        assert_eq!(
            code(Deal {
                amount: Some(-1.0),
                ..ok.clone()
            }),
            "INVALID_FIELD"
        );
        assert_eq!(
            code(Deal {
                stage: Some(Stage::Other("x".into())),
                ..ok.clone()
            }),
            "INVALID_FIELD"
        );
        assert_eq!(
            code(Deal {
                object_id: Some("bad id!".into()),
                ..ok.clone()
            }),
            "INVALID_FIELD"
        );

        let contact = |email: &str| Contact {
            name: "Ann".into(),
            email: Some(email.into()),
            ..Default::default()
        };
        assert!(contact("ann@example.com").validate().is_ok());
        assert!(contact("").validate().is_ok());
        for bad in [
            "ann",
            "ann@",
            "@x.com",
            "ann@x",
            "a b@x.com",
            "a@b@c.com",
            "ann@x..com",
        ] {
            assert_eq!(
                contact(bad).validate().unwrap_err().code(),
                "INVALID_FIELD",
                "{bad}"
            );
        }
        assert_eq!(
            Company::default().validate().unwrap_err(),
            CrmError::missing("Company", "name")
        );
        let activity = Activity {
            activity_type: Some(ActivityType::Other("fax".into())),
            ..Default::default()
        };
        assert_eq!(activity.validate().unwrap_err().code(), "INVALID_FIELD");
    }
}
