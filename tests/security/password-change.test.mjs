// Whoever holds a session must not be able to change its account's password without the current
// one: a session left open on a shared computer, or a token that leaked, would otherwise let them
// take the account and lock its owner out (Parse ends every other session on a change). The
// current password goes in the request's context (guard.js checkCurrentPassword) and is checked
// like a log-in: wrong ones count towards the lockout of that account from that address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP, assertBatchItemRefused, assertRefused, call, gql, signUp, useStrictServer } from './harness.mjs';

const NEW = 'Taken-over-1';
// The real account limits (log-ins: 30 a minute from one address).
const strict = useStrictServer(72, 'password-change');
// The context as crm-wasm sends it (the header; the Parse JS SDK in a browser sends `_context`).
const context = (currentPassword) => ({ 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword }) });

test('a password is not changed without the current one, over REST, batch or GraphQL', async () => {
  const owner = await signUp('pwowner');
  const me = `/users/${owner.id}`;
  const none = await call('PUT', me, { token: owner.token, body: { password: NEW } });
  assertRefused(none, 142, 'no current password');
  assert.match(none.json.error, /needs the current one/);
  assertRefused(await call('PUT', '/users/me', { token: owner.token, body: { password: NEW } }), [101, 142, 206], 'no current password, /users/me');
  assertRefused(await call('PUT', `/classes/_User/${owner.id}`, { token: owner.token, body: { password: NEW } }), 142, 'through /classes/_User');
  const wrong = await call('PUT', me, { token: owner.token, headers: context('not-it-1'), body: { password: NEW } });
  assertRefused(wrong, 142, 'a wrong current password');
  assert.match(wrong.json.error, /the current password is wrong/);
  assertRefused(await call('PUT', me, { token: owner.token, headers: context(['pw-attack-1']), body: { password: NEW } }), 142, 'a current password that is no text');
  // The body-auth form (the SDK in a browser) is checked the same way.
  const bodyAuth = (currentPassword) => call('POST', me, { body: { _method: 'PUT', _ApplicationId: APP['X-Parse-Application-Id'], _JavaScriptKey: APP['X-Parse-JavaScript-Key'], _SessionToken: owner.token, _context: { currentPassword }, password: NEW }, headers: { 'X-Parse-Application-Id': '', 'X-Parse-JavaScript-Key': '' } });
  const wrongInBody = await bodyAuth('not-it-2');
  assertRefused(wrongInBody, 142, 'a wrong current password, body auth');
  assert.match(wrongInBody.json.error, /the current password is wrong/);
  const batch = await call('POST', '/batch', { token: owner.token, body: { requests: [{ method: 'PUT', path: `/parse/users/${owner.id}`, body: { password: NEW } }] } });
  assertBatchItemRefused(batch, 0, 142, 'in a batch');
  const g = await gql(`mutation { updateUser(input: { id: "${owner.id}", fields: { password: "${NEW}" } }) { user { objectId } } }`, undefined, owner.token);
  assert.ok(g.json.errors?.length, `GraphQL refused: ${JSON.stringify(g.json).slice(0, 300)}`);
  // The password is still the owner's, and the session still works.
  assert.equal((await call('POST', '/login', { body: { username: owner.username, password: owner.password } })).status, 200);
  assert.equal((await call('POST', '/login', { body: { username: owner.username, password: NEW } })).status, 404);
  assert.equal((await call('GET', '/users/me', { token: owner.token })).status, 200);
});

test('guessing the current password through a change is locked out like log-ins are', async () => {
  const owner = await signUp('pwguess');
  const me = `/users/${owner.id}`;
  for (let i = 0; i < 5; i++) {
    assertRefused(await call('PUT', me, { token: owner.token, headers: context(`guess-${i}-x`), body: { password: NEW } }), 142, `guess ${i}`);
  }
  // Locked out from this address: even the right one is refused now, in the lockout's words.
  const r = await call('PUT', me, { token: owner.token, headers: context(owner.password), body: { password: NEW } });
  assertRefused(r, 155, 'the right password while locked out');
  assert.match(r.json.error, /locked/);
});

test('with the current password the change is made, and every earlier session ends', async () => {
  const owner = await signUp('pwchange');
  const other = await call('POST', '/login', { body: { username: owner.username, password: owner.password } });
  const r = await call('PUT', `/users/${owner.id}`, { token: owner.token, headers: context(owner.password), body: { password: NEW } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.ok(r.json.sessionToken, 'a new session comes back');
  assert.equal((await call('GET', '/users/me', { token: r.json.sessionToken })).status, 200);
  for (const token of [owner.token, other.json.sessionToken]) {
    assertRefused(await call('GET', '/users/me', { token }), 209, 'an earlier session');
  }
  assert.equal((await call('POST', '/login', { body: { username: owner.username, password: NEW } })).status, 200);
});

test('password changes count as log-ins: no more bcrypt comparisons a minute than log-ins (found attacking it: batches of 100 changes made 1,000 in a minute, and every log-in took 4-5 s)', async () => {
  const owner = await signUp('pwflood', strict.url);
  const me = `/users/${owner.id}`;
  const changes = (n) => ({ requests: Array.from({ length: n }, () => ({ method: 'PUT', path: `/parse${me}`, body: { password: NEW } })) });
  const batch = await call('POST', '/batch', { server: strict.url, token: owner.token, headers: context('wrong-guess-1'), body: changes(40) });
  assertRefused(batch, 155, 'a batch of 40 password changes');
  assert.match(batch.json.error, /Too many log-in attempts/);
  const rest = await call('PUT', me, { server: strict.url, token: owner.token, headers: context(owner.password), body: { password: NEW } });
  assertRefused(rest, 155, 'a change past the limit');
  assert.match(rest.json.error, /Too many log-in attempts/);
  const res = await fetch(strict.graphql, { method: 'POST', headers: { ...APP, 'Content-Type': 'application/json', 'X-Parse-Session-Token': owner.token, ...context(owner.password) }, body: JSON.stringify({ query: `mutation { updateUser(input: { id: "${owner.id}", fields: { password: "${NEW}" } }) { user { objectId } } }` }) });
  const g = await res.json();
  assert.equal(g.errors?.[0]?.extensions?.code, 155, JSON.stringify(g).slice(0, 300));
  // The password was not changed.
  assert.equal((await call('GET', '/users/me', { server: strict.url, token: owner.token })).status, 200);
});
