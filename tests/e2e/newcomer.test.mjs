// What a newcomer found using the app: the deal drawer's close left an entry in the history (Back
// opened the deal again), Won and Lost showed their oldest deals first, an Undo toast covered the
// board's first column, the Amount field dropped "e" and "-" without a word, the contacts and
// companies lists did not follow changes made in another tab, and global search ordered
// "Pilot #104" before "Pilot #11".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDeal, card, column, logIn, logInToBoard, openBoard, openDeal, rest, signUp, useApp } from './server.mjs';

const app = useApp(4196);
/** After Back: the address is `path` (polled a little: Back is asynchronous). */
async function backAt(page, path) {
  await page.waitForFunction((p) => location.pathname === p, path, { timeout: 5_000 }).catch(() => undefined);
  assert.equal(new URL(page.url()).pathname, path, 'Back went to the wrong page');
}
const date = (day) => ({ __type: 'Date', iso: `${day}T00:00:00.000Z` });

test('closing a deal adds no history entry: Back then leaves the board instead of opening the deal again', async () => {
  const me = await signUp('drawerback');
  const title = `Back deal ${Date.now()}`;
  const deal = await rest('POST', '/classes/Deal', { title, amount: 100, stage: 'lead' }, me.token);
  const { context, page, errors } = await logIn(app, me);
  await openBoard(page);
  await openDeal(page, title);
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.getByLabel('Amount').waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(new URL(page.url()).pathname, '/pipeline');
  await page.goBack();
  await backAt(page, '/my-day');
  await page.waitForTimeout(300);
  assert.equal(await page.getByRole('dialog').count(), 0, 'Back opened the deal again');

  // Opened from its address: closing puts the board in its place, so Back leaves it too.
  await page.goto(new URL(`/deals/${deal.objectId}`, app.preview.url).href);
  await dialog.getByLabel('Amount').waitFor({ timeout: 15_000 });
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await page.getByTestId('count-lead').waitFor();
  assert.equal(new URL(page.url()).pathname, '/pipeline');
  await page.goBack();
  await backAt(page, '/my-day');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Won and Lost show the most recent deals first (latest close, none last); open stages the soonest', async () => {
  const me = await signUp('recentwon');
  const tag = Date.now().toString(36);
  const make = (title, stage, day) => rest('POST', '/classes/Deal', { title: `${title} ${tag}`, amount: 10, stage, ...(day ? { expectedCloseDate: date(day) } : {}) }, me.token);
  for (const [t, s, d] of [['Won Jan', 'won', '2026-01-10'], ['Won Mar', 'won', '2026-03-10'], ['Won none', 'won'], ['Won Feb', 'won', '2026-02-10'],
    ['Lost Apr', 'lost', '2026-04-01'], ['Lost Jun', 'lost', '2026-06-01'], ['Lead Mar', 'lead', '2030-03-01'], ['Lead Jan', 'lead', '2030-01-01']]) {
    assert.ok((await make(t, s, d)).objectId);
  }
  const { context, page } = await logInToBoard(app, me);
  const order = (stage) => column(page, stage).getByRole('article').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label').replace(/^Deal /, '').replace(/ \w+$/, '')));
  await column(page, 'Won').getByText(`Won none ${tag}`).waitFor();
  assert.deepEqual(await order('Won'), ['Won Mar', 'Won Feb', 'Won Jan', 'Won none']);
  assert.deepEqual(await order('Lost'), ['Lost Jun', 'Lost Apr']);
  assert.deepEqual(await order('Lead'), ['Lead Jan', 'Lead Mar']);
  // A deal just won comes first.
  await card(page, `Lead Mar ${tag}`).getByRole('button', { name: `Move Lead Mar ${tag} to…` }).click();
  await page.getByRole('menuitem', { name: 'Won' }).click();
  await column(page, 'Won').getByText(`Lead Mar ${tag}`).waitFor();
  assert.deepEqual((await order('Won'))[0], 'Lead Mar');
  // The list, by stage, has the same order.
  await page.getByText('List', { exact: true }).click();
  // The board's card links by the same name: wait for the list's row itself.
  await page.locator('tbody tr').filter({ hasText: `Won none ${tag}` }).first().waitFor();
  const rows = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.querySelector('a')?.textContent.trim() ?? ''));
  const won = rows.filter((r) => r.startsWith('Won') || r.startsWith('Lead Mar')).map((r) => r.replace(/ \w+$/, ''));
  assert.deepEqual(won, ['Lead Mar', 'Won Mar', 'Won Feb', 'Won Jan', 'Won none']);
  await context.close();
});

test('an Undo toast on a desktop board covers no column, and still undoes', async () => {
  const me = await signUp('toastspot');
  const title = `Toast deal ${Date.now()}`;
  await rest('POST', '/classes/Deal', { title, amount: 100, stage: 'lead' }, me.token);
  const { context, page } = await logInToBoard(app, me, { width: 1280, height: 800 });
  await card(page, title).getByRole('button', { name: `Move ${title} to…` }).click();
  await page.getByRole('menuitem', { name: 'Qualified' }).click();
  const toast = page.getByRole('alert').filter({ hasText: `“${title}” moved to Qualified.` });
  await toast.waitFor();
  await page.waitForTimeout(500); // its entrance transition
  const box = await toast.boundingBox();
  for (const stage of ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']) {
    const c = await column(page, stage).boundingBox();
    const apart = box.x + box.width <= c.x || c.x + c.width <= box.x || box.y + box.height <= c.y || c.y + c.height <= box.y;
    assert.ok(apart, `the toast ${JSON.stringify(box)} covers ${stage} ${JSON.stringify(c)}`);
  }
  // Undo is whole and works.
  const undo = toast.getByRole('button', { name: 'Undo' });
  assert.ok(await undo.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), 'Undo is cut off');
  await undo.click();
  await column(page, 'Lead').getByText(title).waitFor({ timeout: 5_000 });
  await context.close();
});

test('the Amount field says why it did not take "e" or "-"', async () => {
  const me = await signUp('amountkeys');
  const { context, page } = await logInToBoard(app, me);
  await page.getByRole('button', { name: 'New deal' }).click();
  const dialog = page.getByRole('dialog', { name: 'New deal' });
  const amount = dialog.getByLabel('Amount');
  await amount.pressSequentially('1e5');
  assert.equal(await amount.inputValue(), '$15');
  await dialog.getByText(/“e” is not a digit/).waitFor({ timeout: 2_000 });
  // It stays while typing on, and goes with a correction.
  await amount.press('0');
  assert.equal(await dialog.getByText(/“e” is not a digit/).count(), 1);
  await amount.press('Backspace');
  await dialog.getByText(/“e” is not a digit/).waitFor({ state: 'detached', timeout: 2_000 });
  await amount.fill('');
  await amount.pressSequentially('-500');
  assert.equal(await amount.inputValue(), '$500');
  await dialog.getByText(/cannot be negative/).waitFor({ timeout: 2_000 });
  // Pasted, the same.
  await amount.fill('');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.preview.url).origin });
  await page.evaluate(() => navigator.clipboard.writeText('-250'));
  await amount.press('Control+V');
  assert.equal(await amount.inputValue(), '$250');
  await dialog.getByText(/cannot be negative/).waitFor({ timeout: 2_000 });
  // The shorthand still works, and says nothing.
  await amount.fill('');
  await amount.pressSequentially('25k');
  assert.equal(await amount.inputValue(), '$25,000');
  assert.equal(await dialog.getByText(/cannot be negative|is not a digit/).count(), 0);
  await context.close();
});

test('the contacts and companies lists follow what another tab adds, renames or deletes', async () => {
  const me = await signUp('twotabs');
  const tag = Date.now().toString(36);
  const { context, page: a } = await logIn(app, me);
  const b = await context.newPage();
  await b.goto(new URL('/contacts', app.preview.url).href);
  await b.getByLabel('Contact name').waitFor({ timeout: 15_000 });
  await a.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
  await a.getByLabel('Contact name').waitFor();

  await b.getByLabel('Contact name').fill(`Zed ${tag}`);
  await b.getByRole('button', { name: 'Add contact' }).click();
  await b.getByRole('link', { name: `Zed ${tag}` }).waitFor();
  await a.getByRole('link', { name: `Zed ${tag}` }).waitFor({ timeout: 5_000 });

  await b.getByRole('link', { name: 'Companies' }).click();
  await a.getByRole('link', { name: 'Companies' }).click();
  await b.getByLabel('Company name').waitFor();
  await b.getByLabel('Company name').fill(`Zco ${tag}`);
  await b.getByRole('button', { name: 'Add company' }).click();
  await b.getByRole('link', { name: `Zco ${tag}` }).waitFor();
  await a.getByRole('link', { name: `Zco ${tag}` }).waitFor({ timeout: 5_000 });
  await b.getByRole('button', { name: `Delete Zco ${tag}` }).click();
  await b.getByRole('dialog').getByRole('button', { name: /^Delete/ }).click();
  await b.getByRole('link', { name: `Zco ${tag}` }).waitFor({ state: 'detached' });
  await a.getByRole('link', { name: `Zco ${tag}` }).waitFor({ state: 'detached', timeout: 5_000 });
  await context.close();
});

test('global search orders numbers in titles as numbers: #2 before #10, the first 20 of 25', async () => {
  const me = await signUp('searchorder');
  const tag = Date.now().toString(36);
  const requests = Array.from({ length: 25 }, (_, i) => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: `Tally ${tag} #${i + 1}`, stage: 'lead', amount: 1 } }));
  const r = await rest('POST', '/batch', { requests }, me.token);
  assert.ok(r.every((x) => x.success), JSON.stringify(r).slice(0, 200));
  const { context, page } = await logInToBoard(app, me);
  await page.getByText(`Tally ${tag} #25`).waitFor({ timeout: 10_000 }).catch(() => undefined);
  await page.keyboard.press('Control+K');
  await page.getByRole('textbox', { name: 'Search deals, contacts and companies' }).fill('tally');
  await page.getByTestId('search-hit').first().waitFor();
  const titles = await page.getByTestId('search-hit').evaluateAll((els) => els.map((e) => e.innerText.split('\n')[0].trim()));
  assert.deepEqual(titles, Array.from({ length: 20 }, (_, i) => `Tally ${tag} #${i + 1}`));
  // 25 match and 20 are listed: the list says so, and no longer once the query narrows it.
  await page.getByTestId('search-more').filter({ hasText: 'The first 20 matches are shown' }).waitFor({ timeout: 2_000 });
  await page.getByRole('textbox', { name: 'Search deals, contacts and companies' }).fill(`tally ${tag} #2`);
  await page.getByTestId('search-hit').first().waitFor();
  assert.equal(await page.getByTestId('search-more').count(), 0);
  await context.close();
});

test('the contacts and companies lists follow what another device or a colleague writes (Live Query)', async () => {
  const me = await signUp('otherdevice');
  const tag = Date.now().toString(36);
  const { context, page } = await logIn(app, me);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
  await page.getByLabel('Contact name').waitFor();
  // Written by another device: through the server only (no tab of this browser knows of it).
  const added = await rest('POST', '/classes/Contact', { name: `Remote ${tag}` }, me.token);
  await page.getByRole('link', { name: `Remote ${tag}` }).waitFor({ timeout: 5_000 });
  await rest('PUT', `/classes/Contact/${added.objectId}`, { name: `Renamed ${tag}` }, me.token);
  await page.getByRole('link', { name: `Renamed ${tag}` }).waitFor({ timeout: 5_000 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Companies' }).click();
  await page.getByLabel('Company name').waitFor();
  await rest('POST', '/classes/Company', { name: `Far Co ${tag}` }, me.token);
  await page.getByRole('link', { name: `Far Co ${tag}` }).waitFor({ timeout: 5_000 });
  await context.close();
});

test('a first import by a user who never saved settings logs no failed request (the import key is queried, not got by id)', async () => {
  const me = await signUp('firstimport');
  const { context, page } = await logIn(app, me);
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.request().method()} ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error') failed.push(m.text()); });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
  await page.getByRole('radiogroup', { name: 'What to import' }).getByText('Contacts', { exact: true }).click();
  await page.locator('input[type="file"]').setInputFiles({ name: 'first.csv', mimeType: 'text/csv', buffer: Buffer.from('Name,E-mail\nFirst Person,first@x.test\n') });
  await page.getByRole('button', { name: 'Check rows' }).click();
  await page.getByRole('button', { name: 'Import 1 row' }).click();
  await page.getByTestId('import-outcome').filter({ hasText: 'Created 1.' }).waitFor({ timeout: 20_000 });
  assert.deepEqual(failed, []);
  await context.close();
});

test('the first Tab stop skips the header and the navigation to the screen', async () => {
  const me = await signUp('skiplink');
  const { context, page, errors } = await logIn(app, me);
  await page.getByRole('heading', { name: 'My day' }).waitFor();
  await page.locator('body').focus();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  assert.equal(await skip.evaluate((el) => el === document.activeElement), true, 'the first stop');
  const box = await skip.boundingBox();
  assert.ok(box && box.y >= 0 && box.height > 0, 'shown while it has the focus');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'main-content');
  // The next stop is in the screen, not the header.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => !!document.activeElement?.closest('#main-content')), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a new deal is scrolled to and marked in its column, however far down it sorts', async () => {
  const me = await signUp('newdealseen');
  // 40 leads with close dates: one without sorts after all of them, far below the fold.
  const requests = Array.from({ length: 40 }, (_, i) => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: `Dated lead ${i}`, stage: 'lead', expectedCloseDate: date(`2027-01-${String((i % 28) + 1).padStart(2, '0')}`) } }));
  await rest('POST', '/batch', { requests }, me.token);
  const { context, page, errors } = await logInToBoard(app, me);
  await page.getByTestId('count-lead').filter({ hasText: '40' }).waitFor();
  await addDeal(page, { title: 'Undated newcomer' });
  const made = card(page, 'Undated newcomer');
  await made.waitFor();
  await page.locator('.slot-fresh').filter({ has: made }).waitFor();
  const scroller = column(page, 'Lead').locator('.column-body');
  const [box, view] = [await made.boundingBox(), await scroller.boundingBox()];
  assert.ok(box && view && box.y >= view.y - 1 && box.y + box.height <= view.y + view.height + 1, `in sight: card ${JSON.stringify(box)}, column ${JSON.stringify(view)}`);
  assert.deepEqual(errors, []);
  await context.close();
});
