// The signed-in user's wasm handles — the live-query client, the offline store and the
// pipeline — owned here, outside React. Components read them; they never create or free them.
// One workspace exists per signed-in user: created on first use, closed (and its handles freed)
// only by `closeWorkspace()` at log-out or when the session ends. So React's StrictMode double
// mount, fast refresh and a component's unmount can never free a handle still in use.
import { LiveQueryClient, LocalStore, Pipeline, SearchIndex, type CrmClient, type Deal } from 'crm-wasm';
import { describeError } from './crm';
import { activitiesChanged } from './activities';
import { changedElsewhere } from './otherTabs';
import { refName } from '../lib/format';

export interface WorkspaceState {
  /** Where the board's deals came from: the server (kept live) or, offline, the local store. */
  loaded?: 'live' | 'local';
  error?: string;
  local?: LocalStore;
  /** Deals, contacts, companies and activities are pinned on this device: every screen opens
   * offline next time. */
  offlineReady: boolean;
}

export class Workspace {
  readonly pipeline = new Pipeline();
  /** Global search over what this device holds (features/search feeds it). */
  readonly search = new SearchIndex();
  /** Made with the session of its time: a new one after a password change here (renewLive). */
  private liveClient: LiveQueryClient;
  private current: WorkspaceState = { offlineReady: false };
  private listeners = new Set<() => void>();
  private closed = false;
  private readonly onOnline = () => {
    if (this.current.loaded === 'local') void this.load();
  };

  constructor(readonly client: CrmClient, readonly userId: string) {
    this.liveClient = new LiveQueryClient(client);
    window.addEventListener('online', this.onOnline);
    LocalStore.open(client)
      .then((store) => {
        if (this.closed) return store.close();
        this.set({ local: store });
        // Opened offline before the local store was: load from it now.
        if (!this.current.loaded && !navigator.onLine) void this.load();
        else if (this.current.loaded === 'live') this.pin();
      })
      .catch(() => undefined); // the board works without the offline store
    void this.load();
  }

  /** How many changes made on this device are not on the server yet, after one try to send them
   * when online: a log-out deletes the device's copy, and them with it. */
  async unsyncedChanges(): Promise<number> {
    const local = this.current.local;
    if (!local) return 0;
    if (navigator.onLine && (await local.pending()).length > 0) await local.sync().catch(() => undefined);
    return (await local.pending()).length;
  }

  get live(): LiveQueryClient {
    return this.liveClient;
  }

  /** After the password was changed in this tab: the server ended the session the live
   * connection was made with, and refused it for good ("log in and connect again"), so the
   * board, the lists and the pins stopped following other devices until a reload (found by a
   * newcomer). A new connection with the new session, and every subscription made again. */
  renewLive() {
    if (this.closed) return;
    const old = this.liveClient;
    this.liveClient = new LiveQueryClient(this.client);
    old.close();
    // A new state: the provider renders with the new client; the old one is freed after that.
    this.set({});
    setTimeout(() => old.free(), 0);
    void this.load();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get state(): WorkspaceState {
    return this.current;
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private set(patch: Partial<WorkspaceState>) {
    if (this.closed) return;
    this.current = { ...this.current, ...patch };
    for (const l of [...this.listeners]) l();
  }

  /** Loads the deals: live from the server, or from the local store when offline. */
  load = async () => {
    const fromLocal = async () => {
      const local = this.current.local;
      if (!local || navigator.onLine) return false;
      try {
        const deals = await this.client.deals().fromLocalDatastore(local).findAll();
        if (this.closed) return true;
        this.pipeline.load(deals);
        this.set({ loaded: 'local', error: undefined });
        return true;
      } catch {
        return false;
      }
    };
    if (await fromLocal()) return;
    try {
      await this.live.livePipeline(this.pipeline, this.client.deals().include('company'));
      this.live.subscribe(this.client.deals(), (event) => {
        if (event.kind === 'enter' || (event.kind === 'create' && event.object.createdBy?.objectId !== this.userId)) {
          void this.dealArrived(event.object.objectId!);
        } else if ((event.kind === 'create' || event.kind === 'update') && event.object.company?.objectId) {
          this.nameCompanyOf(event.object.objectId!);
        }
      });
      // Activities, contacts and companies changed elsewhere (another tab or device, a colleague
      // on a shared deal): the screens that show them read again, once for a burst (an import
      // elsewhere sends hundreds of events). My day and the lists stayed as they were until a
      // reload.
      const soon = (then: () => void) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        return () => {
          clearTimeout(timer);
          timer = setTimeout(() => { if (!this.closed) then(); }, 300);
        };
      };
      this.live.subscribe(this.client.activities(), soon(activitiesChanged));
      this.live.subscribe(this.client.contacts(), soon(() => changedElsewhere('Contact')));
      this.live.subscribe(this.client.companies(), soon(() => changedElsewhere('Company')));
      this.set({ loaded: 'live', error: undefined });
      this.pin();
    } catch (err) {
      if (this.closed) return;
      if (!(await fromLocal())) this.set({ error: describeError(err) });
    }
  };

  /** After a company was changed here: its deals read again, with it included, so the board's
   * cards show its new name (a change of a company is no change of its deals, so the deals'
   * live query does not bring it). Offline the board keeps the name it has. */
  companyChanged = async (companyId: string) => {
    if (this.closed || this.current.loaded !== 'live') return;
    const deals = await this.client.deals().equalTo('company', { className: 'Company', objectId: companyId }).include('company').findAll();
    if (this.closed) return;
    for (const deal of deals) this.pipeline.upsert(deal);
  };

  /** A deal handed to this user by someone else: a live event has no company name in it, and the
   * screens' activities were read before the deal's were shared. Both are read again, the
   * activities after a second: the server shares them just after the event goes out. */
  /** Deals whose company the pipeline knows by pointer only after an event (a deal made in
   * another tab or imported: events carry bare pointers): read again with their company,
   * together, once for a burst. Their cards showed no company, and the board's search by
   * company missed them, until a reload. (Filling names from other deals in the pipeline itself
   * was measured at 1.5 KB of shipped wasm, and still left a company new here unnamed.) */
  private unnamed = new Set<string>();
  private unnamedTimer: ReturnType<typeof setTimeout> | undefined;
  private nameCompanyOf(dealId: string) {
    this.unnamed.add(dealId);
    clearTimeout(this.unnamedTimer);
    this.unnamedTimer = setTimeout(() => void this.readUnnamed(), 300);
  }
  private readUnnamed = async () => {
    // The pipeline has applied the events by now: an update keeps the company it had included.
    const ids = [...this.unnamed].filter((id) => {
      const company = this.pipeline.get(id)?.company;
      return company?.objectId !== undefined && refName(company) === undefined;
    }).slice(0, 1000);
    this.unnamed.clear();
    if (ids.length === 0 || this.closed) return;
    const deals = await this.client.deals().containedIn('objectId', ids).include('company').limit(ids.length).find().catch(() => []);
    for (const deal of deals) {
      // Never over a newer version an event brought meanwhile.
      const held = this.pipeline.get(deal.objectId!);
      if (!this.closed && held) this.upsertUnlessOlder(deal);
    }
  };

  /** A deal read from the server, unless an event brought a newer version meanwhile. */
  private upsertUnlessOlder(deal: Deal) {
    const held = this.pipeline.get(deal.objectId!);
    if (!held || (deal.updatedAt ?? '') >= (held.updatedAt ?? '')) this.pipeline.upsert(deal);
  }

  private dealArrived = async (dealId: string) => {
    setTimeout(() => { if (!this.closed) activitiesChanged(); }, 1000);
    const read = () => this.client.getDeal(dealId, ['company']).catch(() => undefined);
    let deal = await read();
    if (deal && !this.closed) this.upsertUnlessOlder(deal);
    // Its company is shared with this user just after the event too: read before that, it comes
    // as a bare pointer and the card showed no company until a reload. Read again until it is
    // named, waiting longer each time (a busy server shared it after more than a second), and
    // the activities with it.
    for (let wait = 1000; wait <= 8000 && deal?.company && refName(deal.company) === undefined; wait *= 2) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.closed) return;
      deal = (await read()) ?? deal;
      if (this.closed) return;
      this.upsertUnlessOlder(deal);
      activitiesChanged();
    }
  };

  /** Keeps the deals pinned (incrementally), so the board opens offline next time; then the
   * contacts, companies and activities (each under its own pin), so every screen and My day
   * read from this device offline. */
  private pin() {
    const local = this.current.local;
    if (!local || !navigator.onLine || this.closed) return;
    const c = this.client;
    local.refreshPin(c.deals()).then(async () => {
      const rest: [Parameters<typeof local.refreshPin>[0], string][] = [[c.contacts().include('company'), 'contacts'], [c.companies(), 'companies'], [c.activities(), 'activities']];
      for (const [query, name] of rest) {
        if (this.closed || !navigator.onLine) return;
        await local.refreshPin(query, name).catch(() => undefined);
      }
      this.set({ offlineReady: true });
    }, () => undefined);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    window.removeEventListener('online', this.onOnline);
    this.listeners.clear();
    this.liveClient.close();
    this.current.local?.close();
    // Freed last, once nothing renders from it (see closeWorkspace).
    this.liveClient.free();
    this.pipeline.free();
    this.search.free();
  }
}

let workspace: Workspace | undefined;

/** The workspace of this user, created on first call; idempotent, so safe to call in render. */
export function getWorkspace(client: CrmClient, userId: string): Workspace {
  if (workspace && workspace.userId !== userId) closeWorkspace();
  workspace ??= new Workspace(client, userId);
  return workspace;
}

/** Closes the workspace and frees its handles: at log-out, once the signed-in screens are gone. */
export function closeWorkspace() {
  const w = workspace;
  workspace = undefined;
  // After the current render has committed, so no component still reads a freed handle.
  if (w) setTimeout(() => w.close(), 0);
}
