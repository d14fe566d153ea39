// A client refused again and again must not fill the server's disk with logs: Parse logged each
// refusal twice with a stack trace and, for Cloud Code's refusals, the refused object, in daily
// files it never removed (about 7 GB an hour at a thousand refusals a second). Here a server of
// the file's own keeps at most 3 files of 20 KB for each of its two logs (backend/logs.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { APP, unique, useStrictServer } from './harness.mjs';

const MAX_BYTES = 20 * 1024;
const MAX_FILES = 3;
const strict = useStrictServer(70, 'logs', { PARSE_LOG_MAX_BYTES: '20k', PARSE_LOG_MAX_FILES: String(MAX_FILES) });

async function rest(method, route, body, token) {
  const headers = { ...APP, 'Content-Type': 'application/json', ...(token ? { 'X-Parse-Session-Token': token } : {}) };
  const r = await fetch(`${strict.url}${route}`, { method, headers, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

const logFiles = (kind) => readdirSync(strict.logs).filter((f) => f.startsWith(`parse-server.${kind}`)).map((f) => path.join(strict.logs, f));

test('refusals are logged short, and the log files stay within their bounds', async () => {
  const name = unique('logs');
  const user = await rest('POST', '/users', { username: name, password: 'Passw0rd!x', email: `${name}@example.com` });
  assert.equal(user.status, 201, JSON.stringify(user.body));
  const token = user.body.sessionToken;
  // Each refused save carries 5,000 characters of notes, which Parse logged (cut to 1,000).
  const notes = 'n'.repeat(5000);
  let last;
  for (let i = 0; i < 300; i++) {
    last = `zz${i}x${Date.now()}`;
    const r = await rest('POST', '/classes/Deal', { title: 't', notes, [last]: 1 }, token);
    assert.equal(r.body.code, 142, JSON.stringify(r.body));
  }
  // The files are written asynchronously.
  await new Promise((r) => setTimeout(r, 500));
  for (const kind of ['info', 'err']) {
    const files = logFiles(kind);
    const sizes = files.map((f) => statSync(f).size);
    assert.ok(files.length >= 2, `the ${kind} log rotated: ${files}`);
    assert.ok(files.length <= MAX_FILES, `at most ${MAX_FILES} ${kind} files kept: ${files}`);
    // A file is closed once it has passed its size: by at most one entry.
    for (const s of sizes) assert.ok(s <= MAX_BYTES + 2048, `${kind} file of ${s} bytes`);
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    const refusals = lines.filter((l) => String(l.message).includes(last));
    assert.ok(refusals.length >= 1, `the last refusal is in the ${kind} log`);
    for (const l of lines.filter((x) => x.code === 142 || x.error?.code === 142)) {
      assert.equal(l.stack, undefined, 'no stack trace for a refusal');
      assert.ok(!String(l.message).includes('nnnnnnnnnn'), 'the refused object is not logged');
      assert.ok(JSON.stringify(l).length < 700, `a refusal is logged short: ${JSON.stringify(l).slice(0, 300)}`);
    }
  }
});
