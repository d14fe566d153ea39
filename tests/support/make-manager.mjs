// Test setup (Node side, loopback only): signs up a user and makes it a member of the
// "sales-manager" role with the master key, which never reaches a browser. Prints
// "username password" for the browser tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';
const masterKey = readFileSync(path.join(root, 'backend/.data/test/master.key'), 'utf8').trim();
const headers = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' };

async function call(method, route, body, extra = {}) {
  const res = await fetch(SERVER + route, { method, headers: { ...headers, ...extra }, body: body && JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: ${JSON.stringify(json)}`);
  return json;
}

const username = `manager${Date.now()}`;
const password = 'pw-manager-1';
const user = await call('POST', '/users', { username, email: `${username}@example.com`, password });
const master = { 'X-Parse-Master-Key': masterKey };
const roles = await call('GET', `/roles?where=${encodeURIComponent(JSON.stringify({ name: 'sales-manager' }))}`, undefined, master);
await call('PUT', `/roles/${roles.results[0].objectId}`, {
  users: { __op: 'AddRelation', objects: [{ __type: 'Pointer', className: '_User', objectId: user.objectId }] },
}, master);
console.log(`${username} ${password}`);
