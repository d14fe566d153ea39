//! The pipeline engine: deals held in memory, grouped by stage into columns with counts, totals
//! and weighted (forecast) totals; combinable filters; sorting inside a column; moves that can
//! be undone; incremental upserts and deletes; summary statistics.
//!
//! Layout: one row per deal in parallel arrays (struct of arrays) holding only what grouping,
//! filtering and sorting read — stage index, amount in cents, dates in epoch milliseconds,
//! interned ids, the folded title — so a full regroup is one sequential pass. The decoded
//! `Deal` is kept beside them for the cards a page returns.
//!
//! Amounts are summed in integer cents (and weighted sums in cents × basis points), so totals
//! are exact: applying changes one by one gives the same totals as recomputing everything,
//! which the property tests check. A column's member list is sorted lazily, when a page of it
//! is first asked for, and then kept sorted by binary insertion.

use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::error::{CrmError, Result};
use crate::models::{Deal, Stage};
use crate::wire::{keep_included, year_month, IsoDate};

/// The known stages, in pipeline order; unknown stages follow as trailing columns.
pub const KNOWN_STAGES: usize = 6;
const WON: u16 = 4;
const LOST: u16 = 5;
const NONE: i64 = i64::MIN;
const DAY_MS: i64 = 86_400_000;

/// Stage probabilities in percent, per known stage (lead … lost). Default 10/25/50/75/100/0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Probabilities {
    pub lead: f64,
    pub qualified: f64,
    pub proposal: f64,
    pub negotiation: f64,
    pub won: f64,
    pub lost: f64,
    /// For stages outside the known six; default 0.
    #[serde(default)]
    pub other: f64,
}

impl Default for Probabilities {
    fn default() -> Self {
        Self {
            lead: 10.0,
            qualified: 25.0,
            proposal: 50.0,
            negotiation: 75.0,
            won: 100.0,
            lost: 0.0,
            other: 0.0,
        }
    }
}

impl Probabilities {
    /// Basis points (1/100 of a percent) per known stage and for others; each in 0..=100 %.
    fn basis_points(&self) -> Result<([i64; KNOWN_STAGES], i64)> {
        let bp = |name: &str, p: f64| -> Result<i64> {
            if !(0.0..=100.0).contains(&p) {
                return Err(CrmError::InvalidInput(format!(
                    "probability of {name} must be 0 to 100, got {p}"
                )));
            }
            Ok((p * 100.0).round() as i64)
        };
        Ok((
            [
                bp("lead", self.lead)?,
                bp("qualified", self.qualified)?,
                bp("proposal", self.proposal)?,
                bp("negotiation", self.negotiation)?,
                bp("won", self.won)?,
                bp("lost", self.lost)?,
            ],
            bp("other", self.other)?,
        ))
    }
}

/// Which deals the columns show. Every condition set must hold; an empty filter shows all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Filter {
    /// User objectIds: deals assigned to any of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub assignees: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub companies: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub contacts: Option<Vec<String>>,
    /// Inclusive; deals without an amount are left out when either bound is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub min_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max_amount: Option<f64>,
    /// Expected close on or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "IsoDate"))]
    pub close_from: Option<IsoDate>,
    /// Expected close before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional, type = "IsoDate"))]
    pub close_before: Option<IsoDate>,
    /// Text in the title, case-insensitive (Unicode lower-casing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub text: Option<String>,
    /// Close date passed and not won or lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub overdue: Option<bool>,
    /// Not updated for at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub stale_days: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum SortKey {
    #[default]
    ExpectedCloseDate,
    UpdatedAt,
    Amount,
    Title,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Sort {
    pub key: SortKey,
    #[serde(default)]
    pub descending: bool,
}

/// One column as React shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct ColumnSummary {
    #[cfg_attr(feature = "tsify", tsify(type = "Stage"))]
    pub stage: String,
    pub count: u32,
    pub total: f64,
    pub weighted: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct MonthRevenue {
    /// "2026-12"
    pub month: String,
    pub weighted: f64,
    pub total: f64,
    pub count: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct StageAge {
    #[cfg_attr(feature = "tsify", tsify(type = "Stage"))]
    pub stage: String,
    /// Mean days since creation of the column's deals that have a createdAt.
    #[cfg_attr(feature = "tsify", tsify(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_age_days: Option<f64>,
}

/// Statistics over the deals the filter shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Stats {
    pub count: u32,
    pub total: f64,
    pub weighted: f64,
    /// won / (won + lost); absent while nothing is closed.
    #[cfg_attr(feature = "tsify", tsify(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub win_rate: Option<f64>,
    /// Mean amount of deals that have one.
    #[cfg_attr(feature = "tsify", tsify(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_deal_size: Option<f64>,
    pub average_age_by_stage: Vec<StageAge>,
    /// Weighted amount by month of expected close, months in order.
    pub expected_revenue_by_month: Vec<MonthRevenue>,
}

#[derive(Clone, Copy, Debug)]
struct PendingMove {
    seq: u64,
    row: u32,
    from: u16,
    to: u16,
}

#[derive(Clone, Debug, Default)]
struct Column {
    members: Vec<u32>,
    sorted: bool,
    count: u32,
    cents: i64,
    /// Σ cents × basis points: exact weighted total.
    weighted: i128,
}

/// Interns ids (users, companies, contacts) as small integers; 0 means none.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, id: Option<&str>) -> u32 {
        match id {
            None => 0,
            Some(id) => match self.ids.get(id) {
                Some(&n) => n,
                None => {
                    let n = self.ids.len() as u32 + 1;
                    self.ids.insert(id.to_owned(), n);
                    n
                }
            },
        }
    }
}

/// The filter with ids interned and text folded, ready for the hot loop.
#[derive(Default)]
struct Compiled {
    assignees: Option<Vec<u32>>,
    companies: Option<Vec<u32>>,
    contacts: Option<Vec<u32>>,
    min_cents: Option<i64>,
    max_cents: Option<i64>,
    close_from: Option<i64>,
    close_before: Option<i64>,
    text: Option<String>,
    overdue_before: Option<i64>,
    updated_before: Option<i64>,
    /// Whether any condition is set (if not, every deal passes).
    any: bool,
}

pub struct Pipeline {
    // one entry per row
    deals: Vec<Deal>,
    stage: Vec<u16>,
    cents: Vec<i64>,
    has_amount: Vec<bool>,
    close: Vec<i64>,
    updated: Vec<i64>,
    created: Vec<i64>,
    assignee: Vec<u32>,
    company: Vec<u32>,
    contact: Vec<u32>,
    /// Lower-cased titles, built on first need (a text filter or a title sort).
    title_folded: Vec<String>,
    folded: bool,
    seq: Vec<u64>,
    shown: Vec<bool>,
    /// Where the row sits in its column's member list, while that list is unsorted.
    pos: Vec<u32>,
    // indexes and settings
    by_id: HashMap<String, u32>,
    stage_names: Vec<String>,
    stage_index: HashMap<String, u16>,
    interner: Interner,
    next_seq: u64,
    weights: Vec<i64>,
    probabilities: Probabilities,
    filter: Filter,
    compiled: Compiled,
    sort: Sort,
    now_ms: i64,
    columns: Vec<Column>,
    /// Unconfirmed moves: the row's sequence number (stable) and a hint where it sits (rows
    /// shift when others are removed), the stage it left and the one it entered.
    /// A short list: moves are confirmed or reverted as soon as their save answers.
    moves: Vec<(u32, PendingMove)>,
    next_move: u32,
    version: u64,
}

fn to_cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

fn check_amount(amount: Option<f64>, what: &str) -> Result<Option<i64>> {
    match amount {
        None => Ok(None),
        Some(a) if a.is_finite() && a.abs() < 9.0e13 => Ok(Some(to_cents(a))),
        Some(a) => Err(CrmError::InvalidInput(format!(
            "{what}: {a} is not a usable amount"
        ))),
    }
}

impl Default for Pipeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Pipeline {
    pub fn new() -> Self {
        let stage_names: Vec<String> = Stage::NAMES.iter().map(|s| s.to_string()).collect();
        let stage_index = stage_names
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u16))
            .collect();
        let probabilities = Probabilities::default();
        let (known, other) = probabilities
            .basis_points()
            .unwrap_or(([0; KNOWN_STAGES], 0));
        let mut weights = known.to_vec();
        weights.push(other); // index KNOWN_STAGES: the weight of every unknown stage
        Pipeline {
            deals: Vec::new(),
            stage: Vec::new(),
            cents: Vec::new(),
            has_amount: Vec::new(),
            close: Vec::new(),
            updated: Vec::new(),
            created: Vec::new(),
            assignee: Vec::new(),
            company: Vec::new(),
            contact: Vec::new(),
            title_folded: Vec::new(),
            folded: false,
            seq: Vec::new(),
            shown: Vec::new(),
            pos: Vec::new(),
            by_id: HashMap::default(),
            stage_names,
            stage_index,
            interner: Interner::default(),
            next_seq: 0,
            weights,
            probabilities,
            filter: Filter::default(),
            compiled: Compiled::default(),
            sort: Sort::default(),
            now_ms: 0,
            columns: vec![Column::default(); KNOWN_STAGES],
            moves: Vec::new(),
            next_move: 1,
            version: 0,
        }
    }

    /// Changes on every change of what the pipeline shows (for `useSyncExternalStore`).
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn len(&self) -> usize {
        self.deals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.deals.is_empty()
    }

    pub fn deal(&self, object_id: &str) -> Option<&Deal> {
        self.by_id.get(object_id).map(|&i| &self.deals[i as usize])
    }

    fn weight(&self, stage: u16) -> i64 {
        self.weights[(stage as usize).min(KNOWN_STAGES)]
    }

    fn stage_of(&mut self, stage: Option<&Stage>) -> u16 {
        // A deal without a stage is a lead (Cloud Code's default).
        let name = stage.map_or("lead", Stage::as_str);
        if let Some(i) = Stage::NAMES.iter().position(|known| *known == name) {
            return i as u16;
        }
        if let Some(&i) = self.stage_index.get(name) {
            return i;
        }
        let i = self.stage_names.len() as u16;
        self.stage_names.push(name.to_owned());
        self.stage_index.insert(name.to_owned(), i);
        self.columns.push(Column::default());
        i
    }

    /// Replaces everything with `deals`. Built aside and swapped in: on error nothing changes.
    pub fn load(&mut self, deals: Vec<Deal>) -> Result<()> {
        let mut fresh = self.empty_like(deals.len());
        for (i, deal) in deals.into_iter().enumerate() {
            fresh.add_loaded(i, deal)?;
        }
        self.finish_load(fresh);
        Ok(())
    }

    /// Loads a JSON array of deals, or a Parse answer `{"results": [...]}`, in either the wire
    /// or the JS shape. Each deal goes into the pipeline as it is parsed (no list of all of
    /// them in between); on error nothing changes.
    pub fn load_json(&mut self, text: &str) -> Result<()> {
        let mut fresh = self.empty_like(text.len() / 512);
        let mut de = serde_json::Deserializer::from_str(text);
        let loaded = match text.trim_start().as_bytes().first() {
            Some(b'{') => serde::Deserializer::deserialize_map(&mut de, ResultsVisitor(&mut fresh)),
            _ => serde::de::DeserializeSeed::deserialize(DealsSeed(&mut fresh), &mut de),
        };
        loaded
            .and_then(|()| de.end())
            .map_err(|e| CrmError::InvalidInput(format!("deals JSON: {e}")))?;
        self.finish_load(fresh);
        Ok(())
    }

    /// An empty pipeline with this one's settings, room for `capacity` deals.
    fn empty_like(&self, capacity: usize) -> Pipeline {
        let mut fresh = Pipeline::new();
        fresh.probabilities = self.probabilities.clone();
        fresh.weights = self.weights.clone();
        fresh.filter = self.filter.clone();
        fresh.sort = self.sort;
        fresh.now_ms = self.now_ms;
        fresh.version = self.version;
        fresh.by_id.reserve(capacity);
        fresh.deals.reserve(capacity);
        fresh
    }

    fn add_loaded(&mut self, index: usize, deal: Deal) -> Result<()> {
        let id = deal.object_id.as_deref().filter(|s| !s.is_empty());
        let id =
            id.ok_or_else(|| CrmError::InvalidInput(format!("deal #{index} has no objectId")))?;
        if self.by_id.contains_key(id) {
            return Err(CrmError::InvalidInput(format!("deal {id} appears twice")));
        }
        check_amount(deal.amount, id)?;
        self.push_row(deal);
        Ok(())
    }

    fn finish_load(&mut self, mut fresh: Pipeline) {
        fresh.compiled = fresh.compile(&fresh.filter.clone());
        *self = fresh;
        self.prepare_titles();
        self.regroup();
    }

    fn id_of(&self, r: u32) -> &str {
        self.deals[r as usize]
            .object_id
            .as_deref()
            .unwrap_or_default()
    }

    fn push_row(&mut self, deal: Deal) -> u32 {
        let row = self.deals.len() as u32;
        let stage = self.stage_of(deal.stage.as_ref());
        self.by_id
            .insert(deal.object_id.clone().unwrap_or_default(), row);
        self.stage.push(stage);
        self.cents.push(deal.amount.map_or(0, to_cents));
        self.has_amount.push(deal.amount.is_some());
        self.close
            .push(deal.expected_close_date.map_or(NONE, IsoDate::millis));
        self.updated
            .push(deal.updated_at.map_or(NONE, IsoDate::millis));
        self.created
            .push(deal.created_at.map_or(NONE, IsoDate::millis));
        let assignee = self
            .interner
            .intern(deal.assigned_to.as_ref().and_then(|r| r.object_id()));
        let company = self
            .interner
            .intern(deal.company.as_ref().and_then(|r| r.object_id()));
        let contact = self
            .interner
            .intern(deal.contact.as_ref().and_then(|r| r.object_id()));
        self.assignee.push(assignee);
        self.company.push(company);
        self.contact.push(contact);
        if self.folded {
            self.title_folded.push(deal.title.to_lowercase());
        }
        self.seq.push(self.next_seq);
        self.next_seq += 1;
        self.shown.push(false);
        self.pos.push(0);
        self.deals.push(deal);
        row
    }

    /// Overwrites row `row` with `deal` (same objectId); keeps its sequence number.
    fn write_row(&mut self, row: u32, deal: Deal) {
        let r = row as usize;
        self.stage[r] = self.stage_of(deal.stage.as_ref());
        self.cents[r] = deal.amount.map_or(0, to_cents);
        self.has_amount[r] = deal.amount.is_some();
        self.close[r] = deal.expected_close_date.map_or(NONE, IsoDate::millis);
        self.updated[r] = deal.updated_at.map_or(NONE, IsoDate::millis);
        self.created[r] = deal.created_at.map_or(NONE, IsoDate::millis);
        self.assignee[r] = self
            .interner
            .intern(deal.assigned_to.as_ref().and_then(|r| r.object_id()));
        self.company[r] = self
            .interner
            .intern(deal.company.as_ref().and_then(|r| r.object_id()));
        self.contact[r] = self
            .interner
            .intern(deal.contact.as_ref().and_then(|r| r.object_id()));
        if self.folded {
            self.title_folded[r] = deal.title.to_lowercase();
        }
        self.deals[r] = deal;
    }

    /// Interns the filter's ids too (not just looks them up), so a deal that arrives later
    /// with one of them gets the same number and matches.
    fn compile(&mut self, f: &Filter) -> Compiled {
        let mut ids = |list: &Option<Vec<String>>| -> Option<Vec<u32>> {
            list.as_ref()
                .map(|l| l.iter().map(|id| self.interner.intern(Some(id))).collect())
        };
        let (assignees, companies, contacts) =
            (ids(&f.assignees), ids(&f.companies), ids(&f.contacts));
        let mut c = Compiled {
            assignees,
            companies,
            contacts,
            min_cents: f.min_amount.map(to_cents),
            max_cents: f.max_amount.map(to_cents),
            close_from: f.close_from.map(IsoDate::millis),
            close_before: f.close_before.map(IsoDate::millis),
            text: f
                .text
                .as_ref()
                .map(|t| t.to_lowercase())
                .filter(|t| !t.is_empty()),
            overdue_before: (f.overdue == Some(true)).then_some(self.now_ms),
            updated_before: f
                .stale_days
                .map(|d| self.now_ms - (d * DAY_MS as f64) as i64),
            any: false,
        };
        c.any = c.assignees.is_some()
            || c.companies.is_some()
            || c.contacts.is_some()
            || c.min_cents.is_some()
            || c.max_cents.is_some()
            || c.close_from.is_some()
            || c.close_before.is_some()
            || c.text.is_some()
            || c.overdue_before.is_some()
            || c.updated_before.is_some();
        c
    }

    /// Sets the filter and regroups. `now_ms` is the clock for `overdue` and `staleDays`.
    pub fn set_filter(&mut self, filter: Filter, now_ms: i64) -> Result<()> {
        check_amount(filter.min_amount, "minAmount")?;
        check_amount(filter.max_amount, "maxAmount")?;
        if let Some(d) = filter.stale_days {
            if !d.is_finite() || d < 0.0 {
                return Err(CrmError::InvalidInput(format!(
                    "staleDays must be a number >= 0, got {d}"
                )));
            }
        }
        self.now_ms = now_ms;
        self.compiled = self.compile(&filter);
        self.filter = filter;
        self.prepare_titles();
        self.regroup();
        Ok(())
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn set_probabilities(&mut self, p: Probabilities) -> Result<()> {
        let (known, other) = p.basis_points()?;
        self.weights = known.to_vec();
        self.weights.push(other);
        self.probabilities = p;
        self.regroup();
        Ok(())
    }

    pub fn set_sort(&mut self, sort: Sort) {
        if sort != self.sort {
            self.sort = sort;
            self.prepare_titles();
            for c in &mut self.columns {
                c.sorted = false;
                for (i, &r) in c.members.iter().enumerate() {
                    self.pos[r as usize] = i as u32;
                }
            }
            self.version += 1;
        }
    }

    /// Folds titles the first time a text filter or a title sort needs them.
    fn prepare_titles(&mut self) {
        if !self.folded && (self.compiled.text.is_some() || self.sort.key == SortKey::Title) {
            self.title_folded = self.deals.iter().map(|d| d.title.to_lowercase()).collect();
            self.folded = true;
        }
    }

    fn passes(&self, r: usize) -> bool {
        let f = &self.compiled;
        if !f.any {
            return true;
        }
        if let Some(list) = &f.assignees {
            if !list.contains(&self.assignee[r]) {
                return false;
            }
        }
        if let Some(list) = &f.companies {
            if !list.contains(&self.company[r]) {
                return false;
            }
        }
        if let Some(list) = &f.contacts {
            if !list.contains(&self.contact[r]) {
                return false;
            }
        }
        if f.min_cents.is_some() || f.max_cents.is_some() {
            let c = self.cents[r];
            if !self.has_amount[r]
                || f.min_cents.is_some_and(|m| c < m)
                || f.max_cents.is_some_and(|m| c > m)
            {
                return false;
            }
        }
        let close = self.close[r];
        if f.close_from
            .is_some_and(|from| close == NONE || close < from)
        {
            return false;
        }
        if f.close_before
            .is_some_and(|before| close == NONE || close >= before)
        {
            return false;
        }
        if let Some(now) = f.overdue_before {
            let closed = matches!(self.stage[r], WON | LOST);
            if close == NONE || close >= now || closed {
                return false;
            }
        }
        if let Some(before) = f.updated_before {
            let updated = self.updated[r];
            if updated != NONE && updated > before {
                return false;
            }
        }
        if let Some(text) = &f.text {
            if !self.title_folded[r].contains(text.as_str()) {
                return false;
            }
        }
        true
    }

    /// Recomputes every column from scratch: one pass over the rows.
    pub fn regroup(&mut self) {
        for c in &mut self.columns {
            c.members.clear();
            c.sorted = false;
            c.count = 0;
            c.cents = 0;
            c.weighted = 0;
        }
        let no_filter = !self.compiled.any;
        for r in 0..self.deals.len() {
            let shown = no_filter || self.passes(r);
            self.shown[r] = shown;
            if shown {
                let s = self.stage[r];
                let weight = self.weight(s);
                let c = &mut self.columns[s as usize];
                self.pos[r] = c.members.len() as u32;
                c.members.push(r as u32);
                c.count += 1;
                c.cents += self.cents[r];
                c.weighted += i128::from(self.cents[r]) * i128::from(weight);
            }
        }
        self.version += 1;
    }

    /// Orders two rows by the current sort: the key (missing keys last, whatever the
    /// direction), then the order deals arrived in, so the sort is stable.
    fn compare(&self, a: u32, b: u32) -> Ordering {
        let (a, b) = (a as usize, b as usize);
        let key_order = match self.sort.key {
            SortKey::ExpectedCloseDate => {
                missing_last(self.close[a], self.close[b], self.sort.descending)
            }
            SortKey::UpdatedAt => {
                missing_last(self.updated[a], self.updated[b], self.sort.descending)
            }
            SortKey::Amount => {
                let (x, y) = (
                    self.has_amount[a].then_some(self.cents[a]),
                    self.has_amount[b].then_some(self.cents[b]),
                );
                match (x, y) {
                    (Some(x), Some(y)) if self.sort.descending => y.cmp(&x),
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                }
            }
            SortKey::Title => {
                let o = self.title_folded[a].cmp(&self.title_folded[b]);
                if self.sort.descending {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        key_order.then(self.seq[a].cmp(&self.seq[b]))
    }

    fn ensure_sorted(&mut self, stage: u16) {
        let column = &self.columns[stage as usize];
        if column.sorted {
            return;
        }
        let mut members = std::mem::take(&mut self.columns[stage as usize].members);
        members.sort_unstable_by(|&a, &b| self.compare(a, b)); // seq makes every key unique
        let column = &mut self.columns[stage as usize];
        column.members = members;
        column.sorted = true;
    }

    /// Adds row `r` to its column if the filter shows it.
    fn attach(&mut self, r: u32) {
        let ri = r as usize;
        self.shown[ri] = self.passes(ri);
        if !self.shown[ri] {
            return;
        }
        let s = self.stage[ri] as usize;
        let weight = self.weight(s as u16);
        if self.columns[s].sorted {
            let members = &self.columns[s].members;
            let at = members
                .binary_search_by(|&m| self.compare(m, r))
                .unwrap_or_else(|p| p);
            self.columns[s].members.insert(at, r);
        } else {
            self.pos[ri] = self.columns[s].members.len() as u32;
            self.columns[s].members.push(r);
        }
        let c = &mut self.columns[s];
        c.count += 1;
        c.cents += self.cents[ri];
        c.weighted += i128::from(self.cents[ri]) * i128::from(weight);
    }

    /// Removes row `r` from its column (it must still hold the values it was attached with).
    fn detach(&mut self, r: u32) {
        let ri = r as usize;
        if !self.shown[ri] {
            return;
        }
        self.shown[ri] = false;
        let s = self.stage[ri] as usize;
        let weight = self.weight(s as u16);
        if self.columns[s].sorted {
            let members = &self.columns[s].members;
            if let Ok(at) = members.binary_search_by(|&m| self.compare(m, r)) {
                self.columns[s].members.remove(at);
            }
        } else {
            // Unsorted: order does not matter, so take it out in O(1).
            let members = &mut self.columns[s].members;
            let hint = self.pos[ri] as usize;
            let at = if members.get(hint) == Some(&r) {
                Some(hint)
            } else {
                members.iter().position(|&m| m == r)
            };
            if let Some(at) = at {
                members.swap_remove(at);
                if let Some(&moved) = members.get(at) {
                    self.pos[moved as usize] = at as u32;
                }
            }
        }
        let c = &mut self.columns[s];
        c.count -= 1;
        c.cents -= self.cents[ri];
        c.weighted -= i128::from(self.cents[ri]) * i128::from(weight);
    }

    /// Adds or replaces one deal (from a Live Query event or a sync), adjusting only the
    /// columns it leaves and enters. Included objects (company, contact, assignee) of the
    /// version it replaces are kept while the new one points at the same objects: events carry
    /// bare pointers, and a card should not lose its company's name on every update.
    pub fn upsert(&mut self, mut deal: Deal) -> Result<()> {
        let id = deal.object_id.clone().filter(|s| !s.is_empty());
        let id = id.ok_or_else(|| CrmError::InvalidInput("a deal without objectId".into()))?;
        check_amount(deal.amount, &id)?;
        match self.by_id.get(&id).copied() {
            Some(r) => {
                self.detach(r);
                let old = &mut self.deals[r as usize];
                keep_included(&mut deal.company, old.company.take());
                keep_included(&mut deal.contact, old.contact.take());
                keep_included(&mut deal.assigned_to, old.assigned_to.take());
                self.write_row(r, deal);
                self.attach(r);
            }
            None => {
                let r = self.push_row(deal);
                self.attach(r);
            }
        }
        self.version += 1;
        Ok(())
    }

    /// Removes one deal; true if it was there.
    pub fn remove(&mut self, object_id: &str) -> bool {
        let Some(r) = self.by_id.get(object_id).copied() else {
            return false;
        };
        self.detach(r);
        let last = (self.deals.len() - 1) as u32;
        if r != last {
            // The last row moves into the freed slot: re-attach it under its new index.
            let was_shown = self.shown[last as usize];
            self.detach(last);
            self.swap_remove_row(r);
            self.by_id.insert(self.id_of(r).to_owned(), r);
            if was_shown {
                self.attach(r);
            }
        } else {
            self.swap_remove_row(r);
        }
        self.by_id.remove(object_id);
        self.version += 1;
        true
    }

    fn swap_remove_row(&mut self, r: u32) {
        let r = r as usize;
        self.deals.swap_remove(r);
        self.stage.swap_remove(r);
        self.cents.swap_remove(r);
        self.has_amount.swap_remove(r);
        self.close.swap_remove(r);
        self.updated.swap_remove(r);
        self.created.swap_remove(r);
        self.assignee.swap_remove(r);
        self.company.swap_remove(r);
        self.contact.swap_remove(r);
        if self.folded {
            self.title_folded.swap_remove(r);
        }
        self.seq.swap_remove(r);
        self.shown.swap_remove(r);
        self.pos.swap_remove(r);
    }

    /// Moves a deal to `stage` at once and answers the move's id: save the new stage, then
    /// [`Pipeline::confirm_move`] or [`Pipeline::revert_move`].
    pub fn move_deal(&mut self, object_id: &str, stage: &Stage) -> Result<u32> {
        if !stage.is_known() {
            return Err(CrmError::invalid(
                "Deal",
                "stage",
                format!("unknown stage {:?}", stage.as_str()),
            ));
        }
        let r = *self.by_id.get(object_id).ok_or_else(|| {
            CrmError::InvalidInput(format!("deal {object_id} is not in the pipeline"))
        })?;
        let from = self.stage[r as usize];
        let to = self.stage_of(Some(stage));
        self.set_stage(r, to);
        let move_id = self.next_move;
        self.next_move = self.next_move.wrapping_add(1).max(1);
        self.moves.push((
            move_id,
            PendingMove {
                seq: self.seq[r as usize],
                row: r,
                from,
                to,
            },
        ));
        Ok(move_id)
    }

    fn set_stage(&mut self, r: u32, to: u16) {
        self.detach(r);
        self.stage[r as usize] = to;
        self.deals[r as usize].stage = Some(match Stage::KNOWN.get(to as usize) {
            Some(known) => known.clone(),
            None => Stage::from(self.stage_names[to as usize].as_str()),
        });
        self.attach(r);
        self.version += 1;
    }

    fn take_move(&mut self, move_id: u32) -> Option<PendingMove> {
        let at = self.moves.iter().position(|(id, _)| *id == move_id)?;
        Some(self.moves.swap_remove(at).1)
    }

    /// The save went through: forget how to undo the move.
    pub fn confirm_move(&mut self, move_id: u32) -> bool {
        self.take_move(move_id).is_some()
    }

    /// The save failed: put the deal back, unless something newer (an event, another move)
    /// changed its stage since.
    pub fn revert_move(&mut self, move_id: u32) -> bool {
        let Some(m) = self.take_move(move_id) else {
            return false;
        };
        let row = if self.seq.get(m.row as usize) == Some(&m.seq) {
            Some(m.row)
        } else {
            self.seq.iter().position(|&s| s == m.seq).map(|r| r as u32)
        };
        match row {
            Some(r) if self.stage[r as usize] == m.to => {
                self.set_stage(r, m.from);
                true
            }
            _ => false,
        }
    }

    /// The columns in order: the six known stages, then unknown stages that hold deals.
    pub fn columns(&self) -> Vec<ColumnSummary> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(i, c)| *i < KNOWN_STAGES || c.count > 0)
            .map(|(i, c)| ColumnSummary {
                stage: self.stage_names[i].clone(),
                count: c.count,
                total: c.cents as f64 / 100.0,
                weighted: c.weighted as f64 / 1_000_000.0,
            })
            .collect()
    }

    /// Cards `offset .. offset + limit` of a column, in the current sort.
    pub fn page(&mut self, stage: &str, offset: usize, limit: usize) -> Vec<&Deal> {
        let Some(&s) = self.stage_index.get(stage) else {
            return Vec::new();
        };
        self.ensure_sorted(s);
        let members = &self.columns[s as usize].members;
        let end = offset.saturating_add(limit).min(members.len());
        let start = offset.min(end);
        members[start..end]
            .iter()
            .map(|&r| &self.deals[r as usize])
            .collect()
    }

    /// Every deal, in the order they first arrived (which breaks ties in sorting).
    pub fn deals_in_arrival_order(&self) -> Vec<Deal> {
        let mut rows: Vec<usize> = (0..self.deals.len()).collect();
        rows.sort_by_key(|&r| self.seq[r]);
        rows.into_iter().map(|r| self.deals[r].clone()).collect()
    }

    /// The objectIds of a whole column, in the current sort (for tests and exports).
    pub fn column_ids(&mut self, stage: &str) -> Vec<String> {
        let Some(&s) = self.stage_index.get(stage) else {
            return Vec::new();
        };
        self.ensure_sorted(s);
        self.columns[s as usize]
            .members
            .iter()
            .map(|&r| self.id_of(r).to_owned())
            .collect()
    }

    pub fn stats(&self, now_ms: i64) -> Stats {
        let (mut count, mut cents, mut weighted) = (0u32, 0i64, 0i128);
        let (mut with_amount, mut amount_cents) = (0u32, 0i64);
        let mut months: std::collections::BTreeMap<(i64, i64), (i128, i64, u32)> =
            Default::default();
        let mut ages: Vec<(i64, u32)> = vec![(0, 0); self.columns.len()];
        for (s, column) in self.columns.iter().enumerate() {
            count += column.count;
            cents += column.cents;
            weighted += column.weighted;
            let weight = self.weight(s as u16);
            for &r in &column.members {
                let r = r as usize;
                if self.has_amount[r] {
                    with_amount += 1;
                    amount_cents += self.cents[r];
                }
                if self.close[r] != NONE {
                    let m = months.entry(year_month(self.close[r])).or_default();
                    m.0 += i128::from(self.cents[r]) * i128::from(weight);
                    m.1 += self.cents[r];
                    m.2 += 1;
                }
                if self.created[r] != NONE {
                    ages[s].0 += now_ms - self.created[r];
                    ages[s].1 += 1;
                }
            }
        }
        let (won, lost) = (
            self.columns[WON as usize].count,
            self.columns[LOST as usize].count,
        );
        Stats {
            count,
            total: cents as f64 / 100.0,
            weighted: weighted as f64 / 1_000_000.0,
            win_rate: (won + lost > 0).then(|| f64::from(won) / f64::from(won + lost)),
            average_deal_size: (with_amount > 0)
                .then(|| amount_cents as f64 / 100.0 / f64::from(with_amount)),
            average_age_by_stage: self
                .columns
                .iter()
                .enumerate()
                .filter(|(i, c)| *i < KNOWN_STAGES || c.count > 0)
                .map(|(i, _)| StageAge {
                    stage: self.stage_names[i].clone(),
                    average_age_days: (ages[i].1 > 0)
                        .then(|| ages[i].0 as f64 / DAY_MS as f64 / f64::from(ages[i].1)),
                })
                .collect(),
            expected_revenue_by_month: months
                .into_iter()
                .map(|((y, m), (w, c, n))| MonthRevenue {
                    month: format!("{y:04}-{m:02}"),
                    weighted: w as f64 / 1_000_000.0,
                    total: c as f64 / 100.0,
                    count: n,
                })
                .collect(),
        }
    }
}

/// Streams a JSON array of deals into a pipeline.
struct DealsSeed<'a>(&'a mut Pipeline);

impl<'de> serde::de::DeserializeSeed<'de> for DealsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for DealsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of deals or {results: [...]}")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        let mut index = 0;
        while let Some(deal) = seq.next_element::<Deal>()? {
            self.0
                .add_loaded(index, deal)
                .map_err(|e| serde::de::Error::custom(e.to_string()))?;
            index += 1;
        }
        Ok(())
    }
}

/// Streams `{"results": [...]}` (a Parse answer) into a pipeline; other keys are skipped.
struct ResultsVisitor<'a>(&'a mut Pipeline);

impl<'de> serde::de::Visitor<'de> for ResultsVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("{results: [...]}")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<crate::wire::BorrowedOrOwned<'de>>()? {
            if key.0 == "results" && !found {
                map.next_value_seed(DealsSeed(&mut *self.0))?;
                found = true;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(serde::de::Error::custom(
                "expected an array of deals or {results: [...]}",
            ))
        }
    }
}

fn missing_last(a: i64, b: i64, descending: bool) -> Ordering {
    match (a == NONE, b == NONE) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) if descending => b.cmp(&a),
        (false, false) => a.cmp(&b),
    }
}

// Native only: proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
