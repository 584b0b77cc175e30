// /docs: Swagger UI (served from node_modules, so it works offline) rendering
// the document at /v1/openapi.json. "Authorize" takes an API key for "Try it out".
window.ui = SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#docs",
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: false,
});
