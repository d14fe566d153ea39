// Keeps the SDK benchmark from rotting: runs bench/compare.mjs in its quick mode (smaller data,
// fewer samples) against the test backend and checks it wrote every row. The page itself checks
// that both clients answered alike (same deals, same groups, same local query order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';

test('the side-by-side benchmark runs and reports every row', { timeout: 10 * 60 * 1000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'crm-bench-'));
  await promisify(execFile)('node', [path.join(root, 'bench/compare.mjs'), `server=${SERVER}`, '--quick', '--out', out], { cwd: root, maxBuffer: 1 << 24 });
  const report = JSON.parse(await readFile(path.join(out, 'BENCHMARKS.json'), 'utf8'));
  const ops = report.rows.map((r) => r.op);
  for (const prefix of ['fetch 1000 deals', 'save 1000 new deals', 'group ', 'pinAll ', 'local query', 'server change to pipeline', 'cold start']) {
    assert.ok(ops.some((op) => op.startsWith(prefix)), `a row for ${prefix}`);
  }
  for (const r of report.rows) {
    assert.ok(r.oursMs > 0 && r.sdkMs > 0 && Number.isFinite(r.ratio), `${r.op}: ${JSON.stringify(r)}`);
  }
  assert.ok(report.bundle.oursBytes > 0 && report.bundle.sdkBytes > 200000);
  const md = await readFile(path.join(out, 'BENCHMARKS.md'), 'utf8');
  assert.match(md, /\| bundle, gzip -9/);
});
