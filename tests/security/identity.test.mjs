// Identity and access: ids cannot be forged or inherited, pointers that grant access are
// checked, roles and installations are the administrator's, and the rules for who may
// reassign or delete a deal hold against raw requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { call, gql, signUp, assertRefused, assertBatchItemRefused, useVictim, pointer, unique, root, SERVER } from './harness.mjs';

const victim = useVictim();
let attacker;

test('setup: an attacker with a valid session', async () => {
  attacker = await signUp('mallory');
});

test("a deal or contact cannot point at a company or contact its author cannot read", async () => {
  // Otherwise an attacker's deal shows in the victim's "deals of my company" list, first.
  const co = pointer('Company', victim.ids.company);
  const ct = pointer('Contact', victim.ids.contact);
  for (const [cls, body, what] of [
    ['Deal', { title: 'Injected', company: co }, "Deal.company: the victim's company"],
    ['Deal', { title: 'Injected', contact: ct }, "Deal.contact: the victim's contact"],
    ['Deal', { title: 'Injected', company: pointer('Company', 'NoSuchCompany1') }, 'Deal.company: no such company'],
    ['Contact', { name: 'Injected', company: co }, "Contact.company: the victim's company"],
  ]) {
    const r = await call('POST', `/classes/${cls}`, { token: attacker.token, body });
    assertRefused(r, 142, what);
    assert.match(r.json.error, /not found/, what);
  }
  // Nor by a change, nor through GraphQL.
  const mine = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'Mine' } });
  assert.equal(mine.status, 201);
  assertRefused(await call('PUT', `/classes/Deal/${mine.json.objectId}`, { token: attacker.token, body: { company: co } }), 142, 'an update');
  const g = await gql('mutation($id: ID!) { createDeal(input: { fields: { title: "g", company: { link: $id } } }) { deal { objectId } } }', { id: victim.ids.company }, attacker.token);
  assert.ok((g.json.errors || []).length > 0 && !(g.json.data && g.json.data.createDeal), `GraphQL refused: ${JSON.stringify(g.json).slice(0, 300)}`);
  // The attacker's own company is fine.
  const own = await call('POST', '/classes/Company', { token: attacker.token, body: { name: 'Mallory Co' } });
  const ok = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'Mine too', company: pointer('Company', own.json.objectId) } });
  assert.equal(ok.status, 201, JSON.stringify(ok.json));
  // The victim's company still lists only the victim's deal.
  const listed = await call('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify({ company: co }))}`, { token: victim.token });
  assert.deepEqual(listed.json.results.map((d) => d.objectId), [victim.ids.deal]);
});

test('nobody chooses the objectId of a user, role, session or installation', async () => {
  const name = unique('forger');
  const body = { username: name, password: 'pw-attack-1', email: `${name}@example.com`, objectId: 'AbCdEfGhIj' };
  assertRefused(await call('POST', '/users', { body }), 119, 'sign-up with an objectId');
  assertRefused(await call('POST', '/classes/_User', { body }), 119, 'sign-up through /classes/_User');
  assertBatchItemRefused(await call('POST', '/batch', { body: { requests: [{ method: 'POST', path: '/parse/users', body }] } }), 0, 119, 'sign-up in a batch');
  assertRefused(await call('POST', '/sessions', { token: attacker.token, body: { objectId: 'AbCdEfGhIj' } }), 119, 'a session with an objectId');
  assertRefused(await call('POST', '/roles', { token: attacker.token, body: { name: 'x', objectId: 'AbCdEfGhIj', ACL: {} } }), [119], 'a role with an objectId');
  assertRefused(await call('POST', '/installations', { body: { deviceType: 'web', installationId: 'abc', objectId: 'AbCdEfGhIj' } }), 119, 'an installation with an objectId');
});

test("a deleted account's id, sessions and role memberships cannot be inherited", async () => {
  const a = await signUp('leaver');
  // Make A a sales manager (an administrator's act, with the master key).
  const roles = await call('GET', `/roles?where=${encodeURIComponent(JSON.stringify({ name: 'sales-manager' }))}`, { master: true });
  const roleId = roles.json.results[0].objectId;
  const add = await call('PUT', `/roles/${roleId}`, { master: true, body: { users: { __op: 'AddRelation', objects: [pointer('_User', a.id)] } } });
  assert.equal(add.status, 200, JSON.stringify(add.json));
  const second = await call('GET', `/login?username=${a.username}&password=${a.password}`);
  assert.equal(second.status, 200);
  // A deletes their own account.
  assert.equal((await call('DELETE', `/users/${a.id}`, { token: a.token, headers: { 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword: a.password }) } })).status, 200);
  // Every session of A is gone.
  assertRefused(await call('GET', '/users/me', { token: a.token }), 209, 'the first session');
  assertRefused(await call('GET', '/users/me', { token: second.json.sessionToken }), 209, 'the second session');
  const sessions = await call('GET', `/classes/_Session?where=${encodeURIComponent(JSON.stringify({ user: pointer('_User', a.id) }))}`, { master: true });
  assert.equal(sessions.json.results.length, 0, 'no session rows left');
  // The role no longer lists A.
  const members = await call('GET', `/users?where=${encodeURIComponent(JSON.stringify({ $relatedTo: { object: pointer('_Role', roleId), key: 'users' } }))}`, { master: true });
  assert.ok(!members.json.results.some((u) => u.objectId === a.id), 'not a manager any more');
  // B cannot take A's id, in any form.
  const b = unique('heir');
  const take = await call('POST', '/users', { body: { username: b, password: 'pw-attack-1', email: `${b}@example.com`, objectId: a.id } });
  assertRefused(take, 119, "sign-up with the deleted user's id");
});

test('client-chosen ids on CRM objects must look like Parse ids', async () => {
  for (const objectId of ['*', 'role:sales-manager', 'x'.repeat(1000), 'short', '../../users', 'ünïcödé1234', 'abc def ghij', '']) {
    assertRefused(await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'forged', objectId } }), [104, 142], `objectId ${objectId.slice(0, 20)}`);
  }
  assertRefused(await call('GET', `/classes/Deal/${'y'.repeat(300)}`, { token: attacker.token }), 142, 'a 300-character id in the path');
  const ok = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'offline create', objectId: `Ok${Date.now()}`.slice(0, 12) } });
  assert.equal(ok.status, 201, JSON.stringify(ok.json));
  // The victim's ids cannot be taken over by creating over them.
  assertRefused(await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'steal', objectId: victim.ids.deal } }), 137, "creating over the victim's deal");
});

test('assignedTo must be a real user; it cannot open a deal to everyone or to a role', async () => {
  for (const objectId of ['*', 'role:sales-manager', 'nosuchuser1', '']) {
    const r = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'open', assignedTo: pointer('_User', objectId) } });
    assertRefused(r, [111, 142], `assignedTo ${objectId}`);
  }
  // The same through GraphQL, where the guard cannot see pointers: Cloud Code refuses them and
  // the refused object must still be encodable for Parse's log (an empty id used to crash it).
  for (const link of ['*', 'nosuchuser1', 'role:sales-manager']) {
    const r = await gql('mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { objectId } } }',
      { input: { fields: { title: 'gql open', assignedTo: { link } } } }, attacker.token);
    assert.ok((r.json.errors || []).length > 0, `GraphQL assignedTo ${link}: ${JSON.stringify(r.json).slice(0, 300)}`);
  }
  // An empty link is no link: the deal stays with its creator.
  const empty = await gql('mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { objectId assignedTo { objectId } } } }',
    { input: { fields: { title: 'gql empty link', assignedTo: { link: '' } } } }, attacker.token);
  const made = empty.json.data?.createDeal?.deal;
  if (made) assert.equal(made.assignedTo?.objectId ?? attacker.id, attacker.id, JSON.stringify(empty.json));
  // A deal assigned to the victim is readable and writable by the victim (a normal hand-over),
  // and the ACL names exactly the two of them and the manager role.
  const handed = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'handed over', assignedTo: pointer('_User', victim.id) } });
  assert.equal(handed.status, 201, JSON.stringify(handed.json));
  const acl = (await call('GET', `/classes/Deal/${handed.json.objectId}`, { token: attacker.token })).json.ACL;
  assert.deepEqual(Object.keys(acl).sort(), [attacker.id, victim.id, 'role:sales-manager'].sort());
  // Clean up, so the victim's snapshot is unchanged.
  assert.equal((await call('DELETE', `/classes/Deal/${handed.json.objectId}`, { token: attacker.token })).status, 200);
});

test('only the creator or the assignee reassigns a deal; only the creator deletes it', async () => {
  const carol = await signUp('carol');
  const dave = await signUp('dave');
  const deal = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'team deal', assignedTo: pointer('_User', carol.id) } });
  const route = `/classes/Deal/${deal.json.objectId}`;
  // Dave has no access at all.
  assertRefused(await call('PUT', route, { token: dave.token, body: { assignedTo: pointer('_User', dave.id) } }), 101, 'a stranger reassigns');
  assertRefused(await call('DELETE', route, { token: dave.token }), 101, 'a stranger deletes');
  // Carol, the assignee, may edit and hand it on, but not delete it.
  assert.equal((await call('PUT', route, { token: carol.token, body: { stage: 'qualified' } })).status, 200);
  assertRefused(await call('DELETE', route, { token: carol.token }), 119, 'the assignee deletes');
  assert.equal((await call('PUT', route, { token: carol.token, body: { assignedTo: pointer('_User', dave.id) } })).status, 200);
  // Carol lost access when she handed it on; Dave has it now.
  assertRefused(await call('GET', route, { token: carol.token }), 101, 'the previous assignee reads');
  assert.equal((await call('GET', route, { token: dave.token })).status, 200);
  assert.equal((await call('DELETE', route, { token: attacker.token })).status, 200, 'the creator deletes');
});

test('the victim stays out of reach: reads, writes and deletes of their objects fail', async () => {
  for (const [cls, id] of Object.entries({ Company: victim.ids.company, Contact: victim.ids.contact, Deal: victim.ids.deal, Activity: victim.ids.activity })) {
    assertRefused(await call('GET', `/classes/${cls}/${id}`, { token: attacker.token }), 101, `get ${cls}`);
    assertRefused(await call('PUT', `/classes/${cls}/${id}`, { token: attacker.token, body: { notes: 'pwned' } }), [101, 142], `update ${cls}`);
    assertRefused(await call('DELETE', `/classes/${cls}/${id}`, { token: attacker.token }), 101, `delete ${cls}`);
  }
  // Queries that try to reach through permissions fields or pointers.
  const tries = [
    { _rperm: { $in: ['*', victim.id] } },
    { createdBy: pointer('_User', victim.id) },
    { ACL: { $exists: true } },
  ];
  for (const where of tries) {
    const r = await call('GET', `/classes/Deal?where=${encodeURIComponent(JSON.stringify(where))}`, { token: attacker.token });
    assert.ok(r.status >= 400 || r.json.results.every((d) => d.createdBy?.objectId === attacker.id), `where ${JSON.stringify(where)} reached another user's deal`);
  }
  // The user list shows no e-mail of anyone else, and the victim's user row cannot be changed.
  const users = await call('GET', '/users', { token: attacker.token });
  assert.ok((users.json.results || []).every((u) => u.objectId === attacker.id || u.email === undefined), 'no e-mails of others');
  assertRefused(await call('PUT', `/users/${victim.id}`, { token: attacker.token, body: { email: 'mine@example.com' } }), [101, 206], "changing the victim's e-mail");
  assertRefused(await call('DELETE', `/users/${victim.id}`, { token: attacker.token }), [101, 206], 'deleting the victim');
  // An activity cannot be hung on the victim's deal (which would reveal it exists).
  assertRefused(await call('POST', '/classes/Activity', { token: attacker.token, body: { subject: 'probe', relatedTo: { className: 'Deal', objectId: victim.ids.deal } } }), 142, 'relatedTo a hidden deal');
  // GraphQL sees the same world.
  const g = await gql('{ deals { count edges { node { objectId } } } }', undefined, attacker.token);
  assert.ok(!JSON.stringify(g.json).includes(victim.ids.deal), 'GraphQL does not return the victim deal');
});

test('roles and installations are written with the master key only', async () => {
  assertRefused(await call('POST', '/roles', { token: attacker.token, body: { name: unique('evil'), ACL: { '*': { read: true } } } }), 119, 'create a role');
  const roles = await call('GET', '/roles', { token: attacker.token });
  assertRefused(roles, 119, 'list roles');
  const manager = await call('GET', `/roles?where=${encodeURIComponent(JSON.stringify({ name: 'sales-manager' }))}`, { master: true });
  const roleId = manager.json.results[0].objectId;
  assertRefused(await call('PUT', `/roles/${roleId}`, { token: attacker.token, body: { users: { __op: 'AddRelation', objects: [pointer('_User', attacker.id)] } } }), [101, 119], 'join the manager role');
  assertRefused(await call('POST', '/installations', { body: { deviceType: 'web', installationId: unique('inst') } }), 119, 'create an installation');
  assertRefused(await call('POST', '/classes/_Installation', { token: attacker.token, body: { deviceType: 'web', installationId: unique('inst') } }), 119, 'create an installation via classes');
  // And the attacker still cannot read the victim's deal through a manager's eyes.
  assertRefused(await call('GET', `/classes/Deal/${victim.ids.deal}`, { token: attacker.token }), 101, 'after the attempts');
});

test('the demo seed uses ids nobody can guess', async () => {
  // Not execFileSync: a blocked event loop cannot notice the server closing idle keep-alive
  // sockets (after 5 s), and the next fetch would reuse a dead one.
  const { stdout: out } = await promisify(execFile)('node', [path.join(root, 'backend/seed.js'), SERVER], { encoding: 'utf8' });
  assert.match(out, /demo|seeded/i);
  const login = await call('GET', '/login?username=demo&password=demo-password');
  const companies = await call('GET', '/classes/Company?limit=100', { token: login.json.sessionToken });
  assert.ok(companies.json.results.length >= 8);
  for (const c of companies.json.results) {
    assert.match(c.objectId, /^[0-9A-Za-z]{10,32}$/);
    assert.doesNotMatch(c.objectId, /^demo/i, `predictable id ${c.objectId}`);
  }
});
