// HTTP side of the Prometheus metrics: the route template a request is timed
// under (by requestContext), and GET /metrics for the scraper (a bearer token
// when METRICS_TOKEN is set).
import type { Context, Middleware } from "koa";
import type { Deps } from "../deps.js";
import { matchesSecret } from "../domain/shared/index.js";
import { errorBody } from "../rest/errors.js";
import { isRestPath } from "../rest/router.js";

/** The matched route's template (never the raw path: ids would make a series each). */
export function routeOf(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === "string") return matched;
  if (isRestPath(ctx.path) || ctx.status === 404) return "unmatched";
  return ctx.path;
}

export function metricsEndpoint(deps: Pick<Deps, "metrics" | "config">): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== "/metrics") return next();
    const token = deps.config.metricsToken;
    if (token && !matchesSecret(`Bearer ${token}`, ctx.get("authorization"))) {
      ctx.status = 401;
      ctx.set("WWW-Authenticate", 'Bearer realm="metrics"');
      ctx.body = errorBody(ctx, "unauthorized", "send the METRICS_TOKEN as 'Authorization: Bearer <token>'");
      return;
    }
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  };
}
