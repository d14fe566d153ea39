// Activities: the writes the screens make (log, done, reschedule, edit; delete is in actions), online through the client and
// offline through the local store's queue, and each deal's and contact's next step. Every write
// tells the screens that show activities (My day, timelines, cards) to read them again.
import { useEffect, useMemo } from 'react';
import type { Activity, Changes, CrmQuery } from 'crm-wasm';
import { useSession } from './context';
import { useQuery } from './hooks';
import { isOffline } from './records';
import type { Workspace } from './workspace';

const listeners = new Set<() => void>();
/** Calls `listener` after any activity was written here. */
export function onActivitiesChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
/** Tells the screens that show activities to read them again (after a write made here). */
export function activitiesChanged() {
  for (const l of [...listeners]) l();
}

export async function createActivity(w: Workspace, activity: Activity): Promise<void> {
  if (isOffline(w)) await w.state.local!.create('Activity', activity);
  else await w.client.createActivity(activity);
  activitiesChanged();
}

export async function updateActivity(w: Workspace, id: string, changes: Changes<Activity>): Promise<void> {
  if (isOffline(w)) await w.state.local!.update('Activity', id, changes);
  else await w.client.updateActivity(id, changes);
  activitiesChanged();
}

/** A query's answer that is read again after every activity write. */
export function useActivities(make: () => CrmQuery<Activity>, key: string, all = false) {
  const result = useQuery<Activity>(make, key, all);
  const { reload } = result;
  useEffect(() => onActivitiesChanged(reload), [reload]);
  return result;
}

export type NextOf = (className: 'Deal' | 'Contact', objectId: string) => Activity | null | undefined;

/** Each deal's and contact's next open activity (the earliest due): null when none is planned,
 * undefined while unknown. */
export function useNextActivities(): NextOf | undefined {
  const { client } = useSession();
  const open = useActivities(() => client.activities().doesNotExist('completedAt').exists('dueDate').ascending('dueDate'), 'next-activities', true);
  return useMemo(() => {
    if (!open.data) return undefined;
    const next = new Map<string, Activity>();
    for (const a of open.data) {
      const key = a.relatedTo && `${a.relatedTo.className}:${a.relatedTo.objectId}`;
      if (key && !next.has(key)) next.set(key, a);
    }
    return (className, objectId) => next.get(`${className}:${objectId}`) ?? null;
  }, [open.data]);
}
