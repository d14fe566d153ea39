import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Writes dist/sw.js (from sw.js) with the list of every file of this build to keep offline. */
function serviceWorker(): Plugin {
  return {
    name: 'crm-service-worker',
    apply: 'build',
    writeBundle(options, bundle) {
      // Relative to sw.js, which sits at the root of the build: right under any `base`.
      const files = ['./', ...Object.keys(bundle)].sort();
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
      const source = readFileSync(path.join(here, 'sw.js'), 'utf8')
        .replace('self.__PRECACHE__', JSON.stringify(files))
        .replace('self.__VERSION__', JSON.stringify(version));
      writeFileSync(path.join(options.dir ?? path.join(here, 'dist'), 'sw.js'), source);
    },
  };
}

// crm-wasm is linked from ../pkg (wasm-pack --target web): keep it out of dependency
// pre-bundling so its `new URL('crm_wasm_bg.wasm', import.meta.url)` still points at the file.
export default defineConfig({
  plugins: [react(), serviceWorker()],
  // crm-wasm/react imports react; from the linked ../pkg, resolve it to this app's copy.
  resolve: { dedupe: ['react', 'react-dom'] },
  optimizeDeps: {
    exclude: ['crm-wasm'],
    // Pre-bundled at start, so the dev server never reloads the page mid-session to add one.
    include: [
      'react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'react-router', 'react-router/dom',
      '@mantine/core', '@mantine/hooks', '@mantine/dates', '@mantine/charts', '@mantine/notifications',
      '@tanstack/react-virtual', '@dnd-kit/core', '@tabler/icons-react', 'dayjs', 'recharts',
    ],
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    fs: { allow: [here, fileURLToPath(new URL('../pkg', import.meta.url))] },
  },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  // Vendor code in chunks of its own, cached across releases of the app; the routes other than
  // the board are split off with React.lazy (src/app/App.tsx). The charts (recharts, d3) load
  // with the dashboard only.
  build: {
    rolldownOptions: {
      output: {
        codeSplitting: {
          // A group holds the modules it names, not everything they import (the charts group
          // would otherwise take the Mantine core it imports, and the first screen with it).
          includeDependenciesRecursively: false,
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/, priority: 30 },
            { name: 'charts', test: /node_modules[\\/](recharts|d3-[a-z-]+|victory-vendor|@mantine[\\/]charts)[\\/]/, priority: 25 },
            { name: 'mantine', test: /node_modules[\\/](@mantine[\\/](core|hooks|notifications|dates|spotlight)|@floating-ui|react-remove-scroll[a-z-]*|react-textarea-autosize|react-number-format|use-callback-ref|use-sidecar|react-style-singleton|get-nonce|detect-node-es|tslib|clsx|dayjs)[\\/]/, priority: 20 },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
});
