import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { checkHealth } from "../domain/system/index.js";

export function healthRoutes(router: Router, deps: Deps) {
  router.get("/health", async (ctx) => {
    const health = await checkHealth(deps);
    ctx.status = health.ok ? 200 : 503;
    ctx.body = health;
  });
}
