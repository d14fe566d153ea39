// What an eighth newcomer found using the app on a phone (as `bash scripts/dev.sh` serves it, in
// a phone's browser: touch, 360-390 px wide): the header squeezed the sync status to "O…" or
// "OFFLI…", so offline in a lift the count of changes waiting for the server could not be read;
// a contact's e-mail and phone were plain text (no tap to call or write) and their fields brought
// up the letters keyboard; a toast's × was announced only as "button".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, openBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4200, { dev: true });

/** A phone's browser context (touch, 3x), logged in as `user` on My day. */
const phoneLogIn = (user, viewport = { width: 390, height: 844 }) => logIn(app, user, viewport, { deviceScaleFactor: 3, isMobile: true, hasTouch: true });

test('on a phone the header shows the sync status whole, offline with a change waiting too (360 and 390 px)', async () => {
  const me = await signUp('phonesync');
  for (const width of [360, 390]) {
    const title = `Lift deal ${width} ${Date.now()}`;
    await rest('POST', '/classes/Deal', { title, stage: 'lead', amount: 1000 }, me.token);
    const { context, page, errors } = await phoneLogIn(me, { width, height: 740 });
    await openBoard(page);
    const badge = page.getByTestId('sync-status');
    const whole = () => badge.evaluate((b) => {
      const label = b.querySelector('.mantine-Badge-label') ?? b;
      return label.scrollWidth <= label.clientWidth;
    });
    assert.equal(await badge.textContent(), 'Online');
    assert.ok(await whole(), `"Online" is cut at ${width} px`);
    await context.setOffline(true);
    await page.getByRole('button', { name: `Move ${title} to…` }).tap();
    await page.getByRole('menuitem', { name: 'Qualified' }).tap();
    await page.getByRole('button', { name: 'Sync: Offline, 1 pending' }).waitFor({ timeout: 10_000 });
    assert.equal(await badge.textContent(), 'Offline · 1 pending');
    assert.ok(await whole(), `"Offline · 1 pending" is cut at ${width} px`);
    // Nothing goes past the screen's edge for it.
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), width);
    // The product's name is still read in the header.
    assert.equal(await page.getByRole('banner').getByText('Tidewater').count(), 1);
    await context.setOffline(false);
    await page.getByRole('button', { name: 'Sync: Online' }).waitFor({ timeout: 15_000 });
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("a contact's e-mail and phone are mailto: and tel: links on their page, and their fields bring up the phone's e-mail and number keyboards", async () => {
  const me = await signUp('phonecall');
  const name = `Cal Caller ${Date.now()}`;
  const contact = await rest('POST', '/classes/Contact', { name, email: 'cal@example.com', phone: '+1 (206) 555-0100' }, me.token);
  const { context, page, errors } = await phoneLogIn(me);
  await page.goto(new URL(`/contacts/${contact.objectId}`, app.preview.url).href);
  await page.getByRole('heading', { name }).waitFor({ timeout: 15_000 });
  const call = page.getByRole('link', { name: 'Call +1 (206) 555-0100' });
  assert.equal(await call.getAttribute('href'), 'tel:+12065550100');
  assert.equal(await call.textContent(), '+1 (206) 555-0100');
  assert.equal(await page.getByRole('link', { name: 'E-mail cal@example.com' }).getAttribute('href'), 'mailto:cal@example.com');
  const form = page.getByRole('form', { name: 'Edit contact' });
  assert.equal(await form.getByLabel('Phone').getAttribute('type'), 'tel');
  assert.equal(await form.getByLabel('E-mail').getAttribute('inputmode'), 'email');
  // A contact without them has no empty links.
  const bare = await rest('POST', '/classes/Contact', { name: `No Number ${Date.now()}` }, me.token);
  await page.goto(new URL(`/contacts/${bare.objectId}`, app.preview.url).href);
  await form.getByLabel('Phone').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('a[href^="tel:"], a[href^="mailto:"]').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a toast's close button is named (a screen reader said only \"button\") and closes it at a tap", async () => {
  const me = await signUp('phonetoast');
  const title = `Toast deal ${Date.now()}`;
  await rest('POST', '/classes/Deal', { title, stage: 'lead' }, me.token);
  const { context, page, errors } = await phoneLogIn(me);
  await openBoard(page);
  await page.getByRole('button', { name: `Move ${title} to…` }).tap();
  await page.getByRole('menuitem', { name: 'Proposal' }).tap();
  const toast = page.locator('.mantine-Notification-root', { hasText: 'moved to Proposal' });
  await toast.waitFor({ timeout: 10_000 });
  const dismiss = toast.getByRole('button', { name: 'Dismiss' });
  await dismiss.tap();
  await toast.waitFor({ state: 'detached', timeout: 5_000 });
  assert.deepEqual(errors, []);
  await context.close();
});
