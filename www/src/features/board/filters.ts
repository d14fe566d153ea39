// The board's filters live in the URL (?q=&overdue=1&mine=1&owner=&from=&before=), so a reload, the back
// button and a shared link keep them; the dashboard reads the same ones and says so.
import { useEffect, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { Pipeline } from 'crm-wasm';
import { useMyTeam } from '../../data/team';
import { dayToIso, formatDate } from '../../lib/format';

export interface BoardFilters {
  q: string;
  overdue: boolean;
  mine: boolean;
  /** A user's objectId: deals assigned to them. */
  owner: string;
  from: string;
  before: string;
}

const KEYS = ['q', 'overdue', 'mine', 'owner', 'from', 'before'] as const;

export function useBoardFilters() {
  const [params, setParams] = useSearchParams();
  const { nameOf } = useMyTeam();
  // Kept while the filters' own values are the same: another parameter changing (the view)
  // must not filter the pipeline again and redraw every card.
  const key = KEYS.map((k) => params.get(k) ?? '').join('\n');
  const filters: BoardFilters = useMemo(() => {
    const [q, overdue, mine, owner, from, before] = key.split('\n');
    return { q, overdue: overdue === '1', mine: mine === '1', owner, from, before };
  }, [key]);
  // From the address bar as it is now, never from a render's copy of it: a handler kept from an
  // earlier render (a picker's, a Select's) must not put a cleared filter back.
  const current = () => new URLSearchParams(window.location.search);
  const setFilter = (patch: Partial<BoardFilters>) => {
    setParams(
      () => {
        const next = current();
        for (const [k, v] of Object.entries(patch)) {
          if (v === '' || v === false || v === undefined) next.delete(k);
          else next.set(k, v === true ? '1' : String(v));
        }
        return next;
      },
      { replace: true },
    );
  };
  const clear = () => setParams(() => {
    const next = current();
    for (const k of KEYS) next.delete(k);
    return next;
  }, { replace: true });
  return { filters, setFilter, clear, active: describeFilters(filters, nameOf) };
}

/** The filters in words ("matching “acme” · overdue"), empty when none applies. */
export function describeFilters(f: BoardFilters, nameOf: (id: string) => string | undefined = () => undefined): string[] {
  const parts: string[] = [];
  if (f.q) parts.push(`title matching “${f.q}”`);
  if (f.overdue) parts.push('overdue');
  if (f.mine) parts.push('assigned to me');
  if (f.owner) parts.push(`owned by ${nameOf(f.owner) ?? 'a colleague'}`);
  if (f.from) parts.push(`closing from ${formatDate(dayToIso(f.from))}`);
  if (f.before) parts.push(`closing before ${formatDate(dayToIso(f.before))}`);
  return parts;
}

/** Applies the URL's filters to the pipeline (the board and the dashboard both show it). */
export function useApplyFilters(pipeline: Pipeline, filters: BoardFilters, me: string | undefined) {
  useEffect(() => {
    pipeline.setFilter({
      text: filters.q || undefined,
      overdue: filters.overdue || undefined,
      // "Assigned to me" and an owner together: deals of either.
      assignees: filters.owner || (filters.mine && me) ? [...new Set([filters.owner, filters.mine ? me : ''].filter((x): x is string => !!x))] : undefined,
      closeFrom: filters.from ? dayToIso(filters.from) : undefined,
      closeBefore: filters.before ? dayToIso(filters.before) : undefined,
    });
  }, [pipeline, filters, me]);
}
