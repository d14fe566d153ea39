// The board's filters live in the URL (?q=&overdue=1&mine=1&owner=&from=&before=), so a reload, the back
// button and a shared link keep them; the dashboard reads the same ones and says so.
import { useEffect, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { ColumnSummary, Deal, Pipeline, Sort, SortKey } from 'crm-wasm';
import { useMyTeam } from '../../data/team';
import { byText, dayToIso, formatDate } from '../../lib/format';
import { localDay } from '../../lib/dates';
import { STAGES, stageInfo } from '../../lib/stages';

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
  if (f.q) parts.push(`with “${f.q}” in the title or company`);
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
      // The user's day, as the cards count "Overdue" (isOverdue).
      today: filters.overdue ? dayToIso(localDay()) : undefined,
      // "Assigned to me" and an owner together: deals of either.
      assignees: filters.owner || (filters.mine && me) ? [...new Set([filters.owner, filters.mine ? me : ''].filter((x): x is string => !!x))] : undefined,
      closeFrom: filters.from ? dayToIso(filters.from) : undefined,
      closeBefore: filters.before ? dayToIso(filters.before) : undefined,
    });
  }, [pipeline, filters, me]);
}

/** The order of the deals (?sort=amount, -amount, title, close, -updated…, a leading "-" for
 * descending), kept in the URL with the filters; none is the board's own: by stage, and in each
 * stage by expected close date. Not a filter: "Clear filters" leaves it. */
const SORT_NAMES: Record<string, SortKey> = { close: 'expectedCloseDate', updated: 'updatedAt', amount: 'amount', title: 'title' };
const BY_STAGE: Sort = { key: 'expectedCloseDate', descending: false };

function parseSort(raw: string): Sort | null {
  const descending = raw.startsWith('-');
  const key = SORT_NAMES[descending ? raw.slice(1) : raw];
  return key ? { key, descending } : null;
}

function formatSort(sort: Sort): string {
  const name = Object.keys(SORT_NAMES).find((n) => SORT_NAMES[n] === sort.key)!;
  return `${sort.descending ? '-' : ''}${name}`;
}

export function useDealSort() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('sort') ?? '';
  const sort = useMemo(() => parseSort(raw), [raw]);
  const setSort = (next: Sort | null) => setParams(() => {
    const p = new URLSearchParams(window.location.search);
    if (next) p.set('sort', formatSort(next));
    else p.delete('sort');
    return p;
  }, { replace: true });
  const setSortParam = (value: string) => setSort(parseSort(value));
  return { sort, setSort, sortParam: sort ? formatSort(sort) : '', setSortParam };
}

/** Each order in words; the first four are offered, the others shown when the list's headers
 * chose them. '' is the board's own order: by stage, each open stage closing soonest first, Won
 * and Lost the latest first (boardPage). */
const SORT_LABELS: Record<string, string> = {
  '': 'Closing soonest',
  '-amount': 'Largest amount',
  '-updated': 'Recently updated',
  title: 'Title A–Z',
  close: 'Closing soonest, every stage',
  '-close': 'Closing latest',
  amount: 'Smallest amount',
  updated: 'Least recently updated',
  '-title': 'Title Z–A',
};

/** The orders to choose from, with `current`; in the list, '' reads "By stage". */
export function sortChoices(current: string, list: boolean) {
  const values = ['', '-amount', '-updated', 'title'];
  if (!values.includes(current)) values.push(current);
  return values.map((value) => ({ value, label: value === '' && list ? 'By stage' : SORT_LABELS[value] ?? value }));
}

/** The order each pipeline's columns were last sorted in. */
const applied = new WeakMap<Pipeline, string>();

/** Sorts the pipeline's columns by the URL's order (close date when none). Only a change is
 * applied: sorting again redraws every column, and the board mounts at each visit. */
export function useApplySort(pipeline: Pipeline, sort: Sort | null) {
  useEffect(() => {
    const next = sort ?? BY_STAGE;
    const key = formatSort(next);
    if ((applied.get(pipeline) ?? formatSort(BY_STAGE)) === key) return;
    applied.set(pipeline, key);
    pipeline.setSort(next);
  }, [pipeline, sort]);
}

/** `a` before `b` in `sort`'s order; a missing value last either way, as the pipeline has it. */
export function compareDeals(sort: Sort) {
  const value = (d: Deal): string | number | undefined => {
    switch (sort.key) {
      case 'amount': return d.amount ?? undefined;
      case 'title': return d.title ?? '';
      case 'updatedAt': return d.updatedAt ?? undefined;
      default: return d.expectedCloseDate ?? undefined;
    }
  };
  return (a: Deal, b: Deal) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    const o = typeof x === 'string' && typeof y === 'string' && sort.key === 'title' ? byText(x, y) : x < y ? -1 : x > y ? 1 : 0;
    return sort.descending ? -o : o;
  };
}

/** A company's or a contact's deals: open ones first, in the pipeline's order, then won, then
 * lost, each by title (A–Z over all of them mixed a lost deal in among the live ones). */
export function byStageThenTitle(a: Deal, b: Deal): number {
  const rank = (d: Deal) => {
    const i = STAGES.findIndex((s) => s.id === d.stage);
    return i < 0 ? STAGES.length : i;
  };
  return rank(a) - rank(b) || byText(a.title ?? '', b.title ?? '');
}

/** How many deals of a column have a close date, for each pipeline version. */
const datedCounts = new WeakMap<Pipeline, { version: number; counts: Map<string, number> }>();

/** The pipeline's order, closing soonest, puts the deals with no close date at the end: the first
 * of them found by halving (a deal read each step), once per change of the pipeline (a column
 * draws again at every scroll). */
function datedCount(pipeline: Pipeline, stage: ColumnSummary['stage'], count: number): number {
  let held = datedCounts.get(pipeline);
  if (!held || held.version !== pipeline.version) {
    held = { version: pipeline.version, counts: new Map() };
    datedCounts.set(pipeline, held);
  }
  const known = held.counts.get(stage);
  if (known !== undefined) return known;
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pipeline.page(stage, mid, 1)[0]?.expectedCloseDate) lo = mid + 1;
    else hi = mid;
  }
  held.counts.set(stage, lo);
  return lo;
}

/** Cards `offset .. offset + limit` of a column in the board's own order (no sort chosen): an
 * open stage closing soonest first, as the pipeline sorts it; Won and Lost the most recent first
 * (the latest close date; deals with none still last). Won and Lost showed their oldest deals
 * first, so a deal just won was somewhere down the column. */
export function boardPage(pipeline: Pipeline, stage: ColumnSummary['stage'], count: number, offset: number, limit: number): Deal[] {
  if (!stageInfo(stage).closed) return pipeline.page(stage, offset, limit);
  const dated = datedCount(pipeline, stage, count);
  const end = Math.min(offset + limit, count);
  const out: Deal[] = [];
  // Positions before `dated` read the dated deals backwards; the rest are the undated, in order.
  const reversedEnd = Math.min(end, dated);
  if (reversedEnd > offset) out.push(...pipeline.page(stage, dated - reversedEnd, reversedEnd - offset).reverse());
  const from = Math.max(offset, dated);
  if (end > from) out.push(...pipeline.page(stage, from, end - from));
  return out;
}

/** Every deal the board or the list shows, in the order shown there: stage by stage on the board
 * (and in the list with no sort chosen), across stages in the list with a sort. An export writes
 * its rows in this order (it followed the board's stages whatever the list's sort was). */
export function dealsAsShown(pipeline: Pipeline, sort: Sort | null, list: boolean, limit = Infinity): Deal[] {
  const out: Deal[] = [];
  for (const c of pipeline.columns()) {
    if (sort) {
      // Each stage is sorted already: the first `limit` of all are among the first of each.
      out.push(...pipeline.page(c.stage, 0, Math.min(c.count, limit)));
    } else {
      out.push(...boardPage(pipeline, c.stage, c.count, 0, Math.min(c.count, limit - out.length)));
      if (out.length >= limit) break;
    }
  }
  // A stable sort of the stages' concatenation: ties keep the board's order.
  if (sort && list) out.sort(compareDeals(sort));
  return out.slice(0, limit);
}
