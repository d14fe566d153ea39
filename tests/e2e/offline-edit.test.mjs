// Offline on every screen and every edit: with the network gone, contacts, a contact's record,
// My day and a deal's record read from this device; a contact's fields, an activity's done mark
// and a deal's amount are edited; the badge counts the waiting changes; back online each reaches
// the server, once (a later change on the server is not overwritten by a second replay).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, logIn, openBoard, card, rest, signUp, useApp } from './server.mjs';

const app = useApp(4187);
const DAY = 86_400_000;
const now = new Date();
const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
const get = (className, id, token) => rest('GET', `/classes/${className}/${id}`, undefined, token);
const badge = (page, text) => page.getByTestId('sync-status').filter({ hasText: text }).waitFor({ timeout: 20_000 });

test('offline: contacts, My day and a deal read from this device; edits queue and reach the server once', async () => {
  const me = await signUp('offedit');
  const contact = await rest('POST', '/classes/Contact', { name: 'Olga Offline', phone: '+1 555 0100' }, me.token);
  const deal = await rest('POST', '/classes/Deal', { title: 'Offline deal', amount: 500, stage: 'qualified' }, me.token);
  const call = await rest('POST', '/classes/Activity', { type: 'call', subject: 'Call Olga', dueDate: { __type: 'Date', iso: new Date(today).toISOString() }, relatedTo: { className: 'Contact', objectId: contact.objectId } }, me.token);
  const { context, page, errors } = await logIn(app, me);
  // Everything is on this device (deals, contacts, companies, activities).
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 30_000 });

  await context.setOffline(true);
  await badge(page, 'Offline');

  // Contacts, from the local store; the contact's record; edit two fields.
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('link', { name: 'Olga Offline' }).click();
  const form = page.getByRole('form', { name: 'Edit contact' });
  await page.waitForFunction(() => [...document.querySelectorAll('input')].some((i) => i.value === '+1 555 0100'));
  await form.getByLabel('Phone').fill('+1 555 0199');
  await form.getByLabel('Notes').fill('Called from the train');
  await form.getByRole('button', { name: 'Save contact' }).click();
  await page.getByText('Contact saved on this device').waitFor();
  await badge(page, '1 pending');

  // My day, from the local store: done in one click.
  await page.getByRole('link', { name: 'My day' }).click();
  const todayList = page.getByRole('region', { name: 'Today' });
  await todayList.getByText('Call Olga').waitFor();
  await todayList.getByRole('checkbox', { name: 'Done: Call Olga' }).click();
  await todayList.getByText('Call Olga').waitFor({ state: 'detached' });
  await badge(page, '2 pending');

  // A deal's record: the amount.
  await openBoard(page);
  await card(page, 'Offline deal').getByRole('link', { name: 'Offline deal' }).click();
  const record = page.getByRole('dialog', { name: 'Offline deal' });
  await record.getByLabel('Amount').fill('750');
  await record.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('total-qualified').filter({ hasText: '750' }).waitFor();
  await badge(page, '3 pending');
  await page.keyboard.press('Escape');
  await record.waitFor({ state: 'detached' });
  await page.getByTestId('sync-status').click();
  await page.getByTestId('sync-details').getByText('Change to a contact').waitFor();
  await page.screenshot({ path: path.join(artifacts, 'daily-offline-desktop.png') });
  await page.keyboard.press('Escape');
  // Nothing reached the server yet.
  assert.equal((await get('Contact', contact.objectId, me.token)).phone, '+1 555 0100');

  await context.setOffline(false);
  await page.getByTestId('sync-status').filter({ hasText: /^Online$/ }).waitFor({ timeout: 30_000 });
  const saved = await get('Contact', contact.objectId, me.token);
  assert.equal(saved.phone, '+1 555 0199');
  assert.equal(saved.notes, 'Called from the train');
  assert.ok((await get('Activity', call.objectId, me.token)).completedAt, 'the activity is done on the server');
  assert.equal((await get('Deal', deal.objectId, me.token)).amount, 750);

  // Once: a later change made elsewhere stays, through a reload and another sync.
  await rest('PUT', `/classes/Contact/${contact.objectId}`, { phone: '+1 555 0123' }, me.token);
  await page.reload();
  await page.getByTestId('sync-status').filter({ hasText: /^Online$/ }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1500);
  assert.equal((await get('Contact', contact.objectId, me.token)).phone, '+1 555 0123', 'the queued edit was not sent twice');
  assert.deepEqual(errors, []);
  await context.close();
});
