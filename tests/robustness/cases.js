// Runs in the page (tests/robustness/index.html): the bad-input table. Each case feeds crm-wasm
// something wrong -- from JS, or from the server through the fault proxy -- and names the error
// code it must get (or 'ok' where the input is odd but legal and must be kept as-is). After each
// case the harness checks that the module still works and that nothing was lost: the same
// pending offline ops, the same pinned objects, the same pipeline.
import init, { CrmClient, LocalStore, LiveQueryClient, Pipeline } from '/pkg/crm_wasm.js';

const params = new URLSearchParams(location.search);
const SERVER = params.get('server');
const PROXY = params.get('proxy');
const PROXY_ROOT = PROXY.replace(/\/parse$/, '');
const KEYS = { appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false };
const MB = 1024 * 1024;

let ctx;

async function fault(kind, query = '', body) {
  const res = await fetch(`${PROXY_ROOT}/__fault/${kind}${query}`, { method: 'POST', body });
  if (!res.ok) throw new Error(`fault ${kind}: ${res.status}`);
}

/** One server answer through the proxy, as the next response: `status` and `json` text. */
const serverAnswers = (json, status = 200) => fault('respond', `?status=${status}`, json);

async function setup() {
  await init();
  const username = `bad${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const client = new CrmClient({ serverUrl: SERVER, ...KEYS });
  const session = await client.signUp(username, `${username}@example.com`, 'pw-bad-input');
  const viaProxy = new CrmClient({ serverUrl: PROXY, ...KEYS, maxRetries: 0 });
  await viaProxy.become(client.sessionToken());
  const store = await LocalStore.open(client, { autoSync: false });
  const deal = await client.createDeal({ title: 'Kept deal', amount: 1200, stage: 'proposal' });
  await store.pinAll('Deal', [deal]);
  // One queued offline write that every case must leave in the queue.
  await store.create('Deal', { title: 'Queued while offline', amount: 10, stage: 'lead' });
  const pipeline = new Pipeline();
  pipeline.loadJson(JSON.stringify([deal]));
  ctx = { client, viaProxy, store, pipeline, deal, userId: session.objectId };
}

async function snapshot() {
  const pending = await ctx.store.pending();
  const pinned = await ctx.client.deals().fromLocalDatastore(ctx.store).find();
  return JSON.stringify({
    pending: pending.map((p) => [p.seq, p.className, p.objectId]),
    pinned: pinned.map((d) => [d.objectId, d.title, d.amount, d.stage]),
    columns: ctx.pipeline.columns(),
  });
}

const deal = (extra) => ({ title: 'A deal', amount: 100, stage: 'lead', ...extra });
const CASES = [
  // From JS: models.
  ['create: title missing', 'MISSING_FIELD', () => ctx.client.createDeal({ amount: 5 })],
  ['create: title blank', 'MISSING_FIELD', () => ctx.client.createDeal(deal({ title: '   ' }))],
  ['create: title a number', 'INVALID_INPUT', () => ctx.client.createDeal(deal({ title: 42 }))],
  ['create: amount NaN', 'INVALID_FIELD', () => ctx.client.createDeal(deal({ amount: NaN }))],
  ['create: amount Infinity', 'INVALID_FIELD', () => ctx.client.createDeal(deal({ amount: Infinity }))],
  ['create: amount -Infinity', 'INVALID_FIELD', () => ctx.client.createDeal(deal({ amount: -Infinity }))],
  ['create: amount negative', 'INVALID_FIELD', () => ctx.client.createDeal(deal({ amount: -1 }))],
  ['create: amount a string', 'INVALID_INPUT', () => ctx.client.createDeal(deal({ amount: '100' }))],
  ['create: unknown stage', 'INVALID_FIELD', () => ctx.client.createDeal(deal({ stage: 'closing' }))],
  ['create: stage a number', 'INVALID_INPUT', () => ctx.client.createDeal(deal({ stage: 3 }))],
  ['create: close date not a date', 'INVALID_INPUT', () => ctx.client.createDeal(deal({ expectedCloseDate: 'next tuesday' }))],
  ['create: close date a number', 'INVALID_INPUT', () => ctx.client.createDeal(deal({ expectedCloseDate: 1700000000000 }))],
  ['create: company pointer to a Contact', 'INVALID_INPUT', () => ctx.client.createDeal(deal({ company: { className: 'Contact', objectId: 'abc123' } }))],
  ['create: pointer without objectId', 'INVALID_INPUT', () => ctx.client.createDeal(deal({ company: { className: 'Company' } }))],
  ['create: objectId with a slash', 'INVALID_FIELD', () => ctx.client.createDeal(deal({ objectId: '../_User' }))],
  ['create: 2 MB title', 'INVALID_FIELD', () => ctx.client.createDeal(deal({ title: 'x'.repeat(2 * MB) }))],
  // A field the class lacks (a typo, another class's) is refused, not dropped without a word.
  ['create: unknown field', 'INVALID_INPUT', () => ctx.client.createDeal(deal({ colour: 'red' }))],
  ['create: a field of another class', 'INVALID_INPUT', () => ctx.client.createContact({ name: 'Ann', stage: 'won' })],
  ['saveAll: an unknown field in one object', 'INVALID_INPUT', () => ctx.client.saveAllDeals([deal(), deal({ ammount: 5 })])],
  ['create: null', 'INVALID_INPUT', () => ctx.client.createDeal(null)],
  ['create: a string', 'INVALID_INPUT', () => ctx.client.createDeal('a deal')],
  ['create: contact e-mail malformed', 'INVALID_FIELD', () => ctx.client.createContact({ name: 'Ann', email: 'ann at example' })],
  ['create: activity with unknown type', 'INVALID_FIELD', () => ctx.client.createActivity({ type: 'fax', subject: 'x', relatedTo: { className: 'Deal', objectId: ctx.deal.objectId } })],
  ['create: activity about a Company', 'INVALID_INPUT', () => ctx.client.createActivity({ type: 'call', subject: 'x', relatedTo: { className: 'Company', objectId: 'abc' } })],
  // From JS: updates and ids.
  ['update: unknown field', 'INVALID_INPUT', () => ctx.client.updateDeal(ctx.deal.objectId, { colour: 'red' })],
  ['update: increment by NaN', 'INVALID_FIELD', () => ctx.client.updateDeal(ctx.deal.objectId, { amount: { increment: NaN } })],
  ['update: empty objectId', 'INVALID_INPUT', () => ctx.client.updateDeal('', { title: 'x' })],
  ['update: objectId with path characters', 'INVALID_INPUT', () => ctx.client.updateDeal('abc/../../users', { title: 'x' })],
  ['get: objectId a number', 'INVALID_INPUT', () => ctx.client.getDeal(12345)],
  ['get: objectId undefined', 'INVALID_INPUT', () => ctx.client.getDeal(undefined)],
  ['get: include a string', 'INVALID_INPUT', () => ctx.client.getDeal(ctx.deal.objectId, 'company')],
  ['destroyAll: ids not an array', 'INVALID_INPUT', () => ctx.client.destroyAllDeals(ctx.deal.objectId)],
  // The server refuses a malformed id in its place in the batch; the others still run.
  ['destroyAll: a malformed id fails alone', 'VALIDATION_FAILED', async () => {
    const extra = await ctx.client.createDeal({ title: 'deleted beside a bad id', stage: 'lead', amount: 1 });
    const results = await ctx.client.destroyAllDeals(['abc123', extra.objectId]);
    if (results.length !== 2 || !results[1].ok) throw new Error(`the valid id was not deleted: ${JSON.stringify(results)}`);
    throw results[0].error;
  }],
  ['auth: username an object', 'INVALID_INPUT', () => new CrmClient({ serverUrl: SERVER, ...KEYS }).logIn({ name: 'x' }, 'pw')],
  // An option spelled otherwise did nothing, without a word.
  ['options: an unknown client option', 'INVALID_INPUT', () => new CrmClient({ serverUrl: SERVER, ...KEYS, timeout: 5000 })],
  ['options: an unknown live option', 'INVALID_INPUT', () => new LiveQueryClient(ctx.client, { heartbeat: 1000 })],
  // From JS: queries.
  ['query: unknown field', 'INVALID_INPUT', () => ctx.client.deals().equalTo('colour', 'red').find()],
  ['query: amount compared with text', 'INVALID_INPUT', () => ctx.client.deals().lessThan('amount', 'abc').find()],
  ['query: limit above 1000', 'INVALID_INPUT', () => ctx.client.deals().limit(5000).find()],
  ['query: limit negative', 'INVALID_INPUT', () => ctx.client.deals().limit(-1).find()],
  ['query: limit NaN', 'INVALID_INPUT', () => ctx.client.deals().limit(NaN).find()],
  ['query: skip fractional', 'INVALID_INPUT', () => ctx.client.deals().skip(1.5).find()],
  ['query: limit a numeric string', 'INVALID_INPUT', () => ctx.client.deals().limit('10').find()],
  ['query: misspelt stage', 'INVALID_INPUT', () => ctx.client.deals().equalTo('stage', 'wonn').find()],
  ['query: misspelt stage, locally', 'INVALID_INPUT', () => ctx.client.deals().containedIn('stage', ['won', 'wonn']).fromLocalDatastore(ctx.store).find()],
  ['query: sub-query over the wrong class', 'INVALID_INPUT', () => ctx.client.deals().matchesQuery('company', ctx.client.contacts()).find()],
  ['query: include of a non-pointer in getDeal', 'INVALID_INPUT', () => ctx.client.getDeal(ctx.deal.objectId, ['title'])],
  ['query: text option misspelt', 'INVALID_INPUT', () => ctx.client.deals().contains('title', 'a', { ignoreCase: true }).find()],
  ['query: field name a number', 'INVALID_INPUT', () => ctx.client.deals().equalTo(5, 'x').find()],
  ['query: regex characters are literal text', 'ok', async () => {
    const found = await ctx.client.deals().contains('title', '.*').find();
    if (found.length !== 0) throw new Error(`".*" matched ${found.length} deals as a pattern`);
  }],
  ['query: containedIn without an array', 'INVALID_INPUT', () => ctx.client.deals().containedIn('stage', 'won').find()],
  ['query: include given an array', 'INVALID_INPUT', () => ctx.client.deals().include(['company']).find()],
  ['query: plain-data query malformed', 'INVALID_INPUT', () => ctx.client.findDeals({ constraints: 'stage=won' })],
  ['query: order on an unknown field', 'INVALID_INPUT', () => ctx.client.deals().ascending('colour').find()],
  // From JS: pipeline, local store, live queries, options.
  ['pipeline: loadJson not JSON', 'INVALID_INPUT', () => ctx.pipeline.loadJson('{"results": [')],
  ['pipeline: loadJson a deal without objectId', 'INVALID_INPUT', () => ctx.pipeline.loadJson('[{"title":"x","amount":1}]')],
  ['pipeline: loadJson amount NaN text', 'INVALID_INPUT', () => ctx.pipeline.loadJson('[{"objectId":"a","title":"x","amount":NaN}]')],
  ['pipeline: filter with a text minAmount', 'INVALID_INPUT', () => ctx.pipeline.setFilter({ minAmount: 'lots' })],
  ['pipeline: move of an unknown deal', 'INVALID_INPUT', () => ctx.pipeline.moveDeal('nope', 'won')],
  ['pipeline: move to an unknown stage', 'INVALID_FIELD', () => ctx.pipeline.moveDeal(ctx.deal.objectId, 'closing')],
  ['pipeline: page with a negative offset', 'INVALID_INPUT', () => ctx.pipeline.page('lead', -1, 10)],
  ['pipeline: page of a misspelt stage', 'INVALID_INPUT', () => ctx.pipeline.page('wonn', 0, 10)],
  ['pipeline: method on a freed pipeline', 'FREED', () => { const p = new Pipeline(); p.free(); return p.columns(); }],
  ['pipeline: loadJson given an object', 'INVALID_INPUT', () => ctx.pipeline.loadJson({ deals: [] })],
  ['local: pinAll of an unknown class', 'INVALID_INPUT', () => ctx.store.pinAll('Invoice', [])],
  ['local: pinAll with a bad deal among good ones', 'INVALID_INPUT', () => ctx.store.pinAll('Deal', [deal({ objectId: 'good1' }), { objectId: 'bad1', title: 7 }])],
  ['local: offline create with amount NaN', 'INVALID_FIELD', () => ctx.store.create('Deal', deal({ amount: NaN }))],
  ['local: offline create with an unknown field', 'INVALID_INPUT', () => ctx.store.create('Deal', deal({ colour: 'red' }))],
  ['local: offline update of an unknown field', 'INVALID_INPUT', () => ctx.store.update('Deal', ctx.deal.objectId, { colour: 'red' })],
  ['local: dropOp of a negative seq', 'INVALID_INPUT', () => ctx.store.dropOp(-5)],
  ['local: dropOp of an op not queued answers false', 'ok', async () => {
    if ((await ctx.store.dropOp(987654321)) !== false) throw new Error('dropOp claimed to drop something');
  }],
  ['local: pinAll given a string', 'INVALID_INPUT', () => ctx.store.pinAll('Deal', 'deals')],
  ['local: className a number', 'INVALID_INPUT', () => ctx.store.create(7, deal())],
  // Handles passed to other methods: another kind, a plain object, a freed one.
  ['handle: or() with a plain object', 'INVALID_INPUT', () => ctx.client.deals().or({ constraints: [] })],
  ['handle: or() with a freed query', 'INVALID_INPUT', () => { const q = ctx.client.deals(); q.free(); return ctx.client.deals().or(q); }],
  ['handle: matchesQuery with a Pipeline', 'INVALID_INPUT', () => ctx.client.deals().matchesQuery('company', ctx.pipeline)],
  ['handle: fromLocalDatastore with a query', 'INVALID_INPUT', () => ctx.client.deals().fromLocalDatastore(ctx.client.deals())],
  ['handle: fromPin with null', 'INVALID_INPUT', () => ctx.client.deals().fromPin(null, 'hot')],
  ['handle: loadQuery with undefined', 'INVALID_INPUT', () => ctx.pipeline.loadQuery(undefined)],
  ['handle: livePipeline with a freed pipeline', 'INVALID_INPUT', () => { const p = new Pipeline(); p.free(); return new LiveQueryClient(ctx.client).livePipeline(p, ctx.client.deals()); }],
  ['handle: livePin with a forged handle id', 'INVALID_INPUT', () => new LiveQueryClient(ctx.client).livePin({ __crmHandle: 4e9 }, ctx.client.deals())],
  ['handle: refreshPin with a number', 'INVALID_INPUT', () => ctx.store.refreshPin(7)],
  ['live: subscription to a query that is no query', 'INVALID_INPUT', () => new LiveQueryClient(ctx.client).subscribe({ className: 'Company' }, () => {})],
  ['live: subscription after close()', 'CLOSED', () => { const l = new LiveQueryClient(ctx.client); l.close(); return l.subscribe(ctx.client.deals(), () => {}); }],
  ['client: serverUrl not a URL', 'INVALID_INPUT', () => new CrmClient({ serverUrl: 'not a url', ...KEYS })],
  ['client: options missing appId', 'MISSING_FIELD', () => new CrmClient({ serverUrl: SERVER, javascriptKey: 'k' })],
  ['auth: wrong password', 'INVALID_CREDENTIALS', () => new CrmClient({ serverUrl: SERVER, ...KEYS }).logIn('nobody-at-all', 'wrong')],
  // From the server (through the proxy).
  ['server: malformed JSON', 'MALFORMED_RESPONSE', async () => { await serverAnswers('{"results": [{"objectId": '); return ctx.viaProxy.deals().find(); }],
  ['server: truncated answer', ['MALFORMED_RESPONSE', 'NETWORK_ERROR'], async () => { await fault('truncate'); return ctx.viaProxy.deals().find(); }],
  ['server: results not an array', 'MALFORMED_RESPONSE', async () => { await serverAnswers('{"results": {"a": 1}}'); return ctx.viaProxy.deals().find(); }],
  ['server: amount as text', 'MALFORMED_RESPONSE', async () => { await serverAnswers('{"results": [{"objectId": "x1", "title": "T", "amount": "lots"}]}'); return ctx.viaProxy.deals().find(); }],
  ['server: NaN literal', 'MALFORMED_RESPONSE', async () => { await serverAnswers('{"results": [{"objectId": "x1", "title": "T", "amount": NaN}]}'); return ctx.viaProxy.deals().find(); }],
  ['server: deal without a title', 'MALFORMED_RESPONSE', async () => { await serverAnswers('{"results": [{"objectId": "x1", "amount": 3}]}'); return ctx.viaProxy.deals().find(); }],
  ['server: empty 200 body', 'MALFORMED_RESPONSE', async () => { await serverAnswers(''); return ctx.viaProxy.deals().find(); }],
  ['server: HTML error page', 'SERVER_ERROR', async () => { await serverAnswers('<html>Bad gateway</html>', 502); return ctx.viaProxy.deals().find(); }],
  ['server: a batch with too few results', 'MALFORMED_RESPONSE', async () => {
    await serverAnswers('[{"success": {"objectId": "x1", "createdAt": "2026-01-01T00:00:00.000Z"}}]');
    const results = await ctx.viaProxy.saveAllDeals([deal(), deal()]);
    const failed = results.find((r) => !r.ok);
    if (failed) throw failed.error;
    return results;
  }],
  ['server: unknown stage is kept', 'ok', async () => {
    await serverAnswers('{"results": [{"objectId": "x1", "title": "T", "stage": "closing-soon"}]}');
    const [d] = await ctx.viaProxy.deals().find();
    if (d.stage !== 'closing-soon') throw new Error(`stage became ${d.stage}`);
  }],
  ['output: optional fields left out are absent, not null', 'ok', async () => {
    const stats = ctx.pipeline.stats(); // nothing won or lost yet: no win rate
    if ('winRate' in stats) throw new Error(`winRate is ${stats.winRate}`);
    const got = await ctx.client.getDeal(ctx.deal.objectId);
    if ('contact' in got || 'expectedCloseDate' in got) throw new Error(JSON.stringify(got));
  }],
  ['server: 1 MB title decodes', 'ok', async () => {
    await serverAnswers(JSON.stringify({ results: [{ objectId: 'x1', title: 'y'.repeat(MB) }] }));
    const [d] = await ctx.viaProxy.deals().find();
    if (d.title.length !== MB) throw new Error('title cut');
  }],
];

/** Runs one case: its outcome, then whether the module still works and nothing was lost. */
async function runCase(name) {
  const found = CASES.find((c) => c[0] === name);
  if (!found) throw new Error(`no case ${name}`);
  const [, expected, run] = found;
  const before = await snapshot();
  let outcome;
  try {
    await run();
    outcome = { code: 'ok' };
  } catch (e) {
    outcome = {
      code: e && e.code,
      isError: e instanceof Error,
      name: e && e.name,
      message: String(e && e.message).slice(0, 300),
    };
  }
  await fetch(`${PROXY_ROOT}/__fault/reset`, { method: 'POST' });
  // Still working: a round trip, a local query and a pipeline read all answer.
  const again = await ctx.client.getDeal(ctx.deal.objectId);
  const after = await snapshot();
  return {
    expected,
    outcome,
    stillWorks: again.objectId === ctx.deal.objectId,
    nothingLost: before === after,
    before,
    after,
  };
}

window.caseNames = CASES.map((c) => c[0]);
window.runCase = runCase;
setup().then(
  () => { window.ready = true; },
  (e) => { window.setupError = String(e.stack || e); },
);
