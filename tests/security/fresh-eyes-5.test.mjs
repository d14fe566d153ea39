// Found attacking a private backend as a signed-up user (fifth pass): the Live Query event
// budgets of the day's change, charged to the writer of a save. Each test fails without its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVER, call, connectLive, pointer, signUp, sleep, useVictim } from './harness.mjs';

useVictim();

async function subscribed(user, copies) {
  const live = await connectLive(user.token);
  for (let i = 1; i <= copies; i++) live.send({ op: 'subscribe', requestId: i, query: { className: 'Deal', where: {} }, sessionToken: user.token });
  await live.next((f) => f.op === 'subscribed' && f.requestId === copies);
  live.received = 0;
  live.ws.on('message', (data) => { live.received += data.length; });
  return live;
}

const batch = (token, requests) => call('POST', '/batch', { token, body: { requests } });
const longNotes = (round) => (round % 2 ? '€' : '¢').repeat(10_000);

async function fiftyDeals(token, body = {}) {
  const made = await batch(token, Array.from({ length: 50 }, (_, i) => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: `Flood ${i}`, ...body } })));
  assert.equal(made.status, 200, JSON.stringify(made.json));
  return made.json.map((r) => r.success.objectId);
}

const rewrite = (token, ids, round) => batch(token, ids.map((id) => ({ method: 'PUT', path: `/parse/classes/Deal/${id}`, body: { notes: longNotes(round) } })));

// ---- one's own writes were free ------------------------------------------------------------------
// The first 4 copies of a save a user is sent were charged to its writer, and to no one when the
// writer was the user itself. One account, 4 subscriptions on its own deals, rewriting 50 of them
// with long notes in a loop, was sent 320 MB in 20 s (16 MB a second; its budget is 32 MB in
// 10 s), never cut, never refused, for as long as it wrote. Now one's own writes pay for their
// first copies as the writer: past 32 MB its writes are refused (155), its socket stays open.
test("found attacking it: one's own writes, copied to one's own subscriptions, are not sent free of any budget", { timeout: 120_000 }, async () => {
  const me = await signUp('selfflood');
  const live = await subscribed(me, 4);
  const ids = await fiftyDeals(me.token);
  let refusal = null;
  const started = Date.now();
  for (let round = 0; Date.now() - started < 9_000 && !refusal; round++) {
    const r = await rewrite(me.token, ids, round);
    if (r.status !== 200) refusal = r;
  }
  await sleep(500);
  assert.ok(refusal, `the flood went on unrefused: ${(live.received / 1e6).toFixed(0)} MB sent in ${Date.now() - started} ms`);
  assert.equal(refusal.json.code, 155, JSON.stringify(refusal.json));
  assert.match(refusal.json.error, /write again in \d+ s/);
  // At most the budget and one batch's events (50 saves, 4 copies of 61 KB).
  assert.ok(live.received <= 32 * 1024 * 1024 + 4 * 50 * 61_000 + 200_000, `sent ${live.received} bytes`);
  assert.equal(await Promise.race([live.closed, sleep(100).then(() => 'open')]), 'open', 'its socket stays open');
  live.close();
  await sleep(10_500);
});

// ---- an address's writer budget spent by a few accounts ------------------------------------------
// Past the writer budget of an address (64 MB of first copies in 10 s), every client from that
// address had its writes refused. Three accounts behind an office's address, each under its own
// budget, writing long notes on deals assigned to a fourth that subscribed to them 4 times, spent
// it in a few seconds: every colleague behind that address (here: every test user, all on
// 127.0.0.1) had its saves refused (155) for the rest of the 10 s, again and again. Now a spent
// address budget holds back only the writers from it that spent at least their share.
test("found attacking it: accounts behind one address cannot get everyone else's writes there refused", { timeout: 120_000 }, async () => {
  const colleague = await signUp('officecolleague');
  const sink = await signUp('officesink');
  const live = await subscribed(sink, 4);
  const writers = [await signUp('office1'), await signUp('office2'), await signUp('office3')];
  const deals = await Promise.all(writers.map((w) => fiftyDeals(w.token, { assignedTo: pointer('_User', sink.id) })));
  // Each writer: three rounds (about 30 MB of first copies each, under its own 32 MiB; 90 MB in
  // all, past the address's 64 MiB).
  for (let round = 0; round < 3; round++) {
    for (let w = 0; w < writers.length; w++) await rewrite(writers[w].token, deals[w], round);
  }
  const last = await rewrite(writers[2].token, deals[2], 3);
  assert.equal(last.status, 429, `the address's budget was spent: ${JSON.stringify(last.json).slice(0, 200)}`);
  const mine = await call('POST', '/classes/Deal', { token: colleague.token, body: { title: 'my own work' } });
  assert.equal(mine.status, 201, `a colleague's write: ${JSON.stringify(mine.json)}`);
  live.close();
  await sleep(10_500);
});

// ---- the reset token in the Referer ------------------------------------------------------------------
// The page a reset link opens has the token (and the username) in its address, and a link back to
// the app (CRM_APP_URL). Nothing told the browser to keep that address to itself: where the app
// and the server share an origin (one host behind a proxy), following the link sent the app the
// page's full address, a live reset token, in its Referer (logs, analytics), and the app's
// document.referrer held it. Every page now says no-referrer.
test('found attacking it: the password-reset pages do not hand their address (the token) to the page their link opens', async () => {
  const pages = [
    `${SERVER}/apps/choose_password?appId=crm&token=tok123&username=someone`,
    `${SERVER}/apps/crm/request_password_reset?token=tok123&username=someone`,
    `${SERVER}/apps/password_reset_success.html`,
  ];
  for (const url of pages) {
    const res = await fetch(url, { redirect: 'manual' });
    const text = await res.text();
    assert.equal(res.status, 200, url);
    const policy = res.headers.get('referrer-policy') || (text.match(/<meta name="referrer" content="([^"]*)">/) || [])[1];
    assert.equal(policy, 'no-referrer', `${url} sets no referrer policy`);
  }
});
