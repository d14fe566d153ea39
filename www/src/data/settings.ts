// The signed-in user's own settings: the forecast's currency and stage probabilities (percent).
// Private on the server (backend Settings class: objectId = the user's id, readable and writable
// by that user only), read through plain REST (data/rest.ts), and kept on this device so the
// forecast keeps them offline. One store per signed-in user, outside React like the Team.
import { useSyncExternalStore } from 'react';
import type { CrmClient, Probabilities, User } from 'crm-wasm';
import { STAGES } from '../lib/stages';
import { useSession } from './context';
import { rest } from './rest';

export interface UserSettings {
  /** ISO 4217, e.g. "EUR". */
  currency: string;
  /** Chance of winning per stage, in percent. */
  probabilities: Probabilities;
}

export const DEFAULT_SETTINGS: UserSettings = {
  currency: 'USD',
  probabilities: Object.fromEntries(STAGES.map((s) => [s.id, Math.round(s.probability * 100)])) as unknown as Probabilities,
};

interface SettingsState {
  settings: UserSettings;
  loaded: boolean;
  /** Whether the server holds settings for this user yet (PUT, else POST). */
  stored: boolean;
  error?: string;
}

const cacheKey = (userId: string) => `crm-settings:${userId}`;

function fromJson(json: { currency?: string; probabilities?: Partial<Probabilities> } | undefined): UserSettings {
  return {
    currency: json?.currency ?? DEFAULT_SETTINGS.currency,
    probabilities: { ...DEFAULT_SETTINGS.probabilities, ...(json?.probabilities ?? {}) },
  };
}

export class SettingsStore {
  private current: SettingsState;
  private listeners = new Set<() => void>();

  constructor(private readonly client: CrmClient, private readonly userId: string) {
    let cached: UserSettings | undefined;
    try {
      const text = localStorage.getItem(cacheKey(userId));
      if (text) cached = fromJson(JSON.parse(text));
    } catch { /* no cache */ }
    this.current = { settings: cached ?? DEFAULT_SETTINGS, loaded: !!cached, stored: false };
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

  private set(patch: Partial<SettingsState>) {
    this.current = { ...this.current, ...patch };
    if (patch.settings) localStorage.setItem(cacheKey(this.userId), JSON.stringify(patch.settings));
    for (const l of [...this.listeners]) l();
  }

  load = async () => {
    try {
      const json = await rest(this.client, 'GET', `/classes/Settings/${this.userId}`);
      this.set({ settings: fromJson(json), loaded: true, stored: true, error: undefined });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      // None saved yet: the defaults.
      if (e.code === 'OBJECT_NOT_FOUND') this.set({ loaded: true, stored: false, error: undefined });
      else this.set({ loaded: true, error: e.message });
    }
  };

  async save(settings: UserSettings) {
    const body = { currency: settings.currency, probabilities: settings.probabilities };
    if (this.current.stored) await rest(this.client, 'PUT', `/classes/Settings/${this.userId}`, body);
    else await rest(this.client, 'POST', '/classes/Settings', { objectId: this.userId, ...body });
    this.set({ settings, stored: true });
  }
}

let store: SettingsStore | undefined;
let storeOf: string | undefined;

export function getSettings(client: CrmClient, user: User): SettingsStore {
  if (!store || storeOf !== user.objectId) {
    store = new SettingsStore(client, user.objectId!);
    storeOf = user.objectId;
  }
  return store;
}

/** The signed-in user's settings, for components inside the session. */
export function useMySettings() {
  const { client, user } = useSession();
  const s = getSettings(client, user);
  const state = useSyncExternalStore(s.subscribe, () => s.state);
  return { ...state, store: s };
}
