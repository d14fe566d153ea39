// The app: log-in gate, then the shell (navigation, sync badge, log-out) around the routed
// screens. The signed-in user's wasm handles live in a Workspace (data/workspace.ts), closed here
// at log-out once the signed-in screens have unmounted.
import { lazy, Suspense, useContext, useEffect, useState } from 'react';
import { NavLink, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { AppShell, Burger, Button, Group, Loader, NavLink as MantineNavLink, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAddressBook, IconBuilding, IconChartBar, IconChecklist, IconFileImport, IconLayoutKanban, IconSettings } from '@tabler/icons-react';
import type { CrmClient, User } from 'crm-wasm';
import { CrmProvider } from 'crm-wasm/react';
import { SessionContext } from '../data/context';
import { SESSION_ENDED } from '../data/crm';
import { useWorkspaceState } from '../data/hooks';
import { useMySettings } from '../data/settings';
import { useMyTeam } from '../data/team';
import { closeWorkspace, getWorkspace, type Workspace } from '../data/workspace';
import { useHistoryTrail } from '../lib/back';
import { LEAVING, hasUnsavedChanges, useLeaveBlocker } from '../components/DiscardGuard';
import { setCurrency } from '../lib/format';
import { NAV_WIDTH, usePhone } from '../lib/layout';
import { LogIn } from '../features/auth/LogIn';
import { SessionEnded } from '../features/auth/SessionEnded';
import { LogOutButton } from '../features/auth/LogOutButton';
import { MyDay } from '../features/myday/MyDay';
import { GlobalSearch, SearchButton } from '../features/search/GlobalSearch';
import { SyncBadge } from '../features/sync/SyncBadge';
import { ErrorBoundary, RetryContext } from './ErrorBoundary';
import { Logo, PRODUCT } from './Logo';

// My day is the first screen (after log-in and at /) and ships with the app; the other screens
// load on first visit (the dashboard's charts alone are a third of the code).
// A screen whose code failed to load (offline, a new deploy) loads again when the error boundary
// is reset (Try again, another route, back online): React.lazy alone keeps the failure for good.
// Only a reset retries: a new attempt on every render would fetch without end while offline.
const loaders: (() => Promise<unknown>)[] = [];
const named = <K extends string>(load: () => Promise<Record<K, React.ComponentType>>, name: K) => {
  loaders.push(load);
  let failed = false;
  let madeAtRetry = 0;
  const attempt = () => lazy<React.ComponentType>(() => load().then(
    (m) => ({ default: m[name] }),
    (e: unknown) => {
      failed = true;
      throw e;
    },
  ));
  let current = attempt();
  return function Screen() {
    const retry = useContext(RetryContext);
    if (failed && retry !== madeAtRetry) {
      failed = false;
      madeAtRetry = retry;
      current = attempt();
    }
    const Current = current;
    return <Current />;
  };
};
const Board = named(() => import('../features/board/Board'), 'Board');
const Companies = named(() => import('../features/companies/Companies'), 'Companies');
const CompanyPage = named(() => import('../features/companies/CompanyPage'), 'CompanyPage');
const ContactPage = named(() => import('../features/contacts/ContactPage'), 'ContactPage');
const Contacts = named(() => import('../features/contacts/Contacts'), 'Contacts');
const Dashboard = named(() => import('../features/dashboard/Dashboard'), 'Dashboard');
const Settings = named(() => import('../features/settings/Settings'), 'Settings');
const Import = named(() => import('../features/import/Import'), 'Import');
export function App({ client }: { client: CrmClient }) {
  const [user, setUser] = useState<User | undefined>(() => client.currentUser());
  const [notice, setNotice] = useState<string>();
  // The session ended while a form held unsaved changes: why, for a log-in over the screen.
  const [ended, setEnded] = useState<string>();
  // Logged in again over the screen: the Live Query connection, refused for good with the session
  // that ended, is made again with the new one once nothing is left unsaved (it reloads the
  // board, which an open form must not see change under it).
  const [renewed, setRenewed] = useState(false);
  const navigate = useNavigate();

  useEffect(
    () =>
      client.onSessionExpired(() => {
        if (hasUnsavedChanges()) return setEnded(SESSION_ENDED);
        setUser(undefined);
        setNotice(SESSION_ENDED);
      }),
    [client],
  );
  useEffect(() => {
    if (!renewed || !user?.objectId) return;
    const w = getWorkspace(client, user.objectId);
    const timer = setInterval(() => {
      if (hasUnsavedChanges()) return;
      setRenewed(false);
      w.renewLive();
    }, 500);
    return () => clearInterval(timer);
  }, [renewed, client, user]);
  // Signed out: the signed-in screens are gone (this runs after they unmounted), free the handles.
  useEffect(() => {
    if (!user) closeWorkspace();
  }, [user]);
  // Logged out (or in as someone else) in another tab: this one follows at once. It kept showing
  // everything, and its next action failed as "Your session has ended" with the typing lost.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (!e.key || !/^crm-wasm\/.*\/session$/.test(e.key) || !user) return;
      if (e.newValue !== null) {
        let now: string | undefined;
        let token: string | undefined;
        try {
          const stored = JSON.parse(e.newValue) as { user?: { objectId?: string }; sessionToken?: string };
          [now, token] = [stored.user?.objectId, stored.sessionToken];
        } catch { /* a damaged entry: signed out, as the client reads it */ }
        // Someone else signed in there: this tab opens as them (a log-out here would end their
        // session). The same user with a new session (a password changed there, which ended
        // this tab's): this tab opens with it, instead of failing on its next request.
        if (now !== user.objectId || (token && token !== client.sessionToken())) window.location.reload();
        return;
      }
      // The session is over on the server already (and the other tab wiped this device's
      // copy): forgotten here without a request, which would fail (a red line in the console).
      client.forgetSession();
      if (hasUnsavedChanges()) return setEnded('You logged out in another tab.');
      notifications.clean();
      setUser(undefined);
      setNotice('You logged out in another tab.');
      navigate('/', { replace: true, state: LEAVING });
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [client, user, navigate]);

  useEffect(() => {
    if (!user?.objectId) document.title = `Log in · ${PRODUCT}`;
  }, [user]);

  if (!user?.objectId) {
    return <LogIn client={client} notice={notice} onSignedIn={(u) => { setNotice(undefined); setUser(u); }} />;
  }
  const workspace = getWorkspace(client, user.objectId);
  // Logged out: back to /, so the next log-in opens on My day (a link followed while logged out,
  // or a session that expired, keeps its address through the log-in).
  const logOut = async () => {
    // The toasts (and their Undo) are of the session that ends.
    notifications.clean();
    await client.logOut().catch(() => undefined);
    setUser(undefined);
    navigate('/', { replace: true, state: LEAVING });
  };
  return (
    <SessionContext.Provider value={{ client, user, workspace }}>
      <Provider workspace={workspace}>
        <Shell user={user} workspace={workspace} onLogOut={logOut} />
        {ended && (
          <SessionEnded
            client={client}
            user={user}
            why={ended}
            onBack={() => {
              setEnded(undefined);
              setRenewed(true);
            }}
            onLeave={() => {
              notifications.clean();
              setEnded(undefined);
              setUser(undefined);
              setNotice(ended);
            }}
          />
        )}
      </Provider>
    </SessionContext.Provider>
  );
}

/** crm-wasm/react's provider, with the workspace's live client and, once open, its local store
 * (queries read it offline). */
function Provider({ workspace, children }: { workspace: Workspace; children: React.ReactNode }) {
  const { local } = useWorkspaceState(workspace);
  return <CrmProvider client={workspace.client} live={workspace.live} local={local}>{children}</CrmProvider>;
}

const NAV = [
  { to: '/my-day', label: 'My day', icon: IconChecklist },
  { to: '/pipeline', label: 'Pipeline', icon: IconLayoutKanban, keepFilters: true },
  { to: '/contacts', label: 'Contacts', icon: IconAddressBook },
  { to: '/companies', label: 'Companies', icon: IconBuilding },
  { to: '/dashboard', label: 'Dashboard', icon: IconChartBar, keepFilters: true },
  { to: '/import', label: 'Import', icon: IconFileImport },
  { to: '/settings', label: 'Settings', icon: IconSettings },
];

/** The header's "Signed in as": the user's display name once the team is read (the username
 * until then, and if the profile cannot be read). */
function SignedInAs({ user }: { user: User }) {
  const team = useMyTeam();
  const name = team.nameOf(user.objectId) ?? user.username;
  return <Text size="sm" visibleFrom="md" c="dimmed">Signed in as <Text span fw={600} c="var(--mantine-color-text)">{name}</Text></Text>;
}

/** Every screen's code, fetched once the signed-in app is up, so a screen first opened offline
 * is there (the dev server has no service worker to keep it: "Failed to fetch dynamically
 * imported module" was what such a screen showed). */
function usePrefetchedScreens() {
  useEffect(() => {
    const timer = setTimeout(() => {
      for (const load of loaders) void load().catch(() => undefined);
    }, 1500);
    return () => clearTimeout(timer);
  }, []);
}

function Shell({ user, workspace, onLogOut }: { user: User; workspace: Workspace; onLogOut: () => void }) {
  const [opened, { toggle, close }] = useDisclosure(false);
  const phone = usePhone();
  usePrefetchedScreens();
  useHistoryTrail();
  useLeaveBlocker();
  const location = useLocation();
  const state = useWorkspaceState(workspace);
  // The user's settings: amounts in their currency (set before the screens render; a change
  // renders them again), the forecast weighted by their stage probabilities.
  const { settings } = useMySettings();
  setCurrency(settings.currency);
  useEffect(() => workspace.pipeline.setProbabilities(settings.probabilities), [workspace, settings.probabilities]);
  // The board's filters travel between the board and the dashboard (which says it is filtered).
  const filters = location.pathname === '/pipeline' || location.pathname === '/dashboard' ? location.search : '';
  // The tab says the screen (every tab read "crm-wasm CRM", whichever screen it showed).
  const screen = NAV.find((n) => location.pathname.startsWith(n.to))?.label ?? (location.pathname.startsWith('/deals/') ? 'Pipeline' : undefined);
  useEffect(() => {
    document.title = screen ? `${screen} · ${PRODUCT}` : PRODUCT;
  }, [screen]);
  return (
    // The navigation folds behind the menu button wherever the phone layout applies, sideways
    // too: the shell's own breakpoint knows widths only.
    <AppShell header={{ height: 56 }} navbar={{ width: NAV_WIDTH, breakpoint: phone ? '999em' : 'sm', collapsed: { mobile: !opened } }} padding={0}>
      <AppShell.Header>
        {/* Keyboard users skip the header and the navigation (ten stops) to the screen. */}
        <a className="skip-link" href="#main-content">Skip to content</a>
        {/* Narrower margins on a phone: the sync status ("Offline · 2 pending") is read whole at 360 px. */}
        <Group h="100%" px={{ base: 'sm', sm: 'md' }} justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            {phone && <Burger opened={opened} onClick={toggle} size="sm" aria-label="Menu" />}
            <Logo inHeader />
          </Group>
          <Group gap={phone ? 'xs' : 'sm'} wrap="nowrap">
            <SearchButton />
            <SyncBadge workspace={workspace} offlineReady={state.offlineReady} />
            <SignedInAs user={user} />
            <LogOutButton workspace={workspace} onLogOut={onLogOut} />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <Stack gap={4}>
          {NAV.map((n) => (
            <MantineNavLink
              key={n.to}
              component={NavLink}
              to={n.keepFilters ? `${n.to}${filters}` : n.to}
              label={n.label}
              leftSection={<n.icon size={18} stroke={1.7} />}
              onClick={close}
              active={n.to === '/pipeline' ? location.pathname === '/pipeline' || location.pathname.startsWith('/deals/') : location.pathname.startsWith(n.to)}
            />
          ))}
        </Stack>
      </AppShell.Navbar>
      <GlobalSearch />
      <AppShell.Main id="main-content" tabIndex={-1} style={{ outline: 'none' }}>
        <ErrorBoundary resetKey={location.pathname}>
          <Screens key={settings.currency} workspace={workspace} />
        </ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}

function Screens({ workspace }: { workspace: Workspace }) {
  const state = useWorkspaceState(workspace);
  if (!state.loaded && state.error) {
    return (
      <Group p="md" role="alert">
        <Text c="red">{state.error}</Text>
        <Button size="xs" onClick={workspace.load}>Retry</Button>
      </Group>
    );
  }
  if (!state.loaded) {
    return (
      <Group p="xl" gap="sm"><Loader size="sm" /><Text c="dimmed">Loading deals…</Text></Group>
    );
  }
  return (
    <Suspense fallback={<Group p="xl" gap="sm"><Loader size="sm" /><Text c="dimmed">Loading…</Text></Group>}>
    <Routes>
      <Route path="/" element={<Navigate to="/my-day" replace />} />
      <Route path="/pipeline" element={<Board />} />
      <Route path="/deals/:dealId" element={<Board />} />
      <Route path="/contacts" element={<Contacts />} />
      <Route path="/contacts/:contactId" element={<ContactPage />} />
      <Route path="/companies" element={<Companies />} />
      <Route path="/companies/:companyId" element={<CompanyPage />} />
      <Route path="/dashboard" element={<Dashboard />} />
      <Route path="/settings" element={<Settings />} />
      <Route path="/my-day" element={<MyDay />} />
      <Route path="/import" element={<Import />} />
      <Route path="*" element={<Navigate to="/my-day" replace />} />
    </Routes>
    </Suspense>
  );
}
