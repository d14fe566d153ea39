// Sharing along a deal: who reads a deal's company, contact and activities.
//
// A deal assigned to a colleague is of little use to them without what it links to: its
// company's name, the person to call, the calls already logged and the next step planned. So:
// - a Company or Contact is read and written by its creator, and read by the assignee of every
//   deal *its creator* made that links to it. A deal made by anyone else shares nothing: whoever
//   merely reads a company (through a deal of their own) could otherwise hand it on to anyone by
//   assigning a deal of theirs;
// - an Activity on a deal is read and written by its creator and by the deal's creator and
//   assignee (the deal's own ACL: both work the deal);
// - an Activity on a contact is read and written by its creator and the contact's creator, and
//   read by whoever reads the contact;
// - the role sales-manager reads everything, as before.
// Every ACL is the server's. After a deal is saved or deleted, and after a contact or activity
// is, the ACLs that depend on it are recomputed in PostgreSQL, each in one statement from the
// rows as they are then, under a lock on the row they are computed from: so an edit racing a
// reassignment, another server instance, or an object deleted half-way cannot leave a share
// behind (each of these did, when the recomputation was a series of Parse saves). A save by a
// user never writes the ACL (the client's is dropped), so it cannot put back an older one.
// These updates send no Live Query events; the app reloads what it is shown.
'use strict';

const Config = require('parse-server/lib/Config');

const MANAGER_ROLE = 'role:sales-manager';
const idOf = (pointer) => pointer && (pointer.id || pointer.objectId);

const db = () => Config.get(Parse.applicationId).database.adapter._client;
// PostgreSQL errors for a table or column Parse has not made yet (an empty database).
const NOT_THERE = new Set(['42P01', '42703']);

/** `writers` read and write, `readers` read, the managers' role reads: for objects the server
 * creates (their later changes are made by the recomputations below). */
function accessList(writers, readers = []) {
  const acl = new Parse.ACL();
  for (const id of readers) if (id) acl.setReadAccess(id, true);
  for (const id of writers) {
    if (!id) continue;
    acl.setReadAccess(id, true);
    acl.setWriteAccess(id, true);
  }
  acl.setRoleReadAccess(MANAGER_ROLE.slice('role:'.length), true);
  return acl;
}

/** The ACL of a new activity related to `target` (a Deal or Contact the server read, or null).
 * (An afterSave recomputes it from the rows, in case the target changed meanwhile.) */
function activityAcl(activity, target) {
  const creator = idOf(activity.get('createdBy'));
  if (!target) return accessList([creator]);
  if (target.className === 'Deal') {
    return accessList([creator, idOf(target.get('createdBy')), idOf(target.get('assignedTo'))]);
  }
  const acl = target.getACL();
  const readers = acl ? Object.keys(acl.toJSON()).filter((key) => key !== '*' && !key.startsWith('role:')) : [];
  return accessList([creator, idOf(target.get('createdBy'))], readers);
}

// The permission arrays are compared as sets: the order Parse wrote them in does not matter.
const differs = (t, n) => `NOT (COALESCE(${t}."_rperm", '{}') @> ${n}.rp AND COALESCE(${t}."_rperm", '{}') <@ ${n}.rp
  AND COALESCE(${t}."_wperm", '{}') @> ${n}.wp AND COALESCE(${t}."_wperm", '{}') <@ ${n}.wp)`;
const distinct = (array) => `ARRAY(SELECT DISTINCT x FROM unnest(${array}) AS x WHERE x IS NOT NULL)`;

const SQL = {
  // A deal: its creator and assignee (what beforeSave computed, from the rows as they are now).
  Deal: `WITH n AS (SELECT "objectId", ${distinct('ARRAY["createdBy", "assignedTo"]')} AS wp,
           ${distinct(`ARRAY["createdBy", "assignedTo", '${MANAGER_ROLE}']`)} AS rp
         FROM "Deal" WHERE "objectId" = $1)
       UPDATE "Deal" t SET "_rperm" = n.rp, "_wperm" = n.wp FROM n
       WHERE t."objectId" = n."objectId" AND ${differs('t', 'n')}`,
  // A company or contact: its creator, and the assignees of the creator's deals linking to it.
  linked: (table, link) => `WITH n AS (SELECT o."objectId", ${distinct('ARRAY[o."createdBy"]')} AS wp,
           ${distinct(`ARRAY[o."createdBy", '${MANAGER_ROLE}'] || ARRAY(SELECT d."assignedTo" FROM "Deal" d
             WHERE d."${link}" = o."objectId" AND d."createdBy" = o."createdBy")`)} AS rp
         FROM "${table}" o WHERE o."objectId" = $1)
       UPDATE "${table}" t SET "_rperm" = n.rp, "_wperm" = n.wp, "updatedAt" = now() FROM n
       WHERE t."objectId" = n."objectId" AND ${differs('t', 'n')}`,
  // The activities on a deal (all, or the one $2): their creator, the deal's creator and assignee
  // (only the creator, when the deal is gone).
  dealActivities: `WITH d AS (SELECT "createdBy", "assignedTo" FROM "Deal" WHERE "objectId" = $1),
       n AS (SELECT a."objectId", ${distinct('ARRAY[a."createdBy", d."createdBy", d."assignedTo"]')} AS wp,
           ${distinct(`ARRAY[a."createdBy", d."createdBy", d."assignedTo", '${MANAGER_ROLE}']`)} AS rp
         FROM "Activity" a LEFT JOIN d ON true WHERE a."relatedDeal" = $1 AND ($2::text IS NULL OR a."objectId" = $2))
       UPDATE "Activity" t SET "_rperm" = n.rp, "_wperm" = n.wp, "updatedAt" = now() FROM n
       WHERE t."objectId" = n."objectId" AND ${differs('t', 'n')}`,
  // The activities on a contact: their creator and the contact's creator; the contact's readers read.
  contactActivities: `WITH k AS (SELECT "createdBy", "_rperm" FROM "Contact" WHERE "objectId" = $1),
       n AS (SELECT a."objectId", ${distinct('ARRAY[a."createdBy", k."createdBy"]')} AS wp,
           ${distinct(`ARRAY[a."createdBy", k."createdBy", '${MANAGER_ROLE}'] || COALESCE(k."_rperm", '{}')`)} AS rp
         FROM "Activity" a LEFT JOIN k ON true WHERE a."relatedContact" = $1 AND ($2::text IS NULL OR a."objectId" = $2))
       UPDATE "Activity" t SET "_rperm" = n.rp, "_wperm" = n.wp, "updatedAt" = now() FROM n
       WHERE t."objectId" = n."objectId" AND ${differs('t', 'n')}`,
};

/** Runs `work` with the row `table`/`id` locked: a recomputation that starts later, here
 * or in another instance, waits, and then reads every change committed before it. */
async function underLock(table, id, work) {
  try {
    return await db().tx((t) => t.any(`SELECT 1 FROM "${table}" WHERE "objectId" = $1 FOR UPDATE`, [id]).then(() => work(t)));
  } catch (error) {
    if (NOT_THERE.has(error.code)) return null;
    throw error;
  }
}

/** A Company's or Contact's ACL, from the deals that link to it; then a contact's activities'. */
async function reshareLinked(className, id) {
  const link = className === 'Company' ? 'company' : 'contact';
  await underLock(className, id, (t) => t.none(SQL.linked(className, link), [id]));
  if (className === 'Contact') await reshareActivities('Contact', id);
}

/** The ACLs of the activities on a Deal or Contact (or of the one activity `only`). */
function reshareActivities(className, id, only = null) {
  return underLock(className, id, (t) => t.none(className === 'Deal' ? SQL.dealActivities : SQL.contactActivities, [id, only]));
}

/** After a deal is saved or deleted: its own ACL (an edit racing a reassignment computed it from
 * what it read before), and what it shares. */
async function afterDealChange(deal, before, deleted = false) {
  const was = (field) => (before ? idOf(before.get(field)) : undefined);
  const now = (field) => (deleted ? undefined : idOf(deal.get(field)));
  const moved = (field) => was(field) !== now(field);
  if (!deleted) await underLock('Deal', deal.id, (t) => t.none(SQL.Deal, [deal.id]));
  const work = [];
  for (const [field, className] of [['company', 'Company'], ['contact', 'Contact']]) {
    if (!before || deleted || moved(field) || moved('assignedTo')) {
      for (const id of new Set([was(field), now(field)])) if (id) work.push(reshareLinked(className, id));
    }
  }
  // A new deal's activities: none, unless it was deleted and is being put back (Undo).
  if (!before || deleted || moved('assignedTo')) work.push(reshareActivities('Deal', deal.id));
  await Promise.all(work);
}

/** After an activity is created or moved: its ACL from its target as it is now. */
async function afterActivityChange(activity) {
  const rel = activity.get('relatedTo');
  if (rel && (rel.className === 'Deal' || rel.className === 'Contact')) await reshareActivities(rel.className, rel.objectId, activity.id);
}

/** How many activities `author` has logged on the Deal or Contact `id`, counted up to `upTo`.
 * (Per author: counted for all, an assignee who filled the owner's contact to the cap left the
 * owner unable to log anything on it.) */
async function activitiesOn(className, id, author, upTo) {
  const column = className === 'Deal' ? 'relatedDeal' : 'relatedContact';
  try {
    const row = await db().one(`SELECT count(*)::int AS n FROM (SELECT 1 FROM "Activity" WHERE "${column}" = $1 AND "createdBy" = $2 LIMIT $3) s`, [id, author, upTo]);
    return row.n;
  } catch (error) {
    if (NOT_THERE.has(error.code)) return 0;
    throw error;
  }
}

/** How many activities anyone but `owner` (the record's creator) has logged on the Deal or
 * Contact `id`, counted up to `upTo`. */
async function activitiesByOthersOn(className, id, owner, upTo) {
  const column = className === 'Deal' ? 'relatedDeal' : 'relatedContact';
  try {
    const row = await db().one(`SELECT count(*)::int AS n FROM (SELECT 1 FROM "Activity" WHERE "${column}" = $1 AND "createdBy" IS DISTINCT FROM $2 LIMIT $3) s`, [id, owner || null, upTo]);
    return row.n;
  } catch (error) {
    if (NOT_THERE.has(error.code)) return 0;
    throw error;
  }
}

/** Every deal assigned to someone other than its creator, shared as above: for data written
 * before sharing existed. Idempotent (only differing ACLs are written). */
async function shareAssignedDeals(client) {
  const rows = await client.any(
    'SELECT "objectId", "company", "contact" FROM "Deal" WHERE "assignedTo" IS DISTINCT FROM "createdBy"',
  ).catch(() => []); // no Deal table yet
  for (const id of new Set(rows.map((r) => r.company).filter(Boolean))) await reshareLinked('Company', id);
  for (const id of new Set(rows.map((r) => r.contact).filter(Boolean))) await reshareLinked('Contact', id);
  for (const row of rows) await reshareActivities('Deal', row.objectId);
  return rows.length;
}

// ---- one owner per id, for good -----------------------------------------------------------------
// Activities keep pointing at a deleted deal or contact (the app's Undo puts it back under its
// id, and they are its again), and contacts and deals at a deleted company. So an id must never
// become someone else's: a former assignee who made a deal under a deleted deal's id would be
// handed the old deal's activities. Every Company, Contact and Deal (and Activity) id is claimed in `crm_ids`
// by a trigger in the INSERT itself, and kept after a delete: a check made by Cloud Code before
// the insert could be raced (a create fired while the owner's delete commits took the id 10
// times in 10), the database's own check cannot. Its refusal is a unique violation, which Parse
// answers as DUPLICATE_VALUE (137), like any taken id.
// Activities too: nothing points at one, but the app's Undo puts a deleted one back under its
// id, and whoever had read it (a deal's assignee, a reader of its contact) took the id in
// between, with the same values: the owner's Undo was answered "already there" and the note
// they got back was the other user's, who could rewrite it and kept reading it for good.

const ID_CLASSES = ['Company', 'Contact', 'Deal', 'Activity'];
const REGISTRY = [
  'CREATE TABLE IF NOT EXISTS "crm_ids" ("className" text NOT NULL, "objectId" text NOT NULL, "createdBy" text, PRIMARY KEY ("className", "objectId"))',
  // A claim by another creator waits for a concurrent one to commit (ON CONFLICT), then fails.
  `CREATE OR REPLACE FUNCTION crm_claim_id() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO "crm_ids" ("className", "objectId", "createdBy") VALUES (TG_TABLE_NAME, NEW."objectId", NEW."createdBy")
       ON CONFLICT ("className", "objectId") DO NOTHING;
     IF NOT FOUND AND EXISTS (SELECT 1 FROM "crm_ids" WHERE "className" = TG_TABLE_NAME
         AND "objectId" = NEW."objectId" AND "createdBy" IS DISTINCT FROM NEW."createdBy") THEN
       RAISE EXCEPTION 'the objectId % of a % is taken', NEW."objectId", TG_TABLE_NAME USING ERRCODE = 'unique_violation';
     END IF;
     RETURN NEW;
   END $$`,
  ...ID_CLASSES.map((c) => `CREATE OR REPLACE TRIGGER crm_claim_id BEFORE INSERT ON "${c}" FOR EACH ROW EXECUTE FUNCTION crm_claim_id()`),
  // The ids each user claimed, counted by quota.js (kept after a delete, they are a bound of
  // their own).
  'CREATE INDEX IF NOT EXISTS "crm_ids_created_by" ON "crm_ids" ("className", "createdBy")',
];
// Once per database: the ids taken before the registry, those the earlier table of deleted ids
// held (which it replaces), and every id something still points at whose object is gone (a deal
// deleted before any of this still has its activities): that one is nobody's to take (owner
// NULL; even its owner's Undo is past). Idempotent.
const POINTED_AT = [
  ['Deal', 'Activity', 'relatedDeal'], ['Contact', 'Activity', 'relatedContact'], ['Contact', 'Deal', 'contact'],
  ['Company', 'Deal', 'company'], ['Company', 'Contact', 'company'],
];
const REGISTRY_BACKFILL = [
  ...ID_CLASSES.map((c) => `INSERT INTO "crm_ids" SELECT '${c}', "objectId", "createdBy" FROM "${c}" ON CONFLICT DO NOTHING`),
  `DO $$ BEGIN
     IF to_regclass('crm_deleted') IS NOT NULL THEN
       INSERT INTO "crm_ids" SELECT "className", "objectId", "createdBy" FROM "crm_deleted" ON CONFLICT DO NOTHING;
       DROP TABLE "crm_deleted";
     END IF;
   END $$`,
  ...POINTED_AT.map(([c, table, column]) => `INSERT INTO "crm_ids" SELECT DISTINCT '${c}', "${column}", NULL::text FROM "${table}"
     WHERE "${column}" IS NOT NULL ON CONFLICT DO NOTHING`),
];

// Once per database that registered its ids before activities' were: theirs.
const ACTIVITY_BACKFILL = ['INSERT INTO "crm_ids" SELECT \'Activity\', "objectId", "createdBy" FROM "Activity" ON CONFLICT DO NOTHING'];

/** Whether `userId` may create a `className` under `objectId`: not when it is (or was) someone
 * else's. (Asked before the save for a clear answer; the trigger above is what holds.) */
async function mayReuseId(className, objectId, userId) {
  try {
    const row = await db().oneOrNone('SELECT "createdBy" FROM "crm_ids" WHERE "className" = $1 AND "objectId" = $2', [className, objectId]);
    return !row || row.createdBy === userId;
  } catch (error) {
    if (NOT_THERE.has(error.code)) return true;
    throw error;
  }
}

module.exports = {
  idOf, accessList, activityAcl, activitiesOn, activitiesByOthersOn, afterDealChange, afterActivityChange, reshareLinked, reshareActivities,
  shareAssignedDeals, mayReuseId, REGISTRY, REGISTRY_BACKFILL, ACTIVITY_BACKFILL, ID_CLASSES, db, NOT_THERE,
};
