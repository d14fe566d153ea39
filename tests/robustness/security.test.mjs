// Security with two real users against the real server: what A owns, B cannot query, get,
// count, subscribe to, pin or change through an offline sync; search text never becomes a
// regular expression; the session token lives only where the README says and leaves, with the
// user's local data, on log-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, serverObjects, sleep, SERVER } from './harness.mjs';

let env;
let pageA;
let pageB;
let a;
before(async () => {
  env = await startBrowser();
  pageA = await env.page();
  pageB = await env.page();
  const signIn = (page, prefix) => page.evaluate(async ({ server, prefix }) => {
    const { CrmClient, LocalStore } = window.crm;
    const name = `${prefix}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const client = new CrmClient({ serverUrl: server, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
    const user = await client.signUp(name, `${name}@example.com`, 'pw-security-1');
    const store = await LocalStore.open(client, { autoSync: false });
    window.t = { client, store, user };
    return { token: client.sessionToken(), id: user.objectId };
  }, { server: SERVER, prefix });
  a = await signIn(pageA, 'alice');
  await signIn(pageB, 'bob');
  // A's data: a company, a contact, a deal and an activity on it.
  a.ids = await pageA.evaluate(async () => {
    const { client } = window.t;
    const company = await client.createCompany({ name: 'Secret Co' });
    const contact = await client.createContact({ name: 'Secret Contact', company: { className: 'Company', objectId: company.objectId } });
    const deal = await client.createDeal({ title: 'Secret deal a.b', amount: 999, stage: 'negotiation', contact: { className: 'Contact', objectId: contact.objectId } });
    await client.createDeal({ title: 'Secret deal axb', amount: 5, stage: 'lead' });
    const activity = await client.createActivity({ type: 'call', subject: 'Secret call', relatedTo: { className: 'Deal', objectId: deal.objectId } });
    return { company: company.objectId, contact: contact.objectId, deal: deal.objectId, activity: activity.objectId };
  });
});
after(async () => env.close());

test("B's queries, gets and counts never return A's objects", async () => {
  const seen = await pageB.evaluate(async (ids) => {
    const { client } = window.t;
    const code = async (p) => p.then(() => 'ok', (e) => e.code);
    return {
      deals: (await client.deals().findAll()).map((d) => d.objectId),
      count: await client.deals().count(),
      searched: (await client.deals().contains('title', 'Secret').find()).length,
      companies: (await client.companies().findAll()).map((c) => c.objectId),
      contacts: (await client.contacts().findAll()).map((c) => c.objectId),
      activities: (await client.activities().findAll()).map((x) => x.objectId),
      getDeal: await code(client.getDeal(ids.deal)),
      getCompany: await code(client.getCompany(ids.company)),
      getContact: await code(client.getContact(ids.contact)),
      getActivity: await code(client.getActivity(ids.activity)),
      viaSubquery: (await client.deals().matchesQuery('contact', client.contacts().equalTo('name', 'Secret Contact')).find()).length,
    };
  }, a.ids);
  assert.deepEqual(seen.deals, []);
  assert.equal(seen.count, 0);
  assert.equal(seen.searched, 0);
  assert.deepEqual(seen.companies, []);
  assert.deepEqual(seen.contacts, []);
  assert.deepEqual(seen.activities, []);
  for (const k of ['getDeal', 'getCompany', 'getContact', 'getActivity']) assert.equal(seen[k], 'OBJECT_NOT_FOUND', k);
  assert.equal(seen.viaSubquery, 0);
  // The control: A sees them.
  const mine = await pageA.evaluate(async () => (await window.t.client.deals().findAll()).length);
  assert.equal(mine, 2);
});

test("B's Live Query subscription gets no event for A's changes (while B's own arrive)", async () => {
  await pageB.evaluate(async () => {
    const { client, LiveQueryClient } = { ...window.t, ...window.crm };
    window.events = [];
    window.live = new LiveQueryClient(client);
    window.live.subscribe(client.deals(), (e) => window.events.push({ kind: e.kind, id: e.object.objectId, title: e.object.title }));
    window.live.subscribe(client.activities(), (e) => window.events.push({ kind: e.kind, id: e.object.objectId }));
    const deadline = Date.now() + 10000;
    while (window.live.status !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
  });
  await pageA.evaluate(async (ids) => {
    const { client } = window.t;
    await client.updateDeal(ids.deal, { amount: 1000 });
    await client.createDeal({ title: 'Secret deal 3', amount: 1, stage: 'lead' });
    await client.createActivity({ type: 'note', subject: 'Secret note', relatedTo: { className: 'Deal', objectId: ids.deal } });
    await client.deleteDeal((await client.deals().equalTo('title', 'Secret deal 3').first()).objectId);
  }, a.ids);
  const own = await pageB.evaluate(async () => (await window.t.client.createDeal({ title: 'Bob deal', amount: 1, stage: 'lead' })).objectId);
  await sleep(1500);
  const events = await pageB.evaluate(() => window.events);
  assert.deepEqual(events.map((e) => e.id), [own], `only B's own deal: ${JSON.stringify(events)}`);
  await pageB.evaluate(() => window.live.close());
});

test("B cannot pin A's objects: a refreshed pin holds only B's", async () => {
  const pinned = await pageB.evaluate(async () => {
    const { client, store } = window.t;
    await store.refreshPin(client.deals());
    await store.refreshPin(client.activities());
    const deals = await client.deals().fromLocalDatastore(store).find();
    const acts = await client.activities().fromLocalDatastore(store).find();
    return { deals: deals.map((d) => d.title), activities: acts.length };
  });
  assert.deepEqual(pinned.deals, ['Bob deal']);
  assert.equal(pinned.activities, 0);
});

test("B's offline writes to A's objects are refused by the server and change nothing there", async () => {
  const report = await pageB.evaluate(async (ids) => {
    const { store } = window.t;
    await store.update('Deal', ids.deal, { amount: 1, title: 'Hijacked' });
    await store.destroy('Deal', ids.deal);
    await store.update('Company', ids.company, { name: 'Hijacked' });
    return store.sync();
  }, a.ids);
  assert.equal(report.applied + report.rejected, 3, JSON.stringify(report));
  assert.ok(report.rejected >= 2, `the updates are rejected: ${JSON.stringify(report)}`);
  const deals = await serverObjects('Deal', a.token, { objectId: a.ids.deal });
  assert.equal(deals.length, 1, "A's deal still exists");
  assert.equal(deals[0].title, 'Secret deal a.b');
  assert.equal(deals[0].amount, 1000);
  const companies = await serverObjects('Company', a.token, { objectId: a.ids.company });
  assert.equal(companies[0].name, 'Secret Co');
});

test('search text is matched literally, never as a regular expression', async () => {
  const found = await pageA.evaluate(async () => {
    const { client } = window.t;
    const titles = async (q) => (await q.find()).map((d) => d.title).sort();
    return {
      dot: await titles(client.deals().contains('title', 'a.b')),
      star: await titles(client.deals().contains('title', '.*')),
      anchored: await titles(client.deals().startsWith('title', 'Secret deal a.')),
      quoteBreak: await titles(client.deals().contains('title', '\\E.*\\Q')),
      catastrophic: await titles(client.deals().contains('title', '(a+)+$')),
      local: (await client.deals().contains('title', 'a.b').toJSON()),
    };
  });
  assert.deepEqual(found.dot, ['Secret deal a.b'], '"." is not any character');
  assert.deepEqual(found.star, []);
  assert.deepEqual(found.anchored, ['Secret deal a.b']);
  assert.deepEqual(found.quoteBreak, []);
  assert.deepEqual(found.catastrophic, []);
});

test('the session token: kept in localStorage only when persistSession is on, and gone with the local data on log-out', async () => {
  const page = await env.page();
  const result = await page.evaluate(async (server) => {
    const { CrmClient, LocalStore } = window.crm;
    const tokenKeys = () => Object.keys(localStorage).filter((k) => (localStorage.getItem(k) || '').includes(client.sessionToken() || '\u0000'));
    const name = `tok${Date.now()}`;
    // persistSession: false -> nothing in localStorage.
    const ephemeral = new CrmClient({ serverUrl: server, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
    await ephemeral.signUp(`${name}e`, `${name}e@example.com`, 'pw-security-1');
    const ephemeralStored = Object.values(localStorage).some((v) => v.includes(ephemeral.sessionToken()));
    await ephemeral.logOut();
    // persistSession: true (the default) -> under crm-wasm/<appId>/session, and only there.
    var client = new CrmClient({ serverUrl: server, appId: 'crm', javascriptKey: 'crm-js-key' });
    const user = await client.signUp(name, `${name}@example.com`, 'pw-security-1');
    const token = client.sessionToken();
    const keysWithToken = tokenKeys();
    const store = await LocalStore.open(client, { autoSync: false });
    await store.create('Deal', { title: 'queued, then logged out', amount: 1, stage: 'lead' });
    const dbName = `crm-wasm/crm/${user.objectId}`;
    const dbBefore = (await indexedDB.databases()).some((d) => d.name === dbName);
    store.close();
    await client.logOut();
    const anywhere = Object.values(localStorage).some((v) => v.includes(token));
    const dbAfter = (await indexedDB.databases()).some((d) => d.name === dbName);
    // The revoked token no longer works on the server.
    const res = await fetch(`${server}/users/me`, { headers: { 'X-Parse-Application-Id': 'crm', 'X-Parse-Javascript-Key': 'crm-js-key', 'X-Parse-Session-Token': token } });
    return { ephemeralStored, keysWithToken, dbBefore, anywhere, dbAfter, meStatus: res.status };
  }, SERVER);
  assert.equal(result.ephemeralStored, false);
  assert.deepEqual(result.keysWithToken, ['crm-wasm/crm/session']);
  assert.equal(result.dbBefore, true);
  assert.equal(result.anywhere, false, 'no token left in localStorage');
  assert.equal(result.dbAfter, false, "the user's local database is deleted");
  assert.notEqual(result.meStatus, 200, 'the session is revoked on the server');
  await page.close();
});
