//! Parse Server's JSON encodings of the value types the CRM models use: dates, pointers,
//! included (fetched) objects and ACLs.
//!
//! Two shapes exist for each value: the wire shape Parse speaks
//! (`{"__type":"Date","iso":…}`, `{"__type":"Pointer","className","objectId"}`) and the shape
//! JavaScript users see (an ISO string; `{className, objectId}`). Decoding accepts both, so the
//! same types read server responses and arguments from JS; encoding for the server is done by
//! [`crate::schema`], which knows which field holds which kind of value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An instant, held as milliseconds since the Unix epoch (UTC), written as ISO-8601 with
/// milliseconds (`2026-12-01T00:00:00.000Z`), the form Parse stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate(i64);

/// Years outside 0000..=9999 cannot be written in ISO-8601's basic form Parse expects.
const MIN_MILLIS: i64 = -62_167_219_200_000; // 0000-01-01T00:00:00Z
const MAX_MILLIS: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

impl IsoDate {
    pub fn from_millis(millis: i64) -> Option<Self> {
        (MIN_MILLIS..=MAX_MILLIS)
            .contains(&millis)
            .then_some(Self(millis))
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Parses `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM[:SS[.fff…]]` followed by `Z` or `±HH:MM`.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let num = |from: usize, len: usize| -> Option<i64> {
            let part = b.get(from..from + len)?;
            part.iter().try_fold(0i64, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
            })
        };
        let year = num(0, 4)?;
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let (month, day) = (num(5, 2)?, num(8, 2)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let mut millis = days_from_civil(year, month, day) * 86_400_000;
        if b.len() == 10 {
            return Self::from_millis(millis);
        }
        if !matches!(b.get(10), Some(b'T') | Some(b't') | Some(b' ')) || b.get(13) != Some(&b':') {
            return None;
        }
        let (hour, minute) = (num(11, 2)?, num(14, 2)?);
        let mut pos = 16;
        let mut second = 0;
        let mut fraction_ms = 0;
        if b.get(pos) == Some(&b':') {
            second = num(pos + 1, 2)?;
            pos += 3;
            if b.get(pos) == Some(&b'.') {
                pos += 1;
                let start = pos;
                while b.get(pos).is_some_and(u8::is_ascii_digit) {
                    pos += 1;
                }
                let digits = &b[start..pos];
                if digits.is_empty() {
                    return None;
                }
                for i in 0..3 {
                    fraction_ms =
                        fraction_ms * 10 + digits.get(i).map_or(0, |d| i64::from(d - b'0'));
                }
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        millis += ((hour * 60 + minute) * 60 + second) * 1000 + fraction_ms;
        match b.get(pos) {
            Some(b'Z') | Some(b'z') if pos + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) if pos + 6 == b.len() && b[pos + 3] == b':' => {
                let (oh, om) = (num(pos + 1, 2)?, num(pos + 4, 2)?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let offset = (oh * 60 + om) * 60_000;
                millis += if sign == b'+' { -offset } else { offset };
            }
            _ => return None,
        }
        Self::from_millis(millis)
    }

    /// The wire shape: `{"__type":"Date","iso":"…"}`.
    pub fn to_wire(self) -> Value {
        serde_json::json!({ "__type": "Date", "iso": self.to_string() })
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400_000);
        let ms_of_day = self.0.rem_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        let (secs, ms) = (ms_of_day / 1000, ms_of_day % 1000);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    /// An ISO string (JS shape) or `{"__type":"Date","iso":…}` (wire shape), read without
    /// buffering: dates are on every hot decoding path.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl<'de> de::Visitor<'de> for DateVisitor {
            type Value = IsoDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date: an ISO-8601 string or {\"__type\":\"Date\",\"iso\":…}")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<IsoDate, E> {
                IsoDate::parse(text)
                    .ok_or_else(|| E::custom(format!("not an ISO-8601 date: {text:?}")))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<IsoDate, A::Error> {
                let mut iso: Option<IsoDate> = None;
                while let Some(key) = map.next_key::<BorrowedOrOwned<'de>>()?.map(|k| k.0) {
                    if key == "iso" {
                        iso = Some(map.next_value()?);
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                iso.ok_or_else(|| de::Error::custom("a Date object without iso"))
            }
        }
        d.deserialize_any(DateVisitor)
    }
}

/// Milliseconds since the epoch to (year, month) in UTC, for grouping by month.
pub fn year_month(millis: i64) -> (i64, i64) {
    let (y, m, _) = civil_from_days(millis.div_euclid(86_400_000));
    (y, m)
}

/// A reference to an object by class and id, as `{className, objectId}` (JS) or
/// `{"__type":"Pointer", className, objectId}` (wire).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pointer {
    // A Cow: pointers decoded by the typed models name a fixed class, so nothing is allocated.
    pub class_name: Cow<'static, str>,
    pub object_id: String,
}

impl Pointer {
    pub fn new(class_name: impl Into<Cow<'static, str>>, object_id: impl Into<String>) -> Self {
        Self {
            class_name: class_name.into(),
            object_id: object_id.into(),
        }
    }

    pub fn to_wire(&self) -> Value {
        serde_json::json!({
            "__type": "Pointer",
            "className": self.class_name,
            "objectId": self.object_id,
        })
    }
}

/// A Parse class: its name on the server and how to find an object's id.
pub trait ParseClass {
    const CLASS_NAME: &'static str;
    fn object_id(&self) -> Option<&str>;
}

/// A pointer field's value: the bare pointer, or the whole object when the query asked for it
/// with `include`.
#[derive(Clone, Debug, PartialEq)]
pub enum Ref<T> {
    Pointer(Pointer),
    Object(Box<T>),
}

impl<T: ParseClass> Ref<T> {
    pub fn to(object_id: impl Into<String>) -> Self {
        Ref::Pointer(Pointer::new(T::CLASS_NAME, object_id))
    }

    pub fn object_id(&self) -> Option<&str> {
        match self {
            Ref::Pointer(p) => Some(&p.object_id),
            Ref::Object(o) => o.object_id(),
        }
    }

    /// The included object, if the query fetched it.
    pub fn object(&self) -> Option<&T> {
        match self {
            Ref::Object(o) => Some(o),
            Ref::Pointer(_) => None,
        }
    }
}

/// For a newer version of an object that only carries a bare pointer (Live Query events and
/// write answers never include): keeps the object the older version had included, if the
/// pointer still points at it. A changed or removed pointer is taken as it is.
pub fn keep_included<T: ParseClass>(newer: &mut Option<Ref<T>>, older: Option<Ref<T>>) {
    if let (Some(Ref::Pointer(p)), Some(Ref::Object(o))) = (newer.as_ref(), older) {
        if o.object_id() == Some(p.object_id.as_str()) {
            *newer = Some(Ref::Object(o));
        }
    }
}

impl<T: ParseClass + Serialize> Serialize for Ref<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Ref::Pointer(p) => p.serialize(s),
            Ref::Object(o) => {
                // The object plus its className, so JS can tell which class it holds.
                #[derive(Serialize)]
                struct WithClass<'a, T> {
                    #[serde(rename = "className")]
                    class_name: &'static str,
                    #[serde(flatten)]
                    object: &'a T,
                }
                WithClass {
                    class_name: T::CLASS_NAME,
                    object: o.as_ref(),
                }
                .serialize(s)
            }
        }
    }
}

impl<'de, T: ParseClass + serde::de::DeserializeOwned> Deserialize<'de> for Ref<T> {
    /// A bare pointer (`className`, `objectId`, maybe `__type`) is read without buffering;
    /// anything with more keys is an included object, decoded as `T`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RefVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: ParseClass + serde::de::DeserializeOwned> de::Visitor<'de> for RefVisitor<T> {
            type Value = Ref<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(
                    f,
                    "a pointer to {} ({{className, objectId}}) or an included object",
                    T::CLASS_NAME
                )
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Ref<T>, A::Error> {
                let mut class: Option<Cow<'de, str>> = None;
                let mut id: Option<String> = None;
                let mut rest: Option<serde_json::Map<String, Value>> = None;
                while let Some(key) = map.next_key::<BorrowedOrOwned<'de>>()?.map(|k| k.0) {
                    match key.as_ref() {
                        "className" => class = Some(map.next_value::<BorrowedOrOwned<'de>>()?.0),
                        "objectId" => id = Some(map.next_value()?),
                        "__type" => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                        _ => {
                            let v: Value = map.next_value()?;
                            rest.get_or_insert_with(serde_json::Map::new)
                                .insert(key.into_owned(), v);
                        }
                    }
                }
                if let Some(c) = &class {
                    if c != T::CLASS_NAME {
                        return Err(de::Error::custom(format!(
                            "expected a pointer to {}, got className {c:?}",
                            T::CLASS_NAME
                        )));
                    }
                }
                let id = id.filter(|id| !id.is_empty());
                match rest {
                    None => {
                        let id = id.ok_or_else(|| {
                            de::Error::custom(format!(
                                "pointer to {} without objectId",
                                T::CLASS_NAME
                            ))
                        })?;
                        Ok(Ref::Pointer(Pointer::new(T::CLASS_NAME, id)))
                    }
                    Some(mut fields) => {
                        if let Some(id) = id {
                            fields.insert("objectId".into(), Value::String(id));
                        }
                        let object =
                            T::deserialize(Value::Object(fields)).map_err(de::Error::custom)?;
                        Ok(Ref::Object(Box::new(object)))
                    }
                }
            }
        }
        d.deserialize_map(RefVisitor(std::marker::PhantomData))
    }
}

/// A string borrowed from the input when it can be (serde's `Cow<str>` always copies).
pub(crate) struct BorrowedOrOwned<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for BorrowedOrOwned<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = BorrowedOrOwned<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedOrOwned(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedOrOwned(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(BorrowedOrOwned(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Who may read and write an object: keys are user ids, `role:NAME` or `*`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Acl(pub BTreeMap<String, AclEntry>);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct AclEntry {
    #[serde(default)]
    pub read: bool,
    #[serde(default)]
    pub write: bool,
}

// Parse writes only the permissions that are granted.
impl Serialize for AclEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if self.read {
            map.serialize_entry("read", &true)?;
        }
        if self.write {
            map.serialize_entry("write", &true)?;
        }
        map.end()
    }
}

impl Acl {
    pub fn can_read(&self, key: &str) -> bool {
        self.0.get(key).is_some_and(|e| e.read)
    }
    pub fn can_write(&self, key: &str) -> bool {
        self.0.get(key).is_some_and(|e| e.write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_iso_text() {
        for text in [
            "2026-12-01T00:00:00.000Z",
            "1970-01-01T00:00:00.000Z",
            "1969-12-31T23:59:59.999Z",
            "2000-02-29T12:34:56.789Z",
            "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            let d = IsoDate::parse(text).expect(text);
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(
            IsoDate::parse("1970-01-01T00:00:01.000Z").map(IsoDate::millis),
            Some(1000)
        );
    }

    #[test]
    fn dates_accept_common_variants_and_normalise_to_utc() {
        let utc = IsoDate::parse("2026-03-01T10:00:00.000Z");
        assert_eq!(IsoDate::parse("2026-03-01T10:00:00Z"), utc);
        assert_eq!(IsoDate::parse("2026-03-01T10:00Z"), utc);
        assert_eq!(IsoDate::parse("2026-03-01T12:00:00+02:00"), utc);
        assert_eq!(IsoDate::parse("2026-03-01T05:30:00.000-04:30"), utc);
        assert_eq!(IsoDate::parse("2026-03-01T10:00:00.0001234Z"), utc);
        assert_eq!(
            IsoDate::parse("2026-03-01")
                .map(|d| d.to_string())
                .as_deref(),
            Some("2026-03-01T00:00:00.000Z")
        );
    }

    #[test]
    fn dates_reject_malformed_text() {
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2026-02-29",
            "2026-02-30T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.Z",
            "yesterday",
            "2026-01-01T00:00:00Zjunk",
            "2026-01-01T00:00:00+0200",
            "२०२६-01-01",
            "2026-01-01T00:00:00+02:00x",
        ] {
            assert_eq!(IsoDate::parse(bad), None, "{bad:?} should not parse");
        }
    }

    #[test]
    fn dates_decode_from_both_shapes() {
        let wire: IsoDate =
            serde_json::from_str(r#"{"__type":"Date","iso":"2026-12-01T00:00:00.000Z"}"#).unwrap();
        let js: IsoDate = serde_json::from_str(r#""2026-12-01T00:00:00.000Z""#).unwrap();
        assert_eq!(wire, js);
        assert_eq!(
            wire.to_wire(),
            serde_json::json!({"__type":"Date","iso":"2026-12-01T00:00:00.000Z"})
        );
        assert!(serde_json::from_str::<IsoDate>("12").is_err());
        assert!(serde_json::from_str::<IsoDate>(r#"{"iso":"nope"}"#).is_err());
    }

    #[test]
    fn acl_serialises_only_granted_permissions() {
        let acl: Acl = serde_json::from_str(
            r#"{"u1":{"read":true,"write":true},"role:sales-manager":{"read":true}}"#,
        )
        .unwrap();
        assert!(acl.can_read("u1") && acl.can_write("u1"));
        assert!(acl.can_read("role:sales-manager") && !acl.can_write("role:sales-manager"));
        assert!(!acl.can_read("u2"));
        assert_eq!(
            serde_json::to_value(&acl).unwrap(),
            serde_json::json!({"role:sales-manager":{"read":true},"u1":{"read":true,"write":true}})
        );
    }
}
