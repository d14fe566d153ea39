// Found attacking a private backend as a signed-up user (ninth pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRefused, call, gql, signUp, useVictim } from './harness.mjs';

const victim = useVictim();
const attacker = {};

test('setup: an attacker with a valid session', async () => {
  Object.assign(attacker, await signUp('attacker9'));
});

/** A find sent the SDK's way (a POST that says GET): long where clauses do not fit in a URL. */
const find = (className, where, extra = {}) => call('POST', `/classes/${className}`, { token: attacker.token, body: { _method: 'GET', where, limit: 1, ...extra } });
const literal = (i, length) => `\\Q${`${i.toString(36)}${'a'.repeat(length)}`.slice(0, length)}\\E`;

// ---- text searches per query ------------------------------------------------------------------
// Each $regex was held to 1,000 literal characters, but not their number: PostgreSQL keeps 32
// compiled patterns per connection, so an $or of more was compiled again for every row, and 250
// searches of 990 characters in any case (500 KB) held a connection and a core of PostgreSQL for
// the whole statement timeout (5 s) on a table of a few rows. Eight such requests at once from
// one user made another user's read of 10 deals take 2-4 s (25 ms before); from two users, 3-5 s.
test('found attacking it: a query searches text at most 8 times, for 1,000 characters in all', async () => {
  const t0 = Date.now();
  const many = Array.from({ length: 250 }, (_, i) => ({ title: { $regex: literal(i, 990), $options: 'i' } }));
  const r = await find('Deal', { $or: many });
  assertRefused(r, 102, '250 long case-blind searches');
  assert.match(r.json.error, /at most 8 times/);
  assert.ok(Date.now() - t0 < 2000, `refused before PostgreSQL ran it (${Date.now() - t0} ms)`);
  assertRefused(await find('Deal', { $or: Array.from({ length: 33 }, (_, i) => ({ title: { $regex: literal(i, 2) } })) }), 102, '33 short searches');
  assertRefused(await find('Deal', { $or: Array.from({ length: 9 }, (_, i) => ({ title: { $regex: literal(i, 2) } })) }), 102, 'nine');
  assertRefused(await find('Deal', { $or: Array.from({ length: 2 }, (_, i) => ({ notes: { $regex: literal(i, 600) } })) }), 102, '1,200 characters in all');
  // Inside sub-queries too.
  assertRefused(await find('Deal', { company: { $inQuery: { className: 'Company', where: { $or: Array.from({ length: 9 }, (_, i) => ({ name: { $regex: literal(i, 3) } })) } } } }), 102, 'in a sub-query');
  // GraphQL's filters are held to the same rules (Cloud Code's beforeFind).
  const g = await gql(`{ deals(where: { OR: [${Array.from({ length: 9 }, (_, i) => `{ title: { matchesRegex: "\\\\Q${i}a\\\\E" } }`).join(', ')}] }) { count } }`, undefined, attacker.token);
  assert.equal(g.json.errors?.[0]?.extensions?.code, 102, `GraphQL: ${JSON.stringify(g.json).slice(0, 300)}`);
  // What a search sends still works: a few fields, a contains() of 990 characters.
  assert.equal((await find('Deal', { $or: Array.from({ length: 8 }, (_, i) => ({ title: { $regex: literal(i, 100), $options: 'i' } })) })).status, 200);
  assert.equal((await find('Deal', { notes: { $regex: literal(0, 990), $options: 'i' } })).status, 200);
});

// ---- sub-queries per query and per request ------------------------------------------------------
// A sub-query ($inQuery, $select, …) counted as one condition, but each answers up to Parse's
// subqueryLimit, 1,000 values, all put into the outer query: an $or of 99 $select over a user's
// own 3,000 deals made one query of 99,000 values (9 s, the event loop blocked 0.7 s; past
// 100,000 a bare 500), and eight such requests at once held the server at 1 GB and made
// another user's reads take 1-8 s for 80 s. At most 4 in a query, and 8 in a request in all: a
// batch of 100 counts of 4 sub-queries each read 400,000 rows (26 s, 650 MB, another user's
// reads up to 3.8 s).
test('found attacking it: sub-queries are bounded per query and per request (batch, GraphQL)', async () => {
  const select = (i) => ({ title: { $select: { query: { className: 'Deal', where: { amount: { $gte: i } } }, key: 'title' } } });
  const r = await find('Deal', { $or: Array.from({ length: 99 }, (_, i) => select(i)) }, { count: 1 });
  assertRefused(r, 102, '99 sub-queries');
  assert.match(r.json.error, /at most 4 sub-queries/);
  assertRefused(await find('Deal', { $or: Array.from({ length: 5 }, (_, i) => select(i)) }), 102, 'five');
  const inQuery = (i) => ({ company: { $inQuery: { className: 'Company', where: { name: `x${i}` } } } });
  assertRefused(await find('Deal', { $and: [...Array.from({ length: 4 }, (_, i) => inQuery(i)), { contact: { $notInQuery: { className: 'Contact', where: {} } } }] }), 102, 'five of two kinds');
  assert.equal((await find('Deal', { $or: Array.from({ length: 4 }, (_, i) => select(i)) })).status, 200, 'four are served');

  // A batch: its sub-requests' sub-queries count together; past 8, each further one is refused.
  const four = { where: { $or: Array.from({ length: 4 }, (_, i) => select(i)) }, limit: 0, count: 1 };
  const batch = await call('POST', '/batch', { token: attacker.token, body: { requests: Array.from({ length: 6 }, () => ({ method: 'GET', path: '/parse/classes/Deal', body: four })) } });
  assert.equal(batch.status, 200, JSON.stringify(batch.json).slice(0, 300));
  const served = batch.json.filter((x) => x.success).length;
  assert.equal(served, 2, `two sub-requests of four sub-queries are served: ${JSON.stringify(batch.json).slice(0, 400)}`);
  for (const item of batch.json.filter((x) => x.error)) assert.equal(item.error.code, 102, JSON.stringify(item));

  // GraphQL: aliases run a filter many times.
  const aliases = Array.from({ length: 9 }, (_, i) => `a${i}: deals(first: 1, where: { company: { have: { name: { equalTo: "x${i}" } } } }) { count }`);
  const g = await gql(`{ ${aliases.join('\n')} }`, undefined, attacker.token);
  assert.equal(g.json.errors?.[0]?.extensions?.code, 102, `GraphQL: ${JSON.stringify(g.json).slice(0, 300)}`);
  const ok = await gql(`{ ${aliases.slice(0, 8).join('\n')} }`, undefined, attacker.token);
  assert.equal(ok.json.errors, undefined, `8 are served: ${JSON.stringify(ok.json).slice(0, 300)}`);
  // The budget is the request's: the next request has its own.
  assert.equal((await find('Deal', { $or: Array.from({ length: 4 }, (_, i) => select(i)) })).status, 200);
  assert.ok(victim.id);
});
