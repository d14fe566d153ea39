// Contacts and companies written in another tab of this browser, told to this one. The server
// streams only deals and activities (Live Query), so the contacts and companies lists stayed as
// they were until a reload: a contact added in one tab never showed in the other. Each write made
// through records.ts (and an import) is posted on a BroadcastChannel, and the lists read again on
// it; they also read again when their tab is shown after being hidden (written elsewhere meanwhile:
// another device, a colleague).
import { useEffect } from 'react';

export type ListedClass = 'Contact' | 'Company';

const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel('crm-records');

/** Tells the other tabs that records of `className` changed (not this one: its screens reload
 * after their own writes). */
export function tellOtherTabs(className: string) {
  if (className === 'Contact' || className === 'Company') channel?.postMessage({ className });
}

/** Calls `reload` when another tab wrote a record of one of `classes`, and when the tab is shown
 * again after being hidden. */
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
    channel?.addEventListener('message', onMessage);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      channel?.removeEventListener('message', onMessage);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [key, reload]);
}
