import { Anchor, Text } from '@mantine/core';

/** A company's website as a link that opens in a new tab: only an http(s) address is made a
 * link (a stored "javascript:" or other scheme stays plain text), shown without its scheme. */
export function WebsiteLink({ url, size = 'sm' }: { url: string | undefined; size?: string }) {
  if (!url) return null;
  let href: URL | null = null;
  try {
    href = new URL(/^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`);
  } catch { /* not an address */ }
  if (!href || !['http:', 'https:'].includes(href.protocol)) return <Text span size={size}>{url}</Text>;
  return (
    <Anchor href={href.href} target="_blank" rel="noopener noreferrer" size={size} underline="always">
      {url.replace(/^https?:\/\//i, '').replace(/\/$/, '')}
    </Anchor>
  );
}
