// What global search runs over: the wasm SearchIndex held by the workspace, fed with what this
// device holds. Deals come from the board's pipeline (live updates, offline loads), synced into
// the index before each search (a version check when nothing changed). Contacts and companies
// are pinned in the local store (pin "search") whenever the spotlight opens online, and read
// back from it, so offline the same records are found; without a local store they come
// straight from the server.
import type { SearchHit } from 'crm-wasm';
import type { Workspace } from '../../data/workspace';
import { byText } from '../../lib/format';

/** Refreshed at most this often while the spotlight opens and closes. */
const REFRESH_MS = 20_000;

export class SearchSource {
  private lastRefresh = 0;
  private refreshing?: Promise<void>;
  private version = 0;
  private listeners = new Set<() => void>();

  constructor(private readonly ws: Workspace) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getVersion = () => this.version;

  private changed() {
    this.version++;
    for (const l of [...this.listeners]) l();
  }

  /** Brings contacts and companies up to date (in the background; at most every 20 s). */
  refresh(force = false): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (!force && Date.now() - this.lastRefresh < REFRESH_MS) return Promise.resolve();
    this.refreshing = this.load()
      .catch(() => undefined) // search keeps what it has
      .finally(() => {
        this.refreshing = undefined;
        this.lastRefresh = Date.now();
        this.changed();
      });
    return this.refreshing;
  }

  private async load() {
    const { client, search } = this.ws;
    const local = this.ws.state.local;
    if (local && navigator.onLine) {
      await Promise.all([local.refreshPin(client.contacts(), 'search'), local.refreshPin(client.companies(), 'search')]).catch(() => undefined);
    }
    const [contacts, companies] = local
      ? await Promise.all([client.contacts().fromLocalDatastore(local).findAll(), client.companies().fromLocalDatastore(local).findAll()])
      : await Promise.all([client.contacts().findAll(), client.companies().findAll()]);
    if (this.ws.isClosed) return;
    search.setContacts(contacts);
    search.setCompanies(companies);
  }

  /** The best hits for `query`, over the deals the board holds and the contacts and companies
   * read; hits of one score by title, numbers as numbers ("Pilot #11" before "Pilot #104": the
   * index ties them by text, which put #104 first and left #2 to #9 out of the first 20 of 25). */
  search(query: string, limit = 20): SearchHit[] {
    if (this.ws.isClosed || !query.trim()) return [];
    this.ws.search.syncPipeline(this.ws.pipeline);
    // Every hit tied with the last one kept is read, so the order decides which are kept.
    let asked = limit * 2;
    let hits = this.ws.search.search(query, asked);
    while (hits.length === asked && hits.length > limit && hits[asked - 1].score === hits[limit - 1].score) {
      asked *= 4;
      hits = this.ws.search.search(query, asked);
    }
    return hits
      .map((hit, rank) => ({ hit, rank }))
      .sort((a, b) => b.hit.score - a.hit.score || byText(a.hit.title, b.hit.title) || a.rank - b.rank)
      .slice(0, limit)
      .map(({ hit }) => hit);
  }

  /** Records held (deals, contacts, companies). */
  get size(): number {
    return this.ws.isClosed ? 0 : this.ws.search.size;
  }
}

const sources = new WeakMap<Workspace, SearchSource>();

/** The workspace's search source, created on first use. */
export function searchSource(ws: Workspace): SearchSource {
  let s = sources.get(ws);
  if (!s) {
    s = new SearchSource(ws);
    sources.set(ws, s);
  }
  return s;
}
