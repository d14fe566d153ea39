import { Group, Text, ThemeIcon } from '@mantine/core';
import { IconChartArrowsVertical } from '@tabler/icons-react';

/** The product's name and mark. */
export const PRODUCT = 'Tidewater CRM';

/** `inHeader`: on a phone the name is read, not shown (the sync status beside it needs the room). */
export function Logo({ inHeader = false }: { inHeader?: boolean }) {
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={30} radius="md" variant="gradient" gradient={{ from: 'indigo', to: 'cyan', deg: 135 }} aria-hidden>
        <IconChartArrowsVertical size={18} />
      </ThemeIcon>
      <Text fw={700} size="lg" component="span" className={inHeader ? 'header-wordmark' : undefined}>Tidewater</Text>
    </Group>
  );
}
