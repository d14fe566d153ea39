// Parse Server for crm-wasm: REST at /parse, GraphQL at /graphql, LiveQuery on the same port.
// Configuration comes from the environment (see ctl.sh); everything listens on 127.0.0.1.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const express = require('express');
const { ParseServer, ParseGraphQLServer } = require('parse-server');
const { loadDefinitions } = require('./schema');
const { outboxAdapter } = require('./mail-adapter');

const env = (name, fallback) => process.env[name] || fallback;
const port = Number(env('PARSE_PORT', '1337'));
const host = '127.0.0.1';
const appId = env('PARSE_APP_ID', 'crm');
const javascriptKey = env('PARSE_JS_KEY', 'crm-js-key');
const masterKey = env('PARSE_MASTER_KEY', '');
const databaseURI = env('DATABASE_URI', 'postgres://postgres@127.0.0.1:54337/crm');
const serverURL = `http://${host}:${port}/parse`;

if (!masterKey || masterKey.length < 16) {
  console.error('PARSE_MASTER_KEY must be set (ctl.sh generates one per data folder)');
  process.exit(2);
}

async function main() {
  const api = new ParseServer({
    databaseURI,
    appId,
    masterKey,
    javascriptKey,
    serverURL,
    publicServerURL: serverURL,
    appName: 'crm-wasm',
    emailAdapter: outboxAdapter({ file: env('PARSE_OUTBOX', path.join(__dirname, '.data', 'outbox.jsonl')) }),
    verifyUserEmails: false,
    masterKeyIps: ['127.0.0.1', '::1'],
    cloud: path.join(__dirname, 'cloud', 'main.js'),
    allowClientClassCreation: false,
    allowCustomObjectId: true,
    enforcePrivateUsers: true,
    idempotencyOptions: { paths: ['.*'], ttl: 3600 },
    liveQuery: { classNames: ['Deal', 'Activity'] },
    schema: {
      definitions: loadDefinitions(),
      strict: false,
      deleteExtraFields: false,
      recreateModifiedFields: false,
      lockSchemas: true,
    },
    logLevel: env('PARSE_LOG_LEVEL', 'warn'),
    logsFolder: env('PARSE_LOGS_FOLDER', path.join(__dirname, '.data', 'logs')),
    silent: env('PARSE_SILENT', '') === '1',
  });
  await api.start();

  const app = express();
  app.use('/parse', api.app);
  new ParseGraphQLServer(api, { graphQLPath: '/graphql' }).applyGraphQL(app);

  const server = http.createServer(app);
  await new Promise((resolve) => server.listen(port, host, resolve));
  await ParseServer.createLiveQueryServer(server, {
    appId,
    masterKey,
    javascriptKey,
    serverURL,
    keyPairs: { javascriptKey, masterKey },
  });
  await ensureManagerRole();
  scheduleIdempotencyCleanup(api);
  console.log(`parse-server ready on ${serverURL} (GraphQL http://${host}:${port}/graphql)`);

  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
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

// Parse creates idempotency_delete_expired_records() but never calls it.
function scheduleIdempotencyCleanup(api) {
  const run = async () => {
    try {
      const client = api.config.database.adapter._client;
      if (client) await client.none('SELECT idempotency_delete_expired_records()');
    } catch (e) {
      console.warn('idempotency cleanup failed:', e.message);
    }
  };
  setInterval(run, 15 * 60 * 1000).unref();
}

main().catch((err) => {
  console.error('parse-server failed to start:', err);
  process.exit(1);
});
