'use client';
// A Next.js client component on crm-wasm and crm-wasm/react, as the package README tells a
// user to write one: init() in an effect (never during server rendering), the wasm handles
// created once outside React (a module-level promise, so StrictMode's second effect and a
// remount reuse them), then <CrmProvider> and the hooks. The page address says which server
// and which user to log in with.
import { useEffect, useState } from 'react';
import init, { CrmClient, Pipeline, stages, type Deal } from 'crm-wasm';
import { CrmProvider, isCrmError, usePipeline, useQuery } from 'crm-wasm/react';

type Handles = { client: CrmClient; pipeline: Pipeline };
let handles: Promise<Handles> | undefined;

function open(): Promise<Handles> {
  handles ??= (async () => {
    await init();
    const params = new URLSearchParams(location.search);
    const client = new CrmClient({
      serverUrl: params.get('server') ?? 'http://127.0.0.1:9/parse', appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false,
    });
    await client.logIn(params.get('user') ?? '', params.get('password') ?? '');
    // A pipeline computed in wasm from local data (no request).
    const pipeline = new Pipeline();
    pipeline.load([
      { objectId: 'n1', title: 'One', stage: 'won', amount: 5 },
      { objectId: 'n2', title: 'Two', stage: 'lead', amount: 7 },
    ]);
    return { client, pipeline };
  })();
  return handles;
}

function Board({ pipeline }: { pipeline: Pipeline }) {
  const columns = usePipeline(pipeline, (p) => p.columns());
  return <p id="board">{columns.map((c) => `${c.stage}:${c.count}`).join(' ')}</p>;
}

function Deals() {
  const deals = useQuery({ query: (crm) => crm.deals().ascending('title') });
  if (deals.loading) return <p id="deals" data-state="loading">Loading…</p>;
  if (deals.error) return <p id="deals" data-state="error">{isCrmError(deals.error) ? deals.error.code : deals.error.message}</p>;
  return <p id="deals" data-state="ready">{deals.data!.map((d: Deal) => `${d.title}/${d.stage}`).join(',')}</p>;
}

export function Crm() {
  const [ready, setReady] = useState<Handles>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    let live = true;
    open().then((h) => live && setReady(h), (e) => live && setFailed(`${e?.code ?? ''} ${e?.message ?? e}`));
    return () => { live = false; };
  }, []);
  if (failed) return <p id="failed">failed: {failed}</p>;
  if (!ready) return <p id="starting">Starting…</p>;
  return (
    <CrmProvider client={ready.client}>
      <p id="stages">{stages().join(' ')}</p>
      <p id="user">{ready.client.currentUser()?.username}</p>
      <Board pipeline={ready.pipeline} />
      <Deals />
    </CrmProvider>
  );
}
