// Contacts: search (any case, over name, e-mail, phone and company), sort, add, delete with a
// confirmation and undo; select rows to delete them together (one Undo). The search and sort
// live in the URL.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ActionIcon, Alert, Anchor, Button, Collapse, Group, NativeSelect, Paper, Select, Table, TextInput, Tooltip } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import type { Contact } from 'crm-wasm';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { useAddForm } from '../../components/AddForm';
import { PageHeader } from '../../components/PageHeader';
import { EmptyList } from '../../components/EmptyList';
import { bulkDelete, deleteContact, onRestored } from '../../data/actions';
import { createRecord } from '../../data/records';
import { useSession } from '../../data/context';
import { canChange, useOwnerName } from '../../data/access';
import { SharedMark } from '../../components/SharedNotice';
import { describeError } from '../../data/crm';
import { useQuery } from '../../data/hooks';
import { useOtherTabs } from '../../data/otherTabs';
import { byText, plural, refName } from '../../lib/format';
import { MAX_CHARS } from '../../lib/limits';
import { matches } from '../../lib/search';
import { CONTACT_COLUMNS } from '../import/columns';
import { ExportCsv } from '../import/ExportCsv';
import { BulkBar, SelectAll, SelectRow } from '../bulk/BulkBar';
import { useSelection } from '../bulk/selection';
import { SearchInput } from '../../components/SearchInput';

type Sort = 'name' | '-name' | '-updatedAt';

export function Contacts() {
  const { client, workspace, user } = useSession();
  const ownerOf = useOwnerName();
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const sort = (params.get('sort') ?? 'name') as Sort;
  // From the address bar as it is now: the search hands its text on a moment after the keys, from
  // a handler of an earlier render (whose copy of the parameters may be out of date).
  const setParam = (k: string, v: string) => setParams(() => { const n = new URLSearchParams(window.location.search); if (v) n.set(k, v); else n.delete(k); return n; }, { replace: true });
  const all = useQuery(() => client.contacts().include('company').ascending('name'), 'contacts', true);
  const companies = useQuery(() => client.companies().ascending('name'), 'companies', true);
  // A contact's company by name: included when read from the server; offline the local store
  // answers the link alone (the column was blank), so the companies read here name it.
  const companyNames = useMemo(() => new Map((companies.data ?? []).map((c) => [c.objectId, c.name])), [companies.data]);
  const companyOf = useCallback((c: Contact) => refName(c.company) ?? (c.company?.objectId ? companyNames.get(c.company.objectId) : undefined), [companyNames]);
  const rows = useMemo(() => {
    const found = (all.data ?? []).filter((c) => matches(search, [c.name, c.email, c.phone, companyOf(c), c.notes]));
    const byName = (a: Contact, b: Contact) => byText(a.name, b.name);
    return found.sort(sort === 'name' ? byName : sort === '-name' ? (a, b) => byName(b, a) : (a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
  }, [all.data, search, sort, companyOf]);
  const { reload } = all;
  useEffect(() => onRestored(reload), [reload]);
  // Written in another tab: the contacts, and the companies that name them.
  useOtherTabs(['Contact', 'Company'], reload);
  useOtherTabs(['Company'], companies.reload);
  // Only the user's own rows can be picked to delete; shared ones are read only.
  const selection = useSelection(useMemo(() => rows.filter((c) => canChange(c, user.objectId!)).map((c) => c.objectId!), [rows, user]));

  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [companyId, setCompanyId] = useState('');
  const [error, setError] = useState<string>();
  const [deleting, setDeleting] = useState<Contact>();
  const { toggle: addToggle, shown: addShown, first: addFirst, opened: addOpened, added, dialog: addDialog } = useAddForm('contact', name !== '' || email !== '' || companyId !== '');

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await createRecord(workspace, 'Contact', { name, email: email || undefined, company: companyId ? { className: 'Company', objectId: companyId } : undefined });
      // The whole form starts again: a company left chosen was given to the next contact unseen.
      setName('');
      setEmail('');
      setCompanyId('');
      added();
      all.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <div className="page">
      <PageHeader title="Contacts" subtitle={all.data ? (search ? `${rows.length} of ${plural(all.data.length, 'person', 'people')}` : plural(all.data.length, 'person', 'people')) : undefined}>{addToggle}</PageHeader>
      <Collapse expanded={addShown} onTransitionEnd={addOpened}>
      <Paper withBorder p="sm" mb="md" component="form" onSubmit={create} aria-label="New contact">
        <Group align="flex-end" gap="sm">
          <TextInput ref={addFirst} label="Name" aria-label="Contact name" placeholder="Ada Lovelace" maxLength={MAX_CHARS.name} value={name} onChange={(e) => setName(e.currentTarget.value)} className="grow" />
          <TextInput label="E-mail" aria-label="Contact e-mail" inputMode="email" autoCapitalize="none" placeholder="ada@example.com" maxLength={MAX_CHARS.email} value={email} onChange={(e) => setEmail(e.currentTarget.value)} className="grow" />
          <Select label="Company" aria-label="Contact company" placeholder="No company" searchable clearable value={companyId || null} onChange={(v) => setCompanyId(v ?? '')} data={(companies.data ?? []).map((c) => ({ value: c.objectId!, label: c.name }))} nothingFoundMessage="No company by that name" clearButtonProps={{ 'aria-label': 'Clear company' }} className="grow" />
          <Button type="submit" leftSection={<IconPlus size={16} />}>Add contact</Button>
        </Group>
        {error && <Alert color="red" variant="light" role="alert" mt="sm">{error}</Alert>}
      </Paper>
      </Collapse>
      {addDialog}
      <Group gap="sm" mb="sm">
        <SearchInput aria-label="Search contacts" placeholder="Search name, e-mail, phone, company" value={search} onChange={(q) => setParam('q', q)} className="grow-search" />
        <NativeSelect aria-label="Sort contacts" value={sort} onChange={(e) => setParam('sort', e.currentTarget.value === 'name' ? '' : e.currentTarget.value)} data={[{ value: 'name', label: 'Name A–Z' }, { value: '-name', label: 'Name Z–A' }, { value: '-updatedAt', label: 'Recently updated' }]} />
        <ExportCsv name="contacts" rows={() => rows} empty={rows.length === 0} columns={CONTACT_COLUMNS} />
      </Group>
      {all.error && <Alert color="red" variant="light" role="alert">{all.error}</Alert>}
      <BulkBar
        selection={selection}
        noun={['contact', 'contacts']}
        onDelete={async () => {
          const r = await bulkDelete(workspace, 'Contact', rows.filter((c) => selection.has(c.objectId!)));
          all.reload();
          return r;
        }}
      />
      <Paper withBorder className="table-wrap">
        <Table highlightOnHover verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr><Table.Th w={40}><SelectAll selection={selection} label="Select every contact shown" /></Table.Th><Table.Th>Name</Table.Th><Table.Th className="hide-phone">E-mail</Table.Th><Table.Th className="hide-phone">Phone</Table.Th><Table.Th>Company</Table.Th><Table.Th><span className="sr-only">Actions</span></Table.Th></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((c) => (
              <Table.Tr key={c.objectId} bg={selection.has(c.objectId!) ? 'var(--mantine-color-indigo-light)' : undefined}>
                <Table.Td>{canChange(c, user.objectId!) && <SelectRow selection={selection} id={c.objectId!} name={c.name} />}</Table.Td>
                <Table.Td><Anchor component={Link} to={`/contacts/${c.objectId}`} fw={500} className="long-text" lineClamp={3} title={c.name}>{c.name}</Anchor></Table.Td>
                <Table.Td className="hide-phone long-text">{c.email}</Table.Td>
                <Table.Td className="hide-phone long-text">{c.phone}</Table.Td>
                <Table.Td>{c.company?.objectId ? <Anchor component={Link} to={`/companies/${c.company.objectId}`} c="dimmed" size="sm" className="long-text" lineClamp={2} title={companyOf(c)}>{companyOf(c)}</Anchor> : null}</Table.Td>
                <Table.Td ta="right">
                  {canChange(c, user.objectId!) ? (
                    <Tooltip label="Delete">
                      <ActionIcon variant="subtle" color="red" aria-label={`Delete ${c.name}`} onClick={() => setDeleting(c)}><IconTrash size={16} /></ActionIcon>
                    </Tooltip>
                  ) : (
                    <SharedMark name={c.name} owner={ownerOf(c)} />
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {all.data && rows.length === 0 && <EmptyList none={all.data.length === 0} search={search} noun="contacts" />}
      </Paper>
      <ConfirmDelete
        opened={!!deleting}
        title="Delete this contact?"
        onCancel={() => setDeleting(undefined)}
        onConfirm={() => {
          const c = deleting!;
          setDeleting(undefined);
          deleteContact(workspace, c, all.reload).catch((err) => setError(describeError(err)));
        }}
      >
        {deleting?.name} will be deleted. Deals and activities that name this contact keep their other details. You can undo this for a few seconds.
      </ConfirmDelete>
    </div>
  );
}
