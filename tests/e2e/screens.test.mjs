// The other screens end to end: companies, contacts (with validation in words), a company page,
// the deal record with its activity timeline, and the dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { addDeal, artifacts, card, column, logInToBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4176);

test('create a company, a contact and a deal; log and complete an activity; see the dashboard', async () => {
  const me = await signUp('screens');
  const { context, page, errors } = await logInToBoard(app, me);

  // Company
  await page.getByRole('link', { name: 'Companies' }).click();
  // The fields stop at the server's limits (backend/rules.js), not past them to its message.
  assert.equal(await page.getByLabel('Company name').getAttribute('maxlength'), '200');
  assert.equal(await page.getByLabel('Industry').getAttribute('maxlength'), '100');
  await page.getByLabel('Company name').fill('Initech');
  await page.getByLabel('Industry').fill('Software');
  await page.getByRole('button', { name: 'Add company' }).click();
  await page.getByRole('link', { name: 'Initech', exact: true }).waitFor();

  // Contact: a bad e-mail is refused in words, then fixed.
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByLabel('Contact name').fill('Peter Gibbons');
  await page.getByLabel('Contact e-mail').fill('not-an-email');
  // The company is picked by typing part of its name (a searchable list, as the deal's).
  await page.getByLabel('Contact company').fill('init');
  await page.getByRole('option', { name: 'Initech' }).click();
  await page.getByRole('button', { name: 'Add contact' }).click();
  await page.getByRole('alert').filter({ hasText: 'is not a valid e-mail address' }).waitFor();
  await page.getByLabel('Contact e-mail').fill('peter@initech.example');
  await page.getByRole('button', { name: 'Add contact' }).click();
  await page.getByRole('link', { name: 'Peter Gibbons', exact: true }).waitFor();
  await page.getByRole('cell', { name: 'Initech', exact: true }).waitFor();
  // The form starts again whole: the next contact is not put at Initech unseen.
  assert.equal(await page.getByLabel('Contact company').inputValue(), '');
  assert.equal(await page.getByLabel('Contact e-mail').inputValue(), '');

  // Deals: one linked to the company through the API, one made on the board.
  const companies = await rest('GET', `/classes/Company?where=${encodeURIComponent(JSON.stringify({ name: 'Initech' }))}`, undefined, me.token);
  const companyId = companies.results[0].objectId;
  await rest('POST', '/classes/Deal', { title: 'TPS upgrade', amount: 12000, stage: 'won', expectedCloseDate: { __type: 'Date', iso: '2026-12-15T00:00:00.000Z' }, company: { __type: 'Pointer', className: 'Company', objectId: companyId } }, me.token);
  await page.getByRole('link', { name: 'Pipeline' }).click();
  await column(page, 'Won').getByText('TPS upgrade').waitFor({ timeout: 5_000 });
  await addDeal(page, { title: 'Stapler order', amount: 300 });
  await column(page, 'Lead').getByText('Stapler order').waitFor();

  // The deal record: edit, log an activity, mark it done.
  await card(page, 'Stapler order').getByRole('link', { name: 'Stapler order' }).click();
  const detail = page.getByRole('dialog', { name: 'Stapler order' });
  await detail.getByLabel('Amount').fill('450');
  await detail.getByLabel('Company', { exact: true }).click();
  await page.getByRole('option', { name: 'Initech' }).click();
  await detail.getByLabel('Contact', { exact: true }).click();
  await page.getByRole('option', { name: 'Peter Gibbons' }).click();
  await detail.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('total-lead').filter({ hasText: '450' }).waitFor();
  await card(page, 'Stapler order').getByText('Initech').waitFor();
  await detail.getByLabel('Activity type').selectOption('meeting');
  await detail.getByLabel('Subject').fill('Kick-off');
  await detail.getByLabel('Due').fill('2026-12-01');
  // Escape closes the open calendar, not the deal.
  await detail.getByRole('textbox', { name: 'Due' }).click();
  await page.locator('[data-dates-dropdown]').waitFor();
  // The calendar's week starts where the browser's locale starts it (Sunday in en-US).
  const week = await page.evaluate(() => {
    const loc = new Intl.Locale(navigator.language);
    const first = (loc.getWeekInfo?.() ?? loc.weekInfo).firstDay % 7;
    const day = new Date(Date.UTC(2026, 10, 29 + first)); // 2026-11-29 was a Sunday
    return {
      shown: document.querySelector('[data-dates-dropdown] thead th')?.textContent,
      expected: day.toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' }).slice(0, 2),
      language: navigator.language,
    };
  });
  assert.equal(week.shown, week.expected, `the week's first day in ${week.language}`);
  await page.keyboard.press('Escape');
  await page.locator('[data-dates-dropdown]').waitFor({ state: 'hidden' });
  await page.waitForTimeout(400);
  assert.ok(await detail.isVisible(), 'Escape in the date picker closed the deal');
  assert.match(page.url(), /\/deals\//);
  await detail.getByRole('button', { name: 'Log' }).click();
  await detail.getByText('Kick-off', { exact: true }).waitFor();
  await detail.getByRole('checkbox', { name: 'Done: Kick-off' }).click();
  await detail.getByText('Meeting · Dec 1, 2026 · done').waitFor();
  // Edited in place; deleted, then brought back with Undo.
  await detail.getByRole('button', { name: 'Actions for Kick-off' }).click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  const editing = detail.getByRole('form', { name: 'Edit Kick-off' });
  await editing.getByLabel('Activity subject').fill('Kick-off meeting');
  await editing.getByRole('button', { name: 'Save activity' }).click();
  await detail.getByText('Kick-off meeting', { exact: true }).waitFor();
  const bySubject = (subject) => rest('GET', `/classes/Activity?where=${encodeURIComponent(JSON.stringify({ subject }))}`, undefined, me.token);
  assert.equal((await bySubject('Kick-off meeting')).results.length, 1, 'the new subject is on the server');
  assert.equal((await bySubject('Kick-off meeting')).results[0].type, 'meeting', 'an unchanged type is kept');
  await detail.getByRole('button', { name: 'Actions for Kick-off meeting' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await detail.getByText('Kick-off meeting', { exact: true }).waitFor({ state: 'detached' });
  assert.equal((await bySubject('Kick-off meeting')).results.length, 0, 'deleted on the server');
  await page.getByRole('alert').filter({ hasText: 'Activity “Kick-off meeting” deleted.' }).getByRole('button', { name: 'Undo' }).click();
  await detail.getByText('Kick-off meeting', { exact: true }).waitFor();
  assert.equal((await bySubject('Kick-off meeting')).results.length, 1, 'undo brings it back');
  await detail.getByRole('button', { name: 'Close', exact: true }).click();

  // Company page: its contact and its deal.
  await page.getByRole('link', { name: 'Companies' }).click();
  await page.getByRole('link', { name: 'Initech', exact: true }).click();
  const companyPage = page.getByRole('region', { name: 'Company' });
  await companyPage.getByText('peter@initech.example').waitFor();
  await companyPage.getByTestId('company-deal').filter({ hasText: 'TPS upgrade' }).filter({ hasText: 'Won' }).waitFor();
  await companyPage.getByTestId('company-deal').filter({ hasText: 'Stapler order' }).filter({ hasText: 'Lead' }).filter({ hasText: 'Peter Gibbons' }).waitFor();
  await companyPage.getByLabel('Company website').fill('https://initech.example');
  await companyPage.getByRole('button', { name: 'Save company' }).click();
  // The website is a link that opens in a new tab.
  const site = companyPage.getByTestId('company-info').getByRole('link', { name: 'initech.example' });
  await site.waitFor();
  assert.equal(await site.getAttribute('href'), 'https://initech.example/');
  assert.equal(await site.getAttribute('target'), '_blank');
  assert.match(await site.getAttribute('rel'), /noopener/);
  // A deal opened from here closes back to here, not to the board.
  const companyUrl = page.url();
  await companyPage.getByRole('link', { name: 'Stapler order' }).click();
  await page.getByRole('dialog', { name: 'Stapler order' }).getByRole('button', { name: 'Close', exact: true }).click();
  await page.waitForURL(companyUrl);
  // Renamed here: the board's cards show the new name at once (their company came included).
  await companyPage.getByLabel('Company name').fill('Initech Corp');
  await companyPage.getByRole('button', { name: 'Save company' }).click();
  await page.getByRole('heading', { name: 'Initech Corp' }).waitFor();
  await page.getByRole('link', { name: 'Pipeline' }).click();
  await card(page, 'Stapler order').getByText('Initech Corp').waitFor({ timeout: 5_000 });

  // Dashboard: open pipeline excludes the won deal; the forecast chart is there.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByTestId('stat-open').filter({ hasText: '$450' }).waitFor();
  assert.equal((await page.getByTestId('stat-winrate').textContent()).trim(), '100%');
  await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });

  // Editing and deleting a contact (confirmed).
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('link', { name: 'Peter Gibbons' }).click();
  await page.getByLabel('Phone').fill('+1 555 0100');
  await page.getByRole('button', { name: 'Save contact' }).click();
  await page.getByText('peter@initech.example · +1 555 0100').waitFor();
  await page.getByRole('link', { name: 'Contacts', exact: true }).first().click();
  await page.getByRole('cell', { name: '+1 555 0100' }).waitFor();
  await page.getByRole('button', { name: 'Delete Peter Gibbons' }).click();
  await page.getByRole('dialog', { name: 'Delete this contact?' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('link', { name: 'Peter Gibbons', exact: true }).waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a new account: the contacts and companies screens say there are none yet and point to adding and importing', async () => {
  const me = await signUp('emptyscreens');
  const { context, page, errors } = await logInToBoard(app, me);
  for (const [screen, noun] of [['Contacts', 'contacts'], ['Companies', 'companies']]) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: screen }).click();
    const empty = page.getByTestId('empty');
    await empty.filter({ hasText: `No ${noun} yet. Add the first one above, or import a CSV file.` }).waitFor();
    await empty.getByRole('link', { name: 'import a CSV file' }).click();
    await page.waitForURL(/\/import$/);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
