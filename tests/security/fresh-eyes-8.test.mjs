// Found attacking a private backend as a signed-up user (eighth pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBatchItemRefused, assertRefused, call, gql, signUp, useVictim } from './harness.mjs';

const victim = useVictim();
const context = (currentPassword) => ({ 'X-Parse-Cloud-Context': JSON.stringify({ currentPassword }) });

// ---- a session is not the account -------------------------------------------------------------
// A password is changed only with the current one (password-change.test.mjs), so that whoever
// holds a session (a shared computer, a token that leaked) cannot take the account. The e-mail
// address needed nothing: with the victim's session an attacker set the address to one of theirs
// (PUT /users/<id> {email}, 200), asked for a reset link (mailed to them), chose a password, and
// Parse ended every session of the victim's, whose password no longer logged in. The username
// (what the owner logs in with) changed the same way.
test('found attacking it: a session alone changes neither the e-mail address nor the username', async () => {
  const stolen = victim.token; // what a leaked token gives: the victim's own session
  const me = `/users/${victim.id}`;
  const attempts = [
    ['e-mail over REST', () => call('PUT', me, { token: stolen, body: { email: 'taken-over@attacker.example' } })],
    ['e-mail through /classes/_User', () => call('PUT', `/classes/_User/${victim.id}`, { token: stolen, body: { email: 'taken-over@attacker.example' } })],
    ['username over REST', () => call('PUT', me, { token: stolen, body: { username: 'takenover' } })],
    ['e-mail with a wrong current password', () => call('PUT', me, { token: stolen, headers: context('not-it-7'), body: { email: 'taken-over@attacker.example' } })],
  ];
  for (const [what, attempt] of attempts) {
    const r = await attempt();
    assertRefused(r, 142, what);
    assert.match(r.json.error, /current password/, what);
  }
  const batch = await call('POST', '/batch', { token: stolen, body: { requests: [{ method: 'PUT', path: `/parse${me}`, body: { email: 'taken-over@attacker.example' } }] } });
  assertBatchItemRefused(batch, 0, 142, 'e-mail in a batch');
  for (const fields of ['email: "taken-over@attacker.example"', 'username: "takenover"']) {
    const g = await gql(`mutation { updateUser(input: { id: "${victim.id}", fields: { ${fields} } }) { user { objectId } } }`, undefined, stolen);
    assert.equal(g.json.errors?.[0]?.extensions?.code, 142, `GraphQL ${fields}: ${JSON.stringify(g.json).slice(0, 300)}`);
  }

  // The owner, with the current password, still changes both; the same value again needs none.
  const owner = await signUp('renamer');
  const r = await call('PUT', `/users/${owner.id}`, { token: owner.token, headers: context(owner.password), body: { email: `new-${owner.username}@example.com`, username: `${owner.username}x` } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const same = await call('PUT', `/users/${owner.id}`, { token: owner.token, body: { email: `new-${owner.username}@example.com` } });
  assert.equal(same.status, 200, JSON.stringify(same.json));
  assert.equal((await call('POST', '/login', { body: { username: `${owner.username}x`, password: owner.password } })).status, 200);
});

// ---- an activity's id stays its creator's -----------------------------------------------------
// Company, contact and deal ids stay their creator's after a delete (crm_ids); activities' did
// not. Whoever had read an activity (a deal's assignee reads the activities on the deal's
// contact) took its id once its owner deleted it, with the same values: the owner's Undo (a
// create under the same id) was answered 137, and reading back showed the same values, so the
// app took it as put back. The note was the other user's now: they rewrote it (before, they
// could not write it) and kept reading it after the deal went back to its owner.
test('found attacking it: the id of a deleted activity cannot be taken by someone who read it', async () => {
  const owner = await signUp('noteowner');
  const taker = await signUp('notetaker');
  const P = (className, objectId) => ({ __type: 'Pointer', className, objectId });
  const id = (p) => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`.replace(/[^0-9A-Za-z]/g, '');
  const contact = await call('POST', '/classes/Contact', { token: owner.token, body: { objectId: id('Con'), name: 'Key client' } });
  assert.equal(contact.status, 201, JSON.stringify(contact.json));
  const deal = await call('POST', '/classes/Deal', { token: owner.token, body: { objectId: id('Deal'), title: 'Shared', contact: P('Contact', contact.json.objectId), assignedTo: P('_User', taker.id) } });
  assert.equal(deal.status, 201, JSON.stringify(deal.json));
  const note = { objectId: id('Note'), type: 'note', subject: 'Call notes', description: 'our strategy', relatedTo: { className: 'Contact', objectId: contact.json.objectId } };
  assert.equal((await call('POST', '/classes/Activity', { token: owner.token, body: note })).status, 201);
  assert.equal((await call('GET', `/classes/Activity/${note.objectId}`, { token: taker.token })).status, 200, 'the assignee reads it');
  assert.equal((await call('DELETE', `/classes/Activity/${note.objectId}`, { token: owner.token })).status, 200);

  assertRefused(await call('POST', '/classes/Activity', { token: taker.token, body: note }), 137, 'another user takes the deleted id');
  const batch = await call('POST', '/batch', { token: taker.token, body: { requests: [{ method: 'POST', path: '/parse/classes/Activity', body: note }] } });
  assertBatchItemRefused(batch, 0, 137, 'in a batch');
  // The owner's Undo puts it back, theirs.
  const undo = await call('POST', '/classes/Activity', { token: owner.token, body: note });
  assert.equal(undo.status, 201, JSON.stringify(undo.json));
  assert.equal(undo.json.createdBy.objectId, owner.id);
  assertRefused(await call('PUT', `/classes/Activity/${note.objectId}`, { token: taker.token, body: { description: 'rewritten' } }), 101, 'the assignee still cannot write it');
});
