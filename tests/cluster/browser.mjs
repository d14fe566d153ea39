// Pages running the crm-wasm package (tests/robustness' page and browser harness), pointed at
// the cluster's balancer: a signed-in client that writes, and its Live Query subscription.
import { startBrowser } from '../robustness/harness.mjs';
import { BALANCER } from './harness.mjs';

export { startBrowser };

/** Signs `token` in on `page`, subscribes to the user's deals whose title starts with `prefix`;
 * window.s = { client, live, sub, seen } (seen: objectId -> [ms, title, caughtUp]). */
export async function subscribedClient(page, token, prefix) {
  const ok = await page.evaluate(async ({ url, token, prefix }) => {
    const { CrmClient, LiveQueryClient } = window.crm;
    const client = new CrmClient({ serverUrl: url, appId: 'crm', javascriptKey: 'crm-js-key', persistSession: false });
    await client.become(token);
    const live = new LiveQueryClient(client, { reconnectBaseMs: 200, reconnectMaxMs: 2000 });
    const seen = new Map();
    const sub = live.subscribe(client.deals().startsWith('title', prefix), (e) => {
      if (e.kind !== 'delete' && !seen.has(e.object.objectId)) seen.set(e.object.objectId, [Date.now(), e.object.title, e.caughtUp]);
    });
    const deadline = Date.now() + 20000;
    while (!live.isSubscribed(sub) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    window.s = { client, live, sub, seen };
    return live.isSubscribed(sub);
  }, { url: BALANCER, token, prefix });
  if (!ok) throw new Error('not subscribed within 20 s');
}

/** Writes `count` deals titled `${prefix}${i}` one after another (`gapMs` apart) with the
 * page's client; answers { ids, errors }. Resolves when all are written. */
export function writeDeals(page, prefix, from, count, gapMs = 0) {
  return page.evaluate(async ({ prefix, from, count, gapMs }) => {
    const ids = [];
    const errors = [];
    for (let i = from; i < from + count; i++) {
      try {
        ids.push((await window.s.client.createDeal({ title: `${prefix}${i}`, amount: i, stage: 'lead' })).objectId);
      } catch (e) {
        errors.push(`${i}: ${e.code}: ${e.message}`);
      }
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    }
    return { ids, errors };
  }, { prefix, from, count, gapMs });
}

/** Waits until the page's subscription has seen `n` deals (or `ms` pass); answers what it saw. */
export async function waitSeen(page, n, ms = 60000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const entries = await page.evaluate(() => [...window.s.seen.entries()]);
    if (entries.length >= n || Date.now() > deadline) return entries;
    await new Promise((r) => setTimeout(r, 250));
  }
}
