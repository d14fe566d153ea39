// The app's one CrmClient. The server URL is fixed at build time (VITE_PARSE_SERVER_URL);
// the JavaScript key is public by design, the master key never comes near the browser.
import init, { CrmClient, type CrmError } from 'crm-wasm';

export const serverUrl: string = import.meta.env.VITE_PARSE_SERVER_URL ?? 'http://127.0.0.1:1337/parse';
export const appId = 'crm';
export const javascriptKey = 'crm-js-key';

let client: CrmClient | undefined;

export async function startCrm(): Promise<CrmClient> {
  if (!client) {
    await init();
    client = new CrmClient({ serverUrl, appId, javascriptKey });
  }
  return client;
}

/** Why a signed-in screen went back to the log-in: the server ended the session (it expired,
 * or the password was changed or the user logged out on another device; the server does not
 * say which). */
export const SESSION_ENDED = 'Your session has ended: it expired, or you logged out or changed your password on another device. Please log in again.';

const MESSAGES: Record<string, string> = {
  OBJECT_NOT_FOUND: 'Not found, or you do not have access to it.',
  INVALID_CREDENTIALS: 'Wrong username or password.',
  ACCOUNT_LOCKED: 'Too many failed log-ins from here: log-ins to this account from this address are paused for five minutes.',
  RATE_LIMITED: 'Too many attempts from this network. Wait a minute and try again.',
  STORAGE_ERROR: 'This browser could not store the data offline (storage full or blocked by another tab).',
  PERMISSION_DENIED: 'You do not have permission to do that.',
  INVALID_SESSION: SESSION_ENDED,
  USERNAME_TAKEN: 'That username is already taken.',
  EMAIL_TAKEN: 'An account already uses that e-mail address.',
  NETWORK_ERROR: 'Cannot reach the server. Check your connection.',
  TIMEOUT: 'The server took too long to answer. Try again.',
  NOT_SIGNED_IN: 'Please log in first.',
};

/** A sentence a person can act on, for any error crm-wasm throws. */
export function describeError(err: unknown): string {
  const e = err as Partial<CrmError>;
  if (e && typeof e.code === 'string') {
    if ((e.code === 'MISSING_FIELD' || e.code === 'INVALID_FIELD') && e.message) {
      // "Deal.title is required" -> "Title is required"
      const text = e.message.replace(/^\w+\./, '');
      return text.charAt(0).toUpperCase() + text.slice(1);
    }
    // The server's own words for a refused value (the password rule, a field's limit) or a
    // full quota are for the user; the Parse code after them is not.
    if ((e.code === 'VALIDATION_FAILED' || e.code === 'QUOTA_EXCEEDED') && e.message) {
      const text = e.message.replace(/ \(Parse error \d+\)$/, '');
      return text.charAt(0).toUpperCase() + text.slice(1);
    }
    return MESSAGES[e.code] ?? e.message ?? e.code;
  }
  return err instanceof Error ? err.message : String(err);
}
