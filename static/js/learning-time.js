/* Learning time heartbeat (progressive enhancement). While this lesson or quiz page is visible it
   tells the server, every 30 seconds and when the page is hidden, how many seconds it was visible.
   The server caps what it counts; without this script the time to the next action still counts. */
(function () {
  "use strict";
  var form = document.getElementById("dd-learning-beat");
  if (!form || typeof document.visibilityState === "undefined" || !window.URLSearchParams || !window.FormData) {
    return;
  }
  var INTERVAL = 30000;
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var timer = null;

  function send(seconds) {
    var body = new URLSearchParams(new FormData(form));
    body.set("seconds", String(seconds));
    if (navigator.sendBeacon && navigator.sendBeacon(form.action, body)) {
      return;
    }
    if (window.fetch) {
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
        .catch(function () {});
    }
  }

  function flush() {
    if (visibleSince === null) {
      return;
    }
    var now = Date.now();
    var ms = now - visibleSince;
    visibleSince = now - (ms % 1000);
    send(Math.floor(ms / 1000));
  }

  function start() {
    if (timer === null) {
      timer = window.setInterval(flush, INTERVAL);
    }
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      visibleSince = Date.now();
      send(0);
      start();
    } else {
      flush();
      visibleSince = null;
      stop();
    }
  });
  if (visibleSince !== null) {
    start();
  }
})();
