// Load: 50 clients (pages in headless Chromium, each its own CrmClient and LiveQueryClient,
// through the loopback proxy), 10 users with 5 clients each, every client making 100 writes
// while subscribed to its user's deals. A third of the way in, every WebSocket is cut, so each
// client reconnects and catches up on the events it missed. No write may be lost or doubled, every client must end up having seen every
// write of its user (and none of another's), and the figures are printed and saved to
// target/test-logs/load.json. CRM_LOAD_CLIENTS / CRM_LOAD_WRITES change the size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startBrowser, fault, serverObjects, sleep, PROXY, SERVER } from './harness.mjs';
import { root } from '../e2e/server.mjs';

const CLIENTS = Number(process.env.CRM_LOAD_CLIENTS || 50);
const WRITES = Number(process.env.CRM_LOAD_WRITES || 100);
const PER_USER = 5;
const USERS = Math.ceil(CLIENTS / PER_USER);
const marker = `load${Date.now()}x`;

let env;
const users = [];
const pages = [];
before(async () => {
  env = await startBrowser();
  for (let u = 0; u < USERS; u++) {
    const name = `${marker}u${u}`;
    const res = await fetch(`${SERVER}/users`, {
      method: 'POST',
      headers: { 'X-Parse-Application-Id': 'crm', 'X-Parse-Javascript-Key': 'crm-js-key', 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: name, email: `${name}@example.com`, password: 'pw-load-1' }),
    });
    const body = await res.json();
    assert.ok(body.sessionToken, JSON.stringify(body));
    users.push({ name, id: body.objectId, token: body.sessionToken });
  }
  const context = await env.browser.newContext();
  for (let c = 0; c < CLIENTS; c++) pages.push(await env.page(context));
});
after(async () => {
  await fault('reset');
  await env.close();
});

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

test(`${CLIENTS} clients x ${WRITES} writes while subscribed: no lost or doubled write, no lost event after catch-up`, async () => {
  // Each client signs in as its user and subscribes to that user's load deals.
  await Promise.all(pages.map((page, c) => page.evaluate(async ({ proxy, token, prefix }) => {
    const { CrmClient, LiveQueryClient } = window.crm;
    const client = new CrmClient({ serverUrl: proxy, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
    await client.become(token);
    const live = new LiveQueryClient(client, { reconnectBaseMs: 200, reconnectMaxMs: 2000 });
    const seen = new Map(); // objectId -> [Date.now() at first sight, title, caughtUp]
    const sub = live.subscribe(client.deals().startsWith('title', prefix), (e) => {
      if (e.kind !== 'delete' && !seen.has(e.object.objectId)) seen.set(e.object.objectId, [Date.now(), e.object.title, e.caughtUp]);
    });
    const deadline = Date.now() + 20000;
    while (!live.isSubscribed(sub) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    window.load = { client, live, sub, seen };
    return live.isSubscribed(sub);
  }, { proxy: PROXY, token: users[Math.floor(c / PER_USER)].token, prefix: marker })))
    .then((subscribed) => assert.ok(subscribed.every(Boolean), 'every client subscribed'));

  // Every client writes at once; a third of the way in, every socket is cut, so each client
  // misses events while it reconnects and must catch up on them.
  const started = Date.now();
  const cut = sleep(Math.max(2000, CLIENTS * WRITES * 2)).then(() => fault('cut-sockets'));
  const writing = Promise.all(pages.map((page, c) => page.evaluate(async ({ c, writes, prefix }) => {
    const { client } = window.load;
    const sent = [];
    const errors = [];
    for (let i = 0; i < writes; i++) {
      const at = Date.now();
      try {
        const d = await client.createDeal({ title: `${prefix}c${c}w${i}`, amount: i, stage: 'lead' });
        sent.push([d.objectId, at, Date.now() - at]);
      } catch (e) {
        errors.push(`${e.code}: ${e.message}`);
      }
    }
    return { sent, errors };
  }, { c, writes: WRITES, prefix: marker })));
  const writes = await writing;
  await cut;
  const elapsed = (Date.now() - started) / 1000;
  const errors = writes.flatMap((w) => w.errors);
  assert.deepEqual(errors, [], 'every write succeeded (retries allowed)');

  // Which ids each user's clients wrote, and when.
  const sentAt = new Map();
  const idsOfUser = users.map(() => new Set());
  writes.forEach((w, c) => {
    for (const [id, at] of w.sent) {
      sentAt.set(id, at);
      idsOfUser[Math.floor(c / PER_USER)].add(id);
    }
  });
  const expectedPerUser = (u) => idsOfUser[u].size;

  const seenCounts = () => Promise.all(pages.map((p) => p.evaluate(() => window.load.seen.size)));
  const waitAll = async (ms) => {
    const deadline = Date.now() + ms;
    let counts;
    do {
      counts = await seenCounts();
      if (counts.every((n, c) => n >= expectedPerUser(Math.floor(c / PER_USER)))) break;
      await sleep(250);
    } while (Date.now() < deadline);
    return counts;
  };
  // An event the server dropped is found by the client's next check: 10 s after the last one
  // at the latest while events come, every 60 s otherwise (plus a tick and the round itself).
  const final = await waitAll(90000);

  const seen = await Promise.all(pages.map((p) => p.evaluate(() => [...window.load.seen.entries()])));
  const eventLatencies = [];
  let caughtUp = 0;
  seen.forEach((entries, c) => {
    const u = Math.floor(c / PER_USER);
    for (const [id, [at, , late]] of entries) {
      assert.ok(idsOfUser[u].has(id), `client ${c} saw an event for a deal not of its user (${id})`);
      if (late) caughtUp += 1;
      else eventLatencies.push(at - sentAt.get(id));
    }
  });
  // A client short of its user's writes says which it missed: when each was written, and
  // whether the user's other clients saw it live or caught up (a lost event or a lost write).
  const writesEnded = Math.max(...writes.flatMap((w) => w.sent.map(([, at, took]) => at + took)));
  const missed = (c) => {
    const u = Math.floor(c / PER_USER);
    const mine = new Set(seen[c].map(([id]) => id));
    return [...idsOfUser[u]].filter((id) => !mine.has(id)).map((id) => {
      const others = seen.flatMap((entries, o) => (o !== c && Math.floor(o / PER_USER) === u ? entries : []))
        .filter(([other]) => other === id).map(([, [, , late]]) => (late ? 'caught up' : 'live'));
      return `${id} written ${((writesEnded - sentAt.get(id)) / 1000).toFixed(1)} s before the last write ended, seen by the user's other clients: ${others.join(', ') || 'none'}`;
    });
  };
  final.forEach((n, c) => assert.equal(n, expectedPerUser(Math.floor(c / PER_USER)),
    `client ${c} saw every write of its user; missed: ${missed(c).join('; ')}`));

  // The server holds each write exactly once.
  for (const [u, user] of users.entries()) {
    const titles = (await serverObjects('Deal', user.token, { title: { $regex: `^\\Q${marker}\\E` } })).map((d) => d.title);
    assert.equal(titles.length, new Set(titles).size, `no duplicates for user ${u}`);
    assert.equal(titles.length, expectedPerUser(u), `every write of user ${u} is on the server`);
  }

  const writeLatencies = writes.flatMap((w) => w.sent.map((s) => s[2]));
  const figures = {
    clients: CLIENTS,
    writesPerClient: WRITES,
    users: USERS,
    totalWrites: writeLatencies.length,
    seconds: elapsed,
    writesPerSecond: Math.round(writeLatencies.length / elapsed),
    writeLatencyMs: { p50: percentile(writeLatencies, 50), p99: percentile(writeLatencies, 99) },
    eventsDelivered: seen.reduce((s, e) => s + e.length, 0),
    eventsCaughtUpAfterReconnecting: caughtUp,
    eventLatencyMs: { p50: percentile(eventLatencies, 50), p99: percentile(eventLatencies, 99) },
  };
  console.log(`load: ${figures.totalWrites} writes by ${CLIENTS} clients in ${elapsed.toFixed(1)} s = ${figures.writesPerSecond} writes/s; ` +
    `write latency p50 ${figures.writeLatencyMs.p50} ms, p99 ${figures.writeLatencyMs.p99} ms; ` +
    `${figures.eventsDelivered} events delivered, ${caughtUp} of them caught up after the sockets were cut; ` +
    `event latency p50 ${figures.eventLatencyMs.p50} ms, p99 ${figures.eventLatencyMs.p99} ms`);
  await mkdir(path.join(root, 'target/test-logs'), { recursive: true });
  await writeFile(path.join(root, 'target/test-logs/load.json'), JSON.stringify(figures, null, 2));
});
