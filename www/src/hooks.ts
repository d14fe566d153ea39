// React bindings for crm-wasm, on useSyncExternalStore: the data stays in wasm, components
// subscribe to a version number and read small views.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Activity, CrmQuery, Deal, LiveEvent, LiveQueryClient, LocalStore, Pipeline, SyncStatus } from 'crm-wasm';
import { describeError } from './crm';

/** Re-renders when the pipeline changes; read `pipeline.columns()` / `pipeline.page()` after. */
export function usePipeline(pipeline: Pipeline): number {
  const subscribe = useCallback((onChange: () => void) => pipeline.subscribe(onChange), [pipeline]);
  return useSyncExternalStore(subscribe, () => pipeline.version);
}

export interface QueryState<T> {
  data?: T[];
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Runs a query (built by `make`) when `deps` change. */
export function useQuery<T>(make: () => CrmQuery<T>, deps: unknown[]): QueryState<T> {
  const [state, setState] = useState<{ data?: T[]; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const build = useCallback(make, deps);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    build()
      .find()
      .then((data) => live && setState({ data, loading: false }))
      .catch((e) => live && setState({ error: describeError(e), loading: false }));
    return () => {
      live = false;
    };
  }, [build, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** Calls `onEvent` for every live change matching the query while mounted. */
export function useLiveQuery<T extends Deal | Activity>(
  live: LiveQueryClient | undefined,
  make: () => CrmQuery<T>,
  onEvent: (event: LiveEvent<T>) => void,
  deps: unknown[],
): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!live) return;
    const id = live.subscribe(make(), (e) => handler.current(e));
    return () => {
      live.unsubscribe(id);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, ...deps]);
}

/** The offline queue's state: idle | syncing | offline | error, and how many writes wait. */
export function useSyncStatus(local: LocalStore | undefined): SyncStatus & { online: boolean } {
  const [status, setStatus] = useState<SyncStatus>(() => local?.status ?? { state: 'idle', pending: 0 });
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    if (!local) return;
    setStatus(local.status);
    return local.on('status', setStatus);
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
