import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// crm-wasm is linked from ../pkg (wasm-pack --target web): keep it out of dependency
// pre-bundling so its `new URL('crm_wasm_bg.wasm', import.meta.url)` still points at the file.
export default defineConfig({
  plugins: [react()],
  optimizeDeps: { exclude: ['crm-wasm'] },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    fs: { allow: [fileURLToPath(new URL('.', import.meta.url)), fileURLToPath(new URL('../pkg', import.meta.url))] },
  },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
