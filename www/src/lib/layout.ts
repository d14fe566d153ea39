// The phone layout's breakpoint, the one styles.css switches at (@media (max-width: 48em)).
import { useMediaQuery } from '@mantine/hooks';

/** Whether the screen is phone-sized (48em, 768 px, or narrower). */
export function usePhone(): boolean {
  return useMediaQuery('(max-width: 48em)', false) ?? false;
}

/** The navigation's width on a desktop (the shell's side bar). */
export const NAV_WIDTH = 210;
