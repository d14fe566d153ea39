// The user's settings: the display name colleagues see (the team's public profile; never the
// e-mail address).
import { useState, type FormEvent } from 'react';
import { Alert, Button, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { useMyTeam } from '../../data/team';

export function Settings() {
  const { user } = useSession();
  const team = useMyTeam();
  const current = team.nameOf(user.objectId) ?? '';
  const [name, setName] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const value = name ?? current;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await team.team.rename(value.trim());
      setName(undefined);
      notifications.show({ color: 'teal', message: 'Display name saved.' });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack p="md" maw={560}>
      <Title order={1} size="h3">Settings</Title>
      <Paper withBorder p="md" radius="md">
        <form onSubmit={save} aria-label="Your profile">
          <Stack gap="sm">
            <Title order={2} size="h5">Your profile</Title>
            <Text size="sm" c="dimmed">Colleagues see this name on the deals you own and in the owner picker. Your e-mail address is never shown to them.</Text>
            <TextInput label="Display name" required maxLength={80} value={value} onChange={(e) => setName(e.currentTarget.value)} disabled={!team.loaded} />
            {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
            <Button type="submit" loading={busy} disabled={!value.trim() || value === current} w="fit-content">Save</Button>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
