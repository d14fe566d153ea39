// Findings of a third fresh-eyes attack on the trust model (README, "Trust model"), each a case
// that failed until the backend was fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { call, signUp, assertRefused, useVictim, liveSocket, sleep, crashLog, SERVER, GRAPHQL, APP } from './harness.mjs';

const victim = useVictim();
let attacker;

test('setup: an attacker with a valid session', async () => {
  attacker = await signUp('fresh3');
});

/** A GraphQL request without a session; answers { status, json, ms }. */
async function anonymousGraphQL(query) {
  const t = Date.now();
  const res = await fetch(GRAPHQL, { method: 'POST', headers: { ...APP, 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { raw: text }; }
  return { status: res.status, json, ms: Date.now() - t };
}

// ---- GraphQL: fragments spread twice, in a chain -----------------------------------------------
// The gate walks a document's selections with its fragments spread in place (to count the objects
// it reads and the fields asked for twice), once per selection set, with nothing remembered: a
// chain of fragments each spreading the next twice stands for 2^n fields in n lines. Without a
// session, 750 characters (n = 18) held the one Node process for 2 s, and 830 (n = 20) for 10 s
// (every other user's request waited; keep-alive connections timed out); each step doubles it.
// Unused fragments were walked as well. Apollo then validated what got through: 5,000 copies of
// one field (30 KB) cost it 0.4 s before Parse's field limit refused them.
const chain = (n, used = true) => {
  let doc = used ? 'query { deals { edges { node { ...F0 } } } }\n' : 'query { deals { count } }\n';
  for (let i = 0; i < n; i++) doc += `fragment F${i} on Deal { ...F${i + 1} ...F${i + 1} }\n`;
  return `${doc}fragment F${n} on Deal { title }\n`;
};

test('found attacking it: GraphQL fragments that multiply are counted once each, and refused before any walk', async () => {
  for (const [what, doc] of [['a chain of fragments spread twice', chain(19)], ['the same chain, unused', chain(19, false)], ['one field 5,000 times', `{ deals { edges { node { ${'title '.repeat(5000)} } } } }`]]) {
    const r = await anonymousGraphQL(doc);
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.equal(r.json.errors[0].extensions.code, 102, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.match(r.json.errors[0].message, /fields/);
    assert.ok(r.ms < 300, `${what}: refused in ${r.ms} ms`);
  }
  // Fragments within the limits are answered as before.
  const res = await fetch(GRAPHQL, {
    method: 'POST',
    headers: { ...APP, 'Content-Type': 'application/json', 'X-Parse-Session-Token': attacker.token },
    body: JSON.stringify({ query: 'query { deals { edges { node { ...D } } } } fragment D on Deal { title ...S } fragment S on Deal { stage amount }' }),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  assert.ok(Array.isArray(json.data.deals.edges));
});
