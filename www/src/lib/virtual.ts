/**
 * The app's list virtualiser: TanStack Virtual's core, re-rendered at most once per animation
 * frame.
 *
 * `useVirtualizer` re-renders on every change it notices: each scroll event, and each card that
 * the ResizeObserver finds taller or shorter than estimated. A fast scroll on a slow machine put
 * the two in alternate React updates (a scroll's, then a resize's, then the next scroll's) with
 * one always pending when the other committed; React 19 counts such commits as nested updates
 * and, past 50, throws "Maximum update depth exceeded" from the scroll handler (seen scrolling a
 * 2,500-card column). Here a change only asks for a frame; the frame renders once, before the
 * paint, whatever changed since the last one.
 */
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  observeElementRect,
  type VirtualizerOptions,
} from '@tanstack/react-virtual';

type FrameVirtualizerOptions<S extends Element, I extends Element> = Omit<
  VirtualizerOptions<S, I>,
  'observeElementRect' | 'observeElementOffset' | 'scrollToFn' | 'onChange'
>;

/** Runs the latest `render` in the next animation frame, once however often it is asked. */
function frameScheduler() {
  let frame = 0;
  let render: (() => void) | undefined;
  const run = () => {
    frame = 0;
    // In a frame callback, never inside React's own work: rendered now, painted this frame.
    if (render) flushSync(render);
  };
  return {
    request(next: () => void) {
      render = next;
      if (!frame) frame = requestAnimationFrame(run);
    },
    /** Unmounted: the frame asked for is not run. */
    pause() {
      const pending = frame !== 0;
      cancelAnimationFrame(frame);
      frame = 0;
      return pending;
    },
    /** Mounted again (StrictMode's practice unmount in dev): a frame cancelled by `pause` is asked
     * for again. Without it the columns came up empty in dev mode: the virtualiser's change had
     * asked for its frame already, and the range did not change again to ask for another. */
    resume(wasPending: boolean) {
      if (wasPending && !frame) frame = requestAnimationFrame(run);
    },
  };
}

export function useFrameVirtualizer<S extends Element, I extends Element>(options: FrameVirtualizerOptions<S, I>): Virtualizer<S, I> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [frames] = useState(frameScheduler);
  const pending = useRef(false);
  const resolved: VirtualizerOptions<S, I> = {
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    ...options,
    onChange: () => frames.request(rerender),
  };
  const [virtualizer] = useState(() => new Virtualizer(resolved));
  virtualizer.setOptions(resolved);
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => virtualizer._willUpdate());
  useEffect(() => {
    frames.resume(pending.current);
    return () => {
      pending.current = frames.pause();
    };
  }, [frames]);
  return virtualizer;
}
