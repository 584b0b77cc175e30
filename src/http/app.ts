// buildApp(deps) → one Koa app: /v1 → REST, /graphql → Yoga (HTTP, SSE; WebSocket via ws.ts).
import Koa from "koa";
import mount from "koa-mount";
import type { Deps } from "../deps.js";
import { restApp } from "../rest/router.js";
import { createGraphQLServer, type Yoga } from "../graphql/yoga.js";
import { requestContext } from "./request-context.js";
import { annotatePage } from "./annotate-page.js";

export interface App {
  koa: Koa;
  yoga: Yoga;
  callback: ReturnType<Koa["callback"]>;
}

export function buildApp(deps: Deps): App {
  const yoga = createGraphQLServer(deps);
  const koa = new Koa();
  koa.proxy = false;
  koa.use(requestContext(deps.logger));
  koa.use(mount("/v1", restApp(deps)));
  koa.use(annotatePage);
  koa.use(async (ctx, next) => {
    if (ctx.path !== yoga.graphqlEndpoint) return next();
    const response = await yoga.handleNodeRequestAndResponse(ctx.req, ctx.res, {});
    ctx.status = response.status;
    response.headers.forEach((value, key) => ctx.append(key, value));
    ctx.body = response.body;
  });
  koa.use(async (ctx) => {
    ctx.status = 404;
    ctx.body = { error: { code: "not_found", message: `no route for ${ctx.method} ${ctx.path}`, request_id: ctx.state.requestId } };
  });
  return { koa, yoga, callback: koa.callback() };
}
