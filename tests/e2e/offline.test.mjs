// The app opens without a network: its service worker kept the app's files, the local store
// kept the deals. The test stops the app's own server and takes the browser offline before the
// reload, so nothing but those two can answer; a deal made offline then reaches the server once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDeal, logInToBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4177);

test('reload while offline: the app and the pinned deals open from this device, and offline writes sync once', async () => {
  const me = await signUp('reload');
  const title = `Kept offline ${Date.now()}`;
  await rest('POST', '/classes/Deal', { title, amount: 900, stage: 'proposal' }, me.token);

  const { context, page } = await logInToBoard(app, me);
  await page.getByRole('region', { name: 'Stage Proposal' }).getByText(title).waitFor({ timeout: 10_000 });
  // The deals are pinned, and the service worker controls the page (its files are kept).
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10_000 });

  app.preview.stop();
  await context.setOffline(true);
  // Nothing serves the app any more: this fetch must fail, or the reload below proves nothing.
  const reachable = await page.evaluate((url) => fetch(url, { cache: 'no-store', mode: 'no-cors' }).then(() => true, () => false), `${app.preview.url.replace(/\/$/, '')}/?probe`);
  assert.equal(reachable, false, 'the app server should be gone');

  await page.reload();
  await page.getByTestId('sync-status').filter({ hasText: 'Offline' }).waitFor({ timeout: 10_000 });
  await page.getByRole('region', { name: 'Stage Proposal' }).getByText(title).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('total-proposal').textContent(), /900/);

  // A deal made now waits in the queue, and goes to the server once when the network is back.
  const made = `Made after an offline reload ${Date.now()}`;
  await addDeal(page, { title: made, amount: 300 });
  await page.getByRole('region', { name: 'Stage Lead' }).getByText(made).waitFor();
  await page.getByTestId('sync-status').filter({ hasText: '1 pending' }).waitFor();

  await context.setOffline(false);
  await page.getByTestId('sync-status').filter({ hasText: /^Online$/ }).waitFor({ timeout: 15_000 });
  const where = encodeURIComponent(JSON.stringify({ title: made }));
  const found = await rest('GET', `/classes/Deal?where=${where}`, undefined, me.token);
  assert.equal(found.results.length, 1, 'created exactly once');
  // Back online the board follows the server again: a change made elsewhere shows up live.
  const elsewhere = `Made elsewhere ${Date.now()}`;
  await rest('POST', '/classes/Deal', { title: elsewhere, stage: 'won' }, me.token);
  await page.getByRole('region', { name: 'Stage Won' }).getByText(elsewhere).waitFor({ timeout: 10_000 });
  await context.close();
});
