// Turns wasm-pack's output in pkg/ into the npm package (run by scripts/build.sh after
// wasm-pack; rerun alone to rebuild only the JS side):
//   - crm-wasm/react: react/index.ts compiled to pkg/react/index.js + index.d.ts
//   - crm_wasm.d.ts compiles with any `lib` (it uses Symbol.dispose: it now references
//     esnext.disposable itself) and with skipLibCheck: false
//   - calling the API before `await init()` throws a clear error instead of "Cannot read
//     properties of undefined (reading 'pipeline_new')"
//   - a method called on a freed object throws a CrmError with code FREED instead of "null
//     pointer passed to rust"
//   - isCrmError, exported by the package itself (and re-exported by crm-wasm/react)
//   - package.json: `exports` (".", "./react"), React as an optional peer dependency, and the
//     package's own README (npm/README.md) instead of the repository's
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = path.join(root, 'pkg');
const edit = (file, change) => {
  const f = path.join(pkg, file);
  const before = readFileSync(f, 'utf8');
  const after = change(before);
  if (after !== before) writeFileSync(f, after);
};

// 1. The declarations reference the lib they need (idempotent).
const DISPOSABLE = '/// <reference lib="esnext.disposable" />\n';
edit('crm_wasm.d.ts', (s) => (s.startsWith(DISPOSABLE) ? s : DISPOSABLE + s));

// 2. Before init(), `wasm` is a stand-in whose every property access explains what to do, as a
// CrmError with code NOT_INITIALISED (declared in crm_core::error::CODES).
const NOT_READY = 'const __crm_not_initialized = new Proxy({}, { get(_, name) { if (name === "__crm_not_initialized") return true; '
  + 'const e = new Error("crm-wasm is not initialised: call `await init()` (the package\'s default export: `import init from \'crm-wasm\'`) once, before any other call"); '
  + 'e.name = "CrmError"; e.code = "NOT_INITIALISED"; throw e; } });\n';
edit('crm_wasm.js', (s) => {
  if (s.includes('__crm_not_initialized')) return s;
  const decl = 'let wasmModule, wasmInstance, wasm;';
  const guard = 'if (wasm !== undefined) return wasm;';
  if (!s.includes(decl) || !s.includes(guard)) {
    console.warn('[package] wasm-bindgen glue changed shape: the init() guard was not added');
    return s;
  }
  return NOT_READY + s.replace(decl, 'let wasmModule, wasmInstance, wasm = __crm_not_initialized;')
    .replaceAll(guard, 'if (!wasm.__crm_not_initialized) return wasm;');
});

// 3. A method called on an object already free()d: wasm-bindgen's glue throws "null pointer
// passed to rust" with no code. Each class method and getter first checks the object is live and
// throws a CrmError with code FREED (declared in crm_core::error::CODES); free() itself is a
// no-op the second time.
const FREED = `
function __crm_guard_freed(C) {
  const proto = C.prototype;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor' || name.startsWith('__')) continue;
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (name === 'free') {
      // A second free() does nothing (it threw "null pointer passed to rust", with no code):
      // a cleanup that may run twice (StrictMode, an unmount after a log-out) is not a bug.
      const free = d.value;
      Object.defineProperty(proto, name, { ...d, value: function () { if (this.__wbg_ptr !== 0) free.call(this); } });
      continue;
    }
    const guard = (f) => function (...args) {
      if (this.__wbg_ptr === 0) {
        const e = new Error(C.name + '.' + name + ': this ' + C.name + ' has been freed');
        e.name = 'CrmError';
        e.code = 'FREED';
        throw e;
      }
      return f.apply(this, args);
    };
    if (typeof d.value === 'function') Object.defineProperty(proto, name, { ...d, value: guard(d.value) });
    else if (d.get) Object.defineProperty(proto, name, { ...d, get: guard(d.get) });
  }
}
`;
edit('crm_wasm.js', (s) => {
  if (s.includes('__crm_guard_freed')) return s;
  const classes = [...s.matchAll(/^export class (\w+)/gm)].map((m) => m[1]);
  if (classes.length === 0) {
    console.warn('[package] no exported classes found: the freed-object guard was not added');
    return s;
  }
  return s + FREED + classes.map((c) => `__crm_guard_freed(${c});\n`).join('');
});

// 3b. isCrmError, from the package itself (crm-wasm/react re-exports it): code that catches
// without React narrows an unknown error to CrmError the same way.
const IS_CRM_ERROR = `
/** Whether \`e\` is an error thrown by crm-wasm (it has a stable \`code\`). */
export function isCrmError(e) {
  return typeof e === 'object' && e !== null && e.name === 'CrmError' && typeof e.code === 'string';
}
`;
edit('crm_wasm.js', (s) => (s.includes('export function isCrmError') ? s : s + IS_CRM_ERROR));
const IS_CRM_ERROR_TYPE = '\n/** Whether `e` is an error thrown by crm-wasm (it has a stable `code`). */\nexport function isCrmError(e: unknown): e is CrmError;\n';
edit('crm_wasm.d.ts', (s) => (s.includes('export function isCrmError') ? s : s + IS_CRM_ERROR_TYPE));

// 4. crm-wasm/react.
const tsc = path.join(root, 'www/node_modules/.bin/tsc');
execFileSync(tsc, ['-p', path.join(root, 'react/tsconfig.json')], { stdio: 'inherit' });
for (const f of ['react/index.js', 'react/index.d.ts']) {
  edit(f, (s) => s.replaceAll("from 'crm-wasm'", "from '../crm_wasm.js'"));
}

// 5. package.json and README.
const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
manifest.files = [...new Set([...(manifest.files ?? []), 'react', 'README.md'])];
manifest.exports = {
  '.': { types: './crm_wasm.d.ts', default: './crm_wasm.js' },
  './react': { types: './react/index.d.ts', default: './react/index.js' },
  './crm_wasm_bg.wasm': './crm_wasm_bg.wasm',
  './package.json': './package.json',
};
manifest.peerDependencies = { react: '>=18' };
manifest.peerDependenciesMeta = { react: { optional: true } };
writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
copyFileSync(path.join(root, 'npm/README.md'), path.join(pkg, 'README.md'));
if (!existsSync(path.join(pkg, 'react/index.d.ts'))) throw new Error('pkg/react/index.d.ts missing');
console.log('[package] pkg/: crm-wasm/react, exports, README');
