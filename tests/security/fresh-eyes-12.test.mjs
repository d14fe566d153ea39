// Found attacking a private backend as a signed-up user (twelfth pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBatchItemRefused, assertRefused, call, connectLive, signUp, useVictim } from './harness.mjs';

useVictim();

// ---- names every JavaScript object has -----------------------------------------------------------
// Parse looks a query's field names up in plain objects, so a name every object inherits found
// the inherited function: `order=constructor`, `keys=__proto__` or `where={"toString":{"$exists":
// false}}` answered an empty page for deals that are there (a wrong answer, where an unknown field
// is ignored or compared as absent). Such names are refused in words wherever a field is named.
test('found attacking it: order, keys, include and where refuse the names every object inherits', async () => {
  const me = await signUp('inherited12');
  const made = await call('POST', '/classes/Deal', { token: me.token, body: { title: 'Mine' } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const find = (params) => call('GET', `/classes/Deal?${new URLSearchParams(params)}`, { token: me.token });
  for (const params of [
    { order: 'constructor' }, { order: '-title,toString' }, { keys: '__proto__' }, { keys: 'title,hasOwnProperty' },
    { excludeKeys: 'valueOf' }, { include: 'company.__proto__' },
    { where: JSON.stringify({ constructor: 'x' }) }, { where: JSON.stringify({ $or: [{ toString: { $exists: false } }] }) },
  ]) {
    const r = await find(params);
    assertRefused(r, 102, JSON.stringify(params));
    assert.match(r.json.error, /is not a field name/);
  }
  assertBatchItemRefused(await call('POST', '/batch', { token: me.token, body: { requests: [{ method: 'GET', path: '/parse/classes/Deal', body: { order: 'constructor' } }] } }), 0, 102, 'in a batch');
  // A Live Query subscription is held to the same rule.
  const live = await connectLive(me.token);
  live.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: { constructor: 'x' } }, sessionToken: me.token });
  live.send({ op: 'subscribe', requestId: 2, query: { className: 'Deal', where: {}, keys: ['title', 'constructor'] }, sessionToken: me.token });
  const answers = [await live.next((f) => f.requestId === 1), await live.next((f) => f.requestId === 2)];
  live.close();
  for (const answer of answers) {
    assert.equal(answer.op, 'error', JSON.stringify(answer));
    assert.match(answer.error, /is not a field name/);
  }
  // Fields by their names still answer, the deal with them.
  for (const params of [{ order: '-title,createdAt' }, { keys: 'title,stage' }, { include: 'company' }, { where: JSON.stringify({ title: 'Mine' }) }]) {
    const r = await find(params);
    assert.equal(r.status, 200, `${JSON.stringify(params)}: ${JSON.stringify(r.json)}`);
    assert.deepEqual(r.json.results.map((d) => d.objectId), [made.json.objectId], JSON.stringify(params));
  }
});
