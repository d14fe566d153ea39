// #16's daily loop, second part: bulk actions on the lists (select rows, assign an owner, change
// the stage, delete) with one Undo that puts the previous values back; Undo for a move on the
// board; the forecast's currency and stage probabilities, stored per user. Screenshots for the
// README (tests/artifacts/daily-*.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { artifacts, card, column, logInToBoard, rest, serverDeal, signUp, useApp } from './server.mjs';

const app = useApp(4186);

const notice = (page, text) => page.getByRole('alert').filter({ hasText: text });
const undo = (page, text) => notice(page, text).getByRole('button', { name: 'Undo' }).click();
const listView = (page) => page.locator('label', { hasText: /^List$/ }).click();
const get = (className, id, token) => rest('GET', `/classes/${className}/${id}`, undefined, token);

test('deals list: sorted by a column header (kept in the URL), with the count, total and forecast; the board orders its cards', async () => {
  const me = await signUp('sortlist');
  const close = (day) => (day ? { expectedCloseDate: { __type: 'Date', iso: `${day}T00:00:00.000Z` } } : {});
  const made = [
    { title: 'sort alpha', amount: 100, stage: 'lead', ...close('2027-01-10') },
    { title: 'Sort Bravo', amount: 4000, stage: 'lead', ...close('2027-02-01') },
    { title: 'Sort Charlie', amount: 2500, stage: 'proposal', ...close('2027-01-01') },
    { title: 'Sort Delta', amount: 500, stage: 'lead', ...close('2027-03-01') },
    { title: 'Sort Echo', stage: 'won' },
  ];
  for (const d of made) assert.ok((await rest('POST', '/classes/Deal', d, me.token)).objectId);
  const { context, page, errors } = await logInToBoard(app, me, { width: 1440, height: 900 });
  await listView(page);
  const table = page.getByRole('table', { name: 'Deals' });
  await table.getByRole('link', { name: 'Sort Echo' }).waitFor();
  const order = () => table.getByRole('row').getByRole('link').allTextContents();
  const shows = async (want, what) => {
    for (let i = 0; i < 50 && (await order()).join() !== want.join(); i++) await page.waitForTimeout(100);
    assert.deepEqual(await order(), want, what);
  };
  const sortBy = (name) => table.getByRole('columnheader').getByRole('button', { name, exact: true }).click();
  const sorted = (name) => table.getByRole('columnheader', { name }).getAttribute('aria-sort');

  // By stage (lead, proposal, won), each stage by close date: the board's order.
  await shows(['sort alpha', 'Sort Bravo', 'Sort Delta', 'Sort Charlie', 'Sort Echo'], 'by stage');
  assert.equal(await sorted('Stage'), 'ascending');
  // The header labels sit on one line, the right-aligned Amount's too.
  const tops = await table.getByRole('columnheader').getByRole('button').evaluateAll((buttons) =>
    buttons.map((b) => [b.textContent, Math.round(b.getBoundingClientRect().top)]));
  assert.equal(new Set(tops.map(([, top]) => top)).size, 1, `header tops: ${JSON.stringify(tops)}`);
  // The sums are of every deal the filters leave: 5 deals, $7,100 (no amount counts nothing).
  const sums = page.getByTestId('list-sums');
  // The sums of the open deals only, as the board's columns and the dashboard have them: $7,100
  // open (the won deal has no amount), weighted 4,600 × 10% (lead) + 2,500 × 50% (proposal).
  await sums.filter({ hasText: '5 deals' }).filter({ hasText: '$7,100 open pipeline' }).filter({ hasText: '$1,710 weighted forecast' }).waitFor();

  // Amount: largest first, then smallest first; a deal with no amount last either way.
  await sortBy('Amount');
  await shows(['Sort Bravo', 'Sort Charlie', 'Sort Delta', 'sort alpha', 'Sort Echo'], 'amount, largest first');
  assert.equal(await sorted('Amount'), 'descending');
  assert.equal(await sorted('Stage'), null);
  assert.match(page.url(), /[?&]sort=-amount\b/);
  await page.screenshot({ path: path.join(artifacts, 'daily-list-sorted-desktop.png') });
  // The export writes its rows in the order the list shows (it wrote them stage by stage).
  const exported = async () => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = (await readFile(await d.path(), 'utf8')).replace(/^\ufeff/, '').split('\r\n');
    assert.match(lines[0], /^Title,/);
    return lines.slice(1).map((l) => l.split(',')[0]);
  };
  assert.deepEqual(await exported(), ['Sort Bravo', 'Sort Charlie', 'Sort Delta', 'sort alpha', 'Sort Echo'], 'exported largest first');
  await sortBy('Amount');
  await shows(['sort alpha', 'Sort Delta', 'Sort Charlie', 'Sort Bravo', 'Sort Echo'], 'amount, smallest first');
  assert.equal(await sorted('Amount'), 'ascending');
  // Close date, soonest first across stages; title, in any case.
  await sortBy('Closes');
  await shows(['Sort Charlie', 'sort alpha', 'Sort Bravo', 'Sort Delta', 'Sort Echo'], 'closing soonest');
  await sortBy('Title');
  await shows(['sort alpha', 'Sort Bravo', 'Sort Charlie', 'Sort Delta', 'Sort Echo'], 'title');
  // A reload keeps the order (it is in the URL), and the sums do not change with it.
  await page.reload();
  await table.getByRole('link', { name: 'Sort Echo' }).waitFor();
  await shows(['sort alpha', 'Sort Bravo', 'Sort Charlie', 'Sort Delta', 'Sort Echo'], 'title, after a reload');
  // The sums of the open deals only, as the board's columns and the dashboard have them: $7,100
  // open (the won deal has no amount), weighted 4,600 × 10% (lead) + 2,500 × 50% (proposal).
  await sums.filter({ hasText: '5 deals' }).filter({ hasText: '$7,100 open pipeline' }).filter({ hasText: '$1,710 weighted forecast' }).waitFor();
  // The filters narrow the sums too.
  await page.getByRole('textbox', { name: 'Search deals' }).fill('alpha');
  await sums.filter({ hasText: '1 deal' }).filter({ hasText: '$100 open pipeline' }).filter({ hasText: '$10 weighted forecast' }).waitFor();
  await page.getByRole('button', { name: 'Clear search' }).click();
  // Stage goes back to the list by stage.
  await sortBy('Stage');
  await shows(['sort alpha', 'Sort Bravo', 'Sort Delta', 'Sort Charlie', 'Sort Echo'], 'by stage again');
  assert.doesNotMatch(page.url(), /[?&]sort=/);

  // The board orders the cards of each stage the same ways.
  await page.locator('label', { hasText: /^Board$/ }).click();
  const lead = column(page, 'Lead');
  const cards = () => lead.getByRole('article').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  await lead.getByRole('article', { name: 'Deal Sort Delta' }).waitFor();
  assert.deepEqual(await cards(), ['Deal sort alpha', 'Deal Sort Bravo', 'Deal Sort Delta']);
  await page.getByRole('combobox', { name: 'Order of the cards' }).selectOption({ label: 'Largest amount' });
  for (let i = 0; i < 50 && (await cards())[0] !== 'Deal Sort Bravo'; i++) await page.waitForTimeout(100);
  assert.deepEqual(await cards(), ['Deal Sort Bravo', 'Deal Sort Delta', 'Deal sort alpha']);
  await page.screenshot({ path: path.join(artifacts, 'daily-board-order-desktop.png') });
  // On a phone the list keeps its sums and sortable headers in 390 px.
  await page.setViewportSize({ width: 390, height: 844 });
  await listView(page);
  await sums.filter({ hasText: '5 deals' }).waitFor();
  await shows(['Sort Bravo', 'Sort Charlie', 'Sort Delta', 'sort alpha', 'Sort Echo'], "the board's order, in the list");
  await sortBy('Title');
  await shows(['sort alpha', 'Sort Bravo', 'Sort Charlie', 'Sort Delta', 'Sort Echo'], 'title, on a phone');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no sideways scrolling');
  await page.screenshot({ path: path.join(artifacts, 'daily-list-sorted-phone.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('deals list: select rows, change their stage, assign them, delete them; each undone in one click', async () => {
  const me = await signUp('bulk');
  const colleague = await signUp('bulkmate');
  await rest('POST', '/classes/Profile', { objectId: colleague.id, displayName: 'Carla Colleague' }, colleague.token);
  const company = await rest('POST', '/classes/Company', { name: 'Bulkworks Ltd' }, me.token);
  const [a, b, c] = await Promise.all(['Bulk A', 'Bulk B', 'Bulk C'].map((title, i) => rest('POST', '/classes/Deal', {
    title, amount: 1000 * (i + 1), stage: 'lead',
    ...(i === 0 ? { company: { __type: 'Pointer', className: 'Company', objectId: company.objectId } } : {}),
  }, me.token)));
  const { context, page, errors } = await logInToBoard(app, me, { width: 1440, height: 900 });
  await listView(page);
  const table = page.getByRole('table', { name: 'Deals' });
  await table.getByRole('link', { name: 'Bulk C' }).waitFor();
  const row = (title) => table.getByRole('row').filter({ has: page.getByRole('link', { name: title, exact: true }) });
  // Each row names its company, a link to it; a deal without one leaves the cell empty.
  const companyLink = row('Bulk A').getByTestId('deal-company').getByRole('link', { name: 'Bulkworks Ltd' });
  assert.equal(await companyLink.getAttribute('href'), `/companies/${company.objectId}`);
  assert.equal((await row('Bulk B').getByTestId('deal-company').innerText()).trim(), '');

  // Change the stage of two.
  await table.getByRole('checkbox', { name: 'Select Bulk A' }).check();
  await table.getByRole('checkbox', { name: 'Select Bulk B' }).check();
  await page.getByTestId('selected-count').filter({ hasText: '2 deals selected' }).waitFor();
  await page.screenshot({ path: path.join(artifacts, 'daily-bulk-desktop.png') });
  await page.getByRole('button', { name: 'Change stage' }).click();
  await page.getByRole('menuitem', { name: 'Proposal' }).click();
  await notice(page, '2 deals moved to Proposal.').waitFor();
  assert.equal((await serverDeal(a.objectId, me.token, (d) => d.stage === 'proposal')).stage, 'proposal');
  assert.equal((await serverDeal(b.objectId, me.token, (d) => d.stage === 'proposal')).stage, 'proposal');
  assert.equal((await get('Deal', c.objectId, me.token)).stage, 'lead', 'an unselected deal is untouched');
  await row('Bulk A').getByTestId('deal-stage').filter({ hasText: 'Proposal' }).waitFor();
  assert.equal(await page.getByTestId('selected-count').count(), 0, 'the selection is cleared after the action');
  await page.screenshot({ path: path.join(artifacts, 'daily-undo-desktop.png') });
  await undo(page, '2 deals moved to Proposal.');
  await notice(page, 'Restored.').waitFor();
  assert.equal((await serverDeal(a.objectId, me.token, (d) => d.stage === 'lead')).stage, 'lead', 'undo puts the previous stage back');
  assert.equal((await serverDeal(b.objectId, me.token, (d) => d.stage === 'lead')).stage, 'lead');
  await row('Bulk B').getByTestId('deal-stage').filter({ hasText: 'Lead' }).waitFor();

  // Assign all three (select every row shown) to a colleague, by display name; undo unassigns.
  await table.getByRole('checkbox', { name: 'Select every deal shown' }).check();
  await page.getByTestId('selected-count').filter({ hasText: '3 deals selected' }).waitFor();
  await page.getByRole('button', { name: 'Assign owner' }).click();
  await page.getByRole('menuitem', { name: 'Carla Colleague' }).click();
  await notice(page, '3 deals assigned to Carla Colleague.').waitFor();
  for (const d of [a, b, c]) assert.equal((await serverDeal(d.objectId, me.token, (x) => x.assignedTo?.objectId === colleague.id)).assignedTo?.objectId, colleague.id);
  await row('Bulk C').getByTestId('deal-owner').filter({ hasText: 'Carla Colleague' }).waitFor();
  // The colleague now reads them.
  assert.equal((await get('Deal', a.objectId, colleague.token)).title, 'Bulk A');
  // Undo: each back to its previous owner (a deal made through REST is its creator's).
  await undo(page, '3 deals assigned to Carla Colleague.');
  for (const d of [a, b, c]) assert.equal((await serverDeal(d.objectId, me.token, (x) => x.assignedTo?.objectId === me.id)).assignedTo?.objectId, me.id, 'undo gives them back');

  // Delete two (asked first); undo brings them back under their ids.
  await table.getByRole('checkbox', { name: 'Select Bulk A' }).check();
  await table.getByRole('checkbox', { name: 'Select Bulk C' }).check();
  await page.getByRole('toolbar', { name: 'Selected rows' }).getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete 2 deals?' });
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await notice(page, '2 deals deleted.').waitFor();
  await table.getByRole('link', { name: 'Bulk A' }).waitFor({ state: 'detached' });
  assert.equal((await get('Deal', a.objectId, me.token)).code, 101, 'deleted on the server');
  assert.equal((await get('Deal', b.objectId, me.token)).title, 'Bulk B', 'an unselected deal stays');
  await undo(page, '2 deals deleted.');
  await table.getByRole('link', { name: 'Bulk A' }).waitFor();
  await table.getByRole('link', { name: 'Bulk C' }).waitFor();
  assert.equal((await get('Deal', a.objectId, me.token)).amount, 1000, 'restored under its id, with its fields');
  assert.equal((await get('Deal', c.objectId, me.token)).amount, 3000);

  // Won deals leave the open sums; a deal already in the stage chosen is not counted as moved.
  await table.getByRole('checkbox', { name: 'Select Bulk A' }).check();
  await page.getByRole('button', { name: 'Change stage' }).click();
  await page.getByRole('menuitem', { name: 'Won' }).click();
  await notice(page, '1 deal moved to Won.').waitFor();
  await page.getByTestId('list-sums').filter({ hasText: '$5,000 open pipeline' }).filter({ hasText: '$500 weighted forecast' }).waitFor();
  await table.getByRole('checkbox', { name: 'Select every deal shown' }).check();
  await page.getByTestId('selected-count').filter({ hasText: '3 deals selected' }).waitFor();
  await page.getByRole('button', { name: 'Change stage' }).click();
  await page.getByRole('menuitem', { name: 'Won' }).click();
  await notice(page, '2 deals moved to Won.').waitFor();
  assert.equal((await serverDeal(c.objectId, me.token, (d) => d.stage === 'won')).stage, 'won');
  await page.getByTestId('list-sums').filter({ hasText: '$0 open pipeline' }).waitFor();
  await table.getByRole('checkbox', { name: 'Select Bulk A' }).check();
  await page.getByRole('button', { name: 'Change stage' }).click();
  await page.getByRole('menuitem', { name: 'Won' }).click();
  await notice(page, 'The deal was moved to Won already.').waitFor();
  // Moved to Lost together, they are asked one reason, as a single move to Lost asks; it is
  // saved on each of them.
  await table.getByRole('checkbox', { name: 'Select Bulk A' }).check();
  await table.getByRole('checkbox', { name: 'Select Bulk B' }).check();
  await page.getByRole('button', { name: 'Change stage' }).click();
  await page.getByRole('menuitem', { name: 'Lost' }).click();
  await notice(page, '2 deals moved to Lost.').waitFor();
  const why = page.getByRole('dialog', { name: 'Why were they lost?' });
  await why.getByText('2 deals moved to Lost').waitFor();
  await why.getByLabel('Lost reason').fill('Budget frozen for the year');
  await why.getByRole('button', { name: 'Save reason' }).click();
  await why.waitFor({ state: 'detached' });
  for (const d of [a, b]) assert.equal((await serverDeal(d.objectId, me.token, (x) => !!x.lostReason)).lostReason, 'Budget frozen for the year');
  assert.equal((await get('Deal', c.objectId, me.token)).lostReason, undefined, 'an unselected deal keeps none');
  // One action, one Undo, which takes the reason back with the move (undone alone, the reopened
  // deals kept "Lost: …" and exported it; a second toast offered to undo the reason).
  assert.equal(await notice(page, 'given the lost reason').count(), 0);
  await notice(page, '2 deals moved to Lost.').getByRole('button', { name: 'Undo' }).click();
  for (const d of [a, b]) {
    const back = await serverDeal(d.objectId, me.token, (x) => x.stage !== 'lost' && x.lostReason === undefined);
    assert.notEqual(back.stage, 'lost');
    assert.equal(back.lostReason, undefined);
  }
  assert.deepEqual(errors, []);
  await context.close();

  // On a 390 px phone: the list and its toolbar fit, no sideways scrolling.
  const phone = await logInToBoard(app, me, { width: 390, height: 844 });
  await listView(phone.page);
  await phone.page.getByRole('checkbox', { name: 'Select Bulk A' }).check();
  await phone.page.getByTestId('selected-count').filter({ hasText: '1 deal selected' }).waitFor();
  const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width} px wide`);
  await phone.page.screenshot({ path: path.join(artifacts, 'daily-bulk-phone.png') });
  await phone.context.close();
});

test('contacts and companies: select rows and delete them, one Undo brings them (and the links) back', async () => {
  const me = await signUp('bulkpeople');
  const acme = await rest('POST', '/classes/Company', { name: 'Bulk Acme' }, me.token);
  const other = await rest('POST', '/classes/Company', { name: 'Bulk Other' }, me.token);
  const ann = await rest('POST', '/classes/Contact', { name: 'Ann Bulk', company: { __type: 'Pointer', className: 'Company', objectId: acme.objectId } }, me.token);
  const bob = await rest('POST', '/classes/Contact', { name: 'Bob Bulk' }, me.token);
  const cy = await rest('POST', '/classes/Contact', { name: 'Cy Keep' }, me.token);
  const { context, page, errors } = await logInToBoard(app, me);

  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('checkbox', { name: 'Select Ann Bulk' }).check();
  await page.getByRole('checkbox', { name: 'Select Bob Bulk' }).check();
  await page.getByRole('toolbar', { name: 'Selected rows' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog', { name: 'Delete 2 contacts?' }).getByRole('button', { name: 'Delete' }).click();
  await notice(page, '2 contacts deleted.').waitFor();
  await page.getByRole('link', { name: 'Ann Bulk' }).waitFor({ state: 'detached' });
  assert.equal((await get('Contact', ann.objectId, me.token)).code, 101);
  assert.equal((await get('Contact', cy.objectId, me.token)).name, 'Cy Keep');
  await undo(page, '2 contacts deleted.');
  await page.getByRole('link', { name: 'Bob Bulk' }).waitFor();
  assert.equal((await get('Contact', bob.objectId, me.token)).name, 'Bob Bulk');
  assert.equal((await get('Contact', ann.objectId, me.token)).company?.objectId, acme.objectId, 'restored with its company');

  // Companies: the one with a contact is unlinked first; undo relinks it.
  await page.getByRole('link', { name: 'Companies' }).click();
  await page.getByRole('checkbox', { name: 'Select every company shown' }).check();
  await page.getByRole('toolbar', { name: 'Selected rows' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog', { name: 'Delete 2 companies?' }).getByRole('button', { name: 'Delete' }).click();
  await notice(page, '2 companies deleted.').waitFor();
  assert.equal((await get('Company', acme.objectId, me.token)).code, 101);
  assert.equal((await get('Company', other.objectId, me.token)).code, 101);
  assert.equal((await get('Contact', ann.objectId, me.token)).company, undefined, 'the contact is kept, without a company');
  await undo(page, '2 companies deleted.');
  await page.getByRole('link', { name: 'Bulk Acme' }).waitFor();
  // The list shows a company as soon as it is created again; its links follow.
  let relinked;
  for (let i = 0; i < 100 && relinked !== acme.objectId; i++) {
    relinked = (await get('Contact', ann.objectId, me.token)).company?.objectId;
    if (relinked !== acme.objectId) await page.waitForTimeout(100);
  }
  assert.equal(relinked, acme.objectId, 'undo relinks');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a move on the board can be undone', async () => {
  const me = await signUp('moveundo');
  const deal = await rest('POST', '/classes/Deal', { title: 'Undo my move', stage: 'lead' }, me.token);
  const { context, page, errors } = await logInToBoard(app, me);
  await card(page, 'Undo my move').getByRole('button', { name: 'Move Undo my move to…' }).click();
  await page.getByRole('menuitem', { name: 'Negotiation' }).click();
  await column(page, 'Negotiation').getByText('Undo my move').waitFor();
  assert.equal((await serverDeal(deal.objectId, me.token, (d) => d.stage === 'negotiation')).stage, 'negotiation');
  await undo(page, '“Undo my move” moved to Negotiation.');
  await column(page, 'Lead').getByText('Undo my move').waitFor();
  assert.equal((await serverDeal(deal.objectId, me.token, (d) => d.stage === 'lead')).stage, 'lead');
  assert.deepEqual(errors, []);
  await context.close();
});

test('settings: the forecast in my currency with my stage probabilities, kept on the server for me only', async () => {
  const me = await signUp('forecast');
  await rest('POST', '/classes/Deal', { title: 'Weighted lead', amount: 1000, stage: 'lead' }, me.token);
  await rest('POST', '/classes/Deal', { title: 'Weighted proposal', amount: 2000, stage: 'proposal' }, me.token);
  const { context, page, errors } = await logInToBoard(app, me, { width: 1440, height: 900 });
  // Defaults: 10 % and 50 %, in US dollars.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  assert.match(await page.getByTestId('stat-weighted').textContent(), /^\$1,100$/);

  await page.getByRole('link', { name: 'Settings' }).click();
  const form = page.getByRole('form', { name: 'Forecast' });
  await form.getByLabel('Currency').click();
  await form.getByLabel('Currency').fill('EUR');
  await page.getByRole('option', { name: /^EUR/ }).click();
  // Out of range is kept as typed and told at the field (it was dropped without a word).
  await form.getByLabel('Lead (%)').fill('150');
  await form.getByText('From 0 to 100').waitFor();
  assert.equal(await form.getByLabel('Lead (%)').inputValue(), '150 %');
  assert.equal(await form.getByRole('button', { name: 'Save forecast settings' }).isDisabled(), true);
  await form.getByLabel('Lead (%)').fill('40');
  await form.getByLabel('Proposal (%)').fill('80');
  // Lead above Qualified is allowed, and said.
  await form.getByTestId('probability-order').filter({ hasText: 'Qualified (25 %) is below Lead (40 %)' }).waitFor();
  await page.screenshot({ path: path.join(artifacts, 'daily-settings-desktop.png') });
  await form.getByRole('button', { name: 'Save forecast settings' }).click();
  await page.getByText('Forecast settings saved.').waitFor();
  const stored = await get('Settings', me.id, me.token);
  assert.equal(stored.currency, 'EUR');
  assert.equal(stored.probabilities.lead, 40);
  assert.equal(stored.probabilities.proposal, 80);

  // 1000 × 40 % + 2000 × 80 % = 2000, in euros; the board's column weighs the same way.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByTestId('stat-weighted').filter({ hasText: '2,000' }).waitFor();
  assert.match(await page.getByTestId('stat-weighted').textContent(), /€/);
  await page.getByRole('link', { name: 'Pipeline' }).click();
  await column(page, 'Lead').getByText(/weighted €400/).waitFor();
  assert.match(await page.getByTestId('total-proposal').textContent(), /€2,000/);

  // Another device (a fresh context) gets them from the server.
  await context.close();
  const again = await logInToBoard(app, me);
  await again.page.getByRole('link', { name: 'Dashboard' }).click();
  await again.page.getByTestId('stat-weighted').filter({ hasText: '€2,000' }).waitFor();
  // A value out of range is refused before any request.
  await again.page.getByRole('link', { name: 'Settings' }).click();
  const f2 = again.page.getByRole('form', { name: 'Forecast' });
  await f2.getByLabel('Lead (%)').fill('');
  await f2.getByText('From 0 to 100').waitFor();
  assert.equal(await f2.getByRole('button', { name: 'Save forecast settings' }).isDisabled(), true);
  assert.deepEqual([...errors, ...again.errors], []);
  await again.context.close();
});
