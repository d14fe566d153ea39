//! The local store's remembered answers: the records of a recent page query, or a count, kept
//! with the class's stamp at the moment they were read. Every write transaction on a class
//! (in any tab: the stamp lives in the database's meta store) puts a new random stamp, so an
//! answer is given again only if the stamp read in a new transaction is still the one it was
//! read at: the same answer that transaction would have read from the index, without reading it.
//! Bounded: [`MAX_ENTRIES`] answers holding at most [`MAX_RECORDS`] objects in all, in the JS
//! heap (as the stored records, or the answer's JSON text), not in wasm memory.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

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

struct Entry {
    class: String,
    key: String,
    stamp: f64,
    answer: Answer,
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

    /// Whether an answer to `key` of `class` is held, at whatever stamp.
    pub fn holds(&self, class: &str, key: &str) -> bool {
        self.entries
            .borrow()
            .iter()
            .any(|e| e.class == class && e.key == key)
    }

    pub fn keep(&self, class: &str, key: String, stamp: f64, answer: Answer) {
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
        });
        entries.truncate(MAX_ENTRIES);
        while entries.iter().map(|e| e.answer.objects()).sum::<usize>() > MAX_RECORDS {
            entries.pop_back();
        }
    }

    /// Drops the answers of `class` (after a write here: they can no longer be given).
    pub fn forget(&self, class: &str) {
        self.entries.borrow_mut().retain(|e| e.class != class);
    }

    /// How many answers were given again rather than read (for tests).
    pub fn reused(&self) -> u64 {
        self.reused.get()
    }
}
