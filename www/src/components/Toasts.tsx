// Where notifications show: bottom left, where the deal drawer (on the right) is not. On a
// desktop, inside the navigation's empty foot, as wide as it: at the default 440 px a toast (an
// Undo after every move) covered the board's first column and the cards under it for 8 s. On a
// phone, across the screen above the content, as before.
import { Notifications } from '@mantine/notifications';
import { NAV_WIDTH, usePhone } from '../lib/layout';

/** Mantine's margin of the toasts from the screen's edge (spacing md), kept on both sides. */
const MARGIN = 16;

export function Toasts() {
  const phone = usePhone();
  return (
    // Three at most: a longer stack covered the card menu above it on a phone.
    <Notifications position="bottom-left" limit={3} containerWidth={phone ? 440 : NAV_WIDTH - 2 * MARGIN} />
  );
}
