// What a sixth newcomer found using the app (as `bash scripts/dev.sh` serves it): a company's
// address, which a CSV import brings and the companies search matches, was shown and editable
// nowhere; unsaved edits were dropped without a word by a link in the deal's drawer, the
// navigation or Back beside a contact's or company's page; a contact file with first and last
// names in two columns (as address books export them) could import only one of the two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, openBoard, openDeal, rest, signUp, useApp } from './server.mjs';

const app = useApp(4198, { dev: true });

test("a company's address is shown on its page, and saved when changed", async () => {
  const me = await signUp('address');
  const company = await rest('POST', '/classes/Company', { name: `Addressed ${Date.now()}`, address: '12 Harbour St, Seattle WA' }, me.token);
  assert.ok(company.objectId, JSON.stringify(company));
  const { context, page, errors } = await logIn(app, me);
  await page.goto(new URL(`/companies/${company.objectId}`, app.preview.url).href);
  const address = page.getByLabel('Company address');
  await address.waitFor({ timeout: 15_000 });
  assert.equal(await address.inputValue(), '12 Harbour St, Seattle WA');
  await address.fill('1 Pier Rd, Tacoma WA');
  await page.getByRole('button', { name: 'Save company' }).click();
  await page.getByText('Company saved.').waitFor();
  const saved = await rest('GET', `/classes/Company/${company.objectId}`, undefined, me.token);
  assert.equal(saved.address, '1 Pier Rd, Tacoma WA');
  // Emptied, it is unset.
  await address.fill('');
  await page.getByRole('button', { name: 'Save company' }).click();
  await page.getByText('Company saved.').first().waitFor();
  for (let i = 0; i < 30 && (await rest('GET', `/classes/Company/${company.objectId}`, undefined, me.token)).address !== undefined; i++) await page.waitForTimeout(100);
  assert.equal((await rest('GET', `/classes/Company/${company.objectId}`, undefined, me.token)).address, undefined);
  assert.deepEqual(errors, []);
  await context.close();
});

const path = (page) => new URL(page.url()).pathname;
const nav = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

test("a link in a deal's drawer, with unsaved edits, asks first; Keep editing keeps them, Discard follows the link", async () => {
  const me = await signUp('drawerlink');
  const company = await rest('POST', '/classes/Company', { name: `Linked Co ${Date.now()}` }, me.token);
  const title = `Linked deal ${Date.now()}`;
  const deal = await rest('POST', '/classes/Deal', { title, amount: 100, stage: 'lead', company: { __type: 'Pointer', className: 'Company', objectId: company.objectId } }, me.token);
  const { context, page, errors } = await logIn(app, me);
  await openBoard(page);
  await openDeal(page, title);
  const drawer = page.getByRole('dialog', { name: title });
  await drawer.getByLabel('Notes').fill('Said yes to a pilot');
  await drawer.getByRole('link', { name: company.name ?? /Linked Co/ }).first().click();
  const ask = page.getByRole('dialog', { name: 'Discard your changes?' });
  await ask.waitFor({ timeout: 5_000 });
  assert.equal(path(page), `/deals/${deal.objectId}`);
  await ask.getByRole('button', { name: 'Keep editing' }).click();
  await ask.waitFor({ state: 'detached' });
  assert.equal(path(page), `/deals/${deal.objectId}`);
  assert.equal(await drawer.getByLabel('Notes').inputValue(), 'Said yes to a pilot');
  // Discarded, the link is followed.
  await drawer.getByRole('link', { name: /Linked Co/ }).first().click();
  await ask.getByRole('button', { name: 'Discard changes' }).click();
  await page.getByLabel('Company name').waitFor({ timeout: 10_000 });
  assert.equal(path(page), `/companies/${company.objectId}`);
  // Deleted with unsaved edits: nothing to ask, the drawer closes.
  await page.goto(new URL(`/deals/${deal.objectId}`, app.preview.url).href);
  await drawer.getByLabel('Notes').fill('Never mind');
  await drawer.getByRole('button', { name: 'Delete deal' }).click();
  await page.getByRole('dialog', { name: 'Delete this deal?' }).getByRole('button', { name: 'Delete' }).click();
  await drawer.waitFor({ state: 'detached', timeout: 10_000 });
  await page.waitForURL(/\/pipeline$/, { timeout: 10_000 });
  assert.equal(await ask.count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a contact's unsaved edits: the navigation and Back ask first; saved, nothing is asked", async () => {
  const me = await signUp('contactleave');
  const contact = await rest('POST', '/classes/Contact', { name: `Leaving Lee ${Date.now()}` }, me.token);
  const { context, page, errors } = await logIn(app, me);
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text()); });
  await nav(page, 'Contacts');
  await page.getByRole('link', { name: contact.name ?? /Leaving Lee/ }).first().click();
  const notes = page.getByRole('form', { name: 'Edit contact' }).getByLabel('Notes');
  await notes.waitFor({ timeout: 10_000 });
  await notes.fill('Call back Tuesday about the budget');
  const ask = page.getByRole('dialog', { name: 'Discard your changes?' });
  await nav(page, 'Pipeline');
  await ask.waitFor({ timeout: 5_000 });
  await ask.getByRole('button', { name: 'Keep editing' }).click();
  assert.equal(path(page), `/contacts/${contact.objectId}`);
  assert.equal(await notes.inputValue(), 'Call back Tuesday about the budget');
  // Back (to the contacts list) is held too.
  await page.goBack();
  await ask.waitFor({ timeout: 5_000 });
  await ask.getByRole('button', { name: 'Keep editing' }).click();
  await ask.waitFor({ state: 'detached' });
  assert.equal(path(page), `/contacts/${contact.objectId}`);
  assert.equal(await notes.inputValue(), 'Call back Tuesday about the budget');
  // Saved: the navigation goes at once.
  await page.getByRole('button', { name: 'Save contact' }).click();
  await page.getByText('Contact saved.').waitFor();
  await nav(page, 'Pipeline');
  await page.getByTestId('count-lead').waitFor({ timeout: 10_000 });
  assert.equal(await ask.count(), 0);
  const saved = await rest('GET', `/classes/Contact/${contact.objectId}`, undefined, me.token);
  assert.equal(saved.notes, 'Call back Tuesday about the budget');
  // The board's filters (the same page, another query) are never held.
  await page.getByPlaceholder('Search title or company').fill('zzz');
  await page.waitForFunction(() => location.search.includes('zzz'), undefined, { timeout: 5_000 });
  assert.equal(await ask.count(), 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings.filter((w) => /blocker|React Router/i.test(w)), []);
  await context.close();
});

test('a contact file with first and last names in two columns imports whole names', async () => {
  const me = await signUp('firstlast');
  const { context, page, errors } = await logIn(app, me);
  await nav(page, 'Import');
  await page.getByRole('radiogroup', { name: 'What to import' }).getByText('Contacts', { exact: true }).click();
  const csv = 'First Name,Last Name,Email\nJane,Doe,jane@x.test\nZoë,Müller,zoe@x.test\n,Prince,prince@x.test\n';
  await page.locator('input[type="file"]').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  // The file's own columns are listed; the name maps to the two joined.
  await page.getByTestId('import-file').filter({ hasText: 'people.csv: 3 rows, columns First Name, Last Name, Email' }).waitFor();
  assert.equal(await page.getByLabel('Name (required)').inputValue(), 'First Name + Last Name');
  await page.getByRole('button', { name: 'Check rows' }).click();
  await page.getByRole('table', { name: 'Rows to import' }).getByText('Zoë Müller').waitFor();
  await page.getByRole('button', { name: 'Import 3 rows' }).click();
  await page.getByTestId('import-outcome').waitFor({ timeout: 15_000 });
  const r = await rest('GET', '/classes/Contact?order=name', undefined, me.token);
  assert.deepEqual(r.results.map((c) => c.name), ['Jane Doe', 'Prince', 'Zoë Müller']);
  // Either column alone can still be chosen.
  assert.ok((await page.getByLabel('Name (required)').locator('option').allTextContents()).includes('First Name'));
  assert.deepEqual(errors, []);
  await context.close();
});
