// Found attacking a private backend as a signed-up user (seventh pass). Each test fails without
// its fix.
import { test } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { APP, SERVER, call, gql, signUp, sleep, useStrictServer, useVictim } from './harness.mjs';

const victim = useVictim();
// Behind a proxy it trusts (the cluster's HAProxy): the client's address is the forwarded one.
const proxied = useStrictServer(75, 'fresh-eyes-7', { CRM_TRUST_PROXY: '127.0.0.1' });

/** A GET with a JSON body (Express parses it; fetch cannot send one). */
function getWithBody(route, body) {
  const url = new URL(SERVER + route);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers: { ...APP, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

// ---- another service's sign-in, on the log-in and challenge routes --------------------------
// Sixth pass refused authData on users over REST and in GraphQL's signUp, updateUser and
// logInWith. Parse's /login and /challenge read it too, and /challenge reads challengeData (a
// challenge per provider it names): without a session, POST /challenge with authData answered
// a bare 500 ("Internal server error", MFA and GitHub alike), and /login, GraphQL's challenge and
// a GET /login with a JSON body answered 141 "GitHub options are required."; each was logged
// with its stack at error level.
test('found attacking it: authData and challengeData on the log-in and challenge routes are refused in words', async () => {
  const me = await signUp('challenger');
  const github = { github: { id: '12345', access_token: 'x' } };
  const attempts = [
    ['/challenge with authData, no session', 'POST', '/challenge', { authData: github, challengeData: { github: {} } }],
    ['/challenge with MFA authData', 'POST', '/challenge', { authData: { mfa: { id: '1' } }, challengeData: { mfa: {} } }],
    ['/challenge with challengeData', 'POST', '/challenge', { username: me.username, password: me.password, challengeData: { github: {}, google: {} } }],
    ['/login with authData', 'POST', '/login', { username: me.username, password: me.password, authData: github }],
    ['/login as a GET in a POST', 'POST', '/login', { _method: 'GET', username: me.username, password: me.password, authData: github }],
    ['/verifyPassword with authData', 'POST', '/verifyPassword', { username: me.username, password: me.password, authData: github }],
  ];
  for (const [what, method, route, body] of attempts) {
    const r = await call(method, route, { body });
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.code, 252, `${what}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, /not enabled/, what);
  }
  // A GET's JSON body is read by Parse as well (fetch sends none: node:http does).
  const get = await getWithBody('/login', { username: me.username, password: me.password, authData: github });
  assert.equal(get.json.code, 252, `GET /login with a JSON body: ${JSON.stringify(get.json)}`);
  for (const [what, query] of [
    ['GraphQL challenge with challengeData', `mutation { challenge(input: { username: "${me.username}", password: "${me.password}", challengeData: { github: {} } }) { challengeData } }`],
    ['GraphQL logIn with authData', `mutation { logIn(input: { username: "${me.username}", password: "${me.password}", authData: { github: { id: "1" } } }) { viewer { user { id } } } }`],
  ]) {
    const r = await gql(query);
    assert.equal(r.json.errors?.[0]?.extensions?.code, 252, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
  }
  const inVariables = await gql('mutation ($c: Object) { challenge(input: { username: "x", password: "y", challengeData: $c }) { challengeData } }', { c: { github: {} } });
  assert.equal(inVariables.json.errors?.[0]?.extensions?.code, 252, JSON.stringify(inVariables.json).slice(0, 300));
  // A log-in with a username and password alone still works, over REST and GraphQL.
  const login = await call('POST', '/login', { body: { username: me.username, password: me.password } });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  const viaGraphQL = await gql(`mutation { logIn(input: { username: "${me.username}", password: "${me.password}" }) { viewer { user { id } } } }`);
  assert.ok(viaGraphQL.json.data?.logIn?.viewer?.user?.id, JSON.stringify(viaGraphQL.json));
  assert.ok(victim.token);
});

// ---- Live Query connections from one IPv6 /64 -------------------------------------------------
// Every limit keyed by a client's address counts an IPv6 /64 as one address (a machine is handed
// a whole /64): the rate limits, the log-in lockout, the fair share, the unread answers, the Live
// Query event budgets. Live Query's own per-address caps (200 connections, 200 subscriptions,
// 200 text searches, the unread frames summed over an address's sockets) counted each address as
// written: behind a trusted proxy, one client with a /64 could open as many connections (and
// subscriptions, each evaluated on every save) as it had addresses to name.
test('found attacking it: Live Query caps per address count an IPv6 /64 as one address, as every other limit does', { timeout: 120_000 }, async () => {
  const wsUrl = proxied.url.replace(/^http/, 'ws');
  const open = (forwarded) => new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { headers: { 'X-Forwarded-For': forwarded } });
    const result = { ws, closedWith: null };
    ws.on('close', (code) => { result.closedWith = code; });
    ws.on('error', () => {});
    ws.once('open', () => resolve(result));
    ws.once('unexpected-response', () => resolve(result));
  });
  const sockets = [];
  try {
    // 201 connections, each from its own address of one /64 (and spelled in several ways).
    for (let i = 1; i <= 201; i++) sockets.push(await open(i % 2 ? `2001:db8:7:7::${i.toString(16)}` : `2001:0db8:0007:0007:0:0:1:${i.toString(16)}`));
    await sleep(500);
    const refused = sockets.filter((s) => s.closedWith === 1013);
    assert.equal(refused.length, 1, `one /64 opens at most 200 Live Query connections: ${refused.length} of 201 refused`);
    // Another /64 (and an IPv4 address) is not affected.
    const other = await open('2001:db8:8:8::1');
    const v4 = await open('198.51.100.7');
    sockets.push(other, v4);
    await sleep(300);
    assert.equal(other.closedWith, null, 'another /64 connects');
    assert.equal(v4.closedWith, null, 'an IPv4 address connects');
  } finally {
    for (const s of sockets) s.ws.terminate();
  }
});

// ---- fragments that spread a fragment not there, or themselves ---------------------------------
// The gate bounds the fields a GraphQL document selects with its fragments spread in place
// (fresh-eyes-2), and its other walks (rows read, repeated fields) follow every spread, trusting
// that bound. It counted a spread of an unknown fragment, or one in a cycle, as no fields: 22
// fragments, each spreading the next twice, the last one a fragment not defined, passed the count
// and made the walks follow 2^22 spreads; with 23 (913 characters) they held the one Node process for 4.6 s,
// without a session, each fragment more doubling it (a fragment spreading itself twice: 2^32).
// GraphQL's validation refuses both, but runs after the gate. Now they are refused first.
test('found attacking it: GraphQL fragments that are unknown or spread themselves are refused before any walk', { timeout: 60_000 }, async () => {
  const chain = (n) => `query { deals { edges { node { ...F0 } } } }\n${Array.from({ length: n }, (_, i) => `fragment F${i} on Deal { ...F${i + 1} ...F${i + 1} }`).join('\n')}`;
  const other = await signUp('bystander');
  const attack = gql(chain(22)); // no session
  await sleep(30);
  const started = Date.now();
  const read = await call('GET', '/classes/Deal?limit=1', { token: other.token });
  const waited = Date.now() - started;
  const r = await attack;
  assert.equal(read.status, 200, JSON.stringify(read.json));
  assert.equal(r.json.errors?.[0]?.extensions?.code, 102, JSON.stringify(r.json).slice(0, 300));
  assert.match(r.json.errors[0].message, /Unknown fragment "F22"/);
  assert.ok(waited < 1000, `another user's read waited ${waited} ms behind 22 fragments`);
  for (const [what, query] of [
    ['a fragment spreading itself', 'query { deals { edges { node { ...A } } } } fragment A on Deal { ...A ...A }'],
    ['two fragments spreading each other', 'query { deals { edges { node { ...A } } } } fragment A on Deal { title company { ...B } } fragment B on Company { name ...C } fragment C on Company { ...B }'],
    ['a cycle under fields', 'query { deals { edges { node { ...A } } } } fragment A on Deal { company { ...A } contact { ...A } }'],
  ]) {
    const started2 = Date.now();
    const refused = await gql(query, undefined, other.token);
    assert.equal(refused.json.errors?.[0]?.extensions?.code, 102, `${what}: ${JSON.stringify(refused.json).slice(0, 300)}`);
    assert.match(refused.json.errors[0].message, /within itself/, what);
    assert.ok(Date.now() - started2 < 1000, `${what}: answered at once`);
  }
  // Fragments that are defined and spread without a cycle work as before.
  const fine = await gql('query { deals { edges { node { ...A } } } } fragment A on Deal { title company { ...B } contact { name } } fragment B on Company { name ...C } fragment C on Company { notes }', undefined, victim.token);
  assert.equal(fine.json.data?.deals?.edges?.length, 1, JSON.stringify(fine.json).slice(0, 300));
  assert.equal(fine.json.data.deals.edges[0].node.company.notes, 'confidential');
});
