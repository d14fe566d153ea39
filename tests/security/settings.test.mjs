// A user's settings (forecast currency and stage probabilities) are private: one per user, under
// the user's own objectId, read and written by that user only. Another signed-in user cannot
// read, list, count, query, change, replace or delete them, by REST, batch or GraphQL; bad values
// are refused in words; the ACL is always the server's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, gql, signUp, assertRefused, assertBatchItemRefused, useVictim } from './harness.mjs';

const victim = useVictim();
let attacker;
const MINE = { currency: 'EUR', probabilities: { lead: 5, qualified: 20, proposal: 40, negotiation: 70, won: 100, lost: 0 } };

async function victimSettings() {
  const r = await call('GET', `/classes/Settings/${victim.id}`, { master: true });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { currency: r.json.currency, probabilities: r.json.probabilities, ACL: r.json.ACL };
}

test('setup: the victim saves settings, and reads them back; the ACL is owner-only', async () => {
  attacker = await signUp('settingsthief');
  const made = await call('POST', '/classes/Settings', { token: victim.token, body: { objectId: victim.id, ...MINE } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const back = await call('GET', `/classes/Settings/${victim.id}`, { token: victim.token });
  assert.equal(back.status, 200, JSON.stringify(back.json));
  assert.equal(back.json.currency, 'EUR');
  assert.deepEqual(back.json.probabilities, MINE.probabilities);
  const stored = await victimSettings();
  assert.deepEqual(stored.ACL, { [victim.id]: { read: true, write: true } }, 'no public, role or manager access');
});

test("another user cannot read, list, count or query someone's settings", async () => {
  assertRefused(await call('GET', `/classes/Settings/${victim.id}`, { token: attacker.token }), 101, 'get');
  const list = await call('GET', '/classes/Settings?limit=1000', { token: attacker.token });
  assert.equal(list.status, 200, JSON.stringify(list.json));
  assert.deepEqual(list.json.results, [], 'the list holds none of another user\'s settings');
  const count = await call('GET', `/classes/Settings?count=1&limit=0&where=${encodeURIComponent(JSON.stringify({ objectId: victim.id }))}`, { token: attacker.token });
  assert.equal(count.json.count, 0, JSON.stringify(count.json));
  const byValue = await call('GET', `/classes/Settings?where=${encodeURIComponent(JSON.stringify({ currency: 'EUR' }))}`, { token: attacker.token });
  assert.deepEqual(byValue.json.results, [], 'no oracle on values');
  // GraphQL's get (the owner reads through it, so the refusal below is not a missing query).
  const own = await gql('query($id: ID!) { settings(id: $id) { currency } }', { id: victim.id }, victim.token);
  assert.equal(own.json.data?.settings?.currency, 'EUR', JSON.stringify(own.json));
  const g = await gql('query($id: ID!) { settings(id: $id) { currency } }', { id: victim.id }, attacker.token);
  assert.ok(g.json.errors && !JSON.stringify(g.json).includes('EUR'), `GraphQL get: ${JSON.stringify(g.json)}`);
  // Not signed in: refused.
  assertRefused(await call('GET', '/classes/Settings'), [101, 119, 209], 'anonymous find');
  assertRefused(await call('GET', `/classes/Settings/${victim.id}`), [101, 119, 209], 'anonymous get');
});

test("another user cannot change, replace or delete someone's settings", async () => {
  assertRefused(await call('PUT', `/classes/Settings/${victim.id}`, { token: attacker.token, body: { currency: 'JPY' } }), 101, 'update');
  assertRefused(await call('DELETE', `/classes/Settings/${victim.id}`, { token: attacker.token }), 101, 'delete');
  assertRefused(await call('POST', '/classes/Settings', { token: attacker.token, body: { objectId: victim.id, currency: 'JPY' } }), [119, 137], 'create under their id');
  assertRefused(await call('POST', '/classes/Settings', { token: attacker.token, body: { objectId: 'AbCdEfGhIj12', currency: 'JPY' } }), 119, 'settings under an id not the user\'s');
  assertRefused(await call('POST', '/classes/Settings', { token: attacker.token, body: { currency: 'JPY' } }), 119, 'settings under a server-chosen id');
  const batch = await call('POST', '/batch', { token: attacker.token, body: { requests: [{ method: 'PUT', path: `/parse/classes/Settings/${victim.id}`, body: { currency: 'JPY' } }] } });
  assertBatchItemRefused(batch, 0, 101, 'batch update');
  const g = await gql('mutation($id: ID!) { updateSettings(input: { id: $id, fields: { currency: "JPY" } }) { settings { currency } } }', { id: victim.id }, attacker.token);
  assert.ok(g.json.errors, `GraphQL update: ${JSON.stringify(g.json)}`);
  const gd = await gql('mutation($id: ID!) { deleteSettings(input: { id: $id }) { settings { objectId } } }', { id: victim.id }, attacker.token);
  assert.ok(gd.json.errors, `GraphQL delete: ${JSON.stringify(gd.json)}`);
  const still = await victimSettings();
  assert.equal(still.currency, 'EUR');
  assert.deepEqual(still.probabilities, MINE.probabilities);
});

test('the owner cannot open their settings to others, and bad values are refused in words', async () => {
  const mine = await call('POST', '/classes/Settings', { token: attacker.token, body: { objectId: attacker.id, currency: 'USD' } });
  assert.equal(mine.status, 201, JSON.stringify(mine.json));
  await call('PUT', `/classes/Settings/${attacker.id}`, { token: attacker.token, body: { ACL: { '*': { read: true, write: true } } } });
  const acl = await call('GET', `/classes/Settings/${attacker.id}`, { master: true });
  assert.deepEqual(acl.json.ACL, { [attacker.id]: { read: true, write: true } }, 'the ACL is the server\'s');
  const bad = [
    [{ currency: 'usd' }, 'a lower-case code'],
    [{ currency: 'XYZ1' }, 'not a code'],
    [{ currency: 'ZZZ' }, 'an unknown code'],
    [{ currency: 7 }, 'a number as currency'],
    [{ probabilities: { lead: 101 } }, 'over 100 %'],
    [{ probabilities: { lead: -1 } }, 'negative'],
    [{ probabilities: { lead: '10' } }, 'text as a percentage'],
    [{ probabilities: { hacked: 10 } }, 'an unknown stage'],
    [{ probabilities: [10, 20] }, 'an array'],
    [{ probabilities: 'all' }, 'text'],
    [{ theme: 'dark' }, 'a field not in the class'],
    [{ owner: { __type: 'Pointer', className: '_User', objectId: victim.id } }, 'a pointer at another user'],
  ];
  for (const [body, what] of bad) {
    const r = await call('PUT', `/classes/Settings/${attacker.id}`, { token: attacker.token, body });
    assertRefused(r, undefined, what);
  }
  const kept = await call('GET', `/classes/Settings/${attacker.id}`, { token: attacker.token });
  assert.equal(kept.json.currency, 'USD');
  assert.equal(kept.json.probabilities, undefined);
});

test("deleting a user deletes their settings", async () => {
  const leaver = await signUp('settingsleaver');
  assert.equal((await call('POST', '/classes/Settings', { token: leaver.token, body: { objectId: leaver.id, currency: 'GBP' } })).status, 201);
  assert.equal((await call('DELETE', `/users/${leaver.id}`, { token: leaver.token, headers: { 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword: leaver.password }) } })).status, 200);
  const gone = await call('GET', `/classes/Settings/${leaver.id}`, { master: true });
  assert.equal(gone.status, 404, JSON.stringify(gone.json));
});
