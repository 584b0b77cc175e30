// The /v1 REST adapter: authenticate → parse → call domain → serialize the documented JSON.
import Router from "@koa/router";
import { bodyParser } from "@koa/bodyparser";
import compose from "koa-compose";
import type { Middleware } from "koa";
import type { Deps } from "../deps.js";
import { AppError, unstorableInput, ValidationError } from "../domain/shared/index.js";
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
import { auditRoutes } from "./audit.js";
import { memberRoutes, publicMemberRoutes } from "./members.js";
import { publicWorkTeamRoutes, workTeamRoutes } from "./work-teams.js";
import { projectRoutes } from "./projects.js";
import { exportRoutes } from "./exports.js";

/**
 * The /v1 REST API: one middleware that answers every path under /v1
 * (unmatched ones with the JSON 404) and passes others on, and its router,
 * whose table the OpenAPI test compares with the document.
 */
export function restApi(deps: Deps): { handle: Middleware; router: Router } {
  const router = new Router({ prefix: "/v1" });
  systemRoutes(router, deps);
  publicCustomerRoutes(router, deps);
  publicMemberRoutes(router, deps);
  publicWorkTeamRoutes(router, deps);

  // Nested into the one router (one match per request): customersOnly runs
  // before every customer route; a public route above answers without reaching it.
  const customerRouter = new Router();
  customerRouter.use(customersOnly);
  customerRoutes(customerRouter, deps);
  // Before the task routes: /tasks/export is not a task id.
  exportRoutes(customerRouter, deps);
  taskRoutes(customerRouter, deps);
  webhookRoutes(customerRouter, deps);
  jobRoutes(customerRouter, deps);
  billingRoutes(customerRouter, deps);
  dashboardRoutes(customerRouter, deps);
  auditRoutes(customerRouter, deps);
  memberRoutes(customerRouter, deps);
  projectRoutes(customerRouter, deps);
  workTeamRoutes(customerRouter, deps);
  router.use(customerRouter.routes());

  const handle = compose<Parameters<Middleware>[0]>([
    restErrors(deps.logger),
    authenticatedAndCharged(deps),
    checkedInput(deps.config.bodyLimit),
    router.routes() as Middleware,
    router.allowedMethods() as Middleware,
  ]);
  // /v1 ends at its router: what it does not match, restErrors answers with a 404.
  const endOfV1 = async () => {};
  return { handle: (ctx, next) => (isRestPath(ctx.path) ? handle(ctx, endOfV1) : next()), router };
}

/** Whether a path is the REST API's (under /v1). */
export function isRestPath(path: string): boolean {
  return path === "/v1" || path.startsWith("/v1/");
}

/**
 * Who is calling (`authenticate`), charged to a rate limit before the body is
 * even read: a request with an API key to its customer's tier plan, a
 * registration to the client's address.
 */
/** Registration, sign-in and accepting an invitation: limited per client address (guessing passwords included). */
const ANONYMOUS_WRITES = new Set(["/v1/customers", "/v1/sessions", "/v1/invitations/accept", "/v1/work-teams/join"]);

function authenticatedAndCharged(deps: Deps): Middleware {
  return async (ctx, next) => {
    const actor = await authenticate(deps, ctx);
    let decision: RateDecision | undefined;
    if (ctx.method === "POST" && ANONYMOUS_WRITES.has(ctx.path)) {
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

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The methods whose body is read; a GET's or DELETE's is ignored. */
const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * The request's input: a JSON body parsed (a body that is not JSON is refused
 * rather than silently ignored), and the path, query and body refused when
 * PostgreSQL could not store them.
 */
function checkedInput(limit: string): Middleware {
  const parse = bodyParser({ enableTypes: ["json"], jsonLimit: limit, encoding: "utf-8", parsedMethods: [...METHODS_WITH_BODY] });
  const storable: Middleware = (ctx, next) => {
    const problem = unstorableInput([safeDecode(ctx.path), ctx.query, ctx.request.body]);
    if (problem) throw new ValidationError(problem, [{ path: "(request)", message: problem }]);
    return next();
  };
  return (ctx, next) => {
    if (!METHODS_WITH_BODY.has(ctx.method)) return storable(ctx, next);
    const hasBody = Number(ctx.get("content-length") || 0) > 0 || ctx.get("transfer-encoding") !== "";
    if (hasBody && !ctx.is("application/json", "+json")) {
      throw new AppError("unsupported_media_type", "send the body as application/json");
    }
    return parse(ctx, () => storable(ctx, next));
  };
}
