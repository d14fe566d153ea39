// Serves the repo on loopback (cross-origin isolated, for fine-grained timers), opens a bench
// page in headless Chromium, prints what it logs, and saves the results as JSON.
//   node bench/run.mjs pipeline | local "server=http://127.0.0.1:1437/parse"
import http from 'node:http';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '../tests/node_modules/playwright-core/index.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] || 'pipeline';
const query = process.argv[3] ? `?${process.argv[3]}` : '';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const file = path.join(root, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(root)) return res.writeHead(403).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(m.text()));
  page.on('pageerror', (e) => console.error(e));
  await page.goto(`http://127.0.0.1:${port}/bench/${which}/index.html${query}`);
  await page.waitForFunction(() => window.benchDone === true, null, { timeout: 20 * 60 * 1000 });
  const error = await page.evaluate(() => window.benchError);
  if (error) throw new Error(error);
  const results = await page.evaluate(() => window.benchResults);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const versions = { chromium: browser.version(), node: process.version };
  await mkdir(path.join(root, 'target/bench'), { recursive: true });
  const out = path.join(root, `target/bench/${which}.json`);
  await writeFile(out, JSON.stringify({ results, isolated, versions, date: new Date().toISOString() }, null, 2));
  console.log(`\ncross-origin isolated timers: ${isolated}; results in ${path.relative(root, out)}`);
} finally {
  await browser.close();
  server.close();
}
