// Global search (Ctrl/Cmd+K or "/"): deals, contacts and companies by name, title, e-mail, phone
// and company, in any case, accents or not, answering as the user types. It runs in the wasm
// module over what this device holds (see source.ts), so it answers offline too.
import { useMemo, useState, useSyncExternalStore } from 'react';
import { useNavigate } from 'react-router';
import { ActionIcon, Badge, Group, Text } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { Spotlight, spotlight } from '@mantine/spotlight';
import { IconAddressBook, IconBuilding, IconSearch, IconTargetArrow } from '@tabler/icons-react';
import '@mantine/spotlight/styles.css';
import { useSession } from '../../data/context';
import { searchSource } from './source';

const ICONS = { Deal: IconTargetArrow, Contact: IconAddressBook, Company: IconBuilding } as const;
const PATHS = { Deal: '/deals/', Contact: '/contacts/', Company: '/companies/' } as const;
/** How many hits are listed; one more is asked for, to say when more match. */
const SHOWN = 20;

export function GlobalSearch() {
  const { workspace } = useSession();
  const source = searchSource(workspace);
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  // Re-run the search when contacts and companies arrive.
  const loaded = useSyncExternalStore(source.subscribe, source.getVersion);
  const found = useMemo(() => {
    void loaded;
    return source.search(query, SHOWN + 1);
  }, [source, query, loaded]);
  // More matched than are listed: said, or the last hit read as the last match (found by a
  // newcomer: 31 deals matched "pilot", 20 were listed and nothing said so).
  const more = found.length > SHOWN;
  const hits = more ? found.slice(0, SHOWN) : found;
  // Ctrl/Cmd+K from inside a text field too, as in HubSpot, Linear or Slack: Spotlight's own
  // shortcuts skip inputs, and a salesperson typing a note reached for it and got nothing.
  useHotkeys([['mod+K', () => spotlight.open()]], []);

  return (
    <Spotlight.Root
      query={query}
      onQueryChange={setQuery}
      // "/" types a slash in a field; Ctrl/Cmd+K opens search from anywhere (below).
      shortcut={['/']}
      onSpotlightOpen={() => void source.refresh()}
      scrollable
      maxHeight={460}
    >
      <Spotlight.Search
        placeholder="Search deals, contacts, companies…"
        leftSection={<IconSearch size={18} stroke={1.6} />}
        aria-label="Search deals, contacts and companies"
        onKeyDown={(e) => {
          // Enter with no result picked (arrows) opens the top one.
          const top = hits[0];
          if ((e.key === 'Enter') && top && !document.querySelector('[data-testid="search-hit"][data-selected]')) {
            e.preventDefault();
            spotlight.close();
            void navigate(`${PATHS[top.className]}${top.objectId}`);
          }
        }}
      />
      <Spotlight.ActionsList aria-label="Search results">
        {hits.map((h) => {
          const Icon = ICONS[h.className];
          return (
            <Spotlight.Action
              key={`${h.className}:${h.objectId}`}
              data-testid="search-hit"
              data-class={h.className}
              onClick={() => navigate(`${PATHS[h.className]}${h.objectId}`)}
            >
              <Group wrap="nowrap" w="100%" gap="sm">
                <Icon size={20} stroke={1.6} aria-hidden />
                <div className="search-hit-text">
                  <Text size="sm" truncate title={h.title}>{h.title}</Text>
                  {h.detail && <Text size="xs" c="dimmed" truncate title={h.detail}>{h.detail}</Text>}
                </div>
                <Badge size="xs" variant="light" color="gray" className="search-hit-class">{h.className}</Badge>
              </Group>
            </Spotlight.Action>
          );
        })}
        {more && (
          <Text size="xs" c="dimmed" ta="center" py="xs" data-testid="search-more">The first {SHOWN} matches are shown: type more to narrow the search.</Text>
        )}
        {query.trim() !== '' && hits.length === 0 && <Spotlight.Empty>No deal, contact or company matches.</Spotlight.Empty>}
        {query.trim() === '' && (
          <Spotlight.Empty>Type a name, a deal title, an e-mail, a phone number or a company.</Spotlight.Empty>
        )}
      </Spotlight.ActionsList>
    </Spotlight.Root>
  );
}

/** A header button that opens the search, saying its shortcut. */
// The shortcut as the keyboard in front of the user writes it.
const MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export function SearchButton() {
  return (
    <>
    <Badge
      component="button"
      variant="default"
      size="lg"
      radius="sm"
      style={{ cursor: 'pointer', textTransform: 'none', fontWeight: 400 }}
      leftSection={<IconSearch size={14} />}
      onClick={() => spotlight.open()}
      aria-keyshortcuts="Control+K Meta+K /"
      visibleFrom="xs"
    >
      Search <Text span size="xs" c="dimmed">{MAC ? '⌘K' : 'Ctrl K'} or /</Text>
    </Badge>
    {/* A phone has no room for the words, nor a keyboard for the shortcut: an icon. */}
    <ActionIcon variant="default" size="lg" radius="sm" hiddenFrom="xs" aria-label="Search" onClick={() => spotlight.open()} className="search-icon">
      <IconSearch size={18} />
    </ActionIcon>
    </>
  );
}
