// The screens besides the board: deal detail with its activity timeline, contacts, companies
// (with a company page), and the dashboard.
import { useEffect, useState, type FormEvent } from 'react';
import type { Activity, ActivityType, Company, Contact, CrmClient, Deal, Pipeline, Stats } from 'crm-wasm';
import { describeError } from './crm';
import { usePipeline, useQuery } from './hooks';

const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const TYPES: ActivityType[] = ['call', 'email', 'meeting', 'note'];
const ref = (className: string, objectId?: string) => ({ className, objectId: objectId ?? '' });
const day = (iso?: string) => iso?.slice(0, 10) ?? '';

function ErrorLine({ error }: { error?: string }) {
  return error ? <p role="alert" className="error">{error}</p> : null;
}

export function DealDetail({ client, pipeline, dealId, onClose }: { client: CrmClient; pipeline: Pipeline; dealId: string; onClose: () => void }) {
  usePipeline(pipeline);
  const deal = pipeline.get(dealId);
  const [title, setTitle] = useState(deal?.title ?? '');
  const [amount, setAmount] = useState(deal?.amount?.toString() ?? '');
  const [close, setClose] = useState(day(deal?.expectedCloseDate));
  const [companyId, setCompanyId] = useState(deal?.company?.objectId ?? '');
  const [contactId, setContactId] = useState(deal?.contact?.objectId ?? '');
  const companies = useQuery(() => client.companies().ascending('name').limit(500), []);
  const contacts = useQuery(() => client.contacts().ascending('name').limit(500), []);
  const [error, setError] = useState<string>();
  const activities = useQuery(() => client.activities().equalTo('relatedTo', { className: 'Deal' as const, objectId: dealId }).descending('dueDate'), [dealId]);
  const [type, setType] = useState<ActivityType>('call');
  const [subject, setSubject] = useState('');
  const [due, setDue] = useState('');
  if (!deal) return null;

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await client.updateDeal(dealId, {
        title,
        amount: amount === '' ? null : Number(amount),
        expectedCloseDate: close ? `${close}T00:00:00.000Z` : null,
        company: companyId ? ref('Company', companyId) : null,
        contact: contactId ? ref('Contact', contactId) : null,
      });
      pipeline.upsert(await client.getDeal(dealId, ['company']));
    } catch (err) {
      setError(describeError(err));
    }
  }

  async function log(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await client.createActivity({ type, subject, dueDate: due ? `${due}T00:00:00.000Z` : undefined, relatedTo: { className: 'Deal', objectId: dealId } });
      setSubject('');
      activities.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  async function done(a: Activity) {
    try {
      await client.updateActivity(a.objectId!, { completedAt: new Date().toISOString() });
      activities.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <aside className="detail" aria-label="Deal detail">
      <button className="link close" onClick={onClose} aria-label="Close">✕</button>
      <h2>{deal.title}</h2>
      <p className="muted">Stage {deal.stage}</p>
      <form onSubmit={save} aria-label="Edit deal">
        <label>Title <input value={title} onChange={(e) => setTitle(e.target.value)} /></label>
        <label>Amount <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} /></label>
        <label>Expected close <input type="date" value={close} onChange={(e) => setClose(e.target.value)} /></label>
        <label>Company
          <select value={companyId} onChange={(e) => setCompanyId(e.target.value)}>
            <option value="">None</option>
            {companies.data?.map((c) => <option key={c.objectId} value={c.objectId}>{c.name}</option>)}
          </select>
        </label>
        <label>Contact
          <select value={contactId} onChange={(e) => setContactId(e.target.value)}>
            <option value="">None</option>
            {contacts.data?.map((c) => <option key={c.objectId} value={c.objectId}>{c.name}</option>)}
          </select>
        </label>
        <button type="submit">Save</button>
      </form>
      <ErrorLine error={error} />
      <h3>Activities</h3>
      <form onSubmit={log} aria-label="Log activity" className="row">
        <select aria-label="Activity type" value={type} onChange={(e) => setType(e.target.value)}>
          {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <input aria-label="Subject" placeholder="Subject" value={subject} onChange={(e) => setSubject(e.target.value)} />
        <input aria-label="Due" type="date" value={due} onChange={(e) => setDue(e.target.value)} />
        <button type="submit">Log</button>
      </form>
      {activities.loading && <p className="loading">Loading…</p>}
      <ErrorLine error={activities.error} />
      <ul className="timeline">
        {activities.data?.map((a) => (
          <li key={a.objectId} className={a.completedAt ? 'done' : ''}>
            <strong>{a.type}</strong> {a.subject} <span className="muted">{day(a.dueDate)}</span>
            {a.completedAt ? <span className="muted"> · done</span> : <button className="link" onClick={() => done(a)}>Mark done</button>}
          </li>
        ))}
      </ul>
    </aside>
  );
}

export function Contacts({ client }: { client: CrmClient }) {
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<'name' | '-name' | '-updatedAt'>('name');
  const list = useQuery(() => {
    const q = client.contacts().include('company').limit(200);
    const sorted = sort.startsWith('-') ? q.descending(sort.slice(1) as 'name') : q.ascending(sort as 'name');
    return search ? sorted.contains('name', search) : sorted;
  }, [search, sort]);
  const companies = useQuery(() => client.companies().ascending('name').limit(500), []);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [companyId, setCompanyId] = useState('');
  const [error, setError] = useState<string>();

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await client.createContact({ name, email: email || undefined, company: companyId ? ref('Company', companyId) : undefined });
      setName('');
      setEmail('');
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  async function remove(c: Contact) {
    try {
      await client.deleteContact(c.objectId!);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  const [editing, setEditing] = useState<string>();
  const [editEmail, setEditEmail] = useState('');
  const [editPhone, setEditPhone] = useState('');
  async function saveEdit(c: Contact) {
    setError(undefined);
    try {
      await client.updateContact(c.objectId!, { email: editEmail || null, phone: editPhone || null });
      setEditing(undefined);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <section className="page" aria-label="Contacts">
      <h2>Contacts</h2>
      <div className="row">
        <input aria-label="Search contacts" placeholder="Search" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Sort contacts" value={sort} onChange={(e) => setSort(e.target.value as typeof sort)}>
          <option value="name">Name A–Z</option>
          <option value="-name">Name Z–A</option>
          <option value="-updatedAt">Recently updated</option>
        </select>
      </div>
      <form onSubmit={create} aria-label="New contact" className="row">
        <input aria-label="Contact name" placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} />
        <input aria-label="Contact e-mail" placeholder="E-mail" value={email} onChange={(e) => setEmail(e.target.value)} />
        <select aria-label="Contact company" value={companyId} onChange={(e) => setCompanyId(e.target.value)}>
          <option value="">No company</option>
          {companies.data?.map((c) => <option key={c.objectId} value={c.objectId}>{c.name}</option>)}
        </select>
        <button type="submit">Add contact</button>
      </form>
      <ErrorLine error={error ?? list.error} />
      <table>
        <thead><tr><th>Name</th><th>E-mail</th><th>Phone</th><th>Company</th><th /></tr></thead>
        <tbody>
          {list.data?.map((c) => editing === c.objectId ? (
            <tr key={c.objectId}>
              <td>{c.name}</td>
              <td><input aria-label="Edit e-mail" value={editEmail} onChange={(e) => setEditEmail(e.target.value)} /></td>
              <td><input aria-label="Edit phone" value={editPhone} onChange={(e) => setEditPhone(e.target.value)} /></td>
              <td>{c.company && 'name' in c.company ? (c.company as Company).name : ''}</td>
              <td><button className="link" onClick={() => saveEdit(c)}>Save</button> <button className="link" onClick={() => setEditing(undefined)}>Cancel</button></td>
            </tr>
          ) : (
            <tr key={c.objectId}>
              <td>{c.name}</td>
              <td>{c.email}</td>
              <td>{c.phone}</td>
              <td>{c.company && 'name' in c.company ? (c.company as Company).name : ''}</td>
              <td>
                <button className="link" onClick={() => { setEditing(c.objectId); setEditEmail(c.email ?? ''); setEditPhone(c.phone ?? ''); }} aria-label={`Edit ${c.name}`}>Edit</button>{' '}
                <button className="link" onClick={() => remove(c)} aria-label={`Delete ${c.name}`}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Companies({ client, onOpen }: { client: CrmClient; onOpen: (id: string) => void }) {
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<'name' | '-name' | '-updatedAt'>('name');
  const list = useQuery(() => {
    const q = search ? client.companies().contains('name', search) : client.companies();
    return (sort.startsWith('-') ? q.descending(sort.slice(1) as 'name') : q.ascending(sort as 'name')).limit(200);
  }, [search, sort]);
  const [name, setName] = useState('');
  const [industry, setIndustry] = useState('');
  const [error, setError] = useState<string>();

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await client.createCompany({ name, industry: industry || undefined });
      setName('');
      setIndustry('');
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  async function remove(c: Company) {
    try {
      await client.deleteCompany(c.objectId!);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <section className="page" aria-label="Companies">
      <h2>Companies</h2>
      <div className="row">
        <input aria-label="Search companies" placeholder="Search" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Sort companies" value={sort} onChange={(e) => setSort(e.target.value as typeof sort)}>
          <option value="name">Name A–Z</option>
          <option value="-name">Name Z–A</option>
          <option value="-updatedAt">Recently updated</option>
        </select>
      </div>
      <form onSubmit={create} aria-label="New company" className="row">
        <input aria-label="Company name" placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} />
        <input aria-label="Industry" placeholder="Industry" value={industry} onChange={(e) => setIndustry(e.target.value)} />
        <button type="submit">Add company</button>
      </form>
      <ErrorLine error={error ?? list.error} />
      <ul className="list">
        {list.data?.map((c) => (
          <li key={c.objectId}>
            <button className="link" onClick={() => onOpen(c.objectId!)}>{c.name}</button> <span className="muted">{c.industry}</span>
            <button className="link" onClick={() => remove(c)} aria-label={`Delete ${c.name}`}>Delete</button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function CompanyPage({ client, companyId, onBack }: { client: CrmClient; companyId: string; onBack: () => void }) {
  const [company, setCompany] = useState<Company>();
  const [error, setError] = useState<string>();
  const pointer = ref('Company', companyId);
  const contacts = useQuery(() => client.contacts().equalTo('company', pointer).ascending('name'), [companyId]);
  const deals = useQuery(() => client.deals().equalTo('company', pointer).include('contact').ascending('title'), [companyId]);
  const [industry, setIndustry] = useState('');
  const [website, setWebsite] = useState('');
  useEffect(() => {
    client.getCompany(companyId).then(
      (c) => {
        setCompany(c);
        setIndustry(c.industry ?? '');
        setWebsite(c.website ?? '');
      },
      (e) => setError(describeError(e)),
    );
  }, [client, companyId]);

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await client.updateCompany(companyId, { industry: industry || null, website: website || null });
      setCompany(await client.getCompany(companyId));
    } catch (err) {
      setError(describeError(err));
    }
  }
  return (
    <section className="page" aria-label="Company">
      <button className="link" onClick={onBack}>← Companies</button>
      <ErrorLine error={error} />
      <h2>{company?.name}</h2>
      <p className="muted" data-testid="company-info">{company?.industry} {company?.website}</p>
      <form onSubmit={save} aria-label="Edit company" className="row">
        <input aria-label="Company industry" placeholder="Industry" value={industry} onChange={(e) => setIndustry(e.target.value)} />
        <input aria-label="Company website" placeholder="Website" value={website} onChange={(e) => setWebsite(e.target.value)} />
        <button type="submit">Save company</button>
      </form>
      <h3>Contacts</h3>
      <ul className="list">{contacts.data?.map((c) => <li key={c.objectId}>{c.name} <span className="muted">{c.email}</span></li>)}</ul>
      <h3>Deals</h3>
      <ul className="list">
        {deals.data?.map((d: Deal) => (
          <li key={d.objectId}>{d.title} · {d.stage} · {money.format(d.amount ?? 0)}{d.contact && 'name' in d.contact ? ` · ${(d.contact as Contact).name}` : ''}</li>
        ))}
      </ul>
    </section>
  );
}

export function Dashboard({ pipeline }: { pipeline: Pipeline }) {
  usePipeline(pipeline);
  const stats: Stats = pipeline.stats();
  const months = stats.expectedRevenueByMonth;
  const max = Math.max(1, ...months.map((m) => m.weighted));
  const width = Math.max(300, months.length * 48);
  return (
    <section className="page" aria-label="Dashboard">
      <h2>Dashboard</h2>
      <div className="tiles">
        <div className="tile"><span>Pipeline total</span><strong data-testid="stat-total">{money.format(stats.total)}</strong></div>
        <div className="tile"><span>Weighted forecast</span><strong data-testid="stat-weighted">{money.format(stats.weighted)}</strong></div>
        <div className="tile"><span>Win rate</span><strong data-testid="stat-winrate">{stats.winRate === undefined ? '—' : `${Math.round(stats.winRate * 100)} %`}</strong></div>
        <div className="tile"><span>Average deal</span><strong>{stats.averageDealSize === undefined ? '—' : money.format(stats.averageDealSize)}</strong></div>
      </div>
      <h3>Forecast by month of expected close</h3>
      <svg role="img" aria-label="Forecast chart" width={width} height={220} className="chart">
        {months.map((m, i) => {
          const h = (m.weighted / max) * 170;
          return (
            <g key={m.month} transform={`translate(${i * 48 + 8},0)`}>
              <rect x={0} y={180 - h} width={32} height={h} fill="#2f6fed"><title>{`${m.month}: ${money.format(m.weighted)}`}</title></rect>
              <text x={16} y={198} fontSize={10} textAnchor="middle">{m.month.slice(2)}</text>
            </g>
          );
        })}
      </svg>
      <h3>Average age by stage</h3>
      <ul className="list">
        {stats.averageAgeByStage.map((a) => <li key={a.stage}>{a.stage}: {a.averageAgeDays === undefined ? '—' : `${a.averageAgeDays.toFixed(0)} days`}</li>)}
      </ul>
    </section>
  );
}
