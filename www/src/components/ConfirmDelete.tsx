import type { ReactNode } from 'react';
import { Button, Group, Modal, Text } from '@mantine/core';

/** A delete that asks first, saying what will happen. */
export function ConfirmDelete({ opened, title, children, onCancel, onConfirm, busy }: {
  opened: boolean;
  title: string;
  children: ReactNode;
  onCancel: () => void;
  onConfirm: () => void;
  busy?: boolean;
}) {
  return (
    <Modal opened={opened} onClose={onCancel} title={title} centered>
      <Text size="sm" component="div">{children}</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onCancel}>Cancel</Button>
        <Button color="red" onClick={onConfirm} loading={busy}>Delete</Button>
      </Group>
    </Modal>
  );
}
