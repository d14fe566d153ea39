// One company at /companies/:id: details (edit), its contacts and deals, delete.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useBackState } from '../../lib/back';
import { Alert, Anchor, Avatar, Badge, Button, Grid, Group, Paper, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconTrash } from '@tabler/icons-react';
import type { Changes, Company } from 'crm-wasm';
import { useSession } from '../../data/context';
import { useAccess } from '../../data/access';
import { SharedNotice } from '../../components/SharedNotice';
import { getRecord, isOffline, updateRecord, withChanges } from '../../data/records';
import { describeError } from '../../data/crm';
import { useQuery } from '../../data/hooks';
import { formatAmount, formatMoney, initials, refName } from '../../lib/format';
import { MAX_CHARS } from '../../lib/limits';
import { LEAVING, usePageDiscardGuard } from '../../components/DiscardGuard';
import { stageInfo } from '../../lib/stages';
import { DeleteCompany } from './DeleteCompany';
import { byStageThenTitle } from '../board/filters';
import { WebsiteLink } from '../../components/WebsiteLink';

export function CompanyPage() {
  const back = useBackState();
  const { companyId = '' } = useParams();
  const { client, workspace } = useSession();
  const navigate = useNavigate();
  const [company, setCompany] = useState<Company>();
  const [error, setError] = useState<string>();
  const [form, setForm] = useState({ name: '', industry: '', website: '', address: '', notes: '' });
  const [deleting, setDeleting] = useState(false);
  // Another company opened from this page (a search hit, a link): nothing is shown until it is read.
  // The one before stayed on screen, editable, under the new address, and Save wrote its form to
  // the new one.
  const [shownId, setShownId] = useState(companyId);
  if (shownId !== companyId) {
    setShownId(companyId);
    setCompany(undefined);
    setError(undefined);
  }
  const access = useAccess(company);
  const pointer = { className: 'Company' as const, objectId: companyId };
  const contacts = useQuery(() => client.contacts().equalTo('company', pointer).ascending('name'), `company-contacts:${companyId}`);
  const deals = useQuery(() => client.deals().equalTo('company', pointer).include('contact').ascending('title'), `company-deals:${companyId}`);

  useEffect(() => {
    let live = true;
    getRecord(workspace, 'Company', companyId).then(
      (c) => {
        if (!live) return;
        setCompany(c);
        setForm({ name: c.name, industry: c.industry ?? '', website: c.website ?? '', address: c.address ?? '', notes: c.notes ?? '' });
      },
      (e) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [workspace, companyId]);

  /** What the form changes of the company (only those fields are sent). */
  function changesOf(company: Company): Changes<Company> {
    const changes: Changes<Company> = {};
    if (form.name !== company.name) changes.name = form.name;
    if (form.industry !== (company.industry ?? '')) changes.industry = form.industry || null;
    if (form.website !== (company.website ?? '')) changes.website = form.website || null;
    if (form.address !== (company.address ?? '')) changes.address = form.address || null;
    if (form.notes !== (company.notes ?? '')) changes.notes = form.notes || null;
    return changes;
  }
  const edited = !!company && Object.keys(changesOf(company)).length > 0;
  // Unsaved edits: leaving for another page (a link, the navigation, Back) or closing the tab asks
  // first; they were dropped without a word.
  const guard = usePageDiscardGuard(edited, 'this company');

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!company) return;
    setError(undefined);
    const changes = changesOf(company);
    try {
      await updateRecord(workspace, 'Company', companyId, changes);
      const offline = isOffline(workspace);
      setCompany(offline ? withChanges(company, changes) : await getRecord(workspace, 'Company', companyId));
      notifications.show({ color: 'teal', message: offline ? 'Company saved on this device: it goes to the server when you are back online.' : 'Company saved.' });
    } catch (err) {
      setError(describeError(err));
    }
  }

  const open = (deals.data ?? []).filter((d) => !stageInfo(d.stage).closed).reduce((s, d) => s + (d.amount ?? 0), 0);
  return (
    <div className="page">
      <Anchor component={Link} to="/companies" size="sm"><IconArrowLeft size={14} style={{ verticalAlign: -2 }} /> Companies</Anchor>
      {error && <Alert color="red" variant="light" role="alert" my="sm">{error}</Alert>}
      {company && (
        <section aria-label="Company">
          <Group my="md" gap="md">
            <Avatar size={48} radius="md" color="cyan">{initials(company.name)}</Avatar>
            <div className="long-text" style={{ flex: 1 }}>
              <Title order={1} size="h2">{company.name}</Title>
              <Text c="dimmed" size="sm" data-testid="company-info">
                {company.industry || company.website
                  ? <>{company.industry}{company.industry && company.website && ' · '}<WebsiteLink url={company.website} /></>
                  : 'No details yet'}
              </Text>
            </div>
          </Group>
          <Grid gap="md">
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Paper withBorder p="md" component="form" onSubmit={save} aria-label="Edit company">
                <Stack gap="sm">
                  <TextInput readOnly={!access.canChange} label="Name" aria-label="Company name" maxLength={MAX_CHARS.name} value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} />
                  <TextInput readOnly={!access.canChange} label="Industry" aria-label="Company industry" maxLength={MAX_CHARS.industry} value={form.industry} onChange={(e) => setForm({ ...form, industry: e.currentTarget.value })} />
                  <TextInput readOnly={!access.canChange} label="Website" aria-label="Company website" maxLength={MAX_CHARS.website} value={form.website} onChange={(e) => setForm({ ...form, website: e.currentTarget.value })} />
                  {/* The address a CSV import brought (and the company search matches) was shown nowhere. */}
                  <Textarea readOnly={!access.canChange} label="Address" aria-label="Company address" autosize minRows={1} maxLength={MAX_CHARS.address} value={form.address} onChange={(e) => setForm({ ...form, address: e.currentTarget.value })} />
                  <Textarea readOnly={!access.canChange} label="Notes" aria-label="Company notes" autosize minRows={2} maxLength={MAX_CHARS.notes} value={form.notes} onChange={(e) => setForm({ ...form, notes: e.currentTarget.value })} />
                  {access.canChange ? (
                    <Group justify="space-between" gap="xs" wrap="nowrap">
                      {/* One line on a phone: "Save company" went under "Delete company". */}
                      <Button variant="subtle" color="red" px={8} leftSection={<IconTrash size={16} />} onClick={() => setDeleting(true)}>Delete company</Button>
                      <Button type="submit" disabled={!edited}>Save company</Button>
                    </Group>
                  ) : (
                    <SharedNotice what="company" owner={access.owner} />
                  )}
                </Stack>
              </Paper>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Paper withBorder p="md" mb="md">
                <Title order={2} size="h5" mb="xs">Contacts</Title>
                {contacts.data?.length === 0 && <Text size="sm" c="dimmed">No contacts.</Text>}
                <Stack gap={6}>
                  {contacts.data?.map((c) => (
                    <Group key={c.objectId} justify="space-between" wrap="nowrap">
                      <Anchor component={Link} to={`/contacts/${c.objectId}`} size="sm" className="long-text">{c.name}</Anchor>
                      <Text size="sm" c="dimmed" truncate>{c.email}</Text>
                    </Group>
                  ))}
                </Stack>
              </Paper>
              <Paper withBorder p="md">
                <Group justify="space-between" mb="xs">
                  <Title order={2} size="h5">Deals</Title>
                  <Text size="sm" c="dimmed">Open pipeline {formatMoney(open)}</Text>
                </Group>
                {deals.data?.length === 0 && <Text size="sm" c="dimmed">No deals.</Text>}
                <Stack gap={6}>
                  {deals.data?.slice().sort(byStageThenTitle).map((d) => (
                    <Group key={d.objectId} justify="space-between" wrap="nowrap" data-testid="company-deal">
                      <div className="long-text">
                        <Anchor component={Link} to={`/deals/${d.objectId}`} state={back} size="sm">{d.title}</Anchor>
                        {refName(d.contact) && <Text size="xs" c="dimmed">{refName(d.contact)}</Text>}
                      </div>
                      <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }}><Badge variant="light" color={stageInfo(d.stage).color} style={{ flexShrink: 0 }}>{stageInfo(d.stage).label}</Badge><Text size="sm">{formatAmount(d.amount)}</Text></Group>
                    </Group>
                  ))}
                </Stack>
              </Paper>
            </Grid.Col>
          </Grid>
          {deleting && <DeleteCompany company={company} onClose={() => setDeleting(false)} onDeleted={() => navigate('/companies', { state: LEAVING })} />}
        </section>
      )}
      {guard.dialog}
    </div>
  );
}
