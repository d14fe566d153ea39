// Helpers for end-to-end tests: the app served by `vite preview` (started and stopped by the
// test), Debian's chromium through playwright-core, and REST calls to the test backend.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launchBrowser } from '../support/chromium.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';
export const artifacts = path.join(root, 'tests/artifacts');

/** Serves www/dist on a loopback port; resolves once it answers. */
export async function startPreview(port = 4174) {
  const vite = path.join(root, 'www/node_modules/.bin/vite');
  const child = spawn(vite, ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: path.join(root, 'www'), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`vite preview exited: ${output}`);
    try {
      if ((await fetch(url)).ok) return { url, stop: () => child.kill('SIGTERM') };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`vite preview did not start: ${output}`);
}

const HEADERS = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' };

export async function rest(method, route, body, token) {
  const headers = { ...HEADERS };
  if (token) headers['X-Parse-Session-Token'] = token;
  const res = await fetch(SERVER + route, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return res.json();
}

export async function signUp(prefix) {
  const username = `${prefix}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const password = 'pw-123456';
  const r = await rest('POST', '/users', { username, email: `${username}@example.com`, password });
  if (!r.sessionToken) throw new Error(JSON.stringify(r));
  return { username, password, token: r.sessionToken, id: r.objectId };
}

/** Registers before/after hooks that serve the app on `port` and start Chromium; the returned
 * object holds `preview` and `browser` once the tests run. */
export function useApp(port) {
  const app = {};
  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    // CRM_TEST_APP_PORT_OFFSET moves every app port, so two checkouts can test side by side.
    app.preview = await startPreview(port + Number(process.env.CRM_TEST_APP_PORT_OFFSET || 0));
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    app.preview?.stop();
  });
  return app;
}

/** Logs `user` in from a fresh browser context; resolves with it once the board shows. */
export async function logInToBoard(app, user) {
  const context = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(app.preview.url);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('count-lead').waitFor({ timeout: 10_000 });
  return { context, page };
}
