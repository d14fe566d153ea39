// The app on a phone, held upright and turned sideways, as `bash scripts/dev.sh` serves it: what
// the eighth newcomer left open. Sideways (844 x 390) got the desktop layout, a side bar and all
// six columns of the board in 300 px of height; the contacts and companies lists opened with their
// add form over the top half of the screen; a row's checkbox and a card's "Move to…" were 20 px
// targets; a deal's contact could not be called from the deal; and an activity's subject typed
// and not logged was dropped without a word when the deal was closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { card, logIn, openBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4201, { dev: true });
const url = (path) => new URL(path, app.preview.url).href;
const touch = { deviceScaleFactor: 2, isMobile: true, hasTouch: true };

test('a phone turned sideways gets the phone layout: the menu folds the navigation and the board shows one stage', async () => {
  const me = await signUp('sideways');
  const title = `Sideways deal ${Date.now()}`;
  await rest('POST', '/classes/Deal', { title, stage: 'lead', amount: 1200 }, me.token);
  const { context, page, errors } = await logIn(app, me, { width: 844, height: 390 }, touch);
  // Folded away: moved off the screen's left edge until the menu opens it.
  const navRight = () => page.getByRole('navigation', { name: 'Main' }).evaluate((n) => n.getBoundingClientRect().right);
  assert.ok(await navRight() <= 0, 'the side bar is folded away');
  await page.getByRole('button', { name: 'Menu' }).tap();
  await page.waitForFunction(() => document.querySelector('nav[aria-label="Main"]').getBoundingClientRect().left >= 0);
  await page.getByRole('button', { name: 'Menu' }).tap();
  await openBoard(page);
  await card(page, title).waitFor();
  // One stage at a time, chosen above the board, as upright.
  assert.equal(await page.getByRole('region', { name: /^Stage / }).count(), 1);
  await page.getByRole('combobox', { name: 'Stage shown' }).selectOption('won');
  await page.getByRole('region', { name: 'Stage Won' }).waitFor();
  // The board fits the screen's width.
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 844);
  // A desktop of the same width keeps the desktop layout.
  const desk = await logIn(app, me, { width: 844, height: 700 });
  await openBoard(desk.page);
  assert.equal(await desk.page.getByRole('region', { name: /^Stage / }).count(), 6);
  assert.ok(await desk.page.getByRole('navigation', { name: 'Main' }).isVisible());
  assert.deepEqual([...errors, ...desk.errors], []);
  await desk.context.close();
  await context.close();
});

test('on a phone the contacts and companies lists open with the list; "New contact" unfolds the form, focused, and folds it once added', async () => {
  const me = await signUp('phoneadd');
  const { context, page, errors } = await logIn(app, me, { width: 390, height: 844 }, touch);
  for (const [path, button, field, name] of [
    ['/contacts', 'New contact', 'Contact name', `Pia Phone ${Date.now()}`],
    ['/companies', 'New company', 'Company name', `Phone Works ${Date.now()}`],
  ]) {
    await page.goto(url(path));
    const open = page.getByRole('button', { name: button });
    await open.waitFor({ timeout: 15_000 });
    assert.equal(await page.getByLabel(field).isVisible(), false, `${path}: the form is folded`);
    assert.equal(await open.getAttribute('aria-expanded'), 'false');
    await open.tap();
    await page.getByLabel(field).waitFor();
    // Focused once unfolded (a 200 ms fold).
    await page.waitForFunction((label) => document.activeElement?.getAttribute('aria-label') === label, field, { timeout: 3_000 });
    await page.getByLabel(field).fill(name);
    await page.getByRole('button', { name: button.replace('New', 'Add') }).tap();
    await page.getByRole('link', { name }).waitFor({ timeout: 10_000 });
    await page.getByLabel(field).waitFor({ state: 'hidden' });
  }
  // A desktop shows the form as before, with no button.
  const desk = await logIn(app, me);
  await desk.page.goto(url('/contacts'));
  await desk.page.getByLabel('Contact name').waitFor({ timeout: 15_000 });
  assert.equal(await desk.page.getByRole('button', { name: 'New contact' }).count(), 0);
  assert.deepEqual([...errors, ...desk.errors], []);
  await desk.context.close();
  await context.close();
});

test('a name typed in a list\'s add form and not added asks before the page is left', async () => {
  const me = await signUp('addleave');
  const { context, page, errors } = await logIn(app, me);
  await page.goto(url('/companies'));
  await page.getByLabel('Company name').fill('Half-typed Inc');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
  const ask = page.getByRole('dialog', { name: 'Discard your changes?' });
  await ask.waitFor();
  assert.match(await ask.textContent(), /the new company/);
  await ask.getByRole('button', { name: 'Keep editing' }).click();
  assert.equal(new URL(page.url()).pathname, '/companies');
  assert.equal(await page.getByLabel('Company name').inputValue(), 'Half-typed Inc');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
  await ask.getByRole('button', { name: 'Discard changes' }).click();
  await page.getByLabel('Contact name').waitFor();
  assert.equal(new URL(page.url()).pathname, '/contacts');
  assert.deepEqual(errors, []);
  await context.close();
});

test("on a touch screen a row's checkbox, a card's Move to… and the menu are 40 px targets", async () => {
  const me = await signUp('targets');
  const title = `Target deal ${Date.now()}`;
  await rest('POST', '/classes/Deal', { title, stage: 'lead', amount: 900 }, me.token);
  await rest('POST', '/classes/Contact', { name: `Tara Target ${Date.now()}` }, me.token);
  const { context, page, errors } = await logIn(app, me, { width: 390, height: 844 }, touch);
  const size = (locator) => locator.evaluate((e) => { const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; });
  const atLeast40 = ([w, h], what) => assert.ok(w >= 40 && h >= 40, `${what} is ${w}x${h}`);
  atLeast40(await size(page.getByRole('button', { name: 'Menu' })), 'the menu button');
  await openBoard(page);
  atLeast40(await size(page.getByRole('button', { name: `Move ${title} to…` })), 'Move to…');
  await page.goto(url('/contacts'));
  const box = page.getByRole('checkbox', { name: /^Select Tara Target/ });
  await box.waitFor({ timeout: 15_000 });
  atLeast40(await size(box.locator('xpath=ancestor::label[1]')), "a row's checkbox target");
  // A tap at the target's corner, off the box itself, ticks it.
  const target = await box.locator('xpath=ancestor::label[1]').boundingBox();
  await page.touchscreen.tap(target.x + 3, target.y + 3);
  assert.equal(await box.isChecked(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a deal's contact can be called or written to from the deal, and an activity typed and not logged asks before the deal closes", async () => {
  const me = await signUp('dealcall');
  const name = `Dee Dialer ${Date.now()}`;
  const contact = await rest('POST', '/classes/Contact', { name, email: 'dee@example.com', phone: '+44 20 7946 0018' }, me.token);
  const title = `Call deal ${Date.now()}`;
  const deal = await rest('POST', '/classes/Deal', { title, stage: 'lead', amount: 500, contact: { __type: 'Pointer', className: 'Contact', objectId: contact.objectId } }, me.token);
  const { context, page, errors } = await logIn(app, me);
  await page.goto(url(`/deals/${deal.objectId}`));
  const drawer = page.getByRole('dialog', { name: title });
  const call = drawer.getByRole('link', { name: `Call ${name} (+44 20 7946 0018)` });
  await call.waitFor({ timeout: 15_000 });
  assert.equal(await call.getAttribute('href'), 'tel:+442079460018');
  assert.equal(await drawer.getByRole('link', { name: `E-mail ${name} (dee@example.com)` }).getAttribute('href'), 'mailto:dee@example.com');

  await drawer.getByRole('form', { name: 'Log activity' }).getByLabel('Subject').fill('Call back about pricing');
  await drawer.getByRole('button', { name: 'Close' }).click();
  const ask = page.getByRole('dialog', { name: 'Discard your changes?' });
  await ask.waitFor();
  assert.match(await ask.textContent(), /the activity you were logging/);
  await ask.getByRole('button', { name: 'Keep editing' }).click();
  assert.equal(await drawer.getByRole('form', { name: 'Log activity' }).getByLabel('Subject').inputValue(), 'Call back about pricing');
  await drawer.getByRole('button', { name: 'Close' }).click();
  await ask.getByRole('button', { name: 'Discard changes' }).click();
  await drawer.waitFor({ state: 'hidden' });
  assert.equal(new URL(page.url()).pathname, '/pipeline');
  assert.deepEqual(errors, []);
  await context.close();
});
