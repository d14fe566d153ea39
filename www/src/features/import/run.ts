// CSV import against the server: what it already holds (for duplicates, links and rows
// imported before), then the creates, in chunks through /batch with the client's exactly-once
// creates (client-chosen objectIds: the rows' import ids), reporting progress. The companies a
// contact or deal file names that the server lacks are created first, the same way, then the
// contacts a deal file names that it lacks.
import type { BatchResult, Company, Contact, CrmClient, Deal } from 'crm-wasm';
import { describeError } from '../../data/crm';
import { tellOtherTabs } from '../../data/otherTabs';
import { loadMembers } from '../../data/team';
import { emptyExisting, foldKey, websiteKey, type Existing, type ImportKind, type ImportObject, type ImportPlan } from './plan';

/** Whether `o` was created by `userId`. Import ids are hashes of the user and the row, so another
 * user who guesses a row can create an object under its id first (and assign it to this user, so
 * it is readable): only objects this user created count as rows imported before. */
const createdBy = (o: { createdBy?: { objectId: string } }, userId: string) => o.createdBy?.objectId === userId;

/** Reads what the import compares with: the class's objectIds this user created (rows imported
 * before), and names, e-mails, websites. */
export async function loadExisting(client: CrmClient, kind: ImportKind, userId: string): Promise<Existing> {
  const e = emptyExisting();
  const companies = await client.companies().select('name', 'website', 'createdBy').findAll();
  for (const c of companies) {
    if (!c.objectId) continue;
    if (kind === 'Company' && createdBy(c, userId)) e.ids.add(c.objectId);
    e.companiesByName.set(foldKey(c.name), c.objectId);
    const site = c.website ? websiteKey(c.website) : '';
    if (site) e.companiesByWebsite.set(site, c.objectId);
  }
  if (kind === 'Company') return e;
  const contacts = await client.contacts().select('name', 'email', 'createdBy').findAll();
  for (const c of contacts) {
    if (!c.objectId) continue;
    if (kind === 'Contact' && createdBy(c, userId)) e.ids.add(c.objectId);
    if (c.email) e.contactsByEmail.set(foldKey(c.email), c.objectId);
    if (!e.contactsByName.has(foldKey(c.name))) e.contactsByName.set(foldKey(c.name), c.objectId);
  }
  if (kind === 'Deal') {
    const deals = await client.deals().select('title', 'createdBy').findAll();
    for (const d of deals) if (d.objectId && createdBy(d, userId)) e.ids.add(d.objectId);
    for (const m of await loadMembers(client)) e.membersByName.set(foldKey(m.name), m.id);
  }
  return e;
}

export interface ImportOutcome {
  created: number;
  /** Rows the server already held (created by an earlier, cut-off run). */
  alreadyThere: number;
  /** Rows that failed, with the reason in words. */
  failed: { line: number; error: string }[];
  /** The new companies of the plan: created, already there (an earlier, cut-off run), failed. */
  companies: { created: number; alreadyThere: number; failed: number };
  /** The new contacts of the plan, the same way. */
  contacts: { created: number; alreadyThere: number; failed: number };
}

const CHUNK = 250;
const PARALLEL = 3;

function saveAll(client: CrmClient, kind: ImportKind, objects: ImportObject[]): Promise<BatchResult<ImportObject>[]> {
  switch (kind) {
    case 'Company':
      return client.saveAllCompanies(objects as Company[]);
    case 'Contact':
      return client.saveAllContacts(objects as Contact[]);
    case 'Deal':
      return client.saveAllDeals(objects as Deal[]);
  }
}

/** Of `ids`, those whose objects this user created; the others exist but are not this user's.
 * (The typed models need their required field, so it is selected too.) */
async function ownIds(client: CrmClient, kind: ImportKind, ids: string[], userId: string): Promise<Set<string>> {
  const own = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    const found: { objectId?: string; createdBy?: { objectId: string } }[] =
      kind === 'Company'
        ? await client.companies().containedIn('objectId', part).select('name', 'createdBy').limit(part.length).find()
        : kind === 'Contact'
          ? await client.contacts().containedIn('objectId', part).select('name', 'createdBy').limit(part.length).find()
          : await client.deals().containedIn('objectId', part).select('title', 'createdBy').limit(part.length).find();
    for (const o of found) if (o.objectId && createdBy(o, userId)) own.add(o.objectId);
  }
  return own;
}

/** What creating some objects of a class came to: the index of each one that failed, with the
 * reason in words, and how many were created and were there already. */
interface Saved {
  created: number;
  alreadyThere: number;
  failed: Map<number, string>;
}

/** Creates `objects` in chunks through /batch, `onChunk(n)` after each chunk of n. An object whose
 * id the server already holds counts as there already only if this user created it (else it
 * fails with `takenError`). */
async function createAll(client: CrmClient, kind: ImportKind, objects: ImportObject[], userId: string, takenError: string, onChunk: (n: number) => void): Promise<Saved> {
  const saved: Saved = { created: 0, alreadyThere: 0, failed: new Map() };
  const taken: number[] = [];
  const chunks: number[][] = [];
  for (let i = 0; i < objects.length; i += CHUNK) chunks.push(Array.from({ length: Math.min(CHUNK, objects.length - i) }, (_, j) => i + j));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      let results: BatchResult<ImportObject>[];
      try {
        results = await saveAll(client, kind, chunk.map((i) => objects[i]));
      } catch (err) {
        const error = describeError(err);
        results = chunk.map(() => ({ ok: false, error: { code: 'NETWORK_ERROR', message: error } as never }));
      }
      results.forEach((r, j) => {
        if (r.ok) saved.created++;
        else if (r.error.code === 'DUPLICATE_VALUE') taken.push(chunk[j]);
        else saved.failed.set(chunk[j], describeError(r.error));
      });
      onChunk(chunk.length);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (saved.created > 0) tellOtherTabs(kind);
  if (taken.length > 0) {
    const own = await ownIds(client, kind, taken.map((i) => objects[i].objectId!), userId);
    for (const i of taken) {
      if (own.has(objects[i].objectId!)) saved.alreadyThere++;
      else saved.failed.set(i, takenError);
    }
  }
  return saved;
}

/** Creates the plan's new companies, then its new contacts, then its rows' objects;
 * `onProgress(done, total)` after each chunk (all counted). A contact or row that links to a new
 * company or contact that could not be created is not sent: it fails, with that one's reason. */
export async function runImport(client: CrmClient, kind: ImportKind, plan: ImportPlan, userId: string, onProgress: (done: number, total: number) => void): Promise<ImportOutcome> {
  const todo = plan.rows.filter((r) => r.object);
  const total = plan.companies.length + plan.contacts.length + todo.length;
  let done = 0;
  const progress = (n: number) => onProgress((done += n), total);
  onProgress(0, total);
  const none = { created: 0, alreadyThere: 0, failed: 0 };
  const outcome: ImportOutcome = { created: 0, alreadyThere: 0, failed: [], companies: none, contacts: none };
  const taken = 'a record of another user already has its import id';

  const companies = await createAll(client, 'Company', plan.companies.map((c) => c.object), userId, taken, progress);
  outcome.companies = { created: companies.created, alreadyThere: companies.alreadyThere, failed: companies.failed.size };
  /** Folded name -> why that new company is not there. */
  const missingCompany = new Map([...companies.failed].map(([i, error]) => [plan.companies[i].key, `the new company “${plan.companies[i].object.name}” could not be created: ${error}`]));

  /** Folded name -> why that new contact is not there (its new company's failure, or its own). */
  const missingContact = new Map<string, string>();
  const contactMissing = (c: (typeof plan.contacts)[number], why: string) => missingContact.set(c.key, `the new contact “${c.object.name}” could not be created: ${why}`);
  const contactsToSend = plan.contacts.filter((c) => {
    const why = c.newCompany && missingCompany.get(c.newCompany);
    if (why) contactMissing(c, why);
    return !why;
  });
  progress(plan.contacts.length - contactsToSend.length);
  const contacts = await createAll(client, 'Contact', contactsToSend.map((c) => c.object), userId, taken, progress);
  for (const [i, error] of contacts.failed) contactMissing(contactsToSend[i], error);
  outcome.contacts = { created: contacts.created, alreadyThere: contacts.alreadyThere, failed: missingContact.size };

  const send = todo.filter((r) => {
    const why = (r.newCompany && missingCompany.get(r.newCompany)) || (r.newContact && missingContact.get(r.newContact));
    if (why) outcome.failed.push({ line: r.line, error: `not imported: ${why}` });
    return !why;
  });
  progress(todo.length - send.length);

  const rows = await createAll(client, kind, send.map((r) => r.object!), userId, 'not imported: a record of another user already has this row’s import id', progress);
  outcome.created = rows.created;
  outcome.alreadyThere = rows.alreadyThere;
  for (const [i, error] of rows.failed) outcome.failed.push({ line: send[i].line, error });
  outcome.failed.sort((a, b) => a.line - b.line);
  return outcome;
}
