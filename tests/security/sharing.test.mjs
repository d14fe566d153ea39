// Sharing along a deal (backend/cloud/sharing.js), against raw requests by real users: the
// assignee of a deal reads its company, contact and activities and works the deal's
// activities; nobody can use that to read, change or hand on what is not theirs; and a former
// assignee keeps only what another deal still shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { call, gql, signUp, assertRefused, useVictim, pointer, connectLive, masterKey, root, SERVER, PG_PORT, sleep } from './harness.mjs';

const victim = useVictim();

const user = (id) => pointer('_User', id);
const reads = async (who, cls, id) => (await call('GET', `/classes/${cls}/${id}`, { token: who.token })).status === 200;
const listed = async (who, cls) => (await call('GET', `/classes/${cls}?limit=1000`, { token: who.token })).json.results.map((o) => o.objectId);

async function create(who, cls, body) {
  const r = await call('POST', `/classes/${cls}`, { token: who.token, body });
  assert.equal(r.status, 201, `${cls}: ${JSON.stringify(r.json)}`);
  return r.json.objectId;
}

/** Vera's book: a company, a contact there, a deal on both with a call logged on it, a note on
 * the contact, and a second company and deal that stay hers alone. */
async function book() {
  const vera = await signUp('vera');
  const company = await create(vera, 'Company', { name: 'Shared Co', notes: 'margin 40%' });
  const contact = await create(vera, 'Contact', { name: 'Pat Buyer', company: pointer('Company', company) });
  const deal = await create(vera, 'Deal', { title: 'Shared deal', amount: 900, company: pointer('Company', company), contact: pointer('Contact', contact) });
  const call1 = await create(vera, 'Activity', { type: 'call', subject: 'First call', relatedTo: { className: 'Deal', objectId: deal } });
  const note = await create(vera, 'Activity', { type: 'note', subject: 'Likes golf', relatedTo: { className: 'Contact', objectId: contact } });
  const privateCo = await create(vera, 'Company', { name: 'Private Co' });
  const privateDeal = await create(vera, 'Deal', { title: 'Private deal', company: pointer('Company', privateCo) });
  return { vera, company, contact, deal, call1, note, privateCo, privateDeal };
}

test("an assignee reads the deal's company, contact and activities, and nothing else of the creator's", async () => {
  const b = await book();
  const uma = await signUp('uma');
  assert.equal(await reads(uma, 'Company', b.company), false, 'nothing before the hand-over');
  assert.equal((await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } })).status, 200);

  for (const [cls, id] of [['Deal', b.deal], ['Company', b.company], ['Contact', b.contact], ['Activity', b.call1], ['Activity', b.note]]) {
    assert.ok(await reads(uma, cls, id), `the assignee reads the ${cls} ${id}`);
  }
  assert.deepEqual((await listed(uma, 'Company')), [b.company], 'the shared company only, not Private Co');
  assert.deepEqual((await listed(uma, 'Deal')), [b.deal]);
  assert.equal(await reads(uma, 'Deal', b.privateDeal), false);
  // include works too: the board's card shows the company and contact names.
  const inc = await call('GET', `/classes/Deal/${b.deal}?include=company,contact`, { token: uma.token });
  assert.equal(inc.json.company.name, 'Shared Co');
  assert.equal(inc.json.contact.name, 'Pat Buyer');
  // GraphQL answers the same.
  const g = await gql('query($id: ID!) { company(id: $id) { name } }', { id: b.company }, uma.token);
  assert.equal(g.json.data?.company?.name, 'Shared Co', JSON.stringify(g.json));

  // Read only: the company and contact stay the creator's to change or delete.
  assertRefused(await call('PUT', `/classes/Company/${b.company}`, { token: uma.token, body: { name: 'Taken' } }), 101, 'the assignee renames the company');
  assertRefused(await call('PUT', `/classes/Contact/${b.contact}`, { token: uma.token, body: { email: 'uma@example.com' } }), 101, 'the assignee edits the contact');
  assertRefused(await call('DELETE', `/classes/Company/${b.company}`, { token: uma.token }), 101, 'the assignee deletes the company');
  assertRefused(await call('PUT', `/classes/Activity/${b.note}`, { token: uma.token, body: { subject: 'x' } }), 101, "the assignee edits a note on the creator's contact");
  // The deal's activities are the deal's people's: the assignee can mark the call done.
  assert.equal((await call('PUT', `/classes/Activity/${b.call1}`, { token: uma.token, body: { completedAt: { __type: 'Date', iso: new Date().toISOString() } } })).status, 200);

  // What the assignee logs on the deal, the creator sees (and may change).
  const logged = await create(uma, 'Activity', { type: 'email', subject: 'Sent the quote', relatedTo: { className: 'Deal', objectId: b.deal } });
  assert.ok(await reads(b.vera, 'Activity', logged), 'the creator reads what the assignee logged');
  assert.equal((await call('PUT', `/classes/Activity/${logged}`, { token: b.vera.token, body: { subject: 'Sent the quote (v2)' } })).status, 200);
  // A note the assignee logs on the shared contact: the contact's creator reads it too.
  const onContact = await create(uma, 'Activity', { type: 'note', subject: 'Prefers mornings', relatedTo: { className: 'Contact', objectId: b.contact } });
  assert.ok(await reads(b.vera, 'Activity', onContact));
  // A stranger sees none of it.
  const eve = await signUp('eve');
  for (const [cls, id] of [['Deal', b.deal], ['Company', b.company], ['Contact', b.contact], ['Activity', b.call1], ['Activity', logged]]) {
    assert.equal(await reads(eve, cls, id), false, `a stranger reads the ${cls}`);
  }
});

test('handing a deal on moves what it shares; a second deal keeps its share; deleting a deal ends it', async () => {
  const b = await book();
  const uma = await signUp('uma');
  const walt = await signUp('walt');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  const umasOwn = await create(uma, 'Activity', { type: 'call', subject: 'My call', relatedTo: { className: 'Deal', objectId: b.deal } });
  // Uma hands it on to Walt.
  assert.equal((await call('PUT', `/classes/Deal/${b.deal}`, { token: uma.token, body: { assignedTo: user(walt.id) } })).status, 200);
  for (const [cls, id] of [['Company', b.company], ['Contact', b.contact], ['Activity', b.call1], ['Activity', b.note]]) {
    assert.equal(await reads(uma, cls, id), false, `the former assignee no longer reads the ${cls}`);
    assert.ok(await reads(walt, cls, id), `the new assignee reads the ${cls}`);
  }
  assert.ok(await reads(uma, 'Activity', umasOwn), 'what Uma logged stays hers');
  assert.ok(await reads(walt, 'Activity', umasOwn), "and is the deal's: Walt reads it");

  // A second deal of Vera's at the same company, assigned to Walt: taking the first away from
  // him leaves the company (but not the first deal's contact) shared.
  const second = await create(b.vera, 'Deal', { title: 'Second', company: pointer('Company', b.company), assignedTo: user(walt.id) });
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(b.vera.id) } });
  assert.ok(await reads(walt, 'Company', b.company), 'still shared through the second deal');
  assert.equal(await reads(walt, 'Contact', b.contact), false);
  assert.equal(await reads(walt, 'Activity', b.call1), false);
  // Moving the second deal to another company moves the share.
  await call('PUT', `/classes/Deal/${second}`, { token: b.vera.token, body: { company: pointer('Company', b.privateCo) } });
  assert.equal(await reads(walt, 'Company', b.company), false);
  assert.ok(await reads(walt, 'Company', b.privateCo));
  // Deleting it ends it.
  assert.equal((await call('DELETE', `/classes/Deal/${second}`, { token: b.vera.token })).status, 200);
  assert.equal(await reads(walt, 'Company', b.privateCo), false);
});

test('sharing cannot be passed on: a deal by anyone but the owner shares nothing', async () => {
  const b = await book();
  const uma = await signUp('uma');
  const mallory = await signUp('mallory');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  // Uma reads Vera's company, so she may link her own deal to it, and assign it to Mallory...
  const handOn = await create(uma, 'Deal', { title: 'pass it on', company: pointer('Company', b.company), contact: pointer('Contact', b.contact), assignedTo: user(mallory.id) });
  assert.ok(await reads(mallory, 'Deal', handOn));
  // ...but that shares nothing of Vera's.
  for (const [cls, id] of [['Company', b.company], ['Contact', b.contact], ['Activity', b.call1], ['Activity', b.note]]) {
    assert.equal(await reads(mallory, cls, id), false, `Mallory reads Vera's ${cls} through Uma's deal`);
  }
  // Nor does logging an activity on Vera's deal with Mallory's deal... Mallory cannot even
  // relate an activity to Vera's deal.
  const r = await call('POST', '/classes/Activity', { token: mallory.token, body: { type: 'note', subject: 'x', relatedTo: { className: 'Deal', objectId: b.deal } } });
  assertRefused(r, 142, "an activity on a deal Mallory cannot read");
  // Moving an activity Mallory can write onto Vera's deal is refused the same way.
  const own = await create(mallory, 'Activity', { type: 'note', subject: 'mine' });
  assertRefused(await call('PUT', `/classes/Activity/${own}`, { token: mallory.token, body: { relatedTo: { className: 'Deal', objectId: b.deal } } }), 142, 'moved onto the deal');
});

test('the ACL stays the server\'s: an assignee cannot widen it, on any class', async () => {
  const b = await book();
  const uma = await signUp('uma');
  const mallory = await signUp('mallory');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  const open = { '*': { read: true, write: true }, [mallory.id]: { read: true, write: true } };
  // On the activity Uma may write, the ACL she sends is ignored (the change itself is kept).
  const r = await call('PUT', `/classes/Activity/${b.call1}`, { token: uma.token, body: { subject: 'widened?', ACL: open } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await reads(mallory, 'Activity', b.call1), false, 'the ACL sent was ignored');
  assert.equal((await call('GET', `/classes/Activity/${b.call1}`, { token: b.vera.token })).json.subject, 'widened?');
  // The same for Vera on her own objects: the server's ACL, not hers, so sharing stays exact.
  for (const [cls, id] of [['Company', b.company], ['Contact', b.contact], ['Deal', b.deal]]) {
    const put = await call('PUT', `/classes/${cls}/${id}`, { token: b.vera.token, body: { ACL: open } });
    assert.equal(put.status, 200, `${cls}: ${JSON.stringify(put.json)}`);
    assert.equal(await reads(mallory, cls, id), false, `${cls}: the ACL sent was ignored`);
    assert.ok(await reads(uma, cls, id), `${cls}: still shared with the assignee`);
  }
  // And through a batch and GraphQL.
  const batch = await call('POST', '/batch', { token: uma.token, body: { requests: [{ method: 'PUT', path: `/parse/classes/Activity/${b.call1}`, body: { ACL: open } }] } });
  assert.equal(batch.status, 200);
  const g = await gql('mutation($id: ID!) { updateActivity(input: { id: $id, fields: { ACL: { public: { read: true, write: true } } } }) { activity { objectId } } }', { id: b.call1 }, uma.token);
  assert.ok(g.json, 'GraphQL answered');
  assert.equal(await reads(mallory, 'Activity', b.call1), false);
});

test("a live query tells the assignee of changes to the deal's activities, and the former assignee nothing", async () => {
  const b = await book();
  const uma = await signUp('uma');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  const socket = await connectLive(uma.token);
  socket.send({ op: 'subscribe', requestId: 1, query: { className: 'Activity', where: { subject: { $exists: true } } }, sessionToken: uma.token });
  await socket.next((f) => f.op === 'subscribed' && f.requestId === 1);
  await call('PUT', `/classes/Activity/${b.call1}`, { token: b.vera.token, body: { subject: 'First call, moved to Friday' } });
  const changed = await socket.next((f) => ['enter', 'update'].includes(f.op) && f.object?.objectId === b.call1);
  assert.equal(changed.object.subject, 'First call, moved to Friday');
  // Taken back: what Vera writes next does not reach Uma.
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(b.vera.id) } });
  const seen = socket.frames.length;
  await call('PUT', `/classes/Activity/${b.call1}`, { token: b.vera.token, body: { subject: 'Secret: the real price' } });
  await create(b.vera, 'Activity', { type: 'note', subject: 'Secret note', relatedTo: { className: 'Deal', objectId: b.deal } });
  await sleep(1000);
  const after = socket.frames.slice(seen);
  assert.ok(!JSON.stringify(after).includes('Secret'), `nothing of Vera's reached Uma: ${JSON.stringify(after)}`);
  socket.close();
});

test("found attacking it: an assignee cannot move, keep or inherit the owner's activities", async () => {
  const b = await book();
  const uma = await signUp('uma');
  const friend = await signUp('friend');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  // Moving Vera's call to a contact of Uma's (then keeping it after the deal goes back), or
  // detaching it: only an activity's creator moves it.
  const umasContact = await create(uma, 'Contact', { name: 'Uma Contact' });
  for (const relatedTo of [{ className: 'Contact', objectId: umasContact }, { __type: 'Pointer', className: 'Contact', objectId: umasContact }, { __op: 'Delete' }]) {
    assertRefused(await call('PUT', `/classes/Activity/${b.call1}`, { token: uma.token, body: { relatedTo } }), 119, `moved to ${JSON.stringify(relatedTo)}`);
  }
  const batch = await call('POST', '/batch', { token: uma.token, body: { requests: [{ method: 'PUT', path: `/parse/classes/Activity/${b.call1}`, body: { relatedTo: { className: 'Contact', objectId: umasContact } } }] } });
  assert.ok(batch.json[0]?.error, JSON.stringify(batch.json));
  assert.equal((await call('GET', `/classes/Activity/${b.call1}`, { token: b.vera.token })).json.relatedTo.objectId, b.deal);

  // Making the recomputation fail half-way: 300 activities of Uma's on the deal, one deleted
  // while the deal is taken back. All of Vera's are still out of Uma's reach, and Walt's.
  const walt = await signUp('walt');
  for (let i = 0; i < 3; i++) {
    const requests = Array.from({ length: 100 }, (_, j) => ({ method: 'POST', path: '/parse/classes/Activity', body: { type: 'note', subject: `plant ${i}-${j}`, relatedTo: { className: 'Deal', objectId: b.deal } } }));
    const r = await call('POST', '/batch', { token: uma.token, body: { requests } });
    assert.ok(r.json.every((x) => x.success), JSON.stringify(r.json.find((x) => !x.success)));
  }
  const planted = (await call('GET', `/classes/Activity?limit=1&where=${encodeURIComponent(JSON.stringify({ subject: 'plant 2-50' }))}`, { token: uma.token })).json.results[0].objectId;
  const [back] = await Promise.all([
    call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(walt.id) } }),
    sleep(20).then(() => call('DELETE', `/classes/Activity/${planted}`, { token: uma.token })),
  ]);
  assert.equal(back.status, 200);
  for (const id of [b.call1, b.note]) {
    assert.equal(await reads(uma, 'Activity', id), false, 'the former assignee lost it');
    assert.ok(await reads(walt, 'Activity', id), 'the new assignee has it');
  }

  // A deleted deal's activities go back to their creators; its id is not anyone else's to take
  // (the next assignment would hand them its activities). Vera may put it back (Undo).
  assert.equal((await call('DELETE', `/classes/Deal/${b.deal}`, { token: b.vera.token })).status, 200);
  assert.equal(await reads(walt, 'Activity', b.call1), false, 'the assignee of a deleted deal');
  assertRefused(await call('POST', '/classes/Deal', { token: uma.token, body: { objectId: b.deal, title: 'mine now', assignedTo: user(friend.id) } }), 137, "taking a deleted deal's id");
  assert.equal(await reads(friend, 'Activity', b.call1), false);
  const undo = await call('POST', '/classes/Deal', { token: b.vera.token, body: { objectId: b.deal, title: 'Shared deal', assignedTo: user(walt.id) } });
  assert.equal(undo.status, 201, JSON.stringify(undo.json));
  assert.ok(await reads(walt, 'Activity', b.call1), 'put back, its activities are shared again');
  // The same for a contact.
  assert.equal((await call('DELETE', `/classes/Contact/${b.contact}`, { token: b.vera.token })).status, 200);
  assertRefused(await call('POST', '/classes/Contact', { token: uma.token, body: { objectId: b.contact, name: 'mine' } }), 137, "taking a deleted contact's id");
});

test("found attacking it: a create racing the owner's delete cannot take the id; nor can a deleted company's be taken", async () => {
  const b = await book();
  const uma = await signUp('uma');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  // Uma (who knows the id as its assignee) fires creates under the deal's id from four sessions
  // while Vera deletes it: checked before the insert only, one landed after the delete in 10 of
  // 10 tries, and took the deal's activities with it.
  const sessions = [uma, ...(await Promise.all([1, 2, 3].map(async () => ({ token: (await call('POST', '/login', { body: { username: uma.username, password: uma.password } })).json.sessionToken }))))];
  let stop = false;
  const taken = [];
  const fire = async (who) => {
    while (!stop) {
      const r = await call('POST', '/classes/Deal', { token: who.token, body: { objectId: b.deal, title: 'mine now' } });
      if (r.status === 201) taken.push(r.json);
      else assert.equal(r.json.code, 137, JSON.stringify(r.json));
    }
  };
  const loops = sessions.flatMap((who) => [fire(who), fire(who), fire(who), fire(who)]);
  await sleep(150);
  assert.equal((await call('DELETE', `/classes/Deal/${b.deal}`, { token: b.vera.token })).status, 200);
  await sleep(400);
  stop = true;
  await Promise.all(loops);
  assert.deepEqual(taken, [], 'no create took the id');
  assert.equal(await reads(uma, 'Activity', b.call1), false, "the deal's call is not the racer's");
  const undo = await call('POST', '/classes/Deal', { token: b.vera.token, body: { objectId: b.deal, title: 'Shared deal' } });
  assert.equal(undo.status, 201, `Undo still works: ${JSON.stringify(undo.json)}`);

  // A deleted company's id: taking it would put the owner's contacts and deals at the taker's.
  assert.equal((await call('DELETE', `/classes/Company/${b.privateCo}`, { token: b.vera.token })).status, 200);
  assertRefused(await call('POST', '/classes/Company', { token: uma.token, body: { objectId: b.privateCo, name: 'Evil Co' } }), 137, "taking a deleted company's id");
  assert.equal((await call('POST', '/classes/Company', { token: b.vera.token, body: { objectId: b.privateCo, name: 'Private Co' } })).status, 201, 'its owner puts it back');
  // Through a batch too (one request among others).
  const batch = await call('POST', '/batch', { token: uma.token, body: { requests: [{ method: 'POST', path: '/parse/classes/Contact', body: { objectId: b.contact, name: 'mine' } }] } });
  assert.equal(batch.json[0]?.error?.code, 137, JSON.stringify(batch.json));
});

test("found attacking it: an assignee cannot re-point a deal, nor plant enough activities to outlast the unsharing", async () => {
  const b = await book();
  const uma = await signUp('uma');
  // A second deal of Vera's, on another contact, also given to Uma.
  const contact2 = await create(b.vera, 'Contact', { name: 'Second Buyer' });
  const deal2 = await create(b.vera, 'Deal', { title: 'Second deal', contact: pointer('Contact', contact2) });
  for (const deal of [b.deal, deal2]) await call('PUT', `/classes/Deal/${deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  // Re-pointing the first deal at the second's contact (or company) would keep it shared with
  // Uma after the second deal goes back: only the creator changes what a deal links to.
  assertRefused(await call('PUT', `/classes/Deal/${b.deal}`, { token: uma.token, body: { contact: pointer('Contact', contact2) } }), 119, 'the assignee re-points the contact');
  assertRefused(await call('PUT', `/classes/Deal/${b.deal}`, { token: uma.token, body: { company: null } }), 119, 'the assignee clears the company');
  // The rest of the deal is still the assignee's to work, the links sent unchanged included.
  const worked = await call('PUT', `/classes/Deal/${b.deal}`, { token: uma.token, body: { stage: 'proposal', company: pointer('Company', b.company) } });
  assert.equal(worked.status, 200, JSON.stringify(worked.json));
  assert.equal((await call('PUT', `/classes/Deal/${deal2}`, { token: b.vera.token, body: { assignedTo: user(b.vera.id) } })).status, 200);
  assert.equal(await reads(uma, 'Contact', contact2), false, 'the second contact went back with its deal');

  // 1.2 million activities planted on a deal and its contact outlasted the statement timeout
  // of the unsharing, and the former assignee kept the owner's notes. At most 5,000 on one deal
  // or contact. (Planted here through SQL, as the API writes them, to save time.)
  const sql = (query) => execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc', query], { encoding: 'utf8' }).trim();
  const acl = `ARRAY['${uma.id}', '${b.vera.id}', 'role:sales-manager']`;
  sql(`INSERT INTO "Activity" ("objectId", "createdAt", "updatedAt", "type", "subject", "relatedTo", "relatedDeal", "createdBy", "_rperm", "_wperm")
       SELECT 'plant' || lpad(i::text, 5, '0') || substr(md5(random()::text), 1, 6), now(), now(), 'note', 'plant ' || i,
              '{"className":"Deal","objectId":"${b.deal}"}'::jsonb, '${b.deal}', '${uma.id}', ${acl}, ${acl}
       FROM generate_series(1, 4999) AS i`);
  const at = await call('POST', '/classes/Activity', { token: uma.token, body: { type: 'note', subject: 'the 5,000th', relatedTo: { className: 'Deal', objectId: b.deal } } });
  assert.equal(at.status, 201, JSON.stringify(at.json));
  const past = await call('POST', '/classes/Activity', { token: uma.token, body: { type: 'note', subject: 'one more', relatedTo: { className: 'Deal', objectId: b.deal } } });
  assertRefused(past, 142, "the assignee's 5,001st activity on one deal");
  assert.match(past.json.error, /5000 activities/);
  // Per user: the planted ones do not stop the owner logging on her own deal.
  const owners = await call('POST', '/classes/Activity', { token: b.vera.token, body: { type: 'call', subject: 'still mine to log', relatedTo: { className: 'Deal', objectId: b.deal } } });
  assert.equal(owners.status, 201, JSON.stringify(owners.json));
  // Handed on with its 5,000, the deal's activities follow it at once.
  const walt = await signUp('walt');
  assert.equal((await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(walt.id) } })).status, 200);
  assert.equal(await reads(uma, 'Activity', b.call1), false, 'the former assignee lost the owner\'s call');
  assert.ok(await reads(walt, 'Activity', b.call1));
  sql(`DELETE FROM "Activity" WHERE "relatedDeal" = '${b.deal}' AND "subject" LIKE 'plant %'`);
});

test('an edit racing a reassignment cannot leave the former assignee in', async () => {
  const b = await book();
  const uma = await signUp('uma');
  const walt = await signUp('walt');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  // An edit held in Cloud Code (the test hook) computes the deal's ACL from what it read before
  // the reassignment that commits meanwhile.
  const held = call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { notes: 'crm-test-hold:1500' } });
  await sleep(300);
  assert.equal((await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(walt.id) } })).status, 200);
  assert.equal((await held).status, 200);
  const stored = (await call('GET', `/classes/Deal/${b.deal}`, { master: true })).json;
  assert.equal(stored.assignedTo.objectId, walt.id);
  assert.equal(await reads(uma, 'Deal', b.deal), false, 'the former assignee is out');
  assert.ok(await reads(walt, 'Deal', b.deal));
  assert.deepEqual(Object.keys(stored.ACL).sort(), [b.vera.id, walt.id, 'role:sales-manager'].sort());
});

test('a former assignee\'s Live Query is told the deal left, with nothing of the save that took it away', async () => {
  const b = await book();
  const uma = await signUp('uma');
  const walt = await signUp('walt');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  const live = await connectLive(uma.token);
  try {
    live.send({ op: 'subscribe', requestId: 1, query: { className: 'Deal', where: {} }, sessionToken: uma.token });
    await live.next((f) => f.op === 'subscribed');
    await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(walt.id), amount: 123456, notes: 'new terms' } });
    const leave = await live.next((f) => f.op === 'leave');
    assert.equal(leave.object.objectId, b.deal);
    const told = JSON.stringify(leave);
    for (const secret of [walt.id, '123456', 'new terms']) assert.ok(!told.includes(secret), `the leave frame shows ${secret}: ${told}`);
    await sleep(300);
    assert.deepEqual(live.frames.filter((f) => f.op !== 'connected' && f.op !== 'subscribed' && f.op !== 'leave'), []);
  } finally {
    live.close();
  }
});

test('a database from before sharing is shared on the next start, once', async () => {
  const b = await book();
  const uma = await signUp('uma');
  await call('PUT', `/classes/Deal/${b.deal}`, { token: b.vera.token, body: { assignedTo: user(uma.id) } });
  // Back to what the server wrote before sharing existed: everything but the deal is Vera's alone.
  const alone = { [b.vera.id]: { read: true, write: true }, 'role:sales-manager': { read: true } };
  for (const [cls, id] of [['Company', b.company], ['Contact', b.contact], ['Activity', b.call1], ['Activity', b.note]]) {
    assert.equal((await call('PUT', `/classes/${cls}/${id}`, { master: true, body: { ACL: alone } })).status, 200);
    assert.equal(await reads(uma, cls, id), false, `${cls} not shared before the migration`);
  }
  const sql = (q) => execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc', q], { encoding: 'utf8' }).trim();
  sql(`DELETE FROM "crm_migrations" WHERE "name" = 'share-assigned-deals-1'`);
  // And from before the id registry: the deal's id unclaimed, a deleted contact's id in the
  // table of deleted ids that came before it.
  // And a deal deleted before anything remembered deleted ids: its id is gone from every table
  // but its activities still point at it (a former assignee who knew it took it, and read them).
  const old = await create(b.vera, 'Deal', { title: 'Deleted long ago', assignedTo: user(uma.id) });
  await create(b.vera, 'Activity', { type: 'note', subject: 'walk-away price', relatedTo: { className: 'Deal', objectId: old } });
  assert.equal((await call('DELETE', `/classes/Deal/${old}`, { token: b.vera.token })).status, 200);
  sql(`DELETE FROM "crm_migrations" WHERE "name" = 'id-registry-2'`);
  sql(`DELETE FROM "crm_ids" WHERE "objectId" IN ('${b.deal}', 'gone${b.contact}', '${old}')`);
  sql(`CREATE TABLE "crm_deleted" ("className" text NOT NULL, "objectId" text NOT NULL, "createdBy" text, "at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("className", "objectId"))`);
  sql(`INSERT INTO "crm_deleted" VALUES ('Contact', 'gone${b.contact}', '${b.vera.id}')`);

  // A second instance starts on the same database (as after an upgrade) and shares them.
  const port = Number(new URL(SERVER).port) + 63;
  let output = '';
  const child = spawn(process.execPath, [path.join(root, 'backend/server.js')], {
    env: { ...process.env, PARSE_PORT: String(port), PARSE_MASTER_KEY: masterKey(), DATABASE_URI: `postgres://postgres@127.0.0.1:${PG_PORT}/crm`, CRM_TEST_HOOKS: '0', PARSE_SILENT: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  try {
    // Ready once its start-up work (the migration among it) is done: /health answers earlier.
    for (let i = 0; i < 600 && !output.includes('parse-server ready') && child.exitCode === null; i++) await sleep(100);
    assert.match(output, /parse-server ready/, `the second instance started: ${output.slice(-2000)}`);
    assert.match(output, /shared what \d+ assigned deals link to/);
    for (const [cls, id] of [['Company', b.company], ['Contact', b.contact], ['Activity', b.call1], ['Activity', b.note]]) {
      assert.ok(await reads(uma, cls, id), `${cls} shared by the migration`);
    }
    assert.equal(sql(`SELECT count(*) FROM "crm_migrations" WHERE "name" = 'share-assigned-deals-1'`), '1', 'recorded: it runs once');
    assert.equal(sql(`SELECT "createdBy" FROM "crm_ids" WHERE "className" = 'Deal' AND "objectId" = '${b.deal}'`), b.vera.id, 'the id taken before is claimed');
    assert.equal(sql(`SELECT "createdBy" FROM "crm_ids" WHERE "className" = 'Contact' AND "objectId" = 'gone${b.contact}'`), b.vera.id, 'a deleted id remembered before is kept');
    assert.equal(sql(`SELECT to_regclass('crm_deleted') IS NULL`), 't', 'the table it replaces is gone');
    assert.equal(sql(`SELECT count(*) FROM "crm_ids" WHERE "objectId" = '${old}' AND "createdBy" IS NULL`), '1', 'an id still pointed at is claimed for nobody');
    assertRefused(await call('POST', '/classes/Deal', { token: uma.token, body: { objectId: old, title: 'mine' } }), 137, 'taking the id of a deal deleted long ago');
  } finally {
    child.kill('SIGTERM');
  }
});
