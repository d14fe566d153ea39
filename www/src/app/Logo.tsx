import { Group, Text, ThemeIcon } from '@mantine/core';
import { IconChartArrowsVertical } from '@tabler/icons-react';

/** The product's name and mark. */
export const PRODUCT = 'Tidewater CRM';

export function Logo() {
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={30} radius="md" variant="gradient" gradient={{ from: 'indigo', to: 'cyan', deg: 135 }} aria-hidden>
        <IconChartArrowsVertical size={18} />
      </ThemeIcon>
      <Text fw={700} size="lg" component="span">Tidewater</Text>
    </Group>
  );
}
