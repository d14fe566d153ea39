// The attacker's toolkit for tests/security/: raw REST, GraphQL and LiveQuery against the
// running test backend (scripts/test.sh starts it), as signed-up users with valid sessions.
// useVictim() registers a user with data of every class and, after every test of the file,
// checks that the server still answers, never crashed, and that the victim's objects are
// exactly as they were: each attack must neither read nor change what is not the attacker's.
import { after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import WebSocket from 'ws';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER = process.env.CRM_TEST_SERVER_URL || 'http://127.0.0.1:1437/parse';
export const GRAPHQL = SERVER.replace(/\/parse$/, '/graphql');
export const WS_URL = SERVER.replace(/^http/, 'ws');
export const PG_PORT = Number(process.env.CRM_TEST_PG_PORT || 54437);
export const APP = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key' };
// The ctl.sh instance behind SERVER (its master key, crash log, pids).
export const INSTANCE = process.env.CRM_TEST_INSTANCE || 'test';
const dataDir = path.join(root, 'backend/.data', INSTANCE);
export const crashLog = path.join(dataDir, 'crashes.log');
export const masterKey = () => readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const unique = (p) => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;

/** fetch, sent again once when a kept-alive connection turns out closed before any answer
 * (undici's "other side closed", or a reset): the request never reached the server, and a
 * browser sends it again the same way. A crash is still caught: the crash log is checked after
 * every test (useVictim), and a server that is down refuses the second attempt too. */
async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch (e) {
    const code = e?.cause?.code;
    if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw e;
    console.error(`[harness] ${init.method} ${url}: ${code} (${e.cause.message}) before any answer; sent again once`);
    return fetch(url, init);
  }
}

/** One REST call. `body` may be a string (sent as is, to send malformed JSON). */
export async function call(method, route, { token, body, master, headers = {}, server = SERVER } = {}) {
  const h = { ...APP, ...headers };
  if (token) h['X-Parse-Session-Token'] = token;
  if (master) h['X-Parse-Master-Key'] = masterKey();
  if (body !== undefined) h['Content-Type'] ??= 'application/json';
  const res = await send(server + route, {
    method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { raw: text }; }
  return { status: res.status, json };
}

/** A GraphQL request; answers { status, json }. */
export async function gql(query, variables, token) {
  const headers = { ...APP, 'Content-Type': 'application/json' };
  if (token) headers['X-Parse-Session-Token'] = token;
  const res = await send(GRAPHQL, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { raw: text }; }
  return { status: res.status, json };
}

export async function signUp(prefix = 'user', server = SERVER) {
  const username = unique(prefix);
  const r = await call('POST', '/users', { server, body: { username, email: `${username}@example.com`, password: 'pw-attack-1' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return { id: r.json.objectId, token: r.json.sessionToken, username, password: 'pw-attack-1' };
}

/** Asserts a refusal: an HTTP 4xx with a numeric Parse code (one of `codes`, when given) and a
 * message in words. Never a 5xx, never a bare error without a code. */
export function assertRefused(r, codes, what = '') {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: expected a 4xx refusal, got ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
  assert.equal(typeof r.json.code, 'number', `${what}: a Parse error code: ${JSON.stringify(r.json).slice(0, 300)}`);
  assert.ok(typeof r.json.error === 'string' && r.json.error.length > 5, `${what}: a message in words`);
  assert.ok(!/internal server error/i.test(r.json.error), `${what}: not a bare internal error: ${r.json.error}`);
  if (codes !== undefined) {
    const list = Array.isArray(codes) ? codes : [codes];
    assert.ok(list.includes(r.json.code), `${what}: code ${r.json.code} (${r.json.error}) is not one of ${list}`);
  }
}

/** Asserts that a /batch answer refused sub-request `index` alone: the batch itself answers
 * 200 with one result per sub-request (as Parse does), and that one is an error with a code
 * (one of `codes`, when given) and a message in words. */
export function assertBatchItemRefused(r, index, codes, what = '') {
  assert.equal(r.status, 200, `${what}: the batch answers per sub-request: ${JSON.stringify(r.json).slice(0, 300)}`);
  assert.ok(Array.isArray(r.json), `${what}: an array of results`);
  const item = r.json[index];
  assert.ok(item && item.error && !item.success, `${what}: sub-request ${index} refused: ${JSON.stringify(item)}`);
  assertRefused({ status: 400, json: item.error }, codes, what);
}

/** A LiveQuery connection speaking the raw protocol. */
export async function liveSocket() {
  const ws = new WebSocket(WS_URL);
  const frames = [];
  const waiters = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    for (const w of [...waiters]) if (w.match(frame)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(frame); }
  });
  const closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => {});
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    /** The first frame (already received or still to come) that `match` accepts. */
    next(match, ms = 5000) {
      const seen = frames.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); reject(new Error(`no matching frame in ${ms} ms; got ${JSON.stringify(frames).slice(0, 500)}`)); }, ms);
      });
    },
    close: () => ws.close(),
  };
}

export async function connectLive(token, extra = {}) {
  const s = await liveSocket();
  s.send({ op: 'connect', applicationId: 'crm', javascriptKey: 'crm-js-key', sessionToken: token, ...extra });
  await s.next((f) => f.op === 'connected' || f.op === 'error');
  return s;
}

export async function healthy() {
  // Up to 30 s: a restarted Parse Server takes several seconds on a busy 2-core machine.
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${SERVER}/health`);
      if (r.ok) return true;
    } catch { /* restarting */ }
    await sleep(100);
  }
  return false;
}

export const crashText = () => (existsSync(crashLog) ? readFileSync(crashLog, 'utf8') : '');
/** Puts the crash log back as it was (after a test that crashes the server on purpose). */
export const restoreCrashLog = (text) => writeFileSync(crashLog, text);

const pointer = (className, objectId) => ({ __type: 'Pointer', className, objectId });

/** A user with a company, contact, deal and activity; after every test of the calling file,
 * the server must be up, crash-free, and the victim's objects unchanged. */
export function useVictim() {
  const victim = {};
  let snapshot;
  const snap = async () => {
    const out = {};
    for (const cls of ['Company', 'Contact', 'Deal', 'Activity']) {
      const r = await call('GET', `/classes/${cls}?order=objectId&limit=1000`, { token: victim.token });
      assert.equal(r.status, 200, `victim reads ${cls}: ${JSON.stringify(r.json)}`);
      out[cls] = r.json.results;
    }
    const me = await call('GET', '/users/me', { token: victim.token });
    assert.equal(me.status, 200, `victim's session still works: ${JSON.stringify(me.json)}`);
    out.me = { username: me.json.username, email: me.json.email, objectId: me.json.objectId };
    return out;
  };
  before(async () => {
    Object.assign(victim, await signUp('victim'));
    const company = await call('POST', '/classes/Company', { token: victim.token, body: { name: 'Victim Co', notes: 'confidential' } });
    const contact = await call('POST', '/classes/Contact', { token: victim.token, body: { name: 'Victim Contact', email: 'vc@example.com', company: pointer('Company', company.json.objectId) } });
    const deal = await call('POST', '/classes/Deal', { token: victim.token, body: { title: 'Victim deal', amount: 5000, stage: 'proposal', company: pointer('Company', company.json.objectId) } });
    const activity = await call('POST', '/classes/Activity', { token: victim.token, body: { type: 'call', subject: 'Victim call', relatedTo: { className: 'Deal', objectId: deal.json.objectId } } });
    for (const r of [company, contact, deal, activity]) assert.equal(r.status, 201, JSON.stringify(r.json));
    victim.ids = { company: company.json.objectId, contact: contact.json.objectId, deal: deal.json.objectId, activity: activity.json.objectId };
    victim.crashes = crashText();
    snapshot = await snap();
  });
  /** After a test changed the victim's data as the victim (legitimately). */
  victim.resnapshot = async () => { snapshot = await snap(); };
  afterEach(async () => {
    assert.ok(await healthy(), 'the server still answers');
    assert.equal(crashText(), victim.crashes, 'the server never crashed');
    assert.deepEqual(await snap(), snapshot, "the victim's data is unchanged");
  });
  return victim;
}

export { pointer };

/** A Parse Server of the file's own on the test database, with the real (unscaled) rate limits:
 * on port SERVER + `offset`, its logs and e-mail outbox in a temporary folder, with `env` added
 * to its environment. Registers the
 * before/after hooks; after the file, it must still be running (no attack crashed it). */
export function useStrictServer(offset, name, env = {}) {
  const port = Number(new URL(SERVER).port) + offset;
  const tmp = mkdtempSync(path.join(os.tmpdir(), `crm-${name}-`));
  const strict = {
    port,
    url: `http://127.0.0.1:${port}/parse`,
    graphql: `http://127.0.0.1:${port}/graphql`,
    outbox: path.join(tmp, 'outbox.jsonl'),
    output: '',
    /** The e-mails the strict server "sent" to `to`. */
    mailsTo: (to) => (existsSync(strict.outbox) ? readFileSync(strict.outbox, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((m) => m.to === to) : []),
  };
  let child;
  before(async () => {
    child = spawn(process.execPath, [path.join(root, 'backend/server.js')], {
      env: {
        ...process.env, PARSE_PORT: String(port), PARSE_MASTER_KEY: masterKey(),
        DATABASE_URI: `postgres://postgres@127.0.0.1:${PG_PORT}/crm`, CRM_RATE_LIMIT_SCALE: '1', CRM_TEST_HOOKS: '0',
        NODE_ENV: 'production', PARSE_SILENT: '1', PARSE_LOGS_FOLDER: tmp, PARSE_OUTBOX: strict.outbox,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => { strict.output += d; });
    child.stderr.on('data', (d) => { strict.output += d; });
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`the strict server exited: ${strict.output}`);
      try { if ((await fetch(`${strict.url}/health`)).ok) return; } catch { /* starting */ }
      await sleep(100);
    }
    throw new Error(`the strict server did not start: ${strict.output}`);
  });
  after(async () => {
    const alive = child.exitCode === null;
    const exited = new Promise((resolve) => (alive ? child.once('exit', resolve) : resolve()));
    child.kill('SIGTERM');
    // Its logs and outbox go with it (each run of the suite made a folder in /tmp that stayed).
    await exited;
    rmSync(tmp, { recursive: true, force: true });
    assert.ok(alive, `the strict server never crashed: ${strict.output.slice(-2000)}`);
  });
  return strict;
}
