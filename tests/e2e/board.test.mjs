// The pipeline board end to end: drag a deal to another stage, the totals follow, the server
// has the new stage, a second browser logged in as the same user sees the move live (still
// showing the deal's company), and another user never sees the deal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { addDeal, artifacts, card, column, drag, logIn as logInWith, logInToBoard, openBoard, openDeal, rest, serverDeal, signUp, useApp } from './server.mjs';

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
  await card(one.page, title).waitFor();
  await card(two.page, title).waitFor();
  assert.equal(await text(one.page, 'count-lead'), '1');

  // Drag the card from "lead" to "won" with the mouse.
  await drag(one.page, title, 'Won');
  await column(one.page, 'Won').getByText(title).waitFor({ timeout: 5_000 });
  // A drag is not a click: the deal did not open.
  assert.equal(await one.page.getByRole('dialog').count(), 0);
  assert.match(one.page.url(), /\/pipeline$/);
  assert.equal(await text(one.page, 'count-lead'), '0');
  assert.equal(await text(one.page, 'count-won'), '1');
  assert.match(await text(one.page, 'total-won'), /2,500/);

  // The server has it, and the second window got it through the live query.
  assert.equal((await serverDeal(created.objectId, me.token, (d) => d.stage === 'won')).stage, 'won');
  await column(two.page, 'Won').getByText(title).waitFor({ timeout: 5_000 });
  assert.equal(await text(two.page, 'count-won'), '1');
  // The live event carried a bare company pointer; the card keeps the company's name.
  assert.equal((await card(two.page, title).locator('.company').textContent()).trim(), companyName);

  // The other user: nothing of it, not even live.
  await stranger.page.waitForTimeout(500);
  assert.equal(await stranger.page.getByText(title).count(), 0);
  assert.equal(await text(stranger.page, 'count-won'), '0');

  // Search filters the board (case-insensitively), is kept in the URL and says so.
  await one.page.getByLabel('Search deals').fill('no such deal');
  await one.page.getByTestId('count-won').filter({ hasText: '0' }).waitFor();
  await one.page.getByTestId('filter-note').filter({ hasText: 'no such deal' }).waitFor();
  // The company's name finds its deals too (the banner says where the text was looked for).
  await one.page.getByLabel('Search deals').fill(companyName.toUpperCase());
  await one.page.getByTestId('count-won').filter({ hasText: '1' }).waitFor();
  await one.page.getByTestId('filter-note').filter({ hasText: 'in the title or company' }).waitFor();
  await one.page.getByLabel('Search deals').fill('no such deal');
  await one.page.getByTestId('count-won').filter({ hasText: '0' }).waitFor();
  await one.page.getByLabel('Search deals').fill('drag me');
  await one.page.getByTestId('count-won').filter({ hasText: '1' }).waitFor();
  assert.match(one.page.url(), /[?&]q=drag(\+|%20)me/);
  await one.page.reload();
  await one.page.getByTestId('count-won').filter({ hasText: '1' }).waitFor();
  assert.equal(await one.page.getByLabel('Search deals').inputValue(), 'drag me');

  await one.page.screenshot({ path: path.join(artifacts, 'board.png') });
  for (const s of [one, two, stranger]) await s.context.close();
});

test('winning a deal closes it today: "Won this month" counts it, and Undo puts its close date back', async () => {
  const me = await signUp('winning');
  const title = `Won early ${Date.now()}`;
  const march = '2024-03-15T00:00:00.000Z';
  const created = await rest('POST', '/classes/Deal', { title, amount: 7000, stage: 'negotiation', expectedCloseDate: { __type: 'Date', iso: march } }, me.token);
  const now = new Date();
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}T00:00:00.000Z`;
  const { context, page } = await logIn(me);
  await card(page, title).waitFor();

  await drag(page, title, 'Won');
  await column(page, 'Won').getByText(title).waitFor({ timeout: 5_000 });
  const won = await serverDeal(created.objectId, me.token, (d) => d.stage === 'won' && d.expectedCloseDate?.iso === today);
  assert.deepEqual([won.stage, won.expectedCloseDate?.iso], ['won', today], 'won today, whatever date it was expected');
  // Undo: the stage and the date it was expected on.
  await page.getByRole('button', { name: 'Undo' }).click();
  await column(page, 'Negotiation').getByText(title).waitFor({ timeout: 5_000 });
  const undone = await serverDeal(created.objectId, me.token, (d) => d.stage === 'negotiation' && d.expectedCloseDate?.iso === march);
  assert.deepEqual([undone.stage, undone.expectedCloseDate?.iso], ['negotiation', march]);

  // Won again, from the deal's form: choosing Won puts today in its close date, before saving.
  await openDeal(page, title);
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.getByLabel('Stage').selectOption('won');
  const shown = await dialog.getByLabel('Expected close', { exact: true }).inputValue();
  assert.ok(shown !== '' && !shown.includes('2024'), `the close date shown after choosing Won: ${shown}`);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await serverDeal(created.objectId, me.token, (d) => d.stage === 'won' && d.expectedCloseDate?.iso === today);
  await page.keyboard.press('Escape');
  // A deal closed already keeps its own date when it moves between Won and Lost.
  const old = await rest('POST', '/classes/Deal', { title: `${title} (old)`, amount: 1, stage: 'won', expectedCloseDate: { __type: 'Date', iso: march } }, me.token);
  await card(page, `${title} (old)`).waitFor();
  await drag(page, `${title} (old)`, 'Lost');
  const lost = await serverDeal(old.objectId, me.token, (d) => d.stage === 'lost');
  assert.deepEqual([lost.stage, lost.expectedCloseDate?.iso], ['lost', march]);
  // (A move into Lost asks why; not now.)
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByTestId('stat-won-month').filter({ hasText: '$7,000' }).waitFor({ timeout: 5_000 });
  await context.close();
});

test('offline: create and move on the board, then back online the server has each change once', async () => {
  const me = await signUp('offlineui');
  const existing = await rest('POST', '/classes/Deal', { title: `Moved offline ${Date.now()}`, stage: 'lead' }, me.token);
  const existingTitle = (await rest('GET', `/classes/Deal/${existing.objectId}`, undefined, me.token)).title;
  const { context, page } = await logIn(me);
  await card(page, existingTitle).waitFor();
  await page.getByTestId('sync-status').filter({ hasText: 'Online' }).waitFor();

  await context.setOffline(true);
  await page.getByTestId('sync-status').filter({ hasText: 'Offline' }).waitFor();
  const title = `Made offline ${Date.now()}`;
  await addDeal(page, { title, amount: 700 });
  await column(page, 'Lead').getByText(title).waitFor();

  await drag(page, existingTitle, 'Proposal');
  await column(page, 'Proposal').getByText(existingTitle).waitFor();
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

test('keyboard: Enter opens a deal, "Move to…" moves it; an expired session sends the user back to log in', async () => {
  const me = await signUp('keyboard');
  const title = `Keys ${Date.now()}`;
  const created = await rest('POST', '/classes/Deal', { title, stage: 'lead' }, me.token);
  const { context, page } = await logIn(me);
  await card(page, title).waitFor();

  // Enter on the card's title opens the deal (it does not start a drag).
  await card(page, title).getByRole('link', { name: title, exact: true }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  assert.match(page.url(), new RegExp(`/deals/${created.objectId}$`));
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.match(page.url(), /\/pipeline$/);

  // A click on the card away from its title opens it too (a tap on a phone as well).
  const box = await card(page, title).boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height - 6);
  await dialog.waitFor();
  assert.match(page.url(), new RegExp(`/deals/${created.objectId}$`));
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  // "Move to…" from the keyboard: open the menu, pick "Qualified".
  await card(page, title).getByRole('button', { name: `Move ${title} to…` }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menuitem', { name: 'Qualified' }).waitFor();
  // The menu takes the focus once it has opened (its transition): the arrow goes to it then.
  const focused = () => page.evaluate(() => ({ inMenu: !!document.activeElement?.closest('[role=menu]'), text: document.activeElement?.textContent }));
  await page.waitForFunction(() => !!document.activeElement?.closest('[role=menu]'), null, { timeout: 5_000 });
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.activeElement?.textContent === 'Qualified', null, { timeout: 5_000 }).catch(() => {});
  assert.deepEqual(await focused(), { inMenu: true, text: 'Qualified' });
  await page.keyboard.press('Enter');
  await column(page, 'Qualified').getByText(title).waitFor({ timeout: 5_000 });
  // The focus is on the moved card's "Move to…" button, in its new column.
  await page.waitForFunction((name) => document.activeElement?.getAttribute('aria-label') === name
    && !!document.activeElement.closest('[aria-label="Stage Qualified"]'), `Move ${title} to…`, { timeout: 5_000 }).catch(async (e) => {
    throw new Error(`${e.message}: focus on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 300))}`);
  });
  assert.equal((await serverDeal(created.objectId, me.token, (d) => d.stage === 'qualified')).stage, 'qualified');

  // Nothing a screen reader hears names an internal id.
  const spoken = await page.evaluate(() => [...document.querySelectorAll('[aria-label],[aria-describedby],[role=status],[aria-live]')]
    .map((e) => `${e.getAttribute('aria-label') ?? ''} ${e.textContent ?? ''}`).join('\n'));
  assert.ok(!spoken.includes(created.objectId), 'an internal id is exposed to assistive technology');

  // The session is revoked elsewhere: the next request ends it and the log-in form says why.
  const stored = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith('/session'))?.[1]);
  const token = JSON.parse(stored).sessionToken;
  await rest('POST', '/logout', {}, token);
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByText(/^Your session has ended: it expired, or you logged out or changed your password on another device/).waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  await context.close();
});

/** The cards a column shows, top to bottom: [top, bottom] in pixels. */
const cardBoxes = async (page, stage) => (await column(page, stage).locator('.slot').evaluateAll((els) =>
  els.map((e) => e.getBoundingClientRect()).map((r) => [r.top, r.bottom]))).sort((a, b) => a[0] - b[0]);

test('filters come from the URL only: Clear filters clears the owner; moved cards leave no gaps or overlaps', async () => {
  const me = await signUp('filters');
  const stamp = Date.now();
  // Titles of different lengths: cards of different heights.
  const titles = [0, 1, 2, 3, 4].map((i) => `Gap ${i} ${'long words in the title '.repeat(i % 3)}${stamp}`);
  for (const title of titles) await rest('POST', '/classes/Deal', { title, stage: 'lead', assignedTo: { __type: 'Pointer', className: '_User', objectId: me.id } }, me.token);
  const { context, page } = await logInToBoard(app, me);
  await card(page, titles[4]).waitFor();

  // The owner filter: pick me, then "Clear filters" clears the URL, the Select and its text.
  const owner = page.locator('.owner-filter input').first();
  await owner.click();
  await page.getByRole('option', { name: /^Me \(/ }).click();
  await page.getByTestId('filter-note').filter({ hasText: 'owned by' }).waitFor();
  assert.match(page.url(), /[?&]owner=/);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByTestId('filter-note').waitFor({ state: 'detached' });
  assert.doesNotMatch(page.url(), /owner=/);
  assert.equal(await owner.inputValue(), '');
  // The next filter does not bring the owner back.
  await page.locator('label', { hasText: /^Overdue$/ }).click();
  await page.waitForURL(/[?&]overdue=1/);
  assert.doesNotMatch(page.url(), /owner=/);
  await page.locator('label', { hasText: /^Overdue$/ }).click();
  await page.getByTestId('filter-note').waitFor({ state: 'detached' });
  // Opening and closing a deal keeps no stale filter.
  await openDeal(page, titles[0]);
  await page.getByRole('dialog', { name: titles[0] }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: titles[0] }).waitFor({ state: 'detached' });
  assert.match(page.url(), /\/pipeline$/);

  // Moves between columns: each column's cards stay 8px apart (no gap left behind, no overlap).
  const tidy = async (stage) => {
    await page.waitForTimeout(300);
    const boxes = await cardBoxes(page, stage);
    for (let i = 1; i < boxes.length; i++) {
      const space = boxes[i][0] - boxes[i - 1][1];
      assert.ok(space >= 0 && space <= 12, `${stage}: ${space}px between card ${i - 1} and card ${i}`);
    }
  };
  const moveTo = async (title, stage) => {
    await card(page, title).getByRole('button', { name: `Move ${title} to…` }).click();
    await page.getByRole('menuitem', { name: stage }).click();
    await column(page, stage).getByText(title).waitFor({ timeout: 5_000 });
  };
  await tidy('Lead');
  await moveTo(titles[1], 'Qualified');
  await tidy('Lead');
  // The toast's Undo is shown whole beside a long message ("Und" before).
  const undo = page.getByRole('button', { name: 'Undo' }).last();
  assert.ok(await undo.evaluate((el) => {
    const label = el.querySelector('.mantine-Button-label') ?? el;
    return label.scrollWidth <= label.clientWidth && el.getBoundingClientRect().width >= label.scrollWidth;
  }), 'Undo is cut off');
  await drag(page, titles[2], 'Qualified');
  await column(page, 'Qualified').getByText(titles[2]).waitFor({ timeout: 5_000 });
  await tidy('Lead');
  await tidy('Qualified');
  await moveTo(titles[1], 'Lead');
  await moveTo(titles[4], 'Qualified');
  await moveTo(titles[0], 'Qualified');
  await tidy('Lead');
  await tidy('Qualified');

  // Two moves of one deal: only the newer's Undo is offered (undoing the older put the deal
  // back before both, and silently dropped the newer), and it undoes that move alone.
  const toast = (text) => page.getByRole('alert').filter({ hasText: text });
  await moveTo(titles[3], 'Qualified');
  await toast(`“${titles[3]}” moved to Qualified.`).waitFor();
  await moveTo(titles[3], 'Won');
  await toast(`“${titles[3]}” moved to Won.`).waitFor();
  await toast(`“${titles[3]}” moved to Qualified.`).waitFor({ state: 'detached' });
  await toast(`“${titles[3]}” moved to Won.`).getByRole('button', { name: 'Undo' }).click();
  await column(page, 'Qualified').getByText(titles[3]).waitFor({ timeout: 5_000 });
  await context.close();
});

test('new deal: a contact brings their company, a company narrows the contacts, the owner is picked from the team', async () => {
  const me = await signUp('newdeal');
  const mate = await signUp('newdealmate');
  await rest('POST', '/classes/Profile', { objectId: mate.id, displayName: 'Nora Newdeal' }, mate.token);
  const tag = Date.now().toString(36);
  const ptr = (className, o) => ({ __type: 'Pointer', className, objectId: o.objectId });
  const harbor = await rest('POST', '/classes/Company', { name: `Harbor ${tag}` }, me.token);
  const elsewhere = await rest('POST', '/classes/Company', { name: `Elsewhere ${tag}` }, me.token);
  const ana = await rest('POST', '/classes/Contact', { name: `Ana ${tag}`, company: ptr('Company', harbor) }, me.token);
  await rest('POST', '/classes/Contact', { name: `Bo ${tag}`, company: ptr('Company', elsewhere) }, me.token);
  const { context, page, errors } = await logIn(me);
  await page.getByRole('button', { name: 'New deal' }).click();
  const dialog = page.getByRole('dialog', { name: 'New deal' });
  await dialog.getByLabel('Title').fill(`Harbor deal ${tag}`);
  // Its × has a name a screen reader says (it was announced as "button").
  await dialog.getByRole('button', { name: 'Close', exact: true }).waitFor();
  // The owner is the user unless changed.
  assert.match(await dialog.getByLabel('Owner', { exact: true }).inputValue(), /^Me \(/);
  // A contact chosen first brings their company.
  const company = dialog.getByLabel('Company', { exact: true });
  const contact = dialog.getByLabel('Contact', { exact: true });
  await contact.click();
  await page.getByRole('option', { name: `Ana ${tag}` }).click();
  assert.equal(await company.inputValue(), `Harbor ${tag}`);
  // Another company: the contact, not at it, is let go, and only its people are offered.
  await company.click();
  await page.getByRole('option', { name: `Elsewhere ${tag}` }).click();
  assert.equal(await contact.inputValue(), '');
  await contact.click();
  await page.getByRole('option', { name: `Bo ${tag}` }).waitFor();
  assert.equal(await page.getByRole('option', { name: `Ana ${tag}` }).count(), 0, "another company's contact is not offered");
  await page.keyboard.press('Escape');
  // Back to Harbor and Ana, typed with Enter: the one match is taken (Enter did nothing, and
  // the deal was made without its company); the deal given to a colleague.
  await company.click();
  await company.fill('Harb');
  await company.press('Enter');
  assert.equal(await company.inputValue(), `Harbor ${tag}`);
  await contact.click();
  await contact.fill('Ana');
  await contact.press('Enter');
  assert.equal(await contact.inputValue(), `Ana ${tag}`);
  await dialog.getByLabel('Owner', { exact: true }).click();
  await page.getByRole('option', { name: 'Nora Newdeal' }).click();
  // An amount put in whole (a paste, an autofill) the way salespeople say it: the letter was
  // dropped, and "25k" saved $25. A minus is not taken (it showed "-$500", then saved $0).
  const amount = dialog.getByLabel('Amount');
  await amount.fill('1.5m');
  assert.equal(await amount.inputValue(), '$1,500,000');
  await amount.fill('');
  await amount.pressSequentially('-500');
  assert.equal(await amount.inputValue(), '$500');
  await amount.evaluate((input) => {
    const paste = new ClipboardEvent('paste', { clipboardData: new DataTransfer(), bubbles: true, cancelable: true });
    paste.clipboardData.setData('text', '$25k');
    input.dispatchEvent(paste);
  });
  assert.equal(await amount.inputValue(), '$25,000');
  // Typed key by key with its thousands comma (Mantine took the comma for a decimal point:
  // "25,000" saved $25), and no further than cents.
  await amount.fill('');
  await amount.pressSequentially('25,000');
  assert.equal(await amount.inputValue(), '$25,000');
  await amount.fill('');
  await amount.pressSequentially('1234.567');
  assert.equal(await amount.inputValue(), '$1,234.56');
  // And typed key by key: 2.5k.
  await amount.fill('');
  await amount.pressSequentially('2.5k');
  assert.equal(await amount.inputValue(), '$2,500');
  await page.screenshot({ path: path.join(artifacts, 'new-deal-desktop.png') });
  await dialog.getByRole('button', { name: 'Add deal' }).click();
  await dialog.waitFor({ state: 'detached' });
  // On the server: the company, the contact, the colleague as owner; the creator still sees it.
  const found = await rest('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ title: `Harbor deal ${tag}` }))}`, undefined, me.token);
  assert.equal(found.results.length, 1);
  const [deal] = found.results;
  assert.equal(deal.company?.objectId, harbor.objectId);
  assert.equal(deal.contact?.objectId, ana.objectId);
  assert.equal(deal.assignedTo?.objectId, mate.id);
  assert.equal(deal.amount, 2500);
  assert.equal((await rest('GET', `/classes/Deal/${deal.objectId}`, undefined, mate.token)).title, `Harbor deal ${tag}`, 'the owner reads it');
  await card(page, `Harbor deal ${tag}`).getByRole('img', { name: 'Assigned to Nora Newdeal' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('unsaved edits ask before they are dropped; Escape in a calendar closes the calendar; typed dates are read strictly', async () => {
  const me = await signUp('unsaved');
  const title = `Unsaved ${Date.now()}`;
  const created = await rest('POST', '/classes/Deal', { title, stage: 'lead', amount: 1000 }, me.token);
  const { context, page, errors } = await logIn(me);
  await card(page, title).waitFor();
  await openDeal(page, title);
  const drawer = page.getByRole('dialog', { name: title });
  await drawer.waitFor();
  const discard = page.getByRole('dialog', { name: 'Discard your changes?' });

  // An edit, then Escape: asked; "Keep editing" keeps the edit.
  await drawer.getByLabel('Amount').fill('1234');
  await page.keyboard.press('Escape');
  await discard.waitFor();
  await discard.getByRole('button', { name: 'Keep editing' }).click();
  await discard.waitFor({ state: 'detached' });
  assert.equal(await drawer.getByLabel('Amount').inputValue(), '$1,234');
  // The same from the notes (a plain text field: the question once closed on the very Escape
  // that opened it).
  await drawer.getByLabel('Notes').fill('Call after the board meeting');
  await page.keyboard.press('Escape');
  await discard.waitFor();
  await page.waitForTimeout(400);
  assert.equal(await discard.count(), 1, 'the question stays open');
  await discard.getByRole('button', { name: 'Keep editing' }).click();
  await discard.waitFor({ state: 'detached' });

  // Escape with the close-date calendar open closes the calendar, not the deal.
  const close = drawer.getByRole('textbox', { name: 'Expected close' });
  await close.click();
  await page.locator('[data-dates-dropdown]').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('[data-dates-dropdown]').waitFor({ state: 'hidden' });
  await page.waitForTimeout(300);
  assert.equal(await discard.count(), 0, 'no question: only the calendar closed');
  assert.ok(await drawer.isVisible());

  // Typed dates: day-first text is read as the only date it can be; text that is no date is
  // refused, saying so, and the date stays as it was.
  await close.fill('20/12/2026');
  await drawer.getByLabel('Title').click();
  assert.equal(await close.inputValue(), 'Dec 20, 2026');
  await close.fill('Dec 40, 2026');
  await drawer.getByLabel('Title').click();
  await drawer.getByText('“Dec 40, 2026” is not a date between 1900 and 2200: the date was left as it was').waitFor();
  assert.equal(await close.inputValue(), 'Dec 20, 2026');
  await drawer.getByRole('button', { name: 'Save' }).click();
  const saved = await serverDeal(created.objectId, me.token, (d) => d.amount === 1234);
  assert.equal(saved.expectedCloseDate?.iso, '2026-12-20T00:00:00.000Z');

  // Saved: the close button closes at once.
  await drawer.getByRole('button', { name: 'Close' }).first().click();
  await drawer.waitFor({ state: 'detached' });

  // A new deal with something typed: Escape asks, "Discard changes" closes it.
  await page.getByRole('button', { name: 'New deal' }).click();
  const dialog = page.getByRole('dialog', { name: 'New deal' });
  await dialog.getByLabel('Title').fill('Half-typed deal');
  await page.keyboard.press('Escape');
  await discard.waitFor();
  // Escape in the question is "keep editing".
  await page.keyboard.press('Escape');
  await discard.waitFor({ state: 'detached' });
  assert.equal(await dialog.getByLabel('Title').inputValue(), 'Half-typed deal');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await discard.getByRole('button', { name: 'Discard changes' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await rest('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ title: 'Half-typed deal' }))}`, undefined, me.token)).results.length, 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("overdue is one rule, in the user's day: a deal due today is not overdue on its card, in the list or in the filter", async () => {
  const me = await signUp('overdue');
  // A time zone whose day is not UTC's right now: the rule must count the user's day (the filter
  // counted from the clock's instant, the cards from UTC's day).
  const timezoneId = new Date().getUTCHours() < 10 ? 'Pacific/Pago_Pago' : 'Pacific/Kiritimati';
  const { context, page } = await logInWith(app, me, undefined, { timezoneId });
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  });
  assert.notEqual(today, new Date().toISOString().slice(0, 10), 'the browser should be on another day than UTC');
  const yesterday = new Date(Date.parse(`${today}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
  const day = (d) => ({ __type: 'Date', iso: `${d}T00:00:00.000Z` });
  await rest('POST', '/classes/Deal', { title: 'Due today', stage: 'lead', expectedCloseDate: day(today) }, me.token);
  await rest('POST', '/classes/Deal', { title: 'Due yesterday', stage: 'lead', expectedCloseDate: day(yesterday) }, me.token);
  await openBoard(page);
  const dateOf = (title) => card(page, title).locator('.card-date');
  await dateOf('Due yesterday').filter({ hasText: /Overdue · / }).waitFor();
  assert.match(await dateOf('Due today').textContent(), /^\s*Closes /);
  assert.equal(await dateOf('Due today').getAttribute('data-overdue'), null);
  await page.locator('label', { hasText: /^Overdue$/ }).click();
  await card(page, 'Due today').waitFor({ state: 'detached' });
  await card(page, 'Due yesterday').waitFor();
  assert.equal((await page.getByTestId('count-lead').textContent()).trim(), '1');
  await context.close();
});

test('Enter in a date field with its calendar open confirms the date and does not submit the form', async () => {
  const me = await signUp('enterdate');
  const { context, page } = await logInToBoard(app, me);
  await page.getByRole('button', { name: 'New deal' }).click();
  const dialog = page.getByRole('dialog', { name: 'New deal' });
  await dialog.getByLabel('Title').fill('Enter in a date');
  const close = dialog.getByRole('textbox', { name: 'Expected close' });
  await close.click();
  await close.fill('Jan 20, 2027');
  await close.press('Enter');
  // The dialog is still there: a deal was created with only its title and that date.
  await page.waitForTimeout(500);
  assert.equal(await dialog.isVisible(), true);
  assert.equal((await rest('GET', '/classes/Deal', undefined, me.token)).results.length, 0);
  await dialog.getByLabel('Amount').fill('700');
  await dialog.getByRole('button', { name: 'Add deal' }).click();
  await dialog.waitFor({ state: 'detached' });
  const [deal] = (await rest('GET', '/classes/Deal', undefined, me.token)).results;
  assert.equal(deal.amount, 700);
  assert.equal(deal.expectedCloseDate.iso.slice(0, 10), '2027-01-20');
  await context.close();
});

// A column of $10.25 and $0.50 said "$11" (totals were rounded to whole units while each card
// showed its cents), and the card under the pointer while dragging lost its "Next:" line.
test('a column total keeps its cents; the dragged card keeps its next step', async () => {
  const me = await signUp('cents');
  const title = `Cents ${Date.now()}`;
  const deal = await rest('POST', '/classes/Deal', { title, amount: 10.25, stage: 'lead' }, me.token);
  await rest('POST', '/classes/Deal', { title: `${title} small`, amount: 0.5, stage: 'lead' }, me.token);
  await rest('POST', '/classes/Activity', { type: 'call', subject: 'Send the quote', dueDate: { __type: 'Date', iso: '2030-01-15T00:00:00.000Z' }, relatedTo: { __type: 'Pointer', className: 'Deal', objectId: deal.objectId } }, me.token);
  const { context, page } = await logInToBoard(app, me);
  await card(page, title).getByText('Next: Send the quote').waitFor();
  await page.getByTestId('total-lead').filter({ hasText: '$10.75' }).waitFor({ timeout: 10_000 });
  // Mid-drag: the card that follows the pointer shows the next step too.
  const from = await card(page, title).boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height - 6);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 120, from.y + 60, { steps: 8 });
  await page.locator('.card-overlay').getByText('Next: Send the quote').waitFor({ timeout: 5_000 });
  await page.keyboard.press('Escape');
  await page.mouse.up();
  await context.close();
});

// Won or lost in a deal's record: the save only said "Deal saved.", while the same move on the
// board offers Undo; and the expected close date, replaced by today, was gone for good (found
// by a newcomer).
test("a deal marked won or lost in its record can be undone: its stage, close date and lost reason come back", async () => {
  const me = await signUp('drawerundo');
  const title = `Drawer undo ${Date.now()}`;
  const deal = await rest('POST', '/classes/Deal', { title, amount: 700, stage: 'proposal', expectedCloseDate: { __type: 'Date', iso: '2027-01-20T00:00:00.000Z' } }, me.token);
  const { context, page, errors } = await logIn(me);
  await openDeal(page, title);
  const record = page.getByRole('dialog', { name: title });
  await record.getByLabel('Stage').selectOption('won');
  await record.getByRole('button', { name: 'Save' }).click();
  const undo = page.locator('.mantine-Notification-root').filter({ hasText: `“${title}” marked Won.` });
  await undo.waitFor({ timeout: 15_000 });
  const won = await serverDeal(deal.objectId, me.token, (d) => d.stage === 'won');
  assert.equal(won.stage, 'won');
  assert.notEqual(won.expectedCloseDate.iso, '2027-01-20T00:00:00.000Z', 'the close date is the day it was won');
  await undo.getByRole('button', { name: 'Undo' }).click();
  const back = await serverDeal(deal.objectId, me.token, (d) => d.stage === 'proposal');
  assert.equal(back.stage, 'proposal');
  assert.equal(back.expectedCloseDate.iso, '2027-01-20T00:00:00.000Z');
  await page.waitForFunction(() => document.querySelector('[role="dialog"] select')?.value === 'proposal');

  // Lost: the reason is asked while the Undo waits, and Undo takes the reason back too.
  await record.getByLabel('Stage').selectOption('lost');
  await record.getByRole('button', { name: 'Save' }).click();
  const ask = page.getByRole('dialog', { name: 'Why was it lost?' });
  await ask.getByLabel('Lost reason').fill('Price');
  await page.waitForTimeout(500);
  await ask.getByRole('button', { name: 'Save reason' }).click();
  assert.equal((await serverDeal(deal.objectId, me.token, (d) => d.stage === 'lost' && d.lostReason === 'Price')).lostReason, 'Price');
  await page.locator('.mantine-Notification-root').filter({ hasText: `“${title}” marked Lost.` }).getByRole('button', { name: 'Undo' }).click();
  const open = await serverDeal(deal.objectId, me.token, (d) => d.stage === 'proposal' && !d.lostReason);
  assert.equal(open.stage, 'proposal');
  assert.equal(open.lostReason, undefined);
  assert.equal(open.expectedCloseDate.iso, '2027-01-20T00:00:00.000Z');
  assert.deepEqual(errors, []);
  await context.close();
});
