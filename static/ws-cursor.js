// Resume websockets where the page left off. hx-ws reconnects to the same URL it first used, so
// after every message we copy the last event id the server reported (in a hidden cursor element,
// swapped out-of-band with each message) into the connection's URL as ?after=<id>. A reconnect
// then replays only what the page missed. <div hx-ws:connect="/ws/...?after=N" data-ws-cursor="id">.
(function () {
  "use strict";
  function withCursor(url, seq) {
    var u = new URL(url, window.location.href);
    u.searchParams.set("after", seq);
    return u.toString();
  }
  function sync(evt) {
    var owner = evt.target;
    var conn = evt.detail && evt.detail.connection;
    if (!owner || !conn || !owner.getAttribute) return;
    var cursor = document.getElementById(owner.getAttribute("data-ws-cursor") || "");
    var seq = cursor && cursor.getAttribute("data-seq");
    if (seq && /^\d+$/.test(seq)) conn.url = withCursor(conn.url, seq);
  }
  document.addEventListener("htmx:ws:after:message:incoming", sync);
  document.addEventListener("htmx:ws:before:connection", sync);
  document.addEventListener("htmx:ws:close", sync);
})();
