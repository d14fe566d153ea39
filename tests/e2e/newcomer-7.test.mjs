// What a seventh newcomer found using the app (as `bash scripts/dev.sh` serves it): logging out
// with unsaved edits on a contact's or company's page dropped them without a word (every other
// way of leaving the form asked first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, rest, signUp, useApp } from './server.mjs';

const app = useApp(4199, { dev: true });

const path = (page) => new URL(page.url()).pathname;

test("log-out with a company's unsaved edits asks first: Keep editing stays signed in with them, Discard logs out", async () => {
  const me = await signUp('logoutdirty');
  const company = await rest('POST', '/classes/Company', { name: `Leaving Co ${Date.now()}` }, me.token);
  const { context, page, errors } = await logIn(app, me);
  await page.goto(new URL(`/companies/${company.objectId}`, app.preview.url).href);
  const address = page.getByLabel('Company address');
  await address.waitFor({ timeout: 15_000 });
  await address.fill('9 Dock Lane');
  const ask = page.getByRole('dialog', { name: 'Discard your changes?' });
  await page.getByRole('button', { name: 'Log out' }).click();
  await ask.waitFor({ timeout: 5_000 });
  await ask.getByRole('button', { name: 'Keep editing' }).click();
  await ask.waitFor({ state: 'detached' });
  assert.equal(path(page), `/companies/${company.objectId}`);
  assert.equal(await address.inputValue(), '9 Dock Lane');
  assert.equal(await page.getByLabel('Username').count(), 0);
  // Discarded: logged out, as asked.
  await page.getByRole('button', { name: 'Log out' }).click();
  await ask.getByRole('button', { name: 'Discard changes' }).click();
  await page.getByLabel('Username').waitFor({ timeout: 10_000 });
  assert.equal(path(page), '/');
  // Nothing was saved.
  assert.equal((await rest('GET', `/classes/Company/${company.objectId}`, undefined, me.token)).address, undefined);
  assert.deepEqual(errors, []);
  await context.close();
});
