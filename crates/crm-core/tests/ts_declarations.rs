//! `ts/crm-core.d.ts` is the TypeScript side of the core's types (crm-wasm publishes it in its
//! `.d.ts`). This test keeps the two from drifting apart: every declared interface is read
//! field by field against its Rust type (the field exists on the Rust side, is optional exactly
//! when declared `?`, and a serialized value has exactly the declared keys), every declared
//! string union against its Rust enum (both ways), and every `Constraint` alternative against
//! the Rust variants.

use std::collections::{BTreeMap, BTreeSet};

use crm_core::client::ClientOptions;
use crm_core::live::{LiveEventKind, LiveOptions, LiveStatus};
use crm_core::offline::{ConflictPolicy, LocalOptions, SyncReport, SyncState, SyncStatus};
use crm_core::pipeline::{
    ColumnSummary, Filter, MonthRevenue, Probabilities, Sort, SortKey, StageAge, Stats,
};
use crm_core::query::{Constraint, Query, CONSTRAINT_OPS};
use crm_core::search::{SearchHit, SearchKind};
use crm_core::{Activity, Company, Contact, Deal, Pointer, User};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Field name -> (optional, declared type).
type Fields = BTreeMap<String, (bool, String)>;

struct Declarations {
    interfaces: BTreeMap<String, Fields>,
    /// `export type X = ...;`, the right-hand side.
    types: BTreeMap<String, String>,
}

fn declarations() -> Declarations {
    let text = crm_core::TS_DECLARATIONS;
    // Doc comments out; line comments out.
    let mut plain = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        plain.push_str(&rest[..start]);
        let end = rest[start..].find("*/").expect("unclosed comment") + start + 2;
        rest = &rest[end..];
    }
    plain.push_str(rest);
    let plain: String = plain
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut interfaces = BTreeMap::new();
    let mut types = BTreeMap::new();
    let mut rest = plain.as_str();
    while let Some(at) = rest.find("export ") {
        rest = &rest[at + "export ".len()..];
        if let Some(decl) = rest.strip_prefix("interface ") {
            let name = decl.split_whitespace().next().unwrap().to_owned();
            let body_start = decl.find('{').unwrap() + 1;
            let body_end = decl.find("\n}").unwrap();
            let mut fields = Fields::new();
            for line in decl[body_start..body_end].lines().map(str::trim) {
                if line.is_empty() {
                    continue;
                }
                let (key, ty) = line.split_once(':').expect(line);
                let optional = key.ends_with('?');
                let ty = ty.trim().trim_end_matches(';').trim();
                // `undefined` is allowed where a key may be left out (exactOptionalPropertyTypes).
                let ty = match ty.strip_suffix(" | undefined") {
                    Some(t) if optional => t,
                    _ => {
                        assert!(
                            !optional,
                            "{name}.{key}: an optional field also takes undefined"
                        );
                        ty
                    }
                }
                .to_owned();
                fields.insert(key.trim_end_matches('?').to_owned(), (optional, ty));
            }
            interfaces.insert(name, fields);
        } else if let Some(decl) = rest.strip_prefix("type ") {
            let (name, rhs) = decl.split_once('=').unwrap();
            let rhs = &rhs[..rhs.find(";\n").unwrap_or(rhs.len())];
            types.insert(
                name.trim().to_owned(),
                rhs.trim().trim_end_matches(';').to_owned(),
            );
        }
    }
    Declarations { interfaces, types }
}

/// A valid value of a declared type, and one of the wrong kind.
fn sample(d: &Declarations, ty: &str) -> (Value, Value) {
    let date = json!("2026-01-01T00:00:00.000Z");
    let pointer = |class: &str| json!({"className": class, "objectId": "x1"});
    let good = match ty {
        "string" => json!("x"),
        "number" => json!(1),
        "boolean" => json!(true),
        "IsoDate" => date,
        "Stage" | "Stage | UnknownStage" => json!("lead"),
        "ActivityType" | "ActivityType | UnknownActivityType" => json!("call"),
        "SortKey" => json!("title"),
        "SyncState" => json!("idle"),
        "CrmErrorCode" => json!("INVALID_SESSION"),
        "SearchKind" => json!("Deal"),
        "ConflictPolicy" => json!("serverWins"),
        "Acl" => json!({"*": {"read": true}}),
        "RelatedTo" => pointer("Deal"),
        "Ref<User>" => pointer("_User"),
        t if t.starts_with("Ref<") => pointer(&t[4..t.len() - 1]),
        "Constraint" => json!({"op": "exists", "field": "title"}),
        t if t.ends_with("[]") => json!([sample(d, &t[..t.len() - 2]).0]),
        t if d.interfaces.contains_key(t) => object(d, &d.interfaces[t], None, None),
        other => panic!("no sample for the declared type {other}"),
    };
    let stringish = good.is_string();
    (good, if stringish { json!({}) } else { json!("bad") })
}

fn object(
    d: &Declarations,
    fields: &Fields,
    leave_out: Option<&str>,
    replace: Option<&str>,
) -> Value {
    let mut o = Map::new();
    for (name, (_, ty)) in fields {
        if Some(name.as_str()) == leave_out {
            continue;
        }
        let (good, bad) = sample(d, ty);
        o.insert(
            name.clone(),
            if Some(name.as_str()) == replace {
                bad
            } else {
                good
            },
        );
    }
    Value::Object(o)
}

/// The declared interface `name` reads as `T`: every field is read (a value of the wrong kind
/// is refused), a required one is required and an optional one is not.
fn reads_as<T: DeserializeOwned>(d: &Declarations, name: &str) -> T {
    let fields = d
        .interfaces
        .get(name)
        .unwrap_or_else(|| panic!("no interface {name}"));
    let full: T = serde_json::from_value(object(d, fields, None, None))
        .unwrap_or_else(|e| panic!("{name}: a full sample is refused: {e}"));
    for (field, (optional, _)) in fields {
        let wrong = object(d, fields, None, Some(field));
        assert!(
            serde_json::from_value::<T>(wrong).is_err(),
            "{name}.{field}: the Rust type does not read it (a wrong value is accepted)"
        );
        let without = serde_json::from_value::<T>(object(d, fields, Some(field), None));
        assert_eq!(
            without.is_ok(),
            *optional,
            "{name}.{field}: declared {}, but the Rust type {}",
            if *optional { "optional" } else { "required" },
            if without.is_ok() {
                "does not require it"
            } else {
                "requires it"
            }
        );
    }
    full
}

/// [`reads_as`], and the value written back has exactly the declared keys.
fn round_trips<T: DeserializeOwned + Serialize>(d: &Declarations, name: &str) {
    let value: T = reads_as(d, name);
    written_as(d, name, &value);
}

/// A value of `T` with every optional field set writes exactly the declared keys.
fn written_as<T: Serialize>(d: &Declarations, name: &str, value: &T) {
    let declared: BTreeSet<&String> = d.interfaces[name].keys().collect();
    let written = serde_json::to_value(value).unwrap();
    let written: BTreeSet<&String> = written.as_object().unwrap().keys().collect();
    assert_eq!(
        written, declared,
        "{name}: the keys written differ from the declaration"
    );
}

/// The declared string union `name` is exactly the values `all` serialize to, and each reads.
fn union_is<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    d: &Declarations,
    name: &str,
    all: &[T],
) {
    let declared: BTreeSet<String> = d.types[name]
        .split('|')
        .map(|v| v.trim().trim_matches('"').to_owned())
        .collect();
    let rust: BTreeSet<String> = all
        .iter()
        .map(|v| {
            serde_json::to_value(v)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(declared, rust, "{name}");
    for v in all {
        let back: T = serde_json::from_value(serde_json::to_value(v).unwrap()).unwrap();
        assert_eq!(&back, v);
    }
}

#[test]
fn models_match_their_declarations() {
    let d = declarations();
    round_trips::<Activity>(&d, "Activity");
    round_trips::<Company>(&d, "Company");
    round_trips::<Contact>(&d, "Contact");
    round_trips::<Deal>(&d, "Deal");
    round_trips::<User>(&d, "User");
    round_trips::<Pointer>(&d, "Pointer");
}

#[test]
fn queries_and_pipeline_views_match_their_declarations() {
    let d = declarations();
    round_trips::<Query>(&d, "Query");
    round_trips::<Filter>(&d, "Filter");
    round_trips::<Sort>(&d, "Sort");
    round_trips::<Probabilities>(&d, "Probabilities");
    round_trips::<ColumnSummary>(&d, "ColumnSummary");
    round_trips::<Stats>(&d, "Stats");
    round_trips::<StageAge>(&d, "StageAge");
    round_trips::<MonthRevenue>(&d, "MonthRevenue");
    round_trips::<SyncReport>(&d, "SyncReport");
    // Only written: every field always is.
    written_as(&d, "SyncStatus", &SyncStatus::opened(true, 1));
    round_trips::<SearchHit>(&d, "SearchHit");
}

#[test]
fn options_match_their_declarations() {
    let d = declarations();
    let _: ClientOptions = reads_as(&d, "ClientOptions");
    let _: LiveOptions = reads_as(&d, "LiveOptions");
    let _: LocalOptions = reads_as(&d, "LocalOptions");
}

#[test]
fn string_unions_match_their_enums() {
    let d = declarations();
    // Each list is checked complete by a match without a wildcard: a new variant fails to
    // compile here until it is listed (and declared).
    use LiveEventKind as K;
    let kinds = [K::Create, K::Update, K::Delete, K::Enter, K::Leave];
    kinds.iter().for_each(|k| match k {
        K::Create | K::Update | K::Delete | K::Enter | K::Leave => {}
    });
    union_is(&d, "LiveEventKind", &kinds);
    use LiveStatus as L;
    let statuses = [L::Connecting, L::Connected, L::Disconnected, L::Closed];
    statuses.iter().for_each(|s| match s {
        L::Connecting | L::Connected | L::Disconnected | L::Closed => {}
    });
    union_is(&d, "LiveStatus", &statuses);
    use SortKey as S;
    let keys = [S::ExpectedCloseDate, S::UpdatedAt, S::Amount, S::Title];
    keys.iter().for_each(|k| match k {
        S::ExpectedCloseDate | S::UpdatedAt | S::Amount | S::Title => {}
    });
    union_is(&d, "SortKey", &keys);
    use ConflictPolicy as C;
    let policies = [C::LastWriterWins, C::ServerWins];
    policies.iter().for_each(|p| match p {
        C::LastWriterWins | C::ServerWins => {}
    });
    union_is(&d, "ConflictPolicy", &policies);
    use SearchKind as SK;
    let search_kinds = [SK::Deal, SK::Contact, SK::Company];
    search_kinds.iter().for_each(|k| match k {
        SK::Deal | SK::Contact | SK::Company => {}
    });
    union_is(&d, "SearchKind", &search_kinds);
    let states = [
        SyncState::Idle,
        SyncState::Syncing,
        SyncState::Offline,
        SyncState::Error,
        SyncState::Closed,
    ];
    let written: BTreeSet<String> = states
        .iter()
        .map(|s| match s {
            SyncState::Idle
            | SyncState::Syncing
            | SyncState::Offline
            | SyncState::Error
            | SyncState::Closed => serde_json::to_value(s)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned(),
        })
        .collect();
    let declared: BTreeSet<String> = d.types["SyncState"]
        .split('|')
        .map(|v| v.trim().trim_matches('"').to_owned())
        .collect();
    assert_eq!(written, declared, "SyncState");
}

/// One source for the error codes: the declared `CrmErrorCode` union and the README's table are
/// exactly `crm_core::error::CODES` (itself checked against every error's `code()`).
#[test]
fn error_codes_are_declared_and_documented() {
    let d = declarations();
    let rust: BTreeSet<String> = crm_core::error::CODES
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    let declared: BTreeSet<String> = d.types["CrmErrorCode"]
        .split('|')
        .map(|v| v.trim().trim_matches('"').to_owned())
        .collect();
    assert_eq!(declared, rust, "CrmErrorCode");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let section = readme
        .split("### Error codes")
        .nth(1)
        .expect("README has an Error codes section");
    let section = &section[..section.find("\n#").unwrap_or(section.len())];
    // The table's rows: "| `CODE` | when |".
    let documented: BTreeSet<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect();
    assert_eq!(documented, rust, "the README's table of error codes");
}

#[test]
fn every_constraint_alternative_is_a_rust_variant_and_back() {
    let d = declarations();
    let union = &d.types["Constraint"];
    let mut declared = BTreeSet::new();
    for alternative in union.split(" | ") {
        let body = alternative
            .trim()
            .trim_start_matches('{')
            .trim_end_matches('}');
        let mut o = Map::new();
        for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, ty) = part.split_once(':').unwrap();
            // An optional key is written only when set: sample it set.
            let key = key.trim().trim_end_matches('?');
            let value = match (key, ty.trim()) {
                ("op", op) => json!(op.trim_matches('"')),
                (_, "string") => json!("title"),
                (_, "QueryValue") => json!("x"),
                (_, "QueryValue[]") => json!(["x"]),
                (_, "Query") => json!({}),
                (_, "Query[]") => json!([{}]),
                (_, "boolean") => json!(true),
                (k, t) => panic!("Constraint: no sample for {k}: {t}"),
            };
            o.insert(key.to_owned(), value);
        }
        let op = o["op"].as_str().unwrap().to_owned();
        let c: Constraint = serde_json::from_value(Value::Object(o.clone()))
            .unwrap_or_else(|e| panic!("Constraint {op}: {e}"));
        assert_eq!(serde_json::to_value(&c).unwrap(), Value::Object(o), "{op}");
        declared.insert(op);
    }
    // Every Rust variant, by a match without a wildcard.
    let op = |c: &Constraint| -> &'static str {
        use Constraint as C;
        match c {
            C::EqualTo { .. } => "equalTo",
            C::NotEqualTo { .. } => "notEqualTo",
            C::LessThan { .. } => "lessThan",
            C::LessThanOrEqualTo { .. } => "lessThanOrEqualTo",
            C::GreaterThan { .. } => "greaterThan",
            C::GreaterThanOrEqualTo { .. } => "greaterThanOrEqualTo",
            C::ContainedIn { .. } => "containedIn",
            C::NotContainedIn { .. } => "notContainedIn",
            C::Exists { .. } => "exists",
            C::DoesNotExist { .. } => "doesNotExist",
            C::StartsWith { .. } => "startsWith",
            C::Contains { .. } => "contains",
            C::EndsWith { .. } => "endsWith",
            C::MatchesQuery { .. } => "matchesQuery",
            C::DoesNotMatchQuery { .. } => "doesNotMatchQuery",
            C::Or { .. } => "or",
            C::And { .. } => "and",
        }
    };
    let rust: BTreeSet<String> = CONSTRAINT_OPS.iter().map(|op| (*op).to_owned()).collect();
    let _ = op; // the match above is the completeness check
    assert_eq!(declared, rust);
}

/// The other direction: every field the backend's schema gives a CRM class is declared (a field
/// added to the models and the schema but not to the declarations compiled and round-tripped,
/// since an absent optional field is simply not written).
#[test]
fn every_schema_field_is_declared() {
    let d = declarations();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../backend/crm-schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for class in schema["classes"].as_array().unwrap() {
        let name = class["className"].as_str().unwrap();
        if !["Deal", "Contact", "Company", "Activity"].contains(&name) {
            continue;
        }
        for field in class["fields"].as_object().unwrap().keys() {
            if field == "ACL" {
                continue;
            }
            assert!(
                d.interfaces[name].contains_key(field),
                "{name}.{field} is in backend/crm-schema.json but not declared in ts/crm-core.d.ts"
            );
        }
    }
}

#[test]
fn every_declaration_is_checked() {
    let d = declarations();
    let checked = [
        "Activity",
        "Company",
        "Contact",
        "Deal",
        "User",
        "Pointer",
        "Query",
        "Filter",
        "Sort",
        "Probabilities",
        "ColumnSummary",
        "Stats",
        "StageAge",
        "MonthRevenue",
        "SyncReport",
        "SyncStatus",
        "ClientOptions",
        "LiveOptions",
        "LocalOptions",
        "LiveEventKind",
        "LiveStatus",
        "SortKey",
        "ConflictPolicy",
        "SyncState",
        "Constraint",
        "SearchHit",
        "SearchKind",
        "CrmErrorCode",
    ];
    let declared: BTreeSet<&str> = d
        .interfaces
        .keys()
        .chain(d.types.keys())
        .map(String::as_str)
        .collect();
    assert_eq!(declared, checked.into_iter().collect::<BTreeSet<_>>());
}
