// What one write costs IndexedDB itself, by the pattern of its requests (no wasm, no Dexie):
// a put alone, with and without commit(); reads then a put that waits for them (the local
// store's pattern); everything placed at once. Medians of 200, after a round not counted.
//   node bench/run.mjs idb-pattern
import { dealsFor } from '../local/deals.js';
import { log, runPage, median } from '../page.js';
const req = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
async function main() {
  const db = await req(Object.assign(indexedDB.open(`raw${Date.now()}`, 1), { onupgradeneeded: (e) => {
    const d = e.target.result;
    const s = d.createObjectStore('deals', { keyPath: 'objectId' });
    s.createIndex('a', ['stage', 'expectedCloseDate']);
    d.createObjectStore('meta', { keyPath: 'key' });
  } }));
  const deals = dealsFor(2000, Array.from({ length: 50 }, (_, i) => `c${i}`));
  const tx0 = db.transaction(['deals'], 'readwrite');
  for (const d of deals) tx0.objectStore('deals').put(d);
  await new Promise((ok) => { tx0.oncomplete = ok; });
  const sync = { tx: [], put: [], get: [], get3: [], whole: [] };
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    const tx = db.transaction(['deals', 'meta'], 'readwrite');
    const t1 = performance.now();
    const s = tx.objectStore('deals');
    s.put(deals[i % deals.length]);
    const t2 = performance.now();
    s.get(deals[(i + 7) % deals.length].objectId);
    const t3 = performance.now();
    tx.objectStore('meta').get('stamp/Deal'); s.get('x'); s.get('y');
    const t4 = performance.now();
    await new Promise((ok) => { tx.oncomplete = ok; });
    const t5 = performance.now();
    sync.tx.push(t1 - t0); sync.put.push(t2 - t1); sync.get.push(t3 - t2); sync.get3.push(t4 - t3); sync.whole.push(t5 - t0);
  }
  for (const [k, v] of Object.entries(sync)) log(`synchronous part of ${k}: ${median(v).toFixed(4)} ms`);
  const variants = {
    putOnly: async (i) => { const tx = db.transaction(['deals'], 'readwrite'); tx.objectStore('deals').put(deals[i % deals.length]); await new Promise((ok) => { tx.oncomplete = ok; }); },
    putOnlyCommit: async (i) => { const tx = db.transaction(['deals'], 'readwrite'); tx.objectStore('deals').put(deals[i % deals.length]); tx.commit(); await new Promise((ok) => { tx.oncomplete = ok; }); },
    readsThenPut: async (i) => {
      const tx = db.transaction(['deals', 'meta'], 'readwrite'); const s = tx.objectStore('deals'); const m = tx.objectStore('meta');
      const a = req(m.get('stamp/Deal')); const b = req(s.get(deals[i % deals.length].objectId)); s.put(deals[i % deals.length]);
      const found = await a; await b; m.put({ key: 'stamp/Deal', value: Math.random(), log: found?.log ?? [] });
      await new Promise((ok) => { tx.oncomplete = ok; });
    },
    readsThenPutCommit: async (i) => {
      const tx = db.transaction(['deals', 'meta'], 'readwrite'); const s = tx.objectStore('deals'); const m = tx.objectStore('meta');
      const a = req(m.get('stamp/Deal')); const b = req(s.get(deals[i % deals.length].objectId)); s.put(deals[i % deals.length]);
      const found = await a; await b; m.put({ key: 'stamp/Deal', value: Math.random(), log: found?.log ?? [] }); tx.commit();
      await new Promise((ok) => { tx.oncomplete = ok; });
    },
    allAtOnce: async (i) => {
      const tx = db.transaction(['deals', 'meta'], 'readwrite'); const s = tx.objectStore('deals'); const m = tx.objectStore('meta');
      m.get('stamp/Deal'); s.get(deals[i % deals.length].objectId); s.put(deals[i % deals.length]);
      m.put({ key: 'log', value: Math.random() }); tx.commit();
      await new Promise((ok) => { tx.oncomplete = ok; });
    },
  };
  const results = {};
  for (let round = 0; round < 2; round++) for (const [name, f] of Object.entries(variants)) {
    const t = [];
    for (let i = 0; i < 200; i++) { const t0 = performance.now(); await f(i); t.push(performance.now() - t0); }
    if (round) {
      results[name] = median(t);
      log(`${name}: ${median(t).toFixed(3)} ms`);
    }
  }
  db.close();
  indexedDB.deleteDatabase(db.name);
  window.benchResults = results;
}
runPage(main);
