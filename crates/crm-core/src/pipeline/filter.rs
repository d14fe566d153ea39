//! Filters: which deals the columns show ([`Filter`]), compiled once (ids interned, text
//! folded) into the condition the hot loop tests per row.

use super::*;

/// Which deals the columns show. Every condition set must hold; an empty filter shows all. An
/// unknown key is refused: `assignee` for `assignees` showed every deal without a word.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filter {
    /// User objectIds: deals assigned to any of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignees: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companies: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<String>>,
    /// Inclusive; deals without an amount are left out when either bound is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_amount: Option<f64>,
    /// Expected close on or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_from: Option<IsoDate>,
    /// Expected close before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_before: Option<IsoDate>,
    /// Text in the title, or in the name of the deal's company or contact where the deal holds
    /// them (included), case-insensitive (Unicode lower-casing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Close day before today (see `today`) and not won or lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
    /// The day `overdue` counts from, as the app stores days (UTC midnight): the user's own
    /// day, which the core cannot know. By default the UTC day of the clock. Counted from the
    /// clock's instant instead, a deal closing today was overdue in the filter all day while its
    /// card said "Closes today".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub today: Option<IsoDate>,
    /// Not updated for at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_days: Option<f64>,
}

impl Pipeline {
    /// Interns the filter's ids too (not just looks them up), so a deal that arrives later
    /// with one of them gets the same number and matches.
    pub(super) fn compile(&mut self, f: &Filter) -> Compiled {
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
            overdue_before: (f.overdue == Some(true)).then(|| {
                f.today
                    .map(IsoDate::millis)
                    .unwrap_or(self.now_ms - self.now_ms.rem_euclid(DAY_MS))
            }),
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

    /// Folds titles the first time a text filter or a title sort needs them.
    pub(super) fn prepare_titles(&mut self) {
        if !self.folded && (self.compiled.text.is_some() || self.sort.key == SortKey::Title) {
            self.title_folded = self.deals.iter().map(|d| d.title.to_lowercase()).collect();
            self.names_folded = self.deals.iter().map(super::names_folded).collect();
            self.folded = true;
        }
    }

    pub(super) fn passes(&self, r: usize) -> bool {
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
            if !self.title_folded[r].contains(text.as_str())
                && !self.names_folded[r].contains(text.as_str())
            {
                return false;
            }
        }
        true
    }
}
