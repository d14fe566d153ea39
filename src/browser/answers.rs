//! The local store's remembered answers: the records of a recent page query, or a count, kept
//! with the class's stamp at the moment they were read. Every write transaction on a class
//! (in any tab: the stamp lives in the database's meta store) puts a new random stamp, so an
//! answer is given again only if the stamp read in a new transaction is still the one it was
//! read at: the same answer that transaction would have read from the index, without reading it.
//! Bounded: [`MAX_ENTRIES`] answers holding at most [`MAX_RECORDS`] objects in all, in the JS
//! heap (as the stored records, or the answer's JSON text), not in wasm memory.
//!
//! A write knows what it changed, so an answer whose [`Scope`] says what it covers (a page of
//! one index range, a count of index ranges, a count of the class) is carried over to the
//! write's new stamp with those changes applied ([`Answers::catch_up`]). The stamp record keeps
//! a short log of the last small writes ([`Step`]s, see [`logged`]), so a tab whose answers are
//! a few writes behind, made in another tab, catches them up from the stamp it reads anyway:
//! the app asking again after any tab's edit is answered without reading the records.

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::VecDeque;

use wasm_bindgen::{JsCast, JsValue};

use super::idb;
use crate::offline::plan::IndexDef;

/// Answers kept per store; the least recently used goes first.
pub const MAX_ENTRIES: usize = 32;
/// Objects kept in all answers together; a longer answer is not kept.
pub const MAX_RECORDS: usize = 2000;

#[derive(Clone)]
pub enum Answer {
    /// The stored records of a page, in the answer's order, from its first (skip included).
    Records(js_sys::Array),
    /// A page's JSON text (a JS string), and how many objects it holds.
    Text(wasm_bindgen::JsValue, usize),
    Count(usize),
}

impl Answer {
    fn objects(&self) -> usize {
        match self {
            Answer::Records(records) => records.length() as usize,
            Answer::Text(_, n) => *n,
            Answer::Count(_) => 0,
        }
    }
}

/// What a remembered answer covers, for carrying it over a write made here.
pub enum Scope {
    /// The first `wanted` records of `index` strictly between `lo` and `hi`, in key order.
    Page {
        def: &'static IndexDef,
        lo: JsValue,
        hi: JsValue,
        wanted: usize,
    },
    /// How many records of `index` lie strictly within the (disjoint) ranges.
    Counted {
        def: &'static IndexDef,
        ranges: Vec<(JsValue, JsValue)>,
    },
    /// How many records the class holds.
    All,
}

/// One record written by a write made here: the stored record before and after (undefined where
/// there was none, or is none now: a create, a delete).
pub struct Change {
    pub id: String,
    pub before: JsValue,
    pub after: JsValue,
}

/// At most this many records written at once are carried into this tab's answers; a bigger
/// write makes them be read again.
pub const CARRY_MAX: usize = 16;
/// The log of recent writes holds at most this many records, and this much of their JSON text
/// (in UTF-16 units): it is read with every stamp, so it is kept small (a write's record
/// before it is kept as its keys alone, all a carry needs of it).
const LOG_MAX_RECORDS: usize = 8;
const LOG_MAX_TEXT: usize = 16 * 1024;

/// One write transaction on a class: the stamp it found, the stamp it put, what it changed.
pub struct Step {
    pub from: f64,
    pub to: f64,
    pub changes: Vec<Change>,
}

fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// The log of recent writes a stamp record holds, oldest first, from the first step that starts
/// at one of `held` (the stamps this tab's answers of the class are at: no earlier step is of
/// use, and each step's changes are JSON text, parsed only here). What cannot be read is left
/// out (an answer then cannot be carried through it, and is read again).
pub fn steps_of(record: &JsValue, held: &[f64]) -> Vec<Step> {
    let Ok(log) = get(record, "log").dyn_into::<js_sys::Array>() else {
        return Vec::new();
    };
    let mut steps = Vec::with_capacity(log.length() as usize);
    for step in log.iter() {
        let (Some(from), Some(to)) = (get(&step, "from").as_f64(), get(&step, "to").as_f64())
        else {
            return Vec::new();
        };
        if steps.is_empty() && !held.contains(&from) {
            continue;
        }
        let Some(changes) = get(&step, "text")
            .as_string()
            .and_then(|text| js_sys::JSON::parse(&text).ok())
            .and_then(|c| c.dyn_into::<js_sys::Array>().ok())
        else {
            return Vec::new();
        };
        let mut read = Vec::with_capacity(changes.length() as usize);
        for c in changes.iter() {
            let Some(id) = get(&c, "id").as_string() else {
                return Vec::new();
            };
            let (before, after) = (get(&c, "before"), get(&c, "after"));
            if !(logged_as(&before, &id, false) && logged_as(&after, &id, true)) {
                return Vec::new();
            }
            read.push(Change { id, before, after });
        }
        steps.push(Step {
            from,
            to,
            changes: read,
        });
    }
    steps
}

/// Whether `record`, logged as a change of `id`, can be carried: none, or the record of `id`
/// (and, for a record after the write, one whose JSON text is an object, as a page hands it
/// out). A damaged log then makes an answer be read again rather than fail or be wrong.
fn logged_as(record: &JsValue, id: &str, whole: bool) -> bool {
    if record.is_undefined() {
        return true;
    }
    if !record.is_object() || get(record, "objectId").as_string().as_deref() != Some(id) {
        return false;
    }
    !whole
        || get(record, "json")
            .as_string()
            .and_then(|text| js_sys::JSON::parse(&text).ok())
            .is_some_and(|o| o.is_object() && !js_sys::Array::is_array(&o))
}

/// The log to keep with a new stamp: `found`'s log (the stamp record the write found), then
/// `step`, with the oldest steps left out beyond [`LOG_MAX_RECORDS`] or [`LOG_MAX_TEXT`].
/// Empty when the write is not logged (`step` None: it changed too much): no answer read
/// before it can be carried past it.
pub fn logged(found: &JsValue, step: Option<&Step>) -> JsValue {
    let Some(step) = step else {
        return js_sys::Array::new().into();
    };
    let changes: js_sys::Array = step
        .changes
        .iter()
        .map(|c| js_sys::Array::of3(&JsValue::from_str(&c.id), &c.before, &c.after))
        .collect();
    crm_wasm_logged(
        found,
        step.from,
        step.to,
        &changes,
        LOG_MAX_RECORDS as u32,
        LOG_MAX_TEXT as u32,
    )
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function crm_wasm_logged(found, from, to, changes, maxRecords, maxText) {
  const text = (r) => (r && typeof r.json === 'string' ? r.json.length : 0);
  const keys = (r) => (r && typeof r === 'object' ? { objectId: r.objectId, k: r.k } : undefined);
  const logged = changes.map(([id, before, after]) => ({ id, before: keys(before), after }));
  let records = logged.length;
  let chars = 0;
  for (const c of logged) chars += text(c.after);
  if (records > maxRecords || chars > maxText) return [];
  // Each step's changes as one JSON text: a stamp record is read by every query and written by
  // every write, and one string is copied where a tree of objects is cloned piece by piece.
  const log = [{ from, to, n: records, chars, text: JSON.stringify(logged) }];
  // Earlier steps, newest first, while they fit: only a chain that ends where this one starts.
  const earlier = found && Array.isArray(found.log) ? found.log : [];
  let at = from;
  for (let i = earlier.length - 1; i >= 0; i--) {
    const step = earlier[i];
    if (!step || step.to !== at || typeof step.text !== 'string') break;
    if (!(step.n >= 0 && step.chars >= 0)) break;
    if (records + step.n > maxRecords || chars + step.chars > maxText) break;
    records += step.n;
    chars += step.chars;
    at = step.from;
    log.unshift(step);
  }
  return log;
}
"#)]
extern "C" {
    fn crm_wasm_logged(
        found: &JsValue,
        from: f64,
        to: f64,
        changes: &js_sys::Array,
        max_records: u32,
        max_text: u32,
    ) -> JsValue;
}

struct Entry {
    class: String,
    key: String,
    stamp: f64,
    answer: Answer,
    scope: Option<Scope>,
}

fn in_range(def: &IndexDef, record: &JsValue, lo: &JsValue, hi: &JsValue) -> Option<JsValue> {
    if record.is_undefined() {
        return None;
    }
    let key = super::local_store::key_of(record, Some(def));
    (idb::cmp(&key, lo)? == Ordering::Greater && idb::cmp(&key, hi)? == Ordering::Less)
        .then_some(key)
}

/// `answer` after `changes`, or None if they leave it unknown (a record left a full page, and
/// which record follows it was never read).
fn carried(answer: &Answer, scope: &Scope, changes: &[Change]) -> Option<Answer> {
    match (answer, scope) {
        (Answer::Count(n), Scope::All) => {
            let mut n = *n as i64;
            for c in changes {
                n += i64::from(!c.after.is_undefined()) - i64::from(!c.before.is_undefined());
            }
            Some(Answer::Count(usize::try_from(n).ok()?))
        }
        (Answer::Count(n), Scope::Counted { def, ranges }) => {
            let within = |r: &JsValue| {
                ranges
                    .iter()
                    .any(|(lo, hi)| in_range(def, r, lo, hi).is_some())
            };
            let mut n = *n as i64;
            for c in changes {
                n += i64::from(within(&c.after)) - i64::from(within(&c.before));
            }
            Some(Answer::Count(usize::try_from(n).ok()?))
        }
        (
            Answer::Records(records),
            Scope::Page {
                def,
                lo,
                hi,
                wanted,
            },
        ) => {
            // The records are the first `wanted` of the range, or all of it if fewer.
            let mut page: Vec<JsValue> = records.iter().collect();
            let key = |r: &JsValue| super::local_store::key_of(r, Some(def));
            for c in changes {
                // A page is handed out only of ASCII ids (see `crm_wasm_records_page`).
                if !c.id.is_ascii() {
                    return None;
                }
                let full = page.len() >= *wanted;
                let last = page.last().map(key);
                let id = JsValue::from_str(&c.id);
                let object_id = |r: &JsValue| js_sys::Reflect::get(r, &"objectId".into()).ok();
                let was = page.iter().position(|r| object_id(r).as_ref() == Some(&id));
                if let Some(at) = was {
                    page.remove(at);
                }
                let before_last = |k: &JsValue| {
                    last.as_ref()
                        .is_some_and(|l| idb::cmp(k, l) == Some(Ordering::Less))
                };
                match in_range(def, &c.after, lo, hi) {
                    // Within the records read, or the page held the whole range: it goes in.
                    Some(k) if !full || before_last(&k) => {
                        let at = page
                            .iter()
                            .position(|r| idb::cmp(&key(r), &k) == Some(Ordering::Greater))
                            .unwrap_or(page.len());
                        page.insert(at, c.after.clone());
                        page.truncate(*wanted);
                    }
                    // After the records read, or out of the range: what follows the page is
                    // unknown if it lost a record.
                    _ if full && was.is_some() => return None,
                    _ => {}
                }
            }
            Some(Answer::Records(page.into_iter().collect()))
        }
        _ => None,
    }
}

#[derive(Default)]
pub struct Answers {
    entries: RefCell<VecDeque<Entry>>,
    reused: Cell<u64>,
}

impl Answers {
    /// The answer to `key` of `class` if it was read at `stamp`.
    pub fn get(&self, class: &str, key: &str, stamp: f64) -> Option<Answer> {
        let mut entries = self.entries.borrow_mut();
        let at = entries
            .iter()
            .position(|e| e.class == class && e.key == key)?;
        if entries[at].stamp != stamp {
            entries.remove(at);
            return None;
        }
        let entry = entries.remove(at)?;
        let answer = entry.answer.clone();
        entries.push_front(entry);
        self.reused.set(self.reused.get() + 1);
        Some(answer)
    }

    /// Brings the answers of `class` to the stamp `now`: each is carried through `steps` (the
    /// logged writes, oldest first) from the step that starts at its stamp; one no step starts
    /// at, or that a step cannot carry (see [`carried`]), is dropped.
    pub fn catch_up(&self, class: &str, now: f64, steps: &[Step]) {
        let mut entries = self.entries.borrow_mut();
        entries.retain_mut(|e| {
            if e.class != class || e.stamp == now {
                return true;
            }
            let (Some(scope), Some(first)) =
                (&e.scope, steps.iter().position(|step| step.from == e.stamp))
            else {
                return false;
            };
            let mut answer = e.answer.clone();
            let mut at = e.stamp;
            for step in &steps[first..] {
                match carried(&answer, scope, &step.changes) {
                    Some(next) if step.from == at => (answer, at) = (next, step.to),
                    _ => return false,
                }
            }
            if at != now {
                return false;
            }
            e.answer = answer;
            e.stamp = now;
            true
        });
        // A carried page may have grown (up to its `wanted`).
        while entries.iter().map(|e| e.answer.objects()).sum::<usize>() > MAX_RECORDS {
            entries.pop_back();
        }
    }

    /// The stamps the answers of `class` are at.
    pub fn stamps(&self, class: &str) -> Vec<f64> {
        let entries = self.entries.borrow();
        entries
            .iter()
            .filter(|e| e.class == class)
            .map(|e| e.stamp)
            .collect()
    }

    /// The stamp the answer to `key` of `class` was read at (or carried to), if one is held.
    pub fn stamp_of(&self, class: &str, key: &str) -> Option<f64> {
        self.entries
            .borrow()
            .iter()
            .find(|e| e.class == class && e.key == key)
            .map(|e| e.stamp)
    }

    pub fn keep(&self, class: &str, key: String, stamp: f64, answer: Answer, scope: Option<Scope>) {
        if answer.objects() > MAX_RECORDS {
            return;
        }
        let mut entries = self.entries.borrow_mut();
        entries.retain(|e| !(e.class == class && e.key == key));
        entries.push_front(Entry {
            class: class.to_owned(),
            key,
            stamp,
            answer,
            scope,
        });
        entries.truncate(MAX_ENTRIES);
        while entries.iter().map(|e| e.answer.objects()).sum::<usize>() > MAX_RECORDS {
            entries.pop_back();
        }
    }

    /// How many answers were given again rather than read (for tests).
    pub fn reused(&self) -> u64 {
        self.reused.get()
    }
}
