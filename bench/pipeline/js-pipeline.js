// The JavaScript baseline: a straightforward, idiomatic pipeline over plain objects, doing
// the same work as crm-wasm's Pipeline (same filters, same stage weights, same sort rules).
export const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];
const WEIGHT = { lead: 0.1, qualified: 0.25, proposal: 0.5, negotiation: 0.75, won: 1, lost: 0 };

const iso = (d) => (d == null ? undefined : typeof d === 'string' ? d : d.iso);

function passes(d, f) {
  if (f.assignees && !(d.assignedTo && f.assignees.includes(d.assignedTo.objectId))) return false;
  if (f.companies && !(d.company && f.companies.includes(d.company.objectId))) return false;
  if (f.minAmount != null && !(d.amount != null && d.amount >= f.minAmount)) return false;
  if (f.maxAmount != null && !(d.amount != null && d.amount <= f.maxAmount)) return false;
  if (f.text && !d.title.toLowerCase().includes(f.text.toLowerCase())) return false;
  if (f.overdue) {
    const close = iso(d.expectedCloseDate);
    if (!close || close >= f.now || d.stage === 'won' || d.stage === 'lost') return false;
  }
  return true;
}

function byCloseDate(a, b) {
  const x = iso(a.expectedCloseDate);
  const y = iso(b.expectedCloseDate);
  if (x === y) return 0;
  if (x === undefined) return 1;
  if (y === undefined) return -1;
  return x < y ? -1 : 1;
}

export class JsPipeline {
  constructor() {
    this.deals = new Map();
    this.filter = {};
    this.columns = new Map();
  }

  loadJson(text) {
    const data = JSON.parse(text);
    this.deals = new Map(data.map((d) => [d.objectId, d]));
    this.regroup();
  }

  regroup() {
    const columns = new Map(STAGES.map((s) => [s, { stage: s, count: 0, total: 0, weighted: 0, deals: [] }]));
    for (const d of this.deals.values()) {
      if (!passes(d, this.filter)) continue;
      const stage = d.stage ?? 'lead';
      let c = columns.get(stage);
      if (!c) columns.set(stage, (c = { stage, count: 0, total: 0, weighted: 0, deals: [] }));
      const amount = d.amount ?? 0;
      c.count += 1;
      c.total += amount;
      c.weighted += amount * (WEIGHT[stage] ?? 0);
      c.deals.push(d);
    }
    this.columns = columns;
  }

  summaries() {
    return [...this.columns.values()].map(({ stage, count, total, weighted }) => ({ stage, count, total, weighted }));
  }

  setFilter(filter) {
    this.filter = { ...filter, now: new Date().toISOString() };
    this.regroup();
  }

  move(id, stage) {
    const d = this.deals.get(id);
    const amount = d.amount ?? 0;
    const from = this.columns.get(d.stage ?? 'lead');
    const i = from.deals.indexOf(d);
    if (i >= 0) {
      from.deals.splice(i, 1);
      from.count -= 1;
      from.total -= amount;
      from.weighted -= amount * (WEIGHT[d.stage] ?? 0);
      const to = this.columns.get(stage);
      to.deals.push(d);
      to.count += 1;
      to.total += amount;
      to.weighted += amount * (WEIGHT[stage] ?? 0);
    }
    d.stage = stage;
  }

  page(stage, offset, limit) {
    const column = this.columns.get(stage);
    return column.deals.slice().sort(byCloseDate).slice(offset, offset + limit);
  }
}
