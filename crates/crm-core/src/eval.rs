//! Runs a [`Query`] over objects held locally, with Parse Server's semantics on PostgreSQL, so
//! the same query gives the same results in the same order offline as online (a differential
//! test in the browser compares the two). Objects are in the JS shape the models serialize to:
//! dates as ISO strings, pointers as `{className, objectId}`.
//!
//! Matching Parse on PostgreSQL (checked by the differential test): a missing field never
//! satisfies a comparison, `$in` or `$nin`, but does satisfy `$ne`; ascending order puts
//! missing values last, descending first; strings compare byte-wise (the C collation).

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::{CrmError, Result};
use crate::query::{text_condition, text_matches, Constraint, Query};
use crate::schema::{ClassSchema, FieldKind};
use crate::wire::IsoDate;

/// Answers `$inQuery` sub-queries: the objectIds of `class` objects matching `query`.
pub trait SubQueries {
    fn matching_ids(&self, class: &str, query: &Query) -> Result<Vec<String>>;
}

/// No sub-queries available: `matchesQuery` is an error.
pub struct NoSubQueries;

impl SubQueries for NoSubQueries {
    fn matching_ids(&self, class: &str, _: &Query) -> Result<Vec<String>> {
        Err(CrmError::InvalidInput(format!(
            "matchesQuery on {class} needs its local objects"
        )))
    }
}

/// A comparable view of one field's value.
#[derive(Clone, Debug, PartialEq)]
enum Key {
    Number(f64),
    Text(String),
    Bool(bool),
    Date(i64),
    /// A pointer, compared by its objectId.
    Id(String),
    /// Anything else (objects, arrays): equality only.
    Other(Value),
}

impl Key {
    fn cmp(&self, other: &Key) -> Option<Ordering> {
        match (self, other) {
            (Key::Number(a), Key::Number(b)) => a.partial_cmp(b),
            (Key::Text(a), Key::Text(b)) | (Key::Id(a), Key::Id(b)) => {
                Some(a.as_bytes().cmp(b.as_bytes()))
            }
            (Key::Date(a), Key::Date(b)) => Some(a.cmp(b)),
            (Key::Bool(a), Key::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// A total order for sorting: [`Key::cmp`] within a kind, and kinds in a fixed order, so
    /// a column holding mixed kinds (a date field with a malformed date from another client)
    /// still sorts. Sorting with a comparator that is not a total order panics in Rust's sort.
    fn sort_cmp(&self, other: &Key) -> Ordering {
        fn rank(k: &Key) -> u8 {
            match k {
                Key::Number(_) => 0,
                Key::Date(_) => 1,
                Key::Text(_) => 2,
                Key::Id(_) => 3,
                Key::Bool(_) => 4,
                Key::Other(_) => 5,
            }
        }
        match (self, other) {
            (Key::Number(a), Key::Number(b)) => a.total_cmp(b),
            (Key::Other(a), Key::Other(b)) => a.to_string().cmp(&b.to_string()),
            _ => rank(self)
                .cmp(&rank(other))
                .then_with(|| self.cmp(other).unwrap_or(Ordering::Equal)),
        }
    }
}

fn lookup<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = object;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    (!v.is_null()).then_some(v)
}

fn kind_of(schema: &ClassSchema, path: &str) -> Option<FieldKind> {
    match path {
        "createdAt" | "updatedAt" => Some(FieldKind::Date),
        "objectId" => Some(FieldKind::String),
        _ if path.contains('.') => None,
        _ => schema.kind(path),
    }
}

/// The comparable form of a value (from an object or from a query) for a field of this kind.
fn key(kind: Option<FieldKind>, v: &Value) -> Key {
    match (kind, v) {
        (Some(FieldKind::Date), Value::String(s)) => {
            IsoDate::parse(s).map_or(Key::Text(s.clone()), |d| Key::Date(d.millis()))
        }
        (Some(FieldKind::Date), Value::Object(o)) => o
            .get("iso")
            .and_then(Value::as_str)
            .and_then(IsoDate::parse)
            .map_or(Key::Other(v.clone()), |d| Key::Date(d.millis())),
        (Some(FieldKind::Pointer(_)) | Some(FieldKind::ServerManaged), Value::Object(o))
            if o.contains_key("objectId") =>
        {
            Key::Id(
                o.get("objectId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
        (_, Value::Number(n)) => n.as_f64().map_or(Key::Other(v.clone()), Key::Number),
        (_, Value::String(s)) => Key::Text(s.clone()),
        (_, Value::Bool(b)) => Key::Bool(*b),
        _ => Key::Other(v.clone()),
    }
}

fn field_key(schema: &ClassSchema, object: &Value, path: &str) -> Option<Key> {
    lookup(object, path).map(|v| key(kind_of(schema, path), v))
}

/// Whether `object` satisfies every condition of `query`.
pub fn matches(
    schema: &ClassSchema,
    query: &Query,
    object: &Value,
    subs: &dyn SubQueries,
) -> Result<bool> {
    for c in &query.constraints {
        if !constraint_holds(schema, c, object, subs)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn constraint_holds(
    schema: &ClassSchema,
    c: &Constraint,
    object: &Value,
    subs: &dyn SubQueries,
) -> Result<bool> {
    use Constraint as C;
    let compare = |field: &str, value: &Value, ok: fn(Ordering) -> bool| -> bool {
        let kind = kind_of(schema, field);
        match field_key(schema, object, field) {
            Some(k) => k.cmp(&key(kind, value)).is_some_and(ok),
            None => false,
        }
    };
    let equal = |field: &str, value: &Value| -> bool {
        if schema.kind(field) == Some(FieldKind::RelatedTo) {
            let (Some(a), Some(b)) = (lookup(object, field), Some(value)) else {
                return false;
            };
            return a.get("className") == b.get("className")
                && a.get("objectId") == b.get("objectId");
        }
        let kind = kind_of(schema, field);
        field_key(schema, object, field).is_some_and(|k| k == key(kind, value))
    };
    Ok(match c {
        // Parse on PostgreSQL: `{field: null}` is IS NULL (a missing field), `$ne: null` IS
        // NOT NULL.
        C::EqualTo { field, value } if value.is_null() => lookup(object, field).is_none(),
        C::NotEqualTo { field, value } if value.is_null() => lookup(object, field).is_some(),
        C::EqualTo { field, value } => equal(field, value),
        C::NotEqualTo { field, value } => !equal(field, value),
        C::LessThan { field, value } => compare(field, value, Ordering::is_lt),
        C::LessThanOrEqualTo { field, value } => compare(field, value, Ordering::is_le),
        C::GreaterThan { field, value } => compare(field, value, Ordering::is_gt),
        C::GreaterThanOrEqualTo { field, value } => compare(field, value, Ordering::is_ge),
        C::ContainedIn { field, values } => values.iter().any(|v| equal(field, v)),
        // PostgreSQL: NOT (x = ANY(…)) is unknown, so false, for a missing x.
        C::NotContainedIn { field, values } => {
            lookup(object, field).is_some() && !values.iter().any(|v| equal(field, v))
        }
        C::Exists { field } => lookup(object, field).is_some(),
        C::DoesNotExist { field } => lookup(object, field).is_none(),
        C::StartsWith { field, .. } | C::Contains { field, .. } | C::EndsWith { field, .. } => {
            let Some((at, text, folded)) = text_condition(c) else {
                return Ok(false);
            };
            lookup(object, field)
                .and_then(Value::as_str)
                .is_some_and(|s| text_matches(s, at, text, folded))
        }
        C::MatchesQuery { field, query } | C::DoesNotMatchQuery { field, query } => {
            let Some(FieldKind::Pointer(target)) = schema.kind(field) else {
                return Err(CrmError::InvalidInput(format!(
                    "{}.{field} is not a pointer",
                    schema.class_name
                )));
            };
            let ids = subs.matching_ids(target, query)?;
            let id = lookup(object, field)
                .and_then(|p| p.get("objectId"))
                .and_then(Value::as_str);
            let inside = id.is_some_and(|id| ids.iter().any(|x| x == id));
            if matches!(c, C::MatchesQuery { .. }) {
                inside
            } else {
                !inside
            }
        }
        C::Or { queries } => {
            let mut any = false;
            for q in queries {
                if matches(schema, q, object, subs)? {
                    any = true;
                    break;
                }
            }
            any
        }
        C::And { queries } => {
            let mut all = true;
            for q in queries {
                if !matches(schema, q, object, subs)? {
                    all = false;
                    break;
                }
            }
            all
        }
    })
}

/// The order keys as the evaluator applies them (and the local store's planner walks them): a
/// field named twice keeps its first place and its last direction. `(descending, field)`.
pub fn order_keys(order: &[String]) -> Vec<(bool, &str)> {
    let mut keys: Vec<(bool, &str)> = Vec::new();
    for k in order {
        let (descending, field) = k
            .strip_prefix('-')
            .map_or((false, k.as_str()), |f| (true, f));
        match keys.iter_mut().find(|(_, f)| *f == field) {
            Some(existing) => existing.0 = descending,
            None => keys.push((descending, field)),
        }
    }
    keys
}

/// Orders by the query's keys the way Parse Server on PostgreSQL does: ascending puts missing
/// values last, descending first. A field named twice keeps its first place and its last
/// direction (Parse turns the keys into an object). Ties keep the order given.
pub fn sort(schema: &ClassSchema, order: &[String], objects: &mut [Value]) {
    if order.is_empty() {
        return;
    }
    let keys = order_keys(order);
    objects.sort_by(|a, b| {
        for (descending, field) in &keys {
            let (x, y) = (field_key(schema, a, field), field_key(schema, b, field));
            let o = match (x, y) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater, // NULLS LAST ascending…
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => x.sort_cmp(&y),
            };
            let o = if *descending { o.reverse() } else { o }; // …NULLS FIRST descending
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

/// Runs the whole query: filter, order, skip, limit (100 unless given, as Parse does), keys.
pub fn run(
    schema: &ClassSchema,
    query: &Query,
    objects: impl IntoIterator<Item = Value>,
    subs: &dyn SubQueries,
) -> Result<Vec<Value>> {
    query.compile_where(schema)?; // the same checks as for the server
    let mut found = Vec::new();
    for o in objects {
        if matches(schema, query, &o, subs)? {
            found.push(o);
        }
    }
    sort(schema, &query.order, &mut found);
    let skip = query.skip.unwrap_or(0) as usize;
    let limit = query.limit.unwrap_or(100) as usize;
    let mut page: Vec<Value> = found.into_iter().skip(skip).take(limit).collect();
    if !query.keys.is_empty() {
        for o in &mut page {
            if let Value::Object(map) = o {
                map.retain(|k, _| {
                    matches!(
                        k.as_str(),
                        "objectId" | "createdAt" | "updatedAt" | "className" | "ACL"
                    ) || query
                        .keys
                        .iter()
                        .any(|key| key.split('.').next() == Some(k.as_str()))
                        // As on the server (Query::to_params): a selection keeps required fields.
                        || schema
                            .field(k)
                            .is_some_and(|f| matches!(f.rule, crate::schema::Rule::Required))
                });
            }
        }
    }
    Ok(page)
}

/// How many objects match (limit and skip ignored, as for a server count).
pub fn count(
    schema: &ClassSchema,
    query: &Query,
    objects: impl IntoIterator<Item = Value>,
    subs: &dyn SubQueries,
) -> Result<usize> {
    query.compile_where(schema)?;
    let mut n = 0;
    for o in objects {
        if matches(schema, query, &o, subs)? {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ACTIVITY, DEAL};
    use serde_json::json;

    fn deals() -> Vec<Value> {
        vec![
            json!({"objectId": "a", "title": "Alpha", "amount": 100, "stage": "lead", "expectedCloseDate": "2026-01-10T00:00:00.000Z",
                   "company": {"className": "Company", "objectId": "c1"}, "notes": "n"}),
            json!({"objectId": "b", "title": "Beta", "amount": 200, "stage": "won", "expectedCloseDate": "2026-02-10T00:00:00.000Z",
                   "company": {"className": "Company", "objectId": "c2"}}),
            json!({"objectId": "c", "title": "a.*b", "amount": 50, "stage": "lead"}),
            json!({"objectId": "d", "title": "Delta", "stage": "lost", "expectedCloseDate": "2026-03-10T00:00:00.000Z"}),
        ]
    }

    fn ids(q: Query) -> Vec<String> {
        run(&DEAL, &q, deals(), &NoSubQueries)
            .unwrap()
            .iter()
            .map(|o| o["objectId"].as_str().unwrap().to_owned())
            .collect()
    }

    fn q(c: Constraint) -> Query {
        Query::new().with(c).ascending("objectId")
    }

    #[test]
    fn comparisons_follow_postgres_for_missing_values() {
        use Constraint as C;
        let f = || "amount".to_string();
        assert_eq!(
            ids(q(C::EqualTo {
                field: f(),
                value: json!(100)
            })),
            ["a"]
        );
        assert_eq!(
            ids(q(C::NotEqualTo {
                field: f(),
                value: json!(100)
            })),
            ["b", "c", "d"],
            "$ne includes missing"
        );
        assert_eq!(
            ids(q(C::LessThan {
                field: f(),
                value: json!(150)
            })),
            ["a", "c"],
            "missing never compares"
        );
        assert_eq!(
            ids(q(C::GreaterThanOrEqualTo {
                field: f(),
                value: json!(100)
            })),
            ["a", "b"]
        );
        assert_eq!(
            ids(q(C::ContainedIn {
                field: f(),
                values: vec![json!(50), json!(200)]
            })),
            ["b", "c"]
        );
        assert_eq!(
            ids(q(C::NotContainedIn {
                field: f(),
                values: vec![json!(50)]
            })),
            ["a", "b"],
            "$nin excludes missing"
        );
        assert_eq!(
            ids(q(C::Exists {
                field: "notes".into()
            })),
            ["a"]
        );
        assert_eq!(
            ids(q(C::DoesNotExist {
                field: "expectedCloseDate".into()
            })),
            ["c"]
        );
        // Null is a missing value to Parse on PostgreSQL (IS NULL / IS NOT NULL); it matched
        // nothing, and `$ne: null` everything.
        assert_eq!(
            ids(q(C::EqualTo {
                field: f(),
                value: Value::Null
            })),
            ["d"]
        );
        assert_eq!(
            ids(q(C::NotEqualTo {
                field: f(),
                value: Value::Null
            })),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn dates_pointers_text_and_combinations() {
        use Constraint as C;
        assert_eq!(
            ids(q(C::LessThan {
                field: "expectedCloseDate".into(),
                value: json!("2026-02-10")
            })),
            ["a"]
        );
        assert_eq!(
            ids(q(C::EqualTo {
                field: "company".into(),
                value: json!({"className": "Company", "objectId": "c2"})
            })),
            ["b"]
        );
        assert_eq!(
            ids(q(C::StartsWith {
                field: "title".into(),
                text: "a.*".into(),
                case_insensitive: false,
            })),
            ["c"]
        );
        assert_eq!(
            ids(q(C::Contains {
                field: "title".into(),
                text: "lph".into(),
                case_insensitive: false,
            })),
            ["a"]
        );
        assert!(ids(q(C::StartsWith {
            field: "title".into(),
            text: "A.".into(),
            case_insensitive: false,
        }))
        .is_empty());
        let text = |op: fn(String, String, bool) -> Constraint, t: &str, folded: bool| {
            ids(q(op("title".into(), t.into(), folded)))
        };
        let contains = |field, text, case_insensitive| C::Contains {
            field,
            text,
            case_insensitive,
        };
        let ends_with = |field, text, case_insensitive| C::EndsWith {
            field,
            text,
            case_insensitive,
        };
        assert_eq!(text(contains, "LPH", true), ["a"]);
        assert!(text(contains, "LPH", false).is_empty());
        assert_eq!(text(ends_with, "TA", true), ["b", "d"]);
        assert!(text(ends_with, "TA", false).is_empty());
        assert_eq!(text(ends_with, "ta", false), ["b", "d"]);
        assert_eq!(text(ends_with, ".*B", true), ["c"], "literal, folded");
        let or = C::Or {
            queries: vec![
                Query::new().equal_to("stage", "won"),
                Query::new().equal_to("stage", "lost"),
            ],
        };
        assert_eq!(ids(q(or)), ["b", "d"]);
        let and = C::And {
            queries: vec![
                Query::new().equal_to("stage", "lead"),
                Query::new().with(C::GreaterThan {
                    field: "amount".into(),
                    value: json!(60),
                }),
            ],
        };
        assert_eq!(ids(q(and)), ["a"]);
    }

    #[test]
    fn ordering_puts_missing_last_ascending_and_first_descending() {
        assert_eq!(ids(Query::new().ascending("amount")), ["c", "a", "b", "d"]);
        assert_eq!(ids(Query::new().descending("amount")), ["d", "b", "a", "c"]);
        assert_eq!(
            ids(Query::new().descending("amount").ascending("amount")),
            ["c", "a", "b", "d"],
            "last direction wins"
        );
        assert_eq!(
            ids(Query::new().ascending("stage").descending("objectId")),
            ["c", "a", "d", "b"]
        );
        assert_eq!(ids(Query::new().ascending("objectId").limit(2)), ["a", "b"]);
        assert_eq!(
            ids(Query {
                skip: Some(3),
                ..Query::new().ascending("objectId")
            }),
            ["d"]
        );
    }

    #[test]
    fn keys_select_fields_and_sub_queries_use_the_resolver() {
        let q = Query {
            keys: vec!["title".into()],
            ..Query::new().ascending("objectId").limit(1)
        };
        let page = run(&DEAL, &q, deals(), &NoSubQueries).unwrap();
        assert_eq!(page[0], json!({"objectId": "a", "title": "Alpha"}));
        // The required title stays in a selection that leaves it out, as on the server.
        let q = Query {
            keys: vec!["createdBy".into()],
            ..Query::new().ascending("objectId").limit(1)
        };
        let page = run(&DEAL, &q, deals(), &NoSubQueries).unwrap();
        assert_eq!(page[0], json!({"objectId": "a", "title": "Alpha"}));
        struct Acme;
        impl SubQueries for Acme {
            fn matching_ids(&self, class: &str, _: &Query) -> Result<Vec<String>> {
                assert_eq!(class, "Company");
                Ok(vec!["c1".into()])
            }
        }
        let sub = Query::new().with(Constraint::MatchesQuery {
            field: "company".into(),
            query: Box::new(Query::new()),
        });
        let found = run(&DEAL, &sub, deals(), &Acme).unwrap();
        assert_eq!(found.len(), 1);
        assert!(run(&DEAL, &sub, deals(), &NoSubQueries).is_err());
        assert_eq!(
            count(
                &DEAL,
                &Query::new().equal_to("stage", "lead"),
                deals(),
                &NoSubQueries
            )
            .unwrap(),
            2
        );
        assert!(run(
            &DEAL,
            &Query::new().equal_to("nope", 1),
            deals(),
            &NoSubQueries
        )
        .is_err());
    }

    #[test]
    fn related_to_matches_class_and_id() {
        let acts = vec![
            json!({"objectId": "x", "relatedTo": {"className": "Deal", "objectId": "d1"}}),
            json!({"objectId": "y", "relatedTo": {"className": "Contact", "objectId": "d1"}}),
        ];
        let q = Query::new().equal_to("relatedTo", json!({"className": "Deal", "objectId": "d1"}));
        let found = run(&ACTIVITY, &q, acts, &NoSubQueries).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["objectId"], "x");
    }
}
