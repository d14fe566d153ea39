// A tiny app built on crm-wasm/react as a user of the npm package writes it (copied into a
// fresh Vite + React 19 + TypeScript strict app by tests/e2e/package.test.mjs, StrictMode on).
// The page URL says which server and session to use; every render is logged in window.__log
// so the test can check what was ever on screen, not just the end state.
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import init, { CrmClient, LiveQueryClient, LocalStore, Pipeline, type Deal, type Stage } from 'crm-wasm';
import {
  CrmProvider, isCrmError, useCrm, useLiveQuery, useLocalQuery, useMutation, usePipeline, useQuery, useSyncStatus,
  type HookError,
} from 'crm-wasm/react';

declare global {
  interface Window { __log: Record<string, unknown[]>; __ready?: boolean; __release?: (v: unknown) => void }
}
window.__log = {};
const log = (what: string, entry: unknown) => (window.__log[what] ??= []).push(entry);
const code = (e: HookError | undefined) => (e ? (isCrmError(e) ? e.code : `not a CrmError: ${e.message}`) : '');

function ByStage() {
  const [stage, setStage] = useState<Stage>('won');
  const { data, error, loading } = useQuery({ query: (crm) => crm.deals().equalTo('stage', stage).ascending('title') });
  log('byStage', { stage, loading, stages: data?.map((d) => d.stage) ?? null });
  return (
    <section>
      <button id="switch" onClick={() => setStage((s) => (s === 'won' ? 'lost' : 'won'))}>switch</button>
      <p id="by-stage" data-state={loading ? 'loading' : error ? 'error' : 'ready'} data-stage={stage}>
        {data?.map((d) => d.title).join(',')}{code(error)}
      </p>
    </section>
  );
}

function Refused() {
  const { error, loading } = useQuery({ query: (crm) => crm.deals().limit(5) });
  return <p id="refused" data-state={loading ? 'loading' : error ? 'error' : 'ready'}>{code(error)}</p>;
}

function Live() {
  const { data, loading, live } = useLiveQuery({ query: (crm) => crm.deals().equalTo('stage', 'proposal') });
  return <p id="live" data-state={loading ? 'loading' : 'ready'} data-live={String(live)}>{data?.map((d) => d.title).join(',')}</p>;
}

// An ordered, limited live list: the two largest qualified deals, whatever order they come in.
function LiveTop() {
  const { data } = useLiveQuery({ query: (crm) => crm.deals().equalTo('stage', 'qualified').descending('amount').limit(2) });
  return <p id="live-top">{data?.map((d) => d.title).join(',')}</p>;
}

function Optimistic() {
  const deals = useQuery({ query: (crm) => crm.deals().equalTo('stage', 'negotiation') });
  const lower = useMutation({
    mutation: (deal: Deal, crm) => crm.updateDeal(deal.objectId!, { amount: { increment: -5 } }),
    optimistic: (deal) => deals.setData((rows) => rows.map((r) => (r.objectId === deal.objectId ? { ...r, amount: (r.amount ?? 0) - 5 } : r))),
  });
  const deal = deals.data?.[0];
  log('amount', deal?.amount ?? null);
  return (
    <section>
      <button id="lower" disabled={!deal} onClick={() => deal && lower.mutate(deal)}>lower</button>
      <p id="amount" data-pending={String(lower.pending)}>{deal?.amount}</p>
      <p id="mutation-error">{code(lower.error)}</p>
    </section>
  );
}

// An optimistic change the server refuses after a live event changed the rows meanwhile: the
// rollback cannot put back the rows from before (the event would be lost), so the query runs
// again. The mutation waits for the test (window.__release) to let the event arrive first.
function LiveUndo() {
  const deals = useLiveQuery({ query: (crm) => crm.deals().equalTo('stage', 'lost').ascending('title') });
  const hide = useMutation({
    mutation: async (deal: Deal, crm) => {
      await new Promise((release) => { window.__release = release; });
      return crm.updateDeal(deal.objectId!, { amount: { increment: -1 } });
    },
    optimistic: (deal) => deals.setData((rows) => rows.filter((r) => r.objectId !== deal.objectId)),
  });
  const deal = deals.data?.[0];
  return (
    <section>
      <button id="hide" disabled={!deal} onClick={() => deal && hide.mutate(deal)}>hide</button>
      <p id="live-undo">{deals.data?.map((d) => d.title).join(',')}</p>
      <p id="live-undo-error">{code(hide.error)}</p>
    </section>
  );
}

function Board({ pipeline }: { pipeline: Pipeline }) {
  const columns = usePipeline(pipeline, (p) => p.columns());
  return <p id="board">{columns.map((c) => `${c.stage}:${c.count}`).join(' ')}</p>;
}

function Offline() {
  const { local } = useCrm();
  const sync = useSyncStatus();
  const pinned = useLocalQuery<Deal>({ query: (crm) => crm.deals(), all: true });
  log('sync', `${sync.state}/${sync.pending}`);
  return (
    <section>
      <button id="offline-create" onClick={() => void local?.create('Deal', { title: 'F-offline-first', stage: 'lead' })}>create</button>
      {/* A pin is a write the local query is told of (a `change` event), like an offline write. */}
      <button id="pin-one" onClick={() => void local?.pinAll('Deal', [{ objectId: 'PinnedOnly1', title: 'F-pinned', stage: 'lead' }])}>pin</button>
      <p id="offline" data-store={String(!!local)}>{`${sync.state}/${sync.pending}/${sync.online} ${pinned.data?.length ?? ''}`}</p>
    </section>
  );
}

// A live list with its pointers included: an update event carries the bare pointer, and the row
// keeps its contact's company, name and all (it showed a bare pointer until a reload).
function LiveIncluded() {
  const { data, reload } = useLiveQuery({ query: (crm) => crm.contacts().include('company') });
  // The contact is created before the test reads it: a create event has no company to include.
  return <><button id="live-included-reload" onClick={reload}>reload</button><p id="live-included">{data?.map((c) => `${c.name}/${c.phone ?? ''}@${c.company && 'name' in c.company ? c.company.name : c.company ? 'pointer' : ''}`).join(',')}</p></>;
}

// Queries the runtime refuses as they are built or subscribed (a page size from a form, a stage
// from the address bar, a live client closed already): each hook reports the code as `error`;
// none throws from render or an effect (which took the whole app down).
function RefusedQueries({ size, stage }: { size: number; stage: Stage }) {
  const paged = useQuery({ query: (crm) => crm.deals().limit(size) });
  const live = useLiveQuery({ query: (crm) => crm.deals().equalTo('stage', stage) });
  const pinned = useLocalQuery({ query: (crm) => crm.deals().skip(size) });
  return <p id="refused-queries">{`${code(paged.error)} ${code(live.error)} ${code(pinned.error)}`}</p>;
}

function ClosedLive() {
  const { data, error, live, liveStatus } = useLiveQuery({ query: (crm) => crm.deals().equalTo('stage', 'won') });
  return <p id="closed-live">{`${data?.length ?? ''} ${code(error)} ${String(live)} ${liveStatus ?? ''}`}</p>;
}

// A live client closed while a screen follows it: the result says it is no longer live.
function LateClosedLive({ live }: { live: LiveQueryClient }) {
  const { data, live: isLive, liveStatus } = useLiveQuery({ query: (crm) => crm.deals().equalTo('stage', 'won') });
  return (
    <>
      <button id="close-late-live" onClick={() => live.close()}>close</button>
      <p id="late-live">{`${data?.length ?? ''} ${String(isLive)} ${liveStatus ?? ''}`}</p>
    </>
  );
}

// The provider's client and local store swapped for another user's while the screen stays
// mounted: the queries run again through them (they kept the first user's rows).
function SwapLists() {
  const remote = useQuery({ query: (crm) => crm.deals().ascending('title') });
  const pinned = useLocalQuery<Deal>({ query: (crm) => crm.deals(), all: true });
  return <p id="swap" data-state={remote.loading || pinned.loading ? 'loading' : 'ready'}>{`${remote.data?.length ?? code(remote.error)} ${pinned.data?.length ?? code(pinned.error)}`}</p>;
}

function Swap({ users }: { users: { client: CrmClient; local: LocalStore }[] }) {
  const [i, setI] = useState(0);
  const user = users[i]!;
  return (
    <CrmProvider client={user.client} local={user.local}>
      <button id="swap-user" onClick={() => setI((n) => 1 - n)}>swap</button>
      <SwapLists />
    </CrmProvider>
  );
}

async function main() {
  await init();
  const params = new URLSearchParams(location.search);
  const options = { serverUrl: params.get('server')!, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false };
  // Handles created once, outside React, and never freed while the page lives.
  const client = new CrmClient(options);
  await client.become(params.get('token')!);
  const anonymous = new CrmClient(options); // never signed in
  const live = new LiveQueryClient(client);
  const pipeline = new Pipeline();
  await live.livePipeline(pipeline, client.deals());
  const local = await LocalStore.open(client);
  await local.pinAll('Deal', await client.deals().findAll());
  const other = new CrmClient(options); // another user, with no deals
  await other.become(params.get('token2')!);
  const otherLocal = await LocalStore.open(other);
  const closedLive = new LiveQueryClient(client);
  closedLive.close();
  const lateLive = new LiveQueryClient(client);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <CrmProvider client={client} live={live} local={local}>
        <ByStage />
        <Live />
        <LiveTop />
        <Optimistic />
        <LiveUndo />
        <Board pipeline={pipeline} />
        <Offline />
        <RefusedQueries size={-1} stage={'wonn' as Stage} />
        <LiveIncluded />
      </CrmProvider>
      <CrmProvider client={client} live={closedLive}>
        <ClosedLive />
      </CrmProvider>
      <CrmProvider client={client} live={lateLive}>
        <LateClosedLive live={lateLive} />
      </CrmProvider>
      <Swap users={[{ client, local }, { client: other, local: otherLocal }]} />
      <CrmProvider client={anonymous}>
        <Refused />
      </CrmProvider>
    </StrictMode>,
  );
  window.__ready = true;
}
main().catch((e) => {
  document.body.textContent = `failed: ${e?.code ?? ''} ${e?.message ?? e}`;
});
