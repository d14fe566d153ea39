// Test-only Cloud Code, loaded by main.js when CRM_TEST_HOOKS=1 (the test instance of ctl.sh).
'use strict';

// Holding a marked Deal write: a save whose notes are "crm-test-hold:<ms>" waits that long (at
// most 20 s) in beforeSave. Parse stamps updatedAt when a write starts and publishes the Live
// Query event when it commits, so a held write commits (and its event goes out) well after
// writes stamped later: the server-side reorder the Live Query catch-up must survive
// (tests/browser_live.rs). Parse keeps one beforeSave per class, so the hook wraps the one
// main.js registered instead of replacing it.
const triggers = require('parse-server/lib/triggers');

const HOLD = /^crm-test-hold:(\d{1,5})$/;
const MAX_HOLD_MS = 20000;

const validateDeal = triggers.getTrigger('Deal', 'beforeSave', Parse.applicationId);
if (typeof validateDeal !== 'function') {
  throw new Error('test-hooks.js: main.js must register Deal beforeSave first');
}

Parse.Cloud.beforeSave('Deal', async (request) => {
  const notes = request.object.get('notes');
  const held = typeof notes === 'string' && HOLD.exec(notes);
  if (held) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number(held[1]), MAX_HOLD_MS)));
  }
  return validateDeal(request);
});

// The most database operations the calling client had in the pool at once since it last asked
// (guard.js databaseShare), for tests/security/cost.test.mjs.
const { takeDatabasePeak } = require('../guard');
Parse.Cloud.define('testDatabasePeak', () => takeDatabasePeak());

// Holds one of the pool's connections for `ms` (at most 4 s: under the statement timeout), as
// a slow query would, counted against the calling client like any of its database work.
const Config = require('parse-server/lib/Config');
Parse.Cloud.define('testHoldDatabase', async (request) => {
  const ms = Math.min(Math.max(Number(request.params.ms) || 0, 0), 4000);
  await Config.get(Parse.applicationId).database.adapter._client.query('SELECT pg_sleep($1)', [ms / 1000]);
  return ms;
});
