// Where closing a deal returns to: the page it was opened from (a contact, a company, My day),
// carried in the link's history state; the board when it was opened there or from an address.
import { useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router';

export interface BackState {
  back?: string;
}

/** The link state for opening a deal from the page shown now. */
export function useBackState(): BackState {
  const location = useLocation();
  return { back: `${location.pathname}${location.search}` };
}

/** The page a deal was opened from, if it came with the link. */
export function backFrom(state: unknown): string | undefined {
  const back = (state as BackState | null)?.back;
  return typeof back === 'string' && back.startsWith('/') && !back.startsWith('//') ? back : undefined;
}

/** The address shown at each history index of this page's session (react-router keeps the index
 * in `history.state.idx`), as the app saw it: so closing a deal can tell whether the entry before
 * it is the page it returns to. */
const trail = new Map<number, string>();
const historyIndex = (): number | undefined => {
  const idx = (window.history.state as { idx?: unknown } | null)?.idx;
  return typeof idx === 'number' ? idx : undefined;
};

/** Records the address of every history entry the app shows (mounted once, in the shell). */
export function useHistoryTrail() {
  const { pathname, search } = useLocation();
  useEffect(() => {
    const idx = historyIndex();
    if (idx !== undefined) trail.set(idx, `${pathname}${search}`);
  }, [pathname, search]);
}

/** Leaves a page opened over another (a deal over the board) for `to`: back through history
 * when the entry before is `to` itself, else in place of this entry. Pushing `to` left the deal
 * one Back away: closing a deal and then pressing Back opened it again. */
export function useCloseTo(): (to: string) => void {
  const navigate = useNavigate();
  return (to: string) => {
    const idx = historyIndex();
    if (idx !== undefined && idx > 0 && trail.get(idx - 1) === to) void navigate(-1);
    else void navigate(to, { replace: true });
  };
}
