// Cloud Code: the server side of the security model and input validation.
// - createdBy is always the session user on create and never changes afterwards.
// - ACLs are computed here, never taken from the client: the owner (createdBy; for a Deal also
//   assignedTo) reads and writes, role "sales-manager" reads.
// - Bad input is answered with a Parse error whose message says what is wrong.
'use strict';

const { stages: STAGES, activityTypes: ACTIVITY_TYPES } = require('../crm-vocabulary.json');
const RELATED_CLASSES = ['Contact', 'Deal'];
const MANAGER_ROLE = 'sales-manager';

function fail(message) {
  throw new Parse.Error(Parse.Error.VALIDATION_ERROR, message);
}

function requireString(obj, field) {
  const v = obj.get(field);
  if (typeof v !== 'string' || v.trim() === '') fail(`${obj.className}.${field} is required`);
}

function userPointer(id) {
  return { __type: 'Pointer', className: '_User', objectId: id };
}

function ownerAcl(userIds) {
  const acl = new Parse.ACL();
  for (const id of userIds) {
    if (!id) continue;
    acl.setReadAccess(id, true);
    acl.setWriteAccess(id, true);
  }
  acl.setRoleReadAccess(MANAGER_ROLE, true);
  return acl;
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

function creatorId(obj) {
  const c = obj.get('createdBy');
  return c && (c.id || c.objectId);
}

function validateNonNegativeNumber(obj, field) {
  const v = obj.get(field);
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    fail(`${obj.className}.${field} must be a finite number >= 0`);
  }
}

for (const className of ['Company', 'Contact']) {
  Parse.Cloud.beforeSave(className, (request) => {
    stampCreator(request);
    requireString(request.object, 'name');
    const email = request.object.get('email');
    if (className === 'Contact' && email !== undefined && email !== null && email !== '') {
      if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
        fail('Contact.email is not a valid e-mail address');
      }
    }
    request.object.setACL(ownerAcl([creatorId(request.object)]));
  });
}

Parse.Cloud.beforeSave('Deal', (request) => {
  const deal = request.object;
  stampCreator(request);
  requireString(deal, 'title');
  validateNonNegativeNumber(deal, 'amount');
  if (deal.get('stage') === undefined && !request.original) deal.set('stage', 'lead');
  const stage = deal.get('stage');
  if (!request.master && stage !== undefined && !STAGES.includes(stage)) {
    fail(`Deal.stage must be one of ${STAGES.join(', ')}`);
  }
  if (!deal.get('assignedTo') && !request.original && request.user) {
    deal.set('assignedTo', userPointer(request.user.id));
  }
  const assignee = deal.get('assignedTo');
  deal.setACL(ownerAcl([creatorId(deal), assignee && (assignee.id || assignee.objectId)]));
});

// Accepts relatedTo as {className, objectId} or as a Pointer (what the Parse JS SDK sends),
// stores {className, objectId}.
Parse.Cloud.beforeSave('Activity', async (request) => {
  const activity = request.object;
  stampCreator(request);
  const type = activity.get('type');
  if (!request.master && type !== undefined && !ACTIVITY_TYPES.includes(type)) {
    fail(`Activity.type must be one of ${ACTIVITY_TYPES.join(', ')}`);
  }
  if (activity.dirty('relatedTo')) {
    const rel = activity.get('relatedTo');
    if (rel !== undefined && rel !== null) {
      const className = rel.className;
      const objectId = rel.id || rel.objectId;
      if (!RELATED_CLASSES.includes(className) || typeof objectId !== 'string' || !objectId) {
        fail('Activity.relatedTo must point to a Contact or a Deal');
      }
      // The target must exist and be visible to this user.
      const target = await new Parse.Query(className)
        .get(objectId, request.master ? { useMasterKey: true } : { sessionToken: request.user.getSessionToken() })
        .catch(() => null);
      if (!target) fail(`Activity.relatedTo: ${className} ${objectId} not found`);
      activity.set('relatedTo', { className, objectId });
    }
  }
  activity.setACL(ownerAcl([creatorId(activity)]));
});

// LiveQuery: only signed-in users may connect.
Parse.Cloud.beforeConnect(() => {}, { requireUser: true });

// Hooks that only tests need (e.g. holding a marked write to reorder events); never loaded in
// the dev or production setup.
if (process.env.CRM_TEST_HOOKS === '1') require('./test-hooks.js');
