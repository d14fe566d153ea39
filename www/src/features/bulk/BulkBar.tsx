// The actions on a list's selected rows: assign an owner and change the stage (deals), delete
// (asked first). Each says what it did in a notification with Undo (data/actions.tsx).
import { useState } from 'react';
import { Button, Checkbox, Group, Menu, Paper, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowsExchange, IconTrash, IconUserShare } from '@tabler/icons-react';
import type { Stage } from 'crm-wasm';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import type { BulkResult } from '../../data/actions';
import { useOwnerOptions } from '../../data/team';
import { plural } from '../../lib/format';
import { STAGES } from '../../lib/stages';
import type { Selection } from './selection';

/** The header cell's checkbox: every shown row, or none. */
export function SelectAll({ selection, label }: { selection: Selection; label: string }) {
  return <label className="check-target"><Checkbox aria-label={label} checked={selection.all} indeterminate={selection.some} disabled={!selection.any} onChange={(e) => selection.setAll(e.currentTarget.checked)} /></label>;
}

/** A row's checkbox. Each sits in a label a finger can hit (styles.css: .check-target); the
 * box alone was 20 px. */
export function SelectRow({ selection, id, name }: { selection: Selection; id: string; name: string }) {
  return <label className="check-target"><Checkbox aria-label={`Select ${name}`} checked={selection.has(id)} onChange={(e) => selection.toggle(id, e.currentTarget.checked)} /></label>;
}

export function BulkBar({ selection, noun, onDelete, onAssign, onStage }: {
  selection: Selection;
  /** ["contact", "contacts"] */
  noun: readonly [string, string];
  onDelete: () => Promise<BulkResult>;
  onAssign?: (owner: string | null) => Promise<BulkResult>;
  onStage?: (stage: Stage) => Promise<BulkResult>;
}) {
  const owners = useOwnerOptions();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const count = selection.selected.length;
  if (count === 0) return null;
  const run = async (action: () => Promise<BulkResult>) => {
    setBusy(true);
    try {
      const r = await action();
      if (r.failed > 0) {
        notifications.show({ color: 'red', title: `${plural(r.failed, noun[0], noun[1])} not changed`, message: r.error });
      }
      selection.clear();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="xs" mb="sm" className="bulk-bar" role="toolbar" aria-label="Selected rows">
      <Group gap="sm" justify="space-between" wrap="wrap">
        <Text size="sm" fw={600} data-testid="selected-count">{plural(count, noun[0], noun[1])} selected</Text>
        <Group gap="xs" wrap="wrap">
          {onAssign && (
            <Menu position="bottom-end" withinPortal shadow="md">
              <Menu.Target>
                <Button size="xs" variant="default" leftSection={<IconUserShare size={15} />} loading={busy}>Assign owner</Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Assign to…</Menu.Label>
                {owners.map((o) => (
                  <Menu.Item key={o.value} onClick={() => void run(() => onAssign(o.value))}>{o.label}</Menu.Item>
                ))}
                <Menu.Item onClick={() => void run(() => onAssign(null))}>Nobody (unassigned)</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
          {onStage && (
            <Menu position="bottom-end" withinPortal shadow="md">
              <Menu.Target>
                <Button size="xs" variant="default" leftSection={<IconArrowsExchange size={15} />} loading={busy}>Change stage</Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Move to…</Menu.Label>
                {STAGES.map((s) => <Menu.Item key={s.id} onClick={() => void run(() => onStage(s.id))}>{s.label}</Menu.Item>)}
              </Menu.Dropdown>
            </Menu>
          )}
          <Button size="xs" variant="light" color="red" leftSection={<IconTrash size={15} />} loading={busy} onClick={() => setConfirming(true)}>Delete</Button>
          <Button size="xs" variant="subtle" color="gray" onClick={selection.clear}>Clear selection</Button>
        </Group>
      </Group>
      <ConfirmDelete
        opened={confirming}
        title={`Delete ${plural(count, noun[0], noun[1])}?`}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void run(onDelete);
        }}
      >
        {plural(count, noun[0], noun[1])} will be deleted{noun[0] === 'company' ? ' (contacts and deals that belong to them are kept, without a company)' : ''}. You can undo this for a few seconds.
      </ConfirmDelete>
    </Paper>
  );
}
