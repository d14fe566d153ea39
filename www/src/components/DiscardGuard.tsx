import { useEffect, useState, type RefObject } from 'react';
import { Button, Group, Modal, Text } from '@mantine/core';

/** Closing a form with unsaved changes asks first (Escape, the close button, a click outside,
 * Cancel), and leaving the page warns: an edit is never dropped without a word. `request` is
 * what the form's closers call; `dialog` is rendered with the form. `closingRef` is where the
 * modal or drawer around the form finds its closer (`request`); while `held` (another dialog
 * over the form answers its own Escape, which the one around hears too) it does nothing. */
export function useDiscardGuard(dirty: boolean, close: () => void, what: string, closingRef: RefObject<(() => void) | null>, held = false) {
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
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
  const dialog = (
    <Modal opened={asking} onClose={() => setAsking(false)} title="Discard your changes?" centered>
      <Text size="sm">Your changes to {what} are not saved.</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={() => setAsking(false)} data-autofocus>Keep editing</Button>
        <Button color="red" onClick={() => { setAsking(false); close(); }}>Discard changes</Button>
      </Group>
    </Modal>
  );
  return { request, dialog };
}
