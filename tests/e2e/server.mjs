// Helpers for end-to-end tests: the app served by `vite preview` (the production build) or by
// the Vite dev server (as `bash scripts/dev.sh` serves it: StrictMode on), started and stopped by
// the test; Debian's chromium through playwright-core; REST calls to the test backend.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launchBrowser } from '../support/chromium.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';
export const artifacts = path.join(root, 'tests/artifacts');

/** Serves www/dist (or, with `dev`, www/src through the Vite dev server, pointed at the test
 * backend) on a loopback port; resolves once it answers. */
export async function startPreview(port = 4174, dev = false) {
  const vite = path.join(root, 'www/node_modules/.bin/vite');
  const args = dev ? ['--host', '127.0.0.1', '--port', String(port), '--strictPort'] : ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'];
  const child = spawn(vite, args, {
    cwd: path.join(root, 'www'), stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VITE_PARSE_SERVER_URL: SERVER },
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < (dev ? 600 : 100); i++) {
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
export function useApp(port, { dev = false } = {}) {
  const app = {};
  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    // CRM_TEST_APP_PORT_OFFSET moves every app port, so two checkouts can test side by side.
    app.preview = await startPreview(port + Number(process.env.CRM_TEST_APP_PORT_OFFSET || 0), dev);
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    app.preview?.stop();
  });
  return app;
}

/** Logs `user` in from a fresh browser context (`device`: more of its options, a phone's
 * touch and scale); resolves with it once My day (the first screen) shows. `errors` collects
 * uncaught page errors. */
export async function logIn(app, user, viewport = { width: 1400, height: 900 }, device = {}) {
  const context = await app.browser.newContext({ viewport, ...device });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.preview.url);
  await logInOnPage(page, user);
  return { context, page, errors };
}

/** logIn, then opens the board from the navigation; resolves once the board shows. */
export async function logInToBoard(app, user, viewport = { width: 1400, height: 900 }) {
  const session = await logIn(app, user, viewport);
  await openBoard(session.page);
  return session;
}

/** Logs in through the form; resolves once My day shows (the app opens on it). */
export async function logInOnPage(page, user) {
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await myDayShown(page);
}

/** Waits for My day: its three lists, at /my-day. */
export async function myDayShown(page, timeout = 15_000) {
  // A new account with nothing yet is welcomed instead (getting started).
  await page.locator('[data-testid="myday-week"], [data-testid="getting-started"]').first().waitFor({ timeout });
  if (new URL(page.url()).pathname !== '/my-day') throw new Error(`My day shown at ${page.url()}`);
}

/** Opens the board (Pipeline in the navigation; on a phone the menu opens first). */
export async function openBoard(page) {
  const burger = page.getByRole('button', { name: 'Menu' });
  if (await burger.isVisible()) await burger.click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipeline' }).click();
  await page.getByTestId('count-lead').waitFor({ timeout: 15_000 });
}

/** The board's address (the app opens on My day, at /). */
export const boardUrl = (app, search = '') => new URL(`/pipeline${search}`, app.preview.url).href;

/** Creates a deal through the board's "New deal" dialog. */
export async function addDeal(page, { title, amount, stage }, { closes = true } = {}) {
  await page.getByRole('button', { name: 'New deal' }).click();
  const dialog = page.getByRole('dialog', { name: 'New deal' });
  await dialog.getByLabel('Title').fill(title);
  if (amount !== undefined) await dialog.getByLabel('Amount').fill(String(amount));
  if (stage) await dialog.getByLabel('Stage').selectOption(stage);
  await dialog.getByRole('button', { name: 'Add deal' }).click();
  if (closes) await dialog.waitFor({ state: 'detached' });
  return dialog;
}

/** A card on the board. */
export const card = (page, title) => page.getByRole('article', { name: `Deal ${title}`, exact: true });
/** Opens a deal from its card's title. */
export const openDeal = (page, title) => card(page, title).getByRole('link', { name: title, exact: true }).click();
export const column = (page, stage) => page.getByRole('region', { name: `Stage ${stage}` });

/** Drags a card onto a column with the mouse. */
export async function drag(page, title, stage) {
  const from = await card(page, title).boundingBox();
  const to = await column(page, stage).boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height - 6); // on the card, off its title link
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + 80, { steps: 12 });
  await page.mouse.up();
}

/** Polls the server until `check(deal)` holds (or gives the last deal). */
export async function serverDeal(id, token, check) {
  let deal;
  for (let i = 0; i < 50; i++) {
    deal = await rest('GET', `/classes/Deal/${id}`, undefined, token);
    if (check(deal)) return deal;
    await new Promise((r) => setTimeout(r, 100));
  }
  return deal;
}
