// When the phone layout applies: the media query styles.css switches at too.
import { useState } from 'react';
import { useMediaQuery } from '@mantine/hooks';

/** Phone-sized: 48em (768 px) wide or narrower, or a touch screen under 30em (480 px) tall, a
 * phone turned sideways (844 x 390 got the desktop layout: a side bar and every column of the
 * board in 300 px of height). */
export const PHONE_MEDIA = '(max-width: 48em), (max-height: 30em) and (pointer: coarse)';

/** Whether the phone layout applies (PHONE_MEDIA). Known from the first render (the app is
 * rendered in the browser only): read in an effect, a phone drew the desktop layout first, and
 * the lists' add forms folded away in front of the user. Read once per component, not on every
 * render: matchMedia makes the browser bring its styles up to date. */
export function usePhone(): boolean {
  const [initial] = useState(() => window.matchMedia(PHONE_MEDIA).matches);
  return useMediaQuery(PHONE_MEDIA, initial);
}

/** The navigation's width on a desktop (the shell's side bar). */
export const NAV_WIDTH = 210;
