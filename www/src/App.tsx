import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { DndContext, KeyboardSensor, PointerSensor, useDraggable, useDroppable, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import {
  LiveQueryClient,
  LocalStore,
  Pipeline as CrmPipeline,
  type ColumnSummary,
  type CrmClient,
  type Deal,
  type Stage,
  type User,
} from 'crm-wasm';
import { describeError } from './crm';
import { usePipeline, useSyncStatus } from './hooks';
import { Companies, CompanyPage, Contacts, Dashboard, DealDetail } from './screens';

type Tab = 'pipeline' | 'contacts' | 'companies' | 'dashboard';
const TABS: [Tab, string][] = [['pipeline', 'Pipeline'], ['contacts', 'Contacts'], ['companies', 'Companies'], ['dashboard', 'Dashboard']];

const STAGES: Stage[] = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];
const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

/** What a signed-in session holds: live queries and the offline store. */
interface Session {
  live: LiveQueryClient;
  local?: LocalStore;
}

export function App({ client }: { client: CrmClient }) {
  const [user, setUser] = useState<User | undefined>(() => client.currentUser());
  const [notice, setNotice] = useState<string>();
  const [session, setSession] = useState<Session>();

  useEffect(
    () =>
      client.onSessionExpired(() => {
        setUser(undefined);
        setNotice('Your session has expired. Please log in again.');
      }),
    [client],
  );

  useEffect(() => {
    if (!user) return;
    const live = new LiveQueryClient(client);
    let local: LocalStore | undefined;
    let closed = false;
    setSession({ live });
    LocalStore.open(client)
      .then((store) => {
        if (closed) return store.close();
        local = store;
        setSession({ live, local: store });
      })
      .catch(() => undefined); // the board works without the offline store
    return () => {
      closed = true;
      live.close();
      local?.close();
      setSession(undefined);
    };
  }, [client, user]);

  const [tab, setTab] = useState<Tab>('pipeline');
  const [offlineReady, setOfflineReady] = useState(false);
  const onPinned = useCallback(() => setOfflineReady(true), []);
  useEffect(() => setOfflineReady(false), [user]);
  if (!user) {
    return <LogIn client={client} notice={notice} onSignedIn={(u) => { setNotice(undefined); setUser(u); }} />;
  }
  return (
    <div className="app">
      <header>
        <h1>crm-wasm</h1>
        <nav className="tabs">
          {TABS.map(([t, label]) => (
            <button key={t} aria-current={tab === t ? 'page' : undefined} onClick={() => setTab(t)}>{label}</button>
          ))}
        </nav>
        <SyncBadge local={session?.local} offlineReady={offlineReady} />
        <span className="who">Signed in as <strong>{user.username}</strong></span>
        <button onClick={async () => { await client.logOut().catch(() => undefined); setUser(undefined); }}>
          Log out
        </button>
      </header>
      {session && <Workspace client={client} session={session} tab={tab} onPinned={onPinned} />}
    </div>
  );
}

/** The signed-in screens; the pipeline (live, in wasm memory) is shared by board and dashboard. */
function Workspace({ client, session, tab, onPinned }: { client: CrmClient; session: Session; tab: Tab; onPinned: () => void }) {
  const [pipeline] = useState(() => new CrmPipeline());
  // Where the board's deals came from: the server (kept live) or, offline, the local store.
  const [loaded, setLoaded] = useState<'live' | 'local'>();
  const [error, setError] = useState<string>();
  const [dealId, setDealId] = useState<string>();
  const [companyId, setCompanyId] = useState<string>();

  const localRef = useRef(session.local);
  localRef.current = session.local;
  const load = useCallback(async () => {
    const fromLocal = async () => {
      const local = localRef.current;
      if (!local || navigator.onLine) return false;
      try {
        pipeline.load(await client.deals().fromLocalDatastore(local).findAll());
        setLoaded('local');
        setError(undefined);
        return true;
      } catch {
        return false;
      }
    };
    if (await fromLocal()) return;
    try {
      await session.live.livePipeline(pipeline, client.deals().include('company'));
      setLoaded('live');
      setError(undefined);
    } catch (err) {
      if (!(await fromLocal())) setError(describeError(err));
    }
  }, [client, pipeline, session.live]);
  useEffect(() => { void load(); }, [load]);
  // Opened offline before the local store was: load from it once it is there.
  useEffect(() => {
    if (!loaded && error && session.local && !navigator.onLine) void load();
  }, [loaded, error, session.local, load]);
  // Opened from the local store: back online, follow the server again.
  useEffect(() => {
    if (loaded !== 'local') return;
    const online = () => void load();
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  }, [loaded, load]);
  // Keep the deals pinned (incrementally), so the board opens offline next time.
  useEffect(() => {
    if (loaded === 'live' && session.local && navigator.onLine) {
      session.local.refreshPin(client.deals()).then(onPinned, () => undefined);
    }
  }, [client, loaded, session.local, onPinned]);
  useEffect(() => () => pipeline.free(), [pipeline]);

  if (!loaded && error) return <p role="alert" className="error">{error} <button onClick={load}>Retry</button></p>;
  if (!loaded) return <p className="loading">Loading deals…</p>;
  return (
    <>
      {tab === 'pipeline' && <Board client={client} session={session} pipeline={pipeline} onOpen={setDealId} />}
      {tab === 'contacts' && <Contacts client={client} />}
      {tab === 'companies' && (companyId
        ? <CompanyPage client={client} companyId={companyId} onBack={() => setCompanyId(undefined)} />
        : <Companies client={client} onOpen={setCompanyId} />)}
      {tab === 'dashboard' && <Dashboard pipeline={pipeline} />}
      {dealId && tab === 'pipeline' && (
        <DealDetail key={dealId} client={client} pipeline={pipeline} dealId={dealId} onClose={() => setDealId(undefined)} />
      )}
    </>
  );
}

function SyncBadge({ local, offlineReady }: { local?: LocalStore; offlineReady: boolean }) {
  const status = useSyncStatus(local);
  const label = !status.online ? 'Offline' : status.state === 'syncing' ? 'Syncing…' : status.state === 'error' ? 'Sync problem' : 'Online';
  return (
    <span
      className={`sync sync-${status.online ? status.state : 'offline'}`}
      data-testid="sync-status"
      data-offline-ready={offlineReady}
      title={offlineReady ? 'Your deals are saved on this device: the board opens without a connection.' : undefined}
    >
      {label}{status.pending > 0 && ` · ${status.pending} pending`}
    </span>
  );
}

function LogIn({ client, notice, onSignedIn }: { client: CrmClient; notice?: string; onSignedIn: (u: User) => void }) {
  const [mode, setMode] = useState<'logIn' | 'signUp'>('logIn');
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const u = mode === 'logIn' ? await client.logIn(username, password) : await client.signUp(username, email, password);
      onSignedIn(u);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="login" onSubmit={submit} aria-label={mode === 'logIn' ? 'Log in' : 'Sign up'}>
      <h1>crm-wasm</h1>
      {notice && <p className="notice">{notice}</p>}
      <label>Username <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required /></label>
      {mode === 'signUp' && (
        <label>E-mail <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required /></label>
      )}
      <label>Password <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required /></label>
      {error && <p role="alert" className="error">{error}</p>}
      <button type="submit" disabled={busy}>{mode === 'logIn' ? 'Log in' : 'Sign up'}</button>
      <button type="button" className="link" onClick={() => setMode(mode === 'logIn' ? 'signUp' : 'logIn')}>
        {mode === 'logIn' ? 'No account? Sign up' : 'Have an account? Log in'}
      </button>
    </form>
  );
}

function Board({ client, session, pipeline, onOpen }: { client: CrmClient; session: Session; pipeline: CrmPipeline; onOpen: (id: string) => void }) {
  const version = usePipeline(pipeline);
  const [error, setError] = useState<string>();
  const [text, setText] = useState('');
  const [overdue, setOverdue] = useState(false);
  const [mine, setMine] = useState(false);
  const [closeFrom, setCloseFrom] = useState('');
  const [closeBefore, setCloseBefore] = useState('');
  const me = client.currentUser()?.objectId;

  useEffect(() => {
    pipeline.setFilter({
      text: text || undefined,
      overdue: overdue || undefined,
      assignees: mine && me ? [me] : undefined,
      closeFrom: closeFrom ? `${closeFrom}T00:00:00.000Z` : undefined,
      closeBefore: closeBefore ? `${closeBefore}T00:00:00.000Z` : undefined,
    });
  }, [pipeline, text, overdue, mine, me, closeFrom, closeBefore]);

  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }), useSensor(KeyboardSensor));
  const onDragEnd = async (e: DragEndEvent) => {
    const to = e.over?.id as Stage | undefined;
    const id = String(e.active.id);
    if (!to || pipeline.get(id)?.stage === to) return;
    try {
      if (!navigator.onLine && session.local) {
        // Offline: the move shows at once and waits in the local store's queue.
        const moveId = pipeline.moveDeal(id, to);
        await session.local.update('Deal', id, { stage: to });
        pipeline.confirmMove(moveId);
      } else {
        await pipeline.moveAndSave(client, id, to); // at once on the board; undone if the save fails
      }
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <>
      <div className="toolbar">
        <NewDeal client={client} local={session.local} onCreated={(deal) => pipeline.upsert(deal)} />
        <input placeholder="Search titles" aria-label="Search" value={text} onChange={(e) => setText(e.target.value)} />
        <label className="check"><input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} /> Overdue</label>
        <label className="check"><input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Assigned to me</label>
        <label className="check">Closing from <input type="date" aria-label="Closing from" value={closeFrom} onChange={(e) => setCloseFrom(e.target.value)} /></label>
        <label className="check">before <input type="date" aria-label="Closing before" value={closeBefore} onChange={(e) => setCloseBefore(e.target.value)} /></label>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <DndContext sensors={sensors} onDragEnd={onDragEnd}>
        <div className="board" data-version={version}>
          {pipeline.columns().map((column) => (
            <Column key={column.stage} column={column} cards={pipeline.page(column.stage, 0, 50)} onOpen={onOpen} me={me} />
          ))}
        </div>
      </DndContext>
    </>
  );
}

function Column({ column, cards, onOpen, me }: { column: ColumnSummary; cards: Deal[]; onOpen: (id: string) => void; me?: string }) {
  const { setNodeRef, isOver } = useDroppable({ id: column.stage });
  return (
    <section ref={setNodeRef} className={`column${isOver ? ' over' : ''}`} aria-label={`Stage ${column.stage}`} data-stage={column.stage}>
      <h2>{column.stage}</h2>
      <p className="totals">
        <span data-testid={`count-${column.stage}`}>{column.count}</span> {column.count === 1 ? 'deal' : 'deals'} ·{' '}
        <span data-testid={`total-${column.stage}`}>{money.format(column.total)}</span>
        {' '}· weighted {money.format(column.weighted)}
      </p>
      {cards.map((d) => <Card key={d.objectId} deal={d} onOpen={onOpen} me={me} />)}
    </section>
  );
}

function Card({ deal, onOpen, me }: { deal: Deal; onOpen: (id: string) => void; me?: string }) {
  const company = deal.company && 'name' in deal.company ? (deal.company as { name: string }).name : undefined;
  const assignee = deal.assignedTo?.objectId === me ? 'You' : deal.assignedTo ? 'A colleague' : undefined;
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({ id: deal.objectId! });
  const style = transform ? { transform: `translate(${transform.x}px, ${transform.y}px)` } : undefined;
  return (
    <article ref={setNodeRef} style={style} className={`card${isDragging ? ' dragging' : ''}`} {...listeners} {...attributes} aria-label={`Deal ${deal.title}`}>
      <h3><button onClick={() => onOpen(deal.objectId!)} aria-label={`Open ${deal.title}`}>{deal.title}</button></h3>
      <p>{deal.amount !== undefined ? money.format(deal.amount) : '—'}</p>
      {company && <p className="company">{company}</p>}
      {deal.expectedCloseDate && <p className="date">Closes {deal.expectedCloseDate.slice(0, 10)}</p>}
      {assignee && <p className="date">Assigned to {assignee}</p>}
    </article>
  );
}

function NewDeal({ client, local, onCreated }: { client: CrmClient; local?: LocalStore; onCreated: (deal: Deal) => void }) {
  const [title, setTitle] = useState('');
  const [amount, setAmount] = useState('');
  const [stage, setStage] = useState<Stage>('lead');
  const [error, setError] = useState<string>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    const deal: Deal = { title, stage, amount: amount === '' ? undefined : Number(amount) };
    try {
      // Offline, the write goes to the local store's queue and syncs when the connection is back.
      const saved = !navigator.onLine && local ? ((await local.create('Deal', deal)) as Deal) : await client.createDeal(deal);
      setTitle('');
      setAmount('');
      onCreated(saved);
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <form className="new-deal" onSubmit={submit} aria-label="New deal">
      <input placeholder="Deal title" value={title} onChange={(e) => setTitle(e.target.value)} aria-label="Title" />
      <input placeholder="Amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} aria-label="Amount" />
      <select value={stage} onChange={(e) => setStage(e.target.value)} aria-label="Stage">
        {STAGES.map((s) => <option key={s} value={s}>{s}</option>)}
      </select>
      <button type="submit">Add deal</button>
      {error && <span role="alert" className="error">{error}</span>}
    </form>
  );
}
