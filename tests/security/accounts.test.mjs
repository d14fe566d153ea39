// Accounts: password policy, e-mail required and valid, clean usernames, no anonymous users,
// lock-out after failed log-ins, and rate limits on sign-up, log-in and password reset over
// REST, batch and GraphQL. The rate limits are per client address, and every test runs from
// 127.0.0.1, so the shared test backend scales them up; this file starts a Parse Server of its
// own on the same database with the limits a real deployment has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, gql, signUp, assertRefused, useVictim, unique, useStrictServer } from './harness.mjs';

const victim = useVictim();
const strict = useStrictServer(60, 'strict');
const STRICT = strict.url;

const newUser = (over = {}) => {
  const username = unique('acct');
  return { username, email: `${username}@example.com`, password: 'pw-account-1', ...over };
};

test('sign-up: a password policy, a valid e-mail, a clean username', async () => {
  assertRefused(await call('POST', '/users', { body: newUser({ password: 'a' }) }), 142, 'a one-character password');
  assertRefused(await call('POST', '/users', { body: newUser({ password: 'abcdefghij' }) }), 142, 'letters only');
  assertRefused(await call('POST', '/users', { body: newUser({ password: '1234567890' }) }), 142, 'digits only');
  assertRefused(await call('POST', '/users', { body: newUser({ password: 'x1'.repeat(70) }) }), 142, '140 characters');
  const noMail = newUser();
  delete noMail.email;
  assertRefused(await call('POST', '/users', { body: noMail }), 142, 'no e-mail');
  assertRefused(await call('POST', '/users', { body: newUser({ email: 'not-an-address' }) }), [125, 142], 'an invalid e-mail');
  assertRefused(await call('POST', '/users', { body: newUser({ email: '' }) }), [125, 142, 204], 'an empty e-mail');
  for (const username of ['   ', ' padded', 'padded ', 'ab', 'x'.repeat(65), 'tab\tname', 'nul\u0001name', 'vict\u200bim', '\u202emitciv']) {
    assertRefused(await call('POST', '/users', { body: newUser({ username }) }), [142, 200], `username ${JSON.stringify(username)}`);
  }
  assertRefused(await call('POST', '/users', { body: newUser({ isAdmin: true }) }), 142, 'a field not in the schema');
  assertRefused(await call('POST', '/users', { body: newUser({ emailVerified: true }) }), [105, 119, 142], 'emailVerified from the client');
  const fine = await call('POST', '/users', { body: newUser() });
  assert.equal(fine.status, 201, JSON.stringify(fine.json));
  // Once signed up, the e-mail cannot be removed or made invalid.
  const me = `/users/${fine.json.objectId}`;
  assertRefused(await call('PUT', me, { token: fine.json.sessionToken, body: { email: { __op: 'Delete' } } }), 142, 'removing the e-mail');
  assertRefused(await call('PUT', me, { token: fine.json.sessionToken, body: { email: 'nope' } }), [125, 142], 'an invalid new e-mail');
  assertRefused(await call('PUT', me, { token: fine.json.sessionToken, body: { password: 'short' } }), 142, 'a weak new password');
});

test('no anonymous users, over REST or GraphQL', async () => {
  const r = await call('POST', '/users', { body: { authData: { anonymous: { id: 'a1b2c3d4-e5f6-4a4b-8c8d-9e9f0a1b2c3d' } } } });
  assertRefused(r, [142, 252], 'anonymous sign-up');
  const g = await gql('mutation { logInWith(input: { authData: { anonymous: { id: "a1b2c3d4-e5f6-4a4b-8c8d-9e9f0a1b2c3d" } } }) { viewer { sessionToken } } }');
  assert.ok((g.json.errors || []).length > 0, `GraphQL anonymous log-in refused: ${JSON.stringify(g.json).slice(0, 200)}`);
});

test('five failed log-ins lock the account, even with the right password afterwards', async () => {
  const user = await signUp('locked');
  for (let i = 0; i < 5; i++) {
    const r = await call('GET', `/login?username=${user.username}&password=wrong-password-${i}`);
    assertRefused(r, [101], `attempt ${i + 1}`);
  }
  const right = await call('GET', `/login?username=${user.username}&password=${user.password}`);
  assertRefused(right, [1, 101], 'the right password on a locked account');
  assert.match(right.json.error, /locked/i);
  // Another account is not affected.
  const other = await signUp('unlocked');
  assert.equal((await call('GET', `/login?username=${other.username}&password=${other.password}`)).status, 200);
});

test('rate limits: sign-ups, log-ins and password resets per address, on a server with real limits', async () => {
  const statuses = [];
  for (let i = 0; i < 12; i++) {
    const r = await call('POST', '/users', { server: STRICT, body: newUser() });
    statuses.push(r.status);
    if (r.status !== 201) {
      assertRefused(r, 155, 'a sign-up over the limit');
      assert.equal(r.status, 429);
    }
  }
  assert.equal(statuses.filter((s) => s === 201).length, 10, `10 sign-ups a minute: ${statuses}`);
  // Nor do other spellings of the same route (Express ignores case and a trailing slash).
  for (const route of ['/USERS', '/Users', '/users/']) {
    assertRefused(await call('POST', route, { server: STRICT, body: newUser() }), 155, `sign-up at ${route}`);
  }
  // A batch of sign-ups does not get round it.
  const batch = await call('POST', '/batch', { server: STRICT, body: { requests: Array.from({ length: 5 }, () => ({ method: 'POST', path: '/parse/users', body: newUser() })) } });
  const created = Array.isArray(batch.json) ? batch.json.filter((x) => x.success).length : 0;
  assert.equal(created, 0, `no sign-up through a batch once limited: ${JSON.stringify(batch.json).slice(0, 300)}`);
  const doubled = await call('POST', '/batch', { server: STRICT, body: { requests: [{ method: 'POST', path: '/parse//users', body: newUser() }] } });
  assertRefused(doubled, 155, 'a batch with //users');
  // Nor does GraphQL.
  const g = await fetch(STRICT.replace(/\/parse$/, '/graphql'), {
    method: 'POST', headers: { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($f: CreateUserFieldsInput!) { signUp(input: { fields: $f }) { viewer { sessionToken } } }', variables: { f: newUser() } }),
  });
  const gj = await g.json();
  assert.ok((gj.errors || []).length > 0 && /Too many sign-ups/.test(JSON.stringify(gj)), `GraphQL sign-up limited: ${JSON.stringify(gj).slice(0, 300)}`);
  // Nor the class route with an encoded name (Express decodes it: Parse makes a user).
  assertRefused(await call('POST', '/classes/%5FUser', { server: STRICT, body: newUser() }), 155, 'sign-up at /classes/%5FUser');
  // Nor a persisted query (Apollo's APQ): a hash alone, with no query text to count.
  const apq = await fetch(STRICT.replace(/\/parse$/, '/graphql'), {
    method: 'POST', headers: { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' },
    body: JSON.stringify({ variables: { f: newUser() }, extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
  });
  const apqJson = await apq.json();
  assert.ok(/persisted queries are not accepted/.test(JSON.stringify(apqJson)), `APQ refused: ${JSON.stringify(apqJson).slice(0, 300)}`);

  const resets = [];
  for (let i = 0; i < 7; i++) {
    resets.push((await call('POST', '/requestPasswordReset', { server: STRICT, body: { email: `${unique('nobody')}@example.com` } })).status);
  }
  assert.equal(resets.filter((s) => s === 429).length, 2, `5 password resets a minute: ${resets}`);

  const logins = [];
  for (let i = 0; i < 32; i++) {
    logins.push((await call('GET', `/login?username=${unique('ghost')}&password=whatever-1`, { server: STRICT })).json.code);
  }
  assert.equal(logins.filter((c) => c === 155).length, 2, `30 log-ins a minute: ${logins}`);
  for (const [method, route] of [['GET', '/LOGIN?username=x&password=y-1'], ['GET', '/login/?username=x&password=y-1'], ['GET', '/verifyPassword?username=x&password=y-1']]) {
    assertRefused(await call(method, route, { server: STRICT }), 155, `log-in at ${route}`);
  }
  // The shared backend is untouched by the strict one's counters.
  assert.equal((await call('GET', '/users/me', { token: victim.token })).status, 200);
});
