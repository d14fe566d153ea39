// #16's daily loop, first part: My day lists the user's open activities (overdue, today, this
// week) across deals and contacts, marks one done in a click (undoable), reschedules one; the
// board's cards show each deal's next activity and flag open deals with none planned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { card, logIn, logInToBoard, openBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4195);
const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });
const DAY = 86_400_000;
const now = new Date();
const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
const day = (offset) => ({ __type: 'Date', iso: new Date(today + offset * DAY).toISOString() });

test('My day opens first: overdue, today and this week; done with Undo; reschedule; next activity on cards and records', async () => {
  const me = await signUp('myday');
  const other = await signUp('mydayother');
  const deal = await rest('POST', '/classes/Deal', { title: 'Planned deal', stage: 'proposal' }, me.token);
  await rest('POST', '/classes/Deal', { title: 'Unplanned deal', stage: 'qualified' }, me.token);
  await rest('POST', '/classes/Deal', { title: 'Closed deal', stage: 'won' }, me.token);
  const contact = await rest('POST', '/classes/Contact', { name: 'Cleo Contact' }, me.token);
  const late = await rest('POST', '/classes/Activity', { type: 'call', subject: 'Chase the invoice', dueDate: day(-3), relatedTo: { className: 'Deal', objectId: deal.objectId } }, me.token);
  const now1 = await rest('POST', '/classes/Activity', { type: 'meeting', subject: 'Demo with Cleo', dueDate: day(0), relatedTo: { className: 'Contact', objectId: contact.objectId } }, me.token);
  await rest('POST', '/classes/Activity', { type: 'email', subject: 'Send the contract', dueDate: day(3), relatedTo: { className: 'Deal', objectId: deal.objectId } }, me.token);
  await rest('POST', '/classes/Activity', { type: 'email', subject: 'Far future', dueDate: day(30), relatedTo: { className: 'Deal', objectId: deal.objectId } }, me.token);
  await rest('POST', '/classes/Activity', { type: 'call', subject: 'Already done', dueDate: day(0), completedAt: day(0), relatedTo: { className: 'Deal', objectId: deal.objectId } }, me.token);
  // Someone else's activity never shows (and is not readable anyway).
  const theirs = await rest('POST', '/classes/Deal', { title: 'Their deal' }, other.token);
  await rest('POST', '/classes/Activity', { type: 'call', subject: 'Not mine', dueDate: day(0), relatedTo: { className: 'Deal', objectId: theirs.objectId } }, other.token);
  assert.ok(late.objectId && now1.objectId);

  // The app opens on My day (logIn waits for it at /my-day); / leads there too.
  const { context, page, errors } = await logIn(app, me);
  await page.goto(app.preview.url);
  await page.getByTestId('myday-week').waitFor();
  assert.equal(new URL(page.url()).pathname, '/my-day');

  // Cards: the next activity (the earliest open one, overdue in red), or a flag when none.
  await openBoard(page);
  await card(page, 'Planned deal').getByTestId('next-activity').filter({ hasText: 'Chase the invoice' }).waitFor();
  await card(page, 'Unplanned deal').getByTestId('no-next-activity').waitFor();
  assert.equal(await card(page, 'Closed deal').getByTestId('no-next-activity').count(), 0, 'won deals are not flagged');
  // Records too: a deal's and a contact's.
  await card(page, 'Unplanned deal').getByRole('link', { name: 'Unplanned deal' }).click();
  await page.getByRole('dialog', { name: 'Unplanned deal' }).getByTestId('no-next-activity').waitFor();
  await page.keyboard.press('Escape');
  await page.goto(new URL(`/contacts/${contact.objectId}`, app.preview.url).href);
  await page.getByRole('main').getByTestId('next-activity').filter({ hasText: 'Demo with Cleo' }).waitFor();

  await page.getByRole('link', { name: 'My day' }).click();
  const overdue = page.getByRole('region', { name: 'Overdue' });
  const todayList = page.getByRole('region', { name: 'Today' });
  const week = page.getByRole('region', { name: 'Next 7 days' });
  await overdue.getByText('Chase the invoice').waitFor();
  await overdue.getByRole('link', { name: 'Planned deal' }).waitFor();
  await todayList.getByText('Demo with Cleo').waitFor();
  await todayList.getByRole('link', { name: 'Cleo Contact' }).waitFor();
  await week.getByText('Send the contract').waitFor();
  const all = await page.locator('main').innerText();
  for (const absent of ['Far future', 'Already done', 'Not mine']) assert.ok(!all.includes(absent), `${absent} shown`);

  // One click: done, stored; Undo opens it again.
  await todayList.getByRole('checkbox', { name: 'Done: Demo with Cleo' }).click();
  await todayList.getByText('Demo with Cleo').waitFor({ state: 'detached' });
  assert.ok((await rest('GET', `/classes/Activity/${now1.objectId}`, undefined, me.token)).completedAt, 'completedAt stored');
  await page.getByRole('button', { name: 'Undo' }).click();
  await todayList.getByText('Demo with Cleo').waitFor();
  assert.equal((await rest('GET', `/classes/Activity/${now1.objectId}`, undefined, me.token)).completedAt, undefined);

  // Reschedule the overdue call to tomorrow: it moves to Next 7 days, with the new date stored.
  await overdue.getByRole('button', { name: 'Reschedule Chase the invoice' }).click();
  await page.getByRole('menuitem', { name: 'Tomorrow' }).click();
  await week.getByText('Chase the invoice').waitFor();
  assert.equal((await rest('GET', `/classes/Activity/${late.objectId}`, undefined, me.token)).dueDate.iso, day(1).iso);
  await overdue.getByText('Nothing overdue.').waitFor();

  // The deal from My day opens its record.
  await week.getByRole('link', { name: 'Planned deal' }).first().click();
  const record = page.getByRole('dialog', { name: 'Planned deal' });
  await record.getByTestId('next-activity').filter({ hasText: 'Chase the invoice' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('notes on a company, a contact and a deal are shown on their records and saved', async () => {
  const me = await signUp('notes');
  const company = await rest('POST', '/classes/Company', { name: 'Notable Inc', notes: 'Prefers calls after 3 pm' }, me.token);
  const contact = await rest('POST', '/classes/Contact', { name: 'Nora Notes', notes: 'Met at the Lisbon fair' }, me.token);
  const deal = await rest('POST', '/classes/Deal', { title: 'Noted deal', notes: 'Budget approved in Q3' }, me.token);
  const { context, page, errors } = await logInToBoard(app, me);
  await page.goto(new URL(`/companies/${company.objectId}`, app.preview.url).href);
  const notes = page.getByLabel('Company notes');
  await page.waitForFunction(() => document.querySelector('textarea[aria-label="Company notes"]')?.value);
  assert.equal(await notes.inputValue(), 'Prefers calls after 3 pm');
  // Nothing to save until something changed (as the deal's Save).
  assert.equal(await page.getByRole('button', { name: 'Save company' }).isDisabled(), true);
  await notes.fill('Prefers calls after 4 pm');
  assert.equal(await page.getByRole('button', { name: 'Save company' }).isDisabled(), false);
  await page.getByRole('button', { name: 'Save company' }).click();
  await page.getByText('Company saved.').waitFor();
  assert.equal((await rest('GET', `/classes/Company/${company.objectId}`, undefined, me.token)).notes, 'Prefers calls after 4 pm');
  await page.goto(new URL(`/contacts/${contact.objectId}`, app.preview.url).href);
  await page.waitForFunction(() => [...document.querySelectorAll('textarea')].some((t) => t.value === 'Met at the Lisbon fair'));
  await page.goto(new URL(`/deals/${deal.objectId}`, app.preview.url).href);
  assert.equal(await page.getByRole('dialog', { name: 'Noted deal' }).getByLabel('Notes').inputValue(), 'Budget approved in Q3');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a new account: My day says where to start, and shows the day once there is something', async () => {
  const me = await signUp('welcome');
  const { context, page, errors } = await logIn(app, me);
  const welcome = page.getByTestId('getting-started');
  await welcome.waitFor();
  assert.equal(await page.getByTestId('myday-week').count(), 0);
  await welcome.getByRole('link', { name: 'CSV file' }).waitFor();
  await welcome.getByRole('link', { name: 'Go to the pipeline' }).click();
  await page.waitForURL(/\/pipeline$/);
  // A first deal, then back to My day: the day's lists, no welcome.
  await rest('POST', '/classes/Deal', { title: 'First deal', stage: 'lead' }, me.token);
  await page.getByTestId('count-lead').filter({ hasText: '1' }).waitFor({ timeout: 15_000 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My day' }).click();
  await page.getByTestId('myday-week').waitFor();
  assert.equal(await welcome.count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
