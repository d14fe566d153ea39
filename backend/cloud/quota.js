// How many companies, contacts, deals and activities one user may keep (rules.js LIMITS
// .objectsPerUser): without a bound, one signed-up account could create rows until the
// database's disk was full, for everyone. Checked on every create by a user (not the master
// key), after the save's own checks.
//
// Counting a user's rows on every create would cost a query each; instead each process counts
// them once (a bounded count on the createdBy index), then adds what it creates and removes what
// is deleted, and counts again after RECOUNT_EVERY creates or RECOUNT_MS. Other processes'
// creates and creates still in flight can take a user a little past the bound (at most what
// one process lets through between two counts), never far past it.
//
// The ids of companies, contacts and deals stay their creator's after a delete (sharing.js
// crm_ids): those a user claimed over time are bounded too, at LIMITS.idsClaimedPerKept times
// what it may keep, counted the same way (a delete gives none back).
'use strict';

const { LIMITS } = require('../rules');
const { db, NOT_THERE, ID_CLASSES } = require('./sharing');

const RECOUNT_EVERY = 500;
const RECOUNT_MS = 60_000;
// The test instance may shrink the bounds (CRM_QUOTA_SCALE), as it does the rate limits.
const scale = Number(process.env.CRM_QUOTA_SCALE || '1');

const held = new Map(); // `${className}/${userId}` -> { counted: Promise<number>, since, at }

/** The most objects of `className` one user may keep. */
function most(className) {
  return Math.max(1, Math.floor(LIMITS.objectsPerUser[className] * scale));
}

/** The most ids of `className` one user may claim over time (null: not registered). */
function mostClaimed(className) {
  return ID_CLASSES.includes(className) ? most(className) * LIMITS.idsClaimedPerKept : null;
}

/** How many rows `from` (a table and its condition on `params`) holds, counting at most `upTo`;
 * 0 before the table or its column exists. */
async function boundedCount(from, params, upTo) {
  try {
    const row = await db().one(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${from} LIMIT $${params.length + 1}) s`, [...params, upTo]);
    return row.n;
  } catch (error) {
    if (NOT_THERE.has(error.code)) return 0;
    throw error;
  }
}

const countRows = (className, userId, upTo) => boundedCount(`"${className}" WHERE "createdBy" = $1`, [userId], upTo);
const countClaimed = (className, userId, upTo) => (upTo === null ? Promise.resolve(0) : boundedCount('"crm_ids" WHERE "className" = $1 AND "createdBy" = $2', [className, userId], upTo));

const NOUN = { Company: 'companies', Contact: 'contacts', Deal: 'deals', Activity: 'activities' };

/** Counts one more object of `className` for `userId`, or refuses with EXCEEDED_QUOTA (140)
 * when they hold their most already. */
async function reserve(className, userId) {
  if (!(className in LIMITS.objectsPerUser)) return;
  const key = `${className}/${userId}`;
  const limit = most(className);
  let entry = held.get(key);
  if (!entry && held.size >= 10_000) {
    for (const [k, e] of held) if (Date.now() - e.at > RECOUNT_MS) held.delete(k);
  }
  const claimLimit = mostClaimed(className);
  if (!entry || entry.since >= RECOUNT_EVERY || Date.now() - entry.at > RECOUNT_MS) {
    // Concurrent creates (a batch) share one count.
    const counted = Promise.all([countRows(className, userId, limit + 1), countClaimed(className, userId, claimLimit === null ? null : claimLimit + 1)]);
    entry = { counted, since: 0, claimedSince: 0, at: Date.now() };
    held.set(key, entry);
    entry.counted.catch(() => held.delete(key));
  }
  const [kept, claimed] = await entry.counted;
  // No await between the checks and the counts: creates racing in this process see each other.
  if (kept + entry.since >= limit) {
    throw new Parse.Error(Parse.Error.EXCEEDED_QUOTA, `you have ${limit.toLocaleString('en-US')} ${NOUN[className]}, the most one user may keep: delete some to add more`);
  }
  if (claimLimit !== null && claimed + entry.claimedSince >= claimLimit) {
    throw new Parse.Error(Parse.Error.EXCEEDED_QUOTA, `you have created ${claimLimit.toLocaleString('en-US')} ${NOUN[className]} over time, deleted ones included, the most one user may: ask an administrator`);
  }
  entry.since += 1;
  entry.claimedSince += 1;
}

/** An object of `className` created by `userId` was deleted (its id stays claimed). */
function release(className, userId) {
  const entry = held.get(`${className}/${userId}`);
  if (entry) entry.since -= 1;
}

module.exports = { reserve, release };
