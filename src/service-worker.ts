// The lab's service worker (built by scripts/offline.mjs into dist/sw.js): a visit after the first
// works without a network. The built page, its bundled data and its tokenizer are precached at
// install (the list is written into the build: self.__WB_MANIFEST); chunks left out of it because
// they are large and optional (GPT-2's ranks) are cached the first time they are used. Hashed
// file names never change content, so those are served cache-first. A new build's worker waits
// until every tab of the old one is closed, so a deploy never swaps files under a running sweep.
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';

declare const self: { __WB_MANIFEST: PrecacheEntry[]; location: Location };

export const LAZY_CACHE = 'cbs-lab-lazy-chunks';

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
clientsClaim();
// Any page of the site (a share link is the page with a #fragment) is the precached index.html.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));
registerRoute(({ url, request }) => request.method === 'GET' && url.origin === self.location.origin && url.pathname.includes('/assets/'), new CacheFirst({ cacheName: LAZY_CACHE }));
