// The app's service worker: it keeps the app openable without a network. The build (the
// `crm-service-worker` plugin in vite.config.ts) replaces PRECACHE with every file it wrote and
// VERSION with a hash of them, so each deployment gets its own cache and drops the old one.
// Only this origin's GETs are handled; Parse Server (another origin) is never touched.
const PRECACHE = self.__PRECACHE__;
const CACHE = `crm-app-${self.__VERSION__}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('crm-app-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // The page: fresh from the network when there is one, else the one kept at install.
    event.respondWith(fetch(request).catch(() => caches.match(new URL('./', self.location.href).href, { cacheName: CACHE, ignoreVary: true }).then((hit) => hit ?? Response.error())));
    return;
  }
  // Assets have content hashes in their names: a kept copy is always right.
  // ignoreVary: the server's `Vary: Origin` would otherwise keep a module script (sent with an
  // Origin header) from matching the copy fetched at install (sent without).
  event.respondWith(caches.match(request, { cacheName: CACHE, ignoreVary: true }).then((hit) => hit ?? fetch(request)));
});
