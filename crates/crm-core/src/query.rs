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
use crate::schema::{ClassSchema, FieldKind, Rule};

/// One condition on one field. On the wire `{"op": "equalTo", "field": …, "value": …}`: serde's
/// internally tagged form for writing; read by hand ([`Constraint::from_map`]), not by serde's
/// buffering deserializer, which cost the package about 150 KB of wasm in generic copies.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Constraint {
    EqualTo {
        field: String,
        value: Value,
    },
    NotEqualTo {
        field: String,
        value: Value,
    },
    LessThan {
        field: String,
        value: Value,
    },
    LessThanOrEqualTo {
        field: String,
        value: Value,
    },
    GreaterThan {
        field: String,
        value: Value,
    },
    GreaterThanOrEqualTo {
        field: String,
        value: Value,
    },
    ContainedIn {
        field: String,
        values: Vec<Value>,
    },
    NotContainedIn {
        field: String,
        values: Vec<Value>,
    },
    Exists {
        field: String,
    },
    DoesNotExist {
        field: String,
    },
    /// Text fields: `text` is literal (never a pattern). `caseInsensitive` folds ASCII letters
    /// only, as the server's PostgreSQL does in its C locale (`~*`): "É" does not match "é".
    StartsWith {
        field: String,
        text: String,
        #[serde(
            default,
            rename = "caseInsensitive",
            skip_serializing_if = "std::ops::Not::not"
        )]
        case_insensitive: bool,
    },
    Contains {
        field: String,
        text: String,
        #[serde(
            default,
            rename = "caseInsensitive",
            skip_serializing_if = "std::ops::Not::not"
        )]
        case_insensitive: bool,
    },
    EndsWith {
        field: String,
        text: String,
        #[serde(
            default,
            rename = "caseInsensitive",
            skip_serializing_if = "std::ops::Not::not"
        )]
        case_insensitive: bool,
    },
    /// The pointer in `field` points at an object matching `query` (Parse's `$inQuery`).
    MatchesQuery {
        field: String,
        query: Box<Query>,
    },
    DoesNotMatchQuery {
        field: String,
        query: Box<Query>,
    },
    /// Any of the queries' conditions hold.
    Or {
        queries: Vec<Query>,
    },
    /// All of the queries' conditions hold.
    And {
        queries: Vec<Query>,
    },
}

/// The `op` of each [`Constraint`], as serde's `rename_all = "camelCase"` writes it.
pub const CONSTRAINT_OPS: &[&str] = &[
    "equalTo",
    "notEqualTo",
    "lessThan",
    "lessThanOrEqualTo",
    "greaterThan",
    "greaterThanOrEqualTo",
    "containedIn",
    "notContainedIn",
    "exists",
    "doesNotExist",
    "startsWith",
    "contains",
    "endsWith",
    "matchesQuery",
    "doesNotMatchQuery",
    "or",
    "and",
];

/// Takes `key` out of a JSON object and reads it as `T`; serde's own message when it is missing.
pub(crate) fn take_field<T: serde::de::DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &'static str,
) -> std::result::Result<T, serde_json::Error> {
    match map.remove(key) {
        Some(v) => serde_json::from_value(v),
        None => Err(serde::de::Error::missing_field(key)),
    }
}

impl Constraint {
    /// Reads a constraint from its JSON object: the same fields, defaults and messages as
    /// serde's derived internally tagged form (keys other than the variant's are ignored).
    pub fn from_map(mut map: Map<String, Value>) -> std::result::Result<Self, serde_json::Error> {
        use serde::de::Error as _;
        let op: String = take_field(&mut map, "op")?;
        let m = &mut map;
        let field = |m: &mut Map<String, Value>| take_field::<String>(m, "field");
        let case_insensitive = |m: &mut Map<String, Value>| match m.remove("caseInsensitive") {
            Some(v) => serde_json::from_value::<bool>(v),
            None => Ok(false),
        };
        Ok(match op.as_str() {
            "equalTo"
            | "notEqualTo"
            | "lessThan"
            | "lessThanOrEqualTo"
            | "greaterThan"
            | "greaterThanOrEqualTo" => {
                let field = field(m)?;
                let value: Value = take_field(m, "value")?;
                match op.as_str() {
                    "equalTo" => Constraint::EqualTo { field, value },
                    "notEqualTo" => Constraint::NotEqualTo { field, value },
                    "lessThan" => Constraint::LessThan { field, value },
                    "lessThanOrEqualTo" => Constraint::LessThanOrEqualTo { field, value },
                    "greaterThan" => Constraint::GreaterThan { field, value },
                    _ => Constraint::GreaterThanOrEqualTo { field, value },
                }
            }
            "containedIn" | "notContainedIn" => {
                let field = field(m)?;
                let values: Vec<Value> = take_field(m, "values")?;
                if op == "containedIn" {
                    Constraint::ContainedIn { field, values }
                } else {
                    Constraint::NotContainedIn { field, values }
                }
            }
            "exists" => Constraint::Exists { field: field(m)? },
            "doesNotExist" => Constraint::DoesNotExist { field: field(m)? },
            "startsWith" | "contains" | "endsWith" => {
                let field = field(m)?;
                let text: String = take_field(m, "text")?;
                let case_insensitive = case_insensitive(m)?;
                match op.as_str() {
                    "startsWith" => Constraint::StartsWith {
                        field,
                        text,
                        case_insensitive,
                    },
                    "contains" => Constraint::Contains {
                        field,
                        text,
                        case_insensitive,
                    },
                    _ => Constraint::EndsWith {
                        field,
                        text,
                        case_insensitive,
                    },
                }
            }
            "matchesQuery" | "doesNotMatchQuery" => {
                let field = field(m)?;
                let query: Box<Query> = take_field(m, "query")?;
                if op == "matchesQuery" {
                    Constraint::MatchesQuery { field, query }
                } else {
                    Constraint::DoesNotMatchQuery { field, query }
                }
            }
            "or" => Constraint::Or {
                queries: take_field(m, "queries")?,
            },
            "and" => Constraint::And {
                queries: take_field(m, "queries")?,
            },
            other => return Err(serde_json::Error::unknown_variant(other, CONSTRAINT_OPS)),
        })
    }
}

impl<'de> Deserialize<'de> for Constraint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        Constraint::from_map(map).map_err(serde::de::Error::custom)
    }
}

/// A query over one class. `order` holds field names, `-name` for descending (Parse's own
/// notation); `include` names pointer fields to fetch whole; `keys` selects fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
}

/// Parse's default page is 100; its hard upper bound on a page is configurable, 1000 is safe.
pub const MAX_LIMIT: u32 = 1000;
/// Objects one answer of the backend may hold, an included object counted under every object
/// that points at it (`objectsPerAnswer` in backend/rules.js, checked by a test).
pub const OBJECTS_PER_ANSWER: u32 = 3000;

/// The objects each result of a query may carry with it: one per step of each path of its
/// `include` ("contact.company": the contact and its company). A prefix named again counts
/// again, so this is never fewer than the backend counts (it counts each path once).
pub fn included_paths(include: &[String]) -> u32 {
    include
        .iter()
        .map(|p| 1 + p.matches('.').count() as u32)
        .sum()
}

/// The largest page of `query` the backend answers: [`MAX_LIMIT`] objects, fewer when each
/// carries included ones.
pub fn page_limit(query: &Query) -> u32 {
    (OBJECTS_PER_ANSWER / (1 + included_paths(&query.include))).clamp(1, MAX_LIMIT)
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn equal_to(self, field: &str, value: impl Into<Value>) -> Self {
        self.with(Constraint::EqualTo {
            field: field.into(),
            value: value.into(),
        })
    }

    /// The same query without paging: every match (a local `findAll`).
    pub fn every_match(&self) -> Query {
        Query {
            limit: Some(u32::MAX),
            skip: None,
            ..self.clone()
        }
    }

    /// The same query for its first match only (a local `first`).
    pub fn first_match(&self) -> Query {
        Query {
            limit: Some(1),
            ..self.clone()
        }
    }

    /// Deals in one stage, ordered by `order` (default "expectedCloseDate"; "-" prefix for
    /// descending), up to `limit` (default 100): the client's `dealsByStage`.
    pub fn deals_by_stage(stage: &str, order: Option<String>, limit: Option<u32>) -> Self {
        Query {
            order: vec![order.unwrap_or_else(|| "expectedCloseDate".into())],
            limit: Some(limit.unwrap_or(100)),
            ..Query::new()
        }
        .equal_to("stage", crate::models::Stage::from(stage).as_str())
    }

    pub fn with(mut self, constraint: Constraint) -> Self {
        self.constraints.push(constraint);
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

    /// This query's conditions or `other`'s: `a.or(b).or(c)` gives one `$or` of three (not
    /// nested ones, which Parse answers more slowly); order, limit, keys and includes stay
    /// this query's.
    pub fn or(&self, other: &Query) -> Query {
        self.combine(other, true)
    }

    /// This query's conditions and `other`'s, flattened like [`Query::or`].
    pub fn and(&self, other: &Query) -> Query {
        self.combine(other, false)
    }

    fn combine(&self, other: &Query, any: bool) -> Query {
        let conditions = |q: &Query| Query {
            constraints: q.constraints.clone(),
            ..Query::default()
        };
        let mut parts = match self.constraints.as_slice() {
            [Constraint::Or { queries }] if any => queries.clone(),
            [Constraint::And { queries }] if !any => queries.clone(),
            _ => vec![conditions(self)],
        };
        parts.push(conditions(other));
        let combined = if any {
            Constraint::Or { queries: parts }
        } else {
            Constraint::And { queries: parts }
        };
        Query {
            constraints: vec![combined],
            ..self.clone()
        }
    }

    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// The REST parameters for `GET /classes/<class>`, in a stable order.
    pub fn to_params(&self, schema: &ClassSchema) -> Result<Vec<(String, String)>> {
        let mut params = self.where_params(schema)?;
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
            // A typed model cannot be built without its required fields (a Deal's title), so
            // a selection always carries them: `select('createdBy')` answers Deals, not an error.
            let mut keys = self.keys.clone();
            for field in schema.fields {
                if matches!(field.rule, Rule::Required) && !keys.iter().any(|k| k == field.name) {
                    keys.push(field.name.into());
                }
            }
            params.push(("keys".into(), keys.join(",")));
        }
        if !self.include.is_empty() {
            check_include(schema, &self.include)?;
            params.push(("include".into(), self.include.join(",")));
        }
        Ok(params)
    }

    /// The parameters that count the matching objects without fetching them.
    pub fn count_params(&self, schema: &ClassSchema) -> Result<Vec<(String, String)>> {
        let mut params = self.where_params(schema)?;
        params.push(("count".into(), "1".into()));
        params.push(("limit".into(), "0".into()));
        Ok(params)
    }

    fn where_params(&self, schema: &ClassSchema) -> Result<Vec<(String, String)>> {
        let where_ = self.compile_where(schema)?;
        Ok(if where_.is_empty() {
            Vec::new()
        } else {
            vec![("where".into(), Value::Object(where_).to_string())]
        })
    }

    /// The `where` object: constraints on the same field merge into one operator map
    /// (`{"amount": {"$gt": 1, "$lt": 5}}`); an equality stands alone.
    pub fn compile_where(&self, schema: &ClassSchema) -> Result<Map<String, Value>> {
        let mut where_: Map<String, Value> = Map::new();
        for c in &self.constraints {
            match c {
                Constraint::Or { queries } | Constraint::And { queries } => {
                    let key = if matches!(c, Constraint::Or { .. }) {
                        "$or"
                    } else {
                        "$and"
                    };
                    if queries.is_empty() {
                        return Err(CrmError::InvalidInput(format!(
                            "{key} needs at least one query"
                        )));
                    }
                    let parts = queries
                        .iter()
                        .map(|q| q.compile_where(schema).map(Value::Object))
                        .collect::<Result<Vec<_>>>()?;
                    if !where_.contains_key(key) {
                        where_.insert(key.to_owned(), Value::Array(parts));
                    } else if key == "$and" {
                        if let Some(Value::Array(existing)) = where_.get_mut(key) {
                            existing.extend(parts); // an AND of ANDs is one AND
                        }
                    } else {
                        // A second OR is ANDed with the first, not merged into it.
                        let clause = serde_json::json!({ "$or": parts });
                        match where_.get_mut("$and") {
                            Some(Value::Array(existing)) => existing.push(clause),
                            _ => {
                                where_.insert("$and".into(), Value::Array(vec![clause]));
                            }
                        }
                    }
                    continue;
                }
                // A relatedTo is stored as {className, objectId}: equality is on both parts.
                Constraint::EqualTo { field, value }
                    if schema.kind(field) == Some(FieldKind::RelatedTo) =>
                {
                    let Value::Object(encoded) = schema.encode_value(field, value)? else {
                        return Err(CrmError::InvalidInput(format!(
                            "{field}: expected {{className, objectId}}"
                        )));
                    };
                    for (part, v) in encoded {
                        where_.insert(format!("{field}.{part}"), v);
                    }
                    continue;
                }
                _ => {}
            }
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
                    // Two conditions with one operator on one field would silently keep one.
                    if ops.insert(op.to_owned(), operand).is_some() {
                        return Err(CrmError::InvalidInput(format!(
                            "two {op} conditions on {field}"
                        )));
                    }
                    if text_condition(c).is_some_and(|(_, _, folded)| folded) {
                        ops.insert("$options".into(), Value::String("i".into()));
                    }
                }
            }
        }
        Ok(where_)
    }
}

/// Where a text condition looks for its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextAt {
    Start,
    Anywhere,
    End,
}

/// A text condition's (where, text, case-insensitive), or None for any other condition.
pub fn text_condition(c: &Constraint) -> Option<(TextAt, &str, bool)> {
    match c {
        Constraint::StartsWith {
            text,
            case_insensitive,
            ..
        } => Some((TextAt::Start, text, *case_insensitive)),
        Constraint::Contains {
            text,
            case_insensitive,
            ..
        } => Some((TextAt::Anywhere, text, *case_insensitive)),
        Constraint::EndsWith {
            text,
            case_insensitive,
            ..
        } => Some((TextAt::End, text, *case_insensitive)),
        _ => None,
    }
}

/// Whether `value` holds `text` at `at`, folding ASCII letters only when `folded`: exactly what
/// the server's `$regex` on `\Q…\E` with `$options: "i"` answers on PostgreSQL in the C locale.
pub fn text_matches(value: &str, at: TextAt, text: &str, folded: bool) -> bool {
    let (value, text) = if folded {
        (value.to_ascii_lowercase(), text.to_ascii_lowercase())
    } else {
        (value.to_owned(), text.to_owned())
    };
    match at {
        TextAt::Start => value.starts_with(&text),
        TextAt::Anywhere => value.contains(&text),
        TextAt::End => value.ends_with(&text),
    }
}

/// `query` may stand as the sub-query of `matchesQuery` / `doesNotMatchQuery` on `field` of
/// `class` only if it is a query over the class the pointer points to: a Contact query on
/// `Deal.company` would otherwise run as a Company query and match what it was never meant to.
pub fn check_sub_query_class(class: &str, field: &str, sub_class: &str) -> Result<()> {
    let schema = crate::schema::for_class(class)
        .ok_or_else(|| CrmError::InvalidInput(format!("no schema for {class}")))?;
    match schema.kind(field) {
        Some(FieldKind::Pointer(target)) if target == sub_class => Ok(()),
        Some(FieldKind::Pointer(target)) => Err(CrmError::InvalidInput(format!(
            "{class}.{field} points to {target}: the sub-query must be a {target} query, not a {sub_class} query"
        ))),
        _ => Err(CrmError::InvalidInput(format!(
            "{class}.{field} is not a pointer"
        ))),
    }
}

/// `include` names pointer fields (or a path starting with one) only.
pub fn check_include(schema: &ClassSchema, include: &[String]) -> Result<()> {
    for key in include {
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
    Ok(())
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
        "objectId" if !value.is_string() => Err(CrmError::InvalidInput(format!(
            "objectId is text: cannot compare it with {value}"
        ))),
        _ => {
            // Compared with a value of another type, Parse on Postgres fails with an internal
            // error rather than matching nothing: refuse it here, typed.
            let fits = match schema.kind(field) {
                Some(FieldKind::Number) => value.is_number() || value.is_null(),
                Some(FieldKind::String) => value.is_string() || value.is_null(),
                _ => true,
            };
            if !fits {
                return Err(CrmError::InvalidInput(format!(
                    "{}.{field} cannot be compared with {value}",
                    schema.class_name
                )));
            }
            // A closed vocabulary (stage, activity type): a value outside it is a typo, and
            // would silently match nothing (to find other clients' values, use notContainedIn).
            if let (Some(Rule::OneOf(allowed)), Value::String(text)) =
                (schema.field(field).map(|f| f.rule), value)
            {
                if !allowed.contains(&text.as_str()) {
                    return Err(CrmError::InvalidInput(format!(
                        "{}.{field}: {text:?} is not one of {}",
                        schema.class_name,
                        allowed.join(", ")
                    )));
                }
            }
            schema.encode_value(field, value)
        }
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
        C::StartsWith { field, text, .. } => (
            field,
            Some("$regex"),
            Value::String(format!("^{}", quote_regex(text))),
        ),
        C::Contains { field, text, .. } => {
            (field, Some("$regex"), Value::String(quote_regex(text)))
        }
        C::EndsWith { field, text, .. } => (
            field,
            Some("$regex"),
            Value::String(format!("{}$", quote_regex(text))),
        ),
        C::MatchesQuery { field, query } => {
            (field, Some("$inQuery"), sub_query(schema, field, query)?)
        }
        C::DoesNotMatchQuery { field, query } => {
            (field, Some("$notInQuery"), sub_query(schema, field, query)?)
        }
        // compile_where handles these before calling here.
        C::Or { .. } | C::And { .. } => {
            return Err(CrmError::InvalidInput(
                "or/and is not a condition on one field".into(),
            ))
        }
    };
    check_path(schema, field)?;
    Ok((field.as_str(), op, operand))
}

/// `{"where": …, "className": …}` for a query on the class a pointer field points to.
fn sub_query(schema: &ClassSchema, field: &str, query: &Query) -> Result<Value> {
    let Some(FieldKind::Pointer(target)) = schema.kind(field) else {
        return Err(CrmError::InvalidInput(format!(
            "{}.{field} is not a pointer",
            schema.class_name
        )));
    };
    let target_schema = crate::schema::for_class(target)
        .ok_or_else(|| CrmError::InvalidInput(format!("no schema for {target}")))?;
    let where_ = query.compile_where(target_schema)?;
    Ok(serde_json::json!({ "where": where_, "className": target }))
}

fn encode_all(schema: &ClassSchema, field: &str, values: &[Value]) -> Result<Value> {
    values
        .iter()
        .map(|v| encode(schema, field, v))
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

/// The options of `startsWith`, `contains` and `endsWith` (`{ caseInsensitive?: boolean }`):
/// whether the match ignores the case of ASCII letters. Unknown options are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TextOptions {
    #[serde(default)]
    pub case_insensitive: bool,
}

#[cfg(test)]
mod text_options_tests {
    use super::TextOptions;

    #[test]
    fn text_options_read_case_insensitive_and_refuse_unknown_ones() {
        let read = |s: &str| serde_json::from_str::<TextOptions>(s);
        assert!(
            read(r#"{"caseInsensitive": true}"#)
                .unwrap()
                .case_insensitive
        );
        assert!(!read("{}").unwrap().case_insensitive);
        assert!(read(r#"{"caseinsensitive": true}"#).is_err());
        assert!(read(r#"{"caseInsensitive": "yes"}"#).is_err());
    }
}

#[cfg(test)]
mod deals_by_stage_tests {
    use super::*;

    #[test]
    fn deals_by_stage_defaults() {
        let q = Query::deals_by_stage("won", None, None);
        assert_eq!(q.order, vec!["expectedCloseDate".to_owned()]);
        assert_eq!(q.limit, Some(100));
        assert_eq!(
            q,
            Query {
                order: q.order.clone(),
                limit: Some(100),
                ..Query::new()
            }
            .equal_to("stage", "won")
        );
        let q = Query::deals_by_stage("lead", Some("-amount".into()), Some(5));
        assert_eq!((q.order[0].as_str(), q.limit), ("-amount", Some(5)));
        let paged = Query {
            skip: Some(3),
            ..q.clone()
        };
        assert_eq!(
            (paged.every_match().limit, paged.every_match().skip),
            (Some(u32::MAX), None)
        );
        assert_eq!(
            (paged.first_match().limit, paged.first_match().skip),
            (Some(1), Some(3))
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_selection_keeps_the_required_fields_a_typed_model_needs() {
        let q = Query {
            keys: vec!["createdBy".into()],
            ..Query::default()
        };
        let params = q.to_params(&crate::schema::DEAL).unwrap();
        assert!(params.contains(&("keys".into(), "createdBy,title".into())));
        let q = Query {
            keys: vec!["title".into(), "amount".into()],
            ..Query::default()
        };
        let params = q.to_params(&crate::schema::DEAL).unwrap();
        assert!(params.contains(&("keys".into(), "title,amount".into())));
    }

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
    fn every_operator_compiles_to_its_parse_form() {
        use Constraint as C;
        let f = || "amount".to_string();
        let cases: Vec<(Constraint, Value)> = vec![
            (
                C::EqualTo {
                    field: f(),
                    value: json!(5),
                },
                json!({"amount": 5}),
            ),
            (
                C::NotEqualTo {
                    field: f(),
                    value: json!(5),
                },
                json!({"amount": {"$ne": 5}}),
            ),
            (
                C::LessThan {
                    field: f(),
                    value: json!(5),
                },
                json!({"amount": {"$lt": 5}}),
            ),
            (
                C::LessThanOrEqualTo {
                    field: f(),
                    value: json!(5),
                },
                json!({"amount": {"$lte": 5}}),
            ),
            (
                C::GreaterThan {
                    field: f(),
                    value: json!(5),
                },
                json!({"amount": {"$gt": 5}}),
            ),
            (
                C::GreaterThanOrEqualTo {
                    field: f(),
                    value: json!(5),
                },
                json!({"amount": {"$gte": 5}}),
            ),
            (
                C::ContainedIn {
                    field: f(),
                    values: vec![json!(1), json!(2)],
                },
                json!({"amount": {"$in": [1, 2]}}),
            ),
            (
                C::NotContainedIn {
                    field: f(),
                    values: vec![json!(1)],
                },
                json!({"amount": {"$nin": [1]}}),
            ),
            (
                C::Exists { field: f() },
                json!({"amount": {"$exists": true}}),
            ),
            (
                C::DoesNotExist { field: f() },
                json!({"amount": {"$exists": false}}),
            ),
            (
                C::StartsWith {
                    field: "title".into(),
                    text: "Ab".into(),
                    case_insensitive: false,
                },
                json!({"title": {"$regex": r"^\QAb\E"}}),
            ),
            (
                C::Contains {
                    field: "title".into(),
                    text: "b".into(),
                    case_insensitive: false,
                },
                json!({"title": {"$regex": r"\Qb\E"}}),
            ),
            (
                C::Contains {
                    field: "title".into(),
                    text: "b.".into(),
                    case_insensitive: true,
                },
                json!({"title": {"$regex": r"\Qb.\E", "$options": "i"}}),
            ),
            (
                C::EndsWith {
                    field: "title".into(),
                    text: "Ab".into(),
                    case_insensitive: false,
                },
                json!({"title": {"$regex": r"\QAb\E$"}}),
            ),
            (
                C::DoesNotMatchQuery {
                    field: "contact".into(),
                    query: Box::new(Query::new().equal_to("name", "Ann")),
                },
                json!({"contact": {"$notInQuery": {"where": {"name": "Ann"}, "className": "Contact"}}}),
            ),
            (
                C::And {
                    queries: vec![
                        Query::new().equal_to("stage", "won"),
                        Query::new().equal_to("title", "x"),
                    ],
                },
                json!({"$and": [{"stage": "won"}, {"title": "x"}]}),
            ),
            (
                C::EqualTo {
                    field: "updatedAt".into(),
                    value: json!("2026-01-01"),
                },
                json!({"updatedAt": {"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"}}),
            ),
        ];
        for (constraint, expected) in cases {
            let q = Query::new().with(constraint.clone());
            assert_eq!(
                Value::Object(q.compile_where(&DEAL).unwrap()),
                expected,
                "{constraint:?}"
            );
        }
    }

    #[test]
    fn text_search_is_never_a_regex() {
        assert_eq!(quote_regex("a.*b"), r"\Qa.*b\E");
        assert_eq!(quote_regex(r"x\Ey"), r"\Qx\E\\E\Qy\E");
        let q = Query {
            constraints: vec![Constraint::StartsWith {
                field: "title".into(),
                text: "(.*)".into(),
                case_insensitive: false,
            }],
            ..Default::default()
        };
        assert_eq!(
            Value::Object(q.compile_where(&DEAL).unwrap()),
            json!({"title": {"$regex": r"^\Q(.*)\E"}})
        );
    }

    #[test]
    fn or_and_and_sub_queries_compile_to_parse_operators() {
        let big = Query::new().with(Constraint::GreaterThan {
            field: "amount".into(),
            value: json!(1000),
        });
        let won = Query::new().equal_to("stage", "won");
        let acme = Query::new().with(Constraint::StartsWith {
            field: "name".into(),
            text: "Acme".into(),
            case_insensitive: false,
        });
        let q = Query::new()
            .with(Constraint::Or {
                queries: vec![big, won],
            })
            .with(Constraint::MatchesQuery {
                field: "company".into(),
                query: Box::new(acme),
            });
        assert_eq!(
            Value::Object(q.compile_where(&DEAL).unwrap()),
            json!({
                "$or": [{"amount": {"$gt": 1000}}, {"stage": "won"}],
                "company": {"$inQuery": {"where": {"name": {"$regex": r"^\QAcme\E"}}, "className": "Company"}}
            })
        );
        let not_pointer = Query::new().with(Constraint::MatchesQuery {
            field: "title".into(),
            query: Box::default(),
        });
        assert!(not_pointer.compile_where(&DEAL).is_err());
        let empty_or = Query::new().with(Constraint::Or { queries: vec![] });
        assert!(empty_or.compile_where(&DEAL).is_err());
        // A sub-query is checked against its own class.
        let wrong_field = Query::new().equal_to("title", "x");
        let q = Query::new().with(Constraint::MatchesQuery {
            field: "company".into(),
            query: Box::new(wrong_field),
        });
        assert!(q.compile_where(&DEAL).is_err());
    }

    #[test]
    fn two_ors_are_anded_not_merged() {
        let or = |a: &str, b: &str| Constraint::Or {
            queries: vec![
                Query::new().equal_to("stage", a),
                Query::new().equal_to("stage", b),
            ],
        };
        let q = Query::new().with(or("won", "lost")).with(or("lead", "won"));
        assert_eq!(
            Value::Object(q.compile_where(&DEAL).unwrap()),
            json!({"$or": [{"stage": "won"}, {"stage": "lost"}], "$and": [{"$or": [{"stage": "lead"}, {"stage": "won"}]}]})
        );
    }

    #[test]
    fn related_to_equality_matches_class_and_id() {
        let q = Query::new().equal_to("relatedTo", json!({"className": "Deal", "objectId": "d1"}));
        assert_eq!(
            Value::Object(q.compile_where(&crate::schema::ACTIVITY).unwrap()),
            json!({"relatedTo.className": "Deal", "relatedTo.objectId": "d1"})
        );
    }

    #[test]
    fn count_asks_for_no_rows() {
        let q = Query::new().equal_to("stage", "won").limit(5);
        let p = q.count_params(&DEAL).unwrap();
        assert_eq!(
            p[1..],
            [
                ("count".to_string(), "1".to_string()),
                ("limit".to_string(), "0".to_string())
            ]
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
        let twice = Query {
            constraints: vec![
                Constraint::Exists {
                    field: "notes".into(),
                },
                Constraint::DoesNotExist {
                    field: "notes".into(),
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            twice.compile_where(&DEAL).unwrap_err().code(),
            "INVALID_INPUT"
        );
        let bad_date = Query::new().equal_to("expectedCloseDate", "tomorrow");
        assert!(bad_date.to_params(&DEAL).is_err());
        let include_non_pointer = Query {
            include: vec!["title".into()],
            ..Default::default()
        };
        assert!(include_non_pointer.to_params(&DEAL).is_err());
    }

    #[test]
    fn or_and_and_flatten_and_keep_the_first_querys_options() {
        let a = Query::new().equal_to("stage", "won").limit(5);
        let b = Query::new().equal_to("stage", "lost").ascending("title");
        let c = Query::new().equal_to("amount", 1);
        let any = a.or(&b).or(&c);
        assert_eq!(any.limit, Some(5));
        assert!(any.order.is_empty(), "b's order is not taken");
        match any.constraints.as_slice() {
            [Constraint::Or { queries }] => {
                assert_eq!(queries.len(), 3, "one $or of three");
                assert!(queries
                    .iter()
                    .all(|q| q.limit.is_none() && q.order.is_empty()));
            }
            other => panic!("{other:?}"),
        }
        let all = a.and(&b).and(&c);
        assert!(
            matches!(all.constraints.as_slice(), [Constraint::And { queries }] if queries.len() == 3)
        );
        // Mixed: an $or inside an $and stays nested.
        let mixed = a.or(&b).and(&c);
        match mixed.constraints.as_slice() {
            [Constraint::And { queries }] => {
                assert_eq!(queries.len(), 2);
                assert!(matches!(
                    queries[0].constraints.as_slice(),
                    [Constraint::Or { .. }]
                ));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_closed_vocabulary_refuses_values_outside_it() {
        let code = |q: Query| q.compile_where(&DEAL).unwrap_err().code();
        assert_eq!(
            code(Query::new().equal_to("stage", "wonn")),
            "INVALID_INPUT"
        );
        let nin = Query::new().with(Constraint::NotContainedIn {
            field: "stage".into(),
            values: vec![json!("won"), json!("lost")],
        });
        assert!(nin.compile_where(&DEAL).is_ok(), "known stages are fine");
        assert!(Query::new()
            .equal_to("stage", "won")
            .compile_where(&DEAL)
            .is_ok());
        let activity = crate::schema::for_class("Activity").unwrap();
        assert_eq!(
            Query::new()
                .equal_to("type", "fax")
                .compile_where(activity)
                .unwrap_err()
                .code(),
            "INVALID_INPUT"
        );
    }

    #[test]
    fn a_sub_query_must_be_over_the_class_the_pointer_points_to() {
        assert!(check_sub_query_class("Deal", "company", "Company").is_ok());
        assert!(check_sub_query_class("Contact", "company", "Company").is_ok());
        let wrong = check_sub_query_class("Deal", "company", "Contact").unwrap_err();
        assert_eq!(wrong.code(), "INVALID_INPUT");
        assert!(
            wrong.to_string().contains("must be a Company query"),
            "{wrong}"
        );
        assert!(check_sub_query_class("Deal", "title", "Company").is_err());
        assert!(check_sub_query_class("Nope", "company", "Company").is_err());
    }

    #[test]
    fn text_matching_folds_ascii_only_like_the_servers_c_locale() {
        use TextAt::*;
        assert!(text_matches("Acme Renewal", Anywhere, "RENEW", true));
        assert!(!text_matches("Acme Renewal", Anywhere, "RENEW", false));
        assert!(text_matches("Acme", Start, "aC", true));
        assert!(text_matches("Acme", End, "ME", true));
        assert!(!text_matches("Acme", End, "ac", true));
        // PostgreSQL's ~* in the C locale folds ASCII letters only.
        assert!(!text_matches("ÉCOLE", Start, "é", true));
        assert!(
            text_matches("a.*b", Anywhere, "A.*", true),
            "literal, not a pattern"
        );
        assert!(!text_matches("axxb", Anywhere, "a.*b", true));
    }
}

#[cfg(test)]
mod wire_tests {
    use super::{Constraint, Query};
    use serde_json::json;

    /// The hand-written reader accepts what serde's derived writer writes, for every variant.
    #[test]
    fn every_constraint_reads_back_what_it_writes() {
        let q = Query::new()
            .equal_to("stage", "won")
            .with(Constraint::EqualTo {
                field: "amount".into(),
                value: serde_json::Value::Null,
            });
        let all = vec![
            Constraint::NotEqualTo {
                field: "a".into(),
                value: json!(1),
            },
            Constraint::LessThan {
                field: "a".into(),
                value: json!(1.5),
            },
            Constraint::LessThanOrEqualTo {
                field: "a".into(),
                value: json!("x"),
            },
            Constraint::GreaterThan {
                field: "a".into(),
                value: json!({"className": "Contact", "objectId": "x"}),
            },
            Constraint::GreaterThanOrEqualTo {
                field: "a".into(),
                value: json!([1]),
            },
            Constraint::ContainedIn {
                field: "a".into(),
                values: vec![json!(1), json!(null)],
            },
            Constraint::NotContainedIn {
                field: "a".into(),
                values: vec![],
            },
            Constraint::Exists { field: "a".into() },
            Constraint::DoesNotExist { field: "a".into() },
            Constraint::StartsWith {
                field: "a".into(),
                text: "x".into(),
                case_insensitive: true,
            },
            Constraint::Contains {
                field: "a".into(),
                text: "x".into(),
                case_insensitive: false,
            },
            Constraint::EndsWith {
                field: "a".into(),
                text: "x".into(),
                case_insensitive: true,
            },
            Constraint::MatchesQuery {
                field: "contact".into(),
                query: Box::new(q.clone()),
            },
            Constraint::DoesNotMatchQuery {
                field: "contact".into(),
                query: Box::new(Query::new()),
            },
            Constraint::Or {
                queries: vec![q.clone(), Query::new()],
            },
            Constraint::And { queries: vec![q] },
        ];
        let query = Query {
            constraints: all,
            limit: Some(3),
            ..Query::default()
        };
        let text = serde_json::to_string(&query).unwrap();
        assert_eq!(serde_json::from_str::<Query>(&text).unwrap(), query);
        let value = serde_json::to_value(&query).unwrap();
        assert_eq!(serde_json::from_value::<Query>(value).unwrap(), query);
    }

    #[test]
    fn constraint_wire_details_are_serdes() {
        let read = |v: serde_json::Value| serde_json::from_value::<Constraint>(v);
        // The tag may come anywhere; other keys are ignored; caseInsensitive defaults to false.
        assert_eq!(
            read(json!({"text": "x", "extra": 1, "field": "a", "op": "startsWith"})).unwrap(),
            Constraint::StartsWith {
                field: "a".into(),
                text: "x".into(),
                case_insensitive: false
            }
        );
        // A null value is a value, a missing one is missing.
        assert_eq!(
            read(json!({"op": "equalTo", "field": "a", "value": null})).unwrap(),
            Constraint::EqualTo {
                field: "a".into(),
                value: serde_json::Value::Null
            }
        );
        let err = |v| read(v).unwrap_err().to_string();
        assert_eq!(
            err(json!({"op": "equalTo", "field": "a"})),
            "missing field `value`"
        );
        assert_eq!(err(json!({"field": "a"})), "missing field `op`");
        assert!(err(json!({"op": "like", "field": "a"})).starts_with("unknown variant `like`"));
        assert!(err(json!({"op": "exists", "field": 3})).starts_with("invalid type: integer `3`"));
        assert!(err(json!(["exists", "a"])).starts_with("invalid type"));
        // From text, serde_json still says where.
        let e = serde_json::from_str::<Query>(r#"{"constraints":[{"op":"exists"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("missing field `field` at line 1"), "{e}");
    }

    #[test]
    fn included_paths_count_each_step_of_each_path() {
        use super::{included_paths, page_limit};
        let paths =
            |v: &[&str]| included_paths(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(paths(&[]), 0);
        assert_eq!(paths(&["company", "contact"]), 2);
        assert_eq!(
            paths(&["contact.company", "contact"]),
            3,
            "at least the backend's 2"
        );
        assert_eq!(paths(&["company", "contact.company.owner"]), 4);
        let q = Query {
            include: vec!["company".into(), "contact.company".into()],
            ..Query::new()
        };
        assert_eq!(page_limit(&q), 750);
    }
}
