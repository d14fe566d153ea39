// Found attacking a private backend as a signed-up user (seventh pass). Each test fails without
// its fix.
import { test } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { APP, SERVER, call, gql, signUp, useVictim } from './harness.mjs';

const victim = useVictim();

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
