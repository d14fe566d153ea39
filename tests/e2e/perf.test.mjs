// Performance of the built app: what the first screen downloads (routes and vendors split), and
// the board with 10,000 deals (virtualised columns): frame times and long tasks while a column
// scrolls, measured in Chromium and printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { logInOnPage, openBoard, rest, root, signUp, useApp } from './server.mjs';

const app = useApp(4194);

test('the first screen (My day) loads no chart code, no chunk over 500 kB', async () => {
  const assets = path.join(root, 'www/dist/assets');
  const js = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => ({ f, kB: statSync(path.join(assets, f)).size / 1000 }));
  const biggest = js.reduce((a, b) => (a.kB > b.kB ? a : b));
  assert.ok(biggest.kB < 500, `largest chunk ${biggest.f}: ${biggest.kB.toFixed(0)} kB`);
  const me = await signUp('firstload');
  const context = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const loaded = [];
  page.on('response', (r) => { if (r.url().endsWith('.js')) loaded.push(path.basename(new URL(r.url()).pathname)); });
  await page.goto(app.preview.url);
  await logInOnPage(page, me);
  const size = (list) => list.reduce((s, f) => s + (js.find((j) => j.f === f)?.kB ?? 0), 0);
  const first = [...new Set(loaded)];
  console.log(`# first screen (log-in + My day): ${first.length} JS files, ${size(first).toFixed(0)} kB; all JS: ${size(js.map((j) => j.f)).toFixed(0)} kB in ${js.length} files`);
  assert.ok(!first.some((f) => f.startsWith('charts-') || f.startsWith('Dashboard-')), `first screen loaded ${first}`);
  // The dashboard's code comes when it is opened.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByTestId('stat-open').waitFor();
  assert.ok(loaded.some((f) => f.startsWith('charts-')), 'the charts load with the dashboard');
  await context.close();
});

test('10,000 deals: the board opens, a column scrolls with its cards virtualised (frame figures printed)', { timeout: 600_000 }, async () => {
  const me = await signUp('tenk');
  const total = 10_000;
  const started = Date.now();
  // Straight into PostgreSQL (the REST path takes minutes on a shared machine and is not what
  // is measured): rows as Cloud Code would write them, the user's ACL and pointers.
  const sql = `INSERT INTO "Deal" ("objectId", "createdAt", "updatedAt", "_rperm", "_wperm", title, amount, stage, "expectedCloseDate", "createdBy", "assignedTo")
    SELECT 'Perf' || lpad(i::text, 8, '0'), now(), now(), ARRAY['${me.id}', 'role:sales-manager'], ARRAY['${me.id}'],
      'Deal ' || lpad(i::text, 5, '0'), 1000 + (i % 97) * 10, (ARRAY['lead', 'qualified', 'proposal', 'negotiation'])[1 + i % 4],
      timestamptz '2027-01-10 00:00:00+00' + (i % 200) * interval '1 day', '${me.id}', '${me.id}'
    FROM generate_series(0, ${total - 1}) AS i`;
  execFileSync('/usr/lib/postgresql/15/bin/psql', ['-h', '127.0.0.1', '-p', String(process.env.CRM_TEST_PG_PORT || 54437), '-U', 'postgres', '-d', 'crm', '-qc', sql]);
  assert.equal((await rest('GET', '/classes/Deal?count=1&limit=0', undefined, me.token)).count, total);
  console.log(`# seeded ${total} deals in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const t0 = Date.now();
  const context = await app.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.preview.url);
  await page.getByLabel('Username').fill(me.username);
  await page.getByLabel('Password', { exact: true }).fill(me.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await openBoard(page);
  await page.getByTestId('count-lead').filter({ hasText: String(total / 4) }).waitFor({ timeout: 180_000 });
  console.log(`# log-in to a board of ${total} deals: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // The deals are pinned for offline use in the background after the board shows; measure the
  // scroll after that, so the figures are the board's, not the first sync's.
  await page.locator('[data-testid="sync-status"][data-offline-ready="true"]').waitFor({ timeout: 300_000 });
  console.log(`# ... and pinned offline: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await page.waitForTimeout(1000);
  const rendered = await page.getByRole('article').count();
  assert.ok(rendered < 200, `virtualised: ${rendered} cards in the page`);

  // Scroll the Lead column for 4 s, a step each frame; record frame gaps and long tasks.
  const figures = await page.evaluate(async () => {
    const body = document.querySelector('[data-stage="lead"] .column-body');
    const long = [];
    const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); });
    observer.observe({ type: 'longtask', buffered: false });
    const frames = [];
    await new Promise((resolve) => {
      let last = performance.now();
      const end = last + 4000;
      const step = (now) => {
        frames.push(now - last);
        last = now;
        body.scrollTop += 120;
        if (now < end) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    observer.disconnect();
    const sorted = [...frames].sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
    return {
      frames: frames.length,
      scrolledPx: body.scrollTop,
      p50: pct(0.5), p95: pct(0.95), max: sorted[sorted.length - 1],
      over50: frames.filter((f) => f > 50).length,
      longTasks: long.length, longTaskMs: long.reduce((a, b) => a + b, 0), longestTask: Math.max(0, ...long),
      cards: body.querySelectorAll('article').length,
    };
  });
  const f = (n) => n.toFixed(1);
  console.log(`# scroll of a 2,500-card column for 4 s: ${figures.frames} frames, ${figures.scrolledPx} px; frame time p50 ${f(figures.p50)} ms, p95 ${f(figures.p95)} ms, max ${f(figures.max)} ms; ${figures.over50} frames over 50 ms; ${figures.longTasks} long tasks (${f(figures.longTaskMs)} ms, longest ${f(figures.longestTask)} ms); ${figures.cards} cards in the column's DOM`);
  // What is asserted: the columns are virtualised and the page never freezes for a second. The
  // frame times are printed, not asserted (a shared machine's load moves them): a median of 83 to
  // 383 ms per frame on a busy machine in November 2026; 16.7 ms (p95 17 to 33 ms) on a quiet one
  // in December 2026, with the column rendering on every change or once a frame alike.
  assert.ok(figures.longestTask < 1000, `longest task ${figures.longestTask} ms`);
  assert.ok(figures.cards < 60, `${figures.cards} cards rendered in the column`);
  assert.deepEqual(errors, []);

  // The same fast scroll on a slow phone (CPU 6x slower): every frame then held a scroll's update
  // and a card resize's, one always pending when the other committed, and React 19 threw
  // "Maximum update depth exceeded" from the scroll handler after 50 of them.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
  const slow = await page.evaluate(async () => {
    const body = document.querySelector('[data-stage="lead"] .column-body');
    let frames = 0;
    await new Promise((resolve) => {
      const end = performance.now() + 5000;
      const step = (now) => {
        frames += 1;
        body.scrollTop += 120;
        if (now < end) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    // Let the last frame's render land before the cards are counted.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const top = body.getBoundingClientRect().top;
    const shown = [...body.querySelectorAll('article')].filter((a) => a.getBoundingClientRect().bottom > top);
    return { frames, scrolledPx: body.scrollTop, cards: body.querySelectorAll('article').length, shown: shown.length };
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  console.log(`# the same scroll at 6x CPU slow-down for 5 s: ${slow.frames} frames, at ${slow.scrolledPx} px, ${slow.cards} cards in the DOM (${slow.shown} in view)`);
  assert.deepEqual(errors, []);
  assert.ok(slow.shown > 0, 'cards are drawn where the column was scrolled to');
  await context.close();
});
