// Expired request ids (Parse's idempotency records) are deleted by the server's cleanup, which
// Parse itself never runs: without it the table grows with every write, forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';
const PG_PORT = process.env.CRM_TEST_PG_PORT || '54437';
const APP = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' };
const sql = (q) => execFileSync('psql', ['-h', '127.0.0.1', '-p', PG_PORT, '-U', 'postgres', '-d', 'crm', '-tAc', q], { encoding: 'utf8' }).trim();

test('an expired request id is gone after a cleanup run, and a fresh one stays', async () => {
  const name = `idem${Date.now()}`;
  const user = await (await fetch(`${SERVER}/users`, { method: 'POST', headers: APP, body: JSON.stringify({ username: name, email: `${name}@example.com`, password: 'pw-123456' }) })).json();
  const write = (requestId) => fetch(`${SERVER}/classes/Deal`, {
    method: 'POST', headers: { ...APP, 'X-Parse-Session-Token': user.sessionToken, 'X-Parse-Request-Id': requestId },
    body: JSON.stringify({ title: `idempotent ${requestId}` }),
  });
  const old = `${name}-old`;
  const fresh = `${name}-fresh`;
  assert.equal((await write(old)).status, 201);
  assert.equal((await write(fresh)).status, 201);
  assert.equal(sql(`SELECT count(*) FROM "_Idempotency" WHERE "reqId" LIKE '%${old}'`), '1');
  // Age one record past any time-to-live.
  sql(`UPDATE "_Idempotency" SET expire = now() - interval '30 days' WHERE "reqId" LIKE '%${old}'`);
  execFileSync('bash', [path.join(root, 'backend/ctl.sh'), 'idempotency-cleanup', process.env.CRM_TEST_INSTANCE || 'test'], { env: { ...process.env, PARSE_SILENT: '1' } });
  let left = '1';
  for (let i = 0; i < 50 && left !== '0'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = sql(`SELECT count(*) FROM "_Idempotency" WHERE "reqId" LIKE '%${old}'`);
  }
  assert.equal(left, '0', 'the expired record was deleted');
  assert.equal(sql(`SELECT count(*) FROM "_Idempotency" WHERE "reqId" LIKE '%${fresh}'`), '1', 'the live one stays');
  // A repeated fresh id is still refused as a duplicate; the old id is free again.
  assert.equal((await (await write(fresh)).json()).code, 159);
  assert.equal((await write(old)).status, 201);
});
