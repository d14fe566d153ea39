// Global search: Ctrl+K (or "/") opens it, it answers as the user types, in any case and without
// accents, over deals, contacts and companies; and it answers offline, from what the device
// holds (the app reloaded with its server stopped and the browser offline).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logInToBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4192);

async function seed(me) {
  const tag = Date.now().toString(36);
  const company = await rest('POST', '/classes/Company', { name: `Société Générale ${tag}`, website: 'https://socgen.example' }, me.token);
  const contact = await rest('POST', '/classes/Contact', {
    name: `José Álvarez ${tag}`, email: `jose.${tag}@example.com`, phone: '+1 (555) 123-4567',
    company: { __type: 'Pointer', className: 'Company', objectId: company.objectId },
  }, me.token);
  const deal = await rest('POST', '/classes/Deal', {
    title: `Renewal ${tag}`, amount: 1200, stage: 'proposal',
    company: { __type: 'Pointer', className: 'Company', objectId: company.objectId },
  }, me.token);
  for (const r of [company, contact, deal]) assert.ok(r.objectId, JSON.stringify(r));
  return { tag, company, contact, deal };
}

const hits = (page) => page.getByTestId('search-hit');

test('search answers a typed query: any case, no accents, e-mail, phone, through the company', async () => {
  const me = await signUp('search');
  const s = await seed(me);
  const { context, page, errors } = await logInToBoard(app, me);
  await page.getByText(`Renewal ${s.tag}`).waitFor({ timeout: 10_000 });

  await page.keyboard.press('Control+K');
  const input = page.getByRole('textbox', { name: 'Search deals, contacts and companies' });
  await input.waitFor();
  // Typed key by key, as a person does: the contact shows while typing.
  await input.pressSequentially('JOSE ALV', { delay: 30 });
  await hits(page).filter({ hasText: `José Álvarez ${s.tag}` }).waitFor({ timeout: 10_000 });
  assert.equal(await hits(page).first().getAttribute('data-class'), 'Contact');

  // Through the company's name: the company, its contact and its deal; accents left out.
  await input.fill(`societe ${s.tag}`);
  await hits(page).filter({ hasText: `Renewal ${s.tag}` }).waitFor();
  const classes = await hits(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-class')).sort());
  assert.deepEqual(classes, ['Company', 'Contact', 'Deal']);
  // The company first: the words are in its own name.
  assert.equal(await hits(page).first().getAttribute('data-class'), 'Company');
  // On a 390 px phone each result fits, its kind's badge too (a long line widened every row
  // past the screen's edge, where the highlight and the badges were cut).
  await page.setViewportSize({ width: 390, height: 844 });
  for (const hit of await hits(page).all()) {
    const row = await hit.boundingBox();
    const badge = await hit.getByText(/^(Company|Contact|Deal)$/).boundingBox();
    assert.ok(row.x >= 0 && row.x + row.width <= 390 && badge.x + badge.width <= row.x + row.width, `row ${JSON.stringify(row)}, badge ${JSON.stringify(badge)}`);
  }
  await page.setViewportSize({ width: 1400, height: 900 });

  await input.fill(`jose.${s.tag}@exa`);
  await hits(page).filter({ hasText: `José Álvarez ${s.tag}` }).waitFor();
  await input.fill('555-123-45');
  await hits(page).filter({ hasText: `José Álvarez ${s.tag}` }).waitFor();
  await input.fill('no such thing anywhere');
  await page.getByText('No deal, contact or company matches.').waitFor();

  // Choosing a hit opens it.
  await input.fill(`renewal ${s.tag}`);
  await hits(page).filter({ hasText: `Renewal ${s.tag}` }).click();
  await page.waitForURL(new RegExp(`/deals/${s.deal.objectId}$`));
  // The deal opens over the board; Escape closes it. Each waited for, as a person sees it: on a
  // slow machine a drawer still opening takes the focus (its focus trap) from what came after.
  const drawer = page.getByRole('dialog', { name: `Renewal ${s.tag}` });
  await drawer.waitFor();
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });

  // Ctrl+K opens it from inside a text field too; "/" there is a slash.
  const boardSearch = page.getByLabel('Search deals', { exact: true });
  await input.waitFor({ state: 'hidden' });
  await boardSearch.fill('a');
  await page.keyboard.press('/');
  await page.waitForTimeout(300);
  assert.equal(await boardSearch.inputValue(), 'a/');
  assert.equal(await input.isVisible(), false);
  await page.keyboard.press('Control+K');
  await input.waitFor();
  await page.keyboard.press('Escape');
  await input.waitFor({ state: 'hidden' });
  await boardSearch.fill('');

  // "/" opens it too (outside a text field).
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('/');
  await input.waitFor();
  // Enter opens the top result.
  await input.fill('');
  await input.focus();
  await page.keyboard.type(`jose alvarez ${s.tag}`);
  await hits(page).first().filter({ hasText: `José Álvarez ${s.tag}` }).waitFor();
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/contacts/${s.contact.objectId}$`));
  await input.waitFor({ state: 'hidden' });
  assert.deepEqual(errors, []);
  await context.close();
});

// A menu link clicked within the search's pause (150 ms), the next screen still loading: the
// search's address was written over the new one, and the click did nothing (found by a newcomer
// in dev mode, where a screen's code loads slowly; here its chunk is held back).
test('a menu link clicked right after typing a search opens its screen, and the search is kept in the history', async () => {
  const me = await signUp('searchnav');
  const { context, page, errors } = await logInToBoard(app, me);
  await page.route('**/assets/Contacts-*.js', async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.continue();
  });
  await page.getByLabel('Search deals').pressSequentially('hoo', { delay: 10 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
  await page.waitForURL(/\/contacts/, { timeout: 10_000 });
  await page.getByLabel('Contact name').waitFor({ timeout: 10_000 });
  await page.waitForTimeout(500);
  assert.match(new URL(page.url()).pathname, /^\/contacts/, 'still on Contacts');
  // Back: the board with what was typed.
  await page.goBack();
  await page.waitForURL(/\/pipeline\?.*q=hoo/, { timeout: 10_000 });
  assert.equal(await page.getByLabel('Search deals').inputValue(), 'hoo');
  assert.deepEqual(errors, []);
  await context.close();
});

// Last in this file: it stops the app's server.
test('search while offline: results from the local store after an offline reload', async () => {
  const me = await signUp('searchoff');
  const s = await seed(me);
  const { context, page } = await logInToBoard(app, me);
  await page.getByText(`Renewal ${s.tag}`).waitFor({ timeout: 10_000 });
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10_000 });
  // Opening the search online pins the contacts and companies on the device.
  await page.keyboard.press('Control+K');
  const input = page.getByRole('textbox', { name: 'Search deals, contacts and companies' });
  await input.fill('alvarez');
  await hits(page).filter({ hasText: `José Álvarez ${s.tag}` }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Escape');

  // Nothing but the device can answer now: the app's server stopped, the browser offline.
  app.preview.stop();
  await context.setOffline(true);
  const reachable = await page.evaluate((url) => fetch(url, { cache: 'no-store', mode: 'no-cors' }).then(() => true, () => false), `${app.preview.url}?probe`);
  assert.equal(reachable, false, 'the app server should be gone');
  await page.reload();
  await page.getByTestId('sync-status').filter({ hasText: 'Offline' }).waitFor({ timeout: 10_000 });
  await page.getByText(`Renewal ${s.tag}`).waitFor({ timeout: 15_000 });

  await page.keyboard.press('Control+K');
  await input.waitFor();
  await input.pressSequentially('alvarez', { delay: 20 });
  await hits(page).filter({ hasText: `José Álvarez ${s.tag}` }).waitFor({ timeout: 10_000 });
  await input.fill(`SOCIÉTÉ ${s.tag}`);
  await hits(page).filter({ hasText: `Renewal ${s.tag}` }).waitFor();
  assert.equal(await hits(page).count(), 3);
  await context.close();
});

