// Cloud Code's rewrite of Activity.relatedTo conditions (backend/cloud/related-to.js), on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../backend/cloud/', import.meta.url));
// The module registers an afterFind hook when loaded in Cloud Code; only its pure rewrite is
// tested here, so the registration goes nowhere.
globalThis.Parse = { Cloud: { afterFind() {} }, Error: class extends Error {} };
const { rewriteWhere } = require('./related-to.js');

test('relatedTo.className containedIn makes one clause per class, however often a class is listed', () => {
  // 1,000 "Deal"s made 1,000 clauses: 20 such lists in a where, 14 wheres in a batch, held the
  // server for seconds.
  const where = rewriteWhere({ 'relatedTo.className': { $in: Array(1000).fill('Deal').concat(['Contact', 'Nope']) } });
  const ors = JSON.stringify(where).match(/\$exists/g) || [];
  assert.equal(ors.length, 2, JSON.stringify(where));
  assert.match(JSON.stringify(where), /relatedDeal/);
  assert.match(JSON.stringify(where), /relatedContact/);
  const one = rewriteWhere({ 'relatedTo.className': { $in: ['Deal', 'Deal'] } });
  assert.equal((JSON.stringify(one).match(/\$exists/g) || []).length, 1, JSON.stringify(one));
});
