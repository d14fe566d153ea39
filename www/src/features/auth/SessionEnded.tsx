// The session ended while a form held unsaved changes: a log-in over the screen, so the changes
// stay where they are and can be saved once the user is back. Closing the app for the log-in
// screen (what an ended session does otherwise) dropped them: an address typed on a company's
// page was gone after logging in again.
import { useState, type FormEvent } from 'react';
import { Alert, Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import type { CrmClient, User } from 'crm-wasm';
import { describeError } from '../../data/crm';

export function SessionEnded({ client, user, why, onBack, onLeave }: {
  client: CrmClient;
  user: User;
  /** Why it ended, in words. */
  why: string;
  /** Logged in again as the same user. */
  onBack: () => void;
  /** The changes given up: to the log-in screen. */
  onLeave: () => void;
}) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client.logIn(user.username ?? '', password);
      onBack();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={() => undefined} withCloseButton={false} closeOnEscape={false} closeOnClickOutside={false} title="Log in to keep your changes" centered>
      <form onSubmit={submit} aria-label="Log in again">
        <Stack gap="sm">
          <Text size="sm">{why}</Text>
          <Text size="sm">Your unsaved changes are still here: log in again as <b>{user.username}</b>, then save them.</Text>
          <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" required withAsterisk={false} data-autofocus />
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          <Group justify="space-between">
            <Button variant="subtle" color="red" onClick={onLeave}>Discard changes</Button>
            <Button type="submit" loading={busy}>Log in</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
