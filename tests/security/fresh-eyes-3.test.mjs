// Findings of a third fresh-eyes attack on the trust model (README, "Trust model"), each a case
// that failed until the backend was fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { call, signUp, assertRefused, useVictim, liveSocket, sleep, crashLog, root, GRAPHQL, APP } from './harness.mjs';

const victim = useVictim();
let attacker;

test('setup: an attacker with a valid session', async () => {
  attacker = await signUp('fresh3');
});

/** A GraphQL request without a session; answers { status, json, ms }. */
async function anonymousGraphQL(query) {
  const t = Date.now();
  const res = await fetch(GRAPHQL, { method: 'POST', headers: { ...APP, 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { raw: text }; }
  return { status: res.status, json, ms: Date.now() - t };
}

// ---- GraphQL: fragments spread twice, in a chain -----------------------------------------------
// The gate walks a document's selections with its fragments spread in place (to count the objects
// it reads and the fields asked for twice), once per selection set, with nothing remembered: a
// chain of fragments each spreading the next twice stands for 2^n fields in n lines. Without a
// session, 750 characters (n = 18) held the one Node process for 2 s, and 830 (n = 20) for 10 s
// (every other user's request waited; keep-alive connections timed out); each step doubles it.
// Unused fragments were walked as well. Apollo then validated what got through: 5,000 copies of
// one field (30 KB) cost it 0.4 s before Parse's field limit refused them.
const chain = (n, used = true) => {
  let doc = used ? 'query { deals { edges { node { ...F0 } } } }\n' : 'query { deals { count } }\n';
  for (let i = 0; i < n; i++) doc += `fragment F${i} on Deal { ...F${i + 1} ...F${i + 1} }\n`;
  return `${doc}fragment F${n} on Deal { title }\n`;
};

test('found attacking it: GraphQL fragments that multiply are counted once each, and refused before any walk', async () => {
  for (const [what, doc] of [['a chain of fragments spread twice', chain(19)], ['the same chain, unused', chain(19, false)], ['one field 5,000 times', `{ deals { edges { node { ${'title '.repeat(5000)} } } } }`]]) {
    const r = await anonymousGraphQL(doc);
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.equal(r.json.errors[0].extensions.code, 102, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.match(r.json.errors[0].message, /fields/);
    assert.ok(r.ms < 300, `${what}: refused in ${r.ms} ms`);
  }
  // Fragments within the limits are answered as before.
  const res = await fetch(GRAPHQL, {
    method: 'POST',
    headers: { ...APP, 'Content-Type': 'application/json', 'X-Parse-Session-Token': attacker.token },
    body: JSON.stringify({ query: 'query { deals { edges { node { ...D } } } } fragment D on Deal { title ...S } fragment S on Deal { stage amount }' }),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  assert.ok(Array.isArray(json.data.deals.edges));
});

// ---- Live Query: a session that ended kept its subscriptions ------------------------------------
// A Live Query connection keeps its subscriptions when its session ends (log-out, a password
// change, a deleted account). Parse then checks each one on every save of the class, by anyone,
// whatever the object and the where: the class-level permission (a session is required) fails,
// and the subscription is sent an error frame "Permission denied" and the error is logged, on
// every save, for ever. Ten sockets of 20 subscriptions, logged out, were sent 4,000 frames and
// wrote 2.7 MB of error log for 20 saves of another user's deals matching none of them: a
// signal of everyone's saves, and a way to multiply every save's cost.
test("found attacking it: a Live Query connection whose session ended is closed at the next event, and learns nothing more", { timeout: 60_000 }, async () => {
  const mallory = await signUp('lqended');
  const s = await liveSocket();
  s.send({ op: 'connect', applicationId: 'crm', javascriptKey: 'crm-js-key', sessionToken: mallory.token });
  await s.next((f) => f.op === 'connected');
  for (let i = 1; i <= 5; i++) {
    s.send({ op: 'subscribe', requestId: i, query: { className: 'Deal', where: { title: 'matches nothing at all' } }, sessionToken: mallory.token });
  }
  await s.next((f) => f.op === 'subscribed' && f.requestId === 5);
  assert.equal((await call('POST', '/logout', { token: mallory.token })).status, 200);
  // Parse's Live Query server trusts a session it checked for 5 s.
  await sleep(6000);
  const before = s.frames.length;
  for (let i = 0; i < 3; i++) {
    const r = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: `someone else's deal ${i}` } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    await sleep(300);
  }
  const closed = await Promise.race([s.closed.then(() => true), sleep(3000).then(() => false)]);
  const after = s.frames.slice(before);
  assert.ok(closed, `the socket is closed once its session is found to have ended: ${JSON.stringify(after).slice(0, 300)}`);
  assert.ok(after.length <= 1, `at most one frame says why: ${JSON.stringify(after).slice(0, 300)}`);
  if (after.length === 1) {
    assert.equal(after[0].op, 'error');
    assert.equal(after[0].code, 209, JSON.stringify(after[0]));
    assert.equal(after[0].reconnect, false);
  }
  // And it cannot come back with the ended session.
  const again = await liveSocket();
  again.send({ op: 'connect', applicationId: 'crm', javascriptKey: 'crm-js-key', sessionToken: mallory.token });
  const answer = await again.next((f) => f.op === 'connected' || f.op === 'error');
  assert.equal(answer.op, 'error', JSON.stringify(answer));
  again.close();
});

// ---- log files: every refusal, with its stack, for ever ------------------------------------------
// Parse wrote every error it answered a client with at level error (a made-up session token, a
// refused field, "Object not found"), with its stack, and every beforeSave refusal with 1,000
// characters of the input, into daily files it never capped or removed. Without a session, one
// client wrote 0.4 MB a second; a user's batches of 100 refused deals wrote 275 KB each, 5 MB a
// second (18 GB an hour) from one user.
const logsFolder = path.join(path.dirname(crashLog), 'logs');
const logBytes = () => readdirSync(logsFolder).reduce((n, f) => n + statSync(path.join(logsFolder, f)).size, 0);

test('found attacking it: refusals answered to clients do not fill the log files', async () => {
  const before = logBytes();
  for (let i = 0; i < 20; i++) {
    assertRefused(await call('POST', '/classes/Deal', { token: `r:${'0'.repeat(32)}`, body: { title: 'x' } }), 209, 'a made-up session');
    assertRefused(await call('GET', '/classes/Deal/abcdefghij', { token: attacker.token }), 101, 'no such deal');
  }
  const refused = await call('POST', '/batch', {
    token: attacker.token,
    body: { requests: Array.from({ length: 100 }, () => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: 'x', notes: 'y'.repeat(9000), stage: 'no such stage' } })) },
  });
  assert.equal(refused.status, 200);
  assert.ok(refused.json.every((r) => r.error && r.error.code === 142), JSON.stringify(refused.json[0]));
  await sleep(500);
  const grew = logBytes() - before;
  assert.ok(grew < 4096, `140 refusals wrote ${grew} bytes of log`);
});

test('found attacking it: the log files are bounded: bytes a minute, and the size of each file', async () => {
  // The logger itself, in a process of its own: 3 MB of errors at once, into files of at most
  // 64 KB, with a budget of 256 KB a minute.
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-logs-'));
  try {
    const script = `
      const { BoundedLoggerAdapter } = require(${JSON.stringify(path.join(root, 'backend/logger.js'))});
      const logger = new BoundedLoggerAdapter({ logsFolder: ${JSON.stringify(tmp)}, logLevel: 'warn', silent: true, maxSize: '64k', maxFiles: 3, bytesPerMinute: 256 * 1024 });
      for (let i = 0; i < 3000; i++) logger.log('error', 'x'.repeat(1000));
      setTimeout(() => process.exit(0), 1500);`;
    execFileSync(process.execPath, ['-e', script], { cwd: path.join(root, 'backend') });
    const files = readdirSync(tmp).filter((f) => !f.endsWith('-audit.json'));
    const sizes = files.map((f) => statSync(path.join(tmp, f)).size);
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.ok(total > 0 && total <= 300 * 1024, `${total} bytes written of 3 MB sent`);
    assert.ok(sizes.every((n) => n <= 70 * 1024), `files of at most 64 KB: ${sizes.join(', ')}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

// ---- $all on fields that hold no list --------------------------------------------------------------
// No field here holds a list. A Live Query subscription with `amount: {$all: [1]}` made Parse's
// matcher throw ("object[key].indexOf is not a function") on every save of a deal, by anyone,
// each logged at level error: 200 such subscriptions wrote 200 lines for every save.
test('found attacking it: $all (containsAll) is refused, in queries and subscriptions', async () => {
  for (const where of [{ amount: { $all: [1] } }, { title: { $all: ['a'] } }]) {
    assertRefused(await call('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify(where))}`, { token: attacker.token }), 102, JSON.stringify(where));
  }
  const res = await fetch(GRAPHQL, {
    method: 'POST',
    headers: { ...APP, 'Content-Type': 'application/json', 'X-Parse-Session-Token': attacker.token },
    body: JSON.stringify({ query: '{ deals(where: { title: { containsAll: ["a"] } }) { count } }' }),
  });
  const g = await res.json();
  assert.ok(g.errors && g.errors.length > 0 && !/Internal server error/i.test(JSON.stringify(g)), JSON.stringify(g).slice(0, 300));
  const s = await liveSocket();
  s.send({ op: 'connect', applicationId: 'crm', javascriptKey: 'crm-js-key', sessionToken: attacker.token });
  await s.next((f) => f.op === 'connected');
  s.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: { amount: { $all: [1] } } }, sessionToken: attacker.token });
  const answer = await s.next((f) => f.requestId === 1);
  assert.equal(answer.op, 'error', JSON.stringify(answer));
  assert.equal(answer.code, 102, JSON.stringify(answer));
  s.close();
});

// ---- in-app purchases --------------------------------------------------------------------------
// Parse's /validate_purchase (Apple in-app purchase receipts) answered anyone, without a session:
// each request made the server look up and call https://buy.itunes.apple.com with the receipt
// it was sent (and the sandbox too, for some answers). Nothing here sells anything.
test('found attacking it: /validate_purchase is refused, and the server calls out to no one', async () => {
  for (const token of [undefined, attacker.token]) {
    assertRefused(await call('POST', '/validate_purchase', { token, body: { productIdentifier: 'x', receipt: 'aGk=' } }), 119, 'validate_purchase');
  }
  const inBatch = await call('POST', '/batch', { token: attacker.token, body: { requests: [{ method: 'POST', path: '/parse/validate_purchase', body: { productIdentifier: 'x', receipt: 'aGk=' } }] } });
  assert.equal(inBatch.status, 200, JSON.stringify(inBatch.json));
  assert.ok(inBatch.json[0].error && inBatch.json[0].error.code === 119, JSON.stringify(inBatch.json));
});
