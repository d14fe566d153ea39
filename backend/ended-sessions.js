// Ends a session everywhere the moment it ends in the database: the Live Query server's caches
// and sockets, and the REST side's cache.
//
// Parse's Live Query server keeps what a session token resolved to for 5 s (its `authCache`,
// and the user its own cache controller holds), apart from the REST side's cache that a log-out
// clears. So a socket whose session was logged out, revoked, ended by a password change or by
// the account's deletion was still sent the objects shared with its user for up to 5 s. Every
// one of those paths deletes the session's row, and some (a password change, a revocation)
// run no Cloud Code a hook could use: a PostgreSQL trigger on the row's deletion notifies every
// process listening (one, or each of the cluster's), which forgets that token at once and tells
// the session's Live Query sockets, which the guard then closes (guard.js sessionEnded). The
// same holds a user's roles: one taken away (by the master key: nothing here lets a user change
// a role) made Parse's cached roles wrong for up to 5 s, so a change to the role tables forgets
// every session the Live Query server holds.
'use strict';
const { Client: LiveQueryClient } = require('parse-server/lib/LiveQuery/Client');

const CHANNEL = 'crm_session_ended';

/** The triggers that tell of each deleted session (its token), and of what can take a role
 * from a user (a membership, a role's own roles, or a role removed or renamed; an empty payload:
 * forget every session, each then looked up again with its roles). Idempotent; run at start-up
 * once Parse has made "_Session" and the role tables. */
async function installEndedSessionNotices(db) {
  await db.none(`CREATE OR REPLACE FUNCTION crm_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_LEVEL = 'ROW' THEN
        PERFORM pg_notify('${CHANNEL}', coalesce(OLD."sessionToken", ''));
      ELSE
        PERFORM pg_notify('${CHANNEL}', '');
      END IF;
      RETURN NULL;
    END $$`);
  await db.none(`CREATE OR REPLACE TRIGGER crm_session_ended AFTER DELETE ON "_Session"
    FOR EACH ROW EXECUTE FUNCTION crm_session_ended()`);
  const everyone = [['"_Session"', 'TRUNCATE'], ['"_Role"', 'DELETE OR UPDATE OR TRUNCATE'], ['"_Join:users:_Role"', 'DELETE OR TRUNCATE'], ['"_Join:roles:_Role"', 'DELETE OR TRUNCATE']];
  for (const [table, events] of everyone) {
    if (!(await db.one('SELECT to_regclass($1) AS r', [table])).r) continue;
    const name = `crm_sessions_forgotten_on_${table.replace(/[^A-Za-z]/g, '').toLowerCase()}`;
    await db.none(`CREATE OR REPLACE TRIGGER ${name} AFTER ${events} ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION crm_session_ended()`);
  }
}

/** Listens for ended sessions on a connection of its own and makes `liveQuery` (Parse's
 * ParseLiveQueryServer; null in a process without one) forget each, and `restCache()` (the REST
 * side's cache controller) too. While the connection is down, notices are lost: once it is
 * back, every session the Live Query server holds is forgotten (each is looked up again on its
 * next use).
 *
 * The REST side: Parse keeps what a token resolved to for 5 s there as well, and a password
 * change clears the user's tokens from it before hashing the new password, then deletes the
 * sessions: a request of the ended session in between (an intruder polling) put it back, and it
 * went on reading and writing for up to 5 s after the owner was told the password was changed.
 * (A log-out or a revocation clears it just before its delete; a cleared entry costs nothing.) */
function forgetEndedSessions(liveQuery, db, { retryMs = 500, log = console, restCache = () => null, endedKeptMs = ENDED_KEPT_MS, endedMax = ENDED_MAX } = {}) {
  let connection = null;
  let retrying = null;
  let warned = 0;
  // The cache controller's calls may be asynchronous (a Redis cache): a failure is not an
  // unhandled rejection, and the authCache, which events consult first, is cleared either way.
  const quietly = (f) => { try { Promise.resolve(f()).catch(() => {}); } catch { /* as above */ } };
  // Clearing a cache entry is not enough: Parse looks a token up in two reads (the session, then
  // its user), and a lookup that read the session before it was deleted put the token back in
  // the cache once its second read was done, after the notice (each read waits for the client's
  // share of the pool, so the gap is as long as the client's other queries make it): the ended
  // token was answered for 5 s more. Ended tokens are kept a while, and the caches neither
  // answer nor keep them.
  const ended = endedTokens(endedKeptMs, endedMax);
  const guarded = new WeakSet();
  const guard = (cache, wrap) => {
    if (!cache || guarded.has(cache)) return;
    guarded.add(cache);
    wrap(cache);
  };
  const guardUserCache = (user) => guard(user, (c) => {
    const { get, put } = c;
    c.get = function (token, ...rest) { return ended.has(token) ? Promise.resolve(null) : get.call(this, token, ...rest); };
    c.put = function (token, ...rest) { return ended.has(token) ? Promise.resolve() : put.call(this, token, ...rest); };
  });
  const guardCaches = () => {
    try { const rest = restCache(); if (rest) guardUserCache(rest.user); } catch { /* not ready yet */ }
    if (!liveQuery) return;
    guardUserCache(liveQuery.cacheController && liveQuery.cacheController.user);
    guard(liveQuery.authCache, (c) => {
      const { get, set } = c;
      c.get = function (token, ...rest) { return ended.has(token) ? undefined : get.call(this, token, ...rest); };
      c.set = function (token, ...rest) { return ended.has(token) ? this : set.call(this, token, ...rest); };
    });
  };
  guardCaches();
  const forget = (token) => {
    ended.add(token);
    guardCaches();
    quietly(() => { const rest = restCache(); if (rest) return rest.user.del(token); return undefined; });
    if (!liveQuery) return;
    liveQuery.authCache.delete(token);
    quietly(() => liveQuery.cacheController.user.del(token));
    // The sockets of the session are told now, and closed by the guard (guard.js sessionEnded),
    // not at their next event or heartbeat, up to 15 s later: the client learns at once.
    for (const client of liveQuery.clients.values()) {
      const tokens = [client.sessionToken, ...[...client.subscriptionInfos.values()].map((info) => info.sessionToken)];
      if (tokens.includes(token)) quietly(() => LiveQueryClient.pushError(client.parseWebSocket, 209, 'Invalid session token', false));
    }
  };
  // The REST cache is left whole: in a cluster it is Redis, shared with everything else there,
  // and Parse clears its role cache itself on a role change.
  const forgetAll = () => {
    if (!liveQuery) return;
    liveQuery.authCache.clear();
    quietly(() => liveQuery.cacheController.clear());
  };
  const close = (c) => Promise.resolve().then(() => c.done(true)).catch(() => {});
  /** The listening connection let go, if there is one. */
  const drop = () => {
    if (!connection) return;
    const gone = connection;
    connection = null;
    close(gone);
  };
  const lost = (why) => {
    if (Date.now() - warned > 60_000) {
      warned = Date.now();
      log.warn(`ended sessions: not listening (${why}); trying again every ${retryMs} ms`);
    }
    drop();
    if (!retrying && !stopped) retrying = setTimeout(() => { retrying = null; listen(); }, retryMs);
  };
  const connect = async () => {
    let candidate;
    try {
      candidate = await db.connect({ direct: true, onLost: (err) => lost(err && err.message) });
      candidate.client.on('notification', (notice) => {
        if (notice.channel !== CHANNEL) return;
        if (notice.payload) forget(notice.payload);
        else forgetAll();
      });
      candidate.client.once('end', () => { if (connection === candidate) lost('connection ended'); });
      await candidate.none('LISTEN $1:name', [CHANNEL]);
      connection = candidate;
      // Whatever ended while nobody listened (start-up, an outage) is forgotten with the rest.
      forgetAll();
    } catch (e) {
      if (candidate) close(candidate);
      lost(e && e.message);
    }
  };
  let stopped = false;
  const listen = async () => {
    if (stopped) return;
    await connect();
    if (stopped) drop();
  };
  listen();
  return {
    listening: () => connection !== null,
    /** Stops listening (tests). */
    stop() {
      stopped = true;
      if (retrying) clearTimeout(retrying);
      retrying = null;
      drop();
    },
  };
}

// How long an ended token is refused by the caches, whatever a lookup still running puts back:
// longer than any lookup lasts (each of its reads is cut off by the statement timeout), and
// at most this many at once (the oldest go first).
const ENDED_KEPT_MS = 10 * 60 * 1000;
const ENDED_MAX = 100_000;
function endedTokens(keptMs, max) {
  const at = new Map(); // token -> when it ended, oldest first
  const prune = (now) => {
    for (const [token, t] of at) {
      if (at.size <= max && now - t < keptMs) break;
      at.delete(token);
    }
  };
  return {
    add(token) {
      const now = Date.now();
      at.delete(token);
      at.set(token, now);
      prune(now);
    },
    has(token) {
      if (typeof token !== 'string' || !at.has(token)) return false;
      if (Date.now() - at.get(token) < keptMs) return true;
      at.delete(token);
      return false;
    },
  };
}

module.exports = { installEndedSessionNotices, forgetEndedSessions, CHANNEL };
