// CSV import against the server: what it already holds (for duplicates, links and rows
// imported before), then the creates, in chunks through /batch with the client's exactly-once
// creates (client-chosen objectIds: the rows' import ids), reporting progress.
import type { BatchResult, Company, Contact, CrmClient, Deal } from 'crm-wasm';
import { describeError } from '../../data/crm';
import { emptyExisting, foldKey, websiteKey, type Existing, type ImportKind, type ImportObject, type PlannedRow } from './plan';

/** Reads what the import compares with: the class's objectIds, and names, e-mails, websites. */
export async function loadExisting(client: CrmClient, kind: ImportKind): Promise<Existing> {
  const e = emptyExisting();
  const companies = await client.companies().select('name', 'website').findAll();
  for (const c of companies) {
    if (!c.objectId) continue;
    if (kind === 'Company') e.ids.add(c.objectId);
    e.companiesByName.set(foldKey(c.name), c.objectId);
    const site = c.website ? websiteKey(c.website) : '';
    if (site) e.companiesByWebsite.set(site, c.objectId);
  }
  if (kind === 'Company') return e;
  const contacts = await client.contacts().select('name', 'email').findAll();
  for (const c of contacts) {
    if (!c.objectId) continue;
    if (kind === 'Contact') e.ids.add(c.objectId);
    if (c.email) e.contactsByEmail.set(foldKey(c.email), c.objectId);
    if (!e.contactsByName.has(foldKey(c.name))) e.contactsByName.set(foldKey(c.name), c.objectId);
  }
  if (kind === 'Deal') {
    const deals = await client.deals().select('title').findAll();
    for (const d of deals) if (d.objectId) e.ids.add(d.objectId);
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

/** Creates the planned rows' objects; `onProgress(done, total)` after each chunk. */
export async function runImport(client: CrmClient, kind: ImportKind, rows: PlannedRow[], onProgress: (done: number, total: number) => void): Promise<ImportOutcome> {
  const todo = rows.filter((r) => r.object);
  const outcome: ImportOutcome = { created: 0, alreadyThere: 0, failed: [] };
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
        else if (r.error.code === 'DUPLICATE_VALUE') outcome.alreadyThere++;
        else outcome.failed.push({ line: chunk[i].line, error: describeError(r.error) });
      });
      done += chunk.length;
      onProgress(done, todo.length);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  outcome.failed.sort((a, b) => a.line - b.line);
  return outcome;
}
