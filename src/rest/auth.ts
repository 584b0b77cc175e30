// Who is calling, decided once per request by the router: public routes take
// anyone, the rest only customers with a valid API key.
import type { Context, Middleware } from "koa";
import type { Deps } from "../deps.js";
import { assertAllowed, authenticateBearer, refusal, sessionCookieOf } from "../domain/accounts/index.js";
import { routePermission } from "./permissions.js";

import { fromOrigin, type Actor, type CustomerActor } from "../domain/shared/index.js";

/** Sets (and returns) ctx.state.actor from `Authorization: Bearer <credential>`: null when absent or not valid. */
export async function authenticate(deps: Deps, ctx: Context): Promise<Actor | null> {
  // The Authorization header, else the console's session cookie (HTTP-only, same-site).
  const credentials = ctx.get("authorization") || sessionCookieOf(ctx.get("cookie"));
  const actor = credentials ? await authenticateBearer(deps, credentials) : null;
  ctx.state.actor = fromOrigin(actor, { requestId: ctx.state.requestId, clientAddress: ctx.ip });
  return ctx.state.actor;
}

/** The route template (/v1/tasks/:id) koa-router matched for this request's method. */
function matchedRoute(ctx: Context): string | undefined {
  const method = ctx.method === "HEAD" ? "GET" : ctx.method;
  const layers = (ctx.matched ?? []) as { path: string | RegExp; methods: string[] }[];
  const route = layers.find((layer) => layer.methods.includes(method));
  return typeof route?.path === "string" ? route.path : undefined;
}

/** Lets only customers through (401 otherwise, saying what is wrong), and only to what their role or key scope allows (403). */
export const customersOnly: Middleware = (ctx, next) => {
  const actor: Actor | null = ctx.state.actor;
  if (actor?.kind !== "customer") throw refusal("customer", ctx.get("authorization"), actor);
  assertAllowed(actor, routePermission(ctx.method === "HEAD" ? "GET" : ctx.method, matchedRoute(ctx)));
  return next();
};

/** The customer that `customersOnly` let through. */
export function customerOf(ctx: Context): CustomerActor {
  return ctx.state.actor as CustomerActor;
}
