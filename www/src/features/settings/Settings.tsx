// The user's settings: the display name colleagues see (the team's public profile; never the
// e-mail address), and the forecast's currency and stage probabilities (private to the user).
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert, Anchor, Avatar, Badge, Button, Group, NumberInput, Paper, PasswordInput, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Probabilities } from 'crm-wasm';
import { useSession } from '../../data/context';
import { describeError } from '../../data/crm';
import { DEFAULT_SETTINGS, useMySettings } from '../../data/settings';
import { useMyTeam } from '../../data/team';
import { initials } from '../../lib/format';
import { MAX_CHARS, PASSWORD_PATTERN, PASSWORD_RULE } from '../../lib/limits';
import { STAGES } from '../../lib/stages';
import { usePageDiscardGuard } from '../../components/DiscardGuard';

/** A settings form's submit: `action` runs when `ready()`, busy meanwhile, its error in words. */
function useSubmit() {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = (action: () => Promise<void>, ready: () => boolean = () => true) => async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    if (!ready()) return;
    setBusy(true);
    try {
      await action();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

/** A settings form with unsaved changes: leaving the page asks first, as a record's page does
 * (they were dropped without a word). Answers the question's dialog, to render with the form. */
const useUnsaved = (dirty: boolean, what: string) => usePageDiscardGuard(dirty, what).dialog;

export function Settings() {
  return (
    <Stack p="md" maw={640}>
      <Title order={1} size="h3">Settings</Title>
      <Profile />
      <TeamMembers />
      <Forecast />
      <Password />
    </Stack>
  );
}

function Profile() {
  const { user } = useSession();
  const team = useMyTeam();
  const current = team.nameOf(user.objectId) ?? '';
  const [name, setName] = useState<string>();
  const { error, busy, submit } = useSubmit();
  const value = name ?? current;
  const guard = useUnsaved(value !== current, 'your display name');
  const save = submit(async () => {
    await team.team.rename(value.trim());
    setName(undefined);
    notifications.show({ color: 'teal', message: 'Display name saved.' });
  });
  return (
    <Paper withBorder p="md" radius="md">
      <form onSubmit={save} aria-label="Your profile">
        <Stack gap="sm">
          <Title order={2} size="h5">Your profile</Title>
          <Text size="sm" c="dimmed">Colleagues see this name on the deals you own and in the owner picker. Your e-mail address is never shown to them.</Text>
          <TextInput label="Display name" required maxLength={MAX_CHARS.displayName} value={value} onChange={(e) => setName(e.currentTarget.value)} disabled={!team.loaded} />
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          <Button type="submit" loading={busy} disabled={!value.trim() || value === current} w="fit-content">Save</Button>
        </Stack>
      </form>
      {guard}
    </Paper>
  );
}

/** The team: every colleague by display name, the people a deal can be given to. */
function TeamMembers() {
  const { user } = useSession();
  const team = useMyTeam();
  const members = [...team.members].sort((a, b) => Number(b.id === user.objectId) - Number(a.id === user.objectId));
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label="Team">
      <Stack gap="sm">
        <Title order={2} size="h5">Team</Title>
        <Text size="sm" c="dimmed">
          Everyone you can give a deal to, by the name they chose. Assigning a deal to a colleague (its Owner field, or
          "Assign owner" in the <Anchor component={Link} to="/pipeline" size="sm" underline="always">deals list</Anchor>) shares it with them.
        </Text>
        {!team.loaded && <Text size="sm" c="dimmed">Loading the team…</Text>}
        <Stack gap={6}>
          {members.map((m) => (
            <Group key={m.id} gap="sm" wrap="nowrap" data-testid="team-member">
              <Avatar size={28} radius="xl" color={m.id === user.objectId ? 'indigo' : 'grape'}>{initials(m.name)}</Avatar>
              <Text size="sm" fw={500}>{m.name}</Text>
              {m.id === user.objectId && <Badge size="xs" variant="light">You</Badge>}
            </Group>
          ))}
        </Stack>
      </Stack>
    </Paper>
  );
}

const CURRENCIES = Intl.supportedValuesOf('currency');
const currencyName = new Intl.DisplayNames(typeof navigator !== 'undefined' ? navigator.language : undefined, { type: 'currency' });
const CURRENCY_OPTIONS = CURRENCIES.map((c) => ({ value: c, label: `${c} · ${currencyName.of(c) ?? c}` }));

function Forecast() {
  const { settings, loaded, store } = useMySettings();
  const [draft, setDraft] = useState<{ currency: string; probabilities: Record<string, number | string> }>();
  const { error, busy, submit } = useSubmit();
  const form = draft ?? { currency: settings.currency, probabilities: { ...settings.probabilities } as Record<string, number> };
  const guard = useUnsaved(draft !== undefined && (draft.currency !== settings.currency
    || STAGES.some((st) => draft.probabilities[st.id] !== (settings.probabilities as unknown as Record<string, number>)[st.id])), 'the forecast settings');
  // Won and lost deals are not in the forecast (won counts in full as won, lost not at all):
  // their chances are not asked (the fields did nothing).
  const open = STAGES.filter((s) => !s.closed);
  const problems = open.filter((s) => {
    const v = form.probabilities[s.id];
    return typeof v !== 'number' || v < 0 || v > 100;
  });
  // A later open stage with a lower chance than the one before is allowed (a team may mean it),
  // but said, since it is usually a typo.
  const backwards = open.slice(1).flatMap((s, i) => {
    const [before, now] = [form.probabilities[open[i]!.id], form.probabilities[s.id]];
    return typeof before === 'number' && typeof now === 'number' && now < before ? [`${s.label} (${now} %) is below ${open[i]!.label} (${before} %)`] : [];
  });
  const save = submit(async () => {
    const sent = await store.save({ currency: form.currency, probabilities: form.probabilities as unknown as Probabilities });
    setDraft(undefined);
    notifications.show({ color: 'teal', message: sent ? 'Forecast settings saved.' : 'Forecast settings saved on this device: they go to the server when you are back online.' });
  }, () => problems.length === 0);
  return (
    <Paper withBorder p="md" radius="md">
      <form onSubmit={save} aria-label="Forecast">
        <Stack gap="sm">
          <Title order={2} size="h5">Forecast</Title>
          <Text size="sm" c="dimmed">Amounts are written with your currency’s symbol and format (they are not converted: deals hold plain amounts), and the weighted forecast counts each open deal at its stage’s chance of winning. Only you see these settings.</Text>
          <Select label="Currency" searchable data={CURRENCY_OPTIONS}
            // Typing replaces the shown "USD · US Dollar" instead of adding to it.
            onFocus={(e) => e.currentTarget.select()}
            // "eur" then Enter picks EUR · Euro, the one match.
            selectFirstOptionOnChange value={form.currency} onChange={(v) => v && setDraft({ ...form, currency: v })} disabled={!loaded} allowDeselect={false} maw={320} />
          <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="sm">
            {open.map((s) => (
              <NumberInput
                key={s.id}
                label={`${s.label} (%)`}
                min={0}
                max={100}
                // Not clamped: 150 typed stays 150 and is told at the field (strict clamping
                // dropped the keystroke without a word).
                clampBehavior="none"
                allowDecimal={false}
                suffix=" %"
                value={form.probabilities[s.id]}
                onChange={(v) => setDraft({ ...form, probabilities: { ...form.probabilities, [s.id]: v } })}
                error={problems.includes(s) ? 'From 0 to 100' : undefined}
                disabled={!loaded}
              />
            ))}
          </SimpleGrid>
          {backwards.length > 0 && (
            <Alert color="yellow" variant="light" data-testid="probability-order">
              {backwards.join('; ')}. Deals usually grow likelier as they move on; you can still save these.
            </Alert>
          )}
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          <Group gap="sm">
            <Button type="submit" loading={busy} disabled={!draft || problems.length > 0}>Save forecast settings</Button>
            <Button variant="subtle" color="gray" onClick={() => setDraft({ currency: DEFAULT_SETTINGS.currency, probabilities: { ...DEFAULT_SETTINGS.probabilities } as unknown as Record<string, number> })}>Use the defaults</Button>
          </Group>
        </Stack>
      </form>
      {guard}
    </Paper>
  );
}

/** The password: the current one checked, then changed; the server ends every other session. */
function Password() {
  const { client, workspace } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const { error, busy, submit } = useSubmit();
  const mismatch = again !== '' && again !== next;
  // Said at the field once a change was tried, not while the new password is being typed.
  const [tried, setTried] = useState(false);
  const weak = !PASSWORD_PATTERN.test(next);
  const guard = useUnsaved(current !== '' || next !== '' || again !== '', 'the password change');
  const save = submit(async () => {
    await client.changePassword(current, next);
    setTried(false);
    // The live connection was made with the session that just ended.
    workspace.renewLive();
    setCurrent('');
    setNext('');
    setAgain('');
    notifications.show({ color: 'teal', message: 'Password changed. You stay signed in here; every other device is signed out.' });
  }, () => {
    setTried(true);
    return !mismatch && !weak;
  });
  return (
    <Paper withBorder p="md" radius="md">
      <form onSubmit={save} aria-label="Password">
        <Stack gap="sm">
          <Title order={2} size="h5">Password</Title>
          <Text size="sm" c="dimmed">Changing it signs you out on every other device and browser.</Text>
          <PasswordInput label="Current password" autoComplete="current-password" required withAsterisk={false} value={current} onChange={(e) => setCurrent(e.currentTarget.value)} maw={320} />
          <PasswordInput label="New password" autoComplete="new-password" required withAsterisk={false} maxLength={MAX_CHARS.password} value={next} onChange={(e) => setNext(e.currentTarget.value)} maw={320}
            description={PASSWORD_RULE} error={tried && weak ? 'This password does not follow that rule.' : undefined} />
          <PasswordInput label="New password again" autoComplete="new-password" required withAsterisk={false} value={again} onChange={(e) => setAgain(e.currentTarget.value)} maw={320}
            error={mismatch ? 'The two new passwords differ.' : undefined} />
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          <Button type="submit" loading={busy} disabled={!current || !next || next !== again} w="fit-content">Change password</Button>
        </Stack>
      </form>
      {guard}
    </Paper>
  );
}
