// The app's hooks: crm-wasm/react's, with the app's error sentences (describeError) and its
// workspace. The data stays in wasm; components subscribe and read small views.
import { useSyncExternalStore } from 'react';
import type { CrmQuery } from 'crm-wasm';
import { useLocalQuery, useQuery as useCrmQuery, useSyncStatus } from 'crm-wasm/react';
import { describeError } from './crm';
import type { Workspace, WorkspaceState } from './workspace';

export { usePipeline, useSyncStatus } from 'crm-wasm/react';

export function useWorkspaceState(workspace: Workspace): WorkspaceState {
  return useSyncExternalStore(workspace.subscribe, () => workspace.state);
}

export interface QueryState<T> {
  data?: T[];
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Runs a query (built by `make`) when `key` changes; `findAll` pages through every result.
 * Never shows the answer of a previous key. Offline (with the local store open: the provider's
 * `local`) the same query runs over what this device holds, read again after every sync; back
 * online, on the server again. */
export function useQuery<T>(make: () => CrmQuery<T>, key: string, all = false): QueryState<T> {
  const { online } = useSyncStatus();
  const remote = useCrmQuery({ query: make, key: [key], all, enabled: online });
  const local = useLocalQuery({ query: make, key: [key], all, enabled: !online });
  const { data, error, loading, reload } = online ? remote : local;
  return { data, error: error && describeError(error), loading, reload };
}
