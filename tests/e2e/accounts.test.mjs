// A forgotten password, end to end: the log-in screen asks for a reset link, the backend's
// outbox (the dev and test backends' e-mail, backend/mail-adapter.js) holds it, Parse's page
// takes the new password, and the app logs in with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { logIn, myDayShown, rest, root, signUp, useApp } from './server.mjs';

const app = useApp(4197);
const outbox = path.join(root, 'backend/.data', process.env.CRM_TEST_INSTANCE || 'test', 'outbox.jsonl');
const mailsTo = (to) => (existsSync(outbox) ? readFileSync(outbox, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((m) => m.to === to) : []);

test('a forgotten password is reset from the log-in screen, and the new one logs in', async () => {
  const user = await signUp('forgot');
  const email = `${user.username}@example.com`;
  const context = await app.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.preview.url);
  await page.getByRole('button', { name: 'Forgot password?' }).click();
  await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
  // An address no account uses gets the same answer (no one learns who has an account).
  await page.getByLabel('E-mail').fill(`nobody${Date.now()}@example.com`);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.getByRole('status').filter({ hasText: 'a link to choose a new password is on its way' }).waitFor();
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.getByRole('status').filter({ hasText: `If an account uses ${email}` }).waitFor();
  await page.screenshot({ path: path.join(root, 'tests/artifacts/reset-requested-phone.png') });

  let mail;
  for (let i = 0; i < 50 && !mail; i++) {
    mail = mailsTo(email).at(-1);
    if (!mail) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(mail, `a reset e-mail to ${email}`);
  assert.match(mail.subject, /Tidewater CRM/, 'the mail names the product as the app does');
  const link = mail.text.match(/https?:\/\/\S+/)[0];
  // The backend's page for a new password (backend/pages/, served by Parse), in the app's look.
  const reset = await context.newPage();
  // The page logs nothing in the console (it asked for a favicon.ico the server has not: a 404).
  const consoleErrors = [];
  reset.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await reset.goto(link);
  // A password the rule refuses is said at the field, not sent (the server's refusal came back
  // as the page again, both entries emptied).
  await reset.getByLabel('New password', { exact: true }).fill('weakweak');
  await reset.getByLabel('New password again').fill('weakweak');
  await reset.getByRole('button', { name: 'Change password' }).click();
  await reset.getByText('The new password does not follow the rule above.').waitFor();
  assert.equal(await reset.getByLabel('New password', { exact: true }).inputValue(), 'weakweak', 'nothing was sent');
  const newPassword = 'New-pass-2026';
  await reset.getByLabel('New password', { exact: true }).fill(newPassword);
  await reset.getByLabel('New password again').fill('New-pass-2025');
  await reset.getByText('The two entries differ.').waitFor();
  assert.equal(await reset.getByRole('button', { name: 'Change password' }).isDisabled(), true);
  await reset.getByLabel('New password again').fill(newPassword);
  await reset.getByRole('button', { name: 'Change password' }).click();
  await reset.getByRole('heading', { name: 'Your password has been changed' }).waitFor();
  assert.deepEqual(consoleErrors, []);
  await reset.screenshot({ path: path.join(root, 'tests/artifacts/reset-done-phone.png') });
  await reset.close();
  // The sessions opened with the old password are over (Parse's revokeSessionOnPasswordReset).
  const me = await rest('GET', '/users/me', undefined, user.token);
  assert.equal(me.code, 209, `the old session is revoked: ${JSON.stringify(me)}`);

  // Back in the app: the old password is refused, the new one logs in.
  await page.getByRole('button', { name: 'Back to log in' }).click();
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
  await page.getByLabel('Password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await myDayShown(page);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the password is changed in Settings: a wrong current one is refused, other devices are signed out, other tabs follow', async () => {
  const user = await signUp('change');
  const here = await logIn(app, user);
  const elsewhere = await logIn(app, user);
  // A second tab of this browser, signed in from the stored session.
  const tab = await here.context.newPage();
  await tab.goto(app.preview.url);
  await myDayShown(tab);

  const { page } = here;
  await page.getByRole('link', { name: 'Settings' }).click();
  const form = page.getByRole('form', { name: 'Password' });
  // A new password that breaks the rule is said at its field, and nothing is sent.
  const changes = [];
  page.on('request', (r) => {
    if (r.method() === 'PUT' && /\/users\//.test(new URL(r.url()).pathname)) changes.push(r.url());
  });
  await form.getByLabel('Current password').fill(user.password);
  await form.getByLabel('New password', { exact: true }).fill('nodigits');
  await form.getByLabel('New password again').fill('nodigits');
  await form.getByRole('button', { name: 'Change password' }).click();
  await form.getByText('This password does not follow that rule.').waitFor();
  assert.deepEqual(changes, []);
  await form.getByLabel('Current password').fill('not-my-password-1');
  await form.getByLabel('New password', { exact: true }).fill('Changed-pass-7');
  await form.getByLabel('New password again').fill('Changed-pass-8');
  await form.getByText('The two new passwords differ.').waitFor();
  assert.ok(await form.getByRole('button', { name: 'Change password' }).isDisabled());
  await form.getByLabel('New password again').fill('Changed-pass-7');
  await form.getByRole('button', { name: 'Change password' }).click();
  await form.getByRole('alert').filter({ hasText: 'The current password is wrong' }).waitFor();
  await form.getByLabel('Current password').fill(user.password);
  await form.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Password changed. You stay signed in here; every other device is signed out.').waitFor();
  await page.screenshot({ path: path.join(root, 'tests/artifacts/password-changed.png') });

  // This tab carries on: a save goes through.
  await page.getByLabel('Display name').fill('Still Here');
  await page.getByRole('form', { name: 'Your profile' }).getByRole('button', { name: 'Save' }).click();
  await page.getByText('Display name saved.').waitFor();
  // The other tab took the new session: it saves too, without being asked to log in.
  await tab.waitForLoadState();
  await myDayShown(tab);
  await tab.getByRole('link', { name: 'Settings' }).click();
  await tab.getByLabel('Display name').fill('Other Tab');
  await tab.getByRole('form', { name: 'Your profile' }).getByRole('button', { name: 'Save' }).click();
  await tab.getByText('Display name saved.').waitFor();
  // The other device is signed out at once, without a click: its live connection is told the
  // session ended. It kept showing its screens, "online", until its next request.
  await elsewhere.page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 10_000 });
  // Told why, in words that cover what the server cannot tell apart.
  await elsewhere.page.getByText(/^Your session has ended: .*changed your password on another device/).waitFor();
  // The new password logs in; the old one no longer does.
  const fresh = await logIn(app, { ...user, password: 'Changed-pass-7' });
  assert.deepEqual([...here.errors, ...elsewhere.errors, ...fresh.errors], []);
  for (const s of [here, elsewhere, fresh]) await s.context.close();
});

test('after the password is changed, the tab that changed it still follows other devices (a new live connection)', async () => {
  const user = await signUp('changelive');
  const here = await logIn(app, user);
  const { page } = here;
  await page.getByRole('link', { name: 'Settings' }).click();
  const form = page.getByRole('form', { name: 'Password' });
  await form.getByLabel('Current password').fill(user.password);
  await form.getByLabel('New password', { exact: true }).fill('Changed-pass-9');
  await form.getByLabel('New password again').fill('Changed-pass-9');
  await form.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Password changed.', { exact: false }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
  await page.getByLabel('Contact name').waitFor();
  // Another device, signed in with the new password, adds a contact and a deal: both show here
  // without a reload. The live connection made with the ended session was refused for good.
  const other = await rest('POST', '/login', { username: user.username, password: 'Changed-pass-9' });
  assert.ok(other.sessionToken, JSON.stringify(other));
  const tag = Date.now().toString(36);
  // Parse's Live Query server still holds the ended session for a moment; the first event after
  // that is refused, and the refusal closes the connection (the server's guard.js).
  await page.waitForTimeout(3_000);
  await rest('POST', '/classes/Contact', { name: `First ${tag}` }, other.sessionToken);
  await page.waitForTimeout(2_000);
  await rest('POST', '/classes/Contact', { name: `After change ${tag}` }, other.sessionToken);
  await page.getByRole('link', { name: `After change ${tag}` }).waitFor({ timeout: 8_000 });
  await rest('POST', '/classes/Deal', { title: `Live deal ${tag}`, amount: 5, stage: 'lead' }, other.sessionToken);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipeline' }).click();
  await page.getByRole('article', { name: `Deal Live deal ${tag}`, exact: true }).waitFor({ timeout: 8_000 });
  assert.deepEqual(here.errors, []);
  await here.context.close();
});
