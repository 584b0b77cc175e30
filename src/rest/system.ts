// Public system routes: health, and the OpenAPI document.
import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { checkHealth } from "../domain/system/index.js";
import { openApiDocument } from "./openapi.js";

export function systemRoutes(router: Router, deps: Deps) {
  // The API's own description (no auth), rendered at /docs.
  router.get("/openapi.json", (ctx) => {
    ctx.body = openApiDocument();
  });

  router.get("/health", async (ctx) => {
    const health = await checkHealth(deps);
    ctx.status = health.ok ? 200 : 503;
    ctx.body = health;
  });
}
