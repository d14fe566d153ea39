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
// The Live Query server kept what a session token resolved to for 5 s (Parse's authCache and its
// own user cache, apart from the REST one a log-out clears): a socket whose session was logged out,
// revoked, or ended by a password change was still sent the deals shared with it for up to 5 s.
// A PostgreSQL trigger now tells the Live Query server of every deleted session
// (backend/ended-sessions.js), which forgets it and closes its sockets at once.
const logIn = async (user) => {
  const r = await call('POST', '/login', { body: { username: user.username, password: user.password } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.sessionToken;
};
const sessionIdOf = async (token) => {
  const r = await call('GET', '/sessions/me', { token });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.objectId;
};
// Each way ends the first session; `endsOther` when it ends the second one too (a password change
// ends every session of the user and answers a new one for the device that made it).
for (const [how, endsOther, end] of [
  ['logged out', false, async (holder, first) => call('POST', '/logout', { token: first })],
  ['revoked from another device', false, async (holder, first, second) => call('DELETE', `/sessions/${await sessionIdOf(first)}`, { token: second })],
  ['ended by a password change on another device', true, async (holder, first, second) => call('PUT', `/users/${holder.id}`, {
    token: second, body: { password: 'pw-attack-2' }, headers: { 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword: holder.password }) },
  })],
]) {
  test(`found attacking it: a socket whose session was ${how} is sent no more events`, async () => {
    const owner = await signUp('lqowner13');
    const holder = await signUp('lqholder13');
    const second = await logIn(holder);
    const deal = await call('POST', '/classes/Deal', { token: owner.token, body: { title: 'Shared', assignedTo: pointer('_User', holder.id) } });
    assert.equal(deal.status, 201, JSON.stringify(deal.json));
    const subscribe = async (token) => {
      const live = await connectLive(token);
      live.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: {} }, sessionToken: token });
      await live.next((f) => f.op === 'subscribed' && f.requestId === 1);
      return live;
    };
    const write = (notes) => call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: owner.token, body: { notes } });
    const first = await subscribe(holder.token);
    const other = await subscribe(second);
    // A session is in the Live Query server's cache once it has matched an event.
    await write('before');
    await first.next((f) => f.op === 'update' && f.object.notes === 'before');
    await other.next((f) => f.op === 'update' && f.object.notes === 'before');
    const ended = await end(holder, holder.token, second);
    assert.equal(ended.status, 200, JSON.stringify(ended.json));
    assert.equal((await call('GET', '/users/me', { token: holder.token })).json.code, 209, 'the session is over for REST');
    const endedSockets = endsOther ? [first, other] : [first];
    // Each ended socket is told at once (an error frame, then the guard closes it), with no
    // event or heartbeat needed to find out.
    for (const live of endedSockets) {
      const closed = await Promise.race([live.closed.then(() => true), sleep(3000).then(() => false)]);
      assert.ok(closed, `an ended socket is closed: ${JSON.stringify(live.frames.slice(-2))}`);
      assert.ok(live.frames.some((f) => f.op === 'error' && f.code === 209 && f.reconnect === false), `told why: ${JSON.stringify(live.frames.slice(-2))}`);
    }
    const staying = endsOther ? await subscribe(ended.json.sessionToken) : other;
    const after = `after it was ${how}`;
    await write(after);
    // A session that did not end is still sent events; an ended one, nothing.
    await staying.next((f) => f.op === 'update' && f.object.notes === after);
    for (const live of endedSockets) {
      live.close();
      assert.deepEqual(live.frames.filter((f) => f.op === 'update' && f.object.notes !== 'before'), [], 'no event once the session ended');
    }
    staying.close();
    if (endsOther) other.close();
  });
}

// Roles are cached with the session: a sales manager removed from the role (an administrator's
// act, with the master key) was still sent every user's deals for up to 5 s.
test('found attacking it: a manager removed from the role is sent no more events of deals not theirs', async () => {
  const owner = await signUp('lqrowner13');
  const manager = await signUp('lqmanager13');
  const roles = await call('GET', `/roles?where=${encodeURIComponent(JSON.stringify({ name: 'sales-manager' }))}`, { master: true });
  const roleId = roles.json.results[0].objectId;
  const member = (op) => call('PUT', `/roles/${roleId}`, { master: true, body: { users: { __op: op, objects: [pointer('_User', manager.id)] } } });
  assert.equal((await member('AddRelation')).status, 200);
  try {
    const deal = await call('POST', '/classes/Deal', { token: owner.token, body: { title: 'Not the manager’s' } });
    assert.equal(deal.status, 201, JSON.stringify(deal.json));
    const write = (notes) => call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: owner.token, body: { notes } });
    const live = await connectLive(manager.token);
    live.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: { objectId: deal.json.objectId } }, sessionToken: manager.token });
    await live.next((f) => f.op === 'subscribed' && f.requestId === 1);
    await write('while a manager');
    await live.next((f) => f.op === 'update' && f.object.notes === 'while a manager');
    assert.equal((await member('RemoveRelation')).status, 200);
    const read = await call('GET', `/classes/Deal/${deal.json.objectId}`, { token: manager.token });
    assert.equal(read.status, 404, `REST no longer answers the deal: ${JSON.stringify(read.json)}`);
    await sleep(300);
    await write('after the role was taken');
    await sleep(1500);
    live.close();
    assert.deepEqual(live.frames.filter((f) => f.op === 'update' && f.object.notes === 'after the role was taken'), [], 'no event once the role was taken');
  } finally {
    await member('RemoveRelation');
  }
});
