// Herald's only hand-written script. htmx 4 does not inherit attributes, so the CSRF header is
// added here, once, for every htmx request (PITFALLS.md).
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:config:request", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    if (ctx && ctx.request && ctx.request.headers) {
      ctx.request.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // Character counters: <textarea data-limit="280" data-counter="id-of-output">.
  function updateCounter(el) {
    var out = document.getElementById(el.getAttribute("data-counter"));
    if (!out) return;
    var limit = parseInt(el.getAttribute("data-limit"), 10);
    var n = Array.from(el.value || "").length;
    out.textContent = limit ? n + " / " + limit : String(n);
    out.classList.toggle("over-limit", !!limit && n > limit);
  }
  document.addEventListener("input", function (evt) {
    if (evt.target.matches && evt.target.matches("[data-counter]")) updateCounter(evt.target);
  });
  function initCounters(root) {
    (root || document).querySelectorAll("[data-counter]").forEach(updateCounter);
  }
  document.addEventListener("DOMContentLoaded", function () { initCounters(); });
  document.addEventListener("htmx:after:swap", function () { initCounters(); });

  // Range inputs show their value: <input type="range" data-range-output="id-of-output">.
  document.addEventListener("input", function (evt) {
    var t = evt.target;
    if (!t.matches || !t.matches("[data-range-output]")) return;
    var out = document.getElementById(t.getAttribute("data-range-output"));
    if (out) out.textContent = t.value;
  });

  // Copy to clipboard: <button data-copy="#selector">.
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest && evt.target.closest("[data-copy]");
    if (!btn) return;
    var src = document.querySelector(btn.getAttribute("data-copy"));
    if (src && navigator.clipboard) {
      navigator.clipboard.writeText(src.innerText).then(function () {
        var old = btn.textContent; btn.textContent = "Copied"; setTimeout(function () { btn.textContent = old; }, 1200);
      });
    }
  });

  // Confirm before destructive actions: <button data-confirm="Delete this?">.
  document.addEventListener("click", function (evt) {
    var el = evt.target.closest && evt.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { evt.preventDefault(); evt.stopImmediatePropagation(); }
  }, true);

  // Dashboard chart: <canvas data-chart='{"type":..., "data":...}'> (JSON in an attribute: no inline script).
  function initCharts() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (c) {
      if (c._chart) return;
      try { c._chart = new window.Chart(c, JSON.parse(c.getAttribute("data-chart"))); } catch (e) { /* bad data: leave empty */ }
    });
  }
  document.addEventListener("DOMContentLoaded", initCharts);
  document.addEventListener("htmx:after:swap", initCharts);
})();
