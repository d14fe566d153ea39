// Found attacking a private backend as a signed-up user (eleventh pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBatchItemRefused, assertRefused, call, gql, signUp, useVictim } from './harness.mjs';

useVictim();

const refusedGraphQL = (r, code, what) => {
  assert.equal(r.json.errors?.[0]?.extensions?.code, code, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
  assert.ok(!r.json.data?.sessions, `${what}: nothing answered`);
};

// ---- GraphQL sessions(where:) -------------------------------------------------------------------
// REST queries are held to the query rules at the gate (literal-text regexes only, at most 8 of
// them and 1,000 characters, 1,000 conditions, 4 sub-queries); GraphQL queries by Cloud Code's
// beforeFind on each class. Parse allows no beforeFind on _Session, so GraphQL's `sessions` was
// held to nothing: any regular expression reached PostgreSQL, and 250 case-blind ones of 1,000
// characters in one OR (a 250 KB request) held a pool connection for 3.5 s of PostgreSQL's CPU
// (REST refuses the same where in words). The gate now holds every GraphQL `where` (any class,
// inline or in variables) to REST's bounds before Parse works on it: Parse's GraphQL API also
// coerced and rewrote 6,000 conditions before beforeFind refused them.
test('found attacking it: GraphQL sessions(where:) is held to the query rules REST is', async () => {
  const attacker = await signUp('sessions11');
  const q = 'query($w: SessionWhereInput) { sessions(where: $w) { count } }';
  refusedGraphQL(await gql(q, { w: { sessionToken: { matchesRegex: '^r:[0-9a-f]+$' } } }, attacker.token), 102, 'a regular expression');
  refusedGraphQL(await gql('query { sessions(where: { sessionToken: { matchesRegex: "(a|aa)+$" } }) { count } }', undefined, attacker.token), 102, 'a regular expression written inline');
  const literal = (i) => `\\Q${i}${'a'.repeat(90)}\\E`;
  refusedGraphQL(await gql(q, { w: { OR: Array.from({ length: 9 }, (_, i) => ({ sessionToken: { matchesRegex: literal(i), options: 'i' } })) } }, attacker.token), 102, 'nine text searches');
  const conditions = { OR: Array.from({ length: 101 }, (_, i) => ({ AND: Array.from({ length: 10 }, (_, j) => ({ sessionToken: { equalTo: `x${i}_${j}` } })) })) };
  const many = await gql(q, { w: conditions }, attacker.token);
  refusedGraphQL(many, 102, '1,010 conditions');
  assert.match(many.json.errors[0].message, /at most 1000 conditions/);
  // The same bound on a class with a beforeFind, now refused before Parse's GraphQL API rewrites it.
  const deals = await gql('query($w: DealWhereInput) { deals(where: $w) { count } }', { w: { OR: conditions.OR.map((c) => ({ AND: c.AND.map((x) => ({ title: x.sessionToken })) })) } }, attacker.token);
  assert.equal(deals.json.errors?.[0]?.extensions?.code, 102, JSON.stringify(deals.json).slice(0, 300));
  // What a client needs still answers: its sessions, those still valid, a literal search.
  assert.equal((await gql('query { sessions { count } }', undefined, attacker.token)).json.data?.sessions?.count, 1);
  const mine = await gql(q, { w: { expiresAt: { greaterThan: new Date().toISOString() } } }, attacker.token);
  assert.equal(mine.json.data?.sessions?.count, 1, JSON.stringify(mine.json).slice(0, 300));
  const search = await gql('query($w: DealWhereInput) { deals(where: $w) { count } }', { w: { title: { matchesRegex: '\\Qdeal\\E', options: 'i' } } }, attacker.token);
  assert.equal(search.json.data?.deals?.count, 0, JSON.stringify(search.json).slice(0, 300));
});

// ---- deleting an account ----------------------------------------------------------------------
// Changing the password, the e-mail address or the username needs the current password: whoever
// holds a session (a leaked token, a shared computer) must not lock the owner out. Deleting the
// account needed the session alone: the holder deleted it, every session of the owner's ended,
// the owner could never log in again, and every deal, contact and company of theirs stayed
// behind, shared with a user id nobody can be again (unreachable but with the master key).
test('found attacking it: a session alone does not delete the account', async () => {
  const owner = await signUp('owner11');
  assert.equal((await call('POST', '/classes/Deal', { token: owner.token, body: { title: 'Pipeline of a year' } })).status, 201);
  assertRefused(await call('DELETE', `/users/${owner.id}`, { token: owner.token }), 142, 'a delete with the session alone');
  assertRefused(await call('DELETE', `/classes/_User/${owner.id}`, { token: owner.token }), 142, 'the same through /classes/_User');
  const batch = await call('POST', '/batch', { token: owner.token, body: { requests: [{ method: 'DELETE', path: `/parse/users/${owner.id}` }] } });
  assertBatchItemRefused(batch, 0, 142, 'the same inside a batch');
  const wrong = { 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword: 'not-the-password-1' }) };
  assertRefused(await call('DELETE', `/users/${owner.id}`, { token: owner.token, headers: wrong }), 142, 'a delete with a wrong password');
  // The account is whole: the session works, the owner logs in, and reads the deal.
  assert.equal((await call('GET', '/users/me', { token: owner.token })).status, 200);
  assert.equal((await call('POST', '/login', { body: { username: owner.username, password: owner.password } })).status, 200);
  assert.equal((await call('GET', '/classes/Deal', { token: owner.token })).json.results?.length, 1);
  // With the current password, the owner deletes it.
  const right = { 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword: owner.password }) };
  assert.equal((await call('DELETE', `/users/${owner.id}`, { token: owner.token, headers: right })).status, 200);
  assertRefused(await call('GET', '/users/me', { token: owner.token }), 209, 'the session went with the account');
});

// ---- other sessions' tokens --------------------------------------------------------------------
// GET /sessions (and GraphQL sessions { sessionToken }) answered every session of the user with
// its token: whoever held one session (a leaked token, a shared computer) read the tokens of the
// owner's other devices, so logging the leaked one out did not end the intrusion; only a
// password change did. A session's own token is all a client needs (log-in and /users/me answer
// it); the token is now a protected field of _Session (schema.js).
test("found attacking it: one session does not hand out the tokens of the user's other sessions", async () => {
  const owner = await signUp('devices11');
  const phone = await call('POST', '/login', { body: { username: owner.username, password: owner.password } });
  assert.equal(phone.status, 200);
  const listed = await call('GET', '/sessions', { token: owner.token });
  assert.equal(listed.status, 200);
  assert.ok(!JSON.stringify(listed.json).includes(phone.json.sessionToken), "another device's token is not answered");
  const graph = await gql('query { sessions { edges { node { sessionToken } } } }', undefined, owner.token);
  assert.ok(!JSON.stringify(graph.json).includes(phone.json.sessionToken), "nor over GraphQL");
  // The sessions are still listed (a device may be logged out from another), and work.
  assert.equal(listed.json.results.length, 2);
  assert.equal((await call('GET', '/users/me', { token: phone.json.sessionToken })).json.sessionToken, phone.json.sessionToken);
  const current = await call('GET', '/sessions/me', { token: owner.token });
  assert.equal(current.json.sessionToken, owner.token, "the caller's own session still answers its token");
});
