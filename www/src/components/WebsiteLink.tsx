import { Anchor, Text } from '@mantine/core';

/** A company's website as a link that opens in a new tab: only an http(s) address is made a
 * link (a stored "javascript:" or other scheme stays plain text), shown without its scheme. An
 * address may be 2,000 characters without a space: it breaks anywhere, and with `lineClamp`
 * stops after that many lines (the whole in its title). */
export function WebsiteLink({ url, size = 'sm', lineClamp }: { url: string | undefined; size?: string; lineClamp?: number }) {
  if (!url) return null;
  let href: URL | null = null;
  try {
    href = new URL(/^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`);
  } catch { /* not an address */ }
  if (!href || !['http:', 'https:'].includes(href.protocol)) return <Text span size={size} className="long-text" lineClamp={lineClamp} title={lineClamp ? url : undefined}>{url}</Text>;
  return (
    <Anchor href={href.href} target="_blank" rel="noopener noreferrer" size={size} underline="always" className="long-text" lineClamp={lineClamp} title={lineClamp ? url : undefined}>
      {url.replace(/^https?:\/\//i, '').replace(/\/$/, '')}
    </Anchor>
  );
}
