// What IndexedDB itself costs for the local store's record shapes, with no wasm and no library:
// plain `put`s of 10k deals in one transaction and one `getAll` of 50 on a compound index, for
// Dexie's shape (the deal object, its two indexes) and for crm-wasm's (JSON text, index keys,
// the planner's four indexes) and variants of it. The floor under the local-store rows of
// BENCHMARKS.md: no code on top can be faster than the IndexedDB work its shape implies.
//   node bench/run.mjs idb-floor
import { dealsFor } from '../local/deals.js';
import { log, median, runPage } from '../page.js';

const N = 10000;
const ROUNDS = 9;

const request = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});
const committed = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = resolve;
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error);
});
async function openDb(name, indexes) {
  await request(indexedDB.deleteDatabase(name));
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => {
    const store = r.result.createObjectStore('s', { keyPath: 'objectId' });
    for (const [index, path, multiEntry] of indexes) store.createIndex(index, path, { multiEntry: !!multiEntry });
  };
  return request(r);
}

const ms = (iso) => Date.parse(iso);
// crm-wasm's record today (crates/crm-core/src/offline/record.rs): sort keys are [rank, value].
const record = (d) => ({
  objectId: d.objectId,
  json: JSON.stringify(d),
  k: { stage: d.stage, expectedCloseDate: [1, ms(d.expectedCloseDate)], updatedAt: [1, ms(d.updatedAt)], amount: [4, d.amount], company: d.company.objectId },
  u: ms(d.updatedAt),
});
const planner = (withId) => ['expectedCloseDate', 'updatedAt', 'amount'].map((s) => [s, ['k.stage', `k.${s}`, ...(withId ? ['objectId'] : [])]])
  .concat([['company', ['k.company', ...(withId ? ['objectId'] : [])]], ['contact', ['k.contact', ...(withId ? ['objectId'] : [])]]]);

const closeKey = (d) => [d.stage, ms(d.expectedCloseDate), d.objectId];
const firstWon = (deals) => deals.filter((d) => d.stage === 'won')
  .sort((a, b) => indexedDB.cmp(closeKey(a), closeKey(b))).slice(0, 50);

const SHAPES = [
  { name: "Dexie's shape: the deal, 2 indexes", indexes: [['close', ['stage', 'expectedCloseDate']], ['company', 'company.objectId']], make: (d) => d,
    range: () => IDBKeyRange.bound(['won', ''], ['won', '\uffff']), index: 'close', read: (r) => r },
  { name: "crm-wasm's record, 4 index entries (today)", indexes: planner(true), make: record,
    range: () => IDBKeyRange.bound(['won'], ['won', [10]], true, true), index: 'expectedCloseDate', read: (r) => JSON.parse(r.json) },
  { name: 'the same, flat sort keys, no objectId in the key paths', indexes: planner(false),
    make: (d) => ({ ...record(d), k: { stage: d.stage, expectedCloseDate: ms(d.expectedCloseDate), updatedAt: ms(d.updatedAt), amount: d.amount, company: d.company.objectId } }),
    range: () => IDBKeyRange.bound(['won'], ['won', []], true, true), index: 'expectedCloseDate', read: (r) => JSON.parse(r.json) },
  { name: 'the same 4 keys in one multiEntry index', indexes: [['m', 'm', true]],
    make: (d) => ({ objectId: d.objectId, json: JSON.stringify(d), m: [['a', d.stage, ms(d.expectedCloseDate)], ['b', d.stage, ms(d.updatedAt)], ['c', d.stage, d.amount], ['d', d.company.objectId]], u: ms(d.updatedAt) }),
    range: () => IDBKeyRange.bound(['a', 'won'], ['a', 'won', []], true, true), index: 'm', read: (r) => JSON.parse(r.json) },
  { name: "crm-wasm's record, no index", indexes: [], make: record },
  { name: 'the deal, no index', indexes: [], make: (d) => d },
  // Blocks: many objects per IndexedDB record (what a store keeping its own index would write).
  // A page's records gathered from the blocks they lie in (in id order: one block per ~100 deals).
  { name: 'blocks of 100 deals (objects) in id order, no index; page = their blocks', indexes: [],
    write: (store, deals) => { for (let i = 0; i < deals.length; i += 100) store.put({ objectId: `b${String(i).padStart(6, '0')}`, deals: deals.slice(i, i + 100) }); },
    read: async (db, deals) => {
      const want = firstWon(deals);
      const blocks = [...new Set(want.map((d) => deals.indexOf(d)).map((i) => `b${String(i - (i % 100)).padStart(6, '0')}`))];
      const store = db.transaction('s', 'readonly').objectStore('s');
      const got = await Promise.all(blocks.map((b) => request(store.get(b))));
      const byId = new Map(got.flatMap((b) => b.deals).map((d) => [d.objectId, d]));
      return want.map((d) => byId.get(d.objectId));
    } },
  // Clustered: the deals in [stage, close, id] order, 100 a block, keyed by the first one's key.
  { name: 'blocks of 100 deals in [stage, close] order; page = 2 block reads', indexes: [],
    write: (store, deals) => {
      // Sorted on plain keys (the stage, then close time, then id), as a store keeping its own order would hold them.
      const keyed = deals.map((d) => [d.stage, ms(d.expectedCloseDate), d.objectId, d]);
      keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)));
      const sorted = keyed.map((k) => k[3]);
      for (let i = 0; i < sorted.length; i += 100) store.put({ objectId: closeKey(sorted[i]), deals: sorted.slice(i, i + 100) });
    },
    read: async (db) => {
      const store = db.transaction('s', 'readonly').objectStore('s');
      const [before, after] = await Promise.all([
        new Promise((resolve, reject) => { const r = store.openCursor(IDBKeyRange.upperBound(['won']), 'prev'); r.onsuccess = () => resolve(r.result ? [r.result.value] : []); r.onerror = () => reject(r.error); }),
        request(store.getAll(IDBKeyRange.lowerBound(['won']), 1)),
      ]);
      return [...before, ...after].flatMap((b) => b.deals).filter((d) => d.stage === 'won').slice(0, 50);
    } },
  { name: 'blocks of 100 records (JSON text), no index', indexes: [],
    write: (store, deals) => { for (let i = 0; i < deals.length; i += 100) store.put({ objectId: `b${i}`, json: deals.slice(i, i + 100).map((d) => JSON.stringify(d)) }); } },
  { name: "crm-wasm's record, no index, + 5 sorted key lists in blocks of 1000", indexes: [],
    write: (store, deals) => {
      for (const d of deals) store.put(record(d));
      const lists = { close: [], upd: [], amount: [], company: [], contact: [] };
      for (const d of deals) {
        lists.close.push([d.stage, ms(d.expectedCloseDate), d.objectId]);
        lists.upd.push([d.stage, ms(d.updatedAt), d.objectId]);
        lists.amount.push([d.stage, d.amount, d.objectId]);
        lists.company.push([d.company.objectId, d.objectId]);
        lists.contact.push([d.contact ? d.contact.objectId : '', d.objectId]);
      }
      for (const [name, list] of Object.entries(lists)) {
        list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
        for (let i = 0; i < list.length; i += 1000) store.put({ objectId: `~${name}${i}`, keys: list.slice(i, i + 1000) });
      }
    } },
];

/** What a store of clustered blocks pays for the app's daily write, one deal stored again,
 * beside Dexie's `put` of the deal: the deal's block in each of the five orderings the planner
 * keeps is read and written back (100 deals a block, all five in one transaction; here the same
 * ordering's blocks stand for the five). Medians of 200, taking turns. */
async function oneDealAgain(deals, dexieDb, blockDb) {
  const keys = await request(blockDb.transaction('s', 'readonly').objectStore('s').getAllKeys());
  const dexie = [];
  const blocks = [];
  for (let i = 0; i < 201; i++) {
    const d = deals[(i * 37) % deals.length];
    const runs = [
      async () => {
        const t0 = performance.now();
        const tx = dexieDb.transaction('s', 'readwrite');
        tx.objectStore('s').put(d);
        tx.commit();
        await committed(tx);
        return performance.now() - t0;
      },
      async () => {
        const t0 = performance.now();
        const tx = blockDb.transaction('s', 'readwrite');
        const store = tx.objectStore('s');
        const five = Array.from({ length: 5 }, (_, j) => keys[(i * 5 + j * 7) % keys.length]);
        const got = await Promise.all(five.map((k) => request(store.get(k))));
        for (const b of got) {
          const at = b.deals.findIndex((x) => x.objectId >= d.objectId);
          b.deals.splice(at < 0 ? b.deals.length - 1 : at, 1, d);
          store.put(b);
        }
        tx.commit();
        await committed(tx);
        return performance.now() - t0;
      },
    ];
    const order = i % 2 ? [1, 0] : [0, 1];
    const out = [];
    for (const k of order) out[k] = await runs[k]();
    if (i > 0) {
      dexie.push(out[0]);
      blocks.push(out[1]);
    }
  }
  return [
    { shape: "Dexie's shape: put the deal (2 indexes)", ms: median(dexie) },
    { shape: 'clustered blocks: read and put its block in 5 orderings', ms: median(blocks) },
  ];
}

async function main() {
  const deals = dealsFor(N, Array.from({ length: 50 }, (_, i) => `c${i.toString().padStart(3, '0')}`));
  const dbs = [];
  for (const [i, shape] of SHAPES.entries()) dbs.push(await openDb(`idb-floor-${i}`, shape.indexes));
  const puts = SHAPES.map(() => []);
  const reads = SHAPES.map(() => []);
  let answer;
  for (let round = 0; round < ROUNDS; round++) {
    // Each round goes through the shapes in another order, so none always follows the same one.
    for (let j = 0; j < SHAPES.length; j++) {
      const i = (j + round) % SHAPES.length;
      const [shape, db] = [SHAPES[i], dbs[i]];
      const clear = db.transaction('s', 'readwrite');
      clear.objectStore('s').clear();
      await committed(clear);
      const t0 = performance.now();
      const tx = db.transaction('s', 'readwrite');
      const store = tx.objectStore('s');
      if (shape.write) shape.write(store, deals);
      else for (const d of deals) store.put(shape.make(d));
      await committed(tx);
      const t1 = performance.now();
      if (shape.range || shape.read && shape.write) {
        const want = shape.write && firstWon(deals);
        const t1r = performance.now();
        const page = want ? await shape.read(db, deals)
          : (await request(db.transaction('s', 'readonly').objectStore('s').index(shape.index).getAll(shape.range(), 50))).map(shape.read);
        const t2 = performance.now();
        const ids = page.map((p) => p.objectId).join();
        if (page.length !== 50 || (answer && ids !== answer)) throw new Error(`${shape.name}: another answer`);
        answer = ids;
        if (round > 0) reads[i].push(t2 - (want ? t1r : t1));
      }
      if (round > 0) puts[i].push(t1 - t0);
    }
  }
  const rows = SHAPES.map((s, i) => ({ shape: s.name, putMs: median(puts[i]), readMs: reads[i].length ? median(reads[i]) : null }));
  for (const r of rows) log(`${r.shape.padEnd(72)} put 10k ${r.putMs.toFixed(0).padStart(5)} ms   ${r.readMs === null ? '' : `getAll 50 ${r.readMs.toFixed(2)} ms`}`);
  const singles = await oneDealAgain(deals, dbs[0], dbs[SHAPES.findIndex((x) => x.name.startsWith('blocks of 100 deals in [stage'))]);
  for (const r of singles) log(`one deal written again: ${r.shape.padEnd(56)} ${r.ms.toFixed(3)} ms`);
  for (const db of dbs) db.close();
  window.benchResults = { rows, singles };
}

runPage(main);
