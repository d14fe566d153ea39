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
// Every ACL is the server's: computed here on create and whenever a deal's assignee, company or
// contact changes (or a deal goes), so a former assignee loses what no other deal still shares.
// A save by a user keeps the ACL as it was, whatever the client sends.
'use strict';

const MANAGER_ROLE = 'sales-manager';
const ACTIVITY_COLUMN = { Deal: 'relatedDeal', Contact: 'relatedContact' };
const LINK_FIELD = { Company: 'company', Contact: 'contact' };
const PAGE = 1000;

const idOf = (pointer) => pointer && (pointer.id || pointer.objectId);
const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });
const userPointer = (id) => pointer('_User', id);

/** `writers` read and write, `readers` read, the managers' role reads. */
function accessList(writers, readers = []) {
  const acl = new Parse.ACL();
  for (const id of readers) if (id) acl.setReadAccess(id, true);
  for (const id of writers) {
    if (!id) continue;
    acl.setReadAccess(id, true);
    acl.setWriteAccess(id, true);
  }
  acl.setRoleReadAccess(MANAGER_ROLE, true);
  return acl;
}

/** The users (not roles, not "*") an ACL lets read. */
function readersOf(acl) {
  if (!acl) return [];
  return Object.keys(acl.toJSON()).filter((key) => key !== '*' && !key.startsWith('role:') && acl.getReadAccess(key));
}

const sameAcl = (a, b) => JSON.stringify(sortedJson(a)) === JSON.stringify(sortedJson(b));
function sortedJson(acl) {
  const json = acl ? acl.toJSON() : {};
  return Object.keys(json).sort().map((key) => [key, json[key]]);
}

/** The ACL of a Company or Contact: its creator, and the assignees of the creator's deals that
 * link to it. */
async function linkedAcl(className, object) {
  const owner = idOf(object.get('createdBy'));
  const assignees = await new Parse.Query('Deal')
    .equalTo(LINK_FIELD[className], pointer(className, object.id))
    .equalTo('createdBy', userPointer(owner))
    .distinct('assignedTo', { useMasterKey: true });
  return accessList([owner], assignees.map(idOf).filter((id) => id && id !== owner));
}

/** The ACL of an activity related to `target` (a Deal or Contact the server read, or null). */
function activityAcl(activity, target) {
  const creator = idOf(activity.get('createdBy'));
  if (!target) return accessList([creator]);
  if (target.className === 'Deal') {
    return accessList([creator, idOf(target.get('createdBy')), idOf(target.get('assignedTo'))]);
  }
  return accessList([creator, idOf(target.get('createdBy'))], readersOf(target.getACL()));
}

/** Runs `work` for `key` one at a time in this process. A request that arrives while a run is
 * still waiting to start shares that run: it starts after the request's own write committed,
 * so it reads that write too. (Two server instances can still interleave; see the README.) */
const chains = new Map();
function serially(key, work) {
  const entry = chains.get(key) || { tail: Promise.resolve(), waiting: null };
  if (entry.waiting) return entry.waiting;
  const run = entry.tail.then(() => {
    entry.waiting = null;
    return work();
  }).catch((error) => console.error(`sharing ${key}: ${error && error.message}`));
  entry.waiting = run;
  entry.tail = run;
  chains.set(key, entry);
  run.finally(() => { if (entry.tail === run) chains.delete(key); });
  return run;
}

/** Puts a Company's or Contact's ACL right, and then its activities' if it changed. */
function reshareLinked(className, id) {
  return serially(`${className}/${id}`, async () => {
    const object = await new Parse.Query(className).get(id, { useMasterKey: true }).catch(() => null);
    if (!object) return;
    const acl = await linkedAcl(className, object);
    if (sameAcl(acl, object.getACL())) return;
    object.setACL(acl);
    await object.save(null, { useMasterKey: true });
    if (className === 'Contact') await reshareActivities('Contact', id);
  });
}

/** Puts the ACL of every activity related to a Deal or Contact right. */
async function reshareActivities(className, id) {
  const target = await new Parse.Query(className).get(id, { useMasterKey: true }).catch(() => null);
  let after = '';
  for (;;) {
    const query = new Parse.Query('Activity').equalTo(ACTIVITY_COLUMN[className], pointer(className, id))
      .select('createdBy').ascending('objectId').limit(PAGE);
    if (after) query.greaterThan('objectId', after);
    const page = await query.find({ useMasterKey: true });
    const changed = page.filter((activity) => {
      const acl = activityAcl(activity, target);
      if (sameAcl(acl, activity.getACL())) return false;
      activity.setACL(acl);
      return true;
    });
    if (changed.length > 0) await Parse.Object.saveAll(changed, { useMasterKey: true });
    if (page.length < PAGE) return;
    after = page[page.length - 1].id;
  }
}

/** After a deal is saved or deleted: what it shares may have changed. */
async function afterDealChange(deal, before, deleted = false) {
  const was = (field) => (before ? idOf(before.get(field)) : undefined);
  const now = (field) => (deleted ? undefined : idOf(deal.get(field)));
  const moved = (field) => was(field) !== now(field);
  // A new deal of its creator's own shares nothing yet.
  if (!before && !deleted && now('assignedTo') === now('createdBy')) return;
  if (!deleted && before && !moved('assignedTo') && !moved('company') && !moved('contact')) return;
  const work = [];
  for (const [field, className] of [['company', 'Company'], ['contact', 'Contact']]) {
    for (const id of new Set([was(field), idOf(deal.get(field))])) if (id) work.push(reshareLinked(className, id));
  }
  if (before && !deleted && moved('assignedTo')) {
    work.push(serially(`Deal/${deal.id}`, () => reshareActivities('Deal', deal.id)));
  }
  await Promise.all(work);
}

/** Every deal assigned to someone other than its creator, shared as above: for data written
 * before sharing existed. Idempotent (only differing ACLs are written). */
async function shareAssignedDeals(client) {
  const rows = await client.any(
    'SELECT "objectId", "company", "contact" FROM "Deal" WHERE "assignedTo" IS DISTINCT FROM "createdBy"',
  ).catch(() => []); // no Deal table yet
  const companies = new Set(rows.map((r) => r.company).filter(Boolean));
  const contacts = new Set(rows.map((r) => r.contact).filter(Boolean));
  for (const id of companies) await reshareLinked('Company', id);
  for (const id of contacts) await reshareLinked('Contact', id);
  for (const row of rows) await serially(`Deal/${row.objectId}`, () => reshareActivities('Deal', row.objectId));
  return rows.length;
}

module.exports = { accessList, linkedAcl, activityAcl, afterDealChange, shareAssignedDeals };
