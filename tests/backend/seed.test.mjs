// The demo data the run command seeds (backend/seed.js), against the real test server and its
// database: the demo user's board (deals of varied ages), two colleagues who see only the deals
// assigned to them, and a second run that changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';
const APP = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key' };
const masterKey = () => readFileSync(path.join(root, 'backend/.data/test/master.key'), 'utf8').trim();

async function call(method, route, { token, body, master } = {}) {
  const headers = { ...APP, 'Content-Type': 'application/json' };
  if (token) headers['X-Parse-Session-Token'] = token;
  if (master) headers['X-Parse-Master-Key'] = masterKey();
  const res = await fetch(SERVER + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${route}: ${JSON.stringify(json)}`);
  return json;
}
const logIn = (username) => call('POST', '/login', { body: { username, password: 'demo-password' } });
const DATABASE = `postgres://postgres@127.0.0.1:${process.env.PG_PORT || process.env.CRM_TEST_PG_PORT || 54437}/crm`;
const seed = () => execFileSync('node', [path.join(root, 'backend/seed.js'), SERVER, DATABASE], { encoding: 'utf8' });
const all = async (className, token) => (await call('GET', `/classes/${className}?limit=1000`, { token })).results;

test('the demo seed: a board, a team of three, each colleague sees only what is assigned to them and what it links to; run again, nothing changes', async (t) => {
  t.after(async () => {
    // The test server is shared by the suites that follow: the seeded accounts go.
    for (const username of ['demo', 'alex', 'sam']) {
      const { results } = await call('GET', `/users?where=${encodeURIComponent(JSON.stringify({ username }))}`, { master: true });
      for (const u of results) await call('DELETE', `/users/${u.objectId}`, { master: true });
    }
  });
  const seeded = seed().match(/^seeded 8 companies, 12 contacts, 200 deals \(40 assigned to alex and sam\), (\d+) activities/m);
  assert.ok(seeded, 'the seed says what it made');

  const demo = await logIn('demo');
  const deals = await all('Deal', demo.sessionToken);
  assert.equal(deals.length, 200);
  assert.equal((await all('Company', demo.sessionToken)).length, 8);
  assert.equal((await all('Contact', demo.sessionToken)).length, 12);
  const activities = await all('Activity', demo.sessionToken);
  assert.equal(activities.length, Number(seeded[1]));
  // A working pipeline: most open deals have their next step planned, a few are overdue.
  const open = deals.filter((d) => !['won', 'lost'].includes(d.stage));
  const planned = new Set(activities.filter((a) => !a.completedAt).map((a) => a.relatedTo?.objectId));
  assert.ok(open.filter((d) => planned.has(d.objectId)).length >= open.length * 0.6, 'most open deals have a next step');
  const overdue = open.filter((d) => Date.parse(d.expectedCloseDate.iso) < Date.now());
  assert.ok(overdue.length > 0 && overdue.length <= open.length * 0.25, `${overdue.length} of ${open.length} open deals overdue`);
  // Nothing left to do on a closed deal.
  const closed = new Set(deals.filter((d) => ['won', 'lost'].includes(d.stage)).map((d) => d.objectId));
  for (const a of activities.filter((x) => closed.has(x.relatedTo?.objectId))) assert.ok(a.completedAt, `${a.subject} on a closed deal is done`);
  for (const d of deals) assert.equal(d.createdBy.objectId, demo.objectId);
  // Ages of a real pipeline (1 to about 4 months), each deal changed since it was created.
  const DAY = 86400000;
  const ages = deals.map((d) => (Date.now() - Date.parse(d.createdAt)) / DAY);
  assert.ok(Math.min(...ages) >= 1 && Math.max(...ages) <= 121, `ages ${Math.min(...ages)}..${Math.max(...ages)} days`);
  assert.ok(new Set(ages.map(Math.round)).size > 30, 'the ages vary');
  for (const d of deals) assert.ok(Date.parse(d.updatedAt) >= Date.parse(d.createdAt), `${d.objectId} changed before it was created`);
  // A won or lost deal was made before it closed (the dashboard leaves the others out of its ages).
  for (const d of deals.filter((x) => closed.has(x.objectId))) {
    assert.ok(Date.parse(d.createdAt) < Date.parse(d.expectedCloseDate.iso), `${d.title} closed before it was created`);
  }
  // A note is never a to-do.
  for (const a of activities.filter((x) => x.type === 'note')) assert.ok(a.completedAt, `the note ${a.subject} is planned, not done`);

  const names = new Map((await all('Profile', demo.sessionToken)).map((p) => [p.objectId, p.displayName]));
  assert.equal(names.get(demo.objectId), 'Dana Demo');
  for (const [username, displayName] of [['alex', 'Alex Rivera'], ['sam', 'Sam Chen']]) {
    const mate = await logIn(username);
    assert.equal(names.get(mate.objectId), displayName);
    const theirs = deals.filter((d) => d.assignedTo?.objectId === mate.objectId).map((d) => d.objectId).sort();
    assert.equal(theirs.length, 20, `${username}'s deals`);
    // What the ACLs let them read: exactly the deals assigned to them, and what those link to
    // (their companies, contacts, and the activities on those deals and contacts), nothing else.
    const ids = (list) => list.map((o) => o.objectId).sort();
    const mine = deals.filter((d) => d.assignedTo?.objectId === mate.objectId);
    const linked = (field) => [...new Set(mine.map((d) => d[field]?.objectId).filter(Boolean))].sort();
    assert.deepEqual(ids(await all('Deal', mate.sessionToken)), theirs);
    assert.deepEqual(ids(await all('Company', mate.sessionToken)), linked('company'));
    assert.deepEqual(ids(await all('Contact', mate.sessionToken)), linked('contact'));
    const shared = new Set([...theirs, ...linked('contact')]);
    const expected = activities.filter((a) => shared.has(a.relatedTo?.objectId)).map((a) => a.objectId).sort();
    assert.ok(expected.length > 0, 'some activities are on their deals');
    assert.deepEqual(ids(await all('Activity', mate.sessionToken)), expected);
  }

  // A second run (every `bash scripts/dev.sh`) finds the data and leaves it as it is.
  assert.match(seed(), /^demo data present \(200 deals\)/m);
  assert.equal((await all('Deal', demo.sessionToken)).length, 200);
  assert.equal((await all('Profile', demo.sessionToken)).filter((p) => ['Dana Demo', 'Alex Rivera', 'Sam Chen'].includes(p.displayName)).length, 3);
});
