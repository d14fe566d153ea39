// What the benchmark runners share: the repo served on loopback (tests/support/static-server.mjs),
// headless Chromium, and running one bench page to its end.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
export { serveRepo } from '../tests/support/static-server.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export { launchBrowser as launchChromium } from '../tests/support/chromium.mjs';

/** Opens `url`, echoes its console, waits for window.benchDone; answers window.benchResults. */
export async function runBenchPage(browser, url, { timeoutMs = 20 * 60 * 1000 } = {}) {
  const page = await browser.newPage();
  try {
    page.on('console', (m) => console.log(m.text()));
    page.on('pageerror', (e) => console.error(e));
    await page.goto(url);
    await page.waitForFunction(() => window.benchDone === true, null, { timeout: timeoutMs, polling: 250 });
    const error = await page.evaluate(() => window.benchError);
    if (error) throw new Error(error);
    return {
      results: await page.evaluate(() => window.benchResults),
      isolated: await page.evaluate(() => crossOriginIsolated),
    };
  } finally {
    await page.close();
  }
}
