// Cloud Code: the server side of the security model and input validation (the trust model is
// written out in the README).
// - Every save of every class is checked field by field against backend/rules.js: type, range,
//   size, strict dates, no unknown fields, no client-chosen ids on identities. A throw here is a
//   clean Parse error; a value that reaches Parse's encoder unchecked (an invalid Date) used to
//   crash the whole process.
// - createdBy is always the session user on create and never changes afterwards.
// - ACLs are computed here, never taken from the client: the owner (createdBy; for a Deal also
//   assignedTo) reads and writes, role "sales-manager" reads, and a deal's assignee reads what
//   the deal links to (sharing.js).
// - A deal is reassigned by its creator or its current assignee, only to an existing user, and
//   deleted by its creator only.
// - Queries (REST, GraphQL) and Live Query subscriptions accept only literal-text regexes.
// - The team: a Profile per user (display name only), its objectId the user's; every signed-in
//   user reads it, only its user writes it.
// - Settings: one per user, its objectId the user's, read and written by that user only.
// - Deleting a user removes their sessions and role memberships.
// - Activity.relatedTo behaves as a Pointer for SDK, REST and GraphQL users (related-to.js).
'use strict';

const { validatedDefinitions, CRM_CLASSES } = require('../schema');
const rules = require('../rules');
const { rewriteActivityQuery, syncRelatedColumns } = require('./related-to');
const sharing = require('./sharing');
const quota = require('./quota');
const { checkCurrentPassword, spendSubqueries } = require('../guard');

const { ACTIVITY_TYPES, RELATED_CLASSES, OBJECT_ID } = rules;

// A field without a rule, or a rule without a field, stops the server at start rather than
// letting a field through unchecked.
rules.checkAgainstSchema(validatedDefinitions());

function fail(message) {
  throw new Parse.Error(Parse.Error.VALIDATION_ERROR, message);
}

function userPointer(id) {
  return { __type: 'Pointer', className: '_User', objectId: id };
}

const { idOf } = sharing;

/** Wraps a beforeSave handler so that the object Parse logs after it (success or error path)
 * can always be encoded: Parse encodes it outside any promise, so a value it cannot encode (a
 * pointer with an empty id, an invalid Date) throws an uncaught exception and ends the
 * process. On a refusal, fields that cannot be encoded are dropped from the rejected object. */
function safely(handler) {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      dropUnencodable(request.object);
      throw error;
    }
  };
}

function dropUnencodable(obj) {
  for (let i = 0; i < 100; i++) {
    try {
      obj.toJSON();
      return;
    } catch {
      const bad = Object.keys(obj.attributes).find((key) => {
        try { Parse._encode(obj.get(key)); return false; } catch { return true; }
      });
      if (bad === undefined) return;
      delete obj.attributes[bad];
      try { obj.unset(bad); } catch { /* already gone from the estimate */ }
    }
  }
}

/** Checks every field this save sets against rules.js, plus the required ones on create. */
function validateFields(request) {
  const obj = request.object;
  const className = obj.className;
  const fieldRules = rules.fieldsOf(className);
  if (!request.original && obj.id !== undefined && !request.master) {
    if (rules.SERVER_ID_CLASSES.includes(className)) {
      throw new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, `objectIds of ${className} are chosen by the server`);
    }
    if (!OBJECT_ID.test(obj.id)) fail('a client-chosen objectId must be 10 to 32 letters and digits');
  }
  for (const key of obj.dirtyKeys()) {
    if (key === 'ACL' || key === 'objectId') continue;
    const rule = Object.prototype.hasOwnProperty.call(fieldRules, key) ? fieldRules[key] : undefined;
    if (!rule) fail(`${className}.${key} is not a field of ${className}`);
    if (rule.serverOwned) continue;
    const value = obj.get(key);
    if (value === undefined || value === null) {
      if (rule.required) fail(`${className}.${key} is required`);
      continue;
    }
    const problem = rule.check(value);
    if (problem) fail(`${className}.${key} ${problem}`);
  }
  if (!request.original) {
    for (const [key, rule] of Object.entries(fieldRules)) {
      if (rule.required && !rule.serverOwned && (obj.get(key) === undefined || obj.get(key) === null)) {
        fail(`${className}.${key} is required`);
      }
    }
  }
}

// createdBy: set from the session on create, immutable afterwards (the master key may set it,
// which the seeding script uses).
function stampCreator(request) {
  const obj = request.object;
  if (request.master) return;
  if (!request.user) throw new Parse.Error(Parse.Error.INVALID_SESSION_TOKEN, 'sign in required');
  if (!request.original) {
    obj.set('createdBy', userPointer(request.user.id));
  } else if (obj.dirty('createdBy')) {
    obj.set('createdBy', request.original.get('createdBy'));
  }
}

/** A pointer a client sets (Deal.company, Deal.contact, Contact.company) must name an object
 * that user can read: otherwise anyone could put their deal into a victim's "deals of my
 * company" list, or point at ids that do not exist. */
async function checkPointers(request, fields) {
  if (request.master) return;
  const set = fields.filter(([field]) => request.object.dirty(field) && request.object.get(field) != null);
  // Both reads at once: a deal's company and contact cost one round trip, not two.
  const found = await Promise.all(set.map(([field, className]) => new Parse.Query(className)
    .get(idOf(request.object.get(field)), { sessionToken: request.user.getSessionToken() })
    .catch(() => null)));
  set.forEach(([field, className], i) => {
    if (!found[i]) fail(`${request.object.className}.${field}: ${className} ${idOf(request.object.get(field))} not found`);
  });
}

for (const className of ['Company', 'Contact']) {
  Parse.Cloud.beforeSave(className, safely(async (request) => {
    stampCreator(request);
    validateFields(request);
    await checkIdReuse(request);
    if (className === 'Contact') await checkPointers(request, [['company', 'Company']]);
    keepServerAcl(request, () => sharing.accessList([idOf(request.object.get('createdBy'))]));
    await reserveQuota(request);
  }));
}

/** A create by a user counts against their quota (quota.js), once its other checks passed. */
async function reserveQuota(request) {
  if (request.master || request.original) return;
  await quota.reserve(request.object.className, request.user.id);
}

/** A deleted object leaves its creator's quota. */
function releaseQuota(request) {
  const creator = idOf(request.object.get('createdBy'));
  if (creator) quota.release(request.object.className, creator);
}

/** The ACL is the server's: `fresh()` on create; an update does not write it, whatever the
 * client sends (sharing.js keeps it right, and writing back the one read before the save could
 * undo a change made meanwhile). The master key may set one. */
function keepServerAcl(request, fresh) {
  const obj = request.object;
  if (request.master && obj.dirty('ACL')) return;
  if (!request.original) obj.setACL(fresh());
  else if (obj.dirty('ACL')) obj.revert('ACL');
}

/** The id of someone else's company, contact or deal, even a deleted one, cannot be taken
 * (sharing.js). */
async function checkIdReuse(request) {
  const obj = request.object;
  if (request.master || request.original || obj.id === undefined) return;
  if (!(await sharing.mayReuseId(obj.className, obj.id, request.user.id))) {
    throw new Parse.Error(Parse.Error.DUPLICATE_VALUE, `${/^[AEIOU]/.test(obj.className) ? 'an' : 'a'} ${obj.className} with this objectId existed; choose another`);
  }
}

/** Refuses an atomic decrement of `amount`: two concurrent ones each pass the `>= 0` check on
 * the value before and together go below zero. Increments can only raise it. */
function checkAmountOp(deal) {
  const op = deal.op('amount');
  if (op instanceof Parse.Op.Increment && !(op._amount > 0)) {
    fail('Deal.amount can only be raised with Increment; set the new amount instead');
  }
}

/** A deal's company and contact are its creator's to change: what a deal links to is shared
 * with its assignee (sharing.js), so an assignee who re-pointed the deal at another of the
 * creator's contacts (one they read through a second deal) kept it after that deal went back. */
function checkLinksChangedByCreator(request) {
  const before = request.original;
  if (request.master || !before || idOf(before.get('createdBy')) === request.user.id) return;
  for (const field of ['company', 'contact']) {
    if ((idOf(request.object.get(field)) || null) !== (idOf(before.get(field)) || null)) {
      throw new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, `only the creator of a deal may change its ${field}`);
    }
  }
}

/** assignedTo grants read and write through the ACL, so it must name a real user, and only the
 * creator or the current assignee may hand a deal on. */
async function checkAssignment(request) {
  const deal = request.object;
  if (request.master || !deal.dirty('assignedTo')) return;
  const assignee = deal.get('assignedTo');
  if (request.original) {
    const before = request.original;
    const me = request.user.id;
    if (idOf(before.get('createdBy')) !== me && idOf(before.get('assignedTo')) !== me) {
      throw new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, 'only the creator or the assignee of a deal may reassign it');
    }
  }
  if (!assignee) return;
  const user = await new Parse.Query(Parse.User).get(idOf(assignee), { useMasterKey: true }).catch(() => null);
  if (!user) fail(`Deal.assignedTo: no user ${idOf(assignee)}`);
}

Parse.Cloud.beforeSave('Deal', safely(async (request) => {
  const deal = request.object;
  stampCreator(request);
  if (!request.original && deal.get('stage') === undefined) deal.set('stage', 'lead');
  if (!request.original && !deal.get('assignedTo') && request.user) {
    deal.set('assignedTo', userPointer(request.user.id));
  }
  if (!request.master) {
    validateFields(request);
    checkAmountOp(deal);
  }
  await checkIdReuse(request);
  checkLinksChangedByCreator(request);
  await checkPointers(request, [['company', 'Company'], ['contact', 'Contact']]);
  await checkAssignment(request);
  deal.setACL(sharing.accessList([idOf(deal.get('createdBy')), idOf(deal.get('assignedTo'))]));
  await reserveQuota(request);
}));

// A deal that changes hands (or company, or contact) changes who reads what it links to.
Parse.Cloud.afterSave('Deal', (request) => sharing.afterDealChange(request.object, request.original));
Parse.Cloud.afterDelete('Deal', (request) => {
  releaseQuota(request);
  return sharing.afterDealChange(request.object, request.object, true);
});
// A contact put back (Undo) has its activities again; a deleted one shares them no more.
Parse.Cloud.afterSave('Contact', (request) => (request.original ? undefined : sharing.reshareActivities('Contact', request.object.id)));
Parse.Cloud.afterDelete('Contact', (request) => {
  releaseQuota(request);
  return sharing.reshareActivities('Contact', request.object.id);
});
Parse.Cloud.afterDelete('Company', releaseQuota);
Parse.Cloud.afterDelete('Activity', releaseQuota);

// Only the creator deletes a deal (the assignee can move it to lost); managers only read.
Parse.Cloud.beforeDelete('Deal', (request) => {
  if (request.master) return;
  if (idOf(request.object.get('createdBy')) !== (request.user && request.user.id)) {
    throw new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, 'only the creator of a deal may delete it');
  }
});

// Accepts relatedTo as {className, objectId} or as a Pointer (what the Parse JS SDK sends),
// stores {className, objectId}.
Parse.Cloud.beforeSave('Activity', safely(async (request) => {
  const activity = request.object;
  stampCreator(request);
  if (!request.master) validateFields(request);
  await checkIdReuse(request);
  const type = activity.get('type');
  if (request.master && type !== undefined && !ACTIVITY_TYPES.includes(type)) {
    // The seed and migrations use the master key; a wrong type is still a mistake there.
    fail(`Activity.type must be one of ${ACTIVITY_TYPES.join(', ')}`);
  }
  let target = null;
  // Moving an activity changes who reads it: its creator's call only. (An assignee who may write
  // the deal's activities moved the owner's notes to a contact of their own, and kept them.)
  if (request.original && activity.dirty('relatedTo') && !request.master && idOf(request.original.get('createdBy')) !== request.user.id) {
    throw new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, 'only the creator of an activity may move it to another deal or contact');
  }
  if (activity.dirty('relatedTo')) {
    const rel = activity.get('relatedTo');
    if (rel !== undefined && rel !== null) {
      const className = rel.className;
      const objectId = idOf(rel);
      if (!RELATED_CLASSES.includes(className) || typeof objectId !== 'string' || !OBJECT_ID.test(objectId)) {
        fail('Activity.relatedTo must point to a Contact or a Deal');
      }
      // The target must exist and be visible to this user.
      target = await new Parse.Query(className)
        .get(objectId, request.master ? { useMasterKey: true } : { sessionToken: request.user.getSessionToken() })
        .catch(() => null);
      if (!target) fail(`Activity.relatedTo: ${className} ${objectId} not found`);
      // Bounded: who reads them is recomputed in one statement when the deal changes hands.
      const most = rules.LIMITS.activitiesPerRecord;
      if (!request.master && (await sharing.activitiesOn(className, objectId, request.user.id, most)) >= most) {
        fail(`Activity.relatedTo: you have logged ${most} activities on this ${className.toLowerCase()}, the most one user may on one deal or contact`);
      }
      // And by everyone but its creator, in all: a chain of assignees, each handing the deal on to
      // the next, otherwise piled up more than its unsharing can rewrite within the timeout.
      const owner = idOf(target.get('createdBy'));
      const others = rules.LIMITS.activitiesByOthersPerRecord;
      if (!request.master && request.user.id !== owner && (await sharing.activitiesByOthersOn(className, objectId, owner, others)) >= others) {
        fail(`Activity.relatedTo: this ${className.toLowerCase()} holds ${others} activities by others than its creator, the most it may; its creator may remove some`);
      }
      activity.set('relatedTo', { className, objectId });
    }
  }
  syncRelatedColumns(activity, request.original);
  // Who may see it follows what it is logged on (sharing.js).
  if (!request.original || activity.dirty('relatedTo')) activity.setACL(sharing.activityAcl(activity, target));
  else keepServerAcl(request);
  await reserveQuota(request);
}));

// Its ACL again from the rows once committed: the deal may have changed hands meanwhile.
Parse.Cloud.afterSave('Activity', (request) => {
  const rel = (o) => o && JSON.stringify(o.get('relatedTo') || null);
  if (!request.original || rel(request.original) !== rel(request.object)) return sharing.afterActivityChange(request.object);
  return undefined;
});

// The team: a user's public profile is created by that user, under the user's own objectId (so
// there is at most one per user, and a deal's assignedTo finds its name), and written by that
// user only; every signed-in user reads it. It holds a display name and nothing else.
Parse.Cloud.beforeSave('Profile', safely(async (request) => {
  const profile = request.object;
  if (!request.master) {
    if (!request.user) throw new Parse.Error(Parse.Error.INVALID_SESSION_TOKEN, 'sign in required');
    if (profile.id !== request.user.id) {
      throw new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, 'a profile belongs to its user: its objectId is the user\'s own');
    }
    validateFields(request);
  }
  // One look-alike form per team: a colleague choosing an assignee cannot tell "Vera Victim"
  // from "Vеra Victim" (Cyrillic е), and assigning a deal shares it. A unique index on nameKey
  // (server.js) settles two saves racing for one name.
  const name = profile.get('displayName');
  if (typeof name === 'string') {
    const key = rules.displayNameKey(name);
    profile.set('nameKey', key);
    const taken = await new Parse.Query('Profile').equalTo('nameKey', key).notEqualTo('objectId', profile.id).first({ useMasterKey: true });
    if (taken) throw new Parse.Error(Parse.Error.DUPLICATE_VALUE, 'a colleague already has this display name, or one that looks the same');
  }
  const acl = new Parse.ACL();
  acl.setPublicReadAccess(true);
  acl.setWriteAccess(profile.id, true);
  profile.setACL(acl);
}));

// A user's settings (forecast currency and probabilities) are private: created by that user under
// the user's own objectId (at most one per user), read and written by that user only. No public,
// role or manager access; the ACL is the server's, whatever the client sends.
Parse.Cloud.beforeSave('Settings', safely((request) => {
  const settings = request.object;
  if (!request.master) {
    if (!request.user) throw new Parse.Error(Parse.Error.INVALID_SESSION_TOKEN, 'sign in required');
    if (settings.id !== request.user.id) {
      throw new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, 'settings belong to their user: the objectId is the user\'s own');
    }
    validateFields(request);
  }
  const acl = new Parse.ACL();
  acl.setReadAccess(settings.id, true);
  acl.setWriteAccess(settings.id, true);
  settings.setACL(acl);
}));

// Accounts: e-mail required and valid, usernames without surrounding spaces or control
// characters, ids chosen by the server, no fields beyond the schema's.
Parse.Cloud.beforeSave(Parse.User, safely(async (request) => {
  if (request.master) return;
  // An account's ACL is the server's: a user could make their own row publicly writable.
  if (request.object.dirtyKeys().includes('ACL')) {
    throw new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, "an account's access list is set by the server");
  }
  validateFields(request);
  // A password is changed only with the current one (a reset link's change is the master's).
  // So are the e-mail address and the username: the reset link goes to the e-mail address, and
  // the username is what the owner logs in with. Without the password, whoever held a session
  // set their own address, had a reset link mailed to it, chose the password and so ended every
  // session of the owner's, who could no longer log in (the password rule, gone round).
  if (request.original) {
    const changed = (field) => request.object.dirty(field)
      && (field === 'password' || request.object.get(field) !== request.original.get(field));
    const what = ['password', 'email', 'username'].filter(changed);
    if (what.length > 0) {
      await checkCurrentPassword(sharing.db(), request.original.id, request.ip, request.context && request.context.currentPassword, what[0] === 'email' ? 'the e-mail address' : `the ${what[0]}`);
    }
  }
}));

// Deleting an account needs the current password, as changing its password, e-mail address or
// username does: with a session alone (a leaked token, a shared computer) an attacker deleted the
// account, its sessions, profile and settings, and the owner could never log in again nor reach
// a deal, contact or company of theirs (each is shared with a user id that no longer exists).
Parse.Cloud.beforeDelete(Parse.User, async (request) => {
  if (request.master) return;
  await checkCurrentPassword(sharing.db(), request.object.id, request.ip, request.context && request.context.currentPassword, 'deleting the account');
});

// Deleting a user leaves nothing behind that grants access: their sessions and their role
// memberships go. (Their objectId can never be reused: clients cannot choose user ids.)
Parse.Cloud.afterDelete(Parse.User, async (request) => {
  const user = request.object;
  const profile = await new Parse.Query('Profile').get(user.id, { useMasterKey: true }).catch(() => null);
  if (profile) await profile.destroy({ useMasterKey: true });
  const settings = await new Parse.Query('Settings').get(user.id, { useMasterKey: true }).catch(() => null);
  if (settings) await settings.destroy({ useMasterKey: true });
  const sessions = await new Parse.Query('_Session').equalTo('user', user).find({ useMasterKey: true });
  await Parse.Object.destroyAll(sessions, { useMasterKey: true });
  const roles = await new Parse.Query(Parse.Role).equalTo('users', user).find({ useMasterKey: true });
  for (const role of roles) {
    role.getUsers().remove(user);
    await role.save(null, { useMasterKey: true });
  }
});

// Only literal-text regexes in queries: REST and GraphQL finds and counts both pass here.
function checkRegexes(where, depth = 0) {
  if (!where || typeof where !== 'object' || depth > 32) return;
  for (const [key, value] of Object.entries(where)) {
    if (key === '$regex') {
      const problem = rules.regexProblem(value);
      if (problem) throw new Parse.Error(Parse.Error.INVALID_QUERY, problem);
    } else if (value && typeof value === 'object') {
      checkRegexes(value, depth + 1);
    }
  }
}

for (const className of [...CRM_CLASSES, 'Profile', 'Settings', '_User']) {
  Parse.Cloud.beforeFind(className, (request) => {
    if (!request.master) {
      const where = request.query.toJSON().where || {};
      checkRegexes(where);
      // The same operator and type rules as guard.js applies to REST, here for GraphQL too.
      const problem = rules.whereProblem(className, where);
      if (problem) throw new Parse.Error(Parse.Error.INVALID_QUERY, problem);
      // Each sub-query reads up to 1,000 rows into the server: bounded per request too, as a
      // batch or a GraphQL document runs many queries.
      if (!spendSubqueries(rules.ownSubqueries(where))) {
        throw new Parse.Error(Parse.Error.INVALID_QUERY, `a request may hold at most ${rules.LIMITS.subqueriesPerRequest} sub-queries in all ($inQuery, $notInQuery, $select, $dontSelect, matchesQuery), over a batch's queries or a GraphQL document's`);
      }
    }
    if (className === 'Activity') rewriteActivityQuery(request);
  });
}

// LiveQuery: only signed-in users may connect (guard.js checks frames before this).
Parse.Cloud.beforeConnect(() => {}, { requireUser: true });

// Hooks that only tests need (e.g. holding a marked write to reorder events); never loaded in
// the dev or production setup.
if (process.env.CRM_TEST_HOOKS === '1') require('./test-hooks.js');
