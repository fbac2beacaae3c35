// Start Swagger UI on the API docs page. It lives in a file, not in the page, because the
// Content-Security-Policy runs no inline script; the page passes its settings as data-*.
"use strict";

window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.dataset.config || "{}");
  config.url = container.dataset.specUrl;
  config.dom_id = "#swagger-ui-container";
  window.ui = SwaggerUIBundle(config);
});
