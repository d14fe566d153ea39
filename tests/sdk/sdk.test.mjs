// The product description's own Parse JS SDK code (npm `parse` 8.6.2, in Node) against our
// backend: sign-up, log-in, deals by stage ordered by close date, contacts and deals with
// pointers, stage updates, deletes, activities by relatedTo in every form an SDK user writes,
// Live Query on Deal and Activity, the local datastore; GraphQL for the same; and data crossing
// between the SDK and crm-wasm both ways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Parse from 'parse/node';
import { startBrowser } from '../robustness/harness.mjs';
import { SERVER, root } from '../e2e/server.mjs';

const GRAPHQL = SERVER.replace(/\/parse$/, '/graphql');
const unique = (p) => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const subjects = (list) => list.map((a) => a.get('subject')).sort();

// The description's setup, with its mistake fixed: enableLocalDatastore comes after
// initialize (before it, the SDK answers "Parse.enableLocalDatastore() must be called first").
Parse.initialize('crm', 'crm-js-key');
Parse.enableLocalDatastore();
Parse.serverURL = SERVER;
Parse.liveQueryServerURL = SERVER.replace(/^http/, 'ws');
// Node keeps no "current user" unless asked: the snippets rely on one, as in a browser.
Parse.User.enableUnsafeCurrentUser();

const user = { username: unique('sdk'), password: 'pw-sdk-123' };
const made = {};

before(async () => {
  // Sign-up, as the description writes it.
  const u = new Parse.User();
  u.set('username', user.username);
  u.set('password', user.password);
  u.set('email', `${user.username}@example.com`);
  await u.signUp();
  await Parse.User.logOut();
});
after(async () => {
  Parse.LiveQuery.close();
});

test('sign-up needs an e-mail, and the description\'s Parse.User.login is not a function', async () => {
  const noMail = new Parse.User();
  noMail.set('username', unique('nomail'));
  noMail.set('password', 'pw-sdk-123');
  await assert.rejects(noMail.signUp(), (e) => e.code === 142 && /email is required/.test(e.message));
  assert.equal(typeof Parse.User.login, 'undefined');
  const me = await Parse.User.logIn(user.username, user.password);
  assert.ok(me.getSessionToken().startsWith('r:'));
  assert.equal(Parse.User.current().id, me.id);
});

test('the description\'s snippets: create, query by stage ordered by close date, update, delete', async () => {
  // createContact / createDeal, with pointers to a company and a contact.
  const company = new Parse.Object('Company');
  company.set('name', 'SDK Co');
  await company.save();
  const Contact = Parse.Object.extend('Contact');
  const contact = new Contact();
  contact.set('name', 'Sdk Contact');
  contact.set('email', 'sdk.contact@example.com');
  contact.set('phone', '+1 555 0100');
  contact.set('company', company);
  await contact.save();
  const Deal = Parse.Object.extend('Deal');
  const deals = [];
  for (const [title, days] of [['late', 30], ['early', 5], ['middle', 12]]) {
    const deal = new Deal();
    deal.set('title', `SDK ${title}`);
    deal.set('stage', 'qualified');
    deal.set('amount', 1000);
    deal.set('expectedCloseDate', new Date(Date.UTC(2027, 0, days)));
    deal.set('contact', contact);
    deal.set('company', company);
    await deal.save();
    deals.push(deal);
  }
  Object.assign(made, { company, contact, deals });
  // getDeals(stage): the server's ACLs return only this user's deals.
  const query = new Parse.Query('Deal');
  query.equalTo('stage', 'qualified');
  query.ascending('expectedCloseDate');
  const results = await query.find();
  assert.deepEqual(results.map((d) => d.get('title')), ['SDK early', 'SDK middle', 'SDK late']);
  assert.equal(results[0].get('contact').id, contact.id);
  const withCompany = await new Parse.Query('Deal').include('company').get(deals[0].id);
  assert.equal(withCompany.get('company').get('name'), 'SDK Co');
  assert.equal((await new Parse.Query('Contact').find()).length, 1);
  // Text search the SDK's way (it quotes the text, which the server accepts); patterns are not.
  assert.equal((await new Parse.Query('Deal').contains('title', 'DK ea').find()).length, 1);
  assert.equal((await new Parse.Query('Deal').startsWith('title', 'SDK m').find()).length, 1);
  assert.equal((await new Parse.Query('Deal').endsWith('title', 'late').find()).length, 1);
  await assert.rejects(new Parse.Query('Deal').matches('title', '^(S+)+$').find(), (e) => e.code === 102);
  // The server set the ACL and createdBy, whatever the SDK sent.
  assert.equal(results[0].get('createdBy').id, Parse.User.current().id);
  assert.ok(results[0].getACL().getWriteAccess(Parse.User.current().id));
  // updateDealStage
  const deal = await new Parse.Query('Deal').get(deals[0].id);
  deal.set('stage', 'won');
  await deal.save();
  assert.equal((await new Parse.Query('Deal').get(deals[0].id)).get('stage'), 'won');
  // A stage outside the list is refused with a message.
  deal.set('stage', 'wonn');
  await assert.rejects(deal.save(), (e) => e.code === 142 && /stage must be one of/.test(e.message));
  // deleteDeal
  const doomed = new Deal();
  doomed.set('title', 'SDK doomed');
  await doomed.save();
  await (await new Parse.Query('Deal').get(doomed.id)).destroy();
  await assert.rejects(new Parse.Query('Deal').get(doomed.id), (e) => e.code === 101);
});

test('activities by relatedTo, in every form an SDK user writes', async () => {
  const [deal, other] = made.deals;
  const { contact } = made;
  const activity = (subject, relatedTo) => {
    const a = new Parse.Object('Activity');
    a.set('type', 'call');
    a.set('subject', subject);
    if (relatedTo) a.set('relatedTo', relatedTo);
    return a.save();
  };
  const onDeal = await activity('on deal', deal);
  await activity('on deal by pointer', deal.toPointer());
  await activity('on other deal', other);
  await activity('on contact', contact);
  await activity('on nothing');
  // The shape stays a Pointer right after the save.
  assert.ok(onDeal.get('relatedTo') instanceof Parse.Object);
  assert.equal(onDeal.get('relatedTo').id, deal.id);

  const find = (build) => build(new Parse.Query('Activity')).find().then(subjects);
  const byDeal = ['on deal', 'on deal by pointer'];
  assert.deepEqual(await find((q) => q.equalTo('relatedTo', deal)), byDeal);
  assert.deepEqual(await find((q) => q.equalTo('relatedTo', deal.toPointer())), byDeal);
  assert.deepEqual(await find((q) => q.equalTo('relatedTo', { className: 'Deal', objectId: deal.id })), byDeal);
  assert.deepEqual(await find((q) => q.containedIn('relatedTo', [deal, contact])), [...byDeal, 'on contact'].sort());
  assert.deepEqual(await find((q) => q.notContainedIn('relatedTo', [deal, contact])), ['on nothing', 'on other deal']);
  assert.deepEqual(await find((q) => q.notEqualTo('relatedTo', deal)), ['on contact', 'on nothing', 'on other deal']);
  assert.deepEqual(await find((q) => q.matchesQuery('relatedTo', new Parse.Query('Deal').equalTo('title', 'SDK late'))), byDeal);
  assert.deepEqual(await find((q) => q.matchesQuery('relatedTo', new Parse.Query('Contact').equalTo('name', 'Sdk Contact'))), ['on contact']);
  assert.deepEqual(await find((q) => q.doesNotMatchQuery('relatedTo', new Parse.Query('Deal').equalTo('title', 'SDK late'))), ['on contact', 'on nothing', 'on other deal']);
  assert.deepEqual(await find((q) => q.exists('relatedTo')), [...byDeal, 'on contact', 'on other deal'].sort());
  assert.deepEqual(await find((q) => q.doesNotExist('relatedTo')), ['on nothing']);
  // The dot forms: equality and className (what crm-wasm sends), containedIn and exists.
  assert.deepEqual(await find((q) => q.equalTo('relatedTo.objectId', deal.id).equalTo('relatedTo.className', 'Deal')), byDeal);
  assert.deepEqual(await find((q) => q.containedIn('relatedTo.objectId', [deal.id, contact.id])), [...byDeal, 'on contact'].sort());
  assert.deepEqual(await find((q) => q.exists('relatedTo.objectId')), [...byDeal, 'on contact', 'on other deal'].sort());
  // Anything else is a clear error, never a 500 or an empty answer.
  await assert.rejects(new Parse.Query('Activity').greaterThan('relatedTo', deal).find(), (e) => e.code === 102 && /relatedTo supports/.test(e.message));
  await assert.rejects(new Parse.Query('Activity').equalTo('relatedTo', made.company).find(), (e) => e.code === 102 && /Contact or a Deal/.test(e.message));
  await assert.rejects(new Parse.Query('Activity').equalTo('relatedTo.title', 'x').find(), (e) => e.code === 102);

  // Read back, relatedTo is a Pointer: .id, fetch() and include work.
  const read = await new Parse.Query('Activity').get(onDeal.id);
  assert.equal(read.get('relatedTo').id, deal.id);
  assert.equal(read.get('relatedTo').className, 'Deal');
  await read.get('relatedTo').fetch();
  assert.equal(read.get('relatedTo').get('title'), 'SDK late');
  const included = await new Parse.Query('Activity').include('relatedTo').equalTo('relatedTo', deal).ascending('subject').find();
  assert.deepEqual(included.map((a) => a.get('relatedTo').get('title')), ['SDK late', 'SDK late']);
  const contactSide = await new Parse.Query('Activity').include('relatedTo').equalTo('relatedTo', contact).first();
  assert.equal(contactSide.get('relatedTo').get('name'), 'Sdk Contact');
  // Another user's deal cannot be used as a target (the server looks it up as that user).
  const stranger = new Parse.Object('Activity');
  stranger.set('subject', 'probe');
  stranger.set('relatedTo', Parse.Object.extend('Deal').createWithoutData('AbCdEfGhIj'));
  await assert.rejects(stranger.save(), (e) => e.code === 142 && /not found/.test(e.message));
});

test('existing activities are migrated to the pointer columns when the server starts', async () => {
  const a = new Parse.Object('Activity');
  a.set('subject', 'from before');
  a.set('relatedTo', made.deals[1]);
  await a.save();
  const port = process.env.CRM_TEST_PG_PORT || '54437';
  // As an activity written before the columns existed: relatedTo only.
  execFileSync('psql', ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', '-d', 'crm', '-qc',
    `UPDATE "Activity" SET "relatedDeal" = NULL WHERE "objectId" = '${a.id}'`]);
  assert.deepEqual(subjects(await new Parse.Query('Activity').equalTo('relatedTo', made.deals[1]).find()), ['on other deal']);
  execFileSync('bash', [path.join(root, 'backend/ctl.sh'), 'restart-parse', process.env.CRM_TEST_INSTANCE || 'test'], { env: { ...process.env, PARSE_SILENT: '1' }, stdio: 'ignore' });
  // The SDK's pooled connection to the old process is gone: the first call may fail once.
  const after = () => new Parse.Query('Activity').equalTo('relatedTo', made.deals[1]).find();
  const found = await after().catch(() => sleep(500).then(after));
  assert.deepEqual(subjects(found), ['from before', 'on other deal']);
});

test('Live Query on Deal and Activity, as the SDK subscribes', async () => {
  const token = Parse.User.current().getSessionToken();
  const deals = await new Parse.Query('Deal').equalTo('stage', 'proposal').subscribe(token);
  const activities = await new Parse.Query('Activity').equalTo('relatedTo', made.deals[2]).subscribe(token);
  const seen = [];
  deals.on('create', (d) => seen.push(`deal create ${d.get('title')}`));
  deals.on('enter', (d) => seen.push(`deal enter ${d.get('title')}`));
  activities.on('create', (a) => seen.push(`activity create ${a.get('subject')}`));
  await sleep(300);
  const d = new Parse.Object('Deal');
  d.set('title', 'SDK live');
  d.set('stage', 'proposal');
  await d.save();
  const moved = await new Parse.Query('Deal').get(made.deals[1].id);
  moved.set('stage', 'proposal');
  await moved.save();
  const a = new Parse.Object('Activity');
  a.set('subject', 'live call');
  a.set('relatedTo', made.deals[2]);
  await a.save();
  for (let i = 0; i < 50 && seen.length < 3; i++) await sleep(100);
  assert.deepEqual(seen.sort(), ['activity create live call', 'deal create SDK live', 'deal enter SDK early'].sort());
  deals.unsubscribe();
  activities.unsubscribe();
});

test('the local datastore: pin, query locally, unpin (the working forms)', async () => {
  const query = new Parse.Query('Deal');
  query.equalTo('stage', 'qualified');
  query.ascending('expectedCloseDate');
  const results = await query.find();
  assert.ok(results.length >= 1);
  await Parse.Object.pinAll(results);
  const local = new Parse.Query('Deal');
  local.fromLocalDatastore();
  assert.deepEqual((await local.find()).map((x) => x.id).sort(), results.map((x) => x.id).sort());
  // The description's `Parse.Object.unpinAll('Deal')` does not exist (it is `unPinAll`, and it
  // takes objects, not a class name): `unPinAll(results)` or `unPinAllObjects()` work.
  assert.equal(typeof Parse.Object.unpinAll, 'undefined');
  await Parse.Object.unPinAll(results);
  assert.equal((await new Parse.Query('Deal').fromLocalDatastore().find()).length, 0);
});

async function gql(query, variables) {
  const res = await fetch(GRAPHQL, {
    method: 'POST',
    headers: { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key', 'X-Parse-Session-Token': Parse.User.current().getSessionToken(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const json = await res.json();
  assert.equal(json.errors, undefined, JSON.stringify(json.errors));
  return json.data;
}

test('GraphQL: deals by stage, activities by relatedTo with the related deal nested, a create mutation', async () => {
  const byStage = await gql('query($s: String) { deals(where: { stage: { equalTo: $s } }, order: [expectedCloseDate_ASC]) { count edges { node { title } } } }', { s: 'qualified' });
  assert.ok(byStage.deals.edges.every((e) => e.node.title.startsWith('SDK')));
  const deal = made.deals[0];
  const acts = await gql(`query($id: ID!) { activities(where: { relatedDeal: { have: { objectId: { equalTo: $id } } } }, order: [subject_ASC]) {
    edges { node { subject relatedTo relatedDeal { objectId title } } } } }`, { id: deal.id });
  const nodes = acts.activities.edges.map((e) => e.node);
  assert.deepEqual(nodes.map((n) => n.subject), ['on deal', 'on deal by pointer']);
  assert.equal(nodes[0].relatedDeal.title, 'SDK late');
  assert.equal(nodes[0].relatedTo.objectId, deal.id);
  const created = await gql(`mutation($f: CreateActivityFieldsInput) { createActivity(input: { fields: $f }) { activity { objectId subject relatedDeal { title } } } }`,
    { f: { subject: 'from GraphQL', type: 'note', relatedTo: { className: 'Deal', objectId: deal.id } } });
  assert.equal(created.createActivity.activity.relatedDeal.title, 'SDK late');
  const dealMade = await gql('mutation { createDeal(input: { fields: { title: "GraphQL deal", stage: "lead", amount: 5 } }) { deal { objectId stage createdBy { objectId } } } }');
  assert.equal(dealMade.createDeal.deal.createdBy.objectId, Parse.User.current().id);
});

test('interop: what the SDK writes crm-wasm reads, and the reverse', async () => {
  const env = await startBrowser();
  try {
    const page = await env.page();
    const seen = await page.evaluate(async ({ server, username, password, dealId, contactId }) => {
      const { CrmClient } = window.crm;
      const client = new CrmClient({ serverUrl: server, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
      await client.logIn(username, password);
      const deal = await client.getDeal(dealId, ['company', 'contact']);
      const activities = await client.activities().equalTo('relatedTo', { className: 'Deal', objectId: dealId }).find();
      const mine = await client.createDeal({ title: 'from crm-wasm', amount: 42, stage: 'proposal', contact: { className: 'Contact', objectId: contactId } });
      const act = await client.createActivity({ type: 'meeting', subject: 'crm-wasm meeting', relatedTo: { className: 'Deal', objectId: mine.objectId } });
      return { deal, subjects: activities.map((a) => a.subject).sort(), relatedTo: activities[0]?.relatedTo, mine: mine.objectId, act: act.objectId };
    }, { server: SERVER, username: user.username, password: user.password, dealId: made.deals[0].id, contactId: made.contact.id });
    assert.equal(seen.deal.title, 'SDK late');
    assert.equal(seen.deal.stage, 'won');
    assert.equal(seen.deal.company.name, 'SDK Co');
    assert.equal(seen.deal.contact.name, 'Sdk Contact');
    assert.equal(new Date(seen.deal.expectedCloseDate).toISOString(), new Date(Date.UTC(2027, 0, 30)).toISOString());
    assert.deepEqual(seen.subjects, ['from GraphQL', 'on deal', 'on deal by pointer']);
    assert.deepEqual({ className: seen.relatedTo.className, objectId: seen.relatedTo.objectId }, { className: 'Deal', objectId: made.deals[0].id });
    // The reverse: the SDK reads what crm-wasm wrote.
    const theirs = await new Parse.Query('Deal').include('contact').get(seen.mine);
    assert.equal(theirs.get('title'), 'from crm-wasm');
    assert.equal(theirs.get('amount'), 42);
    assert.equal(theirs.get('contact').get('name'), 'Sdk Contact');
    const act = await new Parse.Query('Activity').include('relatedTo').get(seen.act);
    assert.equal(act.get('relatedTo').get('title'), 'from crm-wasm');
    assert.equal(act.get('type'), 'meeting');
  } finally {
    await env.close();
  }
});

test('a password is changed with the current one in the save\'s context, as an SDK user writes it', async () => {
  const name = unique('sdkpw');
  const u = new Parse.User();
  u.set('username', name);
  u.set('password', 'pw-sdk-old-1');
  u.set('email', `${name}@example.com`);
  await u.signUp();
  try {
    u.setPassword('pw-sdk-new-1');
    await assert.rejects(u.save(), (e) => e.code === 142 && /needs the current one/.test(e.message));
    u.setPassword('pw-sdk-new-1');
    await assert.rejects(u.save(null, { context: { currentPassword: 'not-it-9' } }), (e) => e.code === 142 && /is wrong/.test(e.message));
    u.setPassword('pw-sdk-new-1');
    await u.save(null, { context: { currentPassword: 'pw-sdk-old-1' } });
    await Parse.User.logOut();
    const back = await Parse.User.logIn(name, 'pw-sdk-new-1');
    assert.equal(back.id, u.id);
  } finally {
    await Parse.User.logOut();
  }
});
