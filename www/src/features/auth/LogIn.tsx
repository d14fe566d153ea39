import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import type { CrmClient, User } from 'crm-wasm';
import { Logo } from '../../app/Logo';
import { describeError } from '../../data/crm';
import { MAX_CHARS, PASSWORD_PATTERN, PASSWORD_RULE } from '../../lib/limits';

export function LogIn({ client, notice, onSignedIn }: { client: CrmClient; notice?: string; onSignedIn: (u: User) => void }) {
  const [mode, setMode] = useState<'logIn' | 'signUp' | 'reset'>('logIn');
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // The address a reset link was asked for (the server says the same for an unknown one).
  const [resetSent, setResetSent] = useState<string>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    // A password the server would refuse is said at its field without asking the server.
    if (mode === 'signUp' && !PASSWORD_PATTERN.test(password)) {
      setError(PASSWORD_RULE);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'reset') {
        await client.requestPasswordReset(email.trim());
        setResetSent(email.trim());
        setBusy(false);
        return;
      }
      const u = mode === 'logIn' ? await client.logIn(username, password) : await client.signUp(username, email, password);
      onSignedIn(u);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  }

  const title = { logIn: 'Log in', signUp: 'Sign up', reset: 'Send reset link' }[mode];
  const heading = { logIn: 'Welcome back', signUp: 'Create your account', reset: 'Reset your password' }[mode];
  const switchTo = (next: typeof mode) => {
    setMode(next);
    setError(undefined);
    setResetSent(undefined);
  };
  // A password refused for the rule shown under the field: said at the field, not repeated.
  const passwordRefused = mode === 'signUp' && !!error && error.includes(PASSWORD_RULE);
  return (
    <Center mih="100vh" p="md" className="login-bg">
      <main style={{ width: '100%', maxWidth: 380 }}>
        <Paper component="form" onSubmit={submit} aria-label={title} p="xl" radius="lg" shadow="md" withBorder>
          <Stack gap="md">
            <Logo />
            <div>
              <Title order={1} size="h3">{heading}</Title>
              <Text size="sm" c="dimmed">
                {mode === 'reset' ? 'Enter the e-mail address of your account: we will send it a link to choose a new password.' : 'Your pipeline, contacts and forecast in one place.'}
              </Text>
            </div>
            {notice && <Alert color="yellow" variant="light">{notice}</Alert>}
            {/* A log-in takes a username or an e-mail address here (the longer of the two limits). */}
            {mode !== 'reset' && <TextInput label="Username" name="username" maxLength={mode === 'signUp' ? MAX_CHARS.username : MAX_CHARS.email} value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoComplete="username" required withAsterisk={false} />}
            {mode !== 'logIn' && (
              <TextInput label="E-mail" name="email" type="email" maxLength={MAX_CHARS.email} value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoComplete="email" required withAsterisk={false} />
            )}
            {mode !== 'reset' && <PasswordInput label="Password" name="password" maxLength={mode === 'signUp' ? MAX_CHARS.password : undefined} value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete={mode === 'logIn' ? 'current-password' : 'new-password'} required withAsterisk={false}
              // The server's password rule (backend/rules.js), said before a first try; the e2e test
              // checks it against the server's own message.
              description={mode === 'signUp' ? PASSWORD_RULE : undefined}
              error={passwordRefused ? 'This password does not follow that rule.' : undefined} />}
            {mode === 'logIn' && (
              <Anchor component="button" type="button" size="sm" ta="right" mt={-8} onClick={() => switchTo('reset')}>Forgot password?</Anchor>
            )}
            {resetSent && (
              <Alert color="teal" variant="light" role="status" className="long-text">
                If an account uses {resetSent}, a link to choose a new password is on its way to it. The link works for an hour.
              </Alert>
            )}
            {error && !passwordRefused && <Alert color="red" variant="light" role="alert">{error}</Alert>}
            <Button type="submit" loading={busy} fullWidth>{title}</Button>
            <Anchor component="button" type="button" size="sm" ta="center" onClick={() => switchTo(mode === 'logIn' ? 'signUp' : 'logIn')}>
              {mode === 'logIn' ? 'No account? Sign up' : mode === 'signUp' ? 'Have an account? Log in' : 'Back to log in'}
            </Anchor>
          </Stack>
        </Paper>
      </main>
    </Center>
  );
}
