// The web pages: / (where to go), /annotate (annotators), /console (customers)
// and /docs (the REST API). Static HTML, CSS and JS with no build step; the console's charts
// (Chart.js) and the docs' Swagger UI come from node_modules, so nothing is
// fetched from a CDN and the pages work offline.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Middleware } from "koa";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const TYPES = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" } as const;

// Task images come from customers' URLs; scripts and connections stay on this origin.
const STRICT_POLICY = "default-src 'self'; img-src * data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
// Swagger UI sets inline styles; its scripts stay on this origin.
const DOCS_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

/** Route → file, read once at start-up. */
const ASSETS = new Map<string, { body: Buffer; type: string; policy: string }>();
function serve(route: string, file: string, policy = STRICT_POLICY) {
  ASSETS.set(route, { body: readFileSync(file), type: TYPES[path.extname(file).slice(1) as keyof typeof TYPES], policy });
}
for (const page of ["annotate", "console"]) {
  serve(`/${page}`, path.join(here, page, "index.html"));
  serve(`/${page}/app.js`, path.join(here, page, "app.js"));
  serve(`/${page}/app.css`, path.join(here, page, "app.css"));
}
// The UMD build sits beside the package entry (its "exports" do not list it).
serve("/console/chart.umd.min.js", path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js"));
const swaggerUi = path.dirname(require.resolve("swagger-ui-dist/package.json"));
serve("/docs", path.join(here, "docs", "index.html"), DOCS_POLICY);
serve("/docs/app.js", path.join(here, "docs", "app.js"), DOCS_POLICY);
serve("/docs/swagger-ui-bundle.js", path.join(swaggerUi, "swagger-ui-bundle.js"), DOCS_POLICY);
serve("/docs/swagger-ui.css", path.join(swaggerUi, "swagger-ui.css"), DOCS_POLICY);

serve("/", path.join(here, "home", "index.html"));

/** What `GET /` tells a script (a browser gets the page above). */
const HOME = {
  service: "ASG Refinery",
  links: { console: "/console", docs: "/docs", openapi: "/v1/openapi.json", graphql: "/graphql", annotate: "/annotate", health: "/v1/health" },
};

export const pages: Middleware = async (ctx, next) => {
  if (ctx.path === "/" && ctx.method === "GET" && ctx.accepts("json", "html") === "json") {
    ctx.body = HOME;
    return;
  }
  const asset = ASSETS.get(ctx.path);
  if (!asset || ctx.method !== "GET") return next();
  ctx.type = asset.type;
  ctx.set("Content-Security-Policy", asset.policy);
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.body = asset.body;
};
