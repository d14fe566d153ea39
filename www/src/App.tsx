import { useCallback, useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import { Pipeline as CrmPipeline, type CrmClient, type Deal, type Stage, type User } from 'crm-wasm';
import { describeError } from './crm';

const STAGES: Stage[] = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];
const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

export function App({ client }: { client: CrmClient }) {
  const [user, setUser] = useState<User | undefined>(() => client.currentUser());
  const [notice, setNotice] = useState<string>();

  useEffect(
    () =>
      client.onSessionExpired(() => {
        setUser(undefined);
        setNotice('Your session has expired. Please log in again.');
      }),
    [client],
  );

  if (!user) {
    return <LogIn client={client} notice={notice} onSignedIn={(u) => { setNotice(undefined); setUser(u); }} />;
  }
  return (
    <div className="app">
      <header>
        <h1>Pipeline</h1>
        <span className="who">Signed in as <strong>{user.username}</strong></span>
        <button onClick={async () => { await client.logOut().catch(() => undefined); setUser(undefined); }}>
          Log out
        </button>
      </header>
      <Pipeline client={client} />
    </div>
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
      const u = mode === 'logIn'
        ? await client.logIn(username, password)
        : await client.signUp(username, email, password);
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

function Pipeline({ client }: { client: CrmClient }) {
  // The deals live in wasm memory; React reads small views and re-renders on `version`.
  const [pipeline] = useState(() => new CrmPipeline());
  const version = useSyncExternalStore(
    useCallback((onChange: () => void) => pipeline.subscribe(onChange), [pipeline]),
    () => pipeline.version,
  );
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      await pipeline.loadQuery(client.deals());
      setLoaded(true);
      setError(undefined);
    } catch (err) {
      setError(describeError(err));
    }
  }, [client, pipeline]);

  useEffect(() => { void load(); }, [load]);
  useEffect(() => () => pipeline.free(), [pipeline]);

  if (error) return <p role="alert" className="error">{error} <button onClick={load}>Retry</button></p>;
  if (!loaded) return <p className="loading">Loading deals…</p>;

  return (
    <>
      <NewDeal client={client} onCreated={(deal) => pipeline.upsert(deal)} />
      <div className="board" data-version={version}>
        {pipeline.columns().map((column) => (
          <section key={column.stage} className="column" aria-label={`Stage ${column.stage}`} data-stage={column.stage}>
            <h2>{column.stage}</h2>
            <p className="totals">
              <span data-testid={`count-${column.stage}`}>{column.count}</span> {column.count === 1 ? 'deal' : 'deals'} ·{' '}
              <span data-testid={`total-${column.stage}`}>{money.format(column.total)}</span>
              {' '}· weighted {money.format(column.weighted)}
            </p>
            {pipeline.page(column.stage, 0, 50).map((d) => (
              <article key={d.objectId} className="card">
                <h3>{d.title}</h3>
                <p>{d.amount !== undefined ? money.format(d.amount) : '—'}</p>
                {d.expectedCloseDate && <p className="date">Closes {d.expectedCloseDate.slice(0, 10)}</p>}
              </article>
            ))}
          </section>
        ))}
      </div>
    </>
  );
}

function NewDeal({ client, onCreated }: { client: CrmClient; onCreated: (deal: Deal) => void }) {
  const [title, setTitle] = useState('');
  const [amount, setAmount] = useState('');
  const [stage, setStage] = useState<Stage>('lead');
  const [error, setError] = useState<string>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      const deal = await client.createDeal({ title, stage, amount: amount === '' ? undefined : Number(amount) });
      setTitle('');
      setAmount('');
      onCreated(deal);
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
