// Says that what is shown is someone else's, shared with the user to read (see data/access.ts):
// a notice in place of a form's buttons, or a lock in place of a row's actions.
import { Alert, ThemeIcon, Tooltip } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';

export function SharedNotice({ what, owner }: { what: string; owner: string }) {
  return (
    <Alert color="blue" variant="light" icon={<IconLock size={18} />} data-testid="shared-notice">
      This {what} is {owner}'s, shared with you to read: only {owner} can change or delete it.
    </Alert>
  );
}

export function SharedMark({ name, owner }: { name: string; owner: string }) {
  const label = `${owner.charAt(0).toUpperCase()}${owner.slice(1)}'s, shared with you to read`;
  return (
    <Tooltip label={label}>
      <ThemeIcon variant="transparent" color="gray" size="sm" role="img" aria-label={`${name}: ${label}`}><IconLock size={14} /></ThemeIcon>
    </Tooltip>
  );
}
