// Fault injection against the real backend: Parse Server killed (SIGKILL) while 500 queued
// offline writes replay, then restarted; answers dropped after commit; 5xx storms; IndexedDB
// over its quota; a database another tab blocks or left at a newer version. Each ends with
// the server holding every write exactly once, or a clear STORAGE_ERROR with the queue intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, backend, fault, serverObjects, serverCount, sleep, SERVER, PROXY } from './harness.mjs';

let env;
before(async () => {
  env = await startBrowser();
});
after(async () => {
  await backend('start'); // whatever happened, leave the server running for the next tests
  await fault('reset');
  await env.close();
});

/** Signs up a fresh user in `page`, opens its LocalStore (no auto-sync); answers the token. */
async function signUpWithStore(page, serverUrl, prefix) {
  return page.evaluate(async ({ serverUrl, prefix }) => {
    const { CrmClient, LocalStore } = window.crm;
    const name = `${prefix}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const client = new CrmClient({ serverUrl, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false, timeoutMs: 5000 });
    const user = await client.signUp(name, `${name}@example.com`, 'pw-faults-1');
    const store = await LocalStore.open(client, { autoSync: false });
    window.t = { client, store, user };
    return { token: client.sessionToken(), userId: user.objectId, dbName: `crm-wasm/crm/${user.objectId}` };
  }, { serverUrl, prefix });
}

/** Calls sync until nothing is pending (or `tries` run out); answers the reports. */
async function syncUntilDrained(page, tries = 20) {
  return page.evaluate(async (tries) => {
    const reports = [];
    for (let i = 0; i < tries; i++) {
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
  }, tries);
}

test('Parse Server killed while 500 queued offline writes replay: after a restart, each is on the server exactly once', async () => {
  const page = await env.page();
  const { token } = await signUpWithStore(page, SERVER, 'replay');
  // 450 creates, then 50 increments of the first 50: an increment applied twice would show.
  const queued = await page.evaluate(async () => {
    const { store } = window.t;
    const ids = [];
    for (let i = 0; i < 450; i++) {
      const d = await store.create('Deal', { title: `replay-${i}`, amount: 100, stage: 'lead' });
      ids.push(d.objectId);
    }
    for (let i = 0; i < 50; i++) await store.update('Deal', ids[i], { amount: { increment: 1 } });
    return (await store.pending()).length;
  });
  assert.equal(queued, 500);

  // Replay, and kill the server once some writes have landed.
  await page.evaluate(() => {
    window.firstSync = window.t.store.sync().then((r) => r, (e) => ({ error: e.code }));
  });
  const where = { title: { $regex: '^\\Qreplay-\\E' } };
  let landed = 0;
  for (let i = 0; i < 600 && landed < 60; i++) {
    landed = await serverCount('Deal', token, where);
    await sleep(25);
  }
  assert.ok(landed >= 60 && landed < 450, `the kill should come mid-replay (${landed} landed)`);
  await backend('kill-parse');
  const first = await page.evaluate(() => window.firstSync);
  const pendingWhileDown = await page.evaluate(async () => (await window.t.store.pending()).length);
  assert.ok(first.offline === true || first.error === 'NETWORK_ERROR', `the replay stops for lack of a server: ${JSON.stringify(first)}`);
  assert.ok(pendingWhileDown > 0 && pendingWhileDown < 500, `${pendingWhileDown} still queued`);

  await sleep(1000);
  await backend('start');
  const reports = await syncUntilDrained(page);
  const last = reports.at(-1);
  const left = await page.evaluate(async () => window.t.store.pending());
  assert.equal(last.pending, 0, `drained: ${JSON.stringify(reports)}; left: ${JSON.stringify(left)}`);
  assert.equal(last.rejected, 0);

  const deals = await serverObjects('Deal', token, where);
  const titles = deals.map((d) => d.title);
  assert.equal(new Set(titles).size, titles.length, 'no write landed twice');
  assert.equal(titles.length, 450, 'every create landed');
  for (const d of deals) {
    const i = Number(d.title.slice('replay-'.length));
    assert.equal(d.amount, i < 50 ? 101 : 100, `${d.title}: each increment exactly once`);
  }
  await page.close();
});

test('answers dropped after commit while replaying: no duplicates', async () => {
  const page = await env.page();
  const { token } = await signUpWithStore(page, PROXY, 'dropped');
  await page.evaluate(async () => {
    for (let i = 0; i < 40; i++) await window.t.store.create('Deal', { title: `dropped-${i}`, amount: 1, stage: 'lead' });
  });
  await fault('drop-response', '?count=6');
  const reports = await syncUntilDrained(page);
  await fault('reset');
  assert.equal(reports.at(-1).pending, 0, JSON.stringify(reports));
  const titles = (await serverObjects('Deal', token, { title: { $regex: '^\\Qdropped-\\E' } })).map((d) => d.title);
  assert.equal(titles.length, 40);
  assert.equal(new Set(titles).size, 40, 'no duplicates');
  await page.close();
});

test('5xx answers while replaying are retried with backoff until the queue drains', async () => {
  const page = await env.page();
  const { token } = await signUpWithStore(page, PROXY, 'fivexx');
  await page.evaluate(async () => {
    for (let i = 0; i < 10; i++) await window.t.store.create('Deal', { title: `fivexx-${i}`, amount: 1, stage: 'lead' });
  });
  await fault('status', '?code=503&count=3');
  const started = Date.now();
  const reports = await syncUntilDrained(page);
  assert.equal(reports.at(-1).pending, 0, JSON.stringify(reports));
  assert.ok(Date.now() - started >= 100, 'retries waited (backoff)');
  assert.equal(await serverCount('Deal', token, { title: { $regex: '^\\Qfivexx-\\E' } }), 10);
  await page.close();
});

test('IndexedDB over its quota: STORAGE_ERROR, and the queue and pins are intact', async () => {
  const context = await env.browser.newContext();
  const page = await env.page(context);
  // A small quota for this origin, set before it stores anything (Chromium reads it then).
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 400 * 1024 });
  await signUpWithStore(page, SERVER, 'quota');
  const before = await page.evaluate(async () => {
    const { store } = window.t;
    await store.create('Deal', { title: 'queued before the quota', amount: 5, stage: 'lead' });
    await store.pinAll('Deal', [{ objectId: 'pinnedBefore1', title: 'pinned before', amount: 1, stage: 'won' }]);
    return (await store.pending()).map((op) => op.seq);
  });
  const outcome = await page.evaluate(async () => {
    const { store, client } = window.t;
    // Random text: the browser compresses what it stores, so repeated characters would fit.
    const noise = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (x) => (x % 36).toString(36)).join('');
    const failure = async (p) => p.then(() => null, (e) => ({ code: e.code, message: e.message, isError: e instanceof Error }));
    const pinAll = await failure(store.pinAll('Deal', Array.from({ length: 3000 }, (_, i) => ({
      objectId: `big${i}`, title: `big ${i}`, amount: i, stage: 'lead', notes: noise(2000),
    }))));
    // Queue 60 KB writes until the quota refuses one: it must fail whole.
    let create = null;
    const created = [];
    for (let i = 0; i < 40 && !create; i++) {
      try {
        created.push((await store.create('Deal', { title: `big queued ${i}`, amount: 1, stage: 'lead', notes: noise(60000) })).objectId);
      } catch (e) {
        create = { code: e.code, message: e.message, isError: e instanceof Error };
      }
    }
    const pinned = await client.deals().fromLocalDatastore(store).limit(1000).find();
    const pending = await store.pending();
    const serverStillAnswers = Array.isArray(await client.deals().limit(1).find());
    return { pinAll, create, created, pendingIds: pending.map((op) => op.objectId), pendingSeqs: pending.map((op) => op.seq), pinnedIds: pinned.map((d) => d.objectId).filter((id) => !created.includes(id)), serverStillAnswers };
  });
  assert.equal(outcome.pinAll?.code, 'STORAGE_ERROR', JSON.stringify(outcome.pinAll));
  assert.ok(outcome.pinAll.isError);
  assert.match(outcome.pinAll.message, /quota/i);
  assert.equal(outcome.create?.code, 'STORAGE_ERROR', `a queued write over the quota: ${JSON.stringify(outcome.create)}`);
  assert.deepEqual(outcome.pendingSeqs.slice(0, before.length), before, 'the queue before the quota is intact');
  assert.equal(outcome.pendingIds.length, before.length + outcome.created.length, 'the refused write is not half-queued');
  assert.deepEqual(outcome.pinnedIds.filter((id) => !outcome.pendingIds.includes(id)), ['pinnedBefore1'], 'the failed pinAll left nothing half-written');
  assert.ok(outcome.serverStillAnswers, 'the module still works');
  await context.close();
});

test('a database another tab will not let go: log-out answers STORAGE_ERROR at once, the deletion completes when that tab closes it', async () => {
  const page = await env.page();
  const { dbName } = await signUpWithStore(page, SERVER, 'blocked');
  const result = await page.evaluate(async (dbName) => {
    const { store, client } = window.t;
    store.close();
    // "Another tab": a connection that ignores requests to close.
    const other = await new Promise((resolve, reject) => {
      const req = indexedDB.open(dbName);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    other.onversionchange = null;
    const started = performance.now();
    let error = null;
    try {
      await client.logOut();
    } catch (e) {
      error = { code: e.code, message: e.message };
    }
    const waited = performance.now() - started;
    const signedOut = client.currentUser() === undefined;
    other.close();
    await new Promise((r) => setTimeout(r, 300));
    const names = (await indexedDB.databases()).map((d) => d.name);
    return { error, waited, signedOut, stillThere: names.includes(dbName) };
  }, dbName);
  assert.equal(result.error?.code, 'STORAGE_ERROR', JSON.stringify(result));
  assert.match(result.error.message, /another tab/);
  assert.ok(result.waited < 5000, `no hang (${result.waited} ms)`);
  assert.ok(result.signedOut, 'signed out all the same');
  assert.equal(result.stillThere, false, 'deleted once the other tab closed it');
  await page.close();
});

test('a database left at a newer version (a newer app in another tab): STORAGE_ERROR on open', async () => {
  const page = await env.page();
  const { dbName } = await signUpWithStore(page, SERVER, 'newer');
  const error = await page.evaluate(async (dbName) => {
    window.t.store.close();
    await new Promise((resolve, reject) => {
      const req = indexedDB.open(dbName, 99);
      req.onsuccess = () => { req.result.close(); resolve(); };
      req.onerror = () => reject(req.error);
    });
    try {
      await window.crm.LocalStore.open(window.t.client, { autoSync: false });
      return null;
    } catch (e) {
      return { code: e.code, message: e.message, isError: e instanceof Error };
    }
  }, dbName);
  assert.equal(error?.code, 'STORAGE_ERROR', JSON.stringify(error));
  assert.ok(error.isError);
  await page.close();
});
