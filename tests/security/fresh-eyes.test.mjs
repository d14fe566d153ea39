// Findings of a fresh-eyes attack on the trust model (README, "Trust model"), each a case that
// fails until the backend is fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { call, signUp, assertRefused, useVictim, unique, SERVER, sleep, APP, liveSocket, useStrictServer } from './harness.mjs';

const victim = useVictim();

test('setup: the victim has a profile', async () => {
  const r = await call('POST', '/classes/Profile', { token: victim.token, body: { objectId: victim.id, displayName: 'Vera Victim' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
});

// Profile.displayName is the one thing every team member sees of another (assignees, the
// team list). Its rule refuses only C0 controls, DEL, U+2028/2029 and surrounding spaces, while
// usernames (which no one else sees) also refuse format and invisible characters. So an
// attacker can take a name that renders exactly like the victim's ("Vera\u200bVictim"), one
// that reverses the text after it (U+202E), one with a C1 control character (U+0085, NEL — a
// control character the rule's own message says it refuses), or a name that renders as nothing.
const LOOKALIKES = [
  ['a zero-width space inside the victim\'s name', 'Vera\u200bVictim'],
  ['a zero-width joiner inside the victim\'s name', 'Vera Vic\u200dtim'],
  ['a right-to-left override', '\u202emitciV areV'],
  ['a C1 control character (NEL)', 'Vera\u0085Victim'],
  ['only a zero-width space (an invisible name)', '\u200b'],
  ['a word joiner before the victim\'s name', '\u2060Vera Victim'],
];

for (const [what, displayName] of LOOKALIKES) {
  test(`a display name with ${what} is refused (it is shown to the whole team)`, async () => {
    const attacker = await signUp('lookalike');
    const r = await call('POST', '/classes/Profile', { token: attacker.token, body: { objectId: attacker.id, displayName } });
    assertRefused(r, 142, `displayName ${JSON.stringify(displayName)}`);
    // And not by a rename either.
    const ok = await call('POST', '/classes/Profile', { token: attacker.token, body: { objectId: attacker.id, displayName: unique('Mallory ') } });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    const rename = await call('PUT', `/classes/Profile/${attacker.id}`, { token: attacker.token, body: { displayName } });
    assertRefused(rename, 142, `rename to ${JSON.stringify(displayName)}`);
  });
}

// ---- GraphQL aliases multiply the account rate limits -----------------------------------------
// guard.js counts a GraphQL request as one sign-up / log-in / password reset when its text
// mentions the mutation, however many times the mutation is in it. GraphQL runs every aliased
// field (`a: resetPassword(...) b: resetPassword(...)`), so one request does as many as its 200
// fields allow: a mail bomb at the victim's address (5 reset e-mails a minute becomes ~100 per
// request), or thousands of sign-ups or credential-stuffing log-ins a minute from one address.
// A server of its own with the real limits (as accounts.test.mjs does), its outbox in a
// temporary folder.
const strict = useStrictServer(61, 'fresh-eyes');
const strictPort = strict.port;
const STRICT_GQL = strict.graphql;

async function strictGql(query) {
  const r = await fetch(STRICT_GQL, { method: 'POST', headers: { ...APP, 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) });
  return r.json();
}

test('aliased resetPassword mutations in one GraphQL request do not send more than 5 reset e-mails a minute', async () => {
  const email = `${victim.username}@example.com`;
  const fields = Array.from({ length: 20 }, (_, i) => `m${i}: resetPassword(input: { email: "${email}" }) { ok }`).join('\n');
  const answer = await strictGql(`mutation { ${fields} }`);
  await sleep(500);
  const mails = strict.mailsTo(email);
  assert.ok(mails.length <= 5, `${mails.length} password-reset e-mails to the victim from one request (the limit is 5 a minute): ${JSON.stringify(answer).slice(0, 300)}`);
});

test('aliased signUp mutations in one GraphQL request do not create more than 10 accounts a minute', async () => {
  const names = Array.from({ length: 15 }, () => unique('alias'));
  const fields = names.map((u, i) => `s${i}: signUp(input: { fields: { username: "${u}", email: "${u}@example.com", password: "pw-attack-1" } }) { viewer { user { objectId } } }`).join('\n');
  const answer = await strictGql(`mutation { ${fields} }`);
  const created = Object.values(answer.data || {}).filter((v) => v && v.viewer).length;
  assert.ok(created <= 10, `${created} accounts from one request (the limit is 10 a minute)`);
});

test('aliased logIn mutations in one GraphQL request count as more than one log-in attempt', async () => {
  const fields = Array.from({ length: 40 }, (_, i) => `l${i}: logIn(input: { username: "${unique('ghost')}", password: "guess-${i}" }) { viewer { sessionToken } }`).join('\n');
  const answer = await strictGql(`mutation { ${fields} }`);
  const tried = (answer.errors || []).filter((e) => e.extensions && e.extensions.code === 101).length;
  assert.ok(tried <= 30, `${tried} log-in attempts checked from one request (the limit is 30 a minute)`);
});

// README: "at most 10 sign-ups (or e-mail / username changes, whose answer tells whether an
// address is taken)" per address and minute, "counted across REST, batch and GraphQL". A REST
// PUT /users/:id with an e-mail is counted; GraphQL's updateUser is not counted at all (and
// aliases put many in one request), so it answers "Account already exists for this email
// address" for as many addresses as an attacker likes: an unlimited oracle of who has an account.
test("GraphQL updateUser is counted like a REST e-mail or username change (it tells whether an address is taken)", async () => {
  const prober = await signUp('prober');
  const victimEmail = `${victim.username}@example.com`;
  const probes = Array.from({ length: 15 }, (_, i) => (i % 3 === 0 ? victimEmail : `${unique('nobody')}@example.com`));
  const fields = probes.map((email, i) => `u${i}: updateUser(input: { id: "${prober.id}", fields: { email: "${email}" } }) { user { objectId } }`).join('\n');
  const r = await fetch(STRICT_GQL, {
    method: 'POST', headers: { ...APP, 'Content-Type': 'application/json', 'X-Parse-Session-Token': prober.token },
    body: JSON.stringify({ query: `mutation { ${fields} }` }),
  });
  const answer = await r.json();
  const answered = Object.values(answer.data || {}).filter(Boolean).length
    + (answer.errors || []).filter((e) => e.extensions && e.extensions.code === 203).length;
  assert.ok(answered <= 10, `${answered} e-mail changes answered (taken or not) from one request (the limit is 10 a minute): ${JSON.stringify(answer.errors || []).slice(0, 200)}`);
});

// GraphQL's `challenge` mutation checks a username and password (it answers "Invalid
// username/password." or challenge data) like REST's /challenge, which the gate counts as a
// log-in; guard.js's list of GraphQL account mutations does not include it, so it is a log-in
// oracle with no per-address limit, even one request at a time.
test('GraphQL challenge (a username and password check) is counted like a log-in', async () => {
  const codes = [];
  for (let i = 0; i < 32; i++) {
    const answer = await strictGql(`mutation { challenge(input: { username: "${unique('ghost')}", password: "guess-${i}-x" }) { challengeData } }`);
    codes.push(answer.errors && answer.errors[0] && answer.errors[0].extensions && answer.errors[0].extensions.code);
  }
  const checked = codes.filter((c) => c === 101).length;
  assert.ok(checked <= 30, `${checked} passwords checked through GraphQL challenge in a minute (log-ins are limited to 30): ${codes.join(' ')}`);
});

// ---- GraphQL over GET skips the gate -----------------------------------------------------------
// graphQLGuard checks POST requests only (`if (req.method !== 'POST') return next()`), and
// Parse's GraphQL server also answers queries sent as GET /graphql?query=… (any non-browser
// client may send the `apollo-require-preflight` header its CSRF check asks for). So the gate's
// checks on GraphQL text do not apply to them: a NUL character reaches PostgreSQL and comes back
// as a bare "Internal server error" (code 1), and an impossible date (2026-02-30) is taken as
// March 2, both of which the README says stop at the gate.
async function gqlGet(query, token) {
  const url = `${SERVER.replace(/\/parse$/, '/graphql')}?query=${encodeURIComponent(query)}`;
  const r = await fetch(url, { headers: { ...APP, 'X-Parse-Session-Token': token, 'apollo-require-preflight': 'true' } });
  return { status: r.status, json: await r.json() };
}

test('GraphQL queries sent as GET are refused with a code (the gate checks POST bodies)', async () => {
  const attacker = await signUp('getter');
  for (const query of ['{ deals { count } }', '{ deals(where: { title: { equalTo: "a\\u0000b" } }) { count } }', '{ deals(where: { expectedCloseDate: { lessThan: "2026-02-30T00:00:00.000Z" } }) { count } }']) {
    const r = await gqlGet(query, attacker.token);
    assert.equal(r.status, 405, JSON.stringify(r.json));
    const error = (r.json.errors || [])[0];
    assert.ok(error && error.extensions && error.extensions.code === 107 && /POST/.test(error.message), JSON.stringify(r.json));
  }
  // The same queries over POST still answer (the first) or are refused in words (the others).
  const ok = await fetch(SERVER.replace(/\/parse$/, '/graphql'), { method: 'POST', headers: { ...APP, 'Content-Type': 'application/json', 'X-Parse-Session-Token': attacker.token }, body: JSON.stringify({ query: '{ deals { count } }' }) });
  assert.equal(ok.status, 200);
});

// ---- HEAD requests skip the gate ---------------------------------------------------------------
// Express answers HEAD with the GET route, so Parse runs HEAD /parse/login, /verifyPassword and
// /classes/… as GETs; guard.js counts log-ins for GET and POST only and checks where, limit,
// skip and order only when the method is GET. A HEAD log-in answers 200 for the right password
// and 404 for a wrong one (and creates a session): a password oracle outside the 30-a-minute
// limit. (The per-account lock-out still applies; many accounts' passwords can be tried.)
test('HEAD /login is counted like a log-in (its status tells whether the password is right)', async () => {
  const statuses = [];
  for (let i = 0; i < 32; i++) {
    const r = await fetch(`http://127.0.0.1:${strictPort}/parse/login?username=${unique('ghost')}&password=guess-${i}-x`, { method: 'HEAD', headers: APP });
    statuses.push(r.status);
  }
  assert.ok(statuses.filter((s) => s === 429).length >= 2, `32 HEAD log-ins in a minute, none refused as over the limit of 30: ${statuses.join(' ')}`);
});

// The same through the SDK's method override: a POST /login with `_method: "HEAD"` (the gate
// takes the method from _method, Parse makes it a HEAD, Express runs the GET route). The answer
// is a 200 or a 404 with a Content-Length and no body.
test('POST /login with _method HEAD is counted like a log-in', async () => {
  const statusOf = (body) => new Promise((resolve, reject) => {
    const req = http.request(`http://127.0.0.1:${strictPort}/parse/login`, { method: 'POST', headers: { ...APP, 'Content-Type': 'application/json' } }, (res) => {
      resolve(res.statusCode);
      res.destroy();
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  const statuses = [];
  for (let i = 0; i < 32; i++) statuses.push(await statusOf({ _method: 'HEAD', username: unique('ghost'), password: `guess-${i}-x` }));
  // Refused outright now (107: _method is GET, POST, PUT or DELETE), or counted and throttled:
  // never a password checked past the log-in limit.
  assert.ok(statuses.every((s) => s === 400 || s === 429), `32 log-ins in a minute through _method HEAD: ${statuses.join(' ')}`);
});

test("HEAD queries pass the gate's checks as GET queries do (no bare 500s)", async () => {
  const attacker = await signUp('header');
  const bad = {
    'an invalid date': `where=${encodeURIComponent(JSON.stringify({ expectedCloseDate: { $lt: { __type: 'Date', iso: 'garbage' } } }))}`,
    'an impossible date': `where=${encodeURIComponent(JSON.stringify({ createdAt: { $lt: { __type: 'Date', iso: '2026-02-30T00:00:00Z' } } }))}`,
    'a negative limit': 'limit=-5',
    'an infinite skip': 'skip=1e400',
  };
  for (const [what, query] of Object.entries(bad)) {
    const get = await fetch(`${SERVER}/classes/Deal?${query}`, { headers: { ...APP, 'X-Parse-Session-Token': attacker.token } });
    assert.equal(get.status, 400, `GET with ${what} is refused at the gate`);
    const head = await fetch(`${SERVER}/classes/Deal?${query}`, { method: 'HEAD', headers: { ...APP, 'X-Parse-Session-Token': attacker.token } });
    assert.equal(head.status, 400, `HEAD with ${what}: refused like GET, not ${head.status}`);
  }
});

// ---- Live Query: a second `connect` on one socket --------------------------------------------
// guard.js caps subscriptions per connection (100) by the request ids it has seen on the socket.
// Parse's LiveQuery server makes a new client for every `connect` frame and points the socket
// at it, but keeps the earlier client and its subscriptions live (and its disconnect clean-up
// only removes the socket's last client, so the earlier ones outlive the socket). A second
// `connect` lets the same request ids subscribe again: 120 live subscriptions below (and more
// with every further `connect`), each evaluated on every save of its class.
test('a second connect on one Live Query socket does not get round the 100-subscription cap', async () => {
  const attacker = await signUp('reconnect');
  const s = await liveSocket();
  const tag = unique('lq');
  const clientIds = [];
  for (let round = 0; round < 2; round++) {
    s.send({ op: 'connect', applicationId: 'crm', javascriptKey: 'crm-js-key', sessionToken: attacker.token });
    const f = await s.next((x) => (x.op === 'connected' || x.op === 'error') && !clientIds.includes(x.clientId || x.error));
    clientIds.push(f.clientId || f.error);
    if (f.op !== 'connected') break;
    for (let i = 1; i <= 60; i++) {
      s.send({ op: 'subscribe', requestId: i, sessionToken: attacker.token, query: { className: 'Deal', where: { title: `${tag}-${round}-${i}` } } });
    }
    await sleep(1500);
  }
  const subscribed = s.frames.filter((f) => f.op === 'subscribed').length;
  // Does a subscription of the first client still deliver after the second connect?
  const saved = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: `${tag}-0-7` } });
  assert.equal(saved.status, 201, JSON.stringify(saved.json));
  const firstStillLive = await s.next((f) => f.op === 'create' && f.object && f.object.title === `${tag}-0-7`, 4000).then(() => true, () => false);
  s.close();
  const live = firstStillLive ? subscribed : s.frames.filter((f) => f.op === 'subscribed' && f.clientId === clientIds[clientIds.length - 1]).length;
  assert.ok(live <= 100, `${live} live subscriptions on one connection after a second connect (the cap is 100; the first client's still delivers: ${firstStillLive})`);
});
