import { Link } from 'react-router';
import { Anchor, Text } from '@mantine/core';

/** Under a list with no rows: none at all yet (with the way in: add above, or import), or none
 * that match the search. */
export function EmptyList({ none, search, noun }: { none: boolean; search: string; noun: string }) {
  return (
    <Text c="dimmed" ta="center" py="lg" size="sm" data-testid="empty">
      {none
        ? <>No {noun} yet. Add the first one above, or <Anchor component={Link} to="/import" size="sm" underline="always">import a CSV file</Anchor>.</>
        : `No ${noun} match “${search}”.`}
    </Text>
  );
}
