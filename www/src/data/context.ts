// The signed-in session as React context: the client, the user and their workspace.
import { createContext, useContext } from 'react';
import type { CrmClient, User } from 'crm-wasm';
import type { Workspace } from './workspace';

export interface Session {
  client: CrmClient;
  user: User;
  workspace: Workspace;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in session');
  return s;
}
