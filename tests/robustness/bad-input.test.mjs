// The bad-input table (tests/robustness/cases.js) in headless Chromium against the real test
// backend, directly and through the fault proxy: each case must end in an Error with the
// expected stable code (or succeed where the odd input is legal), and afterwards the module
// must still work with nothing lost from the local store, the offline queue or the pipeline.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveRepo } from '../support/static-server.mjs';
import { SERVER } from '../e2e/server.mjs';
import { launchBrowser } from '../support/chromium.mjs';

const PROXY = process.env.CRM_TEST_PROXY_URL || 'http://127.0.0.1:1438/parse';
const site = await serveRepo();
const browser = await launchBrowser();
const page = await browser.newPage();
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));
await page.goto(`${site.origin}/tests/robustness/index.html?server=${encodeURIComponent(SERVER)}&proxy=${encodeURIComponent(PROXY)}`);
await page.waitForFunction(() => window.ready || window.setupError, null, { timeout: 60000 });
const setupError = await page.evaluate(() => window.setupError);
if (setupError) throw new Error(setupError);
const names = await page.evaluate(() => window.caseNames);

after(async () => {
  await browser.close();
  site.close();
});

test('the table has at least 40 cases', () => {
  assert.ok(names.length >= 40, `${names.length} cases`);
});

for (const name of names) {
  test(name, async () => {
    const r = await page.evaluate((n) => window.runCase(n), name);
    const allowed = Array.isArray(r.expected) ? r.expected : [r.expected];
    assert.ok(allowed.includes(r.outcome.code), `expected ${allowed.join(' or ')}, got ${JSON.stringify(r.outcome)}`);
    if (r.outcome.code !== 'ok') {
      assert.equal(r.outcome.isError, true, 'thrown as an Error object');
      assert.equal(r.outcome.name, 'CrmError');
    }
    assert.ok(r.stillWorks, 'the module still answers afterwards');
    assert.equal(r.after, r.before, 'the queue, the pins and the pipeline are unchanged');
  });
}

test('no uncaught error (a panic would be one) during the table', () => {
  assert.deepEqual(consoleErrors, []);
});
