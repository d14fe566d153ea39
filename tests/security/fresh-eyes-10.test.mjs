// Found attacking a private backend as a signed-up user (tenth pass). Each test fails without
// its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PG_PORT, assertRefused, call, connectLive, pointer, signUp, useVictim } from './harness.mjs';

const victim = useVictim();

const user = (id) => pointer('_User', id);
const sql = (query) => execFileSync('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-d', 'crm', '-tAc', query], { encoding: 'utf8' }).trim();
const reads = async (who, className, id) => (await call('GET', `/classes/${className}/${id}`, { token: who.token })).status === 200;
const create = async (who, className, body) => {
  const r = await call('POST', `/classes/${className}`, { token: who.token, body });
  assert.equal(r.status, 201, `${className}: ${JSON.stringify(r.json)}`);
  return r.json.objectId;
};

// ---- activities on one record, by everyone ---------------------------------------------------
// Handing a deal on rewrites the ACL of every activity on it (and on its contact) in one
// statement (cloud/sharing.js). The 5,000 a record was bounded to were per author: an assignee
// logs 5,000 on the owner's deal and contact, hands the deal on to a second account of theirs
// (an assignee may), which logs 5,000 more and hands it on, and so on: nothing bounded the
// record. With 300,000 on a contact (60 accounts, six minutes of sign-ups from one address),
// the next hand-on's recomputation outlasted the statement timeout (5 s) and failed: the first
// assignee kept reading the owner's notes on the contact, and kept them after the owner took the
// deal back (every later recomputation failed the same way). On a deal, the activities' write
// access is the assignee's too: kept as well. Activities by anyone but the record's creator are
// now bounded in all (LIMITS.activitiesByOthersPerRecord); the owner still logs her 5,000.
test("found attacking it: a chain of assignees cannot pile up activities on the owner's deal or contact past what its unsharing can rewrite", { timeout: 120_000 }, async () => {
  const vera = await signUp('vera10');
  const contact = await create(vera, 'Contact', { name: 'Key Buyer' });
  const deal = await create(vera, 'Deal', { title: 'Big deal', stage: 'lead', contact: pointer('Contact', contact) });
  const secret = await create(vera, 'Activity', { type: 'note', subject: 'their budget is 2M, do not tell', relatedTo: { className: 'Contact', objectId: contact } });
  const dealCall = await create(vera, 'Activity', { type: 'call', subject: 'the board meets on Friday', relatedTo: { className: 'Deal', objectId: deal } });
  const [uma, second, third] = [await signUp('uma10'), await signUp('chain10'), await signUp('chain10')];
  assert.equal((await call('PUT', `/classes/Deal/${deal}`, { token: vera.token, body: { assignedTo: user(uma.id) } })).status, 200);
  assert.ok(await reads(uma, 'Activity', secret), "the assignee reads the owner's notes on the contact (by design)");

  // The chain, through the API: each account logs on the deal and the contact, then hands on.
  for (const [from, to] of [[uma, second], [second, third]]) {
    await create(from, 'Activity', { type: 'note', subject: 'mine', relatedTo: { className: 'Contact', objectId: contact } });
    await create(from, 'Activity', { type: 'note', subject: 'mine', relatedTo: { className: 'Deal', objectId: deal } });
    assert.equal((await call('PUT', `/classes/Deal/${deal}`, { token: from.token, body: { assignedTo: user(to.id) } })).status, 200, 'an assignee hands the deal on');
  }
  assert.equal(await reads(uma, 'Activity', secret), false, 'handed on, the first assignee no longer reads the owner\'s notes');

  // What 4 more accounts of the chain log through the API, each within its 5,000 (planted here
  // through SQL, as the API writes them, to save time): 20,000 on the contact and on the deal.
  for (const [column, className, objectId] of [['relatedContact', 'Contact', contact], ['relatedDeal', 'Deal', deal]]) {
    sql(`INSERT INTO "Activity" ("objectId", "createdAt", "updatedAt", "type", "subject", "relatedTo", "${column}", "createdBy", "_rperm", "_wperm")
         SELECT 'chain' || lpad(i::text, 6, '0') || substr(md5(random()::text), 1, 6), now(), now(), 'note', 'chain ' || i,
                '{"className":"${className}","objectId":"${objectId}"}'::jsonb, '${objectId}', 'chainer' || (i / 5000),
                ARRAY['chainer' || (i / 5000), '${vera.id}', 'role:sales-manager'], ARRAY['chainer' || (i / 5000), '${vera.id}']
         FROM generate_series(0, 19999) AS i`);
  }
  try {
    // The chain's next account, with nothing logged yet: the record is full for anyone but
    // its owner.
    for (const [className, objectId] of [['Contact', contact], ['Deal', deal]]) {
      const more = await call('POST', '/classes/Activity', { token: third.token, body: { type: 'note', subject: 'one more', relatedTo: { className, objectId } } });
      assertRefused(more, 142, `a ${className}'s activities by others, past the bound`);
      assert.match(more.json.error, /activities/);
    }
    // Its owner still logs on her own deal and contact.
    await create(vera, 'Activity', { type: 'call', subject: 'still mine to log', relatedTo: { className: 'Deal', objectId: deal } });
    await create(vera, 'Activity', { type: 'call', subject: 'still mine to log', relatedTo: { className: 'Contact', objectId: contact } });
    // And what is on them follows the deal at once: the last of the chain loses the notes.
    assert.equal((await call('PUT', `/classes/Deal/${deal}`, { token: vera.token, body: { assignedTo: user(vera.id) } })).status, 200);
    for (const former of [uma, second, third]) {
      assert.equal(await reads(former, 'Activity', secret), false, "no former assignee reads the owner's notes on the contact");
      assert.equal(await reads(former, 'Activity', dealCall), false, "no former assignee reads the owner's call on the deal");
    }
  } finally {
    sql(`DELETE FROM "Activity" WHERE "subject" LIKE 'chain %' AND ("relatedContact" = '${contact}' OR "relatedDeal" = '${deal}')`);
  }
  assert.ok(victim.id);
});

// ---- Parse's own columns in a where ------------------------------------------------------------
// A where on _wperm (the ACL's write list, a column Parse keeps beside the fields) reached
// PostgreSQL, which compared a text[] with text: a bare 500, logged at error level, on every
// class, over REST and GraphQL. _rperm was answered, as a field no client has. Both are refused
// in words now, in Live Query subscriptions too.
test("found attacking it: a where on Parse's own columns (_rperm, _wperm) is refused in words, not a bare 500", async () => {
  const attacker = await signUp('attacker10');
  const find = (className, where) => call('GET', `/classes/${className}?where=${encodeURIComponent(JSON.stringify(where))}`, { token: attacker.token });
  for (const className of ['Deal', 'Activity', 'Profile', 'Company']) {
    assertRefused(await find(className, { _wperm: 'x' }), 102, `${className} where _wperm`);
    assertRefused(await find(className, { _wperm: { $regex: '\\Qa\\E' } }), 102, `${className} where _wperm contains`);
    assertRefused(await find(className, { _rperm: { $in: ['*'] } }), 102, `${className} where _rperm`);
  }
  const batch = await call('POST', '/batch', { token: attacker.token, body: { requests: [{ method: 'GET', path: '/parse/classes/Deal', body: { where: { _wperm: 'x' } } }] } });
  assert.equal(batch.json[0]?.error?.code, 102, JSON.stringify(batch.json));
  const live = await connectLive(attacker.token);
  try {
    live.send({ op: 'subscribe', requestId: 1, sessionToken: attacker.token, query: { className: 'Deal', where: { _wperm: 'x' } } });
    const answer = await live.next((f) => f.requestId === 1);
    assert.equal(answer.op, 'error', JSON.stringify(answer));
  } finally {
    live.close();
  }
  // Fields are still compared as before.
  assert.equal((await find('Deal', { title: 'x' })).status, 200);
});
