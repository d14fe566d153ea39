// Builds Parse Server "Defined Schema" definitions from crm-schema.json (the product's schema,
// vendored from shared/), adding what the security model needs: class-level permissions,
// Deal.createdBy (a deal is readable by its creator), indexes for the pipeline queries.
'use strict';
const fs = require('fs');
const path = require('path');

const SYSTEM_FIELDS = new Set(['objectId', 'createdAt', 'updatedAt', 'ACL']);
const USER_DEFAULT_FIELDS = new Set(['username', 'email', 'password', 'emailVerified', 'authData']);
const CRM_CLASSES = ['Company', 'Contact', 'Deal', 'Activity'];

// Every operation needs a signed-in user; rows are then narrowed by the ACLs Cloud Code sets.
const AUTHENTICATED = { requiresAuthentication: true };
const crmClp = () => ({
  find: AUTHENTICATED,
  count: AUTHENTICATED,
  get: AUTHENTICATED,
  create: AUTHENTICATED,
  update: AUTHENTICATED,
  delete: AUTHENTICATED,
  addField: {},
  protectedFields: {},
});

// Anyone may sign up; everything else on users needs a session, and ACLs keep a user's row
// writable by that user only. Other users never see an e-mail address.
const userClp = () => ({
  find: AUTHENTICATED,
  count: AUTHENTICATED,
  get: AUTHENTICATED,
  create: { '*': true },
  update: { '*': true },
  delete: { '*': true },
  addField: {},
  protectedFields: { '*': ['email'] },
});

// Roles and installations are written with the master key only (the manager role is granted
// by an administrator); any signed-in user could otherwise create a role or an installation.
const MASTER_ONLY = { find: {}, count: {}, get: {}, create: {}, update: {}, delete: {}, addField: {}, protectedFields: {} };
// A user's sessions: Parse keeps each to its user, and answered every one with its token, so
// whoever held one session (a leaked token, a shared computer) read the tokens of the owner's
// other devices, and logging the leaked one out did not end the intrusion. No client reads a
// token from here (log-in and /users/me answer the caller's own; Parse reads them with the
// master key); sessions are made by logging in (Parse's master-key write).
const SESSION_CLP = {
  find: AUTHENTICATED, count: AUTHENTICATED, get: AUTHENTICATED, create: {}, update: AUTHENTICATED, delete: AUTHENTICATED,
  addField: {}, protectedFields: { '*': ['sessionToken'] },
};
const SYSTEM_DEFINITIONS = [
  { className: '_Role', fields: {}, classLevelPermissions: MASTER_ONLY },
  { className: '_Installation', fields: {}, classLevelPermissions: MASTER_ONLY },
  { className: '_Session', fields: {}, classLevelPermissions: SESSION_CLP },
];

// created_by: each user's rows, counted for their quota (cloud/quota.js). An index's name is
// unique in the whole PostgreSQL database, not per table, and Parse creates each with CREATE
// INDEX IF NOT EXISTS: two classes' "created_by" (or "updated") made one index, and the other
// class had none (its quota count scanned the table: 160 ms at 300,000 activities, 0.4 ms with
// the index). So each name carries its class.
const INDEXES = {
  Company: { company_created_by: { createdBy: 1 } },
  Deal: { stage_close: { stage: 1, expectedCloseDate: 1 }, deal_updated: { updatedAt: 1 }, deal_created_by: { createdBy: 1 } },
  Contact: { company: { company: 1 }, contact_created_by: { createdBy: 1 } },
  Activity: { activity_updated: { updatedAt: 1 }, related_deal: { relatedDeal: 1 }, related_contact: { relatedContact: 1 }, activity_created_by: { createdBy: 1 } },
};

function fieldDefinition(name, spec) {
  const out = { type: spec.type };
  if (spec.required) out.required = true;
  if (spec.type === 'Pointer') {
    if (spec.targetClass) {
      out.targetClass = spec.targetClass;
    } else {
      // A Parse Pointer column is bound to one class. A pointer to one of several classes
      // (Activity.relatedTo: Contact or Deal) is stored as an Object {className, objectId};
      // Cloud Code validates and normalises it.
      out.type = 'Object';
    }
  }
  return out;
}

function loadDefinitions() {
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, 'crm-schema.json'), 'utf8'));
  const definitions = [];
  for (const cls of raw.classes) {
    const fields = {};
    for (const [name, spec] of Object.entries(cls.fields)) {
      if (SYSTEM_FIELDS.has(name)) continue;
      if (cls.className === '_User' && USER_DEFAULT_FIELDS.has(name)) continue;
      fields[name] = fieldDefinition(name, spec);
    }
    if (cls.className === 'Deal') {
      fields.createdBy = { type: 'Pointer', targetClass: '_User' };
    }
    if (cls.className === 'Activity') {
      // relatedTo (Contact or Deal) as class-bound Pointer columns, kept in step by Cloud Code,
      // so pointer equality, containedIn, matchesQuery, include and GraphQL's nested selection
      // and pointer filters work as a Parse Pointer's do (README: "From the Parse JS SDK").
      fields.relatedDeal = { type: 'Pointer', targetClass: 'Deal' };
      fields.relatedContact = { type: 'Pointer', targetClass: 'Contact' };
    }
    const def = { className: cls.className, fields };
    if (CRM_CLASSES.includes(cls.className)) def.classLevelPermissions = crmClp();
    if (cls.className === '_User') def.classLevelPermissions = userClp();
    if (INDEXES[cls.className]) def.indexes = INDEXES[cls.className];
    definitions.push(def);
  }
  return definitions;
}

// The team (not in the product schema, which has no public view of a user): one Profile per
// user, its objectId the user's own, a display name only. Every signed-in user reads every
// profile (Cloud Code sets a public-read ACL; the CLP still requires a session); only its user
// writes it. E-mail addresses stay on _User, protected.
const PROFILE = {
  className: 'Profile',
  // nameKey: the display name's look-alike form (rules.js displayNameKey), unique, so no one
  // takes a name that looks like a colleague's; hidden from every client.
  fields: { displayName: { type: 'String', required: true }, nameKey: { type: 'String' } },
  classLevelPermissions: { ...crmClp(), protectedFields: { '*': ['nameKey'] } },
};

// A user's own settings (not in the product schema; the app's, like Profile): the forecast's
// currency and stage probabilities, and the secret mixed into their import ids. Private: one per user, its objectId the user's own, read and
// written by that user only (Cloud Code sets an owner-only ACL; no manager or public access).
const SETTINGS = {
  className: 'Settings',
  fields: { currency: { type: 'String' }, probabilities: { type: 'Object' }, importKey: { type: 'String' } },
  classLevelPermissions: crmClp(),
};

/** The classes Cloud Code validates: the product schema's, plus Profile and Settings. */
function validatedDefinitions() {
  return [...loadDefinitions(), PROFILE, SETTINGS];
}

/** loadDefinitions() plus the system classes whose permissions we set. */
function allDefinitions() {
  return [...validatedDefinitions(), ...SYSTEM_DEFINITIONS];
}

// The names the indexes had before each carried its class. A database made then records them in
// Parse's schema for every class, though only one table has each; Parse, seeing them gone from
// the definitions, would drop each by name once per class (an index of another table first, then
// "index does not exist", and a production start stops). So before Parse's migration they are
// taken out of its records and dropped here, and the new ones built, without the statement
// timeout (a large table takes longer than it): Parse then finds them made.
const STALE_INDEX_NAMES = ['created_by', 'updated'];
async function renameIndexes(client) {
  await client.task(async (t) => {
    await t.none('SET statement_timeout = 0');
    try {
      if (await t.oneOrNone("SELECT to_regclass('\"_SCHEMA\"') AS r").then((row) => row && row.r)) {
        await t.none(`UPDATE "_SCHEMA" SET "schema" = jsonb_set("schema", '{indexes}', ("schema"->'indexes') - $1::text[])
          WHERE "className" = ANY($2) AND "schema"->'indexes' ?| $1::text[]`, [STALE_INDEX_NAMES, Object.keys(INDEXES)]);
      }
      for (const name of STALE_INDEX_NAMES) await t.none('DROP INDEX IF EXISTS $1:name', [name]);
      for (const [className, indexes] of Object.entries(INDEXES)) {
        if (!(await t.one('SELECT to_regclass($1) AS r', [`"${className}"`])).r) continue;
        for (const [name, keys] of Object.entries(indexes)) {
          await t.none(`CREATE INDEX IF NOT EXISTS $1:name ON $2:name (${Object.keys(keys).map((k) => `"${k}"`).join(', ')})`, [name, className]);
        }
      }
    } finally {
      await t.none('RESET statement_timeout');
    }
  });
}

module.exports = { loadDefinitions, validatedDefinitions, allDefinitions, renameIndexes, CRM_CLASSES };
