// The pipeline board end to end: drag a deal to another stage, the totals follow, the server
// has the new stage, a second browser logged in as the same user sees the move live (still
// showing the deal's company), and another user never sees the deal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, logInToBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4175);

const logIn = (user) => logInToBoard(app, user);

const text = async (page, id) => (await page.getByTestId(id).textContent()).trim();

test('drag a deal across stages; totals, server and a second window follow; another user sees nothing', async () => {
  const me = await signUp('board');
  const other = await signUp('boardother');
  const title = `Drag me ${Date.now()}`;
  const companyName = `Initrode ${Date.now()}`;
  const company = await rest('POST', '/classes/Company', { name: companyName }, me.token);
  const created = await rest('POST', '/classes/Deal', { title, amount: 2500, stage: 'lead', company: { __type: 'Pointer', className: 'Company', objectId: company.objectId } }, me.token);

  const one = await logIn(me);
  const two = await logIn(me);
  const stranger = await logIn(other);
  await one.page.getByText(title).waitFor();
  await two.page.getByText(title).waitFor();
  assert.equal(await text(one.page, 'count-lead'), '1');

  // Drag the card from "lead" to "won" with the mouse.
  const card = one.page.getByRole('button', { name: `Deal ${title}` });
  const target = one.page.getByRole('region', { name: 'Stage won' });
  const from = await card.boundingBox();
  const to = await target.boundingBox();
  await one.page.mouse.move(from.x + from.width / 2, from.y + from.height - 6); // on the card, off its title link
  await one.page.mouse.down();
  await one.page.mouse.move(to.x + to.width / 2, to.y + 80, { steps: 12 });
  await one.page.mouse.up();

  await target.getByText(title).waitFor({ timeout: 5_000 });
  assert.equal(await text(one.page, 'count-lead'), '0');
  assert.equal(await text(one.page, 'count-won'), '1');
  assert.match(await text(one.page, 'total-won'), /2,500/);

  // The server has it, and the second window got it through the live query.
  let stage;
  for (let i = 0; i < 50 && stage !== 'won'; i++) {
    stage = (await rest('GET', `/classes/Deal/${created.objectId}`, undefined, me.token)).stage;
    if (stage !== 'won') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(stage, 'won');
  await two.page.getByRole('region', { name: 'Stage won' }).getByText(title).waitFor({ timeout: 5_000 });
  assert.equal(await text(two.page, 'count-won'), '1');
  // The live event carried a bare company pointer; the card keeps the company's name.
  const liveCard = two.page.getByRole('button', { name: `Deal ${title}` });
  assert.equal((await liveCard.locator('.company').textContent()).trim(), companyName);

  // The other user: nothing of it, not even live.
  await stranger.page.waitForTimeout(500);
  assert.equal(await stranger.page.getByText(title).count(), 0);
  assert.equal(await text(stranger.page, 'count-won'), '0');

  // Search filters the board.
  await one.page.getByLabel('Search').fill('no such deal');
  await one.page.getByTestId('count-won').filter({ hasText: '0' }).waitFor();
  await one.page.getByLabel('Search').fill('drag me');
  await one.page.getByTestId('count-won').filter({ hasText: '1' }).waitFor();

  await one.page.screenshot({ path: path.join(artifacts, 'board.png'), fullPage: true });
  for (const s of [one, two, stranger]) await s.context.close();
});

test('offline: create and move on the board, then back online the server has each change once', async () => {
  const me = await signUp('offlineui');
  const existing = await rest('POST', '/classes/Deal', { title: `Moved offline ${Date.now()}`, stage: 'lead' }, me.token);
  const existingTitle = (await rest('GET', `/classes/Deal/${existing.objectId}`, undefined, me.token)).title;
  const { context, page } = await logIn(me);
  await page.getByText(existingTitle).waitFor();
  await page.getByTestId('sync-status').filter({ hasText: 'Online' }).waitFor();

  await context.setOffline(true);
  await page.getByTestId('sync-status').filter({ hasText: 'Offline' }).waitFor();
  const title = `Made offline ${Date.now()}`;
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Amount').fill('700');
  await page.getByRole('button', { name: 'Add deal' }).click();
  await page.getByRole('region', { name: 'Stage lead' }).getByText(title).waitFor();

  const card = page.getByRole('button', { name: `Deal ${existingTitle}` });
  const target = page.getByRole('region', { name: 'Stage proposal' });
  const from = await card.boundingBox();
  const to = await target.boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height - 6); // on the card, off its title link
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + 80, { steps: 12 });
  await page.mouse.up();
  await target.getByText(existingTitle).waitFor();
  await page.getByTestId('sync-status').filter({ hasText: '2 pending' }).waitFor();

  await context.setOffline(false); // the `online` event starts the sync
  await page.getByTestId('sync-status').filter({ hasText: /^Online$/ }).waitFor({ timeout: 15_000 });
  const where = encodeURIComponent(JSON.stringify({ title }));
  const made = await rest('GET', `/classes/Deal?where=${where}`, undefined, me.token);
  assert.equal(made.results.length, 1, 'created exactly once');
  assert.equal(made.results[0].amount, 700);
  assert.equal((await rest('GET', `/classes/Deal/${existing.objectId}`, undefined, me.token)).stage, 'proposal');
  await context.close();
});

test('the keyboard moves a card too, and an expired session sends the user back to log in', async () => {
  const me = await signUp('keyboard');
  const title = `Keys ${Date.now()}`;
  const created = await rest('POST', '/classes/Deal', { title, stage: 'lead' }, me.token);
  const { context, page } = await logIn(me);
  const card = page.getByRole('button', { name: `Deal ${title}` });
  await card.focus();
  await page.keyboard.press('Space'); // pick up
  for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight'); // about one column to the right
  await page.keyboard.press('Space'); // drop
  await page.getByRole('region', { name: 'Stage qualified' }).getByText(title).waitFor({ timeout: 5_000 });
  let stage;
  for (let i = 0; i < 50 && stage !== 'qualified'; i++) {
    stage = (await rest('GET', `/classes/Deal/${created.objectId}`, undefined, me.token)).stage;
    if (stage !== 'qualified') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(stage, 'qualified');

  // The session is revoked elsewhere: the next request ends it and the log-in form says why.
  const stored = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith('/session'))?.[1]);
  const token = JSON.parse(stored).sessionToken;
  await rest('POST', '/logout', {}, token);
  await page.getByRole('button', { name: 'Contacts' }).click();
  await page.getByText('Your session has expired. Please log in again.').waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  await context.close();
});
