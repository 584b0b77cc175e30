// The /v1 REST adapter: authenticate → parse → call domain → serialize the documented JSON.
import Router from "@koa/router";
import { bodyParser } from "@koa/bodyparser";
import Koa from "koa";
import type { Deps } from "../deps.js";
import { AppError, unstorableInput, ValidationError, type Actor } from "../domain/shared/index.js";
import { rateLimitHeaders, RateLimitedError, type RateDecision } from "../http/rate-limits.js";
import { authenticate, customersOnly } from "./auth.js";
import { restErrors } from "./errors.js";
import { customerRoutes, publicCustomerRoutes } from "./customers.js";
import { billingRoutes } from "./billing.js";
import { dashboardRoutes } from "./dashboard.js";
import { systemRoutes } from "./system.js";
import { jobRoutes } from "./jobs.js";
import { taskRoutes } from "./tasks.js";
import { webhookRoutes } from "./webhooks.js";

export function restApp(deps: Deps): Koa {
  const publicRouter = new Router();
  systemRoutes(publicRouter, deps);
  publicCustomerRoutes(publicRouter, deps);

  const customerRouter = new Router();
  customerRouter.use(customersOnly);
  customerRoutes(customerRouter, deps);
  taskRoutes(customerRouter, deps);
  webhookRoutes(customerRouter, deps);
  jobRoutes(customerRouter, deps);
  billingRoutes(customerRouter, deps);
  dashboardRoutes(customerRouter, deps);

  const app = new Koa();
  app.use(restErrors(deps.logger));
  app.use(authenticate(deps));
  app.use(rateLimited(deps));
  app.use(requireJsonBody);
  app.use(bodyParser({ enableTypes: ["json"], jsonLimit: deps.config.bodyLimit, encoding: "utf-8" }));
  app.use(refuseUnstorableInput);
  for (const router of [publicRouter, customerRouter]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  // /v1 ends here: unmatched paths are answered by restErrors, not by the parent app.
  app.use(async () => {});
  return app;
}

/**
 * Charges each request with an API key to that customer's tier plan, and each
 * registration to the client's address; before the body is even read.
 */
function rateLimited(deps: Deps): Koa.Middleware {
  return async (ctx, next) => {
    let decision: RateDecision | undefined;
    const actor: Actor | null = ctx.state.actor;
    if (ctx.method === "POST" && ctx.path === "/customers") {
      decision = await deps.rateLimits.charge("registration", ctx.ip, 1);
    } else if (actor?.kind === "customer") {
      decision = await deps.rateLimits.charge(actor.environment, actor.customerId, 1);
    }
    if (decision) {
      ctx.set(rateLimitHeaders(decision));
      if (!decision.allowed) throw new RateLimitedError(decision);
    }
    await next();
  };
}

const refuseUnstorableInput: Koa.Middleware = async (ctx, next) => {
  const problem = unstorableInput([safeDecode(ctx.path), ctx.query, ctx.request.body]);
  if (problem) throw new ValidationError(problem, [{ path: "(request)", message: problem }]);
  await next();
};

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A body that is not JSON is refused rather than silently ignored. */
const requireJsonBody: Koa.Middleware = async (ctx, next) => {
  const hasBody = Number(ctx.get("content-length") || 0) > 0 || ctx.get("transfer-encoding") !== "";
  if (hasBody && ["POST", "PUT", "PATCH"].includes(ctx.method) && !ctx.is("application/json", "+json")) {
    throw new AppError("unsupported_media_type", "send the body as application/json", 415);
  }
  await next();
};
