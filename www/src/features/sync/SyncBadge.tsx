// The sync badge in the header: online or offline, syncing, how many changes wait for the
// server; click it for the waiting changes in words, with any change the server refused and why
// (each can be discarded: the device keeps its copy, the server keeps its own).
import { useEffect, useState } from 'react';
import { Badge, Button, Group, Popover, Stack, Text, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { CrmQuery, FieldOf, LocalStore, PendingOp, ValueOf } from 'crm-wasm';
import { describeError } from '../../data/crm';
import { formatDate } from '../../lib/format';
import { useMySettings } from '../../data/settings';
import { useSyncStatus, useWorkspaceState } from '../../data/hooks';
import type { Workspace } from '../../data/workspace';

const NOUN: Record<string, string> = { Deal: 'deal', Contact: 'contact', Company: 'company', Activity: 'activity' };

/** "New deal “Acme renewal”", "Change to contact “Nina”", "Deletion of an activity" (the
 * record's name when this device still holds it). */
function describeOp(op: PendingOp, name?: string): string {
  const noun = NOUN[op.className] ?? op.className;
  const a = /^[aeiou]/.test(noun) ? 'an' : 'a';
  const named = name ? ` “${name.length > 40 ? `${name.slice(0, 40)}…` : name}”` : '';
  if (op.kind.type === 'create') return `New ${noun}${named}`;
  if (op.kind.type === 'delete') return named ? `Deletion of ${noun}${named}` : `Deletion of ${a} ${noun}`;
  return named ? `Change to ${noun}${named}` : `Change to ${a} ${noun}`;
}

const opKey = (op: PendingOp) => `${op.className}/${op.objectId}`;

/** The names of the records the waiting changes are to, by `Class/objectId`: a deal's title from
 * the pipeline, the others' from the local store (a waiting list of "Change to a deal" lines did
 * not say which deal). */
function useRecordNames(workspace: Workspace, local: LocalStore | undefined, ops: PendingOp[]): Map<string, string> {
  const [names, setNames] = useState(() => new Map<string, string>());
  // Looked up again when the waiting changes do (a new one may rename its record), not on every
  // status change, each of which reads the queue again into a new list of the same changes.
  const waiting = ops.map((o) => `${o.seq}/${opKey(o)}`).join('\n');
  useEffect(() => {
    if (!local || waiting === '') return;
    let live = true;
    const keys = waiting.split('\n').map((k) => k.split('/').slice(1) as [PendingOp['className'], string]);
    const ids = (className: PendingOp['className']) => [...new Set(keys.filter(([c]) => c === className).map(([, id]) => id))];
    const found = new Map<string, string>();
    for (const id of ids('Deal')) {
      const title = workspace.pipeline.get(id)?.title;
      if (title) found.set(`Deal/${id}`, title);
    }
    const client = workspace.client;
    const stored = async <T extends { objectId?: string }>(className: PendingOp['className'], query: CrmQuery<T>, nameOf: (o: T) => string | undefined) => {
      const wanted = ids(className);
      if (wanted.length === 0) return;
      const objects = await query.containedIn('objectId' as FieldOf<T>, wanted as ValueOf<T, FieldOf<T>>[]).limit(wanted.length).fromLocalDatastore(local).find();
      for (const o of objects) {
        const name = nameOf(o);
        if (name) found.set(`${className}/${o.objectId}`, name);
      }
    };
    Promise.all([
      stored('Contact', client.contacts(), (c) => c.name),
      stored('Company', client.companies(), (c) => c.name),
      stored('Activity', client.activities(), (a) => a.subject ?? undefined),
    ])
      .catch(() => undefined) // unnamed lines then, as before
      .then(() => live && setNames(found));
    return () => {
      live = false;
    };
  }, [workspace, local, waiting]);
  return names;
}

/** A field's value in words: text quoted, a date as a day, a link as such. */
function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'nothing';
  if (typeof value === 'string') return `“${value.length > 60 ? `${value.slice(0, 60)}…` : value}”`;
  if (typeof value === 'number') return value.toLocaleString();
  if (typeof value === 'object' && (value as { __type?: string }).__type === 'Date') return formatDate((value as { iso: string }).iso);
  if (typeof value === 'object' && (value as { __type?: string }).__type === 'Pointer') return 'another record';
  return 'another value';
}

export function SyncBadge({ workspace, offlineReady }: { workspace: Workspace; offlineReady: boolean }) {
  const { local } = useWorkspaceState(workspace);
  const status = useSyncStatus(local);
  const [ops, setOps] = useState<PendingOp[]>([]);
  // The waiting changes, read again whenever the status changes.
  useEffect(() => {
    if (!local) return;
    let live = true;
    const read = () => void local.pending().then((p) => live && setOps(p), () => undefined);
    read();
    const off = local.on('status', read);
    return () => {
      live = false;
      off();
    };
  }, [local]);
  // A refusal is told at once, in words.
  useEffect(() => local?.on('rejected', ({ op, error }: { op: PendingOp; error: { code: string; message: string } }) => {
    notifications.show({ color: 'red', title: `${describeOp(op)} was refused by the server`, message: describeError(error), autoClose: false });
  }), [local]);
  // An offline change that replaced someone else's newer one is said, with both values: it was
  // kept without a word (the last write wins), and their change was gone.
  useEffect(() => local?.on('conflict', (c: { className: string; field: string; ours: unknown; theirs: unknown }) => {
    const noun = NOUN[c.className] ?? c.className;
    notifications.show({
      color: 'yellow',
      title: `Your offline change replaced a newer one`,
      message: `While you were offline, someone changed the ${c.field} of ${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun} to ${shown(c.theirs)}. Yours, ${shown(c.ours)}, was saved over it.`,
      autoClose: false,
    });
  }), [local]);
  const names = useRecordNames(workspace, local, ops);
  // The forecast settings wait outside the local store's queue (they are not a CRM record).
  const settingsPending = useMySettings().pending;
  const pending = status.pending + (settingsPending ? 1 : 0);
  const rejected = ops.filter((o) => o.rejected);
  const label = !status.online ? 'Offline' : status.state === 'syncing' ? 'Syncing…' : rejected.length > 0 || status.state === 'error' ? 'Sync problem' : 'Online';
  const color = !status.online ? 'yellow' : rejected.length > 0 || status.state === 'error' ? 'red' : status.state === 'syncing' ? 'blue' : 'teal';
  return (
    <Popover position="bottom-end" shadow="md" width={320} withinPortal>
      <Popover.Target>
        <UnstyledButton aria-label={`Sync: ${label}${pending ? `, ${pending} pending` : ''}`}>
          <Badge
            variant="light"
            color={color}
            data-testid="sync-status"
            data-offline-ready={offlineReady}
            title={offlineReady ? 'Your data is saved on this device: the app opens without a connection.' : undefined}
            style={{ cursor: 'pointer' }}
          >
            {label}{pending > 0 && ` · ${pending} pending`}
          </Badge>
        </UnstyledButton>
      </Popover.Target>
      <Popover.Dropdown data-testid="sync-details">
        {ops.length === 0 && !settingsPending ? (
          <Text size="sm">{status.online ? 'Every change is on the server.' : 'You are offline. Changes you make are kept on this device and sent once when you are back online.'}</Text>
        ) : (
          <Stack gap="xs">
            <Text size="sm" fw={600}>{pending} {pending === 1 ? 'change waits' : 'changes wait'} for the server{status.online ? '' : ' (offline)'}</Text>
            {settingsPending && <Text size="sm">Your forecast settings</Text>}
            {ops.map((op) => (
              <Group key={op.seq} justify="space-between" wrap="nowrap" gap="xs">
                <div>
                  <Text size="sm">{describeOp(op, names.get(opKey(op)))}</Text>
                  {op.rejected && <Text size="xs" c="red.8" data-testid="sync-refused">Refused: {describeError(op.rejected)}</Text>}
                </div>
                {op.rejected && (
                  <Button size="compact-xs" variant="subtle" color="gray" onClick={() => void local?.dropOp(op.seq).then(() => local.pending()).then(setOps)}>Discard</Button>
                )}
              </Group>
            ))}
          </Stack>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}
