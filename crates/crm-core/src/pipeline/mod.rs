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
//!
//! By concept: [`filter`] (what the columns show), [`columns`] (grouping, sorting, views),
//! [`moves`] (undoable moves), [`stats`], [`load`]; the rows, upserts and removals are here.

mod columns;
mod filter;
mod load;
mod moves;
mod stats;

pub use columns::{ColumnSummary, Sort, SortKey};
pub use filter::Filter;
pub use moves::move_and_save;
pub use stats::{MonthRevenue, StageAge, Stats};

use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::error::{CrmError, Result};
use crate::models::{Deal, Stage};
use crate::wire::{keep_included, year_month, IsoDate, Ref};

/// The known stages, in pipeline order; unknown stages follow as trailing columns.
pub const KNOWN_STAGES: usize = 6;
const WON: u16 = 4;
const LOST: u16 = 5;
const NONE: i64 = i64::MIN;
const DAY_MS: i64 = 86_400_000;

/// Stage probabilities in percent, per known stage (lead … lost). Default 10/25/50/75/100/0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    /// Σ cents, in i128: a thousand deals near the largest amount allowed overflow an i64.
    cents: i128,
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
    /// Lower-cased names of the deal's company and contact (when included), with the titles.
    names_folded: Vec<String>,
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
            names_folded: Vec::new(),
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

    /// Every deal held, in no particular order.
    pub fn deals(&self) -> impl Iterator<Item = &Deal> {
        self.deals.iter()
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
            self.names_folded.push(names_folded(&deal));
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
            self.names_folded[r] = names_folded(&deal);
        }
        self.deals[r] = deal;
    }

    pub fn set_probabilities(&mut self, p: Probabilities) -> Result<()> {
        let (known, other) = p.basis_points()?;
        self.weights = known.to_vec();
        self.weights.push(other);
        self.probabilities = p;
        self.regroup();
        Ok(())
    }

    /// Applies a Live Query event: a delete or leave removes the deal, anything else upserts
    /// the event's object (refused if it is not a deal).
    pub fn apply_live_event(&mut self, event: &crate::live::LiveEvent) -> Result<()> {
        use crate::live::LiveEventKind;
        match event.kind {
            LiveEventKind::Delete | LiveEventKind::Leave => {
                if let Some(id) = event.object.get("objectId").and_then(|v| v.as_str()) {
                    self.remove(id);
                }
                Ok(())
            }
            _ => {
                let deal: Deal = serde_json::from_value(event.object.clone())
                    .map_err(|e| CrmError::MalformedResponse(format!("live event: {e}")))?;
                self.upsert(deal)
            }
        }
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
            self.names_folded.swap_remove(r);
        }
        self.seq.swap_remove(r);
        self.shown.swap_remove(r);
        self.pos.swap_remove(r);
    }
}

// Native only: proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

/// The names a text filter finds a deal by, besides its title: its company's and its
/// contact's, lower-cased (empty where the pointer was not included with its object).
fn names_folded(deal: &Deal) -> String {
    let company = deal.company.as_ref().and_then(Ref::object).map(|c| &c.name);
    let contact = deal.contact.as_ref().and_then(Ref::object).map(|c| &c.name);
    let mut names = String::new();
    for name in [company, contact].into_iter().flatten() {
        names.push_str(name);
        names.push('\n');
    }
    names.to_lowercase()
}
