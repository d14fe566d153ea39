// A list's add form (contacts, companies): above the list on a desktop; on a phone folded behind
// a "New …" button in the page's header, since open it took the top half of the screen before
// the list. Text typed and not added yet asks before the page is left, as every form does.
import { useRef, useState } from 'react';
import { Button } from '@mantine/core';
import { IconPlus, IconX } from '@tabler/icons-react';
import { usePageDiscardGuard } from './DiscardGuard';
import { usePhone } from '../lib/layout';

export function useAddForm(noun: string, dirty: boolean) {
  const phone = usePhone();
  const [open, setOpen] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  const { dialog } = usePageDiscardGuard(dirty, `the new ${noun}`);
  const toggle = phone ? (
    <Button variant={open ? 'default' : 'filled'} leftSection={open ? <IconX size={16} /> : <IconPlus size={16} />} aria-expanded={open} onClick={() => setOpen(!open)}>
      {open ? 'Close' : `New ${noun}`}
    </Button>
  ) : null;
  return {
    /** The header's button (a phone only). */
    toggle,
    /** Whether the form shows. */
    shown: !phone || open,
    /** The form's first field, focused once the form has opened (its Collapse's onTransitionEnd:
     * a field is not focusable while the fold hides it). */
    first,
    opened: () => {
      if (open) first.current?.focus();
    },
    /** Added: on a phone the form folds again, so the list shows the new row. */
    added: () => setOpen(false),
    dialog,
  };
}
