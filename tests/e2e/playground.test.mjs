// The API playground scripts/dev.sh starts (scripts/playground.mjs: Parse Dashboard with the
// data browser and the REST and GraphQL consoles), here against the test backend: it listens on
// loopback only, refuses a wrong password, and once logged in shows the CRM's classes and data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser } from '../support/chromium.mjs';
import { SERVER, root, rest, signUp } from './server.mjs';

const port = 4040 + 20 + Number(process.env.CRM_TEST_APP_PORT_OFFSET || 0);
const url = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(path.join(tmpdir(), 'crm-playground-'));
const passFile = path.join(dir, 'playground.pass');
let child;
let output = '';
let browser;

before(async () => {
  const masterKey = readFileSync(path.join(root, 'backend/.data/test/master.key'), 'utf8').trim();
  child = spawn(process.execPath, [path.join(root, 'scripts/playground.mjs')], {
    env: { ...process.env, PLAYGROUND_PORT: String(port), PARSE_SERVER_URL: SERVER, PARSE_MASTER_KEY: masterKey, PLAYGROUND_PASS_FILE: passFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  for (let i = 0; i < 120 && !/playground .*password/.test(output); i++) await new Promise((r) => setTimeout(r, 250));
  assert.match(output, /playground .*http:\/\/127\.0\.0\.1:\d+\/\s+user admin, password \S+/, output);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('the playground listens on loopback only, and its password is private to the user', async () => {
  const addresses = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4');
  for (const a of addresses) {
    await assert.rejects(fetch(`http://${a.address}:${port}/login`, { signal: AbortSignal.timeout(3000) }), `reachable on ${a.address}`);
  }
  const login = await fetch(`${url}/login`);
  assert.equal(login.status, 200);
  assert.equal(readFileSync(passFile, 'utf8').trim().length >= 16, true);
  assert.equal(statSync(passFile).mode & 0o077, 0, 'the password file is readable by its owner only');
});

test('a wrong password is refused; the printed one opens the data browser with the CRM classes and data', async () => {
  const me = await signUp('playground');
  const title = `Playground deal ${Date.now()}`;
  await rest('POST', '/classes/Deal', { title, stage: 'lead', amount: 5 }, me.token);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.locator('input[name="username"]').fill('admin');
  await page.locator('input[name="password"]').fill('not-the-password');
  await page.locator('form').getByRole('button').first().click();
  await page.waitForURL(/\/login/);
  assert.ok(!page.url().includes('/apps'), page.url());

  const pass = output.match(/user admin, password (\S+)/)[1];
  await page.goto(`${url}/login`);
  await page.locator('input[name="username"]').fill('admin');
  await page.locator('input[name="password"]').fill(pass);
  await page.locator('form').getByRole('button').first().click();
  await page.waitForURL(/\/apps/, { timeout: 30_000 });
  // The data browser of the Deal class shows the deal just written (the dashboard holds the
  // master key, so it sees every user's rows: hence loopback and a password).
  await page.goto(`${url}/apps/${encodeURIComponent('crm-wasm (dev)')}/browser/Deal`);
  await page.getByText(title).first().waitFor({ timeout: 30_000 });
  for (const cls of ['Company', 'Contact', 'Activity', 'Profile']) await page.getByText(cls, { exact: true }).first().waitFor();
  await page.screenshot({ path: path.join(root, 'tests/artifacts/playground-desktop.png') });
  // The GraphQL console is there too.
  await page.goto(`${url}/apps/${encodeURIComponent('crm-wasm (dev)')}/api_console/graphql`);
  await page.locator('.graphiql-container, .graphiql-editor, [class*="graphiql"]').first().waitFor({ timeout: 30_000 });
  await context.close();
});
