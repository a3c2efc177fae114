/*
 * The handheld's service worker: the app opens without the network.
 *
 * - Installing keeps the app's shell: handheld.html, every file it names under /assets/, its
 *   configuration, manifest and icons.
 * - A page (navigation) is asked of the network first, so that a new release is picked up at once;
 *   without an answer the kept handheld.html is shown (every page of the app is that one file).
 * - /assets/ files have hashed names that never change: from the cache, else fetched and kept.
 * - /config.json: the network first, else the kept copy.
 * - The API (/api/, /svc/) is never cached here: the app keeps what it read in IndexedDB and queues
 *   what it writes there (see src/handheld/offline/).
 */
const SHELL = 'gm-handheld-shell-v1';
const ASSETS = 'gm-handheld-assets';
const PAGE = '/handheld.html';
const FIXED = ['/config.json', '/handheld.webmanifest', '/handheld-icon.svg', '/favicon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(SHELL);
      const page = await fetch(PAGE, { cache: 'no-store' });
      if (!page.ok) throw new Error(`${PAGE}: HTTP ${page.status}`);
      const html = await page.clone().text();
      await shell.put(PAGE, page);
      await shell.addAll(FIXED);
      const named = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      const assets = await caches.open(ASSETS);
      await assets.addAll([...new Set(named)]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== SHELL && name !== ASSETS) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request, cacheKey) {
  const shell = await caches.open(SHELL);
  try {
    const answer = await fetch(request);
    if (answer.ok) await shell.put(cacheKey, answer.clone());
    return answer;
  } catch (err) {
    const kept = await shell.match(cacheKey);
    if (kept) return kept;
    throw err;
  }
}

async function cacheFirst(request) {
  const assets = await caches.open(ASSETS);
  const kept = await assets.match(request);
  if (kept) return kept;
  const answer = await fetch(request);
  if (answer.ok) await assets.put(request, answer.clone());
  return answer;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/svc/') || url.pathname === '/handheld-sw.js') return;
  // The return from the login page carries a one-time code: never answered from a cache.
  if (url.pathname === '/callback') return;
  if (request.mode === 'navigate') return event.respondWith(networkFirst(request, PAGE));
  if (url.pathname.startsWith('/assets/')) return event.respondWith(cacheFirst(request));
  if (FIXED.includes(url.pathname)) return event.respondWith(networkFirst(request, url.pathname));
});
