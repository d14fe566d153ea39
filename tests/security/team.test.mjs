// The team: a public, minimal profile per user (display name only). Every signed-in user reads
// every profile; only its user creates or changes it; no e-mail address is reachable through it;
// assigning a deal to a colleague still follows the assignment rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, gql, signUp, assertRefused, useVictim, pointer, unique } from './harness.mjs';

const victim = useVictim();
let attacker;

test('setup: the victim and an attacker have profiles', async () => {
  attacker = await signUp('mallory');
  const mine = await call('POST', '/classes/Profile', { token: victim.token, body: { objectId: victim.id, displayName: 'Vicky Victim' } });
  assert.equal(mine.status, 201, JSON.stringify(mine.json));
  const theirs = await call('POST', '/classes/Profile', { token: attacker.token, body: { objectId: attacker.id, displayName: unique('Mal ') } });
  assert.equal(theirs.status, 201, JSON.stringify(theirs.json));
});

test("a profile is readable by signed-in users, and holds a display name and nothing else", async () => {
  const r = await call('GET', `/classes/Profile/${victim.id}`, { token: attacker.token });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.displayName, 'Vicky Victim');
  const text = JSON.stringify(r.json);
  assert.ok(!text.includes('@'), `no e-mail in ${text}`);
  assert.deepEqual(Object.keys(r.json).filter((k) => !['objectId', 'createdAt', 'updatedAt', 'displayName', 'ACL'].includes(k)), []);
  const list = await call('GET', '/classes/Profile?limit=1000', { token: attacker.token });
  assert.ok(list.json.results.some((p) => p.objectId === victim.id));
  assert.ok(!JSON.stringify(list.json).includes(`${victim.username}@example.com`));
  // Not signed in: nothing.
  assertRefused(await call('GET', '/classes/Profile'), [101, 119, 209], 'anonymous find');
});

test("no one writes, replaces or deletes another user's profile", async () => {
  assertRefused(await call('PUT', `/classes/Profile/${victim.id}`, { token: attacker.token, body: { displayName: 'Hacked' } }), 101, 'update');
  assertRefused(await call('DELETE', `/classes/Profile/${victim.id}`, { token: attacker.token }), 101, 'delete');
  assertRefused(await call('POST', '/classes/Profile', { token: attacker.token, body: { objectId: victim.id, displayName: 'Impostor' } }), [119, 137], 'create under their id');
  assertRefused(await call('POST', '/classes/Profile', { token: attacker.token, body: { objectId: 'AbCdEfGhIj12', displayName: 'Second me' } }), 119, 'a second profile under another id');
  // A client's ACL is replaced by the server's (as on every class).
  await call('PUT', `/classes/Profile/${attacker.id}`, { token: attacker.token, body: { ACL: { '*': { read: true, write: true } } } });
  const acl = await call('GET', `/classes/Profile/${attacker.id}`, { master: true });
  assert.deepEqual(acl.json.ACL, { '*': { read: true }, [attacker.id]: { write: true } }, 'the ACL is the server\'s');
  const gqlUpdate = await gql('mutation($id: ID!) { updateProfile(input: { id: $id, fields: { displayName: "Hacked" } }) { profile { displayName } } }', { id: victim.id }, attacker.token);
  assert.ok(gqlUpdate.json.errors, JSON.stringify(gqlUpdate.json));
  const still = await call('GET', `/classes/Profile/${victim.id}`, { token: victim.token });
  assert.equal(still.json.displayName, 'Vicky Victim');
});

// Assigning a deal shares it with the assignee, picked by display name: a name that looks like
// a colleague's would take their deals.
const LOOKALIKE_NAMES = [
  ['another case', 'vicky victim'],
  ['an extra space', 'Vicky  Victim'],
  ['an accent', 'Vícky Victim'],
  ['a Cyrillic і', 'V\u0456cky Victim'],
  ['a Cyrillic с and е', 'Vi\u0441ky Vi\u0441tim'],
  ['a Greek Ι', 'V\u0399CKY VICTIM'],
  ['a digit for a letter', 'Vicky Vict1m'],
  ['a full-width letter', '\uff36icky Victim'],
  ['punctuation', 'Vicky-Victim.'],
];
for (const [what, displayName] of LOOKALIKE_NAMES) {
  test(`a display name like a colleague's (${what}) is refused, by create and by rename`, async () => {
    const impostor = await signUp('lookalike');
    assertRefused(await call('POST', '/classes/Profile', { token: impostor.token, body: { objectId: impostor.id, displayName } }), 137, `create ${displayName}`);
    const own = unique('Ian Impostor ');
    assert.equal((await call('POST', '/classes/Profile', { token: impostor.token, body: { objectId: impostor.id, displayName: own } })).status, 201);
    assertRefused(await call('PUT', `/classes/Profile/${impostor.id}`, { token: impostor.token, body: { displayName } }), 137, `rename to ${displayName}`);
    const after = await call('GET', `/classes/Profile/${impostor.id}`, { token: victim.token });
    assert.equal(after.json.displayName, own);
  });
}

test('the look-alike key is the server\'s: hidden from clients, not settable, and a user keeps their own name', async () => {
  // Setting the key by hand changes nothing: the server computes it from the name.
  const r = await call('PUT', `/classes/Profile/${victim.id}`, { token: victim.token, body: { nameKey: 'zzz', displayName: 'Vicky Victim' } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const stored = await call('GET', `/classes/Profile/${victim.id}`, { master: true });
  assert.equal(stored.json.nameKey, 'vlckyvlctlm');
  for (const path of [`/classes/Profile/${victim.id}`, `/classes/Profile?keys=nameKey&limit=5`]) {
    const seen = await call('GET', path, { token: attacker.token });
    assert.ok(!JSON.stringify(seen.json).includes('nameKey'), JSON.stringify(seen.json).slice(0, 300));
  }
  // A rename to a look-alike of one's own name is no conflict.
  assert.equal((await call('PUT', `/classes/Profile/${victim.id}`, { token: victim.token, body: { displayName: 'Vicky VICTIM' } })).status, 200);
  assert.equal((await call('PUT', `/classes/Profile/${victim.id}`, { token: victim.token, body: { displayName: 'Vicky Victim' } })).status, 200);
});

test('a profile has no other fields, no e-mail-shaped name, and no way to reach the user', async () => {
  assertRefused(await call('PUT', `/classes/Profile/${attacker.id}`, { token: attacker.token, body: { email: 'x@example.com' } }), undefined, 'an email field');
  assertRefused(await call('PUT', `/classes/Profile/${attacker.id}`, { token: attacker.token, body: { user: pointer('_User', victim.id) } }), undefined, 'a user pointer');
  assertRefused(await call('PUT', `/classes/Profile/${attacker.id}`, { token: attacker.token, body: { displayName: 'mal@example.com' } }), 142, 'an e-mail as a name');
  assertRefused(await call('PUT', `/classes/Profile/${attacker.id}`, { token: attacker.token, body: { displayName: 'x'.repeat(81) } }), 142, 'a long name');
  assertRefused(await call('PUT', `/classes/Profile/${attacker.id}`, { token: attacker.token, body: { displayName: '' } }), 142, 'an empty name');
  // Include and keys cannot reach an e-mail either (there is no pointer to follow).
  const inc = await call('GET', `/classes/Profile?include=user&keys=email,user.email`, { token: attacker.token });
  assert.ok(!JSON.stringify(inc.json).includes('@example.com'), JSON.stringify(inc.json).slice(0, 300));
  // Other users' e-mails are not readable through _User either.
  const u = await call('GET', `/users/${victim.id}`, { token: attacker.token });
  assert.ok(!JSON.stringify(u.json).includes('@example.com'), JSON.stringify(u.json));
});

test('assigning a deal to a colleague follows the assignment rules', async () => {
  const deal = await call('POST', '/classes/Deal', { token: attacker.token, body: { title: 'Handed on' } });
  assert.equal(deal.status, 201, JSON.stringify(deal.json));
  // The creator assigns it to the colleague: the colleague now reads it, the creator still does.
  const give = await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: attacker.token, body: { assignedTo: pointer('_User', victim.id) } });
  assert.equal(give.status, 200, JSON.stringify(give.json));
  assert.equal((await call('GET', `/classes/Deal/${deal.json.objectId}`, { token: victim.token })).status, 200);
  // A third user, neither creator nor assignee, cannot take it.
  const third = await signUp('third');
  assertRefused(await call('PUT', `/classes/Deal/${deal.json.objectId}`, { token: third.token, body: { assignedTo: pointer('_User', third.id) } }), 101, 'a stranger reassigns');
  // The victim got a deal; clean up so the victim's snapshot holds.
  assert.equal((await call('DELETE', `/classes/Deal/${deal.json.objectId}`, { token: attacker.token })).status, 200);
});

test('deleting a user deletes their profile', async () => {
  const leaver = await signUp('leaver');
  assert.equal((await call('POST', '/classes/Profile', { token: leaver.token, body: { objectId: leaver.id, displayName: unique('Leaver ') } })).status, 201);
  assert.equal((await call('DELETE', `/users/${leaver.id}`, { token: leaver.token, headers: { 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword: leaver.password }) } })).status, 200);
  const gone = await call('GET', `/classes/Profile/${leaver.id}`, { master: true });
  assert.equal(gone.status, 404, JSON.stringify(gone.json));
});
