// Live Query across the cluster: writes through either API instance reach a subscriber whose
// socket the balancer gave to the LiveQuery process (Redis pub/sub in between), for objects
// Cloud Code protects with an owner-only ACL; another user subscribed to the same query sees
// none of them. (parse-server issue #8817 reports ACL'd events lost over Redis pub/sub: this is
// the proof that ours are delivered, and still filtered.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rest, signUp, subscribe, apiUrl, BASE, sleep } from './harness.mjs';

test('a write through one instance is a Live Query event for a subscriber connected through another, ACLs kept', async () => {
  const alice = await signUp('lqa', apiUrl(1));
  const bob = await signUp('lqb', apiUrl(2));
  const amount = 100000 + Math.floor(Math.random() * 800000);
  const query = { className: 'Deal', where: { amount } };
  // Alice through the balancer (its WebSockets go to the LiveQuery process); Alice again and
  // Bob straight to the LiveQuery process's own port.
  const viaBalancer = await subscribe(alice.token, query);
  const direct = await subscribe(alice.token, query, `ws://127.0.0.1:${BASE + 30}/parse`);
  const other = await subscribe(bob.token, query);

  const ids = [];
  for (const i of [1, 2, 1, 2]) {
    const r = await rest('POST', '/classes/Deal', { base: apiUrl(i), token: alice.token, body: { title: `lq via api${i}`, amount, stage: 'lead' } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    ids.push(r.json.objectId);
  }
  // The objects are private to Alice: Bob cannot read them over REST.
  const bobRead = await rest('GET', `/classes/Deal/${ids[0]}`, { token: bob.token });
  assert.equal(bobRead.status, 404, `Bob must not read Alice's deal: ${JSON.stringify(bobRead.json)}`);

  for (const s of [viaBalancer, direct]) {
    for (const id of ids) {
      const e = await s.next((f) => f.op === 'create' && f.object.objectId === id, 15000);
      assert.equal(e.object.amount, amount);
    }
  }
  // An update through the other instance is an event too.
  const u = await rest('PUT', `/classes/Deal/${ids[0]}`, { base: apiUrl(2), token: alice.token, body: { title: 'lq updated via api2' } });
  assert.equal(u.status, 200, JSON.stringify(u.json));
  const ev = await viaBalancer.next((f) => f.op === 'update' && f.object.objectId === ids[0], 15000);
  assert.equal(ev.object.title, 'lq updated via api2');

  await sleep(1000);
  const leaked = other.frames.filter((f) => ['create', 'update', 'enter'].includes(f.op));
  assert.deepEqual(leaked, [], "Bob's subscription saw none of Alice's private deals");
  for (const s of [viaBalancer, direct, other]) s.close();
});

// The LiveQuery process keeps what a session token resolved to (Parse's 5 s cache); a log-out
// answered by an API instance reaches it through PostgreSQL (backend/ended-sessions.js), not
// through that instance's memory: a socket on the LiveQuery process is sent nothing more.
test('a log-out through an API instance ends the session on the LiveQuery process at once', async () => {
  const alice = await signUp('lqout', apiUrl(1));
  const second = await rest('POST', '/login', { base: apiUrl(2), body: { username: alice.name, password: 'pw-cluster-1' } });
  assert.equal(second.status, 200, JSON.stringify(second.json));
  const amount = 100000 + Math.floor(Math.random() * 800000);
  const query = { className: 'Deal', where: { amount } };
  const ending = await subscribe(alice.token, query);
  const staying = await subscribe(second.json.sessionToken, query);
  const create = async (title) => {
    const r = await rest('POST', '/classes/Deal', { base: apiUrl(2), token: second.json.sessionToken, body: { title, amount, stage: 'lead' } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json.objectId;
  };
  const before = await create('before the log-out');
  await ending.next((f) => f.op === 'create' && f.object.objectId === before, 15000);
  assert.equal((await rest('POST', '/logout', { base: apiUrl(1), token: alice.token })).status, 200);
  await sleep(300);
  const after = await create('after the log-out');
  await staying.next((f) => f.op === 'create' && f.object.objectId === after, 15000);
  await sleep(500);
  assert.deepEqual(ending.frames.filter((f) => f.op === 'create' && f.object.objectId === after), [], 'the logged-out socket was sent nothing');
  for (const s of [ending, staying]) s.close();
});
