// GET /annotate: the annotator page (static HTML, CSS and JS; no build step).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Middleware } from "koa";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "annotate");
const ASSETS: Record<string, { file: string; type: string }> = {
  "/annotate": { file: "index.html", type: "text/html; charset=utf-8" },
  "/annotate/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/annotate/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
};
const contents = new Map(Object.entries(ASSETS).map(([route, asset]) => [route, readFileSync(path.join(dir, asset.file))]));

export const annotatePage: Middleware = async (ctx, next) => {
  const asset = ASSETS[ctx.path];
  if (!asset || ctx.method !== "GET") return next();
  ctx.type = asset.type;
  // Task images come from customers' URLs; scripts and connections stay on this origin.
  ctx.set("Content-Security-Policy", "default-src 'self'; img-src * data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
  ctx.set("X-Content-Type-Options", "nosniff");
  ctx.body = contents.get(ctx.path);
};
