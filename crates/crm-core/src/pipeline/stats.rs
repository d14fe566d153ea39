//! Statistics over the deals the filter shows: win rate, average deal size, average age by
//! stage, expected revenue by month of close.

use super::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthRevenue {
    /// "2026-12"
    pub month: String,
    pub weighted: f64,
    pub total: f64,
    pub count: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageAge {
    pub stage: String,
    /// Mean days since creation of the column's deals that have a createdAt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_age_days: Option<f64>,
}

/// Statistics over the deals the filter shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub count: u32,
    pub total: f64,
    pub weighted: f64,
    /// won / (won + lost); absent while nothing is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub win_rate: Option<f64>,
    /// Mean amount of deals that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_deal_size: Option<f64>,
    pub average_age_by_stage: Vec<StageAge>,
    /// Weighted amount by month of expected close, months in order.
    pub expected_revenue_by_month: Vec<MonthRevenue>,
}

impl Pipeline {
    pub fn stats(&self, now_ms: i64) -> Stats {
        let (mut count, mut cents, mut weighted) = (0u32, 0i128, 0i128);
        let (mut with_amount, mut amount_cents) = (0u32, 0i128);
        let mut months: std::collections::BTreeMap<(i64, i64), (i128, i128, u32)> =
            Default::default();
        let mut ages: Vec<(i128, u32)> = vec![(0, 0); self.columns.len()];
        for (s, column) in self.columns.iter().enumerate() {
            count += column.count;
            cents += column.cents;
            weighted += column.weighted;
            let weight = self.weight(s as u16);
            for &r in &column.members {
                let r = r as usize;
                if self.has_amount[r] {
                    with_amount += 1;
                    amount_cents += i128::from(self.cents[r]);
                }
                if self.close[r] != NONE {
                    let m = months.entry(year_month(self.close[r])).or_default();
                    m.0 += i128::from(self.cents[r]) * i128::from(weight);
                    m.1 += i128::from(self.cents[r]);
                    m.2 += 1;
                }
                if self.created[r] != NONE {
                    ages[s].0 += i128::from(now_ms - self.created[r]);
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
