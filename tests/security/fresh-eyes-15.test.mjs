// Found attacking a private backend as a signed-up user (fifteenth pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PG_PORT, call, root, signUp, sleep, useVictim } from './harness.mjs';

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
