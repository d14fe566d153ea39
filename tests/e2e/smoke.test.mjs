// Smoke test of www/: a real user logs in through the page and sees their deal on the board,
// grouped by stage with totals; another user's deal never appears.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { addDeal, artifacts, column, logIn, myDayShown, openBoard, rest, SERVER, signUp, useApp } from './server.mjs';

const app = useApp(4174);

test('log in and see my deals grouped by stage, and not another user\'s', async () => {
  const me = await signUp('smoke');
  const other = await signUp('other');
  const title = `Smoke deal ${Date.now()}`;
  await rest('POST', '/classes/Deal', { title, amount: 4200, stage: 'qualified' }, me.token);
  await rest('POST', '/classes/Deal', { title: 'Secret of another user', amount: 1, stage: 'qualified' }, other.token);

  const page = await app.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.preview.url);
  await page.getByLabel('Username').fill(me.username);
  await page.getByLabel('Password', { exact: true }).fill(me.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  // The app opens on My day; the deals are on the board.
  await myDayShown(page);
  await openBoard(page);

  await column(page, 'Qualified').getByText(title).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('count-qualified').textContent(), '1');
  assert.match(await page.getByTestId('total-qualified').textContent(), /4,200/);
  assert.equal(await page.getByText('Secret of another user').count(), 0);

  // Creating a deal from the page puts it in its column.
  await addDeal(page, { title: 'Made in the browser', amount: 800, stage: 'proposal' });
  await column(page, 'Proposal').getByText('Made in the browser').waitFor({ timeout: 10_000 });

  // A blank title is refused before any request, in words.
  const dialog = await addDeal(page, { title: '' }, { closes: false });
  await dialog.getByRole('alert').filter({ hasText: 'Title is required' }).waitFor({ timeout: 5_000 });
  await page.keyboard.press('Escape');

  await page.screenshot({ path: path.join(artifacts, 'smoke-board.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a wrong password gets a message, not a crash', async () => {
  const me = await signUp('wrongpw');
  const page = await app.browser.newPage();
  await page.goto(app.preview.url);
  await page.getByLabel('Username').fill(me.username);
  await page.getByLabel('Password', { exact: true }).fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor({ timeout: 10_000 });
});

test('sign up through the form, then log out back to the log-in form', async () => {
  const page = await app.browser.newPage();
  const username = `formuser${Date.now()}`;
  await page.goto(app.preview.url);
  await page.getByRole('button', { name: 'No account? Sign up' }).click();
  // The password rule is said before a first try, in the server's own words.
  const refused = await fetch(`${SERVER}/users`, {
    method: 'POST',
    headers: { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: `${username}x`, email: `${username}x@example.com`, password: 'short' }),
  }).then((r) => r.json());
  assert.ok(refused.error, JSON.stringify(refused));
  await page.getByText(refused.error, { exact: true }).waitFor();
  // A password that breaks that rule is pointed out at the field, the rule not repeated, and is
  // not sent (the server's refusal was a failed request in the console).
  const signUps = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/users$/.test(new URL(r.url()).pathname)) signUps.push(r.url());
  });
  await page.getByLabel('Username').fill(`${username}x`);
  await page.getByLabel('E-mail').fill(`${username}x@example.com`);
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByText('This password does not follow that rule.').waitFor();
  assert.equal(await page.getByText(refused.error, { exact: true }).count(), 1, 'the rule is said once');
  await page.getByLabel('Password', { exact: true }).fill('longbutnodigits');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByText('This password does not follow that rule.').waitFor();
  assert.deepEqual(signUps, [], 'a password that breaks the rule is not sent');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('E-mail').fill(`${username}@example.com`);
  await page.getByLabel('Password', { exact: true }).fill('pw-123456');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor({ timeout: 10_000 });
  assert.equal(signUps.length, 1, 'the good one is sent once');
  // Signing up again with the same name is refused in words.
  const second = await app.browser.newPage();
  await second.goto(app.preview.url);
  await second.getByRole('button', { name: 'No account? Sign up' }).click();
  await second.getByLabel('Username').fill(username);
  await second.getByLabel('E-mail').fill(`other-${username}@example.com`);
  await second.getByLabel('Password', { exact: true }).fill('pw-123456');
  await second.getByRole('button', { name: 'Sign up' }).click();
  await second.getByRole('alert').filter({ hasText: 'That username is already taken.' }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
});

test('logging out in one tab signs the other tabs out at once, with a word why', async () => {
  // Found by a newcomer: the other tab kept showing everything, and its next action failed as
  // "Your session has ended" with what was typed lost.
  const me = await signUp('twotabs');
  const { context, page: one } = await logIn(app, me);
  const two = await context.newPage();
  await two.goto(app.preview.url);
  await myDayShown(two); // the session is this browser's: the second tab opens signed in
  // The other tab sends nothing for a session already ended (its log-out request failed, a red
  // line in the console).
  const sent = [];
  two.on('request', (r) => sent.push(`${r.method()} ${new URL(r.url()).pathname}`));
  const failed = [];
  two.on('console', (m) => { if (m.type() === 'error') failed.push(m.text()); });
  await one.getByRole('button', { name: 'Log out' }).click();
  await one.getByRole('button', { name: 'Log in' }).waitFor();
  await two.getByRole('button', { name: 'Log in' }).waitFor();
  await two.getByText('You logged out in another tab.').waitFor();
  assert.equal(await two.getByRole('button', { name: 'Log out' }).count(), 0);
  await two.waitForTimeout(500);
  assert.deepEqual(sent.filter((r) => r.endsWith('/logout')), [], 'no log-out request from the other tab');
  assert.deepEqual(failed, []);
  await context.close();
});

test('My day follows activities written elsewhere (another tab, a colleague) without a reload', async () => {
  // Found by a newcomer: an activity added or marked done in another tab did not show in My day
  // until a reload.
  const me = await signUp('followday');
  await rest('POST', '/classes/Activity', { type: 'call', subject: 'Already planned', dueDate: { __type: 'Date', iso: new Date().toISOString() } }, me.token);
  const { context, page } = await logIn(app, me);
  const today = page.getByRole('region', { name: 'Today' });
  await today.getByText('Already planned').waitFor();
  const added = await rest('POST', '/classes/Activity', { type: 'meeting', subject: 'Added elsewhere', dueDate: { __type: 'Date', iso: new Date().toISOString() } }, me.token);
  await today.getByText('Added elsewhere').waitFor({ timeout: 10_000 });
  await rest('PUT', `/classes/Activity/${added.objectId}`, { completedAt: { __type: 'Date', iso: new Date().toISOString() } }, me.token);
  await today.getByText('Added elsewhere').waitFor({ state: 'detached', timeout: 10_000 });
  await context.close();
});
