// What the robustness tests share: the repo served on loopback, Chromium, pages with the
// package loaded, the backend's control script, and REST reads for checking the server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { serveRepo } from '../support/static-server.mjs';
import { SERVER, root } from '../e2e/server.mjs';
import { launchBrowser } from '../support/chromium.mjs';

export { SERVER };
export const PROXY = process.env.CRM_TEST_PROXY_URL || 'http://127.0.0.1:1438/parse';
const run = promisify(execFile);

/** Runs backend/ctl.sh COMMAND test (kill-parse, start, ...). */
export function backend(command) {
  return run('bash', [path.join(root, 'backend/ctl.sh'), command, 'test'], { env: { ...process.env, PARSE_SILENT: '1' } });
}

export async function fault(kind, query = '') {
  const res = await fetch(`${PROXY.replace(/\/parse$/, '')}/__fault/${kind}${query}`, { method: 'POST' });
  if (!res.ok) throw new Error(`fault ${kind}: ${res.status}`);
}

export async function startBrowser() {
  const site = await serveRepo();
  const browser = await launchBrowser();
  return {
    site,
    browser,
    /** A new page (in its own context unless one is given) with window.crm ready. */
    async page(context) {
      const ctx = context || (await browser.newContext());
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error('page error:', e));
      await page.goto(`${site.origin}/tests/robustness/blank.html`);
      await page.waitForFunction(() => window.ready === true);
      return page;
    },
    async close() {
      await browser.close();
      site.close();
    },
  };
}

const HEADERS = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key' };

/** Every object of a class the session may see whose title starts with `prefix` (paged). */
export async function serverObjects(className, token, where = {}) {
  const out = [];
  for (let skip = 0; ; skip += 1000) {
    const q = new URLSearchParams({ where: JSON.stringify(where), limit: '1000', skip: String(skip), order: 'objectId' });
    const res = await fetch(`${SERVER}/classes/${className}?${q}`, { headers: { ...HEADERS, 'X-Parse-Session-Token': token } });
    const body = await res.json();
    if (!res.ok) throw new Error(JSON.stringify(body));
    out.push(...body.results);
    if (body.results.length < 1000) return out;
  }
}

export async function serverCount(className, token, where) {
  const q = new URLSearchParams({ where: JSON.stringify(where), limit: '0', count: '1' });
  const res = await fetch(`${SERVER}/classes/${className}?${q}`, { headers: { ...HEADERS, 'X-Parse-Session-Token': token } });
  if (!res.ok) return -1; // the server may be down mid-test
  return (await res.json()).count;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
