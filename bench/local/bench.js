// Runs in the page: pinAll of 10k deals and a local query (stage filter, ordered by
// expectedCloseDate, limit 50) with crm-wasm's LocalStore and with the Parse JS SDK's local
// datastore on its IndexedDB controller, same deals, same page, alternating after warm-up.
import init, { CrmClient, LocalStore } from '/pkg/crm_wasm.js';

const log = (line) => {
  console.log(line);
  document.getElementById('out').textContent += line + '\n';
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];
const server = new URLSearchParams(location.search).get('server');

function generate(n) {
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const base = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: n }, (_, i) => ({
    objectId: `deal${i.toString(36).padStart(6, '0')}`,
    title: `Deal ${i}`,
    amount: Math.round(rand() * 100000),
    stage: STAGES[Math.floor(rand() * 6)],
    expectedCloseDate: new Date(base + Math.floor(rand() * 365) * 86400000).toISOString(),
    createdAt: new Date(base).toISOString(),
    updatedAt: new Date(base).toISOString(),
  }));
}

async function time(fn) {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

async function main() {
  await init();
  const crm = new CrmClient({ serverUrl: server, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
  await crm.signUp(`bench${Date.now()}`, `bench${Date.now()}@example.com`, 'bench-password');
  const store = await LocalStore.open(crm, { autoSync: false });

  Parse.initialize('crm', 'crm-js-key');
  Parse.serverURL = server;
  Parse.CoreManager.setStorageController(Parse.IndexedDB); // the SDK's IndexedDB controller, not localStorage
  Parse.enableLocalDatastore();

  const n = 10000;
  const deals = generate(n);
  const sdkObjects = deals.map((d) => {
    const o = new Parse.Object('Deal');
    o.id = d.objectId;
    o.set({ title: d.title, amount: d.amount, stage: d.stage, expectedCloseDate: new Date(d.expectedCloseDate) });
    return o;
  });
  const ourQuery = () => crm.deals().equalTo('stage', 'won').ascending('expectedCloseDate').limit(50).fromLocalDatastore(store).find();
  const sdkQuery = () => new Parse.Query('Deal').equalTo('stage', 'won').ascending('expectedCloseDate').limit(50).fromLocalDatastore().find();

  const results = [];
  const pinSamples = { ours: [], sdk: [] };
  for (let s = 0; s < 4; s++) {
    await store.unpinAll('Deal');
    await Parse.Object.unPinAllObjects();
    const [o] = await time(() => store.pinAll('Deal', deals));
    const [p] = await time(() => Parse.Object.pinAll(sdkObjects));
    if (s > 0) { // the first round warms up
      pinSamples.ours.push(o);
      pinSamples.sdk.push(p);
    }
  }
  results.push({ op: `pinAll ${n} deals`, oursMs: median(pinSamples.ours), sdkMs: median(pinSamples.sdk) });

  const q = { ours: [], sdk: [] };
  let same = true;
  for (let s = 0; s < 12; s++) {
    const [o, ours] = await time(ourQuery);
    const [p, theirs] = await time(sdkQuery);
    if (s > 1) {
      q.ours.push(o);
      q.sdk.push(p);
    }
    same = same && JSON.stringify(ours.map((d) => d.objectId)) === JSON.stringify(theirs.map((d) => d.id));
  }
  if (!same) throw new Error('the two local queries disagree');
  results.push({ op: 'local query (stage, order by expectedCloseDate, limit 50)', oursMs: median(q.ours), sdkMs: median(q.sdk) });
  for (const r of results) {
    r.ratio = r.sdkMs / r.oursMs;
    log(`${r.op.padEnd(60)} crm-wasm ${r.oursMs.toFixed(2).padStart(9)} ms   Parse SDK ${r.sdkMs.toFixed(2).padStart(9)} ms   SDK/ours ${r.ratio.toFixed(1)}x`);
  }
  store.close();
  await crm.logOut();
  window.benchResults = results;
}

main().then(
  () => { window.benchDone = true; },
  (e) => { log(`FAILED: ${e.stack || e}`); window.benchError = String(e); window.benchDone = true; },
);
