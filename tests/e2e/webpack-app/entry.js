// The fresh app's webpack 5 entry (plain JS, no loader): crm-wasm's wasm through webpack's own
// `new URL(..., import.meta.url)` assets, and a crm-wasm/react component rendered with React 19
// in StrictMode. No backend: a Pipeline needs none.
import { StrictMode, createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import init, { CrmClient, Pipeline } from 'crm-wasm';
import { CrmProvider, usePipeline } from 'crm-wasm/react';

function Columns({ pipeline }) {
  const columns = usePipeline(pipeline, (p) => p.columns());
  return h('p', { id: 'columns' }, columns.map((c) => `${c.stage}:${c.count}`).join(' '));
}

try {
  await init();
  const crm = new CrmClient({ serverUrl: 'http://127.0.0.1:9/parse', appId: 'a', javascriptKey: 'k', persistSession: false });
  const pipeline = new Pipeline();
  pipeline.load([{ objectId: 'd1', title: 'One', stage: 'won', amount: 5 }]);
  createRoot(document.getElementById('root')).render(
    h(StrictMode, null, h(CrmProvider, { client: crm }, h(Columns, { pipeline }))),
  );
  window.__ready = true;
} catch (e) {
  document.body.textContent = 'failed: ' + e.message;
}
