// Contacts and companies written elsewhere, told to this tab's lists, which read again: written on
// another device or by a colleague, through the workspace's Live Query subscriptions
// (changedElsewhere); in another tab of this browser, even offline, through a BroadcastChannel
// (each write made through records.ts, and an import, is posted on it); and when the tab is shown
// after being hidden (a connection lost meanwhile). A contact added in one tab never showed in
// the other until a reload.
import { useEffect } from 'react';

export type ListedClass = 'Contact' | 'Company';

const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel('crm-records');
const here = new EventTarget();

/** Records of `className` changed on the server, written by another device or a colleague. */
export function changedElsewhere(className: ListedClass) {
  here.dispatchEvent(new CustomEvent('changed', { detail: className }));
}

/** Tells the other tabs that records of `className` changed (not this one: its screens reload
 * after their own writes). */
export function tellOtherTabs(className: string) {
  if (className === 'Contact' || className === 'Company') channel?.postMessage({ className });
}

/** Calls `reload` when a record of one of `classes` was written elsewhere (another tab, another
 * device, a colleague), and when the tab is shown again after being hidden. */
export function useOtherTabs(classes: readonly ListedClass[], reload: () => void) {
  const key = classes.join(',');
  useEffect(() => {
    const wanted = key.split(',');
    const onMessage = (e: MessageEvent<{ className?: string }>) => {
      if (wanted.includes(e.data?.className ?? '')) reload();
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') reload();
    };
    const onChanged = (e: Event) => {
      if (wanted.includes((e as CustomEvent<string>).detail)) reload();
    };
    channel?.addEventListener('message', onMessage);
    document.addEventListener('visibilitychange', onVisible);
    here.addEventListener('changed', onChanged);
    return () => {
      channel?.removeEventListener('message', onMessage);
      document.removeEventListener('visibilitychange', onVisible);
      here.removeEventListener('changed', onChanged);
    };
  }, [key, reload]);
}
