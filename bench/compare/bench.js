// Runs in the page: crm-wasm and the Parse JS SDK side by side, same page, same server, same
// data, same run. Each row alternates the two after a warm-up round and reports medians.
// The cold-start row needs fresh pages, so bench/run.mjs measures it with cold.html.
import init, { CrmClient, LocalStore, LiveQueryClient, Pipeline } from '/pkg/crm_wasm.js';
import { lcg, log, median, runPage } from '../page.js';

const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];
const params = new URLSearchParams(location.search);
const server = params.get('server');
const quick = params.get('quick') === '1'; // fewer samples: a smoke run in the test suite
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function time(fn) {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

/** Alternates ours and theirs `rounds` times (which one goes first alternates too); drops round 0.
 * `setup.ours` / `setup.theirs` run before each timed call, untimed. */
async function sideBySide(rounds, ours, theirs, check, setup = {}) {
  const o = [];
  const t = [];
  const timed = async (prepare, fn, r) => {
    if (prepare) await prepare(r);
    return time(() => fn(r));
  };
  for (let r = 0; r < rounds; r++) {
    let a;
    let b;
    if (r % 2 === 0) {
      a = await timed(setup.ours, ours, r);
      b = await timed(setup.theirs, theirs, r);
    } else {
      b = await timed(setup.theirs, theirs, r);
      a = await timed(setup.ours, ours, r);
    }
    if (check) check(a[1], b[1]);
    if (r > 0) {
      o.push(a[0]);
      t.push(b[0]);
    }
  }
  return { oursMs: median(o), sdkMs: median(t), samples: o.length };
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });

async function main() {
  await init();
  const results = [];
  const push = (row) => {
    row.ratio = row.sdkMs / row.oursMs;
    results.push(row);
    log(`${row.op.padEnd(58)} crm-wasm ${row.oursMs.toFixed(2).padStart(9)} ms   Parse SDK ${row.sdkMs.toFixed(2).padStart(9)} ms   SDK/ours ${row.ratio.toFixed(2)}x`);
  };

  // One user for both clients: the same data, the same ACLs.
  const username = `bench${Date.now()}`;
  const password = 'bench-password';
  const crm = new CrmClient({ serverUrl: server, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
  await crm.signUp(username, `${username}@example.com`, password);
  Parse.initialize('crm', 'crm-js-key');
  Parse.serverURL = server;
  Parse.liveQueryServerURL = server.replace(/^http/, 'ws');
  Parse.CoreManager.setStorageController(Parse.IndexedDB); // the SDK's IndexedDB controller
  Parse.enableLocalDatastore();
  await Parse.User.logIn(username, password);

  // Data for the fetch row: 1000 deals, each pointing at a contact and a company.
  const rand = lcg(5);
  const companies = Array.from({ length: 20 }, (_, i) => ({ name: `Company ${i}`, industry: 'Software' }));
  const savedCompanies = (await crm.saveAllCompanies(companies)).map((r) => r.object.objectId);
  const contacts = Array.from({ length: 100 }, (_, i) => ({
    name: `Contact ${i}`, email: `c${i}@example.com`, company: pointer('Company', savedCompanies[i % 20]),
  }));
  const savedContacts = (await crm.saveAllContacts(contacts)).map((r) => r.object.objectId);
  const newDeals = (n, tag) => Array.from({ length: n }, (_, i) => ({
    title: `${tag} deal ${i}`,
    amount: Math.round(rand() * 100000),
    stage: STAGES[Math.floor(rand() * 6)],
    expectedCloseDate: new Date(Date.UTC(2027, 0, 1 + Math.floor(rand() * 365))).toISOString(),
    contact: pointer('Contact', savedContacts[i % 100]),
    company: pointer('Company', savedCompanies[i % 20]),
  }));
  const seeded = await crm.saveAllDeals(newDeals(1000, 'Seed'));
  check(seeded.every((r) => r.ok), 'seeding 1000 deals');
  log(`seeded 20 companies, 100 contacts, 1000 deals for ${username}`);

  // Fetch 1000 deals with include=contact,company, decoded into typed objects.
  const rounds = quick ? 3 : 9;
  push({
    op: 'fetch 1000 deals, include contact+company',
    ...(await sideBySide(
      rounds,
      () => crm.deals().include('contact', 'company').limit(1000).find(),
      () => new Parse.Query('Deal').include(['contact', 'company']).limit(1000).find(),
      (ours, theirs) => {
        check(ours.length === 1000 && theirs.length === 1000, 'both fetch 1000 deals');
        check(typeof ours[0].company.name === 'string' && typeof theirs[0].get('company').get('name') === 'string',
          'both include the company');
      },
    )),
    network: true,
  });

  // Save 1000 new deals: each client's batch save with its default batch size.
  push({
    op: 'save 1000 new deals (batch)',
    ...(await sideBySide(
      quick ? 3 : 7,
      () => crm.saveAllDeals(newDeals(1000, 'Ours')),
      () => Parse.Object.saveAll(newDeals(1000, 'Sdk').map((d) => {
        const o = new Parse.Object('Deal');
        o.set({
          ...d,
          expectedCloseDate: new Date(d.expectedCloseDate),
          contact: Parse.Object.fromJSON({ className: 'Contact', objectId: d.contact.objectId }),
          company: Parse.Object.fromJSON({ className: 'Company', objectId: d.company.objectId }),
        });
        return o;
      })),
      (ours, theirs) => {
        check(ours.length === 1000 && ours.every((r) => r.ok), 'ours saved 1000');
        check(theirs.length === 1000 && theirs.every((o) => typeof o.id === 'string'), 'the SDK saved 1000');
      },
    )),
    network: true,
  });

  // Group 100k deals by stage with totals. Ours: the wasm pipeline; the SDK has none, so its
  // Parse.Objects grouped with idiomatic JS (get(), a Map per stage).
  {
    const n = quick ? 10000 : 100000;
    const r = lcg(9);
    const wire = Array.from({ length: n }, (_, i) => ({
      objectId: `d${i.toString(36).padStart(7, '0')}`,
      title: `Deal ${i}`,
      amount: Math.round(r() * 1000000) / 100,
      stage: STAGES[Math.floor(r() * 6)],
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    }));
    const pipeline = new Pipeline();
    pipeline.loadJson(JSON.stringify(wire));
    const sdkObjects = wire.map((d) => Parse.Object.fromJSON({ className: 'Deal', ...d }));
    const groupSdk = () => {
      const columns = new Map(STAGES.map((s) => [s, { stage: s, count: 0, total: 0, deals: [] }]));
      for (const o of sdkObjects) {
        const c = columns.get(o.get('stage'));
        if (!c) continue;
        c.count++;
        c.total += o.get('amount') || 0;
        c.deals.push(o);
      }
      return [...columns.values()];
    };
    const groupOurs = () => {
      pipeline.regroup();
      return pipeline.columns();
    };
    push({
      op: `group ${n / 1000}k deals by stage with totals`,
      ...(await sideBySide(quick ? 5 : 31, groupOurs, groupSdk, (ours, theirs) => {
        for (const stage of STAGES) {
          const a = ours.find((c) => c.stage === stage);
          const b = theirs.find((c) => c.stage === stage);
          check(a.count === b.count && Math.abs(a.total - b.total) < 0.01 * n, `group ${stage} agrees`);
        }
      })),
    });
    pipeline.free();
  }

  // pinAll 10k deals into each client's IndexedDB local datastore, then a local query.
  {
    const store = await LocalStore.open(crm, { autoSync: false });
    const n = quick ? 1000 : 10000;
    const r = lcg(11);
    const deals = Array.from({ length: n }, (_, i) => ({
      objectId: `p${i.toString(36).padStart(7, '0')}`,
      title: `Deal ${i}`,
      amount: Math.round(r() * 100000),
      stage: STAGES[Math.floor(r() * 6)],
      expectedCloseDate: new Date(Date.UTC(2026, 0, 1 + Math.floor(r() * 365))).toISOString(),
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    }));
    const sdkObjects = deals.map((d) => {
      const o = new Parse.Object('Deal');
      o.id = d.objectId;
      o.set({ title: d.title, amount: d.amount, stage: d.stage, expectedCloseDate: new Date(d.expectedCloseDate) });
      return o;
    });
    push({
      op: `pinAll ${n / 1000}k deals (IndexedDB)`,
      ...(await sideBySide(
        quick ? 2 : 4,
        () => store.pinAll('Deal', deals),
        () => Parse.Object.pinAll(sdkObjects),
        undefined,
        // Each round starts from an empty datastore, untimed.
        { ours: () => store.unpinAll('Deal'), theirs: () => Parse.Object.unPinAllObjects() },
      )),
    });
    // Each query after a write (untimed: one deal pinned again, by each), so crm-wasm reads
    // IndexedDB rather than giving its remembered answer (bench/local has both).
    let touched = 0;
    push({
      op: 'local query (stage, ordered, limit 50)',
      ...(await sideBySide(
        quick ? 3 : 13,
        () => crm.deals().equalTo('stage', 'won').ascending('expectedCloseDate').limit(50).fromLocalDatastore(store).find(),
        () => new Parse.Query('Deal').equalTo('stage', 'won').ascending('expectedCloseDate').limit(50).fromLocalDatastore().find(),
        (ours, theirs) => check(
          JSON.stringify(ours.map((d) => d.objectId)) === JSON.stringify(theirs.map((d) => d.id)),
          'the two local queries answer the same deals in the same order',
        ),
        {
          ours: () => store.pinAll('Deal', [deals[touched++ % n]]),
          theirs: () => sdkObjects[touched++ % n].pin(),
        },
      )),
    });
    await store.unpinAll('Deal');
    await Parse.Object.unPinAllObjects();
    store.close();
  }

  // Live Query: a change made on the server (a REST PUT from a third party) until each
  // client's pipeline shows it. Both are subscribed at once and timed from the same change.
  {
    const marker = `live-${username}`;
    const created = await crm.saveAllDeals(Array.from({ length: 6 }, (_, i) => ({ title: marker, amount: 100 * i, stage: STAGES[i] })));
    const ids = created.map((x) => x.object.objectId);
    const live = new LiveQueryClient(crm);
    const pipeline = new Pipeline();
    let oursSeen = null;
    let expected = null;
    pipeline.subscribe(() => {
      if (expected && oursSeen === null) {
        const col = pipeline.columns().find((c) => c.stage === expected.stage);
        if (col && col.total === expected.total) oursSeen = performance.now();
      }
    });
    await live.livePipeline(pipeline, crm.deals().equalTo('title', marker));

    // The SDK's pipeline: its Parse.Objects in a Map, regrouped with idiomatic JS on each event.
    const sdkDeals = new Map();
    const sdkQuery = new Parse.Query('Deal').equalTo('title', marker);
    for (const o of await sdkQuery.find()) sdkDeals.set(o.id, o);
    const sdkColumns = () => {
      const totals = new Map(STAGES.map((s) => [s, 0]));
      for (const o of sdkDeals.values()) totals.set(o.get('stage'), (totals.get(o.get('stage')) || 0) + (o.get('amount') || 0));
      return totals;
    };
    let sdkSeen = null;
    const subscription = await sdkQuery.subscribe();
    // 'open' may already have fired by now: wait for it, or at most 2 s.
    await Promise.race([new Promise((resolve) => subscription.on('open', resolve)), sleep(2000)]);
    const onChange = (o) => {
      sdkDeals.set(o.id, o);
      if (expected && sdkSeen === null && sdkColumns().get(expected.stage) === expected.total) sdkSeen = performance.now();
    };
    subscription.on('update', onChange);
    subscription.on('enter', onChange);
    subscription.on('create', onChange);
    await sleep(300);

    const token = crm.sessionToken();
    const o = [];
    const t = [];
    const samples = quick ? 4 : 21;
    for (let i = 0; i < samples; i++) {
      const id = ids[i % ids.length];
      const stage = STAGES[i % 6];
      const amount = 1000 + i;
      // What the column holds after the change: the other marker deals in that stage, plus this one.
      let total = amount;
      for (const d of sdkDeals.values()) if (d.id !== id && d.get('stage') === stage) total += d.get('amount') || 0;
      expected = { stage, total };
      oursSeen = null;
      sdkSeen = null;
      const t0 = performance.now();
      const res = await fetch(`${server}/classes/Deal/${id}`, {
        method: 'PUT',
        headers: { 'X-Parse-Application-Id': 'crm', 'X-Parse-Javascript-Key': 'crm-js-key', 'X-Parse-Session-Token': token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ stage, amount }),
      });
      check(res.ok, `the server change was accepted (${res.status})`);
      const deadline = performance.now() + 5000;
      while ((oursSeen === null || sdkSeen === null) && performance.now() < deadline) await sleep(1);
      check(oursSeen !== null, `crm-wasm's pipeline showed change ${i}`);
      check(sdkSeen !== null, `the SDK's pipeline showed change ${i}`);
      if (i > 0) {
        o.push(oursSeen - t0);
        t.push(sdkSeen - t0);
      }
      expected = null;
      await sleep(50);
    }
    push({ op: 'server change to pipeline updated (Live Query)', oursMs: median(o), sdkMs: median(t), samples: o.length, network: true });
    subscription.unsubscribe();
    Parse.LiveQuery.close();
    live.close();
  }

  await crm.logOut();
  await Parse.User.logOut();
  window.benchResults = results;
}

runPage(main);
