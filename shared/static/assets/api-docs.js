// Start Swagger UI on the API docs page. It lives in a file, not in the page, because the
// Content-Security-Policy runs no inline script; the page passes its settings as data-*.
"use strict";

window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.dataset.config || "{}");
  config.url = container.dataset.specUrl;
  config.dom_id = "#swagger-ui-container";
  window.ui = SwaggerUIBundle(config);
  // Swagger UI draws parts a screen reader or a keyboard cannot use: a parameter's
  // choices with no name, code samples that scroll but cannot be reached. Name and reach
  // them as they appear.
  new MutationObserver(function () {
    container.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(
      function (select) {
        select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
      }
    );
    container.querySelectorAll(".highlight-code pre:not([tabindex])").forEach(function (pre) {
      pre.setAttribute("tabindex", "0");
    });
  }).observe(container, { childList: true, subtree: true });
});
