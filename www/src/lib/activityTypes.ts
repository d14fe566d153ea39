// The kinds of activity in words, for every screen that names one (the kinds themselves come
// from the wasm module's activityTypes()).
import type { ActivityType } from 'crm-wasm';

export const ACTIVITY_LABELS: Record<ActivityType, string> = { call: 'Call', email: 'E-mail', meeting: 'Meeting', note: 'Note' };

/** A kind of activity in words; one this app does not know, as it is written. */
export const activityLabel = (type: string | undefined) => (type ? ACTIVITY_LABELS[type as ActivityType] ?? type : '');
