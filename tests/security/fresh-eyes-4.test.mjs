// Found attacking a private backend as a signed-up user (fourth pass): what one user's writes or
// requests could spend of another user's share, and the password-reset link another user could
// void. Each test fails without its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, connectLive, pointer, signUp, sleep, useVictim } from './harness.mjs';

useVictim();

// ---- Live Query budgets spent by someone else's writes --------------------------------------------
// The bytes of Live Query events a user may be sent in 10 s (32 MB) were charged to the user they
// were sent to, whoever wrote them. Any user may assign anyone a deal and keep rewriting its notes
// (10,000 euro signs: 60 KB an event with its original): 50 such deals, rewritten in batches, spent
// the victim's budget in 2.4 s; the victim's socket was closed and every connect refused (155) for
// as long as the writes went on. Now the first copies of an event are charged to the client whose
// write caused it, past its budget that client's writes are refused, and the victim is never cut.
test('found attacking it: another user\'s writes cannot spend a user\'s Live Query budget and shut them out', { timeout: 120_000 }, async () => {
  const target = await signUp('livetarget');
  const writer = await signUp('livewriter');
  const live = await connectLive(target.token);
  live.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: {} }, sessionToken: target.token });
  await live.next((f) => f.op === 'subscribed');
  let received = 0;
  let updates = 0;
  live.ws.on('message', (data) => {
    received += data.length;
    if (String(data).startsWith('{"op":"update"')) updates += 1;
  });
  const made = await call('POST', '/batch', { token: writer.token, body: { requests: Array.from({ length: 50 }, (_, i) => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: `Assigned ${i}`, assignedTo: pointer('_User', target.id) } })) } });
  const ids = made.json.map((r) => r.success.objectId);
  assert.equal(ids.length, 50);
  let refusal = null;
  let written = 0;
  for (let round = 0; round < 30 && !refusal; round++) {
    const notes = (round % 2 ? '€' : '¢').repeat(10_000);
    const r = await call('POST', '/batch', { token: writer.token, body: { requests: ids.map((id) => ({ method: 'PUT', path: `/parse/classes/Deal/${id}`, body: { notes } })) } });
    if (r.status !== 200) refusal = r;
    else written += r.json.filter((x) => x.success).length;
  }
  // The writer is told to wait; its reads are still served.
  assert.ok(refusal, 'the writer\'s writes are refused once they spent its budget');
  assert.equal(refusal.status, 429, JSON.stringify(refusal.json));
  assert.equal(refusal.json.code, 155);
  assert.match(refusal.json.error, /write again in \d+ s/);
  assert.equal((await call('GET', '/classes/Deal?limit=1', { token: writer.token })).status, 200);
  // The target stayed connected and was sent every write that was made: the writer's budget
  // held back its next writes, not their events (at most one batch past 32 MB).
  for (let i = 0; i < 100 && updates < written; i++) await sleep(100);
  assert.equal(updates, written, 'every accepted write reached the target');
  assert.ok(received <= 32 * 1024 * 1024 + 50 * 61_000 + 200_000, `the target was sent ${received} bytes`);
  assert.equal(await Promise.race([live.closed, sleep(100).then(() => 'open')]), 'open', 'the target was never cut off');
  // Its own writes still reach it.
  live.send({ op: 'subscribe', requestId: 2, query: { className: 'Deal', where: { title: 'mine' } }, sessionToken: target.token });
  await live.next((f) => f.op === 'subscribed' && f.requestId === 2);
  assert.equal((await call('POST', '/classes/Deal', { token: target.token, body: { title: 'mine' } })).status, 201);
  await live.next((f) => f.op === 'create' && f.object.title === 'mine');
  live.ws.close();
  // After the window the writer writes again.
  await sleep(10_500);
  assert.equal((await call('PUT', `/classes/Deal/${ids[0]}`, { token: writer.token, body: { notes: 'short' } })).status, 200);
});
