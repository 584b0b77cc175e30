// Who is calling, decided once per request by the router: public routes take
// anyone, the rest only customers with a valid API key.
import type { Context, Middleware } from "koa";
import type { Deps } from "../deps.js";
import { authenticateBearer, refusal } from "../domain/accounts/index.js";
import { fromOrigin, type Actor, type CustomerActor } from "../domain/shared/index.js";

/** Sets (and returns) ctx.state.actor from `Authorization: Bearer <credential>`: null when absent or not valid. */
export async function authenticate(deps: Deps, ctx: Context): Promise<Actor | null> {
  const credentials = ctx.get("authorization");
  const actor = credentials ? await authenticateBearer(deps, credentials) : null;
  ctx.state.actor = fromOrigin(actor, { requestId: ctx.state.requestId, clientAddress: ctx.ip });
  return ctx.state.actor;
}

/** Lets only customers through (401 otherwise, saying what is wrong). */
export const customersOnly: Middleware = (ctx, next) => {
  const actor: Actor | null = ctx.state.actor;
  if (actor?.kind !== "customer") throw refusal("customer", ctx.get("authorization"), actor);
  return next();
};

/** The customer that `customersOnly` let through. */
export function customerOf(ctx: Context): CustomerActor {
  return ctx.state.actor as CustomerActor;
}
