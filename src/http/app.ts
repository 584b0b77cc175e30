// buildApp(deps) → one Koa app: /v1 → REST, /graphql → Yoga (HTTP, SSE; WebSocket via ws.ts).
import Koa from "koa";
import type { Deps } from "../deps.js";
import { errorBody } from "../rest/errors.js";
import { restApi } from "../rest/router.js";
import { createGraphQLServer, type Yoga } from "../graphql/yoga.js";
import { requestContext } from "./request-context.js";
import { pages } from "./pages.js";
import { graphqlRoute } from "./graphql-route.js";
import { metricsEndpoint } from "./metrics.js";
import { checkHealth } from "../domain/system/index.js";

export interface App {
  koa: Koa;
  yoga: Yoga;
  callback: ReturnType<Koa["callback"]>;
}

export function buildApp(deps: Deps): App {
  const yoga = createGraphQLServer(deps);
  const koa = new Koa();
  koa.proxy = false;
  // A client that leaves mid-stream (an SSE subscriber closing its tab) is not an error of ours.
  koa.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "ERR_STREAM_PREMATURE_CLOSE" || error.code === "ECONNRESET") return;
    deps.logger.error({ err: error }, "http error");
  });
  koa.use(requestContext(deps));
  koa.use(metricsEndpoint(deps));
  koa.use(restApi(deps).handle);
  koa.use(graphqlRoute(yoga, deps.config.bodyLimit));
  koa.use(pages);
  koa.use(async (ctx) => {
    ctx.status = 404;
    ctx.body = errorBody(ctx, "not_found", `no route for ${ctx.method} ${ctx.path}`);
  });
  return { koa, yoga, callback: koa.callback() };
}

/** A worker process (ROLE=worker) answers only its probes over HTTP: /v1/health and /metrics. */
export function buildWorkerApp(deps: Deps): Pick<App, "koa" | "callback"> {
  const koa = new Koa();
  koa.proxy = false;
  koa.use(requestContext(deps));
  koa.use(metricsEndpoint(deps));
  koa.use(async (ctx) => {
    if (ctx.method === "GET" && ctx.path === "/v1/health") {
      const health = await checkHealth(deps);
      ctx.status = health.ok ? 200 : 503;
      ctx.body = health;
      return;
    }
    ctx.status = 404;
    ctx.body = errorBody(ctx, "not_found", `a worker process (ROLE=worker) serves only /v1/health and /metrics`);
  });
  return { koa, callback: koa.callback() };
}
