// The header's log-out button. A log-out deletes this device's copy of the data, with the
// changes made offline that have not reached the server: those were lost without a word (a
// deal moved offline, then a log-out). So it tries to send them first, and if some are still
// waiting, asks before it goes. Unsaved edits in a form on screen (a contact, a company) are
// asked about first, as leaving the form for another page asks.
import { useState } from 'react';
import { ActionIcon, Button, Group, Modal, Stack, Text, Tooltip } from '@mantine/core';
import { IconLogout } from '@tabler/icons-react';
import type { Workspace } from '../../data/workspace';
import { plural } from '../../lib/format';
import { confirmLeaving } from '../../components/DiscardGuard';

export function LogOutButton({ workspace, onLogOut }: { workspace: Workspace; onLogOut: () => void }) {
  const [checking, setChecking] = useState(false);
  const [waiting, setWaiting] = useState(0);
  const ask = async () => {
    if (!(await confirmLeaving())) return;
    setChecking(true);
    const n = await workspace.unsyncedChanges().catch(() => 0);
    setChecking(false);
    if (n === 0) onLogOut();
    else setWaiting(n);
  };
  const changes = plural(waiting, 'change', 'changes');
  return (
    <>
      <Tooltip label="Log out">
        <ActionIcon variant="subtle" color="gray" size="lg" onClick={() => void ask()} loading={checking} aria-label="Log out">
          <IconLogout size={20} />
        </ActionIcon>
      </Tooltip>
      <Modal opened={waiting > 0} onClose={() => setWaiting(0)} title="Changes not synced yet" centered>
        <Stack gap="md">
          <Text size="sm" data-testid="unsynced-warning">
            {changes} made on this device {waiting === 1 ? 'is' : 'are'} not on the server yet
            {navigator.onLine ? '' : ' (you are offline)'}. Logging out now deletes {waiting === 1 ? 'it' : 'them'}.
            Stay signed in and {waiting === 1 ? 'it is' : 'they are'} sent when the connection is back.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" color="red" onClick={() => { setWaiting(0); onLogOut(); }}>Log out and discard</Button>
            <Button onClick={() => setWaiting(0)} data-autofocus>Stay signed in</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
