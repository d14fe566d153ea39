// What the cluster tests share: the cluster's ports (backend/cluster.sh, instance cluster-test),
// its control script, REST through the balancer or straight to one instance, raw LiveQuery
// sockets, and the instances' state as HAProxy sees it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import WebSocket from 'ws';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
export const BASE = Number(process.env.CRM_CLUSTER_PORT || 6400);
export const BALANCER = `http://127.0.0.1:${BASE}/parse`;
export const BALANCER_WS = `ws://127.0.0.1:${BASE}/parse`;
export const apiUrl = (i) => `http://127.0.0.1:${BASE + 10 + i}/parse`;
export const STATS = `http://127.0.0.1:${BASE + 5}/stats;csv`;
export const HEADERS = { 'X-Parse-Application-Id': 'crm', 'X-Parse-JavaScript-Key': 'crm-js-key' };
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** backend/ctl.sh COMMAND cluster-test [ARG] (crash api1, status, ...). */
export async function ctl(command, ...args) {
  const { stdout } = await run('bash', [path.join(root, 'backend/ctl.sh'), command, 'cluster-test', ...args], { env: process.env });
  return stdout;
}

/** REST call; `base` is the balancer unless given. Answers { status, json }. */
export async function rest(method, route, { token, body, base = BALANCER, headers = {} } = {}) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { ...HEADERS, ...(token ? { 'X-Parse-Session-Token': token } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { text }; }
  return { status: res.status, json };
}

export async function signUp(prefix, base = BALANCER) {
  const name = `${prefix}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const r = await rest('POST', '/users', { base, body: { username: name, email: `${name}@example.com`, password: 'pw-cluster-1' } });
  if (!r.json.sessionToken) throw new Error(`sign-up: ${JSON.stringify(r.json)}`);
  return { name, id: r.json.objectId, token: r.json.sessionToken };
}

/** Every object of a class the session may see matching `where` (paged), read through `base`. */
export async function serverObjects(className, token, where = {}, base = BALANCER) {
  const out = [];
  for (let skip = 0; ; skip += 1000) {
    const q = new URLSearchParams({ where: JSON.stringify(where), limit: '1000', skip: String(skip), order: 'objectId' });
    const r = await rest('GET', `/classes/${className}?${q}`, { token, base });
    if (r.status !== 200) throw new Error(JSON.stringify(r.json));
    out.push(...r.json.results);
    if (r.json.results.length < 1000) return out;
  }
}

export async function serverCount(className, token, where, base = BALANCER) {
  const q = new URLSearchParams({ where: JSON.stringify(where), limit: '0', count: '1' });
  try {
    const r = await rest('GET', `/classes/${className}?${q}`, { token, base });
    return r.status === 200 ? r.json.count : -1;
  } catch {
    return -1;
  }
}

/** HAProxy's view: { api1: 'UP', api2: 'DOWN', livequery: 'UP', ... }. */
export async function balancerState() {
  const csv = await (await fetch(STATS)).text();
  const state = {};
  for (const line of csv.split('\n')) {
    const f = line.split(',');
    if (f.length > 17 && f[1] && !['FRONTEND', 'BACKEND', 'svname'].includes(f[1])) state[f[1]] = f[17];
  }
  return state;
}

/** Waits until HAProxy reports `name` as `want` (UP/DOWN); answers the ms it took. */
export async function waitBalancer(name, want, ms = 60000) {
  const started = Date.now();
  let last;
  while (Date.now() - started < ms) {
    last = await balancerState().catch(() => ({}));
    if ((last[name] || '').startsWith(want)) return Date.now() - started;
    await sleep(200);
  }
  throw new Error(`${name} not ${want} after ${ms} ms: ${JSON.stringify(last)}`);
}

/** A LiveQuery connection speaking the raw protocol, through the balancer unless told. */
export async function liveSocket(url = BALANCER_WS) {
  const ws = new WebSocket(url);
  const frames = [];
  const waiters = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    for (const w of [...waiters]) if (w.match(frame)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(frame); }
  });
  ws.on('error', () => {});
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    ws,
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    next(match, ms = 10000) {
      const seen = frames.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => { const i = waiters.indexOf(w); if (i >= 0) { waiters.splice(i, 1); reject(new Error(`no matching frame in ${ms} ms; got ${JSON.stringify(frames).slice(0, 500)}`)); } }, ms).unref();
      });
    },
    close: () => ws.close(),
  };
}

/** Connects with a session token and subscribes to `query`; answers the socket. */
export async function subscribe(token, query, url = BALANCER_WS) {
  const s = await liveSocket(url);
  s.send({ op: 'connect', applicationId: 'crm', javascriptKey: 'crm-js-key', sessionToken: token });
  const c = await s.next((f) => f.op === 'connected' || f.op === 'error');
  if (c.op !== 'connected') throw new Error(`connect: ${JSON.stringify(c)}`);
  s.send({ op: 'subscribe', requestId: 1, query, sessionToken: token });
  const sub = await s.next((f) => f.op === 'subscribed' || f.op === 'error');
  if (sub.op !== 'subscribed') throw new Error(`subscribe: ${JSON.stringify(sub)}`);
  return s;
}

export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
