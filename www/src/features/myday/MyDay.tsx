// My day: the signed-in user's open activities, overdue, due today and due in the coming week,
// across deals and contacts; one click marks one done (undoable), a menu reschedules it.
import { useMemo } from 'react';
import { Link } from 'react-router';
import { useBackState } from '../../lib/back';
import { ActionIcon, Alert, Anchor, Badge, Button, Checkbox, Group, List, Loader, Menu, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCalendarEvent } from '@tabler/icons-react';
import type { Activity } from 'crm-wasm';
import { PageHeader } from '../../components/PageHeader';
import { undoable } from '../../data/actions';
import { updateActivity, useActivities } from '../../data/activities';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { usePipeline, useQuery, useWorkspaceState } from '../../data/hooks';
import { activityLabel } from '../../lib/activityTypes';
import { formatDate } from '../../lib/format';

const DAY = 86_400_000;
/** Today as the app stores calendar dates: UTC midnight of the local date. */
export function todayStart(now = new Date()) {
  return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
}

type Bucket = 'overdue' | 'today' | 'week';
const BUCKETS: { id: Bucket; label: string; empty: string }[] = [
  { id: 'overdue', label: 'Overdue', empty: 'Nothing overdue.' },
  { id: 'today', label: 'Today', empty: 'Nothing due today.' },
  { id: 'week', label: 'Next 7 days', empty: 'Nothing else due in the next seven days.' },
];

export function MyDay() {
  const back = useBackState();
  const { client, user, workspace } = useSession();
  const today = todayStart();
  const list = useActivities(
    () =>
      client
        .activities()
        .doesNotExist('completedAt')
        .lessThan('dueDate', new Date(today + 8 * DAY).toISOString())
        .ascending('dueDate'),
    `my-day:${today}`,
    true,
  );
  const contacts = useQuery(() => client.contacts().ascending('name').limit(1000), 'contacts', true);
  const pipelineVersion = usePipeline(workspace.pipeline);
  const { loaded } = useWorkspaceState(workspace);
  // A new account (no deal, no contact, nothing to do yet): where to start, not three empty boxes.
  const fresh = !!loaded && workspace.pipeline.size === 0 && contacts.data?.length === 0 && list.data?.length === 0;
  const groups = useMemo(() => {
    const out: Record<Bucket, Activity[]> = { overdue: [], today: [], week: [] };
    // Managers read everyone's activities: My day keeps the user's own, and the next steps of
    // the deals assigned to the user, whoever planned them (a deal's people work its
    // activities; a colleague's My day was empty while the deals handed to him had overdue
    // ones). createdBy cannot be queried by a client, so this filters here.
    const mine = (a: Activity) => {
      if (!a.createdBy || a.createdBy.objectId === user.objectId) return true;
      const deal = a.relatedTo?.className === 'Deal' ? workspace.pipeline.get(a.relatedTo.objectId) : undefined;
      return deal?.assignedTo?.objectId === user.objectId;
    };
    for (const a of list.data ?? []) {
      if (!a.dueDate || !mine(a)) continue;
      const t = new Date(a.dueDate).getTime();
      out[t < today ? 'overdue' : t < today + DAY ? 'today' : 'week'].push(a);
    }
    return out;
    // pipelineVersion on purpose: the pipeline object stays the same when a deal is reassigned.
  }, [list.data, today, user.objectId, workspace.pipeline, pipelineVersion]); // eslint-disable-line react-hooks/exhaustive-deps

  const related = (a: Activity) => {
    const r = a.relatedTo;
    if (!r) return null;
    if (r.className === 'Deal') {
      const deal = workspace.pipeline.get(r.objectId);
      return <Anchor component={Link} to={`/deals/${r.objectId}`} state={back} size="sm">{deal?.title ?? 'A deal'}</Anchor>;
    }
    const contact = contacts.data?.find((c) => c.objectId === r.objectId);
    return <Anchor component={Link} to={`/contacts/${r.objectId}`} size="sm">{contact?.name ?? 'A contact'}</Anchor>;
  };

  const done = async (a: Activity) => {
    try {
      await updateActivity(workspace, a.objectId!, { completedAt: new Date().toISOString() });
      undoable(`“${a.subject ?? 'Activity'}” done.`, () => updateActivity(workspace, a.objectId!, { completedAt: null }));
    } catch (err) {
      notifications.show({ color: 'red', message: describeError(err) });
    }
  };
  const reschedule = async (a: Activity, days: number, label: string) => {
    try {
      await updateActivity(workspace, a.objectId!, { dueDate: new Date(today + days * DAY).toISOString() });
      notifications.show({ color: 'teal', message: `“${a.subject ?? 'Activity'}” moved to ${label}.` });
    } catch (err) {
      notifications.show({ color: 'red', message: describeError(err) });
    }
  };

  return (
    <Stack p="md" gap="md" maw={900}>
      <PageHeader title="My day" />
      {list.error && <Alert color="red" role="alert">{list.error}</Alert>}
      {list.loading && !list.data && <Group gap="xs"><Loader size="xs" /><Text c="dimmed">Loading your activities…</Text></Group>}
      {fresh && (
        <Paper withBorder radius="md" p="lg" component="section" aria-label="Getting started" data-testid="getting-started">
          <Title order={2} size="h4" mb={4}>Welcome! Your CRM is empty for now</Title>
          <Text size="sm" c="dimmed" mb="sm">My day lists the calls, e-mails and meetings you plan on your deals and contacts. To begin:</Text>
          <List size="sm" spacing={6} mb="md">
            <List.Item>add your first deal on the <Anchor component={Link} to="/pipeline" size="sm" underline="always">pipeline</Anchor>;</List.Item>
            <List.Item>bring your contacts and companies in from a <Anchor component={Link} to="/import" size="sm" underline="always">CSV file</Anchor>, or add them one by one on <Anchor component={Link} to="/contacts" size="sm" underline="always">Contacts</Anchor>;</List.Item>
            <List.Item>open a deal and log the next step (a call, an e-mail, a meeting): it shows up here on its day.</List.Item>
          </List>
          <Button component={Link} to="/pipeline">Go to the pipeline</Button>
        </Paper>
      )}
      {list.data && !fresh && BUCKETS.map((b) => (
        <Paper key={b.id} withBorder radius="md" p="md" component="section" aria-label={b.label} data-testid={`myday-${b.id}`}>
          <Group justify="space-between" mb="xs">
            <Title order={2} size="h5" c={b.id === 'overdue' && groups.overdue.length ? 'red.8' : undefined}>{b.label}</Title>
            <Badge variant="light" color={b.id === 'overdue' && groups.overdue.length ? 'red' : 'gray'}>{groups[b.id].length}</Badge>
          </Group>
          {groups[b.id].length === 0 ? (
            <Text size="sm" c="dimmed">{b.empty}</Text>
          ) : (
            <Stack gap={6}>
              {groups[b.id].map((a) => (
                <Group key={a.objectId} justify="space-between" wrap="nowrap" className="myday-row">
                  <Group gap="sm" wrap="nowrap">
                    <Checkbox aria-label={`Done: ${a.subject ?? 'activity'}`} onChange={() => void done(a)} />
                    <div>
                      <Text size="sm" fw={600}>{a.subject ?? '(no subject)'}</Text>
                      <Group gap={6}>
                        <Text size="xs" c={b.id === 'overdue' ? 'red.8' : 'dimmed'}>{a.type ? `${activityLabel(a.type)} · ` : ''}{formatDate(a.dueDate)}</Text>
                        {related(a)}
                      </Group>
                    </div>
                  </Group>
                  <Menu position="bottom-end" withinPortal>
                    <Menu.Target>
                      <ActionIcon variant="subtle" color="gray" aria-label={`Reschedule ${a.subject ?? 'activity'}`}><IconCalendarEvent size={18} /></ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Label>Reschedule to…</Menu.Label>
                      <Menu.Item onClick={() => void reschedule(a, 0, 'today')}>Today</Menu.Item>
                      <Menu.Item onClick={() => void reschedule(a, 1, 'tomorrow')}>Tomorrow</Menu.Item>
                      <Menu.Item onClick={() => void reschedule(a, 7, 'next week')}>Next week</Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Group>
              ))}
            </Stack>
          )}
        </Paper>
      ))}
    </Stack>
  );
}
