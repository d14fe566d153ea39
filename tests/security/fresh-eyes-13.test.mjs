// Found attacking a private backend as a signed-up user (thirteenth pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBatchItemRefused, assertRefused, call, connectLive, gql, pointer, signUp, sleep, useVictim } from './harness.mjs';

useVictim();

const where = (route, w, token) => call('GET', `${route}?where=${encodeURIComponent(JSON.stringify(w))}`, { token });
const DATE = { __type: 'Date', iso: '2027-01-01T00:00:00.000Z' };

// ---- sub-queries on sessions ---------------------------------------------------------------------
// Parse allows no beforeFind on _Session, and the gate checked a where's own class only: a
// sub-query into _Session ($inQuery, $notInQuery, $select, $dontSelect) was held to no query rule.
// An empty $or clause, a null in $in, _wperm, $containedBy or a date compared with text each
// answered a bare 500 (logged with its stack), $text searched, `constructor` answered a wrong page.
test('found attacking it: a sub-query on sessions is held to the query rules, in REST, batches and GraphQL', async () => {
  const me = await signUp('subsession13');
  const onSessions = (w) => ({ createdBy: { $inQuery: { className: '_Session', where: w } } });
  for (const w of [
    { $or: [{}] }, { installationId: { $in: [null] } }, { _wperm: 'x' }, { installationId: { $containedBy: ['a'] } },
    { installationId: { $text: { $search: { $term: 'x' } } } }, { expiresAt: { $lt: 'x' } }, { expiresAt: { $in: [DATE] } },
    { constructor: 'x' }, { installationId: 5 }, { user: 'abc' },
  ]) {
    const r = await where('/classes/Deal', onSessions(w), me.token);
    assertRefused(r, 102, JSON.stringify(w));
  }
  const r = await where('/classes/Deal', { title: { $dontSelect: { query: { className: '_Session', where: { $or: [{}] } }, key: 'installationId' } } }, me.token);
  assertRefused(r, 102, '$dontSelect on sessions');
  assertBatchItemRefused(await call('POST', '/batch', { token: me.token, body: { requests: [{ method: 'GET', path: '/parse/classes/Deal', body: { where: onSessions({ $or: [{}] }) } }] } }), 0, 102, 'in a batch');
  const g = await gql(`query { deals(where: { title: { inQueryKey: { key: "expiresAt", query: { className: "_Session", where: { expiresAt: { lessThan: "x" } } } } } }) { count } }`, {}, me.token);
  assert.ok(g.json.errors && g.json.errors[0].extensions.code === 102, `GraphQL: refused in words: ${JSON.stringify(g.json)}`);
  // A sub-query on sessions as Parse means them still answers.
  const ok = await where('/classes/Deal', onSessions({ expiresAt: { $gt: DATE } }), me.token);
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
});

// ---- comparisons with a value of another kind ------------------------------------------------------
// Fields whose rule named no kind (a deal's stage, an activity's type, a user's username, the
// settings' probabilities), Parse's own fields of users (emailVerified, authData) and every field
// of a session were compared with whatever a client sent: PostgreSQL refused "text = integer"
// or "text >= boolean", or a session's expiresAt compared with text, and each answered a bare 500.
test('found attacking it: stages, activity types, objects, flags and session fields compared with another kind are refused in words', async () => {
  const me = await signUp('kinds13');
  for (const [route, w] of [
    ['/classes/Deal', { stage: 5 }], ['/classes/Deal', { stage: { $gte: true } }], ['/classes/Activity', { type: { $ne: [1] } }],
    ['/classes/Settings', { probabilities: { $eq: 5 } }], ['/classes/Settings', { probabilities: 'x' }],
    ['/users', { username: { $lt: 5 } }], ['/users', { emailVerified: 'x' }], ['/users', { authData: { $in: [5] } }],
    ['/sessions', { expiresAt: { $lt: 'x' } }], ['/sessions', { expiresAt: 5 }], ['/sessions', { installationId: { $gt: 5 } }],
    ['/sessions', { createdWith: { $eq: 'x' } }], ['/sessions', { restricted: 'yes' }],
  ]) {
    assertRefused(await where(route, w, me.token), 102, `${route} ${JSON.stringify(w)}`);
  }
  // The same fields compared with their own kind answer.
  for (const [route, w] of [['/classes/Deal', { stage: 'lead' }], ['/classes/Activity', { type: { $in: ['call'] } }], ['/users', { emailVerified: { $ne: true } }], ['/sessions', { expiresAt: { $gt: DATE } }], ['/classes/Settings', { probabilities: { $exists: true } }]]) {
    const r = await where(route, w, me.token);
    assert.equal(r.status, 200, `${route} ${JSON.stringify(w)}: ${JSON.stringify(r.json)}`);
  }
});

// ---- dates compared with $eq and $ne ------------------------------------------------------------------
// Parse's PostgreSQL adapter converts a Date for $lt, $gt and a plain equality, but sent $eq's and
// $ne's as the Date's JSON, which PostgreSQL could not read as a time: the SDK's
// notEqualTo('expectedCloseDate', date), and GraphQL's equalTo and notEqualTo on any date,
// answered a bare 500 for a query any user may make of their own deals.
test('found attacking it: a date compared with $eq or $ne (notEqualTo, GraphQL equalTo) answers, not a bare 500', async () => {
  const me = await signUp('dates13');
  const titles = (r) => r.json.results.map((d) => d.title).sort();
  for (const [title, close] of [['Jan', DATE], ['Feb', { __type: 'Date', iso: '2027-02-01T00:00:00.000Z' }], ['None', undefined]]) {
    const made = await call('POST', '/classes/Deal', { token: me.token, body: { title, ...(close ? { expectedCloseDate: close } : {}) } });
    assert.equal(made.status, 201, JSON.stringify(made.json));
  }
  const eq = await where('/classes/Deal', { expectedCloseDate: { $eq: DATE } }, me.token);
  assert.equal(eq.status, 200, JSON.stringify(eq.json));
  assert.deepEqual(titles(eq), ['Jan']);
  const ne = await where('/classes/Deal', { expectedCloseDate: { $ne: DATE } }, me.token);
  assert.equal(ne.status, 200, JSON.stringify(ne.json));
  assert.deepEqual(titles(ne), ['Feb', 'None']);
  const count = await call('GET', `/classes/Deal?count=1&limit=0&where=${encodeURIComponent(JSON.stringify({ createdAt: { $ne: DATE } }))}`, { token: me.token });
  assert.equal(count.status, 200, JSON.stringify(count.json));
  assert.equal(count.json.count, 3);
  const g = await gql(`query { a: deals(where: { expectedCloseDate: { equalTo: "${DATE.iso}" } }) { count } b: deals(where: { expectedCloseDate: { notEqualTo: "${DATE.iso}" } }) { count } }`, {}, me.token);
  assert.deepEqual(g.json, { data: { a: { count: 1 }, b: { count: 2 } } }, JSON.stringify(g.json));
});

// ---- Live Query after a session ends ------------------------------------------------------------------
// The Live Query server keeps what a session token resolved to for 5 s (Parse's authCache and its
// own user cache, apart from the REST one a log-out clears): a socket whose session was logged out
// (or ended by a password change, or an account deletion) was still sent the deals shared with it
// for up to 5 s, and only then told that its session had ended. Not fixed yet (the cache lives in
// Parse's Live Query server, in another process in the cluster): left as a todo.
test('found attacking it: a socket whose session was logged out is sent no more events', { todo: 'Parse\'s Live Query auth cache keeps an ended session for up to 5 s' }, async () => {
  const owner = await signUp('lqowner13');
  const holder = await signUp('lqholder13');
  const deal = await call('POST', '/classes/Deal', { token: owner.token, body: { title: 'Shared', assignedTo: pointer('_User', holder.id) } });
  assert.equal(deal.status, 201, JSON.stringify(deal.json));
  const live = await connectLive(holder.token);
  live.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: {} }, sessionToken: holder.token });
  await live.next((f) => f.op === 'subscribed' && f.requestId === 1);
  // The session is in the Live Query server's cache once it has matched an event.
  await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: owner.token, body: { notes: 'before' } });
  await live.next((f) => f.op === 'update' && f.object.notes === 'before');
  assert.equal((await call('POST', '/logout', { token: holder.token })).status, 200);
  await sleep(300);
  await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: owner.token, body: { notes: 'after the log-out' } });
  await sleep(1500);
  live.close();
  assert.deepEqual(live.frames.filter((f) => f.op === 'update' && f.object.notes === 'after the log-out'), [], 'no event after the log-out');
});
