// The package as users get it: `npm pack` of pkg/, installed into a fresh Vite + React 19 +
// TypeScript (strict, skipLibCheck: false, no esnext lib) app, which type-checks against the
// generated types and crm-wasm/react (and the package README's screen) and builds (wasm
// included); then that app, on crm-wasm/react with StrictMode on, runs in headless Chromium
// against the test backend:
// loading then data, a typed error, a query change that never shows the old query's rows, a
// live update, an optimistic mutation rolled back when the server refuses it; and again on the
// Vite dev server (development React: StrictMode's double effects send each query once). The same tarball
// also goes into webpack 5 (the Vite app's folder), a Next.js App Router app (its own temp dir), and
// the same Vite app on React 18 (the oldest React the package supports).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, readdirSync, readFileSync, copyFileSync, cpSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root, SERVER, rest, signUp } from './server.mjs';
import { launchBrowser } from '../support/chromium.mjs';

const www = JSON.parse(readFileSync(path.join(root, 'www/package.json'), 'utf8'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const PORT = 4181 + Number(process.env.CRM_TEST_APP_PORT_OFFSET || 0);
const dir = mkdtempSync(path.join(tmpdir(), 'crm-wasm-consumer-'));
const stops = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
});

let tarball; // the packed crm-wasm, in `dir`, for every app below
let devUrl; // the Vite dev server of that app (development React: StrictMode runs effects twice)

test('npm pack of pkg/ installs into a fresh Vite React app that type-checks and builds', { timeout: 300_000 }, () => {
  tarball = run('npm', ['pack', path.join(root, 'pkg'), '--pack-destination', dir, '--silent'], dir).trim().split('\n').pop();
  assert.match(tarball, /^crm-wasm-.*\.tgz$/);
  const listing = run('tar', ['tzf', path.join(dir, tarball)], dir);
  for (const f of ['package/react/index.js', 'package/react/index.d.ts', 'package/README.md', 'package/crm_wasm_bg.wasm']) {
    assert.ok(listing.split('\n').includes(f), `${f} is in the tarball`);
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'consumer', private: true, type: 'module',
    dependencies: { 'crm-wasm': `file:./${tarball}`, react: www.dependencies.react, 'react-dom': www.dependencies['react-dom'] },
    devDependencies: {
      vite: www.devDependencies.vite, typescript: www.devDependencies.typescript,
      '@types/react': www.devDependencies['@types/react'], '@types/react-dom': www.devDependencies['@types/react-dom'],
    },
  }, null, 2));
  // No esnext lib (the declarations bring the disposable lib they need) and every .d.ts checked.
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'bundler', jsx: 'react-jsx',
      strict: true, noEmit: true, skipLibCheck: false, types: ['vite/client'],
    },
    include: ['src'],
  }));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/src/main.tsx"></script>');
  mkdirSync(path.join(dir, 'src'));
  copyFileSync(path.join(root, 'tests/e2e/react-app/main.tsx'), path.join(dir, 'src/main.tsx'));
  copyFileSync(path.join(root, 'tests/e2e/react-app/types.tsx'), path.join(dir, 'src/types.tsx')); // @ts-expect-error cases
  // The package README's React screens compile as written (type-checked, not bundled).
  const readme = readFileSync(path.join(root, 'npm/README.md'), 'utf8');
  const screens = [...readme.matchAll(/```tsx\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(screens.length >= 1, 'the package README has a React screen');
  screens.forEach((code, i) => writeFileSync(path.join(dir, `src/readme-${i}.tsx`), code));
  // From npm's cache when it has them (the versions www/ uses), else from the registry.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  run(path.join(dir, 'node_modules/.bin/tsc'), ['-p', '.'], dir);
  run(path.join(dir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], dir);
  const assets = readdirSync(path.join(dir, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the wasm is in the build: ${assets}`);
  assert.ok(assets.some((f) => f.endsWith('.js')));
});

// The same fresh app bundled by webpack 5 (no config beyond entry and output: webpack emits the
// wasm as an asset through `new URL(..., import.meta.url)`), then loaded in Chromium.
test('the same app builds with webpack 5 and runs a crm-wasm/react component in Chromium', { timeout: 300_000 }, async () => {
  run('npm', ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', 'webpack@5', 'webpack-cli@5'], dir);
  copyFileSync(path.join(root, 'tests/e2e/webpack-app/entry.js'), path.join(dir, 'webpack-entry.js'));
  writeFileSync(path.join(dir, 'webpack.config.cjs'), `module.exports = {
    mode: 'production', entry: './webpack-entry.js',
    output: { path: require('path').join(__dirname, 'dist-webpack'), filename: 'main.js', publicPath: '/' },
    experiments: { topLevelAwait: true },
  };`);
  run(path.join(dir, 'node_modules/.bin/webpack'), ['--config', 'webpack.config.cjs'], dir);
  const out = path.join(dir, 'dist-webpack');
  const files = readdirSync(out);
  assert.ok(files.some((f) => f.endsWith('.wasm')), `webpack emitted the wasm: ${files}`);
  writeFileSync(path.join(out, 'index.html'), '<!doctype html><div id="root"></div><script src="/main.js"></script>');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : path.basename(req.url.split('?')[0]);
    try {
      const body = readFileSync(path.join(out, name));
      res.writeHead(200, { 'content-type': types[path.extname(name)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  stops.push(() => new Promise((r) => server.close(r)));
  const browser = await launchBrowser();
  stops.push(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.__ready || document.body.textContent.startsWith('failed'), null, { timeout: 60_000 });
  await page.waitForSelector('#columns');
  assert.equal(await page.textContent('#columns'), 'lead:0 qualified:0 proposal:0 negotiation:0 won:1 lost:0');
  assert.deepEqual(errors, []);
});

// The Vite dev server of the same app, with no vite.config: Vite 8 pre-bundles crm-wasm and
// crm-wasm/react (its dependency optimizer rewrites the wasm URL to the package's file), so the
// README's optimizeDeps setting is only for older Vite. The page is the webpack test's entry.
test('the Vite dev server pre-bundles crm-wasm and loads its wasm with no config', { timeout: 240_000 }, async () => {
  assert.ok(tarball, 'the tarball was packed by the first test');
  copyFileSync(path.join(root, 'tests/e2e/webpack-app/entry.js'), path.join(dir, 'dev-entry.js'));
  // An icon in the page, so Chromium asks for no /favicon.ico (a 404 in the console).
  writeFileSync(path.join(dir, 'dev.html'), '<!doctype html><link rel="icon" href="data:,"><div id="root"></div><script type="module" src="/dev-entry.js"></script>');
  const port = 4189 + Number(process.env.CRM_TEST_APP_PORT_OFFSET || 0);
  const url = devUrl = await startServer('vite (dev)', path.join(dir, 'node_modules/.bin/vite'),
    ['--host', '127.0.0.1', '--port', String(port), '--strictPort', '--force'], dir, port);
  const browser = await launchBrowser();
  stops.push(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  const wasm = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('response', (r) => { if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  const seen = [];
  const requests = [];
  page.on('console', (m) => seen.push(`${m.type()}: ${m.text()}`));
  page.on('requestfinished', (r) => requests.push(new URL(r.url()).pathname));
  page.on('requestfailed', (r) => requests.push(`FAILED:${new URL(r.url()).pathname}`));
  await page.goto(`${url}dev.html`);
  // The first request waits for the optimizer (react, react-dom, crm-wasm): slow on a busy machine.
  await page.waitForFunction(() => window.__ready || document.body.textContent.startsWith('failed'), null, { timeout: 150_000 })
    .catch((e) => { throw new Error(`${e.message}; console: ${seen.join(' | ')}; wasm: ${wasm}; requests: ${requests.join(' ')}`); });
  await page.waitForSelector('#columns');
  assert.equal(await page.textContent('#columns'), 'lead:0 qualified:0 proposal:0 negotiation:0 won:1 lost:0');
  assert.deepEqual(wasm, ['200 /node_modules/crm-wasm/crm_wasm_bg.wasm'], 'the wasm came from the package, once');
  const optimized = readdirSync(path.join(dir, 'node_modules/.vite/deps'));
  assert.ok(optimized.includes('crm-wasm.js') && optimized.includes('crm-wasm_react.js'), `pre-bundled: ${optimized}`);
  assert.deepEqual(errors, []);
});

/** Starts a server of the fresh app (its own process group, stopped after the tests); resolves
 * with its address once it answers. */
async function startServer(what, bin, args, cwd, port, env = process.env) {
  const url = `http://127.0.0.1:${port}/`;
  // Something else answering there would be tested in its place.
  if (await fetch(url).then(() => true, () => false)) throw new Error(`${what}: port ${port} is already taken`);
  const child = spawn(bin, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  stops.push(() => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  });
  // Up to a minute: on a loaded machine a first answer can take long after the banner.
  let last = 'no answer';
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited: ${output}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return url;
      last = `HTTP ${res.status}`;
    } catch (e) { last = String(e.cause ?? e); /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start (last: ${last}): ${output}`);
}

const serve = () => startServer('vite preview', path.join(dir, 'node_modules/.bin/vite'),
  ['preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], dir, PORT);

test('crm-wasm/react in Chromium, React 19 StrictMode, against the backend', { timeout: 180_000 }, async () => {
  await hooksAppRuns(await serve());
});

// The same hooks app as users run it while they write it: the Vite dev server, React's
// development build, where StrictMode mounts, unmounts and mounts every component again.
test('crm-wasm/react on the Vite dev server (development React, StrictMode double effects)', { timeout: 180_000 }, async () => {
  assert.ok(devUrl, 'the dev server was started by the dev-server test');
  await hooksAppRuns(devUrl);
});

/** The hooks app (tests/e2e/react-app) served at `url`, driven in Chromium against the backend. */
async function hooksAppRuns(url) {
  const user = await signUp('reacthooks');
  const other = await signUp('reacthooks2'); // for the provider swap: no deals of their own
  const deal = async (title, stage, amount) => {
    const r = await rest('POST', '/classes/Deal', { title, stage, amount }, user.token);
    assert.ok(r.objectId, JSON.stringify(r));
  };
  await deal('A-won-1', 'won', 10);
  await deal('B-won-2', 'won', 20);
  await deal('C-lost-1', 'lost', 30);
  await deal('D-negotiating', 'negotiation', 100);

  const browser = await launchBrowser();
  stops.push(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  const sent = []; // the queries sent to the server, as `?where=...&order=...`
  page.on('request', (r) => { if (r.url().startsWith(`${SERVER}/classes/Deal?`)) sent.push(decodeURIComponent(new URL(r.url()).search)); });
  page.on('pageerror', (e) => errors.push(e.message));
  // A refused request is logged by Chromium itself ("Failed to load resource"): not an error of the app.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  await page.goto(`${url}?server=${encodeURIComponent(SERVER)}&token=${encodeURIComponent(user.token)}&token2=${encodeURIComponent(other.token)}`);
  await page.waitForFunction(() => window.__ready || document.body.textContent.startsWith('failed'), null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => window.__ready), true, await page.textContent('body'));

  // Loading, then the data.
  const byStage = page.locator('#by-stage');
  await page.waitForSelector('#by-stage[data-state="ready"]');
  assert.equal(await byStage.textContent(), 'A-won-1,B-won-2');
  const first = await page.evaluate(() => window.__log.byStage[0]);
  assert.deepEqual(first, { stage: 'won', loading: true, stages: null });
  // Each query sent once, though StrictMode (in development) runs every effect twice on mount.
  await page.waitForFunction(() => document.querySelector('#amount').textContent !== '');
  for (const q of ['?where={"stage":"won"}&order=title', '?where={"stage":"negotiation"}']) {
    assert.equal(sent.filter((s) => s === q).length, 1, `${q} sent once: ${sent.join(' ')}`);
  }

  // Another user's client and local store under the same mounted provider: their rows (none),
  // not the first user's; and back.
  await page.waitForSelector('#swap[data-state="ready"]');
  assert.equal(await page.textContent('#swap'), '4 4');
  await page.click('#swap-user');
  await page.waitForFunction(() => document.querySelector('#swap').textContent === '0 0', null, { timeout: 10_000 })
    .catch(() => page.textContent('#swap').then((t) => assert.fail(`after the swap to another user: ${t}`)));
  await page.click('#swap-user');
  await page.waitForFunction(() => document.querySelector('#swap').textContent === '4 4', null, { timeout: 10_000 });

  // Queries refused as they are built or subscribed: typed errors, not a crashed app.
  await page.waitForFunction(() => document.querySelector('#refused-queries')?.textContent === 'INVALID_INPUT INVALID_INPUT INVALID_INPUT', null, { timeout: 10_000 })
    .catch(() => page.textContent('body').then((t) => assert.fail(`refused queries: ${t.slice(0, 300)}`)));
  await page.waitForFunction(() => document.querySelector('#closed-live')?.textContent === '2 CLOSED false closed', null, { timeout: 10_000 })
    .catch(() => page.textContent('#closed-live').then((t) => assert.fail(`a closed live client: ${t}`)));
  // A live client closed under a mounted screen: its result stops saying it is live.
  await page.waitForFunction(() => document.querySelector('#late-live')?.textContent === '2 true connected', null, { timeout: 20_000 })
    .catch(() => page.textContent('#late-live').then((t) => assert.fail(`a live client, connected: ${t}`)));
  await page.click('#close-late-live');
  await page.waitForFunction(() => document.querySelector('#late-live')?.textContent === '2 false closed', null, { timeout: 10_000 })
    .catch(() => page.textContent('#late-live').then((t) => assert.fail(`a live client closed while followed: ${t}`)));

  // A typed error: a client that never signed in.
  await page.waitForSelector('#refused[data-state="error"]');
  assert.equal(await page.textContent('#refused'), 'NOT_SIGNED_IN');

  // The query changes: loading, then the new answer; never the old rows under the new stage.
  await page.click('#switch');
  await page.waitForSelector('#by-stage[data-stage="lost"][data-state="ready"]');
  assert.equal(await byStage.textContent(), 'C-lost-1');
  const renders = await page.evaluate(() => window.__log.byStage);
  const lostRenders = renders.filter((r) => r.stage === 'lost');
  assert.equal(lostRenders[0].loading, true, 'the first render of the new query is loading');
  for (const r of renders) {
    if (r.stages) assert.ok(r.stages.every((s) => s === r.stage), `a render showed ${r.stages} under ${r.stage}`);
  }

  // The pipeline and the local datastore, through usePipeline, useLocalQuery, useSyncStatus.
  assert.equal(await page.textContent('#board'), 'lead:0 qualified:0 proposal:0 negotiation:1 won:2 lost:1');
  await page.waitForFunction(() => /^idle\/0\/true 4$/.test(document.querySelector('#offline').textContent));
  // An offline-first create: queued, sent, and the local query re-runs after the sync.
  await page.click('#offline-create');
  await page.waitForFunction(() => /^idle\/0\/true 5$/.test(document.querySelector('#offline').textContent), null, { timeout: 30_000 });
  await page.click('#pin-one');
  await page.waitForFunction(() => /^idle\/0\/true 6$/.test(document.querySelector('#offline').textContent), null, { timeout: 10_000 });
  const synced = await rest('GET', '/classes/Deal?where=' + encodeURIComponent(JSON.stringify({ title: 'F-offline-first' })), undefined, user.token);
  assert.equal(synced.results.length, 1, 'the queued create reached the server once');
  const syncStates = await page.evaluate(() => window.__log.sync);
  assert.ok(syncStates.some((s) => s !== 'idle/0'), `useSyncStatus saw the queue: ${[...new Set(syncStates)]}`);

  // A live update arrives (created by another client, over REST).
  await page.waitForSelector('#live[data-state="ready"][data-live="true"]', { state: 'attached' });
  assert.equal(await page.textContent('#live'), '');
  await deal('E-proposal', 'proposal', 5);
  await page.waitForFunction(() => document.querySelector('#live').textContent === 'E-proposal', null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('#board').textContent.includes('proposal:1'));
  // An ordered, limited live list keeps the server's order and page as changes come in.
  for (const [title, amount] of [['Q-10', 10], ['Q-30', 30], ['Q-20', 20]]) await deal(title, 'qualified', amount);
  await page.waitForFunction(() => document.querySelector('#live-top').textContent === 'Q-30,Q-20', null, { timeout: 30_000 })
    .catch(() => page.textContent('#live-top').then((t) => assert.fail(`the two largest qualified deals: ${t}`)));

  // A live update of a contact whose company the query included: the row keeps the company.
  const company = await rest('POST', '/classes/Company', { name: 'Acme' }, user.token);
  const contact = await rest('POST', '/classes/Contact', { name: 'Ada', company: { __type: 'Pointer', className: 'Company', objectId: company.objectId } }, user.token);
  assert.ok(contact.objectId, JSON.stringify(contact));
  await page.click('#live-included-reload');
  await page.waitForFunction(() => document.querySelector('#live-included').textContent === 'Ada/@Acme', null, { timeout: 30_000 });
  await rest('PUT', `/classes/Contact/${contact.objectId}`, { phone: '555' }, user.token);
  await page.waitForFunction(() => document.querySelector('#live-included').textContent.startsWith('Ada/555'), null, { timeout: 30_000 });
  assert.equal(await page.textContent('#live-included'), 'Ada/555@Acme', 'the included company is kept');

  // An optimistic change the server refuses (Cloud Code: amount can only be raised with
  // Increment) is shown at once, then rolled back, with the typed error.
  await page.waitForFunction(() => document.querySelector('#amount').textContent === '100');
  await page.click('#lower');
  await page.waitForFunction(() => document.querySelector('#mutation-error').textContent !== '', null, { timeout: 30_000 });
  assert.equal(await page.textContent('#mutation-error'), 'VALIDATION_FAILED');
  assert.equal(await page.textContent('#amount'), '100', 'rolled back');
  const amounts = await page.evaluate(() => window.__log.amount);
  assert.ok(amounts.includes(95), `the optimistic amount was shown: ${amounts}`);
  const onServer = await rest('GET', '/classes/Deal?where=' + encodeURIComponent(JSON.stringify({ title: 'D-negotiating' })), undefined, user.token);
  assert.equal(onServer.results[0].amount, 100);

  // An optimistic change rolled back after a live event changed the rows meanwhile: the rows
  // are asked for again (the hidden deal is back, the event's deal too), not left as they were.
  await page.waitForFunction(() => document.querySelector('#live-undo').textContent === 'C-lost-1');
  await page.click('#hide');
  await page.waitForFunction(() => document.querySelector('#live-undo').textContent === '');
  await deal('G-lost', 'lost', 1);
  await page.waitForFunction(() => document.querySelector('#live-undo').textContent === 'G-lost', null, { timeout: 30_000 });
  await page.evaluate(() => window.__release());
  await page.waitForFunction(() => document.querySelector('#live-undo-error').textContent !== '', null, { timeout: 30_000 });
  assert.equal(await page.textContent('#live-undo-error'), 'VALIDATION_FAILED');
  await page.waitForFunction(() => document.querySelector('#live-undo').textContent === 'C-lost-1,G-lost', null, { timeout: 30_000 })
    .catch(() => page.textContent('#live-undo').then((t) => assert.fail(`after the rollback: ${t}`)));

  assert.deepEqual(errors, [], 'no page error, no console error (StrictMode double mount included)');
}

// The package says it works with React 18 and later (its peer dependency): the same app on
// React 18 and its types, in its own fresh folder, type-checked, built and run the same way.
// Not 4190: fetch refuses that port (the Fetch standard's "bad ports", sieve).
const REACT_18_PORT = 4197 + Number(process.env.CRM_TEST_APP_PORT_OFFSET || 0);
test('crm-wasm/react on React 18: type-checks, builds, and runs the same app in Chromium', { timeout: 400_000 }, async () => {
  assert.ok(tarball, 'the tarball was packed by the first test');
  const app18 = path.join(dir, 'react-18');
  mkdirSync(path.join(app18, 'src'), { recursive: true });
  copyFileSync(path.join(dir, tarball), path.join(app18, tarball));
  writeFileSync(path.join(app18, 'package.json'), JSON.stringify({
    name: 'consumer-react-18', private: true, type: 'module',
    dependencies: { 'crm-wasm': `file:./${tarball}`, react: '^18.3.1', 'react-dom': '^18.3.1' },
    devDependencies: {
      vite: www.devDependencies.vite, typescript: www.devDependencies.typescript,
      '@types/react': '^18.3.0', '@types/react-dom': '^18.3.0',
    },
  }, null, 2));
  for (const f of ['tsconfig.json', 'index.html']) copyFileSync(path.join(dir, f), path.join(app18, f));
  for (const f of readdirSync(path.join(dir, 'src'))) copyFileSync(path.join(dir, 'src', f), path.join(app18, 'src', f));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app18);
  const react = JSON.parse(readFileSync(path.join(app18, 'node_modules/react/package.json'), 'utf8')).version;
  assert.match(react, /^18\./, `installed React ${react}`);
  run(path.join(app18, 'node_modules/.bin/tsc'), ['-p', '.'], app18);
  run(path.join(app18, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], app18);
  await hooksAppRuns(await startServer('vite preview (React 18)', path.join(app18, 'node_modules/.bin/vite'),
    ['preview', '--host', '127.0.0.1', '--port', String(REACT_18_PORT), '--strictPort'], app18, REACT_18_PORT));
});

// Next.js, App Router, as the package README's Next.js paragraph says to use it: a `'use client'`
// component that imports crm-wasm and crm-wasm/react, calls init() in an effect, logs in against
// the test backend and renders what the wasm answers; no next.config (no wasm setting), the
// default `next build` of the Next.js major below (Turbopack since Next.js 16), then `next start`
// on loopback, opened in Chromium. The app lives in a temp dir, installs the tarball packed
// above, and reaches no host but the npm registry (no font loader; telemetry off).
const NEXT = '^16.0.0';
const NEXT_PORT = 4188 + Number(process.env.CRM_TEST_APP_PORT_OFFSET || 0);

test('a Next.js App Router client component runs crm-wasm and crm-wasm/react', { timeout: 600_000 }, async (t) => {
  assert.ok(tarball, 'the tarball was packed by the first test');
  const app = mkdtempSync(path.join(tmpdir(), 'crm-wasm-next-'));
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const started = Date.now();
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({
    name: 'next-consumer', private: true,
    dependencies: {
      'crm-wasm': `file:${path.join(dir, tarball)}`, next: NEXT,
      react: www.dependencies.react, 'react-dom': www.dependencies['react-dom'],
    },
    devDependencies: {
      typescript: www.devDependencies.typescript,
      '@types/react': www.devDependencies['@types/react'], '@types/react-dom': www.devDependencies['@types/react-dom'],
      // next build checks for it; outside CI it installs it itself, under CI=true it stops.
      '@types/node': www.devDependencies['@types/node'] ?? '^22.0.0',
    },
  }, null, 2));
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'bundler', jsx: 'react-jsx',
      strict: true, noEmit: true, skipLibCheck: true, isolatedModules: true, esModuleInterop: true,
      plugins: [{ name: 'next' }],
    },
    include: ['next-env.d.ts', '**/*.ts', '**/*.tsx'],
    exclude: ['node_modules'],
  }, null, 2));
  // layout.tsx, page.tsx (server components), crm.tsx (the client component), icon.svg (so the
  // browser asks for no /favicon.ico, which would be a 404 in the console).
  cpSync(path.join(root, 'tests/e2e/next-app/app'), path.join(app, 'app'), { recursive: true });
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
  const installed = Date.now();
  const version = JSON.parse(readFileSync(path.join(app, 'node_modules/next/package.json'), 'utf8')).version;
  const build = execFileSync(path.join(app, 'node_modules/.bin/next'), ['build'], { cwd: app, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const built = Date.now();
  const bundler = /\(Turbopack\)/.test(build) ? 'Turbopack' : /\(webpack\)/.test(build) ? 'webpack' : 'unknown';
  t.diagnostic(`Next.js ${version}, next build with ${bundler}; install ${((installed - started) / 1000).toFixed(0)} s, build ${((built - installed) / 1000).toFixed(0)} s`);

  const url = await startServer('next start', path.join(app, 'node_modules/.bin/next'),
    ['start', '--hostname', '127.0.0.1', '--port', String(NEXT_PORT)], app, NEXT_PORT, env);
  // Prerendered on the server without the wasm: the client component's first state.
  const html = await (await fetch(url)).text();
  assert.match(html, /Starting…/, 'the page was rendered on the server, before init()');

  const user = await signUp('nextjs');
  for (const [title, stage] of [['A-next', 'won'], ['B-next', 'lead']]) {
    const r = await rest('POST', '/classes/Deal', { title, stage, amount: 1 }, user.token);
    assert.ok(r.objectId, JSON.stringify(r));
  }
  const browser = await launchBrowser();
  stops.push(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  const wasm = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push(`${r.status()} ${r.headers()['content-type']}`);
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  const query = new URLSearchParams({ server: SERVER, user: user.username, password: user.password });
  await page.goto(`${url}?${query}`);
  await page.waitForSelector('#deals[data-state="ready"], #deals[data-state="error"], #failed', { timeout: 60_000 });
  assert.equal(await page.locator('#failed').count(), 0, await page.textContent('body'));
  assert.equal(await page.textContent('#stages'), 'lead qualified proposal negotiation won lost');
  assert.equal(await page.textContent('#user'), user.username);
  assert.equal(await page.textContent('#board'), 'lead:1 qualified:0 proposal:0 negotiation:0 won:1 lost:0');
  assert.equal(await page.textContent('#deals'), 'A-next/won,B-next/lead');
  assert.deepEqual(wasm, ['200 application/wasm'], 'the wasm was fetched once, with its MIME type (streaming compile)');
  assert.deepEqual(errors, [], 'no page error, no console error or warning (hydration included)');
  rmSync(app, { recursive: true, force: true });
});
