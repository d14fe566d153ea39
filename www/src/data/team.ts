// The team: every user's public profile (a display name, never an e-mail address), as the
// backend's Profile class holds it (objectId = the user's id; readable by signed-in users,
// written only by its user). crm-wasm has no Profile class, so this is plain REST (data/rest.ts). One Team per signed-in user, outside React like the Workspace.
import { useSyncExternalStore, useMemo } from 'react';
import type { CrmClient, User } from 'crm-wasm';
import { useSession } from './context';
import { rest } from './rest';

export interface Member {
  id: string;
  name: string;
}

interface TeamState {
  members: Member[];
  loaded: boolean;
  error?: string;
}

/** A first display name from a username: the part before an "@", so no address is shown. */
export const defaultName = (username: string) => username.split('@')[0]!.slice(0, 80) || 'Me';

/** Every user's public profile, by display name. */
export async function loadMembers(client: CrmClient): Promise<Member[]> {
  const { results } = (await rest(client, 'GET', '/classes/Profile?limit=1000&keys=displayName&order=displayName')) as {
    results: { objectId: string; displayName: string }[];
  };
  return results.map((p) => ({ id: p.objectId, name: p.displayName }));
}

export class Team {
  private current: TeamState = { members: [], loaded: false };
  private listeners = new Set<() => void>();

  constructor(private readonly client: CrmClient, private readonly user: User) {
    void this.load();
  }

  get state() {
    return this.current;
  }

  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };

  private set(patch: Partial<TeamState>) {
    this.current = { ...this.current, ...patch };
    for (const l of [...this.listeners]) l();
  }

  /** Reads every profile; creates the user's own the first time (named after the username). */
  load = async () => {
    try {
      let members = await loadMembers(this.client);
      const me = this.user.objectId!;
      if (!members.some((m) => m.id === me)) {
        const name = await this.createOwnProfile(me, defaultName(this.user.username));
        members = [...members, { id: me, name }];
      }
      this.set({ members, loaded: true, error: undefined });
    } catch (err) {
      this.set({ loaded: true, error: err instanceof Error ? err.message : String(err) });
    }
  };

  /** Creates the user's profile under `name`, or, when a colleague has that name (or one that
   * looks the same: the server refuses it, DUPLICATE_VALUE), under `name 2`, `name 3`... */
  private async createOwnProfile(me: string, name: string): Promise<string> {
    for (let n = 1; n <= 5; n++) {
      const candidate = n === 1 ? name : `${name.slice(0, 76)} ${n}`;
      try {
        await rest(this.client, 'POST', '/classes/Profile', { objectId: me, displayName: candidate });
        return candidate;
      } catch (err) {
        if ((err as { code?: string }).code !== 'DUPLICATE_VALUE') return candidate;
      }
    }
    return name;
  }

  /** Changes the user's own display name. */
  async rename(name: string) {
    const me = this.user.objectId!;
    await rest(this.client, 'PUT', `/classes/Profile/${me}`, { displayName: name });
    this.set({ members: this.current.members.map((m) => (m.id === me ? { ...m, name } : m)) });
  }

  nameOf(id: string | undefined): string | undefined {
    return id ? this.current.members.find((m) => m.id === id)?.name : undefined;
  }
}

let team: Team | undefined;
let teamOf: string | undefined;

/** The team of the signed-in user (one at a time, made on first use). */
export function getTeam(client: CrmClient, user: User): Team {
  if (!team || teamOf !== user.objectId) {
    team = new Team(client, user);
    teamOf = user.objectId;
  }
  return team;
}

export function useTeam(t: Team) {
  const state = useSyncExternalStore(t.subscribe, () => t.state);
  // One function per team state, so memoised cards keep it across renders.
  const nameOf = useMemo(() => {
    const names = new Map(state.members.map((m) => [m.id, m.name]));
    return (id: string | undefined) => (id ? names.get(id) : undefined);
  }, [state.members]);
  return { ...state, nameOf, team: t };
}

/** The signed-in user's team, for components inside the session. */
export function useMyTeam() {
  const { client, user } = useSession();
  return useTeam(getTeam(client, user));
}

/** The team as an owner field offers it: the user first ("Me (name)"), then by display name
 * (never an e-mail). */
export function useOwnerOptions() {
  const { user } = useSession();
  const team = useMyTeam();
  return [
    { value: user.objectId!, label: `Me (${team.nameOf(user.objectId) ?? user.username})` },
    ...team.members.filter((m) => m.id !== user.objectId).map((m) => ({ value: m.id, label: m.name })),
  ];
}
