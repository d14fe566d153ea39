// Findings of a second fresh-eyes attack on the trust model (README, "Trust model"), each a
// case that failed until the backend was fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, signUp, assertRefused, assertBatchItemRefused, useVictim, unique, sleep, useStrictServer } from './harness.mjs';

const victim = useVictim();
let attacker;
// Each run's names are its own (profiles stay in the test database between runs).
const RUN = ` ${Date.now().toString(36).toUpperCase()}`;

test('setup: the victim has a profile, an attacker a session', async () => {
  const r = await call('POST', '/classes/Profile', { token: victim.token, body: { objectId: victim.id, displayName: `Vera Victim${RUN}` } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  attacker = await signUp('fresh2');
});

// ---- the gate took `_method` from the body of any request -------------------------------------
// Parse honours a body's `_method` only on a POST (the JS SDK's form); the gate took it from
// every request. A PUT whose body says `_method: "GET"` was checked as a query (no field
// operation checks) and written by Parse as the update it is: an `Add` on a text field reached
// Parse, which answered a bare 500 "Internal server error".
test('a PUT or DELETE whose body names another _method is checked as what Parse runs', async () => {
  const deal = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'Mine', amount: 1 } });
  assert.equal(deal.status, 201, JSON.stringify(deal.json));
  for (const _method of ['GET', 'HEAD', 'get']) {
    const r = await call('PUT', `/classes/Deal/${deal.json.objectId}`, {
      token: attacker.token, body: { _method, title: { __op: 'Add', objects: ['x'] } },
    });
    assertRefused(r, 111, `PUT with _method ${_method} and an Add on a text field`);
  }
  const still = await call('GET', `/classes/Deal/${deal.json.objectId}`, { token: attacker.token });
  assert.equal(still.json.title, 'Mine');
});

// ---- display names: look-alikes the fold did not know -----------------------------------------
// The look-alike key (rules.js displayNameKey) folds case, accents, Cyrillic and Greek letters,
// 1/l/I and full-width forms, but not other letters that render like Latin ones: the Turkish
// dotless ı, Latin small capitals and IPA letters (ᴄ, ɑ, ɩ), Cyrillic izhitsa (ѵ, Ѵ), Lisu (ꓦ)
// and Cherokee (Ꮩ). An impostor named "Vera Vıctım" was accepted beside "Vera
// Victim", and assigning a deal to the wrong one shares it with the impostor.
const LOOKALIKES = [
  ['dotless ı', 'Vera V\u0131ct\u0131m'],
  ['a Latin small capital C', 'Vera Vi\u1d04tim'],
  ['a Latin alpha', 'Ver\u0251 Victim'],
  ['a Latin iota', 'Vera Vict\u0269m'],
  ['a Cyrillic izhitsa', '\u0474era \u0475ictim'],
  ['a Lisu V', '\ua4e6era Victim'],
  ['a Cherokee V', '\u13d9era Victim'],
  ['a Latin small capital I', 'Vera V\u026actim'],
  // Only Unicode's confusables.txt (UTS #39) knows these: a Cyrillic ghe, a Greek lunate
  // sigma, a Canadian syllabics e.
  ['a Cyrillic ghe', 'Ve\u0433a Victim'],
  ['a Greek lunate sigma', 'Vera Vi\u03f2tim'],
  ['a Canadian syllabics V', '\u142fera Victim'],
  // Hangul fillers are letters that draw nothing (a helper's attack, 2026-11-30).
  ['a Hangul filler after it', 'Vera Victim\u3164'],
  ['a Hangul filler for the space', 'Vera\u3164Victim'],
  ['a halfwidth Hangul filler before it', '\uffa0Vera Victim'],
  ['Hangul choseong and jungseong fillers', 'Vera\u115f \u1160Victim'],
];
for (const [what, name] of LOOKALIKES) {
  const displayName = name + RUN;
  test(`a display name like a colleague's (${what}) is refused`, async () => {
    const impostor = await signUp('lookalike2');
    const r = await call('POST', '/classes/Profile', { token: impostor.token, body: { objectId: impostor.id, displayName } });
    assertRefused(r, 137, `create ${JSON.stringify(displayName)}`);
    const own = await call('POST', '/classes/Profile', { token: impostor.token, body: { objectId: impostor.id, displayName: unique('Ian Impostor ') } });
    assert.equal(own.status, 201, JSON.stringify(own.json));
    assertRefused(await call('PUT', `/classes/Profile/${impostor.id}`, { token: impostor.token, body: { displayName } }), 137, `rename to ${JSON.stringify(displayName)}`);
  });
}

// ---- batch paths with "." and ".." segments -----------------------------------------------------
// Parse routes a batch sub-request on path.posix.join('/', path), which resolves "." and "..":
// "/parse/./users" is a sign-up, "/parse/x/../requestPasswordReset" a reset e-mail. The gate
// compared the unresolved path with "/users" and the rest, so such sub-requests were neither
// counted against the account limits nor checked: 100 reset e-mails to the victim per request,
// unlimited sign-ups and log-in attempts, and an Add on a text field reached Parse (an error
// without a code).
test('a batch sub-request on a path with "." or ".." is checked like the path it resolves to', async () => {
  const deal = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'Dotted', amount: 1 } });
  assert.equal(deal.status, 201, JSON.stringify(deal.json));
  const r = await call('POST', '/batch', { token: attacker.token, body: { requests: [
    { method: 'PUT', path: `/parse/./classes/Deal/${deal.json.objectId}`, body: { title: { __op: 'Add', objects: ['x'] } } },
    { method: 'PUT', path: `/parse/classes/x/../Deal/${deal.json.objectId}`, body: { title: { __op: 'Add', objects: ['x'] } } },
    { method: 'POST', path: '/parse/./users', body: { objectId: 'abcdefghij12', username: unique('dot'), email: `${unique('dot')}@example.com`, password: 'pw-attack-1' } },
  ] } });
  assertBatchItemRefused(r, 0, 111, 'an Add through /parse/./classes');
  assertBatchItemRefused(r, 1, 111, 'an Add through /parse/classes/x/../Deal');
  assertBatchItemRefused(r, 2, 119, 'a chosen user id through /parse/./users');
});

// On a server of its own with the real limits (as accounts.test.mjs does).
const strict = useStrictServer(62, 'fresh-eyes-2');
const STRICT = strict.url;

test('batch sub-requests on dotted paths count against the account limits (reset e-mails, sign-ups)', async () => {
  const email = `${victim.username}@example.com`;
  const resets = Array.from({ length: 20 }, (_, i) => ({
    method: 'POST', path: i % 2 ? '/parse/./requestPasswordReset' : '/parse/x/../requestPasswordReset', body: { email },
  }));
  const signUps = Array.from({ length: 15 }, () => {
    const u = unique('dotted');
    return { method: 'POST', path: '/parse/./users', body: { username: u, email: `${u}@example.com`, password: 'pw-attack-1' } };
  });
  for (const requests of [resets, signUps]) {
    await fetch(`${STRICT}/batch`, {
      method: 'POST', headers: { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'Content-Type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
  }
  await sleep(500);
  const mails = strict.mailsTo(email);
  assert.ok(mails.length <= 5, `${mails.length} password-reset e-mails to the victim from one batch (the limit is 5 a minute)`);
  const names = signUps.map((s) => s.body.username);
  const created = await call('GET', `/users?where=${encodeURIComponent(JSON.stringify({ username: { $in: names } }))}&limit=100`, { master: true });
  assert.ok(created.json.results.length <= 10, `${created.json.results.length} accounts from one batch (the limit is 10 a minute)`);
});

// ---- the files routes answered refusals without a code -------------------------------------------
// The gate leaves /files/ to Parse (uploads are off); Parse's files router answers some refusals
// with a bare {"error":"Permission denied"} (HTTP 403) and no Parse code, which every other
// route's refusals carry.
test('refusals on the files routes carry a Parse code', async () => {
  for (const [method, route] of [['DELETE', '/files/x.txt'], ['GET', '/files/../classes/Deal'], ['DELETE', '/files/crm/x.txt']]) {
    const r = await call(method, route, { token: attacker.token });
    if (r.status < 400) continue;
    assertRefused(r, undefined, `${method} ${route}`);
  }
});

// ---- order=ACL answered an empty page --------------------------------------------------------
// Parse sorts by the ACL column's JSON and then answers no rows: not a leak, but a wrong answer
// a client cannot tell from "nothing there". Refused with a code instead.
test('order by ACL is refused, not answered with an empty page', async () => {
  await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'Ordered', stage: 'lead' } });
  for (const order of ['ACL', '-ACL', 'title,ACL']) {
    assertRefused(await call('GET', `/classes/Deal?order=${order}`, { token: attacker.token }), 102, `order=${order}`);
  }
  const plain = await call('GET', '/classes/Deal?order=-updatedAt', { token: attacker.token });
  assert.ok(plain.json.results.length > 0);
});

// ---- POST /sessions minted sessions without limit ----------------------------------------------
test('no one mints extra sessions: POST /sessions is refused, alone or in a batch', async () => {
  const before = await call('GET', `/sessions?where=${encodeURIComponent(JSON.stringify({ user: { __type: 'Pointer', className: '_User', objectId: attacker.id } }))}&count=1&limit=0`, { master: true });
  assertRefused(await call('POST', '/sessions', { token: attacker.token, body: {} }), 119, 'POST /sessions');
  assertRefused(await call('POST', '/SESSIONS/', { token: attacker.token, body: {} }), 119, 'POST /SESSIONS/');
  const batch = await call('POST', '/batch', { token: attacker.token, body: { requests: [{ method: 'POST', path: '/parse/sessions', body: {} }] } });
  assertBatchItemRefused(batch, 0, 119, 'batch POST /sessions');
  const after = await call('GET', `/sessions?where=${encodeURIComponent(JSON.stringify({ user: { __type: 'Pointer', className: '_User', objectId: attacker.id } }))}&count=1&limit=0`, { master: true });
  assert.equal(after.json.count, before.json.count, 'no new session');
  // Logging in still makes one, and the own session list still reads.
  assert.equal((await call('GET', '/sessions/me', { token: attacker.token })).status, 200);
});
