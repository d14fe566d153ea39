// A deal's or contact's next step: its next open activity, or a flag when none is planned
// (closed deals are not flagged). The cards, the deal record and the contact record show it.
import { Text } from '@mantine/core';
import { IconAlertCircle, IconChecklist } from '@tabler/icons-react';
import type { Activity } from 'crm-wasm';
import { formatDate, isOverdue } from '../../lib/format';

export function NextStep({ next, closed = false, size = 'xs', className }: { next: Activity | null | undefined; closed?: boolean; size?: 'xs' | 'sm'; className?: string }) {
  if (next) {
    return (
      <Text size={size} c={isOverdue(next.dueDate) ? 'red.8' : 'dimmed'} truncate className={className} data-testid="next-activity">
        <IconChecklist size={12} aria-hidden style={{ verticalAlign: -1 }} /> Next: {next.subject ?? next.type} · {formatDate(next.dueDate)}
      </Text>
    );
  }
  if (next === null && !closed) {
    return (
      <Text size={size} c="#9a3412" className={className} data-testid="no-next-activity">
        <IconAlertCircle size={12} aria-hidden style={{ verticalAlign: -1 }} /> No next step planned
      </Text>
    );
  }
  return null;
}
