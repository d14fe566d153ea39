// The signed-in user's own settings: the forecast's currency and stage probabilities (percent).
// Private on the server (backend Settings class: objectId = the user's id, readable and writable
// by that user only), read through plain REST (data/rest.ts), and kept on this device so the
// forecast keeps them offline. Saved offline (or when the server cannot be reached), they are
// kept on this device and marked waiting, and sent once when the network is back: the object's
// id is the user's, so at most one exists, and the save is the whole value (a PUT), so sending it
// again after a lost answer changes nothing. One store per signed-in user, outside React like
// the Team.
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
  /** Saved on this device, not yet on the server. */
  pending: boolean;
  error?: string;
}

const cacheKey = (userId: string) => `crm-settings:${userId}`;
/** Set while the cached settings wait for the server. */
const pendingKey = (userId: string) => `crm-settings-pending:${userId}`;

function fromJson(json: SettingsRow | undefined): UserSettings {
  return {
    currency: json?.currency ?? DEFAULT_SETTINGS.currency,
    probabilities: { ...DEFAULT_SETTINGS.probabilities, ...(json?.probabilities ?? {}) },
  };
}

/** The user's Settings row as the server holds it, or undefined when none was saved yet. A
 * query, not a get by id: a user who never saved settings gets an empty answer rather than a 404
 * (which the browser logs as an error, at every load and at a first import). */
async function settingsRow(client: CrmClient, userId: string): Promise<SettingsRow | undefined> {
  const where = encodeURIComponent(JSON.stringify({ objectId: userId }));
  const json = await rest(client, 'GET', `/classes/Settings?where=${where}&limit=1`);
  return Array.isArray(json.results) ? (json.results[0] as SettingsRow | undefined) : undefined;
}

/** The fields of the backend's Settings class that the app reads. */
interface SettingsRow {
  currency?: string;
  probabilities?: Partial<Probabilities>;
  importKey?: string;
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
    const pending = !!cached && localStorage.getItem(pendingKey(userId)) !== null;
    this.current = { settings: cached ?? DEFAULT_SETTINGS, loaded: !!cached, stored: false, pending };
    window.addEventListener('online', () => void this.flush().catch(() => undefined));
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
    // Settings saved on this device go first (the server's older ones must not replace them).
    if (this.current.pending) {
      await this.flush().catch(() => undefined);
      if (this.current.pending) return;
    }
    try {
      const found = await settingsRow(this.client, this.userId);
      // None saved yet: the defaults.
      if (found) this.set({ settings: fromJson(found), loaded: true, stored: true, error: undefined });
      else this.set({ loaded: true, stored: false, error: undefined });
    } catch (err) {
      this.set({ loaded: true, error: (err as { message?: string }).message });
    }
  };

  /** Saves `settings`: on the server, or (offline, or the server out of reach) on this device
   * until the network is back. Answers whether they reached the server; throws if it refused. */
  async save(settings: UserSettings): Promise<boolean> {
    localStorage.setItem(pendingKey(this.userId), '1');
    this.set({ settings, pending: true, error: undefined });
    if (!navigator.onLine) return false;
    await this.flush();
    return !this.current.pending;
  }

  private flushing?: Promise<void>;

  /** Sends the waiting settings, once; a network failure leaves them waiting. */
  flush(): Promise<void> {
    this.flushing ??= this.send().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async send() {
    while (this.current.pending) {
      const sent = this.current.settings;
      const body = { currency: sent.currency, probabilities: sent.probabilities };
      try {
        if (this.current.stored) await rest(this.client, 'PUT', `/classes/Settings/${this.userId}`, body);
        else {
          // Created already (by another device, or an answer lost on the way): then a change.
          await rest(this.client, 'POST', '/classes/Settings', { objectId: this.userId, ...body }).catch((err: { code?: string }) => {
            if (err.code !== 'DUPLICATE_VALUE') throw err;
            return rest(this.client, 'PUT', `/classes/Settings/${this.userId}`, body);
          });
        }
      } catch (err) {
        const e = err as { code?: string; message?: string };
        if (e.code === 'NETWORK_ERROR') return;
        // Refused: said in words; the device goes back to what the server holds.
        localStorage.removeItem(pendingKey(this.userId));
        this.set({ pending: false, error: e.message });
        void this.load();
        throw err;
      }
      // Changed again meanwhile: send the newer ones too.
      if (this.current.settings === sent) {
        localStorage.removeItem(pendingKey(this.userId));
        this.set({ stored: true, pending: false });
      } else this.set({ stored: true });
    }
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

/** The user's import key: a random secret kept in their private Settings and mixed into import
 * ids (features/import/plan.ts importIds), so that no one else can compute them. Made on the
 * first import; read back after writing it, so two tabs making one at once end with the same. */
export async function importKey(client: CrmClient, userId: string): Promise<string> {
  const read = () => settingsRow(client, userId);
  const held = await read();
  if (held?.importKey) return held.importKey;
  const key = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const put = () => rest(client, 'PUT', `/classes/Settings/${userId}`, { importKey: key });
  if (held) await put();
  else {
    await rest(client, 'POST', '/classes/Settings', { objectId: userId, importKey: key }).catch((err: { code?: string }) => {
      if (err.code !== 'DUPLICATE_VALUE') throw err;
      return put();
    });
  }
  return (await read())?.importKey ?? key;
}
