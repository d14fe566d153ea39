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
const nav = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
const badge = (page, text) => page.getByTestId('sync-status').filter({ hasText: text }).waitFor({ timeout: 20_000 });

test('offline: contacts, My day and a deal read from this device; edits queue and reach the server once', async () => {
  const me = await signUp('offedit');
  const firm = await rest('POST', '/classes/Company', { name: 'Offline Works' }, me.token);
  const contact = await rest('POST', '/classes/Contact', { name: 'Olga Offline', phone: '+1 555 0100', company: { __type: 'Pointer', className: 'Company', objectId: firm.objectId } }, me.token);
  const deal = await rest('POST', '/classes/Deal', { title: 'Offline deal', amount: 500, stage: 'qualified' }, me.token);
  const call = await rest('POST', '/classes/Activity', { type: 'call', subject: 'Call Olga', dueDate: { __type: 'Date', iso: new Date(today).toISOString() }, relatedTo: { className: 'Contact', objectId: contact.objectId } }, me.token);
  const { context, page, errors } = await logIn(app, me);
  // Everything is on this device (deals, contacts, companies, activities).
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 30_000 });

  await context.setOffline(true);
  await badge(page, 'Offline');

  // Contacts, from the local store, each with its company named (the column was blank offline);
  // the contact's record; edit two fields.
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('row', { name: /Olga Offline/ }).getByRole('link', { name: 'Offline Works' }).waitFor();
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
  await page.getByText('Deal saved on this device').waitFor();
  await badge(page, '3 pending');
  await page.keyboard.press('Escape');
  await record.waitFor({ state: 'detached' });
  await page.getByTestId('sync-status').click();
  // Each waiting change names its record.
  const waiting = page.getByTestId('sync-details');
  await waiting.getByText('Change to contact “Olga Offline”').waitFor();
  await waiting.getByText('Change to activity “Call Olga”').waitFor();
  await waiting.getByText('Change to deal “Offline deal”').waitFor();
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

// A change the server refuses (the contact was deleted elsewhere while this device was offline)
// is shown in words in the badge and kept there; the other offline work (a new contact and a
// new company) reaches the server, each exactly once, through a reload and another sync.
test('offline: a refused change is shown in words; offline creates of a contact and a company reach the server once', async () => {
  const me = await signUp('offrefuse');
  const doomed = await rest('POST', '/classes/Contact', { name: 'Dora Doomed', phone: '+1 555 0200' }, me.token);
  const { context, page, errors } = await logIn(app, me);
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 30_000 });

  await context.setOffline(true);
  await badge(page, 'Offline');
  // An edit of a contact that, meanwhile, is deleted on the server.
  await nav(page, 'Contacts').click();
  await page.getByRole('link', { name: 'Dora Doomed' }).click();
  const form = page.getByRole('form', { name: 'Edit contact' });
  await page.waitForFunction(() => [...document.querySelectorAll('input')].some((i) => i.value === '+1 555 0200'));
  await form.getByLabel('Phone').fill('+1 555 0299');
  await form.getByRole('button', { name: 'Save contact' }).click();
  await page.getByText('Contact saved on this device').waitFor();
  await badge(page, '1 pending');
  // A new contact and a new company, created offline.
  await nav(page, 'Contacts').click();
  const newContact = page.getByRole('form', { name: 'New contact' });
  await newContact.getByLabel('Contact name').fill('Nina Offline');
  await newContact.getByLabel('Contact e-mail').fill('nina@offline.test');
  await newContact.getByRole('button', { name: 'Add contact' }).click();
  await page.getByRole('link', { name: 'Nina Offline' }).waitFor();
  await badge(page, '2 pending');
  await nav(page, 'Companies').click();
  const newCompany = page.getByRole('form', { name: 'New company' });
  await newCompany.getByLabel('Company name').fill('Offline Works');
  await newCompany.getByRole('button', { name: 'Add company' }).click();
  await page.getByRole('link', { name: 'Offline Works' }).waitFor();
  await badge(page, '3 pending');

  // Elsewhere (another device of the same user): the contact is deleted.
  await rest('DELETE', `/classes/Contact/${doomed.objectId}`, undefined, me.token);

  await context.setOffline(false);
  // The refused change stays, in words; the rest is on the server.
  await page.getByTestId('sync-status').filter({ hasText: 'Sync problem' }).filter({ hasText: '1 pending' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('sync-status').click();
  const details = page.getByTestId('sync-details');
  await details.getByText('Change to contact “Dora Doomed”').waitFor();
  const refused = await details.getByTestId('sync-refused').textContent();
  assert.match(refused, /^Refused: \S+ \S+/, 'the refusal is said in words');
  assert.doesNotMatch(refused, /OBJECT_NOT_FOUND|\b101\b/, 'in words, not a code');
  await page.keyboard.press('Escape');

  const count = async (className, where) =>
    (await rest('GET', `/classes/${className}?limit=0&count=1&where=${encodeURIComponent(JSON.stringify(where))}`, undefined, me.token)).count;
  assert.equal(await count('Contact', { name: 'Nina Offline', email: 'nina@offline.test' }), 1, 'the offline contact, once');
  assert.equal(await count('Company', { name: 'Offline Works' }), 1, 'the offline company, once');
  assert.equal(await count('Contact', { name: 'Dora Doomed' }), 0, 'the refused edit did not bring the deleted contact back');

  // Once: a reload and another sync send nothing twice.
  await page.reload();
  await page.getByTestId('sync-status').filter({ hasText: 'Sync problem' }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1500);
  assert.equal(await count('Contact', { name: 'Nina Offline' }), 1);
  assert.equal(await count('Company', { name: 'Offline Works' }), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

// The forecast settings saved offline: kept and used on this device, counted in the badge, sent
// once when the network is back (one Settings object, the user's; a later change elsewhere is
// not overwritten by a second send after a reload).
test('offline: forecast settings saved offline reach the server once', async () => {
  const me = await signUp('offsettings');
  await rest('POST', '/classes/Deal', { title: 'Weighted offline', amount: 1000, stage: 'lead' }, me.token);
  const { context, page, errors } = await logIn(app, me);
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 30_000 });
  await nav(page, 'Settings').click();
  const form = page.getByRole('form', { name: 'Forecast' });
  await form.getByLabel('Lead (%)').waitFor();

  await context.setOffline(true);
  await badge(page, 'Offline');
  await form.getByLabel('Lead (%)').fill('40');
  await form.getByRole('button', { name: 'Save forecast settings' }).click();
  await page.getByText('Forecast settings saved on this device').waitFor();
  await badge(page, '1 pending');
  await page.getByTestId('sync-status').click();
  await page.getByTestId('sync-details').getByText('Your forecast settings').waitFor();
  await page.keyboard.press('Escape');
  // Used on this device at once: 1000 × 40 %.
  await nav(page, 'Dashboard').click();
  await page.getByTestId('stat-weighted').filter({ hasText: '400' }).waitFor();
  const settingsCount = async () => (await rest('GET', '/classes/Settings?limit=0&count=1', undefined, me.token)).count;
  assert.equal(await settingsCount(), 0, 'nothing sent while offline');

  await context.setOffline(false);
  await page.getByTestId('sync-status').filter({ hasText: /^Online$/ }).waitFor({ timeout: 30_000 });
  let stored;
  for (let i = 0; i < 50 && !stored; i++) {
    stored = await get('Settings', me.id, me.token).catch(() => undefined);
    if (!stored) await page.waitForTimeout(200);
  }
  assert.equal(stored?.probabilities?.lead, 40, 'the offline save reached the server');
  assert.equal(await settingsCount(), 1);

  // Once: changed elsewhere afterwards, a reload does not send the old value again.
  await rest('PUT', `/classes/Settings/${me.id}`, { probabilities: { ...stored.probabilities, lead: 60 } }, me.token);
  await page.reload();
  await page.getByTestId('sync-status').filter({ hasText: /^Online$/ }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1500);
  assert.equal((await get('Settings', me.id, me.token)).probabilities.lead, 60, 'the queued save was not sent twice');
  assert.equal(await settingsCount(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('offline: a change that replaces a newer one made elsewhere is said, with both values', async () => {
  // Found by a newcomer: an amount set offline was saved over a colleague's newer amount
  // without a word anywhere.
  const me = await signUp('offclash');
  const deal = await rest('POST', '/classes/Deal', { title: 'Clashing deal', amount: 1000, stage: 'qualified' }, me.token);
  const { context, page, errors } = await logIn(app, me);
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 30_000 });
  await context.setOffline(true);
  await badge(page, 'Offline');
  await openBoard(page);
  await card(page, 'Clashing deal').getByRole('link', { name: 'Clashing deal' }).click();
  const record = page.getByRole('dialog', { name: 'Clashing deal' });
  await record.getByLabel('Amount').fill('1111');
  await record.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Deal saved on this device').waitFor();
  await page.keyboard.press('Escape');
  // Meanwhile, elsewhere, the amount changes on the server.
  await rest('PUT', `/classes/Deal/${deal.objectId}`, { amount: 2222 }, me.token);
  await context.setOffline(false);
  const notice = page.getByRole('alert').filter({ hasText: 'Your offline change replaced a newer one' });
  await notice.waitFor({ timeout: 30_000 });
  const words = await notice.textContent();
  assert.match(words, /changed the amount of a deal to 2,222/);
  assert.match(words, /Yours, 1,111, was saved over it/);
  // (The notice comes as the change is merged, before it is sent.)
  await page.getByTestId('sync-status').filter({ hasText: /^Online$/ }).waitFor({ timeout: 30_000 });
  assert.equal((await get('Deal', deal.objectId, me.token)).amount, 1111);
  assert.deepEqual(errors, []);
  await context.close();
});
