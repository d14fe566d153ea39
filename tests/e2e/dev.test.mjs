// The app as the README's first command serves it: the Vite dev server, React StrictMode on
// (effects mount, unmount and mount again). Log in, use the board, every screen, log out, log in
// again: no screen may show a freed wasm handle, and log-out must not blank the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDeal, card, column, logInOnPage, openBoard, rest, serverDeal, signUp, useApp } from './server.mjs';

const app = useApp(4178, { dev: true });

const BROKEN = /has not been freed|null pointer passed to rust|Something went wrong/i;

test('dev server (StrictMode): log in, use the board and every screen, log out and in again', { timeout: 180_000 }, async () => {
  const me = await signUp('devmode');
  const title = `Dev deal ${Date.now()}`;
  const created = await rest('POST', '/classes/Deal', { title, amount: 1200, stage: 'lead', expectedCloseDate: { __type: 'Date', iso: '2030-01-15T00:00:00.000Z' } }, me.token);
  const context = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.preview.url, { timeout: 120_000 });
  // Really the dev server: Vite's client is on the page.
  assert.ok(await page.evaluate(() => [...document.scripts].some((s) => s.src.includes('/@vite/client'))), 'not served by the Vite dev server');

  await logInOnPage(page, me);
  await openBoard(page);
  await card(page, title).waitFor();
  assert.doesNotMatch(await page.locator('body').innerText(), BROKEN);

  // The board works: create, move through the menu, open a deal and save it.
  await addDeal(page, { title: `${title} b`, amount: 300 });
  await column(page, 'Lead').getByText(`${title} b`).waitFor();
  await card(page, title).getByRole('button', { name: `Move ${title} to…` }).click();
  await page.getByRole('menuitem', { name: 'Proposal' }).click();
  await column(page, 'Proposal').getByText(title).waitFor();
  assert.equal((await serverDeal(created.objectId, me.token, (d) => d.stage === 'proposal')).stage, 'proposal');
  await card(page, title).getByRole('link', { name: title, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.getByLabel('Amount').fill('1500');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('total-proposal').filter({ hasText: '1,500' }).waitFor();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  // To the list and back: every column draws its cards again. StrictMode's practice unmount
  // cancelled the frame a column had asked for to draw them, and all but one came up empty.
  await page.locator('label', { hasText: /^List$/ }).click();
  await page.getByRole('table', { name: 'Deals' }).getByRole('link', { name: title, exact: true }).waitFor();
  await page.locator('label', { hasText: /^Board$/ }).click();
  await column(page, 'Proposal').getByText(title, { exact: true }).waitFor({ timeout: 10_000 });
  await column(page, 'Lead').getByText(`${title} b`).waitFor({ timeout: 10_000 });

  // Typed key by key, every letter of a search is kept, on the board and on Contacts (found by
  // a newcomer in dev mode on a busy machine: the field showed the URL's text, a render behind
  // the keys, and "renewal" became "rnewal"). The CPU is slowed to make the lag show.
  const cdp = await context.newCDPSession(page);
  for (const [link, label] of [['Pipeline', 'Search deals'], ['Contacts', 'Search contacts']]) {
    await page.getByRole('link', { name: link }).click();
    const box = page.getByRole('textbox', { name: label });
    // The screen is shown first: the slowed CPU is for the keys, not for loading the screen's code.
    await box.waitFor();
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
    await box.pressSequentially('renewal quarter', { delay: 5 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    assert.equal(await box.inputValue(), 'renewal quarter', `on ${link}`);
    await page.waitForURL(/[?&]q=renewal(\+|%20)quarter/);
    await page.getByRole('button', { name: 'Clear search' }).click();
    assert.equal(await box.inputValue(), '', `cleared on ${link}`);
  }

  // Every screen renders (each one mounts twice under StrictMode).
  for (const [link, check] of [['Dashboard', 'stat-open'], ['Contacts', null], ['Companies', null], ['My day', 'myday-week'], ['Pipeline', 'count-lead']]) {
    await page.getByRole('link', { name: link }).click();
    if (check) await page.getByTestId(check).waitFor();
    else await page.getByRole('heading', { name: link }).waitFor();
    assert.doesNotMatch(await page.locator('body').innerText(), BROKEN, `on ${link}`);
  }
  await page.getByTestId('stat-open').waitFor({ state: 'detached' });

  // Reload (the session is restored) and a deep link.
  await page.goto(new URL(`/deals/${created.objectId}`, app.preview.url).href);
  await page.getByRole('dialog', { name: title }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: title }).waitFor({ state: 'detached' });

  // Log out: the log-in form, not a blank page; then log in again on the same page.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  await page.waitForTimeout(300); // the freed handles are gone by now
  assert.doesNotMatch(await page.locator('body').innerText(), BROKEN);
  await logInOnPage(page, me);
  await openBoard(page);
  await card(page, `${title} b`).waitFor();
  assert.doesNotMatch(await page.locator('body').innerText(), BROKEN);
  assert.deepEqual(errors, []);
  await context.close();
});

test('dev server: fast refresh of a component while the app is open keeps it working', { timeout: 180_000 }, async () => {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const path = await import('node:path');
  const file = path.join(import.meta.dirname, '../../www/src/features/board/Board.tsx');
  const original = readFileSync(file, 'utf8');
  assert.ok(original.includes('>New deal</Button>'), 'the button this test edits');
  const me = await signUp('refresh');
  const title = `Refresh deal ${Date.now()}`;
  const created = await rest('POST', '/classes/Deal', { title, amount: 700, stage: 'lead' }, me.token);
  const context = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && BROKEN.test(m.text())) errors.push(m.text()); });
  await page.goto(app.preview.url, { timeout: 120_000 });
  await logInOnPage(page, me);
  await openBoard(page);
  await card(page, title).waitFor();
  // A marker on window: a full reload would lose it, fast refresh keeps it.
  await page.evaluate(() => { window.__notReloaded = true; });
  try {
    writeFileSync(file, original.replace('>New deal</Button>', '>New deal (edited)</Button>'));
    await page.getByRole('button', { name: 'New deal (edited)' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'fast refresh, not a page reload');
    assert.doesNotMatch(await page.locator('body').innerText(), BROKEN);
    // The refreshed board still works on the same wasm handles: move a deal, open it.
    await card(page, title).getByRole('button', { name: `Move ${title} to…` }).click();
    await page.getByRole('menuitem', { name: 'Qualified' }).click();
    await column(page, 'Qualified').getByText(title).waitFor();
    assert.equal((await serverDeal(created.objectId, me.token, (d) => d.stage === 'qualified')).stage, 'qualified');
    await card(page, title).getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('dialog', { name: title }).getByLabel('Amount').waitFor();
    await page.keyboard.press('Escape');
  } finally {
    writeFileSync(file, original);
  }
  await page.getByRole('button', { name: 'New deal', exact: true }).waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'restoring the file is a fast refresh too');
  // Live updates still arrive after both refreshes (the live query was not freed).
  await rest('PUT', `/classes/Deal/${created.objectId}`, { amount: 7700 }, me.token);
  await page.getByTestId('total-qualified').filter({ hasText: '7,700' }).waitFor({ timeout: 15_000 });
  assert.doesNotMatch(await page.locator('body').innerText(), BROKEN);
  assert.deepEqual(errors, []);
  await context.close();
});

test('dev server: a screen whose code could not load (offline) loads once the network is back', { timeout: 180_000 }, async () => {
  const me = await signUp('devlazy');
  const context = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(app.preview.url, { timeout: 120_000 });
  // The dashboard's and settings' modules cannot be fetched (as when the network went before the
  // app could fetch them, which it does soon after log-in): the screen says so instead of
  // blanking the app.
  const dashboardCode = /\/features\/dashboard\/Dashboard\.tsx/;
  const settingsCode = /\/features\/settings\/Settings\.tsx/;
  await page.route(dashboardCode, (route) => route.abort('internetdisconnected'));
  await page.route(settingsCode, (route) => route.abort('internetdisconnected'));
  let fetched = 0;
  page.on('request', (r) => { if (dashboardCode.test(r.url())) fetched += 1; });
  await logInOnPage(page, me);
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByTestId('error-boundary').waitFor();
  // It waits for a retry rather than asking again and again (once ahead of time, once on opening).
  await page.waitForTimeout(1000);
  assert.ok(fetched <= 3, `the failed screen's code was asked for ${fetched} times`);
  // Back online: "Try again" loads it (React.lazy alone kept the failure until a reload).
  await page.unroute(dashboardCode);
  await page.getByTestId('error-boundary').getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: 'Weighted forecast by month of expected close' }).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('error-boundary').count(), 0);
  // And the browser's "online" event retries by itself: a second screen, failed, then online.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByTestId('error-boundary').waitFor();
  await page.unroute(settingsCode);
  await context.setOffline(true);
  await context.setOffline(false);
  await page.getByRole('heading', { name: 'Settings' }).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('error-boundary').count(), 0);
  await context.close();
});

test('dev server: offline, a screen not opened yet still opens; a log-out asks before it deletes changes not synced', { timeout: 180_000 }, async () => {
  const me = await signUp('devoffline');
  await rest('POST', '/classes/Contact', { name: 'Olga Offline' }, me.token);
  const context = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(app.preview.url, { timeout: 120_000 });
  await logInOnPage(page, me);
  await openBoard(page);
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 30_000 });
  // Every screen's code is fetched soon after log-in (there is no service worker in dev).
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/features/contacts/Contacts.tsx')), null, { timeout: 30_000 });
  await context.setOffline(true);
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('link', { name: 'Olga Offline' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('error-boundary').count(), 0, 'no "Failed to fetch dynamically imported module"');

  // A deal made offline waits; a log-out now would delete it with the device's copy: asked first.
  await openBoard(page);
  const title = `Unsynced ${Date.now()}`;
  await addDeal(page, { title, amount: 50 });
  await page.getByTestId('sync-status').filter({ hasText: '1 pending' }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  const ask = page.getByRole('dialog', { name: 'Changes not synced yet' });
  await ask.getByTestId('unsynced-warning').filter({ hasText: '1 change made on this device is not on the server yet (you are offline)' }).waitFor();
  await ask.getByRole('button', { name: 'Stay signed in' }).click();
  await ask.waitFor({ state: 'detached' });
  await card(page, title).waitFor();
  // Back online it is sent, and the log-out goes without asking.
  await context.setOffline(false);
  await page.getByTestId('sync-status').filter({ hasText: /^Online$/ }).waitFor({ timeout: 30_000 });
  const found = await rest('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ title }))}`, undefined, me.token);
  assert.equal(found.results.length, 1);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('Username').waitFor();
  assert.equal(await page.getByRole('dialog', { name: 'Changes not synced yet' }).count(), 0);
  await context.close();
});

test('dev server (StrictMode), on a phone: a new deal of another stage than the one shown is scrolled to and marked; the tab names the screen', { timeout: 180_000 }, async () => {
  const me = await signUp('devphonereveal');
  // 30 proposals with close dates: one without sorts after all of them, below the fold.
  const requests = Array.from({ length: 30 }, (_, i) => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: `Dated proposal ${i}`, stage: 'proposal', expectedCloseDate: { __type: 'Date', iso: `2030-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z` } } }));
  await rest('POST', '/batch', { requests }, me.token);
  const context = await app.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.preview.url, { timeout: 120_000 });
  await page.getByLabel('Username').waitFor({ timeout: 60_000 });
  assert.equal(await page.title(), 'Log in · Tidewater CRM');
  await logInOnPage(page, me);
  assert.equal(await page.title(), 'My day · Tidewater CRM');
  await openBoard(page);
  assert.equal(await page.title(), 'Pipeline · Tidewater CRM');
  // The phone shows Lead; the deal goes to Proposal, whose column mounts for it (twice, under
  // StrictMode: the scroll of the first mount was undone and the deal stayed out of sight).
  await addDeal(page, { title: 'Undated proposal', stage: 'proposal' });
  const made = card(page, 'Undated proposal');
  await made.waitFor();
  await page.locator('.slot-fresh').filter({ has: made }).waitFor();
  const [box, view] = [await made.boundingBox(), await column(page, 'Proposal').locator('.column-body').boundingBox()];
  assert.ok(box && view && box.y >= view.y - 1 && box.y + box.height <= view.y + view.height + 1, `in sight: card ${JSON.stringify(box)}, column ${JSON.stringify(view)}`);
  assert.deepEqual(errors, []);
  await context.close();
});
