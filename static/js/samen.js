// Samen's own script: small enhancements on top of pages that work without it.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  // htmx requests carry the CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (event) {
    if (meta) {
      event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
    }
  });
  // A form marked data-swap-errors shows the page of a refusal (a 4xx
  // answer) in place, as it would without JavaScript.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var from = event.detail.elt;
    if (status >= 400 && status < 500 && from && from.closest && from.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // An in-place vote keeps the focus on the idea's vote button, which the
  // answer replaced, and announces the new count.
  var voteFocused = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var vote = active && active.closest ? active.closest(".vote") : null;
    voteFocused = vote && event.detail.target === vote ? vote.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!voteFocused) {
      return;
    }
    var vote = document.getElementById(voteFocused);
    voteFocused = null;
    var button = vote && vote.querySelector("button");
    var count = vote && vote.querySelector(".vote-count");
    if (button) {
      button.focus();
    }
    var announcer = document.getElementById("announcer");
    if (announcer && count) {
      announcer.textContent = count.getAttribute("aria-label");
    }
  });
})();
