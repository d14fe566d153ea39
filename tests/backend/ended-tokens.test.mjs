// A session's token, once its row is deleted, is refused by the caches of what tokens resolved
// to for a while (backend/ended-sessions.js), not only cleared: a lookup of the token already
// under way when the notice came (its query answered just before the delete) put what it found
// back afterwards, and the ended session answered for 5 s more. Parse's own cache controller
// and the test backend's PostgreSQL, with the notice sent the way the trigger sends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const backend = createRequire(path.join(root, 'backend/package.json'));
const { forgetEndedSessions, CHANNEL } = backend('./ended-sessions.js');
const { CacheController } = backend('parse-server/lib/Controllers/CacheController');
const { InMemoryCacheAdapter } = backend('parse-server/lib/Adapters/Cache/InMemoryCacheAdapter');
const pgp = backend('pg-promise')();

const PG_PORT = process.env.CRM_TEST_PG_PORT || '54437';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('an ended token is refused by the user cache for a while after its notice, other tokens are not', async () => {
  const db = pgp(`postgres://postgres@127.0.0.1:${PG_PORT}/crm`);
  const cache = new CacheController(new InMemoryCacheAdapter({ ttl: 5000 }), 'crm');
  const quiet = { warn: () => {} };
  const listener = forgetEndedSessions(null, db, { restCache: () => cache, log: quiet, endedMs: 1500 });
  try {
    await until('the listener', () => listener.listening());
    const ended = `r:ended-${Date.now()}`;
    const other = `r:other-${Date.now()}`;
    const user = { objectId: 'u1', __type: 'Object', className: '_User' };
    await cache.user.put(ended, user);
    await cache.user.put(other, user);
    await db.one('SELECT pg_notify($1, $2)', [CHANNEL, ended]);
    await until('the ended token to be cleared', async () => (await cache.user.get(ended)) == null);
    // What a lookup that read the session just before its delete does next.
    await cache.user.put(ended, user);
    assert.equal(await cache.user.get(ended), null, 'the ended token was cached again');
    assert.deepEqual(await cache.user.get(other), user, 'a token that did not end is kept');
    await cache.user.put(`${other}-2`, user);
    assert.deepEqual(await cache.user.get(`${other}-2`), user, 'a token that did not end is cached');
    // Refused for a while only: the list of ended tokens does not grow for ever (a token is
    // never given again; the session's row is gone, so a lookup finds nothing to cache).
    await sleep(1600);
    await cache.user.put(ended, user);
    assert.deepEqual(await cache.user.get(ended), user, 'refused past its time');
  } finally {
    await listener.stop();
    await pgp.end();
  }
});
