// Bounded cost: no request, query or subscription can make the server work for long. Regexes
// only in the literal form the client sends, query and include depth, batch size, page sizes,
// a per-statement timeout in PostgreSQL; Live Query frames checked and subscriptions capped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  call, gql, signUp, assertRefused, useVictim, connectLive, liveSocket, pointer, PG_PORT, sleep, SERVER, APP,
} from './harness.mjs';

const victim = useVictim();
let attacker;
const q = (where, extra = '') => `/classes/Deal?where=${encodeURIComponent(JSON.stringify(where))}${extra}`;

test('setup: an attacker with a valid session', async () => {
  attacker = await signUp('mallory');
  await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'a'.repeat(60) } });
});

test('only literal-text regexes are accepted, in every query form', async () => {
  const evil = '^(a+)+$';
  const t0 = Date.now();
  assertRefused(await call('GET', q({ title: { $regex: evil } }), { token: attacker.token }), 102, 'REST $regex');
  assertRefused(await call('GET', q({ $or: [{ title: { $regex: evil } }] }), { token: attacker.token }), 102, '$regex under $or');
  assertRefused(await call('GET', q({ contact: { $inQuery: { className: 'Contact', where: { name: { $regex: evil } } } } }), { token: attacker.token }), 102, '$regex in a subquery');
  assertRefused(await call('POST', '/classes/Deal', { token: attacker.token, body: { _method: 'GET', where: { title: { $regex: evil } } } }), 102, 'the SDK form');
  assertRefused(await call('GET', q({ title: { $regex: '\\Qa\\E(a+)+' } }), { token: attacker.token }), 102, 'a pattern after a quoted part');
  assertRefused(await call('GET', q({ title: { $regex: '\\Qa\\E', $options: 'x' } }), { token: attacker.token }), 102, '$options x');
  assertRefused(await call('GET', '/users?where=' + encodeURIComponent(JSON.stringify({ username: { $regex: evil } })), { token: attacker.token }), 102, 'on users');
  // A line break inside \Q…\E: Parse's PostgreSQL adapter then sent the text as a live pattern
  // ("\Q\n|.*\E" matched every row; backreferences timed out rows the caller cannot read,
  // which read other users' session tokens character by character).
  for (const regex of ['\\Q\n|.*\\E', '\\Q\r|.*\\E', '\\Q\u2028|.*\\E', '^\\Q\u2029|.*\\E', '\\Qa\nb\\E']) {
    assertRefused(await call('GET', q({ title: { $regex: regex } }), { token: attacker.token }), 102, `REST ${JSON.stringify(regex)}`);
    assertRefused(await call('GET', '/sessions?where=' + encodeURIComponent(JSON.stringify({ sessionToken: { $regex: regex } })), { token: attacker.token }), 102, `sessions ${JSON.stringify(regex)}`);
  }
  const inBatch = await call('POST', '/batch', { token: attacker.token, body: { requests: [{ method: 'GET', path: '/parse/classes/Deal', body: { where: { title: { $regex: '\\Q\n|.*\\E' } } } }] } });
  assert.ok(inBatch.status >= 400 || inBatch.json[0]?.error?.code === 102, `batch: ${JSON.stringify(inBatch.json).slice(0, 200)}`);
  const gqlBreak = await gql('query ($r: String!) { deals(where: { title: { matchesRegex: $r } }) { count } }', { r: '\\Q\n|.*\\E' }, attacker.token);
  assert.ok((gqlBreak.json.errors || []).length > 0, `GraphQL matchesRegex with a line break refused: ${JSON.stringify(gqlBreak.json).slice(0, 200)}`);
  const g = await gql('{ deals(where: { title: { matchesRegex: "^(a+)+$" } }) { count } }', undefined, attacker.token);
  assert.ok((g.json.errors || []).length > 0, `GraphQL matchesRegex refused: ${JSON.stringify(g.json).slice(0, 200)}`);
  assert.ok(Date.now() - t0 < 5000, 'refused at once, not after running');
  // What the client sends for contains/startsWith (and case-insensitive search) works.
  for (const where of [{ title: { $regex: '\\Qaaa\\E' } }, { title: { $regex: '^\\Qaaa\\E' } }, { title: { $regex: '\\QAAA\\E', $options: 'i' } },
    { title: { $regex: '\\Qa\\E\\\\E\\Qb\\E' } }]) {
    const r = await call('GET', q(where), { token: attacker.token });
    assert.equal(r.status, 200, `${JSON.stringify(where)}: ${JSON.stringify(r.json)}`);
  }
  assert.equal((await call('GET', q({ title: { $regex: '^\\Qaaa\\E' } }), { token: attacker.token })).json.results.length, 1);
});

test('query shape limits: nesting, includes, subqueries, batches and pages', async () => {
  let where = { title: 'x' };
  for (let i = 0; i < 6; i++) where = { $or: [where, { title: `y${i}` }] };
  assertRefused(await call('GET', q(where), { token: attacker.token }), 102, '$or nested 6 deep');
  assertRefused(await call('GET', '/classes/Deal?include=company.createdBy.a.b.c', { token: attacker.token }), [102, 119], 'include 5 deep');
  const many = Array.from({ length: 11 }, (_, i) => `f${i}`).join(',');
  assertRefused(await call('GET', `/classes/Deal?include=${many}`, { token: attacker.token }), [102, 119], '11 includes');
  const requests = Array.from({ length: 101 }, () => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: 'b' } }));
  assertRefused(await call('POST', '/batch', { token: attacker.token, body: { requests } }), 107, 'a batch of 101');
  for (const extra of ['&limit=-1', '&limit=abc', '&skip=-5', '&limit=1e3', '&skip=9999999999']) {
    assertRefused(await call('GET', q({}, extra), { token: attacker.token }), 102, extra);
  }
  assertRefused(await call('GET', '/classes/Deal?where=not-json', { token: attacker.token }), 107, 'where not JSON');
  assertRefused(await call('GET', '/classes/Deal?where=[1]', { token: attacker.token }), 102, 'where an array');
  // A limit past maxLimit is served, capped at 1000.
  const big = await call('GET', q({}, '&limit=100000'), { token: attacker.token });
  assert.equal(big.status, 200);
  // Odd but harmless queries get answers, never a 500.
  for (const route of ['/classes/Deal?order=nosuchcolumn', '/classes/Deal?keys=nosuch,title', '/classes/Deal?order=-title,,', '/classes/NoSuchClass', q({ nosuch: { $exists: true } })]) {
    const r = await call('GET', route, { token: attacker.token });
    assert.ok(r.status < 500, `${route}: ${r.status} ${JSON.stringify(r.json)}`);
    if (r.status >= 400) assertRefused(r, undefined, route);
  }
});

test('found attacking it: conditions in a where, and objects a batch or a GraphQL request reads, are bounded', async () => {
  // 1,000 branches of 10 conditions each (20,000 comparisons): about a second of Node for each
  // request, so four sessions stalled every other user 17 s. At most 1,000 conditions now.
  const branch = { $and: Array.from({ length: 10 }, (_, i) => ({ title: `t${i}`, notes: { $ne: 'x' } })) };
  const heavy = { $or: Array.from({ length: 1000 }, () => branch) };
  assertRefused(await call('POST', '/classes/Deal', { token: attacker.token, body: { _method: 'GET', limit: 1, where: heavy } }), [102, 116], '20,000 conditions (or their 31,000 keys)');
  const fits = { $or: Array.from({ length: 50 }, () => branch) };
  assert.equal((await call('POST', '/classes/Deal', { token: attacker.token, body: { _method: 'GET', limit: 1, where: fits } })).status, 200, '1,000 conditions are served');
  // Through a sub-query too.
  const inner = { $inQuery: { className: 'Company', where: { $or: Array.from({ length: 600 }, (_, i) => ({ name: `n${i}`, website: { $ne: 'x' } })) } } };
  assertRefused(await call('POST', '/classes/Deal', { token: attacker.token, body: { _method: 'GET', where: { company: inner } } }), 102, 'a sub-query of 1,200 conditions');

  // 60,000 characters searched in any case: PostgreSQL spent 3 s compiling the pattern, then a
  // bare 500. At most 1,000 characters (a contains() of 1,000 still answers).
  const long = await call('POST', '/classes/Deal', { token: attacker.token, body: { _method: 'GET', where: { title: { $regex: `\\Q${'ab'.repeat(30000)}\\E`, $options: 'i' } } } });
  assertRefused(long, 102, 'a 60,000-character search');
  assert.match(long.json.error, /at most 1000 characters/);
  assert.equal((await call('POST', '/classes/Deal', { token: attacker.token, body: { _method: 'GET', where: { title: { $regex: `\\Q${'ab'.repeat(495)}\\E`, $options: 'i' } } } })).status, 200);

  // 45 queries of 1,000 long deals in one batch answered 480 MB (and 100 of them a bare 500):
  // a batch reads at most 1,000 objects in all, as one query does.
  const reads = (n, limit) => Array.from({ length: n }, () => ({ method: 'GET', path: '/parse/classes/Deal', body: { limit } }));
  assertRefused(await call('POST', '/batch', { token: attacker.token, body: { requests: reads(45, 1000) } }), 102, '45 queries of 1,000');
  assertRefused(await call('POST', '/batch', { token: attacker.token, body: { requests: reads(11, undefined) } }), 102, "11 queries of Parse's default 100");
  const ok = await call('POST', '/batch', { token: attacker.token, body: { requests: [...reads(2, 500), ...Array.from({ length: 50 }, () => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: 'w' } }))] } });
  assert.equal(ok.status, 200, JSON.stringify(ok.json).slice(0, 300));
  assert.ok(ok.json.every((x) => x.success), 'two reads of 500 and 50 writes are served');
  // GraphQL: aliases run a collection many times (49 of 1,000 deals answered 490 MB).
  const aliased = (n, first) => `query { ${Array.from({ length: n }, (_, i) => `d${i}: deals(first: ${first}) { edges { node { objectId } } }`).join(' ')} }`;
  const refusedGraphQL = (r, what) => {
    assert.equal(r.json.errors?.[0]?.extensions?.code, 102, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.match(r.json.errors[0].message, /at most 1000 objects/, what);
  };
  refusedGraphQL(await gql(aliased(49, 1000), undefined, attacker.token), '49 aliases of 1,000');
  refusedGraphQL(await gql('query($n: Int) { a: deals(first: $n) { edges { node { objectId } } } b: deals(first: $n) { edges { node { objectId } } } }', { n: 600 }, attacker.token), 'first from a variable');
  refusedGraphQL(await gql(aliased(11, 'null').replace(/\(first: null\)/g, ''), undefined, attacker.token), "11 collections of Parse's default 100");
  // A variable's declared default counts too (sent with no variables, ten aliases of
  // $n = 1000 read 10,000 deals).
  const defaults = `query ($n: Int = 1000) { ${Array.from({ length: 10 }, (_, i) => `a${i}: deals(first: $n) { edges { node { objectId } } }`).join(' ')} }`;
  refusedGraphQL(await gql(defaults, undefined, attacker.token), 'first from a default');
  const one = await gql(aliased(1, 1000), undefined, attacker.token);
  assert.ok(!one.json.errors, JSON.stringify(one.json.errors));
  // A document of 1.3 MB of inline conditions cost 1.6 s of parsing, even without a session:
  // refused by its size before it is parsed.
  const inline = `{ deals(where: { OR: [${'{ title: { equalTo: "a" } }, '.repeat(60000)}] }) { count } }`;
  const huge = await gql(inline, undefined, undefined);
  assert.equal(huge.json.errors?.[0]?.extensions?.code, 102, JSON.stringify(huge.json).slice(0, 300));
  assert.match(huge.json.errors[0].message, /at most 32768 characters/);
});

test('found attacking it: an answer holds at most 3,000 objects, included ones counted each time, and notes cannot be inflated by escapes', async () => {
  // 1,000 deals of 10,000 control characters each (written by JSON as six characters apiece)
  // with five includes answered 242 MB; sixteen such requests at once took the server 60 s and
  // 2.5 GB. Control characters but tab and line breaks are refused in text now.
  const inflated = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'inflated', notes: '\u0001'.repeat(100) } });
  assertRefused(inflated, 142, 'notes of control characters');
  assert.match(inflated.json.error, /control characters/);
  const lines = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'lines', notes: 'one\ttwo\r\nthree\nfour' } });
  assert.equal(lines.status, 201, 'tabs and line breaks are text');
  // An included object is counted under every object that points at it: 1,000 deals with five
  // paths (contact.company includes the contact too) hold up to 6,000; with two, 3,000.
  const find = (limit, include) => call('GET', `/classes/Deal?limit=${limit}&include=${include}`, { token: attacker.token });
  const five = await find(1000, 'company,contact.company,assignedTo,createdBy');
  assertRefused(five, 102, '1,000 deals with five includes');
  assert.match(five.json.error, /at most 3000 objects.*up to 6000/);
  assertRefused(await find(1000, '*'), 102, "1,000 deals with every pointer ('*')");
  assert.equal((await find(1000, 'company,contact')).status, 200, "the app's 1,000 deals with their company and contact");
  assert.equal((await find(500, 'company,contact.company')).status, 200, '500 deals with three includes');
  // The same through a batch's reads in all, and through _method GET.
  const reads = (n, limit, include) => Array.from({ length: n }, () => ({ method: 'GET', path: '/parse/classes/Deal', body: { limit, include } }));
  assertRefused(await call('POST', '/batch', { token: attacker.token, body: { requests: reads(3, 300, 'company,contact,assignedTo') } }), 102, 'three reads of 300 deals with three includes');
  assert.equal((await call('POST', '/batch', { token: attacker.token, body: { requests: reads(2, 300, 'company,contact,assignedTo') } })).status, 200);
  assertRefused(await call('POST', '/classes/Deal', { token: attacker.token, body: { _method: 'GET', limit: 1000, include: ['company', 'contact', 'assignedTo'] } }), 102, 'include as a list');
  // GraphQL includes a pointer wherever its fields are selected.
  const deep = await gql('{ deals(first: 1000) { edges { node { objectId company { name } contact { name company { name } } } } } }', undefined, attacker.token);
  assert.equal(deep.json.errors?.[0]?.extensions?.code, 102, JSON.stringify(deep.json).slice(0, 300));
  assert.match(deep.json.errors[0].message, /at most 3000 objects/);
  const fragment = await gql('query { deals(first: 1000) { edges { node { ...F } } } } fragment F on Deal { company { name } contact { name } assignedTo { username } }', undefined, attacker.token);
  assert.equal(fragment.json.errors?.[0]?.extensions?.code, 102, `through a fragment: ${JSON.stringify(fragment.json).slice(0, 300)}`);
  // A second helper: a fragment on the connection hid its edges (120 MB), and aliases of notes
  // under each deal were not counted at all (30 of them under 1,000 deals answered 900 MB; 150,
  // a bare 500). A field is asked for once per object.
  const onConnection = await gql('query { deals(first: 1000) { ...F } } fragment F on DealConnection { edges { node { notes company { notes } contact { notes company { notes } } } } }', undefined, attacker.token);
  assert.equal(onConnection.json.errors?.[0]?.extensions?.code, 102, `a fragment on the connection: ${JSON.stringify(onConnection.json).slice(0, 300)}`);
  const aliases = await gql(`{ deals(first: 10) { edges { node { ${Array.from({ length: 30 }, (_, i) => `n${i}: notes`).join(' ')} } } } }`, undefined, attacker.token);
  assert.equal(aliases.json.errors?.[0]?.extensions?.code, 102, `aliases of notes: ${JSON.stringify(aliases.json).slice(0, 300)}`);
  assert.match(aliases.json.errors[0].message, /notes is asked for under more than one name/);
  const twoDeals = await gql('{ a: deals(first: 5) { edges { node { objectId title } } } b: deals(first: 5) { edges { node { objectId title } } } }', undefined, attacker.token);
  assert.ok(!twoDeals.json.errors, `collections may still be aliased: ${JSON.stringify(twoDeals.json.errors)}`);
  // includeAll, and dotted keys (which include the pointers on their way), count as includes.
  assertRefused(await call('GET', '/classes/Deal?limit=1000&includeAll=true', { token: attacker.token }), 102, 'includeAll');
  assertRefused(await call('GET', '/classes/Deal?limit=1000&keys=notes,company.notes,contact.company.notes', { token: attacker.token }), 102, 'dotted keys');
  // A transaction with a master-key route answered a bare 500 ("Permission denied", no code).
  const schemas = await call('POST', '/batch', { token: attacker.token, body: { transaction: true, requests: [{ method: 'GET', path: '/parse/schemas' }] } });
  assertRefused(schemas, 119, 'a transaction reading /schemas');
  const fits = await gql('{ deals(first: 1000) { edges { node { objectId company { name } ACL { public { read } } } } } }', undefined, attacker.token);
  assert.ok(!fits.json.errors, JSON.stringify(fits.json.errors));
  // Within those counts, an answer is at most 32 MB of JSON: 600 deals of 10,000 quotes
  // (written as 20,000 characters), each with a company and a contact of the same, are
  // refused before Parse writes them (16 answers of 61 MB at once took 885 MB); a page of 250
  // of them is served.
  const quotes = '"'.repeat(10_000);
  const pointer = (className, r) => ({ __type: 'Pointer', className, objectId: r.json.objectId });
  const company = await call('POST', '/classes/Company', { token: attacker.token, body: { name: 'Quoted', notes: quotes } });
  const contact = await call('POST', '/classes/Contact', { token: attacker.token, body: { name: 'Quoted', notes: quotes, company: pointer('Company', company) } });
  for (let b = 0; b < 24; b++) {
    const requests = Array.from({ length: 25 }, () => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: 'quoted', notes: quotes, company: pointer('Company', company), contact: pointer('Contact', contact) } }));
    const r = await call('POST', '/batch', { token: attacker.token, body: { requests } });
    assert.ok(r.status === 200 && r.json.every((x) => x.success), JSON.stringify(r.json).slice(0, 300));
  }
  const quoted = (limit) => call('GET', `/classes/Deal?limit=${limit}&include=company,contact&where=${encodeURIComponent(JSON.stringify({ title: 'quoted' }))}`, { token: attacker.token });
  const long = await quoted(1000);
  assert.equal(long.status, 413, JSON.stringify(long.json).slice(0, 300));
  assertRefused({ ...long, status: 400 }, 116, 'an answer of 33 MB');
  assert.match(long.json.error, /ask for fewer objects/);
  const page = await quoted(250);
  assert.equal(page.status, 200);
  assert.equal(page.json.results.length, 250);
  assert.equal(page.json.results[0].company.notes, quotes);
  // GraphQL the same: 600 deals with their company and contact are written by Apollo in full
  // (1,800 objects, within the count), then not sent.
  const graphQL = await gql(`{ deals(first: 1000, where: { title: { equalTo: "quoted" } }) { edges { node { notes company { notes } contact { notes } } } } }`, undefined, attacker.token);
  assert.equal(graphQL.status, 413, JSON.stringify(graphQL.json).slice(0, 300));
  assert.equal(graphQL.json.errors?.[0]?.extensions?.code, 116);
  const graphQLPage = await gql(`{ deals(first: 250, where: { title: { equalTo: "quoted" } }) { edges { node { notes company { notes } contact { notes } } } } }`, undefined, attacker.token);
  assert.equal(graphQLPage.json.data?.deals?.edges?.length, 250, JSON.stringify(graphQLPage.json).slice(0, 300));
});

test('found attacking it: a Live Query client that reads none of its events is cut off, not buffered without end', { timeout: 120_000 }, async () => {
  // Ten sockets of 20 subscriptions that read nothing took the server to 2.7 GB, never given
  // back. Past 8 MB of events waiting for one socket, the server closes it.
  const live = await connectLive(attacker.token);
  for (let i = 0; i < 20; i++) live.send({ op: 'subscribe', requestId: 100 + i, query: { className: 'Deal', where: { title: 'unread' } }, sessionToken: attacker.token });
  await live.next((f) => f.op === 'subscribed' && f.requestId === 119);
  live.ws._socket.pause(); // reads nothing from now on
  const notes = '中'.repeat(10_000);
  let cut = false;
  live.closed.then(() => { cut = true; });
  // Each deal is 20 events of about 30 KB: 25 deals a batch, 15 MB of events; loopback's own
  // buffers take a few MB before any wait here.
  for (let b = 0; b < 12 && !cut; b++) {
    const requests = Array.from({ length: 25 }, () => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: 'unread', notes } }));
    const r = await call('POST', '/batch', { token: attacker.token, body: { requests } });
    assert.equal(r.status, 200);
    await sleep(200);
  }
  live.ws._socket.resume();
  const code = await Promise.race([live.closed, sleep(15_000).then(() => 'still open')]);
  if (code === 'still open') live.ws.terminate(); // so that a failure here ends the run
  assert.notEqual(code, 'still open', 'the server closed the socket that read nothing');
  // A client that reads its events keeps them all.
  const reader = await connectLive(attacker.token);
  reader.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: { title: 'read' } }, sessionToken: attacker.token });
  await reader.next((f) => f.op === 'subscribed');
  await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'read', notes } });
  await reader.next((f) => f.op === 'create' && f.object.title === 'read', 10_000);
  reader.ws.close();
});

test('found attacking it: Live Query events one user is sent are budgeted, so subscriptions cannot multiply its writes without end', { timeout: 120_000 }, async () => {
  // 200 subscriptions (the cap from one address) on the user's own deals, and its own long
  // updates: every event is written once per subscription, 4.6 GB in 42 s, and another user's
  // read waited 5 s. Past 32 M characters in 10 s, the user's sockets are closed and its
  // connects refused (155, "connect again") until the window ends.
  const fan = await signUp('fan');
  const watcher = await signUp('watcher');
  const sockets = [];
  for (let s = 0; s < 5; s++) {
    const live = await connectLive(fan.token);
    for (let i = 0; i < 20; i++) live.send({ op: 'subscribe', requestId: 1 + i, query: { className: 'Deal', where: { title: 'fan' } }, sessionToken: fan.token });
    await live.next((f) => f.op === 'subscribed' && f.requestId === 20);
    let chars = 0;
    live.ws.on('message', (data) => { chars += String(data).length; });
    sockets.push({ live, chars: () => chars });
  }
  const watching = await connectLive(watcher.token);
  watching.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: { title: 'mine' } }, sessionToken: watcher.token });
  await watching.next((f) => f.op === 'subscribed');
  // Each batch: 25 deals of 10,000 characters, 100 subscriptions: about 26 M characters of events.
  const notes = 'n'.repeat(10_000);
  for (let b = 0; b < 3; b++) {
    const requests = Array.from({ length: 25 }, () => ({ method: 'POST', path: '/parse/classes/Deal', body: { title: 'fan', notes } }));
    assert.equal((await call('POST', '/batch', { token: fan.token, body: { requests } })).status, 200);
  }
  const codes = await Promise.all(sockets.map(({ live }) => Promise.race([live.closed, sleep(10_000).then(() => 'still open')])));
  for (const { live } of sockets) live.ws.terminate();
  assert.ok(codes.every((c) => c !== 'still open'), `closed: ${codes}`);
  const sent = sockets.reduce((n, s) => n + s.chars(), 0);
  // Charged: all but the first 4 copies of each event (rules.js liveEventFreeCopiesPerUser);
  // 75 events of about 11,000 characters, and what was in flight at the cut.
  assert.ok(sent <= 32 * 1024 * 1024 + 75 * 4 * 11_000 + 5 * 20 * 11_000, `the user was sent ${sent} characters`);
  assert.ok(sent > 16 * 1024 * 1024, `the budget was used before the cut (${sent})`);
  // Within the window the user is told to come back later (its app backs off and catches up).
  const again = await connectLive(fan.token);
  const refusal = await again.next((f) => f.op === 'error');
  assert.equal(refusal.code, 155);
  assert.equal(refusal.reconnect, true);
  assert.match(refusal.error, /connect again in \d+ s/);
  await again.closed;
  // Another user's events still arrive.
  await call('POST', '/classes/Deal', { token: watcher.token, body: { title: 'mine' } });
  await watching.next((f) => f.op === 'create' && f.object.title === 'mine', 10_000);
  watching.ws.close();
  // After the window the user connects again.
  await sleep(10_500);
  const later = await connectLive(fan.token);
  assert.equal((await later.next((f) => f.op === 'connected' || f.op === 'error')).op, 'connected');
  later.ws.close();
});

test("found attacking it: a colleague's flood of updates on deals shared with a user does not spend that user's Live Query budget", { timeout: 120_000 }, async () => {
  // The budget was charged for every copy of every event a user was sent, whoever wrote it: a
  // colleague updating deals assigned to the user with long notes, about 3 MB/s, closed the
  // user's sockets a third of the time. Now the first four copies of one save a user is sent
  // are the writer's (the flooder's writes are refused past its budget), copies past them the
  // receiver's (the flooder's own 100 subscriptions, the test above).
  const flooder = await signUp('flooder');
  const colleague = await signUp('colleague');
  const deals = [];
  for (let i = 0; i < 5; i++) {
    const r = await call('POST', '/classes/Deal', { token: flooder.token, body: { title: `shared ${i}`, stage: 'lead', assignedTo: pointer('_User', colleague.id) } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    deals.push(r.json.objectId);
  }
  // Four subscriptions, as an app's tabs may hold: each event comes four times.
  const live = await connectLive(colleague.token);
  for (let i = 1; i <= 4; i++) live.send({ op: 'subscribe', requestId: i, query: { className: 'Deal', where: { stage: 'lead' } }, sessionToken: colleague.token });
  await live.next((f) => f.op === 'subscribed' && f.requestId === 4);
  let bytes = 0;
  let updates = 0;
  live.ws.on('message', (data) => {
    bytes += data.length;
    if (String(data).startsWith('{"op":"update"')) updates += 1;
  });
  // Updates of 10,000 three-byte characters: each event (the deal and its original) is about
  // 60 KB, four copies 240 KB: 32 MB is spent after about 140 of them.
  let written = 0;
  let refused = null;
  for (let b = 0; b < 16 && !refused; b++) {
    const requests = Array.from({ length: 25 }, (_, i) => ({
      method: 'PUT',
      path: `/parse/classes/Deal/${deals[i % deals.length]}`,
      body: { notes: String.fromCharCode(0x20ac + ((b * 25 + i) % 64)).repeat(10_000) },
    }));
    const r = await call('POST', '/batch', { token: flooder.token, body: { requests } });
    if (r.status !== 200) refused = r;
    else written += r.json.filter((x) => x.success).length;
  }
  assert.ok(refused, 'the flooder was held back');
  assert.equal(refused.json.code, 155, JSON.stringify(refused.json));
  for (let i = 0; i < 200 && updates < written * 4; i++) await sleep(100);
  const state = await Promise.race([live.closed, sleep(200).then(() => 'open')]);
  live.ws.close();
  assert.equal(state, 'open', `the colleague's socket was closed after ${updates} updates, ${bytes} bytes`);
  assert.equal(updates, written * 4, 'every copy of every update made arrived');
});

test("a user's sessions share one line: more log-ins do not buy more of the server", { timeout: 120_000 }, async () => {
  const mallory = await signUp('multi');
  // Three more sessions of the same user, each from a log-in.
  const others = [];
  for (let i = 0; i < 3; i++) others.push((await call('POST', '/login', { body: { username: mallory.username, password: mallory.password } })).json.sessionToken);
  // Eight writes held in Cloud Code fill the user's share for 6 s.
  const holds = Array.from({ length: 8 }, () => call('POST', '/classes/Deal', { token: mallory.token, body: { title: 'held', notes: 'crm-test-hold:6000' } }));
  await sleep(800);
  // 69 reads from the other three sessions: one line of 64 behind the held writes, 5 refused.
  // (Keyed by session, each log-in had a line and a share of its own.)
  const reads = Array.from({ length: 69 }, (_, i) => call('GET', '/classes/Deal?limit=1', { token: others[i % 3] }));
  const answers = await Promise.all(reads);
  for (const r of await Promise.all(holds)) assert.equal(r.status, 201, JSON.stringify(r.json));
  const refused = answers.filter((r) => r.status !== 200);
  assert.equal(refused.length, 5, `refused: ${refused.length}`);
  for (const r of refused) assertRefused(r, 155, 'past the user\'s line');
});

test('operators with no index or no meaning here, wrong-typed comparisons and dotted paths are refused', async () => {
  const wheres = [
    { notes: { $text: { $search: { $term: 'omega' } } } },
    { title: { $containedBy: ['a'] } },
    { expectedCloseDate: { $gt: { $relativeTime: 'in 99999999999 years' } } },
    { title: { $nearSphere: { latitude: 0, longitude: 0 } } },
    { amount: { $gt: 'abc' } },
    { amount: { $gt: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' } } },
    { expectedCloseDate: { $lt: 5 } },
    { $and: [] },
    { title: { $in: [] }, $or: [] },
    { objectId: { $gt: 1 } },
    { 'createdBy.username': 'victim' },
    { title: { $regex: '\\Qa\\E', $options: 'i', $eq: 1 } },
    // Each of these answered a bare 500 (found attacking a private backend).
    { createdAt: { $gt: 'zzz' } },
    { updatedAt: { $lt: 5 } },
    { $relatedTo: {} },
    { $relatedTo: { object: 5, key: 'x' } },
    { createdBy: { $in: [1, 2] } },
    { company: 5 },
    { company: { $ne: { __type: 'Pointer', className: 'Contact', objectId: 'abcdefghij' } } },
  ];
  for (const where of wheres) {
    assertRefused(await call('GET', q(where, '&count=1&limit=0'), { token: attacker.token }), 102, JSON.stringify(where));
  }
  assertRefused(await call('GET', '/classes/Deal?order=notes.foo', { token: attacker.token }), 102, 'order into a field');
  // 150,000 values over many $in lists (sent in the body: too long for a URL).
  const huge = { $or: Array.from({ length: 150 }, (_, i) => ({ objectId: { $in: Array.from({ length: 1000 }, (_, j) => `id${i}x${j}`) } })) };
  assertRefused(await call('POST', '/classes/Deal', { token: attacker.token, body: { _method: 'GET', where: huge } }), 102, '150,000 listed values');
  // A class name that is a property of every JS object is no class (it answered code 105).
  const odd = await call('GET', `/classes/Activity?where=${encodeURIComponent(JSON.stringify({ 'relatedTo.className': { $in: ['constructor', '__proto__'] } }))}`, { token: attacker.token });
  assert.equal(odd.status, 200, JSON.stringify(odd.json));
  assert.deepEqual(odd.json.results, []);
  const g = await gql('{ a0: deals(where: { notes: { text: { search: { term: "omega" } } } }) { count } }', undefined, attacker.token);
  assert.ok((g.json.errors || []).length > 0 && !/Internal server error/.test(JSON.stringify(g.json)), `GraphQL full-text refused: ${JSON.stringify(g.json).slice(0, 200)}`);
});

test('GraphQL over its depth or field limits, or introspection, is refused with a Parse code, not INTERNAL_SERVER_ERROR', async () => {
  const fields = Array.from({ length: 210 }, (_, i) => `a${i}: objectId`).join(' ');
  const wide = await gql(`{ deals { edges { node { ${fields} } } } }`, undefined, attacker.token);
  assert.equal(wide.status, 400);
  // (The gate refuses it first now: the same field under 210 names.)
  assert.match(wide.json.errors[0].message, /exceeds maximum allowed|asked for under more than one name/);
  assert.equal(wide.json.errors[0].extensions.code, 102, JSON.stringify(wide.json));
  let deep = 'name';
  for (let i = 0; i < 13; i++) deep = `ofType { ${deep} }`;
  const introspection = await gql(`{ __type(name: "Deal") { fields { type { ${deep} } } } }`, undefined, attacker.token);
  assert.equal(introspection.status, 403);
  assert.equal(introspection.json.errors[0].extensions.code, 119, JSON.stringify(introspection.json));
  // A request under the limits is answered as before.
  const ok = await gql('{ deals { count } }', undefined, attacker.token);
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.equal(typeof ok.json.data.deals.count, 'number');
});

test('PostgreSQL cancels any statement that runs longer than the timeout', async () => {
  const out = execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc', 'SHOW statement_timeout'], { encoding: 'utf8' }).trim();
  assert.notEqual(out, '0', 'a statement timeout is set');
  assert.match(out, /^\d+(ms|s|min)$/);
  const seconds = out.endsWith('ms') ? Number(out.slice(0, -2)) / 1000 : out.endsWith('min') ? Number(out.slice(0, -3)) * 60 : Number(out.slice(0, -1));
  assert.ok(seconds > 0 && seconds <= 10, `at most 10 s (${out})`);
  // And it is in force: a statement longer than the timeout is cancelled.
  let error = '';
  try {
    // Asynchronously: the event loop keeps serving the suite's keep-alive sockets meanwhile.
    await promisify(execFile)('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc', `SELECT pg_sleep(${seconds + 2})`], { encoding: 'utf8' });
  } catch (e) {
    error = String(e.stderr);
  }
  assert.match(error, /statement timeout/);
});

test('a burst of hostile queries does not starve other users', async () => {
  const attacks = Array.from({ length: 12 }, () => call('GET', q({ title: { $regex: '^(a|aa)+$' } }), { token: attacker.token }));
  const t0 = Date.now();
  const mine = await call('GET', '/classes/Deal?limit=10', { token: victim.token });
  const took = Date.now() - t0;
  assert.equal(mine.status, 200);
  for (const r of await Promise.all(attacks)) assertRefused(r, 102, 'burst');
  assert.ok(took < 2000, `the victim was served in ${took} ms`);
});

test('one client gets a fair share: its burst waits in its own line, others are served, the line is bounded', { timeout: 120_000 }, async () => {
  // Eight writes held in Cloud Code (the test hook) fill the attacker's share for 6 s.
  const finished = [];
  const holds = Array.from({ length: 8 }, () => call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'held', notes: 'crm-test-hold:6000' } })
    .then((r) => { finished.push('hold'); return r; }));
  await sleep(800);
  // Behind them: 64 wait their turn and 5 more are refused at once, with 155 and HTTP 429.
  const behind = Array.from({ length: 69 }, () => call('GET', '/classes/Deal?limit=1', { token: attacker.token })
    .then((r) => { finished.push(r.status === 200 ? 'queued' : 'refused'); return r; }));
  // Meanwhile another user is served at once, not after the attacker's line.
  const mine = await call('GET', '/classes/Deal?limit=10', { token: victim.token });
  finished.push('victim');
  assert.equal(mine.status, 200);
  const answers = await Promise.all(behind);
  for (const r of await Promise.all(holds)) assert.equal(r.status, 201, JSON.stringify(r.json));
  const refused = answers.filter((r) => r.status !== 200);
  assert.equal(refused.length, 5, `refused: ${JSON.stringify(refused.map((r) => r.json))}`);
  for (const r of refused) assertRefused(r, 155, 'past the line');
  assert.ok(refused.every((r) => r.status === 429));
  // The order things finished in: refusals and the victim before any held write, every queued
  // request after the first held write ended (it took that one's place).
  const firstHold = finished.indexOf('hold');
  assert.ok(finished.lastIndexOf('refused') < firstHold && finished.indexOf('victim') < firstHold, finished.join(' '));
  assert.ok(finished.indexOf('queued') > firstHold, finished.join(' '));
  // A client that hangs up while waiting leaves the line: its place is not kept.
  const more = Array.from({ length: 8 }, () => call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'held', notes: 'crm-test-hold:3000' } }));
  await sleep(500);
  const gone = Array.from({ length: 64 }, () => {
    const abort = new AbortController();
    const sent = fetch(`${SERVER}/classes/Deal?limit=1`, { headers: { ...APP, 'X-Parse-Session-Token': attacker.token }, signal: abort.signal }).catch(() => null);
    return { abort, sent };
  });
  await sleep(500);
  for (const g of gone) g.abort.abort();
  await Promise.all(gone.map((g) => g.sent));
  await sleep(200);
  const next = call('GET', '/classes/Deal?limit=1', { token: attacker.token });
  assert.equal((await next).status, 200, 'served once the held writes end, not refused');
  await Promise.all(more);
});

test("made-up session tokens are not clients of their own: until a token proves real, it waits in its address's line", { timeout: 120_000 }, async () => {
  // Eight real sessions of the attacker that this server has not seen yet (made in the database,
  // as a log-in on another instance would be): unknown, so their held writes fill the loopback
  // address's share for 6 s.
  const fresh = Array.from({ length: 8 }, () => `r:${randomBytes(16).toString('hex')}`);
  for (const token of fresh) {
    execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-qc',
      `INSERT INTO "_Session" ("objectId", "createdAt", "updatedAt", "user", "sessionToken", "expiresAt", "createdWith", "_rperm", "_wperm")
       SELECT substr(md5(random()::text), 1, 10), now(), now(), "user", '${token}', "expiresAt", "createdWith", "_rperm", "_wperm"
       FROM "_Session" WHERE "sessionToken" = '${attacker.token}'`]);
  }
  const finished = [];
  const holds = fresh.map((token) => call('POST', '/classes/Deal', { token, body: { title: 'held', notes: 'crm-test-hold:6000' } })
    .then((r) => { finished.push('hold'); return r; }));
  await sleep(800);
  // 69 requests, each with a token of its own that no one was ever given: 64 wait behind the
  // held writes and 5 are refused at once. (Keyed by token, each had a line of its own: 1,500 of
  // them at once made another user wait 4.8 s.)
  const madeUp = Array.from({ length: 69 }, () => call('GET', '/classes/Deal?limit=1', { token: `r:${randomBytes(16).toString('hex')}` })
    .then((r) => { finished.push(r.json.code === 155 ? 'refused' : 'answered'); return r; }));
  await sleep(500);
  // A user whose session is known is served at once, in a line of their own.
  const mine = await call('GET', '/classes/Deal?limit=1', { token: victim.token });
  finished.push('victim');
  assert.equal(mine.status, 200);
  const answers = await Promise.all(madeUp);
  for (const r of await Promise.all(holds)) assert.equal(r.status, 201, JSON.stringify(r.json));
  const refused = answers.filter((r) => r.json.code === 155);
  assert.equal(refused.length, 5, `refused: ${refused.length}; ${finished.join(' ')}`);
  for (const r of answers.filter((a) => a.json.code !== 155)) assertRefused(r, 209, 'a made-up token');
  const firstHold = finished.indexOf('hold');
  assert.ok(finished.lastIndexOf('refused') < firstHold && finished.indexOf('victim') < firstHold, finished.join(' '));
  assert.ok(finished.indexOf('answered') > firstHold, `the made-up tokens waited: ${finished.join(' ')}`);
  // The real sessions still work (a held write proved each real: from now on, a line of its own).
  const again = await Promise.all(fresh.map((token) => call('GET', '/classes/Deal?limit=1', { token })));
  for (const r of again) assert.equal(r.status, 200);
});

test('a batch or a GraphQL query of many reads has at most 8 database operations at once', async () => {
  // Parse runs a batch's sub-requests, and a GraphQL query's aliased fields, all at once: one
  // request to the fair share, a hundred queries in the pool, which every other user's query
  // then waited behind. Each client now has at most 8 operations in the pool; the rest wait.
  const peak = async (token) => {
    const r = await call('POST', '/functions/testDatabasePeak', { token });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.result;
  };
  await peak(attacker.token);
  const requests = Array.from({ length: 100 }, (_, i) => ({
    method: 'GET', path: '/parse/classes/Deal', body: { where: { title: { $regex: `\\Qzz${i}\\E` } }, count: 1, limit: 0 },
  }));
  const victimRead = call('GET', '/classes/Deal?limit=5', { token: victim.token });
  const batch = await call('POST', '/batch', { token: attacker.token, body: { requests } });
  assert.equal(batch.status, 200, JSON.stringify(batch.json).slice(0, 300));
  assert.equal(batch.json.filter((x) => x.success && x.success.count === 0).length, 100);
  assert.equal((await victimRead).status, 200);
  const afterBatch = await peak(attacker.token);
  assert.ok(afterBatch >= 1 && afterBatch <= 8, `a batch of 100 reads: ${afterBatch} database operations at once`);
  const fields = Array.from({ length: 60 }, (_, i) => `d${i}: deals(where: { amount: { equalTo: ${i + 0.5} } }) { count }`).join(' ');
  const g = await gql(`query { ${fields} }`, undefined, attacker.token);
  assert.ok(!g.json.errors, JSON.stringify(g.json.errors));
  assert.equal(Object.keys(g.json.data).length, 60);
  const afterGraphQL = await peak(attacker.token);
  assert.ok(afterGraphQL >= 1 && afterGraphQL <= 8, `60 aliased GraphQL reads: ${afterGraphQL} database operations at once`);
});

test("another user is served while one client's batch holds the database", async () => {
  // 20 sub-requests that each hold a connection for 2 s: the client gets 8 of the pool's 10 at
  // a time, so another user's query finds one free at once (it used to queue behind them all).
  const holds = Array.from({ length: 20 }, () => ({ method: 'POST', path: '/parse/functions/testHoldDatabase', body: { ms: 2000 } }));
  const t0 = Date.now();
  const batch = call('POST', '/batch', { token: attacker.token, body: { requests: holds } });
  await sleep(500);
  const t1 = Date.now();
  const read = await call('GET', '/classes/Deal?limit=1', { token: victim.token });
  const waited = Date.now() - t1;
  assert.equal(read.status, 200);
  assert.ok(waited < 1500, `the victim waited ${waited} ms behind the held connections`);
  const answer = await batch;
  assert.equal(answer.json.filter((x) => x.success && x.success.result === 2000).length, 20, JSON.stringify(answer.json).slice(0, 300));
  assert.ok(Date.now() - t0 >= 5500, `20 holds of 2 s ran at most 8 at a time (${Date.now() - t0} ms)`);
});

test('LiveQuery: subscriptions accept only literal regexes and are capped per connection', async () => {
  const live = await connectLive(attacker.token);
  assert.equal(live.frames[0].op, 'connected');
  live.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: { title: { $regex: '^(a+)+$' } } }, sessionToken: attacker.token });
  const refused = await live.next((f) => f.requestId === 1);
  assert.equal(refused.op, 'error');
  assert.match(refused.error, /literal/);
  live.send({ op: 'subscribe', requestId: 90, query: { className: 'Deal', where: { title: { $regex: '\\Q\n|.*\\E' } } }, sessionToken: attacker.token });
  const broken = await live.next((f) => f.requestId === 90);
  assert.equal(broken.op, 'error', JSON.stringify(broken));
  live.send({ op: 'subscribe', requestId: 2, query: { className: 'Deal', where: { title: { $regex: '^\\Qa\\E' } } }, sessionToken: attacker.token });
  assert.equal((await live.next((f) => f.requestId === 2)).op, 'subscribed');
  // Up to the cap, then refusals.
  for (let i = 3; i <= 22; i++) live.send({ op: 'subscribe', requestId: i, query: { className: 'Deal', where: { amount: i } }, sessionToken: attacker.token });
  const over = await live.next((f) => f.requestId === 22);
  assert.equal(over.op, 'error', JSON.stringify(over));
  assert.match(over.error, /at most 20 subscriptions/);
  assert.equal((await live.next((f) => f.requestId === 21)).op, 'subscribed');
  // An "update" of a new requestId subscribes too, and counts.
  live.send({ op: 'update', requestId: 500, query: { className: 'Deal', where: {} }, sessionToken: attacker.token });
  assert.match((await live.next((f) => f.requestId === 500)).error, /at most 20 subscriptions/);
  // Unsubscribing frees a place.
  live.send({ op: 'unsubscribe', requestId: 10 });
  await live.next((f) => f.op === 'unsubscribed' && f.requestId === 10);
  live.send({ op: 'subscribe', requestId: 103, query: { className: 'Deal', where: {} }, sessionToken: attacker.token });
  assert.equal((await live.next((f) => f.requestId === 103)).op, 'subscribed');
  live.close();
});

test("LiveQuery: a subscription needs its connection's session, and one address holds at most 200", async () => {
  // Without its connection's token, Parse accepted a subscription and then answered every save
  // of the class, by anyone, with an error frame: work for the server, and a side channel.
  const live = await connectLive(attacker.token);
  live.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: {} } });
  const bare = await live.next((f) => f.requestId === 1);
  assert.equal(bare.op, 'error');
  assert.equal(bare.code, 209);
  const other = await signUp('mallory2');
  live.send({ op: 'subscribe', requestId: 2, query: { className: 'Deal', where: {} }, sessionToken: other.token });
  assert.equal((await live.next((f) => f.requestId === 2)).code, 209, "another user's token on this connection");
  live.close();
  // Every save is checked against every subscription: 20 per connection, 200 per address.
  const sockets = [];
  let refusedAt = null;
  for (let c = 0; c < 12 && refusedAt === null; c++) {
    const s = await connectLive(attacker.token);
    sockets.push(s);
    for (let i = 1; i <= 20; i++) s.send({ op: 'subscribe', requestId: i, query: { className: 'Deal', where: { amount: 1000 + i } }, sessionToken: attacker.token });
    for (let i = 1; i <= 20; i++) {
      const f = await s.next((x) => x.requestId === i);
      if (f.op === 'error') {
        assert.match(f.error, /at most 200 subscriptions from one address/);
        refusedAt = c * 20 + i;
        break;
      }
    }
  }
  assert.ok(refusedAt !== null && refusedAt <= 201, `refused by the 201st subscription (${refusedAt})`);
  // Closing connections gives their places back.
  for (const s of sockets) s.close();
  await Promise.all(sockets.map((s) => s.closed));
  const again = await connectLive(attacker.token);
  again.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: {} }, sessionToken: attacker.token });
  assert.equal((await again.next((f) => f.requestId === 1)).op, 'subscribed');
  again.close();
});

test("LiveQuery: a wrong applicationId, bad frames, huge frames and floods are refused", async () => {
  const wrongApp = await connectLive(attacker.token, { applicationId: 'other-app' });
  assert.equal(wrongApp.frames[0].op, 'error');
  assert.equal(wrongApp.frames[0].code, 4);
  wrongApp.close();

  const noUser = await liveSocket();
  noUser.send({ op: 'connect', applicationId: 'crm', javascriptKey: 'crm-js-key' });
  assert.equal((await noUser.next((f) => f.op === 'connected' || f.op === 'error')).op, 'error', 'a connection needs a user');
  noUser.close();

  const s = await connectLive(attacker.token);
  s.send('not json');
  assert.equal((await s.next((f) => f.op === 'error')).code, 1);
  s.send({ op: 'subscribe', requestId: 7, query: { className: 'Deal', where: { title: 'a\u0000' } }, sessionToken: attacker.token });
  assert.equal((await s.next((f) => f.requestId === 7)).op, 'error');
  s.send({ op: 'subscribe', requestId: 8, query: { className: 'Deal', where: { title: 'x'.repeat(100 * 1024) } } });
  assert.equal(await Promise.race([s.closed, sleep(5000).then(() => 'open')]), 1009, 'a 100 KB frame closes the connection');

  const flood = await connectLive(attacker.token);
  for (let i = 0; i < 400; i++) flood.send({ op: 'unsubscribe', requestId: i });
  assert.equal(await Promise.race([flood.closed, sleep(5000).then(() => 'open')]), 1008, 'a flood closes the connection');

  // A subscription's where is evaluated on every save: capped in size.
  const wide = await connectLive(attacker.token);
  wide.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: { title: { $in: Array.from({ length: 900 }, (_, i) => `title number ${i}`) } } }, sessionToken: attacker.token });
  assert.match((await wide.next((f) => f.requestId === 1)).error, /limited to 8192 bytes/);
  wide.close();
  // A socket that never says "connect" is closed.
  const silent = await liveSocket();
  assert.equal(await Promise.race([silent.closed, sleep(15_000).then(() => 'open')]), 1008, 'an idle socket is closed');

  // Subscribing to another user's deal by id delivers nothing of it.
  const spy = await connectLive(attacker.token);
  spy.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: { objectId: victim.ids.deal } }, sessionToken: attacker.token });
  await spy.next((f) => f.requestId === 1 && f.op === 'subscribed');
  const touched = await call('PUT', `/classes/Deal/${victim.ids.deal}`, { token: victim.token, body: { amount: 5000 } });
  assert.equal(touched.status, 200);
  await sleep(800);
  assert.ok(!spy.frames.some((f) => f.object && f.object.objectId === victim.ids.deal), 'no event of the victim deal');
  spy.close();
  await victim.resnapshot();
});

test('found attacking it: Live Query subscriptions search text a bounded number of times', { timeout: 60_000 }, async () => {
  // 200 subscriptions of 56 case-blind literals of 101 characters, on notes of 10,000 characters,
  // blocked the process 2 s for each save (every regex runs on every save, twice). Now two a
  // subscription, of 64 characters at most, and 200 from one address.
  const literal = (n) => `\\Q${'a'.repeat(n)}\\E`; // n + 4 characters
  const sockets = [await connectLive(attacker.token)];
  try {
    const answer = (socket, requestId) => socket.next((f) => f.requestId === requestId && (f.op === 'subscribed' || f.op === 'error'));
    const [live] = sockets;
    const subscribe = (requestId, where) => live.send({ op: 'subscribe', requestId, query: { className: 'Deal', where }, sessionToken: attacker.token });
    subscribe(1, { $or: [0, 1, 2].map(() => ({ notes: { $regex: literal(5), $options: 'i' } })) });
    const three = await answer(live, 1);
    assert.equal(three.op, 'error');
    assert.equal(three.code, 102);
    assert.match(three.error, /at most 2 times/);
    subscribe(2, { notes: { $regex: literal(61) } });
    assert.equal((await answer(live, 2)).code, 102, 'a search of 65 characters');
    subscribe(3, { notes: { $regex: literal(60) }, title: { $regex: literal(3) } });
    assert.equal((await answer(live, 3)).op, 'subscribed', 'two searches, of 64 characters at most');
    // From one address, 200 in all: 2 each in 20 subscriptions a socket.
    let refused;
    for (let s = 0; s < 6 && !refused; s++) {
      const socket = await connectLive(attacker.token);
      sockets.push(socket);
      for (let i = 0; i < 20 && !refused; i++) {
        socket.send({ op: 'subscribe', requestId: 10 + i, query: { className: 'Deal', where: { notes: { $regex: literal(4) }, title: { $regex: literal(4) } } }, sessionToken: attacker.token });
        const f = await answer(socket, 10 + i);
        if (f.op === 'error') refused = f;
      }
    }
    assert.ok(refused, 'more than 200 searches from one address were accepted');
    assert.equal(refused.code, 119);
    assert.match(refused.error, /at most 200 text searches/);
    // Unsubscribing gives them back.
    live.send({ op: 'unsubscribe', requestId: 3 });
    await sleep(200);
    const last = sockets[sockets.length - 1];
    last.send({ op: 'subscribe', requestId: 50, query: { className: 'Deal', where: { notes: { $regex: literal(4) } } }, sessionToken: attacker.token });
    assert.equal((await answer(last, 50)).op, 'subscribed');
  } finally {
    for (const s of sockets) s.ws.terminate();
  }
});

test('found attacking it: master-key routes are refused without closing the connection, and anonymous writes keep no request id', async () => {
  // Parse answered 403, then closed the keep-alive connection: the next request on it got no
  // answer at all.
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (route) => new Promise((resolve, reject) => {
    const req = request(`${SERVER}${route}`, { method: 'POST', agent, headers: { ...APP, 'Content-Type': 'application/json', 'X-Parse-Session-Token': attacker.token } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end('{}');
  });
  try {
    for (const route of ['/jobs/x', '/schemas/Deal', '/jobs/y', '/hooks/functions', '/aggregate/Deal']) {
      assertRefused(await post(route), 119, route);
    }
  } finally {
    agent.destroy();
  }
  // Without a session, a write's request id is not kept (anyone could fill the table).
  const id = `anon-${randomBytes(8).toString('hex')}`;
  assertRefused(await call('POST', '/classes/Deal', { headers: { 'X-Parse-Request-Id': id }, body: { title: 'x' } }));
  const kept = execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc', `SELECT count(*) FROM "_Idempotency" WHERE "reqId" = '${id}'`], { encoding: 'utf8' }).trim();
  assert.equal(kept, '0');
  // With one, it is (a retried write is recognised).
  const mine = `mine-${randomBytes(8).toString('hex')}`;
  assert.equal((await call('POST', '/classes/Deal', { token: attacker.token, headers: { 'X-Parse-Request-Id': mine }, body: { title: 'kept id' } })).status, 201);
  const keptMine = execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc', `SELECT count(*) FROM "_Idempotency" WHERE "reqId" = '${mine}'`], { encoding: 'utf8' }).trim();
  assert.equal(keptMine, '1');
});
