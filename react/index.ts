// crm-wasm/react: React bindings for crm-wasm (React 18 and 19).
//
// Ownership: this module never creates nor frees a wasm handle (CrmClient, LiveQueryClient,
// LocalStore, Pipeline). The application creates them outside React's render cycle (after
// `await init()`) and frees them when it is done with them (at log-out, say), so StrictMode's
// double mount, fast refresh and a concurrent render thrown away can never use a freed object.
// The queries the hooks build are short-lived objects they free themselves.
//
// Shared state is read with useSyncExternalStore (pipeline versions, sync status, online),
// and every async answer is tagged with the key it was asked for, so a result is never shown
// for a query other than the one it answers.
import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
  type ReactElement,
} from 'react';
import type {
  Activity,
  Company,
  Contact,
  CrmClient,
  CrmError,
  CrmQuery,
  Deal,
  LiveCrmQuery,
  LiveEvent,
  LiveQueryClient,
  LiveStatus,
  LocalStore,
  Pipeline,
  SyncStatus,
} from 'crm-wasm';
import { isCrmError } from 'crm-wasm';

// ---------------------------------------------------------------------------------------------
// Provider

/** What `<CrmProvider>` hands down. `live` and `local` are optional: a screen that needs them
 * says so (useLiveQuery falls back to a plain query without `live`; useLocalQuery waits for
 * `local`). */
export interface CrmContextValue {
  client: CrmClient;
  live?: LiveQueryClient | undefined;
  local?: LocalStore | undefined;
}

export interface CrmProviderProps extends CrmContextValue {
  children?: ReactNode;
}

const CrmContext = createContext<CrmContextValue | undefined>(undefined);
CrmContext.displayName = 'CrmContext';

/** Makes a client (and optionally a live-query client and an open local store) available to
 * the hooks below. It does not own them: create them outside React, free them yourself. */
export function CrmProvider({ client, live, local, children }: CrmProviderProps): ReactElement {
  const value = useMemo(() => ({ client, live, local }), [client, live, local]);
  return createElement(CrmContext.Provider, { value }, children);
}

/** The provider's client and handles; throws a CrmError with code NOT_INITIALISED when used
 * outside `<CrmProvider>` (like every crm-wasm error, it has a stable code). */
export function useCrm(): CrmContextValue {
  const value = useContext(CrmContext);
  if (!value) {
    const e = new Error('crm-wasm/react: useCrm() and the crm-wasm hooks must be used inside <CrmProvider client={...}>');
    throw Object.assign(e, { name: 'CrmError', code: 'NOT_INITIALISED' });
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Errors

// Whether an error is crm-wasm's: the package's own, here too for screens that import hooks only.
export { isCrmError };

/** Anything a hook can report: a crm-wasm error (`code`, `parseCode`), or another Error (a bug
 * in the query function, say). Narrow it with `isCrmError`. */
export type HookError = CrmError | Error;

function toError(e: unknown): HookError {
  if (isCrmError(e) || e instanceof Error) return e;
  return new Error(String(e));
}

// ---------------------------------------------------------------------------------------------
// Pipeline

/** Re-renders when the pipeline changes and answers its version (read `pipeline.columns()`,
 * `pipeline.page(...)` during render). With `select`, answers `select(pipeline)`, recomputed
 * when the version or `select` changes (wrap it in useCallback to skip unchanged renders). */
export function usePipeline(pipeline: Pipeline): number;
export function usePipeline<R>(pipeline: Pipeline, select: (pipeline: Pipeline) => R): R;
export function usePipeline<R>(pipeline: Pipeline, select?: (pipeline: Pipeline) => R): number | R {
  const subscribe = useCallback((onChange: () => void) => pipeline.subscribe(onChange), [pipeline]);
  const version = useSyncExternalStore(subscribe, () => pipeline.version, () => pipeline.version);
  // `version` is a dependency on purpose: the pipeline object stays the same when it changes.
  const selected = useMemo(() => (select ? select(pipeline) : undefined), [pipeline, version, select]); // eslint-disable-line react-hooks/exhaustive-deps
  return select ? (selected as R) : version;
}

// ---------------------------------------------------------------------------------------------
// Queries

export interface QueryOptions<T> {
  /** Builds the query from the provider's client, e.g. `(crm) => crm.deals().equalTo('stage', stage)`. */
  query: (client: CrmClient) => CrmQuery<T>;
  /** Identifies the query. Default: the query itself as data (`query(client).toJSON()`), so a
   * change of any condition, order or limit reruns it. Give one if the query reads something
   * `toJSON()` does not show. Either way, another client (or local store) from the provider
   * runs it again. */
  key?: readonly unknown[] | undefined;
  /** Every match, paged through (`findAll`) rather than one page (`find`). Default false. */
  all?: boolean | undefined;
  /** When false, nothing runs and `loading` is false. Default true. */
  enabled?: boolean | undefined;
}

export interface QueryResult<T> {
  /** The answer for the current key; undefined while it loads (never an older key's answer). */
  data: T[] | undefined;
  error: HookError | undefined;
  /** True until the current key's answer (or error) arrives. */
  loading: boolean;
  /** Runs the query again; `data` stays until the new answer replaces it. */
  reload: () => void;
  /** Changes `data` now (an optimistic update); answers a function that puts back what was
   * there before, or, if something else changed `data` meanwhile (a reload, a live event,
   * another optimistic update), runs the query again (as `reload`). */
  setData: (update: (rows: T[]) => T[]) => () => void;
}

interface Answer<T> {
  key: string;
  data?: T[];
  error?: HookError;
  /** Set by setData, to recognise its own change when undoing it. */
  change?: object;
}

/** A number per handle (client, live client, local store), for the query keys: the same query
 * through another handle (another user's client or store, swapped under a mounted provider) is
 * another query, asked again rather than answered with the first handle's rows. */
const handleIds = new WeakMap<object, number>();
let lastHandleId = 0;
function idOf(handle: object | undefined): number {
  if (!handle) return 0;
  let id = handleIds.get(handle);
  if (id === undefined) handleIds.set(handle, (id = ++lastHandleId));
  return id;
}

function keyOf<T>(client: CrmClient, options: { query: (c: CrmClient) => CrmQuery<T>; key?: readonly unknown[] | undefined }, extra: string): string {
  if (options.key) return JSON.stringify([extra, options.key]);
  let q: CrmQuery<T>;
  try {
    q = options.query(client);
  } catch (e) {
    // A query refused as it is built (`limit(-1)`, a stage no column has in a live query): the
    // hook reports it as `error` (running it throws the same), instead of throwing from render.
    return JSON.stringify([extra, null, e instanceof Error ? e.message : String(e)]);
  }
  try {
    return JSON.stringify([extra, q.className, q.toJSON()]);
  } finally {
    q.free();
  }
}

/** The shared engine of useQuery and useLocalQuery. */
function useAnswer<T>(
  fullKey: string | undefined,
  run: () => Promise<T[]>,
  refreshOn?: (rerun: () => void) => (() => void) | undefined,
): QueryResult<T> {
  const [answer, setAnswer] = useState<Answer<T> | undefined>(undefined);
  const [tick, setTick] = useState(0);
  // Counts the changes of `answer` (answers, setData, undos): an undo knows whether anything
  // changed `data` after the change it undoes.
  const changes = useRef(0);
  const runRef = useRef(run);
  const refreshRef = useRef(refreshOn);
  useEffect(() => {
    runRef.current = run;
    refreshRef.current = refreshOn;
  });
  // The request in flight for (key, tick). StrictMode runs this effect twice on mount (mount,
  // cleanup, mount again, with the same state and refs): the second run takes the answer of the
  // request the first one sent instead of sending the same request again.
  const inflight = useRef<{ key: string; tick: number; answer: Promise<T[]> } | undefined>(undefined);
  useEffect(() => {
    if (fullKey === undefined) return;
    let current = true;
    let request = inflight.current;
    if (!request || request.key !== fullKey || request.tick !== tick) {
      let answer: Promise<T[]>;
      try {
        answer = runRef.current();
      } catch (e) {
        answer = Promise.reject(e);
      }
      const mine = { key: fullKey, tick, answer };
      const done = () => {
        if (inflight.current === mine) inflight.current = undefined;
      };
      answer.then(done, done);
      inflight.current = request = mine;
    }
    const answered = (a: Answer<T>) => {
      if (!current) return;
      changes.current++;
      setAnswer(a);
    };
    request.answer.then(
      (data) => answered({ key: fullKey, data }),
      (e: unknown) => answered({ key: fullKey, error: toError(e) }),
    );
    return () => {
      current = false;
    };
  }, [fullKey, tick]);
  useEffect(() => {
    if (fullKey === undefined || !refreshRef.current) return;
    return refreshRef.current(() => setTick((t) => t + 1));
  }, [fullKey]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback(
    (update: (rows: T[]) => T[]) => {
      // Updaters may run twice (StrictMode): recognise the change by a token, not by identity.
      const change = {};
      let before: Answer<T> | undefined;
      setAnswer((a) => {
        if (!a || a.key !== fullKey || !a.data) return a;
        before = a;
        return { key: a.key, data: update(a.data), change };
      });
      const at = ++changes.current;
      // Put back what was there, unless something else changed `data` since (a live event, an
      // answer, another optimistic change): then `before` is out of date and `data` may still
      // hold this change, so ask the server again rather than keep a change it may have refused.
      return () => {
        if (changes.current !== at) {
          setTick((t) => t + 1);
          return;
        }
        changes.current++;
        setAnswer((a) => (a && a.change === change && before ? before : a));
      };
    },
    [fullKey],
  );
  // An answer for another key is never shown: the first render after a key change already
  // reports loading, before any effect has run.
  const mine = answer && answer.key === fullKey ? answer : undefined;
  return {
    data: mine?.data,
    error: mine?.error,
    loading: fullKey !== undefined && !mine,
    reload,
    setData,
  };
}

/** Runs a query on the server and answers its result, re-running it when the query changes.
 * Shaped like TanStack Query's `useQuery`, with crm-wasm's typed queries. */
export function useQuery<T>(options: QueryOptions<T>): QueryResult<T> {
  const { client } = useCrm();
  const enabled = options.enabled ?? true;
  const all = options.all ?? false;
  const fullKey = enabled ? keyOf(client, options, `${all ? 'remote-all' : 'remote'}:${idOf(client)}`) : undefined;
  return useAnswer<T>(fullKey, () => {
    const q = options.query(client);
    return (all ? q.findAll() : q.find()).finally(() => q.free());
  });
}

export interface LocalQueryOptions<T> extends QueryOptions<T> {
  /** Only this pin of the local datastore (`fromPin`); default: the whole local datastore. */
  pin?: string | undefined;
}

/** Runs a query against the local datastore of the provider's `local` store (offline reads),
 * re-running it when the query changes and after every write committed through that store (a
 * `change` event: a pin or unpin, an offline write, a sync, a `livePin` update). Another tab's
 * writes are not told: `reload()` then. `loading` stays true until the provider has a `local`
 * store. */
export function useLocalQuery<T>(options: LocalQueryOptions<T>): QueryResult<T> {
  const { client, local } = useCrm();
  const enabled = (options.enabled ?? true) && local !== undefined;
  const all = options.all ?? false;
  const fullKey = enabled ? keyOf(client, options, `local:${idOf(client)}:${idOf(local)}:${all}:${options.pin ?? ''}`) : undefined;
  const result = useAnswer<T>(
    fullKey,
    () => {
      const q = options.query(client);
      const l = options.pin === undefined ? q.fromLocalDatastore(local!) : q.fromPin(local!, options.pin);
      q.free();
      return (all ? l.findAll() : l.find()).finally(() => l.free());
    },
    // Any class: a query may read others (matchesQuery); one of an unchanged class is answered
    // again from what the store remembers, without reading its records.
    (rerun) => local?.on('change', rerun),
  );
  // Without a store yet, report loading (not "disabled") unless the caller disabled it.
  return local === undefined && (options.enabled ?? true) ? { ...result, loading: true } : result;
}

// ---------------------------------------------------------------------------------------------
// Live queries

export interface LiveQueryOptions<T extends Company | Contact | Deal | Activity> extends QueryOptions<T> {
  /** A query over any CRM class (the server streams them all). */
  query: (client: CrmClient) => LiveCrmQuery<T>;
  /** Called for every change received, after the result has been updated. */
  onEvent?: ((event: LiveEvent<T>) => void) | undefined;
}

/** How long after the last of a burst of changes an ordered or paged live query is asked again. */
export const LIVE_RELOAD_MS = 250;

export interface LiveQueryResult<T> extends QueryResult<T> {
  /** Whether changes still reach this result: the provider has a live client and it is not
   * closed (by `close()`, or by a session that ended). Without one this is a plain query. */
  live: boolean;
  /** The live client's connection, followed (`undefined` without one): `disconnected` while it
   * waits to reconnect, after which it catches up on what it missed. */
  liveStatus: LiveStatus | undefined;
}

/** A live client's status, followed. A freed client reads as closed. */
function useLiveStatus(live: LiveQueryClient | undefined): LiveStatus | undefined {
  const subscribe = useCallback(
    (changed: () => void) => {
      if (!live) return () => undefined;
      let stop: () => void;
      try {
        stop = live.onStatus(() => changed());
      } catch {
        return () => undefined; // freed: nothing will change
      }
      return () => {
        try {
          stop();
        } catch {
          // freed since: its listeners went with it
        }
      };
    },
    [live],
  );
  const read = useCallback((): LiveStatus | undefined => {
    if (!live) return undefined;
    try {
      return live.status;
    } catch {
      return 'closed';
    }
  }, [live]);
  return useSyncExternalStore(subscribe, read, read);
}

/** useQuery kept up to date by Live Queries: created and entering
 * objects are added at the end, updated ones replaced in place, deleted and leaving ones
 * removed, at once. A query with an order, a limit or a skip is then asked again (once per
 * burst of changes, LIVE_RELOAD_MS after the last), so the rows take the server's order and
 * page. Changes arriving before the first answer are applied to it. */
export function useLiveQuery<T extends Company | Contact | Deal | Activity>(options: LiveQueryOptions<T>): LiveQueryResult<T> {
  const { client, live } = useCrm();
  const result = useQuery<T>(options);
  const { setData } = result;
  const enabled = (options.enabled ?? true) && live !== undefined;
  const liveKey = enabled ? keyOf(client, options, `live:${idOf(client)}:${idOf(live)}`) : undefined;
  const optionsRef = useRef(options);
  useEffect(() => {
    optionsRef.current = options;
  });
  // Events that arrived before the answer did, replayed onto it.
  const early = useRef<{ key: string; events: LiveEvent<T>[] } | undefined>(undefined);
  const apply = useCallback(
    (event: LiveEvent<T>) => {
      setData((rows) => applyEvent(rows, event));
    },
    [setData],
  );
  const { reload } = result;
  // A subscription refused (a condition the runtime refuses, a closed live client): reported as
  // `error`, not thrown from the effect (which took the whole tree down).
  const [refused, setRefused] = useState<{ key: string; error: HookError } | undefined>(undefined);
  useEffect(() => {
    if (liveKey === undefined || !live) return;
    let q: LiveCrmQuery<T>;
    try {
      q = optionsRef.current.query(client);
    } catch {
      return; // the query itself reports it
    }
    const events: LiveEvent<T>[] = [];
    early.current = { key: liveKey, events };
    // A change may move a row within the order, or in or out of the page: only the server
    // knows the page now (a "latest 5" list grew past 5, in arrival order).
    const shape = q.toJSON();
    const paged = (shape.order?.length ?? 0) > 0 || shape.limit !== undefined || (shape.skip ?? 0) > 0;
    let again: ReturnType<typeof setTimeout> | undefined;
    let id: number | undefined;
    try {
      id = live.subscribe(q, (e: LiveEvent<T>) => {
        events.push(e);
        apply(e);
        if (paged) {
          clearTimeout(again);
          again = setTimeout(reload, LIVE_RELOAD_MS);
        }
        optionsRef.current.onEvent?.(e);
      });
    } catch (e) {
      setRefused({ key: liveKey, error: toError(e) });
    } finally {
      q.free();
    }
    return () => {
      clearTimeout(again);
      if (id !== undefined) live.unsubscribe(id);
    };
  }, [client, live, liveKey, apply, reload]);
  // When the answer arrives, replay the events received before it (an update already in the
  // answer is replaced by itself; a create already there is not added twice).
  const { data } = result;
  const replayed = useRef<T[] | undefined>(undefined);
  useEffect(() => {
    if (!data || replayed.current === data) return;
    const pending = early.current && early.current.key === liveKey ? early.current.events.splice(0) : [];
    if (pending.length === 0) return;
    setData((rows) => {
      const next = pending.reduce(applyEvent, rows);
      replayed.current = next;
      return next;
    });
  }, [data, liveKey, setData]);
  // Once an answer is there, later events apply straight to it: drop the early buffer.
  useEffect(() => {
    if (data && early.current) early.current.events.length = 0;
  }, [data]);
  const error = result.error ?? (refused && refused.key === liveKey ? refused.error : undefined);
  const liveStatus = useLiveStatus(live);
  return { ...result, error, live: liveStatus !== undefined && liveStatus !== 'closed', liveStatus };
}

function applyEvent<T extends { objectId?: string }>(rows: T[], event: LiveEvent<T>): T[] {
  const id = event.object.objectId;
  const at = rows.findIndex((r) => r.objectId === id);
  if (event.kind === 'delete' || event.kind === 'leave') return at < 0 ? rows : rows.filter((_, i) => i !== at);
  const object = event.object as T;
  if (at < 0) return [...rows, object];
  const next = rows.slice();
  next[at] = keepIncluded(rows[at]!, object);
  return next;
}

/** Live Query events carry bare pointers (Parse does not include on events): a pointer field
 * that still points at the object the row holds whole (the query `include`d it) keeps that
 * object, as a Pipeline does; a pointer that changed is taken as sent. */
function keepIncluded<T>(row: T, object: T): T {
  let kept: Record<string, unknown> | undefined;
  const before = row as Record<string, unknown>;
  for (const [field, was] of Object.entries(before)) {
    const now = (object as Record<string, unknown>)[field];
    if (isPointer(was) && !isBare(was) && isPointer(now) && isBare(now) && now.className === was.className && now.objectId === was.objectId) {
      (kept ??= { ...(object as Record<string, unknown>) })[field] = was;
    }
  }
  return (kept ?? object) as T;
}

function isPointer(v: unknown): v is { className: string; objectId: string } {
  return typeof v === 'object' && v !== null && typeof (v as { className?: unknown }).className === 'string'
    && typeof (v as { objectId?: unknown }).objectId === 'string';
}

const isBare = (v: object) => Object.keys(v).every((k) => k === 'className' || k === 'objectId' || k === '__type');

// ---------------------------------------------------------------------------------------------
// Sync status

/** A per-store cache of the last status, so useSyncExternalStore gets a stable snapshot. */
const statusCache = new WeakMap<LocalStore, SyncStatus>();
const IDLE: SyncStatus = Object.freeze({ state: 'idle', pending: 0 }) as SyncStatus;

function readStatus(local: LocalStore): SyncStatus {
  let cached = statusCache.get(local);
  if (!cached) {
    try {
      cached = local.status;
    } catch {
      cached = IDLE; // a closed or freed store
    }
    statusCache.set(local, cached);
  }
  return cached;
}

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

/** The offline queue's state (idle | syncing | offline | error | closed), how many writes wait, and
 * whether the browser is online. Reads the provider's `local` store unless given one. */
export function useSyncStatus(store?: LocalStore): SyncStatus & { online: boolean } {
  const context = useContext(CrmContext);
  const local = store ?? context?.local;
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!local) return () => undefined;
      // The cache may be stale (changes while nothing listened): refresh it; React reads the
      // snapshot again after subscribing and re-renders if it moved.
      try {
        const now = local.status;
        const old = statusCache.get(local);
        if (!old || old.state !== now.state || old.pending !== now.pending) statusCache.set(local, now);
      } catch {
        // a closed or freed store: keep the last status
      }
      return local.on('status', (status: SyncStatus) => {
        const old = statusCache.get(local);
        if (!old || old.state !== status.state || old.pending !== status.pending) {
          statusCache.set(local, status);
          onChange();
        }
      });
    },
    [local],
  );
  const status = useSyncExternalStore(subscribe, () => (local ? readStatus(local) : IDLE), () => IDLE);
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine, () => true);
  return useMemo(() => ({ ...status, online }), [status, online]);
}

// ---------------------------------------------------------------------------------------------
// Mutations

export interface MutationOptions<V, R> {
  /** Sends the change, e.g. `(v, crm) => crm.updateDeal(v.id, { stage: v.stage })`. */
  mutation: (variables: V, client: CrmClient) => Promise<R>;
  /** Applies the change at once (before the server answers) and answers a function that
   * undoes it; that function is called if the mutation fails. E.g. with a query result:
   * `(v) => deals.setData((rows) => ...)`, or a pipeline: `(v) => { const m = p.moveDeal(v.id,
   * v.stage); return () => p.revertMove(m); }`. */
  optimistic?: ((variables: V) => (() => void) | void) | undefined;
  onSuccess?: ((result: R, variables: V) => void) | undefined;
  /** Called after the optimistic change was undone. */
  onError?: ((error: HookError, variables: V) => void) | undefined;
  onSettled?: ((variables: V) => void) | undefined;
}

export interface MutationResult<V, R> {
  /** Runs the mutation; the outcome goes to the state below and the callbacks. */
  mutate: (variables: V) => void;
  /** Runs the mutation and answers its result (rejects with the error, after the rollback). */
  mutateAsync: (variables: V) => Promise<R>;
  /** True while the latest call waits for the server. */
  pending: boolean;
  /** The latest call's error, until the next call or `reset()`. */
  error: HookError | undefined;
  data: R | undefined;
  reset: () => void;
}

interface MutationState<R> {
  pending: boolean;
  error?: HookError;
  data?: R;
}

/** A write with an optional optimistic update rolled back on failure (TanStack's
 * `useMutation`, with the rollback returned by `optimistic` rather than kept in a context). */
export function useMutation<V, R>(options: MutationOptions<V, R>): MutationResult<V, R> {
  const { client } = useCrm();
  const [state, setState] = useState<MutationState<R>>({ pending: false });
  const optionsRef = useRef(options);
  useEffect(() => {
    optionsRef.current = options;
  });
  const latest = useRef(0);
  const mutateAsync = useCallback(
    async (variables: V): Promise<R> => {
      const call = ++latest.current;
      const opts = optionsRef.current;
      setState({ pending: true });
      const undo = opts.optimistic?.(variables);
      try {
        const result = await opts.mutation(variables, client);
        if (call === latest.current) setState({ pending: false, data: result });
        optionsRef.current.onSuccess?.(result, variables);
        return result;
      } catch (e) {
        const error = toError(e);
        if (typeof undo === 'function') undo();
        if (call === latest.current) setState({ pending: false, error });
        optionsRef.current.onError?.(error, variables);
        throw error;
      } finally {
        optionsRef.current.onSettled?.(variables);
      }
    },
    [client],
  );
  const mutate = useCallback((variables: V) => {
    mutateAsync(variables).catch(() => undefined); // reported through `error` and onError
  }, [mutateAsync]);
  const reset = useCallback(() => {
    latest.current++;
    setState({ pending: false });
  }, []);
  return { mutate, mutateAsync, pending: state.pending, error: state.error, data: state.data, reset };
}
