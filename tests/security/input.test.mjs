// Hostile input: every field of every class is checked by type, range and size before Parse
// encodes it, on create, update and batch, over REST and GraphQL; one bad request never takes
// the server down, and when a crash happens anyway the supervisor restarts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  call, gql, signUp, assertRefused, assertBatchItemRefused, useVictim, pointer, healthy, crashText, restoreCrashLog, root, sleep, INSTANCE, SERVER, APP,
} from './harness.mjs';

const victim = useVictim();
let attacker;
const token = () => attacker.token;
const badDate = { __type: 'Date', iso: 'not-a-date' };

test('setup: an attacker with a valid session', async () => {
  attacker = await signUp('mallory');
});

test('an invalid Date on any class, field or path is refused, and the server lives', async () => {
  const deal = await call('POST', '/classes/Deal', { token: token(), body: { title: 'ok' } });
  assert.equal(deal.status, 201);
  const attempts = [
    ['POST', '/classes/Deal', { title: 'x', expectedCloseDate: badDate }],
    ['POST', '/classes/Activity', { subject: 'x', dueDate: badDate }],
    ['POST', '/classes/Company', { name: 'x', foundedOn: badDate }],
    ['POST', '/classes/Contact', { name: 'x', notes: badDate }],
    ['PUT', `/classes/Deal/${deal.json.objectId}`, { expectedCloseDate: badDate }],
    ['PUT', `/classes/Deal/${deal.json.objectId}`, { expectedCloseDate: { __type: 'Date', iso: '2026-02-30T00:00:00.000Z' } }],
    ['PUT', `/classes/Deal/${deal.json.objectId}`, { expectedCloseDate: { __type: 'Date', iso: '+275760-09-13T00:00:00.000Z' } }],
    ['PUT', `/classes/Deal/${deal.json.objectId}`, { expectedCloseDate: { __type: 'Date', iso: 12 } }],
    ['PUT', `/classes/Deal/${deal.json.objectId}`, { expectedCloseDate: { __type: 'Date', iso: '9999-12-31T00:00:00.000Z' } }],
    ['PUT', `/users/${attacker.id}`, { birthday: badDate }],
    ['GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ expectedCloseDate: { $lt: badDate } }))}`, undefined],
  ];
  for (const [method, route, body] of attempts) {
    const r = await call(method, route, { token: token(), body });
    assertRefused(r, [111, 142], `${method} ${route} ${JSON.stringify(body)}`);
    assert.ok(await healthy(), `alive after ${method} ${route}`);
  }
  // Inside a batch, each sub-request is held to the same rules.
  const batch = await call('POST', '/batch', { token: token(), body: { requests: [
    { method: 'POST', path: '/parse/classes/Deal', body: { title: 'in batch', expectedCloseDate: badDate } },
  ] } });
  assertBatchItemRefused(batch, 0, 111, 'batch with an invalid date');
  // Real dates still work, and a strict calendar date is stored as sent.
  const good = await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: token(), body: { expectedCloseDate: { __type: 'Date', iso: '2026-02-28T00:00:00.000Z' } } });
  assert.equal(good.status, 200, JSON.stringify(good.json));
  const back = await call('GET', `/classes/Deal/${deal.json.objectId}`, { token: token() });
  assert.equal(back.json.expectedCloseDate.iso, '2026-02-28T00:00:00.000Z');
});

test('GraphQL is held to the same rules: invalid and impossible dates refused', async () => {
  const create = `mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { objectId } } }`;
  for (const date of ['2026-02-30T00:00:00.000Z', '2026-13-01T00:00:00.000Z']) {
    const r = await gql(create, { input: { fields: { title: 'gql', expectedCloseDate: date } } }, token());
    const errors = r.json.errors || [];
    assert.ok(errors.length > 0, `refused ${date}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.ok(!/stack|at .*\.js:\d+/.test(JSON.stringify(errors)), 'no stack trace in the answer');
  }
  const inline = await gql(`mutation { createDeal(input: { fields: { title: "gql", expectedCloseDate: "2026-02-30T00:00:00.000Z" } }) { deal { objectId } } }`, undefined, token());
  assert.ok((inline.json.errors || []).length > 0, 'an inline impossible date is refused');
  const ok = await gql(create, { input: { fields: { title: 'gql ok', expectedCloseDate: '2026-03-01T00:00:00.000Z' } } }, token());
  assert.ok(ok.json.data?.createDeal?.deal?.objectId, JSON.stringify(ok.json));
});

test('every field is checked by type, range and size', async () => {
  const cases = [
    ['Deal', { title: 'x'.repeat(201) }, 'title over 200 characters'],
    ['Deal', { title: '   ' }, 'blank title'],
    ['Deal', { title: 7 }, 'a number as a title'],
    ['Deal', { title: 'x', amount: -1 }, 'negative amount'],
    ['Deal', { title: 'x', amount: 1e13 }, 'absurd amount'],
    ['Deal', { title: 'x', amount: '10' }, 'amount as text'],
    ['Deal', { title: 'x', stage: 'wonn' }, 'unknown stage'],
    ['Deal', { title: 'x', notes: 'n'.repeat(10001) }, 'notes over 10,000 characters'],
    ['Deal', { title: 'x', company: pointer('Contact', 'abcdefghij') }, 'a pointer to the wrong class'],
    ['Deal', { title: 'x', company: { objectId: 'abcdefghij' } }, 'a pointer without a class'],
    ['Deal', { title: 'x', isAdmin: true }, 'a field not in the schema'],
    ['Company', { name: 'x', website: 'w'.repeat(2049) }, 'website too long'],
    ['Contact', { name: 'x', email: 'not-an-address' }, 'invalid e-mail'],
    ['Contact', { name: 'x', phone: '1'.repeat(41) }, 'phone too long'],
    ['Activity', { type: 'sms' }, 'unknown activity type'],
    ['Activity', { subject: 's'.repeat(201) }, 'subject too long'],
    ['Activity', { relatedTo: { className: '_User', objectId: attacker.id } }, 'relatedTo a user'],
  ];
  for (const [cls, body, what] of cases) {
    assertRefused(await call('POST', `/classes/${cls}`, { token: token(), body }), [105, 111, 119, 142], what);
  }
  // Fields the server owns are the server's, whatever the client sends.
  const stamped = await call('POST', '/classes/Deal', { token: token(), body: {
    title: 'x', createdAt: { __type: 'Date', iso: '2020-01-01T00:00:00.000Z' }, createdBy: pointer('_User', victim.id),
    ACL: { '*': { read: true, write: true } },
  } });
  assert.equal(stamped.status, 201, JSON.stringify(stamped.json));
  const back = await call('GET', `/classes/Deal/${stamped.json.objectId}`, { token: token() });
  assert.notEqual(back.json.createdAt, '2020-01-01T00:00:00.000Z');
  assert.equal(back.json.createdBy.objectId, attacker.id);
  assert.deepEqual(Object.keys(back.json.ACL).sort(), [attacker.id, 'role:sales-manager'].sort());
});

test('updates cannot remove required fields or drive the amount below zero', async () => {
  const deal = await call('POST', '/classes/Deal', { token: token(), body: { title: 'ops', amount: 10 } });
  const route = `/classes/Deal/${deal.json.objectId}`;
  assertRefused(await call('PUT', route, { token: token(), body: { stage: { __op: 'Delete' } } }), 142, 'stage deleted');
  assertRefused(await call('PUT', route, { token: token(), body: { title: { __op: 'Delete' } } }), 142, 'title deleted');
  assertRefused(await call('PUT', route, { token: token(), body: { nosuch: { __op: 'Delete' } } }), 142, 'Delete of an unknown column');
  assertRefused(await call('PUT', route, { token: token(), body: { amount: { __op: 'Increment', amount: -8 } } }), 142, 'a decrement');
  assertRefused(await call('PUT', route, { token: token(), body: { title: { __op: 'Add', objects: ['a'] } } }), [111, 142], 'Add on text');
  // Concurrent decrements were the way below zero; increments stay allowed and exact.
  const incs = await Promise.all([1, 2, 3].map(() => call('PUT', route, { token: token(), body: { amount: { __op: 'Increment', amount: 5 } } })));
  for (const r of incs) assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal((await call('GET', route, { token: token() })).json.amount, 25);
});

test('sizes: request bodies, strings, arrays and nesting are capped', async () => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: { title: 'x', notes: big } }), 116, '3 MB body');
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: { title: 'x', notes: 'n'.repeat(70 * 1024) } }), 116, '70 KiB string');
  let deep = { title: 'x' };
  for (let i = 0; i < 40; i++) deep = { a: deep };
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: { title: 'x', notes: deep } }), 107, 'nesting 40 deep');
  const ids = Array.from({ length: 5000 }, (_, i) => `id${i}`);
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: { _method: 'GET', where: { objectId: { $in: ids } } } }), 116, '5000-item $in');
  // Node's HTTP parser refuses a 100 KB URL itself; the answer still carries a code.
  const long = await call('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ objectId: { $in: ids.concat(ids) } }))}`, { token: token() });
  assertRefused(long, 116, '100 KB URL');
});

test('malformed JSON, NUL bytes and non-finite numbers get a code, not a 500', async () => {
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: '{"title": "x"' }), 107, 'truncated JSON');
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: '{"title": "a\\u0000b"}' }), 107, 'NUL in a value');
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: '{"title": "x", "amount": 1e400}' }), 107, '1e400');
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: '[1,2,3]' }), [107, 111], 'an array as the body');
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: '"text"' }), 107, 'a string as the body');
  assertRefused(await call('GET', `/classes/Deal?where=${encodeURIComponent('{"title":"a\u0000"}')}`, { token: token() }), 107, 'NUL in a where');
  // The JS SDK's form: a POST with _method GET and a text/plain body.
  const sdk = await fetch(`${SERVER}/classes/Deal`, {
    method: 'POST', headers: { 'Content-Type': 'text/plain' },
    body: JSON.stringify({ _method: 'GET', where: { title: 'ops' }, _ApplicationId: 'crm', _JavaScriptKey: 'crm-js-key', _SessionToken: token() }),
  });
  const found = await sdk.json();
  assert.equal(sdk.status, 200, JSON.stringify(found));
  assert.equal(found.results.length, 1);
});

test('found by attacking it: path tricks, escaped NULs, offsets, surrogates and odd field names get codes', async () => {
  const deal = await call('POST', '/classes/Deal', { token: token(), body: { title: 'paths' } });
  const id = deal.json.objectId;
  // Express routes without regard to case or a trailing slash: the gate sees what Parse sees.
  assertRefused(await call('PUT', `/CLASSES/Deal/${id}`, { token: token(), body: { title: { __op: 'Add', objects: ['x'] } } }), 111, 'upper-case path, Add on text');
  assertRefused(await call('PUT', `/classes/Deal/${id}/`, { token: token(), body: { expectedCloseDate: badDate } }), 111, 'trailing slash');
  for (const route of ['/CLASSES/Deal/%00', '/USERS/%00', '/Sessions/%00', '/CLASSES/Deal/%ff%fe']) {
    assertRefused(await call('GET', route, { token: token() }), undefined, route);
  }
  // Express decodes "%5F" and "%44" in a route parameter: the gate checks the decoded names.
  assertRefused(await call('PUT', `/classes/%44eal/${id}`, { token: token(), body: { title: { __op: 'Add', objects: ['x'] } } }), 111, 'an encoded class name, Add on text');
  assertRefused(await call('POST', '/classes/%5FSession', { token: token(), body: {} }), 119, 'a session minted through /classes/%5FSession');
  assertBatchItemRefused(await call('POST', '/batch', { token: token(), body: { requests: [{ method: 'POST', path: '/parse/classes/%5FSession', body: {} }] } }), 0, 119, 'the same in a batch');
  assertRefused(await call('POST', '/classes/%5FUser', { token: token(), body: { username: 'x', password: 'y', objectId: 'abcdefghij' } }), 119, 'a user with a chosen id through /classes/%5FUser');
  assertRefused(await call('GET', '/classes/Deal%2F..%2F..%2Fusers', { token: token() }), 107, 'an encoded "/" in a segment');
  const g = await gql('mutation { createSession(input: { fields: {} }) { session { sessionToken } } }', undefined, token());
  assert.ok(/sessions are made by logging in/.test(JSON.stringify(g.json)) && !/"sessionToken":"r:/.test(JSON.stringify(g.json)), `GraphQL createSession refused: ${JSON.stringify(g.json).slice(0, 200)}`);
  assertRefused(await call('POST', '/upgradeToRevocableSession', { token: token(), body: {} }), 119, 'upgradeToRevocableSession');
  for (const route of ['/schemas', '/serverInfo', '/hooks/functions', '/purge/Deal', '/jobs']) {
    const r = await call(route === '/purge/Deal' ? 'DELETE' : 'GET', route, { token: token() });
    assertRefused(r, undefined, route);
  }
  // GraphQL: an impossible date with an offset, and a NUL written as an escape.
  const create = 'mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { objectId } } }';
  const offset = await gql(create, { input: { fields: { title: 'g', expectedCloseDate: '2026-02-30T00:00:00+00:00' } } }, token());
  assert.ok((offset.json.errors || []).length > 0, `offset date refused: ${JSON.stringify(offset.json).slice(0, 200)}`);
  const nul = await gql('{ deals(where: { title: { equalTo: "a\\u0000b" } }) { count } }', undefined, token());
  assert.ok((nul.json.errors || []).length > 0 && !/Internal server error/.test(JSON.stringify(nul.json)), `escaped NUL: ${JSON.stringify(nul.json).slice(0, 200)}`);
  // A lone surrogate would be stored as U+FFFD but sent to Live Query as it came.
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: '{"title": "q\\ud800r"}' }), 107, 'lone surrogate');
  // Field names every JS object has are fields like any other: unknown.
  for (const key of ['toString', 'hasOwnProperty', 'valueOf']) {
    assertRefused(await call('POST', '/classes/Deal', { token: token(), body: { title: 'x', [key]: 'y' } }), 142, key);
  }
  // Parse's own password-reset page posts a form, not JSON: it is not blocked by the gate.
  const page = await fetch(`${SERVER}/apps/crm/request_password_reset`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'username=nobody&token=x&new_password=pw-new-123' });
  assert.ok(page.status < 500 && !(await page.text()).includes('not valid JSON'), `the reset form reaches Parse (${page.status})`);
});

test('file uploads are off and say so', async () => {
  const r = await call('POST', '/files/evil.txt', { token: token(), headers: { 'Content-Type': 'text/plain' }, body: 'hello' });
  assertRefused(r, 130, 'file upload');
});

test('a crash is logged and the supervisor restarts the server within seconds', async () => {
  const before = crashText();
  execFileSync('bash', [path.join(root, 'backend/ctl.sh'), 'crash-parse', INSTANCE], { env: { ...process.env, PARSE_SILENT: '1' } });
  await sleep(300);
  const t0 = Date.now();
  assert.ok(await healthy(), 'back up');
  // Parse Server takes a few seconds to start on this 2-core machine, longer when it is busy.
  assert.ok(Date.now() - t0 < 20_000, `restarted within 20 s (${Date.now() - t0} ms)`);
  const log = crashText();
  assert.ok(log.length > before.length && /parse-server exited/.test(log.slice(before.length)), 'the crash is in the crash log');
  // This crash was on purpose; the suite fails on any other.
  restoreCrashLog(before);
  assert.equal((await call('GET', '/users/me', { token: victim.token })).status, 200, 'sessions survive the restart');
});

test('upgradeToRevocableSession inside a batch is refused in words (it answered a raw PostgreSQL error)', async () => {
  for (const path of ['/parse/upgradeToRevocableSession', '/parse/./upgradeToRevocableSession', '/PARSE/upgradeToRevocableSession/']) {
    const r = await call('POST', '/batch', { token: token(), body: { requests: [{ method: 'POST', path, body: {} }] } });
    assertRefused(r, 119, path);
  }
});

test('a batch answers each sub-request: a malformed one is refused alone, in its place', async () => {
  const title = `mixed batch ${Date.now()}`;
  const r = await call('POST', '/batch', { token: token(), body: { requests: [
    { method: 'POST', path: '/parse/classes/Deal', body: { title: `${title} a` } },
    { method: 'DELETE', path: '/parse/classes/Deal/abc123' },
    { method: 'POST', path: '/parse/classes/Deal', body: { title: `${title} b`, expectedCloseDate: { __type: 'Date', iso: '2026-02-30T00:00:00.000Z' } } },
    { method: 'POST', path: '/parse/classes/Deal', body: { title: `${title} c` } },
  ] } });
  assertBatchItemRefused(r, 1, 142, 'a malformed objectId');
  assertBatchItemRefused(r, 2, 111, 'an impossible date');
  assert.equal(r.json.length, 4, 'one result per sub-request');
  for (const i of [0, 3]) assert.ok(r.json[i].success && r.json[i].success.objectId, `sub-request ${i} ran: ${JSON.stringify(r.json[i])}`);
  const found = await call('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ title: { $in: [`${title} a`, `${title} b`, `${title} c`] } }))}`, { token: token() });
  assert.deepEqual(found.json.results.map((d) => d.title).sort(), [`${title} a`, `${title} c`]);
  // All refused: still one error per sub-request, nothing sent to Parse.
  const none = await call('POST', '/batch', { token: token(), body: { requests: [
    { method: 'DELETE', path: '/parse/classes/Deal/abc123' },
    { method: 'PUT', path: '/parse/classes/Deal/x!', body: { title: 'x' } },
  ] } });
  assertBatchItemRefused(none, 0, 142, 'all refused, first');
  assertBatchItemRefused(none, 1, 142, 'all refused, second');
  // A transaction is all or nothing: one refusal refuses the whole batch.
  const tx = await call('POST', '/batch', { token: token(), body: { transaction: true, requests: [
    { method: 'POST', path: '/parse/classes/Company', body: { name: `${title} tx` } },
    { method: 'DELETE', path: '/parse/classes/Company/abc123' },
  ] } });
  assertRefused(tx, 142, 'a transaction with a malformed sub-request');
  // One refused by Cloud Code once Parse runs it: rolled back, and said so with its code (Parse
  // answered a bare 500 "Internal server error.").
  const rolledBack = await call('POST', '/batch', { token: token(), body: { transaction: true, requests: [
    { method: 'POST', path: '/parse/classes/Company', body: { name: `${title} tx2` } },
    { method: 'POST', path: '/parse/classes/Company', body: { name: `${title} tx3`, website: 'not a web address' } },
  ] } });
  assertRefused(rolledBack, 142, 'a transaction with a sub-request Cloud Code refuses');
  assert.match(rolledBack.json.error, /request 2 of the transaction was refused, so none of it was written: .*website/);
  const none2 = await call('GET', `/classes/Company?where=${encodeURIComponent(JSON.stringify({ name: { $in: [`${title} tx2`, `${title} tx3`] } }))}`, { token: token() });
  assert.deepEqual(none2.json.results, [], 'nothing of the transaction was written');
  // Deals, contacts and activities are shared after each write, outside the transaction's
  // locks: they are refused in one (a hand-on inside one left the previous assignee sharing).
  for (const path of ['/parse/classes/Deal', '/parse/classes/Contact', '/parse/classes/Activity']) {
    const shared = await call('POST', '/batch', { token: token(), body: { transaction: true, requests: [
      { method: 'POST', path: '/parse/classes/Company', body: { name: `${title} tx6` } },
      { method: 'POST', path, body: { title: 'x', name: 'x', subject: 'x', type: 'call' } },
    ] } });
    assertRefused(shared, 119, `a transaction writing ${path}`);
    assert.match(shared.json.error, /request 2: deals, contacts and activities are written outside a transaction/);
  }
  const none3 = await call('GET', `/classes/Company?where=${encodeURIComponent(JSON.stringify({ name: `${title} tx6` }))}`, { token: token() });
  assert.deepEqual(none3.json.results, [], 'nothing of a refused transaction was written');
  const whole = await call('POST', '/batch', { token: token(), body: { transaction: true, requests: [
    { method: 'POST', path: '/parse/classes/Company', body: { name: `${title} tx4` } },
    { method: 'POST', path: '/parse/classes/Company', body: { name: `${title} tx5` } },
  ] } });
  assert.equal(whole.status, 200, JSON.stringify(whole.json));
  assert.ok(whole.json.every((r) => r.success?.objectId), 'a transaction with nothing refused is written whole');
});

test('a wrong application id or key is refused with a code, not a bare 403', async () => {
  for (const headers of [{ 'X-Parse-Application-Id': 'wrong' }, { 'X-Parse-JavaScript-Key': 'wrong' }]) {
    const r = await call('GET', '/classes/Deal', { headers });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assertRefused(r, 119, `keys ${JSON.stringify(headers)}`);
  }
  const raw = await fetch(`${SERVER}/classes/Deal`);
  assert.equal(raw.status, 403);
  assert.match(raw.headers.get('content-type') || '', /json/);
  assert.equal((await raw.json()).code, 119, 'no keys at all');
});

test("a refusal reaches a browser on another origin: CORS headers on every answer, preflights answered", async () => {
  // The app runs on another origin than the server: an answer without Access-Control-Allow-Origin
  // cannot be read, and a failed preflight stops the request. The guard's refusals (a year past
  // 2200, an objectId that cannot be one) had neither, and the app said the server was unreachable.
  const origin = 'http://127.0.0.1:5173';
  const headers = { ...APP, 'Content-Type': 'application/json', Origin: origin, 'X-Parse-Session-Token': attacker.token };
  const refusals = [
    ['POST', '/classes/Deal', { title: 'far', expectedCloseDate: { __type: 'Date', iso: '9999-12-31T00:00:00.000Z' } }],
    ['GET', '/classes/Company/nope', undefined],
    ['GET', '/no/such/route', undefined],
  ];
  for (const [method, route, body] of refusals) {
    const preflight = await fetch(SERVER + route, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'content-type,x-parse-application-id,x-parse-session-token' },
    });
    assert.equal(preflight.status, 200, `preflight of ${method} ${route}`);
    assert.ok(preflight.headers.get('access-control-allow-origin'), `preflight of ${method} ${route} allows the origin`);
    assert.match(preflight.headers.get('access-control-allow-headers') || '', /X-Parse-Session-Token/i);
    const r = await fetch(SERVER + route, { method, headers, body: body && JSON.stringify(body) });
    assert.ok(r.status >= 400 && r.status < 500, `${method} ${route}: ${r.status}`);
    assert.ok(r.headers.get('access-control-allow-origin'), `${method} ${route}: the refusal carries CORS headers`);
    assert.equal(typeof (await r.json()).code, 'number');
  }
  const g = await fetch(SERVER.replace(/\/parse$/, '/graphql'), { method: 'POST', headers, body: JSON.stringify({ query: 'mutation { createDeal(input: { fields: { title: "far", expectedCloseDate: "9999-12-31T00:00:00.000Z" } }) { deal { id } } }' }) });
  assert.ok(g.headers.get('access-control-allow-origin'), 'a GraphQL refusal carries CORS headers');
});

test('found attacking it: bodies with many keys, odd request ids and method overrides are refused before Parse works on them', async () => {
  // 150,000 made-up keys, without a session, held the process 1.5 s (REST) and 7 s (GraphQL).
  const many = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]));
  assertRefused(await call('POST', '/classes/Deal', { body: { title: 'x', ...many(300) } }), 116, 'REST, no session');
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: { title: 'x', ...many(300) } }), 116, 'REST, signed in');
  // Within the per-object cap, the keys of a request in all are capped too.
  const rows = Array.from({ length: 100 }, () => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: 'x', ...many(250) } }));
  assertRefused(await call('POST', '/batch', { token: token(), body: { requests: rows } }), 116, 'a batch of 25,000 keys');
  const gqlMany = await gql('mutation($f: CreateDealFieldsInput){ createDeal(input:{fields:$f}){ deal { objectId } } }', { f: many(300) });
  assert.equal(gqlMany.json.errors?.[0]?.extensions?.code, 116, JSON.stringify(gqlMany.json).slice(0, 300));
  // A request id is kept for an hour before any check: at most 128 printable characters (one of
  // 2.8 KB answered a bare 500 from PostgreSQL's index).
  const headers = (id) => ({ 'X-Parse-Request-Id': id });
  assertRefused(await call('POST', '/classes/Deal', { token: token(), headers: headers('q'.repeat(2800)), body: { title: 'long id' } }), 142, 'a 2,800-character request id');
  assertRefused(await call('POST', '/classes/Deal', { token: token(), headers: headers('id with spaces'), body: { title: 'spaced id' } }), 142, 'a request id with spaces');
  assert.equal((await call('POST', '/classes/Deal', { token: token(), headers: headers(`r${'a'.repeat(127)}`), body: { title: 'id of 128' } })).status, 201);
  // A POST saying _method HEAD was answered with a length and no body: the client hung.
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: { _method: 'HEAD' } }), 107, '_method HEAD');
  assertRefused(await call('POST', '/classes/Deal', { token: token(), body: { _method: 'PATCH' } }), 107, '_method PATCH');
  // Parse's own Express app no longer says what it runs on.
  const r = await fetch(`${SERVER}/health`);
  assert.equal(r.headers.get('x-powered-by'), null);
});

test('found attacking it: small malformed queries, increments and batch sub-requests get a Parse code, not a bare 500', async () => {
  const q = (where) => `/classes/Deal?where=${encodeURIComponent(JSON.stringify(where))}`;
  const date = { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' };
  const wheres = [
    [{ title: { $exists: null } }, '$exists null'],
    [{ title: { $exists: 'x' } }, '$exists text'],
    [{ amount: { $regex: '\\Q1\\E' } }, '$regex on a number'],
    [{ expectedCloseDate: { $regex: '\\Q1\\E' } }, '$regex on a date'],
    [{ expectedCloseDate: { $in: [date] } }, '$in of dates'],
    [{ createdAt: { $nin: [date] } }, '$nin of dates'],
    [{ title: { $in: [null] } }, '$in null'],
    [{ title: { $nin: [null] } }, '$nin null'],
    [{ assignedTo: { $in: [null] } }, 'pointer $in null'],
    [{ $or: [{}] }, 'an empty $or clause'],
    [{ $and: [{}] }, 'an empty $and clause'],
    [{ amount: { $select: { query: { className: 'Company', where: {} }, key: 'name' } } }, '$select of text for a number'],
  ];
  for (const [where, what] of wheres) {
    const r = await call('GET', q(where), { token: token() });
    assertRefused(r, 102, what);
    assert.equal(typeof r.json.error, 'string', what);
  }
  // The same where clauses through GraphQL are held to the same rules (beforeFind).
  for (const where of ['{ title: { in: [null] } }', '{ OR: [{}] }', '{ title: { exists: null } }']) {
    const r = await gql(`{ deals(where: ${where}) { count } }`, undefined, token());
    assert.equal(r.json.errors?.[0]?.extensions?.code, 102, `${where}: ${JSON.stringify(r.json).slice(0, 300)}`);
  }
  // What still works: a $select of the same kind, $exists true, an $or of real clauses.
  assert.equal((await call('GET', q({ title: { $select: { query: { className: 'Company', where: {} }, key: 'name' } } }), { token: token() })).status, 200);
  assert.equal((await call('GET', q({ $or: [{ title: 'a' }, { amount: { $exists: true } }] }), { token: token() })).status, 200);
  // An Increment by text or null answered a bare 500.
  const deal = await call('POST', '/classes/Deal', { token: token(), body: { title: 'counted', amount: 1 } });
  for (const amount of ['5', null, {}, undefined]) {
    assertRefused(await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: token(), body: { amount: { __op: 'Increment', amount } } }), 111, `Increment by ${JSON.stringify(amount)}`);
  }
  const inc = await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: token(), body: { amount: { __op: 'Increment', amount: 2 } } });
  assert.equal(inc.status, 200, JSON.stringify(inc.json));
  assert.equal(inc.json.amount, 3);
  // A batch sub-request that failed without a Parse code is given one.
  const batch = await call('POST', '/batch', { token: token(), body: { requests: [{ method: 'GET', path: '/parse/serverInfo' }] } });
  assert.equal(batch.status, 200);
  assert.equal(batch.json[0].error?.code, 119, JSON.stringify(batch.json));
});

test("found attacking it: an account's access list is the server's", async () => {
  const me = await signUp('acl');
  const put = await call('PUT', `/users/${me.id}`, { token: me.token, body: { ACL: { '*': { read: true, write: true } } } });
  assertRefused(put, 119, 'a user opening their own row to everyone');
  const row = await call('GET', `/users/${me.id}`, { master: true });
  assert.equal(row.json.ACL?.['*']?.write, undefined, JSON.stringify(row.json.ACL));
  const id = Buffer.from(`_User:${me.id}`).toString('base64');
  const viaGraphQL = await gql('mutation($id: ID!) { updateUser(input: { id: $id, fields: { ACL: { public: { read: true, write: true } } } }) { user { objectId } } }', { id }, me.token);
  assert.equal(viaGraphQL.json.errors?.[0]?.extensions?.code, 119, JSON.stringify(viaGraphQL.json).slice(0, 300));
  // Other changes to one's own account still work (an e-mail address with the current password:
  // fresh-eyes-8.test.mjs).
  const email = await call('PUT', `/users/${me.id}`, { token: me.token, headers: { 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword: me.password }) }, body: { email: `${me.username}.new@example.com` } });
  assert.equal(email.status, 200, JSON.stringify(email.json));
});

test('found attacking it: increments sent at once cannot take an amount past its limit', async () => {
  // Each was checked against the amount it found: eight of 1e12 on a deal of 0 left 5e12.
  const deal = await call('POST', '/classes/Deal', { token: token(), body: { title: 'raced', amount: 0 } });
  const answers = await Promise.all(Array.from({ length: 8 }, () => call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: token(), body: { amount: { __op: 'Increment', amount: 1e12 } } })));
  const refused = answers.filter((r) => r.status !== 200);
  for (const r of refused) assertRefused(r, 142, 'an increment past the limit');
  assert.equal(answers.length - refused.length, 1, answers.map((r) => r.status).join(' '));
  const back = await call('GET', `/classes/Deal/${deal.json.objectId}`, { token: token() });
  assert.equal(back.json.amount, 1e12);
  // Down below zero, the same.
  assertRefused(await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: token(), body: { amount: { __op: 'Increment', amount: -2e12 } } }), 142, 'an increment below zero');
});

test("found attacking it: GraphQL node ids of no class answer 'not found', not an internal error", async () => {
  const b64 = (s) => Buffer.from(s).toString('base64');
  const query = 'query($id: ID!) { node(id: $id) { id } }';
  for (const id of ['__proto__:x', 'constructor:x', 'toString:x', 'Deal:\u0000', 'hasOwnProperty:abcdefghij']) {
    const r = await gql(query, { id: b64(id) }, token());
    assert.equal(r.json.errors?.[0]?.extensions?.code, 101, `${id}: ${JSON.stringify(r.json).slice(0, 300)}`);
    const inline = await gql(`{ node(id: "${b64(id)}") { id } }`, undefined, token());
    assert.equal(inline.json.errors?.[0]?.extensions?.code, 101, `${id} inline: ${JSON.stringify(inline.json).slice(0, 300)}`);
  }
  const deal = await call('POST', '/classes/Deal', { token: token(), body: { title: 'by node' } });
  const found = await gql('query($id: ID!) { node(id: $id) { ... on Deal { title } } }', { id: b64(`Deal:${deal.json.objectId}`) }, token());
  assert.equal(found.json.data?.node?.title, 'by node', JSON.stringify(found.json).slice(0, 300));
});

test('found attacking it: a key that is no field name is refused in words, not dropped while the rest is saved', async () => {
  // Parse saved the object and dropped "tïtle", "$where", "_hidden" or "" without a word: a
  // client's typo lost what it held, and the answer said it was saved.
  for (const key of ['tïtle', '$where', '_hidden', '', ' title', 'ti-tle']) {
    const created = await call('POST', '/classes/Deal', { token: token(), body: { title: 'odd key', [key]: 'kept?' } });
    assertRefused(created, 142, `create with ${JSON.stringify(key)}`);
    assert.match(created.json.error, /is not a field of Deal/);
    const inBatch = await call('POST', '/batch', { token: token(), body: { requests: [{ method: 'POST', path: '/parse/classes/Contact', body: { name: 'odd key', [key]: 'x' } }] } });
    assertBatchItemRefused(inBatch, 0, 142, `batch create with ${JSON.stringify(key)}`);
  }
  const deal = await call('POST', '/classes/Deal', { token: token(), body: { title: 'odd key target' } });
  assert.equal(deal.status, 201, JSON.stringify(deal.json));
  assertRefused(await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: token(), body: { 'nötes': 'lost' } }), 142, 'an update');
  // Body authentication (the Parse SDK in a browser) still works: its keys are not fields.
  const viaBody = await call('POST', '/classes/Deal', { body: { _method: 'POST', _ApplicationId: APP['X-Parse-Application-Id'], _JavaScriptKey: APP['X-Parse-JavaScript-Key'], _SessionToken: token(), title: 'body auth' }, headers: { 'X-Parse-Application-Id': '', 'X-Parse-JavaScript-Key': '' } });
  assert.equal(viaBody.status, 201, JSON.stringify(viaBody.json));
});
