// Runs in the page: global search over 10,000 deals + 10,000 contacts (+ 500 companies) with
// crm-wasm's SearchIndex and with the plain-JS baseline (js-search.js), the queries a user
// types key by key, alternating sample by sample after warm-up; reports medians.
import init, { SearchIndex, Pipeline } from '/pkg/crm_wasm.js';
import { JsSearch } from './js-search.js';
import { lcg, log, median, runPage } from '../page.js';

const FIRST = ['José', 'Zoë', 'Ada', 'Björn', 'Ana', 'François', 'Łukasz', 'Mia', 'Noah', 'Søren', 'Amélie', 'Chloé'];
const LAST = ['Álvarez', 'Müller', 'Lovelace', 'Straße', 'Nguyễn', 'Dubois', 'Kowalski', 'Smith', 'García', 'Øster'];
const CO = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Société Générale', 'Müller & Söhne', 'Čapek'];

function generate(nDeals, nContacts, nCompanies) {
  const rand = lcg(11);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const companies = [];
  for (let i = 0; i < nCompanies; i++) {
    companies.push({ objectId: `co${i}`, name: `${pick(CO)} ${i}`, website: `https://www.${i}.example`, industry: pick(['Software', 'Retail', 'Banking']) });
  }
  const contacts = [];
  for (let i = 0; i < nContacts; i++) {
    const name = `${pick(FIRST)} ${pick(LAST)}`;
    contacts.push({
      objectId: `c${i}`, name,
      email: `${name.split(' ')[0].toLowerCase()}.${i}@example.com`,
      phone: `+1 (555) ${String(100 + (i % 900))}-${String(1000 + i).slice(-4)}`,
      company: { __type: 'Pointer', className: 'Company', objectId: `co${i % nCompanies}` },
    });
  }
  const deals = [];
  for (let i = 0; i < nDeals; i++) {
    deals.push({
      objectId: `d${i}`, title: `${pick(['Renewal', 'Expansion', 'Pilot', 'Licences', 'Support'])} ${2026 + (i % 3)} #${i}`,
      stage: 'lead', amount: 1000 + i,
      company: { __type: 'Pointer', className: 'Company', objectId: `co${i % nCompanies}` },
      contact: { __type: 'Pointer', className: 'Contact', objectId: `c${(i * 7) % nContacts}` },
    });
  }
  return { companies, contacts, deals };
}

// What a user types, key by key: each prefix is one search.
const TYPED = ['jose', 'muller', 'acme renewal', '555-123', 'societe', 'zoe straße', 'x@nothing'];
const KEYSTROKES = TYPED.flatMap((q) => Array.from({ length: q.length }, (_, i) => q.slice(0, i + 1)));

async function main() {
  await init();
  const results = [];
  const n = 10000;
  const { companies, contacts, deals } = generate(n, n, 500);
  const pipeline = new Pipeline();
  pipeline.load(deals);
  const wasm = new SearchIndex();
  let t0 = performance.now();
  wasm.setCompanies(companies);
  wasm.setContacts(contacts);
  wasm.syncPipeline(pipeline);
  const wasmBuild = performance.now() - t0;
  const js = new JsSearch();
  t0 = performance.now();
  js.setCompanies(companies);
  js.setContacts(contacts);
  js.setDeals(deals);
  const jsBuild = performance.now() - t0;
  log(`index of ${wasm.size} records built: wasm ${wasmBuild.toFixed(1)} ms, js ${jsBuild.toFixed(1)} ms (once, not per search)`);

  // Same answers first (ids and order), on every keystroke.
  for (const q of KEYSTROKES) {
    const a = wasm.search(q, 20).map((h) => `${h.className}:${h.objectId}:${h.score}`);
    const b = js.search(q, 20).map((h) => `${h.className}:${h.objectId}:${h.score}`);
    if (a.join() !== b.join()) throw new Error(`results differ for ${JSON.stringify(q)}: ${a.slice(0, 5)} vs ${b.slice(0, 5)}`);
  }
  const samples = 15;
  const run = (side) => { for (const q of KEYSTROKES) side.search(q, 20); };
  for (let w = 0; w < 3; w++) { run(wasm); run(js); }
  const wt = [];
  const jt = [];
  for (let s = 0; s < samples; s++) {
    let t = performance.now();
    run(wasm);
    wt.push((performance.now() - t) / KEYSTROKES.length);
    t = performance.now();
    run(js);
    jt.push((performance.now() - t) / KEYSTROKES.length);
  }
  // The slowest single keystroke (the one-letter queries match the most).
  const worst = (side) => Math.max(...KEYSTROKES.map((q) => { const t = performance.now(); side.search(q, 20); return performance.now() - t; }));
  const row = { n: `${n} deals + ${n} contacts`, op: 'search per keystroke (median over typed queries)', wasmMs: median(wt), jsMs: median(jt) };
  row.ratio = row.jsMs / row.wasmMs;
  results.push(row);
  log(`${row.n}  ${row.op}: wasm ${row.wasmMs.toFixed(3)} ms   js ${row.jsMs.toFixed(3)} ms   js/wasm ${row.ratio.toFixed(2)}`);
  const worstRow = { n: row.n, op: 'slowest single keystroke', wasmMs: worst(wasm), jsMs: worst(js) };
  worstRow.ratio = worstRow.jsMs / worstRow.wasmMs;
  results.push(worstRow);
  log(`${row.n}  ${worstRow.op}: wasm ${worstRow.wasmMs.toFixed(3)} ms   js ${worstRow.jsMs.toFixed(3)} ms`);
  // A live update: one deal renamed, the index re-synced from the pipeline.
  const sync = [];
  for (let s = 0; s < samples; s++) {
    pipeline.upsert({ ...deals[s], title: `Renamed ${s}` });
    const t = performance.now();
    wasm.syncPipeline(pipeline);
    sync.push(performance.now() - t);
  }
  results.push({ n: row.n, op: 'index re-sync after one live update (wasm only)', wasmMs: median(sync) });
  log(`${row.n}  re-sync after one live update: wasm ${median(sync).toFixed(3)} ms`);
  wasm.free();
  pipeline.free();
  window.benchResults = results;
}

runPage(main);
