// What a ninth newcomer found: deals that reached the board live (made in another tab or device,
// imported) showed no company on their cards, and the board's search by company missed them,
// until a reload; and a drawer with nothing edited kept showing a deal's old values under "This
// deal changed elsewhere" (tests/e2e/issues.test.mjs holds that part).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { card, logInToBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4202);
const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });

test('a deal made elsewhere shows its company on its card, a company new here too, and the board finds it by that name', async () => {
  const me = await signUp('livecompany');
  const tag = Date.now().toString(36);
  const known = await rest('POST', '/classes/Company', { name: `Known Works ${tag}` }, me.token);
  await rest('POST', '/classes/Deal', { title: `First ${tag}`, stage: 'lead', company: pointer('Company', known.objectId) }, me.token);
  const { context, page, errors } = await logInToBoard(app, me);
  await card(page, `First ${tag}`).getByText(`Known Works ${tag}`).waitFor();

  // Another tab of the same user: a deal for the company the board knows, and one for a company
  // made just now.
  const fresh = await rest('POST', '/classes/Company', { name: `Fresh Corp ${tag}` }, me.token);
  await rest('POST', '/classes/Deal', { title: `Second ${tag}`, stage: 'lead', company: pointer('Company', known.objectId) }, me.token);
  await rest('POST', '/classes/Deal', { title: `Third ${tag}`, stage: 'lead', company: pointer('Company', fresh.objectId) }, me.token);
  await card(page, `Second ${tag}`).getByText(`Known Works ${tag}`).waitFor({ timeout: 15_000 });
  await card(page, `Third ${tag}`).getByText(`Fresh Corp ${tag}`).waitFor({ timeout: 15_000 });

  await page.getByRole('textbox', { name: 'Search deals' }).fill('fresh corp');
  await card(page, `First ${tag}`).waitFor({ state: 'hidden' });
  assert.equal(await card(page, `Third ${tag}`).isVisible(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a won or lost card says when it closed, an open one when it closes; an amount with cents shows both digits', async () => {
  const me = await signUp('closedsay');
  const tag = Date.now().toString(36);
  const day = { __type: 'Date', iso: '2026-11-20T00:00:00.000Z' };
  const later = { __type: 'Date', iso: '2099-01-15T00:00:00.000Z' };
  await rest('POST', '/classes/Deal', { title: `Won ${tag}`, stage: 'won', expectedCloseDate: day }, me.token);
  await rest('POST', '/classes/Deal', { title: `Open ${tag}`, stage: 'lead', amount: 1200.5, expectedCloseDate: later }, me.token);
  const { context, page, errors } = await logInToBoard(app, me);
  await card(page, `Won ${tag}`).getByText('Closed Nov 20, 2026').waitFor();
  await card(page, `Open ${tag}`).getByText('Closes Jan 15, 2099').waitFor();
  // Its amount with cents shows both digits in the drawer's field ("$1,200.5" read as a typo).
  await card(page, `Open ${tag}`).getByRole('link', { name: `Open ${tag}`, exact: true }).click();
  const drawer = page.getByRole('dialog', { name: `Open ${tag}` });
  await drawer.getByText('Closes Jan 15, 2099').waitFor();
  assert.equal(await drawer.getByLabel('Amount').inputValue(), '$1,200.50');
  assert.deepEqual(errors, []);
  await context.close();
});
