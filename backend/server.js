// Parse Server for crm-wasm: REST at /parse, GraphQL at /graphql, LiveQuery on the same port.
// Configuration comes from the environment (see ctl.sh); everything listens on 127.0.0.1.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const express = require('express');
const { ParseServer, ParseGraphQLServer, RedisCacheAdapter } = require('parse-server');
const { allowCrossDomain } = require('parse-server/lib/middlewares');
const { allDefinitions, renameIndexes, CRM_CLASSES } = require('./schema');
const { outboxAdapter, productMails, limitPerRecipient } = require('./mail-adapter');
const { BoundedLoggerAdapter } = require('./logger');
const { CrmPostgresAdapter, NoFilesAdapter, AMOUNT_RANGE } = require('./database-adapter');
const { restGuard, graphQLGuard, guardedWssAdapter, answerClientErrors, accountLimiter, loginLockout, installLoginLockout, installTransactionRefusals, databaseShare, fairShare, liveEventBudgets } = require('./guard');
const { installEndedSessionNotices, forgetEndedSessions } = require('./ended-sessions');
const { LIMITS, PASSWORD_PATTERN, PASSWORD_RULE, MAILS_PER_RECIPIENT, displayNameKey } = require('./rules');

const env = (name, fallback) => process.env[name] || fallback;
const port = Number(env('PARSE_PORT', '1337'));
const host = '127.0.0.1';
const appId = env('PARSE_APP_ID', 'crm');
const javascriptKey = env('PARSE_JS_KEY', 'crm-js-key');
const masterKey = env('PARSE_MASTER_KEY', '');
const databaseURI = env('DATABASE_URI', 'postgres://postgres@127.0.0.1:54337/crm');
const serverURL = `http://${host}:${port}/parse`;
// Sign-up, log-in and password reset are rate limited per client address (guard.js); every test
// runs from 127.0.0.1, so the test instance multiplies the limits (CRM_RATE_LIMIT_SCALE) and the
// security suite checks them on a server of its own with the defaults.
const rateScale = Number(env('CRM_RATE_LIMIT_SCALE', '1'));
const trustProxy = env('CRM_TRUST_PROXY', '');
// Cluster mode (backend/cluster.sh): several instances share Parse's caches, the LiveQuery
// events (pub/sub) and the account rate limits through Redis; CRM_LIVEQUERY=0 leaves the
// LiveQuery server to a process of its own.
const redisURL = env('CRM_REDIS_URL', '');
const liveQueryHere = env('CRM_LIVEQUERY', '1') !== '0';

if (!masterKey || masterKey.length < 16) {
  console.error('PARSE_MASTER_KEY must be set (ctl.sh generates one per data folder)');
  process.exit(2);
}

/** The app's address for the pages' links back to it: an http(s) URL, else '' (no link). */
function appUrl(text) {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

async function main() {
  // Parse's own PostgreSQL adapter, with `$in []` put right (database-adapter.js).
  const databaseAdapter = new CrmPostgresAdapter({ uri: databaseURI });
  const logLevel = env('PARSE_LOG_LEVEL', 'warn');
  const logsFolder = env('PARSE_LOGS_FOLDER', path.join(__dirname, '.data', 'logs'));
  const silent = env('PARSE_SILENT', '') === '1';
  // Each client's share of the connection pool (guard.js databaseShare).
  databaseShare(databaseAdapter._client, { trackPeaks: process.env.CRM_TEST_HOOKS === '1' });
  installTransactionRefusals();
  const api = new ParseServer({
    databaseAdapter,
    filesAdapter: new NoFilesAdapter(),
    appId,
    masterKey,
    javascriptKey,
    serverURL,
    publicServerURL: serverURL,
    // The product's name in e-mails and Parse's pages (the app's, www/src/app/Logo.tsx PRODUCT).
    appName: env('CRM_APP_NAME', 'Tidewater CRM'),
    // At most a few mails to one inbox an hour (mail-adapter.js), whoever asks for them.
    emailAdapter: limitPerRecipient(productMails(outboxAdapter({ file: env('PARSE_OUTBOX', path.join(__dirname, '.data', 'outbox.jsonl')) }), { validMinutes: MAILS_PER_RECIPIENT.windowMs / 60_000 }), MAILS_PER_RECIPIENT),
    verifyUserEmails: false,
    // The password-reset pages in the app's look, with a link back to the app where it is
    // known (pages/*.html; CRM_APP_URL, which ctl.sh sets for the dev instance).
    pages: {
      pagesPath: path.join(__dirname, 'pages'),
      placeholders: {
        // Kept out of pagesPath, which Parse serves file by file (a .css as text/html).
        head: `${fs.readFileSync(path.join(__dirname, 'pages-head', 'head.html'), 'utf8')}<style>${fs.readFileSync(path.join(__dirname, 'pages-head', 'style.css'), 'utf8')}</style>`,
        appUrl: appUrl(env('CRM_APP_URL', '')),
        passwordRule: PASSWORD_RULE,
        // The rule as the server checks it, for the page to say a weak password at its field.
        passwordPattern: PASSWORD_PATTERN.source,
      },
    },
    masterKeyIps: ['127.0.0.1', '::1'],
    // A browser may send Cloud Code a context (a password change names the current password).
    allowHeaders: ['X-Parse-Cloud-Context'],
    cloud: path.join(__dirname, 'cloud', 'main.js'),
    allowClientClassCreation: false,
    // Offline creates choose their ids; guard.js and Cloud Code hold them to Parse's shape and
    // refuse them on _User, _Role, _Session and _Installation.
    allowCustomObjectId: true,
    enforcePrivateUsers: true,
    enableAnonymousUsers: false,
    fileUpload: { enableForPublic: false, enableForAnonymousUser: false, enableForAuthenticatedUser: false },
    maxUploadSize: `${Math.floor(LIMITS.bodyBytes / 1024)}kb`,
    maxLimit: 1000,
    ...(trustProxy ? { trustProxy } : {}),
    passwordPolicy: {
      validatorPattern: PASSWORD_PATTERN,
      validationError: PASSWORD_RULE,
      resetTokenValidityDuration: MAILS_PER_RECIPIENT.windowMs / 1000,
      // A reset request while a link is valid mails the same link: each request used to make a
      // new one, so anyone who knew a user's e-mail address could void the link the user had
      // just been sent, again and again, and keep them from ever resetting their password.
      resetTokenReuseIfValid: true,
    },
    // Failed log-ins lock out the address that made them, not the account (guard.js
    // loginLockout): Parse's accountLockout let anyone lock anyone out.
    requestComplexity: {
      batchRequestLimit: 100,
      includeDepth: 3,
      includeCount: LIMITS.includeCount,
      queryDepth: 4,
      subqueryDepth: 2,
      subqueryLimit: 1000,
      graphQLDepth: LIMITS.graphQLDepth,
      graphQLFields: LIMITS.graphQLFields,
    },
    idempotencyOptions: { paths: ['.*'], ttl: 3600 },
    // regexTimeout 0: Parse runs each subscription's $regex in a VM with a 100 ms timeout by
    // default and treats a timeout as "no match", so on a busy machine events were silently
    // dropped (the cluster's load test lost 1-3 in 500 per client, each logged as "Regex
    // timeout" for a startsWith). guard.js admits only literal \Q…\E regexes (rules.js
    // regexProblem), which cannot backtrack, so native matching is safe.
    // Every CRM class is live: the app's lists follow what a colleague or another device writes.
    liveQuery: { classNames: CRM_CLASSES, regexTimeout: 0, ...(redisURL ? { redisURL } : {}) },
    ...(redisURL ? { cacheAdapter: new RedisCacheAdapter({ url: redisURL }) } : {}),
    schema: {
      definitions: allDefinitions(),
      strict: false,
      deleteExtraFields: false,
      recreateModifiedFields: false,
      lockSchemas: true,
    },
    logLevel,
    logsFolder,
    silent,
    // Log files bounded in size and number, refusals answered to clients logged at info
    // (logger.js): Parse's own kept every client error, with its stack, for ever.
    loggerAdapter: new BoundedLoggerAdapter({ logsFolder, logLevel, silent }),
  });
  await oneStartAtATime(databaseAdapter._client, async () => {
    // Index names that were shared by two tables, put right before Parse migrates (schema.js).
    await renameIndexes(databaseAdapter._client);
    await api.start();
  });

  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy, the client's address (for the rate limits) is in X-Forwarded-For;
  // trust it only from the proxy's own address (e.g. CRM_TRUST_PROXY=127.0.0.1).
  if (trustProxy) app.set('trust proxy', trustProxy);
  const limiter = accountLimiter(rateScale, { redisURL });
  installLoginLockout(loginLockout({ redisURL }));
  // One share per client across REST and GraphQL (guard.js fairShare).
  // Live Query event budgets: charged to whoever caused an event (guard.js liveEventBudgets),
  // whose writes then wait (fairShare).
  const share = fairShare({ liveWriteWait: (key, address) => liveBudgets.writerWait(key, address) });
  const liveBudgets = liveEventBudgets(share.userOf);
  // CORS first, as Parse's own app sets it: a refusal by the guard (or the 404 below) reached a
  // browser without these headers, so the app could not read it and said the server was
  // unreachable; a preflight is answered here.
  const cors = allowCrossDomain(appId);
  // Parse's own Express app says "X-Powered-By: Express" (ours does not).
  api.app.disable('x-powered-by');
  app.use('/parse', cors, restGuard({ limiter }), share, api.app);
  // A route Parse does not have gets a Parse error too, not Express's HTML page.
  app.use('/parse', (req, res) => res.status(404).json({ code: 101, error: `no such route: ${req.method} /parse${req.path.slice(0, 100)}` }));
  app.use('/graphql', cors, graphQLGuard({ limiter }), share);
  new ParseGraphQLServer(api, { graphQLPath: '/graphql' }).applyGraphQL(app);

  // Parse's REST cache of what each session token resolved to (ended-sessions.js).
  const restCache = () => require('parse-server/lib/Config').get(appId).cacheController;
  const server = http.createServer(app);
  answerClientErrors(server);
  await new Promise((resolve) => server.listen(port, host, resolve));
  if (liveQueryHere) {
    const liveQuery = await ParseServer.createLiveQueryServer(server, {
      appId,
      masterKey,
      javascriptKey,
      serverURL,
      keyPairs: { javascriptKey, masterKey },
      wssAdapter: guardedWssAdapter(appId, { trustProxy, userOf: share.userOf, budgets: liveBudgets }),
      ...(redisURL ? { redisURL } : {}),
    });
    // A session that ends (log-out, revocation, password change, deleted account) gets no
    // more events, nor REST answers: Parse would have trusted it for up to 5 s more.
    forgetEndedSessions(liveQuery, databaseAdapter._client, { restCache });
    if (redisURL) {
      closeSocketsAfterRedisOutage(liveQuery);
      closeSocketsWhenAnInstanceGoes(liveQuery);
    }
  } else {
    // No Live Query server here: the REST cache still forgets an ended session at once.
    forgetEndedSessions(null, databaseAdapter._client, { restCache });
    if (redisURL) announceInstance();
  }
  await oneStartAtATime(databaseAdapter._client, async () => {
    await ensureManagerRole();
    await installEndedSessionNotices(databaseAdapter._client);
    await migrateRelatedTo();
    await uniqueProfileNames();
    await amountsInRange();
    await claimIds();
    await shareAssignedDealsOnce();
  });
  await warnWithoutStatementTimeout();
  scheduleIdempotencyCleanup(api);
  console.log(`parse-server ready on ${serverURL} (GraphQL http://${host}:${port}/graphql)`);

  // Finish the requests in flight, then go: idle keep-alive sockets are closed at once, and
  // after 3 s so is everything else (open WebSockets would otherwise hold the port forever).
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// Instances of a cluster start together, and Parse's start-up DDL run twice at once fails:
// PostgreSQL refuses the second CREATE OR REPLACE FUNCTION with "tuple concurrently updated"
// (one clean-clone CI run lost an instance to it), and two instances could both create the
// sales-manager role. A session-level advisory lock, held on one connection of Parse's pool,
// lets one instance at a time through.
const START_LOCK = 0x63726d31; // 'crm1'
async function oneStartAtATime(client, work) {
  return client.task(async (t) => {
    await t.any('SELECT pg_advisory_lock($1)', [START_LOCK]);
    try {
      return await work();
    } finally {
      await t.any('SELECT pg_advisory_unlock($1)', [START_LOCK]);
    }
  });
}

// Events published while this process's Redis subscription was down never reach it, and its
// clients cannot tell. Once the subscription is back, every LiveQuery socket is closed (1012,
// service restart): the clients reconnect and catch up on what they missed.
function closeSocketsAfterRedisOutage(liveQuery) {
  const subscriber = liveQuery.subscriber;
  let lost = false;
  subscriber.on('error', () => { lost = true; });
  subscriber.on('reconnecting', () => { lost = true; });
  subscriber.on('ready', () => {
    if (!lost) return;
    lost = false;
    // Leave a moment for the subscriber to subscribe again before clients catch up.
    setTimeout(() => closeLiveSockets(liveQuery, 'Redis subscription restored'), 500);
  });
}

function closeLiveSockets(liveQuery, why) {
  const wss = liveQuery.parseWebSocketServer && liveQuery.parseWebSocketServer.server && liveQuery.parseWebSocketServer.server.wss;
  const clients = wss ? [...wss.clients] : [];
  for (const ws of clients) ws.close(1012, 'event feed restarted: reconnect and catch up');
  console.warn(`${why}: ${clients.length} LiveQuery connection(s) closed for their clients to catch up`);
}

// An API instance that dies between a commit and its publish to Redis leaves subscribers
// without that event, and nothing tells them. So each API instance keeps a key in Redis that
// lives 3 s and is renewed every second; when one vanishes (a crash, a lost machine, or a stop),
// the LiveQuery process closes its sockets and every client catches up.
const ALIVE_PREFIX = 'crm:api-alive:';
function redisClient() {
  const { createClient } = require('redis');
  const client = createClient({ url: redisURL, disableOfflineQueue: true });
  client.on('error', () => {}); // the cache and pub/sub clients log Redis outages already
  client.connect().catch(() => {});
  return client;
}

function announceInstance() {
  const client = redisClient();
  const key = `${ALIVE_PREFIX}${host}:${port}:${process.pid}:${Date.now()}`;
  const beat = () => { if (client.isReady) client.set(key, '1', { PX: 3000 }).catch(() => {}); };
  client.on('ready', beat);
  setInterval(beat, 1000).unref();
}

function closeSocketsWhenAnInstanceGoes(liveQuery) {
  const client = redisClient();
  let known = null;
  setInterval(async () => {
    if (!client.isReady) return;
    let alive;
    try {
      alive = new Set(await client.keys(`${ALIVE_PREFIX}*`));
    } catch {
      return;
    }
    const gone = known ? [...known].filter((k) => !alive.has(k)) : [];
    known = alive;
    if (gone.length) closeLiveSockets(liveQuery, `API instance(s) gone: ${gone.map((k) => k.slice(ALIVE_PREFIX.length)).join(', ')}`);
  }, 1000).unref();
}

// Members of "sales-manager" read every CRM object (the ACLs Cloud Code sets grant it).
async function ensureManagerRole() {
  const existing = await new Parse.Query(Parse.Role)
    .equalTo('name', 'sales-manager')
    .first({ useMasterKey: true });
  if (existing) return;
  const acl = new Parse.ACL();
  acl.setPublicReadAccess(true);
  const role = new Parse.Role('sales-manager', acl);
  await role.save(null, { useMasterKey: true });
}

// Parse Server's own PostgreSQL connection (pg-promise). Parse 9 keeps the database controller
// on the app's Config, not on the ParseServer object.
function databaseClient() {
  const Config = require('parse-server/lib/Config');
  return Config.get(appId).database.adapter._client;
}

// Activities saved before relatedDeal/relatedContact existed get them filled in from relatedTo
// (Parse keeps a Pointer column as the target's objectId). Idempotent; leaves updatedAt alone,
// so no client sees a change that is not one.
async function migrateRelatedTo() {
  const client = databaseClient();
  for (const [className, column] of [['Deal', 'relatedDeal'], ['Contact', 'relatedContact']]) {
    const done = await client.result(
      `UPDATE "Activity" SET "${column}" = "relatedTo"->>'objectId'
       WHERE "relatedTo"->>'className' = $1 AND "${column}" IS NULL`, [className]);
    if (done.rowCount > 0) console.log(`migrated ${done.rowCount} activities' relatedTo to ${column}`);
  }
}

// Every Company, Contact and Deal id has one owner, for good (cloud/sharing.js): the trigger that
// claims ids at every start (idempotent), the ids taken before it once per database.
async function claimIds() {
  const client = databaseClient();
  const { REGISTRY, REGISTRY_BACKFILL, ACTIVITY_BACKFILL } = require('./cloud/sharing');
  for (const statement of REGISTRY) await client.none(statement);
  // -2: the ids still pointed at were added to the fill (a database that ran -1 runs it again).
  await oncePer('id-registry-2', async () => {
    for (const statement of REGISTRY_BACKFILL) await client.none(statement);
  });
  // Activities' ids joined the registry later (a new database's fill above has them already).
  await oncePer('id-registry-activities-1', async () => {
    for (const statement of ACTIVITY_BACKFILL) await client.none(statement);
  });
}

/** Runs `work` unless the migration `name` is recorded as done in this database; then records it. */
async function oncePer(name, work) {
  const client = databaseClient();
  await client.none('CREATE TABLE IF NOT EXISTS "crm_migrations" ("name" text PRIMARY KEY, "at" timestamptz NOT NULL DEFAULT now())');
  if (await client.oneOrNone('SELECT 1 FROM "crm_migrations" WHERE "name" = $1', [name])) return;
  await work();
  await client.none('INSERT INTO "crm_migrations" ("name") VALUES ($1) ON CONFLICT DO NOTHING', [name]);
}

// Deals assigned before sharing existed (cloud/sharing.js) get their company, contact and
// activities shared with the assignee, once per database.
async function shareAssignedDealsOnce() {
  await oncePer('share-assigned-deals-1', async () => {
    const shared = await require('./cloud/sharing').shareAssignedDeals(databaseClient());
    if (shared > 0) console.log(`shared what ${shared} assigned deals link to with their assignees`);
  });
}

// Cloud Code checks an amount against the one it had: increments sent at once each passed
// (eight of 1e12 on a deal of 0 left 5e12, where the limit is 1e12). PostgreSQL holds the range
// for every write; the adapter answers a write outside it as Parse's VALIDATION_ERROR. Rows
// written before are left as they are (NOT VALID).
async function amountsInRange() {
  const max = String(LIMITS.maxAmount);
  if (!/^\d+$/.test(max)) throw new Error(`LIMITS.maxAmount is not a whole number: ${max}`);
  await databaseClient().none(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '${AMOUNT_RANGE}') THEN
      ALTER TABLE "Deal" ADD CONSTRAINT "${AMOUNT_RANGE}" CHECK ("amount" >= 0 AND "amount" <= ${max}) NOT VALID;
    END IF;
  END $$`);
}

// Two users saving look-alike display names at once both pass Cloud Code's check; the index
// refuses the second (Parse answers DUPLICATE_VALUE). Profiles saved before nameKey existed get
// theirs on their next save; should two of them already share one, the index waits (warned).
async function uniqueProfileNames() {
  await rekeyProfileNames();
  try {
    await databaseClient().none('CREATE UNIQUE INDEX IF NOT EXISTS "Profile_unique_nameKey" ON "Profile" ("nameKey")');
  } catch (e) {
    console.warn(`WARNING: no unique index on Profile.nameKey (${e.message}): look-alike display names are checked by Cloud Code only`);
  }
}

// The look-alike fold learns new letters over time (rules.js displayNameKey): a profile saved
// under an older fold keeps a key that no longer matches its look-alikes. Each start puts every
// stored key right; one that a colleague's name now shares is left as it was and warned about
// (two look-alike names already stand; an administrator renames one).
async function rekeyProfileNames() {
  const client = databaseClient();
  let rows;
  try {
    rows = await client.any('SELECT "objectId", "displayName", "nameKey" FROM "Profile"');
  } catch {
    return; // no Profile table yet
  }
  const owners = new Map(rows.map((r) => [r.nameKey, r.objectId]));
  for (const row of rows) {
    if (typeof row.displayName !== 'string') continue;
    const key = displayNameKey(row.displayName);
    if (key === row.nameKey) continue;
    const owner = owners.get(key);
    if (owner !== undefined && owner !== row.objectId) {
      console.warn(`WARNING: display names of profiles ${owner} and ${row.objectId} look alike; ${row.objectId} keeps its old look-alike key until renamed`);
      continue;
    }
    try {
      await client.none('UPDATE "Profile" SET "nameKey" = $1 WHERE "objectId" = $2', [key, row.objectId]);
      if (owners.get(row.nameKey) === row.objectId) owners.delete(row.nameKey);
      owners.set(key, row.objectId);
    } catch (e) {
      console.warn(`WARNING: profile ${row.objectId}'s look-alike key not updated: ${e.message}`);
    }
  }
}

// ctl.sh sets a per-statement timeout on the database (ALTER DATABASE … SET statement_timeout);
// a database set up another way may lack it, and then one expensive query can hold a
// connection for as long as it likes.
async function warnWithoutStatementTimeout() {
  const row = await databaseClient().one('SHOW statement_timeout');
  if (row.statement_timeout === '0') {
    console.warn('WARNING: PostgreSQL has no statement_timeout; see the production checklist in the README');
  }
}

// Parse creates idempotency_delete_expired_records() but never calls it. Runs every 15
// minutes, and on demand through the `crm-idempotency-cleanup` signal (SIGUSR2) for tests.
function scheduleIdempotencyCleanup(api) {
  const run = async () => {
    try {
      const deleted = await idempotencyCleanup();
      console.log(`idempotency cleanup: ${deleted} expired request ids deleted`);
    } catch (e) {
      console.warn('idempotency cleanup failed:', e.message);
    }
  };
  setInterval(run, 15 * 60 * 1000).unref();
  process.on('SIGUSR2', run);
}

async function idempotencyCleanup() {
  const client = databaseClient();
  const before = await client.one('SELECT count(*)::int AS n FROM "_Idempotency"');
  // The function returns void, which is still a row: `none` would throw after it ran.
  await client.any('SELECT idempotency_delete_expired_records()');
  const after = await client.one('SELECT count(*)::int AS n FROM "_Idempotency"');
  return before.n - after.n;
}

main().catch((err) => {
  console.error('parse-server failed to start:', err);
  process.exit(1);
});
