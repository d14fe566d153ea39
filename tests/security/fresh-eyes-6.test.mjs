// Found attacking a private backend as a signed-up user (sixth pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { APP, SERVER, assertRefused, call, gql, pointer, signUp, sleep, useVictim } from './harness.mjs';

const victim = useVictim();

/** `count` deals of 10,000 characters of notes, each linking to one company and one contact of
 * as long notes (so each deal's answer, with both included, is about 30 KB). */
async function longDeals(user, count) {
  const notes = 'n'.repeat(10_000);
  const company = await call('POST', '/classes/Company', { token: user.token, body: { name: 'Long Co', notes } });
  const contact = await call('POST', '/classes/Contact', { token: user.token, body: { name: 'Long Contact', notes, company: pointer('Company', company.json.objectId) } });
  for (let i = 0; i < count; i += 50) {
    const requests = Array.from({ length: Math.min(50, count - i) }, (_, j) => ({
      method: 'POST',
      path: '/parse/classes/Deal',
      body: { title: `Long ${i + j}`, notes, company: pointer('Company', company.json.objectId), contact: pointer('Contact', contact.json.objectId) },
    }));
    const made = await call('POST', '/batch', { token: user.token, body: { requests } });
    assert.ok(made.status === 200 && made.json.every((r) => r.success), JSON.stringify(made.json).slice(0, 300));
  }
}

/** A GET sent on a connection of its own whose answer is never read (the socket is paused). */
function unread(route, token) {
  const { hostname, port, pathname } = new URL(SERVER);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => {});
  socket.once('connect', () => {
    const headers = { ...APP, 'X-Parse-Session-Token': token, Host: `${hostname}:${port}` };
    socket.write(`GET ${pathname}${route} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    socket.pause();
  });
  return socket;
}

// ---- answers nobody reads ------------------------------------------------------------------------
// An answer waits in the server's memory until its client takes it, and a client that never
// reads kept it there for as long as it held the connection open (the server has no timeout for
// that). Eight such answers of 31 MB per account (a user's requests in flight), from six
// accounts of one address, took the server from 257 MB to 1.7 GB and held it there; nothing
// bounded the accounts, and building them stalled another user 4 s. Now an address has at most
// 128 MB of answers waiting: past that, large answers (over 1 MB) are refused (155) until it
// reads what it was sent, over REST and GraphQL alike, and small ones are still served.
test('found attacking it: answers a client does not read are bounded per address, not held without end', { timeout: 180_000 }, async () => {
  const hoarder = await signUp('hoarder');
  const asker = await signUp('asker');
  await longDeals(hoarder, 1000);
  await longDeals(asker, 500);
  const big = '/classes/Deal?limit=1000&include=company,contact';
  const fair = '/classes/Deal?limit=500&include=company';
  const fairGraphQL = '{ deals(first: 500) { edges { node { objectId notes company { notes } } } } }';
  assert.equal((await call('GET', fair, { token: asker.token })).status, 200, 'an answer of 10 MB is served');

  const sockets = Array.from({ length: 8 }, () => unread(big, hoarder.token));
  try {
    // Once the hoarder's answers are written (and not read), this address has 128 MB waiting.
    let refused = null;
    for (let i = 0; i < 120 && !refused; i++) {
      await sleep(250);
      const r = await call('GET', fair, { token: asker.token });
      if (r.status !== 200) refused = r;
    }
    assert.ok(refused, 'a large answer is refused while the address has 128 MB of answers unread');
    assert.equal(refused.status, 429, JSON.stringify(refused.json));
    assert.equal(refused.json.code, 155);
    assert.match(refused.json.error, /not read yet/);
    const viaGraphQL = await gql(fairGraphQL, undefined, asker.token);
    assert.equal(viaGraphQL.json.errors?.[0]?.extensions?.code, 155, JSON.stringify(viaGraphQL.json).slice(0, 300));
    // Small answers are still served (the victim's, from the same address).
    const small = await call('GET', '/classes/Deal?limit=10', { token: victim.token });
    assert.equal(small.status, 200, JSON.stringify(small.json));
  } finally {
    for (const s of sockets) s.destroy();
  }
  // Closed, the answers are forgotten: large answers are served again.
  let served = false;
  for (let i = 0; i < 40 && !served; i++) {
    served = (await call('GET', fair, { token: asker.token })).status === 200;
    if (!served) await sleep(250);
  }
  assert.ok(served, 'served again once the unread answers are gone');
});

// ---- signing in with another service, over GraphQL --------------------------------------------
// REST refuses authData on users (252, "not enabled"); GraphQL's signUp, updateUser and logInWith
// took it to Parse, which answered each service it knows but has no options for (GitHub, Google,
// ...) with "Internal server error" (code 1) and logged the stack at error level, for anyone,
// without a session.
test('found attacking it: GraphQL sign-in with another service (authData) is refused in words, as over REST', async () => {
  const me = await signUp('authdata');
  const github = '{ github: { id: "12345", access_token: "x" } }';
  const name = `svc${Date.now()}`;
  const attempts = [
    ['logInWith', `mutation { logInWith(input: { authData: ${github} }) { viewer { user { id } } } }`, undefined, undefined],
    ['signUp', `mutation { signUp(input: { fields: { username: "${name}", password: "pw-attack-1", email: "${name}@example.com", authData: ${github} } }) { viewer { user { id } } } }`, undefined, undefined],
    ['updateUser', `mutation { updateUser(input: { id: "${me.id}", fields: { authData: ${github} } }) { user { id } } }`, undefined, me.token],
    ['signUp, authData in a variable', 'mutation ($f: CreateUserFieldsInput!) { signUp(input: { fields: $f }) { viewer { user { id } } } }',
      { f: { username: `${name}v`, password: 'pw-attack-1', email: `${name}v@example.com`, authData: { google: { id: '1', access_token: 'x' } } } }, undefined],
  ];
  for (const [what, query, variables, token] of attempts) {
    const r = await gql(query, variables, token);
    const error = r.json.errors?.[0];
    assert.equal(error?.extensions?.code, 252, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.match(error.message, /not enabled/, what);
  }
  // Reading one's own user is not signing in: still answered.
  const viewer = await gql('query { viewer { user { id username } } }', undefined, me.token);
  assert.equal(viewer.json.data?.viewer?.user?.username, me.username, JSON.stringify(viewer.json));
});

// ---- $select over objects without the key ---------------------------------------------------------
// Parse builds a $select's list (and a $dontSelect's) from its sub-query's objects, one value
// each, `undefined` for an object without the key; PostgreSQL's adapter failed on it. A deal
// without notes or a company, a session (which has no title), or a key no class has: a bare 500 ("An
// internal server error occurred", logged with its stack), over REST and GraphQL, for any
// signed-in user. A missing value now equals nothing; a $select on a date (an $in of dates, which
// the adapter cannot compare either) is refused in words.
test('found attacking it: $select and $dontSelect over objects without the key answer, not a bare 500', async () => {
  const me = await signUp('selector');
  const noted = await call('POST', '/classes/Deal', { token: me.token, body: { title: 'noted', notes: 'a note' } });
  const bare = await call('POST', '/classes/Deal', { token: me.token, body: { title: 'bare' } });
  assert.equal(noted.status, 201, JSON.stringify(noted.json));
  assert.equal(bare.status, 201, JSON.stringify(bare.json));
  const find = (where) => call('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify(where))}`, { token: me.token });
  const select = (field, className, key, op = '$select') => ({ [field]: { [op]: { query: { className, where: {} }, key } } });
  const byNotes = await find(select('notes', 'Deal', 'notes'));
  assert.equal(byNotes.status, 200, JSON.stringify(byNotes.json));
  assert.deepEqual(byNotes.json.results.map((d) => d.title), ['noted'], 'the noted deal matches its own notes; the bare one matches nothing');
  for (const [what, where] of [
    ['a pointer some deals lack', select('company', 'Deal', 'company')],
    ['a key sessions lack', select('title', '_Session', 'title')],
    ['a key users lack', select('title', '_User', 'title')],
    ['a key no class has', select('title', 'Deal', 'nosuch')],
    ['$dontSelect on a key some deals lack', select('notes', 'Deal', 'notes', '$dontSelect')],
  ]) {
    const r = await find(where);
    assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
  }
  // Dates become an $in list of dates, which the adapter cannot compare: refused in words, as $in of dates is.
  assertRefused(await find(select('expectedCloseDate', 'Deal', 'expectedCloseDate')), 102, '$select on a date');
  const viaGraphQL = await gql('{ deals(where: { notes: { inQueryKey: { key: "notes", query: { className: "Deal", where: {} } } } }) { count } }', undefined, me.token);
  assert.equal(viaGraphQL.json.data?.deals?.count, 1, JSON.stringify(viaGraphQL.json).slice(0, 300));
});
