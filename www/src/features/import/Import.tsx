// CSV import of companies, contacts or deals: pick a file, map its columns to fields, check the
// rows (a preview, errors in words, duplicates against the server and within the file), then
// import with a progress bar. Importing the same file again, or again after a cut connection,
// creates nothing twice: every row has an import id (plan.ts) used as its objectId. A contact or
// deal file naming companies the server lacks creates them first (the preview names them), each
// once, under an id of its name.
import { useState } from 'react';
import Papa from 'papaparse';
import { Alert, Badge, Button, FileInput, Group, List, NativeSelect, Paper, Progress, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconFileImport, IconUpload } from '@tabler/icons-react';
import { PageHeader } from '../../components/PageHeader';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { formatDate, plural } from '../../lib/format';
import { cleanCell, FIELDS, guessMapping, importIds, nameColumns, newObjectIds, planRows, unknownCompanies, unknownContacts, type ImportKind, type ImportPlan, type Mapping, type PlannedRow } from './plan';
import { importKey } from '../../data/settings';
import { loadExisting, runImport, type ImportOutcome } from './run';

const KINDS: { value: ImportKind; label: string }[] = [
  { value: 'Company', label: 'Companies' },
  { value: 'Contact', label: 'Contacts' },
  { value: 'Deal', label: 'Deals' },
];

interface Parsed {
  name: string;
  /** The columns to map: the file's, then a first and last name joined (nameColumns). */
  headers: string[];
  /** The file's own columns. */
  fileHeaders: string[];
  rows: Record<string, string>[];
  /** Each row's line in the file (the header is line 1; blank rows are skipped, not renumbered). */
  lines: number[];
  /** How many blank rows were skipped. */
  blank: number;
  /** Lines the CSV parser could not read, in words. */
  problems: string[];
}

function parseFile(file: File): Promise<Parsed> {
  return new Promise((resolve, reject) => {
    Papa.parse<Record<string, string>>(file, {
      header: true,
      // Blank rows are dropped below, keeping every other row's line in the file.
      skipEmptyLines: false,
      transformHeader: (h) => h.trim(),
      complete: (r) => {
        const isBlank = (row: Record<string, string>) => Object.values(row).every((v) => (v ?? '').trim() === '');
        const blankRows = new Set(r.data.flatMap((row, i) => (isBlank(row) ? [i] : [])));
        // A file's last line break makes no row worth telling about.
        const trailing = r.data.length > 0 && blankRows.has(r.data.length - 1) ? 1 : 0;
        const fileHeaders = (r.meta.fields ?? []).filter((h) => h !== '');
        const rows = r.data.filter((_, i) => !blankRows.has(i));
        // First and last names in two columns: one more column joins them, for a contact's name.
        const names = nameColumns(fileHeaders);
        const joined = names && !fileHeaders.includes(names.joined) ? names : undefined;
        if (joined) {
          for (const row of rows) row[joined.joined] = [row[joined.first], row[joined.last]].map((v) => (v ?? '').trim()).filter(Boolean).join(' ');
        }
        resolve({
          name: file.name,
          headers: joined ? [...fileHeaders, joined.joined] : fileHeaders,
          fileHeaders,
          rows,
          lines: r.data.flatMap((_, i) => (blankRows.has(i) ? [] : [i + 2])),
          blank: blankRows.size - trailing,
          problems: r.errors
            .filter((e) => e.row === undefined || !blankRows.has(e.row))
            .slice(0, 50).map((e) => (e.row !== undefined ? `Line ${e.row + 2}: ${e.message}` : e.message)),
        });
      },
      error: (e) => reject(e),
    });
  });
}

const MAX_LISTED = 200;
/** A preview cell: a date as the import will save it ("Apr 3, 2027": "03/04/2027" can be read
 * two ways, and the preview showed the text, not the day), anything else as the file has it. */
function shownCell(key: string, row: PlannedRow, text: string): string {
  const saved = key === 'expectedCloseDate' && row.object && 'expectedCloseDate' in row.object ? row.object.expectedCloseDate : undefined;
  return saved ? formatDate(saved) : text;
}

/** How many of the new companies (and of the new contacts) the preview names. */
const MAX_NEW_NAMED = 10;

/** What the import will create besides the rows (new companies, new contacts), named before
 * anything is written; nothing when there is none. */
function NewObjects({ testId, names, one, many, why, without }: { testId: string; names: string[]; one: string; many: string; why: string; without: string }) {
  if (names.length === 0) return null;
  return (
    <Alert color="blue" variant="light" mb="sm" data-testid={testId}>
      <Text size="sm">
        <b>{plural(names.length, one, many)} will be created:</b>{' '}
        {names.slice(0, MAX_NEW_NAMED).join(', ')}
        {names.length > MAX_NEW_NAMED && ` and ${names.length - MAX_NEW_NAMED} more`}
      </Text>
      <Text size="xs" c="dimmed" mt={4}>{why} {without}</Text>
    </Alert>
  );
}

/** Scrolls an element into view when it mounts (a stable ref callback: once, not per render). */
const intoView = (el: HTMLElement | null) => el?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });

export function Import() {
  const { client, user } = useSession();
  const [kind, setKind] = useState<ImportKind>('Contact');
  const [parsed, setParsed] = useState<Parsed>();
  const [mapping, setMapping] = useState<Mapping>({});
  const [plan, setPlan] = useState<ImportPlan>();
  const [busy, setBusy] = useState<'checking' | 'importing'>();
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [outcome, setOutcome] = useState<ImportOutcome>();
  const [error, setError] = useState<string>();

  const reset = () => {
    setPlan(undefined);
    setOutcome(undefined);
    setProgress(undefined);
    setError(undefined);
  };

  async function choose(file: File | null) {
    reset();
    setParsed(undefined);
    if (!file) return;
    try {
      const p = await parseFile(file);
      setParsed(p);
      setMapping(guessMapping(kind, p.headers));
    } catch (err) {
      setError(`The file could not be read: ${describeError(err)}`);
    }
  }

  function changeKind(k: ImportKind) {
    setKind(k);
    reset();
    if (parsed) setMapping(guessMapping(k, parsed.headers));
  }

  async function check() {
    if (!parsed || !user.objectId) return;
    reset();
    setBusy('checking');
    try {
      const userId = user.objectId;
      const [existing, key] = await Promise.all([loadExisting(client, kind, userId), importKey(client, userId)]);
      const [ids, earlierIds, companyIds, contactIds] = await Promise.all([
        importIds(userId, kind, parsed.rows, mapping, key),
        importIds(userId, kind, parsed.rows, mapping),
        newObjectIds('Company', userId, unknownCompanies(kind, parsed.rows, mapping, existing), key),
        newObjectIds('Contact', userId, unknownContacts(kind, parsed.rows, mapping, existing), key),
      ]);
      setPlan(planRows(kind, parsed.rows, mapping, ids, existing, parsed.lines, earlierIds, companyIds, contactIds));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(undefined);
    }
  }

  async function start() {
    if (!plan || !user.objectId) return;
    setBusy('importing');
    setOutcome(undefined);
    try {
      setOutcome(await runImport(client, kind, plan, user.objectId, (done, total) => setProgress({ done, total })));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(undefined);
    }
  }

  const required = FIELDS[kind].find((f) => f.required)!;
  const rows = plan?.rows ?? [];
  const toImport = rows.filter((r) => r.object);
  const errors = rows.filter((r) => r.error);
  const duplicates = rows.filter((r) => r.duplicate);
  const already = rows.filter((r) => r.alreadyImported);
  const newCompanies = plan?.companies ?? [];
  const newContacts = plan?.contacts ?? [];
  const companyField = FIELDS[kind].find((f) => f.key === 'company');
  const contactField = FIELDS[kind].find((f) => f.key === 'contact');
  const alsoNew = [
    ...(newCompanies.length > 0 ? [plural(newCompanies.length, 'new company', 'new companies')] : []),
    ...(newContacts.length > 0 ? [plural(newContacts.length, 'new contact', 'new contacts')] : []),
  ];
  const problems = [...errors, ...duplicates].sort((a, b) => a.line - b.line);
  // The preview's columns: the name first, then the company and the contact (marked "new" when
  // the import makes them), then the rest; on a phone the company was past the screen's edge.
  const rank = (f: (typeof FIELDS)[typeof kind][number]) => (f.required ? 0 : f.key === 'company' ? 1 : f.key === 'contact' ? 2 : 3);
  const shownFields = FIELDS[kind].filter((f) => mapping[f.key]).sort((a, b) => rank(a) - rank(b));

  return (
    <div className="page">
      <PageHeader title="Import" subtitle="Companies, contacts or deals from a CSV file" />
      <Stack gap="md">
        <Paper withBorder p="md">
          <Stack gap="sm">
            <SegmentedControl aria-label="What to import" value={kind} onChange={(v) => changeKind(v as ImportKind)} data={KINDS} disabled={!!busy} />
            <FileInput label="CSV file" placeholder="Choose a .csv file" accept=".csv,text/csv" leftSection={<IconUpload size={16} />} onChange={choose} disabled={!!busy} clearable />
            {parsed && <Text size="sm" c="dimmed" data-testid="import-file">{parsed.name}: {plural(parsed.rows.length, 'row', 'rows')}, {parsed.fileHeaders.length === 1 ? 'column' : 'columns'} {parsed.fileHeaders.join(', ')}{parsed.blank > 0 && ` (${plural(parsed.blank, 'blank row', 'blank rows')} skipped)`}</Text>}
            {parsed?.problems.map((p) => <Text key={p} size="sm" c="red">{p}</Text>)}
          </Stack>
        </Paper>

        {parsed && (
          <Paper withBorder p="md" aria-label="Column mapping" component="section">
            <Title order={3} size="h5" mb="sm">Columns</Title>
            <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
              {FIELDS[kind].map((f) => (
                <NativeSelect
                  key={f.key}
                  label={`${f.label}${f.required ? ' (required)' : ''}`}
                  value={mapping[f.key] ?? ''}
                  onChange={(e) => { const v = e.currentTarget.value; setMapping((m) => ({ ...m, [f.key]: v })); setPlan(undefined); setOutcome(undefined); }}
                  data={[{ value: '', label: '— not imported —' }, ...parsed.headers.map((h) => ({ value: h, label: h }))]}
                  disabled={!!busy}
                />
              ))}
            </SimpleGrid>
            <Group mt="md">
              <Button onClick={check} loading={busy === 'checking'} disabled={!mapping[required.key] || !!busy}>Check rows</Button>
              {!mapping[required.key] && <Text size="sm" c="dimmed">Choose the column for {required.label.toLowerCase()}.</Text>}
            </Group>
          </Paper>
        )}

        {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}

        {plan && (
          <Paper withBorder p="md" aria-label="Preview" component="section">
            <Group gap="xs" mb="sm" data-testid="import-summary">
              <Badge color="teal" variant="light">{toImport.length} to import</Badge>
              <Badge color="yellow" variant="light">{plural(duplicates.length, 'duplicate', 'duplicates')}</Badge>
              <Badge color="red" variant="light">{errors.length} with errors</Badge>
              <Badge color="gray" variant="light">{already.length} already imported</Badge>
            </Group>
            <NewObjects testId="import-new-companies" names={newCompanies.map((c) => c.object.name)} one="new company" many="new companies"
              why={newCompanies.length === 1 ? 'No company has this name yet; the rows naming it are linked to the new company.' : 'No company has these names yet; the rows naming them are linked to the new companies.'}
              without={`To import the rows without their companies, set ${companyField?.label} to “— not imported —” above.`} />
            <NewObjects testId="import-new-contacts" names={newContacts.map((c) => c.object.name)} one="new contact" many="new contacts"
              why={newContacts.length === 1 ? 'No contact has this name or e-mail yet; the deals naming it are linked to the new contact, at the deal’s company.' : 'No contact has these names or e-mails yet; the deals naming them are linked to the new contacts, each at its first deal’s company.'}
              without={`To import the deals without their contacts, set ${contactField?.label} to “— not imported —” above.`} />
            {toImport.length > 0 && (
              <div className="table-wrap">
                <Table verticalSpacing={4} fz="sm" aria-label="Rows to import">
                  <Table.Thead><Table.Tr><Table.Th>Line</Table.Th>{shownFields.map((f) => <Table.Th key={f.key}>{f.label}</Table.Th>)}</Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {toImport.slice(0, 10).map((r) => (
                      <Table.Tr key={r.line}>
                        <Table.Td>{r.line}</Table.Td>
                        {shownFields.map((f) => (
                          <Table.Td key={f.key}>
                            {shownCell(f.key, r, cleanCell(parsed?.rows[parsed.lines.indexOf(r.line)]?.[mapping[f.key]]))}
                            {((f.key === 'company' && r.newCompany) || (f.key === 'contact' && r.newContact)) && <Badge ml={6} size="xs" variant="light" color="blue">new</Badge>}
                          </Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                {toImport.length > 10 && <Text size="xs" c="dimmed">…and {toImport.length - 10} more</Text>}
              </div>
            )}
            {problems.length > 0 && (
              <>
                <Title order={4} size="h6" mt="md" mb={4}>Not imported</Title>
                <List size="sm" spacing={2} data-testid="import-problems">
                  {problems.slice(0, MAX_LISTED).map((r) => (
                    <List.Item key={r.line}>Line {r.line}: {r.error ?? `duplicate — ${r.duplicate}`}</List.Item>
                  ))}
                </List>
                {problems.length > MAX_LISTED && <Text size="xs" c="dimmed">…and {problems.length - MAX_LISTED} more</Text>}
              </>
            )}
            <Group mt="md">
              {/* Its label wraps: with the new companies it is wider than a phone. */}
              <Button leftSection={<IconFileImport size={16} />} h="auto" mih={36} py={6} styles={{ label: { whiteSpace: 'normal', textAlign: 'left', lineHeight: 1.3 } }} onClick={start} loading={busy === 'importing'} disabled={toImport.length === 0 || !!busy || !!outcome}>
                Import {plural(toImport.length, 'row', 'rows')}{alsoNew.length === 1 && ` and ${alsoNew[0]}`}{alsoNew.length === 2 && `, ${alsoNew[0]} and ${alsoNew[1]}`}
              </Button>
            </Group>
            {progress && (
              <Progress.Root size="xl" mt="md" aria-label="Import progress">
                <Progress.Section value={progress.total ? (100 * progress.done) / progress.total : 100} role="progressbar" aria-label="Import progress" aria-valuenow={progress.done} aria-valuemax={progress.total}>
                  <Progress.Label>{progress.done} / {progress.total}</Progress.Label>
                </Progress.Section>
              </Progress.Root>
            )}
            {outcome && (
              <Alert mt="md" color={outcome.failed.length ? 'yellow' : 'teal'} variant="light" role="status" data-testid="import-outcome" title="Import finished"
                // Below the preview, it can be out of sight: brought into view once shown.
                ref={intoView}>
                <Text size="sm">Created {outcome.created}. Already there: {outcome.alreadyThere}. Failed: {outcome.failed.length}.</Text>
                {newCompanies.length > 0 && <Text size="sm" data-testid="import-outcome-companies">New companies: created {outcome.companies.created}, already there {outcome.companies.alreadyThere}, failed {outcome.companies.failed}.</Text>}
                {newContacts.length > 0 && <Text size="sm" data-testid="import-outcome-contacts">New contacts: created {outcome.contacts.created}, already there {outcome.contacts.alreadyThere}, failed {outcome.contacts.failed}.</Text>}
                {outcome.failed.slice(0, MAX_LISTED).map((f) => <Text key={f.line} size="sm">Line {f.line}: {f.error}</Text>)}
                {outcome.failed.length > 0 && <Button mt="sm" size="xs" variant="light" onClick={check}>Check again and import the rest</Button>}
              </Alert>
            )}
          </Paper>
        )}
      </Stack>
    </div>
  );
}
