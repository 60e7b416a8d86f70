// Starts Swagger UI on /docs (article3's own file; the others here are swagger-ui-dist's).
// A file rather than an inline script, so the page's Content-Security-Policy allows no inline script.
"use strict";
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.openapi,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null, // never send the document to swagger.io's validator
  presets: [SwaggerUIBundle.presets.apis],
});
