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
})();
