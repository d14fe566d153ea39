// Whether writes go to the local store's queue (offline, with a store open) or to the server.
import type { Workspace } from './workspace';

export const isOffline = (w: Workspace) => !navigator.onLine && !!w.state.local;
