import { useEffect, useRef, useState, type RefObject } from 'react';
import { useBlocker } from 'react-router';
import { Button, Group, Modal, Text, getDefaultZIndex } from '@mantine/core';

/** A form with unsaved changes, as the one navigation blocker sees it. */
interface Guard {
  dirty: () => boolean;
  /** Asks the user; `leave` lets the held navigation go on, `stay` drops it. */
  ask: (leave: () => void, stay: () => void) => void;
}
const guards = new Set<Guard>();

/** A navigation that leaves whatever form is open on purpose (logged out, the session ended):
 * pass it as the navigation's state and no form holds it. */
export const LEAVING = { leaving: true };

/** The first form on screen holding changes not saved yet. */
const dirtyGuard = () => [...guards].find((g) => g.dirty());

/** Whether a form on screen holds changes not saved yet. */
export function hasUnsavedChanges(): boolean {
  return dirtyGuard() !== undefined;
}

/** Leaving every form at once on purpose (a log-out): one with unsaved changes asks first, as a
 * navigation away from it does. Resolves true to go on (nothing unsaved, or discarded), false to
 * stay (Keep editing). A log-out dropped a contact's or company's edits without a word. */
export function confirmLeaving(): Promise<boolean> {
  const guard = dirtyGuard();
  if (!guard) return Promise.resolve(true);
  return new Promise((resolve) => guard.ask(() => resolve(true), () => resolve(false)));
}

/** Mounted once (the shell: a router takes one blocker): a navigation in the app (a link, the
 * navigation, a search hit, Back) away from a form with unsaved changes is held and the form
 * asks first, as closing it does. Without it, a link in a deal's drawer or the navigation beside
 * a contact's page dropped the edits without a word. Filters and views (the same page, another
 * query) are never held. */
export function useLeaveBlocker() {
  const blocker = useBlocker(({ currentLocation, nextLocation }) =>
    currentLocation.pathname !== nextLocation.pathname
    && !(nextLocation.state as typeof LEAVING | null)?.leaving
    && hasUnsavedChanges());
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    const guard = dirtyGuard();
    if (guard) guard.ask(() => blocker.proceed(), () => blocker.reset());
    else blocker.proceed();
  }, [blocker]);
}

/** Closing a form with unsaved changes asks first (Escape, the close button, a click outside,
 * Cancel), and so does leaving it for another page of the app (useLeaveBlocker) or leaving the
 * page itself: an edit is never dropped without a word. `request` is what the form's closers
 * call; `dialog` is rendered with the form. `closingRef` is where the modal or drawer around the
 * form finds its closer (`request`); while `held` (another dialog over the form answers its own
 * Escape, which the one around hears too) it does nothing. */
export function useDiscardGuard(dirty: boolean, close: () => void, what: string, closingRef: RefObject<(() => void) | null>, held = false) {
  const [asking, setAsking] = useState(false);
  // A navigation held until the user answers (none when the form's own closer asked).
  const leaving = useRef<{ leave: () => void; stay: () => void } | null>(null);
  // Discarded: the close or navigation that follows is not held again.
  const discarded = useRef(false);
  useEffect(() => {
    if (!dirty) {
      discarded.current = false;
      return;
    }
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    const guard: Guard = {
      dirty: () => !discarded.current,
      ask: (leave, stay) => {
        leaving.current = { leave, stay };
        setAsking(true);
      },
    };
    guards.add(guard);
    return () => {
      window.removeEventListener('beforeunload', warn);
      guards.delete(guard);
      // Gone (the record deleted, the form closed) or saved while a navigation waited for its
      // question: nothing is left to ask about, so the navigation goes on (it stayed held, with
      // no question on screen).
      const held = leaving.current;
      leaving.current = null;
      if (held) held.leave();
    };
  }, [dirty]);
  // The question opens once the event that asked has been handled: opened during an Escape's
  // dispatch, its own Escape listener (on window) heard that same key and closed it at once.
  // While the question is open, an Escape is its own (keep editing): the form's closer, which
  // hears it too, then does nothing.
  const request = () => {
    if (asking) return;
    if (dirty) setTimeout(() => setAsking(true), 0);
    else close();
  };
  useEffect(() => {
    closingRef.current = () => {
      if (!held) request();
    };
    return () => {
      closingRef.current = null;
    };
  });
  const keep = () => {
    setAsking(false);
    leaving.current?.stay();
    leaving.current = null;
  };
  const discard = () => {
    setAsking(false);
    discarded.current = true;
    const held = leaving.current;
    leaving.current = null;
    if (held) held.leave();
    else close();
  };
  // Over any other dialog of the form's (Delete this contact?): Back pressed while one was open
  // put the question behind it, unseen, with the navigation held until it was answered.
  const dialog = (
    <Modal opened={asking} onClose={keep} title="Discard your changes?" centered zIndex={getDefaultZIndex('modal') + 1}>
      <Text size="sm">Your changes to {what} are not saved.</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={keep} data-autofocus>Keep editing</Button>
        <Button color="red" onClick={discard}>Discard changes</Button>
      </Group>
    </Modal>
  );
  /** The edits go with the record (deleted): the close or navigation that follows asks nothing. */
  const drop = () => {
    discarded.current = true;
  };
  return { request, dialog, drop };
}

/** useDiscardGuard for a page's form (a record's, the settings'): nothing around it to close,
 * so only leaving the page (a link, the navigation, Back, a log-out, closing the tab) asks. */
export function usePageDiscardGuard(dirty: boolean, what: string) {
  const closingRef = useRef<(() => void) | null>(null);
  return useDiscardGuard(dirty, () => undefined, what, closingRef);
}
