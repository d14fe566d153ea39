//! Global search over what the device holds: deals, contacts and companies, found by name,
//! title, e-mail, phone and company, in any case and with or without accents ("jose" finds
//! "José", "MULLER" finds "Müller", "ss" finds "ß"). Pure: the wasm `SearchIndex` handle feeds it
//! from the pipeline (deals, kept in step with live updates) and the local store (pins).
//!
//! Each record is held once, its searchable text folded (lower case, accents off) at index time,
//! so a query only folds itself and scans. A query is split into words; a record matches when
//! every word is in its own text, or in the name of its company (or, for a deal, its contact).
//! Phone numbers also match on their digits alone ("5551234" finds "+1 (555) 123-4").
//! Hits are ranked: a word at the start of the name first, then at the start of a word in it,
//! then inside it, then in the other fields, then through the company. A word of one character
//! (the first key typed) only matches at the start of a word of the name: inside e-mails and
//! other fields nearly every record holds any one letter, and ranking them all would cost a
//! scan of everything for an answer nobody reads.

use std::cmp::Ordering;

use memchr::memmem::Finder;
use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use crate::models::{Company, Contact, Deal};
use crate::wire::Ref;

/// What a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SearchKind {
    Deal,
    Contact,
    Company,
}

impl SearchKind {
    pub fn class_name(self) -> &'static str {
        match self {
            SearchKind::Deal => "Deal",
            SearchKind::Contact => "Contact",
            SearchKind::Company => "Company",
        }
    }

    pub fn from_class_name(name: &str) -> Option<Self> {
        match name {
            "Deal" => Some(SearchKind::Deal),
            "Contact" => Some(SearchKind::Contact),
            "Company" => Some(SearchKind::Company),
            _ => None,
        }
    }
}

/// One result, ready to show: `title` is the name (or the deal's title), `detail` a line under it
/// (e-mail, phone, company; a deal's company and contact).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub class_name: String,
    pub object_id: String,
    pub title: String,
    pub detail: String,
    pub score: u32,
}

/// Lower case with the accents taken off: what both records and queries are compared as.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

fn fold_into(text: &str, out: &mut String) {
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Ok(i) = FOLD.binary_search_by(|(k, _)| k.cmp(&c)) {
            out.push_str(FOLD[i].1);
        } else if ('\u{300}'..='\u{36F}').contains(&c) {
            // a combining accent (text in decomposed form): dropped
        } else {
            for l in c.to_lowercase() {
                match FOLD.binary_search_by(|(k, _)| k.cmp(&l)) {
                    Ok(i) => out.push_str(FOLD[i].1),
                    Err(_) => out.push(l),
                }
            }
        }
    }
}

/// The digits of a text (for phone numbers).
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Separates the fields of a record's folded text (never in folded user text: control
/// characters are kept, but a word of a query holds no whitespace, and this is whitespace).
const SEP: char = '\n';

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    kind: SearchKind,
    id: String,
    /// Shown: the name or title.
    title: String,
    /// Shown under it, before any company name is added.
    detail: String,
    /// Folded name, then SEP and the other folded fields.
    text: String,
    /// Length of the folded name at the start of `text`.
    name_len: usize,
    /// The phone number's digits.
    phone: String,
    company: Option<String>,
    contact: Option<String>,
    /// The company's and the contact's link keys (see [`Links`]): stable numbers, so a record
    /// never needs relinking when the others change.
    company_key: Option<u32>,
    contact_key: Option<u32>,
}

/// No record at this link key (the company or contact is not held).
const NOWHERE: u32 = u32::MAX;

/// Links by stable numbers: each company or contact id ever pointed at or held gets a key once;
/// `slot[key]` is where that record sits in `entries` now ([`NOWHERE`] if it is not held). A
/// change moves one slot, never every record pointing at it.
#[derive(Debug, Default)]
struct Links {
    keys: FxHashMap<String, u32>,
    slot: Vec<u32>,
}

impl Links {
    fn key(&mut self, id: &str) -> u32 {
        if let Some(&k) = self.keys.get(id) {
            return k;
        }
        let k = self.slot.len() as u32;
        self.keys.insert(id.to_owned(), k);
        self.slot.push(NOWHERE);
        k
    }

    fn set(&mut self, id: &str, at: u32) {
        let k = self.key(id);
        self.slot[k as usize] = at;
    }

    fn clear(&mut self, id: &str) {
        if let Some(&k) = self.keys.get(id) {
            self.slot[k as usize] = NOWHERE;
        }
    }

    fn at(&self, key: Option<u32>) -> Option<usize> {
        key.map(|k| self.slot[k as usize])
            .filter(|&s| s != NOWHERE)
            .map(|s| s as usize)
    }
}

/// The index: every record the device holds, by kind and id.
#[derive(Debug, Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    /// Position in `entries` by id, one map per kind (Deal, Contact, Company).
    by_id: [FxHashMap<String, usize>; 3],
    /// Deals seen in the last [`SearchIndex::sync_deals`], for removing the ones gone.
    seen: Vec<bool>,
    /// Company and contact links (index 0: companies, 1: contacts).
    links: [Links; 2],
    /// Every position in `entries`, sorted by folded name, then kind and id (the ranking's tie
    /// order): a one-word query answers from the names starting with it without a scan.
    by_name: Vec<u32>,
    /// True while a bulk change runs (`by_name` is rebuilt once at its end).
    bulk: bool,
    /// The deal source (a pipeline's identity) and version last synced, to skip unchanged ones.
    synced: Option<(usize, u64)>,
}

fn ref_id<T: crate::wire::ParseClass>(r: &Option<Ref<T>>) -> Option<String> {
    r.as_ref().and_then(Ref::object_id).map(str::to_owned)
}

fn build(
    kind: SearchKind,
    id: &str,
    name: &str,
    others: &[Option<&str>],
    phone: Option<&str>,
) -> Entry {
    let mut text = String::with_capacity(name.len() + 32);
    fold_into(name, &mut text);
    let name_len = text.len();
    let mut detail = String::new();
    for other in others.iter().flatten() {
        if other.is_empty() {
            continue;
        }
        text.push(SEP);
        fold_into(other, &mut text);
        if kind != SearchKind::Deal {
            if !detail.is_empty() {
                detail.push_str(" · ");
            }
            detail.push_str(other);
        }
    }
    Entry {
        kind,
        id: id.to_owned(),
        title: name.to_owned(),
        detail,
        text,
        name_len,
        phone: phone.map(digits).unwrap_or_default(),
        company: None,
        contact: None,
        company_key: None,
        contact_key: None,
    }
}

fn deal_entry(deal: &Deal) -> Option<Entry> {
    let id = deal.object_id.as_deref()?;
    let mut e = build(SearchKind::Deal, id, &deal.title, &[], None);
    e.company = ref_id(&deal.company);
    e.contact = ref_id(&deal.contact);
    Some(e)
}

fn contact_entry(contact: &Contact) -> Option<Entry> {
    let id = contact.object_id.as_deref()?;
    let mut e = build(
        SearchKind::Contact,
        id,
        &contact.name,
        &[contact.email.as_deref(), contact.phone.as_deref()],
        contact.phone.as_deref(),
    );
    e.company = ref_id(&contact.company);
    Some(e)
}

fn company_entry(company: &Company) -> Option<Entry> {
    let id = company.object_id.as_deref()?;
    Some(build(
        SearchKind::Company,
        id,
        &company.name,
        &[company.website.as_deref(), company.industry.as_deref()],
        None,
    ))
}

/// A word of a query, folded, with its digits when it looks like part of a phone number.
struct Word {
    text: String,
    digits: Option<String>,
    /// One character: matched at the start of a word of the name only.
    short: bool,
}

fn words(query: &str) -> Vec<Word> {
    fold(query)
        .split_whitespace()
        .take(8)
        .map(|w| {
            let d = digits(w);
            let phoneish =
                d.len() >= 3 && w.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c));
            Word {
                text: w.chars().take(64).collect(),
                digits: phoneish.then_some(d),
                short: w.chars().nth(1).is_none(),
            }
        })
        .collect()
}

/// How well `word` matches `e`'s own text: 0 when it does not.
fn own_score(e: &Entry, word: &Word, finder: &Finder) -> u32 {
    let text = e.text.as_str();
    let mut best = 0;
    for at in finder.find_iter(text.as_bytes()) {
        // A match of valid UTF-8 starts on a character boundary.
        let word_start = at == 0
            || !text[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        if word.short && !(at < e.name_len && word_start) {
            continue;
        }
        let score = match (at < e.name_len, at == 0, word_start) {
            (true, true, _) => 100,
            (true, false, true) => 70,
            (true, false, false) => 45,
            (false, _, true) => 30,
            (false, _, false) => 15,
        };
        best = best.max(score);
        if best >= 70 {
            break;
        }
    }
    if best == 0 {
        if let Some(d) = &word.digits {
            if !e.phone.is_empty() && e.phone.contains(d.as_str()) {
                best = 30;
            }
        }
    }
    best
}

fn kind_slot(kind: SearchKind) -> usize {
    match kind {
        SearchKind::Deal => 0,
        SearchKind::Contact => 1,
        SearchKind::Company => 2,
    }
}

/// Which of [`SearchIndex::links`] a kind's records are linked through (deals are not).
fn link_table(kind: SearchKind) -> Option<usize> {
    match kind {
        SearchKind::Company => Some(0),
        SearchKind::Contact => Some(1),
        SearchKind::Deal => None,
    }
}

/// Above this many changed records a bulk change rebuilds the name order once (a sort) instead
/// of moving each record in it.
const BULK: usize = 64;

/// Hits per search when the caller names no limit, and the most it may ask for.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 200;

/// The number of hits to return for a requested limit: [`DEFAULT_LIMIT`] when none, at most
/// [`MAX_LIMIT`].
pub fn hits_for(requested: Option<u32>) -> usize {
    requested.map_or(DEFAULT_LIMIT, |l| l.min(MAX_LIMIT)) as usize
}

impl SearchIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records held (deals, contacts and companies).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records of one kind.
    pub fn count(&self, kind: SearchKind) -> usize {
        self.by_id[kind_slot(kind)].len()
    }

    fn position(&self, kind: SearchKind, id: &str) -> Option<usize> {
        self.by_id[kind_slot(kind)].get(id).copied()
    }

    fn name(&self, i: usize) -> &str {
        let e = &self.entries[i];
        &e.text[..e.name_len]
    }

    /// The ranking's tie order: folded name, then kind, then id.
    fn name_order(&self, a: usize, b: usize) -> Ordering {
        let (x, y) = (&self.entries[a], &self.entries[b]);
        x.text[..x.name_len]
            .cmp(&y.text[..y.name_len])
            .then_with(|| x.kind.cmp(&y.kind))
            .then_with(|| x.id.cmp(&y.id))
    }

    /// Where entry `i` sits (or would sit) in `by_name`.
    fn name_rank(&self, i: usize) -> usize {
        self.by_name
            .partition_point(|&j| self.name_order(j as usize, i) == Ordering::Less)
    }

    fn unlist_name(&mut self, i: usize) {
        if self.bulk {
            return;
        }
        let r = self.name_rank(i);
        debug_assert_eq!(self.by_name.get(r), Some(&(i as u32)));
        self.by_name.remove(r);
    }

    fn list_name(&mut self, i: usize) {
        if self.bulk {
            return;
        }
        let r = self.name_rank(i);
        self.by_name.insert(r, i as u32);
    }

    fn rebuild_names(&mut self) {
        let mut order: Vec<u32> = (0..self.entries.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.name_order(a as usize, b as usize));
        self.by_name = order;
    }

    fn put(&mut self, mut entry: Entry) -> usize {
        entry.company_key = entry.company.as_deref().map(|id| self.links[0].key(id));
        entry.contact_key = entry.contact.as_deref().map(|id| self.links[1].key(id));
        let i = match self.position(entry.kind, &entry.id) {
            Some(i) => {
                self.unlist_name(i);
                self.entries[i] = entry;
                i
            }
            None => {
                let i = self.entries.len();
                self.by_id[kind_slot(entry.kind)].insert(entry.id.clone(), i);
                self.entries.push(entry);
                self.seen.push(false);
                i
            }
        };
        let e = &self.entries[i];
        if let Some(t) = link_table(e.kind) {
            let id = e.id.clone();
            self.links[t].set(&id, i as u32);
        }
        self.list_name(i);
        i
    }

    fn remove_at(&mut self, i: usize) {
        self.unlist_name(i);
        let last = self.entries.len() - 1;
        if i != last && !self.bulk {
            // the last record moves to `i`: its place in the name order points there
            let r = self.name_rank(last);
            self.by_name[r] = i as u32;
        }
        let gone = self.entries.swap_remove(i);
        self.seen.swap_remove(i);
        self.by_id[kind_slot(gone.kind)].remove(&gone.id);
        if let Some(t) = link_table(gone.kind) {
            self.links[t].clear(&gone.id);
        }
        if let Some(moved) = self.entries.get(i) {
            self.by_id[kind_slot(moved.kind)].insert(moved.id.clone(), i);
            if let Some(t) = link_table(moved.kind) {
                let id = moved.id.clone();
                self.links[t].set(&id, i as u32);
            }
        }
    }

    /// Adds or replaces a deal (one without an objectId is not indexed).
    pub fn upsert_deal(&mut self, deal: &Deal) {
        if let Some(e) = deal_entry(deal) {
            self.put(e);
        }
    }

    pub fn upsert_contact(&mut self, contact: &Contact) {
        if let Some(e) = contact_entry(contact) {
            self.put(e);
        }
    }

    pub fn upsert_company(&mut self, company: &Company) {
        if let Some(e) = company_entry(company) {
            self.put(e);
        }
    }

    /// Removes a record; false if it was not there.
    pub fn remove(&mut self, kind: SearchKind, object_id: &str) -> bool {
        match self.position(kind, object_id) {
            Some(i) => {
                self.remove_at(i);
                true
            }
            None => false,
        }
    }

    /// Makes the records of `kind` exactly the held ones that `seen` marks plus `changed`
    /// (new or different records of that kind). Few changes move records one by one; many
    /// rebuild the name order once.
    fn apply(&mut self, kind: SearchKind, changed: Vec<Entry>) {
        let removed = self
            .entries
            .iter()
            .zip(&self.seen)
            .filter(|(e, seen)| e.kind == kind && !**seen)
            .count();
        if changed.is_empty() && removed == 0 {
            return;
        }
        self.bulk = changed.len() + removed > BULK;
        for e in changed {
            let i = self.put(e);
            self.seen[i] = true;
        }
        let mut i = 0;
        while i < self.entries.len() {
            if self.entries[i].kind == kind && !self.seen[i] {
                self.remove_at(i);
            } else {
                i += 1;
            }
        }
        if self.bulk {
            self.bulk = false;
            self.rebuild_names();
        }
    }

    /// Makes the records of `kind` exactly `entries` (the ones not among them are removed;
    /// unchanged ones are kept as they are).
    fn replace_kind(&mut self, kind: SearchKind, entries: impl Iterator<Item = Entry>) {
        self.seen.iter_mut().for_each(|s| *s = false);
        let mut changed = Vec::new();
        for e in entries {
            if let Some(i) = self.position(kind, &e.id) {
                self.seen[i] = true;
                let held = &self.entries[i];
                if held.text == e.text
                    && held.title == e.title
                    && held.detail == e.detail
                    && held.phone == e.phone
                    && held.company == e.company
                    && held.contact == e.contact
                {
                    continue;
                }
            }
            changed.push(e);
        }
        self.apply(kind, changed);
    }

    /// Makes the indexed deals exactly `deals` (the pipeline's, after any change): unchanged
    /// ones (same title, company and contact) are kept without being folded again, others
    /// re-folded, the ones gone removed. One live update costs a comparison per deal and the
    /// one record's update, never a rebuild.
    pub fn sync_deals<'a>(&mut self, deals: impl IntoIterator<Item = &'a Deal>) {
        self.synced = None;
        self.sync_deals_now(deals);
    }

    /// [`SearchIndex::sync_deals`] from a versioned source (a pipeline: `source` its identity,
    /// `version` its change count), skipped when that source is at the version last synced.
    /// Answers whether the index changed.
    pub fn sync_deals_from<'a>(
        &mut self,
        source: usize,
        version: u64,
        deals: impl IntoIterator<Item = &'a Deal>,
    ) -> bool {
        if self.synced == Some((source, version)) {
            return false;
        }
        self.sync_deals_now(deals);
        self.synced = Some((source, version));
        true
    }

    fn sync_deals_now<'a>(&mut self, deals: impl IntoIterator<Item = &'a Deal>) {
        self.seen.iter_mut().for_each(|s| *s = false);
        let mut changed = Vec::new();
        for deal in deals {
            let Some(id) = deal.object_id.as_deref() else {
                continue;
            };
            if let Some(i) = self.position(SearchKind::Deal, id) {
                self.seen[i] = true;
                let e = &self.entries[i];
                let same = |held: &Option<String>, r: Option<&str>| held.as_deref() == r;
                if e.title == deal.title
                    && same(&e.company, deal.company.as_ref().and_then(Ref::object_id))
                    && same(&e.contact, deal.contact.as_ref().and_then(Ref::object_id))
                {
                    continue;
                }
            }
            if let Some(e) = deal_entry(deal) {
                changed.push(e);
            }
        }
        self.apply(SearchKind::Deal, changed);
    }

    /// Makes the indexed contacts exactly `contacts`.
    pub fn set_contacts<'a>(&mut self, contacts: impl IntoIterator<Item = &'a Contact>) {
        self.replace_kind(
            SearchKind::Contact,
            contacts.into_iter().filter_map(contact_entry),
        );
    }

    /// Makes the indexed companies exactly `companies`.
    pub fn set_companies<'a>(&mut self, companies: impl IntoIterator<Item = &'a Company>) {
        self.replace_kind(
            SearchKind::Company,
            companies.into_iter().filter_map(company_entry),
        );
    }

    /// The best `limit` records for `query` (every word must match), best first; ties by name.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let words = words(query);
        if words.is_empty() || limit == 0 {
            return Vec::new();
        }
        if let [word] = words.as_slice() {
            // One word: the names starting with it score the most (100) and tie by name, so
            // when there are `limit` of them they are the answer, read off the name order.
            let w = word.text.as_str();
            let lo = self.by_name.partition_point(|&j| self.name(j as usize) < w);
            let starting = self.by_name[lo..]
                .iter()
                .take(limit)
                .take_while(|&&j| self.name(j as usize).starts_with(w))
                .count();
            if starting == limit {
                return self.by_name[lo..lo + limit]
                    .iter()
                    .map(|&j| self.hit(&self.entries[j as usize], 100))
                    .collect();
            }
        }
        self.scan(&words, limit)
    }

    /// Every record scored against every word, the best `limit` kept.
    fn scan(&self, words: &[Word], limit: usize) -> Vec<SearchHit> {
        let finders: Vec<Finder> = words
            .iter()
            .map(|w| Finder::new(w.text.as_bytes()))
            .collect();
        // Whether each word is in the name of a linked record (a company, a contact).
        let linked_names = |at: Option<usize>, f: &Finder| {
            at.is_some_and(|s| f.find(self.name(s).as_bytes()).is_some())
        };
        let mut hits: Vec<(u32, usize)> = Vec::new();
        'entries: for (i, e) in self.entries.iter().enumerate() {
            let mut total = 0;
            for (w, f) in words.iter().zip(&finders) {
                let mut s = own_score(e, w, f);
                if s == 0
                    && !w.short
                    && (linked_names(self.links[0].at(e.company_key), f)
                        || (e.kind == SearchKind::Deal
                            && linked_names(self.links[1].at(e.contact_key), f)))
                {
                    // through the company (or a deal's contact): its name only
                    s = 10;
                }
                if s == 0 {
                    continue 'entries;
                }
                total += s;
            }
            hits.push((total, i));
        }
        let order = |a: &(u32, usize), b: &(u32, usize)| -> Ordering {
            b.0.cmp(&a.0).then_with(|| self.name_order(a.1, b.1))
        };
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit - 1, order);
            hits.truncate(limit);
        }
        hits.sort_unstable_by(order);
        hits.into_iter()
            .map(|(score, i)| self.hit(&self.entries[i], score))
            .collect()
    }

    fn hit(&self, e: &Entry, score: u32) -> SearchHit {
        let name = |at: Option<usize>| at.map(|s| self.entries[s].title.as_str());
        let mut detail = e.detail.clone();
        let mut add = |part: Option<&str>| {
            if let Some(p) = part.filter(|p| !p.is_empty()) {
                if !detail.is_empty() {
                    detail.push_str(" · ");
                }
                detail.push_str(p);
            }
        };
        add(name(self.links[0].at(e.company_key)));
        if e.kind == SearchKind::Deal {
            add(name(self.links[1].at(e.contact_key)));
        }
        SearchHit {
            class_name: e.kind.class_name().to_owned(),
            object_id: e.id.clone(),
            title: e.title.clone(),
            detail,
            score,
        }
    }
}

/// Letters with accents (and a few ligatures and special letters), by what they fold to.
/// Sorted by the letter (for binary search); generated from Unicode's decompositions of Latin-1,
/// Latin Extended-A/B, Latin Extended Additional and Greek with tonos.
#[rustfmt::skip]
static FOLD: &[(char, &str)] = &[
('\u{C0}', "a"),
('\u{C1}', "a"),
('\u{C2}', "a"),
('\u{C3}', "a"),
('\u{C4}', "a"),
('\u{C5}', "a"),
('\u{C6}', "ae"),
('\u{C7}', "c"),
('\u{C8}', "e"),
('\u{C9}', "e"),
('\u{CA}', "e"),
('\u{CB}', "e"),
('\u{CC}', "i"),
('\u{CD}', "i"),
('\u{CE}', "i"),
('\u{CF}', "i"),
('\u{D0}', "d"),
('\u{D1}', "n"),
('\u{D2}', "o"),
('\u{D3}', "o"),
('\u{D4}', "o"),
('\u{D5}', "o"),
('\u{D6}', "o"),
('\u{D8}', "o"),
('\u{D9}', "u"),
('\u{DA}', "u"),
('\u{DB}', "u"),
('\u{DC}', "u"),
('\u{DD}', "y"),
('\u{DE}', "th"),
('\u{DF}', "ss"),
('\u{E0}', "a"),
('\u{E1}', "a"),
('\u{E2}', "a"),
('\u{E3}', "a"),
('\u{E4}', "a"),
('\u{E5}', "a"),
('\u{E6}', "ae"),
('\u{E7}', "c"),
('\u{E8}', "e"),
('\u{E9}', "e"),
('\u{EA}', "e"),
('\u{EB}', "e"),
('\u{EC}', "i"),
('\u{ED}', "i"),
('\u{EE}', "i"),
('\u{EF}', "i"),
('\u{F0}', "d"),
('\u{F1}', "n"),
('\u{F2}', "o"),
('\u{F3}', "o"),
('\u{F4}', "o"),
('\u{F5}', "o"),
('\u{F6}', "o"),
('\u{F8}', "o"),
('\u{F9}', "u"),
('\u{FA}', "u"),
('\u{FB}', "u"),
('\u{FC}', "u"),
('\u{FD}', "y"),
('\u{FE}', "th"),
('\u{FF}', "y"),
('\u{100}', "a"),
('\u{101}', "a"),
('\u{102}', "a"),
('\u{103}', "a"),
('\u{104}', "a"),
('\u{105}', "a"),
('\u{106}', "c"),
('\u{107}', "c"),
('\u{108}', "c"),
('\u{109}', "c"),
('\u{10A}', "c"),
('\u{10B}', "c"),
('\u{10C}', "c"),
('\u{10D}', "c"),
('\u{10E}', "d"),
('\u{10F}', "d"),
('\u{110}', "d"),
('\u{111}', "d"),
('\u{112}', "e"),
('\u{113}', "e"),
('\u{114}', "e"),
('\u{115}', "e"),
('\u{116}', "e"),
('\u{117}', "e"),
('\u{118}', "e"),
('\u{119}', "e"),
('\u{11A}', "e"),
('\u{11B}', "e"),
('\u{11C}', "g"),
('\u{11D}', "g"),
('\u{11E}', "g"),
('\u{11F}', "g"),
('\u{120}', "g"),
('\u{121}', "g"),
('\u{122}', "g"),
('\u{123}', "g"),
('\u{124}', "h"),
('\u{125}', "h"),
('\u{126}', "h"),
('\u{127}', "h"),
('\u{128}', "i"),
('\u{129}', "i"),
('\u{12A}', "i"),
('\u{12B}', "i"),
('\u{12C}', "i"),
('\u{12D}', "i"),
('\u{12E}', "i"),
('\u{12F}', "i"),
('\u{130}', "i"),
('\u{131}', "i"),
('\u{134}', "j"),
('\u{135}', "j"),
('\u{136}', "k"),
('\u{137}', "k"),
('\u{138}', "k"),
('\u{139}', "l"),
('\u{13A}', "l"),
('\u{13B}', "l"),
('\u{13C}', "l"),
('\u{13D}', "l"),
('\u{13E}', "l"),
('\u{13F}', "l"),
('\u{140}', "l"),
('\u{141}', "l"),
('\u{142}', "l"),
('\u{143}', "n"),
('\u{144}', "n"),
('\u{145}', "n"),
('\u{146}', "n"),
('\u{147}', "n"),
('\u{148}', "n"),
('\u{149}', "n"),
('\u{14C}', "o"),
('\u{14D}', "o"),
('\u{14E}', "o"),
('\u{14F}', "o"),
('\u{150}', "o"),
('\u{151}', "o"),
('\u{152}', "oe"),
('\u{153}', "oe"),
('\u{154}', "r"),
('\u{155}', "r"),
('\u{156}', "r"),
('\u{157}', "r"),
('\u{158}', "r"),
('\u{159}', "r"),
('\u{15A}', "s"),
('\u{15B}', "s"),
('\u{15C}', "s"),
('\u{15D}', "s"),
('\u{15E}', "s"),
('\u{15F}', "s"),
('\u{160}', "s"),
('\u{161}', "s"),
('\u{162}', "t"),
('\u{163}', "t"),
('\u{164}', "t"),
('\u{165}', "t"),
('\u{166}', "t"),
('\u{167}', "t"),
('\u{168}', "u"),
('\u{169}', "u"),
('\u{16A}', "u"),
('\u{16B}', "u"),
('\u{16C}', "u"),
('\u{16D}', "u"),
('\u{16E}', "u"),
('\u{16F}', "u"),
('\u{170}', "u"),
('\u{171}', "u"),
('\u{172}', "u"),
('\u{173}', "u"),
('\u{174}', "w"),
('\u{175}', "w"),
('\u{176}', "y"),
('\u{177}', "y"),
('\u{178}', "y"),
('\u{179}', "z"),
('\u{17A}', "z"),
('\u{17B}', "z"),
('\u{17C}', "z"),
('\u{17D}', "z"),
('\u{17E}', "z"),
('\u{17F}', "s"),
('\u{192}', "f"),
('\u{1A0}', "o"),
('\u{1A1}', "o"),
('\u{1AF}', "u"),
('\u{1B0}', "u"),
('\u{1CD}', "a"),
('\u{1CE}', "a"),
('\u{1CF}', "i"),
('\u{1D0}', "i"),
('\u{1D1}', "o"),
('\u{1D2}', "o"),
('\u{1D3}', "u"),
('\u{1D4}', "u"),
('\u{1D5}', "u"),
('\u{1D6}', "u"),
('\u{1D7}', "u"),
('\u{1D8}', "u"),
('\u{1D9}', "u"),
('\u{1DA}', "u"),
('\u{1DB}', "u"),
('\u{1DC}', "u"),
('\u{1DE}', "a"),
('\u{1DF}', "a"),
('\u{1E0}', "a"),
('\u{1E1}', "a"),
('\u{1E2}', "æ"),
('\u{1E3}', "æ"),
('\u{1E6}', "g"),
('\u{1E7}', "g"),
('\u{1E8}', "k"),
('\u{1E9}', "k"),
('\u{1EA}', "o"),
('\u{1EB}', "o"),
('\u{1EC}', "o"),
('\u{1ED}', "o"),
('\u{1EE}', "ʒ"),
('\u{1EF}', "ʒ"),
('\u{1F0}', "j"),
('\u{1F4}', "g"),
('\u{1F5}', "g"),
('\u{1F8}', "n"),
('\u{1F9}', "n"),
('\u{1FA}', "a"),
('\u{1FB}', "a"),
('\u{1FC}', "æ"),
('\u{1FD}', "æ"),
('\u{1FE}', "ø"),
('\u{1FF}', "ø"),
('\u{200}', "a"),
('\u{201}', "a"),
('\u{202}', "a"),
('\u{203}', "a"),
('\u{204}', "e"),
('\u{205}', "e"),
('\u{206}', "e"),
('\u{207}', "e"),
('\u{208}', "i"),
('\u{209}', "i"),
('\u{20A}', "i"),
('\u{20B}', "i"),
('\u{20C}', "o"),
('\u{20D}', "o"),
('\u{20E}', "o"),
('\u{20F}', "o"),
('\u{210}', "r"),
('\u{211}', "r"),
('\u{212}', "r"),
('\u{213}', "r"),
('\u{214}', "u"),
('\u{215}', "u"),
('\u{216}', "u"),
('\u{217}', "u"),
('\u{218}', "s"),
('\u{219}', "s"),
('\u{21A}', "t"),
('\u{21B}', "t"),
('\u{21E}', "h"),
('\u{21F}', "h"),
('\u{226}', "a"),
('\u{227}', "a"),
('\u{228}', "e"),
('\u{229}', "e"),
('\u{22A}', "o"),
('\u{22B}', "o"),
('\u{22C}', "o"),
('\u{22D}', "o"),
('\u{22E}', "o"),
('\u{22F}', "o"),
('\u{230}', "o"),
('\u{231}', "o"),
('\u{232}', "y"),
('\u{233}', "y"),
('\u{386}', "α"),
('\u{388}', "ε"),
('\u{389}', "η"),
('\u{38A}', "ι"),
('\u{38C}', "ο"),
('\u{38E}', "υ"),
('\u{38F}', "ω"),
('\u{390}', "ι"),
('\u{3AA}', "ι"),
('\u{3AB}', "υ"),
('\u{3AC}', "α"),
('\u{3AD}', "ε"),
('\u{3AE}', "η"),
('\u{3AF}', "ι"),
('\u{3B0}', "υ"),
('\u{3CA}', "ι"),
('\u{3CB}', "υ"),
('\u{3CC}', "ο"),
('\u{3CD}', "υ"),
('\u{3CE}', "ω"),
('\u{1E00}', "a"),
('\u{1E01}', "a"),
('\u{1E02}', "b"),
('\u{1E03}', "b"),
('\u{1E04}', "b"),
('\u{1E05}', "b"),
('\u{1E06}', "b"),
('\u{1E07}', "b"),
('\u{1E08}', "c"),
('\u{1E09}', "c"),
('\u{1E0A}', "d"),
('\u{1E0B}', "d"),
('\u{1E0C}', "d"),
('\u{1E0D}', "d"),
('\u{1E0E}', "d"),
('\u{1E0F}', "d"),
('\u{1E10}', "d"),
('\u{1E11}', "d"),
('\u{1E12}', "d"),
('\u{1E13}', "d"),
('\u{1E14}', "e"),
('\u{1E15}', "e"),
('\u{1E16}', "e"),
('\u{1E17}', "e"),
('\u{1E18}', "e"),
('\u{1E19}', "e"),
('\u{1E1A}', "e"),
('\u{1E1B}', "e"),
('\u{1E1C}', "e"),
('\u{1E1D}', "e"),
('\u{1E1E}', "f"),
('\u{1E1F}', "f"),
('\u{1E20}', "g"),
('\u{1E21}', "g"),
('\u{1E22}', "h"),
('\u{1E23}', "h"),
('\u{1E24}', "h"),
('\u{1E25}', "h"),
('\u{1E26}', "h"),
('\u{1E27}', "h"),
('\u{1E28}', "h"),
('\u{1E29}', "h"),
('\u{1E2A}', "h"),
('\u{1E2B}', "h"),
('\u{1E2C}', "i"),
('\u{1E2D}', "i"),
('\u{1E2E}', "i"),
('\u{1E2F}', "i"),
('\u{1E30}', "k"),
('\u{1E31}', "k"),
('\u{1E32}', "k"),
('\u{1E33}', "k"),
('\u{1E34}', "k"),
('\u{1E35}', "k"),
('\u{1E36}', "l"),
('\u{1E37}', "l"),
('\u{1E38}', "l"),
('\u{1E39}', "l"),
('\u{1E3A}', "l"),
('\u{1E3B}', "l"),
('\u{1E3C}', "l"),
('\u{1E3D}', "l"),
('\u{1E3E}', "m"),
('\u{1E3F}', "m"),
('\u{1E40}', "m"),
('\u{1E41}', "m"),
('\u{1E42}', "m"),
('\u{1E43}', "m"),
('\u{1E44}', "n"),
('\u{1E45}', "n"),
('\u{1E46}', "n"),
('\u{1E47}', "n"),
('\u{1E48}', "n"),
('\u{1E49}', "n"),
('\u{1E4A}', "n"),
('\u{1E4B}', "n"),
('\u{1E4C}', "o"),
('\u{1E4D}', "o"),
('\u{1E4E}', "o"),
('\u{1E4F}', "o"),
('\u{1E50}', "o"),
('\u{1E51}', "o"),
('\u{1E52}', "o"),
('\u{1E53}', "o"),
('\u{1E54}', "p"),
('\u{1E55}', "p"),
('\u{1E56}', "p"),
('\u{1E57}', "p"),
('\u{1E58}', "r"),
('\u{1E59}', "r"),
('\u{1E5A}', "r"),
('\u{1E5B}', "r"),
('\u{1E5C}', "r"),
('\u{1E5D}', "r"),
('\u{1E5E}', "r"),
('\u{1E5F}', "r"),
('\u{1E60}', "s"),
('\u{1E61}', "s"),
('\u{1E62}', "s"),
('\u{1E63}', "s"),
('\u{1E64}', "s"),
('\u{1E65}', "s"),
('\u{1E66}', "s"),
('\u{1E67}', "s"),
('\u{1E68}', "s"),
('\u{1E69}', "s"),
('\u{1E6A}', "t"),
('\u{1E6B}', "t"),
('\u{1E6C}', "t"),
('\u{1E6D}', "t"),
('\u{1E6E}', "t"),
('\u{1E6F}', "t"),
('\u{1E70}', "t"),
('\u{1E71}', "t"),
('\u{1E72}', "u"),
('\u{1E73}', "u"),
('\u{1E74}', "u"),
('\u{1E75}', "u"),
('\u{1E76}', "u"),
('\u{1E77}', "u"),
('\u{1E78}', "u"),
('\u{1E79}', "u"),
('\u{1E7A}', "u"),
('\u{1E7B}', "u"),
('\u{1E7C}', "v"),
('\u{1E7D}', "v"),
('\u{1E7E}', "v"),
('\u{1E7F}', "v"),
('\u{1E80}', "w"),
('\u{1E81}', "w"),
('\u{1E82}', "w"),
('\u{1E83}', "w"),
('\u{1E84}', "w"),
('\u{1E85}', "w"),
('\u{1E86}', "w"),
('\u{1E87}', "w"),
('\u{1E88}', "w"),
('\u{1E89}', "w"),
('\u{1E8A}', "x"),
('\u{1E8B}', "x"),
('\u{1E8C}', "x"),
('\u{1E8D}', "x"),
('\u{1E8E}', "y"),
('\u{1E8F}', "y"),
('\u{1E90}', "z"),
('\u{1E91}', "z"),
('\u{1E92}', "z"),
('\u{1E93}', "z"),
('\u{1E94}', "z"),
('\u{1E95}', "z"),
('\u{1E96}', "h"),
('\u{1E97}', "t"),
('\u{1E98}', "w"),
('\u{1E99}', "y"),
('\u{1E9B}', "ſ"),
('\u{1EA0}', "a"),
('\u{1EA1}', "a"),
('\u{1EA2}', "a"),
('\u{1EA3}', "a"),
('\u{1EA4}', "a"),
('\u{1EA5}', "a"),
('\u{1EA6}', "a"),
('\u{1EA7}', "a"),
('\u{1EA8}', "a"),
('\u{1EA9}', "a"),
('\u{1EAA}', "a"),
('\u{1EAB}', "a"),
('\u{1EAC}', "a"),
('\u{1EAD}', "a"),
('\u{1EAE}', "a"),
('\u{1EAF}', "a"),
('\u{1EB0}', "a"),
('\u{1EB1}', "a"),
('\u{1EB2}', "a"),
('\u{1EB3}', "a"),
('\u{1EB4}', "a"),
('\u{1EB5}', "a"),
('\u{1EB6}', "a"),
('\u{1EB7}', "a"),
('\u{1EB8}', "e"),
('\u{1EB9}', "e"),
('\u{1EBA}', "e"),
('\u{1EBB}', "e"),
('\u{1EBC}', "e"),
('\u{1EBD}', "e"),
('\u{1EBE}', "e"),
('\u{1EBF}', "e"),
('\u{1EC0}', "e"),
('\u{1EC1}', "e"),
('\u{1EC2}', "e"),
('\u{1EC3}', "e"),
('\u{1EC4}', "e"),
('\u{1EC5}', "e"),
('\u{1EC6}', "e"),
('\u{1EC7}', "e"),
('\u{1EC8}', "i"),
('\u{1EC9}', "i"),
('\u{1ECA}', "i"),
('\u{1ECB}', "i"),
('\u{1ECC}', "o"),
('\u{1ECD}', "o"),
('\u{1ECE}', "o"),
('\u{1ECF}', "o"),
('\u{1ED0}', "o"),
('\u{1ED1}', "o"),
('\u{1ED2}', "o"),
('\u{1ED3}', "o"),
('\u{1ED4}', "o"),
('\u{1ED5}', "o"),
('\u{1ED6}', "o"),
('\u{1ED7}', "o"),
('\u{1ED8}', "o"),
('\u{1ED9}', "o"),
('\u{1EDA}', "o"),
('\u{1EDB}', "o"),
('\u{1EDC}', "o"),
('\u{1EDD}', "o"),
('\u{1EDE}', "o"),
('\u{1EDF}', "o"),
('\u{1EE0}', "o"),
('\u{1EE1}', "o"),
('\u{1EE2}', "o"),
('\u{1EE3}', "o"),
('\u{1EE4}', "u"),
('\u{1EE5}', "u"),
('\u{1EE6}', "u"),
('\u{1EE7}', "u"),
('\u{1EE8}', "u"),
('\u{1EE9}', "u"),
('\u{1EEA}', "u"),
('\u{1EEB}', "u"),
('\u{1EEC}', "u"),
('\u{1EED}', "u"),
('\u{1EEE}', "u"),
('\u{1EEF}', "u"),
('\u{1EF0}', "u"),
('\u{1EF1}', "u"),
('\u{1EF2}', "y"),
('\u{1EF3}', "y"),
('\u{1EF4}', "y"),
('\u{1EF5}', "y"),
('\u{1EF6}', "y"),
('\u{1EF7}', "y"),
('\u{1EF8}', "y"),
('\u{1EF9}', "y"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Pointer;

    fn contact(
        id: &str,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        company: Option<&str>,
    ) -> Contact {
        Contact {
            object_id: Some(id.into()),
            name: name.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
            company: company.map(|c| Ref::Pointer(Pointer::new("Company", c))),
            ..Default::default()
        }
    }

    fn company(id: &str, name: &str, website: Option<&str>) -> Company {
        Company {
            object_id: Some(id.into()),
            name: name.into(),
            website: website.map(Into::into),
            ..Default::default()
        }
    }

    fn deal(id: &str, title: &str, company: Option<&str>, contact: Option<&str>) -> Deal {
        Deal {
            object_id: Some(id.into()),
            title: title.into(),
            company: company.map(|c| Ref::Pointer(Pointer::new("Company", c))),
            contact: contact.map(|c| Ref::Pointer(Pointer::new("Contact", c))),
            ..Default::default()
        }
    }

    fn ids(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|h| h.object_id.as_str()).collect()
    }

    fn sample() -> SearchIndex {
        let mut index = SearchIndex::new();
        index.set_companies(&[
            company("co1", "Société Générale", Some("https://socgen.example")),
            company("co2", "Müller & Söhne", None),
            company("co3", "Acme", Some("acme.test")),
        ]);
        index.set_contacts(&[
            contact(
                "c1",
                "José Álvarez",
                Some("jose@example.com"),
                Some("+1 (555) 123-4567"),
                Some("co1"),
            ),
            contact(
                "c2",
                "Zoë Straße",
                Some("ZOE@Example.com"),
                None,
                Some("co2"),
            ),
            contact(
                "c3",
                "Ada Lovelace",
                Some("ada@acme.test"),
                None,
                Some("co3"),
            ),
        ]);
        index.sync_deals(&[
            deal("d1", "Renewal 2027", Some("co1"), Some("c1")),
            deal("d2", "Açaí supply", Some("co2"), None),
            deal("d3", "Analytical engine", Some("co3"), Some("c3")),
        ]);
        index
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("José ÁLVAREZ"), "jose alvarez");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ærøskøbing Łódź"), "aeroskobing lodz");
        assert_eq!(fold("Nguyễn"), "nguyen");
        // decomposed input: e + combining acute
        assert_eq!(fold("Jose\u{301}"), "jose");
        // Greek and Cyrillic lower-case, Greek accents off
        assert_eq!(fold("Ωμέγα ПРИВЕТ"), "ωμεγα привет");
    }

    #[test]
    fn finds_in_any_case_and_without_accents() {
        let index = sample();
        assert_eq!(ids(&index.search("jose", 10))[0], "c1");
        assert_eq!(ids(&index.search("JOSÉ", 10))[0], "c1");
        assert_eq!(ids(&index.search("alvarez", 10))[0], "c1");
        assert_eq!(ids(&index.search("strasse", 10)), vec!["c2"]);
        assert_eq!(ids(&index.search("ZOE", 10)), vec!["c2"]);
        assert_eq!(ids(&index.search("muller", 10))[0], "co2");
        assert_eq!(ids(&index.search("acai", 10)), vec!["d2"]);
        assert_eq!(ids(&index.search("AÇAÍ", 10)), vec!["d2"]);
        assert_eq!(ids(&index.search("societe", 10))[0], "co1");
    }

    #[test]
    fn finds_by_email_phone_and_website() {
        let index = sample();
        assert_eq!(ids(&index.search("zoe@example", 10)), vec!["c2"]);
        assert_eq!(ids(&index.search("ada@acme", 10)), vec!["c3"]);
        assert_eq!(ids(&index.search("555-123", 10)), vec!["c1"]);
        assert_eq!(ids(&index.search("5551234567", 10)), vec!["c1"]);
        assert_eq!(ids(&index.search("socgen", 10)), vec!["co1"]);
    }

    #[test]
    fn finds_through_the_company_and_the_contact() {
        let index = sample();
        // "acme": the company first (its name), then what points at it
        let hits = index.search("acme", 10);
        assert_eq!(hits[0].object_id, "co3");
        let mut rest = ids(&hits[1..]);
        rest.sort();
        assert_eq!(rest, vec!["c3", "d3"]);
        // every word must match: the deal's own title and its company's name
        assert_eq!(ids(&index.search("renewal société", 10)), vec!["d1"]);
        assert_eq!(ids(&index.search("renewal acme", 10)), Vec::<&str>::new());
        // a deal through its contact
        assert_eq!(ids(&index.search("lovelace engine", 10)), vec!["d3"]);
        // the detail line names the company and the contact
        let d1 = &index.search("renewal", 10)[0];
        assert_eq!(d1.class_name, "Deal");
        assert_eq!(d1.detail, "Société Générale · José Álvarez");
    }

    #[test]
    fn ranks_name_prefix_first_and_limits() {
        let mut index = SearchIndex::new();
        index.set_contacts(&[
            contact("a", "Bob Anders", Some("x@ann.example"), None, None),
            contact("b", "Annabel Lee", None, None, None),
            contact("c", "Joanne Ann", None, None, None),
            contact("d", "Hannah", None, None, None),
        ]);
        let hits = index.search("ann", 10);
        // name starts with it, a word of the name does, inside the name, another field
        assert_eq!(ids(&hits), vec!["b", "c", "d", "a"]);
        assert_eq!(ids(&index.search("ann", 2)), vec!["b", "c"]);
        assert!(index.search("", 10).is_empty());
        assert!(index.search("   ", 10).is_empty());
        assert!(index.search("ann", 0).is_empty());
        // one character: word starts of the name only (not "x@ann.example", not "Hannah")
        assert_eq!(ids(&index.search("a", 10)), vec!["b", "a", "c"]);
        assert_eq!(ids(&index.search("h", 10)), vec!["d"]);
        assert!(index.search("x", 10).is_empty());
        assert!(index.search("n", 10).is_empty());
    }

    #[test]
    fn keeps_in_step_with_changes() {
        let mut index = sample();
        assert_eq!(index.len(), 9);
        // a deal renamed, one gone, one new: exactly the pipeline's deals afterwards
        index.sync_deals(&[
            deal("d1", "Expansion 2027", Some("co1"), Some("c1")),
            deal("d4", "Brand new", None, None),
        ]);
        assert_eq!(index.count(SearchKind::Deal), 2);
        assert!(index.search("renewal", 10).is_empty());
        assert_eq!(ids(&index.search("expansion", 10)), vec!["d1"]);
        assert!(index.search("acai", 10).is_empty());
        assert_eq!(ids(&index.search("brand", 10)), vec!["d4"]);
        // contacts and companies untouched by a deal sync
        assert_eq!(index.count(SearchKind::Contact), 3);
        assert_eq!(index.count(SearchKind::Company), 3);
        // a company renamed: deals and contacts follow it through their pointer
        index.upsert_company(&company("co1", "Banque Dupont", None));
        assert_eq!(ids(&index.search("expansion dupont", 10)), vec!["d1"]);
        assert!(index.remove(SearchKind::Contact, "c1"));
        assert!(!index.remove(SearchKind::Contact, "c1"));
        assert!(index.search("jose", 10).is_empty());
        assert_eq!(index.len(), 7);
        // every remaining one is still found by its own id after the swaps
        for kind in [SearchKind::Deal, SearchKind::Contact, SearchKind::Company] {
            for e in index.entries.iter().filter(|e| e.kind == kind) {
                assert_eq!(
                    index.position(kind, &e.id),
                    index.entries.iter().position(|x| x == e)
                );
                if let Some(slot) = index.links[0].at(e.company_key) {
                    assert_eq!(Some(&index.entries[slot].id), e.company.as_ref());
                }
            }
        }
        index.set_contacts(&[]);
        assert_eq!(index.count(SearchKind::Contact), 0);
        assert_eq!(index.len(), 5);
    }

    #[test]
    fn odd_input_never_panics() {
        let mut index = sample();
        index.upsert_contact(&contact("x", "", None, Some(""), None));
        index.upsert_contact(&Contact {
            name: "no id".into(),
            ..Default::default()
        });
        for q in [
            "\u{0}",
            "é\u{301}\u{301}",
            "日本",
            "((((",
            "+",
            "a b c d e f g h i j k",
            "ß",
            "İ",
        ] {
            let _ = index.search(q, 5);
        }
        let long = "x".repeat(10_000);
        assert!(index.search(&long, 5).is_empty());
        assert_eq!(index.count(SearchKind::Contact), 4);
    }

    /// Many records with shared name prefixes, changed one by one and in bulk: the name order
    /// stays complete and sorted, links follow moves, and the one-word shortcut answers what
    /// scoring every record answers.
    #[test]
    fn shortcut_and_incremental_updates_match_a_full_scan() {
        let mut seed = 7u64;
        let mut rand = move |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n
        };
        let first = ["Ann", "Anna", "Anders", "Bob", "Ánh", "Zoë", "Jo", "José"];
        let mut index = SearchIndex::new();
        let companies: Vec<Company> = (0..30)
            .map(|i| company(&format!("co{i}"), &format!("{} Co {i}", first[i % 8]), None))
            .collect();
        let contacts: Vec<Contact> = (0..400)
            .map(|i| {
                let co = format!("co{}", i % 40);
                contact(
                    &format!("c{i}"),
                    &format!("{} {i}", first[i % 8]),
                    None,
                    None,
                    Some(&co),
                )
            })
            .collect();
        let mut deals: Vec<Deal> = (0..400)
            .map(|i| {
                let (co, c) = (format!("co{}", i % 40), format!("c{}", (i * 7) % 400));
                deal(
                    &format!("d{i}"),
                    &format!("{} deal {i}", first[(i / 3) % 8]),
                    Some(&co),
                    Some(&c),
                )
            })
            .collect();
        index.set_contacts(&contacts);
        index.sync_deals(&deals);
        index.set_companies(&companies);
        let check = |index: &SearchIndex| {
            assert_eq!(index.by_name.len(), index.entries.len());
            assert!(index
                .by_name
                .windows(2)
                .all(|w| index.name_order(w[0] as usize, w[1] as usize) == Ordering::Less));
            for e in &index.entries {
                if let Some(at) = index.links[0].at(e.company_key) {
                    assert_eq!(Some(&index.entries[at].id), e.company.as_ref());
                }
            }
            for q in [
                "a", "an", "ann", "anna", "jo", "jose", "z", "co", "deal", "b", "x",
            ] {
                for limit in [1, 5, 20] {
                    assert_eq!(
                        index.search(q, limit),
                        index.scan(&words(q), limit),
                        "{q} {limit}"
                    );
                }
            }
        };
        check(&index);
        for round in 0..200 {
            let i = rand(deals.len());
            match rand(5) {
                0 => deals[i].title = format!("{} renamed {round}", first[rand(8)]),
                1 => {
                    deals.swap_remove(i);
                }
                2 => index.upsert_contact(&contacts[rand(400)]),
                3 => {
                    index.remove(SearchKind::Company, &format!("co{}", rand(30)));
                }
                _ => index.upsert_company(&companies[rand(30)]),
            }
            index.sync_deals(&deals);
            if round % 20 == 0 {
                check(&index);
            }
        }
        // a bulk change (above BULK) rebuilds the order once
        index.set_contacts(&contacts[..100]);
        check(&index);
    }

    /// Timing over the benchmark's volume: `cargo test --release -p crm-core search_timing --
    /// --ignored --nocapture`.
    #[test]
    #[ignore]
    fn search_timing() {
        let first = [
            "José",
            "Zoë",
            "Ada",
            "Björn",
            "Ana",
            "François",
            "Łukasz",
            "Mia",
        ];
        let mut index = SearchIndex::new();
        let companies: Vec<Company> = (0..500)
            .map(|i| {
                company(
                    &format!("co{i}"),
                    &format!("Acme {i}"),
                    Some("https://x.example"),
                )
            })
            .collect();
        let contacts: Vec<Contact> = (0..10_000)
            .map(|i| {
                let name = format!("{} Müller", first[i % 8]);
                let email = format!("{}.{i}@example.com", first[i % 8].to_lowercase());
                let phone = format!("+1 (555) {}-{}", 100 + i % 900, 1000 + i % 9000);
                let co = format!("co{}", i % 500);
                contact(
                    &format!("c{i}"),
                    &name,
                    Some(&email),
                    Some(&phone),
                    Some(&co),
                )
            })
            .collect();
        let mut deals: Vec<Deal> = (0..10_000)
            .map(|i| {
                let (co, c) = (format!("co{}", i % 500), format!("c{}", (i * 7) % 10_000));
                deal(
                    &format!("d{i}"),
                    &format!("Renewal {} #{i}", 2026 + i % 3),
                    Some(&co),
                    Some(&c),
                )
            })
            .collect();
        let t = std::time::Instant::now();
        index.set_companies(&companies);
        index.set_contacts(&contacts);
        index.sync_deals(&deals);
        println!("build {:?}", t.elapsed());
        for q in [
            "j",
            "jo",
            "5",
            "x",
            "e",
            "m",
            "muller",
            "acme renewal",
            "555-123",
        ] {
            let t = std::time::Instant::now();
            let n = index.search(q, 20).len();
            println!("{q:>14}: {:?} ({n} hits)", t.elapsed());
        }
        deals[5].title = "Renamed".into();
        let t = std::time::Instant::now();
        index.sync_deals(&deals);
        println!("re-sync after one change {:?}", t.elapsed());
    }

    #[test]
    fn table_is_sorted() {
        assert!(FOLD.windows(2).all(|w| w[0].0 < w[1].0));
    }
}

#[cfg(test)]
mod source_tests {
    use super::*;

    fn deal(id: &str, title: &str) -> Deal {
        serde_json::from_value(serde_json::json!({"objectId": id, "title": title})).unwrap()
    }

    #[test]
    fn a_versioned_source_is_synced_once_per_version() {
        let mut index = SearchIndex::new();
        let v1 = [deal("d1", "Acme renewal")];
        assert!(index.sync_deals_from(7, 1, &v1));
        assert!(
            !index.sync_deals_from(7, 1, &v1),
            "same source and version: skipped"
        );
        let v2 = [deal("d1", "Acme renewal"), deal("d2", "Globex")];
        assert!(index.sync_deals_from(7, 2, &v2));
        assert_eq!(index.len(), 2);
        assert!(index.sync_deals_from(8, 2, &v2), "another source is synced");
        // A direct sync forgets the source: the next versioned sync runs again.
        index.sync_deals(&v1);
        assert_eq!(index.len(), 1);
        assert!(index.sync_deals_from(8, 2, &v2));
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn limits_default_to_twenty_and_stop_at_two_hundred() {
        assert_eq!(hits_for(None), 20);
        assert_eq!(hits_for(Some(5)), 5);
        assert_eq!(hits_for(Some(10_000)), 200);
    }
}
