// Runs one bench page in headless Chromium, prints what it logs, and saves the results as JSON.
//   node bench/run.mjs pipeline | local "server=http://127.0.0.1:1437/parse"
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { root, serveRepo, launchChromium, runBenchPage } from './harness.mjs';

const which = process.argv[2] || 'pipeline';
const query = process.argv[3] ? `?${process.argv[3]}` : '';
const site = await serveRepo();
const browser = await launchChromium();
try {
  const { results, isolated } = await runBenchPage(browser, `${site.origin}/bench/${which}/index.html${query}`);
  const versions = { chromium: browser.version(), node: process.version };
  await mkdir(path.join(root, 'target/bench'), { recursive: true });
  const out = path.join(root, `target/bench/${which}.json`);
  await writeFile(out, JSON.stringify({ results, isolated, versions, date: new Date().toISOString() }, null, 2));
  console.log(`\ncross-origin isolated timers: ${isolated}; results in ${path.relative(root, out)}`);
} finally {
  await browser.close();
  site.close();
}
