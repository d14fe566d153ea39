// CSV import against the server: what it already holds (for duplicates, links and rows
// imported before), then the creates, in chunks through /batch with the client's exactly-once
// creates (client-chosen objectIds: the rows' import ids), reporting progress.
import type { BatchResult, Company, Contact, CrmClient, Deal } from 'crm-wasm';
import { describeError } from '../../data/crm';
import { tellOtherTabs } from '../../data/otherTabs';
import { emptyExisting, foldKey, websiteKey, type Existing, type ImportKind, type ImportObject, type PlannedRow } from './plan';

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
  }
  return e;
}

export interface ImportOutcome {
  created: number;
  /** Rows the server already held (created by an earlier, cut-off run). */
  alreadyThere: number;
  /** Rows that failed, with the reason in words. */
  failed: { line: number; error: string }[];
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

/** Creates the planned rows' objects; `onProgress(done, total)` after each chunk. A row whose id
 * the server already holds counts as imported before only if this user created that object. */
export async function runImport(client: CrmClient, kind: ImportKind, rows: PlannedRow[], userId: string, onProgress: (done: number, total: number) => void): Promise<ImportOutcome> {
  const todo = rows.filter((r) => r.object);
  const outcome: ImportOutcome = { created: 0, alreadyThere: 0, failed: [] };
  const taken: PlannedRow[] = [];
  const chunks: PlannedRow[][] = [];
  for (let i = 0; i < todo.length; i += CHUNK) chunks.push(todo.slice(i, i + CHUNK));
  let done = 0;
  onProgress(0, todo.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      let results: BatchResult<ImportObject>[];
      try {
        results = await saveAll(client, kind, chunk.map((r) => r.object!));
      } catch (err) {
        const error = describeError(err);
        results = chunk.map(() => ({ ok: false, error: { code: 'NETWORK_ERROR', message: error } as never }));
      }
      results.forEach((r, i) => {
        if (r.ok) outcome.created++;
        else if (r.error.code === 'DUPLICATE_VALUE') taken.push(chunk[i]);
        else outcome.failed.push({ line: chunk[i].line, error: describeError(r.error) });
      });
      done += chunk.length;
      onProgress(done, todo.length);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (outcome.created > 0) tellOtherTabs(kind);
  if (taken.length > 0) {
    const own = await ownIds(client, kind, taken.map((r) => r.object!.objectId!), userId);
    for (const r of taken) {
      if (own.has(r.object!.objectId!)) outcome.alreadyThere++;
      else outcome.failed.push({ line: r.line, error: 'not imported: a record of another user already has this row’s import id' });
    }
  }
  outcome.failed.sort((a, b) => a.line - b.line);
  return outcome;
}
