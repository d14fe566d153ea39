// Accounts: password policy, e-mail required and valid, clean usernames, no anonymous users,
// lock-out of the guessing address after failed log-ins, and rate limits on sign-up, log-in and password reset over
// REST, batch and GraphQL. The rate limits are per client address, and every test runs from
// 127.0.0.1, so the shared test backend scales them up; this file starts a Parse Server of its
// own on the same database with the limits a real deployment has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { call, gql, signUp, assertRefused, useVictim, unique, useStrictServer, SERVER, APP } from './harness.mjs';

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
  // A username that is an e-mail address would answer the log-ins of that address's owner.
  for (const username of ['   ', ' padded', 'padded ', 'ab', 'x'.repeat(65), 'tab\tname', 'nul\u0001name', 'vict\u200bim', '\u202emitciv', `${victim.username}@example.com`]) {
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
  // Nor any other service (Parse answered a bare 500 for those it knows but has no options for).
  for (const provider of ['github', 'google', 'facebook', 'apple', 'twitter', 'nosuch']) {
    const other = await call('POST', '/users', { body: { username: `svc${provider}${Date.now()}`, password: 'pw-Attack-12345', authData: { [provider]: { id: '12345', access_token: 'x' } } } });
    assertRefused(other, 252, `sign-up with ${provider}`);
    assert.match(other.json.error, /not enabled/);
  }
  const g = await gql('mutation { logInWith(input: { authData: { anonymous: { id: "a1b2c3d4-e5f6-4a4b-8c8d-9e9f0a1b2c3d" } } }) { viewer { sessionToken } } }');
  assert.ok((g.json.errors || []).length > 0, `GraphQL anonymous log-in refused: ${JSON.stringify(g.json).slice(0, 200)}`);
});

/** A REST call from another loopback address (127.0.0.2): another client, as the server sees it. */
function callFrom(address, method, route, { body } = {}) {
  const url = new URL(SERVER + route);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method, localAddress: address,
      headers: { ...APP, ...(data === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) }) },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = { raw: text }; }
        resolve({ status: res.status ?? res.statusCode, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const LOCKED = 'Your account is locked due to multiple failed login attempts';

test('five failed log-ins lock out the address that made them, not the account', async () => {
  const user = await signUp('locked');
  for (let i = 0; i < 5; i++) {
    const r = await call('GET', `/login?username=${user.username}&password=wrong-password-${i}`);
    assertRefused(r, [101], `attempt ${i + 1}`);
    assert.doesNotMatch(r.json.error, /locked/i, `attempt ${i + 1} is answered as a wrong password`);
  }
  // From the guessing address: refused, even with the right password, whichever way it asks.
  const right = await call('GET', `/login?username=${user.username}&password=${user.password}`);
  assertRefused(right, [101], 'the right password from the locked-out address');
  assert.ok(right.json.error.startsWith(LOCKED), right.json.error);
  assertRefused(await call('POST', '/login', { body: { username: user.username.toUpperCase(), password: user.password } }), [101], 'POST /login, the username in capitals');
  assertRefused(await call('POST', '/verifyPassword', { body: { username: user.username, password: user.password } }), [101], '/verifyPassword');
  const g = await gql('mutation L($u: String!, $p: String!) { logIn(input: { username: $u, password: $p }) { viewer { sessionToken } } }', { u: user.username, p: user.password });
  assert.match(JSON.stringify(g.json.errors || []), /locked/i, `GraphQL logIn from the locked-out address: ${JSON.stringify(g.json).slice(0, 300)}`);
  // The owner, from another address, logs in (Parse's own lock-out would have shut them out).
  const owner = await callFrom('127.0.0.2', 'GET', `/login?username=${user.username}&password=${user.password}`);
  assert.equal(owner.status, 200, JSON.stringify(owner.json));
  assert.ok(owner.json.sessionToken);
  // Another account is not affected from the locked-out address either.
  const other = await signUp('unlocked');
  assert.equal((await call('GET', `/login?username=${other.username}&password=${other.password}`)).status, 200);
});

test('failed GraphQL log-ins count too; one logIn per request; none inside a batch', async () => {
  const user = await signUp('gqlock');
  const logIn = 'mutation L($input: LogInInput!) { logIn(input: $input) { viewer { sessionToken } } }';
  for (let i = 0; i < 5; i++) {
    const g = await gql(logIn, { input: { username: user.username, password: `wrong-${i}` } });
    assert.ok((g.json.errors || []).length > 0, `attempt ${i + 1} fails`);
    assert.doesNotMatch(JSON.stringify(g.json.errors), /locked/i, `attempt ${i + 1} is answered as a wrong password`);
  }
  const locked = await call('GET', `/login?username=${user.username}&password=${user.password}`);
  assertRefused(locked, [101], 'REST after five failed GraphQL log-ins');
  assert.ok(locked.json.error.startsWith(LOCKED), locked.json.error);
  // Many passwords in one request, as aliases: refused before any is checked.
  const other = await signUp('gqalias');
  const aliases = Array.from({ length: 3 }, (_, i) => `a${i}: logIn(input: { username: "${other.username}", password: "guess-${i}" }) { viewer { sessionToken } }`);
  const many = await gql(`mutation { ${aliases.join(' ')} }`);
  assert.match(JSON.stringify(many.json.errors || []), /one logIn per request/, JSON.stringify(many.json).slice(0, 300));
  // A log-in inside a batch would check a password outside the request's own count.
  const batch = await call('POST', '/batch', { body: { requests: [{ method: 'POST', path: '/parse/login', body: { username: other.username, password: 'guess' } }] } });
  assertRefused(batch, [119], 'a log-in inside a batch');
  assert.equal((await callFrom('127.0.0.2', 'GET', `/login?username=${other.username}&password=${other.password}`)).status, 200);
});

// A fresh attack pass on the first version of this lockout (which guessed the account and the
// outcome from the request and its answer, outside Parse) got round it each of these ways.
test('the lockout counts the account Parse checks, and only a right password clears it', async () => {
  const user = await signUp('lockspell');
  const email = `${user.username}@example.com`;
  const lockedOutOf = async (what, r) => {
    assertRefused(r, [101], what);
    assert.ok(r.json.error.startsWith(LOCKED), `${what}: ${r.json.error}`);
  };
  // The account by username, then by e-mail: one count.
  for (let i = 0; i < 3; i++) assertRefused(await call('POST', '/login', { body: { username: user.username, password: `u-wrong-${i}` } }), [101], 'by username');
  // A clearing attempt that proves nothing: an OPTIONS, a GraphQL logIn skipped by @skip, a
  // log-in to the attacker's own account named in the query while the body names the victim.
  const attacker = await signUp('lockclear');
  await call('OPTIONS', `/login?username=${user.username}`);
  await gql(`mutation { logIn(input: { username: "${user.username}", password: "x" }) @skip(if: true) { clientMutationId } }`);
  assert.equal((await call('POST', `/login?email=${attacker.username}@example.com&password=${attacker.password}`, { body: { username: user.username } })).status, 200);
  assertRefused(await call('POST', '/login', { body: { email, password: 'e-wrong-0' } }), [101], 'by e-mail');
  assertRefused(await call('POST', '/login', { body: { email, password: 'e-wrong-1' } }), [101], 'by e-mail');
  await lockedOutOf('the right password after 3 + 2 failures', await call('POST', '/login', { body: { username: user.username, password: user.password } }));
  // The account named in the query while the body names another (Parse reads the query then).
  await lockedOutOf('?email= with a decoy username in the body', await call('POST', `/login?email=${email}&password=${user.password}`, { body: { username: unique('decoy') } }));
  await lockedOutOf('/verifyPassword the same way', await call('POST', `/verifyPassword?email=${email}&password=${user.password}`, { body: { username: unique('decoy') } }));
  // GraphQL with the account in a variable's default value.
  const g = await gql('mutation L($u: String = "' + user.username + '", $p: String!) { logIn(input: { username: $u, password: $p }) { viewer { sessionToken } } }', { p: user.password });
  assert.match(JSON.stringify(g.json.errors || []), /locked/i, `a default variable: ${JSON.stringify(g.json).slice(0, 300)}`);
  assert.ok(!g.json.data || !g.json.data.logIn, 'no session');
  // Still only this address.
  assert.equal((await callFrom('127.0.0.2', 'POST', '/login', { body: { username: user.username, password: user.password } })).status, 200);
});

test('a burst of guesses at once checks only a few passwords before the lock', async () => {
  const user = await signUp('lockburst');
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => call('POST', '/login', { body: { username: user.username, password: `burst-${i}` } })));
  const checked = answers.filter((r) => r.status === 404 && !/locked/i.test(r.json.error || '')).length;
  const lockedOut = answers.filter((r) => /locked/i.test(r.json.error || '')).length;
  assert.equal(checked + lockedOut, 30, `every guess refused: ${JSON.stringify(answers.map((r) => r.status))}`);
  assert.ok(checked <= 12, `${checked} of 30 simultaneous guesses were checked (the lock is at 5)`);
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

// The address a failed log-in, a rate limit or a fair share is counted under, as a proxy may
// write it (a second attack pass had one address count as a new one with every source port).
test('one client address is one count, however it is written', async () => {
  const { addressGroup } = createRequire(import.meta.url)('../../backend/guard.js');
  const same = [
    ['10.9.9.9', '10.9.9.9:1005', '::ffff:10.9.9.9', '::ffff:a09:909', '::FFFF:0a09:0909'],
    ['2001:db8:5:7::1', '2001:db8:5:7::2', '[2001:db8:5:7::3]:443', '2001:0db8:0005:0007:0:0:0:4', 'fe80::1%eth0'.replace('fe80::1', '2001:db8:5:7::9')],
  ];
  for (const spellings of same) {
    assert.equal(new Set(spellings.map(addressGroup)).size, 1, `${spellings.join(', ')} -> ${spellings.map(addressGroup).join(', ')}`);
  }
  assert.notEqual(addressGroup('2001:db8:5:7::1'), addressGroup('2001:db8:5:8::1'), 'another /64');
  assert.notEqual(addressGroup('10.9.9.9'), addressGroup('10.9.9.8'));
  assert.notEqual(addressGroup('::ffff:7f00:1'), addressGroup('::ffff:a00:1'), 'IPv4-mapped in hex');
});
