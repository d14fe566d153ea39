// React bindings for crm-wasm, on useSyncExternalStore: the data stays in wasm, components
// subscribe to a version number and read small views.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Activity, CrmQuery, Deal, LiveEvent, LiveQueryClient, LocalStore, Pipeline, SyncStatus } from 'crm-wasm';
import { describeError } from './crm';
import type { Workspace, WorkspaceState } from './workspace';

/** Re-renders when the pipeline changes; read `pipeline.columns()` / `pipeline.page()` after. */
export function usePipeline(pipeline: Pipeline): number {
  const subscribe = useCallback((onChange: () => void) => pipeline.subscribe(onChange), [pipeline]);
  return useSyncExternalStore(subscribe, () => pipeline.version);
}

export function useWorkspaceState(workspace: Workspace): WorkspaceState {
  return useSyncExternalStore(workspace.subscribe, () => workspace.state);
}

export interface QueryState<T> {
  data?: T[];
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Runs a query (built by `make`) when `key` changes; `findAll` pages through every result. */
export function useQuery<T>(make: () => CrmQuery<T>, key: string, all = false): QueryState<T> {
  const [state, setState] = useState<{ data?: T[]; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const maker = useRef(make);
  useEffect(() => {
    maker.current = make;
  });
  useEffect(() => {
    let live = true;
    const q = maker.current();
    (all ? q.findAll() : q.find())
      .then((data) => live && setState({ data, loading: false }))
      .catch((e) => live && setState({ error: describeError(e), loading: false }));
    return () => {
      live = false;
    };
  }, [key, tick, all]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Calls `onEvent` for every live change matching the query while mounted. */
export function useLiveQuery<T extends Deal | Activity>(
  live: LiveQueryClient | undefined,
  make: () => CrmQuery<T>,
  onEvent: (event: LiveEvent<T>) => void,
  key: string,
): void {
  const handler = useRef(onEvent);
  const maker = useRef(make);
  useEffect(() => {
    handler.current = onEvent;
    maker.current = make;
  });
  useEffect(() => {
    if (!live) return;
    const id = live.subscribe(maker.current(), (e) => handler.current(e));
    return () => {
      live.unsubscribe(id);
    };
  }, [live, key]);
}

/** The offline queue's state: idle | syncing | offline | error, and how many writes wait. */
export function useSyncStatus(local: LocalStore | undefined): SyncStatus & { online: boolean } {
  // The status event's value, for the store it came from; before any event, the store's own.
  const [event, setEvent] = useState<{ from: LocalStore; status: SyncStatus }>();
  const status: SyncStatus = event && event.from === local ? event.status : (local?.status ?? { state: 'idle', pending: 0 });
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    if (!local) return;
    return local.on('status', (s) => setEvent({ from: local, status: s }));
  }, [local]);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  return { ...status, online };
}
