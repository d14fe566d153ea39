// Companies: search (any case, over name, industry, website), sort, add, delete — which first
// says what points at the company and unlinks it.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ActionIcon, Alert, Anchor, Button, Collapse, Group, NativeSelect, Paper, Table, TextInput, Tooltip } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import type { Company } from 'crm-wasm';
import { PageHeader } from '../../components/PageHeader';
import { useAddForm } from '../../components/AddForm';
import { EmptyList } from '../../components/EmptyList';
import { bulkDelete, onRestored } from '../../data/actions';
import { createRecord } from '../../data/records';
import { useSession } from '../../data/context';
import { canChange, useOwnerName } from '../../data/access';
import { SharedMark } from '../../components/SharedNotice';
import { describeError } from '../../data/crm';
import { useQuery } from '../../data/hooks';
import { useOtherTabs } from '../../data/otherTabs';
import { matches } from '../../lib/search';
import { COMPANY_COLUMNS } from '../import/columns';
import { ExportCsv } from '../import/ExportCsv';
import { BulkBar, SelectAll, SelectRow } from '../bulk/BulkBar';
import { useSelection } from '../bulk/selection';
import { DeleteCompany } from './DeleteCompany';
import { WebsiteLink } from '../../components/WebsiteLink';
import { byText, plural } from '../../lib/format';
import { SearchInput } from '../../components/SearchInput';
import { MAX_CHARS } from '../../lib/limits';

type Sort = 'name' | '-name' | '-updatedAt';

export function Companies() {
  const { client, workspace, user } = useSession();
  const ownerOf = useOwnerName();
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const sort = (params.get('sort') ?? 'name') as Sort;
  // From the address bar as it is now: the search hands its text on a moment after the keys, from
  // a handler of an earlier render (whose copy of the parameters may be out of date).
  const setParam = (k: string, v: string) => setParams(() => { const n = new URLSearchParams(window.location.search); if (v) n.set(k, v); else n.delete(k); return n; }, { replace: true });
  const all = useQuery(() => client.companies().ascending('name'), 'companies', true);
  const { reload } = all;
  useEffect(() => onRestored(reload), [reload]);
  useOtherTabs(['Company'], reload);
  const rows = useMemo(() => {
    const found = (all.data ?? []).filter((c) => matches(search, [c.name, c.industry, c.website, c.address]));
    const byName = (a: Company, b: Company) => byText(a.name, b.name);
    return found.sort(sort === 'name' ? byName : sort === '-name' ? (a, b) => byName(b, a) : (a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
  }, [all.data, search, sort]);
  // Only the user's own rows can be picked to delete; shared ones are read only.
  const selection = useSelection(useMemo(() => rows.filter((c) => canChange(c, user.objectId!)).map((c) => c.objectId!), [rows, user]));
  const [name, setName] = useState('');
  const [industry, setIndustry] = useState('');
  const [error, setError] = useState<string>();
  const [deleting, setDeleting] = useState<Company>();
  const { toggle: addToggle, shown: addShown, first: addFirst, opened: addOpened, added, dialog: addDialog } = useAddForm('company', name !== '' || industry !== '');

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await createRecord(workspace, 'Company', { name, industry: industry || undefined });
      setName('');
      setIndustry('');
      added();
      all.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <div className="page">
      <PageHeader title="Companies" subtitle={all.data ? (search ? `${rows.length} of ${plural(all.data.length, 'organisation', 'organisations')}` : plural(all.data.length, 'organisation', 'organisations')) : undefined}>{addToggle}</PageHeader>
      <Collapse expanded={addShown} onTransitionEnd={addOpened}>
      <Paper withBorder p="sm" mb="md" component="form" onSubmit={create} aria-label="New company">
        <Group align="flex-end" gap="sm">
          <TextInput ref={addFirst} label="Name" aria-label="Company name" placeholder="Initech" maxLength={MAX_CHARS.name} value={name} onChange={(e) => setName(e.currentTarget.value)} className="grow" />
          <TextInput label="Industry" aria-label="Industry" placeholder="Software" maxLength={MAX_CHARS.industry} value={industry} onChange={(e) => setIndustry(e.currentTarget.value)} className="grow" />
          <Button type="submit" leftSection={<IconPlus size={16} />}>Add company</Button>
        </Group>
        {error && <Alert color="red" variant="light" role="alert" mt="sm">{error}</Alert>}
      </Paper>
      </Collapse>
      {addDialog}
      <Group gap="sm" mb="sm">
        <SearchInput aria-label="Search companies" placeholder="Search name, industry, website" value={search} onChange={(q) => setParam('q', q)} className="grow-search" />
        <NativeSelect aria-label="Sort companies" value={sort} onChange={(e) => setParam('sort', e.currentTarget.value === 'name' ? '' : e.currentTarget.value)} data={[{ value: 'name', label: 'Name A–Z' }, { value: '-name', label: 'Name Z–A' }, { value: '-updatedAt', label: 'Recently updated' }]} />
        <ExportCsv name="companies" rows={() => rows} empty={rows.length === 0} columns={COMPANY_COLUMNS} />
      </Group>
      {all.error && <Alert color="red" variant="light" role="alert">{all.error}</Alert>}
      <BulkBar
        selection={selection}
        noun={['company', 'companies']}
        onDelete={async () => {
          const r = await bulkDelete(workspace, 'Company', rows.filter((c) => selection.has(c.objectId!)));
          all.reload();
          return r;
        }}
      />
      <Paper withBorder className="table-wrap">
        <Table highlightOnHover verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr><Table.Th w={40}><SelectAll selection={selection} label="Select every company shown" /></Table.Th><Table.Th>Name</Table.Th><Table.Th>Industry</Table.Th><Table.Th className="hide-phone">Website</Table.Th><Table.Th><span className="sr-only">Actions</span></Table.Th></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((c) => (
              <Table.Tr key={c.objectId} bg={selection.has(c.objectId!) ? 'var(--mantine-color-indigo-light)' : undefined}>
                <Table.Td>{canChange(c, user.objectId!) && <SelectRow selection={selection} id={c.objectId!} name={c.name} />}</Table.Td>
                <Table.Td><Anchor component={Link} to={`/companies/${c.objectId}`} fw={500} className="long-text" lineClamp={3} title={c.name}>{c.name}</Anchor></Table.Td>
                <Table.Td className="long-text">{c.industry}</Table.Td>
                <Table.Td className="hide-phone"><WebsiteLink url={c.website} lineClamp={2} /></Table.Td>
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
        {all.data && rows.length === 0 && <EmptyList none={all.data.length === 0} search={search} noun="companies" />}
      </Paper>
      {deleting && <DeleteCompany company={deleting} onClose={() => setDeleting(undefined)} onDeleted={() => { setDeleting(undefined); all.reload(); }} />}
    </div>
  );
}
