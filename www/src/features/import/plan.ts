// CSV import as plain data: the fields each class takes, guessing the column mapping, turning
// mapped rows into objects with errors in words, finding duplicates (against what the server
// already holds and within the file), and planning the companies a contact or deal file names,
// and the contacts a deal file names, that the server lacks. No React and no network here;
// Import.tsx and run.ts do those.
import type { Company, Contact, Deal, Stage } from 'crm-wasm';
import { MAX_AMOUNT, MAX_CHARS } from '../../lib/limits';
import { FIRST_YEAR, LAST_YEAR, dateParser, numericOrderOf } from '../../lib/dates';
import { AMOUNT_SHORTHAND, formatNumber, locale } from '../../lib/format';
import { STAGES } from '../../lib/stages';

export type ImportKind = 'Company' | 'Contact' | 'Deal';

export interface FieldSpec {
  key: string;
  label: string;
  required?: boolean;
  /** Header names (folded) that map to this field without asking. */
  aliases: string[];
  /** Added after users had imported files: it joins a row's import id only when the row has a
   * value for it, so a file imported before it came gives the same ids again (and nothing is
   * created twice). Every field added from now on must say so (or be outsideId). */
  addedLater?: boolean;
  /** Not part of a row's import id at all: who owns a row does not make it another row, and
   * the app's exports had an Owner column before the import read it (with its values in the
   * id, such a file imported again would have created every deal twice). */
  outsideId?: boolean;
}

export const FIELDS: Record<ImportKind, FieldSpec[]> = {
  Company: [
    { key: 'name', label: 'Name', required: true, aliases: ['name', 'company', 'company name', 'organisation', 'organization', 'account name', 'organization - name'] },
    { key: 'website', label: 'Website', aliases: ['website', 'web', 'url', 'domain', 'site'] },
    { key: 'industry', label: 'Industry', aliases: ['industry', 'sector'] },
    { key: 'address', label: 'Address', aliases: ['address', 'street', 'location', 'organization - address'] },
    { key: 'notes', label: 'Notes', aliases: ['notes', 'note', 'comments', 'description'] },
  ],
  Contact: [
    { key: 'name', label: 'Name', required: true, aliases: ['name', 'full name', 'contact', 'contact name', 'person', 'person - name'] },
    { key: 'email', label: 'E-mail', aliases: ['email', 'e-mail', 'mail', 'email address', 'e-mail address', 'person - email'] },
    { key: 'phone', label: 'Phone', aliases: ['phone', 'telephone', 'tel', 'mobile', 'phone number', 'person - phone'] },
    { key: 'company', label: 'Company (name)', aliases: ['company', 'company name', 'organisation', 'organization', 'account', 'account name', 'associated company', 'person - organization', 'organization - name'] },
    { key: 'notes', label: 'Notes', aliases: ['notes', 'note', 'comments'] },
  ],
  Deal: [
    // Salesforce's, HubSpot's and Pipedrive's export headers too ("Opportunity Name", "Account
    // Name"; "Associated Company"; "Deal - Title", "Organization - Name", "Person - Name").
    { key: 'title', label: 'Title', required: true, aliases: ['title', 'name', 'deal', 'deal name', 'subject', 'opportunity name', 'opportunity', 'deal - title'] },
    { key: 'amount', label: 'Amount', aliases: ['amount', 'value', 'price', 'deal value', 'total', 'deal - value'] },
    { key: 'stage', label: 'Stage', aliases: ['stage', 'status', 'pipeline stage', 'deal stage', 'deal - stage'] },
    // Pipedrive keeps a won or lost deal in the stage it was in and says so in "Deal - Status"
    // (open, won, lost): without it a won deal came in as an open one. Not in the import id: a
    // file imported before it was read keeps its ids.
    { key: 'outcome', label: 'Status (won, lost or open)', aliases: ['deal - status', 'outcome', 'won/lost'], outsideId: true },
    { key: 'expectedCloseDate', label: 'Expected close', aliases: ['expected close', 'expected close date', 'expectedclosedate', 'close date', 'closing date', 'deal - expected close date'] },
    { key: 'company', label: 'Company (name)', aliases: ['company', 'company name', 'organisation', 'organization', 'account', 'account name', 'associated company', 'organization - name', 'deal - organization'] },
    { key: 'contact', label: 'Contact (e-mail or name)', aliases: ['contact', 'contact email', 'contact name', 'person', 'associated contact', 'person - name', 'deal - contact person'] },
    { key: 'notes', label: 'Notes', aliases: ['notes', 'note', 'comments', 'description'] },
    { key: 'lostReason', label: 'Lost reason', aliases: ['lost reason', 'closed lost reason', 'reason lost', 'loss reason', 'lostreason', 'deal - lost reason'], addedLater: true },
    // A colleague by the name the team knows them by (the export's Owner column): a manager
    // moving a team's pipeline from another CRM keeps who owns what.
    { key: 'owner', label: 'Owner (name)', aliases: ['owner', 'deal owner', 'opportunity owner', 'deal - owner', 'assigned to', 'assignee', 'sales rep', 'salesperson'], outsideId: true },
  ],
};

/** Field key -> CSV column (header) or '' for "not imported". */
export type Mapping = Record<string, string>;

// eslint-disable-next-line no-control-regex -- these are the characters it removes
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;
/** A cell as it is imported: control characters other than tabs and line breaks (a
 * spreadsheet's vertical tab) left out, since the server refuses text holding them, and trimmed. */
export const cleanCell = (cell: string | undefined) => (cell ?? '').replace(CONTROL, '').trim();
const fold = (s: string) => s.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase().trim();
/** A header or alias without case, accents, spaces, dashes, dots or underscores. */
const squash = (s: string) => fold(s).replace(/[\s_\-.]+/g, '');

const FIRST_NAME = ['first name', 'given name', 'forename'];
const LAST_NAME = ['last name', 'surname', 'family name'];

/** A file with first and last names in two columns (as address books and most CRMs export
 * contacts): those columns, and the header of the column that joins them ("First Name + Last
 * Name"), which the importer adds to the file and a contact's name maps to. Without it a contact
 * file had no column for the name but the first or the last name alone. */
export function nameColumns(headers: string[]): { first: string; last: string; joined: string } | undefined {
  const first = headers.find((h) => FIRST_NAME.some((a) => squash(a) === squash(h)));
  const last = headers.find((h) => LAST_NAME.some((a) => squash(a) === squash(h)));
  return first && last ? { first, last, joined: `${first} + ${last}` } : undefined;
}

/** A first mapping from the file's headers: exact alias matches, then the field's own name; a
 * contact's name, failing those, from the joined first and last names. */
export function guessMapping(kind: ImportKind, headers: string[]): Mapping {
  const mapping: Mapping = {};
  const taken = new Set<string>();
  for (const f of FIELDS[kind]) {
    const hit = headers.find((h) => !taken.has(h) && (f.aliases.some((a) => squash(a) === squash(h)) || squash(h) === squash(f.key)));
    mapping[f.key] = hit ?? '';
    if (hit) taken.add(hit);
  }
  const names = nameColumns(headers);
  if (kind === 'Contact' && !mapping.name && names && headers.includes(names.joined)) mapping.name = names.joined;
  return mapping;
}

/** What the import knows of the server's data before it starts (for duplicates and links). */
export interface Existing {
  /** objectIds of the class being imported that this user created (rows imported before). */
  ids: Set<string>;
  /** Folded e-mail -> contact id (contacts). */
  contactsByEmail: Map<string, string>;
  /** Folded name -> contact id (contacts, for deals' contact column). */
  contactsByName: Map<string, string>;
  /** Folded name -> company id. */
  companiesByName: Map<string, string>;
  /** Website host -> company id. */
  companiesByWebsite: Map<string, string>;
  /** Folded display name -> user id (the team, for deals' owner column). */
  membersByName: Map<string, string>;
}

export const emptyExisting = (): Existing => ({
  ids: new Set(), contactsByEmail: new Map(), contactsByName: new Map(), companiesByName: new Map(), companiesByWebsite: new Map(), membersByName: new Map(),
});

export type ImportObject = Company | Contact | Deal;

export interface PlannedRow {
  /** The line in the file (the header is line 1). */
  line: number;
  /** The object to create, when the row is valid and new. */
  object?: ImportObject;
  /** Why the row is not imported: each of its errors, in words, separated by "; ". */
  error?: string;
  /** Why the row is skipped: a duplicate, in words. */
  duplicate?: string;
  /** Imported before (same row, same user): nothing to do. */
  alreadyImported?: boolean;
  /** The folded name of the new company (in the plan's `companies`) the row's object links to. */
  newCompany?: string;
  /** The folded name of the new contact (in the plan's `contacts`) the row's deal links to. */
  newContact?: string;
}

/** A company the import creates because rows name it and the server has none of that name. */
export interface PlannedCompany {
  /** Its folded name (what rows and the server's names are compared by). */
  key: string;
  /** The company to create: the name as first written by a row that is imported, the objectId
   * deterministic (see newObjectIds). */
  object: Company;
}

/** A contact the import creates because deal rows name it (by a name, or "Name (e-mail)") and
 * the server has no contact of that name or e-mail. */
export interface PlannedContact {
  /** Its folded name. */
  key: string;
  /** The contact to create: named and mailed as the first row to import writes it, at that row's
   * company; the objectId deterministic (see newObjectIds). */
  object: Contact;
  /** The folded name of the new company the contact works at, when the import creates it too. */
  newCompany?: string;
}

export interface ImportPlan {
  rows: PlannedRow[];
  /** The companies to create before the rows, in the order the rows to import first name them. */
  companies: PlannedCompany[];
  /** The contacts to create after the companies and before the rows (deal files only). */
  contacts: PlannedContact[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** "https://www.Acme.com/about" -> "acme.com" (empty if it is no web address). */
export function websiteKey(website: string): string {
  const w = fold(website).replace(/^[a-z]+:\/\//, '').replace(/^www\./, '');
  return w.split(/[/?#]/)[0].replace(/:\d+$/, '');
}

function parseAmount(text: string): number | undefined {
  // "12,500.50", "12 500", "$1,200", "€ 99", and the European "€3.400,00" / "3 400,5" — but
  // never "1.2.3"
  // A currency's code before or after the number ("USD 10,500.00", "10500 EUR"), as
  // Salesforce exports amounts, is read like its sign.
  let t = text.trim().replace(/^[A-Za-z]{3}(?=[\s\d$€£¥-])|(?<=[\d\s])[A-Za-z]{3}$/, '').replace(/[\s\u00a0\u202f$€£¥]/g, '');
  // The shorthand the amount field takes, "25k" and "1.5m" (the import refused what the form
  // suggests typing).
  const shorthand = /^(.*\d)([kKmM])$/.exec(t);
  if (shorthand) {
    const n = parseAmount(shorthand[1]!);
    return n === undefined ? undefined : Math.round(n * AMOUNT_SHORTHAND[shorthand[2]!.toLowerCase()]! * 100) / 100;
  }
  if (/^-?\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(t) || /^-?\d+,\d{1,2}$/.test(t)) t = t.replace(/\./g, '').replace(',', '.');
  else t = t.replace(/,(?=\d{3}(\D|$))/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  // To the cent, as the amount field takes it.
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : undefined;
}

/** Other CRMs' stage names (Salesforce's, HubSpot's, Pipedrive's), letters only: a file
 * exported from one says "Closed Won" or "Proposal/Price Quote", and every row was refused. */
const STAGE_SYNONYMS: Record<string, Stage> = {
  closedwon: 'won', win: 'won', wins: 'won',
  closedlost: 'lost', loss: 'lost',
  new: 'lead', prospect: 'lead', prospecting: 'lead', leadin: 'lead', contactmade: 'lead', appointmentscheduled: 'lead',
  qualify: 'qualified', qualification: 'qualified', qualifiedtobuy: 'qualified', needsanalysis: 'qualified',
  proposalpricequote: 'proposal', proposalmade: 'proposal', proposalsent: 'proposal', quote: 'proposal', presentationscheduled: 'proposal',
  negotiating: 'negotiation', negotiations: 'negotiation', negotiationreview: 'negotiation', negotiationsstarted: 'negotiation', contractsent: 'negotiation',
  // HubSpot's "Decision Maker Bought-In", Salesforce's "Value Proposition", "Id. Decision
  // Makers" and "Perception Analysis", Pipedrive's "Demo Scheduled".
  decisionmakerboughtin: 'negotiation', valueproposition: 'qualified', iddecisionmakers: 'qualified', perceptionanalysis: 'proposal', demoscheduled: 'qualified',
};

function parseStage(text: string): Stage | undefined {
  const t = fold(text);
  const letters = t.replace(/[^a-z]/g, '');
  return STAGES.find((s) => s.id === t || fold(s.label) === t || s.id === letters)?.id ?? STAGE_SYNONYMS[letters];
}

/** A day as the app's date fields read it ("2026-12-20", "20/12/2026", "Dec 20 2026"; day and
 * month in the browser's order when both could be either), as the stored midnight UTC. */
const readDay = dateParser(locale);
/** A reader of a column's days: numeric ones in the order the column's own values tell
 * (numericOrderOf), else in the browser's. */
function columnDayReader(values: string[]): (text: string) => string | null {
  const order = numericOrderOf(values);
  return order === undefined ? readDay : dateParser(locale, undefined, order);
}
/** A time after the day, as other CRMs export dates ("2026-12-20 10:32", "2026-12-20T10:32:00Z",
 * "12/20/2026 10:32 AM"): the day is kept as written, the time dropped (every such row was
 * refused). */
const TIME_AFTER_DAY = /^(.*?\d)(?:,?\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/;
function parseDay(text: string, read = readDay): string | undefined {
  const day = read(text.trim().replace(TIME_AFTER_DAY, '$1'));
  return day ? `${day}T00:00:00.000Z` : undefined;
}

/** The most characters each imported text field holds (the server refuses more on save). */
const MAX_FIELD: Record<string, number> = {
  name: MAX_CHARS.name, title: MAX_CHARS.name, website: MAX_CHARS.website, industry: MAX_CHARS.industry,
  address: MAX_CHARS.address, notes: MAX_CHARS.notes, email: MAX_CHARS.email, phone: MAX_CHARS.phone,
  lostReason: MAX_CHARS.lostReason,
};

const quote = (s: string) => `“${s.length > 60 ? `${s.slice(0, 60)}…` : s}”`;

/** The folded company names the rows of a contact or deal file name that the server has no
 * company of (each once, in the order of the file): the companies an import may create. */
export function unknownCompanies(kind: ImportKind, rows: Record<string, string>[], mapping: Mapping, existing: Existing): string[] {
  if (kind === 'Company' || !mapping.company) return [];
  const out = new Set<string>();
  for (const row of rows) {
    const key = fold(cleanCell(row[mapping.company]));
    if (key && !existing.companiesByName.has(key)) out.add(key);
  }
  return [...out];
}

/** A deal's contact cell read as HubSpot, mail programs and people write a person: "Gavin
 * Belson (gavin@hooli.example)" or "Gavin Belson <gavin@…>", a bare e-mail, or a name. */
function personOf(cell: string): { name: string; email: string } {
  const angled = /^(.*?)\s*[(<]\s*([^()<>\s]+@[^()<>\s]+)\s*[)>]$/.exec(cell);
  if (angled) return { name: angled[1]!.trim(), email: angled[2]! };
  return EMAIL.test(cell) ? { name: '', email: cell } : { name: cell, email: '' };
}

/** The server's contact a deal's contact cell (read as `person`) names: by the e-mail, else by
 * the name. */
function knownContact(cell: string, { name, email }: { name: string; email: string }, existing: Existing): string | undefined {
  return existing.contactsByEmail.get(fold(cell)) ?? existing.contactsByName.get(fold(cell))
    ?? (email ? existing.contactsByEmail.get(fold(email)) : undefined) ?? (name ? existing.contactsByName.get(fold(name)) : undefined);
}

/** The folded names of the contacts the rows of a deal file name that the server has no contact
 * of (each once, in the order of the file): the contacts an import may create. A contact named
 * by an e-mail alone is not one of them (a contact needs a name). */
export function unknownContacts(kind: ImportKind, rows: Record<string, string>[], mapping: Mapping, existing: Existing): string[] {
  if (kind !== 'Deal' || !mapping.contact) return [];
  const out = new Set<string>();
  for (const row of rows) {
    const cell = cleanCell(row[mapping.contact]);
    const person = personOf(cell);
    const key = fold(person.name);
    if (key && !knownContact(cell, person, existing)) out.add(key);
  }
  return [...out];
}

/** Turns the mapped rows into objects, errors and duplicates. `ids` are the rows' import ids
 * (see importIds), in order; `existing` what the server holds; `earlierIds` the ids the same
 * rows had before the user's import key (an import made then is still recognised).
 * `companyIds` (folded name -> id, see newObjectIds) are the ids of the companies a contact
 * or deal row may name that the server does not have: such a row plans that company too (once
 * across the file) and links to it. Without them, such a row is refused. `contactIds` (folded
 * name -> id, see newObjectIds) are the same for the contacts a deal row may name. */
export function planRows(kind: ImportKind, rows: Record<string, string>[], mapping: Mapping, ids: string[], existing: Existing, lines?: number[], earlierIds?: string[], companyIds?: Map<string, string>, contactIds?: Map<string, string>): ImportPlan {
  const seenEmail = new Map<string, number>();
  const seenName = new Map<string, number>();
  const seenSite = new Map<string, number>();
  const companies = new Map<string, PlannedCompany>();
  const contacts = new Map<string, PlannedContact>();
  /** A row to import that links to a new company: the company is planned, once, named as this
   * first row to import writes it. */
  const linking = (key: string, name: string, planned: PlannedRow): PlannedRow => {
    if (!companies.has(key)) companies.set(key, { key, object: { objectId: companyIds!.get(key)!, name } });
    return { ...planned, newCompany: key };
  };
  const readCloseDate = mapping.expectedCloseDate ? columnDayReader(rows.map((row) => cleanCell(row[mapping.expectedCloseDate]))) : readDay;
  const planned = rows.map((row, i): PlannedRow => {
    // The row's line in the file (blank rows skipped before it keep their numbers).
    const line = lines?.[i] ?? i + 2;
    const get = (key: string) => (mapping[key] ? cleanCell(row[mapping[key]]) : '');
    const opt = (key: string) => get(key) || undefined;
    const id = ids[i];
    if (existing.ids.has(id) || (earlierIds && existing.ids.has(earlierIds[i]))) return { line, alreadyImported: true };
    // Every problem of the row is told at once: told only the first, a user fixed it to be told the next.
    const problems: string[] = [];
    const refused = () => ({ line, error: problems.join('; ') });
    // More values than the header has columns (papaparse keeps them in __parsed_extra): a value
    // with a comma and no quotes, so every value after it is in the wrong column ("ACME, INC."
    // was imported as the company "ACME" with the website "INC.").
    const extra = (row as { __parsed_extra?: unknown[] }).__parsed_extra;
    if (extra && extra.length > 0) problems.push(`the line has ${extra.length === 1 ? 'one value' : `${extra.length} values`} more than the header has columns (a value with a comma needs "quotes"), so its values are in the wrong columns`);
    const required = FIELDS[kind].find((f) => f.required)!;
    if (!get(required.key)) problems.push(`the ${required.label.toLowerCase()} is empty`);
    for (const f of FIELDS[kind]) {
      const max = MAX_FIELD[f.key];
      if (max !== undefined && get(f.key).length > max) problems.push(`the ${f.label.toLowerCase()} is longer than ${formatNumber(max)} characters`);
    }
    if (kind === 'Company') {
      if (problems.length > 0) return refused();
      const name = get('name');
      const site = websiteKey(get('website'));
      const byName = existing.companiesByName.get(fold(name));
      if (byName) return { line, duplicate: `a company named ${quote(name)} already exists` };
      if (site && existing.companiesByWebsite.get(site)) return { line, duplicate: `a company with the website ${quote(site)} already exists` };
      if (seenName.has(fold(name))) return { line, duplicate: `same company name as line ${seenName.get(fold(name))}` };
      if (site && seenSite.has(site)) return { line, duplicate: `same website as line ${seenSite.get(site)}` };
      seenName.set(fold(name), line);
      if (site) seenSite.set(site, line);
      const company: Company = { objectId: id, name, website: opt('website'), industry: opt('industry'), address: opt('address'), notes: opt('notes') };
      return { line, object: company };
    }
    let company: Contact['company'];
    /** The folded name of the new company the row names, if it does. */
    let newCompany: string | undefined;
    if (get('company')) {
      const key = fold(get('company'));
      const cid = existing.companiesByName.get(key);
      if (cid) company = { className: 'Company', objectId: cid };
      else if (companyIds?.has(key)) {
        if (get('company').length > MAX_CHARS.name) problems.push(`the company name is longer than ${formatNumber(MAX_CHARS.name)} characters`);
        newCompany = key;
        company = { className: 'Company', objectId: companyIds.get(key)! };
      } else problems.push(`there is no company named ${quote(get('company'))} (import companies first, or do not import this column)`);
    }
    const done = (object: ImportObject): PlannedRow => (newCompany ? linking(newCompany, get('company'), { line, object }) : { line, object });
    if (kind === 'Contact') {
      const email = get('email');
      if (email && !EMAIL.test(email)) problems.push(`${quote(email)} is not an e-mail address`);
      if (problems.length > 0) return refused();
      if (email) {
        const key = fold(email);
        if (existing.contactsByEmail.has(key)) return { line, duplicate: `a contact with the e-mail ${quote(email)} already exists` };
        if (seenEmail.has(key)) return { line, duplicate: `same e-mail as line ${seenEmail.get(key)}` };
        seenEmail.set(key, line);
      }
      const contact: Contact = { objectId: id, name: get('name'), email: email || undefined, phone: opt('phone'), company, notes: opt('notes') };
      return done(contact);
    }
    // Deal
    let amount: number | undefined;
    if (get('amount')) {
      amount = parseAmount(get('amount'));
      // The server's range (backend/rules.js): -300 passed here and failed on save.
      if (amount === undefined) problems.push(`the amount ${quote(get('amount'))} is not a number`);
      else if (amount < 0) problems.push(`the amount ${quote(get('amount'))} is negative`);
      else if (amount > MAX_AMOUNT) problems.push(`the amount ${quote(get('amount'))} is more than ${formatNumber(MAX_AMOUNT)}`);
    }
    let stage: Stage | undefined;
    const outcome = squash(get('outcome'));
    if (outcome === 'won' || outcome === 'lost') stage = outcome;
    else if (outcome === 'deleted') problems.push('the deal was deleted (its status says so)');
    else if (outcome && outcome !== 'open') problems.push(`the status ${quote(get('outcome'))} is not won, lost or open`);
    if (get('stage') && !stage) {
      stage = parseStage(get('stage'));
      if (!stage) problems.push(`the stage ${quote(get('stage'))} is not one of ${STAGES.map((s) => s.label).join(', ')}`);
    }
    let expectedCloseDate: string | undefined;
    if (get('expectedCloseDate')) {
      expectedCloseDate = parseDay(get('expectedCloseDate'), readCloseDate);
      if (!expectedCloseDate) problems.push(`the date ${quote(get('expectedCloseDate'))} is not a day the import can read (2026-12-20, 20/12/2026 or Dec 20 2026) between ${FIRST_YEAR} and ${LAST_YEAR}`);
      else if (+expectedCloseDate.slice(0, 4) < FIRST_YEAR || +expectedCloseDate.slice(0, 4) > LAST_YEAR) problems.push(`the date ${quote(get('expectedCloseDate'))} is not between ${FIRST_YEAR} and ${LAST_YEAR}`);
    }
    let contact: Deal['contact'];
    /** The new contact the row names, if it does: its folded name and how the row writes it. */
    let newContact: { key: string; name: string; email: string } | undefined;
    if (get('contact')) {
      const person = personOf(get('contact'));
      const cid = knownContact(get('contact'), person, existing);
      const key = fold(person.name);
      if (cid) contact = { className: 'Contact', objectId: cid };
      else if (key && contactIds?.has(key)) {
        if (person.name.length > MAX_CHARS.name) problems.push(`the contact's name is longer than ${formatNumber(MAX_CHARS.name)} characters`);
        if (person.email.length > MAX_CHARS.email) problems.push(`the contact's e-mail is longer than ${formatNumber(MAX_CHARS.email)} characters`);
        newContact = { key, ...person };
        contact = { className: 'Contact', objectId: contactIds.get(key)! };
      } else if (!key) problems.push(`there is no contact with the e-mail ${quote(get('contact'))} (to create one, give its name too: “Name (e-mail)”)`);
      else problems.push(`there is no contact with the e-mail or name ${quote(get('contact'))}`);
    }
    let assignedTo: Deal['assignedTo'];
    if (get('owner')) {
      const uid = existing.membersByName.get(fold(get('owner')));
      if (!uid) problems.push(`there is no colleague named ${quote(get('owner'))} (names as the team shows them; or do not import this column)`);
      else assignedTo = { className: '_User', objectId: uid };
    }
    if (problems.length > 0) return refused();
    const deal: Deal = { objectId: id, title: get('title'), amount, stage, expectedCloseDate, company, contact, assignedTo, notes: opt('notes'), lostReason: opt('lostReason') };
    const linked = done(deal);
    if (!newContact) return linked;
    // The new contact is planned once, as the first row to import writes it, at its company.
    if (!contacts.has(newContact.key)) {
      contacts.set(newContact.key, {
        key: newContact.key,
        object: { objectId: contactIds!.get(newContact.key)!, name: newContact.name, email: newContact.email || undefined, company },
        newCompany,
      });
    }
    return { ...linked, newContact: newContact.key };
  });
  return { rows: planned, companies: [...companies.values()], contacts: [...contacts.values()] };
}

/** An import id from its hash: "i" and 24 hex digits. */
const hex = (d: ArrayBuffer) => `i${[...new Uint8Array(d).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;

/** One import id per row: a hash of the user's import key, the user, the class, the row's
 * mapped values and how many identical rows came before it. The same file (or the same rows in
 * another file) imported again by the same user gives the same ids, so nothing is created twice,
 * even if the first run was cut off after the server had created some rows but before the app
 * heard it. The key is a secret of the user's (data/settings.ts importKey): without it (as
 * before it existed) anyone could compute a user's ids from a row's content, create the object
 * first and so refuse that row to its owner for good, or ask whether the owner had it. */
export async function importIds(userId: string, kind: ImportKind, rows: Record<string, string>[], mapping: Mapping, key?: string): Promise<string[]> {
  const keys = FIELDS[kind].filter((f) => !f.addedLater && !f.outsideId).map((f) => f.key);
  const later = FIELDS[kind].filter((f) => f.addedLater && !f.outsideId).map((f) => f.key);
  const seen = new Map<string, number>();
  const enc = new TextEncoder();
  const value = (row: Record<string, string>, k: string) => (mapping[k] ? (row[mapping[k]] ?? '').trim() : '');
  const inputs = rows.map((row) => {
    const values = JSON.stringify([
      ...keys.map((k) => value(row, k)),
      ...later.flatMap((k) => (value(row, k) ? [`${k}=${value(row, k)}`] : [])),
    ]);
    const n = seen.get(values) ?? 0;
    seen.set(values, n + 1);
    return enc.encode(`${key === undefined ? '' : `${key}\n`}${userId}\n${kind}\n${values}\n${n}`);
  });
  // Hashed a thousand at a time in parallel (one await per row took seconds for 10,000 rows).
  const out: string[] = [];
  for (let i = 0; i < inputs.length; i += 1000) {
    const digests = await Promise.all(inputs.slice(i, i + 1000).map((b) => crypto.subtle.digest('SHA-256', b)));
    for (const d of digests) out.push(hex(d));
  }
  return out;
}

/** The ids of the companies (or contacts) an import creates for names the server has none of: a
 * hash of the user's import key, the user, the class and the folded name, so every file of the
 * user naming one (and the same file after a cut-off run) links to the same object, created once.
 * Unlike a row's id, it leaves out everything but the name: two files naming "Acme" mean one
 * company. */
export async function newObjectIds(className: 'Company' | 'Contact', userId: string, keys: string[], key: string): Promise<Map<string, string>> {
  const enc = new TextEncoder();
  const digests = await Promise.all(keys.map((k) => crypto.subtle.digest('SHA-256', enc.encode(`${key}\n${userId}\n${className}\nby name\n${k}`))));
  return new Map(keys.map((k, i) => [k, hex(digests[i])]));
}

export const foldKey = fold;
