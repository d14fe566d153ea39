// What one write of one deal costs IndexedDB itself, by record shape and request pattern, beside
// Dexie's `put` in the same page (the local store issue's "store one deal again" row): Dexie's
// deal with its two indexes and crm-wasm's record with five, put alone with commit(); the
// record with an entry added to a log store (a write that waits on no read); the record read
// first, then put with the log entry; and the local store's pattern today (the stamp, the
// record before and the pin's bucket read, the stamp put once they are in). Medians of 280,
// the variants taking turns.
//   node bench/run.mjs idb-pattern
import Dexie from '/bench/node_modules/dexie/dist/dexie.mjs';
import { dealsFor } from '../local/deals.js';
import { log, runPage, median } from '../page.js';
const req = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
const done = (tx) => new Promise((ok, no) => { tx.oncomplete = ok; tx.onerror = () => no(tx.error); tx.onabort = () => no(tx.error); });
const ms = (iso) => Date.parse(iso);
const record = (d) => ({ objectId: d.objectId, json: JSON.stringify(d),
  k: { stage: d.stage, expectedCloseDate: [1, ms(d.expectedCloseDate)], updatedAt: [1, ms(d.updatedAt)], amount: [4, d.amount], company: d.company.objectId }, u: ms(d.updatedAt) });
const flat = (d) => ({ objectId: d.objectId, json: JSON.stringify(d), k: { stage: d.stage, expectedCloseDate: ms(d.expectedCloseDate), updatedAt: ms(d.updatedAt), amount: d.amount, company: d.company.objectId }, u: ms(d.updatedAt) });
const planner = (withId) => ['expectedCloseDate', 'updatedAt', 'amount'].map((s) => [s, ['k.stage', `k.${s}`, ...(withId ? ['objectId'] : [])]])
  .concat([['company', ['k.company', ...(withId ? ['objectId'] : [])]], ['contact', ['k.contact', ...(withId ? ['objectId'] : [])]]]);
async function openDb(name, indexes, extra) {
  await req(indexedDB.deleteDatabase(name));
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => {
    const s = r.result.createObjectStore('s', { keyPath: 'objectId' });
    for (const [i, p] of indexes) s.createIndex(i, p);
    r.result.createObjectStore('meta', { keyPath: 'key' });
    r.result.createObjectStore('log', { autoIncrement: true });
    r.result.createObjectStore('pins', { keyPath: 'key' });
  };
  return req(r);
}
async function main() {
  const deals = dealsFor(10000, Array.from({ length: 50 }, (_, i) => `c${i}`));
  const dexie = new Dexie(`one-dexie-${Date.now()}`);
  dexie.version(1).stores({ deals: 'objectId, [stage+expectedCloseDate], company.objectId' });
  await dexie.deals.bulkPut(deals);
  const dex2 = await openDb(`one-d2-${Date.now()}`, [['close', ['stage', 'expectedCloseDate']], ['company', 'company.objectId']]);
  const ours = await openDb(`one-ours-${Date.now()}`, planner(true));
  const oursFlat = await openDb(`one-flat-${Date.now()}`, planner(false));
  for (const [db, make] of [[dex2, (d) => d], [ours, record], [oursFlat, flat]]) {
    const tx = db.transaction(['s', 'meta', 'pins'], 'readwrite');
    for (const d of deals) tx.objectStore('s').put(make(d));
    tx.objectStore('meta').put({ key: 'stamp/Deal', value: 1, log: [] });
    tx.objectStore('pins').put({ key: 'b', ids: deals.slice(0, 100).map((d) => d.objectId) });
    await done(tx);
  }
  const logRec = (d) => ({ c: 'Deal', text: JSON.stringify([{ id: d.objectId, before: { k: record(d).k }, after: record(d) }]) });
  const variants = {
    dexiePut: async (d) => dexie.deals.put(d),
    rawDealPut: async (d) => { const tx = dex2.transaction(['s'], 'readwrite'); tx.objectStore('s').put(d); tx.commit(); await done(tx); },
    oursPutOnly: async (d) => { const tx = ours.transaction(['s'], 'readwrite'); tx.objectStore('s').put(record(d)); tx.commit(); await done(tx); },
    flatPutOnly: async (d) => { const tx = oursFlat.transaction(['s'], 'readwrite'); tx.objectStore('s').put(flat(d)); tx.commit(); await done(tx); },
    oursPutAndLog: async (d) => { const tx = ours.transaction(['s', 'log'], 'readwrite'); tx.objectStore('s').put(record(d)); tx.objectStore('log').add(logRec(d)); tx.commit(); await done(tx); },
    oursGetThenPutLog: async (d) => {
      const tx = ours.transaction(['s', 'log'], 'readwrite'); const s = tx.objectStore('s');
      const before = await req(s.get(d.objectId)); s.put(record(d)); tx.objectStore('log').add({ c: 'Deal', text: JSON.stringify([{ id: d.objectId, before: before && before.k, after: record(d) }]) }); tx.commit(); await done(tx);
    },
    oursToday: async (d) => {
      const tx = ours.transaction(['s', 'meta', 'pins'], 'readwrite'); const s = tx.objectStore('s'); const m = tx.objectStore('meta');
      const a = req(m.get('stamp/Deal')); const b = req(s.get(d.objectId)); s.put(record(d)); const c = req(tx.objectStore('pins').get('b'));
      const found = await a; await b; await c; m.put({ key: 'stamp/Deal', value: Math.random(), log: found.log }); tx.commit(); await done(tx);
    },
  };
  const results = {};
  const names = Object.keys(variants);
  const t = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < 300; round++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + round) % names.length];
      const d = deals[(round * 7 + j) % deals.length];
      const t0 = performance.now(); await variants[name](d); const dt = performance.now() - t0;
      if (round >= 20) t[name].push(dt);
    }
  }
  for (const n of names) { results[n] = median(t[n]); log(`${n}: ${median(t[n]).toFixed(3)} ms`); }
  window.benchResults = results;
}
runPage(main);
