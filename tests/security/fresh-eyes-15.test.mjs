// Found attacking a private backend as a signed-up user (fifteenth pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PG_PORT, call, gql, root, signUp, sleep, useVictim } from './harness.mjs';

useVictim();

const logIn = async (user) => {
  const r = await call('POST', '/login', { body: { username: user.username, password: user.password } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.sessionToken;
};

// ---- an ended session put back in the cache ----------------------------------------------------
// The notice of an ended session (ended-sessions.js) cleared the cache entries of its token, but
// Parse looks a token up in two reads, the session and then its user (Auth.getAuthForSessionToken),
// each waiting for a connection of the pool, and caches the answer after the second: a lookup
// that read the session before the delete and its user after the notice put the token back, and
// the ended session was trusted for Parse's full 5 s more. Whoever holds a stolen token widens
// that gap with slow queries (their own, or a few accounts' keeping the pool busy); attacking it
// so, an administrator's revocation left 2,669 polls of the next 5 s answered (REST, one run in a
// few: the lookup must straddle the end). Here the late write of the lookup is made by hand, on
// Parse's own cache controller, after the real notice of a real session's end.
test('found attacking it: an ended session is not put back in the cache by a lookup that was running when it ended', async () => {
  const backend = createRequire(path.join(root, 'backend/server.js'));
  const pgp = backend('pg-promise')();
  const db = pgp(`postgres://postgres@127.0.0.1:${PG_PORT}/crm`);
  const { forgetEndedSessions } = backend('./ended-sessions.js');
  const { InMemoryCacheAdapter } = backend('parse-server/lib/Adapters/Cache/InMemoryCacheAdapter');
  const { CacheController } = backend('parse-server/lib/Controllers/CacheController');
  const rest = new CacheController(new InMemoryCacheAdapter({ ttl: 5000 }), 'crm');
  const quiet = { warn: () => {} };
  const listener = forgetEndedSessions(null, db, { restCache: () => rest, log: quiet });
  try {
    for (let i = 0; i < 100 && !listener.listening(); i++) await sleep(50);
    assert.ok(listener.listening(), 'listening for ended sessions');
    const owner = await signUp('recache15');
    const intruder = await logIn(owner);
    const user = { objectId: owner.id, className: '_User', sessionToken: intruder };
    // A lookup of the intruder's token is under way: it read the session (still there)...
    await rest.user.put(intruder, user);
    // ...the session ends, and the notice clears the cache...
    assert.equal((await call('POST', '/logout', { token: intruder })).status, 200);
    for (let i = 0; i < 100 && (await rest.user.get(intruder)); i++) await sleep(20);
    assert.equal(await rest.user.get(intruder), null, 'the notice cleared the cache');
    // ...and the lookup, its user read done, caches what it found.
    await rest.user.put(intruder, user);
    assert.equal(await rest.user.get(intruder), null, 'an ended token is not trusted from the cache again');
    // Over the server itself, it is over.
    assert.equal((await call('GET', '/users/me', { token: intruder })).json.code, 209);
  } finally {
    listener.stop?.();
    await pgp.end();
  }
});

// ---- null in a GraphQL where ---------------------------------------------------------------------
// The gate refused a null in exists and in lists (fresh-eyes passes before), but any other null in
// a where made Parse's GraphQL transformer throw a TypeError: greaterThan, lessThan, equalTo or
// notEqualTo null on any field of any class, in: null, inQueryKey or have: null, a field or OR
// given null, directly or through a variable. Each answered a bare "Internal server error"
// (code 1), logged with its stack, to any signed-in user.
test('found attacking it: a null anywhere in a GraphQL where is refused in words, not an internal error', async () => {
  const me = await signUp('gqlnull15');
  for (const where of [
    '{ amount: { greaterThan: null } }', '{ amount: { lessThanOrEqualTo: null } }', '{ title: { equalTo: null } }', '{ title: { notEqualTo: null } }',
    '{ expectedCloseDate: { lessThan: null } }', '{ title: { in: null } }', '{ title: { inQueryKey: null } }', '{ title: { text: null } }',
    '{ assignedTo: { have: null } }', '{ OR: null }', '{ amount: null }', '{ AND: [{ NOR: [{ createdAt: { greaterThan: null } }] }] }',
  ]) {
    const g = await gql(`query { deals(where: ${where}) { count } }`, {}, me.token);
    assert.equal(g.json.errors?.[0]?.extensions?.code, 102, `${where}: refused in words: ${JSON.stringify(g.json)}`);
  }
  for (const [query, what] of [['users(where: { username: { greaterThan: null } })', 'users'], ['sessions(where: { expiresAt: { lessThan: null } })', 'sessions'], ['profiles(where: { displayName: { equalTo: null } })', 'profiles'], ['activities(where: { relatedTo: { equalTo: null } })', 'activities']]) {
    const g = await gql(`query { ${query} { count } }`, {}, me.token);
    assert.equal(g.json.errors?.[0]?.extensions?.code, 102, `${what}: refused in words: ${JSON.stringify(g.json)}`);
  }
  const v = await gql('query ($min: Float) { deals(where: { amount: { greaterThan: $min } }) { count } }', { min: null }, me.token);
  assert.equal(v.json.errors?.[0]?.extensions?.code, 102, `through a variable: ${JSON.stringify(v.json)}`);
  // Without the nulls, the same queries answer.
  const ok = await gql('query ($min: Float) { a: deals(where: { amount: { greaterThan: $min } }) { count } b: deals(where: { title: { notEqualTo: "x" } }) { count } }', { min: 0 }, me.token);
  assert.deepEqual(ok.json, { data: { a: { count: 0 }, b: { count: 0 } } }, JSON.stringify(ok.json));
});
