// The LiveQuery process and Redis, each killed (SIGKILL) while a client writes and listens
// through the balancer: their supervisors restart them, the client's writes all land once,
// and its subscription reconnects and catches up, so it ends up having seen every write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { BASE, ctl, root, signUp, serverObjects, waitBalancer, sleep } from './harness.mjs';
import { startBrowser, subscribedClient, writeDeals, waitSeen } from './browser.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env.close(); });

async function killWhileWriting(name, prefix) {
  const user = await signUp(prefix);
  const page = await env.page();
  await subscribedClient(page, user.token, prefix);
  const N = 60;
  // 60 writes, 100 ms apart; the process dies after the 20th has been written.
  const first = await writeDeals(page, prefix, 0, 20, 100);
  await ctl('crash', name);
  const killedAt = Date.now();
  const rest = await writeDeals(page, prefix, 20, N - 20, 100);
  const writeSeconds = (Date.now() - killedAt) / 1000;
  assert.deepEqual([...first.errors, ...rest.errors], [], 'every write succeeded (retries allowed)');
  await waitBalancer(name === 'redis' ? 'livequery' : name, 'UP', 60000);

  const seen = await waitSeen(page, N, 60000);
  const ids = new Set([...first.ids, ...rest.ids]);
  const titles = (await serverObjects('Deal', user.token, { title: { $regex: `^\\Q${prefix}\\E` } })).map((d) => d.title);
  assert.equal(titles.length, N, 'every write is on the server');
  assert.equal(new Set(titles).size, N, 'no write doubled');
  assert.equal(seen.length, N, `the subscriber saw every write (${seen.length} of ${N})`);
  for (const [id] of seen) assert.ok(ids.has(id), `an event for a deal this client did not write: ${id}`);
  const caughtUp = seen.filter(([, [, , late]]) => late).length;
  console.log(`${name} killed: ${N} writes in ${writeSeconds.toFixed(1)} s after the kill, all on the server once, ` +
    `${seen.length} events seen (${caughtUp} caught up after reconnecting)`);
  await page.close();
}

test('the LiveQuery process killed and restarted: subscribers reconnect and catch up, no lost event', async () => {
  await killWhileWriting('livequery', `lqkill${Date.now()}x`);
  assert.match(await ctl('crashes').catch((e) => e.stdout), /livequery exited/);
});

test('Redis killed and restarted: writes carry on, nothing lost, events keep coming', async () => {
  await killWhileWriting('redis', `rediskill${Date.now()}x`);
  assert.match(await ctl('crashes').catch((e) => e.stdout), /redis exited/);
});

test('Redis (the session cache, the rate-limit counters) answers no client without its password', async () => {
  const redisCli = (env, ...args) => new Promise((resolve) => {
    execFile('redis-cli', ['--no-auth-warning', '-p', String(BASE + 40), ...args], { env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
  });
  assert.match(await redisCli({}, 'ping'), /NOAUTH/);
  assert.match(await redisCli({ REDISCLI_AUTH: 'not-the-password' }, 'ping'), /WRONGPASS|invalid/i);
  const key = readFileSync(path.join(root, 'backend/.data/cluster-test/redis.key'), 'utf8').trim();
  assert.equal(await redisCli({ REDISCLI_AUTH: key }, 'ping'), 'PONG');
  assert.doesNotMatch(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }), new RegExp(key), 'the password is on no command line');
});
