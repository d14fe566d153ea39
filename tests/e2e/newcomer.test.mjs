// What a newcomer found using the app: the deal drawer's close left an entry in the history (Back
// opened the deal again), Won and Lost showed their oldest deals first, an Undo toast covered the
// board's first column, the Amount field dropped "e" and "-" without a word, the contacts and
// companies lists did not follow changes made in another tab, and global search ordered
// "Pilot #104" before "Pilot #11".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { card, column, logIn, logInToBoard, openBoard, openDeal, rest, signUp, useApp } from './server.mjs';

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
