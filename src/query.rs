//! Queries over one class, as data, and their compilation to Parse's REST parameters
//! (`where`, `order`, `limit`, `skip`, `keys`, `include`, `count`).
//!
//! Values are given in the JS shape (ISO strings for dates, `{className, objectId}` for
//! pointers) and encoded for the wire through the class's [`ClassSchema`], so a query on a date
//! or pointer field sends what Parse expects. Text searches escape user input (`\Q…\E`), so a
//! search string can never act as a regular expression.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{CrmError, Result};
use crate::schema::{ClassSchema, FieldKind};

/// One condition on one field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum Constraint {
    EqualTo {
        field: String,
        #[cfg_attr(target_arch = "wasm32", tsify(type = "QueryValue"))]
        value: Value,
    },
    NotEqualTo {
        field: String,
        #[cfg_attr(target_arch = "wasm32", tsify(type = "QueryValue"))]
        value: Value,
    },
    LessThan {
        field: String,
        #[cfg_attr(target_arch = "wasm32", tsify(type = "QueryValue"))]
        value: Value,
    },
    LessThanOrEqualTo {
        field: String,
        #[cfg_attr(target_arch = "wasm32", tsify(type = "QueryValue"))]
        value: Value,
    },
    GreaterThan {
        field: String,
        #[cfg_attr(target_arch = "wasm32", tsify(type = "QueryValue"))]
        value: Value,
    },
    GreaterThanOrEqualTo {
        field: String,
        #[cfg_attr(target_arch = "wasm32", tsify(type = "QueryValue"))]
        value: Value,
    },
    ContainedIn {
        field: String,
        #[cfg_attr(target_arch = "wasm32", tsify(type = "QueryValue[]"))]
        values: Vec<Value>,
    },
    NotContainedIn {
        field: String,
        #[cfg_attr(target_arch = "wasm32", tsify(type = "QueryValue[]"))]
        values: Vec<Value>,
    },
    Exists {
        field: String,
    },
    DoesNotExist {
        field: String,
    },
    StartsWith {
        field: String,
        text: String,
    },
    Contains {
        field: String,
        text: String,
    },
}

/// A query over one class. `order` holds field names, `-name` for descending (Parse's own
/// notation); `include` names pointer fields to fetch whole; `keys` selects fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Query {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub constraints: Vec<Constraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub order: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub include: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub keys: Vec<String>,
}

/// Parse's default page is 100; its hard upper bound on a page is configurable, 1000 is safe.
pub const MAX_LIMIT: u32 = 1000;

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn equal_to(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.constraints.push(Constraint::EqualTo {
            field: field.into(),
            value: value.into(),
        });
        self
    }

    pub fn ascending(mut self, field: &str) -> Self {
        self.order.push(field.into());
        self
    }

    pub fn descending(mut self, field: &str) -> Self {
        self.order.push(format!("-{field}"));
        self
    }

    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// The REST parameters for `GET /classes/<class>`, in a stable order.
    pub fn to_params(&self, schema: &ClassSchema) -> Result<Vec<(String, String)>> {
        let mut params = Vec::new();
        let where_ = self.compile_where(schema)?;
        if !where_.is_empty() {
            params.push(("where".into(), Value::Object(where_).to_string()));
        }
        if !self.order.is_empty() {
            for key in &self.order {
                check_field(schema, key.strip_prefix('-').unwrap_or(key))?;
            }
            params.push(("order".into(), self.order.join(",")));
        }
        if let Some(limit) = self.limit {
            if limit > MAX_LIMIT {
                return Err(CrmError::InvalidInput(format!(
                    "limit {limit} is above {MAX_LIMIT}"
                )));
            }
            params.push(("limit".into(), limit.to_string()));
        }
        if let Some(skip) = self.skip {
            params.push(("skip".into(), skip.to_string()));
        }
        if !self.keys.is_empty() {
            for key in &self.keys {
                check_path(schema, key)?;
            }
            params.push(("keys".into(), self.keys.join(",")));
        }
        if !self.include.is_empty() {
            for key in &self.include {
                match schema.kind(key.split('.').next().unwrap_or(key)) {
                    Some(FieldKind::Pointer(_)) | Some(FieldKind::ServerManaged) => {}
                    _ => {
                        return Err(CrmError::InvalidInput(format!(
                            "{}.{key} is not a pointer",
                            schema.class_name
                        )))
                    }
                }
            }
            params.push(("include".into(), self.include.join(",")));
        }
        Ok(params)
    }

    /// The `where` object: constraints on the same field merge into one operator map
    /// (`{"amount": {"$gt": 1, "$lt": 5}}`); an equality stands alone.
    pub fn compile_where(&self, schema: &ClassSchema) -> Result<Map<String, Value>> {
        let mut where_: Map<String, Value> = Map::new();
        for c in &self.constraints {
            let (field, op, operand) = compile_constraint(schema, c)?;
            match op {
                None => {
                    if where_.contains_key(field) {
                        return Err(CrmError::InvalidInput(format!(
                            "equalTo on {field} cannot be combined with other conditions on it"
                        )));
                    }
                    where_.insert(field.to_owned(), operand);
                }
                Some(op) => {
                    let entry = where_
                        .entry(field.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    let Value::Object(ops) = entry else {
                        return Err(CrmError::InvalidInput(format!(
                            "equalTo on {field} cannot be combined with other conditions on it"
                        )));
                    };
                    ops.insert(op.to_owned(), operand);
                }
            }
        }
        Ok(where_)
    }
}

fn check_field(schema: &ClassSchema, field: &str) -> Result<()> {
    match field {
        "objectId" | "createdAt" | "updatedAt" => Ok(()),
        _ if schema.kind(field).is_some() => Ok(()),
        _ => Err(CrmError::InvalidInput(format!(
            "{} has no field {field:?}",
            schema.class_name
        ))),
    }
}

fn check_path(schema: &ClassSchema, path: &str) -> Result<()> {
    check_field(schema, path.split('.').next().unwrap_or(path))
}

/// Quotes text for a Parse `$regex`: `\Q…\E` makes every character literal; a `\E` inside the
/// text is split so it cannot end the quote early.
pub fn quote_regex(text: &str) -> String {
    format!("\\Q{}\\E", text.replace("\\E", "\\E\\\\E\\Q"))
}

fn encode(schema: &ClassSchema, field: &str, value: &Value) -> Result<Value> {
    match field {
        "createdAt" | "updatedAt" => {
            let date: crate::wire::IsoDate = serde_json::from_value(value.clone())
                .map_err(|e| CrmError::InvalidInput(format!("{field}: {e}")))?;
            Ok(date.to_wire())
        }
        _ => schema.encode_value(field, value),
    }
}

fn compile_constraint<'a>(
    schema: &ClassSchema,
    c: &'a Constraint,
) -> Result<(&'a str, Option<&'static str>, Value)> {
    use Constraint as C;
    let (field, op, operand) = match c {
        C::EqualTo { field, value } => (field, None, encode(schema, field, value)?),
        C::NotEqualTo { field, value } => (field, Some("$ne"), encode(schema, field, value)?),
        C::LessThan { field, value } => (field, Some("$lt"), encode(schema, field, value)?),
        C::LessThanOrEqualTo { field, value } => {
            (field, Some("$lte"), encode(schema, field, value)?)
        }
        C::GreaterThan { field, value } => (field, Some("$gt"), encode(schema, field, value)?),
        C::GreaterThanOrEqualTo { field, value } => {
            (field, Some("$gte"), encode(schema, field, value)?)
        }
        C::ContainedIn { field, values } => {
            (field, Some("$in"), encode_all(schema, field, values)?)
        }
        C::NotContainedIn { field, values } => {
            (field, Some("$nin"), encode_all(schema, field, values)?)
        }
        C::Exists { field } => (field, Some("$exists"), Value::Bool(true)),
        C::DoesNotExist { field } => (field, Some("$exists"), Value::Bool(false)),
        C::StartsWith { field, text } => (
            field,
            Some("$regex"),
            Value::String(format!("^{}", quote_regex(text))),
        ),
        C::Contains { field, text } => (field, Some("$regex"), Value::String(quote_regex(text))),
    };
    check_path(schema, field)?;
    Ok((field.as_str(), op, operand))
}

fn encode_all(schema: &ClassSchema, field: &str, values: &[Value]) -> Result<Value> {
    values
        .iter()
        .map(|v| encode(schema, field, v))
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DEAL;
    use serde_json::json;

    fn params(q: &Query) -> Vec<(String, String)> {
        q.to_params(&DEAL).unwrap()
    }

    #[test]
    fn deals_by_stage_ordered_by_close_date() {
        let q = Query::new()
            .equal_to("stage", "qualified")
            .ascending("expectedCloseDate")
            .limit(50);
        assert_eq!(
            params(&q),
            vec![
                ("where".to_string(), r#"{"stage":"qualified"}"#.to_string()),
                ("order".to_string(), "expectedCloseDate".to_string()),
                ("limit".to_string(), "50".to_string()),
            ]
        );
    }

    #[test]
    fn range_conditions_on_one_field_merge_and_dates_are_encoded() {
        let q = Query {
            constraints: vec![
                Constraint::GreaterThanOrEqualTo {
                    field: "expectedCloseDate".into(),
                    value: json!("2026-01-01"),
                },
                Constraint::LessThan {
                    field: "expectedCloseDate".into(),
                    value: json!("2026-02-01T00:00:00Z"),
                },
                Constraint::ContainedIn {
                    field: "company".into(),
                    values: vec![json!({"className": "Company", "objectId": "c1"})],
                },
            ],
            ..Default::default()
        };
        let w = q.compile_where(&DEAL).unwrap();
        assert_eq!(
            Value::Object(w),
            json!({
                "expectedCloseDate": {
                    "$gte": {"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"},
                    "$lt": {"__type": "Date", "iso": "2026-02-01T00:00:00.000Z"}
                },
                "company": {"$in": [{"__type": "Pointer", "className": "Company", "objectId": "c1"}]}
            })
        );
    }

    #[test]
    fn text_search_is_never_a_regex() {
        assert_eq!(quote_regex("a.*b"), r"\Qa.*b\E");
        assert_eq!(quote_regex(r"x\Ey"), r"\Qx\E\\E\Qy\E");
        let q = Query {
            constraints: vec![Constraint::StartsWith {
                field: "title".into(),
                text: "(.*)".into(),
            }],
            ..Default::default()
        };
        assert_eq!(
            Value::Object(q.compile_where(&DEAL).unwrap()),
            json!({"title": {"$regex": r"^\Q(.*)\E"}})
        );
    }

    #[test]
    fn bad_queries_are_typed_errors() {
        let unknown = Query::new().equal_to("nope", 1);
        assert_eq!(
            unknown.to_params(&DEAL).unwrap_err().code(),
            "INVALID_INPUT"
        );
        let bad_order = Query::new().ascending("nope");
        assert!(bad_order.to_params(&DEAL).is_err());
        assert!(Query::new().limit(5000).to_params(&DEAL).is_err());
        let clash = Query {
            constraints: vec![
                Constraint::EqualTo {
                    field: "stage".into(),
                    value: json!("won"),
                },
                Constraint::NotEqualTo {
                    field: "stage".into(),
                    value: json!("lost"),
                },
            ],
            ..Default::default()
        };
        assert!(clash.compile_where(&DEAL).is_err());
        let bad_date = Query::new().equal_to("expectedCloseDate", "tomorrow");
        assert!(bad_date.to_params(&DEAL).is_err());
        let include_non_pointer = Query {
            include: vec!["title".into()],
            ..Default::default()
        };
        assert!(include_non_pointer.to_params(&DEAL).is_err());
    }
}
