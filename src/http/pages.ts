// The web pages: /annotate (annotators) and /console (customers). Static HTML,
// CSS and JS with no build step; the console's charts come from node_modules
// (Chart.js), so nothing is fetched from a CDN and the pages work offline.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Middleware } from "koa";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const TYPES = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" } as const;

/** Route → file, read once at start-up. */
const ASSETS = new Map<string, { body: Buffer; type: string }>();
function serve(route: string, file: string) {
  ASSETS.set(route, { body: readFileSync(file), type: TYPES[path.extname(file).slice(1) as keyof typeof TYPES] });
}
for (const page of ["annotate", "console"]) {
  serve(`/${page}`, path.join(here, page, "index.html"));
  serve(`/${page}/app.js`, path.join(here, page, "app.js"));
  serve(`/${page}/app.css`, path.join(here, page, "app.css"));
}
// The UMD build sits beside the package entry (its "exports" do not list it).
serve("/console/chart.umd.min.js", path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js"));

export const pages: Middleware = async (ctx, next) => {
  const asset = ASSETS.get(ctx.path);
  if (!asset || ctx.method !== "GET") return next();
  ctx.type = asset.type;
  // Task images come from customers' URLs; scripts and connections stay on this origin.
  ctx.set("Content-Security-Policy", "default-src 'self'; img-src * data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.body = asset.body;
};
