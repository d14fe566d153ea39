// The API playground for the DEV backend only (scripts/dev.sh starts it; backend/deploy/ never
// does, and parse-dashboard is a dev dependency of scripts/, not of the backend): Parse
// Dashboard on 127.0.0.1 with its data browser, REST console and GraphQL console (GraphiQL
// against /graphql). It holds the master key, so it listens on loopback only and asks for a
// user name and password, generated once per dev data folder (backend/.data/dev/playground.pass)
// and printed by dev.sh.
//   node scripts/playground.mjs        env: PLAYGROUND_PORT (4040), PARSE_SERVER_URL,
//                                      PARSE_GRAPHQL_URL, PARSE_MASTER_KEY, PLAYGROUND_PASS_FILE
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const express = require('express');
const ParseDashboard = require('parse-dashboard');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PLAYGROUND_PORT || 4040);
const serverURL = process.env.PARSE_SERVER_URL || 'http://127.0.0.1:1337/parse';
const graphQLServerURL = process.env.PARSE_GRAPHQL_URL || serverURL.replace(/\/parse$/, '/graphql');
const masterKey = process.env.PARSE_MASTER_KEY;
if (!masterKey) { console.error('PARSE_MASTER_KEY must be set (bash backend/ctl.sh master-key dev)'); process.exit(2); }

const passFile = process.env.PLAYGROUND_PASS_FILE || path.join(root, 'backend/.data/dev/playground.pass');
if (!existsSync(passFile)) {
  mkdirSync(path.dirname(passFile), { recursive: true });
  writeFileSync(passFile, randomBytes(12).toString('base64url'), { mode: 0o600 });
}
const pass = readFileSync(passFile, 'utf8').trim();

const dashboard = new ParseDashboard({
  apps: [{ appId: 'crm', appName: 'crm-wasm (dev)', serverURL, graphQLServerURL, masterKey, javascriptKey: 'crm-js-key' }],
  users: [{ user: 'admin', pass }],
}, { cookieSessionSecret: randomBytes(32).toString('hex'), allowInsecureHTTP: false });

const app = express();
app.use('/', dashboard);
app.listen(port, '127.0.0.1', () => {
  console.log(`playground (Parse Dashboard, REST and GraphQL consoles): http://127.0.0.1:${port}/  user admin, password ${pass}`);
});
