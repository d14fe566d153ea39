// Every write of a record, in one place: online through the client, offline (no network, the
// local store open) through the local store, which keeps the change on this device at once and
// queues it, to be sent exactly once when the network is back (the badge counts what waits).
import type { Activity, Changes, Company, Contact, Deal, DealChanges } from 'crm-wasm';
import type { Workspace } from './workspace';
import { tellOtherTabs } from './otherTabs';

export type RecordClass = 'Deal' | 'Contact' | 'Company' | 'Activity';
export interface Models { Deal: Deal; Contact: Contact; Company: Company; Activity: Activity }
export interface ChangesOf { Deal: DealChanges; Contact: Changes<Contact>; Company: Changes<Company>; Activity: Changes<Activity> }

/** Whether writes go to the local store's queue (offline, with a store open) or to the server. */
export const isOffline = (w: Workspace) => !navigator.onLine && !!w.state.local;

export async function createRecord<K extends RecordClass>(w: Workspace, className: K, object: Models[K]): Promise<Models[K]> {
  const saved = await create(w, className, object);
  tellOtherTabs(className);
  return saved;
}

async function create<K extends RecordClass>(w: Workspace, className: K, object: Models[K]): Promise<Models[K]> {
  // `as never`: K is one class at each call, which TypeScript cannot follow through the generics.
  if (isOffline(w)) return (await w.state.local!.create(className, object as never)) as Models[K];
  const c = w.client;
  switch (className) {
    case 'Deal': return (await c.createDeal(object as Deal)) as Models[K];
    case 'Contact': return (await c.createContact(object as Contact)) as Models[K];
    case 'Company': return (await c.createCompany(object as Company)) as Models[K];
    default: return (await c.createActivity(object as Activity)) as Models[K];
  }
}

/** Sends `changes` only (null unsets a field). */
export async function updateRecord<K extends RecordClass>(w: Workspace, className: K, id: string, changes: ChangesOf[K]): Promise<void> {
  await update(w, className, id, changes);
  tellOtherTabs(className);
}

async function update<K extends RecordClass>(w: Workspace, className: K, id: string, changes: ChangesOf[K]): Promise<void> {
  if (isOffline(w)) return w.state.local!.update(className, id, changes as never);
  const c = w.client;
  switch (className) {
    case 'Deal': await c.updateDeal(id, changes as DealChanges); break;
    case 'Contact': await c.updateContact(id, changes as Changes<Contact>); break;
    case 'Company':
      await c.updateCompany(id, changes as Changes<Company>);
      void w.companyChanged(id).catch(() => undefined);
      break;
    default: await c.updateActivity(id, changes as Changes<Activity>);
  }
}

export async function destroyRecord(w: Workspace, className: RecordClass, id: string): Promise<void> {
  await destroy(w, className, id);
  tellOtherTabs(className);
}

async function destroy(w: Workspace, className: RecordClass, id: string): Promise<void> {
  if (isOffline(w)) return w.state.local!.destroy(className, id);
  const c = w.client;
  switch (className) {
    case 'Deal': return c.deleteDeal(id);
    case 'Contact': return c.deleteContact(id);
    case 'Company': return c.deleteCompany(id);
    default: return c.deleteActivity(id);
  }
}

/** One record by id: from the server, or offline from the local store. */
export async function getRecord<K extends RecordClass>(w: Workspace, className: K, id: string, include: string[] = [] /* the class's pointer fields */): Promise<Models[K]> {
  const c = w.client;
  if (isOffline(w)) {
    const local = w.state.local!;
    let found: Models[RecordClass] | undefined;
    switch (className) {
      case 'Deal': [found] = await c.deals().equalTo('objectId', id).fromLocalDatastore(local).find(); break;
      case 'Contact': [found] = await c.contacts().equalTo('objectId', id).fromLocalDatastore(local).find(); break;
      case 'Company': [found] = await c.companies().equalTo('objectId', id).fromLocalDatastore(local).find(); break;
      default: [found] = await c.activities().equalTo('objectId', id).fromLocalDatastore(local).find();
    }
    if (!found) throw Object.assign(new Error('This record is not on this device.'), { code: 'OBJECT_NOT_FOUND' });
    return found as Models[K];
  }
  switch (className) {
    case 'Deal': return (await c.getDeal(id, include as never)) as Models[K];
    case 'Contact': return (await c.getContact(id, include as never)) as Models[K];
    case 'Company': return (await c.getCompany(id, include as never)) as Models[K];
    default: return (await c.getActivity(id, include as never)) as Models[K];
  }
}

/** A record with `changes` applied (null unsets), as the local copy now holds it. */
export function withChanges<T extends object>(o: T, changes: object): T {
  const next = { ...o } as Record<string, unknown>;
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next as T;
}

/** Every contact's name by id: from the server, or offline from the local store. (The board's
 * deals carry their company's name, not their contact's.) */
export async function contactNames(w: Workspace): Promise<Map<string, string>> {
  const q = w.client.contacts();
  const list = isOffline(w) ? await q.fromLocalDatastore(w.state.local!).findAll() : await q.findAll();
  return new Map(list.map((c) => [c.objectId!, c.name]));
}
