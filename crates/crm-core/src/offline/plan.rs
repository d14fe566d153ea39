//! Query plans over the local store's indexes: which compound index a local query walks, over
//! which key ranges, in which direction, and when the walk may stop; plus the index keys a
//! stored record carries, encoded so that IndexedDB's key order is the evaluator's order.
//!
//! The contract (checked by the tests here against [`crate::eval`], and in the browser against
//! Parse Server): a planned query answers exactly what `eval::run` answers over every stored
//! object for [`canonical`]`(query)`, the query with ties broken by `objectId` ascending (Parse
//! on PostgreSQL leaves ties unordered; the local store makes them deterministic).
//!
//! Every index's key path is `[k.<eq field>, k.<sort field>, objectId]` (either field may be
//! absent): one equality prefix, one order, and the objectId that makes every key unique and
//! orders ties. A sort key is `[rank, value]` mirroring the evaluator's total order across kinds
//! (numbers, dates, text, ids, booleans, others), with missing values `[9]` (after everything:
//! Parse puts missing values last ascending, first descending). Text compares by UTF-16 code
//! units in IndexedDB and by bytes in the evaluator: they differ only between astral characters
//! and U+E000..U+FFFF, which no date or number field holds unless damaged.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::error::Result;
use crate::eval::{self, SubQueries};
use crate::query::{Constraint, Query};
use crate::schema::{ClassSchema, FieldKind};
use crate::wire::IsoDate;

/// The property of a stored record that holds its index keys.
pub const KEYS: &str = "k";
/// The property of a stored record that holds its version (`updatedAt` in ms), for refreshes.
pub const VERSION: &str = "u";
/// The rank of a missing value in a sort key, and a rank above every rank (range bounds).
const MISSING: f64 = 9.0;
const ABOVE: f64 = 10.0;

/// One index of a class's store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexDef {
    pub name: &'static str,
    /// The field every walk of this index fixes (equalTo / containedIn).
    pub eq: &'static str,
    /// The field the index orders by within one `eq` value, if any.
    pub sort: Option<&'static str>,
}

const fn ix(name: &'static str, eq: &'static str, sort: Option<&'static str>) -> IndexDef {
    IndexDef { name, eq, sort }
}

/// The orderings the app and the README use: deals of a stage by close date, recency or
/// amount; a company's or contact's deals; a company's contacts; a record's activities by due
/// date.
pub fn index_defs(class: &str) -> &'static [IndexDef] {
    const DEAL: &[IndexDef] = &[
        ix(
            "stage,expectedCloseDate",
            "stage",
            Some("expectedCloseDate"),
        ),
        ix("stage,updatedAt", "stage", Some("updatedAt")),
        ix("stage,amount", "stage", Some("amount")),
        ix("company", "company", None),
        ix("contact", "contact", None),
    ];
    const CONTACT: &[IndexDef] = &[ix("company", "company", None)];
    const ACTIVITY: &[IndexDef] = &[ix("relatedTo,dueDate", "relatedTo", Some("dueDate"))];
    match class {
        "Deal" => DEAL,
        "Contact" => CONTACT,
        "Activity" => ACTIVITY,
        _ => &[],
    }
}

/// The index of `class` named `name`.
pub fn index_def(class: &str, name: &str) -> Option<&'static IndexDef> {
    index_defs(class).iter().find(|d| d.name == name)
}

/// The IndexedDB key path of an index.
pub fn key_path(def: &IndexDef) -> Vec<String> {
    let mut path = vec![format!("{KEYS}.{}", def.eq)];
    if let Some(sort) = def.sort {
        path.push(format!("{KEYS}.{sort}"));
    }
    path.push("objectId".into());
    path
}

fn value_at<'a>(object: &'a Value, field: &str) -> Option<&'a Value> {
    object.get(field).filter(|v| !v.is_null())
}

/// The key of an equality field's value, when an index can answer equality on it exactly:
/// text for a text field, the objectId for a pointer, `[className, objectId]` for relatedTo.
/// None for anything the evaluator's equality would not match by that key alone.
pub fn eq_key(schema: &ClassSchema, field: &str, value: &Value) -> Option<Value> {
    fn text(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str).filter(|s| !s.is_empty())
    }
    match schema.kind(field)? {
        FieldKind::String => value.as_str().map(|s| Value::String(s.to_owned())),
        FieldKind::Pointer(_) => {
            let id = text(value.as_object().and_then(|o| o.get("objectId")))?;
            Some(Value::String(id.to_owned()))
        }
        FieldKind::RelatedTo => {
            let o = value.as_object()?;
            let (class, id) = (text(o.get("className"))?, text(o.get("objectId"))?);
            Some(Value::Array(vec![class.into(), id.into()]))
        }
        _ => None,
    }
}

fn sort_kind(schema: &ClassSchema, field: &str) -> Option<FieldKind> {
    match field {
        "createdAt" | "updatedAt" => Some(FieldKind::Date),
        "objectId" => Some(FieldKind::String),
        _ => schema.kind(field),
    }
}

fn number(n: f64) -> Value {
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// The sort key of a field's value: `[rank, value]` in the evaluator's order across kinds.
pub fn sort_key(schema: &ClassSchema, field: &str, value: Option<&Value>) -> Value {
    let kind = sort_kind(schema, field);
    let pair = |rank: f64, v: Value| Value::Array(vec![number(rank), v]);
    let Some(v) = value.filter(|v| !v.is_null()) else {
        return Value::Array(vec![number(MISSING)]);
    };
    let date = |d: Option<IsoDate>| d.map(|d| pair(1.0, number(d.millis() as f64)));
    let other = || pair(5.0, Value::String(v.to_string()));
    match (kind, v) {
        (Some(FieldKind::Date), Value::String(s)) => {
            date(IsoDate::parse(s)).unwrap_or_else(|| pair(2.0, v.clone()))
        }
        (Some(FieldKind::Date), Value::Object(o)) => date(
            o.get("iso")
                .and_then(Value::as_str)
                .and_then(IsoDate::parse),
        )
        .unwrap_or_else(other),
        (Some(FieldKind::Pointer(_) | FieldKind::ServerManaged), Value::Object(o))
            if o.contains_key("objectId") =>
        {
            let id = o
                .get("objectId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            pair(3.0, Value::String(id.to_owned()))
        }
        (_, Value::Number(n)) => match n.as_f64() {
            // -0 sorts before 0 in the evaluator (total order) but equals it in IndexedDB.
            Some(x) if x == 0.0 && x.is_sign_negative() => {
                Value::Array(vec![number(0.0), number(0.0)])
            }
            Some(0.0) => Value::Array(vec![number(0.0), number(0.0), number(0.0)]),
            Some(x) => pair(0.0, number(x)),
            None => other(),
        },
        (_, Value::String(_)) => pair(2.0, v.clone()),
        (_, Value::Bool(b)) => pair(4.0, number(f64::from(u8::from(*b)))),
        _ => other(),
    }
}

/// The index keys of an object (JS shape), stored under [`KEYS`] in its record: a field the
/// object lacks (or holds in a shape no equality can match) is left out, and so is the record
/// from that field's indexes.
pub fn index_keys(schema: &ClassSchema, object: &Value) -> Map<String, Value> {
    let mut keys = Map::new();
    for def in index_defs(schema.class_name) {
        if let Some(k) = value_at(object, def.eq).and_then(|v| eq_key(schema, def.eq, v)) {
            keys.insert(def.eq.into(), k);
        }
        if let Some(sort) = def.sort {
            keys.insert(sort.into(), sort_key(schema, sort, value_at(object, sort)));
        }
    }
    keys
}

/// The lower and upper bound of the keys of one equality value in any index: every key
/// `[eq, …]` lies strictly between `[eq]` and `[eq, [10]]`.
pub fn range(eq: &Value) -> (Value, Value) {
    (
        Value::Array(vec![eq.clone()]),
        Value::Array(vec![eq.clone(), Value::Array(vec![number(ABOVE)])]),
    )
}

pub use crate::eval::order_keys;

/// The query with ties ordered by objectId ascending (unless it orders by objectId already):
/// the order every local answer follows.
pub fn canonical(query: &Query) -> Query {
    let mut q = query.clone();
    if !order_keys(&q.order).iter().any(|(_, f)| *f == "objectId") {
        q.order.push("objectId".into());
    }
    q
}

/// How a local query reads the store.
#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    /// Every record of the class.
    Scan,
    /// The records of `index` under each of `keys` (one range each, see [`range`]), walked in
    /// index order (`descending`: from the end).
    Index {
        index: &'static str,
        keys: Vec<Value>,
        descending: bool,
        /// The walk yields records in the query's first order key (ties aside): see [`Walk`].
        ordered: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub access: Access,
    /// The index ranges hold exactly the query's matches: a count is the ranges' counts.
    pub exact: bool,
}

/// The plan of a local query on `class`.
pub fn plan(schema: &ClassSchema, query: &Query) -> Plan {
    let defs = index_defs(schema.class_name);
    let scan = Plan {
        access: Access::Scan,
        exact: false,
    };
    // Top-level equalities an index can answer: (position, field, keys).
    let mut eqs: Vec<(usize, &str, Vec<Value>)> = Vec::new();
    for (i, c) in query.constraints.iter().enumerate() {
        let (field, values): (&str, Vec<&Value>) = match c {
            Constraint::EqualTo { field, value } => (field, vec![value]),
            Constraint::ContainedIn { field, values } => (field, values.iter().collect()),
            _ => continue,
        };
        if !defs.iter().any(|d| d.eq == field) {
            continue;
        }
        let keys: Option<Vec<Value>> = values.iter().map(|v| eq_key(schema, field, v)).collect();
        if let Some(mut keys) = keys {
            // Each record has one key per field: distinct keys are disjoint ranges.
            let mut distinct = Vec::with_capacity(keys.len());
            for k in keys.drain(..) {
                if !distinct.contains(&k) {
                    distinct.push(k);
                }
            }
            eqs.push((i, field, distinct));
        }
    }
    let order = order_keys(&query.order);
    let first = order.first().copied();
    let exact_for = |i: usize| query.constraints.len() == 1 && i == 0;
    // An equality with one key and an index ordered by the query's first order key.
    if let Some((desc, field)) = first {
        for (i, eq, keys) in &eqs {
            if keys.len() != 1 {
                continue;
            }
            if let Some(def) = defs.iter().find(|d| d.eq == *eq && d.sort == Some(field)) {
                return Plan {
                    access: Access::Index {
                        index: def.name,
                        keys: keys.clone(),
                        descending: desc,
                        ordered: true,
                    },
                    exact: exact_for(*i),
                };
            }
        }
    }
    // Otherwise the narrowest equality's index, in objectId order within each key.
    let best = eqs.iter().min_by_key(|(_, _, keys)| keys.len());
    match best {
        Some((i, eq, keys)) => {
            // An index without a sort field reads each key in objectId order.
            let def = defs
                .iter()
                .find(|d| d.eq == *eq && d.sort.is_none())
                .or_else(|| defs.iter().find(|d| d.eq == *eq))
                .copied();
            let Some(def) = def else { return scan };
            let by_id = first.is_none() || first == Some((false, "objectId"));
            Plan {
                access: Access::Index {
                    index: def.name,
                    keys: keys.clone(),
                    descending: false,
                    ordered: def.sort.is_none() && by_id,
                },
                exact: exact_for(*i),
            }
        }
        None => scan,
    }
}

/// How many matches a walk must find before it may stop (`skip + limit`), or None for all.
pub fn wanted(query: &Query) -> Option<usize> {
    let limit = query.limit.unwrap_or(100);
    if limit == u32::MAX {
        return None;
    }
    Some(query.skip.unwrap_or(0) as usize + limit as usize)
}

/// Collects the answer of a query from records read in a plan's order, keeping only what the
/// answer can need: with an ordered walk it stops once `skip + limit` matches are in and the
/// group of ties being read is complete; otherwise it keeps the best `skip + limit` so far.
/// Memory stays bounded by the page, not the store (except for queries without a limit).
pub struct Walk<'a> {
    schema: &'a ClassSchema,
    query: Query,
    subs: &'a dyn SubQueries,
    /// The field whose groups of ties the walk reads in order; `Some("")`: ordered by objectId.
    group_by: Option<&'a str>,
    /// The walk's order is the answer's whole order (the index's field ascending, then
    /// objectId): the first `wanted` matches are the answer, with no group of ties to finish.
    in_order: bool,
    wanted: Option<usize>,
    group: Option<Value>,
    kept: Vec<Value>,
    done: bool,
    counting: bool,
    count: usize,
}

impl<'a> Walk<'a> {
    /// A walk answering `query` (its page) read through `plan`.
    pub fn find(
        schema: &'a ClassSchema,
        query: &Query,
        plan: &'a Plan,
        subs: &'a dyn SubQueries,
    ) -> Result<Self> {
        query.compile_where(schema)?; // the same checks as for the server, before any read
        let query = canonical(query);
        let group_by = match &plan.access {
            Access::Index {
                ordered: true,
                keys,
                index,
                ..
            } if keys.len() == 1 => index_defs(schema.class_name)
                .iter()
                .find(|d| d.name == *index)
                .map(|d| d.sort.unwrap_or("")),
            _ => None,
        };
        let forwards = matches!(
            plan.access,
            Access::Index {
                descending: false,
                ..
            }
        );
        let in_order = forwards
            && group_by.is_some_and(|field| {
                let keys = order_keys(&query.order);
                let by_id = (false, "objectId");
                if field.is_empty() {
                    keys.first() == Some(&by_id)
                } else {
                    keys == [(false, field), by_id]
                }
            });
        Ok(Walk {
            schema,
            wanted: wanted(&query),
            query,
            subs,
            group_by,
            in_order,
            group: None,
            kept: Vec::new(),
            done: false,
            counting: false,
            count: 0,
        })
    }

    /// A walk counting the query's matches (limit and skip ignored).
    pub fn count(schema: &'a ClassSchema, query: &Query, subs: &'a dyn SubQueries) -> Result<Self> {
        query.compile_where(schema)?;
        Ok(Walk {
            schema,
            query: query.clone(),
            subs,
            group_by: None,
            in_order: false,
            wanted: None,
            group: None,
            kept: Vec::new(),
            done: false,
            counting: true,
            count: 0,
        })
    }

    /// How many matches the walk needs before it may stop, if it may.
    pub fn wanted(&self) -> Option<usize> {
        self.wanted
    }

    /// Whether the walk can end before its ranges do (an ordered walk with a limit): then its
    /// reads should come in small batches after the first, as only ties may be missing.
    pub fn may_stop(&self) -> bool {
        self.group_by.is_some() && self.wanted.is_some()
    }

    /// How many records the first read should ask for: the page itself when the walk is in
    /// the answer's order, with the record after it otherwise (it may end the group of ties).
    pub fn first_batch(&self) -> Option<usize> {
        let n = self.wanted.filter(|_| self.may_stop())?;
        Some(if self.in_order { n.max(1) } else { n + 1 })
    }

    /// Whether the walk reads in the answer's whole order: its first `wanted` matches are the
    /// answer (ids aside, see [`Self::push`]).
    pub fn in_order(&self) -> bool {
        self.in_order
    }

    /// Whether the walk has all it needs: read no further.
    pub fn done(&self) -> bool {
        self.done
    }

    /// The next record's object, in the plan's order. Answers whether to go on reading.
    pub fn push(&mut self, object: Value) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        if let (true, Some(wanted)) = (self.in_order, self.wanted) {
            if self.kept.len() >= wanted && self.ends_in_order() {
                self.done = true;
                return Ok(false);
            }
        }
        if let (Some(field), Some(wanted)) = (self.group_by, self.wanted) {
            // Ordered by objectId alone, every record is a group of its own.
            let key = if field.is_empty() {
                object.get("objectId").cloned().unwrap_or(Value::Null)
            } else {
                sort_key(self.schema, field, value_at(&object, field))
            };
            if self.group.as_ref() != Some(&key) {
                // A new group of ties begins: the previous ones are complete.
                if self.kept.len() >= wanted {
                    self.done = true;
                    return Ok(false);
                }
                self.group = Some(key);
            }
        }
        if !eval::matches(self.schema, &self.query, &object, self.subs)? {
            return Ok(true);
        }
        if self.counting {
            self.count += 1;
            return Ok(true);
        }
        self.kept.push(object);
        if let (true, Some(wanted)) = (self.in_order, self.wanted) {
            if self.kept.len() >= wanted && self.ends_in_order() {
                self.done = true;
                return Ok(false);
            }
        }
        if self.group_by.is_none() {
            if let Some(wanted) = self.wanted {
                // Keep the best `wanted` so far; sorting in batches keeps it linear-ish.
                if self.kept.len() >= 2 * wanted + 256 {
                    eval::sort(self.schema, &self.query.order, &mut self.kept);
                    self.kept.truncate(wanted);
                }
            }
        }
        Ok(true)
    }

    /// Whether the records kept so far are the first ones in the answer's order too, not only
    /// in the index's: IndexedDB orders objectIds by UTF-16 code units and the evaluator by
    /// bytes, which agree when the ids are ASCII (every later id of a tie group then sorts after
    /// them both ways). Otherwise the walk finishes the group of ties and sorts it.
    fn ends_in_order(&self) -> bool {
        self.kept.iter().all(|o| {
            o.get("objectId")
                .and_then(Value::as_str)
                .is_some_and(|id| id.is_ascii())
        })
    }

    /// The query's answer from what was read.
    pub fn finish(self) -> Result<Vec<Value>> {
        eval::run(self.schema, &self.query, self.kept, self.subs)
    }

    pub fn counted(&self) -> usize {
        self.count
    }
}

/// IndexedDB's key order over JSON-shaped keys (numbers < strings < arrays; strings by UTF-16
/// code units; arrays element-wise, a prefix first), for the tests and for checking plans.
pub fn idb_cmp(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            _ => 2,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.encode_utf16().cmp(y.encode_utf16()),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = idb_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

// Native only: proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::eval::NoSubQueries;
    use crate::schema::{ACTIVITY, DEAL};
    use proptest::prelude::*;
    use serde_json::json;

    fn index(plan: &Plan) -> Option<(&'static str, usize, bool, bool)> {
        match &plan.access {
            Access::Scan => None,
            Access::Index {
                index,
                keys,
                descending,
                ordered,
            } => Some((*index, keys.len(), *descending, *ordered)),
        }
    }

    #[test]
    fn plans_follow_filters_and_order() {
        let won = Query::new().equal_to("stage", "won");
        let p = plan(&DEAL, &won.clone().ascending("expectedCloseDate").limit(50));
        assert_eq!(index(&p), Some(("stage,expectedCloseDate", 1, false, true)));
        assert!(p.exact);
        let p = plan(&DEAL, &won.clone().descending("updatedAt"));
        assert_eq!(index(&p), Some(("stage,updatedAt", 1, true, true)));
        // The last direction of a field named twice wins, as in the evaluator.
        let mut q = won.clone().ascending("amount");
        q.order.push("-amount".into());
        assert_eq!(
            index(&plan(&DEAL, &q)),
            Some(("stage,amount", 1, true, true))
        );
        // Another filter: the same walk, but a count must read the records.
        let q = won.clone().equal_to("title", "x").ascending("amount");
        let p = plan(&DEAL, &q);
        assert_eq!(index(&p), Some(("stage,amount", 1, false, true)));
        assert!(!p.exact);
        // Only equality: any index of the field, in objectId order.
        let p = plan(&DEAL, &won);
        assert_eq!(index(&p).map(|i| (i.1, i.3)), Some((1, false)));
        assert!(p.exact);
        let c1 = json!({"className": "Company", "objectId": "c1"});
        let p = plan(
            &DEAL,
            &Query::new()
                .equal_to("company", c1.clone())
                .descending("amount"),
        );
        assert_eq!(index(&p), Some(("company", 1, false, false)));
        let p = plan(
            &crate::schema::CONTACT,
            &Query::new().equal_to("company", c1),
        );
        assert_eq!(index(&p), Some(("company", 1, false, true)));
        let rel = json!({"className": "Deal", "objectId": "d1"});
        let p = plan(
            &ACTIVITY,
            &Query::new().equal_to("relatedTo", rel).ascending("dueDate"),
        );
        assert_eq!(index(&p), Some(("relatedTo,dueDate", 1, false, true)));
        // containedIn: one range per distinct value, merged by sorting.
        let q = Query::new()
            .with(Constraint::ContainedIn {
                field: "stage".into(),
                values: vec![json!("won"), json!("lost"), json!("won")],
            })
            .ascending("expectedCloseDate");
        let p = plan(&DEAL, &q);
        assert_eq!(index(&p).map(|i| (i.1, i.3)), Some((2, false)));
        assert!(p.exact);
        // Nothing an index answers: a scan.
        for q in [
            Query::new().equal_to("title", "x"),
            Query::new().ascending("expectedCloseDate"),
            Query::new().equal_to("expectedCloseDate", "2026-01-01"),
            // A pointer given as text never equals a stored pointer: not a key.
            Query::new().equal_to("company", "c1"),
        ] {
            assert_eq!(plan(&DEAL, &q).access, Access::Scan, "{q:?}");
        }
    }

    #[test]
    fn sort_keys_order_like_the_evaluator() {
        let k = |v: Value| sort_key(&DEAL, "expectedCloseDate", Some(&v));
        let early = k(json!("2026-01-01T00:00:00.000Z"));
        let late = k(json!({"__type": "Date", "iso": "2026-02-01T00:00:00.000Z"}));
        let damaged = k(json!("soon"));
        let missing = sort_key(&DEAL, "expectedCloseDate", None);
        assert_eq!(idb_cmp(&early, &late), Ordering::Less);
        assert_eq!(idb_cmp(&late, &damaged), Ordering::Less);
        assert_eq!(idb_cmp(&damaged, &missing), Ordering::Less);
        let n = |v: Value| sort_key(&DEAL, "amount", Some(&v));
        assert_eq!(idb_cmp(&n(json!(-0.0)), &n(json!(0))), Ordering::Less);
        assert_eq!(idb_cmp(&n(json!(0)), &n(json!(0.5))), Ordering::Less);
        assert_eq!(idb_cmp(&n(json!(-1)), &n(json!(-0.0))), Ordering::Less);
        assert_eq!(n(json!(0)), n(json!(0.0)));
    }

    /// What IndexedDB holds of `objects` in an index: (key, object) in key order.
    fn entries(def: &IndexDef, objects: &[Value]) -> Vec<(Value, Value)> {
        let mut out: Vec<(Value, Value)> = objects
            .iter()
            .filter_map(|o| {
                let keys = index_keys(&DEAL, o);
                let mut key = vec![keys.get(def.eq)?.clone()];
                if let Some(s) = def.sort {
                    key.push(keys.get(s)?.clone());
                }
                key.push(o["objectId"].clone());
                Some((Value::Array(key), o.clone()))
            })
            .collect();
        out.sort_by(|a, b| idb_cmp(&a.0, &b.0));
        out
    }

    /// Runs `query` the way the browser does: the plan's ranges read in its direction into a
    /// [`Walk`], stopping when the walk says so.
    fn run_planned(query: &Query, objects: &[Value]) -> (Vec<Value>, Option<usize>) {
        let p = plan(&DEAL, query);
        let mut walk = Walk::find(&DEAL, query, &p, &NoSubQueries).unwrap();
        let mut count = 0;
        match &p.access {
            Access::Scan => {
                let mut all = objects.to_vec();
                all.sort_by(|a, b| idb_cmp(&a["objectId"], &b["objectId"]));
                for o in all {
                    if !walk.push(o).unwrap() {
                        break;
                    }
                }
            }
            Access::Index {
                index,
                keys,
                descending,
                ..
            } => {
                let def = index_defs("Deal")
                    .iter()
                    .find(|d| d.name == *index)
                    .unwrap();
                let all = entries(def, objects);
                'ranges: for k in keys {
                    let (lo, hi) = range(k);
                    let mut inside: Vec<&(Value, Value)> = all
                        .iter()
                        .filter(|(key, _)| {
                            idb_cmp(key, &lo) == Ordering::Greater
                                && idb_cmp(key, &hi) == Ordering::Less
                        })
                        .collect();
                    count += inside.len();
                    if *descending {
                        inside.reverse();
                    }
                    for (_, o) in inside {
                        if !walk.push(o.clone()).unwrap() {
                            break 'ranges;
                        }
                    }
                }
            }
        }
        (walk.finish().unwrap(), p.exact.then_some(count))
    }

    fn ids(objects: &[Value]) -> Vec<&str> {
        objects
            .iter()
            .map(|o| o["objectId"].as_str().unwrap())
            .collect()
    }

    fn deal() -> impl Strategy<Value = Value> {
        let stage = prop::sample::select(vec!["lead", "won", "lost"]);
        let date = prop_oneof![
            Just(Value::Null),
            (1u32..4, 1u32..4).prop_map(|(m, d)| json!(format!("2026-0{m}-0{d}T00:00:00.000Z"))),
            Just(json!("soon")),
            Just(json!(5)),
        ];
        let amount = prop_oneof![
            Just(Value::Null),
            (0u32..4).prop_map(|n| json!(n * 100)),
            Just(json!(-0.0)),
            Just(json!(0.0)),
            Just(json!("x")),
            Just(json!(true)),
        ];
        let company = prop_oneof![
            Just(Value::Null),
            prop::sample::select(vec!["c1", "c2"])
                .prop_map(|c| json!({"className": "Company", "objectId": c})),
            Just(json!("c1")),
        ];
        (prop::option::of(stage), date.clone(), date, amount, company).prop_map(
            |(stage, ecd, upd, amount, company)| {
                let mut d = json!({"title": "t"});
                for (k, v) in [
                    ("stage", stage.map_or(Value::Null, |s| json!(s))),
                    ("expectedCloseDate", ecd),
                    ("updatedAt", upd),
                    ("amount", amount),
                    ("company", company),
                ] {
                    if !v.is_null() {
                        d[k] = v;
                    }
                }
                d
            },
        )
    }

    fn query() -> impl Strategy<Value = Query> {
        let eq = prop_oneof![
            Just(None),
            prop::sample::select(vec!["lead", "won", "lost"]).prop_map(|s| Some(
                Constraint::EqualTo {
                    field: "stage".into(),
                    value: json!(s)
                }
            )),
            Just(Some(Constraint::ContainedIn {
                field: "stage".into(),
                values: vec![json!("won"), json!("lead")]
            })),
            prop::sample::select(vec!["c1", "c2"]).prop_map(|c| Some(Constraint::EqualTo {
                field: "company".into(),
                value: json!({"className": "Company", "objectId": c})
            })),
        ];
        let extra = prop_oneof![
            Just(None),
            (0u32..4).prop_map(|n| Some(Constraint::GreaterThan {
                field: "amount".into(),
                value: json!(n * 100)
            })),
        ];
        let field = prop::sample::select(vec![
            "expectedCloseDate",
            "-expectedCloseDate",
            "updatedAt",
            "-updatedAt",
            "amount",
            "-amount",
            "title",
            "objectId",
            "-objectId",
        ]);
        (
            eq,
            extra,
            prop::collection::vec(field, 0..3),
            prop::option::of(0u32..30),
            prop::option::of(0u32..10),
        )
            .prop_map(|(eq, extra, order, limit, skip)| Query {
                constraints: eq.into_iter().chain(extra).collect(),
                order: order.into_iter().map(str::to_owned).collect(),
                limit,
                skip,
                ..Query::new()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The contract: a planned walk answers what the evaluator answers over everything,
        /// ties by objectId; an exact plan's range counts are the evaluator's count.
        #[test]
        fn planned_walks_answer_what_the_evaluator_answers(
            deals in prop::collection::vec(deal(), 0..60),
            q in query(),
        ) {
            let objects: Vec<Value> = deals
                .into_iter()
                .enumerate()
                .map(|(i, mut d)| {
                    // Some ids not ASCII (but ordered alike by UTF-16 and bytes): the walks
                    // in the answer's order then finish their groups of ties.
                    let n = (i * 37) % 100;
                    let id = if n % 7 == 0 { format!("é{n:02}") } else { format!("o{n:02}") };
                    d["objectId"] = json!(id);
                    d
                })
                .collect();
            let expected = eval::run(&DEAL, &canonical(&q), objects.clone(), &NoSubQueries).unwrap();
            let (found, count) = run_planned(&q, &objects);
            prop_assert_eq!(ids(&found), ids(&expected), "{:?}", plan(&DEAL, &q));
            if let Some(n) = count {
                prop_assert_eq!(n, eval::count(&DEAL, &q, objects.clone(), &NoSubQueries).unwrap());
            }
        }
    }

    #[test]
    fn a_walk_stops_after_the_page_and_its_ties() {
        let objects: Vec<Value> = (0..100)
            .map(|i| json!({"objectId": format!("o{i:03}"), "stage": "won", "amount": i / 10}))
            .collect();
        let q = Query::new()
            .equal_to("stage", "won")
            .descending("amount")
            .limit(15);
        let p = plan(&DEAL, &q);
        let mut walk = Walk::find(&DEAL, &q, &p, &NoSubQueries).unwrap();
        let def = &index_defs("Deal")[2];
        let mut read = 0;
        for (_, o) in entries(def, &objects).into_iter().rev() {
            read += 1;
            if !walk.push(o).unwrap() {
                break;
            }
        }
        // Two groups of ten ties, then the first record of the third ends the walk.
        assert_eq!(read, 21);
        let found = walk.finish().unwrap();
        assert_eq!(ids(&found)[..3], ["o090", "o091", "o092"]);
        assert_eq!(found.len(), 15);
    }

    #[test]
    fn a_walk_in_the_answers_order_reads_only_the_page() {
        let objects: Vec<Value> = (0..100)
            .map(|i| json!({"objectId": format!("o{i:03}"), "stage": "won", "amount": i / 10}))
            .collect();
        let q = Query::new()
            .equal_to("stage", "won")
            .ascending("amount")
            .limit(15);
        let p = plan(&DEAL, &q);
        let mut walk = Walk::find(&DEAL, &q, &p, &NoSubQueries).unwrap();
        assert_eq!(walk.first_batch(), Some(15));
        let def = &index_defs("Deal")[2];
        let mut read = 0;
        for (_, o) in entries(def, &objects) {
            read += 1;
            if !walk.push(o).unwrap() {
                break;
            }
        }
        // The 15th record is the last of the page, in the middle of a group of ties.
        assert_eq!(read, 15);
        assert_eq!(ids(&walk.finish().unwrap())[13..], ["o013", "o014"]);
        // A non-ASCII id in the page: IndexedDB's order of ids may not be the answer's, so
        // the walk finishes the group of ties (and the record after it ends the walk).
        let mut objects = objects;
        objects[3]["objectId"] = json!("o003\u{1F600}");
        let mut walk = Walk::find(&DEAL, &q, &p, &NoSubQueries).unwrap();
        let mut read = 0;
        for (_, o) in entries(def, &objects) {
            read += 1;
            if !walk.push(o).unwrap() {
                break;
            }
        }
        assert_eq!(read, 21);
        assert_eq!(walk.finish().unwrap().len(), 15);
        // Descending, or ordered by another field too: not the index's order.
        for q in [q.clone().descending("amount"), q.clone().ascending("title")] {
            let p = plan(&DEAL, &q);
            let walk = Walk::find(&DEAL, &q, &p, &NoSubQueries).unwrap();
            assert_eq!(walk.first_batch(), Some(16), "{q:?}");
        }
    }
}
