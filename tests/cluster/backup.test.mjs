// scripts/pg-backup.sh on the cluster's database: a dump taken while the cluster runs, then
// changes (a deal deleted, another created), then a restore: the database is as it was at the
// dump, read back through the balancer with the same session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root, rest, signUp, serverObjects } from './harness.mjs';

const run = promisify(execFile);
const backup = (cmd, file) => run('bash', [path.join(root, 'scripts/pg-backup.sh'), cmd, file, 'cluster-test'], { env: process.env });

test('pg_dump while running, changes, pg_restore: the database is back as it was at the dump', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'crm-backup-'));
  try {
    const user = await signUp('backup');
    const prefix = `bk${Date.now()}x`;
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const r = await rest('POST', '/classes/Deal', { token: user.token, body: { title: `${prefix}${i}`, amount: i, stage: 'lead' } });
      assert.equal(r.status, 201);
      ids.push(r.json.objectId);
    }
    const file = path.join(dir, 'crm.dump');
    await backup('dump', file);
    assert.equal((await rest('DELETE', `/classes/Deal/${ids[0]}`, { token: user.token })).status, 200);
    const late = await rest('POST', '/classes/Deal', { token: user.token, body: { title: `${prefix}late`, amount: 9, stage: 'lead' } });
    assert.equal(late.status, 201);
    const where = { title: { $regex: `^\\Q${prefix}\\E` } };
    assert.equal((await serverObjects('Deal', user.token, where)).length, 5);

    await backup('restore', file);
    const titles = (await serverObjects('Deal', user.token, where)).map((d) => d.title).sort();
    assert.deepEqual(titles, ids.map((_, i) => `${prefix}${i}`).sort(), 'the deleted deal is back, the later one gone');
    // A broken file is refused and changes nothing.
    await assert.rejects(backup('restore', path.join(dir, 'missing.dump')));
    assert.equal((await serverObjects('Deal', user.token, where)).length, 5);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
