// Runs in the page: crm-wasm's IndexedDB local store and Dexie 4 at its idiomatic best (the
// compound and single indexes these queries need, bulkPut, where(...).between(...).limit(...)),
// same page, same deals, same run. Each row alternates the two after a warm-up round (which
// goes first alternates too) and reports medians; every answer is checked to be the same ids
// in the same order. Also prints the wasm linear memory before and after (it never shrinks).
import init, { CrmClient, LocalStore } from '/pkg/crm_wasm.js';
import Dexie from '/bench/node_modules/dexie/dist/dexie.mjs';
import { dealsFor } from './deals.js';
import { log, median, runPage } from '../page.js';

const params = new URLSearchParams(location.search);
const server = params.get('server');
const quick = params.get('quick') === '1'; // 10k only, fewer samples: the smoke run in the tests
// `only=<text>`: time only the rows whose name contains it (the data is still stored once), for
// working on one row; `sizes=10000`: the sizes to run.
const only = params.get('only');
const sizesParam = params.get('sizes');
const MiB = 2 ** 20;

async function time(fn) {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

async function sideBySide(rounds, ours, theirs, same, setup = {}) {
  const o = [];
  const t = [];
  for (let r = 0; r < rounds; r++) {
    const run = async (which) => {
      const [prepare, fn] = which === 'ours' ? [setup.ours, ours] : [setup.theirs, theirs];
      if (prepare) await prepare();
      return time(fn);
    };
    const [a, b] = r % 2 === 0 ? [await run('ours'), await run('theirs')] : (([y, x]) => [x, y])([await run('theirs'), await run('ours')]);
    if (same) same(a[1], b[1]);
    if (r > 0) {
      o.push(a[0]);
      t.push(b[0]);
    }
  }
  return { oursMs: median(o), dexieMs: median(t), samples: o.length };
}

const ids = (xs) => xs.map((x) => x.objectId).join(',');
function sameIds(what) {
  return (ours, theirs) => {
    if (ids(ours) !== ids(theirs)) throw new Error(`${what}: different answers (${ours.length} vs ${theirs.length}): ${ids(ours).slice(0, 200)} / ${ids(theirs).slice(0, 200)}`);
  };
}

async function main() {
  const wasm = await init();
  const memory = () => wasm.memory.buffer.byteLength;
  const results = [];
  const wanted = (op) => !only || op.includes(only);
  const push = (row) => {
    row.ratio = row.dexieMs / row.oursMs;
    results.push(row);
    log(`${row.op.padEnd(52)} crm-wasm ${row.oursMs.toFixed(2).padStart(9)} ms   Dexie ${row.dexieMs.toFixed(2).padStart(9)} ms   Dexie/ours ${row.ratio.toFixed(2)}x`);
  };
  const username = `benchlocal${Date.now()}`;
  const crm = new CrmClient({ serverUrl: server, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
  await crm.signUp(username, `${username}@example.com`, 'bench-password');
  const store = await LocalStore.open(crm, { autoSync: false });
  const dexie = new Dexie(`bench-dexie-${Date.now()}`);
  dexie.version(1).stores({ deals: 'objectId, [stage+expectedCloseDate], company.objectId' });
  await dexie.open();
  const wide = new Dexie(`bench-dexie-wide-${Date.now()}`);
  wide.version(1).stores({ deals: 'objectId, [stage+expectedCloseDate], [stage+updatedAt], [stage+amount], company.objectId, contact.objectId' });
  await wide.open();

  // Another tab of the same app: its own connections to both databases.
  const otherTab = { store: await LocalStore.open(crm, { autoSync: false }), dexie: new Dexie(dexie.name) };
  otherTab.dexie.version(1).stores({ deals: 'objectId, [stage+expectedCloseDate], company.objectId' });
  await otherTab.dexie.open();

  const memoryBefore = memory();
  const companies = Array.from({ length: 50 }, (_, i) => `c${i.toString().padStart(3, '0')}`);
  const sizes = sizesParam ? sizesParam.split(',').map(Number) : quick ? [10000] : [10000, 100000];
  for (const n of sizes) {
    const deals = dealsFor(n, companies);
    const k = `${n / 1000}k`;
    const clear = { ours: () => store.unpinAll('Deal'), theirs: () => dexie.deals.clear() };
    const storeRows = [`store ${k} (pinAll / bulkPut)`, `store ${k}, Dexie with crm-wasm's five indexes (pinAll / bulkPut)`];
    if (!storeRows.some(wanted)) {
      await store.pinAll('Deal', deals);
      await dexie.deals.bulkPut(deals);
    } else push({
      op: `store ${k} (pinAll / bulkPut)`,
      n,
      ...(await sideBySide(quick ? 2 : n > 10000 ? 3 : 5, () => store.pinAll('Deal', deals), () => dexie.deals.bulkPut(deals), null, clear)),
    });
    // For scale, not the target: Dexie keeping the same orderings crm-wasm's planner keeps
    // (five indexes: stage with close date, recency and amount; company; contact).
    if (wanted(storeRows[1])) push({
      op: `store ${k}, Dexie with crm-wasm's five indexes (pinAll / bulkPut)`,
      n,
      ...(await sideBySide(quick ? 2 : n > 10000 ? 3 : 5, () => store.pinAll('Deal', deals), () => wide.deals.bulkPut(deals), null, { ours: clear.ours, theirs: () => wide.deals.clear() })),
    });
    await wide.deals.clear();
    // Both hold the deals for the queries (the last round left them there).
    const rounds = quick ? 5 : 21;
    const won = ['won', Dexie.minKey];
    const company = { className: 'Company', objectId: companies[7] };
    const queries = [
      {
        op: `stage = won, by expectedCloseDate, limit 50 (${k})`,
        ours: () => crm.deals().equalTo('stage', 'won').ascending('expectedCloseDate').limit(50).fromLocalDatastore(store).find(),
        theirs: () => dexie.deals.where('[stage+expectedCloseDate]').between(won, ['won', Dexie.maxKey]).limit(50).toArray(),
        same: sameIds('stage = won by expectedCloseDate'),
      },
      {
        op: `count of stage = won (${k})`,
        ours: () => crm.deals().equalTo('stage', 'won').fromLocalDatastore(store).count(),
        theirs: () => dexie.deals.where('[stage+expectedCloseDate]').between(won, ['won', Dexie.maxKey]).count(),
        same: (a, b) => {
          if (a !== b || !(a > 0)) throw new Error(`count: ${a} vs ${b}`);
        },
      },
      {
        op: `one company's deals, limit 100 (${k})`,
        ours: () => crm.deals().equalTo('company', company).limit(100).fromLocalDatastore(store).find(),
        theirs: () => dexie.deals.where('company.objectId').equals(company.objectId).limit(100).toArray(),
        same: sameIds("one company's deals"),
      },
    ];
    // Each query three times: asked again with nothing written in between (crm-wasm gives its
    // remembered answer after checking the class's stamp in IndexedDB; Dexie reads the index);
    // after a write made here (untimed: one deal put again, by each), which crm-wasm carries
    // into its remembered answers; and after that write made in another tab (a second
    // connection to the same database, for each), which crm-wasm catches up from the log of
    // recent writes kept with the class's stamp (Dexie reads the index every time).
    let touched = 0;
    const touch = {
      ours: () => store.pinAll('Deal', [deals[touched++ % deals.length]]),
      theirs: () => dexie.deals.put(deals[touched++ % deals.length]),
    };
    const touchThere = {
      ours: () => otherTab.store.pinAll('Deal', [deals[touched++ % deals.length]]),
      theirs: () => otherTab.dexie.deals.put(deals[touched++ % deals.length]),
    };
    for (const q of queries) {
      const rows = [
        [`${q.op}, asked again`, undefined],
        [`${q.op}, after a write here`, touch],
        [`${q.op}, after a write in another tab`, touchThere],
      ];
      for (const [op, setup] of rows) {
        if (wanted(op)) push({ op, n, ...(await sideBySide(rounds, q.ours, q.theirs, q.same, setup)) });
      }
    }
    // The app's daily write: one object stored while the rest stay (pinAll of one / put).
    if (wanted(`store one deal again, ${k} stored (pinAll / put)`)) push({
      op: `store one deal again, ${k} stored (pinAll / put)`,
      n,
      ...(await sideBySide(rounds, () => store.pinAll('Deal', [deals[touched++ % deals.length]]), () => dexie.deals.put(deals[touched++ % deals.length]))),
    });
  }
  const memoryAfter = memory();
  const growth = { before: memoryBefore / MiB, after: memoryAfter / MiB, grewMiB: (memoryAfter - memoryBefore) / MiB };
  log(`wasm linear memory: ${growth.before.toFixed(1)} MiB before, ${growth.after.toFixed(1)} MiB after (grew ${growth.grewMiB.toFixed(1)} MiB)`);
  await store.unpinAll('Deal');
  otherTab.store.close();
  otherTab.dexie.close();
  store.close();
  dexie.close();
  await Dexie.delete(dexie.name);
  wide.close();
  await Dexie.delete(wide.name);
  window.benchResults = { rows: results, memory: growth };
}

runPage(main);
