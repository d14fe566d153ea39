// Runs in the page: the same operations on the same generated deals with crm-wasm's Pipeline
// and with the JavaScript baseline, alternating, after warm-up; reports medians.
import init, { Pipeline } from '/pkg/crm_wasm.js';
import { JsPipeline, STAGES } from './js-pipeline.js';
import { lcg, log, median, runPage } from '../page.js';

// Deterministic deals in Parse's wire shape (what the server sends).
function generate(n) {
  const rand = lcg(7);
  const base = Date.parse('2026-01-01T00:00:00Z');
  const deals = [];
  for (let i = 0; i < n; i++) {
    deals.push({
      objectId: `deal${i.toString(36).padStart(6, '0')}`,
      title: `Deal ${i} for ${['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'][i % 5]} renewal`,
      amount: Math.round(rand() * 100000) / 100 * 10,
      stage: STAGES[Math.floor(rand() * 6)],
      expectedCloseDate: rand() < 0.9 ? { __type: 'Date', iso: new Date(base + Math.floor(rand() * 365) * 86400000).toISOString() } : undefined,
      updatedAt: new Date(base + Math.floor(rand() * 300) * 86400000).toISOString(),
      createdAt: new Date(base - Math.floor(rand() * 300) * 86400000).toISOString(),
      assignedTo: { __type: 'Pointer', className: '_User', objectId: `user${i % 20}` },
      company: { __type: 'Pointer', className: 'Company', objectId: `company${i % 500}` },
      contact: { __type: 'Pointer', className: 'Contact', objectId: `contact${i % 2000}` },
    });
  }
  return deals;
}

/** Times `run` (after `setup`, untimed) `samples` times, `inner` runs per sample; ms per run. */
function measure({ setup = () => {}, run, samples, inner = 1 }) {
  const times = [];
  for (let s = 0; s < samples; s++) {
    setup();
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) run(i);
    times.push((performance.now() - t0) / inner);
  }
  return times;
}

async function main() {
  await init();
  const results = [];
  for (const n of [10000, 100000]) {
    const deals = generate(n);
    const text = JSON.stringify(deals);
    const ids = deals.map((d) => d.objectId);
    const wasm = new Pipeline();
    const js = new JsPipeline();
    const filterA = { assignees: ['user3', 'user7'], minAmount: 2000 };
    const filterB = { text: 'globex', overdue: true };
    const samples = n >= 100000 ? 15 : 31;
    // [name, wasm fn, js fn]: each op's measure() options for both sides.
    const ops = [
      ['load (JSON text in, deals held)',
        { run: () => wasm.loadJson(text), samples: Math.min(samples, 9) },
        { run: () => js.loadJson(text), samples: Math.min(samples, 9) }],
      ['group with totals (full recompute)',
        { run: () => { wasm.regroup(); wasm.columns(); }, samples },
        { run: () => { js.regroup(); js.summaries(); }, samples }],
      ['change of filter',
        { run: (i) => { wasm.setFilter(i % 2 ? filterA : filterB); wasm.columns(); }, samples, inner: 2 },
        { run: (i) => { js.setFilter(i % 2 ? filterA : filterB); js.summaries(); }, samples, inner: 2 }],
      ['move of one deal',
        { setup: () => wasm.setFilter({}), run: (i) => wasm.confirmMove(wasm.moveDeal(ids[(i * 7919) % n], STAGES[i % 6])), samples, inner: 5000 },
        { setup: () => js.setFilter({}), run: (i) => js.move(ids[(i * 7919) % n], STAGES[i % 6]), samples, inner: 1000 }],
      ['column page snapshot (50 cards, freshly grouped)',
        { setup: () => wasm.regroup(), run: () => wasm.page('proposal', 0, 50), samples },
        { setup: () => js.regroup(), run: () => js.page('proposal', 0, 50), samples }],
    ];
    // Both start loaded.
    wasm.loadJson(text);
    js.loadJson(text);
    for (const [name, w, j] of ops) {
      // warm-up, then alternate wasm and JS sample by sample so drift hits both alike
      measure({ ...w, samples: 3 });
      measure({ ...j, samples: 3 });
      const wt = [];
      const jt = [];
      for (let s = 0; s < w.samples; s++) {
        wt.push(...measure({ ...w, samples: 1 }));
        jt.push(...measure({ ...j, samples: 1 }));
      }
      const row = { n, op: name, wasmMs: median(wt), jsMs: median(jt) };
      row.ratio = row.jsMs / row.wasmMs;
      results.push(row);
      log(`${String(n).padStart(6)}  ${name.padEnd(48)} wasm ${row.wasmMs.toFixed(5).padStart(11)} ms   js ${row.jsMs.toFixed(5).padStart(11)} ms   js/wasm ${row.ratio.toFixed(2)}`);
    }
    // Same answers: both sides hold the same deals, so the same totals.
    wasm.loadJson(text);
    js.loadJson(text);
    const w = wasm.columns().map((c) => [c.stage, c.count, Math.round(c.total * 100)]);
    const jj = js.summaries().map((c) => [c.stage, c.count, Math.round(c.total * 100)]);
    if (JSON.stringify(w) !== JSON.stringify(jj)) throw new Error(`results differ: ${JSON.stringify(w)} vs ${JSON.stringify(jj)}`);
    wasm.free();
  }
  window.benchResults = results;
}

runPage(main);
