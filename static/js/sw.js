// The trainee form's service worker, one per programme (scope /s/<slug>):
// a link opened once opens again without network, in the language it was
// last shown in. Browsers run it only in a secure context (HTTPS, or
// localhost); on the room's plain-http address the form does without it
// (form.js keeps the answers and resends them by itself).
// - the form page: from the network, a copy kept; offline, the copy, with a
//   fresh idempotency key so that a new form never reuses a sent one's;
// - the versioned stylesheet and script: from the copy first (their URL
//   changes when they do);
// - anything else, and every POST (the send), goes to the network untouched.
"use strict";
var CACHE = "survey-form-v1";
var scope = new URL(self.registration.scope);

function isForm(url) {
  return url.origin === scope.origin && url.pathname === scope.pathname;
}

function isAsset(url) {
  return url.origin === scope.origin && url.pathname.indexOf("/static/") >= 0 && url.search.indexOf("v=") >= 0;
}

function freshKey() {
  var bytes = new Uint8Array(16);
  self.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
}

function withFreshKey(response) {
  return response.text().then(function (html) {
    html = html.replace(/(name="idem" type="hidden" value=")[0-9a-f]{32}/, "$1" + freshKey());
    return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

// The form as the link opens it (the language cookie chooses the language), and what it loads.
function keepForm() {
  return caches.open(CACHE).then(function (cache) {
    return fetch(scope.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { return null; }
      return response.clone().text().then(function (html) {
        var assets = [], found, pattern = /(?:href|src)="([^"]*\/static\/[^"]+)"/g;
        while ((found = pattern.exec(html)) !== null) { assets.push(found[1].replace(/&amp;/g, "&")); }
        return Promise.all([cache.put(scope.href, response), cache.addAll(assets)]);
      });
    });
  });
}

self.addEventListener("install", function (event) {
  self.skipWaiting();
  event.waitUntil(keepForm().catch(function () { /* offline now: kept at the next visit */ }));
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (isForm(url) && request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone(), plain = response.clone();
        caches.open(CACHE).then(function (cache) {
          cache.put(request, copy);
          cache.put(scope.href, plain);  // the link without ?lang: the language last shown
        });
      }
      return response;
    }, function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(request).then(function (hit) { return hit || cache.match(scope.href); });
      }).then(function (hit) { return hit ? withFreshKey(hit) : Response.error(); });
    }));
  } else if (isAsset(url)) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
      });
    }));
  }
});
