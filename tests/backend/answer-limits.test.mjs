// The gate's measures of an answer (backend/guard.js), on their own: how many objects a query's
// includes make each result carry, and whether an answer's JSON would pass a length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../backend/', import.meta.url));
const { longerThan, includedPaths } = require('./guard.js');
const { LIMITS } = require('./rules.js');

test('included paths count every step of a dotted path once, and "*" as the most a query may name', () => {
  assert.equal(includedPaths(undefined), 0);
  assert.equal(includedPaths(''), 0);
  assert.equal(includedPaths('company'), 1);
  assert.equal(includedPaths('company,contact'), 2);
  assert.equal(includedPaths('contact.company,contact'), 2);
  assert.equal(includedPaths('company,contact.company.owner'), 4);
  assert.equal(includedPaths(['company', 'contact']), 2);
  assert.equal(includedPaths('*'), LIMITS.includeCount);
  // includeAll includes every pointer; a dotted key includes the pointers on its way.
  assert.equal(includedPaths(undefined, { includeAll: true }), LIMITS.includeCount);
  assert.equal(includedPaths(undefined, { includeAll: 'true' }), LIMITS.includeCount);
  assert.equal(includedPaths('company', { keys: 'notes,company.notes,contact.company.notes' }), 3);
  // Parse reads a parameter as JSON when it is one: a quoted "*" includes everything.
  assert.equal(includedPaths('"*"'), LIMITS.includeCount);
  assert.equal(includedPaths('["company","contact"]'), 2);
  // A dotted excludeKeys includes the pointers on its way too.
  assert.equal(includedPaths(undefined, { excludeKeys: 'company.notes,contact.company.notes' }), 3);
});

test("an answer's length is measured in bytes as JSON writes it, a shared object each time, and stops once past", () => {
  const company = { objectId: 'c1', name: 'x'.repeat(10_000) };
  const deals = Array.from({ length: 1000 }, (_, i) => ({ objectId: `d${i}`, title: 't', company }));
  const bytes = (v) => Buffer.byteLength(JSON.stringify(v));
  const written = bytes({ results: deals });
  // The estimate is within a few percent of what JSON writes, under or over.
  assert.ok(longerThan({ results: deals }, written * 0.95), 'longer than 95% of it');
  assert.ok(!longerThan({ results: deals }, written * 1.05), 'not longer than 105% of it');
  // The same company under 1,000 deals is 1,000 times its length, as in the JSON.
  assert.ok(longerThan({ results: deals }, 9_000_000));
  assert.ok(!longerThan({ results: [company] }, 20_000));
  // Escapes count: a quote is written as two characters, a control character as six.
  const quoted = { notes: '"'.repeat(10_000), lines: 'a\n'.repeat(5000), old: '\u0001'.repeat(1000) };
  const length = bytes(quoted);
  assert.ok(longerThan(quoted, length * 0.97) && !longerThan(quoted, length * 1.03), `${length}`);
  // In UTF-8: a note of 10,000 euro signs is 30,000 bytes.
  const euros = { notes: '€'.repeat(10_000) };
  assert.ok(longerThan(euros, bytes(euros) * 0.97) && !longerThan(euros, bytes(euros) * 1.03));
  // Dates and other objects with toJSON are measured as written.
  assert.ok(!longerThan({ at: new Date(0) }, 100) && longerThan({ at: new Date(0) }, 20));
  // Past the budget it stops: a huge answer costs no more than the budget's worth of walking.
  let read = 0;
  const counted = { get title() { read += 1; return 'x'.repeat(100); } };
  const huge = Array.from({ length: 200_000 }, () => ({ objectId: 'd', counted }));
  assert.ok(longerThan(huge, 1000));
  assert.ok(read < 20, `stopped after reading ${read} titles of 200,000`);
});
