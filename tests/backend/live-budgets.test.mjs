// The Live Query event budgets (backend/guard.js liveEventBudgets), on their own: a user's and an
// address's, in bytes, with sockets that record being closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../backend/', import.meta.url));
const { liveEventBudgets, tooMuchUnread } = require('./guard.js');

function socket() {
  const ws = new EventEmitter();
  ws.terminated = false;
  ws.terminate = () => {
    ws.terminated = true;
    ws.emit('close');
  };
  return ws;
}

test("a user's budget closes that user's sockets only, and its connects wait until the window ends", () => {
  const users = { ta: 'alice', tb: 'bob' };
  const budgets = liveEventBudgets((t) => users[t] || null, { perUser: 1000, perAddress: 10_000, windowMs: 60_000 });
  const [a1, a2, b1] = [socket(), socket(), socket()];
  assert.equal(budgets.admit(a1, 'ta', '10.0.0.1'), null);
  assert.equal(budgets.admit(a2, 'ta', '10.0.0.2'), null);
  assert.equal(budgets.admit(b1, 'tb', '10.0.0.1'), null);
  assert.equal(budgets.spend(a1, 'x'.repeat(600)), true);
  // Bytes, not characters: 200 euro signs are 600 bytes.
  assert.equal(budgets.spend(a2, '€'.repeat(200)), false);
  assert.deepEqual([a1.terminated, a2.terminated, b1.terminated], [true, true, false]);
  assert.ok(budgets.admit(socket(), 'ta', '10.0.0.3') > 0, 'alice waits');
  assert.equal(budgets.spend(b1, 'x'.repeat(900)), true, 'bob is not charged for alice');
});

test("an address's budget counts every user from it", () => {
  const budgets = liveEventBudgets((t) => t, { perUser: 1000, perAddress: 1500, windowMs: 60_000 });
  const sockets = ['u1', 'u2', 'u3'].map((u) => {
    const ws = socket();
    assert.equal(budgets.admit(ws, u, '10.0.0.9'), null);
    return ws;
  });
  const elsewhere = socket();
  assert.equal(budgets.admit(elsewhere, 'u4', '10.0.0.10'), null);
  assert.equal(budgets.spend(sockets[0], 'x'.repeat(700)), true);
  assert.equal(budgets.spend(sockets[1], 'x'.repeat(700)), true);
  assert.equal(budgets.spend(sockets[2], 'x'.repeat(700)), false, 'each user under 1,000, the address over 1,500');
  assert.ok(sockets.every((ws) => ws.terminated));
  assert.equal(elsewhere.terminated, false);
  assert.ok(budgets.admit(socket(), 'u5', '10.0.0.9') > 0, 'a new user from that address waits too');
  assert.equal(budgets.admit(socket(), 'u5', '10.0.0.11'), null);
});

test('a budget is new again after its window', async () => {
  const budgets = liveEventBudgets(() => 'u', { perUser: 100, perAddress: 1000, windowMs: 50 });
  const ws = socket();
  assert.equal(budgets.admit(ws, 't', 'a'), null);
  assert.equal(budgets.spend(ws, 'x'.repeat(101)), false);
  await new Promise((r) => setTimeout(r, 60));
  const again = socket();
  assert.equal(budgets.admit(again, 't', 'a'), null);
  assert.equal(budgets.spend(again, 'x'.repeat(90)), true);
});

test("the first copies of one save are free for a user and an address; the copies a client multiplies past them are charged", () => {
  const budgets = liveEventBudgets((t) => t, { perUser: 1000, perAddress: 100_000, freePerUser: 2, freePerAddress: 3, windowMs: 60_000 });
  const ws = socket();
  assert.equal(budgets.admit(ws, 'carol', '10.0.0.20'), null);
  // A colleague's 50 saves of 600 bytes, each sent twice (two subscriptions): free.
  for (let i = 0; i < 50; i++) {
    assert.equal(budgets.spend(ws, 'x'.repeat(600), `save:Deal:d${i}:t`), true);
    assert.equal(budgets.spend(ws, 'x'.repeat(600), `save:Deal:d${i}:t`), true);
  }
  assert.equal(ws.terminated, false);
  // A third copy of one save is charged, and a second one past the budget closes the socket.
  assert.equal(budgets.spend(ws, 'x'.repeat(600), 'save:Deal:d0:t'), true);
  assert.equal(budgets.spend(ws, 'x'.repeat(600), 'save:Deal:d0:t'), false);
  assert.equal(ws.terminated, true);
  // An event whose save is not known is charged.
  const other = socket();
  assert.equal(budgets.admit(other, 'dave', '10.0.0.21'), null);
  assert.equal(budgets.spend(other, 'x'.repeat(600), null), true);
  assert.equal(budgets.spend(other, 'x'.repeat(600), null), false);
});

test("an address's free copies are shared by its users: many accounts from one address do not multiply free events", () => {
  const budgets = liveEventBudgets((t) => t, { perUser: 100_000, perAddress: 1000, freePerUser: 4, freePerAddress: 2, windowMs: 60_000 });
  const sockets = ['u1', 'u2', 'u3', 'u4'].map((u) => {
    const ws = socket();
    assert.equal(budgets.admit(ws, u, '10.0.0.30'), null);
    return ws;
  });
  // One save sent once to each of four users: the first two copies free, the other two charged.
  assert.equal(budgets.spend(sockets[0], 'x'.repeat(600), 'save:Deal:d:t'), true);
  assert.equal(budgets.spend(sockets[1], 'x'.repeat(600), 'save:Deal:d:t'), true);
  assert.equal(budgets.spend(sockets[2], 'x'.repeat(600), 'save:Deal:d:t'), true);
  assert.equal(budgets.spend(sockets[3], 'x'.repeat(600), 'save:Deal:d:t'), false);
  assert.ok(sockets.every((ws) => ws.terminated));
});

test("the first copies of one save another client wrote are charged to that writer, never to whom they are sent; its writes then wait, the events go out", () => {
  const budgets = liveEventBudgets((t) => t, { perUser: 1000, perAddress: 10_000, freePerUser: 2, freePerAddress: 8, windowMs: 60_000 });
  const victim = socket();
  assert.equal(budgets.admit(victim, 'v', '10.0.0.1'), null);
  const writer = { key: 'user:w', address: '10.0.0.2' };
  // Two subscriptions: both copies of each save are the writer's.
  assert.equal(budgets.spend(victim, 'x'.repeat(450), 'save:Deal:a:1', writer), true);
  assert.equal(budgets.spend(victim, 'x'.repeat(450), 'save:Deal:a:1', writer), true);
  assert.equal(budgets.writerWait('user:w', '10.0.0.2'), 0);
  // Past the writer's budget the event is still sent (it tells of a write already made) and the
  // recipient stays connected; the writer's next writes wait until its window ends.
  assert.equal(budgets.spend(victim, 'x'.repeat(200), 'save:Deal:b:1', writer), true);
  assert.equal(victim.terminated, false);
  assert.ok(budgets.writerWait('user:w', '10.0.0.2') > 0);
  assert.equal(budgets.writerWait('user:other', '10.0.0.2'), 0, "the address's budget of 10,000 is not spent");
  assert.equal(budgets.writerWait('user:v', '10.0.0.1'), 0);
  // A third copy of one save is what the recipient multiplied: charged to the recipient.
  assert.equal(budgets.spend(victim, 'x'.repeat(900), 'save:Deal:a:1', writer), true);
  assert.equal(budgets.spend(victim, 'x'.repeat(200), 'save:Deal:a:1', writer), false);
  assert.equal(victim.terminated, true);
  assert.ok(budgets.admit(socket(), 'v', '10.0.0.1') > 0);
});

test("a user's own writes pay for their first copies as the writer (its writes wait, its sockets stay); writes this process did not serve cost them nothing", () => {
  const budgets = liveEventBudgets((t) => t, { perUser: 1000, perAddress: 10_000, freePerUser: 1, freePerAddress: 8, windowMs: 60_000 });
  const me = socket();
  assert.equal(budgets.admit(me, 'me', '10.0.0.5'), null);
  for (let i = 0; i < 20; i++) {
    assert.equal(budgets.spend(me, 'x'.repeat(600), `save:Deal:theirs${i}:1`, null), true);
  }
  assert.equal(budgets.writerWait('user:me', '10.0.0.5'), 0);
  // Free, one's own writes with a few subscriptions were never charged at all (attack pass 5:
  // 320 MB in 20 s to one user, ten times its budget).
  for (let i = 0; i < 2; i++) {
    assert.equal(budgets.spend(me, 'x'.repeat(600), `save:Deal:mine${i}:1`, { key: 'user:me', address: '10.0.0.5' }), true);
  }
  assert.equal(me.terminated, false, 'the writer\'s own sockets stay open');
  assert.ok(budgets.writerWait('user:me', '10.0.0.5') > 0, 'its writes wait');
});

test("copies past a user's free ones are that user's, never the writer's, even while its address has free copies left", () => {
  const budgets = liveEventBudgets((t) => t, { perUser: 10_000, perAddress: 100_000, freePerUser: 2, freePerAddress: 16, windowMs: 60_000 });
  const attacker = socket();
  assert.equal(budgets.admit(attacker, 'attacker', '10.0.0.40'), null);
  const victim = { key: 'user:victim', address: '10.0.0.41' };
  // Twelve subscriptions on one save of the victim's: 2 copies are the victim's (2 KB), the
  // other 10 the attacker's (charged to the victim too, 12 KB spent its 10 KB budget).
  for (let copy = 0; copy < 12; copy++) assert.equal(budgets.spend(attacker, 'x'.repeat(1000), 'save:Deal:v:1', victim), true);
  assert.equal(budgets.writerWait('user:victim', '10.0.0.41'), 0, 'the victim paid for 2 copies, not 12');
});

test("an address's spent writer budget holds back the writers who spent it, not everyone behind that address", () => {
  const budgets = liveEventBudgets((t) => t, { perUser: 1000, perAddress: 2000, freePerUser: 4, freePerAddress: 16, windowMs: 60_000 });
  const office = '10.0.0.50';
  const recipient = socket();
  assert.equal(budgets.admit(recipient, 'r', '10.0.0.60'), null);
  // A colleague writes a little; three accounts from the same address write 700 bytes each.
  assert.equal(budgets.spend(recipient, 'x'.repeat(50), 'save:Deal:c:1', { key: 'user:colleague', address: office }), true);
  ['a1', 'a2', 'a3'].forEach((a, i) => assert.equal(budgets.spend(recipient, 'x'.repeat(700), `save:Deal:${a}:1`, { key: `user:${a}`, address: office }), true, String(i)));
  for (const a of ['a1', 'a2', 'a3']) assert.ok(budgets.writerWait(`user:${a}`, office) > 0, `${a} waits`);
  assert.equal(budgets.writerWait('user:colleague', office), 0, 'the colleague writes on');
  assert.equal(budgets.writerWait('user:newcomer', office), 0, 'so does one who wrote nothing yet');
});

test('unread frames: a socket past its own bound, or one behind while its address is past theirs together', () => {
  const limits = { liveBufferedBytes: 800, liveBufferedCheckBytes: 100, liveBufferedBytesPerAddress: 1000 };
  const at = (bufferedAmount) => ({ bufferedAmount });
  // Alone: only its own bound.
  const alone = at(700);
  assert.equal(tooMuchUnread(alone, [alone], limits), false);
  alone.bufferedAmount = 801;
  assert.equal(tooMuchUnread(alone, [alone], limits), true);
  // Twenty sockets of one address, each within its own bound, 1,400 together.
  const many = Array.from({ length: 20 }, () => at(70));
  assert.equal(tooMuchUnread(many[0], many, limits), false, 'a socket that keeps up owes nothing for the others');
  many[0].bufferedAmount = 101;
  assert.equal(tooMuchUnread(many[0], many, limits), true, 'one that fell behind is closed when its address is past its bound');
  // The same socket behind, with the others read up: within the address's bound.
  for (const s of many.slice(1)) s.bufferedAmount = 0;
  assert.equal(tooMuchUnread(many[0], many, limits), false);
});
