// A search box whose text is kept in the URL (a reload, Back and a shared link keep it).
import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import { CloseButton, TextInput, type TextInputProps } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';

/** Shows what was typed at once and hands each change to `onChange` (which puts it in the URL).
 * Bound to the URL's text directly, the field showed the address as it was a render ago, which
 * lags behind the keys when the page is slow to redraw: letters typed in between were lost
 * ("renewal" became "rnewal"). A `value` that is not one of its own changes coming back (Back,
 * a cleared filter) replaces the text.
 *
 * Handed on once the keys pause (`SETTLE_MS`), not on every key: each change filters and redraws
 * the whole list or board, which on a slow phone took longer than a key (20x CPU slow-down in
 * dev mode: 2 s a letter). Clearing is handed on at once. */
/** How long the keys must pause before the search is applied: short enough to feel immediate. */
const SETTLE_MS = 150;

export function SearchInput({ value, onChange, ...props }: Omit<TextInputProps, 'value' | 'onChange'> & {
  value: string;
  onChange: (value: string) => void;
}) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  // Changes handed on and not seen back yet, oldest first.
  const [sent, setSent] = useState<string[]>([]);
  if (value !== seen) {
    setSeen(value);
    const echo = sent.indexOf(value);
    if (echo >= 0) {
      setSent(sent.slice(echo + 1));
    } else {
      setSent([]);
      setText(value);
    }
  }
  const pending = useRef<{ timer: ReturnType<typeof setTimeout>; handOn: () => void }>(undefined);
  useEffect(() => () => clearTimeout(pending.current?.timer), []);
  // The screen the field is on: a change handed on once the user has left it (a menu link
  // clicked within the pause, the next screen still loading) wrote this screen's address over
  // the new one, and the click did nothing.
  const { pathname } = useLocation();
  const change = (next: string, settled = false) => {
    setText(next);
    clearTimeout(pending.current?.timer);
    pending.current = undefined;
    const handOn = () => {
      pending.current = undefined;
      if (window.location.pathname !== pathname) return;
      setSent((s) => [...s, next]);
      onChange(next);
    };
    if (settled) handOn();
    else pending.current = { timer: setTimeout(handOn, SETTLE_MS), handOn };
  };
  // Leaving the field (a click elsewhere, a link) hands the text on at once.
  const flush = () => {
    const waiting = pending.current;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    waiting.handOn();
  };
  return (
    <TextInput
      leftSection={<IconSearch size={16} />}
      rightSection={text ? <CloseButton size="sm" aria-label="Clear search" onClick={() => change('', true)} /> : null}
      {...props}
      value={text}
      onChange={(e) => change(e.currentTarget.value)}
      onBlur={(e) => {
        flush();
        props.onBlur?.(e);
      }}
    />
  );
}
