// The activity timeline of a deal or a contact (to do first, soonest first; then done), and the
// form to log one (subject and date required: checked here, before any request); each activity
// can be marked done, edited in place or deleted (with Undo).
import { useState, type FormEvent } from 'react';
import { ActionIcon, Alert, Button, Checkbox, Group, Menu, NativeSelect, Paper, Stack, Text, TextInput, ThemeIcon, Title } from '@mantine/core';
import { IconDots, IconMail, IconNote, IconPhone, IconUsers } from '@tabler/icons-react';
import type { Activity, ActivityType, RelatedTo } from 'crm-wasm';
import { deleteActivity } from '../../data/actions';
import { createActivity, updateActivity, useActivities } from '../../data/activities';
import { useSession } from '../../data/context';
import { canChange, useOwnerName } from '../../data/access';
import { SharedMark } from '../../components/SharedNotice';
import { describeError } from '../../data/crm';
import { ACTIVITY_LABELS } from '../../lib/activityTypes';
import { dayToIso, formatDate, isoToDay } from '../../lib/format';
import { MAX_CHARS } from '../../lib/limits';
import { DayInput } from '../../components/DayInput';
import { usePageDiscardGuard } from '../../components/DiscardGuard';
import { localDay } from '../../lib/dates';

const TYPES: { value: ActivityType; label: string; icon: typeof IconPhone }[] = [
  { value: 'call', label: ACTIVITY_LABELS.call, icon: IconPhone },
  { value: 'email', label: ACTIVITY_LABELS.email, icon: IconMail },
  { value: 'meeting', label: ACTIVITY_LABELS.meeting, icon: IconUsers },
  { value: 'note', label: ACTIVITY_LABELS.note, icon: IconNote },
];

export function Activities({ relatedTo }: { relatedTo: RelatedTo }) {
  const { client, workspace, user } = useSession();
  const ownerOf = useOwnerName();
  const list = useActivities(() => client.activities().equalTo('relatedTo', relatedTo).descending('dueDate'), `${relatedTo.className}:${relatedTo.objectId}`);
  const [type, setType] = useState<ActivityType>('call');
  const [subject, setSubject] = useState('');
  const [due, setDue] = useState<string | null>(null);
  // A call already made is logged as done (dated today unless told): not a to-do for My day.
  const [already, setAlready] = useState(false);
  const [errors, setErrors] = useState<{ subject?: string; due?: string; save?: string }>({});
  const [editing, setEditing] = useState<string>();
  // A subject typed and not logged yet asks before the deal or page is left, as an edit does.
  const { dialog: leaving } = usePageDiscardGuard(subject.trim() !== '', 'the activity you were logging');
  // What is done was done by today: a call logged done on Jan 1, 2030 was taken. Said at the
  // field as soon as both are chosen.
  // A note is a record of what was said, never a to-do: logged as done, as a call already made
  // is (it was asked for a due date and then stood as the deal's next step and in My day).
  const asDone = already || type === 'note';
  const doneLater = asDone && due !== null && due > localDay() ? 'A done activity cannot be in the future: pick today or an earlier day' : undefined;

  async function log(e: FormEvent) {
    e.preventDefault();
    const problems = {
      subject: subject.trim() ? undefined : 'Enter a subject',
      due: due || asDone ? doneLater : 'Pick a date',
    };
    setErrors(problems);
    if (problems.subject || problems.due) return;
    const now = new Date();
    try {
      await createActivity(workspace, {
        type, subject: subject.trim(), dueDate: dayToIso(due ?? localDay(now)), relatedTo,
        ...(asDone ? { completedAt: now.toISOString() } : {}),
      });
      setSubject('');
      setDue(null);
      setAlready(false);
    } catch (err) {
      setErrors({ save: describeError(err) });
    }
  }

  async function done(a: Activity, completed: boolean) {
    try {
      await updateActivity(workspace, a.objectId!, { completedAt: completed ? new Date().toISOString() : null });
    } catch (err) {
      setErrors({ save: describeError(err) });
    }
  }

  async function remove(a: Activity) {
    try {
      await deleteActivity(workspace, a);
    } catch (err) {
      setErrors({ save: describeError(err) });
    }
  }

  return (
    <Stack gap="sm">
      <Title order={3} size="h5">Activities</Title>
      {leaving}
      <form onSubmit={log} aria-label="Log activity" noValidate>
        <Stack gap="xs">
          <Group grow align="flex-start" gap="xs">
            <NativeSelect label="Activity type" data={TYPES.map(({ value, label }) => ({ value, label }))} value={type} onChange={(e) => setType(e.currentTarget.value as ActivityType)} />
            <DayInput label={asDone ? 'Date' : 'Due'} clearable clearButtonProps={{ 'aria-label': 'Clear due date' }} placeholder="Date" value={due} onChange={(d) => { setDue(d); setErrors((x) => ({ ...x, due: undefined })); }} error={errors.due ?? doneLater} withAsterisk={!asDone} />
          </Group>
          <Group align="flex-end" gap="xs" wrap="nowrap">
            <TextInput label="Subject" placeholder="What is it about?" maxLength={MAX_CHARS.name} value={subject} onChange={(e) => { setSubject(e.currentTarget.value); setErrors((x) => ({ ...x, subject: undefined })); }} error={errors.subject} withAsterisk style={{ flex: 1 }} />
            <Button type="submit" mb={errors.subject ? 22 : 0}>Log</Button>
          </Group>
          {type === 'note' ? (
            <Text size="xs" c="dimmed">A note is kept as it is written: dated today unless you choose a day, never a to-do.</Text>
          ) : (
            <Checkbox label="Already done" description="A call made, a meeting held: logged as done, dated today unless you choose a day" size="xs" checked={already} onChange={(e) => { setAlready(e.currentTarget.checked); setErrors((x) => ({ ...x, due: undefined })); }} />
          )}
          {errors.save && <Alert color="red" variant="light" role="alert">{errors.save}</Alert>}
        </Stack>
      </form>
      {list.loading && <Text size="sm" c="dimmed">Loading…</Text>}
      {list.error && <Alert color="red" variant="light" role="alert">{list.error}</Alert>}
      {list.data?.length === 0 && <Text size="sm" c="dimmed">No activities yet.</Text>}
      <ul className="timeline">
        {ordered(list.data).map((a) => {
          const t = TYPES.find((x) => x.value === a.type) ?? TYPES[3]!;
          const mine = canChange(a, user.objectId!);
          if (editing === a.objectId) {
            return (
              <li key={a.objectId}>
                <EditActivity activity={a} onDone={() => setEditing(undefined)} />
              </li>
            );
          }
          return (
            <li key={a.objectId} className={a.completedAt ? 'done' : ''}>
              <ThemeIcon size={26} radius="xl" variant="light" color={a.completedAt ? 'gray' : 'indigo'} aria-hidden><t.icon size={15} /></ThemeIcon>
              <div style={{ flex: 1, minWidth: 0 }}>
                <Text size="sm" fw={500}>{a.subject}</Text>
                <Text size="xs" c="dimmed">{t.label} · {formatDate(a.dueDate)}{a.completedAt ? ' · done' : ''}</Text>
              </div>
              <Checkbox aria-label={`Done: ${a.subject}`} checked={!!a.completedAt} disabled={!mine} onChange={(e) => done(a, e.currentTarget.checked)} />
              {!mine ? (
                <SharedMark name={a.subject ?? 'Activity'} owner={ownerOf(a)} />
              ) : (
                <Menu position="bottom-end" withinPortal shadow="md">
                  <Menu.Target>
                    <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`Actions for ${a.subject}`}><IconDots size={15} /></ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Item onClick={() => setEditing(a.objectId)}>Edit</Menu.Item>
                    <Menu.Item color="red" onClick={() => void remove(a)}>Delete</Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              )}
            </li>
          );
        })}
      </ul>
    </Stack>
  );
}

/** What is still to do first, soonest first (the next step on top); then what is done, the
 * latest first. */
function ordered(list: Activity[] | undefined): Activity[] {
  const day = (a: Activity) => a.dueDate ?? '';
  const open = (list ?? []).filter((a) => !a.completedAt).sort((a, b) => day(a).localeCompare(day(b)));
  const done = (list ?? []).filter((a) => a.completedAt).sort((a, b) => (b.completedAt ?? '').localeCompare(a.completedAt ?? '') || day(b).localeCompare(day(a)));
  return [...open, ...done];
}

/** One activity's type, subject and date, edited in place; only what changed is sent. */
function EditActivity({ activity, onDone }: { activity: Activity; onDone: () => void }) {
  const { workspace } = useSession();
  // A type this app does not know (written by a newer one) shows as a note, and is kept unless
  // the type is changed here.
  const [shownType] = useState<ActivityType>(TYPES.find((t) => t.value === activity.type)?.value ?? 'note');
  const [type, setType] = useState(shownType);
  const [subject, setSubject] = useState(activity.subject ?? '');
  const [due, setDue] = useState<string | null>(activity.dueDate ? isoToDay(activity.dueDate) : null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!subject.trim()) return setError('Enter a subject');
    if (!due) return setError('Pick a date');
    const dueDate = dayToIso(due);
    const changes = {
      ...(type !== shownType ? { type } : {}),
      ...(subject.trim() !== activity.subject ? { subject: subject.trim() } : {}),
      ...(dueDate !== activity.dueDate ? { dueDate } : {}),
    };
    if (Object.keys(changes).length === 0) return onDone();
    setBusy(true);
    try {
      await updateActivity(workspace, activity.objectId!, changes);
      onDone();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  }

  return (
    <Paper component="form" withBorder p="xs" bg="var(--mantine-color-gray-0)" onSubmit={save} aria-label={`Edit ${activity.subject}`} noValidate style={{ flex: 1, minWidth: 0 }}>
      <Stack gap="xs">
        <Group grow align="flex-start" gap="xs">
          <NativeSelect label="Type" data={TYPES.map(({ value, label }) => ({ value, label }))} value={type} onChange={(e) => setType(e.currentTarget.value as ActivityType)} />
          <DayInput label="Due date" value={due} onChange={setDue} withAsterisk />
        </Group>
        <TextInput label="Activity subject" maxLength={MAX_CHARS.name} value={subject} onChange={(e) => { setSubject(e.currentTarget.value); setError(undefined); }} withAsterisk data-autofocus />
        {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" size="xs" onClick={onDone}>Cancel</Button>
          <Button type="submit" size="xs" loading={busy}>Save activity</Button>
        </Group>
      </Stack>
    </Paper>
  );
}
