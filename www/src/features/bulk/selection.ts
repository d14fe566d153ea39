// Which rows of a list are selected: ids, kept only while their rows are shown (a new search or
// filter drops the others, so an action never touches a row the user cannot see).
import { useCallback, useMemo, useState } from 'react';

export function useSelection(shown: string[]) {
  const [picked, setPicked] = useState<ReadonlySet<string>>(() => new Set());
  const visible = useMemo(() => new Set(shown), [shown]);
  const selected = useMemo(() => shown.filter((id) => picked.has(id)), [shown, picked]);
  const toggle = useCallback((id: string, on: boolean) => setPicked((p) => {
    const next = new Set(p);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  }), []);
  const setAll = useCallback((on: boolean) => setPicked(on ? new Set(visible) : new Set()), [visible]);
  const clear = useCallback(() => setPicked(new Set()), []);
  return {
    selected,
    has: (id: string) => picked.has(id) && visible.has(id),
    toggle,
    setAll,
    clear,
    /** Whether there is anything to select. */
    any: shown.length > 0,
    all: shown.length > 0 && selected.length === shown.length,
    some: selected.length > 0 && selected.length < shown.length,
  };
}

export type Selection = ReturnType<typeof useSelection>;
