// Where closing a deal returns to: the page it was opened from (a contact, a company, My day),
// carried in the link's history state; the board when it was opened there or from an address.
import { useLocation } from 'react-router';

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
