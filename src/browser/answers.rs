//! The local store's remembered answers: the records of a recent page query, or a count, kept
//! with the class's stamp at the moment they were read. Every write transaction on a class
//! (in any tab: the stamp lives in the database's meta store) puts a new random stamp, so an
//! answer is given again only if the stamp read in a new transaction is still the one it was
//! read at: the same answer that transaction would have read from the index, without reading it.
//! Bounded: [`MAX_ENTRIES`] answers holding at most [`MAX_RECORDS`] objects in all, in the JS
//! heap (as the stored records, or the answer's JSON text), not in wasm memory.
//!
//! A write made here knows what it changed, so an answer whose [`Scope`] says what it covers (a
//! page of one index range, a count of index ranges, a count of the class) is carried over to the
//! write's new stamp with those changes applied ([`Answers::carry`]): the app asking again after
//! its own edit is answered without reading. A write in another tab still makes a tab read.

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::VecDeque;

use wasm_bindgen::JsValue;

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

/// At most this many records written at once are carried into the answers; a bigger write
/// makes them be read again.
pub const CARRY_MAX: usize = 16;

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

    /// Whether any answer of `class` is held.
    pub fn any_of(&self, class: &str) -> bool {
        self.entries.borrow().iter().any(|e| e.class == class)
    }

    /// Whether an answer to `key` of `class` is held, at whatever stamp.
    pub fn holds(&self, class: &str, key: &str) -> bool {
        self.entries
            .borrow()
            .iter()
            .any(|e| e.class == class && e.key == key)
    }

    /// Carries the answers of `class` read at `from` (the stamp a write made here found) over
    /// to `to` (the stamp it put), with its `changes` applied; drops those it cannot carry.
    /// None for `changes`: the write changed more than is carried (see [`CARRY_MAX`]).
    pub fn carry(&self, class: &str, from: Option<f64>, to: f64, changes: Option<&[Change]>) {
        let mut entries = self.entries.borrow_mut();
        entries.retain_mut(|e| {
            if e.class != class {
                return true;
            }
            let carried = match (&e.scope, changes, from) {
                (Some(scope), Some(changes), Some(from)) if e.stamp == from => {
                    carried(&e.answer, scope, changes)
                }
                _ => None,
            };
            match carried {
                Some(answer) => {
                    e.answer = answer;
                    e.stamp = to;
                    true
                }
                None => false,
            }
        });
        // A carried page may have grown (up to its `wanted`).
        while entries.iter().map(|e| e.answer.objects()).sum::<usize>() > MAX_RECORDS {
            entries.pop_back();
        }
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
