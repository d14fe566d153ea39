// Throughput through the balancer with 1, 2 and 4 API instances (the cluster restarted for
// each), printed side by side: writes/s and write latency p50/p99 for CRM_TP_CLIENTS concurrent
// clients (32) creating deals for CRM_TP_SECONDS (15 s) over keep-alive connections. Every
// write must succeed and be on the server once. The figures go to
// target/test-logs/cluster-throughput.json. The load generator shares the machine's cores
// with the cluster, as every process here does: read the curve with that in mind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { root, rest, signUp, serverCount, percentile } from './harness.mjs';

const run = promisify(execFile);
const CLIENTS = Number(process.env.CRM_TP_CLIENTS || 32);
const SECONDS = Number(process.env.CRM_TP_SECONDS || 15);
const SIZES = (process.env.CRM_TP_INSTANCES || '1,2,4').split(',').map(Number);

const ctlWith = (n, command) => run('bash', [path.join(root, 'backend/ctl.sh'), command, 'cluster-test'],
  { env: { ...process.env, CRM_CLUSTER_API: String(n) }, maxBuffer: 1 << 24 });
after(async () => {
  // Leave the cluster as cluster-test.sh started it (2 instances).
  await ctlWith(2, 'stop');
  await ctlWith(2, 'start');
});

async function measure(n) {
  await ctlWith(n, 'stop');
  await ctlWith(n, 'start');
  const marker = `tp${n}x${Date.now()}x`;
  const users = [];
  for (let u = 0; u < 8; u++) users.push(await signUp(`${marker}u${u}`));
  // Warm-up: each user's session is cached and every instance has seen a write.
  for (const u of users) for (let i = 0; i < n; i++) await rest('POST', '/classes/Deal', { token: u.token, body: { title: `${marker}warm`, amount: 0, stage: 'lead' } });
  const latencies = [];
  const failures = [];
  const started = Date.now();
  const end = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    const { token } = users[c % users.length];
    for (let i = 0; Date.now() < end; i++) {
      const at = performance.now();
      const r = await rest('POST', '/classes/Deal', { token, body: { title: `${marker}c${c}w${i}`, amount: i, stage: 'lead' } }).catch((e) => ({ status: 0, json: e.message }));
      if (r.status === 201) latencies.push(performance.now() - at);
      else failures.push(`${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
    }
  }));
  const seconds = (Date.now() - started) / 1000;
  let stored = 0;
  for (const u of users) stored += await serverCount('Deal', u.token, { title: { $regex: `^\\Q${marker}c\\E` } });
  return { instances: n, clients: CLIENTS, seconds, writes: latencies.length, failures, stored,
    writesPerSecond: Math.round(latencies.length / seconds),
    p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) };
}

test(`throughput with ${SIZES.join(', ')} API instances`, { timeout: 30 * 60 * 1000 }, async () => {
  const rows = [];
  for (const n of SIZES) {
    const row = await measure(n);
    rows.push(row);
    assert.deepEqual(row.failures.slice(0, 5), [], `${n} instance(s): every write succeeded`);
    assert.equal(row.stored, row.writes, `${n} instance(s): every write stored once`);
  }
  const lines = [
    '| API instances | writes/s | p50 ms | p99 ms | writes |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.instances} | ${r.writesPerSecond} | ${r.p50} | ${r.p99} | ${r.writes} |`),
  ];
  console.log(`throughput, ${CLIENTS} concurrent clients for ${SECONDS} s each:\n${lines.join('\n')}`);
  await mkdir(path.join(root, 'target/test-logs'), { recursive: true });
  await writeFile(path.join(root, 'target/test-logs/cluster-throughput.json'), JSON.stringify(rows.map(({ failures, ...r }) => r), null, 2));
});
