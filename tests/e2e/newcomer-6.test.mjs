// What a sixth newcomer found using the app (as `bash scripts/dev.sh` serves it): a company's
// address, which a CSV import brings and the companies search matches, was shown and editable
// nowhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, rest, signUp, useApp } from './server.mjs';

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
