// One contact at /contacts/:id: details (edit), their deals, their activities.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useBackState } from '../../lib/back';
import { Alert, Anchor, Avatar, Badge, Button, Grid, Group, Paper, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconTrash } from '@tabler/icons-react';
import type { Changes, Contact } from 'crm-wasm';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { deleteContact } from '../../data/actions';
import { useNextActivities } from '../../data/activities';
import { getRecord, isOffline, updateRecord, withChanges } from '../../data/records';
import { useSession } from '../../data/context';
import { useAccess } from '../../data/access';
import { SharedNotice } from '../../components/SharedNotice';
import { describeError } from '../../data/crm';
import { useQuery } from '../../data/hooks';
import { formatAmount, initials, refName, telHref } from '../../lib/format';
import { MAX_CHARS } from '../../lib/limits';
import { LEAVING, usePageDiscardGuard } from '../../components/DiscardGuard';
import { byStageThenTitle } from '../board/filters';
import { stageInfo } from '../../lib/stages';
import { NextStep } from '../activities/NextStep';
import { Activities } from '../deal/Activities';

export function ContactPage() {
  const back = useBackState();
  const { contactId = '' } = useParams();
  const { client, workspace } = useSession();
  const navigate = useNavigate();
  const [contact, setContact] = useState<Contact>();
  const [error, setError] = useState<string>();
  const [form, setForm] = useState({ name: '', email: '', phone: '', company: '', notes: '' });
  const [deleting, setDeleting] = useState(false);
  // Another contact opened from this page (a search hit, a link): nothing is shown until it is read.
  // The one before stayed on screen, editable, under the new address, and Save wrote its form to
  // the new one.
  const [shownId, setShownId] = useState(contactId);
  if (shownId !== contactId) {
    setShownId(contactId);
    setContact(undefined);
    setError(undefined);
  }
  const access = useAccess(contact);
  const next = useNextActivities();
  const companies = useQuery(() => client.companies().ascending('name'), 'companies', true);
  const deals = useQuery(() => client.deals().equalTo('contact', { className: 'Contact', objectId: contactId }).ascending('title'), `contact-deals:${contactId}`);

  useEffect(() => {
    let live = true;
    getRecord(workspace, 'Contact', contactId, ['company']).then(
      (c) => {
        if (!live) return;
        setContact(c);
        setForm({ name: c.name, email: c.email ?? '', phone: c.phone ?? '', company: c.company?.objectId ?? '', notes: c.notes ?? '' });
      },
      (e) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [workspace, contactId]);

  /** What the form changes of the contact (only those fields are sent). */
  function changesOf(contact: Contact): Changes<Contact> {
    const changes: Changes<Contact> = {};
    if (form.name !== contact.name) changes.name = form.name;
    if (form.email !== (contact.email ?? '')) changes.email = form.email || null;
    if (form.phone !== (contact.phone ?? '')) changes.phone = form.phone || null;
    if (form.notes !== (contact.notes ?? '')) changes.notes = form.notes || null;
    if (form.company !== (contact.company?.objectId ?? '')) changes.company = form.company ? { className: 'Company', objectId: form.company } : null;
    return changes;
  }
  // A shared contact's company may not be shared with this user: it is still named, not dropped.
  const companyOptions = (companies.data ?? []).map((c) => ({ value: c.objectId!, label: c.name }));
  if (form.company && companies.data && !companyOptions.some((o) => o.value === form.company)) {
    companyOptions.push({ value: form.company, label: refName(contact?.company) ?? 'A company not shared with you' });
  }
  const edited = !!contact && Object.keys(changesOf(contact)).length > 0;
  // Unsaved edits: leaving for another page (a link, the navigation, Back) or closing the tab asks
  // first; they were dropped without a word.
  const guard = usePageDiscardGuard(edited, 'this contact');

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!contact) return;
    setError(undefined);
    const changes = changesOf(contact);
    try {
      await updateRecord(workspace, 'Contact', contactId, changes);
      const offline = isOffline(workspace);
      setContact(offline ? withChanges(contact, changes) : await getRecord(workspace, 'Contact', contactId, ['company']));
      notifications.show({ color: 'teal', message: offline ? 'Contact saved on this device: it goes to the server when you are back online.' : 'Contact saved.' });
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <div className="page">
      <Anchor component={Link} to="/contacts" size="sm"><IconArrowLeft size={14} style={{ verticalAlign: -2 }} /> Contacts</Anchor>
      {error && <Alert color="red" variant="light" role="alert" my="sm">{error}</Alert>}
      {contact && (
        <>
          <Group my="md" gap="md">
            <Avatar size={48} radius="xl" color="indigo">{initials(contact.name)}</Avatar>
            <div className="long-text" style={{ flex: 1 }}>
              <Title order={1} size="h2">{contact.name}</Title>
              {/* The e-mail and the phone are links: on a phone one tap writes or calls. */}
              <Text c="dimmed" size="sm">
                {[
                  contact.email && <Anchor key="email" href={`mailto:${contact.email}`} inherit aria-label={`E-mail ${contact.email}`}>{contact.email}</Anchor>,
                  contact.phone && <Anchor key="phone" href={telHref(contact.phone)} inherit aria-label={`Call ${contact.phone}`}>{contact.phone}</Anchor>,
                  refName(contact.company),
                ].filter(Boolean).flatMap((part, i) => (i ? [' · ', part] : [part]))}
              </Text>
              <NextStep next={next?.('Contact', contactId)} size="sm" />
            </div>
          </Group>
          <Grid gap="md">
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Paper withBorder p="md" component="form" onSubmit={save} aria-label="Edit contact">
                <Stack gap="sm">
                  <TextInput readOnly={!access.canChange} label="Name" maxLength={MAX_CHARS.name} value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} />
                  <TextInput readOnly={!access.canChange} label="E-mail" inputMode="email" autoCapitalize="none" maxLength={MAX_CHARS.email} value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} />
                  <TextInput readOnly={!access.canChange} label="Phone" type="tel" maxLength={MAX_CHARS.phone} value={form.phone} onChange={(e) => setForm({ ...form, phone: e.currentTarget.value })} />
                  <Select disabled={!access.canChange} label="Company" placeholder="No company" searchable clearable data={companyOptions} value={form.company || null} onChange={(v) => setForm({ ...form, company: v ?? '' })} nothingFoundMessage="No company by that name" clearButtonProps={{ 'aria-label': 'Clear company' }} />
                  <Textarea readOnly={!access.canChange} label="Notes" autosize minRows={2} maxLength={MAX_CHARS.notes} value={form.notes} onChange={(e) => setForm({ ...form, notes: e.currentTarget.value })} />
                  {access.canChange ? (
                    <Group justify="space-between" gap="xs" wrap="nowrap">
                      {/* One line on a phone: "Save contact" went under "Delete contact". */}
                      <Button variant="subtle" color="red" px={8} leftSection={<IconTrash size={16} />} onClick={() => setDeleting(true)}>Delete contact</Button>
                      <Button type="submit" disabled={!edited}>Save contact</Button>
                    </Group>
                  ) : (
                    <SharedNotice what="contact" owner={access.owner} />
                  )}
                </Stack>
              </Paper>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Paper withBorder p="md" mb="md">
                <Title order={2} size="h5" mb="xs">Deals</Title>
                {deals.data?.length === 0 && <Text size="sm" c="dimmed">No deals.</Text>}
                <Stack gap={6}>
                  {deals.data?.slice().sort(byStageThenTitle).map((d) => (
                    <Group key={d.objectId} justify="space-between" wrap="nowrap">
                      <Anchor component={Link} to={`/deals/${d.objectId}`} state={back} size="sm" className="long-text">{d.title}</Anchor>
                      <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }}><Badge variant="light" color={stageInfo(d.stage).color} style={{ flexShrink: 0 }}>{stageInfo(d.stage).label}</Badge><Text size="sm">{formatAmount(d.amount)}</Text></Group>
                    </Group>
                  ))}
                </Stack>
              </Paper>
              <Paper withBorder p="md">
                <Activities relatedTo={{ className: 'Contact', objectId: contactId }} />
              </Paper>
            </Grid.Col>
          </Grid>
          <ConfirmDelete opened={deleting} title="Delete this contact?" onCancel={() => setDeleting(false)} onConfirm={() => {
            setDeleting(false);
            deleteContact(workspace, contact, () => undefined).then(() => navigate('/contacts', { state: LEAVING }), (err) => setError(describeError(err)));
          }}>
            {contact.name} will be deleted. You can undo this for a few seconds.
          </ConfirmDelete>
        </>
      )}
      {guard.dialog}
    </div>
  );
}
