// One account must not be able to fill everyone's database: each user keeps at most
// LIMITS.objectsPerUser of each class (cloud/quota.js). On a server of the file's own with the
// bounds scaled down 1,000 times (100 deals, 50 companies), so reaching them takes a few
// batches; nothing else of the server is scaled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { APP, PG_PORT, unique, useStrictServer } from './harness.mjs';

const strict = useStrictServer(71, 'quota', { CRM_QUOTA_SCALE: '0.001' });
const DEALS = 100;

async function rest(method, route, body, token) {
  const headers = { ...APP, 'Content-Type': 'application/json', ...(token ? { 'X-Parse-Session-Token': token } : {}) };
  const r = await fetch(`${strict.url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

async function newUser() {
  const name = unique('quota');
  const r = await rest('POST', '/users', { username: name, password: 'Passw0rd!x', email: `${name}@example.com` });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.sessionToken;
}

const createDeals = (token, n, from) => rest('POST', '/batch', {
  requests: Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: `Deal ${from + i}` } })),
}, token);

test('a user keeps at most their quota of deals, a batch at a time or one by one; a delete makes room; others are not held back', async () => {
  const token = await newUser();
  // 60 + 60 in two batches sent at once: 100 are created, 20 refused, whatever the order.
  const [a, b] = await Promise.all([createDeals(token, 60, 0), createDeals(token, 60, 60)]);
  const items = [...a.body, ...b.body];
  const created = items.filter((x) => x.success);
  const refused = items.filter((x) => x.error);
  assert.equal(created.length, DEALS, JSON.stringify(refused.slice(0, 2)));
  for (const r of refused) {
    assert.equal(r.error.code, 140, JSON.stringify(r));
    assert.match(r.error.error, /you have 100 deals, the most one user may keep/);
  }
  const one = await rest('POST', '/classes/Deal', { title: 'one more' }, token);
  assert.equal(one.status, 400);
  assert.equal(one.body.code, 140, JSON.stringify(one.body));
  const count = await rest('GET', '/classes/Deal?count=1&limit=0', undefined, token);
  assert.equal(count.body.count, DEALS, 'nothing past the quota was written');
  // Updates of what they hold still work.
  const id = created[0].success.objectId;
  const update = await rest('PUT', `/classes/Deal/${id}`, { title: 'renamed' }, token);
  assert.equal(update.status, 200, JSON.stringify(update.body));
  // A delete makes room for one.
  assert.equal((await rest('DELETE', `/classes/Deal/${id}`, undefined, token)).status, 200);
  const again = await rest('POST', '/classes/Deal', { title: 'in its place' }, token);
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal((await rest('POST', '/classes/Deal', { title: 'and no more' }, token)).body.code, 140);
  // Companies have a quota of their own, and another user is not held back by this one's.
  const other = await newUser();
  const theirs = await rest('POST', '/classes/Deal', { title: 'theirs' }, other);
  assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
  const company = await rest('POST', '/classes/Company', { name: 'Acme' }, token);
  assert.equal(company.status, 201, JSON.stringify(company.body));
});

test('the quota holds for companies, contacts and activities too', async () => {
  const token = await newUser();
  for (const [className, most, body] of [
    ['Company', 50, (i) => ({ name: `Co ${i}` })],
    ['Contact', 100, (i) => ({ name: `Person ${i}` })],
    ['Activity', 200, (i) => ({ type: 'note', subject: `Note ${i}` })],
  ]) {
    let created = 0;
    for (let from = 0; from < most + 10; from += 50) {
      const r = await rest('POST', '/batch', {
        requests: Array.from({ length: Math.min(50, most + 10 - from) }, (_, i) => ({ method: 'POST', path: `/parse/classes/${className}`, body: body(from + i) })),
      }, token);
      assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
      created += r.body.filter((x) => x.success).length;
      for (const x of r.body.filter((y) => y.error)) assert.equal(x.error.code, 140, `${className}: ${JSON.stringify(x)}`);
    }
    assert.equal(created, most, `${className}: exactly the quota created`);
  }
});

test('deletes in a transaction that is rolled back make no room (found attacking it: 3 such batches let a user keep 150 of 50 companies)', async () => {
  const token = await newUser();
  const made = await rest('POST', '/batch', { requests: Array.from({ length: 50 }, (_, i) => ({ method: 'POST', path: '/parse/classes/Company', body: { name: `Co ${i}` } })) }, token);
  const ids = made.body.filter((x) => x.success).map((x) => x.success.objectId);
  assert.equal(ids.length, 50);
  // Each: delete 49, then a sub-request that fails, so the deletes roll back.
  for (let round = 0; round < 3; round++) {
    const tx = await rest('POST', '/batch', { transaction: true, requests: [
      ...ids.slice(0, 49).map((id) => ({ method: 'DELETE', path: `/parse/classes/Company/${id}` })),
      { method: 'PUT', path: `/parse/classes/Company/${ids[49]}`, body: { name: 123 } },
    ] }, token);
    assert.ok(tx.status >= 400 && tx.status < 500, JSON.stringify(tx.body));
  }
  const more = await rest('POST', '/batch', { requests: Array.from({ length: 20 }, (_, i) => ({ method: 'POST', path: '/parse/classes/Company', body: { name: `More ${i}` } })) }, token);
  assert.equal(more.body.filter((x) => x.success).length, 0, 'no room was made');
  const count = await rest('GET', '/classes/Company?count=1&limit=0', undefined, token);
  assert.equal(count.body.count, 50, 'the quota holds');
  // Deleting outside a transaction still makes room.
  assert.equal((await rest('DELETE', `/classes/Company/${ids[0]}`, undefined, token)).status, 200);
  assert.equal((await rest('POST', '/classes/Company', { name: 'in its place' }, token)).status, 201);
});

test('the quota count has an index on each class (found attacking it: index names are per database in PostgreSQL, so Company, Deal and Activity lost theirs to Contact\'s and counted by scanning the table: 160 ms at 300,000 activities, not 0.4 ms)', () => {
  const indexes = execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc',
    `SELECT tablename || ' ' || indexdef FROM pg_indexes WHERE tablename IN ('Company', 'Contact', 'Deal', 'Activity')`], { encoding: 'utf8' });
  const has = (table, column) => indexes.split('\n').some((l) => l.startsWith(`${table} `) && l.includes(`("${column}")`));
  for (const table of ['Company', 'Contact', 'Deal', 'Activity']) assert.ok(has(table, 'createdBy'), `${table}.createdBy is indexed:\n${indexes}`);
  for (const table of ['Deal', 'Activity']) assert.ok(has(table, 'updatedAt'), `${table}.updatedAt is indexed:\n${indexes}`);
});

test('found attacking it: creating and deleting in a loop is bounded too (the ids stay claimed after a delete)', async () => {
  // Every company's, contact's and deal's id stays its creator's after a delete (crm_ids): one
  // client creating and deleting companies added 660 rows a second, without end, while the user
  // never held more than the quota. At most 4 times the quota of ids is claimed over time (here
  // 4 x 50 companies).
  const token = await newUser();
  const companies = (n, round) => rest('POST', '/batch', {
    requests: Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/parse/classes/Company', body: { name: `Churn ${round}.${i}` } })),
  }, token);
  for (let round = 0; round < 4; round++) {
    const made = await companies(50, round);
    assert.ok(made.body.every((x) => x.success), JSON.stringify(made.body.find((x) => x.error)));
    const gone = await rest('POST', '/batch', { requests: made.body.map((x) => ({ method: 'DELETE', path: `/parse/classes/Company/${x.success.objectId}` })) }, token);
    assert.ok(gone.body.every((x) => x.success), JSON.stringify(gone.body.find((x) => x.error)));
  }
  const held = await rest('GET', '/classes/Company?count=1&limit=0', undefined, token);
  assert.equal(held.body.count, 0, 'the user holds none');
  const more = await rest('POST', '/classes/Company', { name: 'one more' }, token);
  assert.equal(more.status, 400, JSON.stringify(more.body));
  assert.equal(more.body.code, 140);
  assert.match(more.body.error, /you have created 200 companies over time, deleted ones included/);
  const me = (await rest('GET', '/users/me', undefined, token)).body.objectId;
  const row = Number(execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc',
    `SELECT count(*) FROM "crm_ids" WHERE "className" = 'Company' AND "createdBy" = '${me}'`], { encoding: 'utf8' }).trim());
  assert.equal(row, 200, 'the ids it claimed');
  // Its other classes, and other users, are not held back.
  assert.equal((await rest('POST', '/classes/Deal', { title: 'still fine' }, token)).status, 201);
  assert.equal((await rest('POST', '/classes/Company', { name: 'theirs' }, await newUser())).status, 201);
});
