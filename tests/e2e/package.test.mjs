// The package as users get it: `npm pack` of pkg/, installed into a fresh Vite + React +
// TypeScript app, which type-checks against the generated types and builds (wasm included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from './server.mjs';

const www = JSON.parse(readFileSync(path.join(root, 'www/package.json'), 'utf8'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('npm pack of pkg/ installs into a fresh Vite React app that type-checks and builds', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-wasm-consumer-'));
  const tarball = run('npm', ['pack', path.join(root, 'pkg'), '--pack-destination', dir, '--silent'], dir).trim().split('\n').pop();
  assert.match(tarball, /^crm-wasm-.*\.tgz$/);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'consumer', private: true, type: 'module',
    dependencies: { 'crm-wasm': `file:./${tarball}`, react: www.dependencies.react, 'react-dom': www.dependencies['react-dom'] },
    devDependencies: {
      vite: www.devDependencies.vite, typescript: www.devDependencies.typescript,
      '@types/react': www.devDependencies['@types/react'], '@types/react-dom': www.devDependencies['@types/react-dom'],
    },
  }, null, 2));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', lib: ['ESNext', 'DOM'], module: 'ESNext', moduleResolution: 'bundler', jsx: 'react-jsx', strict: true, noEmit: true, types: ['vite/client'] },
    include: ['src'],
  }));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/src/main.tsx"></script>');
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src/main.tsx'), `
import init, { CrmClient, Pipeline, type Deal } from 'crm-wasm';
import { createRoot } from 'react-dom/client';

function Board({ deals }: { deals: Deal[] }) {
  return <ul>{deals.map((d) => <li key={d.objectId}>{d.title}: {d.amount ?? 0}</li>)}</ul>;
}

await init();
const crm = new CrmClient({ serverUrl: 'http://127.0.0.1:1337/parse', appId: 'crm', javascriptKey: 'k' });
const deals: Deal[] = crm.currentUser() ? await crm.deals().equalTo('stage', 'won').ascending('expectedCloseDate').find() : [];
const pipeline = new Pipeline();
pipeline.load(deals);
createRoot(document.getElementById('root')!).render(<Board deals={deals} />);
`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  run(path.join(dir, 'node_modules/.bin/tsc'), ['-p', '.'], dir);
  run(path.join(dir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], dir);
  const assets = readdirSync(path.join(dir, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the wasm is in the build: ${assets}`);
  assert.ok(assets.some((f) => f.endsWith('.js')));
});
