// Plain REST with the session's token, for the app's own classes that crm-wasm does not model
// (Profile, Settings). Errors carry a code describeError knows.
import type { CrmClient } from 'crm-wasm';
import { appId, javascriptKey, serverUrl } from './crm';

export async function rest(client: CrmClient, method: string, route: string, body?: unknown) {
  const headers: Record<string, string> = {
    'X-Parse-Application-Id': appId,
    'X-Parse-JavaScript-Key': javascriptKey,
    'Content-Type': 'application/json',
  };
  const token = client.sessionToken();
  if (token) headers['X-Parse-Session-Token'] = token;
  let res: Response;
  try {
    res = await fetch(`${serverUrl}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw Object.assign(new Error('Cannot reach the server.'), { code: 'NETWORK_ERROR' });
  }
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const code = json.code === 142 ? 'INVALID_FIELD' : json.code === 101 ? 'OBJECT_NOT_FOUND' : json.code === 137 ? 'DUPLICATE_VALUE' : 'SERVER_ERROR';
    throw Object.assign(new Error(json.error ?? `HTTP ${res.status}`), { code, parseCode: json.code });
  }
  return json;
}
