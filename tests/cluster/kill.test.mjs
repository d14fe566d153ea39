// One API instance killed (SIGKILL; its supervisor restarts it) in the middle of a 500-op
// offline replay and of the 50-client load test (tests/robustness/load.test.mjs, through the
// balancer): every write lands exactly once, the clients carry on through the balancer, and the
// killed instance is back in the balancer's rotation afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ctl, signUp, rest, serverObjects, serverCount, waitBalancer, balancerState, apiUrl, BALANCER, sleep, percentile } from './harness.mjs';
import { startBrowser } from './browser.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env.close(); });

/** Kills `name`, then waits for HAProxy to see it down (unless it was back first) and up. */
async function killAndRejoin(name) {
  await ctl('crash', name);
  const down = await waitBalancer(name, 'DOWN', 10000).then(() => true, () => false);
  const upAfter = await waitBalancer(name, 'UP', 90000);
  return { down, upAfter };
}

test('an API instance killed while 500 queued offline writes replay: each lands exactly once', async () => {
  const page = await env.page();
  const { token } = await page.evaluate(async ({ url }) => {
    const { CrmClient, LocalStore } = window.crm;
    const name = `clreplay${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const client = new CrmClient({ serverUrl: url, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false, timeoutMs: 5000 });
    await client.signUp(name, `${name}@example.com`, 'pw-cluster-1');
    const store = await LocalStore.open(client, { autoSync: false });
    window.t = { client, store };
    return { token: client.sessionToken() };
  }, { url: BALANCER });
  // 450 creates, then 50 increments of the first 50: an increment applied twice would show.
  const queued = await page.evaluate(async () => {
    const { store } = window.t;
    const ids = [];
    for (let i = 0; i < 450; i++) ids.push((await store.create('Deal', { title: `clreplay-${i}`, amount: 100, stage: 'lead' })).objectId);
    for (let i = 0; i < 50; i++) await store.update('Deal', ids[i], { amount: { increment: 1 } });
    return (await store.pending()).length;
  });
  assert.equal(queued, 500);

  await page.evaluate(() => {
    window.sync = (async () => {
      const reports = [];
      for (let i = 0; i < 40; i++) {
        try {
          const r = await window.t.store.sync();
          reports.push(r);
          if (r.pending === 0) break;
        } catch (e) {
          reports.push({ error: e.code });
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      return reports;
    })();
  });
  const where = { title: { $regex: '^\\Qclreplay-\\E' } };
  let landed = 0;
  for (let i = 0; i < 1200 && landed < 60; i++) {
    landed = await serverCount('Deal', token, where);
    await sleep(25);
  }
  assert.ok(landed >= 60 && landed < 450, `the kill should come mid-replay (${landed} landed)`);
  const { down, upAfter } = await killAndRejoin('api1');
  const reports = await page.evaluate(() => window.sync);
  const last = reports.at(-1);
  assert.equal(last.pending, 0, `drained: ${JSON.stringify(reports).slice(0, 1000)}`);
  assert.equal(last.rejected, 0);

  const deals = await serverObjects('Deal', token, where);
  const titles = deals.map((d) => d.title);
  assert.equal(new Set(titles).size, titles.length, 'no write landed twice');
  assert.equal(titles.length, 450, 'every create landed');
  for (const d of deals) {
    const i = Number(d.title.slice('clreplay-'.length));
    assert.equal(d.amount, i < 50 ? 101 : 100, `${d.title}: each increment exactly once`);
  }
  console.log(`replay: api1 killed after ${landed} of 450 creates; balancer saw it down: ${down}; back up ${upAfter} ms later; ` +
    `${reports.length} sync call(s): ${JSON.stringify(reports.map((r) => r.error || r.pending))}`);
  await page.close();
});

const CLIENTS = Number(process.env.CRM_LOAD_CLIENTS || 50);
const WRITES = Number(process.env.CRM_LOAD_WRITES || 100);
const PER_USER = 5;

test(`${CLIENTS} clients x ${WRITES} writes, an API instance killed a third of the way in: no lost or doubled write or event`, async () => {
  const marker = `clload${Date.now()}x`;
  const users = [];
  for (let u = 0; u < Math.ceil(CLIENTS / PER_USER); u++) users.push(await signUp(`${marker}u${u}`));
  const context = await env.browser.newContext();
  const pages = [];
  for (let c = 0; c < CLIENTS; c++) pages.push(await env.page(context));
  const subscribed = await Promise.all(pages.map((page, c) => page.evaluate(async ({ url, token, prefix }) => {
    const { CrmClient, LiveQueryClient } = window.crm;
    const client = new CrmClient({ serverUrl: url, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
    await client.become(token);
    const live = new LiveQueryClient(client, { reconnectBaseMs: 200, reconnectMaxMs: 2000 });
    const seen = new Map();
    const sub = live.subscribe(client.deals().startsWith('title', prefix), (e) => {
      if (e.kind !== 'delete' && !seen.has(e.object.objectId)) seen.set(e.object.objectId, [Date.now(), e.object.title, e.caughtUp]);
    });
    const deadline = Date.now() + 30000;
    while (!live.isSubscribed(sub) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    window.load = { client, live, sub, seen };
    return live.isSubscribed(sub);
  }, { url: BALANCER, token: users[Math.floor(c / PER_USER)].token, prefix: marker })));
  assert.ok(subscribed.every(Boolean), 'every client subscribed');

  const total = CLIENTS * WRITES;
  const started = Date.now();
  const writing = Promise.all(pages.map((page, c) => page.evaluate(async ({ c, writes, prefix }) => {
    const { client } = window.load;
    const sent = [];
    const errors = [];
    for (let i = 0; i < writes; i++) {
      const at = Date.now();
      try {
        const d = await client.createDeal({ title: `${prefix}c${c}w${i}`, amount: i, stage: 'lead' });
        sent.push([d.objectId, at, Date.now() - at]);
      } catch (e) {
        errors.push(`${e.code}: ${e.message}`);
      }
    }
    return { sent, errors };
  }, { c, writes: WRITES, prefix: marker })));
  let done = false;
  writing.finally(() => { done = true; });
  // Kill api2 once a third of the writes are on the server.
  const where = { title: { $regex: `^\\Q${marker}\\E` } };
  let landed = 0;
  while (!done && landed < total / 3) {
    const counts = await Promise.all(users.map((u) => serverCount('Deal', u.token, where)));
    landed = counts.reduce((s, n) => s + Math.max(0, n), 0);
    await sleep(200);
  }
  assert.ok(!done && landed < total, `the kill comes mid-load (${landed} of ${total} landed)`);
  const killedAt = Date.now();
  const rejoin = killAndRejoin('api2');
  const writes = await writing;
  const elapsed = (Date.now() - started) / 1000;
  const { down, upAfter } = await rejoin;
  // Checked last, so that a failure also shows what happened to events and stored objects.
  const errors = writes.flatMap((w) => w.errors);

  const idsOfUser = users.map(() => new Set());
  const sentAt = new Map();
  writes.forEach((w, c) => { for (const [id, at] of w.sent) { idsOfUser[Math.floor(c / PER_USER)].add(id); sentAt.set(id, at); } });
  const expected = (c) => idsOfUser[Math.floor(c / PER_USER)].size;
  const deadline = Date.now() + 120000;
  let seen;
  for (;;) {
    seen = await Promise.all(pages.map((p) => p.evaluate(() => [...window.load.seen.entries()])));
    if (seen.every((e, c) => e.length >= expected(c)) || Date.now() > deadline) break;
    await sleep(500);
  }
  const stored = [];
  for (const user of users) stored.push((await serverObjects('Deal', user.token, where)).map((d) => d.title));
  console.log(`load: ${errors.length} failed write(s) ${JSON.stringify(errors.slice(0, 5))}; events seen per client ` +
    `${JSON.stringify(seen.map((e) => e.length))} of ${JSON.stringify(pages.map((_, c) => expected(c)))}; stored per user ` +
    `${JSON.stringify(stored.map((t) => t.length))} (${stored.map((t) => t.length - new Set(t).size).reduce((a, b) => a + b, 0)} doubled)`);
  // Which writes no subscriber heard of, and when they were sent relative to the kill.
  const missing = [];
  seen.forEach((entries, c) => {
    if (c % PER_USER) return;
    const have = new Set(entries.map(([id]) => id));
    for (const w of writes.slice(c, c + PER_USER)) for (const [id, at, ms] of w.sent) if (!have.has(id)) missing.push(`${id} sent ${at - killedAt} ms after the kill, took ${ms} ms`);
  });
  if (missing.length) console.log(`load: writes without an event: ${missing.join('; ')}`);
  assert.deepEqual(errors, [], 'every write succeeded (retries allowed)');
  let caughtUp = 0;
  const eventLatencies = [];
  seen.forEach((entries, c) => {
    const u = Math.floor(c / PER_USER);
    for (const [id, [at, , late]] of entries) {
      assert.ok(idsOfUser[u].has(id), `client ${c} saw an event for a deal not of its user (${id})`);
      if (late) caughtUp += 1; else eventLatencies.push(at - sentAt.get(id));
    }
    assert.equal(entries.length, expected(c), `client ${c} saw every write of its user`);
  });
  for (const [u, titles] of stored.entries()) {
    assert.equal(titles.length, new Set(titles).size, `no duplicates for user ${u}`);
    assert.equal(titles.length, idsOfUser[u].size, `every write of user ${u} is on the server`);
  }
  const latencies = writes.flatMap((w) => w.sent.map((s) => s[2]));
  const afterKill = writes.flatMap((w) => w.sent.filter((s) => s[1] >= killedAt).map((s) => s[2]));
  const state = await balancerState();
  assert.ok(String(state.api2).startsWith('UP'), `api2 back in rotation: ${JSON.stringify(state)}`);
  // The rejoined instance serves again (straight to its port, and through the balancer).
  assert.equal((await rest('GET', '/health', { base: apiUrl(2) })).status, 200);
  console.log(`load with api2 killed after ${landed} of ${total} writes: ${latencies.length} writes by ${CLIENTS} clients in ${elapsed.toFixed(1)} s ` +
    `= ${Math.round(latencies.length / elapsed)} writes/s; write latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms ` +
    `(after the kill: p99 ${percentile(afterKill, 99)} ms, max ${Math.max(...afterKill)} ms); balancer saw api2 down: ${down}, up again ${upAfter} ms after the kill; ` +
    `${seen.reduce((s, e) => s + e.length, 0)} events (${caughtUp} caught up), event latency p50 ${percentile(eventLatencies, 50)} ms, p99 ${percentile(eventLatencies, 99)} ms`);
  await context.close();
});
