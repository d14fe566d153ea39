// What each list exports: the columns of its CSV (they read back through the importer's
// default mapping: same header names).
import type { Company, Contact, Deal } from 'crm-wasm';
import { contactNames } from '../../data/records';
import type { Workspace } from '../../data/workspace';
import { refName } from '../../lib/format';
import { stageLabel } from '../../lib/stages';
import type { CsvColumn } from './ExportCsv';

export const CONTACT_COLUMNS: CsvColumn<Contact>[] = [
  { header: 'Name', value: (c) => c.name },
  { header: 'Email', value: (c) => c.email },
  { header: 'Phone', value: (c) => c.phone },
  { header: 'Company', value: (c) => refName(c.company) },
  { header: 'Notes', value: (c) => c.notes },
];

export const COMPANY_COLUMNS: CsvColumn<Company>[] = [
  { header: 'Name', value: (c) => c.name },
  { header: 'Website', value: (c) => c.website },
  { header: 'Industry', value: (c) => c.industry },
  { header: 'Address', value: (c) => c.address },
  { header: 'Notes', value: (c) => c.notes },
];

export const DEAL_COLUMNS: CsvColumn<Deal>[] = [
  { header: 'Title', value: (d) => d.title },
  { header: 'Amount', value: (d) => d.amount },
  { header: 'Stage', value: (d) => stageLabel(d.stage) },
  { header: 'Expected close', value: (d) => d.expectedCloseDate?.slice(0, 10) },
  { header: 'Company', value: (d) => refName(d.company) },
  { header: 'Contact', value: (d) => refName(d.contact) },
  { header: 'Notes', value: (d) => d.notes },
  { header: 'Lost reason', value: (d) => d.lostReason },
];

/** The deals with their contact's name, for the Contact column (the board's deals carry only
 * their company's: the column was always empty, and a file read back lost every contact). */
export async function dealsWithContactNames(w: Workspace, deals: Deal[]): Promise<Deal[]> {
  if (!deals.some((d) => d.contact?.objectId)) return deals;
  const names = await contactNames(w);
  return deals.map((d) => {
    const name = d.contact?.objectId ? names.get(d.contact.objectId) : undefined;
    return name === undefined ? d : { ...d, contact: { ...d.contact!, name } as Deal['contact'] };
  });
}
