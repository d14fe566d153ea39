// The import's speed: 10,000 contacts from one CSV through the app (parse, import ids, the
// duplicate check against the server, the creates), timed from "Check rows" to the outcome.
// The target is under 30 s on the project's machine; the figure is printed, not
// asserted (a timed test fails on a busy machine without telling anything): every row is
// created exactly once is what the test holds it to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logInToBoard, rest, signUp, useApp } from './server.mjs';

const app = useApp(4183);
const N = 10_000;

test(`import of ${N} contacts creates each exactly once (time printed)`, { timeout: 600_000 }, async () => {
  const me = await signUp('import10k');
  const lines = ['Name,Email,Phone'];
  for (let i = 0; i < N; i++) lines.push(`Person ${i} Müller,person.${i}@bulk.test,+1 555 ${String(i).padStart(4, '0')}`);
  const { context, page } = await logInToBoard(app, me);
  await page.getByRole('link', { name: 'Import' }).click();
  await page.locator('input[type="file"]').setInputFiles({ name: 'bulk.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
  await page.getByTestId('import-file').filter({ hasText: `${N} rows` }).waitFor();

  const t0 = Date.now();
  await page.getByRole('button', { name: 'Check rows' }).click();
  await page.getByTestId('import-summary').filter({ hasText: `${N} to import` }).waitFor({ timeout: 60_000 });
  const checked = Date.now();
  await page.getByRole('button', { name: `Import ${N} rows` }).click();
  // a generous bound: on a loaded machine the server alone takes minutes
  await page.getByTestId('import-outcome').waitFor({ timeout: 300_000 });
  const done = Date.now();
  const outcome = await page.getByTestId('import-outcome').textContent();
  const seconds = (done - t0) / 1000;
  console.log(`# import of ${N} contacts: ${seconds.toFixed(1)} s (check ${((checked - t0) / 1000).toFixed(1)} s, creates ${((done - checked) / 1000).toFixed(1)} s)`);
  assert.match(outcome, new RegExp(`Created ${N}\\. Already there: 0\\. Failed: 0\\.`));
  const r = await rest('GET', '/classes/Contact?limit=0&count=1', undefined, me.token);
  assert.equal(r.count, N);
  await context.close();
});
