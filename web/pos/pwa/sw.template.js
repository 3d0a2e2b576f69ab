/*
 * The POS service worker (built into /pos/sw.js by pwa/plugin.ts, which fills in VERSION and SHELL).
 * It keeps the app shell (page, JS, CSS, the scanner's wasm, icons) so the counter still opens when
 * the network is down. Navigations go to the network first, so a new build reaches the counter on
 * the next reload; the cache answers only when the network cannot. It never answers for the API
 * (/v1/…) or event streams: those must reach the server or fail visibly, never come from a cache.
 * Plain ES2017: it runs in the same old WebViews as the app.
 */
var VERSION = '__SAOMA_SW_VERSION__';
var SHELL = /*__SAOMA_SW_SHELL__*/[];
var PREFIX = 'saoma-pos-';
var CACHE = PREFIX + VERSION;
var BASE = new URL('./', self.location.href).pathname; // "/pos/"
var NAV_TIMEOUT_MS = 4000;

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // cache: 'reload' skips the HTTP cache, so the shell is this build's files, not older copies.
    return cache.addAll(SHELL.map(function (u) { return new Request(u, { cache: 'reload' }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PREFIX) === 0 && k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isShellRequest(req, url) {
  if (req.method !== 'GET' || url.origin !== self.location.origin) return false;
  if (url.pathname.indexOf(BASE) !== 0) return false; // /v1/… and anything outside the POS
  var accept = req.headers.get('accept') || '';
  return accept.indexOf('text/event-stream') < 0;
}

function networkFirst(req) {
  return new Promise(function (resolve, reject) {
    var done = false;
    var fallback = function () {
      if (done) return;
      done = true;
      caches.match(BASE, { cacheName: CACHE }).then(function (hit) { if (hit) resolve(hit); else reject(new TypeError('offline and no cached POS page')); });
    };
    // A network that hangs (a captive Wi-Fi, a dying link) must not keep the counter on a blank page.
    var timer = setTimeout(fallback, NAV_TIMEOUT_MS);
    fetch(req).then(function (res) {
      clearTimeout(timer);
      if (done) return;
      if (!res.ok) { fallback(); return; }
      done = true;
      // The page is not re-cached here: a newer build's page beside this build's cached assets would
      // open blank offline. Each build's worker precaches its own page and assets together.
      resolve(res);
    }, function () { clearTimeout(timer); fallback(); });
  });
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (!isShellRequest(req, url)) return;
  if (req.mode === 'navigate') { event.respondWith(networkFirst(req)); return; }
  // Built assets have content hashes in their names: a cached copy is always the right one.
  event.respondWith(caches.match(req, { cacheName: CACHE }).then(function (hit) { return hit || fetch(req); }));
});
