// Checks the built package (pkg/): the generated TypeScript declares the typed models with
// optional fields as `field?: T`, and no secret of the backend was bundled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dts = readFileSync(path.join(root, 'pkg/crm_wasm.d.ts'), 'utf8');

function body(name) {
  const m = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`));
  assert.ok(m, `interface ${name} is declared`);
  return m[1];
}

test('model interfaces: required fields required, optional fields optional', () => {
  const expect = {
    Deal: { required: ['title: string'], optional: ['objectId?: string', 'amount?: number', 'stage?: Stage | UnknownStage', 'contact?: Ref<Contact>', 'company?: Ref<Company>', 'expectedCloseDate?: IsoDate', 'notes?: string', 'assignedTo?: Ref<User>', 'createdAt?: IsoDate', 'updatedAt?: IsoDate', 'ACL?: Acl'] },
    Company: { required: ['name: string'], optional: ['website?: string', 'industry?: string', 'address?: string', 'notes?: string', 'createdBy?: Ref<User>'] },
    Contact: { required: ['name: string'], optional: ['email?: string', 'phone?: string', 'company?: Ref<Company>', 'notes?: string', 'createdBy?: Ref<User>'] },
    Activity: { required: [], optional: ['type?: ActivityType | UnknownActivityType', 'subject?: string', 'description?: string', 'dueDate?: IsoDate', 'completedAt?: IsoDate', 'relatedTo?: RelatedTo', 'createdBy?: Ref<User>'] },
    User: { required: ['username: string'], optional: ['objectId?: string', 'email?: string'] },
    Pointer: { required: ['className: string', 'objectId: string'], optional: [] },
  };
  for (const [name, { required, optional }] of Object.entries(expect)) {
    const fields = body(name).split('\n').map((l) => l.trim().replace(/;$/, ''));
    for (const f of required) assert.ok(fields.includes(f), `${name} has \`${f}\``);
    // An optional field also takes undefined (exactOptionalPropertyTypes).
    for (const f of optional) assert.ok(fields.includes(`${f} | undefined`), `${name} has \`${f} | undefined\``);
  }
});

test('enums, unions and the client are typed', () => {
  assert.match(dts, /export type Stage = "lead" \| "qualified" \| "proposal" \| "negotiation" \| "won" \| "lost"/);
  assert.match(dts, /export type ActivityType = "call" \| "email" \| "meeting" \| "note"/);
  assert.match(dts, /export type RelatedTo =/);
  assert.match(dts, /findDeals\(query\?: Query \| null\): Promise<Deal\[\]>/);
  assert.match(dts, /createContact\(object: Contact\): Promise<Contact>/);
  assert.match(dts, /dealsByStage\(stage: Stage/);
  assert.match(dts, /updateDeal\(objectId: string, changes: DealChanges\): Promise<Saved<Deal>>/);
  assert.match(dts, /saveAllDeals\(objects: Deal\[\]\): Promise<BatchResult<Deal>\[\]>/);
  assert.match(dts, /deals\(\): CrmQuery<Deal>/);
  assert.match(dts, /export class CrmQuery<T, C extends string = ClassNameOf<T>> \{/);
  const publicApi = dts.split('export type InitInput')[0]; // after it: wasm-bindgen's raw exports
  const code = publicApi.replace(/\/\*[\s\S]*?\*\//g, ''); // types, not doc comments
  assert.doesNotMatch(code, /\bany\b/, 'no `any` in the public API');
});

test('the fluent API is typed: tests/types/api.ts compiles and its expected errors are errors', () => {
  const tsc = path.join(root, 'www/node_modules/.bin/tsc');
  const run = spawnSync(tsc, ['-p', path.join(root, 'tests/types')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const source = readFileSync(path.join(root, 'tests/types/api.ts'), 'utf8');
  assert.ok((source.match(/@ts-expect-error/g) || []).length >= 9, 'the negative cases are there');
});

test('no master key in the package or the built app', () => {
  const keyFiles = ['dev', 'test'].map((i) => path.join(root, `backend/.data/${i}/master.key`)).filter(existsSync);
  const keys = keyFiles.map((f) => readFileSync(f, 'utf8').trim()).filter(Boolean);
  assert.ok(keys.length > 0, 'a backend master key exists to look for');
  const dirs = [path.join(root, 'pkg'), path.join(root, 'www/dist')].filter(existsSync);
  const files = dirs.flatMap((d) => readdirSync(d, { recursive: true }).map((f) => path.join(d, String(f))))
    .filter((f) => /\.(js|wasm|ts|html|css|json)$/.test(f));
  assert.ok(files.length > 3);
  for (const f of files) {
    const content = readFileSync(f);
    for (const key of keys) assert.equal(content.indexOf(key), -1, `${f} contains the master key`);
    assert.equal(content.indexOf('X-Parse-Master-Key'), -1, `${f} mentions the master-key header`);
  }
});

test('crm-wasm/react is an exports subpath with typed JS, React a peer dependency; the README is the package\'s', () => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'pkg/package.json'), 'utf8'));
  assert.deepEqual(manifest.exports['./react'], { types: './react/index.d.ts', default: './react/index.js' });
  assert.equal(manifest.exports['.'].types, './crm_wasm.d.ts');
  assert.ok(manifest.files.includes('react'));
  assert.equal(manifest.peerDependencies.react, '>=18');
  const js = readFileSync(path.join(root, 'pkg/react/index.js'), 'utf8');
  const types = readFileSync(path.join(root, 'pkg/react/index.d.ts'), 'utf8');
  for (const name of ['CrmProvider', 'useCrm', 'usePipeline', 'useQuery', 'useLiveQuery', 'useLocalQuery', 'useSyncStatus', 'useMutation']) {
    assert.match(js, new RegExp(`export function ${name}\\b`), `${name} is exported`);
    assert.match(types, new RegExp(`export declare function ${name}\\b`), `${name} is declared`);
  }
  // isCrmError is the package's own, and crm-wasm/react hands the same function on.
  assert.match(readFileSync(path.join(root, 'pkg/crm_wasm.js'), 'utf8'), /export function isCrmError\b/);
  assert.match(readFileSync(path.join(root, 'pkg/crm_wasm.d.ts'), 'utf8'), /export function isCrmError\(e: unknown\): e is CrmError;/);
  assert.match(js, /export \{ isCrmError \}/);
  assert.match(types, /export \{ isCrmError \}/);
  assert.match(js, /from 'react'/);
  assert.doesNotMatch(js, /from 'crm-wasm'/, 'the package imports itself by a relative path');
  assert.doesNotMatch(js, /react-dom|createRoot|jsx-runtime/, 'React is not bundled');
  const readme = readFileSync(path.join(root, 'pkg/README.md'), 'utf8');
  assert.equal(readme, readFileSync(path.join(root, 'npm/README.md'), 'utf8'));
  // Not on the registry: the README says how to pack it and install the tarball.
  assert.match(readme, /npm pack \.\/pkg/);
  assert.match(readme, /npm install \S*crm-wasm-\S+\.tgz/);
  assert.match(readme, /crm-wasm\/react/);
});

test('calling the API before init() says to call init()', async () => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const { Pipeline } = await import(${JSON.stringify(path.join(root, 'pkg/crm_wasm.js'))});
    try { new Pipeline(); console.log('no error'); } catch (e) { console.log(e.name, e.code, e.message); }`], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^CrmError NOT_INITIALISED crm-wasm is not initialised: call `await init\(\)`/);
});

// Issue #19's guard: no change makes the package bigger without someone deciding so.
test('the shipped size (gzip -9 of the wasm, its JS glue and snippets) is within size-budget.json', async () => {
  const { gzipSync, constants } = await import('node:zlib');
  const gz = (f) => gzipSync(readFileSync(path.join(root, 'pkg', f)), { level: constants.Z_BEST_COMPRESSION }).length;
  const wasm = gz('crm_wasm_bg.wasm');
  // The glue: wasm-bindgen's module and the inline JS snippets it imports.
  const snippets = readdirSync(path.join(root, 'pkg/snippets'), { recursive: true })
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join('snippets', f));
  const glue = ['crm_wasm.js', ...snippets].reduce((n, f) => n + gz(f), 0);
  const { maxShippedGzipBytes } = JSON.parse(readFileSync(path.join(root, 'size-budget.json'), 'utf8'));
  console.log(`shipped: wasm ${wasm} B + glue ${glue} B = ${wasm + glue} B gzip -9 (budget ${maxShippedGzipBytes} B; parse.min.js 271134 B)`);
  if (wasm + glue > maxShippedGzipBytes) {
    // Where the bytes went: the build before wasm-opt still has its function names.
    const unoptimised = path.join(root, 'target/wasm32-unknown-unknown/release/crm_wasm.wasm');
    const twiggy = spawnSync('twiggy', ['top', '-n', '20', unoptimised], { encoding: 'utf8' });
    console.log(twiggy.status === 0 ? twiggy.stdout : `(for the top 20 items: cargo install twiggy; twiggy top -n 20 ${unoptimised})`);
  }
  assert.ok(wasm + glue <= maxShippedGzipBytes, `the package grew past its budget: ${wasm + glue} > ${maxShippedGzipBytes} bytes`);
});

// The runtime side of the typed misuses (tests/types/api.ts holds the compile-time side), and a
// freed object's error, run in Node on the built module (no server needed: each is refused
// before anything is sent).
test('misuses the types reject are refused at run time too, each with its code', async () => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { readFileSync } from 'node:fs';
    const m = await import(${JSON.stringify(path.join(root, 'pkg/crm_wasm.js'))});
    m.initSync({ module: readFileSync(${JSON.stringify(path.join(root, 'pkg/crm_wasm_bg.wasm'))}) });
    const out = {};
    const code = (name, f) => { try { f(); out[name] = 'no error'; } catch (e) { out[name] = e.code ?? e.message; } };
    const crm = new m.CrmClient({ serverUrl: 'http://127.0.0.1:9/parse', appId: 'a', javascriptKey: 'k', persistSession: false });
    code('limit string', () => crm.deals().limit('10'));
    code('limit NaN', () => crm.deals().limit(NaN));
    code('limit negative', () => crm.deals().limit(-1));
    code('limit fraction', () => crm.deals().limit(1.5));
    code('skip string', () => crm.deals().skip('1'));
    code('limit ok', () => crm.deals().limit(10));
    code('matchesQuery wrong class', () => crm.deals().matchesQuery('company', crm.contacts()));
    code('doesNotMatchQuery wrong class', () => crm.deals().doesNotMatchQuery('contact', crm.companies()));
    code('matchesQuery right class', () => crm.deals().matchesQuery('company', crm.companies()));
    code('text option unknown', () => crm.contacts().contains('name', 'a', { ignoreCase: true }));
    code('text option ok', () => crm.contacts().contains('name', 'a', { caseInsensitive: true }));
    const p = new m.Pipeline();
    code('page unknown stage', () => p.page('wonn', 0, 10));
    code('page string offset', () => p.page('won', '0', 10));
    code('page ok', () => p.page('won', 0, 10));
    p.free();
    code('freed method', () => p.columns());
    code('freed getter', () => p.version);
    code('free twice', () => p.free());
    code('timeoutMs 0', () => new m.CrmClient({ serverUrl: 'http://127.0.0.1:9/parse', appId: 'a', javascriptKey: 'k', persistSession: false, timeoutMs: 0 }));
    const q = crm.deals();
    q.free();
    code('freed query', () => q.limit(1));
    const rejected = async (name, f) => { try { await f(); out[name] = 'no error'; } catch (e) { out[name] = e.code ?? e.message; } };
    await rejected('find wonn', () => crm.deals().equalTo('stage', 'wonn').find());
    await rejected('dealsByStage wonn', () => crm.dealsByStage('wonn'));
    await rejected('dealsByStage string limit', () => crm.dealsByStage('won', undefined, '5'));
    await rejected('createDeal wonn', () => crm.createDeal({ title: 't', stage: 'wonn' }));
    await rejected('getDeal include title', () => crm.getDeal('d1', ['title']));
    // Handles where a client is expected: wasm-bindgen's own check threw an Error with no code.
    await rejected('LocalStore.open not a client', () => m.LocalStore.open({}));
    await rejected('LocalStore.open nothing', () => m.LocalStore.open());
    code('LiveQueryClient not a client', () => new m.LiveQueryClient({}));
    const p2 = new m.Pipeline();
    await rejected('moveAndSave not a client', () => p2.moveAndSave({}, 'd1', 'won'));
    // Options and filters with an unknown key, and out-of-range ones, are refused too.
    await rejected('LocalStore.open unknown option', () => m.LocalStore.open(crm, { autosync: false }));
    code('setFilter unknown key', () => p2.setFilter({ assignee: ['u1'] }));
    code('setFilter ok', () => p2.setFilter({ assignees: ['u1'] }));
    code('maxRetries 11', () => new m.CrmClient({ serverUrl: 'http://127.0.0.1:9/parse', appId: 'a', javascriptKey: 'k', persistSession: false, maxRetries: 11 }));
    code('live url http', () => new m.LiveQueryClient(crm, { url: 'http://x' }));
    console.log(JSON.stringify(out));
  `], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split('\n').pop());
  assert.deepEqual(out, {
    'limit string': 'INVALID_INPUT',
    'limit NaN': 'INVALID_INPUT',
    'limit negative': 'INVALID_INPUT',
    'limit fraction': 'INVALID_INPUT',
    'skip string': 'INVALID_INPUT',
    'limit ok': 'no error',
    'matchesQuery wrong class': 'INVALID_INPUT',
    'doesNotMatchQuery wrong class': 'INVALID_INPUT',
    'matchesQuery right class': 'no error',
    'text option unknown': 'INVALID_INPUT',
    'text option ok': 'no error',
    'page unknown stage': 'INVALID_INPUT',
    'page string offset': 'INVALID_INPUT',
    'page ok': 'no error',
    'freed method': 'FREED',
    'freed getter': 'FREED',
    'free twice': 'no error',
    'timeoutMs 0': 'INVALID_INPUT',
    'freed query': 'FREED',
    'find wonn': 'INVALID_INPUT',
    'dealsByStage wonn': 'INVALID_INPUT',
    'dealsByStage string limit': 'INVALID_INPUT',
    'createDeal wonn': 'INVALID_FIELD',
    'getDeal include title': 'INVALID_INPUT',
    'LocalStore.open not a client': 'INVALID_INPUT',
    'LocalStore.open nothing': 'INVALID_INPUT',
    'LiveQueryClient not a client': 'INVALID_INPUT',
    'moveAndSave not a client': 'INVALID_INPUT',
    'LocalStore.open unknown option': 'INVALID_INPUT',
    'setFilter unknown key': 'INVALID_INPUT',
    'setFilter ok': 'no error',
    'maxRetries 11': 'INVALID_INPUT',
    'live url http': 'INVALID_INPUT',
  });
});
